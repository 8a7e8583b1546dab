//! Snapshots of the projections: opaque bodies the caller folded from the log up to a
//! position, stored beside the log so start-up need not replay it all. A snapshot is a cache,
//! not a fact: rows may be replaced or pruned, and a reader trusts one only when its
//! `event_hash` equals the hash the log holds at its position ([`SnapshotHeader::matches_log`])
//! and its body came back whole ([`StoredSnapshot::body_intact`]).
//!
//! Bodies are stored in pieces ([`SnapshotWriter`]), so that a caller can encode one straight
//! into the database without holding it whole, and so that no body meets the 1 GB limit of a
//! single value.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use crate::backend::to_sql_int;
use crate::error::StoreError;
use crate::limits::SNAPSHOT_PIECE_BYTES;
use crate::store::EventStore;

/// A snapshot as stored: its row and its body as read back.
#[derive(Debug, Clone)]
pub struct StoredSnapshot {
    pub header: SnapshotHeader,
    /// The pieces read back, concatenated in order.
    pub body: Vec<u8>,
    /// Whether `body` has the piece count, length and SHA-256 the header records.
    pub body_intact: bool,
}

/// A stored snapshot's row, with what the log holds at its position: what its body must be,
/// without the body.
#[derive(Debug, Clone)]
pub struct SnapshotHeader {
    /// The last log position folded into the body.
    pub position: u64,
    /// The chain hash of the event at `position` when the snapshot was written.
    pub event_hash: Vec<u8>,
    /// The caller's format number (the domain's `SNAPSHOT_FORMAT`).
    pub format: u32,
    pub created_at: DateTime<Utc>,
    /// The chain hash the log holds at `position` now.
    pub log_hash: Vec<u8>,
    pub pieces: u64,
    pub length: u64,
    pub body_hash: Vec<u8>,
}

impl SnapshotHeader {
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
    pieces: i64,
    length: i64,
    body_hash: Vec<u8>,
    log_hash: Vec<u8>,
}

/// What a finished [`SnapshotWriter`] stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SavedSnapshot {
    pub pieces: u64,
    pub bytes: u64,
}

/// One snapshot being written: each piece is stored as it is handed over, the row naming
/// them last, so that no reader finds a row before its body is complete. Dropped before
/// [`SnapshotWriter::finish`], it leaves pieces without a row, which readers never see and
/// pruning deletes once newer snapshots pass them.
pub struct SnapshotWriter<'a> {
    store: &'a EventStore,
    position: i64,
    format: i64,
    event_hash: [u8; 32],
    body_hash: Sha256,
    pieces: i64,
    bytes: u64,
}

impl SnapshotWriter<'_> {
    /// Stores the next piece of the body. Empty pieces are skipped.
    pub async fn write(&mut self, piece: Vec<u8>) -> Result<(), StoreError> {
        if piece.is_empty() {
            return Ok(());
        }
        self.body_hash.update(&piece);
        self.bytes += piece.len() as u64;
        self.store
            .backend
            .save_snapshot_piece(self.position, self.format, self.pieces, piece)
            .await?;
        self.pieces += 1;
        Ok(())
    }

    /// Stores the row that makes the snapshot visible to readers.
    pub async fn finish(self) -> Result<SavedSnapshot, StoreError> {
        let row = SnapshotRow {
            position: self.position,
            event_hash: self.event_hash,
            format: self.format,
            created_at: Utc::now().timestamp_micros(),
            pieces: self.pieces,
            length: to_sql_int(self.bytes),
            body_hash: self.body_hash.finalize().into(),
        };
        self.store.backend.save_snapshot_row(&row).await?;
        Ok(SavedSnapshot {
            pieces: self.pieces as u64,
            bytes: self.bytes,
        })
    }
}

/// The row of a finished snapshot, as a backend stores it.
pub struct SnapshotRow {
    pub position: i64,
    pub event_hash: [u8; 32],
    pub format: i64,
    pub created_at: i64,
    pub pieces: i64,
    pub length: i64,
    pub body_hash: [u8; 32],
}

/// This store's appends held back (see [`EventStore::pause_appends`]) until it is dropped.
#[must_use = "appends resume when it is dropped"]
pub struct AppendsPaused {
    _held: Option<Box<dyn Send>>,
}

/// Most bytes reserved up front for a body, whatever its row claims: a damaged length must
/// not become an allocation failure.
const BODY_RESERVE_MAX: usize = 1 << 30;

impl EventStore {
    /// Waits for this store's appends and write sessions to let go of the database's write
    /// lock, and holds them back until the guard is dropped. On SQLite a snapshot's pieces
    /// need that lock, and a write session (an import) keeps it for its whole life: a writer
    /// of a snapshot takes its turn here before it holds anything that others wait for.
    /// Immediate on PostgreSQL, whose writers do not exclude one another.
    pub async fn pause_appends(&self) -> AppendsPaused {
        AppendsPaused {
            _held: self.backend.pause_appends().await,
        }
    }

    /// Begins (or begins replacing) the snapshot of `format` at `position`: removes any
    /// stored one there, so a reader falls back to an older snapshot until this one finishes.
    pub async fn begin_snapshot(
        &self,
        position: u64,
        event_hash: &[u8; 32],
        format: u32,
    ) -> Result<SnapshotWriter<'_>, StoreError> {
        let (position, format) = (to_sql_int(position), i64::from(format));
        self.backend.clear_snapshot(position, format).await?;
        Ok(SnapshotWriter {
            store: self,
            position,
            format,
            event_hash: *event_hash,
            body_hash: Sha256::new(),
            pieces: 0,
            bytes: 0,
        })
    }

    /// Stores (or replaces) the snapshot of `format` at `position` from a body held whole, in
    /// pieces of [`SNAPSHOT_PIECE_BYTES`].
    pub async fn save_snapshot(
        &self,
        position: u64,
        event_hash: &[u8; 32],
        format: u32,
        body: Vec<u8>,
    ) -> Result<SavedSnapshot, StoreError> {
        let mut writer = self.begin_snapshot(position, event_hash, format).await?;
        for piece in body.chunks(SNAPSHOT_PIECE_BYTES) {
            writer.write(piece.to_vec()).await?;
        }
        writer.finish().await
    }

    /// The newest snapshot of `format` at or before `at_or_before` (and, with `known_at`,
    /// whose event was recorded by then), whether or not it matches the log or came back
    /// whole: the caller checks [`SnapshotHeader::matches_log`] and
    /// [`StoredSnapshot::body_intact`] and may ask again below a bad one. Snapshots beyond
    /// the stored log are never returned.
    pub async fn latest_snapshot(
        &self,
        at_or_before: u64,
        format: u32,
        known_at: Option<DateTime<Utc>>,
    ) -> Result<Option<StoredSnapshot>, StoreError> {
        let Some(header) = self
            .latest_snapshot_header(at_or_before, format, known_at)
            .await?
        else {
            return Ok(None);
        };
        let (to_body, mut arriving) = mpsc::channel::<Vec<u8>>(1);
        let reserve = usize::try_from(header.length)
            .unwrap_or(0)
            .min(BODY_RESERVE_MAX);
        let assemble = async move {
            let mut body = Vec::with_capacity(reserve);
            while let Some(piece) = arriving.recv().await {
                body.extend_from_slice(&piece);
            }
            body
        };
        let (intact, body) = tokio::join!(self.send_snapshot_body(&header, to_body), assemble);
        Ok(Some(StoredSnapshot {
            header,
            body,
            body_intact: intact?,
        }))
    }

    /// The row of the snapshot [`EventStore::latest_snapshot`] would return, without its body.
    pub async fn latest_snapshot_header(
        &self,
        at_or_before: u64,
        format: u32,
        known_at: Option<DateTime<Utc>>,
    ) -> Result<Option<SnapshotHeader>, StoreError> {
        let query = SnapshotQuery {
            at_or_before: to_sql_int(at_or_before),
            format: i64::from(format),
            known_at_micros: known_at.map_or(i64::MAX, |t| t.timestamp_micros()),
        };
        let Some(raw) = self.backend.latest_snapshot(&query).await? else {
            return Ok(None);
        };
        let position = u64::try_from(raw.position).unwrap_or(0);
        let corrupt = |reason: &str| StoreError::Corrupt {
            position,
            reason: format!("snapshot: {reason}"),
        };
        Ok(Some(SnapshotHeader {
            position,
            event_hash: raw.event_hash,
            format: u32::try_from(raw.format).map_err(|_| corrupt("format out of range"))?,
            created_at: DateTime::from_timestamp_micros(raw.created_at)
                .ok_or_else(|| corrupt("created_at out of range"))?,
            log_hash: raw.log_hash,
            pieces: u64::try_from(raw.pieces).map_err(|_| corrupt("piece count out of range"))?,
            length: u64::try_from(raw.length).map_err(|_| corrupt("length out of range"))?,
            body_hash: raw.body_hash,
        }))
    }

    /// Sends the pieces of `header`'s body to `to` in order, one read at a time, so that
    /// neither side need hold the body whole. True when every piece was sent and together
    /// they have the count, length and SHA-256 the header records; false when one is missing
    /// or altered, or when `to` was closed before the end.
    pub async fn send_snapshot_body(
        &self,
        header: &SnapshotHeader,
        to: mpsc::Sender<Vec<u8>>,
    ) -> Result<bool, StoreError> {
        let (position, format) = (to_sql_int(header.position), i64::from(header.format));
        let (mut hash, mut length) = (Sha256::new(), 0u64);
        for seq in 0..header.pieces {
            let piece = self
                .backend
                .snapshot_piece(position, format, to_sql_int(seq))
                .await?;
            let Some(piece) = piece else {
                return Ok(false);
            };
            hash.update(&piece);
            length += piece.len() as u64;
            if to.send(piece).await.is_err() {
                return Ok(false);
            }
        }
        Ok(length == header.length && hash.finalize().as_slice() == header.body_hash.as_slice())
    }

    /// Deletes all but the snapshots at the `keep` newest positions, with their pieces and any
    /// pieces left below them by an unfinished write; returns how many snapshots went.
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
            .iter()
            .find(|e| e.position == position)
            .map(|e| *e.hash))
    }
}
