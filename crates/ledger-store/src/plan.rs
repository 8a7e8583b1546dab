//! The writer's decisions for one batch, as a pure function: which requests land, at which
//! positions and versions, with which hashes. Backends fetch the facts it needs (head, stream
//! versions, already-stored event ids), call [`plan_batch`], and write the rows it returns.

use std::borrow::Cow;

use chrono::NaiveDate;
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use serde_json::value::RawValue;
use uuid::Uuid;

use crate::error::{AppendError, ValidationError};
use crate::hash::{chain_hash, HashInput};
use crate::limits::*;
use crate::model::{
    AppendRequest, Appended, AppendedEvent, Head, IdempotencyKey, NewEvent, StreamName,
};

/// Checks what can be checked without the database. Runs before a request reaches the writer.
pub(crate) fn validate(request: &AppendRequest) -> Result<(), ValidationError> {
    if let Some(k) = &request.idempotency {
        if k.key.is_empty() || k.key.len() > IDEMPOTENCY_KEY_BYTES_MAX {
            return Err(ValidationError::InvalidIdempotencyKey);
        }
    }
    let count = request.event_count();
    if count == 0 {
        return Err(ValidationError::EmptyAppend);
    }
    if count > EVENTS_PER_APPEND_MAX {
        return Err(ValidationError::TooManyEvents {
            count,
            max: EVENTS_PER_APPEND_MAX,
        });
    }
    if request.streams.len() > STREAMS_PER_APPEND_MAX {
        return Err(ValidationError::TooManyStreams {
            count: request.streams.len(),
            max: STREAMS_PER_APPEND_MAX,
        });
    }
    let mut ids = HashSet::with_capacity(count);
    for s in &request.streams {
        if s.events.is_empty() {
            return Err(ValidationError::EmptyStream {
                stream: s.stream.to_string(),
            });
        }
        for e in &s.events {
            if !ids.insert(e.event_id) {
                return Err(ValidationError::DuplicateEventId {
                    event_id: e.event_id,
                });
            }
            validate_event(e)?;
        }
    }
    Ok(())
}

pub(crate) fn validate_event(e: &NewEvent) -> Result<(), ValidationError> {
    let invalid = |field, reason| ValidationError::InvalidField {
        event_id: e.event_id,
        field,
        reason,
    };
    if e.kind.is_empty() || e.kind.len() > KIND_BYTES_MAX {
        return Err(invalid("kind", "must be 1 to 64 bytes"));
    }
    if !e
        .kind
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        return Err(invalid(
            "kind",
            "may hold only ASCII letters, digits, _ and .",
        ));
    }
    if e.recorded_by.is_empty() || e.recorded_by.len() > RECORDED_BY_BYTES_MAX {
        return Err(invalid("recorded_by", "must be 1 to 128 bytes"));
    }
    if e.source_ref
        .as_ref()
        .is_some_and(|s| s.len() > SOURCE_REF_BYTES_MAX)
    {
        return Err(invalid("source_ref", "must be at most 256 bytes"));
    }
    if e.schema_version == 0 {
        return Err(invalid("schema_version", "must be at least 1"));
    }
    if e.payload.len() > PAYLOAD_BYTES_MAX {
        return Err(ValidationError::PayloadTooLarge {
            event_id: e.event_id,
            bytes: e.payload.len(),
            max: PAYLOAD_BYTES_MAX,
        });
    }
    let raw: &RawValue =
        serde_json::from_str(&e.payload).map_err(|err| ValidationError::PayloadNotJson {
            event_id: e.event_id,
            reason: err.to_string(),
        })?;
    if !raw.get().starts_with('{') {
        return Err(ValidationError::PayloadNotObject {
            event_id: e.event_id,
        });
    }
    Ok(())
}

/// What the database said before planning: facts read inside the batch's transaction.
pub(crate) struct BatchFacts {
    pub head: Head,
    /// Current version of each stream the batch touches; absent means no stream (0).
    pub versions: HashMap<String, u64>,
    /// Events of the batch whose ids are already stored.
    pub existing: HashMap<Uuid, StoredRow>,
    /// Idempotency keys of the batch already stored: request hash and original result.
    pub keys: HashMap<String, StoredKey>,
}

/// What an idempotency key answers for: the request's hash and its original result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredKey {
    pub request_hash: Vec<u8>,
    pub result: Appended,
}

/// One row to insert. A planned row borrows its text from the request it came from, a row
/// read back from the database owns it: copying every field of every event cost an import
/// five allocations, copies and cross-thread frees per event.
#[derive(Clone, Debug)]
pub(crate) struct Row<'a> {
    pub position: u64,
    pub stream: Cow<'a, str>,
    pub stream_version: u64,
    pub event_id: Uuid,
    pub kind: Cow<'a, str>,
    pub schema_version: u32,
    pub occurred_on: NaiveDate,
    pub recorded_at_micros: i64,
    pub recorded_by: Cow<'a, str>,
    pub source_ref: Option<Cow<'a, str>>,
    pub payload: Cow<'a, str>,
    pub hash: [u8; 32],
}

/// A row read back from the database.
pub(crate) type StoredRow = Row<'static>;

impl Row<'_> {
    fn same_content(&self, stream: &StreamName, e: &NewEvent) -> bool {
        self.stream == stream.as_str()
            && self.kind == e.kind.as_str()
            && self.schema_version == e.schema_version
            && self.occurred_on == e.occurred_on
            && self.recorded_by == e.recorded_by.as_str()
            && self.source_ref.as_deref() == e.source_ref.as_deref()
            && self.payload == e.payload.as_str()
    }
}

pub(crate) struct Plan<'a> {
    pub rows: Vec<Row<'a>>,
    /// Idempotency keys to store with the rows: (key, request hash, result as JSON).
    pub keys: Vec<(String, [u8; 32], String)>,
    pub outcomes: Vec<Result<Appended, AppendError>>,
    pub head: Head,
}

/// Idempotency keys the backend must look up before planning.
pub(crate) fn key_lookups(requests: &[&AppendRequest]) -> Vec<String> {
    requests
        .iter()
        .filter_map(|r| r.idempotency.as_ref().map(|k| k.key.clone()))
        .collect()
}

/// Stream names and event ids the backend must look up before planning.
pub(crate) fn lookups(requests: &[&AppendRequest]) -> (Vec<String>, Vec<Uuid>) {
    let mut streams: Vec<String> = requests
        .iter()
        .flat_map(|r| r.streams.iter().map(|s| s.stream.to_string()))
        .collect();
    streams.sort_unstable();
    streams.dedup();
    let ids = requests
        .iter()
        .flat_map(|r| {
            r.streams
                .iter()
                .flat_map(|s| s.events.iter().map(|e| e.event_id))
        })
        .collect();
    (streams, ids)
}

/// Decides every request of a batch in order. A refused request writes nothing and does not
/// affect the others; later requests see the versions earlier ones produced.
pub(crate) fn plan_batch<'a>(
    mut facts: BatchFacts,
    requests: &[&'a AppendRequest],
    now_micros: i64,
) -> Plan<'a> {
    let mut rows = Vec::with_capacity(requests.iter().map(|r| r.event_count()).sum());
    let mut outcomes = Vec::with_capacity(requests.len());
    let recorded_at_micros = now_micros.max(facts.head.recorded_at_micros);
    let mut in_batch = HashMap::new();
    let mut keys = Vec::new();
    for request in requests {
        if let Some(answer) = replay_of_key(&facts.keys, request.idempotency.as_ref()) {
            outcomes.push(answer);
            continue;
        }
        let outcome = match replay_of_stored(&facts.existing, &in_batch, &rows, request) {
            Some(result) => result,
            None => plan_request(
                &mut facts,
                request,
                recorded_at_micros,
                &mut rows,
                &mut in_batch,
            ),
        };
        if let (Some(k), Ok(appended)) = (&request.idempotency, &outcome) {
            if !appended.idempotent_replay {
                remember_key(&mut facts.keys, &mut keys, k, appended);
            }
        }
        outcomes.push(outcome);
    }
    Plan {
        rows,
        keys,
        outcomes,
        head: facts.head,
    }
}

/// `Some` when the request's idempotency key is known: its original result for the same
/// request, a refusal for another.
fn replay_of_key(
    keys: &HashMap<String, StoredKey>,
    key: Option<&IdempotencyKey>,
) -> Option<Result<Appended, AppendError>> {
    let key = key?;
    let stored = keys.get(&key.key)?;
    Some(if stored.request_hash == key.request_hash {
        Ok(Appended {
            idempotent_replay: true,
            ..stored.result.clone()
        })
    } else {
        Err(AppendError::IdempotencyKeyReused {
            key: key.key.clone(),
        })
    })
}

fn remember_key(
    known: &mut HashMap<String, StoredKey>,
    to_store: &mut Vec<(String, [u8; 32], String)>,
    key: &IdempotencyKey,
    appended: &Appended,
) {
    // Serialising plain structs of strings and numbers cannot fail.
    let json = serde_json::to_string(appended).unwrap_or_default();
    known.insert(
        key.key.clone(),
        StoredKey {
            request_hash: key.request_hash.to_vec(),
            result: appended.clone(),
        },
    );
    to_store.push((key.key.clone(), key.request_hash, json));
}

/// `Some` when the request's events are already stored: the original result if the content
/// matches, an error otherwise. `None` when none of its ids is known.
fn replay_of_stored(
    existing: &HashMap<Uuid, StoredRow>,
    in_batch: &HashMap<Uuid, usize>,
    rows: &[Row<'_>],
    request: &AppendRequest,
) -> Option<Result<Appended, AppendError>> {
    let mut found = Vec::new();
    let mut missing = None;
    for s in &request.streams {
        for e in &s.events {
            let stored = existing
                .get(&e.event_id)
                .or_else(|| in_batch.get(&e.event_id).map(|&i| &rows[i]));
            match stored {
                Some(stored) if stored.same_content(&s.stream, e) => found.push(AppendedEvent {
                    event_id: e.event_id,
                    stream: s.stream.clone(),
                    stream_version: stored.stream_version,
                    position: stored.position,
                }),
                Some(_) => {
                    return Some(Err(AppendError::IdempotencyMismatch {
                        event_id: e.event_id,
                    }))
                }
                None => missing = missing.or(Some(e.event_id)),
            }
        }
    }
    match (found.first(), missing) {
        (None, _) => None,
        (Some(first), Some(_)) => Some(Err(AppendError::PartialRetry {
            event_id: first.event_id,
        })),
        (Some(_), None) => Some(Ok(Appended {
            events: found,
            idempotent_replay: true,
        })),
    }
}

fn plan_request<'a>(
    facts: &mut BatchFacts,
    request: &'a AppendRequest,
    recorded_at_micros: i64,
    rows: &mut Vec<Row<'a>>,
    in_batch: &mut HashMap<Uuid, usize>,
) -> Result<Appended, AppendError> {
    // Entries apply in order, and a stream may appear more than once (an importer keeps the
    // order of facts across streams): each expectation holds against the version left by the
    // entries before it. Checked in full before anything is planned, so a refusal leaves no
    // trace in the batch.
    let mut simulated: HashMap<&str, u64> = HashMap::new();
    for s in &request.streams {
        let name = s.stream.as_str();
        let actual = simulated
            .get(name)
            .copied()
            .unwrap_or_else(|| facts.versions.get(name).copied().unwrap_or(0));
        if !s.expected.admits(actual) {
            return Err(AppendError::Conflict {
                stream: s.stream.to_string(),
                expected: s.expected,
                actual,
            });
        }
        simulated.insert(name, actual + s.events.len() as u64);
    }
    let mut appended = Vec::with_capacity(request.event_count());
    for s in &request.streams {
        let name = s.stream.as_str();
        let mut version = facts.versions.get(name).copied().unwrap_or(0);
        for e in &s.events {
            version += 1;
            let position = facts.head.position + 1;
            let hash = chain_hash(
                &facts.head.hash,
                &HashInput {
                    position,
                    stream: s.stream.as_str(),
                    stream_version: version,
                    event_id: e.event_id,
                    kind: &e.kind,
                    schema_version: e.schema_version,
                    occurred_on: e.occurred_on,
                    recorded_at_micros,
                    recorded_by: &e.recorded_by,
                    source_ref: e.source_ref.as_deref(),
                    payload: &e.payload,
                },
            );
            facts.head = Head {
                position,
                hash,
                recorded_at_micros,
            };
            in_batch.insert(e.event_id, rows.len());
            rows.push(Row {
                position,
                stream: Cow::Borrowed(s.stream.as_str()),
                stream_version: version,
                event_id: e.event_id,
                kind: Cow::Borrowed(&e.kind),
                schema_version: e.schema_version,
                occurred_on: e.occurred_on,
                recorded_at_micros,
                recorded_by: Cow::Borrowed(&e.recorded_by),
                source_ref: e.source_ref.as_deref().map(Cow::Borrowed),
                payload: Cow::Borrowed(&e.payload),
                hash,
            });
            appended.push(AppendedEvent {
                event_id: e.event_id,
                stream: s.stream.clone(),
                stream_version: version,
                position,
            });
        }
        match facts.versions.get_mut(name) {
            Some(stored) => *stored = version,
            None => {
                facts.versions.insert(name.to_owned(), version);
            }
        }
    }
    Ok(Appended {
        events: appended,
        idempotent_replay: false,
    })
}
