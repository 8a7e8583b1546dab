//! Household events: registration (pseudonymous, no names) and poverty status per
//! standard.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::id::Id;

/// A household's status under one poverty standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PovertyStatus {
    /// Hộ nghèo.
    Poor,
    /// Hộ cận nghèo.
    NearPoor,
    /// Neither.
    NotPoor,
}

impl PovertyStatus {
    /// The status as written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            PovertyStatus::Poor => "poor",
            PovertyStatus::NearPoor => "near_poor",
            PovertyStatus::NotPoor => "not_poor",
        }
    }
}

/// A household was registered in a unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HouseholdRegistered {
    /// Pseudonymous id; personal details live in the vault, never here.
    pub household_id: Id,
    /// Code of the unit valid on `registered_on`.
    pub unit_code: Id,
    /// Number of members.
    pub members: u16,
    /// The business date of the registration.
    #[serde(deserialize_with = "super::date::deserialize")]
    pub registered_on: NaiveDate,
}

/// A household was classified under a standard by a review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HouseholdClassified {
    /// The household.
    pub household_id: Id,
    /// The standard.
    pub standard_id: Id,
    /// The status found.
    pub status: PovertyStatus,
    /// From when the status holds.
    #[serde(deserialize_with = "super::date::deserialize")]
    pub effective_on: NaiveDate,
    /// The review decision it rests on.
    pub decision_ref: String,
}

/// A near-poor household left near-poverty under a standard: it is not poor from
/// `effective_on`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HouseholdLeftNearPoverty {
    /// The household.
    pub household_id: Id,
    /// The standard under which it was near-poor.
    pub standard_id: Id,
    /// From when it is not poor.
    #[serde(deserialize_with = "super::date::deserialize")]
    pub effective_on: NaiveDate,
    /// The decision it rests on.
    pub decision_ref: String,
}
