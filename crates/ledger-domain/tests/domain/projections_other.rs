//! Accounts (trial balance, statements), poverty counts and exits, and jobs.

use std::collections::BTreeMap;

use ledger_domain::money::Balance;
use ledger_domain::posting::{Account, Side};
use ledger_domain::projection::accounts::{account_balances, statement, trial_balance};
use ledger_domain::projection::jobs::{
    jobs_by_month, jobs_by_unit, jobs_progress, percent_of_plan,
};
use ledger_domain::projection::poverty::{exits, near_poor_remaining, status_counts};
use ledger_domain::projection::UnitGrouping;
use ledger_domain::replay;
use serde_json::json;

use crate::events::full_story;
use crate::helpers::*;

#[test]
fn the_trial_balance_of_the_whole_ledger_is_zero() {
    let story = full_story();
    let balance = trial_balance(&story.ledger);
    assert!(balance.difference.is_zero());
    assert_eq!(balance.total_debit, balance.total_credit);
    let funding = balance
        .rows
        .iter()
        .find(|r| r.account.to_string() == "funding:state")
        .unwrap();
    assert_eq!((funding.debit, funding.credit), (vnd(0), vnd(100_000_000)));
}

#[test]
fn the_balances_derived_from_state_equal_the_sum_of_all_postings() {
    let story = full_story();
    let mut from_postings: BTreeMap<Account, Balance> = BTreeMap::new();
    for recorded in &story.log {
        let postings = recorded.event.postings();
        assert!(ledger_domain::posting::is_balanced(&postings));
        for posting in postings {
            *from_postings.entry(posting.account.clone()).or_default() += posting.signed();
        }
    }
    from_postings.retain(|_, balance| !balance.is_zero());
    let from_state: BTreeMap<Account, Balance> = account_balances(&story.ledger)
        .into_iter()
        .filter(|row| !row.balance.is_zero())
        .map(|row| (row.account, row.balance))
        .collect();
    assert_eq!(from_state, from_postings);
    assert!(!from_state.is_empty());
}

#[test]
fn an_account_statement_lists_every_posting_with_a_running_balance() {
    let mut s = world_with_support();
    s.record(disburse("sup-1", "state", 30_000_000, "2023-04-10"));
    s.record(reverse("ReverseDisbursement", s.last_id(), "2023-04-11"));
    let account: Account = "budget:housing-2023:state:committed".parse().unwrap();
    let lines = statement(&s.log, &account, None, None).lines;
    let summary: Vec<(&str, Side, String, String)> = lines
        .iter()
        .map(|l| (l.kind, l.side, l.amount.digits(), l.balance.digits()))
        .collect();
    assert_eq!(
        summary,
        [
            (
                "HousingSupportApproved",
                Side::Debit,
                "60000000".into(),
                "60000000".into()
            ),
            (
                "HousingFundsDisbursed",
                Side::Credit,
                "30000000".into(),
                "30000000".into()
            ),
            (
                "DisbursementReversed",
                Side::Debit,
                "30000000".into(),
                "60000000".into()
            ),
        ]
    );
    let as_of = statement(&s.log, &account, Some(d("2023-04-10")), None);
    assert_eq!(as_of.closing_balance.digits(), "30000000");
}

fn poverty() -> Scenario {
    let mut s = Scenario::given(world());
    s.record(classify(
        "hh-1",
        "quang-ninh-enhanced-2023-2025",
        "near_poor",
        "2023-01-15",
    ));
    s.record(classify(
        "hh-2",
        "quang-ninh-enhanced-2023-2025",
        "near_poor",
        "2023-01-15",
    ));
    s.record(classify("hh-3", "national-2022-2025", "poor", "2023-01-15"));
    s.record(exit_near_poverty(
        "hh-1",
        "quang-ninh-enhanced-2023-2025",
        "2023-10-01",
    ));
    s
}

#[test]
fn poverty_counts_are_per_standard_and_unit() {
    let s = poverty();
    let rows = status_counts(
        &s.ledger,
        Some("quang-ninh-enhanced-2023-2025"),
        UnitGrouping::AsRecorded,
    );
    let summary: Vec<(&str, u64, u64)> = rows
        .iter()
        .map(|r| {
            (
                r.unit.code().unwrap(),
                r.counts.near_poor,
                r.counts.not_poor,
            )
        })
        .collect();
    assert_eq!(summary, [("06652", 0, 1), ("06664", 1, 0)]);
    let national = status_counts(
        &s.ledger,
        Some("national-2022-2025"),
        UnitGrouping::AsRecorded,
    );
    assert_eq!(national[0].counts.poor, 1);
}

#[test]
fn exits_and_near_poor_remaining_answer_for_any_as_of_date() {
    let s = poverty();
    let report = exits(
        &s.ledger,
        None,
        d("2023-01-01"),
        d("2023-12-31"),
        UnitGrouping::AsRecorded,
    );
    let totals: Vec<(&str, u64)> = report
        .totals
        .iter()
        .map(|t| (t.standard_id.as_str(), t.households))
        .collect();
    assert_eq!(
        totals,
        [
            ("national-2022-2025", 0),
            ("quang-ninh-enhanced-2023-2025", 1)
        ]
    );
    let remaining: Vec<u64> = near_poor_remaining(&s.ledger)
        .iter()
        .map(|r| r.households)
        .collect();
    assert_eq!(remaining, [0, 1]);
    let september = replay(&s.log, Some(d("2023-09-30")), None);
    let earlier: Vec<u64> = near_poor_remaining(&september)
        .iter()
        .map(|r| r.households)
        .collect();
    assert_eq!(earlier, [0, 2]);
}

#[test]
fn percent_of_plan_rounds_half_away_from_zero_to_one_decimal() {
    assert_eq!(percent_of_plan(7400, 6503).as_deref(), Some("113.8"));
    assert_eq!(percent_of_plan(1, 16).as_deref(), Some("6.3"));
    assert_eq!(percent_of_plan(100, 100).as_deref(), Some("100.0"));
    assert_eq!(percent_of_plan(0, 7).as_deref(), Some("0.0"));
    assert_eq!(percent_of_plan(5, 0), None);
}

#[test]
fn jobs_progress_compares_new_jobs_with_the_target() {
    let mut s = Scenario::given(world());
    s.record(cmd(
        json!({"command": "SetJobsTarget", "year": 2023, "target": 6503, "set_on": "2023-01-05"}),
    ));
    for (unit, count, month) in [("06652", 4000, "2023-03"), ("06664", 3400, "2023-09")] {
        s.record(cmd(
            json!({"command": "RecordJobsCreated", "year": 2023, "unit_code": unit,
            "count": count, "month": month, "reported_on": "2023-12-31"}),
        ));
    }
    let progress = jobs_progress(&s.ledger, 2023);
    assert_eq!((progress.created, progress.target), (7400, Some(6503)));
    assert_eq!(progress.percent_of_plan.as_deref(), Some("113.8"));
    assert_eq!(
        serde_json::to_value(&progress).unwrap()["percent_of_plan"],
        "113.8"
    );
    assert_eq!(
        jobs_by_unit(&s.ledger, 2023, UnitGrouping::AsRecorded).len(),
        2
    );
    assert_eq!(
        jobs_by_month(&s.ledger, 2023, Some(d("2023-06-30"))).len(),
        1
    );
    assert_eq!(jobs_progress(&s.ledger, 2024).percent_of_plan, None);
}
