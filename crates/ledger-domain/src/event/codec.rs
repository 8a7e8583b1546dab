//! Payload encoding, decoding and upcasting, and the tagged serde form of `Event`.

use std::borrow::Cow;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Event;
use crate::error::DecodeError;

/// The schema version every kind is written at.
pub const CURRENT_SCHEMA_VERSION: u32 = 1;

/// Serialises a payload struct. Payload structs hold only strings, dates, integers and
/// `Dong`, which always serialise, so the error arm is unreachable; it yields `null`
/// rather than panicking.
pub(super) fn encode<T: Serialize>(payload: &T) -> serde_json::Value {
    serde_json::to_value(payload).unwrap_or(serde_json::Value::Null)
}

/// Decodes a payload at the current schema version.
pub(super) fn decode<T: DeserializeOwned>(
    kind: &str,
    payload: &serde_json::Value,
) -> Result<T, DecodeError> {
    T::deserialize(payload).map_err(|error| DecodeError::BadPayload {
        kind: kind.to_owned(),
        message: error.to_string(),
    })
}

/// Decodes a current-version payload straight from its text; `None` sends the caller to the
/// general path, which names the error.
pub(super) fn decode_text<T: DeserializeOwned>(payload: &str) -> Option<T> {
    serde_json::from_str(payload).ok()
}

/// Brings a stored payload up to [`CURRENT_SCHEMA_VERSION`]. When a kind's payload
/// changes, its old version gets an arm here that rewrites the JSON (renamed fields,
/// defaults for new ones); stored bytes are never rewritten.
pub(super) fn upcast<'a>(
    kind: &str,
    schema_version: u32,
    payload: &'a serde_json::Value,
) -> Result<Cow<'a, serde_json::Value>, DecodeError> {
    if !super::EVENT_KINDS.contains(&kind) {
        return Err(DecodeError::UnknownKind {
            kind: kind.to_owned(),
        });
    }
    match schema_version {
        CURRENT_SCHEMA_VERSION => Ok(Cow::Borrowed(payload)),
        _ => Err(DecodeError::UnsupportedVersion {
            kind: kind.to_owned(),
            schema_version,
        }),
    }
}

/// The tagged JSON form: `{"kind": .., "schema_version": .., "payload": {..}}`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Tagged<P> {
    kind: String,
    schema_version: u32,
    payload: P,
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Tagged {
            kind: self.kind().to_owned(),
            schema_version: self.schema_version(),
            payload: self.to_payload(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Event, D::Error> {
        let tagged = Tagged::<serde_json::Value>::deserialize(deserializer)?;
        Event::from_payload(&tagged.kind, tagged.schema_version, &tagged.payload)
            .map_err(serde::de::Error::custom)
    }
}
