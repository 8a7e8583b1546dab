//! Jobs targets and new jobs.

use ledger_domain::DomainError;
use serde_json::json;

use crate::helpers::*;

fn created(count: u32, month: &str, unit: &str) -> ledger_domain::Command {
    cmd(
        json!({"command": "RecordJobsCreated", "year": 2023, "unit_code": unit,
        "count": count, "month": month, "reported_on": "2023-06-30"}),
    )
}

#[test]
fn setting_a_jobs_target_is_accepted_in_the_year_stream() {
    let events = Scenario::default()
        .when(cmd(json!({"command": "SetJobsTarget", "year": 2023, "target": 6503, "set_on": "2023-01-05"})))
        .then_kinds(&["JobsTargetSet"]);
    assert_eq!(events[0].stream(), "jobs-2023");
}

#[test]
fn a_zero_jobs_target_is_rejected() {
    Scenario::default()
        .when(cmd(
            json!({"command": "SetJobsTarget", "year": 2023, "target": 0, "set_on": "2023-01-05"}),
        ))
        .then_rejected_with("jobs target must be at least 1");
}

#[test]
fn recording_new_jobs_is_accepted() {
    Scenario::given(world())
        .when(created(120, "2023-06", "06652"))
        .then_kinds(&["JobsCreated"]);
}

#[test]
fn recording_zero_new_jobs_is_rejected() {
    Scenario::given(world())
        .when(created(0, "2023-06", "06652"))
        .then_rejected_with("new jobs must be at least 1");
}

#[test]
fn new_jobs_in_a_month_outside_the_plan_year_are_rejected() {
    Scenario::given(world())
        .when(created(5, "2024-01", "06652"))
        .then_rejected_with("month 2024-01 is not in plan year 2023");
}

#[test]
fn new_jobs_in_an_unknown_unit_are_rejected() {
    let error = Scenario::given(world())
        .when(created(5, "2023-06", "09999"))
        .then_rejected();
    assert!(matches!(error, DomainError::UnitNotValidOn { .. }));
}
