//! The finance workbook's sheets, built from the ledger as of a date: budget book by
//! programme, source, unit and month; disbursements; sponsorship schedules and arrears;
//! housing works; trial balance.

use chrono::NaiveDate;
use ledger_domain::ledger::Horizon;
use ledger_domain::projection::budget::{self, BudgetFilter};
use ledger_domain::projection::units::UnitBucket;
use ledger_domain::projection::{accounts, housing, sponsorship, UnitGrouping};
use ledger_domain::{Dong, Ledger};
use serde::Serialize;

use super::{Cell, Sheet};

fn text(s: impl ToString) -> Cell {
    Cell::Text(s.to_string())
}

fn money(d: Dong) -> Cell {
    Cell::Money(d.digits())
}

fn date(d: Option<NaiveDate>) -> Cell {
    text(d.map(|d| d.to_string()).unwrap_or_default())
}

/// A serde enum's wire name (`new_build`, `overdue`), as the API shows it.
fn name<T: Serialize>(value: &T) -> Cell {
    let wire = serde_json::to_value(value).unwrap_or_default();
    text(wire.as_str().unwrap_or_default())
}

fn unit(bucket: &UnitBucket) -> (Cell, Cell) {
    match bucket {
        UnitBucket::Unit(label) => (text(&label.code), text(&label.name)),
        UnitBucket::Unassignable { from, .. } => (text(&from.code), text(&from.name)),
        UnitBucket::Unspecified => (text(""), text("(programme level)")),
    }
}

/// Every sheet of the workbook on `on`; with a `past` horizon, as the facts it sees give them
/// (each sheet's query compares dates and log positions itself).
pub fn finance_sheets(ledger: &Ledger, on: NaiveDate, past: Option<Horizon>) -> Vec<Sheet> {
    vec![
        budget_book(ledger, past),
        disbursements(ledger, past),
        sponsorships(ledger, on, past),
        housing_works(ledger, on, past),
        trial_balance(ledger, past),
    ]
}

/// The budget book, one row per programme × source × unit × month, and a total row; with a
/// `past` horizon, as the facts it sees give it (see [`budget::budget_book_as_of`]).
pub fn budget_book(ledger: &Ledger, past: Option<Horizon>) -> Sheet {
    let (all, grouping) = (BudgetFilter::default(), UnitGrouping::AsRecorded);
    let book = match past {
        Some(horizon) => budget::budget_book_as_of(ledger, &all, grouping, horizon),
        None => budget::budget_book(ledger, &all, grouping),
    };
    let mut rows: Vec<Vec<Cell>> = book
        .rows
        .iter()
        .map(|r| {
            let (code, unit_name) = unit(&r.unit);
            vec![
                text(&r.programme_id),
                text(&r.source),
                code,
                unit_name,
                text(r.month),
                money(r.flows.allocated),
                money(r.flows.committed),
                money(r.flows.disbursed),
                Cell::Money(r.remaining.digits()),
            ]
        })
        .collect();
    rows.push(vec![
        text("TOTAL"),
        text(""),
        text(""),
        text(""),
        text(""),
        money(book.totals.allocated),
        money(book.totals.committed),
        money(book.totals.disbursed),
        text(""),
    ]);
    Sheet {
        name: "Budget book",
        columns: vec![
            "programme",
            "source",
            "unit code",
            "unit",
            "month",
            "allocated",
            "committed",
            "disbursed",
            "remaining",
        ],
        rows,
    }
}

fn disbursements(ledger: &Ledger, past: Option<Horizon>) -> Sheet {
    let mut rows = Vec::new();
    let horizon = past.unwrap_or(Horizon::WHOLE);
    let supports = ledger.supports().iter().map(|(_, support)| support);
    for support in supports.filter(|s| past.is_none() || ledger.support_occurred_by(s, horizon)) {
        let programme = ledger
            .programmes()
            .at(support.programme)
            .map(|p| p.id.to_string())
            .unwrap_or_default();
        let seen = support.disbursements.iter();
        for d in seen.filter(|d| horizon.sees(d.disbursed_on, d.position)) {
            let source = support
                .parts
                .get(d.part as usize)
                .map(|p| p.source.to_string())
                .unwrap_or_default();
            rows.push(vec![
                text(&programme),
                text(&support.id),
                text(source),
                text(d.disbursed_on),
                money(d.amount),
                text(if horizon.sees_correction(d.reversed) {
                    "reversed"
                } else {
                    ""
                }),
                text(d.event_id),
            ]);
        }
    }
    Sheet {
        name: "Disbursements",
        columns: vec![
            "programme",
            "support",
            "source",
            "disbursed on",
            "amount",
            "reversed",
            "event id",
        ],
        rows,
    }
}

fn sponsorships(ledger: &Ledger, on: NaiveDate, past: Option<Horizon>) -> Sheet {
    let summaries = match past {
        Some(horizon) => sponsorship::sponsorships_within(ledger, on, horizon),
        None => sponsorship::sponsorships(ledger, on),
    };
    let rows = summaries
        .iter()
        .map(|s| {
            let o = &s.obligation;
            vec![
                text(&s.sponsorship_id),
                text(&s.programme_id),
                text(&s.child_id),
                text(&s.sponsor_id),
                money(s.monthly_amount),
                text(s.first_month),
                text(s.last_month),
                Cell::Count(i64::try_from(o.months).unwrap_or(i64::MAX)),
                Cell::Count(i64::try_from(o.months_due).unwrap_or(i64::MAX)),
                money(o.obligation),
                money(o.due),
                money(o.paid),
                money(o.arrears),
                money(o.prepaid),
                money(o.future_liability),
                text(if s.ended { "ended" } else { "" }),
            ]
        })
        .collect();
    Sheet {
        name: "Sponsorships",
        columns: vec![
            "sponsorship",
            "programme",
            "child",
            "sponsor",
            "monthly",
            "first month",
            "last month",
            "months",
            "months due",
            "obligation",
            "due",
            "paid",
            "arrears",
            "prepaid",
            "future liability",
            "ended",
        ],
        rows,
    }
}

fn housing_works(ledger: &Ledger, on: NaiveDate, past: Option<Horizon>) -> Sheet {
    let works = match past {
        Some(horizon) => housing::works_within(ledger, None, on, horizon),
        None => housing::works(ledger, None, on),
    };
    let rows = works
        .iter()
        .map(|w| {
            let (code, unit_name) = unit(&w.unit);
            vec![
                text(&w.support_id),
                text(&w.programme_id),
                text(&w.household_id),
                code,
                unit_name,
                name(&w.kind),
                money(w.amount),
                money(w.disbursed),
                date(Some(w.approved_on)),
                date(Some(w.planned_completion_on)),
                date(w.started_on),
                date(w.completed_on),
                w.days_ahead.map_or(text(""), Cell::Count),
                name(&w.status),
            ]
        })
        .collect();
    Sheet {
        name: "Housing works",
        columns: vec![
            "support",
            "programme",
            "household",
            "unit code",
            "unit",
            "kind",
            "amount",
            "disbursed",
            "approved on",
            "planned completion",
            "started on",
            "completed on",
            "days ahead",
            "status",
        ],
        rows,
    }
}

fn trial_balance(ledger: &Ledger, past: Option<Horizon>) -> Sheet {
    let trial = match past {
        Some(horizon) => accounts::trial_balance_as_of(ledger, horizon),
        None => accounts::trial_balance(ledger),
    };
    let mut rows: Vec<Vec<Cell>> = trial
        .rows
        .iter()
        .map(|r| vec![text(&r.account), money(r.debit), money(r.credit)])
        .collect();
    rows.push(vec![
        text("TOTAL"),
        money(trial.total_debit),
        money(trial.total_credit),
    ]);
    Sheet {
        name: "Trial balance",
        columns: vec!["account", "debit", "credit"],
        rows,
    }
}
