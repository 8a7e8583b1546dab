//! Children, sponsors and pledges: only for a child under 18 in its first month.

use ledger_domain::{Command, DomainError, Event};
use serde_json::json;

use crate::helpers::*;

#[test]
fn registering_a_child_twice_is_rejected() {
    Scenario::given(world())
        .when(register_child("child-1", "2010-05-20", "2023-01-02"))
        .then_rejected_with("child child-1 is already registered");
}

#[test]
fn a_child_registered_before_birth_is_rejected() {
    let error = Scenario::given(world())
        .when(register_child("child-9", "2023-05-20", "2023-01-02"))
        .then_rejected();
    assert!(matches!(error, DomainError::BirthAfterRegistration { .. }));
}

#[test]
fn a_child_in_a_unit_not_valid_on_the_date_is_rejected() {
    let error = Scenario::given(world())
        .when(register_child("child-9", "2015-05-20", "2025-07-01"))
        .then_rejected();
    assert!(matches!(error, DomainError::UnitNotValidOn { .. }));
}

#[test]
fn registering_a_sponsor_twice_is_rejected() {
    Scenario::given(world())
        .when(register_sponsor("org-1", "2023-01-02"))
        .then_rejected_with("sponsor org-1 is already registered");
}

#[test]
fn a_sponsor_without_a_name_is_rejected() {
    let error = Scenario::default()
        .when(cmd(
            json!({"command": "RegisterSponsor", "sponsor_id": "org-9", "name": "",
            "sponsor_kind": "enterprise", "registered_on": "2023-01-02"}),
        ))
        .then_rejected();
    assert!(matches!(
        error,
        DomainError::InvalidText {
            field: "sponsor name",
            ..
        }
    ));
}

#[test]
fn a_pledge_until_18_runs_to_the_month_before_the_18th_birthday() {
    let events = Scenario::given(world())
        .when(sponsor_child(
            "sp-1",
            "child-1",
            "org-1",
            "2023-01",
            None,
            "2023-01-03",
        ))
        .then_kinds(&["ChildSponsored"]);
    let Event::ChildSponsored(pledge) = &events[0] else {
        unreachable!()
    };
    assert_eq!(pledge.last_month, m("2028-05"));
    assert_eq!(events[0].stream(), "sponsorship-sp-1");
}

#[test]
fn pledge_for_a_child_already_18_is_rejected() {
    let mut s = Scenario::given(world());
    s.record(register_child("child-18", "2005-01-01", "2023-01-02"));
    s.when(sponsor_child(
        "sp-9",
        "child-18",
        "org-1",
        "2023-01",
        None,
        "2023-01-03",
    ))
    .then_rejected_with(
        "child child-18 turns 18 on 2023-01-01, before the first month 2023-01 of the pledge",
    );
}

#[test]
fn pledge_for_a_child_turning_18_later_in_the_first_month_owes_that_month() {
    let mut s = Scenario::given(world());
    s.record(register_child("child-17", "2005-01-02", "2023-01-02"));
    let events = s
        .when(sponsor_child(
            "sp-9",
            "child-17",
            "org-1",
            "2023-01",
            None,
            "2023-01-03",
        ))
        .then_events();
    let Event::ChildSponsored(pledge) = &events[0] else {
        unreachable!()
    };
    assert_eq!(pledge.last_month, m("2023-01"));
}

#[test]
fn a_pledge_starting_before_the_birth_month_is_rejected() {
    let mut s = Scenario::given(world());
    s.record(register_child("baby", "2023-03-10", "2023-03-20"));
    let error = s
        .when(sponsor_child(
            "sp-9",
            "baby",
            "org-1",
            "2023-02",
            None,
            "2023-03-21",
        ))
        .then_rejected();
    assert!(matches!(error, DomainError::PledgeBeforeBirth { .. }));
}

#[test]
fn a_pledge_in_a_housing_programme_is_rejected() {
    let mut command = sponsor_child("sp-9", "child-1", "org-1", "2023-01", None, "2023-01-03");
    if let Command::SponsorChild(c) = &mut command {
        c.programme_id = ledger_domain::Id::parse("housing-2023").unwrap();
    }
    let error = Scenario::given(world()).when(command).then_rejected();
    assert!(matches!(error, DomainError::ProgrammeKindMismatch { .. }));
}

#[test]
fn a_pledge_for_an_unknown_child_or_sponsor_is_rejected() {
    let s = Scenario::given(world());
    s.when(sponsor_child(
        "sp-9",
        "child-9",
        "org-1",
        "2023-01",
        None,
        "2023-01-03",
    ))
    .then_rejected_with("no child child-9");
    s.when(sponsor_child(
        "sp-9",
        "child-1",
        "org-9",
        "2023-01",
        None,
        "2023-01-03",
    ))
    .then_rejected_with("no sponsor org-9");
}

#[test]
fn a_pledge_reusing_a_sponsorship_id_is_rejected() {
    world_with_sponsorship()
        .when(sponsor_child(
            "sp-1",
            "child-1",
            "org-2",
            "2023-01",
            None,
            "2023-01-03",
        ))
        .then_rejected_with("sponsorship sp-1 already exists");
}

#[test]
fn a_child_may_have_several_sponsorships() {
    world_with_sponsorship()
        .when(sponsor_child(
            "sp-2",
            "child-1",
            "org-2",
            "2023-01",
            Some(12),
            "2023-01-03",
        ))
        .then_kinds(&["ChildSponsored"]);
}

#[test]
fn a_zero_monthly_pledge_is_rejected() {
    let mut command = sponsor_child("sp-9", "child-1", "org-1", "2023-01", None, "2023-01-03");
    if let Command::SponsorChild(c) = &mut command {
        c.monthly_amount = vnd(0);
    }
    Scenario::given(world())
        .when(command)
        .then_rejected_with("monthly amount must be a positive amount, not 0 ₫");
}

#[test]
fn a_pledge_for_zero_fixed_months_is_rejected() {
    Scenario::given(world())
        .when(sponsor_child(
            "sp-9",
            "child-1",
            "org-1",
            "2023-01",
            Some(0),
            "2023-01-03",
        ))
        .then_rejected_with("fixed months must be at least 1");
}

#[test]
fn a_pledge_before_the_child_was_registered_is_rejected() {
    let mut s = Scenario::given(world());
    s.record(register_child("child-late", "2015-05-20", "2023-03-01"));
    let error = s
        .when(sponsor_child(
            "sp-9",
            "child-late",
            "org-1",
            "2023-02",
            None,
            "2023-02-01",
        ))
        .then_rejected();
    assert!(
        matches!(error, DomainError::DateBeforeReference { what: "pledge", ref reference, .. }
        if reference.contains("child child-late"))
    );
}

#[test]
fn a_pledge_in_an_unknown_programme_is_rejected() {
    let mut command = sponsor_child("sp-9", "child-1", "org-1", "2023-01", None, "2023-01-03");
    if let Command::SponsorChild(c) = &mut command {
        c.programme_id = ledger_domain::Id::parse("children-1999").unwrap();
    }
    Scenario::given(world())
        .when(command)
        .then_rejected_with("no programme children-1999");
}

#[test]
fn a_pledge_before_the_programme_opened_or_the_sponsor_was_registered_is_rejected() {
    let mut s = Scenario::given(world());
    s.record(register_child("child-early", "2015-01-01", "2022-12-01"));
    let error = s
        .when(sponsor_child(
            "sp-9",
            "child-early",
            "org-1",
            "2023-01",
            None,
            "2022-12-31",
        ))
        .then_rejected();
    assert!(
        matches!(error, DomainError::DateBeforeReference { ref reference, .. } if reference.contains("programme"))
    );
    s.record(register_sponsor("org-late", "2023-03-01"));
    let error = s
        .when(sponsor_child(
            "sp-9",
            "child-1",
            "org-late",
            "2023-01",
            None,
            "2023-02-01",
        ))
        .then_rejected();
    assert!(
        matches!(error, DomainError::DateBeforeReference { ref reference, .. } if reference.contains("sponsor"))
    );
}

#[test]
fn a_pledge_whose_total_obligation_overflows_the_bound_is_rejected() {
    let mut command = sponsor_child("sp-9", "child-1", "org-1", "2023-01", Some(2), "2023-01-03");
    if let Command::SponsorChild(c) = &mut command {
        c.monthly_amount = ledger_domain::Dong::MAX;
    }
    let error = Scenario::given(world()).when(command).then_rejected();
    assert!(matches!(error, DomainError::AmountOverflow { .. }));
}
