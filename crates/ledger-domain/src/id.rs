//! Caller-chosen identifiers: `[A-Za-z0-9_.:-]{1,64}`, validated on construction.
//!
//! Ids name entities (households, children, programmes, funding sources, unit codes) and
//! become part of stream names, so they are restricted to a small ASCII alphabet. They
//! are pseudonymous: an id must never be a person's name or ID number.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};

use compact_str::CompactString;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The longest id, in bytes: enough for a UUID with a prefix, short enough for stream
/// names and index keys.
pub const ID_LENGTH_MAX: usize = 64;

/// Why a string is not a valid id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a valid id: use 1 to 64 of A-Z a-z 0-9 _ . : -")]
pub struct IdError(pub String);

/// A validated identifier. Held inline up to 24 bytes (most ids), so that decoding an event
/// and registering an entity allocate nothing for it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Id(CompactString);

impl Id {
    /// Validates `text` as an id.
    pub fn parse(text: &str) -> Result<Id, IdError> {
        if is_valid_id(text) {
            Ok(Id(CompactString::new(text)))
        } else {
            Err(IdError(text.to_owned()))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// True if `text` is a valid id.
pub fn is_valid_id(text: &str) -> bool {
    (1..=ID_LENGTH_MAX).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-'))
}

impl TryFrom<String> for Id {
    type Error = IdError;

    fn try_from(text: String) -> Result<Id, IdError> {
        if is_valid_id(&text) {
            Ok(Id(CompactString::from(text)))
        } else {
            Err(IdError(text))
        }
    }
}

impl From<Id> for String {
    fn from(id: Id) -> String {
        id.0.into_string()
    }
}

/// Hashes as the text does, so maps keyed by `Id` can be looked up by `&str` ([`Borrow`]).
impl Hash for Id {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Reads the text borrowed where the format allows (no `String` in between).
impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Id, D::Error> {
        struct Text;
        impl serde::de::Visitor<'_> for Text {
            type Value = Id;
            fn expecting(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
                out.write_str("an id: 1 to 64 of A-Z a-z 0-9 _ . : -")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Id, E> {
                Id::parse(text).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Text)
    }
}

impl Borrow<str> for Id {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Id {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Id {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        out.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_accept_the_documented_alphabet_only() {
        assert!(Id::parse("housing-2023").is_ok());
        assert!(Id::parse("a.b:c_d-9").is_ok());
        assert!(Id::parse("").is_err());
        assert!(Id::parse("có dấu").is_err());
        assert!(Id::parse(&"x".repeat(65)).is_err());
        assert!(Id::parse(&"x".repeat(64)).is_ok());
    }
}
