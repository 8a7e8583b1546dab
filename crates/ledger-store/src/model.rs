//! The shapes that cross the store's boundary: what callers append and what they read back.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::ValidationError;
use crate::limits::STREAM_NAME_BYTES_MAX;

/// A stream's name: ASCII letters, digits and `-_.:`, starting with a letter. Only buildable
/// valid, so every layer below `parse` can trust it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct StreamName(String);

impl StreamName {
    pub fn parse(name: impl Into<String>) -> Result<Self, ValidationError> {
        let name = name.into();
        let reason = if name.is_empty() {
            Some("it is empty")
        } else if name.len() > STREAM_NAME_BYTES_MAX {
            Some("it is longer than 128 bytes")
        } else if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            Some("it must start with an ASCII letter")
        } else if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
        {
            Some("only ASCII letters, digits and - _ . : are allowed")
        } else {
            None
        };
        match reason {
            Some(reason) => Err(ValidationError::InvalidStreamName { name, reason }),
            None => Ok(StreamName(name)),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StreamName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for StreamName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        StreamName::parse(String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// What the caller believes the stream's version is. Versions count events from 1; a stream
/// with no events has version 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExpectedVersion {
    Any,
    NoStream,
    Exact(u64),
}

impl ExpectedVersion {
    pub(crate) fn admits(self, actual: u64) -> bool {
        match self {
            ExpectedVersion::Any => true,
            ExpectedVersion::NoStream => actual == 0,
            ExpectedVersion::Exact(n) => actual == n,
        }
    }
}

impl fmt::Display for ExpectedVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpectedVersion::Any => f.write_str("any"),
            ExpectedVersion::NoStream => f.write_str("no stream"),
            ExpectedVersion::Exact(n) => write!(f, "{n}"),
        }
    }
}

/// One event to append. `payload` is a JSON object; its exact bytes are stored and hashed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEvent {
    pub event_id: Uuid,
    pub kind: String,
    pub schema_version: u32,
    pub occurred_on: NaiveDate,
    pub recorded_by: String,
    pub source_ref: Option<String>,
    pub payload: String,
}

/// Events for one stream, guarded by the version the caller expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamAppend {
    pub stream: StreamName,
    pub expected: ExpectedVersion,
    pub events: Vec<NewEvent>,
}

/// One atomic append: every event of every stream lands, or none does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AppendRequest {
    pub streams: Vec<StreamAppend>,
    /// When set, a later append with the same key returns this one's result (same request)
    /// or is refused (another request), whatever its events.
    pub idempotency: Option<IdempotencyKey>,
}

/// A caller's idempotency key and a hash of the request it names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyKey {
    pub key: String,
    pub request_hash: [u8; 32],
}

impl AppendRequest {
    pub fn single(stream: StreamName, expected: ExpectedVersion, events: Vec<NewEvent>) -> Self {
        AppendRequest {
            streams: vec![StreamAppend {
                stream,
                expected,
                events,
            }],
            idempotency: None,
        }
    }

    pub fn event_count(&self) -> usize {
        self.streams.iter().map(|s| s.events.len()).sum()
    }
}

/// Where one appended event landed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppendedEvent {
    pub event_id: Uuid,
    pub stream: StreamName,
    pub stream_version: u64,
    pub position: u64,
}

/// The outcome of an append. `idempotent_replay` is true when every event was already stored
/// with the same content, or the idempotency key was already used for the same request, and
/// nothing was written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appended {
    pub events: Vec<AppendedEvent>,
    pub idempotent_replay: bool,
}

impl Appended {
    pub fn last_position(&self) -> u64 {
        self.events.iter().map(|e| e.position).max().unwrap_or(0)
    }
}

/// An event as stored, with its full envelope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedEvent {
    pub position: u64,
    pub stream: String,
    pub stream_version: u64,
    pub event_id: Uuid,
    pub kind: String,
    pub schema_version: u32,
    pub occurred_on: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
    pub source_ref: Option<String>,
    pub payload: String,
    #[serde(with = "hex_bytes")]
    pub hash: [u8; 32],
}

/// The last event's position and hash; position 0 with the genesis hash for an empty ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Head {
    pub position: u64,
    pub hash: [u8; 32],
    pub recorded_at_micros: i64,
}

impl Head {
    pub fn hash_hex(&self) -> String {
        hex::encode(self.hash)
    }
}

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(d)?;
        let mut out = [0u8; 32];
        hex::decode_to_slice(&text, &mut out).map_err(serde::de::Error::custom)?;
        Ok(out)
    }
}
