//! Households and poverty status per standard; only near-poor households leave
//! near-poverty, under the standard they are near-poor by.

use ledger_domain::event::PovertyStatus;
use ledger_domain::DomainError;
use serde_json::json;

use crate::helpers::*;

const NATIONAL: &str = "national-2022-2025";
const ENHANCED: &str = "quang-ninh-enhanced-2023-2025";

#[test]
fn registering_a_household_twice_is_rejected() {
    Scenario::given(world())
        .when(register_household("hh-1", "06652", "2023-01-01"))
        .then_rejected_with("household hh-1 is already registered");
}

#[test]
fn a_household_without_members_is_rejected() {
    Scenario::given(world())
        .when(cmd(
            json!({"command": "RegisterHousehold", "household_id": "hh-9",
            "unit_code": "06652", "members": 0, "registered_on": "2023-01-01"}),
        ))
        .then_rejected_with("household members must be at least 1");
}

#[test]
fn classifying_a_household_is_accepted() {
    Scenario::given(world())
        .when(classify("hh-1", NATIONAL, "poor", "2023-01-15"))
        .then_kinds(&["HouseholdClassified"]);
}

#[test]
fn classifying_an_unknown_household_is_rejected() {
    Scenario::given(world())
        .when(classify("hh-9", NATIONAL, "poor", "2023-01-15"))
        .then_rejected_with("no household hh-9");
}

#[test]
fn classifying_under_an_unknown_standard_is_rejected() {
    Scenario::given(world())
        .when(classify("hh-1", "national-2016-2020", "poor", "2023-01-15"))
        .then_rejected_with("no poverty standard national-2016-2020");
}

#[test]
fn classifying_outside_the_standard_s_period_is_rejected() {
    Scenario::given(world())
        .when(classify("hh-1", ENHANCED, "poor", "2022-12-31"))
        .then_rejected_with("poverty standard quang-ninh-enhanced-2023-2025 applies from 2023-01-01 to 2025-12-31, not on 2022-12-31");
}

#[test]
fn a_classification_before_the_household_was_registered_is_rejected() {
    let error = Scenario::given(world())
        .when(classify("hh-1", NATIONAL, "poor", "2022-05-31"))
        .then_rejected();
    assert!(matches!(
        error,
        DomainError::DateBeforeReference {
            what: "status change",
            ..
        }
    ));
}

#[test]
fn a_classification_earlier_than_the_current_one_is_rejected() {
    let mut s = Scenario::given(world());
    s.record(classify("hh-1", NATIONAL, "poor", "2023-06-01"));
    s.when(classify("hh-1", NATIONAL, "near_poor", "2023-05-01"))
        .then_rejected_with("household hh-1 already has a status under national-2022-2025 effective 2023-06-01, later than 2023-05-01");
}

#[test]
fn a_classification_without_a_decision_reference_is_rejected() {
    let error = Scenario::given(world())
        .when(cmd(
            json!({"command": "ClassifyHousehold", "household_id": "hh-1", "standard_id": NATIONAL,
            "status": "poor", "effective_on": "2023-01-15", "decision_ref": ""}),
        ))
        .then_rejected();
    assert!(matches!(
        error,
        DomainError::InvalidText {
            field: "decision reference",
            ..
        }
    ));
}

#[test]
fn a_near_poor_household_can_leave_near_poverty_and_is_then_not_poor() {
    let mut s = Scenario::given(world());
    s.record(classify("hh-1", ENHANCED, "near_poor", "2023-01-15"));
    s.record(exit_near_poverty("hh-1", ENHANCED, "2023-11-01"));
    let standard = s.ledger.standards().index_of(ENHANCED).unwrap();
    let household = s.ledger.households().get("hh-1").unwrap();
    assert_eq!(
        household.status_under(standard).unwrap().status,
        PovertyStatus::NotPoor
    );
}

#[test]
fn a_poor_household_cannot_leave_near_poverty() {
    let mut s = Scenario::given(world());
    s.record(classify("hh-1", ENHANCED, "poor", "2023-01-15"));
    s.when(exit_near_poverty("hh-1", ENHANCED, "2023-11-01"))
        .then_rejected_with("household hh-1 is poor under quang-ninh-enhanced-2023-2025, not near_poor: only a near-poor household can leave near-poverty");
}

#[test]
fn an_unclassified_household_cannot_leave_near_poverty() {
    let error = Scenario::given(world())
        .when(exit_near_poverty("hh-1", ENHANCED, "2023-11-01"))
        .then_rejected();
    assert_eq!(error.to_string(), "household hh-1 is unclassified under quang-ninh-enhanced-2023-2025, not near_poor: only a near-poor household can leave near-poverty");
}

#[test]
fn a_household_near_poor_under_one_standard_cannot_leave_under_another() {
    let mut s = Scenario::given(world());
    s.record(classify("hh-1", NATIONAL, "near_poor", "2023-01-15"));
    s.record(classify("hh-1", ENHANCED, "not_poor", "2023-01-15"));
    let error = s
        .when(exit_near_poverty("hh-1", ENHANCED, "2023-11-01"))
        .then_rejected();
    assert!(matches!(
        error,
        DomainError::NotNearPoor {
            status: Some(PovertyStatus::NotPoor),
            ..
        }
    ));
    s.when(exit_near_poverty("hh-1", NATIONAL, "2023-11-01"))
        .then_kinds(&["HouseholdLeftNearPoverty"]);
}

#[test]
fn a_household_that_left_near_poverty_cannot_leave_again() {
    let mut s = Scenario::given(world());
    s.record(classify("hh-1", ENHANCED, "near_poor", "2023-01-15"));
    s.record(exit_near_poverty("hh-1", ENHANCED, "2023-11-01"));
    let error = s
        .when(exit_near_poverty("hh-1", ENHANCED, "2023-12-01"))
        .then_rejected();
    assert!(matches!(error, DomainError::NotNearPoor { .. }));
}

#[test]
fn an_exit_dated_before_the_current_status_is_rejected() {
    let mut s = Scenario::given(world());
    s.record(classify("hh-1", ENHANCED, "near_poor", "2023-06-01"));
    let error = s
        .when(exit_near_poverty("hh-1", ENHANCED, "2023-05-01"))
        .then_rejected();
    assert!(matches!(
        error,
        DomainError::ClassificationOutOfOrder { .. }
    ));
}
