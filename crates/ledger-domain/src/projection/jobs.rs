//! Jobs: new jobs against the year's target, with the percent of plan as a string with
//! one decimal ("113.8"), computed in `Decimal` and rounded half away from zero.

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use super::units::{regroup_within, Combine, UnitBucket, UnitGrouping};
use crate::ledger::{Horizon, Ledger};
use crate::month::YearMonth;

/// created / target × 100 to one decimal, e.g. 7400 of 6503 → "113.8"; `None` for a
/// zero target.
pub fn percent_of_plan(created: u64, target: u32) -> Option<String> {
    if target == 0 {
        return None;
    }
    let ratio = Decimal::from(created).checked_mul(Decimal::ONE_HUNDRED)? / Decimal::from(target);
    let mut rounded = ratio.round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(1);
    Some(rounded.to_string())
}

/// A year's jobs against plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobsProgress {
    /// The year.
    pub year: i32,
    /// The target, if set.
    pub target: Option<u32>,
    /// New jobs.
    pub created: u64,
    /// created / target in percent, one decimal.
    pub percent_of_plan: Option<String>,
}

/// The year's progress (zero if nothing was recorded).
pub fn jobs_progress(ledger: &Ledger, year: i32) -> JobsProgress {
    let found = ledger.jobs_years().get(&year);
    let target = found.and_then(|y| y.target);
    let created = found.map_or(0, |y| y.created);
    progress(year, target, created)
}

/// [`jobs_progress`] of the ledger replayed `as_of` a past date or to a past position, from
/// the live ledger: the reports the horizon sees and the last target it sees.
pub fn jobs_progress_as_of(ledger: &Ledger, year: i32, as_of: impl Into<Horizon>) -> JobsProgress {
    let as_of = as_of.into();
    let found = ledger.jobs_years().get(&year);
    let target = found.and_then(|y| y.target_as_of(as_of));
    let created = found.map_or(0, |y| {
        y.reports_by(as_of)
            .fold(0u64, |sum, report| sum.saturating_add(report.count))
    });
    progress(year, target, created)
}

fn progress(year: i32, target: Option<u32>, created: u64) -> JobsProgress {
    JobsProgress {
        year,
        target,
        created,
        percent_of_plan: target.and_then(|target| percent_of_plan(created, target)),
    }
}

/// New jobs in a unit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct JobsCount {
    /// New jobs.
    pub created: u64,
}

impl Combine for JobsCount {
    fn combine(&mut self, other: &JobsCount) {
        self.created += other.created;
    }
}

/// New jobs of one unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobsUnitRow {
    /// The unit.
    pub unit: UnitBucket,
    /// The count.
    #[serde(flatten)]
    pub count: JobsCount,
}

/// The year's new jobs by unit.
pub fn jobs_by_unit(ledger: &Ledger, year: i32, grouping: UnitGrouping) -> Vec<JobsUnitRow> {
    let Some(found) = ledger.jobs_years().get(&year) else {
        return Vec::new();
    };
    let figures = found
        .cells
        .iter()
        .map(|((unit, _), created)| (*unit, JobsCount { created: *created }));
    unit_rows(ledger, figures, (grouping, Horizon::WHOLE))
}

/// [`jobs_by_unit`] of the ledger replayed `as_of` a past date or to a past position, from
/// the live ledger: the reports the horizon sees.
pub fn jobs_by_unit_as_of(
    ledger: &Ledger,
    year: i32,
    grouping: UnitGrouping,
    as_of: impl Into<Horizon>,
) -> Vec<JobsUnitRow> {
    let horizon = as_of.into();
    let Some(found) = ledger.jobs_years().get(&year) else {
        return Vec::new();
    };
    let figures = found.reports_by(horizon).map(|report| {
        let created = report.count;
        (report.unit, JobsCount { created })
    });
    unit_rows(ledger, figures, (grouping, horizon))
}

fn unit_rows(
    ledger: &Ledger,
    figures: impl IntoIterator<Item = (Option<crate::ledger::UnitId>, JobsCount)>,
    (grouping, horizon): (UnitGrouping, Horizon),
) -> Vec<JobsUnitRow> {
    regroup_within(ledger, figures, grouping, horizon)
        .into_iter()
        .map(|(unit, count)| JobsUnitRow { unit, count })
        .collect()
}

/// New jobs of one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobsMonthRow {
    /// The month.
    pub month: YearMonth,
    /// New jobs.
    pub created: u64,
}

/// The year's new jobs by month, up to `through` if given.
pub fn jobs_by_month(ledger: &Ledger, year: i32, through: Option<NaiveDate>) -> Vec<JobsMonthRow> {
    let Some(found) = ledger.jobs_years().get(&year) else {
        return Vec::new();
    };
    let mut by_month = std::collections::BTreeMap::<YearMonth, u64>::new();
    for ((_, month), created) in &found.cells {
        if through.is_none_or(|date| month.first_day() <= date) {
            *by_month.entry(*month).or_default() += created;
        }
    }
    by_month
        .into_iter()
        .map(|(month, created)| JobsMonthRow { month, created })
        .collect()
}
