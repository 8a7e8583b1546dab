//! The event catalogue: past-tense facts, one variant per kind, each with a `kind`
//! name, a `schema_version`, a stream, a business date, and a JSON payload.
//!
//! The envelope carries `kind` and `schema_version`; the payload is the variant's struct
//! without them. Reading goes through [`Event::from_payload`], which upcasts old schema
//! versions before decoding (there is only version 1 so far).

mod codec;
pub(crate) mod date;
pub mod geography;
pub mod household;
pub mod housing;
pub mod jobs;
pub mod programme;
pub mod sponsorship;
pub mod standard;

use chrono::NaiveDate;

pub use codec::CURRENT_SCHEMA_VERSION;
pub use geography::{UnitKind, UnitRegistered, UnitsMerged};
pub use household::{
    HouseholdClassified, HouseholdLeftNearPoverty, HouseholdRegistered, PovertyStatus,
};
pub use housing::{
    CompletionDateCorrected, DisbursementReversed, HouseBuilt, HouseRepaired,
    HousingFundsDisbursed, HousingSupportCancelled, HousingWorksStarted,
};
pub use jobs::{JobsCreated, JobsTargetSet};
pub use programme::{
    AllocationReversed, BudgetAllocated, FundingPart, HousingSupportApproved, ProgrammeKind,
    ProgrammeOpened, WorkKind,
};
pub use sponsorship::{
    ChildRegistered, ChildSponsored, SponsorKind, SponsorRegistered, SponsorshipEnded,
    SponsorshipPaymentReceived, SponsorshipPaymentReversed, SponsorshipTransferred,
};
pub use standard::PovertyStandardRegistered;

/// Declares the `Event` enum and its kind names from one list, so a kind can never be
/// missing from the codec.
macro_rules! event_catalogue {
    ($($variant:ident),* $(,)?) => {
        /// A recorded fact. The variant name is its `kind`.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum Event {
            $(
                #[doc = concat!("`", stringify!($variant), "`.")]
                $variant($variant),
            )*
        }

        /// Every event kind, in catalogue order.
        pub const EVENT_KINDS: &[&str] = &[$(stringify!($variant)),*];

        impl Event {
            /// The kind name, e.g. `"HouseBuilt"`.
            pub fn kind(&self) -> &'static str {
                match self {
                    $(Event::$variant(_) => stringify!($variant),)*
                }
            }

            /// The payload as a JSON object (without `kind` and `schema_version`).
            pub fn to_payload(&self) -> serde_json::Value {
                match self {
                    $(Event::$variant(payload) => codec::encode(payload),)*
                }
            }

            fn decode_current_text(
                kind: &str,
                payload: &str,
            ) -> Option<Event> {
                match kind {
                    $(stringify!($variant) => codec::decode_text(payload).map(Event::$variant),)*
                    _ => None,
                }
            }

            fn decode_current(
                kind: &str,
                payload: &serde_json::Value,
            ) -> Result<Event, crate::error::DecodeError> {
                match kind {
                    $(stringify!($variant) => codec::decode(kind, payload).map(Event::$variant),)*
                    _ => Err(crate::error::DecodeError::UnknownKind { kind: kind.to_owned() }),
                }
            }
        }
    };
}

event_catalogue!(
    UnitRegistered,
    UnitsMerged,
    PovertyStandardRegistered,
    ProgrammeOpened,
    BudgetAllocated,
    AllocationReversed,
    HousingSupportApproved,
    HouseholdRegistered,
    HouseholdClassified,
    HouseholdLeftNearPoverty,
    HousingFundsDisbursed,
    DisbursementReversed,
    HousingWorksStarted,
    HouseBuilt,
    HouseRepaired,
    CompletionDateCorrected,
    HousingSupportCancelled,
    ChildRegistered,
    SponsorRegistered,
    ChildSponsored,
    SponsorshipPaymentReceived,
    SponsorshipPaymentReversed,
    SponsorshipTransferred,
    SponsorshipEnded,
    JobsTargetSet,
    JobsCreated,
);

/// The stream of all geography events.
pub const GEOGRAPHY_STREAM: &str = "geography";

/// Stream-name builders, shared by events and by callers that need expected versions.
pub mod streams {
    use std::fmt::Display;

    /// `standard-{id}`.
    pub fn standard(id: impl Display) -> String {
        format!("standard-{id}")
    }
    /// `programme-{id}`.
    pub fn programme(id: impl Display) -> String {
        format!("programme-{id}")
    }
    /// `housing-{support_id}`.
    pub fn housing(id: impl Display) -> String {
        format!("housing-{id}")
    }
    /// `household-{id}`.
    pub fn household(id: impl Display) -> String {
        format!("household-{id}")
    }
    /// `child-{id}`.
    pub fn child(id: impl Display) -> String {
        format!("child-{id}")
    }
    /// `sponsor-{id}`.
    pub fn sponsor(id: impl Display) -> String {
        format!("sponsor-{id}")
    }
    /// `sponsorship-{id}`.
    pub fn sponsorship(id: impl Display) -> String {
        format!("sponsorship-{id}")
    }
    /// `jobs-{year}`.
    pub fn jobs(year: i32) -> String {
        format!("jobs-{year}")
    }
}

impl Event {
    /// The payload schema version this code writes (all kinds are at 1).
    pub fn schema_version(&self) -> u32 {
        CURRENT_SCHEMA_VERSION
    }

    /// Decodes a stored event, upcasting an old `schema_version` first.
    pub fn from_payload(
        kind: &str,
        schema_version: u32,
        payload: &serde_json::Value,
    ) -> Result<Event, crate::error::DecodeError> {
        let current = codec::upcast(kind, schema_version, payload)?;
        Event::decode_current(kind, &current)
    }

    /// [`Event::from_payload`] from the stored text. A current-version payload is read
    /// straight into its struct (replay's hot path: no intermediate JSON tree); anything that
    /// path refuses takes the general one, so both accept and refuse exactly the same.
    pub fn from_payload_text(
        kind: &str,
        schema_version: u32,
        payload: &str,
    ) -> Result<Event, crate::error::DecodeError> {
        if schema_version == CURRENT_SCHEMA_VERSION {
            if let Some(event) = Event::decode_current_text(kind, payload) {
                return Ok(event);
            }
        }
        let value: serde_json::Value =
            serde_json::from_str(payload).map_err(|e| crate::error::DecodeError::BadPayload {
                kind: kind.to_owned(),
                message: format!("not JSON: {e}"),
            })?;
        Event::from_payload(kind, schema_version, &value)
    }

    /// The stream the event belongs to.
    pub fn stream(&self) -> String {
        use Event as E;
        match self {
            E::UnitRegistered(_) | E::UnitsMerged(_) => GEOGRAPHY_STREAM.to_owned(),
            E::PovertyStandardRegistered(e) => streams::standard(&e.standard_id),
            E::ProgrammeOpened(e) => streams::programme(&e.programme_id),
            E::BudgetAllocated(e) => streams::programme(&e.programme_id),
            E::AllocationReversed(e) => streams::programme(&e.programme_id),
            E::HousingSupportApproved(e) => streams::programme(&e.programme_id),
            E::HouseholdRegistered(e) => streams::household(&e.household_id),
            E::HouseholdClassified(e) => streams::household(&e.household_id),
            E::HouseholdLeftNearPoverty(e) => streams::household(&e.household_id),
            E::HousingFundsDisbursed(e) => streams::housing(&e.support_id),
            E::DisbursementReversed(e) => streams::housing(&e.support_id),
            E::HousingWorksStarted(e) => streams::housing(&e.support_id),
            E::HouseBuilt(e) => streams::housing(&e.support_id),
            E::HouseRepaired(e) => streams::housing(&e.support_id),
            E::CompletionDateCorrected(e) => streams::housing(&e.support_id),
            E::HousingSupportCancelled(e) => streams::housing(&e.support_id),
            E::ChildRegistered(e) => streams::child(&e.child_id),
            E::SponsorRegistered(e) => streams::sponsor(&e.sponsor_id),
            E::ChildSponsored(e) => streams::sponsorship(&e.sponsorship_id),
            E::SponsorshipPaymentReceived(e) => streams::sponsorship(&e.sponsorship_id),
            E::SponsorshipPaymentReversed(e) => streams::sponsorship(&e.sponsorship_id),
            E::SponsorshipTransferred(e) => streams::sponsorship(&e.sponsorship_id),
            E::SponsorshipEnded(e) => streams::sponsorship(&e.sponsorship_id),
            E::JobsTargetSet(e) => streams::jobs(e.year),
            E::JobsCreated(e) => streams::jobs(e.year),
        }
    }

    /// The business date of the fact: what the envelope's `occurred_on` must be.
    pub fn occurred_on(&self) -> NaiveDate {
        use Event as E;
        match self {
            E::UnitRegistered(e) => e.registered_on,
            E::UnitsMerged(e) => e.effective_on,
            E::PovertyStandardRegistered(e) => e.registered_on,
            E::ProgrammeOpened(e) => e.opened_on,
            E::BudgetAllocated(e) => e.allocated_on,
            E::AllocationReversed(e) => e.reversed_on,
            E::HousingSupportApproved(e) => e.approved_on,
            E::HouseholdRegistered(e) => e.registered_on,
            E::HouseholdClassified(e) => e.effective_on,
            E::HouseholdLeftNearPoverty(e) => e.effective_on,
            E::HousingFundsDisbursed(e) => e.disbursed_on,
            E::DisbursementReversed(e) => e.reversed_on,
            E::HousingWorksStarted(e) => e.started_on,
            E::HouseBuilt(e) => e.completed_on,
            E::HouseRepaired(e) => e.completed_on,
            E::CompletionDateCorrected(e) => e.corrected_on,
            E::HousingSupportCancelled(e) => e.cancelled_on,
            E::ChildRegistered(e) => e.registered_on,
            E::SponsorRegistered(e) => e.registered_on,
            E::ChildSponsored(e) => e.sponsored_on,
            E::SponsorshipPaymentReceived(e) => e.received_on,
            E::SponsorshipPaymentReversed(e) => e.reversed_on,
            E::SponsorshipTransferred(e) => e.transferred_on,
            E::SponsorshipEnded(e) => e.ended_on,
            E::JobsTargetSet(e) => e.set_on,
            E::JobsCreated(e) => e.reported_on,
        }
    }
}
