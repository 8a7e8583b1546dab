//! Restoring an exported log: events recorded elsewhere land exactly as they were, and only
//! when they continue the stored chain.

use ledger_store::{ExpectedVersion, RecordedEvent, RestoreError, GENESIS_HASH};

use crate::helpers::*;

/// A source ledger with `n` events spread over three streams, read back whole.
async fn exported(db: &TestDb, n: usize) -> Vec<RecordedEvent> {
    let store = db.open().await;
    for i in 0..n {
        store
            .append(single(
                &format!("household-{}", i % 3),
                ExpectedVersion::Any,
                events(1),
            ))
            .await
            .unwrap();
    }
    let log = all(&store).await;
    store.close().await;
    log
}

pub async fn a_restored_log_has_the_same_positions_times_and_hashes(db: &TestDb) {
    let log = exported(db, 9).await;
    let copy_db = db.another().await;
    let copy = copy_db.open().await;
    copy.restore(&log[..4]).await.unwrap();
    let head = copy.restore(&log[4..]).await.unwrap();

    assert_eq!(all(&copy).await, log, "every envelope field, hash included");
    assert_eq!(head.position, 9);
    assert_eq!(head.hash, log[8].hash);
    assert_eq!(copy.head().await.unwrap(), head);
    assert!(copy.verify().await.unwrap().is_whole());
    let next = copy
        .append(single("household-0", ExpectedVersion::Exact(3), events(1)))
        .await
        .unwrap();
    assert_eq!(
        next.last_position(),
        10,
        "appends continue the restored chain"
    );
    assert!(copy.verify().await.unwrap().is_whole());
}

pub async fn a_restore_with_an_altered_event_names_it_and_writes_nothing(db: &TestDb) {
    let mut log = exported(db, 5).await;
    log[2].payload = log[2].payload.replace('0', "1");
    let copy_db = db.another().await;
    let copy = copy_db.open().await;
    match copy.restore(&log).await {
        Err(RestoreError::Broken { position, reason }) => {
            assert_eq!(position, 3);
            assert!(reason.contains("altered"), "{reason}");
        }
        other => panic!("expected a broken chain at position 3, got {other:?}"),
    }
    assert_eq!(copy.head().await.unwrap().hash, GENESIS_HASH);
    assert!(
        all(&copy).await.is_empty(),
        "nothing of the batch is written"
    );
}

pub async fn a_restore_must_continue_the_stored_head(db: &TestDb) {
    let log = exported(db, 4).await;
    let copy_db = db.another().await;
    let copy = copy_db.open().await;
    let skipped = copy.restore(&log[1..]).await.unwrap_err();
    assert!(
        matches!(skipped, RestoreError::Broken { position: 2, .. }),
        "a log must start at position 1: {skipped:?}"
    );
    copy.restore(&log).await.unwrap();
    let again = copy.restore(&log).await.unwrap_err();
    assert!(
        matches!(again, RestoreError::Broken { position: 1, .. }),
        "a non-empty ledger refuses the same log again: {again:?}"
    );
    assert!(matches!(
        copy.restore(&[]).await.unwrap_err(),
        RestoreError::Empty
    ));
    assert_eq!(all(&copy).await, log);
}

pub async fn restored_events_reach_subscribers(db: &TestDb) {
    let log = exported(db, 3).await;
    let copy_db = db.another().await;
    let copy = copy_db.open().await;
    let mut commits = copy.subscribe();
    copy.restore(&log).await.unwrap();
    commits.changed().await.unwrap();
    assert_eq!(*commits.borrow(), 3);
}

pub async fn a_restore_reusing_a_stored_event_id_is_refused_and_writes_nothing(db: &TestDb) {
    let log = exported(db, 3).await;
    let copy_db = db.another().await;
    let copy = copy_db.open().await;
    copy.restore(&log[..2]).await.unwrap();
    // The third event continues the chain (its hash recomputed) but reuses the first one's id:
    // only the database's unique index can refuse it.
    let mut reused = log[2].clone();
    reused.event_id = log[0].event_id;
    reused.hash = ledger_store::chain_hash(
        &log[1].hash,
        &ledger_store::HashInput {
            position: reused.position,
            stream: &reused.stream,
            stream_version: reused.stream_version,
            event_id: reused.event_id,
            kind: &reused.kind,
            schema_version: reused.schema_version,
            occurred_on: reused.occurred_on,
            recorded_at_micros: reused.recorded_at.timestamp_micros(),
            recorded_by: &reused.recorded_by,
            source_ref: reused.source_ref.as_deref(),
            payload: &reused.payload,
        },
    );
    let refused = copy.restore(&[reused]).await;
    assert!(
        matches!(refused, Err(RestoreError::DuplicateEventId)),
        "{refused:?}"
    );
    assert_eq!(all(&copy).await, log[..2].to_vec());
    assert_eq!(copy.head().await.unwrap().position, 2);
}
