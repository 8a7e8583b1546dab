//! The cases every backend must pass. Each takes a fresh database.

use std::collections::HashSet;
use std::sync::Arc;

use ledger_store::{
    AppendError, AppendRequest, ExpectedVersion, IdempotencyKey, StreamAppend, StreamName,
    ValidationError, GENESIS_HASH,
};

use crate::helpers::*;
pub use crate::restore::*;
pub use crate::session::*;
pub use crate::snapshots::*;

pub async fn appended_events_read_back_with_their_full_envelope(db: &TestDb) {
    let store = db.open().await;
    let mut sent = events(3);
    sent[1].source_ref = None;
    sent[2].occurred_on = date(2024, 2, 29);
    let appended = store
        .append(single(
            "household-1",
            ExpectedVersion::NoStream,
            sent.clone(),
        ))
        .await
        .unwrap();
    assert_eq!(appended.last_position(), 3);
    assert!(!appended.idempotent_replay);
    store
        .append(single("household-2", ExpectedVersion::Any, events(2)))
        .await
        .unwrap();

    let read = all(&store).await;
    assert_eq!(read.len(), 5);
    assert_gapless(&read);
    for (got, want) in read.iter().zip(&sent) {
        assert_eq!(got.event_id, want.event_id);
        assert_eq!(got.kind, want.kind);
        assert_eq!(got.schema_version, want.schema_version);
        assert_eq!(got.occurred_on, want.occurred_on);
        assert_eq!(got.recorded_by, want.recorded_by);
        assert_eq!(got.source_ref, want.source_ref);
        assert_eq!(
            got.payload, want.payload,
            "payload bytes are stored exactly"
        );
        assert_eq!(got.stream, "household-1");
    }
    assert_eq!(
        read.iter().map(|e| e.stream_version).collect::<Vec<_>>(),
        vec![1, 2, 3, 1, 2]
    );
    assert!(read
        .windows(2)
        .all(|w| w[0].recorded_at <= w[1].recorded_at));
    let head = store.head().await.unwrap();
    assert_eq!(head.position, 5);
    assert_eq!(head.hash, read[4].hash);
    assert!(store.verify().await.unwrap().is_whole());
}

pub async fn read_stream_starts_at_the_requested_version(db: &TestDb) {
    let store = db.open().await;
    store
        .append(single("child-7", ExpectedVersion::NoStream, events(4)))
        .await
        .unwrap();
    store
        .append(single("child-8", ExpectedVersion::NoStream, events(1)))
        .await
        .unwrap();
    let from_3 = store.read_stream(&stream("child-7"), 3).await.unwrap();
    assert_eq!(
        from_3.iter().map(|e| e.stream_version).collect::<Vec<_>>(),
        vec![3, 4]
    );
    assert!(store
        .read_stream(&stream("child-9"), 1)
        .await
        .unwrap()
        .is_empty());
}

pub async fn a_wrong_expected_version_is_a_conflict_that_writes_nothing(db: &TestDb) {
    let store = db.open().await;
    store
        .append(single("programme-a", ExpectedVersion::NoStream, events(2)))
        .await
        .unwrap();
    let head = store.head().await.unwrap();
    for expected in [ExpectedVersion::NoStream, ExpectedVersion::Exact(1)] {
        let err = store
            .append(single("programme-a", expected, events(1)))
            .await
            .unwrap_err();
        match err {
            AppendError::Conflict {
                stream,
                expected: e,
                actual,
            } => {
                assert_eq!(stream, "programme-a");
                assert_eq!(e, expected);
                assert_eq!(actual, 2);
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
    }
    assert_eq!(store.head().await.unwrap(), head);
    store
        .append(single("programme-a", ExpectedVersion::Exact(2), events(1)))
        .await
        .unwrap();
}

pub async fn an_expected_version_beyond_the_stream_is_a_conflict(db: &TestDb) {
    let store = db.open().await;
    let err = store
        .append(single("sponsor-1", ExpectedVersion::Exact(9), events(1)))
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppendError::Conflict { actual: 0, .. }),
        "{err:?}"
    );
    assert_eq!(store.head().await.unwrap().position, 0);
}

pub async fn fifty_racing_appends_with_the_same_expected_version_let_exactly_one_win(db: &TestDb) {
    let store = Arc::new(db.open().await);
    store
        .append(single(
            "programme-race",
            ExpectedVersion::NoStream,
            events(1),
        ))
        .await
        .unwrap();
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .append(single(
                        "programme-race",
                        ExpectedVersion::Exact(1),
                        events(1),
                    ))
                    .await
            })
        })
        .collect();
    let mut wins = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => wins += 1,
            Err(AppendError::Conflict { actual: 2, .. }) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(wins, 1);
    assert_eq!(store.head().await.unwrap().position, 2);
}

pub async fn a_multi_stream_append_with_one_bad_version_writes_nothing(db: &TestDb) {
    let store = db.open().await;
    store
        .append(single("programme-h", ExpectedVersion::NoStream, events(1)))
        .await
        .unwrap();
    let request = AppendRequest {
        streams: vec![
            StreamAppend {
                stream: stream("household-1"),
                expected: ExpectedVersion::NoStream,
                events: events(2),
            },
            StreamAppend {
                stream: stream("programme-h"),
                expected: ExpectedVersion::Exact(7),
                events: events(1),
            },
        ],
        idempotency: None,
    };
    let err = store.append(request.clone()).await.unwrap_err();
    assert!(matches!(err, AppendError::Conflict { ref stream, .. } if stream == "programme-h"));
    assert_eq!(store.head().await.unwrap().position, 1);
    assert!(store
        .read_stream(&stream("household-1"), 1)
        .await
        .unwrap()
        .is_empty());

    let mut fixed = request;
    fixed.streams[1].expected = ExpectedVersion::Exact(1);
    let appended = store.append(fixed).await.unwrap();
    assert_eq!(appended.events.len(), 3);
    assert_eq!(appended.last_position(), 4);
}

pub async fn a_retry_with_the_same_event_ids_returns_the_original_positions(db: &TestDb) {
    let store = db.open().await;
    store
        .append(single("a", ExpectedVersion::NoStream, events(1)))
        .await
        .unwrap();
    let request = single("b", ExpectedVersion::NoStream, events(2));
    let first = store.append(request.clone()).await.unwrap();
    store
        .append(single("a", ExpectedVersion::Any, events(1)))
        .await
        .unwrap();
    // The retry's expected version no longer holds; idempotency answers before versions.
    let retry = store.append(request).await.unwrap();
    assert!(retry.idempotent_replay);
    assert_eq!(retry.events, first.events);
    assert_eq!(store.head().await.unwrap().position, 4);
}

pub async fn a_retry_of_part_of_an_append_is_refused(db: &TestDb) {
    let store = db.open().await;
    let original = events(1);
    store
        .append(single("a", ExpectedVersion::Any, original.clone()))
        .await
        .unwrap();
    let mut mixed = original;
    mixed.extend(events(1));
    let err = store
        .append(single("a", ExpectedVersion::Any, mixed))
        .await
        .unwrap_err();
    assert!(matches!(err, AppendError::PartialRetry { .. }), "{err:?}");
    assert_eq!(store.head().await.unwrap().position, 1);
}

pub async fn the_same_event_id_with_other_content_is_rejected(db: &TestDb) {
    let store = db.open().await;
    let original = events(1);
    store
        .append(single("a", ExpectedVersion::Any, original.clone()))
        .await
        .unwrap();
    let mut altered = original.clone();
    altered[0].payload = r#"{"i":99}"#.to_owned();
    let err = store
        .append(single("a", ExpectedVersion::Any, altered))
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppendError::IdempotencyMismatch { event_id } if event_id == original[0].event_id)
    );
    let elsewhere = store
        .append(single("b", ExpectedVersion::Any, original))
        .await
        .unwrap_err();
    assert!(matches!(elsewhere, AppendError::IdempotencyMismatch { .. }));
    assert_eq!(store.head().await.unwrap().position, 1);
}

pub async fn positions_stay_gapless_under_eight_concurrent_writers(db: &TestDb) {
    let store = Arc::new(db.open().await);
    let tasks: Vec<_> = (0..8)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                for i in 0..40 {
                    let n = 1 + (i % 3);
                    store
                        .append(single(
                            &format!("writer-{w}"),
                            ExpectedVersion::Any,
                            events(n),
                        ))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let read = all(&store).await;
    assert_eq!(read.len(), 8 * (14 + 13 * 2 + 13 * 3));
    assert_gapless(&read);
    assert!(store.verify().await.unwrap().is_whole());
}

pub async fn two_store_instances_on_one_database_stay_gapless_and_verify(db: &TestDb) {
    // Two stores have two pools and two writers, as two server processes would.
    let first = Arc::new(db.open().await);
    let second = Arc::new(db.open().await);
    let tasks: Vec<_> = [first.clone(), second.clone()]
        .into_iter()
        .enumerate()
        .flat_map(|(s, store)| {
            (0..4).map(move |w| {
                let store = store.clone();
                tokio::spawn(async move {
                    for _ in 0..25 {
                        store
                            .append(single(
                                &format!("p{s}-w{w}"),
                                ExpectedVersion::Any,
                                events(2),
                            ))
                            .await
                            .unwrap();
                    }
                })
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let read = all(&first).await;
    assert_eq!(read.len(), 2 * 4 * 25 * 2);
    assert_gapless(&read);
    let report = second.verify().await.unwrap();
    assert!(report.is_whole(), "{report:?}");
    assert_eq!(report.events_checked, 400);
}

pub async fn data_survives_reopening_the_store(db: &TestDb) {
    let store = db.open().await;
    store
        .append(single("a", ExpectedVersion::NoStream, events(3)))
        .await
        .unwrap();
    let head = store.head().await.unwrap();
    let before = all(&store).await;
    store.close().await;
    drop(store);

    let reopened = db.open().await;
    assert_eq!(reopened.head().await.unwrap(), head);
    assert_eq!(all(&reopened).await, before);
    assert!(reopened.verify().await.unwrap().is_whole());
    reopened
        .append(single("a", ExpectedVersion::Exact(3), events(1)))
        .await
        .unwrap();
}

pub async fn the_last_position_recorded_by_a_time_is_found_by_search(db: &TestDb) {
    let store = db.open().await;
    for batch in 0..7 {
        let expected = match batch {
            0 => ExpectedVersion::NoStream,
            n => ExpectedVersion::Exact(n * 2),
        };
        store
            .append(single("a", expected, events(2)))
            .await
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    let log = all(&store).await;
    let head = log.len() as u64;
    let before_all = log[0].recorded_at - chrono::Duration::microseconds(1);
    assert_eq!(
        store
            .last_position_recorded_by(before_all, head)
            .await
            .unwrap(),
        0
    );
    for event in &log {
        // Every event of an append shares its time: the last of them is the answer.
        let expected = log
            .iter()
            .filter(|e| e.recorded_at <= event.recorded_at)
            .map(|e| e.position)
            .max()
            .unwrap();
        let found = store
            .last_position_recorded_by(event.recorded_at, head)
            .await;
        assert_eq!(
            found.unwrap(),
            expected,
            "recorded at {}",
            event.recorded_at
        );
        let capped = store.last_position_recorded_by(event.recorded_at, 3).await;
        assert_eq!(capped.unwrap(), expected.min(3));
    }
    let later = log[log.len() - 1].recorded_at + chrono::Duration::days(1);
    assert_eq!(
        store.last_position_recorded_by(later, head).await.unwrap(),
        head
    );
    // A bound past the stored log finds the head.
    let beyond = store.last_position_recorded_by(later, u64::MAX).await;
    assert_eq!(beyond.unwrap(), head);
}

async fn drop_append_only_guards(db: &TestDb) {
    if db.is_postgres() {
        db.sabotage(&[
            "DROP TRIGGER events_are_append_only_update ON events",
            "DROP TRIGGER events_are_append_only_truncate ON events",
        ])
        .await;
    } else {
        db.sabotage(&[
            "DROP TRIGGER events_are_append_only_update",
            "DROP TRIGGER events_are_append_only_delete",
        ])
        .await;
    }
}

pub async fn altering_one_payload_byte_makes_verify_name_its_position(db: &TestDb) {
    let store = db.open().await;
    for i in 0..10 {
        store
            .append(single(
                &format!("s{}", i % 3),
                ExpectedVersion::Any,
                events(1),
            ))
            .await
            .unwrap();
    }
    assert!(store.verify().await.unwrap().is_whole());
    drop_append_only_guards(db).await;
    // {"i":0} → {"i":1}: one byte.
    db.sabotage(&["UPDATE events SET payload = replace(payload, '0', '1') WHERE position = 7"])
        .await;
    let report = store.verify().await.unwrap();
    let failure = report.failure.expect("verify must notice the altered byte");
    assert_eq!(failure.position, 7);
    assert!(failure.reason.contains("altered"), "{}", failure.reason);
}

pub async fn deleting_the_last_event_makes_verify_report_the_head(db: &TestDb) {
    let store = db.open().await;
    store
        .append(single("a", ExpectedVersion::Any, events(3)))
        .await
        .unwrap();
    drop_append_only_guards(db).await;
    db.sabotage(&["DELETE FROM events WHERE position = 3"])
        .await;
    let failure = store.verify().await.unwrap().failure.unwrap();
    assert_eq!(failure.position, 3);
    assert!(failure.reason.contains("head row"), "{}", failure.reason);
}

pub async fn stored_events_refuse_update_and_delete(db: &TestDb) {
    let store = db.open().await;
    store
        .append(single("a", ExpectedVersion::Any, events(1)))
        .await
        .unwrap();
    let update = if db.is_postgres() {
        let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url)
            .await
            .unwrap();
        sqlx::query("UPDATE events SET kind = 'X'")
            .execute(&mut c)
            .await
            .map(|_| ())
    } else {
        let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(&db.url)
            .await
            .unwrap();
        sqlx::query("DELETE FROM events")
            .execute(&mut c)
            .await
            .map(|_| ())
    };
    let message = update.unwrap_err().to_string();
    assert!(message.contains("append-only"), "{message}");
    assert!(store.verify().await.unwrap().is_whole());
}

pub async fn concurrent_requests_share_transactions_and_a_conflict_fails_alone(db: &TestDb) {
    let store = Arc::new(db.open().await);
    let requests = 100;
    let tasks: Vec<_> = (0..requests)
        .map(|i| {
            let store = store.clone();
            let expected = if i % 10 == 0 {
                ExpectedVersion::Exact(5)
            } else {
                ExpectedVersion::NoStream
            };
            tokio::spawn(async move {
                store
                    .append(single(&format!("stream-{i}"), expected, events(1)))
                    .await
            })
        })
        .collect();
    let mut ok = 0;
    let mut conflicts = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(AppendError::Conflict { .. }) => conflicts += 1,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((ok, conflicts), (90, 10));
    let read = all(&store).await;
    assert_eq!(read.len(), 90);
    assert_gapless(&read);
    let stats = store.writer_stats();
    assert_eq!(stats.events, 90);
    assert!(
        stats.transactions < 90,
        "group commit must fold concurrent requests: {stats:?}"
    );
}

pub async fn malformed_appends_are_refused_with_specific_errors_and_write_nothing(db: &TestDb) {
    for bad in ["", "1abc", "has space", "ümlaut", &"x".repeat(129)] {
        assert!(
            matches!(
                StreamName::parse(bad),
                Err(ValidationError::InvalidStreamName { .. })
            ),
            "{bad:?} must be refused"
        );
    }
    let store = db.open().await;
    let invalid = |e: AppendError| match e {
        AppendError::Invalid(v) => v,
        other => panic!("expected a validation error, got {other:?}"),
    };

    let err = store.append(AppendRequest::default()).await.unwrap_err();
    assert_eq!(invalid(err), ValidationError::EmptyAppend);

    let err = store
        .append(single("a", ExpectedVersion::Any, vec![]))
        .await
        .unwrap_err();
    assert_eq!(invalid(err), ValidationError::EmptyAppend);

    for (payload, want_object) in [("[1,2]", true), ("\"text\"", true), ("{\"a\":", false)] {
        let mut e = events(1);
        e[0].payload = payload.to_owned();
        let err = invalid(
            store
                .append(single("a", ExpectedVersion::Any, e))
                .await
                .unwrap_err(),
        );
        if want_object {
            assert!(
                matches!(err, ValidationError::PayloadNotObject { .. }),
                "{err:?}"
            );
        } else {
            assert!(
                matches!(err, ValidationError::PayloadNotJson { .. }),
                "{err:?}"
            );
        }
    }

    let mut big = events(1);
    big[0].payload = format!(
        "{{\"x\":\"{}\"}}",
        "a".repeat(ledger_store::limits::PAYLOAD_BYTES_MAX)
    );
    let err = invalid(
        store
            .append(single("a", ExpectedVersion::Any, big))
            .await
            .unwrap_err(),
    );
    assert!(
        matches!(err, ValidationError::PayloadTooLarge { .. }),
        "{err:?}"
    );

    let mut twice = events(2);
    twice[1].event_id = twice[0].event_id;
    let err = invalid(
        store
            .append(single("a", ExpectedVersion::Any, twice))
            .await
            .unwrap_err(),
    );
    assert!(
        matches!(err, ValidationError::DuplicateEventId { .. }),
        "{err:?}"
    );

    let mut bad_kind = events(1);
    bad_kind[0].kind = "drop table;".to_owned();
    let err = invalid(
        store
            .append(single("a", ExpectedVersion::Any, bad_kind))
            .await
            .unwrap_err(),
    );
    assert!(
        matches!(err, ValidationError::InvalidField { field: "kind", .. }),
        "{err:?}"
    );

    let err = invalid(
        store
            .append(single(
                "a",
                ExpectedVersion::Any,
                events(ledger_store::limits::EVENTS_PER_APPEND_MAX + 1),
            ))
            .await
            .unwrap_err(),
    );
    assert!(
        matches!(err, ValidationError::TooManyEvents { .. }),
        "{err:?}"
    );

    assert_eq!(store.head().await.unwrap().position, 0);
}

pub async fn an_empty_ledger_verifies_and_has_the_genesis_head(db: &TestDb) {
    let store = db.open().await;
    let head = store.head().await.unwrap();
    assert_eq!((head.position, head.hash), (0, GENESIS_HASH));
    let report = store.verify().await.unwrap();
    assert!(report.is_whole());
    assert_eq!(report.events_checked, 0);
}

pub async fn close_answers_every_queued_append(db: &TestDb) {
    let store = Arc::new(db.open().await);
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .append(single(&format!("c{i}"), ExpectedVersion::Any, events(1)))
                    .await
            })
        })
        .collect();
    tokio::task::yield_now().await;
    store.close().await;
    let mut acknowledged = HashSet::new();
    for t in tasks {
        match t.await.unwrap() {
            Ok(a) => {
                acknowledged.insert(a.events[0].event_id);
            }
            Err(AppendError::Closed) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    let reopened = db.open().await;
    let stored: HashSet<_> = all(&reopened).await.iter().map(|e| e.event_id).collect();
    assert_eq!(
        stored, acknowledged,
        "every acknowledged append is stored, nothing else"
    );
}

pub async fn tokens_are_kept_as_hashes_and_revocation_reaches_other_stores_by_their_recheck(
    db: &TestDb,
) {
    let store = db.open().await;
    let created = store
        .create_token("dashboard-1", "dashboard")
        .await
        .unwrap();
    assert!(created.token.len() >= 32, "at least 128 bits of secret");
    let found = store.authenticate(&created.token).await.unwrap().unwrap();
    assert_eq!(
        (found.name.as_str(), found.role.as_str()),
        ("dashboard-1", "dashboard")
    );

    let mut wrong = created.token.clone();
    let last = wrong.pop().unwrap();
    wrong.push(if last == '0' { '1' } else { '0' });
    assert_eq!(store.authenticate(&wrong).await.unwrap(), None);
    assert_eq!(store.authenticate("Bearer nonsense").await.unwrap(), None);

    let listed = store.list_tokens().await.unwrap();
    assert_eq!(listed, vec![created.record.clone()]);
    let secret = created.token.rsplit('_').next().unwrap().to_owned();
    if !db.is_postgres() {
        let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(&db.url)
            .await
            .unwrap();
        let stored: Vec<u8> = sqlx::query_scalar("SELECT secret_hash FROM api_tokens")
            .fetch_one(&mut c)
            .await
            .unwrap();
        assert_eq!(stored.len(), 32);
        assert_ne!(stored, secret.as_bytes());
    }

    // A second store stands for a second server process. One that has not read the token
    // refuses it at once; one that read it trusts what it read until its recheck is due; one
    // that rechecks every time refuses it at once. The store that revoked it refuses it at
    // once though it had read it.
    let other = db.open().await;
    let trusting = db
        .open()
        .await
        .with_token_recheck(std::time::Duration::from_secs(3600));
    let strict = db
        .open()
        .await
        .with_token_recheck(std::time::Duration::ZERO);
    assert!(trusting
        .authenticate(&created.token)
        .await
        .unwrap()
        .is_some());
    assert!(strict.authenticate(&created.token).await.unwrap().is_some());
    store.revoke_token(&created.record.id).await.unwrap();
    assert_eq!(store.authenticate(&created.token).await.unwrap(), None);
    assert_eq!(other.authenticate(&created.token).await.unwrap(), None);
    assert_eq!(strict.authenticate(&created.token).await.unwrap(), None);
    assert!(
        trusting
            .authenticate(&created.token)
            .await
            .unwrap()
            .is_some(),
        "within its recheck window"
    );
    assert!(store.list_tokens().await.unwrap()[0].revoked_at.is_some());
    assert!(store.revoke_token("0000000000000000").await.is_err());
}

pub async fn subscribers_learn_of_every_commit(db: &TestDb) {
    let store = db.open().await;
    let mut updates = store.subscribe();
    assert_eq!(*updates.borrow_and_update(), 0);
    store
        .append(single("a", ExpectedVersion::Any, events(3)))
        .await
        .unwrap();
    updates.changed().await.unwrap();
    assert_eq!(*updates.borrow_and_update(), 3);
    // A refused append is no news.
    let _ = store
        .append(single("a", ExpectedVersion::NoStream, events(1)))
        .await;
    assert!(!updates.has_changed().unwrap());
}

pub async fn an_idempotency_key_returns_the_original_result_and_refuses_another_request(
    db: &TestDb,
) {
    let store = db.open().await;
    let keyed = |events, hash: u8| AppendRequest {
        idempotency: Some(IdempotencyKey {
            key: "clerk-7:approve-h1".to_owned(),
            request_hash: [hash; 32],
        }),
        ..single("programme-p", ExpectedVersion::Any, events)
    };
    let first = store.append(keyed(events(2), 1)).await.unwrap();
    // New event ids, same key and request hash: the original result, nothing written.
    let again = store.append(keyed(events(2), 1)).await.unwrap();
    assert!(again.idempotent_replay);
    assert_eq!(again.events, first.events);
    let other = store.append(keyed(events(1), 2)).await.unwrap_err();
    assert!(
        matches!(other, AppendError::IdempotencyKeyReused { .. }),
        "{other:?}"
    );
    assert_eq!(store.head().await.unwrap().position, 2);
    let stored = store
        .idempotent_result("clerk-7:approve-h1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.result.events, first.events);
    assert_eq!(stored.request_hash, vec![1u8; 32]);
    assert!(store.idempotent_result("nope").await.unwrap().is_none());

    // Two racing requests with one key: one writes, the other gets its result.
    let store = std::sync::Arc::new(store);
    let racing: Vec<_> = (0..2)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .append(AppendRequest {
                        idempotency: Some(IdempotencyKey {
                            key: "race".to_owned(),
                            request_hash: [9; 32],
                        }),
                        ..single("programme-q", ExpectedVersion::Any, events(1))
                    })
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut results = Vec::new();
    for r in racing {
        results.push(r.await.unwrap());
    }
    assert_eq!(results[0].events, results[1].events);
    assert_eq!(store.head().await.unwrap().position, 3);
}

pub async fn a_stream_may_recur_in_one_append_and_order_is_kept(db: &TestDb) {
    let store = db.open().await;
    let entry = |name: &str, expected| StreamAppend {
        stream: stream(name),
        expected,
        events: events(1),
    };
    let ordered = AppendRequest {
        streams: vec![
            entry("household-1", ExpectedVersion::NoStream),
            entry("programme-1", ExpectedVersion::NoStream),
            entry("household-1", ExpectedVersion::Exact(1)),
        ],
        idempotency: None,
    };
    let appended = store.append(ordered).await.unwrap();
    let landed: Vec<_> = appended
        .events
        .iter()
        .map(|e| (e.stream.to_string(), e.stream_version, e.position))
        .collect();
    assert_eq!(
        landed,
        vec![
            ("household-1".to_owned(), 1, 1),
            ("programme-1".to_owned(), 1, 2),
            ("household-1".to_owned(), 2, 3),
        ]
    );
    // The second entry's expectation is judged after the first entry: Exact(3) is wrong.
    let stale = AppendRequest {
        streams: vec![
            entry("household-1", ExpectedVersion::Exact(2)),
            entry("household-1", ExpectedVersion::Exact(2)),
        ],
        idempotency: None,
    };
    let err = store.append(stale).await.unwrap_err();
    assert!(
        matches!(err, AppendError::Conflict { actual: 3, .. }),
        "{err:?}"
    );
    assert_eq!(store.head().await.unwrap().position, 3);
}

pub async fn the_signing_seed_is_made_once_and_shared_by_every_store(db: &TestDb) {
    let first = db.open().await;
    let seed = first.signing_seed().await.unwrap();
    assert_ne!(seed, [0u8; 32]);
    assert_eq!(first.signing_seed().await.unwrap(), seed);
    let second = db.open().await;
    assert_eq!(second.signing_seed().await.unwrap(), seed);
    let other_db = db.another().await;
    assert_ne!(other_db.open().await.signing_seed().await.unwrap(), seed);
}

/// Page reads (the replay path) and stream reads must return the same envelopes, with text
/// that needs escaping kept byte for byte.
pub async fn pages_return_exact_text_and_agree_with_stream_reads(db: &TestDb) {
    let store = db.open().await;
    let awkward = [
        "Nguyễn Thị Hoa, phường Hồng Hà",
        "quotes \" and \\ backslash",
        "line\nbreak\ttab\u{1}control",
        "emoji 🏠 and U+2028 \u{2028} here",
    ];
    let mut sent: Vec<_> = awkward
        .iter()
        .map(|text| {
            let mut e = event("Noted", serde_json::json!({ "text": text }));
            e.source_ref = Some((*text).to_owned());
            e.recorded_by = (*text).to_owned();
            e
        })
        .collect();
    sent[0].source_ref = None;
    // A payload whose exact spelling (spaces, key order, escapes) is not serde's own.
    sent[1].payload = "{ \"b\" : 1,\"a\":\"\\u00e9\" }".to_owned();
    store
        .append(single(
            "household-1",
            ExpectedVersion::NoStream,
            sent.clone(),
        ))
        .await
        .unwrap();

    let paged = store.read_page(0, 2).await.unwrap();
    let rest = store.read_page(2, 100).await.unwrap();
    let streamed = store.read_stream(&stream("household-1"), 1).await.unwrap();
    let pages: Vec<_> = paged.into_iter().chain(rest).collect();
    assert_eq!(
        pages, streamed,
        "page and stream reads agree on every field"
    );
    for (got, want) in pages.iter().zip(&sent) {
        assert_eq!(got.payload, want.payload);
        assert_eq!(got.source_ref, want.source_ref);
        assert_eq!(got.recorded_by, want.recorded_by);
        assert_eq!(got.event_id, want.event_id);
    }
    assert!(store.read_page(4, 10).await.unwrap().is_empty());
    assert_eq!(all(&store).await, pages, "whole-log reads agree too");
}

/// A log of several pages reads whole, in order, from any position, the same as page by page;
/// reads given up midway (a client gone, a replay bounded below the head) leave the store
/// usable, more of them than the pool has connections.
pub async fn a_long_log_reads_whole_from_any_position_and_a_read_given_up_frees_the_store(
    db: &TestDb,
) {
    use futures::{StreamExt, TryStreamExt};
    let store = db.open().await;
    for i in 0..5 {
        store
            .append(single(
                &format!("household-{i}"),
                ExpectedVersion::NoStream,
                events(1_000),
            ))
            .await
            .unwrap();
    }
    let whole = all(&store).await;
    assert_eq!(whole.len(), 5_000);
    assert_gapless(&whole);
    let mut paged: Vec<ledger_store::RecordedEvent> = Vec::new();
    loop {
        let after = paged.last().map_or(0, |e| e.position);
        let page = store.read_page(after, 700).await.unwrap();
        if page.is_empty() {
            break;
        }
        paged.extend(page);
    }
    assert_eq!(paged, whole, "one pass and pages agree");
    let tail: Vec<_> = store.read_all(2_345).try_collect().await.unwrap();
    assert_eq!(tail.as_slice(), &whole[2_344..]);
    assert!(store
        .read_all(5_001)
        .try_collect::<Vec<_>>()
        .await
        .unwrap()
        .is_empty());

    for _ in 0..20 {
        let mut partial = std::pin::pin!(store.read_all(1));
        assert_eq!(partial.next().await.unwrap().unwrap().position, 1);
    }
    let more = async {
        store
            .append(single(
                "household-0",
                ExpectedVersion::Exact(1_000),
                events(1),
            ))
            .await
            .unwrap();
        all(&store).await.len()
    };
    let after = tokio::time::timeout(std::time::Duration::from_secs(60), more)
        .await
        .expect("the store answers after reads given up");
    assert_eq!(after, 5_001);
}
