//! Programmes, standards and budget allocations, with their reversals.

use ledger_domain::{DomainError, Event};
use uuid::Uuid;

use crate::helpers::*;

#[test]
fn registering_a_standard_twice_is_rejected() {
    Scenario::given(world())
        .when(register_standard(
            "national-2022-2025",
            "1500000",
            "2000000",
            "2022-01-01",
            "2025-12-31",
        ))
        .then_rejected_with("poverty standard national-2022-2025 is already registered");
}

#[test]
fn a_standard_whose_period_ends_before_it_starts_is_rejected() {
    let error = Scenario::default()
        .when(register_standard(
            "s",
            "1500000",
            "2000000",
            "2025-01-01",
            "2022-12-31",
        ))
        .then_rejected();
    assert!(matches!(error, DomainError::StandardPeriodInverted { .. }));
}

#[test]
fn a_standard_with_a_zero_income_line_is_rejected() {
    Scenario::default()
        .when(register_standard(
            "s",
            "0",
            "2000000",
            "2022-01-01",
            "2025-12-31",
        ))
        .then_rejected_with("rural income line must be a positive amount, not 0 ₫");
}

#[test]
fn opening_a_programme_twice_is_rejected() {
    Scenario::given(world())
        .when(open_programme(
            "housing-2023",
            "housing",
            "2023-12-31",
            "2023-01-05",
        ))
        .then_rejected_with("programme housing-2023 is already open");
}

#[test]
fn a_programme_with_an_empty_name_is_rejected() {
    let mut command = open_programme("p", "jobs", "2023-12-31", "2023-01-05");
    if let ledger_domain::Command::OpenProgramme(open) = &mut command {
        open.name = String::new();
    }
    let error = Scenario::default().when(command).then_rejected();
    assert!(matches!(
        error,
        DomainError::InvalidText {
            field: "programme name",
            ..
        }
    ));
}

#[test]
fn a_programme_with_a_zero_target_is_rejected() {
    let mut command = open_programme("p", "jobs", "2023-12-31", "2023-01-05");
    if let ledger_domain::Command::OpenProgramme(open) = &mut command {
        open.target = 0;
    }
    Scenario::default()
        .when(command)
        .then_rejected_with("programme target must be at least 1");
}

#[test]
fn an_allocation_is_accepted_into_the_programme_stream() {
    let events = Scenario::given(world())
        .when(allocate("housing-2023", "city", 5_000_000, "2023-02-01"))
        .then_kinds(&["BudgetAllocated"]);
    assert_eq!(events[0].stream(), "programme-housing-2023");
}

#[test]
fn allocating_to_an_unknown_programme_is_rejected() {
    Scenario::given(world())
        .when(allocate("roads-2023", "city", 5_000_000, "2023-02-01"))
        .then_rejected_with("no programme roads-2023");
}

#[test]
fn a_zero_allocation_is_rejected() {
    Scenario::given(world())
        .when(allocate("housing-2023", "city", 0, "2023-02-01"))
        .then_rejected_with("allocation must be a positive amount, not 0 ₫");
}

#[test]
fn an_allocation_before_the_programme_opened_is_rejected() {
    Scenario::given(world())
        .when(allocate("housing-2023", "city", 5, "2023-01-04"))
        .then_rejected_with("allocation on 2023-01-04 cannot precede the opening of programme housing-2023 on 2023-01-05");
}

#[test]
fn an_allocation_beyond_the_ledger_bound_is_rejected() {
    let mut s = Scenario::given(world());
    s.record(allocate(
        "housing-2023",
        "city",
        1_000_000_000_000_000_000,
        "2023-02-01",
    ));
    let error = s
        .when(allocate("housing-2023", "city", 1, "2023-02-01"))
        .then_rejected();
    assert!(matches!(error, DomainError::AmountOverflow { .. }));
}

#[test]
fn reversing_an_allocation_carries_its_source_and_amount() {
    let mut s = Scenario::given(world());
    s.record(allocate("housing-2023", "city", 5_000_000, "2023-02-01"));
    let id = s.last_id();
    let events = s
        .when(reverse("ReverseAllocation", id, "2023-02-02"))
        .then_kinds(&["AllocationReversed"]);
    let Event::AllocationReversed(reversal) = &events[0] else {
        unreachable!()
    };
    assert_eq!(
        (reversal.source.as_str(), reversal.amount),
        ("city", vnd(5_000_000))
    );
    assert_eq!(reversal.allocation_event_id, id);
}

#[test]
fn reversing_an_unknown_event_is_rejected() {
    let id = Uuid::from_u128(999_999);
    Scenario::given(world())
        .when(reverse("ReverseAllocation", id, "2023-02-02"))
        .then_rejected_with(&format!("no BudgetAllocated event {id} to reverse"));
}

#[test]
fn reversing_a_payment_as_an_allocation_is_rejected() {
    let mut s = world_with_sponsorship();
    s.record(pay("sp-1", "2023-01", 1, "2023-01-05"));
    let error = s
        .when(reverse("ReverseAllocation", s.last_id(), "2023-02-02"))
        .then_rejected();
    assert!(matches!(
        error,
        DomainError::ReversedEventWrongKind {
            expected: "BudgetAllocated",
            found: "SponsorshipPaymentReceived",
            ..
        }
    ));
}

#[test]
fn reversing_a_non_money_event_is_rejected_as_not_found() {
    let s = Scenario::given(world());
    let unit_event = s.log[0].event_id;
    let error = s
        .when(reverse("ReverseAllocation", unit_event, "2023-02-02"))
        .then_rejected();
    assert!(matches!(error, DomainError::ReversedEventNotFound { .. }));
}

#[test]
fn reversing_an_allocation_twice_is_rejected() {
    let mut s = Scenario::given(world());
    s.record(allocate("housing-2023", "city", 5_000_000, "2023-02-01"));
    let id = s.last_id();
    s.record(reverse("ReverseAllocation", id, "2023-02-02"));
    s.when(reverse("ReverseAllocation", id, "2023-02-03"))
        .then_rejected_with(&format!("event {id} is already reversed"));
}

#[test]
fn reversing_an_allocation_that_approvals_have_committed_is_rejected() {
    let mut s = Scenario::given(world());
    let province = s
        .log
        .iter()
        .find(|e| matches!(&e.event, Event::BudgetAllocated(a) if a.source.as_str() == "province"))
        .unwrap()
        .event_id;
    s.record(approve(
        "sup-1",
        "hh-1",
        "repair",
        &[("province", 30_000_000)],
        "2023-06-30",
        "2023-03-01",
    ));
    s.when(reverse("ReverseAllocation", province, "2023-03-02"))
        .then_rejected_with("reversing the allocation of 45.000.000 ₫ would leave programme housing-2023 short: only 15.000.000 ₫ from source province is not committed");
}

#[test]
fn a_reversal_without_a_reason_is_rejected() {
    let mut s = Scenario::given(world());
    s.record(allocate("housing-2023", "city", 5_000_000, "2023-02-01"));
    let mut command = reverse("ReverseAllocation", s.last_id(), "2023-02-02");
    if let ledger_domain::Command::ReverseAllocation(r) = &mut command {
        r.reason = String::new();
    }
    let error = s.when(command).then_rejected();
    assert!(matches!(
        error,
        DomainError::InvalidText {
            field: "reason",
            ..
        }
    ));
}

#[test]
fn a_reversal_dated_before_the_reversed_event_is_rejected() {
    let mut s = Scenario::given(world());
    s.record(allocate("housing-2023", "city", 5_000_000, "2023-02-01"));
    let error = s
        .when(reverse("ReverseAllocation", s.last_id(), "2023-01-31"))
        .then_rejected();
    assert!(matches!(
        error,
        DomainError::DateBeforeReference {
            what: "reversal",
            ..
        }
    ));
}

#[test]
fn a_standard_with_a_zero_urban_income_line_is_rejected() {
    Scenario::default()
        .when(register_standard(
            "s",
            "1500000",
            "0",
            "2022-01-01",
            "2025-12-31",
        ))
        .then_rejected_with("urban income line must be a positive amount, not 0 ₫");
}

#[test]
fn a_standard_without_a_name_or_indicator_rule_is_rejected() {
    let mut unnamed = register_standard("s", "1500000", "2000000", "2022-01-01", "2025-12-31");
    if let ledger_domain::Command::RegisterStandard(standard) = &mut unnamed {
        standard.name = String::new();
    }
    let error = Scenario::default().when(unnamed).then_rejected();
    assert!(matches!(
        error,
        DomainError::InvalidText {
            field: "standard name",
            ..
        }
    ));
    let mut no_rule = register_standard("s", "1500000", "2000000", "2022-01-01", "2025-12-31");
    if let ledger_domain::Command::RegisterStandard(standard) = &mut no_rule {
        standard.indicator_rule = "x".repeat(1001);
    }
    let error = Scenario::default().when(no_rule).then_rejected();
    assert_eq!(
        error,
        DomainError::InvalidText {
            field: "indicator rule",
            length: 1001,
            max: 1000
        }
    );
}
