//! Token administration for the `admin` role.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use ledger_store::TokenRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{scope, Authorized, Role};
use crate::extract::{ApiJson, ApiPath};
use crate::problem::ApiError;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    pub role: Role,
    /// Who or what will hold the token, e.g. "dashboard-city-hall".
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenOut {
    pub id: String,
    pub name: String,
    pub role: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<TokenRecord> for TokenOut {
    fn from(t: TokenRecord) -> Self {
        TokenOut {
            id: t.id,
            name: t.name,
            role: t.role,
            created_at: t.created_at,
            revoked_at: t.revoked_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CreatedTokenOut {
    #[serde(flatten)]
    pub record: TokenOut,
    /// The bearer token. Shown once: only its hash is kept.
    pub token: String,
}

/// Longest token name, in bytes.
const TOKEN_NAME_BYTES_MAX: usize = 128;

#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = NewToken,
    security(("bearer" = ["tokens"])),
    responses((status = 201, body = CreatedTokenOut), (status = 400, body = crate::problem::Problem),
        (status = 401, body = crate::problem::Problem), (status = 403, body = crate::problem::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Authorized { caller, .. }: Authorized<scope::Tokens>,
    ApiJson(body): ApiJson<NewToken>,
) -> Result<(StatusCode, Json<CreatedTokenOut>), ApiError> {
    let name = body.name.trim();
    if name.is_empty() || name.len() > TOKEN_NAME_BYTES_MAX {
        return Err(ApiError::bad_field("name", "name must be 1 to 128 bytes"));
    }
    let created = state.store.create_token(name, body.role.as_str()).await?;
    tracing::info!(id = %created.record.id, role = %body.role, by = %caller.token_id, "token created");
    Ok((
        StatusCode::CREATED,
        Json(CreatedTokenOut {
            record: created.record.into(),
            token: created.token,
        }),
    ))
}

#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", security(("bearer" = ["tokens"])),
    responses((status = 200, body = Vec<TokenOut>), (status = 401, body = crate::problem::Problem),
        (status = 403, body = crate::problem::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    _: Authorized<scope::Tokens>,
) -> Result<Json<Vec<TokenOut>>, ApiError> {
    let tokens = state.store.list_tokens().await?;
    Ok(Json(tokens.into_iter().map(TokenOut::from).collect()))
}

#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens", security(("bearer" = ["tokens"])),
    params(("id" = String, Path, description = "the token's public id")),
    responses((status = 204), (status = 401, body = crate::problem::Problem),
        (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem)))]
pub async fn revoke(
    State(state): State<AppState>,
    Authorized { caller, .. }: Authorized<scope::Tokens>,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    state.store.revoke_token(&id).await?;
    tracing::info!(%id, by = %caller.token_id, "token revoked");
    Ok(StatusCode::NO_CONTENT)
}
