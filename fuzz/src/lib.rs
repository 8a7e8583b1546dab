//! What the fuzz targets share: a small seeded ledger (so fuzzed commands reach the rules,
//! not only "unknown household"), recording decided events the way the writer does, and
//! the checks every resulting ledger must pass.

use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, Utc};
use ledger_domain::projection::integrity::IntegrityCheck;
use ledger_domain::projection::{
    accounts, annual, budget, housing, jobs, poverty, sponsorship, units, UnitGrouping,
};
use ledger_domain::{decide_dated, Command, Event, Ledger, RecordedEvent};
use serde_json::{json, Value};
use uuid::Uuid;

/// The commands of the seeded ledger, as the API would receive them. Their event ids are
/// `Uuid::from_u128(position)`, so a corpus can name them (allocation: 7, disbursement: 15,
/// payment: 22).
pub fn seed_commands() -> Vec<Value> {
    let unit = |code: &str, from: &str, to: Value| {
        json!({"command": "RegisterUnit", "code": code, "name": "Việt Hưng",
            "unit_kind": "ward", "valid_from": from, "valid_to": to,
            "registered_on": "2021-02-03"})
    };
    let programme = |id: &str, kind: &str| {
        json!({"command": "OpenProgramme", "programme_id": id, "name": "Chương trình",
            "programme_kind": kind, "year": 2023, "target": 108, "deadline": "2023-12-31",
            "opened_on": "2023-01-02"})
    };
    let household = |id: &str| {
        json!({"command": "RegisterHousehold", "household_id": id, "unit_code": "06703",
            "members": 4, "registered_on": "2023-01-05"})
    };
    let approval = |support: &str, household: &str, kind: &str| {
        json!({"command": "ApproveHousingSupport", "programme_id": "housing-2023",
            "support_id": support, "household_id": household, "work_kind": kind,
            "amount": "30000000", "planned_completion_on": "2023-06-30",
            "funding": [{"source": "state", "amount": "30000000"}],
            "approved_on": "2023-03-01"})
    };
    let allocation = |amount: &str, on: &str| {
        json!({"command": "AllocateBudget", "programme_id": "housing-2023", "source": "state",
            "amount": amount, "allocated_on": on})
    };
    vec![
        unit("06703", "2021-02-03", json!("2025-06-30")),
        unit("06800", "2025-07-01", Value::Null),
        json!({"command": "RegisterStandard", "standard_id": "std-2022", "name": "Chuẩn 2022",
            "valid_from": "2022-01-01", "valid_to": "2025-12-31",
            "rural_income_line": "1500000", "urban_income_line": "2000000",
            "indicator_rule": "income and 12 indicators", "registered_on": "2022-01-01"}),
        programme("housing-2023", "housing"),
        programme("children-2023", "sponsorship"),
        allocation("1000000000", "2023-02-10"),
        allocation("100000000", "2023-02-12"),
        household("hh-0"),
        household("hh-1"),
        household("hh-b"),
        json!({"command": "ClassifyHousehold", "household_id": "hh-0", "standard_id": "std-2022",
            "status": "near_poor", "effective_on": "2023-01-10", "decision_ref": "QĐ 1/2023"}),
        approval("house-0", "hh-0", "repair"),
        approval("house-b", "hh-b", "new_build"),
        json!({"command": "StartWorks", "support_id": "house-b", "started_on": "2023-03-15"}),
        json!({"command": "DisburseFunds", "support_id": "house-0", "source": "state",
            "amount": "10000000", "disbursed_on": "2023-03-10"}),
        json!({"command": "StartWorks", "support_id": "house-0", "started_on": "2023-03-15"}),
        json!({"command": "RegisterChild", "child_id": "child-1", "birth_date": "2011-02-28",
            "unit_code": "06703", "circumstance": "orphan", "registered_on": "2023-05-02"}),
        json!({"command": "RegisterSponsor", "sponsor_id": "sponsor-1", "name": "Công ty A",
            "sponsor_kind": "enterprise", "registered_on": "2023-04-25"}),
        json!({"command": "RegisterSponsor", "sponsor_id": "sponsor-2", "name": "Công ty B",
            "sponsor_kind": "agency", "registered_on": "2023-04-25"}),
        json!({"command": "SponsorChild", "sponsorship_id": "sps-1",
            "programme_id": "children-2023", "child_id": "child-1", "sponsor_id": "sponsor-1",
            "monthly_amount": "1000000", "first_month": "2023-06", "fixed_months": 24,
            "sponsored_on": "2023-06-01"}),
        json!({"command": "SetJobsTarget", "year": 2023, "target": 1000, "set_on": "2023-01-05"}),
        json!({"command": "RecordPayment", "sponsorship_id": "sps-1", "amount": "1000000",
            "first_month": "2023-06", "months": 1, "received_on": "2023-06-15"}),
    ]
}

/// A ledger and the log it was folded from.
#[derive(Clone, Default)]
pub struct Recorded {
    pub ledger: Ledger,
    pub log: Vec<RecordedEvent>,
}

impl Recorded {
    /// Records `events` as the writer would: next positions and stream versions, ids from
    /// the position, one fixed transaction time.
    pub fn record(&mut self, events: Vec<(NaiveDate, Event)>) {
        for (occurred_on, event) in events {
            let position = self.log.len() as u64 + 1;
            let stream = event.stream();
            let recorded = RecordedEvent {
                position,
                stream_version: self.ledger.stream_version(&stream) + 1,
                stream,
                event_id: Uuid::from_u128(u128::from(position)),
                occurred_on,
                recorded_at: recorded_at(),
                recorded_by: "fuzz".to_owned(),
                source_ref: None,
                event,
            };
            self.ledger.apply(&recorded);
            self.log.push(recorded);
        }
    }
}

fn recorded_at() -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default()
}

/// The seeded ledger, built once per process.
pub fn seeded() -> &'static Recorded {
    static SEEDED: OnceLock<Recorded> = OnceLock::new();
    SEEDED.get_or_init(|| {
        let mut recorded = Recorded::default();
        for body in seed_commands() {
            let command: Command = serde_json::from_value(body.clone()).expect("seed parses");
            let events = decide_dated(&recorded.ledger, &command)
                .unwrap_or_else(|e| panic!("seed {body} refused: {e}"));
            recorded.record(events);
        }
        recorded
    })
}

/// Every projection a person can ask for, at a few dates: none may panic.
pub fn run_projections(ledger: &Ledger) {
    for on in ["2023-01-01", "2023-12-31", "2030-06-15"] {
        let on: NaiveDate = on.parse().unwrap_or_default();
        let current = UnitGrouping::CurrentOn(on);
        let _ = budget::budget_summary(ledger);
        let balance = accounts::trial_balance(ledger);
        assert_eq!(balance.total_debit, balance.total_credit, "trial balance");
        let _ = accounts::account_balances(ledger);
        let _ = housing::housing_progress(ledger, on);
        let _ = housing::works(ledger, None, on);
        let _ = housing::housing_by_unit(ledger, None, current);
        let _ = sponsorship::totals(ledger, on);
        let _ = sponsorship::sponsorships(ledger, on);
        let _ = sponsorship::by_programme(ledger, on);
        let _ = sponsorship::by_unit(ledger, on, current);
        let _ = sponsorship::by_child(ledger, on);
        let _ = sponsorship::by_sponsor(ledger, on);
        let _ = sponsorship::in_arrears(ledger, on);
        let _ = sponsorship::turning_18_within(ledger, on, 216);
        let _ = poverty::status_counts(ledger, None, UnitGrouping::AsRecorded);
        let _ = poverty::exits(ledger, None, on, on, current);
        let _ = poverty::near_poor_remaining(ledger);
        let _ = jobs::jobs_progress(ledger, 2023);
        let _ = jobs::jobs_by_unit(ledger, 2023, current);
        let _ = units::units_valid_on(ledger, on);
        let _ = units::mapping_table(ledger, on);
        let _ = annual::annual_report(ledger, 2023, on);
    }
}

/// The rules no accepted command may break: the domain's own integrity checks over the
/// whole log, no budget committed beyond its allocation, no sponsorship month paid twice.
pub fn assert_invariants(recorded: &Recorded) {
    let mut check = IntegrityCheck::default();
    let mut before = Ledger::default();
    for event in &recorded.log {
        check.observe(&before, event);
        before.apply(event);
    }
    for outcome in check.finish(&recorded.ledger) {
        assert!(outcome.holds, "{}: {}", outcome.check, outcome.detail);
    }
    assert_eq!(
        recorded.ledger.ignored_events(),
        0,
        "an accepted event was ignored"
    );
    for (_, programme) in recorded.ledger.programmes().iter() {
        for source in &programme.sources {
            assert!(
                source.committed <= source.allocated,
                "overdrawn: {source:?}"
            );
        }
    }
    for (_, sponsorship) in recorded.ledger.sponsorships().iter() {
        let mut paid: Vec<_> = sponsorship.live_payments().map(|p| p.covers).collect();
        paid.sort_by_key(|covers| covers.first);
        for pair in paid.windows(2) {
            assert!(pair[0].last < pair[1].first, "a month paid twice: {pair:?}");
        }
    }
}
