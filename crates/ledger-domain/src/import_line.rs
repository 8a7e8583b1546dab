//! The import line format shared by every producer and consumer of NDJSON command files:
//! `{"key": "...", "source_ref": "..."?, "command": {...}}`, and the event ids its lines get.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::command::Command;

/// One line of an import file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportLine {
    /// Unique and stable within the ledger: it names the line's events.
    pub key: String,
    /// The decision or document the fact rests on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ref: Option<String>,
    pub command: Command,
}

/// The id of the `index`th event of the line with `key`: a UUID v5 (URL namespace) of the key,
/// then of `key#index`. Being a function of the key alone, it lets a later line name an
/// earlier line's event (a reversal names the payment it reverses) and makes a re-import
/// recognise what it already recorded.
pub fn line_event_id(key: &str, index: usize) -> Uuid {
    if index == 0 {
        Uuid::new_v5(&Uuid::NAMESPACE_URL, key.as_bytes())
    } else {
        Uuid::new_v5(&Uuid::NAMESPACE_URL, format!("{key}#{index}").as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_depend_on_the_key_and_the_index_only() {
        assert_eq!(line_event_id("a", 0), line_event_id("a", 0));
        assert_ne!(line_event_id("a", 0), line_event_id("b", 0));
        assert_ne!(line_event_id("a", 0), line_event_id("a", 1));
        assert_eq!(
            line_event_id("gen-city-42/payment/1", 0),
            Uuid::new_v5(&Uuid::NAMESPACE_URL, b"gen-city-42/payment/1")
        );
    }
}
