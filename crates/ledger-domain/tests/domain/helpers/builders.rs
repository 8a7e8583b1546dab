//! Command builders (as JSON, the way the API and importer send them) and the small
//! world most tests start from.

use serde_json::{json, Value};
use uuid::Uuid;

use super::{cmd, Scenario};
use ledger_domain::Command;

// ---- command builders ------------------------------------------------------------------

pub fn register_unit(
    code: &str,
    name: &str,
    kind: &str,
    from: Option<&str>,
    to: Option<&str>,
    on: &str,
) -> Command {
    cmd(
        json!({"command": "RegisterUnit", "code": code, "name": name, "unit_kind": kind,
        "valid_from": from, "valid_to": to, "registered_on": on}),
    )
}

pub fn merge(old: &[&str], new: &[&str], on: &str) -> Command {
    cmd(json!({"command": "MergeUnits", "old_codes": old, "new_codes": new, "effective_on": on}))
}

pub fn register_standard(id: &str, rural: &str, urban: &str, from: &str, to: &str) -> Command {
    cmd(
        json!({"command": "RegisterStandard", "standard_id": id, "name": format!("standard {id}"),
        "valid_from": from, "valid_to": to, "rural_income_line": rural, "urban_income_line": urban,
        "indicator_rule": "poor: income ≤ line and deprived of ≥ 3 of 12 indicators; near-poor: < 3",
        "registered_on": from}),
    )
}

pub fn open_programme(id: &str, kind: &str, deadline: &str, on: &str) -> Command {
    cmd(
        json!({"command": "OpenProgramme", "programme_id": id, "name": format!("programme {id}"),
        "programme_kind": kind, "year": 2023, "target": 100, "deadline": deadline, "opened_on": on}),
    )
}

pub fn allocate(programme: &str, source: &str, amount: i64, on: &str) -> Command {
    cmd(
        json!({"command": "AllocateBudget", "programme_id": programme, "source": source,
        "amount": amount.to_string(), "allocated_on": on}),
    )
}

pub fn reverse(kind: &str, event_id: Uuid, on: &str) -> Command {
    cmd(
        json!({"command": kind, "event_id": event_id, "reason": "entered twice", "reversed_on": on}),
    )
}

pub fn register_household(id: &str, unit: &str, on: &str) -> Command {
    cmd(
        json!({"command": "RegisterHousehold", "household_id": id, "unit_code": unit,
        "members": 4, "registered_on": on}),
    )
}

pub fn classify(household: &str, standard: &str, status: &str, on: &str) -> Command {
    cmd(
        json!({"command": "ClassifyHousehold", "household_id": household, "standard_id": standard,
        "status": status, "effective_on": on, "decision_ref": "12/QĐ-UBND"}),
    )
}

pub fn exit_near_poverty(household: &str, standard: &str, on: &str) -> Command {
    cmd(
        json!({"command": "RecordNearPovertyExit", "household_id": household,
        "standard_id": standard, "effective_on": on, "decision_ref": "99/QĐ-UBND"}),
    )
}

/// Approval with the amount split between "state" and "province" as given.
pub fn approve(
    support: &str,
    household: &str,
    kind: &str,
    split: &[(&str, i64)],
    planned: &str,
    on: &str,
) -> Command {
    let amount: i64 = split.iter().map(|(_, a)| a).sum();
    let funding: Vec<Value> = split
        .iter()
        .map(|(source, a)| json!({"source": source, "amount": a.to_string()}))
        .collect();
    cmd(
        json!({"command": "ApproveHousingSupport", "programme_id": "housing-2023",
        "support_id": support, "household_id": household, "work_kind": kind,
        "amount": amount.to_string(), "planned_completion_on": planned,
        "funding": funding, "approved_on": on}),
    )
}

pub fn disburse(support: &str, source: &str, amount: i64, on: &str) -> Command {
    cmd(
        json!({"command": "DisburseFunds", "support_id": support, "source": source,
        "amount": amount.to_string(), "disbursed_on": on}),
    )
}

pub fn complete(kind: &str, support: &str, on: &str) -> Command {
    cmd(json!({"command": kind, "support_id": support, "completed_on": on}))
}

pub fn cancel(support: &str, on: &str) -> Command {
    cmd(
        json!({"command": "CancelSupport", "support_id": support, "reason": "household moved", "cancelled_on": on}),
    )
}

pub fn correct(support: &str, date: &str, reason: &str) -> Command {
    cmd(
        json!({"command": "CorrectCompletionDate", "support_id": support, "completed_on": date,
        "reason": reason, "corrected_on": "2023-12-20"}),
    )
}

pub fn start(support: &str, on: &str) -> Command {
    cmd(json!({"command": "StartWorks", "support_id": support, "started_on": on}))
}

pub fn register_child(id: &str, birth: &str, on: &str) -> Command {
    cmd(
        json!({"command": "RegisterChild", "child_id": id, "birth_date": birth,
        "unit_code": "06652", "circumstance": "poor-household", "registered_on": on}),
    )
}

pub fn register_sponsor(id: &str, on: &str) -> Command {
    cmd(
        json!({"command": "RegisterSponsor", "sponsor_id": id, "name": format!("Organisation {id}"),
        "sponsor_kind": "agency", "registered_on": on}),
    )
}

pub fn sponsor_child(
    id: &str,
    child: &str,
    sponsor: &str,
    first: &str,
    fixed: Option<u32>,
    on: &str,
) -> Command {
    cmd(
        json!({"command": "SponsorChild", "sponsorship_id": id, "programme_id": "children-2023",
        "child_id": child, "sponsor_id": sponsor, "monthly_amount": "1000000",
        "first_month": first, "fixed_months": fixed, "sponsored_on": on}),
    )
}

pub fn pay(sponsorship: &str, first: &str, months: u32, on: &str) -> Command {
    cmd(
        json!({"command": "RecordPayment", "sponsorship_id": sponsorship,
        "amount": (1_000_000 * i64::from(months)).to_string(), "first_month": first,
        "months": months, "received_on": on}),
    )
}

pub fn transfer(sponsorship: &str, to: &str, from_month: &str, on: &str) -> Command {
    cmd(
        json!({"command": "TransferSponsorship", "sponsorship_id": sponsorship,
        "to_sponsor_id": to, "from_month": from_month, "transferred_on": on}),
    )
}

pub fn end_sponsorship(sponsorship: &str, last: &str, on: &str) -> Command {
    cmd(
        json!({"command": "EndSponsorship", "sponsorship_id": sponsorship, "last_month": last,
        "reason": "family moved away", "ended_on": on}),
    )
}

// ---- a small world -----------------------------------------------------------------------

/// Units, standards, programmes, households, a child and sponsors used by most tests.
pub fn world() -> Vec<Command> {
    vec![
        register_unit(
            "06652",
            "Hà Phong",
            "ward",
            None,
            Some("2025-06-30"),
            "2021-02-03",
        ),
        register_unit(
            "06664",
            "Hà Tu",
            "ward",
            None,
            Some("2025-06-30"),
            "2021-02-03",
        ),
        register_unit(
            "07051",
            "Dân Chủ",
            "commune",
            None,
            Some("2025-06-30"),
            "2021-02-03",
        ),
        register_standard(
            "national-2022-2025",
            "1500000",
            "2000000",
            "2022-01-01",
            "2025-12-31",
        ),
        register_standard(
            "quang-ninh-enhanced-2023-2025",
            "2100000",
            "2600000",
            "2023-01-01",
            "2025-12-31",
        ),
        open_programme("housing-2023", "housing", "2023-12-31", "2023-01-05"),
        open_programme("children-2023", "sponsorship", "2023-12-31", "2023-01-01"),
        allocate("housing-2023", "state", 100_000_000, "2023-01-10"),
        allocate("housing-2023", "province", 45_000_000, "2023-01-10"),
        register_household("hh-1", "06652", "2022-06-01"),
        register_household("hh-2", "06664", "2022-06-01"),
        register_household("hh-3", "07051", "2022-06-01"),
        register_child("child-1", "2010-05-20", "2023-01-02"),
        register_sponsor("org-1", "2023-01-02"),
        register_sponsor("org-2", "2023-01-02"),
    ]
}

/// The world plus one approved new build for hh-1 of 60 M (state) + 40 M (province).
pub fn world_with_support() -> Scenario {
    let mut scenario = Scenario::given(world());
    scenario.record(approve(
        "sup-1",
        "hh-1",
        "new_build",
        &[("state", 60_000_000), ("province", 40_000_000)],
        "2023-11-30",
        "2023-03-01",
    ));
    scenario
}

/// The world plus sponsorship sp-1 of child-1 by org-1 from 2023-01, until 18.
pub fn world_with_sponsorship() -> Scenario {
    let mut scenario = Scenario::given(world());
    scenario.record(sponsor_child(
        "sp-1",
        "child-1",
        "org-1",
        "2023-01",
        None,
        "2023-01-03",
    ));
    scenario
}
