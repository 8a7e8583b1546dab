//! Caller-chosen identifiers: `[A-Za-z0-9_.:-]{1,64}`, validated on construction.
//!
//! Ids name entities (households, children, programmes, funding sources, unit codes) and
//! become part of stream names, so they are restricted to a small ASCII alphabet. They
//! are pseudonymous: an id must never be a person's name or ID number.

use std::borrow::Borrow;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The longest id, in bytes: enough for a UUID with a prefix, short enough for stream
/// names and index keys.
pub const ID_LENGTH_MAX: usize = 64;

/// Why a string is not a valid id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a valid id: use 1 to 64 of A-Z a-z 0-9 _ . : -")]
pub struct IdError(pub String);

/// A validated identifier.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Id(String);

impl Id {
    /// Validates `text` as an id.
    pub fn parse(text: &str) -> Result<Id, IdError> {
        Id::try_from(text.to_owned())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
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
            Ok(Id(text))
        } else {
            Err(IdError(text))
        }
    }
}

impl From<Id> for String {
    fn from(id: Id) -> String {
        id.0
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
