//! The budget book and its summary: allocated → committed → disbursed by programme,
//! source, unit and month, with corrections read as if the corrected fact never was.

use ledger_domain::projection::budget::{
    budget_book, budget_book_as_of, budget_summary, budget_summary_as_of, BudgetBook, BudgetFilter,
};
use ledger_domain::projection::UnitGrouping;
use serde_json::json;

use crate::helpers::*;

fn rows(book: &BudgetBook) -> Vec<(String, String, String, String, String, String, String)> {
    book.rows
        .iter()
        .map(|row| {
            (
                row.source.to_string(),
                row.unit.code().unwrap_or("-").to_owned(),
                row.month.to_string(),
                row.flows.allocated.digits(),
                row.flows.committed.digits(),
                row.flows.disbursed.digits(),
                row.remaining.digits(),
            )
        })
        .collect()
}

fn tuple(cells: [&str; 7]) -> (String, String, String, String, String, String, String) {
    let [a, b, c, d, e, f, g] = cells.map(str::to_owned);
    (a, b, c, d, e, f, g)
}

fn with_disbursement() -> Scenario {
    let mut s = world_with_support();
    s.record(disburse("sup-1", "state", 30_000_000, "2023-04-10"));
    s
}

#[test]
fn the_book_shows_allocations_commitments_and_disbursements_by_unit_and_month() {
    let s = with_disbursement();
    let book = budget_book(
        &s.ledger,
        &BudgetFilter::default(),
        UnitGrouping::AsRecorded,
    );
    assert_eq!(
        rows(&book),
        [
            tuple(["province", "-", "2023-01", "45000000", "0", "0", "45000000"]),
            tuple(["province", "06652", "2023-03", "0", "40000000", "0", "5000000"]),
            tuple(["state", "-", "2023-01", "100000000", "0", "0", "100000000"]),
            tuple(["state", "06652", "2023-03", "0", "60000000", "0", "40000000"]),
            tuple(["state", "06652", "2023-04", "0", "0", "30000000", "40000000"]),
        ]
    );
    assert_eq!(book.totals.allocated, vnd(145_000_000));
    assert_eq!(book.totals.committed, vnd(100_000_000));
    assert_eq!(book.totals.disbursed, vnd(30_000_000));
}

#[test]
fn the_book_filters_by_source_unit_and_months() {
    let s = with_disbursement();
    let filter: BudgetFilter =
        serde_json::from_value(json!({"source": "state", "unit_code": "06652",
        "from_month": "2023-04", "to_month": "2023-12"}))
        .unwrap();
    let book = budget_book(&s.ledger, &filter, UnitGrouping::AsRecorded);
    assert_eq!(
        rows(&book),
        [tuple([
            "state", "06652", "2023-04", "0", "0", "30000000", "40000000"
        ])]
    );
    let other: BudgetFilter =
        serde_json::from_value(json!({"programme_id": "children-2023"})).unwrap();
    assert!(budget_book(&s.ledger, &other, UnitGrouping::AsRecorded)
        .rows
        .is_empty());
}

#[test]
fn a_reversed_disbursement_leaves_the_book_as_if_it_never_happened() {
    let before = world_with_support();
    let mut after = with_disbursement();
    after.record(reverse(
        "ReverseDisbursement",
        after.last_id(),
        "2023-05-01",
    ));
    let all = BudgetFilter::default();
    assert_eq!(
        budget_book(&after.ledger, &all, UnitGrouping::AsRecorded),
        budget_book(&before.ledger, &all, UnitGrouping::AsRecorded)
    );
}

#[test]
fn a_cancelled_support_leaves_no_commitment_in_the_book() {
    let mut s = world_with_support();
    s.record(cmd(json!({"command": "CancelSupport", "support_id": "sup-1", "reason": "moved", "cancelled_on": "2023-04-01"})));
    let book = budget_book(
        &s.ledger,
        &BudgetFilter::default(),
        UnitGrouping::AsRecorded,
    );
    assert!(book.totals.committed.is_zero());
    assert_eq!(book.rows.len(), 2, "only the two allocation rows remain");
}

#[test]
fn the_summary_gives_remaining_and_undisbursed_per_programme_and_source() {
    let s = with_disbursement();
    let summary = budget_summary(&s.ledger);
    let state = summary
        .iter()
        .find(|row| row.source.as_str() == "state")
        .unwrap();
    assert_eq!(state.remaining, vnd(40_000_000));
    assert_eq!(state.undisbursed, vnd(30_000_000));
    let json = serde_json::to_value(state).unwrap();
    assert_eq!(json["remaining"], "40000000");
}

#[test]
fn the_summary_as_of_a_past_date_from_the_live_ledger_equals_the_replay_to_that_date() {
    let mut s = with_disbursement();
    let disbursement = s.last_id();
    s.record(reverse("ReverseDisbursement", disbursement, "2023-05-01"));
    s.record(cancel("sup-1", "2023-06-01"));
    s.record(open_programme(
        "housing-2024",
        "housing",
        "2024-12-31",
        "2023-07-01",
    ));
    s.record(allocate("housing-2024", "state", 20_000_000, "2023-07-15"));
    let allocation = s.last_id();
    s.record(reverse("ReverseAllocation", allocation, "2023-08-01"));
    s.record(allocate("housing-2024", "state", 30_000_000, "2023-08-05"));
    s.record(register_household("hh-9", "06652", "2023-08-10"));
    s.record(approve_in_2024("sup-9", "hh-9", "2023-08-20"));
    // Each date falls before, on or after one of the facts above.
    let dates = [
        "2023-01-09",
        "2023-01-10",
        "2023-03-01",
        "2023-04-10",
        "2023-04-30",
        "2023-05-01",
        "2023-05-31",
        "2023-06-01",
        "2023-06-30",
        "2023-07-01",
        "2023-07-15",
        "2023-08-01",
        "2023-08-05",
        "2023-08-10",
        "2023-08-19",
        "2023-08-20",
        "2024-01-01",
    ];
    for date in dates.map(d) {
        let replayed = ledger_domain::replay(&s.log, Some(date), None);
        assert_eq!(
            budget_summary_as_of(&s.ledger, date),
            budget_summary(&replayed),
            "as of {date}"
        );
        for grouping in [UnitGrouping::AsRecorded, UnitGrouping::CurrentOn(date)] {
            let all = BudgetFilter::default();
            assert_eq!(
                budget_book_as_of(&s.ledger, &all, grouping, date),
                budget_book(&replayed, &all, grouping),
                "book as of {date}"
            );
        }
    }
    // Between the approval and the cancellation the support's commitment counts; the
    // programme opened in July has no row before it opened.
    let may = budget_summary_as_of(&s.ledger, d("2023-05-15"));
    let state = may.iter().find(|row| row.source.as_str() == "state");
    assert_eq!(state.map(|row| row.committed), Some(vnd(60_000_000)));
    assert!(may
        .iter()
        .all(|row| row.programme_id.as_str() != "housing-2024"));
    let july = budget_summary_as_of(&s.ledger, d("2023-07-20"));
    let next = july
        .iter()
        .find(|row| row.programme_id.as_str() == "housing-2024");
    assert_eq!(next.map(|row| row.allocated), Some(vnd(20_000_000)));
}

fn approve_in_2024(support: &str, household: &str, on: &str) -> ledger_domain::Command {
    cmd(
        json!({"command": "ApproveHousingSupport", "programme_id": "housing-2024",
        "support_id": support, "household_id": household, "work_kind": "repair",
        "amount": "10000000", "planned_completion_on": "2024-06-30",
        "funding": [{"source": "state", "amount": "10000000"}], "approved_on": on}),
    )
}
