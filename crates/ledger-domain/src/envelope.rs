//! The envelope a stored event travels in: position, stream, ids, and the two time axes.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::event::Event;

/// An event as the store recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedEvent {
    /// Global, gapless, strictly increasing from 1.
    pub position: u64,
    /// The stream, e.g. `programme-housing-2023` (see [`Event::stream`]).
    pub stream: String,
    /// The event's version in its stream, from 1.
    pub stream_version: u64,
    /// Chosen by the caller, unique; reversals refer to events by it.
    pub event_id: Uuid,
    /// Valid time: the business date (Vietnam's calendar), [`Event::occurred_on`].
    pub occurred_on: NaiveDate,
    /// Transaction time: when the store recorded it.
    pub recorded_at: DateTime<Utc>,
    /// The actor.
    pub recorded_by: String,
    /// The decision or document the fact rests on.
    pub source_ref: Option<String>,
    /// The fact.
    pub event: Event,
}

impl RecordedEvent {
    /// True if the event belongs in a view `as_of` a business date (occurred on or
    /// before it) and `known_at` a transaction time (recorded at or before it).
    pub fn is_visible(&self, as_of: Option<NaiveDate>, known_at: Option<DateTime<Utc>>) -> bool {
        as_of.is_none_or(|date| self.occurred_on <= date)
            && known_at.is_none_or(|time| self.recorded_at <= time)
    }
}
