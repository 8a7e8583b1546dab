//! The write path shared by the HTTP commands and the importer: decide against the live view,
//! append with the expected version of every stream the decision touched, and, when another
//! writer got there first, catch up and decide again.

use chrono::NaiveDate;
use ledger_domain::{decide_dated, Command, DomainError, Event, Ledger};
use ledger_store::{
    AppendError, AppendRequest, Appended, EventStore, ExpectedVersion, IdempotencyKey, NewEvent,
    StoreError, StreamAppend, StreamName,
};
use sha2::{Digest, Sha256};

use crate::limits::WRITE_CONFLICT_RETRIES;
use crate::view::LiveView;

/// A command with what the envelope needs besides the events.
pub struct Submission {
    pub command: Command,
    pub recorded_by: String,
    pub source_ref: Option<String>,
    pub idempotency: Option<IdempotencyKey>,
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Rule(#[from] DomainError),
    #[error(transparent)]
    Append(#[from] AppendError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("event could not be encoded: {0}")]
    Encoding(String),
}

/// The hash an idempotency key is bound to: what was asked, not how the JSON was spaced.
pub fn request_hash(route: &str, command: &Command, source_ref: Option<&str>) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(route.as_bytes());
    h.update([0]);
    h.update(serde_json::to_vec(command).unwrap_or_default());
    h.update([0]);
    h.update(source_ref.unwrap_or("").as_bytes());
    h.finalize().into()
}

pub async fn submit(
    store: &EventStore,
    view: &LiveView,
    submission: &Submission,
) -> Result<Appended, WriteError> {
    if let Some(key) = &submission.idempotency {
        // A retry must not be decided again: the first attempt changed the state it is judged
        // against ("household already registered").
        if let Some(stored) = store.idempotent_result(&key.key).await? {
            return if stored.request_hash == key.request_hash {
                Ok(Appended {
                    idempotent_replay: true,
                    ..stored.result
                })
            } else {
                Err(AppendError::IdempotencyKeyReused {
                    key: key.key.clone(),
                }
                .into())
            };
        }
    }
    let mut attempt = 0;
    loop {
        view.catch_up(store).await?;
        let request = {
            let folded = view.read().await;
            let mut request = build_request(&folded.ledger, submission)?;
            request.idempotency = submission.idempotency.clone();
            request
        };
        match store.append(request).await {
            Ok(appended) => {
                // Read-your-writes: the view holds this append before the caller hears of it.
                view.wait_for(store, appended.last_position()).await?;
                return Ok(appended);
            }
            Err(AppendError::Conflict { .. }) if attempt < WRITE_CONFLICT_RETRIES => attempt += 1,
            Err(error) => return Err(error.into()),
        }
    }
}

/// The decision as an append: entries in the order the domain produced the events, each
/// guarded by the version the decision saw.
pub fn build_request(ledger: &Ledger, s: &Submission) -> Result<AppendRequest, WriteError> {
    let dated = decide_dated(ledger, &s.command)?;
    to_request(
        ledger,
        &dated,
        // Time-ordered (v7), so each id lands at the end of the log's unique index: random
        // ids made every event of a commit dirty an index page of its own (BENCHMARKS.md,
        // thirteenth pass).
        |_| uuid::Uuid::now_v7(),
        &s.recorded_by,
        s.source_ref.as_deref(),
    )
}

/// Groups dated events into ordered stream entries with expected versions taken from
/// `ledger`, naming each event with `event_id(index)`.
pub fn to_request(
    ledger: &Ledger,
    dated: &[(NaiveDate, Event)],
    mut event_id: impl FnMut(usize) -> uuid::Uuid,
    recorded_by: &str,
    source_ref: Option<&str>,
) -> Result<AppendRequest, WriteError> {
    let mut streams: Vec<StreamAppend> = Vec::new();
    for (index, &(occurred_on, ref event)) in dated.iter().enumerate() {
        let name = event.stream();
        let new_event = NewEvent {
            event_id: event_id(index),
            kind: event.kind().to_owned(),
            schema_version: event.schema_version(),
            occurred_on,
            recorded_by: recorded_by.to_owned(),
            source_ref: source_ref.map(str::to_owned),
            payload: serde_json::to_string(&event.to_payload())
                .map_err(|e| WriteError::Encoding(e.to_string()))?,
        };
        match streams.last_mut() {
            Some(last) if last.stream.as_str() == name => last.events.push(new_event),
            _ => {
                let version = ledger.stream_version(&name)
                    + streams
                        .iter()
                        .filter(|s| s.stream.as_str() == name)
                        .map(|s| s.events.len() as u64)
                        .sum::<u64>();
                let expected = match version {
                    0 => ExpectedVersion::NoStream,
                    v => ExpectedVersion::Exact(v),
                };
                let stream = StreamName::parse(name.clone())
                    .map_err(|e| WriteError::Encoding(e.to_string()))?;
                streams.push(StreamAppend {
                    stream,
                    expected,
                    events: vec![new_event],
                });
            }
        }
    }
    Ok(AppendRequest {
        streams,
        idempotency: None,
    })
}
