//! Write sessions: many appends under one held write lock, durable at each commit.

use std::time::Duration;

use ledger_store::{AppendError, ExpectedVersion, StoreError};

use crate::helpers::{all, assert_gapless, events, single, TestDb};

pub async fn a_session_appends_as_the_writer_does_and_others_see_it_at_commit(db: &TestDb) {
    let store = db.open().await;
    let other = db.open().await;
    let mut updates = store.subscribe();
    let mut session = store.write_session().await.unwrap();
    let first = session
        .append(single("a", ExpectedVersion::NoStream, events(2)))
        .await
        .unwrap();
    let request = single("b", ExpectedVersion::NoStream, events(1));
    let b = session.append(request.clone()).await.unwrap();
    assert_eq!(b.events[0].position, 3);
    // A retry inside the session answers with the original positions, as the writer does.
    let again = session.append(request.clone()).await.unwrap();
    assert!(again.idempotent_replay);
    assert_eq!(again.events, b.events);
    // A conflict refuses that append alone.
    let conflict = session
        .append(single("a", ExpectedVersion::Exact(1), events(1)))
        .await;
    assert!(matches!(
        conflict,
        Err(AppendError::Conflict { actual: 2, .. })
    ));
    let more = session
        .append(single("a", ExpectedVersion::Exact(2), events(1)))
        .await
        .unwrap();
    assert_eq!(
        (more.events[0].position, more.events[0].stream_version),
        (4, 3)
    );
    assert_eq!(session.uncommitted_events(), 4);
    // Uncommitted appends are the session's alone, but its own lookups see them.
    let ids: Vec<_> = first.events.iter().map(|e| e.event_id).collect();
    assert_eq!(session.known_event_ids(&ids).await.unwrap().len(), 2);
    assert!(other.known_event_ids(&ids).await.unwrap().is_empty());
    assert!(all(&other).await.is_empty());
    assert_eq!(*updates.borrow_and_update(), 0);
    session.commit().await.unwrap();
    assert_eq!(session.uncommitted_events(), 0);
    assert_eq!(*updates.borrow_and_update(), 4);
    assert_eq!(all(&other).await.len(), 4);
    let mut asked = ids.clone();
    asked.push(uuid::Uuid::new_v4());
    assert_eq!(
        other.known_event_ids(&asked).await.unwrap(),
        ids.iter().copied().collect(),
        "committed ids are known to every store; a new one is not"
    );
    session
        .append(single("c", ExpectedVersion::NoStream, events(1)))
        .await
        .unwrap();
    session.end().await.unwrap();
    let log = all(&other).await;
    assert_eq!(log.len(), 5);
    assert_gapless(&log);
    assert_eq!(*updates.borrow(), 5);
    assert!(other.verify().await.unwrap().failure.is_none());
    assert_eq!(store.writer_stats().events, 5);
}

pub async fn other_writers_wait_for_the_session_and_continue_its_chain(db: &TestDb) {
    let store = std::sync::Arc::new(db.open().await);
    let second = std::sync::Arc::new(db.open().await);
    let mut session = store.write_session().await.unwrap();
    session
        .append(single("s", ExpectedVersion::NoStream, events(3)))
        .await
        .unwrap();
    // One writer in this process, one through another store (as another process would be).
    let waiting: Vec<_> = [store.clone(), second.clone()]
        .into_iter()
        .map(|store| {
            tokio::spawn(async move {
                store
                    .append(single("t", ExpectedVersion::Any, events(1)))
                    .await
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        waiting.iter().all(|w| !w.is_finished()),
        "appends wait while a session holds the write lock"
    );
    session.end().await.unwrap();
    let mut positions = Vec::new();
    for w in waiting {
        positions.push(w.await.unwrap().unwrap().events[0].position);
    }
    positions.sort_unstable();
    assert_eq!(positions, vec![4, 5]);
    let log = all(&second).await;
    assert_gapless(&log);
    assert!(second.verify().await.unwrap().failure.is_none());
}

pub async fn dropping_a_session_rolls_back_what_it_had_not_committed(db: &TestDb) {
    let store = db.open().await;
    let mut session = store.write_session().await.unwrap();
    session
        .append(single("a", ExpectedVersion::NoStream, events(2)))
        .await
        .unwrap();
    session.commit().await.unwrap();
    session
        .append(single("a", ExpectedVersion::Exact(2), events(5)))
        .await
        .unwrap();
    drop(session);
    // The writer takes the lock again and continues from what was committed.
    let next = store
        .append(single("a", ExpectedVersion::Exact(2), events(1)))
        .await
        .unwrap();
    assert_eq!(next.events[0].position, 3);
    let log = all(&store).await;
    assert_eq!(log.len(), 3);
    assert_gapless(&log);
    assert_eq!(store.head().await.unwrap().position, 3);
    assert!(store.verify().await.unwrap().failure.is_none());
}

pub async fn a_database_failure_rolls_the_session_back_and_it_refuses_to_commit(db: &TestDb) {
    let store = db.open().await;
    // Inserts into stream "b" fail in the database itself, after planning accepted them.
    if db.is_postgres() {
        db.sabotage(&[
            "CREATE FUNCTION refuse_b() RETURNS trigger AS $$ BEGIN \
             IF NEW.stream = 'b' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$ \
             LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_b BEFORE INSERT ON events FOR EACH ROW \
             EXECUTE FUNCTION refuse_b()",
        ])
        .await;
    } else {
        db.sabotage(&["CREATE TRIGGER refuse_b BEFORE INSERT ON events \
             WHEN NEW.stream = 'b' BEGIN SELECT RAISE(ABORT, 'refused'); END"])
            .await;
    }
    let mut session = store.write_session().await.unwrap();
    session
        .append(single("a", ExpectedVersion::NoStream, events(1)))
        .await
        .unwrap();
    session.commit().await.unwrap();
    session
        .append(single("a", ExpectedVersion::Exact(1), events(1)))
        .await
        .unwrap();
    let failed = session
        .append(single("b", ExpectedVersion::NoStream, events(1)))
        .await;
    assert!(matches!(failed, Err(AppendError::Storage(_))), "{failed:?}");
    let later = session
        .append(single("c", ExpectedVersion::NoStream, events(1)))
        .await;
    assert!(matches!(later, Err(AppendError::Storage(_))), "{later:?}");
    assert!(matches!(
        session.end().await,
        Err(StoreError::SessionRolledBack)
    ));
    // Only the committed append stays, and the writer carries on from it.
    let next = store
        .append(single("a", ExpectedVersion::Exact(1), events(1)))
        .await
        .unwrap();
    assert_eq!(next.events[0].position, 2);
    assert!(store.verify().await.unwrap().failure.is_none());
}

/// An importer looks ids up on another connection while a session writes and notes the
/// absent ones to the session, whose next write then does not ask about them. A note that is
/// wrong (the id is stored) cannot store an event twice: the log's unique index refuses the
/// write, the session rolls back, and the log keeps the event once.
pub async fn an_id_noted_absent_is_not_asked_again_and_a_wrong_note_stores_nothing_twice(
    db: &TestDb,
) {
    let store = db.open().await;
    let mut session = store.write_session().await.unwrap();
    let first = session
        .append(single("a", ExpectedVersion::NoStream, events(1)))
        .await
        .unwrap();
    session.commit().await.unwrap();

    // A right note: the append lands as any other.
    let fresh = events(1);
    session.note_absent(vec![fresh[0].event_id]).await.unwrap();
    let landed = session
        .append(single("b", ExpectedVersion::NoStream, fresh))
        .await
        .unwrap();
    assert_eq!(landed.events[0].position, 2);
    session.commit().await.unwrap();

    // A wrong note: the id of the first event, appended again on another stream.
    let stored = first.events[0].event_id;
    let mut again = events(1);
    again[0].event_id = stored;
    session.note_absent(vec![stored]).await.unwrap();
    let refused = session
        .append(single("c", ExpectedVersion::NoStream, again))
        .await;
    assert!(
        matches!(refused, Err(AppendError::Storage(_))),
        "{refused:?}"
    );
    assert!(matches!(
        session.commit().await,
        Err(StoreError::SessionRolledBack)
    ));
    drop(session);
    let log = all(&store).await;
    assert_eq!(log.len(), 2);
    assert_eq!(log.iter().filter(|e| e.event_id == stored).count(), 1);
    assert_gapless(&log);
}
