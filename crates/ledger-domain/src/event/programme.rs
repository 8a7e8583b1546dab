//! Programme events: opening, budget allocations, and housing approvals (which commit
//! the programme's budget, so they live in the programme stream).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::id::Id;
use crate::money::Dong;

/// What a programme does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgrammeKind {
    /// Building and repairing houses for households in need.
    Housing,
    /// Sponsoring children in difficult circumstances.
    Sponsorship,
    /// Poverty reduction.
    PovertyReduction,
    /// Job creation.
    Jobs,
}

/// A programme was opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeOpened {
    /// Caller-chosen id, e.g. "housing-2023".
    pub programme_id: Id,
    /// Human name.
    pub name: String,
    /// What it does.
    pub programme_kind: ProgrammeKind,
    /// The plan year.
    pub year: i32,
    /// Planned number of beneficiaries (households, children, jobs).
    pub target: u32,
    /// The date by which the programme's works must be finished.
    #[serde(deserialize_with = "super::date::deserialize")]
    pub deadline: NaiveDate,
    /// The business date of the opening.
    #[serde(deserialize_with = "super::date::deserialize")]
    pub opened_on: NaiveDate,
}

/// Money from a funding source was allocated to a programme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetAllocated {
    /// The programme.
    pub programme_id: Id,
    /// The funding source, e.g. "state", "province", "city", "socialised".
    pub source: Id,
    /// The amount.
    pub amount: Dong,
    /// The business date of the allocation.
    #[serde(deserialize_with = "super::date::deserialize")]
    pub allocated_on: NaiveDate,
}

/// An earlier allocation was reversed (a correction, never an edit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllocationReversed {
    /// The programme.
    pub programme_id: Id,
    /// The `event_id` of the reversed `BudgetAllocated`.
    pub allocation_event_id: Uuid,
    /// The reversed allocation's source (copied so postings need no lookup).
    pub source: Id,
    /// The reversed allocation's amount.
    pub amount: Dong,
    /// Why.
    pub reason: String,
    /// The business date of the reversal.
    #[serde(deserialize_with = "super::date::deserialize")]
    pub reversed_on: NaiveDate,
}

/// New build or repair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkKind {
    /// A new house.
    NewBuild,
    /// A repaired house.
    Repair,
}

/// One funding source's part of an approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FundingPart {
    /// The funding source.
    pub source: Id,
    /// Its part.
    pub amount: Dong,
}

/// Housing support approved for a household; commits the programme's budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HousingSupportApproved {
    /// The programme whose budget is committed.
    pub programme_id: Id,
    /// Caller-chosen id of this support (its works' stream is `housing-{support_id}`).
    pub support_id: Id,
    /// The household.
    pub household_id: Id,
    /// New build or repair.
    pub work_kind: WorkKind,
    /// The total support; equals the sum of `funding`.
    pub amount: Dong,
    /// When the works are planned to be complete.
    #[serde(deserialize_with = "super::date::deserialize")]
    pub planned_completion_on: NaiveDate,
    /// The split by funding source.
    pub funding: Vec<FundingPart>,
    /// The business date of the approval.
    #[serde(deserialize_with = "super::date::deserialize")]
    pub approved_on: NaiveDate,
}
