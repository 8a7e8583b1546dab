//! Snapshots of the projections: opaque bodies the caller folded from the log up to a
//! position, stored beside the log so start-up need not replay it all. A snapshot is a cache,
//! not a fact: rows may be replaced or pruned, and a reader trusts one only when its
//! `event_hash` equals the hash the log holds at its position ([`StoredSnapshot::matches_log`]).

use chrono::{DateTime, Utc};

use crate::backend::to_sql_int;
use crate::error::StoreError;
use crate::store::EventStore;

/// A snapshot as stored, with what the log holds at its position.
#[derive(Debug, Clone)]
pub struct StoredSnapshot {
    /// The last log position folded into `body`.
    pub position: u64,
    /// The chain hash of the event at `position` when the snapshot was written.
    pub event_hash: Vec<u8>,
    /// The caller's format number (the domain's `SNAPSHOT_FORMAT`).
    pub format: u32,
    pub created_at: DateTime<Utc>,
    pub body: Vec<u8>,
    /// The chain hash the log holds at `position` now.
    pub log_hash: Vec<u8>,
}

impl StoredSnapshot {
    /// True when the snapshot was taken of this log (not of another database or a log that
    /// was since replaced by a restore).
    pub fn matches_log(&self) -> bool {
        self.event_hash == self.log_hash
    }
}

/// Which snapshot to look for: the newest of `format` at or before `at_or_before` whose event
/// was recorded at or before `known_at_micros`.
pub struct SnapshotQuery {
    pub(crate) at_or_before: i64,
    pub(crate) format: i64,
    pub(crate) known_at_micros: i64,
}

/// A snapshot row as the driver decodes it, joined with its event's hash.
#[derive(sqlx::FromRow)]
pub struct RawSnapshot {
    position: i64,
    event_hash: Vec<u8>,
    format: i64,
    created_at: i64,
    body: Vec<u8>,
    log_hash: Vec<u8>,
}

impl RawSnapshot {
    fn into_stored(self) -> Result<StoredSnapshot, StoreError> {
        let position = u64::try_from(self.position).unwrap_or(0);
        let corrupt = |reason: &str| StoreError::Corrupt {
            position,
            reason: format!("snapshot: {reason}"),
        };
        Ok(StoredSnapshot {
            position,
            event_hash: self.event_hash,
            format: u32::try_from(self.format).map_err(|_| corrupt("format out of range"))?,
            created_at: DateTime::from_timestamp_micros(self.created_at)
                .ok_or_else(|| corrupt("created_at out of range"))?,
            body: self.body,
            log_hash: self.log_hash,
        })
    }
}

impl EventStore {
    /// Stores (or replaces) the snapshot of `format` at `position`. The body is taken by value:
    /// SQLite's driver would otherwise copy it (tens of megabytes at province scale) to hand it
    /// to its worker thread.
    pub async fn save_snapshot(
        &self,
        position: u64,
        event_hash: &[u8; 32],
        format: u32,
        body: Vec<u8>,
    ) -> Result<(), StoreError> {
        let now = Utc::now().timestamp_micros();
        self.backend
            .save_snapshot(
                to_sql_int(position),
                event_hash,
                i64::from(format),
                now,
                body,
            )
            .await
    }

    /// The newest snapshot of `format` at or before `at_or_before` (and, with `known_at`,
    /// whose event was recorded by then), whether or not it matches the log: the caller
    /// checks [`StoredSnapshot::matches_log`] and may ask again below a bad one. Snapshots
    /// beyond the stored log are never returned.
    pub async fn latest_snapshot(
        &self,
        at_or_before: u64,
        format: u32,
        known_at: Option<DateTime<Utc>>,
    ) -> Result<Option<StoredSnapshot>, StoreError> {
        let query = SnapshotQuery {
            at_or_before: to_sql_int(at_or_before),
            format: i64::from(format),
            known_at_micros: known_at.map_or(i64::MAX, |t| t.timestamp_micros()),
        };
        self.backend
            .latest_snapshot(&query)
            .await?
            .map(RawSnapshot::into_stored)
            .transpose()
    }

    /// Deletes all but the snapshots at the `keep` newest positions; returns how many went.
    pub async fn prune_snapshots(&self, keep: u32) -> Result<u64, StoreError> {
        self.backend.prune_snapshots(i64::from(keep.max(1))).await
    }

    /// The chain hash of the event at `position`, if there is one.
    pub async fn event_hash_at(&self, position: u64) -> Result<Option<[u8; 32]>, StoreError> {
        if position == 0 {
            return Ok(None);
        }
        let page = self.backend.read_page(position - 1, 1).await?;
        Ok(page
            .into_iter()
            .find(|e| e.position == position)
            .map(|e| e.hash))
    }
}
