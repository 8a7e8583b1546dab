//! Tokens read recently, so that an authenticated request does not cost a database round
//! trip: over HTTP with 64 connections on two cores, appends went from 5.7–8.6k to
//! 7.8–10.3k events/s on SQLite and from 4.0–4.3k to 4.1–5.1k on PostgreSQL (back to back,
//! BENCHMARKS.md).
//! A revocation through the same store is forgotten at once; one made by another process
//! (`welfare-ledger token revoke`, another server) holds once an entry is older than
//! [`TOKEN_RECHECK`](crate::limits::TOKEN_RECHECK).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::limits::TOKENS_CACHED_MAX;
use crate::tokens::TokenRecord;

pub(crate) struct TokenCache {
    recheck: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

struct Entry {
    record: TokenRecord,
    secret_hash: Vec<u8>,
    read_at: Instant,
}

impl TokenCache {
    pub(crate) fn new(recheck: Duration) -> Self {
        TokenCache {
            recheck,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The token `id` as read less than `recheck` ago.
    pub(crate) fn fresh(&self, id: &str) -> Option<(TokenRecord, Vec<u8>)> {
        let entries = self.entries.lock().ok()?;
        let entry = entries.get(id)?;
        (entry.read_at.elapsed() < self.recheck)
            .then(|| (entry.record.clone(), entry.secret_hash.clone()))
    }

    /// Keeps what the database said of a token that exists.
    pub(crate) fn keep(&self, record: &TokenRecord, secret_hash: &[u8]) {
        if self.recheck.is_zero() {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= TOKENS_CACHED_MAX {
                entries.clear();
            }
            entries.insert(
                record.id.clone(),
                Entry {
                    record: record.clone(),
                    secret_hash: secret_hash.to_vec(),
                    read_at: Instant::now(),
                },
            );
        }
    }

    pub(crate) fn forget(&self, id: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(id);
        }
    }
}
