//! The Hạ Long 2023 figures (FIGURES.md) expressed through the projections: a made-up
//! but consistent set of facts whose projections give exactly the report's numbers.

use chrono::{Datelike, Duration};
use ledger_domain::projection::housing::programme_progress;
use ledger_domain::projection::jobs::jobs_progress;
use ledger_domain::projection::poverty::{exits, near_poor_remaining};
use ledger_domain::projection::sponsorship::totals;
use ledger_domain::projection::units::units_valid_on;
use ledger_domain::projection::UnitGrouping;
use ledger_domain::{replay, Dong};
use serde_json::json;

use crate::helpers::*;
use crate::units_mapping::{halong_geography, UNITS_2023};

const NATIONAL: &str = "national-2022-2025";
const ENHANCED: &str = "quang-ninh-enhanced-2023-2025";

fn unit_codes() -> Vec<String> {
    UNITS_2023
        .lines()
        .skip(1)
        .map(|line| line[..5].to_owned())
        .collect()
}

fn halong_2023() -> Scenario {
    let codes = unit_codes();
    let mut s = Scenario::given(halong_geography());
    s.record(register_standard(
        NATIONAL,
        "1500000",
        "2000000",
        "2022-01-01",
        "2025-12-31",
    ));
    s.record(register_standard(
        ENHANCED,
        "2100000",
        "2600000",
        "2023-01-01",
        "2025-12-31",
    ));
    s.record(open_programme(
        "housing-2023",
        "housing",
        "2023-12-31",
        "2023-01-05",
    ));
    s.record(open_programme(
        "children-2023",
        "sponsorship",
        "2023-12-31",
        "2023-01-01",
    ));
    for (source, amount) in [
        ("state", 3_000_000_000),
        ("province", 2_500_000_000),
        ("socialised", 1_500_000_000),
    ] {
        s.record(allocate("housing-2023", source, amount, "2023-01-10"));
    }
    let start = d("2023-05-16");
    for index in 0..108 {
        let (household, support) = (format!("hh-{index:03}"), format!("house-{index:03}"));
        s.record(register_household(
            &household,
            &codes[index % codes.len()],
            "2022-06-01",
        ));
        let (kind, split) = if index < 60 {
            (
                "new_build",
                [
                    ("state", 30_000_000),
                    ("province", 25_000_000),
                    ("socialised", 16_000_000),
                ],
            )
        } else {
            (
                "repair",
                [
                    ("state", 20_000_000),
                    ("province", 20_000_000),
                    ("socialised", 10_000_000),
                ],
            )
        };
        s.record(approve(
            &support,
            &household,
            kind,
            &split,
            "2023-12-20",
            "2023-03-01",
        ));
        let built = (start + Duration::days(index as i64 * 2)).to_string();
        let record = if kind == "new_build" {
            "RecordHouseBuilt"
        } else {
            "RecordHouseRepaired"
        };
        s.record(complete(record, &support, &built));
    }
    for (index, code) in codes.iter().enumerate().take(10) {
        let household = format!("np-{index}");
        s.record(register_household(&household, code, "2022-06-01"));
        s.record(classify(&household, NATIONAL, "near_poor", "2023-01-15"));
        s.record(classify(&household, ENHANCED, "near_poor", "2023-01-15"));
        s.record(exit_near_poverty(&household, NATIONAL, "2023-11-20"));
        s.record(exit_near_poverty(&household, ENHANCED, "2023-11-20"));
    }
    for index in 0..69 {
        s.record(register_sponsor(&format!("org-{index:02}"), "2023-01-02"));
    }
    for index in 0..120 {
        let child = format!("child-{index:03}");
        let birth = d("2006-03-01") + Duration::days(index as i64 * 41);
        s.record(cmd(json!({"command": "RegisterChild", "child_id": child, "birth_date": birth,
            "unit_code": codes[index % codes.len()], "circumstance": "difficult", "registered_on": "2023-01-02"})));
        let first = format!("2023-{:02}", 1 + index % 6);
        s.record(sponsor_child(
            &format!("sp-{index:03}"),
            &child,
            &format!("org-{:02}", index % 69),
            &first,
            None,
            "2023-01-03",
        ));
    }
    s.record(cmd(
        json!({"command": "SetJobsTarget", "year": 2023, "target": 6503, "set_on": "2023-01-05"}),
    ));
    for (index, code) in codes.iter().enumerate() {
        let count = if index == 0 { 7400 - 224 * 32 } else { 224 };
        let month = format!("2023-{:02}", 1 + index % 12);
        s.record(cmd(
            json!({"command": "RecordJobsCreated", "year": 2023, "unit_code": code,
            "count": count, "month": month, "reported_on": "2023-12-31"}),
        ));
    }
    s
}

#[test]
fn the_halong_2023_report_figures_come_out_of_the_projections() {
    let story = halong_2023();
    let year_end = replay(&story.log, Some(d("2023-12-31")), None);

    let housing = programme_progress(&year_end, "housing-2023", d("2023-12-31")).unwrap();
    assert_eq!(housing.households, 108, "figure 1");
    assert_eq!(
        housing.completed.new_builds + housing.completed.repairs,
        108,
        "figure 1"
    );
    assert_eq!(housing.days_ahead, Some(15), "figure 2");
    assert!(
        housing.total_support > Dong::parse("6600000000").unwrap(),
        "figure 3"
    );
    assert_eq!(housing.total_support.to_string(), "6.660.000.000 ₫");

    let national_exits = exits(
        &year_end,
        Some(NATIONAL),
        d("2023-01-01"),
        d("2023-12-31"),
        UnitGrouping::AsRecorded,
    );
    assert_eq!(national_exits.totals[0].households, 10, "figure 4");
    let remaining = near_poor_remaining(&year_end);
    let enhanced = remaining
        .iter()
        .find(|r| r.standard_id.as_str() == ENHANCED)
        .unwrap();
    assert_eq!(enhanced.households, 0, "figure 5");

    let sponsorship = totals(&year_end, d("2023-12-31"));
    assert_eq!(sponsorship.children, 120, "figure 6");
    assert_eq!(sponsorship.sponsors, 69, "figure 7");
    assert_eq!(sponsorship.until_18, 120, "figure 8");
    assert_eq!(sponsorship.monthly_amounts.len(), 1, "figure 8");
    assert_eq!(
        sponsorship.monthly_amounts[0].monthly_amount.to_string(),
        "1.000.000 ₫",
        "figure 8"
    );

    let jobs = jobs_progress(&year_end, 2023);
    assert_eq!(jobs.created, 7400, "figure 9");
    assert_eq!(jobs.percent_of_plan.as_deref(), Some("113.8"), "figure 9");

    assert_eq!(
        units_valid_on(&year_end, d("2023-12-31")).len(),
        33,
        "figure 11"
    );
}

#[test]
fn the_last_house_was_completed_fifteen_days_before_the_deadline() {
    let story = halong_2023();
    let progress = programme_progress(&story.ledger, "housing-2023", d("2024-01-01")).unwrap();
    let last = progress.last_completion_on.unwrap();
    assert_eq!(last, d("2023-12-16"));
    assert_eq!(last.year(), 2023);
}
