//! `GET /api/v1/audit/{stream}`: one entity's audit trail.

use axum::extract::State;
use axum::Json;

use crate::auth::{scope, Authorized};
use crate::extract::ApiPath;
use crate::problem::ApiError;
use crate::state::AppState;

/// Every event about a household, child, sponsorship, sponsor or programme: who recorded it,
/// when, the business date, the source document and its postings (effect on money).
#[utoipa::path(get, path = "/api/v1/audit/{stream}", tag = "inspection",
    params(("stream" = String, Path, description = "household-…, child-…, sponsorship-…, sponsor-… or programme-…")),
    security(("bearer" = ["details"])),
    responses((status = 200, body = Object),
        (status = 400, body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::problem::Problem, content_type = "application/problem+json")))]
pub async fn audit(
    State(state): State<AppState>,
    _: Authorized<scope::Details>,
    ApiPath(stream): ApiPath<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let trail = crate::audit::trail(&state.store, &stream)
        .await?
        .ok_or_else(|| {
            ApiError::bad_field(
                "stream",
                "audit trails exist for household-, child-, sponsorship-, sponsor- and \
                 programme- streams",
            )
        })?;
    if trail.events.is_empty() {
        return Err(ApiError::NotFound(format!("no events about {stream}")));
    }
    let position = state.store.head().await?.position;
    let mut json = serde_json::to_value(&trail).map_err(|e| ApiError::Internal(e.to_string()))?;
    if let Some(object) = json.as_object_mut() {
        object.insert("position".to_owned(), position.into());
    }
    Ok(Json(json))
}
