//! Recomputes the hash chain from the stored bytes and checks every structural invariant of the
//! log, stopping at the first event that breaks one.

use std::collections::HashMap;

use serde::Serialize;

use crate::backend::StorageBackend;
use crate::error::StoreError;
use crate::hash::{chain_hash, GENESIS_HASH};
use crate::limits::READ_PAGE_ROWS;
use crate::model::{Head, RecordedEvent};
use crate::page::EventRef;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerifyFailure {
    /// The first position that does not hold.
    pub position: u64,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub events_checked: u64,
    pub head_position: u64,
    pub head_hash: String,
    pub failure: Option<VerifyFailure>,
}

impl VerifyReport {
    pub fn is_whole(&self) -> bool {
        self.failure.is_none()
    }
}

/// The chain's rules applied one event at a time: gapless positions, stream versions that
/// follow on, `recorded_at` that never decreases, and a hash equal to the one recomputed from
/// the previous hash and the event's fields. `verify`, `restore` and importers of exported
/// logs share it. Memory grows with the number of streams, not of events.
pub struct ChainCheck {
    previous: Head,
    stream_versions: HashMap<String, u64>,
}

impl Default for ChainCheck {
    fn default() -> Self {
        ChainCheck::from_genesis()
    }
}

impl ChainCheck {
    /// A check for a log that starts at position 1.
    pub fn from_genesis() -> ChainCheck {
        ChainCheck {
            previous: Head {
                position: 0,
                hash: GENESIS_HASH,
                recorded_at_micros: i64::MIN,
            },
            stream_versions: HashMap::new(),
        }
    }

    /// A check for events continuing a stored log with `head` and these stream versions.
    pub(crate) fn continuing(head: Head, stream_versions: HashMap<String, u64>) -> ChainCheck {
        ChainCheck {
            previous: head,
            stream_versions,
        }
    }

    /// The last event accepted (position 0 and the genesis hash before any).
    pub fn head(&self) -> Head {
        self.previous
    }

    /// Accepts `e` if it continues the chain; otherwise says why not and changes nothing.
    pub fn check(&mut self, e: &RecordedEvent) -> Result<(), String> {
        self.check_ref(&EventRef::from(e))
    }

    /// [`check`](Self::check) of an event borrowed from a page.
    pub fn check_ref(&mut self, e: &EventRef<'_>) -> Result<(), String> {
        let expected_position = self.previous.position + 1;
        if e.position != expected_position {
            return Err(format!(
                "expected position {expected_position}, found {}: the log has a gap",
                e.position
            ));
        }
        let recorded_at_micros = e.recorded_at.timestamp_micros();
        if recorded_at_micros < self.previous.recorded_at_micros {
            return Err("recorded_at is earlier than the previous event's".to_owned());
        }
        let version = self.stream_versions.get(e.stream).copied().unwrap_or(0);
        if e.stream_version != version + 1 {
            return Err(format!(
                "stream {} jumps from version {} to {}",
                e.stream, version, e.stream_version
            ));
        }
        let recomputed = chain_hash(&self.previous.hash, &e.hash_input());
        if recomputed != *e.hash {
            return Err(format!(
                "stored hash {} differs from the recomputed {}: a field or the payload of this \
                 event was altered",
                hex::encode(e.hash),
                hex::encode(recomputed)
            ));
        }
        self.stream_versions
            .insert(e.stream.to_owned(), e.stream_version);
        self.previous = Head {
            position: e.position,
            hash: *e.hash,
            recorded_at_micros,
        };
        Ok(())
    }
}

/// Checks the whole log; `progress(events_checked)` is called after each page.
pub(crate) async fn verify_log(
    backend: &dyn StorageBackend,
    mut progress: impl FnMut(u64),
) -> Result<VerifyReport, StoreError> {
    let stored_head = backend.head().await?;
    let mut chain = ChainCheck::from_genesis();
    let report = |chain: &ChainCheck, failure| VerifyReport {
        events_checked: chain.previous.position,
        head_position: stored_head.position,
        head_hash: stored_head.hash_hex(),
        failure,
    };
    loop {
        let page = match backend
            .read_page(chain.previous.position, READ_PAGE_ROWS)
            .await
        {
            Ok(page) => page,
            Err(StoreError::Corrupt { position, reason }) => {
                return Ok(report(&chain, Some(VerifyFailure { position, reason })))
            }
            Err(other) => return Err(other),
        };
        if page.is_empty() {
            break;
        }
        for e in page.iter() {
            if let Err(reason) = chain.check_ref(&e) {
                let position = e.position.min(chain.previous.position + 1);
                return Ok(report(&chain, Some(VerifyFailure { position, reason })));
            }
        }
        progress(chain.previous.position);
    }
    let failure = (chain.previous.position != stored_head.position
        || chain.previous.hash != stored_head.hash)
        .then(|| VerifyFailure {
            position: stored_head.position.max(chain.previous.position),
            reason: format!(
                "the head row says position {} hash {}, but the log ends at position {} hash {}",
                stored_head.position,
                stored_head.hash_hex(),
                chain.previous.position,
                hex::encode(chain.previous.hash)
            ),
        });
    Ok(report(&chain, failure))
}
