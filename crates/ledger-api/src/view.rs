//! The live projection: the domain's `Ledger` folded over the whole log, kept in memory and
//! brought up to date after each commit. Decisions and default-time queries read it.

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
}

#[derive(Default, Clone)]
pub struct Folded {
    pub ledger: Ledger,
    /// Last position folded in (undecodable events included, so they are not re-read).
    pub position: u64,
}

impl LiveView {
    pub async fn read(&self) -> RwLockReadGuard<'_, Folded> {
        self.state.read().await
    }

    /// Folds in every event committed after what the view holds.
    pub async fn catch_up(&self, store: &EventStore) -> Result<u64, StoreError> {
        let _one_at_a_time = self.catching_up.lock().await;
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
    pub async fn snapshot(&self) -> Folded {
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
        loop {
            let page = store.read_page(self.position, CATCH_UP_PAGE_ROWS).await?;
            if page.is_empty() {
                return Ok(self.position);
            }
            self.fold(&page, &decode_page(&page));
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
    let payload: serde_json::Value = match serde_json::from_str(&e.payload) {
        Ok(v) => v,
        Err(error) => {
            tracing::warn!(position = e.position, %error, "stored payload is not JSON");
            return None;
        }
    };
    match Event::from_payload(&e.kind, e.schema_version, &payload) {
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
/// the log from the start with both time axes applied. Returns it with the last position
/// considered.
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
    let mut ledger = Ledger::default();
    let mut events = std::pin::pin!(store.read_all(1));
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
