//! Housing progress: planned vs actual completion per work and per programme, days
//! ahead of the deadline, open and overdue works; cancellations excluded.

use ledger_domain::projection::housing::{housing_by_unit, programme_progress, works, WorkStatus};
use ledger_domain::projection::UnitGrouping;
use serde_json::json;

use crate::helpers::*;

fn programme() -> Scenario {
    let mut s = Scenario::given(world());
    s.record(approve(
        "sup-1",
        "hh-1",
        "new_build",
        &[("state", 70_000_000)],
        "2023-11-30",
        "2023-03-01",
    ));
    s.record(approve(
        "sup-2",
        "hh-2",
        "repair",
        &[("province", 30_000_000)],
        "2023-09-30",
        "2023-03-01",
    ));
    s.record(approve(
        "sup-3",
        "hh-3",
        "repair",
        &[("state", 20_000_000)],
        "2023-09-30",
        "2023-03-01",
    ));
    s.record(cmd(json!({"command": "CancelSupport", "support_id": "sup-3", "reason": "moved", "cancelled_on": "2023-04-01"})));
    s.record(complete("RecordHouseRepaired", "sup-2", "2023-08-20"));
    s.record(cmd(json!({"command": "CorrectCompletionDate", "support_id": "sup-2", "completed_on": "2023-08-18",
        "reason": "site report", "corrected_on": "2023-09-01"})));
    s
}

#[test]
fn an_open_work_past_its_planned_date_is_overdue() {
    let s = programme();
    let progress = programme_progress(&s.ledger, "housing-2023", d("2023-12-05")).unwrap();
    assert_eq!((progress.open_works, progress.overdue_works), (1, 1));
    assert!(!progress.all_completed);
    assert_eq!(progress.days_ahead, None);
    let on_time = programme_progress(&s.ledger, "housing-2023", d("2023-11-30")).unwrap();
    assert_eq!(on_time.overdue_works, 0);
}

#[test]
fn a_programme_finished_before_its_deadline_is_days_ahead() {
    let mut s = programme();
    s.record(complete("RecordHouseBuilt", "sup-1", "2023-12-16"));
    let progress = programme_progress(&s.ledger, "housing-2023", d("2024-01-01")).unwrap();
    assert_eq!(progress.households, 2);
    assert_eq!(
        (progress.approved.new_builds, progress.approved.repairs),
        (1, 1)
    );
    assert_eq!(
        (progress.completed.new_builds, progress.completed.repairs),
        (1, 1)
    );
    assert_eq!(progress.cancelled, 1);
    assert_eq!(progress.total_support, vnd(100_000_000));
    assert_eq!(progress.new_build_support, vnd(70_000_000));
    assert_eq!(progress.last_completion_on, Some(d("2023-12-16")));
    assert_eq!(progress.days_ahead, Some(15));
    assert_eq!(progress.open_works, 0);
}

#[test]
fn a_programme_finished_after_its_deadline_is_days_behind() {
    let mut s = programme();
    s.record(complete("RecordHouseBuilt", "sup-1", "2024-01-10"));
    let progress = programme_progress(&s.ledger, "housing-2023", d("2024-02-01")).unwrap();
    assert_eq!(progress.days_ahead, Some(-10));
}

#[test]
fn works_show_planned_against_corrected_actual_dates() {
    let s = programme();
    let rows = works(&s.ledger, Some("housing-2023"), d("2023-12-05"));
    let summary: Vec<(&str, WorkStatus, Option<i64>)> = rows
        .iter()
        .map(|w| (w.support_id.as_str(), w.status, w.days_ahead))
        .collect();
    assert_eq!(
        summary,
        [
            ("sup-1", WorkStatus::Overdue, None),
            ("sup-2", WorkStatus::Completed, Some(43)),
            ("sup-3", WorkStatus::Cancelled, None)
        ]
    );
    assert_eq!(rows[1].completed_on, Some(d("2023-08-18")));
}

#[test]
fn housing_figures_by_unit_exclude_cancelled_works() {
    let s = programme();
    let rows = housing_by_unit(&s.ledger, None, UnitGrouping::AsRecorded);
    let codes: Vec<&str> = rows.iter().filter_map(|r| r.unit.code()).collect();
    assert_eq!(codes, ["06652", "06664"]);
    assert_eq!(rows[1].figures.completed.repairs, 1);
    assert_eq!(rows[1].figures.completed_amount, vnd(30_000_000));
}
