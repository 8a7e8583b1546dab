//! Units are a code plus a validity period; mergers and splits map old units to new.

use ledger_domain::DomainError;

use crate::helpers::*;

fn hà_phong() -> Scenario {
    Scenario::given([register_unit(
        "06652",
        "Hà Phong",
        "ward",
        None,
        Some("2025-06-30"),
        "2021-02-03",
    )])
}

#[test]
fn registering_a_unit_is_accepted() {
    Scenario::default()
        .when(register_unit(
            "06652",
            "Hà Phong",
            "ward",
            None,
            Some("2025-06-30"),
            "2021-02-03",
        ))
        .then_kinds(&["UnitRegistered"]);
}

#[test]
fn a_reused_code_for_a_later_period_is_accepted() {
    hà_phong()
        .when(register_unit(
            "06652",
            "Hà Tu",
            "ward",
            Some("2025-07-01"),
            None,
            "2025-06-16",
        ))
        .then_kinds(&["UnitRegistered"]);
}

#[test]
fn a_reused_code_with_an_overlapping_period_is_rejected() {
    hà_phong()
        .when(register_unit(
            "06652",
            "Hà Tu",
            "ward",
            Some("2025-06-30"),
            None,
            "2025-06-16",
        ))
        .then_rejected_with(
            "unit 06652 overlaps the registered Hà Phong (valid from open to 2025-06-30)",
        );
}

#[test]
fn a_unit_valid_to_before_it_is_valid_from_is_rejected() {
    let error = Scenario::default()
        .when(register_unit(
            "06652",
            "Hà Tu",
            "ward",
            Some("2025-07-01"),
            Some("2025-06-30"),
            "2025-06-16",
        ))
        .then_rejected();
    assert!(matches!(error, DomainError::UnitValidityInverted { .. }));
}

#[test]
fn a_unit_with_an_empty_name_is_rejected() {
    let error = Scenario::default()
        .when(register_unit(
            "06652",
            "  ",
            "ward",
            None,
            None,
            "2021-02-03",
        ))
        .then_rejected();
    assert!(matches!(
        error,
        DomainError::InvalidText {
            field: "unit name",
            ..
        }
    ));
}

fn before_2025_reform() -> Scenario {
    let mut s = Scenario::given(world());
    s.record(register_unit(
        "06652",
        "Hà Tu",
        "ward",
        Some("2025-07-01"),
        None,
        "2025-06-16",
    ));
    s.record(register_unit(
        "07054",
        "Quảng La",
        "commune",
        Some("2025-07-01"),
        None,
        "2025-06-16",
    ));
    s.record(register_unit(
        "07057",
        "Bằng Cả",
        "commune",
        None,
        Some("2025-06-30"),
        "2021-02-03",
    ));
    s
}

#[test]
fn merging_several_units_into_one_is_accepted() {
    before_2025_reform()
        .when(merge(&["06652", "06664"], &["06652"], "2025-07-01"))
        .then_kinds(&["UnitsMerged"]);
}

#[test]
fn splitting_one_unit_between_several_is_accepted() {
    before_2025_reform()
        .when(merge(&["07057"], &["06652", "07054"], "2025-07-01"))
        .then_kinds(&["UnitsMerged"]);
}

#[test]
fn a_merger_of_several_units_into_several_is_rejected() {
    let error = before_2025_reform()
        .when(merge(
            &["06652", "06664"],
            &["06652", "07054"],
            "2025-07-01",
        ))
        .then_rejected();
    assert_eq!(error, DomainError::MergeShape { old: 2, new: 2 });
    let empty = before_2025_reform()
        .when(merge(&[], &["06652"], "2025-07-01"))
        .then_rejected();
    assert_eq!(empty, DomainError::MergeShape { old: 0, new: 1 });
}

#[test]
fn a_code_twice_in_a_merger_is_rejected() {
    let error = before_2025_reform()
        .when(merge(&["06664", "06664"], &["06652"], "2025-07-01"))
        .then_rejected();
    assert!(matches!(error, DomainError::DuplicateUnitInMerge { .. }));
}

#[test]
fn merging_a_unit_not_valid_the_day_before_is_rejected() {
    before_2025_reform()
        .when(merge(&["06999"], &["06652"], "2025-07-01"))
        .then_rejected_with("no unit with code 06999 was valid on 2025-06-30");
}

#[test]
fn merging_into_a_unit_not_valid_on_the_day_is_rejected() {
    before_2025_reform()
        .when(merge(&["06664"], &["07051"], "2025-07-01"))
        .then_rejected_with("no unit with code 07051 was valid on 2025-07-01");
}

#[test]
fn a_unit_already_merged_cannot_be_merged_again() {
    let mut s = before_2025_reform();
    s.record(merge(&["06664"], &["06652"], "2025-07-01"));
    let error = s
        .when(merge(&["06664"], &["07054"], "2025-07-01"))
        .then_rejected();
    assert!(matches!(error, DomainError::UnitAlreadyMerged { .. }));
}

#[test]
fn a_unit_still_valid_after_the_merger_cannot_be_merged_away() {
    let mut s = before_2025_reform();
    s.record(register_unit(
        "06700",
        "Tuần Châu",
        "ward",
        None,
        Some("2026-01-01"),
        "2021-02-03",
    ));
    let error = s
        .when(merge(&["06700"], &["06652"], "2025-07-01"))
        .then_rejected();
    assert!(matches!(
        error,
        DomainError::UnitStillValidAfterMerge { .. }
    ));
}

#[test]
fn merging_an_open_ended_unit_closes_it_the_day_before() {
    let mut s = before_2025_reform();
    s.record(register_unit(
        "06700",
        "Tuần Châu",
        "ward",
        None,
        None,
        "2021-02-03",
    ));
    s.record(merge(&["06700"], &["06652"], "2025-07-01"));
    s.when(register_household("hh-late", "06700", "2025-06-30"))
        .then_kinds(&["HouseholdRegistered"]);
    s.when(register_household("hh-late", "06700", "2025-07-01"))
        .then_rejected_with("no unit with code 06700 was valid on 2025-07-01");
}

#[test]
fn a_reference_to_a_unit_no_longer_valid_is_rejected() {
    let mut s = Scenario::default();
    s.record(register_unit(
        "06682",
        "Yết Kiêu",
        "ward",
        None,
        Some("2024-10-31"),
        "2021-02-03",
    ));
    s.when(register_household("hh-1", "06682", "2024-10-31"))
        .then_kinds(&["HouseholdRegistered"]);
    s.when(register_household("hh-1", "06682", "2024-11-01"))
        .then_rejected_with("no unit with code 06682 was valid on 2024-11-01");
}

#[test]
fn a_reference_to_a_unit_before_it_was_registered_is_rejected() {
    let s = Scenario::given([register_unit(
        "06652",
        "Hà Phong",
        "ward",
        None,
        None,
        "2021-02-03",
    )]);
    s.when(register_household("hh-1", "06652", "2021-02-02"))
        .then_rejected_with("no unit with code 06652 was valid on 2021-02-02");
}

#[test]
fn a_reused_code_resolves_to_the_unit_valid_on_the_date() {
    let s = before_2025_reform();
    let old = s.ledger.units().resolve("06652", d("2025-06-30")).unwrap();
    let new = s.ledger.units().resolve("06652", d("2025-07-01")).unwrap();
    assert_eq!(s.ledger.units().get(old).unwrap().name, "Hà Phong");
    assert_eq!(s.ledger.units().get(new).unwrap().name, "Hà Tu");
}

#[test]
fn a_new_code_twice_in_a_split_is_rejected() {
    let error = before_2025_reform()
        .when(merge(&["07057"], &["07054", "07054"], "2025-07-01"))
        .then_rejected();
    assert!(matches!(error, DomainError::DuplicateUnitInMerge { .. }));
}
