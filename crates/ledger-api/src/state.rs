//! What every handler shares: the store and the live projection.

use std::sync::Arc;

use ledger_store::EventStore;

use crate::view::LiveView;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<EventStore>,
    pub view: Arc<LiveView>,
}

impl AppState {
    /// Builds the live view by replaying the log; call once at start-up.
    pub async fn load(store: Arc<EventStore>) -> Result<AppState, ledger_store::StoreError> {
        let view = Arc::new(LiveView::default());
        view.catch_up(&store).await?;
        Ok(AppState { store, view })
    }
}
