//! Jobs: the year's target and new jobs by unit and month.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::{Ledger, UnitId};
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
}

impl Ledger {
    pub(super) fn apply_jobs_target_set(&mut self, event: &JobsTargetSet) -> bool {
        self.jobs.entry(event.year).or_default().target = Some(event.target);
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
        true
    }
}
