//! Random valid histories for the property tests: ops over a small world, each turned
//! into a command against the current state and recorded if accepted.

use chrono::{Duration, NaiveDate};
use ledger_domain::ledger::Support;
use ledger_domain::{Command, Id, Ledger, RecordedEvent, YearMonth};
use proptest::prelude::*;
use serde_json::json;

use crate::helpers::*;

/// One random step; each is turned into a command against the current state and
/// recorded if accepted.
#[derive(Debug, Clone)]
pub enum Op {
    Allocate {
        province: bool,
        millions: u16,
    },
    ReverseAllocation {
        pick: usize,
    },
    Approve {
        household: u8,
        repair: bool,
        state_m: u16,
        province_m: u16,
    },
    Disburse {
        support: usize,
        part: usize,
        millions: u16,
    },
    ReverseDisbursement {
        pick: usize,
    },
    Cancel {
        support: usize,
    },
    Start {
        support: usize,
    },
    Complete {
        support: usize,
    },
    CorrectCompletion {
        support: usize,
        days_back: u8,
    },
    Sponsor {
        child: u8,
        sponsor: u8,
        offset: u8,
        fixed: Option<u8>,
        monthly: u8,
    },
    Pay {
        sponsorship: u8,
        offset: u8,
        months: u8,
    },
    ReversePayment {
        pick: usize,
    },
    Transfer {
        sponsorship: u8,
        sponsor: u8,
        offset: u8,
    },
    End {
        sponsorship: u8,
        offset: u8,
    },
    Classify {
        household: u8,
        enhanced: bool,
        status: u8,
    },
    Exit {
        pick: usize,
    },
    Jobs {
        count: u16,
    },
}

pub fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => (any::<bool>(), 1..80u16).prop_map(|(province, millions)| Op::Allocate { province, millions }),
        1 => any::<usize>().prop_map(|pick| Op::ReverseAllocation { pick }),
        1 => (0..8u8, any::<bool>(), 0..60u16, 0..40u16)
            .prop_map(|(household, repair, state_m, province_m)| Op::Approve { household, repair, state_m, province_m }),
        2 => (any::<usize>(), any::<usize>(), 1..40u16).prop_map(|(support, part, millions)| Op::Disburse { support, part, millions }),
        1 => any::<usize>().prop_map(|pick| Op::ReverseDisbursement { pick }),
        1 => any::<usize>().prop_map(|support| Op::Cancel { support }),
        1 => any::<usize>().prop_map(|support| Op::Start { support }),
        1 => any::<usize>().prop_map(|support| Op::Complete { support }),
        1 => (any::<usize>(), 0..30u8).prop_map(|(support, days_back)| Op::CorrectCompletion { support, days_back }),
        2 => (0..4u8, 0..3u8, 0..60u8, proptest::option::of(1..80u8), 1..4u8)
            .prop_map(|(child, sponsor, offset, fixed, monthly)| Op::Sponsor { child, sponsor, offset, fixed, monthly }),
        3 => (0..6u8, 0..30u8, 1..7u8).prop_map(|(sponsorship, offset, months)| Op::Pay { sponsorship, offset, months }),
        1 => any::<usize>().prop_map(|pick| Op::ReversePayment { pick }),
        1 => (0..6u8, 0..3u8, 0..90u8).prop_map(|(sponsorship, sponsor, offset)| Op::Transfer { sponsorship, sponsor, offset }),
        1 => (0..6u8, 0..90u8).prop_map(|(sponsorship, offset)| Op::End { sponsorship, offset }),
        1 => (0..8u8, any::<bool>(), 0..3u8).prop_map(|(household, enhanced, status)| Op::Classify { household, enhanced, status }),
        1 => any::<usize>().prop_map(|pick| Op::Exit { pick }),
        1 => (1..500u16).prop_map(|count| Op::Jobs { count }),
    ]
}

/// The `pick`-th (modulo their number) of the supports `wanted` accepts, if there is one.
fn pick_support(s: &Scenario, pick: usize, wanted: impl Fn(&Support) -> bool) -> Option<&Support> {
    let found: Vec<_> = s
        .ledger
        .supports()
        .iter()
        .map(|(_, found)| found)
        .filter(|found| wanted(found))
        .collect();
    found.get(pick % found.len().max(1)).copied()
}

/// The world of the rule tests, with more households, children and a third sponsor.
fn base() -> Scenario {
    let mut s = Scenario::given(world());
    for index in 4..=8 {
        s.record(register_household(
            &format!("hh-{index}"),
            "06652",
            "2022-06-01",
        ));
    }
    for (child, birth) in [
        ("child-2", "2008-02-29"),
        ("child-3", "2022-03-01"),
        ("child-4", "2005-06-15"),
    ] {
        s.record(register_child(child, birth, "2023-01-02"));
    }
    s.record(register_sponsor("org-3", "2023-01-02"));
    // A second sponsorship programme, so per-programme answers have more than one to tell
    // apart.
    s.record(open_programme(
        "children-2023b",
        "sponsorship",
        "2023-12-31",
        "2023-01-01",
    ));
    s
}

fn ids_of(log: &[RecordedEvent], kind: &str) -> Vec<uuid::Uuid> {
    log.iter()
        .filter(|e| e.event.kind() == kind)
        .map(|e| e.event_id)
        .collect()
}

fn pick(ids: Vec<uuid::Uuid>, index: usize) -> Option<uuid::Uuid> {
    (!ids.is_empty()).then(|| ids[index % ids.len()])
}

fn month_after(ledger: &Ledger, sponsorship: &str, offset: u8) -> Option<String> {
    let first = ledger.sponsorships().get(sponsorship)?.schedule.first;
    Some(first.plus(i64::from(offset))?.to_string())
}

/// The command an op stands for on `date`, if it can be formed.
fn command(s: &Scenario, op: &Op, date: NaiveDate) -> Option<Command> {
    let on = date.to_string();
    let sponsorship_id = |index: u8| {
        format!(
            "sp-{}",
            index as usize % s.ledger.sponsorships().len().max(1)
        )
    };
    Some(match op {
        Op::Allocate { province, millions } => allocate(
            "housing-2023",
            if *province { "province" } else { "state" },
            i64::from(*millions) * 1_000_000,
            &on,
        ),
        Op::ReverseAllocation { pick: index } => reverse(
            "ReverseAllocation",
            pick(ids_of(&s.log, "BudgetAllocated"), *index)?,
            &on,
        ),
        Op::Approve {
            household,
            repair,
            state_m,
            province_m,
        } => {
            let split: Vec<(&str, i64)> = [("state", *state_m), ("province", *province_m)]
                .into_iter()
                .filter(|(_, m)| *m > 0)
                .map(|(source, m)| (source, i64::from(m) * 1_000_000))
                .collect();
            let support = format!("sup-{}", s.ledger.supports().len());
            let kind = if *repair { "repair" } else { "new_build" };
            approve(
                &support,
                &format!("hh-{}", household + 1),
                kind,
                &split,
                "2023-10-31",
                &on,
            )
        }
        Op::Disburse {
            support,
            part,
            millions,
        } => {
            let live: Vec<_> = s
                .ledger
                .supports()
                .iter()
                .map(|(_, found)| found)
                .filter(|found| found.is_live())
                .collect();
            let found = live.get(support % live.len().max(1))?;
            let part = &found.parts[part % found.parts.len()];
            let left = part.amount.saturating_sub(part.disbursed);
            let amount = left.min(vnd(i64::from(*millions) * 1_000_000));
            disburse(
                found.id.as_str(),
                part.source.as_str(),
                amount.digits().parse().ok()?,
                &on,
            )
        }
        Op::ReverseDisbursement { pick: index } => reverse(
            "ReverseDisbursement",
            pick(ids_of(&s.log, "HousingFundsDisbursed"), *index)?,
            &on,
        ),
        Op::Cancel { support } => {
            // Only a live support with nothing disbursed and not completed can be cancelled.
            let found = pick_support(s, *support, |found| {
                found.is_live() && found.completed_on.is_none() && found.disbursed().is_zero()
            })?;
            cmd(
                json!({"command": "CancelSupport", "support_id": found.id.as_str(),
                "reason": "random", "cancelled_on": on}),
            )
        }
        Op::Start { support } => {
            let found = pick_support(s, *support, |found| {
                found.is_live() && found.started.is_none()
            })?;
            start(found.id.as_str(), &on)
        }
        Op::Complete { support } => {
            let found = pick_support(s, *support, |found| {
                found.is_live() && found.completed_on.is_none()
            })?;
            let record = match found.kind {
                ledger_domain::event::WorkKind::NewBuild => "RecordHouseBuilt",
                ledger_domain::event::WorkKind::Repair => "RecordHouseRepaired",
            };
            complete(record, found.id.as_str(), &on)
        }
        Op::CorrectCompletion { support, days_back } => {
            let found = pick_support(s, *support, |found| {
                found.is_live() && found.completed_on.is_some()
            })?;
            // A date before the correction, possibly before the completion recorded first.
            let completed_on = date - Duration::days(i64::from(*days_back));
            cmd(
                json!({"command": "CorrectCompletionDate", "support_id": found.id.as_str(),
                "completed_on": completed_on.to_string(), "reason": "site report",
                "corrected_on": on}),
            )
        }
        Op::Sponsor {
            child,
            sponsor,
            offset,
            fixed,
            monthly,
        } => {
            let mut command = sponsor_child(
                &format!("sp-{}", s.ledger.sponsorships().len()),
                &format!("child-{}", child + 1),
                &format!("org-{}", sponsor + 1),
                &YearMonth::new(2023, 1)?
                    .plus(i64::from(*offset))?
                    .to_string(),
                fixed.map(u32::from),
                &on,
            );
            if let Command::SponsorChild(c) = &mut command {
                c.monthly_amount = vnd(500_000 * i64::from(*monthly));
                if child % 2 == 1 {
                    c.programme_id = Id::parse("children-2023b").ok()?;
                }
            }
            command
        }
        Op::Pay {
            sponsorship,
            offset,
            months,
        } => {
            let id = sponsorship_id(*sponsorship);
            let monthly = s.ledger.sponsorships().get(&id)?.monthly_amount;
            let mut command = pay(
                &id,
                &month_after(&s.ledger, &id, *offset)?,
                u32::from(*months),
                &on,
            );
            if let Command::RecordPayment(p) = &mut command {
                p.amount = monthly.checked_mul(u64::from(*months))?;
            }
            command
        }
        Op::ReversePayment { pick: index } => reverse(
            "ReversePayment",
            pick(ids_of(&s.log, "SponsorshipPaymentReceived"), *index)?,
            &on,
        ),
        Op::Transfer {
            sponsorship,
            sponsor,
            offset,
        } => {
            let id = sponsorship_id(*sponsorship);
            transfer(
                &id,
                &format!("org-{}", sponsor + 1),
                &month_after(&s.ledger, &id, *offset)?,
                &on,
            )
        }
        Op::End {
            sponsorship,
            offset,
        } => {
            let id = sponsorship_id(*sponsorship);
            end_sponsorship(&id, &month_after(&s.ledger, &id, *offset)?, &on)
        }
        Op::Classify {
            household,
            enhanced,
            status,
        } => classify(
            &format!("hh-{}", household + 1),
            if *enhanced {
                "quang-ninh-enhanced-2023-2025"
            } else {
                "national-2022-2025"
            },
            ["poor", "near_poor", "not_poor"][*status as usize % 3],
            &on,
        ),
        Op::Exit { pick } => {
            let near_poor: Vec<(String, String)> = s
                .ledger
                .households()
                .iter()
                .flat_map(|(_, household)| {
                    household
                        .statuses
                        .iter()
                        .filter(|status| {
                            status.status == ledger_domain::event::PovertyStatus::NearPoor
                        })
                        .filter_map(|status| {
                            let standard = s.ledger.standards().at(status.standard)?;
                            Some((
                                household.id.to_string(),
                                standard.definition.standard_id.to_string(),
                            ))
                        })
                        .collect::<Vec<_>>()
                })
                .collect();
            let (household, standard) = near_poor.get(pick % near_poor.len().max(1))?;
            exit_near_poverty(household, standard, &on)
        }
        Op::Jobs { count } => cmd(
            json!({"command": "RecordJobsCreated", "year": 2023, "unit_code": "06664",
            "count": count, "month": YearMonth::of(date)?, "reported_on": on}),
        ),
    })
}

/// The first day of random ops: after every event of the base world.
pub fn ops_start() -> NaiveDate {
    d("2023-02-01")
}

/// Runs the ops (one day apart, so business dates never decrease), keeping the ledger
/// after each accepted event.
pub fn run(ops: &[Op]) -> (Scenario, Vec<Ledger>) {
    let mut s = base();
    let mut snapshots = Vec::new();
    for (index, op) in ops.iter().enumerate() {
        let date = ops_start() + Duration::days(index as i64 * 3);
        if let Some(command) = command(&s, op, date) {
            let _ = s.try_record(command);
        }
        snapshots.push(s.ledger.clone());
    }
    (s, snapshots)
}
