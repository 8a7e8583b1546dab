//! The live projection: the domain's `Ledger` folded over the whole log, kept in memory and
//! brought up to date after each commit. Decisions and default-time queries read it. It starts
//! from the newest usable projection snapshot ([`snapshot`]) rather than from position 1.

pub mod snapshot;

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, NaiveDate, Utc};
use futures::TryStreamExt;
use ledger_domain::{Event, Ledger};
use ledger_store::{EventStore, StoreError};
use tokio::sync::{Mutex, RwLock, RwLockReadGuard};

/// Events applied per write-lock hold while catching up, so readers are never starved.
const CATCH_UP_PAGE_ROWS: u32 = 2_000;

#[derive(Default)]
pub struct LiveView {
    state: RwLock<Folded>,
    /// One catch-up at a time; the others wait and then find nothing left to do.
    catching_up: Mutex<()>,
    /// Catch-ups begun so far. A caller that waited while one began after its arrival needs
    /// no read of its own: that one saw every commit the caller could know of. Under many
    /// concurrent writers this turns one database read per request into one per wave.
    catch_ups_begun: AtomicU64,
    /// Position of the last snapshot loaded or written (or attempted), for the periodic writer.
    snapshot_at: AtomicU64,
}

#[derive(Default, Clone)]
pub struct Folded {
    pub ledger: Ledger,
    /// Last position folded in (undecodable events included, so they are not re-read).
    pub position: u64,
}

impl LiveView {
    /// The view of the whole log: the newest usable snapshot, caught up with what follows it.
    pub async fn start(store: &EventStore) -> Result<LiveView, StoreError> {
        let head = store.head().await?.position;
        let view = match snapshot::load(store, head, None).await {
            Some(folded) => {
                tracing::info!(
                    position = folded.position,
                    head,
                    "starting from a projection snapshot"
                );
                LiveView::from_folded(folded)
            }
            None => LiveView::default(),
        };
        view.catch_up(store).await?;
        Ok(view)
    }

    /// A view holding `folded` (a snapshot), to be caught up.
    pub fn from_folded(folded: Folded) -> LiveView {
        LiveView {
            snapshot_at: AtomicU64::new(folded.position),
            state: RwLock::new(folded),
            catching_up: Mutex::new(()),
            catch_ups_begun: AtomicU64::new(0),
        }
    }

    /// Position of the last snapshot this view was loaded from or wrote (0 if none).
    pub fn snapshot_position(&self) -> u64 {
        self.snapshot_at.load(Ordering::Relaxed)
    }

    /// Writes a snapshot of what the view holds. Clones under the read lock and encodes the
    /// copy on a blocking thread: a catch-up waits for the clone only, not for the encoding.
    pub async fn write_snapshot(
        &self,
        store: &EventStore,
    ) -> Result<Option<snapshot::Written>, snapshot::SnapshotError> {
        let folded = self.copy().await;
        // Marked before writing, so a failing write is retried after the next interval rather
        // than on every commit.
        self.snapshot_at
            .fetch_max(folded.position, Ordering::Relaxed);
        snapshot::write(store, folded).await
    }

    pub async fn read(&self) -> RwLockReadGuard<'_, Folded> {
        self.state.read().await
    }

    /// Folds in every event committed after what the view holds.
    pub async fn catch_up(&self, store: &EventStore) -> Result<u64, StoreError> {
        let arrived = self.catch_ups_begun.load(Ordering::Acquire);
        let _one_at_a_time = self.catching_up.lock().await;
        if self.catch_ups_begun.load(Ordering::Acquire) > arrived {
            return Ok(self.state.read().await.position);
        }
        self.catch_ups_begun.fetch_add(1, Ordering::AcqRel);
        loop {
            let after = self.state.read().await.position;
            let page = store.read_page(after, CATCH_UP_PAGE_ROWS).await?;
            if page.is_empty() {
                return Ok(after);
            }
            // Decoding happens outside the write lock so readers wait only for the folding.
            let decoded = decode_page(&page);
            self.state.write().await.fold(&page, &decoded);
        }
    }

    /// A copy of what the view holds, for work that must decide ahead of the log (an import).
    pub async fn copy(&self) -> Folded {
        self.state.read().await.clone()
    }

    /// Catches up until the view holds at least `position`.
    pub async fn wait_for(&self, store: &EventStore, position: u64) -> Result<(), StoreError> {
        if self.state.read().await.position < position {
            self.catch_up(store).await?;
        }
        Ok(())
    }
}

impl Folded {
    /// Folds in every event committed after what this copy holds.
    pub async fn catch_up(&mut self, store: &EventStore) -> Result<u64, StoreError> {
        self.catch_up_with_progress(store, |_| {}).await
    }

    /// [`Folded::catch_up`], calling `progress(position)` after each page.
    pub async fn catch_up_with_progress(
        &mut self,
        store: &EventStore,
        mut progress: impl FnMut(u64),
    ) -> Result<u64, StoreError> {
        loop {
            let page = store.read_page(self.position, CATCH_UP_PAGE_ROWS).await?;
            if page.is_empty() {
                return Ok(self.position);
            }
            self.fold(&page, &decode_page(&page));
            progress(self.position);
        }
    }

    fn fold(
        &mut self,
        page: &[ledger_store::RecordedEvent],
        decoded: &[ledger_domain::RecordedEvent],
    ) {
        for e in decoded {
            self.ledger.apply(e);
        }
        if let Some(last) = page.last() {
            self.position = last.position;
        }
    }
}

fn decode_page(page: &[ledger_store::RecordedEvent]) -> Vec<ledger_domain::RecordedEvent> {
    page.iter().filter_map(decode).collect()
}

/// A stored event as the domain sees it; `None` (logged) for an event the domain does not
/// know, so one foreign event cannot stop the projections.
pub fn decode(e: &ledger_store::RecordedEvent) -> Option<ledger_domain::RecordedEvent> {
    match Event::from_payload_text(&e.kind, e.schema_version, &e.payload) {
        Ok(event) => Some(ledger_domain::RecordedEvent {
            position: e.position,
            stream: e.stream.clone(),
            stream_version: e.stream_version,
            event_id: e.event_id,
            occurred_on: e.occurred_on,
            recorded_at: e.recorded_at,
            recorded_by: e.recorded_by.clone(),
            source_ref: e.source_ref.clone(),
            event,
        }),
        Err(error) => {
            tracing::warn!(position = e.position, kind = %e.kind, %error, "event not understood by the domain; skipped");
            None
        }
    }
}

/// The ledger as of a business date, as known at an instant, up to a position: a replay of
/// the log with both time axes applied, from the newest usable snapshot within the bounds when
/// there is no `as_of`. Returns it with the last position considered.
pub async fn replay_at(
    store: &EventStore,
    as_of: Option<NaiveDate>,
    known_at: Option<DateTime<Utc>>,
    at_position: Option<u64>,
) -> Result<(Ledger, u64), StoreError> {
    replay_at_with_progress(store, as_of, known_at, at_position, |_, _| {}).await
}

/// Events between two progress calls of a replay.
const REPLAY_PROGRESS_EVERY: u64 = 10_000;

/// [`replay_at`], calling `progress(events_read, last_position)` every 10,000 events.
pub async fn replay_at_with_progress(
    store: &EventStore,
    as_of: Option<NaiveDate>,
    known_at: Option<DateTime<Utc>>,
    at_position: Option<u64>,
    mut progress: impl FnMut(u64, u64),
) -> Result<(Ledger, u64), StoreError> {
    let head = store.head().await?.position;
    let upto = at_position.map_or(head, |p| p.min(head));
    // Transaction time and positions bound a prefix of the log (recorded_at never decreases
    // along positions), so a snapshot of a prefix within both bounds is exactly the replay of
    // that prefix. Valid time is no prefix (a late event may have occurred before `as_of`), so
    // with `as_of` the replay starts from position 1.
    let start = match as_of {
        None => snapshot::load(store, upto, known_at).await,
        Some(_) => None,
    };
    let (mut ledger, from) = match start {
        Some(folded) => (folded.ledger, folded.position + 1),
        None => (Ledger::default(), 1),
    };
    let mut events = std::pin::pin!(store.read_all(from));
    while let Some(stored) = events.try_next().await? {
        if stored.position > upto {
            break;
        }
        if stored.position % REPLAY_PROGRESS_EVERY == 0 {
            progress(stored.position, upto);
        }
        if let Some(e) = decode(&stored) {
            if e.is_visible(as_of, known_at) {
                ledger.apply(&e);
            }
        }
    }
    Ok((ledger, upto))
}
