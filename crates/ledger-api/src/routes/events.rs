//! The log itself: a cursor-paginated feed, one entity's history, and a live stream.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::Json;
use futures::Stream;
use ledger_store::{RecordedEvent, StreamName};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{scope, Authorized};
use crate::extract::{ApiPath, ApiQuery};
use crate::limits::{PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX, STREAM_KEEP_ALIVE, STREAM_POLL_INTERVAL};
use crate::problem::ApiError;
use crate::state::AppState;

/// One event with its full envelope, as stored.
#[derive(Serialize, ToSchema)]
pub struct EventOut {
    pub position: u64,
    pub stream: String,
    pub stream_version: u64,
    pub event_id: uuid::Uuid,
    pub kind: String,
    pub schema_version: u32,
    #[schema(value_type = String, format = Date)]
    pub occurred_on: chrono::NaiveDate,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    pub recorded_by: String,
    pub source_ref: Option<String>,
    /// The payload, byte for byte as stored and hashed.
    #[schema(value_type = Object)]
    pub payload: Box<RawValue>,
    /// SHA-256 chain hash, hex.
    pub hash: String,
}

impl EventOut {
    pub fn from_recorded(e: RecordedEvent) -> Result<EventOut, ApiError> {
        let payload = RawValue::from_string(e.payload).map_err(|err| {
            ApiError::Internal(format!(
                "payload at position {} is not JSON: {err}",
                e.position
            ))
        })?;
        Ok(EventOut {
            position: e.position,
            stream: e.stream,
            stream_version: e.stream_version,
            event_id: e.event_id,
            kind: e.kind,
            schema_version: e.schema_version,
            occurred_on: e.occurred_on,
            recorded_at: e.recorded_at,
            recorded_by: e.recorded_by,
            source_ref: e.source_ref,
            payload,
            hash: hex_of(&e.hash),
        })
    }
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    /// Return events after this position (0 = from the start).
    #[serde(default)]
    pub after: u64,
    /// Events per page, 1 to 1000 (default 100).
    pub limit: Option<u32>,
}

/// One Server-Sent Event of the live stream, as a client's SSE parser sees it (OpenAPI 3.1
/// describes an event stream by the schema of one event).
#[derive(ToSchema)]
#[allow(dead_code)] // documents the wire format; the stream is written by axum's `Sse`
pub struct LiveEvent {
    /// The event's position.
    id: String,
    /// The event's kind, e.g. `HouseBuilt`.
    event: String,
    /// The event as in /api/v1/events, as JSON text.
    #[schema(content_media_type = "application/json")]
    data: String,
}

#[derive(Serialize, ToSchema)]
pub struct FeedPage {
    pub events: Vec<EventOut>,
    /// Pass as `after` for the next page; null when this page reached the head.
    pub next_after: Option<u64>,
    /// The ledger's head position when the page was read.
    pub position: u64,
}

#[utoipa::path(get, path = "/api/v1/events", tag = "events", params(FeedQuery),
    security(("bearer" = ["details"])),
    responses((status = 200, body = FeedPage), (status = 400, body = crate::problem::Problem),
        (status = 401, body = crate::problem::Problem), (status = 403, body = crate::problem::Problem)))]
pub async fn feed(
    State(state): State<AppState>,
    _: Authorized<scope::Details>,
    ApiQuery(query): ApiQuery<FeedQuery>,
) -> Result<Json<FeedPage>, ApiError> {
    let limit = query.limit.unwrap_or(PAGE_SIZE_DEFAULT);
    if limit == 0 || limit > PAGE_SIZE_MAX {
        return Err(ApiError::bad_field(
            "limit",
            format!("limit must be 1 to {PAGE_SIZE_MAX}"),
        ));
    }
    let head = state.store.head().await?;
    let page = state.store.read_page(query.after, limit).await?;
    let last = page.last().map(|e| e.position);
    let events = page
        .into_iter()
        .map(EventOut::from_recorded)
        .collect::<Result<Vec<_>, _>>()?;
    let next_after = last.filter(|&p| p < head.position);
    Ok(Json(FeedPage {
        events,
        next_after,
        position: head.position,
    }))
}

#[utoipa::path(get, path = "/api/v1/streams/{stream}/events", tag = "events",
    params(("stream" = String, Path, description = "e.g. household-H001, sponsorship-S001, programme-housing-2023")),
    security(("bearer" = ["details"])),
    responses((status = 200, body = Vec<EventOut>), (status = 400, body = crate::problem::Problem),
        (status = 401, body = crate::problem::Problem), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem)))]
pub async fn history(
    State(state): State<AppState>,
    _: Authorized<scope::Details>,
    ApiPath(stream): ApiPath<String>,
) -> Result<Json<Vec<EventOut>>, ApiError> {
    let name =
        StreamName::parse(stream).map_err(|e| ApiError::bad_field("stream", e.to_string()))?;
    let events = state.store.read_stream(&name, 1).await?;
    if events.is_empty() {
        return Err(ApiError::NotFound(format!("no events in stream {name}")));
    }
    Ok(Json(
        events
            .into_iter()
            .map(EventOut::from_recorded)
            .collect::<Result<_, _>>()?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StreamQuery {
    /// Start after this position; `Last-Event-ID` takes precedence when a client reconnects.
    #[serde(default)]
    pub after: u64,
}

/// Rows read per round while streaming.
const STREAM_PAGE_ROWS: u32 = 500;

/// Server-Sent Events: every event after the cursor, in position order, then new ones as they
/// are committed. Each SSE `id` is the position, so a reconnect with `Last-Event-ID` resumes
/// exactly after the last event received.
#[utoipa::path(get, path = "/api/v1/events/stream", tag = "events", params(StreamQuery,
        ("Last-Event-ID" = Option<u64>, Header, description = "resume after this position")),
    security(("bearer" = ["details"])),
    responses((status = 200, content_type = "text/event-stream", body = LiveEvent,
        description = "SSE: `id` = position, `event` = kind, `data` = the event as in /api/v1/events"),
        (status = 400, body = crate::problem::Problem), (status = 401, body = crate::problem::Problem),
        (status = 403, body = crate::problem::Problem)))]
pub async fn live(
    State(state): State<AppState>,
    _: Authorized<scope::Details>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<StreamQuery>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, ApiError> {
    let after = match headers.get("last-event-id") {
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .ok_or_else(|| {
                ApiError::bad_field("Last-Event-ID", "Last-Event-ID must be a position")
            })?,
        None => query.after,
    };
    Ok(Sse::new(event_stream(state, after))
        .keep_alive(KeepAlive::new().interval(STREAM_KEEP_ALIVE)))
}

struct Cursor {
    state: AppState,
    after: u64,
    pending: std::collections::VecDeque<RecordedEvent>,
    commits: tokio::sync::watch::Receiver<u64>,
}

fn event_stream(state: AppState, after: u64) -> impl Stream<Item = Result<SseEvent, Infallible>> {
    let commits = state.store.subscribe();
    let cursor = Cursor {
        state,
        after,
        pending: Default::default(),
        commits,
    };
    futures::stream::unfold(cursor, |mut c| async move {
        loop {
            if let Some(e) = c.pending.pop_front() {
                c.after = e.position;
                let kind = e.kind.clone();
                let id = e.position.to_string();
                let data = match EventOut::from_recorded(e).and_then(|out| {
                    serde_json::to_string(&out).map_err(|err| ApiError::Internal(err.to_string()))
                }) {
                    Ok(data) => data,
                    Err(error) => {
                        tracing::error!(%error, "cannot encode an event for the stream; closing it");
                        return None;
                    }
                };
                return Some((Ok(SseEvent::default().id(id).event(kind).data(data)), c));
            }
            match c.state.store.read_page(c.after, STREAM_PAGE_ROWS).await {
                Ok(page) if !page.is_empty() => c.pending.extend(page),
                Ok(_) => wait_for_commit(&mut c.commits, STREAM_POLL_INTERVAL).await,
                Err(error) => {
                    tracing::warn!(%error, "event stream read failed; closing it so the client reconnects");
                    return None;
                }
            }
        }
    })
}

/// Returns when this process commits, or after `poll` (other processes' commits).
async fn wait_for_commit(commits: &mut tokio::sync::watch::Receiver<u64>, poll: Duration) {
    let _ = tokio::time::timeout(poll, commits.changed()).await;
}
