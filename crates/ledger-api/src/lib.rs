//! `ledger-api` owns the HTTP surface: axum routes, JSON shapes, and the one mapping from
//! domain and store errors to `application/problem+json` responses.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use ledger_store::EventStore;
use serde::Serialize;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<EventStore>,
}

/// The whole HTTP application; the binary serves it, tests call it in-process.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .with_state(state)
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    backend: &'static str,
    position: u64,
    head_hash: String,
}

/// Liveness and readiness at once: answers 200 only when the database answers.
async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, StatusCode> {
    match state.store.head().await {
        Ok(head) => Ok(Json(Health {
            status: "ok",
            backend: state.store.backend_kind(),
            position: head.position,
            head_hash: head.hash_hex(),
        })),
        Err(error) => {
            tracing::error!(%error, "health check could not read the head");
            Err(StatusCode::SERVICE_UNAVAILABLE)
        }
    }
}
