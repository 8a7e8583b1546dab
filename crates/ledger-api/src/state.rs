//! What every handler shares: the store, the live projection, the answers already rendered
//! and the per-token rate limits.

use std::sync::Arc;

use ledger_store::EventStore;

use crate::answers::AnswerCache;
use crate::rate_limit::{RateLimit, RateLimiter};
use crate::view::LiveView;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<EventStore>,
    pub view: Arc<LiveView>,
    pub answers: Arc<AnswerCache>,
    pub rate_limiter: Arc<RateLimiter>,
}

impl AppState {
    /// Builds the live view from the newest usable snapshot and the log after it; call once at start-up. No rate limit until
    /// [`AppState::with_rate_limit`] sets one: `serve` always does (its flags default to
    /// [`RateLimit::default`]), while tests and benchmarks that hammer one token are left
    /// alone.
    pub async fn load(store: Arc<EventStore>) -> Result<AppState, ledger_store::StoreError> {
        let view = Arc::new(LiveView::start(&store).await?);
        Ok(AppState {
            store,
            view,
            answers: Arc::default(),
            rate_limiter: Arc::new(RateLimiter::new(RateLimit::OFF)),
        })
    }

    /// The same state with fresh buckets at `limit` (`RateLimit::OFF` for none).
    pub fn with_rate_limit(mut self, limit: RateLimit) -> AppState {
        self.rate_limiter = Arc::new(RateLimiter::new(limit));
        self
    }
}
