//! Sponsorship obligations: schedule to 18, due, paid, arrears, prepaid, future
//! liability; per child, sponsor and programme; forecast by year; 18th birthdays.

use ledger_domain::projection::sponsorship::{
    by_child, by_sponsor, by_unit, in_arrears, sponsorships,
};
use ledger_domain::projection::sponsorship::{
    by_programme, totals, totals_as_of, turning_18_within,
};
use ledger_domain::projection::UnitGrouping;

use crate::helpers::*;

#[test]
fn arrears_are_what_fell_due_and_was_not_paid() {
    let mut s = world_with_sponsorship();
    s.record(pay("sp-1", "2023-01", 3, "2023-01-05"));
    let summary = &sponsorships(&s.ledger, d("2023-06-15"))[0];
    let o = summary.obligation;
    assert_eq!(
        (summary.first_month, summary.last_month),
        (m("2023-01"), m("2028-05"))
    );
    assert_eq!((o.months, o.months_due), (65, 6));
    assert_eq!(o.obligation, vnd(65_000_000));
    assert_eq!(o.due, vnd(6_000_000));
    assert_eq!(o.paid, vnd(3_000_000));
    assert_eq!(o.arrears, vnd(3_000_000));
    assert_eq!(o.prepaid, vnd(0));
    assert_eq!(o.remaining, vnd(62_000_000));
    assert_eq!(o.future_liability, vnd(59_000_000));
    assert_eq!(in_arrears(&s.ledger, d("2023-06-15")).len(), 1);
}

#[test]
fn an_installment_falls_due_on_the_first_of_its_month() {
    let s = world_with_sponsorship();
    assert_eq!(
        sponsorships(&s.ledger, d("2022-12-31"))[0]
            .obligation
            .months_due,
        0
    );
    assert_eq!(
        sponsorships(&s.ledger, d("2023-01-01"))[0]
            .obligation
            .months_due,
        1
    );
    assert_eq!(
        sponsorships(&s.ledger, d("2023-01-31"))[0]
            .obligation
            .months_due,
        1
    );
    assert_eq!(
        sponsorships(&s.ledger, d("2030-01-01"))[0]
            .obligation
            .months_due,
        65
    );
}

#[test]
fn paying_ahead_is_prepaid_and_reduces_future_liability() {
    let mut s = world_with_sponsorship();
    s.record(pay("sp-1", "2023-01", 12, "2023-01-05"));
    let o = sponsorships(&s.ledger, d("2023-06-15"))[0].obligation;
    assert_eq!(o.prepaid, vnd(6_000_000));
    assert_eq!(o.arrears, vnd(0));
    assert_eq!(o.future_liability, vnd(53_000_000));
    assert!(in_arrears(&s.ledger, d("2023-06-15")).is_empty());
}

#[test]
fn a_transfer_splits_the_months_between_sponsors() {
    let mut s = world_with_sponsorship();
    s.record(pay("sp-1", "2023-01", 12, "2023-01-05"));
    s.record(transfer("sp-1", "org-2", "2024-01", "2023-06-01"));
    let sponsors = by_sponsor(&s.ledger, d("2024-03-15"));
    let shares: Vec<(&str, u64, u64)> = sponsors
        .iter()
        .map(|row| {
            (
                row.sponsor_id.as_str(),
                row.obligation.months,
                row.obligation.months_due,
            )
        })
        .collect();
    assert_eq!(shares, [("org-1", 12, 12), ("org-2", 53, 3)]);
    assert_eq!(sponsors[0].obligation.paid, vnd(12_000_000));
    assert_eq!(sponsors[1].obligation.arrears, vnd(3_000_000));
    let summary = &sponsorships(&s.ledger, d("2024-03-15"))[0];
    assert_eq!(summary.sponsor_id.as_str(), "org-2");
    assert_eq!(summary.sponsors.len(), 2);
}

#[test]
fn ending_early_truncates_the_obligation() {
    let mut s = world_with_sponsorship();
    s.record(end_sponsorship("sp-1", "2023-12", "2023-06-01"));
    let summary = &sponsorships(&s.ledger, d("2023-06-15"))[0];
    assert_eq!(summary.obligation.obligation, vnd(12_000_000));
    assert!(summary.ended);
}

#[test]
fn totals_count_children_sponsors_and_the_monthly_commitment() {
    let mut s = world_with_sponsorship();
    s.record(sponsor_child(
        "sp-2",
        "child-1",
        "org-2",
        "2023-07",
        Some(6),
        "2023-01-03",
    ));
    s.record(pay("sp-1", "2023-01", 12, "2023-01-05"));
    let all = totals(&s.ledger, d("2023-08-15"));
    assert_eq!(
        (all.children, all.sponsors, all.sponsorships, all.until_18),
        (1, 2, 2, 1)
    );
    assert_eq!(all.monthly_commitment, vnd(2_000_000));
    assert_eq!(all.obligation.obligation, vnd(71_000_000));
    assert_eq!(all.monthly_amounts[0].monthly_amount, vnd(1_000_000));
    assert_eq!(all.monthly_amounts[0].sponsorships, 2);
    let forecast: Vec<(i32, u64)> = all
        .forecast_by_year
        .iter()
        .map(|y| (y.year, y.installments))
        .collect();
    assert_eq!(
        forecast,
        [
            (2023, 6),
            (2024, 12),
            (2025, 12),
            (2026, 12),
            (2027, 12),
            (2028, 5)
        ]
    );
    assert_eq!(all.forecast_by_year[0].amount, vnd(6_000_000));
    let per_programme = by_programme(&s.ledger, d("2023-08-15"));
    assert_eq!(per_programme.len(), 1);
    assert_eq!(
        per_programme[0].programme_id.as_ref().unwrap().as_str(),
        "children-2023"
    );
    let children = by_child(&s.ledger, d("2023-08-15"));
    assert_eq!((children[0].sponsorships, children[0].sponsors), (2, 2));
    assert_eq!(children[0].monthly_commitment, vnd(2_000_000));
}

#[test]
fn children_turning_18_within_the_horizon_are_listed() {
    let s = world_with_sponsorship();
    let soon = turning_18_within(&s.ledger, d("2028-01-01"), 6);
    assert_eq!(soon.len(), 1);
    assert_eq!(soon[0].turns_18_on, d("2028-05-20"));
    assert_eq!(soon[0].last_month, m("2028-05"));
    assert!(turning_18_within(&s.ledger, d("2028-01-01"), 4).is_empty());
    assert!(turning_18_within(&s.ledger, d("2028-05-20"), 6).is_empty());
}

#[test]
fn a_reversed_payment_is_not_paid() {
    let mut s = world_with_sponsorship();
    s.record(pay("sp-1", "2023-01", 3, "2023-01-05"));
    s.record(reverse("ReversePayment", s.last_id(), "2023-01-06"));
    assert!(sponsorships(&s.ledger, d("2023-06-15"))[0]
        .obligation
        .paid
        .is_zero());
}

#[test]
fn sponsored_children_can_be_grouped_by_unit() {
    let s = world_with_sponsorship();
    let rows = by_unit(&s.ledger, d("2023-06-15"), UnitGrouping::AsRecorded);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].unit.code(), Some("06652"));
    assert_eq!(rows[0].figures.children, 1);
    assert_eq!(rows[0].figures.obligation.obligation, vnd(65_000_000));
}

#[test]
fn a_payment_across_new_year_reduces_the_forecast_of_both_years() {
    let mut s = world_with_sponsorship();
    s.record(pay("sp-1", "2023-01", 14, "2023-01-05"));
    let all = totals(&s.ledger, d("2023-08-15"));
    let forecast: Vec<(i32, u64)> = all
        .forecast_by_year
        .iter()
        .map(|y| (y.year, y.installments))
        .collect();
    assert_eq!(
        forecast,
        [(2024, 10), (2025, 12), (2026, 12), (2027, 12), (2028, 5)]
    );
}

#[test]
fn totals_as_of_a_past_date_from_the_live_ledger_equal_the_replay_to_that_date() {
    let mut s = world_with_sponsorship();
    s.record(pay("sp-1", "2023-01", 3, "2023-01-05"));
    let payment = s.last_id();
    s.record(pay("sp-1", "2023-04", 2, "2023-04-05"));
    s.record(reverse("ReversePayment", payment, "2023-05-10"));
    // Transferred, back, and again.
    s.record(transfer("sp-1", "org-2", "2024-01", "2023-06-01"));
    s.record(transfer("sp-1", "org-1", "2024-03", "2023-07-01"));
    s.record(transfer("sp-1", "org-2", "2024-06", "2023-08-01"));
    s.record(end_sponsorship("sp-1", "2024-12", "2023-09-01"));
    let dates = [
        "2023-01-04",
        "2023-01-05",
        "2023-04-05",
        "2023-05-09",
        "2023-05-10",
        "2023-05-31",
        "2023-06-01",
        "2023-07-01",
        "2023-08-01",
        "2023-08-31",
        "2023-09-01",
        "2024-02-01",
    ];
    for date in dates.map(d) {
        let replayed = ledger_domain::replay(&s.log, Some(date), None);
        assert_eq!(
            totals_as_of(&s.ledger, date),
            totals(&replayed, date),
            "as of {date}"
        );
    }
    // Before the first transfer one sponsor owes; from then on two.
    assert_eq!(totals_as_of(&s.ledger, d("2023-05-31")).sponsors, 1);
    assert_eq!(totals_as_of(&s.ledger, d("2023-06-01")).sponsors, 2);
}
