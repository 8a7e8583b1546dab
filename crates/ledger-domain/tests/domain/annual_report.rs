//! The annual report on small hand-built ledgers: empty years, several housing
//! programmes, cancelled works, exits under several standards, unequal sponsorships, and
//! dates before the end of the year.

use ledger_domain::projection::annual::{annual_report, annual_report_as_of};
use ledger_domain::Ledger;
use serde_json::json;

use crate::helpers::*;

const NATIONAL: &str = "national-2022-2025";
const ENHANCED: &str = "quang-ninh-enhanced-2023-2025";

fn open(id: &str, kind: &str, year: i32, deadline: &str) -> ledger_domain::Command {
    cmd(
        json!({"command": "OpenProgramme", "programme_id": id, "name": format!("programme {id}"),
        "programme_kind": kind, "year": year, "target": 10, "deadline": deadline,
        "opened_on": "2023-01-05"}),
    )
}

fn approve_in(
    programme: &str,
    support: &str,
    household: &str,
    kind: &str,
    amount: i64,
) -> ledger_domain::Command {
    cmd(
        json!({"command": "ApproveHousingSupport", "programme_id": programme,
        "support_id": support, "household_id": household, "work_kind": kind,
        "amount": amount.to_string(), "planned_completion_on": "2023-11-30",
        "funding": [{"source": "state", "amount": amount.to_string()}],
        "approved_on": "2023-03-01"}),
    )
}

fn pledge(
    id: &str,
    child: &str,
    sponsor: &str,
    amount: i64,
    first: &str,
    on: &str,
) -> ledger_domain::Command {
    cmd(
        json!({"command": "SponsorChild", "sponsorship_id": id, "programme_id": "children-2023",
        "child_id": child, "sponsor_id": sponsor, "monthly_amount": amount.to_string(),
        "first_month": first, "sponsored_on": on}),
    )
}

#[test]
fn an_empty_ledger_gives_zeros_and_nones() {
    let report = annual_report(&Ledger::new(), 2023, d("2023-12-31"));
    let housing = &report.housing;
    assert!(housing.programmes.is_empty());
    assert_eq!(
        (housing.households, housing.new_builds, housing.repairs),
        (0, 0, 0)
    );
    assert!(housing.total_support.is_zero());
    assert_eq!(
        (housing.deadline, housing.completed_on, housing.days_ahead),
        (None, None, None)
    );
    assert!(!housing.all_completed);
    assert_eq!(report.poverty.near_poor_exits, 0);
    assert_eq!(report.poverty.exits_standard, None);
    assert_eq!(report.poverty.enhanced_standard, None);
    assert_eq!(report.poverty.near_poor_remaining_enhanced, 0);
    let sponsorship = &report.sponsorship;
    assert_eq!((sponsorship.children, sponsorship.sponsors), (0, 0));
    assert_eq!(sponsorship.monthly_amount_per_child, None);
    assert_eq!(sponsorship.monthly_amount_per_child_min, None);
    assert!(sponsorship.monthly_commitment.is_zero() && sponsorship.total_obligation.is_zero());
    assert_eq!(report.jobs.created, 0);
    assert_eq!(
        (report.jobs.target, report.jobs.percent_of_plan.clone()),
        (None, None)
    );
    assert_eq!(report.units.communes_and_wards, 0);
    let value = serde_json::to_value(&report).unwrap();
    assert_eq!(value["housing"]["deadline"], serde_json::Value::Null);
    assert_eq!(value["sponsorship"]["monthly_commitment"], "0");
}

#[test]
fn a_programme_without_works_has_a_deadline_but_no_days_ahead() {
    let s = Scenario::given(world());
    let report = annual_report(&s.ledger, 2023, d("2023-12-31"));
    assert_eq!(report.housing.programmes.len(), 1);
    assert_eq!(report.housing.deadline, Some(d("2023-12-31")));
    assert_eq!(report.housing.approved, 0);
    assert!(!report.housing.all_completed);
    assert_eq!(report.housing.days_ahead, None);
    assert_eq!(report.units.communes_and_wards, 3);
    assert_eq!(
        report
            .poverty
            .enhanced_standard
            .as_ref()
            .map(|id| id.as_str()),
        Some(ENHANCED)
    );
}

#[test]
fn two_housing_programmes_of_the_year_are_added_up_against_the_latest_deadline() {
    let mut s = Scenario::given(world());
    s.record(open("housing-2023b", "housing", 2023, "2024-01-31"));
    s.record(open("housing-2024", "housing", 2024, "2024-12-31"));
    for programme in ["housing-2023b", "housing-2024"] {
        s.record(allocate(programme, "state", 500_000_000, "2023-01-10"));
    }
    s.record(approve_in(
        "housing-2023",
        "a",
        "hh-1",
        "new_build",
        90_000_000,
    ));
    s.record(approve_in(
        "housing-2023b",
        "b",
        "hh-2",
        "repair",
        40_000_000,
    ));
    s.record(approve_in(
        "housing-2024",
        "c",
        "hh-3",
        "repair",
        30_000_000,
    ));
    s.record(complete("RecordHouseBuilt", "a", "2023-11-30"));
    s.record(complete("RecordHouseRepaired", "b", "2023-12-10"));
    s.record(complete("RecordHouseRepaired", "c", "2024-12-20"));

    let report = annual_report(&s.ledger, 2023, d("2023-12-31")).housing;
    let ids: Vec<&str> = report.programmes.iter().map(|id| id.as_str()).collect();
    assert_eq!(ids, ["housing-2023", "housing-2023b"]);
    assert_eq!(report.households, 2);
    assert_eq!((report.new_builds, report.repairs), (1, 1));
    assert_eq!(report.total_support, vnd(130_000_000));
    assert_eq!(report.deadline, Some(d("2024-01-31")));
    assert_eq!(report.completed_on, Some(d("2023-12-10")));
    assert_eq!(report.days_ahead, Some(52));

    let next_year = annual_report(&s.ledger, 2024, d("2024-12-31")).housing;
    assert_eq!(next_year.households, 1);
    assert_eq!(next_year.days_ahead, Some(11));
}

#[test]
fn a_cancelled_support_is_excluded_once_cancelled() {
    let mut s = world_with_support();
    s.record(approve(
        "sup-2",
        "hh-2",
        "repair",
        &[("state", 40_000_000)],
        "2023-11-30",
        "2023-03-02",
    ));
    s.record(complete("RecordHouseBuilt", "sup-1", "2023-10-31"));
    s.record(cancel("sup-2", "2023-11-15"));

    let year_end = annual_report(&s.ledger, 2023, d("2023-12-31")).housing;
    assert_eq!(year_end.cancelled, 1);
    assert_eq!(year_end.approved, 1);
    assert_eq!(year_end.total_support, vnd(100_000_000));
    assert_eq!(year_end.households, 1);
    assert!(year_end.all_completed);
    assert_eq!(year_end.days_ahead, Some(61));

    // Before the cancellation the repair was still live and open.
    let before = annual_report(&s.ledger, 2023, d("2023-11-01")).housing;
    assert_eq!(
        (before.cancelled, before.approved, before.open_works),
        (0, 2, 1)
    );
    assert_eq!(before.total_support, vnd(140_000_000));
    assert_eq!(before.days_ahead, None);
    // And before the completion nothing was housed yet.
    let earlier = annual_report(&s.ledger, 2023, d("2023-10-30")).housing;
    assert_eq!((earlier.households, earlier.completed_on), (0, None));
}

#[test]
fn the_exits_standard_is_the_one_with_most_exits_and_the_enhanced_one_has_the_highest_lines() {
    let mut s = Scenario::given(world());
    for household in ["hh-1", "hh-2", "hh-3"] {
        s.record(classify(household, NATIONAL, "near_poor", "2023-01-15"));
    }
    s.record(classify("hh-3", ENHANCED, "near_poor", "2023-01-15"));
    s.record(exit_near_poverty("hh-1", NATIONAL, "2023-06-30"));
    s.record(exit_near_poverty("hh-2", NATIONAL, "2023-09-30"));
    s.record(exit_near_poverty("hh-3", ENHANCED, "2023-09-30"));

    let poverty = annual_report(&s.ledger, 2023, d("2023-12-31")).poverty;
    assert_eq!(
        poverty.exits_standard.as_ref().map(|id| id.as_str()),
        Some(NATIONAL)
    );
    assert_eq!(poverty.near_poor_exits, 2);
    let exits: Vec<(&str, u64)> = poverty
        .exits_by_standard
        .iter()
        .map(|row| (row.standard_id.as_str(), row.households))
        .collect();
    assert_eq!(exits, [(NATIONAL, 2), (ENHANCED, 1)]);
    assert_eq!(
        poverty.enhanced_standard.as_ref().map(|id| id.as_str()),
        Some(ENHANCED)
    );
    assert_eq!(poverty.near_poor_remaining_enhanced, 0);
    let remaining: Vec<(&str, u64)> = poverty
        .near_poor_remaining
        .iter()
        .map(|row| (row.standard_id.as_str(), row.households))
        .collect();
    assert_eq!(remaining, [(NATIONAL, 1), (ENHANCED, 0)]);

    // In mid-year only one exit had happened, and hh-3 was still near-poor (enhanced).
    let july = annual_report(&s.ledger, 2023, d("2023-07-01")).poverty;
    assert_eq!(july.near_poor_exits, 1);
    let replayed = ledger_domain::replay(&s.log, Some(d("2023-07-01")), None);
    let july_replayed = annual_report(&replayed, 2023, d("2023-07-01")).poverty;
    assert_eq!(july_replayed.near_poor_remaining_enhanced, 1);
    // Exits of 2023 are not exits of 2024.
    let next_year = annual_report(&s.ledger, 2024, d("2024-12-31")).poverty;
    assert_eq!(
        (next_year.near_poor_exits, next_year.exits_standard),
        (0, None)
    );
}

#[test]
fn unequal_monthly_amounts_give_no_single_amount_but_a_min_and_a_max() {
    let mut s = world_with_sponsorship();
    s.record(register_child("child-2", "2015-02-10", "2023-01-02"));
    s.record(pledge(
        "sp-2",
        "child-2",
        "org-2",
        1_500_000,
        "2023-03",
        "2023-02-20",
    ));
    let sponsorship = annual_report(&s.ledger, 2023, d("2023-12-31")).sponsorship;
    assert_eq!((sponsorship.children, sponsorship.sponsors), (2, 2));
    assert_eq!(sponsorship.monthly_amount_per_child, None);
    assert_eq!(
        sponsorship.monthly_amount_per_child_min,
        Some(vnd(1_000_000))
    );
    assert_eq!(
        sponsorship.monthly_amount_per_child_max,
        Some(vnd(1_500_000))
    );
    assert_eq!(sponsorship.monthly_commitment, vnd(2_500_000));
}

#[test]
fn a_child_sponsored_by_one_sponsor_after_another_counts_once_at_one_amount() {
    let mut s = world_with_sponsorship();
    s.record(pay("sp-1", "2023-01", 3, "2023-01-10"));
    s.record(end_sponsorship("sp-1", "2023-05", "2023-05-20"));
    s.record(pledge(
        "sp-2",
        "child-1",
        "org-2",
        1_000_000,
        "2023-06",
        "2023-05-25",
    ));
    let sponsorship = annual_report(&s.ledger, 2023, d("2023-12-31")).sponsorship;
    assert_eq!(sponsorship.children, 1);
    assert_eq!(sponsorship.sponsors, 2);
    assert_eq!(sponsorship.sponsorships, 2);
    assert_eq!(sponsorship.monthly_amount_per_child, Some(vnd(1_000_000)));
    assert_eq!(sponsorship.monthly_commitment, vnd(1_000_000));
    assert_eq!(sponsorship.reference_month, Some(m("2023-12")));
    // child-1 was born 2010-05-20: months to 2028-05. sp-1 owes 2023-01..05 (5), sp-2
    // owes 2023-06..2028-05 (60).
    assert_eq!(sponsorship.total_obligation, vnd(65_000_000));
    assert_eq!(sponsorship.due, vnd(12_000_000));
    assert_eq!(sponsorship.paid, vnd(3_000_000));
    assert_eq!(sponsorship.arrears, vnd(9_000_000));
    assert_eq!(sponsorship.remaining_obligation, vnd(62_000_000));

    // Before the early end was recorded, sp-1 still ran until 18.
    let april = annual_report(&s.ledger, 2023, d("2023-04-30")).sponsorship;
    assert_eq!((april.sponsorships, april.sponsors), (1, 1));
    assert_eq!(april.total_obligation, vnd(65_000_000));
    assert_eq!(april.reference_month, Some(m("2023-04")));
}

#[test]
fn a_first_pledge_ended_after_the_query_date_still_counts_in_the_amount_per_child() {
    let mut s = world_with_sponsorship();
    s.record(pledge(
        "sp-2",
        "child-1",
        "org-2",
        500_000,
        "2023-03",
        "2023-02-20",
    ));
    // Recorded in October: sp-1's last month was February.
    s.record(end_sponsorship("sp-1", "2023-02", "2023-10-15"));
    // On 30 June the end is not known yet: sp-1 still owes March to June beside sp-2.
    let june = annual_report(&s.ledger, 2023, d("2023-06-30")).sponsorship;
    assert_eq!((june.children, june.sponsorships), (1, 2));
    assert_eq!(june.monthly_amount_per_child, Some(vnd(1_500_000)));
    assert_eq!(june.monthly_commitment, vnd(1_500_000));
    // By the year's end it is: 1,000,000 in January and February, then 500,000.
    let december = annual_report(&s.ledger, 2023, d("2023-12-31")).sponsorship;
    assert_eq!(december.monthly_amount_per_child, Some(vnd(1_000_000)));
    assert_eq!(december.monthly_commitment, vnd(500_000));
}

#[test]
fn jobs_and_units_before_the_end_of_the_year() {
    let mut s = Scenario::given(world());
    s.record(cmd(
        json!({"command": "SetJobsTarget", "year": 2023, "target": 400, "set_on": "2023-01-05"}),
    ));
    for (month, count) in [("2023-02", 150), ("2023-09", 300)] {
        s.record(cmd(json!({"command": "RecordJobsCreated", "year": 2023,
            "unit_code": "06652", "count": count, "month": month, "reported_on": "2023-10-01"})));
    }
    s.record(register_unit(
        "09999",
        "Mới",
        "ward",
        Some("2023-07-01"),
        None,
        "2023-06-20",
    ));

    let year_end = annual_report(&s.ledger, 2023, d("2023-12-31"));
    assert_eq!(year_end.jobs.created, 450);
    assert_eq!(year_end.jobs.percent_of_plan.as_deref(), Some("112.5"));
    assert_eq!(year_end.units.communes_and_wards, 4);
    assert_eq!(year_end.units.on, d("2023-12-31"));

    let june = annual_report(&s.ledger, 2023, d("2023-06-30"));
    assert_eq!(june.jobs.created, 150);
    assert_eq!(june.jobs.percent_of_plan.as_deref(), Some("37.5"));
    assert_eq!(
        (june.units.communes_and_wards, june.units.on),
        (3, d("2023-06-30"))
    );
    assert_eq!((june.units.wards, june.units.communes), (2, 1));

    // A later as_of still counts units on 31 December of the year.
    let later = annual_report(&s.ledger, 2022, d("2024-03-01"));
    assert_eq!(later.units.on, d("2022-12-31"));
    assert_eq!(later.units.communes_and_wards, 3);
    assert_eq!(later.jobs.created, 0);
    // A year after the query date has nothing in its window yet.
    let future = annual_report(&s.ledger, 2024, d("2023-12-31"));
    assert_eq!(future.sponsorship.reference_month, None);
    assert_eq!(future.jobs.created, 0);
}

#[test]
fn a_past_year_counts_only_the_payments_received_by_its_end() {
    let mut s = world_with_sponsorship();
    s.record(pay("sp-1", "2023-01", 3, "2023-06-01"));
    let late = s.record(pay("sp-1", "2023-04", 2, "2024-02-01"));
    s.record(pay("sp-1", "2023-06", 1, "2024-03-01"));
    // As of 31 December (kept sums by year of receipt) and of a day before it (a walk).
    for as_of in ["2023-12-31", "2023-12-30"] {
        let year = annual_report(&s.ledger, 2023, d(as_of)).sponsorship;
        assert_eq!(year.paid, vnd(3_000_000), "as of {as_of}");
        assert_eq!(year.due, vnd(12_000_000), "as of {as_of}");
        assert_eq!(year.arrears, vnd(9_000_000), "as of {as_of}");
    }
    assert_eq!(
        annual_report(&s.ledger, 2024, d("2024-12-31"))
            .sponsorship
            .paid,
        vnd(6_000_000)
    );
    // A reversal recorded later takes the reversed payment out of its year of receipt.
    s.record(reverse("ReversePayment", late[0], "2024-04-01"));
    assert_eq!(
        annual_report(&s.ledger, 2024, d("2024-12-31"))
            .sponsorship
            .paid,
        vnd(4_000_000)
    );
    assert_eq!(
        annual_report(&s.ledger, 2023, d("2023-12-31"))
            .sponsorship
            .paid,
        vnd(3_000_000)
    );
}

#[test]
fn the_report_as_of_a_past_date_reads_transfers_and_targets_as_they_stood_then() {
    let mut s = world_with_sponsorship();
    // Recorded in May for months from March: on 1 May org-1 still owed them all.
    s.record(transfer("sp-1", "org-2", "2023-03", "2023-05-15"));
    s.record(cmd(
        json!({"command": "SetJobsTarget", "year": 2023, "target": 400, "set_on": "2023-01-05"}),
    ));
    s.record(cmd(
        json!({"command": "SetJobsTarget", "year": 2023, "target": 450, "set_on": "2023-06-01"}),
    ));
    for date in [
        "2023-05-01",
        "2023-05-15",
        "2023-05-31",
        "2023-06-01",
        "2023-12-31",
    ]
    .map(d)
    {
        let replayed = ledger_domain::replay(&s.log, Some(date), None);
        assert_eq!(
            annual_report_as_of(&s.ledger, 2023, date),
            annual_report(&replayed, 2023, date),
            "as of {date}"
        );
    }
    let may = annual_report_as_of(&s.ledger, 2023, d("2023-05-01"));
    assert_eq!(may.sponsorship.sponsors, 1);
    assert_eq!(may.jobs.target, Some(400));
    let june = annual_report_as_of(&s.ledger, 2023, d("2023-06-01"));
    assert_eq!(june.sponsorship.sponsors, 2);
    assert_eq!(june.jobs.target, Some(450));
}
