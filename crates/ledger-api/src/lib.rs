//! `ledger-api` owns the HTTP surface: axum routes, authentication and roles, JSON shapes,
//! the OpenAPI document generated from the handlers, and the one mapping from domain and
//! store errors to `application/problem+json` responses.

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

fn security_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}
