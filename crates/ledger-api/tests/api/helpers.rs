//! `spawn_app`: the real application on a loopback port with a fresh database and one token
//! per role.

use std::collections::HashMap;
use std::sync::Arc;

use ledger_api::rate_limit::RateLimiter;
use ledger_api::{app, AppState, RateLimit, Role};
use ledger_store::EventStore;
use ledger_testkit::TestDb;

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub store: Arc<EventStore>,
    pub tokens: HashMap<Role, String>,
    /// Kept so the database outlives the server.
    pub _db: TestDb,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn token(&self, role: Role) -> &str {
        &self.tokens[&role]
    }

    pub fn get_as(&self, role: Role, path: &str) -> reqwest::RequestBuilder {
        self.client
            .get(self.url(path))
            .bearer_auth(self.token(role))
    }

    /// GETs `path` as `role`, asserts 200 and returns the JSON body.
    pub async fn get_ok(&self, role: Role, path: &str) -> serde_json::Value {
        let response = self.get_as(role, path).send().await.unwrap();
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.unwrap()
    }

    /// The live `/openapi.json` (public: no token).
    pub async fn openapi(&self) -> serde_json::Value {
        let response = self
            .client
            .get(self.url("/openapi.json"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "GET /openapi.json");
        response.json().await.unwrap()
    }

    pub fn post_as(&self, role: Role, path: &str) -> reqwest::RequestBuilder {
        self.client
            .post(self.url(path))
            .bearer_auth(self.token(role))
    }
}

/// Serves `state` on a fresh loopback port; returns the base URL.
async fn serve(state: AppState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app(state)).await });
    format!("http://{address}")
}

/// A second server over the same store with its own rate limit; returns its base URL and
/// its limiter, so a test can see which tokens hold buckets.
pub async fn serve_rate_limited(
    store: Arc<EventStore>,
    limit: RateLimit,
) -> (String, Arc<RateLimiter>) {
    let state = AppState::load(store).await.unwrap().with_rate_limit(limit);
    let limiter = state.rate_limiter.clone();
    (serve(state).await, limiter)
}

pub async fn spawn_app(db: TestDb) -> TestApp {
    let store = Arc::new(db.open().await);
    let state = AppState::load(store.clone()).await.unwrap();
    let base = serve(state).await;
    let mut tokens = HashMap::new();
    for role in Role::ALL {
        let created = store
            .create_token(&format!("test-{role}"), role.as_str())
            .await
            .unwrap();
        tokens.insert(role, created.token);
    }
    TestApp {
        base,
        client: reqwest::Client::new(),
        store,
        tokens,
        _db: db,
    }
}

/// Asserts a response is a problem document with `status`, and returns it.
pub async fn problem(response: reqwest::Response, status: u16) -> serde_json::Value {
    assert_eq!(response.status().as_u16(), status, "status");
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], status);
    for key in ["type", "title", "detail"] {
        assert!(body[key].is_string(), "problem lacks {key}: {body}");
    }
    body
}
