//! Housing works: disbursements fit the approval, completions match the kind and follow
//! the approval, corrections keep a reason, cancellations need nothing disbursed.

use ledger_domain::{Command, DomainError, Event};
use serde_json::json;

use crate::helpers::*;

#[test]
fn a_disbursement_within_the_approved_part_is_accepted_into_the_housing_stream() {
    let events = world_with_support()
        .when(disburse("sup-1", "state", 60_000_000, "2023-03-10"))
        .then_kinds(&["HousingFundsDisbursed"]);
    assert_eq!(events[0].stream(), "housing-sup-1");
    let Event::HousingFundsDisbursed(paid) = &events[0] else {
        unreachable!()
    };
    assert_eq!(paid.programme_id.as_str(), "housing-2023");
}

#[test]
fn a_disbursement_beyond_the_approved_part_is_rejected_with_the_numbers() {
    let mut s = world_with_support();
    s.record(disburse("sup-1", "state", 50_000_000, "2023-03-10"));
    s.when(disburse("sup-1", "state", 20_000_000, "2023-03-11"))
        .then_rejected_with("disbursement of 20.000.000 ₫ exceeds the 10.000.000 ₫ of support sup-1 from source state not yet disbursed");
}

#[test]
fn a_reversed_disbursement_frees_the_approved_part_again() {
    let mut s = world_with_support();
    s.record(disburse("sup-1", "state", 50_000_000, "2023-03-10"));
    s.record(reverse("ReverseDisbursement", s.last_id(), "2023-03-11"));
    s.when(disburse("sup-1", "state", 60_000_000, "2023-03-12"))
        .then_kinds(&["HousingFundsDisbursed"]);
}

#[test]
fn a_disbursement_from_a_source_outside_the_split_is_rejected() {
    world_with_support()
        .when(disburse("sup-1", "city", 1, "2023-03-10"))
        .then_rejected_with("housing support sup-1 has no funding from source city");
}

#[test]
fn a_disbursement_for_an_unknown_support_is_rejected() {
    world_with_support()
        .when(disburse("sup-9", "state", 1, "2023-03-10"))
        .then_rejected_with("no housing support sup-9");
}

#[test]
fn a_disbursement_for_a_cancelled_support_is_rejected() {
    let mut s = world_with_support();
    s.record(cancel("sup-1", "2023-04-01"));
    s.when(disburse("sup-1", "state", 1, "2023-04-02"))
        .then_rejected_with("housing support sup-1 was cancelled on 2023-04-01");
}

#[test]
fn a_disbursement_before_the_approval_is_rejected() {
    let error = world_with_support()
        .when(disburse("sup-1", "state", 1, "2023-02-28"))
        .then_rejected();
    assert!(matches!(
        error,
        DomainError::DateBeforeReference {
            what: "disbursement",
            ..
        }
    ));
}

#[test]
fn a_zero_disbursement_is_rejected() {
    world_with_support()
        .when(disburse("sup-1", "state", 0, "2023-03-10"))
        .then_rejected_with("disbursement must be a positive amount, not 0 ₫");
}

#[test]
fn reversing_a_disbursement_twice_is_rejected() {
    let mut s = world_with_support();
    s.record(disburse("sup-1", "state", 5, "2023-03-10"));
    let id = s.last_id();
    s.when(reverse("ReverseDisbursement", id, "2023-03-11"))
        .then_kinds(&["DisbursementReversed"]);
    s.record(reverse("ReverseDisbursement", id, "2023-03-11"));
    let error = s
        .when(reverse("ReverseDisbursement", id, "2023-03-12"))
        .then_rejected();
    assert_eq!(error, DomainError::EventAlreadyReversed { event_id: id });
}

#[test]
fn reversing_an_allocation_as_a_disbursement_is_rejected() {
    let s = world_with_support();
    let allocation = s
        .log
        .iter()
        .find(|e| e.event.kind() == "BudgetAllocated")
        .unwrap()
        .event_id;
    let error = s
        .when(reverse("ReverseDisbursement", allocation, "2023-03-12"))
        .then_rejected();
    assert!(matches!(
        error,
        DomainError::ReversedEventWrongKind {
            found: "BudgetAllocated",
            ..
        }
    ));
}

#[test]
fn starting_works_twice_is_rejected() {
    let mut s = world_with_support();
    s.record(start("sup-1", "2023-03-05"));
    s.when(start("sup-1", "2023-03-06"))
        .then_rejected_with("works for support sup-1 already started on 2023-03-05");
}

#[test]
fn starting_works_before_the_approval_is_rejected() {
    let error = world_with_support()
        .when(start("sup-1", "2023-02-01"))
        .then_rejected();
    assert!(matches!(
        error,
        DomainError::DateBeforeReference {
            what: "start of works",
            ..
        }
    ));
}

#[test]
fn starting_works_after_completion_is_rejected() {
    let mut s = world_with_support();
    s.record(complete("RecordHouseBuilt", "sup-1", "2023-10-01"));
    let error = s.when(start("sup-1", "2023-10-02")).then_rejected();
    assert!(matches!(error, DomainError::AlreadyCompleted { .. }));
}

#[test]
fn a_new_build_completes_as_house_built() {
    world_with_support()
        .when(complete("RecordHouseBuilt", "sup-1", "2023-10-01"))
        .then_kinds(&["HouseBuilt"]);
}

#[test]
fn a_new_build_recorded_as_repaired_is_rejected() {
    world_with_support()
        .when(complete("RecordHouseRepaired", "sup-1", "2023-10-01"))
        .then_rejected_with("support sup-1 was approved as NewBuild, not Repair");
}

#[test]
fn a_completion_before_the_approval_is_rejected() {
    world_with_support()
        .when(complete("RecordHouseBuilt", "sup-1", "2023-02-28"))
        .then_rejected_with(
            "completion of support sup-1 on 2023-02-28 is before its approval on 2023-03-01",
        );
}

#[test]
fn completing_twice_is_rejected() {
    let mut s = world_with_support();
    s.record(complete("RecordHouseBuilt", "sup-1", "2023-10-01"));
    s.when(complete("RecordHouseBuilt", "sup-1", "2023-10-02"))
        .then_rejected_with("support sup-1 was already completed on 2023-10-01");
}

#[test]
fn correcting_a_completion_date_records_both_dates() {
    let mut s = world_with_support();
    s.record(complete("RecordHouseBuilt", "sup-1", "2023-10-01"));
    let events = s
        .when(correct("sup-1", "2023-09-28", "site report"))
        .then_kinds(&["CompletionDateCorrected"]);
    let Event::CompletionDateCorrected(c) = &events[0] else {
        unreachable!()
    };
    assert_eq!(
        (c.previous_completed_on, c.completed_on),
        (d("2023-10-01"), d("2023-09-28"))
    );
}

#[test]
fn correcting_an_uncompleted_work_is_rejected() {
    world_with_support()
        .when(correct("sup-1", "2023-09-28", "site report"))
        .then_rejected_with("support sup-1 has no completion to correct");
}

#[test]
fn correcting_to_the_same_date_is_rejected() {
    let mut s = world_with_support();
    s.record(complete("RecordHouseBuilt", "sup-1", "2023-10-01"));
    let error = s
        .when(correct("sup-1", "2023-10-01", "site report"))
        .then_rejected();
    assert!(matches!(error, DomainError::CompletionDateUnchanged { .. }));
}

#[test]
fn correcting_to_a_date_before_the_approval_is_rejected() {
    let mut s = world_with_support();
    s.record(complete("RecordHouseBuilt", "sup-1", "2023-10-01"));
    let error = s
        .when(correct("sup-1", "2023-01-01", "site report"))
        .then_rejected();
    assert!(matches!(
        error,
        DomainError::CompletionBeforeApproval { .. }
    ));
}

#[test]
fn a_correction_without_a_reason_is_rejected() {
    let mut s = world_with_support();
    s.record(complete("RecordHouseBuilt", "sup-1", "2023-10-01"));
    let error = s.when(correct("sup-1", "2023-09-28", "")).then_rejected();
    assert!(matches!(
        error,
        DomainError::InvalidText {
            field: "reason",
            ..
        }
    ));
}

#[test]
fn cancelling_a_support_releases_the_approved_split() {
    let events = world_with_support()
        .when(cancel("sup-1", "2023-04-01"))
        .then_kinds(&["HousingSupportCancelled"]);
    let Event::HousingSupportCancelled(c) = &events[0] else {
        unreachable!()
    };
    assert_eq!(c.released.len(), 2);
}

#[test]
fn cancelling_a_completed_support_is_rejected() {
    let mut s = world_with_support();
    s.record(complete("RecordHouseBuilt", "sup-1", "2023-10-01"));
    s.when(cancel("sup-1", "2023-10-02"))
        .then_rejected_with("support sup-1 was completed on 2023-10-01 and cannot be cancelled");
}

#[test]
fn cancelling_a_support_with_disbursed_funds_is_rejected() {
    let mut s = world_with_support();
    s.record(disburse("sup-1", "province", 15_000_000, "2023-03-10"));
    s.when(cancel("sup-1", "2023-04-01")).then_rejected_with(
        "support sup-1 has 15.000.000 ₫ disbursed: reverse the disbursements before cancelling",
    );
}

#[test]
fn cancelling_twice_is_rejected() {
    let mut s = world_with_support();
    s.record(cancel("sup-1", "2023-04-01"));
    let error = s.when(cancel("sup-1", "2023-04-02")).then_rejected();
    assert!(matches!(error, DomainError::SupportCancelled { .. }));
}

#[test]
fn a_cancellation_before_the_approval_is_rejected() {
    let error = world_with_support()
        .when(cancel("sup-1", "2023-02-01"))
        .then_rejected();
    assert!(matches!(
        error,
        DomainError::DateBeforeReference {
            what: "cancellation",
            ..
        }
    ));
}

#[test]
fn a_disbursement_reversal_needs_a_reason_and_a_date_after_the_disbursement() {
    let mut s = world_with_support();
    s.record(disburse("sup-1", "state", 5, "2023-03-10"));
    let mut unexplained = reverse("ReverseDisbursement", s.last_id(), "2023-03-11");
    if let Command::ReverseDisbursement(r) = &mut unexplained {
        r.reason = String::new();
    }
    assert!(matches!(
        s.when(unexplained).then_rejected(),
        DomainError::InvalidText { .. }
    ));
    let early = s
        .when(reverse("ReverseDisbursement", s.last_id(), "2023-03-09"))
        .then_rejected();
    assert!(matches!(
        early,
        DomainError::DateBeforeReference {
            what: "reversal",
            ..
        }
    ));
}

#[test]
fn a_cancellation_without_a_reason_is_rejected() {
    let error = world_with_support()
        .when(cmd(json!({"command": "CancelSupport", "support_id": "sup-1", "reason": "", "cancelled_on": "2023-04-01"})))
        .then_rejected();
    assert!(matches!(
        error,
        DomainError::InvalidText {
            field: "reason",
            ..
        }
    ));
}
