//! The OpenAPI 3.1 document, generated from the handlers' annotations: a route exists only if
//! it is registered here through `routes!`, which documents it in the same step. A guard
//! answers 500 for any matched route the document lacks, so an undocumented route cannot
//! survive the test suite.

use std::collections::HashSet;
use std::sync::Arc;

use axum::extract::{MatchedPath, Request};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::OpenApi as Spec;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::limits;
use crate::problem::ApiError;
use crate::routes::{audit, commands, events, exports, health, queries, tokens};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(info(
    title = "welfare-ledger",
    description = "An event-sourced ledger of social-welfare commitments.\n\n\
Authentication: `Authorization: Bearer <token>`. Each operation's security scope names what \
it needs; roles grant scopes: recorder = write, aggregates, details; finance = aggregates, \
details, export; inspector = aggregates, details, export, inspect; dashboard = aggregates; \
admin = tokens.\n\nErrors are `application/problem+json` (RFC 9457).\n\nAmounts are strings \
of whole dong."
))]
struct ApiDoc;

/// Every route, documented.
pub fn openapi_router() -> OpenApiRouter<AppState> {
    let router = OpenApiRouter::with_openapi(ApiDoc::openapi());
    queries::register(commands::register(router))
        .routes(routes!(health::healthz))
        .routes(routes!(tokens::create, tokens::list))
        .routes(routes!(tokens::revoke))
        .routes(routes!(events::feed))
        .routes(routes!(events::live))
        .routes(routes!(events::history))
        .routes(routes!(audit::audit))
        .routes(routes!(exports::finance_xlsx))
        .routes(routes!(exports::budget_csv))
}

/// Adds the security scheme, the limits, `/openapi.json`, the documented-route guard and the
/// problem-shaped fallbacks.
pub fn finish(router: Router<AppState>, mut spec: Spec) -> Router<AppState> {
    let components = spec.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
    );
    let limits_text = format!(
        "\n\nLimits: request body ≤ {} bytes (413 beyond); page size ≤ {} events; \
         request timeout {} s (408).",
        limits::BODY_BYTES_MAX,
        limits::PAGE_SIZE_MAX,
        limits::REQUEST_TIMEOUT.as_secs()
    );
    if let Some(d) = spec.info.description.as_mut() {
        d.push_str(&limits_text);
    }
    let documented: Arc<HashSet<String>> = Arc::new(spec.paths.paths.keys().cloned().collect());
    let spec = Arc::new(spec);
    router
        .route(
            "/openapi.json",
            axum::routing::get(move || {
                let spec = spec.clone();
                async move { Json(spec.as_ref().clone()) }
            }),
        )
        .layer(middleware::from_fn(move |req: Request, next: Next| {
            let documented = documented.clone();
            async move { guard_documented(&documented, req, next).await }
        }))
        .fallback(|| async { ApiError::NotFound("no such route".to_owned()) })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
}

async fn guard_documented(documented: &HashSet<String>, req: Request, next: Next) -> Response {
    let undocumented = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str())
        .filter(|p| *p != "/openapi.json" && !documented.contains(*p))
        .map(str::to_owned);
    match undocumented {
        Some(path) => ApiError::Internal(format!("route {path} is missing from /openapi.json"))
            .into_response(),
        None => next.run(req).await,
    }
}
