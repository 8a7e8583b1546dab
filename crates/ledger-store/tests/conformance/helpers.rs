//! Builders for events; fresh databases come from `ledger-testkit`.

use chrono::NaiveDate;
use ledger_store::{AppendRequest, EventStore, ExpectedVersion, NewEvent, StreamName};
pub use ledger_testkit::TestDb;
use uuid::Uuid;

pub fn stream(name: &str) -> StreamName {
    StreamName::parse(name).unwrap()
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn event(kind: &str, payload: serde_json::Value) -> NewEvent {
    NewEvent {
        event_id: Uuid::new_v4(),
        kind: kind.to_owned(),
        schema_version: 1,
        occurred_on: date(2023, 6, 1),
        recorded_by: "clerk-1".to_owned(),
        source_ref: Some("QD-123/2023".to_owned()),
        payload: payload.to_string(),
    }
}

pub fn events(n: usize) -> Vec<NewEvent> {
    (0..n)
        .map(|i| event("Noted", serde_json::json!({ "i": i })))
        .collect()
}

pub fn single(name: &str, expected: ExpectedVersion, events: Vec<NewEvent>) -> AppendRequest {
    AppendRequest::single(stream(name), expected, events)
}

/// Reads the whole log through `read_all`.
pub async fn all(store: &EventStore) -> Vec<ledger_store::RecordedEvent> {
    use futures::TryStreamExt;
    store.read_all(1).try_collect().await.unwrap()
}

/// Asserts positions are exactly 1..=n.
pub fn assert_gapless(events: &[ledger_store::RecordedEvent]) {
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.position, i as u64 + 1, "positions must be gapless from 1");
    }
}
