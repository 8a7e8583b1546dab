//! Restoring events recorded elsewhere (an export of another ledger) exactly as they were:
//! same positions, stream versions, times and hashes. The store checks, under its write lock,
//! that every event continues the stored chain, recomputing each hash, before writing any.
//! Like the rest of the store it knows nothing of what the payloads mean.

use std::borrow::Cow;

use foldhash::HashMap;

use crate::error::RestoreError;
use crate::model::{Head, NewEvent, RecordedEvent, StreamName};
use crate::plan::{validate_event, Row};
use crate::verify::ChainCheck;

/// The distinct streams of `events`, for the backend's version lookup.
pub(crate) fn streams_of(events: &[RecordedEvent]) -> Vec<String> {
    let mut streams: Vec<String> = events.iter().map(|e| e.stream.clone()).collect();
    streams.sort_unstable();
    streams.dedup();
    streams
}

/// Checks `events` against the stored `head` and stream `versions`; returns the rows to insert
/// and the new head, or the first event that does not hold.
pub(crate) fn plan_restore(
    head: Head,
    versions: HashMap<String, u64>,
    events: &[RecordedEvent],
) -> Result<(Vec<Row<'_>>, Head), RestoreError> {
    let mut chain = ChainCheck::continuing(head, versions.into_iter().collect());
    let mut rows = Vec::with_capacity(events.len());
    for e in events {
        check_fields(e)?;
        chain.check(e).map_err(|reason| RestoreError::Broken {
            position: e.position,
            reason,
        })?;
        rows.push(Row {
            position: e.position,
            stream: Cow::Borrowed(&e.stream),
            stream_version: e.stream_version,
            event_id: e.event_id,
            kind: Cow::Borrowed(&e.kind),
            schema_version: e.schema_version,
            occurred_on: e.occurred_on,
            recorded_at_micros: e.recorded_at.timestamp_micros(),
            recorded_by: Cow::Borrowed(&e.recorded_by),
            source_ref: e.source_ref.as_deref().map(Cow::Borrowed),
            payload: Cow::Borrowed(&e.payload),
            hash: e.hash,
        });
    }
    Ok((rows, chain.head()))
}

/// The same field rules as an append: a restored log holds nothing an append would refuse.
fn check_fields(e: &RecordedEvent) -> Result<(), RestoreError> {
    let invalid = |error| RestoreError::Invalid {
        position: e.position,
        error,
    };
    StreamName::parse(e.stream.as_str()).map_err(invalid)?;
    validate_event(&NewEvent {
        event_id: e.event_id,
        kind: e.kind.clone(),
        schema_version: e.schema_version,
        occurred_on: e.occurred_on,
        recorded_by: e.recorded_by.clone(),
        source_ref: e.source_ref.clone(),
        payload: e.payload.clone(),
    })
    .map_err(invalid)
}

/// A unique violation on insert can only be an event id: positions and stream versions were
/// checked under the lock.
pub(crate) fn duplicate_or(error: crate::error::StoreError) -> RestoreError {
    match error.is_unique_violation() {
        true => RestoreError::DuplicateEventId,
        false => RestoreError::Store(error),
    }
}
