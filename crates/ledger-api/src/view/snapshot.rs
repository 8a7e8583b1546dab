//! Snapshots of the live view: the folded `Ledger` stored beside the log so that start-up and
//! historical queries continue from the newest usable one instead of position 1.
//!
//! A snapshot is only ever a shortcut: one of another format, one whose event hash differs
//! from the log's at its position, or one that does not deserialize is ignored with a warning
//! and the log is replayed instead. Nothing here can stop a server from starting.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use ledger_domain::{Ledger, SNAPSHOT_FORMAT};
use ledger_store::limits::SNAPSHOTS_KEPT;
use ledger_store::{EventStore, StoreError};

use super::{Folded, LiveView};

/// Why a snapshot could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("serializing the projections: {0}")]
    Encode(#[from] postcard::Error),
    #[error("the serializing task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error("the log holds no event at position {0}")]
    NoEvent(u64),
}

/// What writing one snapshot took.
#[derive(Debug, Clone, Copy)]
pub struct Written {
    pub position: u64,
    pub bytes: usize,
    pub encode: Duration,
    pub save: Duration,
}

/// The body of a snapshot: postcard, serde's compact binary form. JSON was measured first
/// at province scale (1M events): 237 MB, 0.8–0.9 s to decode, start-up 1.3–2.0 s; postcard
/// cuts both size and decoding several-fold (`ledger-bench startup`, BENCHMARKS.md). Money
/// stays the `Dong` digit string inside it.
pub fn encode(ledger: &Ledger) -> Result<Vec<u8>, postcard::Error> {
    postcard::to_stdvec(ledger)
}

/// A snapshot body back into a ledger.
pub fn decode(body: &[u8]) -> Result<Ledger, postcard::Error> {
    postcard::from_bytes(body)
}

/// The ledger's latest business date read from the first bytes of a body (the field comes
/// first in `Ledger`), without decoding the rest.
pub fn latest_occurred_on(body: &[u8]) -> Result<Option<NaiveDate>, postcard::Error> {
    postcard::take_from_bytes::<Option<NaiveDate>>(body).map(|(date, _)| date)
}

/// Writes `folded` as a snapshot of the current format, bound to the hash of the event at its
/// position, then prunes all but the newest few. `None` for an empty log. The encoding runs on
/// a blocking thread so the runtime's workers keep serving.
pub async fn write(store: &EventStore, folded: Folded) -> Result<Option<Written>, SnapshotError> {
    if folded.position == 0 {
        return Ok(None);
    }
    let position = folded.position;
    let hash = store
        .event_hash_at(position)
        .await?
        .ok_or(SnapshotError::NoEvent(position))?;
    let started = Instant::now();
    let body = tokio::task::spawn_blocking(move || encode(&folded.ledger)).await??;
    let encode = started.elapsed();
    let started = Instant::now();
    let bytes = body.len();
    store
        .save_snapshot(position, &hash, SNAPSHOT_FORMAT, body)
        .await?;
    store.prune_snapshots(SNAPSHOTS_KEPT).await?;
    Ok(Some(Written {
        position,
        bytes,
        encode,
        save: started.elapsed(),
    }))
}

/// The newest usable snapshot at or before `at_or_before` whose event was recorded by
/// `known_at` (any time when `None`) and, with `as_of`, holding no event that occurred after
/// it; or `None` to replay from the start. Unusable ones are logged and passed over for older
/// ones; an error reading them is logged, not returned.
pub async fn load(
    store: &EventStore,
    at_or_before: u64,
    known_at: Option<DateTime<Utc>>,
    as_of: Option<NaiveDate>,
) -> Option<Folded> {
    let mut bound = at_or_before;
    while bound > 0 {
        let candidate = match store
            .latest_snapshot(bound, SNAPSHOT_FORMAT, known_at)
            .await
        {
            Ok(found) => found?,
            Err(error) => {
                tracing::warn!(%error, "cannot read projection snapshots; replaying the log");
                return None;
            }
        };
        let position = candidate.position;
        let occurred_too_late = as_of.is_some_and(|as_of| {
            latest_occurred_on(&candidate.body).map_or(true, |latest| latest > Some(as_of))
        });
        if occurred_too_late {
            // Not a prefix of the `as_of` replay: something in it occurred after that date.
            bound = position - 1;
            continue;
        }
        if candidate.matches_log() {
            match usable(candidate.body, position).await {
                Ok(ledger) => return Some(Folded { ledger, position }),
                Err(reason) => {
                    tracing::warn!(position, %reason, "projection snapshot unreadable; ignored")
                }
            }
        } else {
            tracing::warn!(
                position,
                "projection snapshot does not match the log's hash at its position; ignored"
            );
        }
        bound = position - 1;
    }
    None
}

/// Decodes a body on a blocking thread and checks it claims no event beyond its position.
async fn usable(body: Vec<u8>, position: u64) -> Result<Ledger, String> {
    let ledger = tokio::task::spawn_blocking(move || decode(&body))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    if ledger.last_position() > position {
        return Err(format!(
            "it holds position {} beyond its own {position}",
            ledger.last_position()
        ));
    }
    Ok(ledger)
}

/// How often the periodic writer looks at the view when no commit wakes it.
const RECHECK_EVERY: Duration = Duration::from_secs(1);

/// Writes a snapshot of `view` whenever it has folded `every` events since the last one, until
/// the task is aborted. Runs beside the server; each write clones the view under its read lock
/// (so writers wait only for the copy) and encodes the copy elsewhere.
pub async fn every(view: Arc<LiveView>, store: Arc<EventStore>, every: u64) {
    let mut committed = store.subscribe();
    loop {
        let position = view.read().await.position;
        if position >= view.snapshot_position().saturating_add(every) {
            match view.write_snapshot(&store).await {
                Ok(Some(w)) => tracing::info!(
                    position = w.position,
                    bytes = w.bytes,
                    encode_ms = w.encode.as_millis() as u64,
                    "projection snapshot written"
                ),
                Ok(None) => {}
                Err(error) => tracing::warn!(%error, "projection snapshot not written"),
            }
        }
        // Commits wake it at once; the tick covers a view caught up later than the commit
        // that it folds (an import catches up once at its end).
        tokio::select! {
            changed = committed.changed() => if changed.is_err() { return },
            () = tokio::time::sleep(RECHECK_EVERY) => {}
        }
    }
}
