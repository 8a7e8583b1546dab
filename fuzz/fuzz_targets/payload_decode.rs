//! Bytes → a stored event (kind, schema version, payload text) → the decoder the live view
//! and every replay use (`ledger_api::view::decode`). Decoding must never panic; what
//! decodes must re-encode to the same event, and folding it into a seeded ledger (as a
//! restored or foreign log would) must neither panic nor break the projections.

#![no_main]

use chrono::{DateTime, NaiveDate};
use ledger_domain::event::EVENT_KINDS;
use ledger_domain::Event;
use libfuzzer_sys::fuzz_target;
use welfare_ledger_fuzz::{run_projections, seeded};

fuzz_target!(|data: &[u8]| {
    let [kind_byte, version_byte, payload @ ..] = data else {
        return;
    };
    // Mostly real kinds and the current version, sometimes neither.
    let kind = EVENT_KINDS
        .get(usize::from(*kind_byte) % (EVENT_KINDS.len() + 1))
        .copied()
        .unwrap_or("NoSuchKind");
    let schema_version = u32::from(*version_byte % 3);
    let stored = ledger_store::RecordedEvent {
        position: seeded().log.len() as u64 + 1,
        stream: "fuzz".to_owned(),
        stream_version: 1,
        event_id: uuid::Uuid::from_u128(u128::MAX),
        kind: kind.to_owned(),
        schema_version,
        occurred_on: NaiveDate::from_ymd_opt(2023, 6, 1).unwrap_or_default(),
        recorded_at: DateTime::from_timestamp(1_700_000_001, 0).unwrap_or_default(),
        recorded_by: "fuzz".to_owned(),
        source_ref: None,
        payload: String::from_utf8_lossy(payload).into_owned(),
        hash: [0; 32],
    };
    let Some(decoded) = ledger_api::view::decode(&stored) else {
        return;
    };
    let event = &decoded.event;
    assert_eq!(event.kind(), kind);
    let again = Event::from_payload(kind, event.schema_version(), &event.to_payload())
        .expect("an event's own payload decodes");
    assert_eq!(&again, event, "payload round trip");
    let tagged = serde_json::to_string(event).expect("events serialise");
    let back: Event = serde_json::from_str(&tagged).expect("the tagged form decodes");
    assert_eq!(&back, event, "tagged round trip");
    let mut ledger = seeded().ledger.clone();
    ledger.apply(&decoded);
    run_projections(&ledger);
});
