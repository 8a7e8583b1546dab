//! Housing works events, in the stream `housing-{support_id}`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::programme::FundingPart;
use crate::id::Id;
use crate::money::Dong;

/// Approved funds were paid out from one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HousingFundsDisbursed {
    /// The support.
    pub support_id: Id,
    /// Its programme (copied so postings need no lookup).
    pub programme_id: Id,
    /// The funding source paid from.
    pub source: Id,
    /// The amount.
    pub amount: Dong,
    /// The business date of the payment.
    #[serde(deserialize_with = "super::date::deserialize")]
    pub disbursed_on: NaiveDate,
}

/// A disbursement was reversed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisbursementReversed {
    /// The support.
    pub support_id: Id,
    /// Its programme.
    pub programme_id: Id,
    /// The `event_id` of the reversed `HousingFundsDisbursed`.
    pub disbursement_event_id: Uuid,
    /// The reversed disbursement's source.
    pub source: Id,
    /// The reversed disbursement's amount.
    pub amount: Dong,
    /// Why.
    pub reason: String,
    /// The business date of the reversal.
    #[serde(deserialize_with = "super::date::deserialize")]
    pub reversed_on: NaiveDate,
}

/// Works started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HousingWorksStarted {
    /// The support.
    pub support_id: Id,
    /// The day works started.
    #[serde(deserialize_with = "super::date::deserialize")]
    pub started_on: NaiveDate,
}

/// A new house was finished.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HouseBuilt {
    /// The support.
    pub support_id: Id,
    /// The day the house was finished.
    #[serde(deserialize_with = "super::date::deserialize")]
    pub completed_on: NaiveDate,
}

/// A repair was finished.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HouseRepaired {
    /// The support.
    pub support_id: Id,
    /// The day the repair was finished.
    #[serde(deserialize_with = "super::date::deserialize")]
    pub completed_on: NaiveDate,
}

/// A recorded completion date was wrong; projections use the corrected one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompletionDateCorrected {
    /// The support.
    pub support_id: Id,
    /// The correct completion date.
    #[serde(deserialize_with = "super::date::deserialize")]
    pub completed_on: NaiveDate,
    /// The date being replaced.
    #[serde(deserialize_with = "super::date::deserialize")]
    pub previous_completed_on: NaiveDate,
    /// Why.
    pub reason: String,
    /// The business date of the correction.
    #[serde(deserialize_with = "super::date::deserialize")]
    pub corrected_on: NaiveDate,
}

/// The support was cancelled; its commitment is released.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HousingSupportCancelled {
    /// The support.
    pub support_id: Id,
    /// Its programme.
    pub programme_id: Id,
    /// The commitment released, per source (the approved split).
    pub released: Vec<FundingPart>,
    /// Why.
    pub reason: String,
    /// The business date of the cancellation.
    #[serde(deserialize_with = "super::date::deserialize")]
    pub cancelled_on: NaiveDate,
}
