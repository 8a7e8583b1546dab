//! What dashboards, clerks and inspectors rely on, one case each.

use std::sync::Arc;

use futures::StreamExt;
use ledger_api::auth::Access;
use ledger_api::Role;
use ledger_store::{AppendRequest, ExpectedVersion, NewEvent, StreamName};

use crate::helpers::{problem, TestApp};

pub(crate) fn raw_event(i: usize) -> NewEvent {
    NewEvent {
        event_id: uuid::Uuid::new_v4(),
        kind: "Noted".to_owned(),
        schema_version: 1,
        occurred_on: chrono::NaiveDate::from_ymd_opt(2023, 3, 1).unwrap(),
        recorded_by: "test".to_owned(),
        source_ref: None,
        payload: format!("{{\"i\":{i}}}"),
    }
}

async fn append_raw(app: &TestApp, stream: &str, n: usize) {
    app.store
        .append(AppendRequest::single(
            StreamName::parse(stream).unwrap(),
            ExpectedVersion::Any,
            (0..n).map(raw_event).collect(),
        ))
        .await
        .unwrap();
}

pub async fn health_needs_no_token_and_reports_the_head(app: TestApp) {
    append_raw(&app, "a", 2).await;
    let body: serde_json::Value = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["position"], 2);
}

/// Every operation of /openapi.json, with a concrete URL and a body good enough to get past
/// authentication.
async fn operations(app: &TestApp) -> Vec<(String, String, Access)> {
    let spec = app.openapi().await;
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(scope) = op["security"][0]["bearer"][0].as_str() else {
                continue; // public: /healthz
            };
            let access = Access::from_scope(scope)
                .unwrap_or_else(|| panic!("{method} {path} names unknown scope {scope}"));
            let url = path
                .replace("{stream}", "household-h1")
                .replace("{id}", "0000000000000000")
                .replace("{year}", "2023");
            ops.push((method.to_uppercase(), url, access));
        }
    }
    assert!(ops.len() >= 5, "the spec lists too few operations: {ops:?}");
    ops
}

pub async fn every_route_answers_every_role_as_its_scope_says(app: TestApp) {
    let revoked = app.store.create_token("gone", "recorder").await.unwrap();
    app.store.revoke_token(&revoked.record.id).await.unwrap();
    for (method, url, access) in operations(&app).await {
        let request = |token: Option<&str>| {
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let mut r = app
                .client
                .request(method, app.url(&url))
                .header("content-type", "application/json")
                .body("{}");
            if let Some(t) = token {
                r = r.bearer_auth(t);
            }
            r
        };
        let no_token = request(None).send().await.unwrap();
        assert_eq!(no_token.status(), 401, "{method} {url} without a token");
        let bad = request(Some("wl_0000000000000000_00"))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 401, "{method} {url} with a bad token");
        let gone = request(Some(&revoked.token)).send().await.unwrap();
        assert_eq!(gone.status(), 401, "{method} {url} with a revoked token");
        for role in Role::ALL {
            let status = request(Some(app.token(role)))
                .send()
                .await
                .unwrap()
                .status();
            if role.may(access) {
                assert!(
                    status != 401 && status != 403,
                    "{role} may {method} {url} but got {status}"
                );
            } else {
                assert_eq!(status, 403, "{role} must not {method} {url}");
            }
        }
    }
}

pub async fn the_feed_pages_with_a_cursor_and_refuses_bad_limits(app: TestApp) {
    append_raw(&app, "a", 3).await;
    append_raw(&app, "b", 2).await;
    let first = app.get_ok(Role::Inspector, "/api/v1/events?limit=2").await;
    assert_eq!(first["position"], 5);
    assert_eq!(first["events"].as_array().unwrap().len(), 2);
    assert_eq!(first["next_after"], 2);
    assert_eq!(
        first["events"][0]["payload"]["i"], 0,
        "payload is JSON, not a string"
    );
    assert_eq!(first["events"][0]["hash"].as_str().unwrap().len(), 64);

    let last = app
        .get_ok(Role::Inspector, "/api/v1/events?after=4&limit=2")
        .await;
    assert_eq!(last["events"][0]["position"], 5);
    assert!(last["next_after"].is_null());

    for bad in [
        "limit=0",
        "limit=1001",
        "limit=ten",
        "after=-1",
        "colour=red",
    ] {
        let response = app
            .get_as(Role::Inspector, &format!("/api/v1/events?{bad}"))
            .send()
            .await
            .unwrap();
        problem(response, 400).await;
    }
}

pub async fn an_entity_history_lists_its_stream_and_unknown_streams_are_404(app: TestApp) {
    append_raw(&app, "household-h1", 2).await;
    append_raw(&app, "household-h2", 1).await;
    let history = app
        .get_ok(Role::Recorder, "/api/v1/streams/household-h1/events")
        .await;
    let versions: Vec<_> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["stream_version"].as_u64().unwrap())
        .collect();
    assert_eq!(versions, vec![1, 2]);
    let missing = app
        .get_as(Role::Recorder, "/api/v1/streams/household-none/events")
        .send()
        .await
        .unwrap();
    problem(missing, 404).await;
    let bad = app
        .get_as(Role::Recorder, "/api/v1/streams/bad%20name/events")
        .send()
        .await
        .unwrap();
    assert_eq!(problem(bad, 400).await["field"], "stream");
}

/// Reads SSE frames until `want` events arrived; returns their ids.
async fn read_ids(response: reqwest::Response, want: usize) -> Vec<u64> {
    let mut ids = Vec::new();
    let mut buffer = String::new();
    let mut body = response.bytes_stream();
    while ids.len() < want {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(20), body.next())
            .await
            .expect("the stream stalled")
            .expect("the stream ended")
            .unwrap();
        buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            if let Some(id) = frame.lines().find_map(|l| l.strip_prefix("id: ")) {
                ids.push(id.parse().unwrap());
            }
        }
    }
    ids
}

pub async fn the_live_stream_never_skips_or_reorders_under_concurrent_writers_and_a_reconnect(
    app: TestApp,
) {
    let app = Arc::new(app);
    append_raw(&app, "before", 5).await;
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let app = app.clone();
            tokio::spawn(async move {
                for _ in 0..25 {
                    append_raw(&app, &format!("writer-{w}"), 2).await;
                }
            })
        })
        .collect();
    let total = 5 + 4 * 25 * 2;

    let first = app
        .get_as(Role::Inspector, "/api/v1/events/stream")
        .send()
        .await
        .unwrap();
    assert_eq!(first.headers()["content-type"], "text/event-stream");
    let mut ids = read_ids(first, 40).await;
    // Drop the connection mid-stream, then resume from the last id received.
    let resumed = app
        .get_as(Role::Inspector, "/api/v1/events/stream")
        .header("Last-Event-ID", ids.last().unwrap().to_string())
        .send()
        .await
        .unwrap();
    let rest = total - ids.len();
    ids.extend(read_ids(resumed, rest).await);
    for w in writers {
        w.await.unwrap();
    }
    assert_eq!(ids, (1..=total as u64).collect::<Vec<_>>());
}

pub async fn admin_tokens_are_created_shown_once_and_revoked_at_once(app: TestApp) {
    let created: serde_json::Value = app
        .post_as(Role::Admin, "/api/v1/tokens")
        .json(&serde_json::json!({"role": "dashboard", "name": "city hall screen"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    let id = created["id"].as_str().unwrap().to_owned();
    let health = |t: String| {
        app.client
            .get(app.url("/api/v1/tokens"))
            .bearer_auth(t)
            .send()
    };
    // A dashboard token authenticates (403 for the admin route, not 401).
    assert_eq!(health(token.clone()).await.unwrap().status(), 403);
    let listed = app.get_ok(Role::Admin, "/api/v1/tokens").await;
    let text = listed.to_string();
    assert!(text.contains(&id));
    assert!(
        !text.contains(&token),
        "listing never shows a token's secret"
    );

    let revoked = app
        .client
        .delete(app.url(&format!("/api/v1/tokens/{id}")))
        .bearer_auth(app.token(Role::Admin))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 204);
    assert_eq!(health(token).await.unwrap().status(), 401);

    let bad_role = app
        .post_as(Role::Admin, "/api/v1/tokens")
        .json(&serde_json::json!({"role": "mayor", "name": "x"}))
        .send()
        .await
        .unwrap();
    problem(bad_role, 400).await;
}

pub async fn errors_are_problem_documents_with_security_headers_and_no_cors(app: TestApp) {
    let missing = app
        .get_as(Role::Recorder, "/api/v1/nowhere")
        .send()
        .await
        .unwrap();
    let headers = missing.headers().clone();
    problem(missing, 404).await;
    assert_security_headers(&headers);
    let ok = app
        .get_as(Role::Dashboard, "/api/v1/units")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_security_headers(ok.headers());

    let wrong_method = app.client.put(app.url("/healthz")).send().await.unwrap();
    problem(wrong_method, 405).await;

    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/events"))
        .header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await
        .unwrap();
    assert!(preflight
        .headers()
        .get("access-control-allow-origin")
        .is_none());

    let huge = format!(
        "{{\"role\":\"dashboard\",\"name\":\"{}\"}}",
        "x".repeat(ledger_api::limits::BODY_BYTES_MAX)
    );
    let too_large = app
        .post_as(Role::Admin, "/api/v1/tokens")
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    problem(too_large, 413).await;

    let not_json = app
        .post_as(Role::Admin, "/api/v1/tokens")
        .header("content-type", "application/json")
        .body("{\"role\": ")
        .send()
        .await
        .unwrap();
    problem(not_json, 400).await;
}

/// The headers every answer carries, errors and successes alike, and no CORS grant.
fn assert_security_headers(headers: &reqwest::header::HeaderMap) {
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(
        headers["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'"
    );
    assert!(headers.get("access-control-allow-origin").is_none());
}

pub async fn a_route_missing_from_the_openapi_document_is_refused() {
    let db = ledger_testkit::TestDb::sqlite().await;
    let store = Arc::new(db.open().await);
    let state = ledger_api::AppState::load(store).await.unwrap();
    let (router, spec) = ledger_api::openapi_router()
        .route("/undocumented", axum::routing::get(|| async { "hidden" }))
        .split_for_parts();
    let app = ledger_api::finish(router, spec).with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let response = reqwest::get(format!("http://{address}/undocumented"))
        .await
        .unwrap();
    let body = problem(response, 500).await;
    assert!(
        body.to_string().contains("internal"),
        "500s explain nothing: {body}"
    );
}

pub async fn a_token_over_its_rate_limit_gets_429_with_retry_after_and_others_do_not(app: TestApp) {
    let burst = 3;
    let (base, limiter) = crate::helpers::serve_rate_limited(
        app.store.clone(),
        ledger_api::RateLimit {
            per_second: 1,
            burst,
        },
    )
    .await;
    let get = |token: String| {
        app.client
            .get(format!("{base}/api/v1/units"))
            .bearer_auth(token)
            .send()
    };
    let dashboard = app.token(Role::Dashboard).to_owned();

    // A fresh bucket holds the whole burst; a burst beyond it is refused. The bound only keeps
    // a very slow machine (one request per refill) from looping for ever.
    let mut passed = 0;
    let refused = loop {
        let response = get(dashboard.clone()).await.unwrap();
        if response.status() == 429 {
            break response;
        }
        assert_eq!(response.status(), 200);
        passed += 1;
        assert!(passed < 100, "no 429 after {passed} requests at 1/s");
    };
    assert!(passed >= burst, "only {passed} passed before the first 429");
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    let body = problem(refused, 429).await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("1 requests per second"),
        "{body}"
    );

    // Another token, and requests needing no token, are not held back by this one.
    let other = get(app.token(Role::Recorder).to_owned()).await.unwrap();
    assert_eq!(other.status(), 200);
    let health = app
        .client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);

    // Unknown and forged tokens are refused before any bucket is made for them.
    for forged in [
        "wl_0011223344556677_00",
        "nonsense",
        &format!("{dashboard}0"),
    ] {
        let r = get(forged.to_owned()).await.unwrap();
        problem(r, 401).await;
    }
    assert_eq!(limiter.tracked(), 2, "buckets only for the two real tokens");

    // Waiting as long as Retry-After says is enough.
    tokio::time::sleep(std::time::Duration::from_secs(retry_after)).await;
    let again = get(dashboard).await.unwrap();
    assert_eq!(again.status(), 200);

    // The document says so.
    let spec: serde_json::Value = app
        .client
        .get(format!("{base}/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let too_many = &spec["paths"]["/api/v1/units"]["get"]["responses"]["429"];
    assert!(too_many["headers"]["Retry-After"].is_object(), "{too_many}");
    assert!(
        too_many["content"]["application/problem+json"].is_object(),
        "{too_many}"
    );
}
