//! The log read from PostgreSQL as `COPY (SELECT …) TO STDOUT (FORMAT binary)`, parsed here
//! straight into events. Through a query, sqlx builds a row per event and checks each column's
//! type as it is read; that, and its stream plumbing per row, took a third of a replay's
//! reading thread (BENCHMARKS.md, tenth pass). Binary COPY sends each value in its binary form
//! with its length: integers big-endian, the id as 16 bytes, the date as days since 2000,
//! texts and the hash as they are.

use crate::backend::{checked_event, DateColumn, EventColumns};
use crate::error::StoreError;
use crate::page::EventPage;

/// What every binary COPY stream starts with.
const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";
/// Columns per tuple: [`crate::backend::EVENT_COLUMNS`].
const COLUMNS: i16 = 12;

/// A binary COPY stream of event rows, taken in as it arrives in chunks of any size.
#[derive(Default)]
pub(crate) struct CopyRows {
    /// The start of a tuple (or of the header) that the chunks so far did not complete.
    pending: Vec<u8>,
    header_read: bool,
    trailer_read: bool,
}

impl CopyRows {
    /// Takes in the next chunk and pushes the event of every tuple it completes onto `events`.
    pub(crate) fn feed(&mut self, chunk: &[u8], events: &mut EventPage) -> Result<(), StoreError> {
        if self.pending.is_empty() {
            let used = self.parse(chunk, events)?;
            self.pending.extend_from_slice(&chunk[used..]);
        } else {
            self.pending.extend_from_slice(chunk);
            let pending = std::mem::take(&mut self.pending);
            let used = self.parse(&pending, events)?;
            self.pending = pending[used..].to_vec();
        }
        Ok(())
    }

    /// Checks that the stream ended where it should: after the trailer, nothing left over.
    pub(crate) fn finish(&self) -> Result<(), StoreError> {
        match self.trailer_read && self.pending.is_empty() {
            true => Ok(()),
            false => Err(malformed(0, "the COPY stream ended inside a row")),
        }
    }

    /// Parses the complete tuples at the start of `buf`; returns the bytes they took.
    fn parse(&mut self, buf: &[u8], events: &mut EventPage) -> Result<usize, StoreError> {
        let mut at = 0;
        if !self.header_read {
            let Some(end) = header_end(buf)? else {
                return Ok(0);
            };
            self.header_read = true;
            at = end;
        }
        while at < buf.len() {
            if self.trailer_read {
                return Err(malformed(0, "data after the COPY trailer"));
            }
            let mut cursor = Cursor { buf, at };
            let Some(count) = cursor.take(2).map(|b| i16::from_be_bytes([b[0], b[1]])) else {
                break;
            };
            if count == -1 {
                self.trailer_read = true;
                at = cursor.at;
                continue;
            }
            if count != COLUMNS {
                return Err(malformed(0, "a COPY row without the event columns"));
            }
            match tuple(&mut cursor)? {
                Some(columns) => events.push(&checked_event(&columns)?),
                None => break,
            }
            at = cursor.at;
        }
        Ok(at)
    }
}

/// Where the header ends, once `buf` holds all of it.
fn header_end(buf: &[u8]) -> Result<Option<usize>, StoreError> {
    let mut cursor = Cursor { buf, at: 0 };
    let (Some(signature), Some(_flags), Some(extension)) =
        (cursor.take(SIGNATURE.len()), cursor.take(4), cursor.take(4))
    else {
        return Ok(None);
    };
    if signature != SIGNATURE {
        return Err(malformed(0, "not a binary COPY stream"));
    }
    let extension = u32::from_be_bytes([extension[0], extension[1], extension[2], extension[3]]);
    Ok(cursor.take(extension as usize).map(|_| cursor.at))
}

/// The columns of the tuple at the cursor, or `None` when `buf` ends inside it.
fn tuple<'a>(cursor: &mut Cursor<'a>) -> Result<Option<EventColumns<'a>>, StoreError> {
    let mut fields: [Option<&'a [u8]>; COLUMNS as usize] = [None; COLUMNS as usize];
    for field in &mut fields {
        let Some(length) = cursor.take(4) else {
            return Ok(None);
        };
        let length = i32::from_be_bytes([length[0], length[1], length[2], length[3]]);
        if length >= 0 {
            let Some(value) = cursor.take(length as usize) else {
                return Ok(None);
            };
            *field = Some(value);
        }
    }
    // For messages only: the position, when it reads as one.
    let position = u64::try_from(int8(fields[0]).unwrap_or(0)).unwrap_or(0);
    let required = |index: usize, what: &str| {
        fields[index].ok_or_else(|| malformed(position, &format!("{what} is NULL or not binary")))
    };
    let int = |index: usize, what: &str| {
        int8(fields[index]).ok_or_else(|| malformed(position, &format!("{what} is not a bigint")))
    };
    let days = match required(6, "occurred_on")? {
        &[a, b, c, d] => i32::from_be_bytes([a, b, c, d]),
        _ => return Err(malformed(position, "occurred_on is not a date")),
    };
    Ok(Some(EventColumns {
        position: int(0, "position")?,
        stream: required(1, "stream")?,
        stream_version: int(2, "stream_version")?,
        event_id: required(3, "event_id")?,
        kind: required(4, "kind")?,
        schema_version: int(5, "schema_version")?,
        occurred_on: DateColumn::DaysSince2000(days),
        recorded_at: int(7, "recorded_at")?,
        recorded_by: required(8, "recorded_by")?,
        source_ref: fields[9],
        payload: required(10, "payload")?,
        hash: required(11, "hash")?,
    }))
}

fn int8(field: Option<&[u8]>) -> Option<i64> {
    field
        .and_then(|bytes| <[u8; 8]>::try_from(bytes).ok())
        .map(i64::from_be_bytes)
}

fn malformed(position: u64, reason: &str) -> StoreError {
    StoreError::Corrupt {
        position,
        reason: reason.to_owned(),
    }
}

struct Cursor<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    /// The next `n` bytes, or `None` (the cursor unmoved) when fewer are left.
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.buf.len())?;
        let bytes = &self.buf[self.at..end];
        self.at = end;
        Some(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    /// One tuple in binary COPY form, as the server sends an event row.
    fn tuple(position: i64, source_ref: Option<&str>, payload: Option<&str>) -> Vec<u8> {
        let mut out = COLUMNS.to_be_bytes().to_vec();
        let mut field = |value: Option<&[u8]>| match value {
            Some(bytes) => {
                out.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
                out.extend_from_slice(bytes);
            }
            None => out.extend_from_slice(&(-1i32).to_be_bytes()),
        };
        let days = (NaiveDate::from_ymd_opt(2023, 2, 28).unwrap()
            - NaiveDate::from_ymd_opt(2000, 1, 1).unwrap())
        .num_days() as i32;
        field(Some(&position.to_be_bytes()));
        field(Some(b"household-7"));
        field(Some(&3i64.to_be_bytes()));
        field(Some(&[position as u8; 16]));
        field(Some(b"HouseholdRegistered"));
        field(Some(&1i64.to_be_bytes()));
        field(Some(&days.to_be_bytes()));
        field(Some(&1_700_000_000_000_000i64.to_be_bytes()));
        field(Some("cán bộ".as_bytes()));
        field(source_ref.map(str::as_bytes));
        field(payload.map(str::as_bytes));
        field(Some(&[9; 32]));
        out
    }

    fn stream(tuples: &[Vec<u8>]) -> Vec<u8> {
        let mut out = SIGNATURE.to_vec();
        out.extend_from_slice(&0u32.to_be_bytes());
        out.extend_from_slice(&4u32.to_be_bytes());
        out.extend_from_slice(b"ext!");
        for t in tuples {
            out.extend_from_slice(t);
        }
        out.extend_from_slice(&(-1i16).to_be_bytes());
        out
    }

    fn read(bytes: &[u8], chunk: usize) -> Result<Vec<crate::RecordedEvent>, StoreError> {
        let (mut rows, mut events) = (CopyRows::default(), EventPage::default());
        for part in bytes.chunks(chunk) {
            rows.feed(part, &mut events)?;
        }
        rows.finish()?;
        Ok(events.into_events())
    }

    #[test]
    fn rows_read_the_same_whatever_the_chunks() {
        let bytes = stream(&[
            tuple(1, Some("sheet 3, row 7"), Some(r#"{"members":4}"#)),
            tuple(2, None, Some("{}")),
        ]);
        for chunk in [bytes.len(), 1, 7, 64] {
            let events = read(&bytes, chunk).unwrap();
            assert_eq!(events.len(), 2, "chunks of {chunk}");
            let e = &events[0];
            assert_eq!((e.position, e.stream_version, e.schema_version), (1, 3, 1));
            assert_eq!(
                (e.stream.as_str(), e.kind.as_str()),
                ("household-7", "HouseholdRegistered")
            );
            assert_eq!(e.occurred_on, NaiveDate::from_ymd_opt(2023, 2, 28).unwrap());
            assert_eq!(e.recorded_at.timestamp_micros(), 1_700_000_000_000_000);
            assert_eq!(e.recorded_by, "cán bộ");
            assert_eq!(e.source_ref.as_deref(), Some("sheet 3, row 7"));
            assert_eq!(e.payload, r#"{"members":4}"#);
            assert_eq!((e.event_id.as_bytes(), e.hash), (&[1; 16], [9; 32]));
            assert_eq!(
                (events[1].position, events[1].source_ref.as_deref()),
                (2, None)
            );
        }
    }

    #[test]
    fn a_stream_that_is_not_the_log_is_refused() {
        let good = stream(&[tuple(1, None, Some("{}"))]);
        let mut other = good.clone();
        other[0] = b'X';
        assert!(read(&other, 16).is_err(), "signature");
        assert!(read(&good[..good.len() - 2], 16).is_err(), "no trailer");
        assert!(
            read(&good[..good.len() - 9], 16).is_err(),
            "cut inside a row"
        );
        assert!(
            read(&stream(&[tuple(1, None, None)]), 16).is_err(),
            "NULL payload"
        );
        let mut after = good.clone();
        after.extend_from_slice(&tuple(2, None, Some("{}")));
        assert!(read(&after, 16).is_err(), "a row after the trailer");
    }
}
