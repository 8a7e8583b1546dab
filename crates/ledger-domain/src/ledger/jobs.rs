//! Jobs: the year's target and new jobs by unit and month.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::{Horizon, Ledger, Stamp, UnitId};
use crate::event::{JobsCreated, JobsTargetSet};
use crate::month::YearMonth;

/// One plan year of job creation.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct JobsYear {
    /// The latest target.
    pub target: Option<u32>,
    /// New jobs in the year.
    pub created: u64,
    /// New jobs by unit (as recorded) and month.
    #[serde(with = "super::pairs")]
    pub cells: BTreeMap<(Option<UnitId>, YearMonth), u64>,
    /// Every report in log order, for a past `as_of`.
    pub reports: Vec<JobsReport>,
    /// Every target in log order: (set on and its log position, target), for a past `as_of`
    /// or position.
    pub targets: Vec<(Stamp, u32)>,
}

/// One report of new jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobsReport {
    /// When it was reported (its business date).
    pub reported_on: NaiveDate,
    /// The unit as recorded.
    pub unit: Option<UnitId>,
    /// The month the jobs were created in.
    pub month: YearMonth,
    /// New jobs.
    pub count: u64,
    /// Its log position.
    pub position: u64,
}

impl JobsYear {
    /// The reports the horizon sees.
    pub fn reports_by(&self, as_of: impl Into<Horizon>) -> impl Iterator<Item = &JobsReport> {
        let horizon = as_of.into();
        self.reports
            .iter()
            .filter(move |report| horizon.sees(report.reported_on, report.position))
    }

    /// The target as the events the horizon sees left it (the last one set by then).
    pub fn target_as_of(&self, as_of: impl Into<Horizon>) -> Option<u32> {
        super::last_given_by(&self.targets, as_of)
    }
}

impl Ledger {
    pub(super) fn apply_jobs_target_set(&mut self, event: &JobsTargetSet) -> bool {
        let stamp = self.stamp(event.set_on);
        let year = self.jobs.entry(event.year).or_default();
        year.target = Some(event.target);
        year.targets.push((stamp, event.target));
        true
    }

    pub(super) fn apply_jobs_created(&mut self, event: &JobsCreated) -> bool {
        let unit = self
            .units
            .resolve(event.unit_code.as_str(), event.reported_on);
        let year = self.jobs.entry(event.year).or_default();
        let count = u64::from(event.count);
        year.created = year.created.saturating_add(count);
        let cell = year.cells.entry((unit, event.month)).or_default();
        *cell = cell.saturating_add(count);
        year.reports.push(JobsReport {
            reported_on: event.reported_on,
            unit,
            month: event.month,
            count,
            position: self.last_position,
        });
        true
    }
}
