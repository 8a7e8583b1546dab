//! Measurements through the real HTTP application on a loopback port: dashboard and historical
//! queries against an existing ledger, and concurrent appends from many connections.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use ledger_api::AppState;
use ledger_domain::projection::annual::annual_report;
use ledger_domain::projection::budget::budget_summary;
use ledger_domain::projection::housing::housing_progress;
use ledger_domain::projection::sponsorship::totals;
use ledger_store::EventStore;
use serde_json::{json, Value};

/// A dashboard query's rendering: ledger, query date, report year.
type Render = fn(&ledger_domain::Ledger, chrono::NaiveDate, i32);

/// A running application and a client holding a token of one role.
struct Served {
    base: String,
    client: reqwest::Client,
    token: String,
    store: Arc<EventStore>,
    state: AppState,
}

impl Served {
    /// Starts serving; gives the seconds to load the ledger and what memory the load and the
    /// snapshot written below took (`serve` writes one every `SNAPSHOT_EVERY_EVENTS`).
    async fn start(store: Arc<EventStore>, role: &str) -> anyhow::Result<(Served, f64, Value)> {
        let started = Instant::now();
        let state = AppState::load(store.clone()).await?;
        let load_seconds = started.elapsed().as_secs_f64();
        let load_peak = crate::peak_rss_mib();
        let loaded = crate::rss_mib();
        let reset = crate::reset_peak_rss();
        // Historical queries at the head start from this snapshot; earlier ones cannot.
        state.view.write_snapshot(&store).await?;
        let memory = json!({"peak_rss_mib": load_peak, "rss_mib_loaded": loaded,
            "peak_rss_mib_snapshot_write": reset.then(crate::peak_rss_mib).flatten()});
        // Measurements are of the ledger, not of the per-token rate limit.
        let state = state.with_rate_limit(ledger_api::RateLimit::OFF);
        let kept = state.clone();
        let token = store.create_token("bench", role).await?.token;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        tokio::spawn(async move {
            let _ = axum::serve(listener, ledger_api::app(kept)).await;
        });
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .build()?;
        let served = Served {
            base,
            client,
            token,
            store,
            state,
        };
        Ok((served, load_seconds, memory))
    }

    /// The time to the whole answer, and its size in bytes.
    async fn get(&self, path: &str) -> anyhow::Result<(Duration, usize)> {
        let started = Instant::now();
        let mut response = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await?;
        let status = response.status();
        // The body is read as it arrives and let go: the client shares the server's process,
        // whose peak memory the bench reports, and a real client holds its copy elsewhere.
        let (mut received, mut start) = (0usize, Vec::new());
        while let Some(chunk) = response.chunk().await? {
            received += chunk.len();
            if start.len() < ERROR_BODY_BYTES {
                start.extend_from_slice(&chunk[..chunk.len().min(ERROR_BODY_BYTES - start.len())]);
            }
        }
        anyhow::ensure!(
            status.is_success(),
            "GET {path}: {status} ({received} bytes) {}",
            String::from_utf8_lossy(&start)
        );
        Ok((started.elapsed(), received))
    }

    async fn post(&self, path: &str, body: &Value) -> anyhow::Result<Duration> {
        let started = Instant::now();
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await?;
        let status = response.status();
        let text = response.text().await?;
        anyhow::ensure!(status.is_success(), "POST {path}: {status} {text}");
        Ok(started.elapsed())
    }
}

fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e5).round() / 100.0
}

/// p50, p99 and max of `samples` (sorted in place), in milliseconds.
fn percentiles(samples: &mut [Duration]) -> Value {
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    json!({"p50_ms": millis(at(0.5)), "p99_ms": millis(at(0.99)),
        "max_ms": millis(at(1.0)), "samples": samples.len()})
}

/// Dashboard queries (live view) and `as_of` / `known_at` queries (replays) over HTTP.
pub async fn queries(database_url: &str, year: i32, samples: usize) -> anyhow::Result<()> {
    let store = Arc::new(EventStore::open(database_url).await?);
    let (served, load_seconds, memory) = Served::start(store.clone(), "inspector").await?;
    let head = store.head().await?;
    let mut startup = json!({"bench": "startup", "events": head.position,
        "seconds": (load_seconds * 1000.0).round() / 1000.0});
    if let (Some(line), Value::Object(memory)) = (startup.as_object_mut(), memory) {
        line.extend(memory);
    }
    println!("{startup}");
    let dashboards = [
        "/api/v1/budgets/summary".to_owned(),
        "/api/v1/housing".to_owned(),
        "/api/v1/sponsorship/totals".to_owned(),
        format!("/api/v1/reports/annual/{year}"),
    ];
    // Over HTTP: the first request renders the answer; the repeats at the same position are
    // given the rendered answer again (ledger-api's answer cache).
    for path in &dashboards {
        let (first, bytes) = served.get(path).await?;
        let mut times = Vec::with_capacity(samples);
        for _ in 0..samples.max(1) {
            times.push(served.get(path).await?.0);
        }
        println!(
            "{}",
            json!({"bench": "dashboard_query", "path": path, "events": head.position,
                "bytes": bytes, "first_ms": millis(first),
                "repeat_latency": percentiles(&mut times)})
        );
    }
    // The rendering alone, in process: what every request would pay without the cache, and
    // what the first request after each change of the ledger pays.
    let today = chrono::Utc::now().date_naive();
    let renders: [(&str, Render); 4] = [
        ("budget_summary", |l, _, _| drop(budget_summary(l))),
        ("housing_progress", |l, on, _| drop(housing_progress(l, on))),
        ("sponsorship_totals", |l, on, _| drop(totals(l, on))),
        ("annual_report", |l, on, year| {
            // As the route does: a past year as of its last day.
            let year_end = chrono::NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(on);
            drop(annual_report(l, year, on.min(year_end)))
        }),
    ];
    for (query, render) in renders {
        let folded = served.state.view.read().await;
        let mut times = Vec::with_capacity(samples);
        for _ in 0..samples.max(1) {
            let started = Instant::now();
            render(&folded.ledger, today, year);
            times.push(started.elapsed());
        }
        println!(
            "{}",
            json!({"bench": "dashboard_render", "query": query, "events": head.position,
                "latency": percentiles(&mut times)})
        );
    }
    let middle = recorded_at(&store, head.position / 2).await?;
    let latest = recorded_at(&store, head.position.saturating_sub(1)).await?;
    let summary = "/api/v1/budgets/summary";
    let historical = [
        // The budget summary compares dates itself: the live view answers a past `as_of`.
        ("as_of", format!("{summary}?as_of={year}-06-30")),
        // So do housing progress and sponsorship totals.
        (
            "as_of_housing",
            format!("/api/v1/housing?as_of={year}-06-30"),
        ),
        (
            "as_of_sponsorship",
            format!("/api/v1/sponsorship/totals?as_of={year}-06-30"),
        ),
        // So does the annual report.
        (
            "as_of_annual",
            format!("/api/v1/reports/annual/{year}?as_of={year}-06-30"),
        ),
        // So does the budget book.
        ("as_of_book", format!("/api/v1/budgets?as_of={year}-06-30")),
        // So do the poverty counts.
        (
            "as_of_poverty",
            format!("/api/v1/poverty?as_of={year}-06-30"),
        ),
        // So do the jobs figures.
        ("as_of_jobs", format!("/api/v1/jobs?as_of={year}-06-30")),
        // So does the trial balance.
        (
            "as_of_trial_balance",
            format!("/api/v1/accounts/trial-balance?as_of={year}-06-30"),
        ),
        // So do the per-row ones, here every sponsorship.
        (
            "as_of_rows",
            format!("/api/v1/sponsorship/sponsorships?as_of={year}-06-30"),
        ),
        // A page of them, as a dashboard would ask.
        (
            "as_of_rows_page",
            format!("/api/v1/sponsorship/sponsorships?as_of={year}-06-30&offset=0&limit=1000"),
        ),
        // Children turning 18 do not yet: a past `as_of` replays the log.
        (
            "as_of_replayed",
            format!("/api/v1/sponsorship/turning-18?as_of={year}-06-30"),
        ),
        // After every business date in the log: the live view answers.
        ("as_of_today", format!("{summary}?as_of={today}")),
        // Those compare log positions too: the live view answers a past `known_at` or
        // `at_position`.
        ("known_at_mid_log", format!("{summary}?known_at={middle}")),
        ("known_at_head", format!("{summary}?known_at={latest}")),
        (
            "known_at_book",
            format!("/api/v1/budgets?known_at={middle}&as_of={year}-06-30"),
        ),
        (
            "known_at_trial_balance",
            format!("/api/v1/accounts/trial-balance?known_at={middle}"),
        ),
        (
            "known_at_sponsorship",
            format!("/api/v1/sponsorship/totals?known_at={middle}"),
        ),
        (
            "known_at_annual",
            format!("/api/v1/reports/annual/{year}?as_of={year}-12-31&known_at={middle}"),
        ),
        (
            "known_at_poverty",
            format!("/api/v1/poverty?known_at={middle}"),
        ),
        (
            "at_position_mid_log",
            format!("{summary}?at_position={}", head.position / 2),
        ),
        // At the head: the live view, for every query.
        (
            "at_position_head",
            format!("{summary}?at_position={}", head.position),
        ),
        (
            "known_at_rows",
            format!("/api/v1/sponsorship/sponsorships?known_at={middle}"),
        ),
        (
            "known_at_rows_page",
            format!("/api/v1/sponsorship/sponsorships?known_at={middle}&offset=0&limit=1000"),
        ),
        // Children turning 18 replay a past `known_at` from the nearest snapshot.
        (
            "known_at_replayed",
            format!("/api/v1/sponsorship/turning-18?known_at={middle}"),
        ),
    ];
    for (axis, path) in &historical {
        let (first, bytes) = served.get(path).await?;
        let mut times = Vec::new();
        for _ in 0..3 {
            times.push(served.get(path).await?.0);
        }
        println!(
            "{}",
            json!({"bench": "historical_query", "axis": axis, "path": path,
                "events": head.position, "bytes": bytes, "first_ms": millis(first),
                "repeat_latency": percentiles(&mut times),
                "peak_rss_mib": crate::peak_rss_mib()})
        );
    }
    served.store.close().await;
    Ok(())
}

/// How much of a failed answer's body an error quotes.
const ERROR_BODY_BYTES: usize = 2_048;

/// The recorded time of the event after `position`, as RFC 3339 (URL-safe `Z` form).
async fn recorded_at(store: &EventStore, position: u64) -> anyhow::Result<String> {
    let page = store.read_page(position, 1).await?;
    let event = page.first().context("the ledger is empty")?;
    Ok(event
        .recorded_at
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
}

/// Concurrent single-event commands over HTTP, each connection its own household stream.
pub async fn http_append(url: &str, clients: usize, events: usize) -> anyhow::Result<()> {
    let store = Arc::new(EventStore::open(url).await?);
    let (served, _, _) = Served::start(store.clone(), "recorder").await?;
    served
        .post(
            "/api/v1/units",
            &json!({"code": "06703", "name": "Việt Hưng", "unit_kind": "ward",
                "valid_from": "2021-02-03", "registered_on": "2021-02-03"}),
        )
        .await?;
    let served = Arc::new(served);
    let per_client = events.div_ceil(clients.max(1));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients.max(1) {
        let served = served.clone();
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::with_capacity(per_client);
            for i in 0..per_client {
                let body = json!({"household_id": format!("bench-{c}-{i}"),
                    "unit_code": "06703", "members": 4, "registered_on": "2023-01-05"});
                times.push(served.post("/api/v1/households", &body).await?);
            }
            Ok::<_, anyhow::Error>(times)
        }));
    }
    let mut times = Vec::new();
    for task in tasks {
        times.extend(task.await??);
    }
    let seconds = started.elapsed().as_secs_f64();
    let stats = store.writer_stats();
    println!(
        "{}",
        json!({"bench": "http_append", "backend": store.backend_kind(), "clients": clients,
            "events": times.len(), "seconds": (seconds * 1000.0).round() / 1000.0,
            "events_per_s": (times.len() as f64 / seconds).round(),
            "latency": percentiles(&mut times),
            "events_per_transaction": stats.events as f64 / stats.transactions.max(1) as f64})
    );
    store.close().await;
    Ok(())
}
