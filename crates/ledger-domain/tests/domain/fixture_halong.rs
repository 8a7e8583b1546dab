//! The committed fixture `fixtures/halong-2023/commands.ndjson` (made by `generate.py`
//! beside it): every line is decided in file order against the state the lines before it
//! leave, its events are applied, and the annual report shows the figures of FIGURES.md.

use std::collections::HashSet;
use std::sync::OnceLock;

use chrono::{DateTime, Duration, TimeZone, Utc};
use ledger_domain::event::WorkKind;
use ledger_domain::projection::annual::{annual_report, AnnualReport};
use ledger_domain::projection::units::units_valid_on;
use ledger_domain::schedule::turns_18_on;
use ledger_domain::{decide, replay, Command, Dong, Ledger, RecordedEvent};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::d;

const FIXTURE: &str = include_str!("../../../../fixtures/halong-2023/commands.ndjson");
const ENHANCED: &str = "quang-ninh-enhanced-2023-2025";
const NATIONAL: &str = "national-2022-2025";

/// One line of the fixture, as the importer reads it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    key: String,
    #[serde(default)]
    source_ref: Option<String>,
    command: Command,
}

fn lines() -> Vec<Line> {
    FIXTURE
        .lines()
        .enumerate()
        .map(|(index, text)| {
            serde_json::from_str(text).unwrap_or_else(|e| panic!("line {}: {e}", index + 1))
        })
        .collect()
}

struct Loaded {
    ledger: Ledger,
    log: Vec<RecordedEvent>,
    /// Events per line, in file order.
    events_per_line: Vec<usize>,
}

fn recorded_at(position: u64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 15, 0, 0, 0).unwrap() + Duration::seconds(position as i64)
}

/// Decides every line in order and applies its events, as the importer does.
fn load() -> Loaded {
    let mut ledger = Ledger::new();
    let mut log: Vec<RecordedEvent> = Vec::new();
    let mut events_per_line = Vec::new();
    for (index, line) in lines().into_iter().enumerate() {
        let events = decide(&ledger, &line.command).unwrap_or_else(|e| {
            panic!(
                "line {} ({}, {}) was rejected: {e}",
                index + 1,
                line.key,
                line.command.name()
            )
        });
        events_per_line.push(events.len());
        for event in events {
            let position = log.len() as u64 + 1;
            let stream = event.stream();
            let recorded = RecordedEvent {
                position,
                stream_version: ledger.stream_version(&stream) + 1,
                stream,
                event_id: Uuid::from_u128(u128::from(position)),
                occurred_on: event.occurred_on(),
                recorded_at: recorded_at(position),
                recorded_by: "fixture-importer".to_owned(),
                source_ref: line.source_ref.clone(),
                event,
            };
            ledger.apply(&recorded);
            log.push(recorded);
        }
    }
    Loaded {
        ledger,
        log,
        events_per_line,
    }
}

fn loaded() -> &'static Loaded {
    static LOADED: OnceLock<Loaded> = OnceLock::new();
    LOADED.get_or_init(load)
}

fn year_end_report() -> AnnualReport {
    annual_report(&loaded().ledger, 2023, d("2023-12-31"))
}

#[test]
fn every_line_is_accepted_in_file_order_and_yields_one_event() {
    let loaded = loaded();
    assert!(loaded.events_per_line.iter().all(|&count| count == 1));
    assert_eq!(loaded.log.len(), FIXTURE.lines().count());
    assert_eq!(loaded.ledger.ignored_events(), 0);
}

#[test]
fn every_key_in_the_fixture_is_unique() {
    let mut seen = HashSet::new();
    for line in lines() {
        assert!(line.key.starts_with("halong-2023/"), "{}", line.key);
        assert!(seen.insert(line.key.clone()), "duplicate key {}", line.key);
    }
    assert_eq!(seen.len(), FIXTURE.lines().count());
}

#[test]
fn the_annual_report_shows_figures_1_to_9_and_11() {
    let report = year_end_report();

    // 1: 108 households had a house newly built or repaired.
    assert_eq!(report.housing.households, 108, "figure 1");
    assert_eq!(report.housing.new_builds + report.housing.repairs, 108);
    assert_eq!(
        (report.housing.new_builds, report.housing.repairs),
        (58, 50)
    );
    assert!(report.housing.all_completed);
    // 2: finished 15 days before the deadline.
    assert_eq!(report.housing.days_ahead, Some(15), "figure 2");
    assert_eq!(report.housing.deadline, Some(d("2023-08-31")));
    assert_eq!(report.housing.completed_on, Some(d("2023-08-16")));
    // 3: over 6.6 billion VND.
    let total = report.housing.total_support;
    assert!(total > Dong::parse("6600000000").unwrap(), "figure 3");
    assert!(total < Dong::parse("6700000000").unwrap(), "figure 3");
    assert_eq!(total.digits(), "6648500000");

    // 4: 10 near-poor households left near-poverty under the new (enhanced) criteria.
    assert_eq!(report.poverty.near_poor_exits, 10, "figure 4");
    assert_eq!(
        report.poverty.exits_standard.as_ref().map(|id| id.as_str()),
        Some(ENHANCED)
    );
    let exits: Vec<(&str, u64)> = report
        .poverty
        .exits_by_standard
        .iter()
        .map(|row| (row.standard_id.as_str(), row.households))
        .collect();
    assert_eq!(exits, [(ENHANCED, 10), (NATIONAL, 4)]);
    // 5: no near-poor household remains under the province's enhanced criteria.
    assert_eq!(
        report
            .poverty
            .enhanced_standard
            .as_ref()
            .map(|id| id.as_str()),
        Some(ENHANCED)
    );
    assert_eq!(report.poverty.near_poor_remaining_enhanced, 0, "figure 5");

    // 6, 7, 8: 120 children, 69 organisations, 1,000,000 VND a month until 18.
    let sponsorship = &report.sponsorship;
    assert_eq!(sponsorship.children, 120, "figure 6");
    assert_eq!(sponsorship.sponsors, 69, "figure 7");
    assert_eq!(
        sponsorship.monthly_amount_per_child.map(|a| a.digits()),
        Some("1000000".to_owned()),
        "figure 8"
    );
    assert_eq!(sponsorship.until_18, 120, "figure 8");
    assert_eq!(sponsorship.sponsorships, 120);
    assert_eq!(sponsorship.monthly_commitment.digits(), "120000000");
    assert_eq!(sponsorship.total_obligation.digits(), "12604000000");
    assert_eq!(
        sponsorship.remaining_obligation,
        sponsorship
            .total_obligation
            .checked_sub(sponsorship.paid)
            .unwrap()
    );

    // 9: 7,400 new jobs, 113.8 % of plan.
    assert_eq!(report.jobs.created, 7400, "figure 9");
    assert_eq!(report.jobs.target, Some(6500));
    assert_eq!(
        report.jobs.percent_of_plan.as_deref(),
        Some("113.8"),
        "figure 9"
    );

    // 11: 33 communes and wards (21 wards, 12 communes).
    assert_eq!(report.units.communes_and_wards, 33, "figure 11");
    assert_eq!((report.units.wards, report.units.communes), (21, 12));
}

#[test]
fn the_report_has_the_agreed_json_shape() {
    let value = serde_json::to_value(year_end_report()).unwrap();
    assert_eq!(value["year"], 2023);
    assert_eq!(value["as_of"], "2023-12-31");
    assert!(value.get("position").is_none());
    let housing = &value["housing"];
    assert_eq!(housing["households"], 108);
    assert_eq!(housing["total_support"], "6648500000");
    assert_eq!(housing["deadline"], "2023-08-31");
    assert_eq!(housing["completed_on"], "2023-08-16");
    assert_eq!(housing["days_ahead"], 15);
    assert!(housing["new_builds"].is_u64() && housing["repairs"].is_u64());
    let poverty = &value["poverty"];
    assert_eq!(poverty["near_poor_exits"], 10);
    assert_eq!(poverty["exits_standard"], ENHANCED);
    assert_eq!(poverty["near_poor_remaining_enhanced"], 0);
    let sponsorship = &value["sponsorship"];
    assert_eq!(sponsorship["children"], 120);
    assert_eq!(sponsorship["sponsors"], 69);
    assert_eq!(sponsorship["monthly_amount_per_child"], "1000000");
    assert_eq!(sponsorship["monthly_commitment"], "120000000");
    for field in ["total_obligation", "remaining_obligation"] {
        let text = sponsorship[field].as_str().unwrap();
        assert!(text.bytes().all(|b| b.is_ascii_digit()), "{field}: {text}");
    }
    assert_eq!(value["jobs"]["created"], 7400);
    assert_eq!(value["jobs"]["target"], 6500);
    assert_eq!(value["jobs"]["percent_of_plan"], "113.8");
    assert_eq!(value["units"]["communes_and_wards"], 33);
    let mut report = year_end_report();
    report.position = Some(loaded().ledger.last_position());
    let with_position = serde_json::to_value(report).unwrap();
    assert_eq!(
        with_position["position"],
        Value::from(FIXTURE.lines().count())
    );
}

#[test]
fn the_ledger_replayed_to_the_year_end_gives_the_same_report() {
    let replayed = replay(&loaded().log, Some(d("2023-12-31")), None);
    assert_eq!(
        annual_report(&replayed, 2023, d("2023-12-31")),
        year_end_report()
    );
}

#[test]
fn before_the_last_completion_fewer_households_are_housed_and_no_days_ahead_yet() {
    let as_of = d("2023-08-15");
    let full = annual_report(&loaded().ledger, 2023, as_of);
    let replayed = replay(&loaded().log, Some(as_of), None);
    let historical = annual_report(&replayed, 2023, as_of);
    for report in [&full, &historical] {
        assert_eq!(report.housing.households, 107);
        assert_eq!(report.housing.open_works, 1);
        assert!(!report.housing.all_completed);
        assert_eq!(report.housing.days_ahead, None);
        assert!(report.housing.completed_on.unwrap() < d("2023-08-16"));
        assert_eq!(report.housing.total_support.digits(), "6648500000");
    }
    assert_eq!(full.housing, historical.housing);
    assert_eq!(full.sponsorship, historical.sponsorship);
    assert_eq!(full.units, historical.units);
    // Jobs are kept by month, not by report date: on the full ledger August's jobs count
    // from 1 August, in the replay only once reported (31 August). Both are below 7,400.
    assert!(historical.jobs.created < full.jobs.created);
    assert!(full.jobs.created < 7400);
    let end_of_july = replay(&loaded().log, Some(d("2023-07-31")), None);
    assert_eq!(
        annual_report(&end_of_july, 2023, d("2023-07-31")).jobs,
        annual_report(&loaded().ledger, 2023, d("2023-07-31")).jobs
    );
}

#[test]
fn the_fixture_is_consistent_with_its_readme() {
    let ledger = &loaded().ledger;
    // A new house costs more than any repair.
    let amounts = |kind: WorkKind| {
        ledger
            .supports()
            .iter()
            .filter(move |(_, s)| s.kind == kind)
            .map(|(_, s)| s.amount)
    };
    let cheapest_new = amounts(WorkKind::NewBuild).min().unwrap();
    let dearest_repair = amounts(WorkKind::Repair).max().unwrap();
    assert!(cheapest_new > dearest_repair);
    // Every approved amount was disbursed in full, within the budget of each source.
    for (_, support) in ledger.supports().iter() {
        assert_eq!(support.disbursed(), support.amount, "{}", support.id);
    }
    let programme = ledger.programmes().get("housing-2023").unwrap();
    assert_eq!(programme.sources.len(), 5);
    for budget in &programme.sources {
        assert!(budget.committed <= budget.allocated, "{}", budget.source);
    }
    // Exactly one work completed on the last day.
    let last = d("2023-08-16");
    let on_last_day = ledger
        .supports()
        .iter()
        .filter(|(_, s)| s.completed_on == Some(last))
        .count();
    assert_eq!(on_last_day, 1);
    // Every child is under 18 throughout 2023, pledged 1,000,000 VND a month until 18.
    for (_, child) in ledger.children().iter() {
        assert!(turns_18_on(child.birth_date).unwrap() > d("2023-12-31"));
        assert!(child.birth_date < d("2023-01-01"));
    }
    for (_, sponsorship) in ledger.sponsorships().iter() {
        assert_eq!(sponsorship.monthly_amount.digits(), "1000000");
        assert_eq!(sponsorship.fixed_months, None);
    }
    // The units of 2023, after the 2024 merger and after the 2025 reform.
    assert_eq!(units_valid_on(ledger, d("2023-12-31")).len(), 33);
    assert_eq!(units_valid_on(ledger, d("2025-01-01")).len(), 32);
    assert_eq!(units_valid_on(ledger, d("2025-07-01")).len(), 13);
}
