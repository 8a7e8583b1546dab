//! The live projection: the domain's `Ledger` folded over the whole log, kept in memory and
//! brought up to date after each commit. Decisions and default-time queries read it. It starts
//! from the newest usable projection snapshot ([`snapshot`]) rather than from position 1.

pub mod snapshot;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use futures::StreamExt;
use ledger_domain::envelope::is_visible;
use ledger_domain::{Envelope, Event, Ledger};
use ledger_store::{EventPage, EventRef, EventStore, StoreError};
use tokio::sync::{mpsc, Mutex, RwLock, RwLockReadGuard};
use tokio::task::JoinHandle;

pub use snapshot::Pinned;

/// Events applied per write-lock hold while catching up, so readers are never starved.
const CATCH_UP_PAGE_ROWS: u32 = 2_000;

#[derive(Default)]
pub struct LiveView {
    /// Shared so that a snapshot can keep a read guard on a blocking thread while it encodes.
    state: Arc<RwLock<Folded>>,
    /// Held by a snapshot while it encodes the view in place, and by a catch-up before it
    /// asks for the write lock. Readers queue behind a waiting writer (tokio's lock is fair),
    /// so a catch-up blocked on the encoding's read guard would stall every query with it;
    /// waiting here instead, it stalls only itself and the appends waiting to see their write.
    encoding: Arc<Mutex<()>>,
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
        let start = snapshot::load(store, head, None, None).await;
        let snapshot_at = start.as_ref().map_or(0, |folded| folded.position);
        if let Some(folded) = &start {
            tracing::info!(
                position = folded.position,
                head,
                "starting from a projection snapshot"
            );
        }
        let Folded { ledger, position } = start.unwrap_or_default();
        // Up to the head as it was, reading, decoding and folding side by side (a catch-up
        // takes turns at them, page by page); then what was committed meanwhile.
        let (ledger, _) =
            fold_log(store, ledger, position + 1, head, None, None, |_, _| {}).await?;
        let view = LiveView::from_folded(Folded {
            ledger,
            position: position.max(head),
        });
        view.snapshot_at.store(snapshot_at, Ordering::Relaxed);
        view.catch_up(store).await?;
        Ok(view)
    }

    /// A view holding `folded` (a snapshot), to be caught up.
    pub fn from_folded(folded: Folded) -> LiveView {
        LiveView {
            snapshot_at: AtomicU64::new(folded.position),
            state: Arc::new(RwLock::new(folded)),
            encoding: Arc::default(),
            catching_up: Mutex::new(()),
            catch_ups_begun: AtomicU64::new(0),
        }
    }

    /// Position of the last snapshot this view was loaded from or wrote (0 if none).
    pub fn snapshot_position(&self) -> u64 {
        self.snapshot_at.load(Ordering::Relaxed)
    }

    /// Writes a snapshot of what the view holds, encoding it in place under the read lock
    /// and storing it piece by piece as it is encoded: beside the view, a snapshot holds only
    /// a few pieces in memory. Queries go on meanwhile; catching up waits for the encoding,
    /// and on SQLite this store's appends wait for the pieces to be stored.
    pub async fn write_snapshot(
        &self,
        store: &EventStore,
    ) -> Result<Option<snapshot::Written>, snapshot::SnapshotError> {
        // Before pinning: an import's write session can hold SQLite's write lock for minutes,
        // and the pieces would wait for it with the view pinned.
        let _appends_paused = store.pause_appends().await;
        let pinned = self.pin().await;
        // Marked before writing, so a failing write is retried after the next interval rather
        // than on every commit.
        self.snapshot_at
            .fetch_max(pinned.position, Ordering::Relaxed);
        snapshot::write(store, pinned).await
    }

    /// The view held still for a snapshot until the returned guard is dropped.
    pub async fn pin(&self) -> Pinned {
        let encoding = Arc::clone(&self.encoding).lock_owned().await;
        let folded = Arc::clone(&self.state).read_owned().await;
        Pinned::new(encoding, folded)
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
            let page = store.read_event_page(after, CATCH_UP_PAGE_ROWS).await?;
            if page.is_empty() {
                return Ok(after);
            }
            // Decoding happens outside the write lock so readers wait only for the folding.
            let (decoded, last) = decode_page(page);
            let _no_snapshot_encoding = self.encoding.lock().await;
            self.state.write().await.fold(&decoded, last);
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

    /// [`Folded::catch_up`], calling `progress(position)` after each page (every 10,000
    /// events while far behind).
    pub async fn catch_up_with_progress(
        &mut self,
        store: &EventStore,
        mut progress: impl FnMut(u64),
    ) -> Result<u64, StoreError> {
        loop {
            let page = store
                .read_event_page(self.position, CATCH_UP_PAGE_ROWS)
                .await?;
            if page.is_empty() {
                return Ok(self.position);
            }
            let full = page.len() >= CATCH_UP_PAGE_ROWS as usize;
            let (decoded, last) = decode_page(page);
            self.fold(&decoded, last);
            progress(self.position);
            if full {
                self.fold_far_behind(store, &mut progress).await?;
            }
        }
    }

    /// Far behind (`welfare-ledger snapshot`, an import into a populated log): up to the head
    /// with reading, decoding and folding side by side, where a catch-up takes turns at them.
    /// Asked only after a full page, so that catching up a short tail costs no extra query.
    async fn fold_far_behind(
        &mut self,
        store: &EventStore,
        progress: &mut impl FnMut(u64),
    ) -> Result<(), StoreError> {
        let head = store.head().await?.position;
        if head.saturating_sub(self.position) <= u64::from(CATCH_UP_PAGE_ROWS) {
            return Ok(());
        }
        let from = self.position + 1;
        let ledger = std::mem::take(&mut self.ledger);
        // Should the fold fail, this copy starts over empty rather than claim a position its
        // ledger no longer holds.
        self.position = 0;
        let (ledger, _) = fold_log(store, ledger, from, head, None, None, |position, _| {
            progress(position)
        })
        .await?;
        self.ledger = ledger;
        self.position = head;
        progress(head);
        Ok(())
    }

    /// Applies `decoded`, the events the domain understood of a page whose last position is
    /// `last`.
    fn fold(&mut self, decoded: &[ledger_domain::RecordedEvent], last: Option<u64>) {
        for e in decoded {
            self.ledger.apply(e);
        }
        if let Some(last) = last {
            self.position = last;
        }
    }
}

/// The events of `page` the domain understands, and the page's last position.
fn decode_page(page: EventPage) -> (Vec<ledger_domain::RecordedEvent>, Option<u64>) {
    (
        page.iter().filter_map(|e| decode(&e)).collect(),
        page.last_position(),
    )
}

/// A stored event as the domain sees it; `None` (logged) for an event the domain does not
/// know, so one foreign event cannot stop the projections. The payload is read straight from
/// the page; only the texts the domain keeps are copied.
pub fn decode(e: &EventRef<'_>) -> Option<ledger_domain::RecordedEvent> {
    let event = decode_event(e)?;
    Some(ledger_domain::RecordedEvent {
        position: e.position,
        stream: e.stream.to_owned(),
        stream_version: e.stream_version,
        event_id: e.event_id,
        occurred_on: e.occurred_on,
        recorded_at: e.recorded_at,
        recorded_by: e.recorded_by.to_owned(),
        source_ref: e.source_ref.map(str::to_owned),
        event,
    })
}

/// The fact of a stored event, or `None` (logged) when the domain does not understand it.
fn decode_event(e: &EventRef<'_>) -> Option<Event> {
    match Event::from_payload_text(e.kind, e.schema_version, e.payload) {
        Ok(event) => Some(event),
        Err(error) => {
            tracing::warn!(position = e.position, kind = %e.kind, %error, "event not understood by the domain; skipped");
            None
        }
    }
}

/// The ledger as of a business date, as known at an instant, up to a position: a replay of
/// the log with both time axes applied, from the newest usable snapshot within the bounds
/// (with `as_of`, one holding nothing that occurred after it). Returns it with the last
/// position within the transaction-time bounds: `at_position` or the head, and with
/// `known_at` the last event recorded by then.
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
    progress: impl FnMut(u64, u64),
) -> Result<(Ledger, u64), StoreError> {
    let head = store.head().await?.position;
    let upto = at_position.map_or(head, |p| p.min(head));
    // Transaction time and positions bound a prefix of the log (recorded_at never decreases
    // along positions), so a snapshot of a prefix within both bounds is exactly the replay of
    // that prefix. Valid time is no prefix (a late event may have occurred before `as_of`), so
    // with `as_of` a snapshot serves only if nothing in it occurred after that date: then the
    // valid-time filter would have kept all of it. Otherwise the replay starts from position 1.
    let start = snapshot::load(store, upto, known_at, as_of).await;
    let (ledger, from) = match start {
        Some(folded) => (folded.ledger, folded.position + 1),
        None => (Ledger::default(), 1),
    };
    let (ledger, known_upto) =
        fold_log(store, ledger, from, upto, as_of, known_at, progress).await?;
    Ok((ledger, if known_at.is_some() { known_upto } else { upto }))
}

/// Folds the log from `from` through `upto` into `ledger`, with both time axes applied;
/// returns it with the last position recorded by `known_at` (`from - 1` if none was).
async fn fold_log(
    store: &EventStore,
    mut ledger: Ledger,
    from: u64,
    upto: u64,
    as_of: Option<NaiveDate>,
    known_at: Option<DateTime<Utc>>,
    mut progress: impl FnMut(u64, u64),
) -> Result<(Ledger, u64), StoreError> {
    let mut known_upto = from - 1;
    if from > upto {
        return Ok((ledger, known_upto));
    }
    let mut pages = decoded_pages(store, from, upto);
    while let Some(page) = pages.recv().await {
        for (stored, event) in page.stored.iter().zip(&page.events) {
            let position = stored.position;
            if position % REPLAY_PROGRESS_EVERY == 0 {
                progress(position, upto);
            }
            if known_at.is_none_or(|at| stored.recorded_at <= at) {
                known_upto = position;
            }
            let Some(event) = event else { continue };
            if is_visible(stored.occurred_on, stored.recorded_at, as_of, known_at) {
                let envelope = Envelope {
                    position,
                    stream: stored.stream,
                    stream_version: stored.stream_version,
                    event_id: stored.event_id,
                    occurred_on: stored.occurred_on,
                };
                ledger.apply_in(&envelope, event);
            }
        }
        if let Some(error) = page.error {
            return Err(error);
        }
    }
    Ok((ledger, known_upto))
}

/// Pages a replay reads ahead of its fold: enough to keep the database, the decoding and the
/// fold busy at once, few enough to hold little memory.
const PAGES_AHEAD: usize = 2;

/// One page of the log as read, with the fact of each of its events when the domain
/// understands it (`events[i]` is `stored`'s i-th); then the error that ended the log's
/// reading, if one did. The fold borrows the envelopes from the page itself: copied into a
/// `RecordedEvent` each, their strings were allocated on the decoding thread and freed on the
/// fold's, 15 % of the fold thread's samples (BENCHMARKS.md, twelfth pass).
struct DecodedPage {
    stored: EventPage,
    events: Vec<Option<Event>>,
    error: Option<StoreError>,
}

/// The log from `from` through `upto`, read on one task and decoded on another, each running
/// ahead of the caller's fold by [`PAGES_AHEAD`] pages: reading, decoding and folding then
/// overlap instead of taking turns. Both tasks end when the receiver is dropped.
fn decoded_pages(store: &EventStore, from: u64, upto: u64) -> PipeReceiver<DecodedPage> {
    let pages = store.read_all_pages(from);
    let (raw_sender, mut raw) = mpsc::channel::<Result<EventPage, StoreError>>(PAGES_AHEAD);
    let reader = tokio::spawn(async move {
        let mut pages = std::pin::pin!(pages);
        while let Some(page) = pages.next().await {
            let mut page = match page {
                Ok(page) => page,
                Err(error) => {
                    let _ = raw_sender.send(Err(error)).await;
                    return;
                }
            };
            let past_upto = page.last_position().is_some_and(|last| last > upto);
            page.truncate_after(upto);
            if !page.is_empty() && raw_sender.send(Ok(page)).await.is_err() {
                return;
            }
            if past_upto {
                return;
            }
        }
    });
    let (sender, decoded) = mpsc::channel(PAGES_AHEAD);
    let decoder = tokio::spawn(async move {
        while let Some(page) = raw.recv().await {
            let page = match page {
                Ok(page) => DecodedPage {
                    events: page.iter().map(|stored| decode_event(&stored)).collect(),
                    stored: page,
                    error: None,
                },
                Err(error) => DecodedPage {
                    stored: EventPage::default(),
                    events: Vec::new(),
                    error: Some(error),
                },
            };
            if sender.send(page).await.is_err() {
                return;
            }
        }
    });
    PipeReceiver {
        receiver: decoded,
        _tasks: [AbortOnDrop(reader), AbortOnDrop(decoder)],
    }
}

/// The receiving end of a pipeline of tasks, which are aborted with it: a replay given up
/// (an error, a dropped request) stops reading the log at once.
struct PipeReceiver<T> {
    receiver: mpsc::Receiver<T>,
    _tasks: [AbortOnDrop; 2],
}

impl<T> PipeReceiver<T> {
    async fn recv(&mut self) -> Option<T> {
        self.receiver.recv().await
    }
}

struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
