//! Child sponsorship events: children, sponsors, pledges, payments, transfers, ends.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::id::Id;
use crate::money::Dong;
use crate::month::YearMonth;

/// A child in difficult circumstances was registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChildRegistered {
    /// Pseudonymous id.
    pub child_id: Id,
    /// The birth date: the obligation to 18 rests on it, so it stays in the log.
    #[serde(deserialize_with = "super::date::deserialize")]
    pub birth_date: NaiveDate,
    /// Code of the unit valid on `registered_on`.
    pub unit_code: Id,
    /// Circumstance category, e.g. "orphan", "poor-household", "disability".
    pub circumstance: Id,
    /// The business date of the registration.
    #[serde(deserialize_with = "super::date::deserialize")]
    pub registered_on: NaiveDate,
}

/// The kind of a sponsoring organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SponsorKind {
    /// A state agency (cơ quan).
    Agency,
    /// A unit such as a school, hospital or army unit (đơn vị).
    Unit,
    /// A business.
    Enterprise,
    /// A mass organisation or association.
    Association,
    /// Anything else.
    Other,
}

/// A sponsoring organisation was registered (organisations, not people, so the name is
/// not personal data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SponsorRegistered {
    /// Caller-chosen id.
    pub sponsor_id: Id,
    /// The organisation's name.
    pub name: String,
    /// Its kind.
    pub sponsor_kind: SponsorKind,
    /// The business date of the registration.
    #[serde(deserialize_with = "super::date::deserialize")]
    pub registered_on: NaiveDate,
}

/// A sponsor pledged a monthly amount for a child.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChildSponsored {
    /// Caller-chosen id; stream `sponsorship-{id}`.
    pub sponsorship_id: Id,
    /// The sponsorship programme.
    pub programme_id: Id,
    /// The child.
    pub child_id: Id,
    /// The sponsor.
    pub sponsor_id: Id,
    /// The amount per month.
    pub monthly_amount: Dong,
    /// The first month owed.
    pub first_month: YearMonth,
    /// A fixed number of months, or `None` for "until 18".
    pub fixed_months: Option<u32>,
    /// The last month owed, as computed from the birth date when the pledge was decided.
    pub last_month: YearMonth,
    /// The business date of the pledge.
    #[serde(deserialize_with = "super::date::deserialize")]
    pub sponsored_on: NaiveDate,
}

/// A payment covering consecutive months was received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SponsorshipPaymentReceived {
    /// The sponsorship.
    pub sponsorship_id: Id,
    /// The sponsor owing those months (copied so postings need no lookup).
    pub sponsor_id: Id,
    /// The amount: monthly amount × months.
    pub amount: Dong,
    /// The first month covered.
    pub first_month: YearMonth,
    /// The number of consecutive months covered.
    pub months: u32,
    /// The business date of the payment.
    #[serde(deserialize_with = "super::date::deserialize")]
    pub received_on: NaiveDate,
}

/// A payment was reversed; its months are open again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SponsorshipPaymentReversed {
    /// The sponsorship.
    pub sponsorship_id: Id,
    /// The sponsor of the reversed payment.
    pub sponsor_id: Id,
    /// The `event_id` of the reversed `SponsorshipPaymentReceived`.
    pub payment_event_id: Uuid,
    /// The reversed amount.
    pub amount: Dong,
    /// Why.
    pub reason: String,
    /// The business date of the reversal.
    #[serde(deserialize_with = "super::date::deserialize")]
    pub reversed_on: NaiveDate,
}

/// The sponsorship passed to another sponsor from a month on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SponsorshipTransferred {
    /// The sponsorship.
    pub sponsorship_id: Id,
    /// The sponsor owing the months before `from_month`.
    pub from_sponsor_id: Id,
    /// The sponsor owing `from_month` and after.
    pub to_sponsor_id: Id,
    /// The first month of the new sponsor.
    pub from_month: YearMonth,
    /// The business date of the transfer.
    #[serde(deserialize_with = "super::date::deserialize")]
    pub transferred_on: NaiveDate,
}

/// The sponsorship ended early: nothing is owed after `last_month`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SponsorshipEnded {
    /// The sponsorship.
    pub sponsorship_id: Id,
    /// The last month owed.
    pub last_month: YearMonth,
    /// Why.
    pub reason: String,
    /// The business date of the end.
    #[serde(deserialize_with = "super::date::deserialize")]
    pub ended_on: NaiveDate,
}
