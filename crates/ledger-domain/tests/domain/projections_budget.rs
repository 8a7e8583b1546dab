//! The budget book and its summary: allocated → committed → disbursed by programme,
//! source, unit and month, with corrections read as if the corrected fact never was.

use ledger_domain::projection::budget::{budget_book, budget_summary, BudgetBook, BudgetFilter};
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
