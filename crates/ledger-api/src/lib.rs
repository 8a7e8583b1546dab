//! `ledger-api` owns the HTTP surface: axum routes, authentication and roles, JSON shapes,
//! the OpenAPI document generated from the handlers, and the one mapping from domain and
//! store errors to `application/problem+json` responses.

pub mod allocator;
mod answer_body;
mod answers;
pub mod audit;
pub mod auth;
mod extract;
pub mod finance;
pub mod import;
pub mod integrity;
pub mod limits;
mod openapi;
pub mod problem;
pub mod rate_limit;
mod routes;
mod state;
pub mod view;
pub mod write;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

pub use auth::Role;
pub use openapi::{finish, openapi_router};
pub use rate_limit::RateLimit;
pub use state::AppState;

/// The whole HTTP application; the binary serves it, tests call it in-process or over a
/// socket. Cross-origin requests are not enabled: no CORS headers are ever sent.
pub fn app(state: AppState) -> Router {
    let (router, spec) = openapi_router().split_for_parts();
    with_layers(finish(router, spec).with_state(state))
}

/// Limits and security headers around any router built by [`finish`].
pub fn with_layers(router: Router) -> Router {
    router
        .layer(axum::middleware::from_fn(close_after_refusing_a_body))
        .layer(DefaultBodyLimit::max(limits::BODY_BYTES_MAX))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits::REQUEST_TIMEOUT,
        ))
        .layer(security_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(security_header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(security_header(header::REFERRER_POLICY, "no-referrer"))
        .layer(security_header(header::CACHE_CONTROL, "no-store"))
        .layer(security_header(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'",
        ))
}

/// Authentication, roles and the rate limit answer before the body is read. The unread rest
/// of a body makes the server drop the connection after answering; saying `Connection:
/// close` lets the client open a new one instead of losing its next request on this one.
async fn close_after_refusing_a_body(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let has_body = request.headers().contains_key(header::TRANSFER_ENCODING)
        || request
            .headers()
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0");
    let mut response = next.run(request).await;
    let refused_early = matches!(
        response.status(),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::TOO_MANY_REQUESTS
    );
    if has_body && refused_early {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

fn security_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}
