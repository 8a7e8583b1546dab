//! Geography events: communes and wards with their validity, and their mergers.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::id::Id;

/// The kind of a commune-level unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// Xã.
    Commune,
    /// Phường.
    Ward,
}

/// A commune or ward with its official statistics code, valid over a period. The same
/// code may be registered again for a later, non-overlapping period (codes are reused).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitRegistered {
    /// Official code, e.g. "06652".
    pub code: Id,
    /// Name without its type word, e.g. "Hà Phong".
    pub name: String,
    /// Commune or ward.
    pub unit_kind: UnitKind,
    /// First day in force; `None` when the sources do not say (in force since before
    /// the ledger's records).
    pub valid_from: Option<NaiveDate>,
    /// Last day in force; `None` while still in force.
    pub valid_to: Option<NaiveDate>,
    /// The business date of the registration.
    #[serde(deserialize_with = "super::date::deserialize")]
    pub registered_on: NaiveDate,
}

/// Old units merged into new ones on `effective_on`. Either several (or one) old units
/// go wholly into one new unit, or one old unit is split between several new units.
/// Each old code means the unit valid the day before `effective_on`; each new code the
/// unit valid on `effective_on`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitsMerged {
    /// Codes of the old units.
    pub old_codes: Vec<Id>,
    /// Codes of the new units (more than one only for a split).
    pub new_codes: Vec<Id>,
    /// First day of the new units.
    #[serde(deserialize_with = "super::date::deserialize")]
    pub effective_on: NaiveDate,
}
