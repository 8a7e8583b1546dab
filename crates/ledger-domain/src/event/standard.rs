//! Poverty standards: versioned data, not code.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::id::Id;
use crate::money::Dong;

/// A poverty standard, e.g. "national-2022-2025" (Decree 07/2021) or
/// "quang-ninh-enhanced-2023-2025".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PovertyStandardRegistered {
    /// Caller-chosen id.
    pub standard_id: Id,
    /// Human name.
    pub name: String,
    /// First day the standard applies.
    #[serde(deserialize_with = "super::date::deserialize")]
    pub valid_from: NaiveDate,
    /// Last day the standard applies.
    #[serde(deserialize_with = "super::date::deserialize")]
    pub valid_to: NaiveDate,
    /// Income line per person per month in rural areas.
    pub rural_income_line: Dong,
    /// Income line per person per month in urban areas.
    pub urban_income_line: Dong,
    /// The indicator rule in words, e.g. "poor: income ≤ line and deprived of ≥ 3 of 12
    /// indicators; near-poor: < 3".
    pub indicator_rule: String,
    /// The business date of the registration.
    #[serde(deserialize_with = "super::date::deserialize")]
    pub registered_on: NaiveDate,
}
