//! Snapshots of the live view: the folded `Ledger` stored beside the log so that start-up and
//! historical queries continue from the newest usable one instead of position 1.
//!
//! A snapshot is only ever a shortcut: one of another format, one whose event hash differs
//! from the log's at its position, one whose pieces do not make the body its row records, or
//! one that does not deserialize is ignored with a warning and the log is replayed instead.
//! Nothing here can stop a server from starting.

use std::ops::Deref;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use ledger_domain::{Ledger, SNAPSHOT_FORMAT};
use ledger_store::limits::{SNAPSHOTS_KEPT, SNAPSHOT_PIECE_BYTES};
use ledger_store::{EventStore, SnapshotHeader, StoreError};
use tokio::sync::{mpsc, OwnedMutexGuard, OwnedRwLockReadGuard};

use super::{Folded, LiveView};

mod owned;
mod pieces;

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
    pub bytes: u64,
    pub pieces: u64,
    /// From the start of encoding to its end: how long the ledger was held still.
    pub encode: Duration,
    /// From the start of encoding until the last piece and the row were stored.
    pub save: Duration,
}

/// A live view held still for a snapshot: its read guard, and the gate that keeps a catch-up
/// from queueing for the write lock (see `LiveView::encoding`). Both go when it is dropped.
pub struct Pinned {
    _encoding: OwnedMutexGuard<()>,
    folded: OwnedRwLockReadGuard<Folded>,
}

impl Pinned {
    pub(super) fn new(encoding: OwnedMutexGuard<()>, folded: OwnedRwLockReadGuard<Folded>) -> Self {
        Pinned {
            _encoding: encoding,
            folded,
        }
    }
}

impl Deref for Pinned {
    type Target = Folded;

    fn deref(&self) -> &Folded {
        &self.folded
    }
}

/// The body of a snapshot: postcard, serde's compact binary form. JSON was measured first
/// at province scale (1M events): 237 MB, 0.8–0.9 s to decode, start-up 1.3–2.0 s; postcard
/// cuts both size and decoding several-fold (`ledger-bench startup`, BENCHMARKS.md). Money
/// is a whole number of dong inside it (`Dong`'s compact form), never a float.
pub fn encode(ledger: &Ledger) -> Result<Vec<u8>, postcard::Error> {
    postcard::to_stdvec(ledger)
}

/// SHA-256 of the ledger's snapshot form with its maps in key order
/// ([`ledger_domain::ledger::with_sorted_maps`]): equal for equal ledgers, whatever order their
/// maps iterate in, and computed as the bytes are made, without holding them. `verify`
/// compares two folds of the log this way, holding one ledger at a time: comparing the
/// ledgers themselves held both, 394–400 MiB at 1M events (BENCHMARKS.md, twelfth pass).
pub fn digest(ledger: &Ledger) -> Result<[u8; 32], postcard::Error> {
    use sha2::{Digest, Sha256};
    struct Hashing(Sha256);
    impl std::io::Write for Hashing {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.update(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let Hashing(hasher) = ledger_domain::ledger::with_sorted_maps(|| {
        postcard::to_io(ledger, Hashing(Sha256::new()))
    })?;
    Ok(hasher.finalize().into())
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
/// a blocking thread, which drops `folded` (a [`Pinned`] view, or an owned copy) as soon as it
/// is done; each piece ([`SNAPSHOT_PIECE_BYTES`]) is stored while the next is encoded.
pub async fn write<F>(store: &EventStore, folded: F) -> Result<Option<Written>, SnapshotError>
where
    F: Deref<Target = Folded> + Send + 'static,
{
    write_in_pieces(store, folded, SNAPSHOT_PIECE_BYTES).await
}

/// [`write`] with pieces of at least `piece_bytes` (1 at the least).
pub async fn write_in_pieces<F>(
    store: &EventStore,
    folded: F,
    piece_bytes: usize,
) -> Result<Option<Written>, SnapshotError>
where
    F: Deref<Target = Folded> + Send + 'static,
{
    let position = folded.position;
    if position == 0 {
        return Ok(None);
    }
    let hash = store
        .event_hash_at(position)
        .await?
        .ok_or(SnapshotError::NoEvent(position))?;
    let mut writer = store
        .begin_snapshot(position, &hash, SNAPSHOT_FORMAT)
        .await?;
    // One piece waits while one is stored and one is encoded.
    let (to_store, mut arriving) = mpsc::channel(1);
    let started = Instant::now();
    let encoding = tokio::task::spawn_blocking(move || {
        let encoded = pieces::encode_into(&folded.ledger, piece_bytes.max(1), to_store);
        drop(folded);
        (encoded, started.elapsed())
    });
    let mut stored = Ok(());
    while let Some(piece) = arriving.recv().await {
        stored = writer.write(piece).await;
        if stored.is_err() {
            break;
        }
    }
    // Closing the channel stops an encoding whose pieces can no longer be stored.
    drop(arriving);
    let (encoded, encode) = encoding.await?;
    stored?;
    encoded?;
    let saved = writer.finish().await?;
    let save = started.elapsed();
    store.prune_snapshots(SNAPSHOTS_KEPT).await?;
    Ok(Some(Written {
        position,
        bytes: saved.bytes,
        pieces: saved.pieces,
        encode,
        save,
    }))
}

/// The newest usable snapshot at or before `at_or_before` whose event was recorded by
/// `known_at` (any time when `None`) and, with `as_of`, holding no event that occurred after
/// it; or `None` to replay from the start. Unusable ones are logged and passed over for older
/// ones; an error reading them is logged, not returned. The body is decoded as its pieces are
/// read, never whole in memory.
pub async fn load(
    store: &EventStore,
    at_or_before: u64,
    known_at: Option<DateTime<Utc>>,
    as_of: Option<NaiveDate>,
) -> Option<Folded> {
    let mut bound = at_or_before;
    while bound > 0 {
        let header = match store
            .latest_snapshot_header(bound, SNAPSHOT_FORMAT, known_at)
            .await
        {
            Ok(found) => found?,
            Err(error) => {
                tracing::warn!(%error, "cannot read projection snapshots; replaying the log");
                return None;
            }
        };
        let position = header.position;
        bound = position - 1;
        if !header.matches_log() {
            tracing::warn!(
                position,
                "projection snapshot does not match the log's hash at its position; ignored"
            );
            continue;
        }
        match read(store, &header, as_of).await {
            Ok(Some(ledger)) => return Some(Folded { ledger, position }),
            // Not a prefix of the `as_of` replay: something in it occurred after that date.
            Ok(None) => {}
            Err(reason) => {
                tracing::warn!(position, %reason, "projection snapshot unreadable; ignored")
            }
        }
    }
    None
}

/// The ledger of `header`'s snapshot, decoded on a blocking thread while the store reads its
/// pieces; `None` when its first bytes show an event that occurred after `as_of`.
async fn read(
    store: &EventStore,
    header: &SnapshotHeader,
    as_of: Option<NaiveDate>,
) -> Result<Option<Ledger>, String> {
    let (to_decoder, mut arriving) = mpsc::channel::<Vec<u8>>(1);
    let decoding = tokio::task::spawn_blocking(move || {
        let first = arriving
            .blocking_recv()
            .ok_or(postcard::Error::DeserializeUnexpectedEnd)?;
        let too_late = as_of.is_some_and(|as_of| {
            latest_occurred_on(&first).map_or(true, |latest| latest > Some(as_of))
        });
        if too_late {
            return Ok(None);
        }
        pieces::decode_from(first, arriving).map(Some)
    });
    let intact = store.send_snapshot_body(header, to_decoder).await;
    let decoded = decoding.await.map_err(|e| e.to_string())?;
    let intact = intact.map_err(|e| e.to_string())?;
    let ledger = match (decoded, intact) {
        (Ok(None), _) => return Ok(None),
        (Ok(Some(ledger)), true) => ledger,
        (Ok(Some(_)), false) => {
            return Err("its pieces do not make the body its row records".to_owned())
        }
        (Err(error), _) => return Err(format!("it does not decode: {error}")),
    };
    if ledger.last_position() > header.position {
        return Err(format!(
            "it holds position {} beyond its own {}",
            ledger.last_position(),
            header.position
        ));
    }
    Ok(Some(ledger))
}

/// How often the periodic writer looks at the view when no commit wakes it.
const RECHECK_EVERY: Duration = Duration::from_secs(1);

/// Writes a snapshot of `view` whenever it has folded `every` events since the last one, until
/// the task is aborted. Runs beside the server; the view is held still while each is encoded
/// (see [`LiveView::write_snapshot`]).
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
