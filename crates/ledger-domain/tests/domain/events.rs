//! The event catalogue: every kind round-trips through its payload, lives in its stream,
//! and bad stored events give distinct decode errors.

use ledger_domain::event::{EVENT_KINDS, GEOGRAPHY_STREAM};
use ledger_domain::{DecodeError, Event};
use serde_json::json;

use crate::helpers::*;

/// A story that records every kind of event at least once.
pub fn full_story() -> Scenario {
    let mut s = Scenario::given(world());
    s.record(register_unit(
        "06652",
        "Hà Tu",
        "ward",
        Some("2025-07-01"),
        None,
        "2025-06-16",
    ));
    s.record(merge(&["06652", "06664"], &["06652"], "2025-07-01"));
    s.record(allocate("housing-2023", "city", 5_000_000, "2023-01-11"));
    let allocation = s.last_id();
    s.record(reverse("ReverseAllocation", allocation, "2023-01-12"));
    s.record(classify(
        "hh-1",
        "national-2022-2025",
        "near_poor",
        "2023-01-15",
    ));
    s.record(exit_near_poverty(
        "hh-1",
        "national-2022-2025",
        "2023-10-01",
    ));
    s.record(approve(
        "sup-1",
        "hh-1",
        "new_build",
        &[("state", 60_000_000)],
        "2023-11-30",
        "2023-03-01",
    ));
    s.record(approve(
        "sup-2",
        "hh-2",
        "repair",
        &[("province", 20_000_000)],
        "2023-09-30",
        "2023-03-01",
    ));
    s.record(approve(
        "sup-3",
        "hh-3",
        "repair",
        &[("province", 10_000_000)],
        "2023-09-30",
        "2023-03-01",
    ));
    s.record(disburse("sup-1", "state", 30_000_000, "2023-03-15"));
    let disbursement = s.last_id();
    s.record(reverse("ReverseDisbursement", disbursement, "2023-03-16"));
    s.record(cmd(
        json!({"command": "StartWorks", "support_id": "sup-1", "started_on": "2023-04-01"}),
    ));
    s.record(complete("RecordHouseBuilt", "sup-1", "2023-11-20"));
    s.record(complete("RecordHouseRepaired", "sup-2", "2023-08-20"));
    s.record(cmd(
        json!({"command": "CorrectCompletionDate", "support_id": "sup-2",
        "completed_on": "2023-08-18", "reason": "site report", "corrected_on": "2023-09-01"}),
    ));
    s.record(cmd(
        json!({"command": "CancelSupport", "support_id": "sup-3",
        "reason": "household moved", "cancelled_on": "2023-04-01"}),
    ));
    s.record(sponsor_child(
        "sp-1",
        "child-1",
        "org-1",
        "2023-01",
        None,
        "2023-01-03",
    ));
    s.record(pay("sp-1", "2023-01", 3, "2023-01-05"));
    let payment = s.last_id();
    s.record(reverse("ReversePayment", payment, "2023-01-06"));
    s.record(transfer("sp-1", "org-2", "2024-01", "2023-06-01"));
    s.record(end_sponsorship("sp-1", "2026-12", "2023-07-01"));
    s.record(cmd(
        json!({"command": "SetJobsTarget", "year": 2023, "target": 6503, "set_on": "2023-01-05"}),
    ));
    s.record(cmd(
        json!({"command": "RecordJobsCreated", "year": 2023, "unit_code": "07051",
        "count": 7400, "month": "2023-12", "reported_on": "2023-12-31"}),
    ));
    s
}

#[test]
fn the_story_covers_every_event_kind() {
    let story = full_story();
    for kind in EVENT_KINDS {
        assert!(
            story.log.iter().any(|e| e.event.kind() == *kind),
            "{kind} missing"
        );
    }
}

#[test]
fn every_event_round_trips_through_its_payload() {
    for recorded in full_story().log {
        let event = &recorded.event;
        let payload = event.to_payload();
        assert!(payload.is_object());
        assert!(payload.get("kind").is_none() && payload.get("schema_version").is_none());
        let decoded = Event::from_payload(event.kind(), event.schema_version(), &payload).unwrap();
        assert_eq!(&decoded, event);
    }
}

#[test]
fn decoding_from_stored_text_agrees_with_decoding_from_a_json_tree() {
    for recorded in full_story().log {
        let event = &recorded.event;
        let text = event.to_payload().to_string();
        let from_text = Event::from_payload_text(event.kind(), 1, &text).unwrap();
        assert_eq!(&from_text, event);
    }
    // Whatever the text path refuses, it refuses as the tree path does.
    let cases = [
        ("HouseBuilt", 1, r#"{"support_id": "sup-1"}"#),
        (
            "HouseBuilt",
            1,
            r#"{"support_id":"sup-1","completed_on":"2023-11-20","by":"x"}"#,
        ),
        (
            "HouseBuilt",
            2,
            r#"{"support_id":"sup-1","completed_on":"2023-11-20"}"#,
        ),
        (
            "HouseDemolished",
            1,
            r#"{"support_id":"sup-1","completed_on":"2023-11-20"}"#,
        ),
    ];
    for (kind, version, text) in cases {
        let tree: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(
            Event::from_payload_text(kind, version, text),
            Event::from_payload(kind, version, &tree),
            "{kind} v{version} {text}"
        );
    }
    assert!(matches!(
        Event::from_payload_text("HouseBuilt", 1, "{not json"),
        Err(DecodeError::BadPayload { .. })
    ));
}

#[test]
fn every_event_round_trips_through_its_tagged_serde_form() {
    for recorded in full_story().log {
        let text = serde_json::to_string(&recorded).unwrap();
        let back: ledger_domain::RecordedEvent = serde_json::from_str(&text).unwrap();
        assert_eq!(back, recorded);
    }
}

#[test]
fn every_event_is_at_schema_version_1() {
    assert!(full_story()
        .log
        .iter()
        .all(|e| e.event.schema_version() == 1));
}

#[test]
fn an_unknown_kind_an_unsupported_version_and_a_bad_payload_are_distinct_errors() {
    let payload = json!({"support_id": "sup-1", "completed_on": "2023-11-20"});
    assert!(matches!(
        Event::from_payload("HouseBuilt", 1, &payload),
        Ok(Event::HouseBuilt(_))
    ));
    assert!(matches!(
        Event::from_payload("HouseDemolished", 1, &payload),
        Err(DecodeError::UnknownKind { .. })
    ));
    assert!(matches!(
        Event::from_payload("HouseBuilt", 2, &payload),
        Err(DecodeError::UnsupportedVersion { .. })
    ));
    let missing = json!({"support_id": "sup-1"});
    assert!(matches!(
        Event::from_payload("HouseBuilt", 1, &missing),
        Err(DecodeError::BadPayload { .. })
    ));
    let extra = json!({"support_id": "sup-1", "completed_on": "2023-11-20", "by": "x"});
    assert!(matches!(
        Event::from_payload("HouseBuilt", 1, &extra),
        Err(DecodeError::BadPayload { .. })
    ));
}

#[test]
fn events_live_in_their_entity_streams() {
    let story = full_story();
    let stream_of = |kind: &str| {
        story
            .log
            .iter()
            .find(|e| e.event.kind() == kind)
            .unwrap()
            .stream
            .clone()
    };
    assert_eq!(stream_of("UnitsMerged"), GEOGRAPHY_STREAM);
    assert_eq!(
        stream_of("PovertyStandardRegistered"),
        "standard-national-2022-2025"
    );
    assert_eq!(
        stream_of("HousingSupportApproved"),
        "programme-housing-2023"
    );
    assert_eq!(stream_of("BudgetAllocated"), "programme-housing-2023");
    assert_eq!(stream_of("HousingFundsDisbursed"), "housing-sup-1");
    assert_eq!(stream_of("HousingSupportCancelled"), "housing-sup-3");
    assert_eq!(stream_of("HouseholdClassified"), "household-hh-1");
    assert_eq!(stream_of("ChildRegistered"), "child-child-1");
    assert_eq!(stream_of("SponsorRegistered"), "sponsor-org-1");
    assert_eq!(stream_of("SponsorshipTransferred"), "sponsorship-sp-1");
    assert_eq!(stream_of("JobsCreated"), "jobs-2023");
}

#[test]
fn stream_names_use_only_the_stream_alphabet() {
    for recorded in full_story().log {
        assert!(recorded
            .stream
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':')));
    }
}

#[test]
fn the_ledger_tracks_stream_versions() {
    let story = full_story();
    assert_eq!(story.ledger.stream_version("housing-sup-1"), 4);
    assert_eq!(story.ledger.stream_version("no-such-stream"), 0);
    assert_eq!(story.ledger.last_position(), story.log.len() as u64);
    assert_eq!(story.ledger.ignored_events(), 0);
}

#[test]
fn an_event_s_date_is_its_command_s_date() {
    let story = Scenario::given(world());
    let command = disburse("sup-x", "state", 1, "2023-02-01");
    assert_eq!(command.occurred_on(), d("2023-02-01"));
    let command = complete("RecordHouseBuilt", "sup-x", "2023-05-05");
    let _ = story;
    assert_eq!(command.occurred_on(), d("2023-05-05"));
    let with_support = world_with_support();
    let dated = ledger_domain::decide_dated(
        &with_support.ledger,
        &disburse("sup-1", "state", 1, "2023-04-02"),
    )
    .unwrap();
    assert_eq!(dated[0].0, d("2023-04-02"));
    assert_eq!(dated[0].1.occurred_on(), d("2023-04-02"));
}
