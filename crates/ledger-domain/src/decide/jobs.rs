//! Rules for jobs targets and new jobs.

use super::check::{at_least_one, unit_on};
use crate::error::DomainError;
use crate::event::{Event, JobsCreated, JobsTargetSet};
use crate::ledger::Ledger;

/// A target is at least one job.
pub fn set_target(_state: &Ledger, command: &JobsTargetSet) -> Result<Vec<Event>, DomainError> {
    at_least_one("jobs target", u64::from(command.target))?;
    Ok(vec![Event::JobsTargetSet(command.clone())])
}

/// New jobs are counted in a month of the plan year, in a unit valid on the report date.
pub fn record_created(state: &Ledger, command: &JobsCreated) -> Result<Vec<Event>, DomainError> {
    at_least_one("new jobs", u64::from(command.count))?;
    if command.month.year() != command.year {
        return Err(DomainError::JobsMonthOutsideYear {
            month: command.month,
            year: command.year,
        });
    }
    unit_on(state, &command.unit_code, command.reported_on)?;
    Ok(vec![Event::JobsCreated(command.clone())])
}
