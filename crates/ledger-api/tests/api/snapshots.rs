//! Projection snapshots: start-up and historical queries from a snapshot must answer exactly
//! what a replay from position 1 answers, and a snapshot that does not fit is ignored.

use std::sync::Arc;

use futures::TryStreamExt;
use ledger_api::view::{decode, replay_at, snapshot, Folded, LiveView};
use ledger_api::AppState;
use ledger_domain::{Ledger, SNAPSHOT_FORMAT};
use ledger_store::EventStore;

use crate::helpers::TestApp;

fn fixture() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/halong-2023/commands.ndjson"
    );
    std::fs::read_to_string(path).unwrap()
}

/// Imports `text` through `view` in batches of 200 lines (so transaction times differ).
async fn import(store: &EventStore, view: &LiveView, text: &str) {
    ledger_api::import::import_in_batches(
        store,
        view,
        std::io::Cursor::new(text),
        "test:snapshots",
        200,
        |_, _| {},
    )
    .await
    .unwrap();
}

/// The first half of the fixture, a snapshot of the view, then the second half. Returns the
/// view and the snapshot's position.
async fn halves_around_a_snapshot(store: &EventStore) -> (LiveView, u64) {
    let text = fixture();
    let lines: Vec<&str> = text.lines().collect();
    let (first, second) = lines.split_at(lines.len() / 2);
    let view = LiveView::default();
    import(store, &view, &first.join("\n")).await;
    let written = view.write_snapshot(store).await.unwrap().unwrap();
    import(store, &view, &second.join("\n")).await;
    let head = store.head().await.unwrap().position;
    assert!(
        written.position > 0 && head > written.position + 100,
        "events after the snapshot"
    );
    (view, written.position)
}

/// Every event of the log as the domain sees it.
async fn domain_events(store: &EventStore) -> Vec<ledger_domain::RecordedEvent> {
    let stored: Vec<_> = store.read_all(1).try_collect().await.unwrap();
    stored.iter().filter_map(|e| decode(&e.into())).collect()
}

/// The reference: the whole log folded from position 1 one event at a time, no snapshot and
/// none of the replay's pipeline involved.
async fn full_rebuild(store: &EventStore) -> Ledger {
    let mut ledger = Ledger::default();
    for stored in domain_events(store).await {
        ledger.apply(&stored);
    }
    ledger
}

/// A ledger that differs from every real one: if a test's answer contains it, the snapshot
/// carrying it was used.
fn planted_body() -> Vec<u8> {
    snapshot::encode(&Ledger::default()).unwrap()
}

pub async fn startup_from_a_snapshot_equals_a_full_rebuild_after_more_events(app: TestApp) {
    let (view, at) = halves_around_a_snapshot(&app.store).await;
    let state = AppState::load(app.store.clone()).await.unwrap();
    assert_eq!(
        state.view.snapshot_position(),
        at,
        "start-up began at the snapshot"
    );
    let reference = full_rebuild(&app.store).await;
    assert!(
        state.view.read().await.ledger == reference,
        "snapshot + catch-up == rebuild"
    );
    assert!(view.read().await.ledger == reference);
    assert!(!reference.households().is_empty());
}

/// A copy more than a page behind folds up to the head with the replay's pipeline, one near
/// it page by page: both must end where a fold of every event one at a time ends.
pub async fn copies_far_behind_and_near_the_head_catch_up_to_the_ledger_of_the_log(app: TestApp) {
    let view = LiveView::default();
    import(&app.store, &view, &fixture()).await;
    let mut near = Folded::default();
    near.catch_up(&app.store).await.unwrap();
    // More households, so that the log is over two catch-up pages (2,000 events each) long:
    // a copy from scratch reads one page, then finds itself more than a page behind.
    let more: Vec<String> = (0..2_200)
        .map(|i| {
            format!(
                r#"{{"key":"more/{i}","command":{{"command":"RegisterHousehold","household_id":"hh-more-{i}","unit_code":"06679","members":3,"registered_on":"2023-01-05"}}}}"#
            )
        })
        .collect();
    import(&app.store, &view, &more.join("\n")).await;
    let head = app.store.head().await.unwrap().position;
    assert!(head > 4_000, "the log is {head} events long");

    near.catch_up(&app.store).await.unwrap();
    let mut far = Folded::default();
    let mut reported = Vec::new();
    let position = far
        .catch_up_with_progress(&app.store, |p| reported.push(p))
        .await
        .unwrap();
    let reference = full_rebuild(&app.store).await;
    assert_eq!((position, far.position, near.position), (head, head, head));
    assert!(
        far.ledger == reference,
        "far behind: pipelined fold == rebuild"
    );
    assert!(near.ledger == reference, "near the head: pages == rebuild");
    assert_eq!(reported.last(), Some(&head), "progress reached the head");
    assert!(reference.households().len() > 2_200);
}

/// `verify` compares two folds of the log by digest. Two ledgers folded apart hold maps seeded
/// apart, which iterate in different orders; the snapshot form read back has been built anew.
pub async fn equal_ledgers_have_one_digest_whatever_their_maps_order_and_a_fact_more_changes_it(
    app: TestApp,
) {
    let view = LiveView::default();
    import(&app.store, &view, &fixture()).await;
    let one_by_one = full_rebuild(&app.store).await;
    let (replayed, _) = replay_at(&app.store, None, None, None).await.unwrap();
    let read_back = snapshot::decode(&snapshot::encode(&one_by_one).unwrap()).unwrap();
    assert!(one_by_one == replayed && one_by_one == read_back);
    let digest = snapshot::digest(&one_by_one).unwrap();
    assert_eq!(snapshot::digest(&replayed).unwrap(), digest);
    assert_eq!(snapshot::digest(&read_back).unwrap(), digest);

    let line = r#"{"key":"one-more","command":{"command":"RegisterHousehold","household_id":"hh-one-more","unit_code":"06679","members":3,"registered_on":"2023-01-05"}}"#;
    import(&app.store, &view, line).await;
    let one_more = full_rebuild(&app.store).await;
    assert_ne!(snapshot::digest(&one_more).unwrap(), digest);
}

pub async fn a_snapshot_whose_event_hash_differs_is_ignored(app: TestApp) {
    let (_, at) = halves_around_a_snapshot(&app.store).await;
    let wrong = app.store.event_hash_at(at - 1).await.unwrap().unwrap();
    let head = app.store.head().await.unwrap().position;
    app.store
        .save_snapshot(head, &wrong, SNAPSHOT_FORMAT, planted_body())
        .await
        .unwrap();
    let state = AppState::load(app.store.clone()).await.unwrap();
    assert_eq!(
        state.view.snapshot_position(),
        at,
        "the mismatched newer snapshot was passed over for the good older one"
    );
    assert!(state.view.read().await.ledger == full_rebuild(&app.store).await);
}

pub async fn a_snapshot_of_another_format_is_ignored(app: TestApp) {
    let (_, at) = halves_around_a_snapshot(&app.store).await;
    let head = app.store.head().await;
    let head = head.unwrap();
    app.store
        .save_snapshot(
            head.position,
            &head.hash,
            SNAPSHOT_FORMAT + 1,
            planted_body(),
        )
        .await
        .unwrap();
    let state = AppState::load(app.store.clone()).await.unwrap();
    assert_eq!(state.view.snapshot_position(), at);
    assert!(state.view.read().await.ledger == full_rebuild(&app.store).await);
}

pub async fn a_corrupt_snapshot_body_is_ignored(app: TestApp) {
    let (_, _) = halves_around_a_snapshot(&app.store).await;
    let head = app.store.head().await.unwrap();
    // The only snapshot at the head is unreadable; the earlier one is also made unreadable,
    // so start-up must fall back to a full replay.
    let mut earlier = app
        .store
        .latest_snapshot(head.position, SNAPSHOT_FORMAT, None)
        .await
        .unwrap()
        .unwrap();
    earlier.body.truncate(earlier.body.len() / 2);
    app.store
        .save_snapshot(
            earlier.header.position,
            &earlier.header.log_hash.clone().try_into().unwrap(),
            SNAPSHOT_FORMAT,
            earlier.body.clone(),
        )
        .await
        .unwrap();
    app.store
        .save_snapshot(
            head.position,
            &head.hash,
            SNAPSHOT_FORMAT,
            b"{\"not\": \"a ledger\"}".to_vec(),
        )
        .await
        .unwrap();
    let state = AppState::load(app.store.clone()).await.unwrap();
    assert_eq!(
        state.view.snapshot_position(),
        0,
        "no usable snapshot: full replay"
    );
    assert!(state.view.read().await.ledger == full_rebuild(&app.store).await);
}

pub async fn historical_answers_from_a_snapshot_equal_a_full_replay(app: TestApp) {
    let store = &app.store;
    let (_, at) = halves_around_a_snapshot(store).await;
    let events = domain_events(store).await;
    let head = store.head().await.unwrap().position;
    let reference = |upto: u64, known_at| {
        ledger_domain::replay(events.iter().filter(|e| e.position <= upto), None, known_at)
    };
    for upto in [at - 1, at, at + 1, at + 57, head] {
        let (got, _) = replay_at(store, None, None, Some(upto)).await.unwrap();
        assert!(got == reference(upto, None), "at_position {upto}");
    }
    let time_of = |p: u64| events.iter().find(|e| e.position == p).unwrap().recorded_at;
    for known_at in [time_of(at - 1), time_of(at), time_of(at + 1), time_of(head)] {
        let (got, _) = replay_at(store, None, Some(known_at), None).await.unwrap();
        assert!(
            got == reference(head, Some(known_at)),
            "known_at {known_at}"
        );
    }

    // The snapshot is what these answers start from: plant a different ledger under its
    // (valid) hash and the answer at its position is the planted one.
    let hash = store.event_hash_at(at).await.unwrap().unwrap();
    store
        .save_snapshot(at, &hash, SNAPSHOT_FORMAT, planted_body())
        .await
        .unwrap();
    let (got, _) = replay_at(store, None, None, Some(at)).await.unwrap();
    assert!(
        got == Ledger::default(),
        "at_position starts from the snapshot"
    );
    // With a business date, a snapshot holding an event that occurred after it is passed
    // over: plant the true prefix ledger and ask as of the day before its latest date.
    let prefix = ledger_domain::replay(events.iter().filter(|e| e.position <= at), None, None);
    let latest = prefix.latest_occurred_on().unwrap();
    let body = snapshot::encode(&prefix).unwrap();
    assert_eq!(snapshot::latest_occurred_on(&body).unwrap(), Some(latest));
    store
        .save_snapshot(at, &hash, SNAPSHOT_FORMAT, body)
        .await
        .unwrap();
    let before_latest = latest.pred_opt().unwrap();
    let (got, _) = replay_at(store, Some(before_latest), None, None)
        .await
        .unwrap();
    let want = ledger_domain::replay(&events, Some(before_latest), None);
    assert!(
        got == want,
        "as_of before the snapshot's latest date replays from 1"
    );
    assert!(want != ledger_domain::replay(&events, None, None));

    // One whose every event occurred by then is where the replay starts: plant a ledger of
    // the first event alone, and the answer is it plus what follows the snapshot.
    let first_only = ledger_domain::replay(events.iter().take(1), None, None);
    store
        .save_snapshot(
            at,
            &hash,
            SNAPSHOT_FORMAT,
            snapshot::encode(&first_only).unwrap(),
        )
        .await
        .unwrap();
    let last_date = events.iter().map(|e| e.occurred_on).max().unwrap();
    let (got, _) = replay_at(store, Some(last_date), None, None).await.unwrap();
    let spliced = ledger_domain::replay(
        events.iter().filter(|e| e.position == 1 || e.position > at),
        None,
        None,
    );
    assert!(
        got == spliced,
        "as_of after every date starts from the snapshot"
    );
}

pub async fn the_ledger_round_trips_through_its_snapshot_form(app: TestApp) {
    let view = LiveView::default();
    import(&app.store, &view, &fixture()).await;
    let ledger = view.read().await.ledger.clone();
    assert!(!ledger.sponsorships().is_empty() && !ledger.programmes().is_empty());
    let body = snapshot::encode(&ledger).unwrap();
    let back = snapshot::decode(&body).unwrap();
    assert!(back == ledger, "decode(encode(ledger)) == ledger");
    assert_eq!(snapshot::encode(&back).unwrap().len(), body.len());
    // The derives serve JSON too (tuple-keyed maps travel as pairs), money as digit strings.
    let text = serde_json::to_string(&ledger).unwrap();
    assert!(serde_json::from_str::<Ledger>(&text).unwrap() == ledger);
}

pub async fn the_background_writer_snapshots_every_n_events(app: TestApp) {
    let state = AppState::load(app.store.clone()).await.unwrap();
    let writer = tokio::spawn(snapshot::every(state.view.clone(), app.store.clone(), 500));
    import(&app.store, &state.view, &fixture()).await;
    let head = app.store.head().await.unwrap().position;
    let mut found = None;
    for _ in 0..100 {
        found = app
            .store
            .latest_snapshot(head, SNAPSHOT_FORMAT, None)
            .await
            .unwrap();
        if found.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    writer.abort();
    let found = found.expect("a snapshot was written while importing");
    assert!(found.header.matches_log() && found.header.position >= 500);
    let fresh = Arc::new(AppState::load(app.store.clone()).await.unwrap());
    assert!(fresh.view.snapshot_position() >= 500);
    assert!(fresh.view.read().await.ledger == full_rebuild(&app.store).await);
}

pub async fn a_snapshot_written_in_many_pieces_loads_as_the_ledger(app: TestApp) {
    let view = LiveView::default();
    import(&app.store, &view, &fixture()).await;
    let pinned = view.pin().await;
    let (ledger, position) = (pinned.ledger.clone(), pinned.position);
    let written = snapshot::write_in_pieces(&app.store, pinned, 1_000)
        .await
        .unwrap()
        .unwrap();
    let body = snapshot::encode(&ledger).unwrap();
    assert_eq!(written.bytes, body.len() as u64);
    assert!(
        written.pieces > 10 && written.pieces <= body.len() as u64 / 1_000 + 1,
        "{} pieces of at least 1,000 bytes for {} bytes",
        written.pieces,
        body.len()
    );
    let stored = app
        .store
        .latest_snapshot(position, SNAPSHOT_FORMAT, None)
        .await
        .unwrap()
        .unwrap();
    assert!(
        stored.body_intact && stored.body == body,
        "the pieces concatenate to the body"
    );
    let loaded = snapshot::load(&app.store, position, None, None)
        .await
        .unwrap();
    assert!(loaded.position == position && loaded.ledger == ledger);
    // A body that decodes but is not the one recorded: the only snapshot is passed over.
    app._db
        .sabotage(&["UPDATE projection_snapshots SET body_hash = event_hash"])
        .await;
    assert!(snapshot::load(&app.store, position, None, None)
        .await
        .is_none());
}

pub async fn queries_read_on_while_a_snapshot_holds_the_view_and_catching_up_waits(app: TestApp) {
    let state = Arc::new(AppState::load(app.store.clone()).await.unwrap());
    let text = fixture();
    let lines: Vec<&str> = text.lines().collect();
    let (first, second) = lines.split_at(lines.len() - 20);
    import(&app.store, &state.view, &first.join("\n")).await;
    let before = state.view.read().await.position;
    let pinned = state.view.pin().await;
    // Appended behind the view's back, as another server's writes would be.
    import(&app.store, &LiveView::default(), &second.join("\n")).await;
    let head = app.store.head().await.unwrap().position;
    assert!(head > before);
    let catching_up = {
        let (state, store) = (state.clone(), app.store.clone());
        tokio::spawn(async move { state.view.catch_up(&store).await.unwrap() })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(
        !catching_up.is_finished(),
        "the catch-up waits for the pinned view"
    );
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), state.view.read()).await;
    assert_eq!(
        read.expect("a reader must not queue behind the waiting catch-up")
            .position,
        before
    );
    drop(pinned);
    assert_eq!(catching_up.await.unwrap(), head);
    assert_eq!(state.view.read().await.position, head);
}

pub async fn a_snapshot_waits_for_a_write_session_before_it_holds_the_view(app: TestApp) {
    use ledger_store::{AppendRequest, ExpectedVersion, StreamName};
    let state = Arc::new(AppState::load(app.store.clone()).await.unwrap());
    import(&app.store, &state.view, &fixture()).await;
    // An import's session keeps the database's write lock across its commits (on SQLite).
    let mut session = app.store.write_session().await.unwrap();
    session
        .append(AppendRequest::single(
            StreamName::parse("noted").unwrap(),
            ExpectedVersion::Any,
            (0..3).map(crate::cases::raw_event).collect(),
        ))
        .await
        .unwrap();
    session.commit().await.unwrap();
    let head = app.store.head().await.unwrap().position;
    let writing = {
        let (state, store) = (state.clone(), app.store.clone());
        tokio::spawn(async move { state.view.write_snapshot(&store).await.unwrap() })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let caught_up = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        state.view.catch_up(&app.store),
    )
    .await
    .expect("the view is not held while the snapshot waits for the session");
    assert_eq!(caught_up.unwrap(), head);
    session.end().await.unwrap();
    let written = writing
        .await
        .unwrap()
        .expect("a snapshot once the session ended");
    // On PostgreSQL nothing waits, and the view may not yet hold the session's events.
    assert!(written.position >= head - 3);
    let stored = app
        .store
        .latest_snapshot(written.position, SNAPSHOT_FORMAT, None)
        .await
        .unwrap()
        .unwrap();
    assert!(stored.body_intact && stored.header.matches_log());
}
