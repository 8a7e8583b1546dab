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

/// What a fold reads of an event's envelope, borrowed: a replay folds events whose stream
/// name lies in a page read from the store, without copying it into a [`RecordedEvent`]
/// first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Envelope<'a> {
    pub position: u64,
    pub stream: &'a str,
    pub stream_version: u64,
    pub event_id: Uuid,
    pub occurred_on: NaiveDate,
}

impl<'a> From<&'a RecordedEvent> for Envelope<'a> {
    fn from(e: &'a RecordedEvent) -> Envelope<'a> {
        Envelope {
            position: e.position,
            stream: &e.stream,
            stream_version: e.stream_version,
            event_id: e.event_id,
            occurred_on: e.occurred_on,
        }
    }
}

impl RecordedEvent {
    /// True if the event belongs in a view `as_of` a business date (occurred on or
    /// before it) and `known_at` a transaction time (recorded at or before it).
    pub fn is_visible(&self, as_of: Option<NaiveDate>, known_at: Option<DateTime<Utc>>) -> bool {
        is_visible(self.occurred_on, self.recorded_at, as_of, known_at)
    }
}

/// True if an event that occurred on `occurred_on` and was recorded at `recorded_at` belongs
/// in a view `as_of` a business date and `known_at` a transaction time
/// ([`RecordedEvent::is_visible`]).
pub fn is_visible(
    occurred_on: NaiveDate,
    recorded_at: DateTime<Utc>,
    as_of: Option<NaiveDate>,
    known_at: Option<DateTime<Utc>>,
) -> bool {
    as_of.is_none_or(|date| occurred_on <= date) && known_at.is_none_or(|time| recorded_at <= time)
}
