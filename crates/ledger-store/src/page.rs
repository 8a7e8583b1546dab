//! A page of the log in two allocations: every event's texts in one buffer, its fixed-size
//! fields in one vector. A replay reads a million events; as `RecordedEvent`s each costs five
//! strings allocated, copied and freed, only for the reader to borrow them and turn them into
//! its own types (BENCHMARKS.md, twelfth pass). [`EventRef`] lends one event's fields from the
//! page; [`EventRef::to_recorded`] makes the owned event where one is kept.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::hash::HashInput;
use crate::model::RecordedEvent;

/// One stored event, borrowed from an [`EventPage`]; every field already checked as
/// [`RecordedEvent`]'s are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventRef<'a> {
    pub position: u64,
    pub stream: &'a str,
    pub stream_version: u64,
    pub event_id: Uuid,
    pub kind: &'a str,
    pub schema_version: u32,
    pub occurred_on: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: &'a str,
    pub source_ref: Option<&'a str>,
    pub payload: &'a str,
    pub hash: &'a [u8; 32],
}

impl EventRef<'_> {
    /// The fields its chain hash covers.
    pub fn hash_input(&self) -> HashInput<'_> {
        HashInput {
            position: self.position,
            stream: self.stream,
            stream_version: self.stream_version,
            event_id: self.event_id,
            kind: self.kind,
            schema_version: self.schema_version,
            occurred_on: self.occurred_on,
            recorded_at_micros: self.recorded_at.timestamp_micros(),
            recorded_by: self.recorded_by,
            source_ref: self.source_ref,
            payload: self.payload,
        }
    }

    /// The event with its texts copied out of the page.
    pub fn to_recorded(&self) -> RecordedEvent {
        RecordedEvent {
            position: self.position,
            stream: self.stream.to_owned(),
            stream_version: self.stream_version,
            event_id: self.event_id,
            kind: self.kind.to_owned(),
            schema_version: self.schema_version,
            occurred_on: self.occurred_on,
            recorded_at: self.recorded_at,
            recorded_by: self.recorded_by.to_owned(),
            source_ref: self.source_ref.map(str::to_owned),
            payload: self.payload.to_owned(),
            hash: *self.hash,
        }
    }
}

/// Events in log order, as a backend read them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventPage {
    /// Each event's texts back to back: stream, kind, recorded_by, source_ref, payload.
    text: String,
    rows: Vec<PageRow>,
}

/// An event's fixed-size fields, and where its texts end in [`EventPage::text`] (they start
/// where the previous row's end).
#[derive(Clone, Debug, PartialEq, Eq)]
struct PageRow {
    position: u64,
    stream_version: u64,
    event_id: Uuid,
    schema_version: u32,
    occurred_on: NaiveDate,
    recorded_at: DateTime<Utc>,
    hash: [u8; 32],
    ends: [usize; TEXTS],
    has_source_ref: bool,
}

/// Texts per event.
const TEXTS: usize = 5;

/// Bytes of text a page sets aside per event when it starts: a sponsorship payment's stream,
/// kind, actor and payload take about 220, so most pages of the log never grow their buffer.
pub(crate) const TEXT_PER_ROW: usize = 256;

impl EventPage {
    /// An empty page with room for `rows` events of about `text_per_row` bytes of text each.
    pub fn with_capacity(rows: usize, text_per_row: usize) -> EventPage {
        EventPage {
            text: String::with_capacity(rows.saturating_mul(text_per_row)),
            rows: Vec::with_capacity(rows),
        }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The event at `index`, if the page has one there.
    pub fn get(&self, index: usize) -> Option<EventRef<'_>> {
        let row = self.rows.get(index)?;
        let start = match index {
            0 => 0,
            _ => self.rows[index - 1].ends[TEXTS - 1],
        };
        let mut texts = [""; TEXTS];
        let mut from = start;
        for (text, &end) in texts.iter_mut().zip(&row.ends) {
            *text = self.text.get(from..end)?;
            from = end;
        }
        let [stream, kind, recorded_by, source_ref, payload] = texts;
        Some(EventRef {
            position: row.position,
            stream,
            stream_version: row.stream_version,
            event_id: row.event_id,
            kind,
            schema_version: row.schema_version,
            occurred_on: row.occurred_on,
            recorded_at: row.recorded_at,
            recorded_by,
            source_ref: row.has_source_ref.then_some(source_ref),
            payload,
            hash: &row.hash,
        })
    }

    /// The events in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            page: self,
            next: 0,
        }
    }

    /// The last event's position.
    pub fn last_position(&self) -> Option<u64> {
        self.rows.last().map(|row| row.position)
    }

    /// Drops the events after `position` (the page is in log order).
    pub fn truncate_after(&mut self, position: u64) {
        let keep = self.rows.partition_point(|row| row.position <= position);
        self.rows.truncate(keep);
        let end = self.rows.last().map_or(0, |row| row.ends[TEXTS - 1]);
        self.text.truncate(end);
    }

    /// The events, owned.
    pub fn into_events(self) -> Vec<RecordedEvent> {
        self.iter().map(|e| e.to_recorded()).collect()
    }

    /// Appends a copy of `event`.
    pub fn push(&mut self, event: &EventRef<'_>) {
        let mut ends = [0; TEXTS];
        let texts = [
            event.stream,
            event.kind,
            event.recorded_by,
            event.source_ref.unwrap_or(""),
            event.payload,
        ];
        for (end, text) in ends.iter_mut().zip(texts) {
            self.text.push_str(text);
            *end = self.text.len();
        }
        self.rows.push(PageRow {
            position: event.position,
            stream_version: event.stream_version,
            event_id: event.event_id,
            schema_version: event.schema_version,
            occurred_on: event.occurred_on,
            recorded_at: event.recorded_at,
            hash: *event.hash,
            ends,
            has_source_ref: event.source_ref.is_some(),
        });
    }
}

/// The events of a page in order ([`EventPage::iter`]).
pub struct Iter<'a> {
    page: &'a EventPage,
    next: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = EventRef<'a>;

    fn next(&mut self) -> Option<EventRef<'a>> {
        let event = self.page.get(self.next)?;
        self.next += 1;
        Some(event)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.page.len().saturating_sub(self.next);
        (left, Some(left))
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> From<&'a RecordedEvent> for EventRef<'a> {
    fn from(e: &'a RecordedEvent) -> EventRef<'a> {
        EventRef {
            position: e.position,
            stream: &e.stream,
            stream_version: e.stream_version,
            event_id: e.event_id,
            kind: &e.kind,
            schema_version: e.schema_version,
            occurred_on: e.occurred_on,
            recorded_at: e.recorded_at,
            recorded_by: &e.recorded_by,
            source_ref: e.source_ref.as_deref(),
            payload: &e.payload,
            hash: &e.hash,
        }
    }
}

impl FromIterator<RecordedEvent> for EventPage {
    fn from_iter<I: IntoIterator<Item = RecordedEvent>>(events: I) -> EventPage {
        let mut page = EventPage::default();
        for e in events {
            page.push(&EventRef::from(&e));
        }
        page
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(position: u64, source_ref: Option<&str>, payload: &str) -> RecordedEvent {
        RecordedEvent {
            position,
            stream: format!("household-{position}"),
            stream_version: position + 10,
            event_id: Uuid::from_u128(u128::from(position)),
            kind: "HouseholdRegistered".to_owned(),
            schema_version: 1,
            occurred_on: NaiveDate::from_ymd_opt(2023, 2, 28).unwrap(),
            recorded_at: DateTime::from_timestamp_micros(1_700_000_000_000_000 + position as i64)
                .unwrap(),
            recorded_by: "cán bộ xã".to_owned(),
            source_ref: source_ref.map(str::to_owned),
            payload: payload.to_owned(),
            hash: [position as u8; 32],
        }
    }

    fn events() -> Vec<RecordedEvent> {
        vec![
            event(1, Some("tờ trình 7"), r#"{"members":4}"#),
            event(2, None, "{}"),
            event(3, Some(""), r#"{"name":"Nguyễn Thị Ánh"}"#),
            event(4, None, ""),
        ]
    }

    #[test]
    fn a_page_gives_back_every_field_of_every_event() {
        let page: EventPage = events().into_iter().collect();
        assert_eq!(page.len(), 4);
        assert_eq!(page.iter().len(), 4);
        assert_eq!(page.last_position(), Some(4));
        for (i, e) in page.iter().enumerate() {
            assert_eq!(e.to_recorded(), events()[i], "event {i}");
        }
        // An empty source reference is not a missing one.
        assert_eq!(page.get(2).unwrap().source_ref, Some(""));
        assert_eq!(page.get(3).unwrap().source_ref, None);
        assert_eq!(page.get(4), None);
        assert_eq!(page.clone().into_events(), events());
    }

    #[test]
    fn truncating_keeps_the_events_up_to_a_position_and_their_texts() {
        let mut page: EventPage = events().into_iter().collect();
        page.truncate_after(2);
        assert_eq!(page.into_events(), events()[..2].to_vec());
        let mut page: EventPage = events().into_iter().collect();
        page.truncate_after(0);
        assert!(page.is_empty());
        assert_eq!(page.last_position(), None);
        // Texts pushed after a truncation start where the kept ones end.
        let mut page: EventPage = events().into_iter().collect();
        page.truncate_after(1);
        page.push(&EventRef::from(&events()[2]));
        assert_eq!(
            page.into_events(),
            vec![events()[0].clone(), events()[2].clone()]
        );
    }
}
