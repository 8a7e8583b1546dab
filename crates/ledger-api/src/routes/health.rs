//! Liveness and readiness.

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::problem::ApiError;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Health {
    status: &'static str,
    backend: &'static str,
    /// The last position in the log.
    position: u64,
    head_hash: String,
}

/// Answers 200 only when the database answers. Needs no token.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, body = Health), (status = 503, body = crate::problem::Problem)))]
pub async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    let head = state.store.head().await?;
    Ok(Json(Health {
        status: "ok",
        backend: state.store.backend_kind(),
        position: head.position,
        head_hash: head.hash_hex(),
    }))
}
