//! The API's one error type and its one mapping to `application/problem+json` (RFC 9457).
//! Every failure a client can see goes through here; 500s are logged and never explained.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use ledger_store::{AppendError, StoreError};
use serde::Serialize;
use utoipa::ToSchema;

/// A problem document, as clients receive it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The request field at fault, where there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request is malformed (syntax, types, unknown fields, bad parameters).
    #[error("{detail}")]
    BadRequest {
        detail: String,
        field: Option<String>,
    },
    /// 401: no token, or one that is unknown, malformed or revoked.
    #[error("a valid bearer token is required")]
    Unauthorized,
    /// 403: the token's role may not do this.
    #[error("role {role} may not {needed}")]
    Forbidden { role: String, needed: &'static str },
    /// 404: no such resource.
    #[error("{0}")]
    NotFound(String),
    /// 405: the route exists, the method does not.
    #[error("method not allowed on this route")]
    MethodNotAllowed,
    /// 409: a concurrent change got there first; retrying may succeed.
    #[error("{0}")]
    Conflict(String),
    /// 413: the body is larger than the documented limit.
    #[error("{0}")]
    TooLarge(String),
    /// 415: the body is not JSON.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422: well-formed, but a rule of the ledger refuses it.
    #[error("{detail}")]
    Unprocessable {
        detail: String,
        field: Option<String>,
    },
    /// 429: this token has used up its rate limit; `Retry-After` says when to come back.
    #[error("{0}")]
    RateLimited(#[from] crate::rate_limit::Limited),
    /// 503: the database is not answering.
    #[error("the ledger is temporarily unavailable")]
    Unavailable,
    /// 500: our fault; the cause is logged, not shown.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn bad_request(detail: impl Into<String>) -> Self {
        ApiError::BadRequest {
            detail: detail.into(),
            field: None,
        }
    }

    pub fn bad_field(field: &str, detail: impl Into<String>) -> Self {
        ApiError::BadRequest {
            detail: detail.into(),
            field: Some(field.to_owned()),
        }
    }

    pub fn unprocessable(detail: impl Into<String>) -> Self {
        ApiError::Unprocessable {
            detail: detail.into(),
            field: None,
        }
    }

    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            ApiError::BadRequest { .. } => {
                (StatusCode::BAD_REQUEST, "bad-request", "Malformed request")
            }
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Authentication required",
            ),
            ApiError::Forbidden { .. } => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "Not allowed for this role",
            ),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not-found", "Not found"),
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
            ),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict", "Concurrent change"),
            ApiError::TooLarge(_) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "Request too large",
            ),
            ApiError::UnsupportedMediaType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Body must be JSON",
            ),
            ApiError::Unprocessable { .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "rule-broken",
                "Refused by a rule of the ledger",
            ),
            ApiError::RateLimited(_) => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many requests",
            ),
            ApiError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Unavailable",
            ),
            ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(cause) = &self {
            tracing::error!(%cause, "internal error");
        }
        let (status, slug, title) = self.parts();
        let field = match &self {
            ApiError::BadRequest { field, .. } | ApiError::Unprocessable { field, .. } => {
                field.clone()
            }
            _ => None,
        };
        let problem = Problem {
            kind: format!("urn:welfare-ledger:problem:{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: self.to_string(),
            field,
        };
        let mut response = (status, axum::Json(problem)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let ApiError::RateLimited(limited) = &self {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(limited.retry_after_secs),
            );
        }
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            // The rest of the body is never read, so the server drops the connection after
            // this answer; without saying so, a client reusing it loses its next request.
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            e if e.is_unavailable() => {
                tracing::error!(error = %e, "database unavailable");
                ApiError::Unavailable
            }
            StoreError::UnknownToken(id) => ApiError::NotFound(format!("no token with id {id}")),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<AppendError> for ApiError {
    fn from(error: AppendError) -> Self {
        match error {
            AppendError::Conflict { .. } => ApiError::Conflict(error.to_string()),
            AppendError::IdempotencyMismatch { .. } | AppendError::PartialRetry { .. } => {
                ApiError::unprocessable(format!(
                    "{error}: an event id may only be reused with the same content"
                ))
            }
            AppendError::IdempotencyKeyReused { key } => ApiError::unprocessable(format!(
                "Idempotency-Key {:?} was already used with a different request",
                key.rsplit(':').next().unwrap_or(&key)
            )),
            AppendError::Invalid(v) => ApiError::bad_request(v.to_string()),
            AppendError::Storage(cause) => ApiError::Internal(cause.to_string()),
            AppendError::Closed => ApiError::Unavailable,
        }
    }
}

impl From<crate::write::WriteError> for ApiError {
    fn from(error: crate::write::WriteError) -> Self {
        use crate::write::WriteError;
        match error {
            WriteError::Rule(rule) => ApiError::unprocessable(rule.to_string()),
            WriteError::Append(append) => append.into(),
            WriteError::Store(store) => store.into(),
            WriteError::Encoding(cause) => ApiError::Internal(cause),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let detail = rejection.body_text();
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::TooLarge(detail),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType(detail),
            _ => ApiError::BadRequest {
                field: field_of(&detail),
                detail,
            },
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::bad_request(rejection.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        let detail = rejection.body_text();
        ApiError::BadRequest {
            field: field_of(&detail),
            detail,
        }
    }
}

/// serde names the path of a bad value as "`a.b`: …" or "field `x`"; pass it on as `field`.
fn field_of(detail: &str) -> Option<String> {
    let after = detail
        .split_once("field `")
        .map(|(_, rest)| rest)
        .or_else(|| {
            detail
                .split_once(": ")
                .and_then(|(_, rest)| rest.split_once(": "))
                .map(|(path, _)| path)
                .filter(|p| !p.contains(' '))
        })?;
    Some(after.split('`').next().unwrap_or(after).to_owned())
}
