//! Housing approvals: they fit the programme's budget per funding source, once per
//! household, and cancellations release the money again.

use ledger_domain::{Command, DomainError};

use crate::helpers::*;

#[test]
fn an_approval_within_the_budget_is_accepted_into_the_programme_stream() {
    let events = Scenario::given(world())
        .when(approve(
            "sup-1",
            "hh-1",
            "new_build",
            &[("state", 60_000_000), ("province", 40_000_000)],
            "2023-11-30",
            "2023-03-01",
        ))
        .then_kinds(&["HousingSupportApproved"]);
    assert_eq!(events[0].stream(), "programme-housing-2023");
}

#[test]
fn an_approval_beyond_what_is_left_of_a_source_is_rejected_with_the_numbers() {
    Scenario::given(world())
        .when(approve("sup-1", "hh-1", "new_build", &[("province", 70_000_000)], "2023-11-30", "2023-03-01"))
        .then_rejected_with("approval of 70.000.000 ₫ exceeds the 45.000.000 ₫ left in programme housing-2023 for source province");
}

#[test]
fn an_approval_from_a_source_with_no_allocation_is_rejected() {
    let error = Scenario::given(world())
        .when(approve(
            "sup-1",
            "hh-1",
            "repair",
            &[("city", 1)],
            "2023-11-30",
            "2023-03-01",
        ))
        .then_rejected();
    assert!(
        matches!(error, DomainError::ApprovalExceedsBudget { remaining, .. } if remaining.is_zero())
    );
}

#[test]
fn approvals_count_against_what_earlier_approvals_committed() {
    let s = world_with_support();
    s.when(approve("sup-2", "hh-2", "repair", &[("province", 6_000_000)], "2023-11-30", "2023-03-02"))
        .then_rejected_with("approval of 6.000.000 ₫ exceeds the 5.000.000 ₫ left in programme housing-2023 for source province");
    s.when(approve(
        "sup-2",
        "hh-2",
        "repair",
        &[("province", 5_000_000)],
        "2023-11-30",
        "2023-03-02",
    ))
    .then_kinds(&["HousingSupportApproved"]);
}

#[test]
fn a_cancelled_support_releases_its_commitment() {
    let mut s = world_with_support();
    s.record(cancel("sup-1", "2023-04-01"));
    s.when(approve(
        "sup-2",
        "hh-2",
        "repair",
        &[("province", 45_000_000)],
        "2023-11-30",
        "2023-04-02",
    ))
    .then_kinds(&["HousingSupportApproved"]);
}

#[test]
fn an_approval_in_a_sponsorship_programme_is_rejected() {
    let mut command = approve(
        "sup-1",
        "hh-1",
        "repair",
        &[("state", 1)],
        "2023-11-30",
        "2023-03-01",
    );
    if let Command::ApproveHousingSupport(a) = &mut command {
        a.programme_id = ledger_domain::Id::parse("children-2023").unwrap();
    }
    let error = Scenario::given(world()).when(command).then_rejected();
    assert!(matches!(error, DomainError::ProgrammeKindMismatch { .. }));
}

#[test]
fn an_approval_for_an_unknown_household_is_rejected() {
    Scenario::given(world())
        .when(approve(
            "sup-1",
            "hh-9",
            "repair",
            &[("state", 1)],
            "2023-11-30",
            "2023-03-01",
        ))
        .then_rejected_with("no household hh-9");
}

#[test]
fn an_approval_in_an_unknown_programme_is_rejected() {
    let mut command = approve(
        "sup-1",
        "hh-1",
        "repair",
        &[("state", 1)],
        "2023-11-30",
        "2023-03-01",
    );
    if let Command::ApproveHousingSupport(a) = &mut command {
        a.programme_id = ledger_domain::Id::parse("housing-1999").unwrap();
    }
    Scenario::given(world())
        .when(command)
        .then_rejected_with("no programme housing-1999");
}

#[test]
fn an_approval_reusing_a_support_id_is_rejected() {
    world_with_support()
        .when(approve(
            "sup-1",
            "hh-2",
            "repair",
            &[("state", 1)],
            "2023-11-30",
            "2023-03-01",
        ))
        .then_rejected_with("housing support sup-1 already exists");
}

#[test]
fn an_approval_whose_split_does_not_add_up_is_rejected() {
    let mut command = approve(
        "sup-1",
        "hh-1",
        "repair",
        &[("state", 10), ("province", 5)],
        "2023-11-30",
        "2023-03-01",
    );
    if let Command::ApproveHousingSupport(a) = &mut command {
        a.amount = vnd(20);
    }
    Scenario::given(world()).when(command).then_rejected_with(
        "approval of 20 ₫ does not equal its funding split, which adds up to 15 ₫",
    );
}

#[test]
fn an_approval_naming_a_source_twice_is_rejected() {
    let error = Scenario::given(world())
        .when(approve(
            "sup-1",
            "hh-1",
            "repair",
            &[("state", 10), ("state", 5)],
            "2023-11-30",
            "2023-03-01",
        ))
        .then_rejected();
    assert!(matches!(error, DomainError::DuplicateFundingSource { .. }));
}

#[test]
fn an_approval_with_a_zero_part_is_rejected() {
    Scenario::given(world())
        .when(approve(
            "sup-1",
            "hh-1",
            "repair",
            &[("state", 10), ("province", 0)],
            "2023-11-30",
            "2023-03-01",
        ))
        .then_rejected_with("funding part must be a positive amount, not 0 ₫");
}

#[test]
fn a_zero_approval_is_rejected() {
    Scenario::given(world())
        .when(approve(
            "sup-1",
            "hh-1",
            "repair",
            &[],
            "2023-11-30",
            "2023-03-01",
        ))
        .then_rejected_with("housing support must be a positive amount, not 0 ₫");
}

#[test]
fn an_approval_planned_to_complete_before_it_is_approved_is_rejected() {
    Scenario::given(world())
        .when(approve(
            "sup-1",
            "hh-1",
            "repair",
            &[("state", 10)],
            "2023-02-28",
            "2023-03-01",
        ))
        .then_rejected_with("planned completion 2023-02-28 is before the approval on 2023-03-01");
}

#[test]
fn an_approval_before_the_household_was_registered_is_rejected() {
    let mut s = Scenario::given(world());
    s.record(register_household("hh-new", "06652", "2023-05-01"));
    let error = s
        .when(approve(
            "sup-1",
            "hh-new",
            "repair",
            &[("state", 10)],
            "2023-11-30",
            "2023-04-30",
        ))
        .then_rejected();
    assert!(matches!(
        error,
        DomainError::DateBeforeReference {
            what: "approval",
            ..
        }
    ));
}

#[test]
fn a_second_live_support_for_the_same_household_in_a_programme_is_rejected() {
    let mut s = world_with_support();
    s.when(approve(
        "sup-2",
        "hh-1",
        "repair",
        &[("state", 10)],
        "2023-11-30",
        "2023-03-02",
    ))
    .then_rejected_with("household hh-1 already has support sup-1 in programme housing-2023");
    s.record(cancel("sup-1", "2023-04-01"));
    s.when(approve(
        "sup-2",
        "hh-1",
        "repair",
        &[("state", 10)],
        "2023-11-30",
        "2023-04-02",
    ))
    .then_kinds(&["HousingSupportApproved"]);
}

#[test]
fn an_approval_before_the_programme_opened_is_rejected() {
    let error = Scenario::given(world())
        .when(approve(
            "sup-1",
            "hh-1",
            "repair",
            &[("state", 10)],
            "2023-11-30",
            "2023-01-04",
        ))
        .then_rejected();
    assert!(
        matches!(error, DomainError::DateBeforeReference { what: "approval", ref reference, .. } if reference.contains("programme"))
    );
}

#[test]
fn an_approval_whose_split_overflows_the_bound_is_rejected() {
    let mut command = approve(
        "sup-1",
        "hh-1",
        "repair",
        &[("state", 1), ("province", 1)],
        "2023-11-30",
        "2023-03-01",
    );
    if let Command::ApproveHousingSupport(a) = &mut command {
        a.amount = ledger_domain::Dong::MAX;
        a.funding
            .iter_mut()
            .for_each(|part| part.amount = ledger_domain::Dong::MAX);
    }
    let error = Scenario::given(world()).when(command).then_rejected();
    assert!(matches!(error, DomainError::AmountOverflow { .. }));
}
