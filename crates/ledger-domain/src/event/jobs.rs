//! Job creation events, in the stream `jobs-{year}`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::id::Id;
use crate::month::YearMonth;

/// The year's target of new jobs was set (a later target replaces an earlier one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobsTargetSet {
    /// The plan year.
    pub year: i32,
    /// New jobs planned.
    pub target: u32,
    /// The business date of the decision.
    #[serde(deserialize_with = "super::date::deserialize")]
    pub set_on: NaiveDate,
}

/// New jobs were created in a unit in a month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobsCreated {
    /// The plan year (`month` falls in it).
    pub year: i32,
    /// Code of the unit valid on `reported_on`.
    pub unit_code: Id,
    /// Number of new jobs.
    pub count: u32,
    /// The month they were created in.
    pub month: YearMonth,
    /// The business date of the report.
    #[serde(deserialize_with = "super::date::deserialize")]
    pub reported_on: NaiveDate,
}
