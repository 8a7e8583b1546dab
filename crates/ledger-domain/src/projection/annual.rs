//! The annual report: the year's figures as a city's social-welfare report states them:
//! houses built or repaired and how early, households that left near-poverty and how many
//! near-poor households remain, children sponsored and by how many organisations, new jobs
//! against plan, and the communes and wards they happened in. Every figure comes from the
//! ledger's state; nothing about any particular year or place is built in.
//!
//! # Dates
//!
//! `year` selects what belongs to the year; `as_of` is the query date. The **period** is
//! 1 January of `year` to the earlier of 31 December and `as_of`; the **window** is the
//! months of the period (empty if `as_of` is before the year). [`annual_report`] reads the
//! ledger as folded and compares with `as_of` the dates it holds (approval, completion,
//! cancellation, exit and status dates, pledge and payment dates, early ends, job months):
//! fast enough for a dashboard, and exact when nothing dated after `as_of` corrected an
//! earlier fact. [`annual_report_as_of`] gives exactly the report of the ledger replayed to
//! `as_of` ([`crate::replay`]), from the histories the state keeps (statuses, job reports
//! and targets, completions, transfers, reversals): a past `as_of` without a replay.
//!
//! # Housing
//!
//! The year's housing programmes are the programmes of kind `housing` whose plan `year`
//! is `year` and that were opened by `as_of`. Their works are the supports approved by
//! `as_of` and not cancelled by `as_of` ("live"); a work is *completed* if its (corrected)
//! completion date is on or before `as_of`.
//! - `households`: distinct households with a completed live work;
//! - `new_builds` / `repairs`: completed live works by kind;
//! - `total_support`: the approved amounts of the live works (completed or not);
//! - `deadline`: the programmes' deadline (the latest, if several);
//! - `completed_on`: the latest completion date among completed live works;
//! - `days_ahead`: `deadline − completed_on` in days (positive when early), given once
//!   every live work is completed (before that the last completion date is not known), as
//!   in [`crate::projection::housing`].
//!
//! # Poverty
//!
//! - `near_poor_exits`: households that left near-poverty during the period under the
//!   *exits standard*: the standard with the most such households (ties go to the standard
//!   registered first); `exits_by_standard` lists every standard with exits, most first;
//! - `enhanced_standard`: of the standards in force on some day of the year, the one with
//!   the highest income lines (rural line, then urban line; ties go to the later
//!   `valid_from`, then to the later registration). A province's enhanced standard raises
//!   the national lines, so when both are in force it is the province's; with one
//!   standard in force it is that one. No standard id is built in;
//! - `near_poor_remaining_enhanced`: households whose status under the enhanced standard
//!   is near-poor, in effect on or before `as_of`; `near_poor_remaining` gives the same
//!   count for every standard in force in the year.
//!
//! # Sponsorship
//!
//! A sponsorship is *active in the year* if it was pledged by `as_of` and owes at least
//! one month of the window. Its schedule is the one in force on `as_of`: an early end
//! recorded with a date after `as_of` is not applied yet.
//! - `children`, `sponsors`, `sponsorships`: distinct children with an active sponsorship,
//!   distinct sponsors owing a month of the window, active sponsorships;
//! - `until_18`: active sponsorships that run until the child turns 18;
//! - `monthly_amount_per_child`: for each child, the largest total of monthly amounts owed
//!   for it in any one month of the window; the common value if every child's is the same,
//!   else `null` (with `monthly_amount_per_child_min` / `_max` always given);
//! - `reference_month`: the window's last month; `monthly_commitment`: the monthly
//!   amounts of the active sponsorships owing that month;
//! - `total_obligation`, `due`, `paid`, `arrears`, `remaining_obligation`: summed over the
//!   active sponsorships as in [`crate::projection::sponsorship`], as of `as_of`, counting
//!   payments received on or before `as_of` (`remaining_obligation` = obligation − paid).
//!
//! # Jobs and units
//!
//! - `jobs`: the year's new jobs in months of the window (a month counts from its first
//!   day, as in [`crate::projection::jobs::jobs_by_month`]), the year's (latest) target,
//!   and [`crate::projection::jobs::percent_of_plan`] of the two;
//! - `units`: units registered by, and in force on, the last day of the period (31
//!   December, or `as_of` if earlier).

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::jobs::percent_of_plan;
use super::poverty::StandardCount;
use super::sponsorship::{ObligationSum, Seen};
use crate::event::{PovertyStatus, ProgrammeKind, UnitKind, WorkKind};
use crate::id::Id;
use crate::ledger::{
    schedule_in_force, split_by_segments, whole_dong, Horizon, Ledger, Pledge, PledgeSponsors,
    Programme,
};
use crate::money::Dong;
use crate::month::YearMonth;
use crate::schedule::{DueThrough, Schedule};

/// One year's figures as of a date (see the module docs for each field's derivation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnnualReport {
    /// The plan year.
    pub year: i32,
    /// The query date.
    pub as_of: NaiveDate,
    /// The log position the ledger was replayed to; the caller fills it in (the ledger's
    /// state does not say which store it came from). Left out of JSON while `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<u64>,
    /// Houses built and repaired.
    pub housing: AnnualHousing,
    /// Near-poverty.
    pub poverty: AnnualPoverty,
    /// Children sponsored.
    pub sponsorship: AnnualSponsorship,
    /// New jobs.
    pub jobs: AnnualJobs,
    /// Communes and wards.
    pub units: AnnualUnits,
}

/// The year's housing programmes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnnualHousing {
    /// The year's housing programmes, in opening order.
    pub programmes: Vec<Id>,
    /// Distinct households with a completed live work.
    pub households: u64,
    /// Completed live new builds.
    pub new_builds: u64,
    /// Completed live repairs.
    pub repairs: u64,
    /// Live works approved (completed or not).
    pub approved: u64,
    /// Live works not completed by `as_of`.
    pub open_works: u64,
    /// Works cancelled by `as_of` (excluded from every other figure).
    pub cancelled: u64,
    /// Approved amounts of the live works.
    pub total_support: Dong,
    /// Of which for completed works.
    pub completed_support: Dong,
    /// The programmes' deadline (the latest).
    pub deadline: Option<NaiveDate>,
    /// The latest completion date of a live work.
    pub completed_on: Option<NaiveDate>,
    /// True when there is at least one live work and all are completed.
    pub all_completed: bool,
    /// `deadline − completed_on` in days (+ early), once all live works are completed.
    pub days_ahead: Option<i64>,
}

/// Near-poverty in the year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnnualPoverty {
    /// Households that left near-poverty in the period under `exits_standard`.
    pub near_poor_exits: u64,
    /// The standard with the most exits in the period (`None` without exits).
    pub exits_standard: Option<Id>,
    /// Exits in the period per standard with at least one, most first.
    pub exits_by_standard: Vec<StandardCount>,
    /// The standard with the highest income lines in force in the year.
    pub enhanced_standard: Option<Id>,
    /// Households near-poor under `enhanced_standard` on `as_of` (0 without one).
    pub near_poor_remaining_enhanced: u64,
    /// Households near-poor on `as_of` under each standard in force in the year.
    pub near_poor_remaining: Vec<StandardCount>,
}

/// Child sponsorship in the year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnnualSponsorship {
    /// Distinct children with an active sponsorship.
    pub children: u64,
    /// Distinct sponsors owing a month of the window.
    pub sponsors: u64,
    /// Active sponsorships.
    pub sponsorships: u64,
    /// Of which until the child turns 18.
    pub until_18: u64,
    /// Every child's largest monthly total, if the same for all children.
    pub monthly_amount_per_child: Option<Dong>,
    /// The smallest child's monthly total.
    pub monthly_amount_per_child_min: Option<Dong>,
    /// The largest child's monthly total.
    pub monthly_amount_per_child_max: Option<Dong>,
    /// The window's last month (`None` if the window is empty).
    pub reference_month: Option<YearMonth>,
    /// Monthly amounts owed for `reference_month`.
    pub monthly_commitment: Dong,
    /// Monthly amount × scheduled months, to 18 or an earlier end.
    pub total_obligation: Dong,
    /// Installments due by `as_of`.
    pub due: Dong,
    /// Payments received by `as_of`, not reversed.
    pub paid: Dong,
    /// Per sponsorship max(due − paid, 0), summed.
    pub arrears: Dong,
    /// Per sponsorship obligation − paid, summed.
    pub remaining_obligation: Dong,
}

/// New jobs in the year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnnualJobs {
    /// New jobs in the window's months.
    pub created: u64,
    /// The year's target, if set.
    pub target: Option<u32>,
    /// created / target in percent, one decimal, e.g. "98.5".
    pub percent_of_plan: Option<String>,
}

/// Communes and wards in force at the end of the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnnualUnits {
    /// The day counted: 31 December, or `as_of` if earlier.
    pub on: NaiveDate,
    /// Units in force on that day.
    pub communes_and_wards: u64,
    /// Of which wards (phường).
    pub wards: u64,
    /// Of which communes (xã).
    pub communes: u64,
}

/// The report's period: 1 January of the year to the earlier of 31 December and `as_of`.
#[derive(Debug, Clone, Copy)]
struct Period {
    /// 1 January (`None` for a year the calendar cannot hold: nothing falls in it).
    first_day: Option<NaiveDate>,
    /// 31 December or `as_of`, whichever is earlier.
    last_day: NaiveDate,
    /// The months from January to the month of `last_day`, if any.
    window: Option<Schedule>,
    /// First and last day of the whole calendar year.
    year: Option<(NaiveDate, NaiveDate)>,
}

impl Period {
    fn new(year: i32, as_of: NaiveDate) -> Period {
        let first_day = NaiveDate::from_ymd_opt(year, 1, 1);
        let year_end = NaiveDate::from_ymd_opt(year, 12, 31);
        let last_day = year_end.map_or(as_of, |end| end.min(as_of));
        let window = match (YearMonth::january(year), YearMonth::of(last_day)) {
            (Some(january), Some(last)) => Schedule::new(january, last),
            _ => None,
        };
        Period {
            first_day,
            last_day,
            window,
            year: first_day.zip(year_end),
        }
    }
}

/// The report for `year` as of `as_of` (see the module docs).
pub fn annual_report(ledger: &Ledger, year: i32, as_of: NaiveDate) -> AnnualReport {
    report(ledger, year, as_of, Facts::Kept)
}

/// [`annual_report`] of the ledger replayed `as_of` a past date, worked out from the live
/// ledger: every fact counts as the events that occurred by then left it (statuses, job
/// reports and targets, completions, transfers and reversals keep their history), and only
/// if what it refers to had occurred too.
pub fn annual_report_as_of(ledger: &Ledger, year: i32, as_of: NaiveDate) -> AnnualReport {
    annual_report_within(ledger, year, as_of.into())
}

/// [`annual_report_as_of`] the horizon's date of the ledger replayed to the horizon: the
/// facts recorded up to its position that occurred by its date.
pub fn annual_report_within(ledger: &Ledger, year: i32, horizon: Horizon) -> AnnualReport {
    report(ledger, year, horizon.as_of, Facts::AsOf(horizon))
}

/// How the report reads facts dated after `as_of`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Facts {
    /// The state as folded, comparing with `as_of` the dates it keeps (fast enough for a
    /// dashboard; see the module docs for what it does not keep).
    Kept,
    /// Exactly as a replay to the horizon (whose date is `as_of`), from the histories and log
    /// positions the state keeps.
    AsOf(Horizon),
}

impl Facts {
    /// True if a fact dated `on` at log position `position` counts on `as_of`.
    fn sees(self, on: NaiveDate, position: u64, as_of: NaiveDate) -> bool {
        match self {
            Facts::Kept => on <= as_of,
            Facts::AsOf(horizon) => horizon.sees(on, position),
        }
    }
}

fn report(ledger: &Ledger, year: i32, as_of: NaiveDate, facts: Facts) -> AnnualReport {
    let period = Period::new(year, as_of);
    AnnualReport {
        year,
        as_of,
        position: None,
        housing: housing(ledger, year, as_of, facts),
        poverty: poverty(ledger, &period, as_of, facts),
        sponsorship: sponsorship(ledger, &period, as_of, facts),
        jobs: jobs(ledger, year, &period, facts),
        units: units(ledger, &period, facts),
    }
}

fn housing_programmes(
    ledger: &Ledger,
    year: i32,
    as_of: NaiveDate,
    facts: Facts,
) -> impl Iterator<Item = &Programme> {
    ledger.programmes().iter().map(|(_, p)| p).filter(move |p| {
        p.kind == ProgrammeKind::Housing
            && p.year == year
            && facts.sees(p.opened_on, p.opened_position, as_of)
    })
}

fn housing(ledger: &Ledger, year: i32, as_of: NaiveDate, facts: Facts) -> AnnualHousing {
    let mut report = AnnualHousing {
        programmes: Vec::new(),
        households: 0,
        new_builds: 0,
        repairs: 0,
        approved: 0,
        open_works: 0,
        cancelled: 0,
        total_support: Dong::ZERO,
        completed_support: Dong::ZERO,
        deadline: None,
        completed_on: None,
        all_completed: false,
        days_ahead: None,
    };
    let mut households = BTreeSet::new();
    for programme in housing_programmes(ledger, year, as_of, facts) {
        report.programmes.push(programme.id.clone());
        report.deadline = report.deadline.max(Some(programme.deadline));
        let supports = programme
            .supports
            .iter()
            .filter_map(|&index| ledger.supports().at(index))
            .filter(|support| match facts {
                Facts::Kept => support.approved_on <= as_of,
                Facts::AsOf(horizon) => ledger.support_occurred_by(support, horizon),
            });
        for support in supports {
            let cancelled = match facts {
                Facts::Kept => support.cancelled.is_some_and(|c| c.on <= as_of),
                Facts::AsOf(horizon) => support.cancelled_within(horizon),
            };
            if cancelled {
                report.cancelled += 1;
                continue;
            }
            report.approved += 1;
            report.total_support = report.total_support.saturating_add(support.amount);
            let completed_on = match facts {
                Facts::Kept => support.completed_on,
                Facts::AsOf(horizon) => support.completed_on_as_of(horizon),
            };
            match completed_on.filter(|date| *date <= as_of) {
                Some(completed_on) => {
                    households.insert(support.household);
                    match support.kind {
                        WorkKind::NewBuild => report.new_builds += 1,
                        WorkKind::Repair => report.repairs += 1,
                    }
                    report.completed_support =
                        report.completed_support.saturating_add(support.amount);
                    report.completed_on = report.completed_on.max(Some(completed_on));
                }
                None => report.open_works += 1,
            }
        }
    }
    report.households = households.len() as u64;
    report.all_completed = report.approved > 0 && report.open_works == 0;
    if report.all_completed {
        report.days_ahead = report
            .deadline
            .zip(report.completed_on)
            .map(|(deadline, last)| (deadline - last).num_days());
    }
    report
}

/// The index of every standard in force on some day of the period's calendar year.
fn standards_of_year(ledger: &Ledger, period: &Period, as_of: NaiveDate, facts: Facts) -> Vec<u32> {
    let Some((first, last)) = period.year else {
        return Vec::new();
    };
    ledger
        .standards()
        .iter()
        .filter(|(_, s)| s.definition.valid_from <= last && first <= s.definition.valid_to)
        .filter(|(_, s)| {
            facts == Facts::Kept
                || facts.sees(s.definition.registered_on, s.registered_position, as_of)
        })
        .map(|(index, _)| index)
        .collect()
}

fn standard_count(ledger: &Ledger, standard: u32, households: u64) -> Option<StandardCount> {
    let definition = &ledger.standards().at(standard)?.definition;
    Some(StandardCount {
        standard_id: definition.standard_id.clone(),
        name: definition.name.clone(),
        households,
    })
}

fn poverty(ledger: &Ledger, period: &Period, as_of: NaiveDate, facts: Facts) -> AnnualPoverty {
    let counts = ledger.poverty_counts();
    // As of a past date, households and standards count only once registered, and a status
    // is the last one given by then: the kept counts hold only the current ones.
    let registered = |standard: u32| {
        ledger
            .standards()
            .at(standard)
            .is_some_and(|s| facts.sees(s.definition.registered_on, s.registered_position, as_of))
    };
    let households_as_of = || {
        ledger
            .households()
            .iter()
            .map(|(_, household)| household)
            .filter(move |h| facts.sees(h.registered_on, h.registered_position, as_of))
    };
    // Households with an exit in the period, per standard index.
    let mut ranked: Vec<(u32, u64)> = match period.first_day {
        Some(first) => ledger
            .standards()
            .iter()
            .map(|(index, _)| {
                let exits = match facts {
                    Facts::Kept => counts.exits_within_a_year(index, first, period.last_day),
                    Facts::AsOf(horizon) if registered(index) => households_as_of()
                        .filter_map(|household| household.status_under(index))
                        .filter(|status| {
                            status.exits.iter().any(|exit| {
                                first <= exit.on
                                    && exit.on <= period.last_day
                                    && horizon.sees_stamp(*exit)
                            })
                        })
                        .count()
                        as u64,
                    Facts::AsOf(_) => 0,
                };
                (index, exits)
            })
            .filter(|(_, exits)| *exits > 0)
            .collect(),
        None => Vec::new(),
    };
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let exits_by_standard: Vec<StandardCount> = ranked
        .iter()
        .filter_map(|&(standard, count)| standard_count(ledger, standard, count))
        .collect();

    let in_force = standards_of_year(ledger, period, as_of, facts);
    let enhanced = in_force
        .iter()
        .filter_map(|&index| Some((index, &ledger.standards().at(index)?.definition)))
        .max_by(|(ia, a), (ib, b)| {
            (a.rural_income_line, a.urban_income_line, a.valid_from, *ia).cmp(&(
                b.rural_income_line,
                b.urban_income_line,
                b.valid_from,
                *ib,
            ))
        })
        .map(|(index, _)| index);
    let near_poor_on = |standard: u32| match facts {
        Facts::Kept => counts.near_poor_on(standard, as_of),
        Facts::AsOf(horizon) => households_as_of()
            .filter_map(|household| household.status_under(standard))
            .filter(|status| status.status_as_of(horizon) == Some(PovertyStatus::NearPoor))
            .count() as u64,
    };
    let near_poor_remaining: Vec<StandardCount> = in_force
        .iter()
        .filter_map(|&standard| standard_count(ledger, standard, near_poor_on(standard)))
        .collect();
    let enhanced_count = enhanced.and_then(|index| {
        let id = &ledger.standards().at(index)?.definition.standard_id;
        near_poor_remaining
            .iter()
            .find(|row| &row.standard_id == id)
            .map(|row| (id.clone(), row.households))
    });
    AnnualPoverty {
        near_poor_exits: exits_by_standard.first().map_or(0, |row| row.households),
        exits_standard: exits_by_standard.first().map(|row| row.standard_id.clone()),
        exits_by_standard,
        enhanced_standard: enhanced_count.as_ref().map(|(id, _)| id.clone()),
        near_poor_remaining_enhanced: enhanced_count.map_or(0, |(_, count)| count),
        near_poor_remaining,
    }
}

/// The schedule in force on `as_of`: an early end dated after it is not applied yet.
fn schedule_on(pledge: &Pledge, as_of: NaiveDate) -> Schedule {
    schedule_in_force(pledge.schedule, pledge.pledged_last, pledge.ended_on, as_of)
}

/// Every month of `window`, in order.
fn months_of(window: Schedule) -> impl Iterator<Item = YearMonth> {
    (0..i64::from(window.months())).filter_map(move |offset| window.first.plus(offset))
}

/// Paid by `as_of` (not reversed), whole dong: the running sum when every payment was
/// received by then, the sums by year of receipt on a 31 December (a past year's report),
/// else a walk of the payments.
fn paid_by(ledger: &Ledger, index: u32, pledge: &Pledge, as_of: NaiveDate) -> i128 {
    if pledge.last_received_on.is_none_or(|last| last <= as_of) {
        return i128::from(pledge.paid);
    }
    ledger.sponsorships().at(index).map_or(0, |sponsorship| {
        let year_end = as_of.month() == 12 && as_of.day() == 31;
        if let Some(paid) = year_end
            .then(|| sponsorship.paid.received_by_end_of(as_of.year()))
            .flatten()
        {
            return i128::from(paid).min(Dong::MAX.units());
        }
        sponsorship
            .live_payments()
            .filter(|payment| payment.received_on <= as_of)
            .map(|payment| payment.amount.units())
            .sum::<i128>()
            .min(Dong::MAX.units())
    })
}

/// Per child, the active pledges' largest total of monthly amounts owed in one month of the
/// window (whole dong). Most children have one active pledge, whose amount that is; only the
/// others are grouped and summed month by month.
struct PerChild {
    /// Per child index: active pledges seen, the first one's index and monthly amount. 16
    /// bytes a child, so that the table (touched at random, once per pledge) stays in a
    /// core's cache at tens of thousands of children.
    slots: Vec<ChildSlot>,
    /// The second and later pledges of children with several: (child, schedule, monthly).
    several: Vec<(u32, Schedule, i64)>,
}

#[derive(Clone, Copy, Default)]
struct ChildSlot {
    count: u32,
    first: u32,
    monthly: i64,
}

impl PerChild {
    fn new(children: usize) -> PerChild {
        PerChild {
            slots: vec![ChildSlot::default(); children],
            several: Vec::new(),
        }
    }

    fn add(&mut self, child: u32, pledge: u32, schedule: Schedule, monthly: i64) {
        if let Some(slot) = self.slots.get_mut(child as usize) {
            slot.count += 1;
            if slot.count == 1 {
                (slot.first, slot.monthly) = (pledge, monthly);
            } else {
                self.several.push((child, schedule, monthly));
            }
        }
    }

    /// Children with an active pledge, and the smallest and largest per-child amount.
    fn range(
        mut self,
        window: Schedule,
        schedule_of: impl Fn(u32) -> Option<Schedule>,
    ) -> (u64, Option<(i64, i64)>) {
        let mut children = 0u64;
        let mut range: Option<(i64, i64)> = None;
        let mut note = |amount: i64| {
            range = Some(range.map_or((amount, amount), |(min, max)| {
                (min.min(amount), max.max(amount))
            }));
        };
        for (child, slot) in (0u32..).zip(&self.slots) {
            match slot.count {
                0 => continue,
                1 => note(slot.monthly),
                _ => {
                    if let Some(schedule) = schedule_of(slot.first) {
                        self.several.push((child, schedule, slot.monthly));
                    }
                }
            }
            children += 1;
        }
        self.several.sort_unstable_by_key(|(child, _, _)| *child);
        for pledges in self.several.chunk_by(|a, b| a.0 == b.0) {
            let largest = months_of(window)
                .map(|month| {
                    pledges
                        .iter()
                        .filter(|(_, schedule, _)| schedule.contains(month))
                        .map(|(_, _, amount)| *amount)
                        .fold(0i64, i64::saturating_add)
                })
                .max()
                .unwrap_or(0);
            note(largest);
        }
        (children, range)
    }
}

fn sponsorship(
    ledger: &Ledger,
    period: &Period,
    as_of: NaiveDate,
    facts: Facts,
) -> AnnualSponsorship {
    let mut report = AnnualSponsorship {
        children: 0,
        sponsors: 0,
        sponsorships: 0,
        until_18: 0,
        monthly_amount_per_child: None,
        monthly_amount_per_child_min: None,
        monthly_amount_per_child_max: None,
        reference_month: period.window.map(|window| window.last),
        monthly_commitment: Dong::ZERO,
        total_obligation: Dong::ZERO,
        due: Dong::ZERO,
        paid: Dong::ZERO,
        arrears: Dong::ZERO,
        remaining_obligation: Dong::ZERO,
    };
    let Some(window) = period.window else {
        return report;
    };
    let through = DueThrough::of(as_of);
    let mut sponsors = Seen::new(ledger.sponsors().len());
    let mut per_child = PerChild::new(ledger.children().len());
    let mut obligation = ObligationSum::default();
    let mut commitment: i128 = 0;
    let pledges = ledger.pledges();
    let known = |sponsor: u32| ledger.sponsor_registered_by(sponsor, as_of);
    // As of a horizon, an early end counts once the horizon sees it; the pledge keeps only
    // its date.
    let schedule_of = |index: u32| match facts {
        Facts::Kept => pledges.get(index as usize).map(|p| schedule_on(p, as_of)),
        Facts::AsOf(horizon) => ledger
            .sponsorships()
            .at(index)
            .map(|record| record.schedule_as_of(horizon)),
    };
    for (index, pledge) in (0u32..).zip(pledges) {
        if pledge.sponsored_on > as_of {
            continue;
        }
        let Some(schedule) = schedule_of(index) else {
            continue;
        };
        if schedule.intersect(&window).is_none() {
            continue;
        }
        let record = ledger.sponsorships().at(index);
        if let Facts::AsOf(horizon) = facts {
            if !record.is_some_and(|record| ledger.sponsorship_within(record, horizon)) {
                continue;
            }
        }
        report.sponsorships += 1;
        report.until_18 += u64::from(pledge.until_18);
        // Active means owing a month of the window, so a sole sponsor owes one of them.
        let owing = |(_, part): &(u32, Schedule)| part.intersect(&window).is_some();
        match (facts, record) {
            (Facts::AsOf(horizon), Some(record)) => {
                match record.segments_as_of(horizon, known).as_slice() {
                    [(_, only)] => sponsors.mark(*only),
                    segments => split_by_segments(segments, |s| *s, schedule)
                        .filter(owing)
                        .for_each(|(sponsor, _)| sponsors.mark(sponsor)),
                }
            }
            _ => match pledge.sponsors {
                PledgeSponsors::Sole(sponsor) => sponsors.mark(sponsor),
                PledgeSponsors::Shared(run) => ledger
                    .shared_parts(run, schedule)
                    .filter(owing)
                    .for_each(|(sponsor, _)| sponsors.mark(sponsor)),
            },
        }
        per_child.add(pledge.child, index, schedule, pledge.monthly);
        let monthly = i128::from(pledge.monthly);
        if schedule.contains(window.last) {
            commitment += monthly;
        }
        obligation.add(&ObligationSum::of_units(
            monthly,
            Some(schedule),
            match (facts, record) {
                (Facts::AsOf(horizon), Some(record)) => {
                    let paid = record
                        .payments
                        .iter()
                        .filter(|p| p.counts_within(horizon) && known(p.sponsor))
                        .fold(Dong::ZERO, |sum, p| sum.saturating_add(p.amount));
                    i128::from(whole_dong(paid))
                }
                _ => paid_by(ledger, index, pledge, as_of),
            },
            through,
        ));
    }
    let (children, range) = per_child.range(window, schedule_of);
    let as_dong = |units: i64| Dong::from_units(i128::from(units)).unwrap_or(Dong::MAX);
    report.children = children;
    report.sponsors = sponsors.count();
    report.monthly_amount_per_child_min = range.map(|(min, _)| as_dong(min));
    report.monthly_amount_per_child_max = range.map(|(_, max)| as_dong(max));
    if report.monthly_amount_per_child_min == report.monthly_amount_per_child_max {
        report.monthly_amount_per_child = report.monthly_amount_per_child_min;
    }
    report.monthly_commitment = Dong::from_units(commitment).unwrap_or(Dong::MAX);
    let obligation = obligation.total();
    report.total_obligation = obligation.obligation;
    report.due = obligation.due;
    report.paid = obligation.paid;
    report.arrears = obligation.arrears;
    report.remaining_obligation = obligation.remaining;
    report
}

fn jobs(ledger: &Ledger, year: i32, period: &Period, facts: Facts) -> AnnualJobs {
    let found = ledger.jobs_years().get(&year);
    let created = match (found, period.window, facts) {
        (Some(found), Some(window), Facts::Kept) => found
            .cells
            .iter()
            .filter(|((_, month), _)| window.contains(*month))
            .fold(0u64, |sum, (_, count)| sum.saturating_add(*count)),
        (Some(found), Some(window), Facts::AsOf(horizon)) => found
            .reports_by(horizon)
            .filter(|report| window.contains(report.month))
            .fold(0u64, |sum, report| sum.saturating_add(report.count)),
        _ => 0,
    };
    let target = found.and_then(|found| match facts {
        Facts::Kept => found.target,
        Facts::AsOf(horizon) => found.target_as_of(horizon),
    });
    AnnualJobs {
        created,
        target,
        percent_of_plan: target.and_then(|target| percent_of_plan(created, target)),
    }
}

fn units(ledger: &Ledger, period: &Period, facts: Facts) -> AnnualUnits {
    let on = period.last_day;
    let mut report = AnnualUnits {
        on,
        communes_and_wards: 0,
        wards: 0,
        communes: 0,
    };
    let in_force = ledger.units().iter().filter(|(_, unit)| match facts {
        Facts::Kept => unit.registered_on <= on && unit.is_valid_on(on),
        Facts::AsOf(horizon) => unit.registered_on <= on && unit.in_force_within(on, horizon),
    });
    for (_, unit) in in_force {
        report.communes_and_wards += 1;
        match unit.kind {
            UnitKind::Ward => report.wards += 1,
            UnitKind::Commune => report.communes += 1,
        }
    }
    report
}
