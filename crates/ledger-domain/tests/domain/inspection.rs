//! What `verify` and audit trails read from the log: integrity checks over a replay, and one
//! entity's trail with its postings.

use ledger_domain::event::DisbursementReversed;
use ledger_domain::projection::audit::AuditTrail;
use ledger_domain::projection::integrity::{CheckOutcome, IntegrityCheck};
use ledger_domain::{Event, Ledger, RecordedEvent};

use crate::helpers::*;

fn checked(log: &[RecordedEvent]) -> Vec<CheckOutcome> {
    let mut ledger = Ledger::default();
    let mut check = IntegrityCheck::default();
    for e in log {
        check.observe(&ledger, e);
        ledger.apply(e);
    }
    check.finish(&ledger)
}

fn failed(outcomes: &[CheckOutcome]) -> Vec<String> {
    outcomes
        .iter()
        .filter(|c| !c.holds)
        .map(|c| format!("{}: {}", c.check, c.detail))
        .collect()
}

fn disbursed_and_reversed() -> Scenario {
    let mut s = world_with_support();
    s.record(disburse("sup-1", "state", 30_000_000, "2023-04-10"));
    let paid = s.last_id();
    s.record(reverse("ReverseDisbursement", paid, "2023-04-20"));
    s.record(disburse("sup-1", "province", 10_000_000, "2023-04-21"));
    s
}

#[test]
fn a_log_made_by_decide_passes_every_integrity_check() {
    let s = disbursed_and_reversed();
    let outcomes = checked(&s.log);
    assert!(outcomes.len() >= 4);
    assert_eq!(failed(&outcomes), Vec::<String>::new());
}

#[test]
fn a_reversal_naming_an_allocation_as_a_disbursement_fails_the_checks() {
    let mut s = disbursed_and_reversed();
    let allocation = s
        .log
        .iter()
        .find(|e| e.event.kind() == "BudgetAllocated")
        .unwrap()
        .event_id;
    let Event::HousingFundsDisbursed(paid) = s.log.last().unwrap().event.clone() else {
        panic!("the scenario ends with a disbursement");
    };
    let planted = s.envelope(Event::DisbursementReversed(DisbursementReversed {
        support_id: paid.support_id,
        programme_id: paid.programme_id,
        disbursement_event_id: allocation,
        source: paid.source,
        amount: paid.amount,
        reason: "planted".to_owned(),
        reversed_on: d("2023-05-01"),
    }));
    s.log.push(planted);
    let failures = failed(&checked(&s.log));
    assert!(
        failures
            .iter()
            .any(|f| f.contains("reversal") && f.contains("which is a BudgetAllocated")),
        "{failures:?}"
    );
    assert!(
        failures.iter().any(|f| f.contains("sum of its postings")),
        "the ignored reversal's postings are not in the state: {failures:?}"
    );
}

#[test]
fn a_households_trail_follows_its_housing_support_and_shows_the_money() {
    let s = disbursed_and_reversed();
    let mut trail = AuditTrail::for_stream("household-hh-1").unwrap();
    for e in &s.log {
        trail.apply(e);
    }
    let kinds: Vec<&str> = trail.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            "HouseholdRegistered",
            "HousingSupportApproved",
            "HousingFundsDisbursed",
            "DisbursementReversed",
            "HousingFundsDisbursed"
        ]
    );
    assert!(trail.events[0].postings.is_empty());
    assert_eq!(
        trail.events[1].postings.len(),
        4,
        "two sources, debit and credit"
    );
    assert!(trail.events.iter().all(|e| e.recorded_by == "clerk"));

    let mut other = AuditTrail::for_stream("household-hh-2").unwrap();
    for e in &s.log {
        other.apply(e);
    }
    assert_eq!(
        other.events.len(),
        1,
        "another household's support is not in its trail"
    );
}
