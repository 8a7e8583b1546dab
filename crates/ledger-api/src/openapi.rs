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
use utoipa::openapi::header::Header;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::response::Response as ResponseDoc;
use utoipa::openapi::schema::{ObjectBuilder, Ref, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{Content, OpenApi as Spec, RefOr};
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
         request timeout {} s (408); per token {} requests/s with bursts of {} by default \
         (`serve --rate-limit-per-second`, `--rate-limit-burst`; 429 with `Retry-After` \
         beyond).",
        limits::BODY_BYTES_MAX,
        limits::PAGE_SIZE_MAX,
        limits::REQUEST_TIMEOUT.as_secs(),
        crate::rate_limit::DEFAULT_PER_SECOND,
        crate::rate_limit::DEFAULT_BURST,
    );
    document_shared_answers(&mut spec);
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

/// Answers that come from layers and extractors shared by every route rather than from a
/// handler: the handlers' annotations cannot see them, so they are added here for every
/// operation they can reach, and every error answer is declared as the problem document it is.
fn document_shared_answers(spec: &mut Spec) {
    for item in spec.paths.paths.values_mut() {
        for operation in operations_mut(item) {
            let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
            let mut shared = vec![("408", "The request took longer than the limit to answer.")];
            if secured {
                shared.extend([
                    (
                        "401",
                        "No token, or one that is unknown, malformed or revoked.",
                    ),
                    (
                        "403",
                        "The token's role does not grant this operation's scope.",
                    ),
                    (
                        "429",
                        "This token is over its rate limit; retry after `Retry-After` seconds.",
                    ),
                    ("503", "The database is not answering."),
                ]);
            }
            if operation.request_body.is_some() {
                shared.extend([
                    ("400", "The body is not valid JSON for this operation."),
                    ("413", "The body is larger than the limit."),
                    ("415", "The body is not `application/json`."),
                ]);
            }
            let responses = &mut operation.responses.responses;
            for (status, description) in shared {
                responses
                    .entry(status.to_owned())
                    .or_insert_with(|| RefOr::T(ResponseDoc::new(description)));
            }
            for (status, response) in responses.iter_mut() {
                let RefOr::T(response) = response else {
                    continue;
                };
                if status.as_str() >= "400" {
                    response.content.clear();
                    response.content.insert(
                        "application/problem+json".to_owned(),
                        Content::new(Some(Ref::from_schema_name("Problem"))),
                    );
                }
                if status == "429" {
                    let mut retry_after =
                        Header::new(ObjectBuilder::new().schema_type(Type::Integer));
                    retry_after.description =
                        Some("Whole seconds to wait before the next request.".to_owned());
                    response
                        .headers
                        .insert("Retry-After".to_owned(), retry_after);
                }
            }
        }
    }
}

fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .flatten()
}
