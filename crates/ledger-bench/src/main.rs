//! `ledger-bench` measures the store and prints one JSON line per measurement. It never asserts
//! a timing: numbers are for people and for `BENCHMARKS.md`.
//!
//! ```sh
//! cargo run --release -p ledger-bench -- append --backend sqlite --clients 64
//! cargo run --release -p ledger-bench -- batch --backend postgres
//! cargo run --release -p ledger-bench -- http --backend sqlite --clients 64
//! cargo run --release -p ledger-bench -- queries --database-url sqlite:///tmp/province.db
//! cargo run --release -p ledger-bench -- replay --database-url sqlite:///tmp/province.db
//! ```

mod floor;
mod serving;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use ledger_store::{AppendRequest, EventStore, ExpectedVersion, NewEvent, StreamName};
use serde_json::json;
use sqlx::Connection;

mod startup;

/// The shipped binary's allocator, so the numbers are the ones it gets.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    bench: Bench,
}

#[derive(Subcommand)]
enum Bench {
    /// Concurrent single-event appends through the group-commit writer, fsync on.
    Append {
        #[arg(long, value_enum, default_value_t = Backend::Sqlite)]
        backend: Backend,
        /// Concurrent clients; repeat the flag to measure several counts in one run.
        #[arg(long, default_values_t = vec![1, 8, 64])]
        clients: Vec<usize>,
        /// Events per measurement.
        #[arg(long, default_value_t = 10_000)]
        events: usize,
    },
    /// Import an NDJSON file (e.g. from `welfare-ledger generate`) into a fresh ledger, then
    /// replay every projection from the log; events/s for both and peak memory. Then the
    /// floor: the same rows copied by plain sqlx, one row per statement in one transaction,
    /// and the import's ratio to it.
    Import {
        #[arg(long, value_enum, default_value_t = Backend::Sqlite)]
        backend: Backend,
        file: std::path::PathBuf,
    },
    /// Replay every projection from an existing log (e.g. one made by `welfare-ledger import`
    /// of the province file) `--runs` times in one process: events/s, and this process's CPU
    /// seconds per run (user and system), which the server's share does not blur.
    Replay {
        #[arg(long)]
        database_url: String,
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Also time each stage alone: reading the log's pages, and reading with every
        /// payload decoded (no fold), to tell which one bounds the replay.
        #[arg(long)]
        stages: bool,
    },
    /// Dashboard queries (p50/p99) and `as_of` / `known_at` replays over HTTP against an
    /// existing ledger, e.g. one made by `welfare-ledger import` of the province file.
    Queries {
        #[arg(long)]
        database_url: String,
        #[arg(long, default_value_t = 2023)]
        year: i32,
        #[arg(long, default_value_t = 200)]
        samples: usize,
    },
    /// Concurrent single-event commands over HTTP on loopback, one connection per client.
    Http {
        #[arg(long, value_enum, default_value_t = Backend::Sqlite)]
        backend: Backend,
        #[arg(long, default_value_t = 64)]
        clients: usize,
        #[arg(long, default_value_t = 10_000)]
        events: usize,
    },
    /// Import an NDJSON file into a fresh ledger, then time `AppState::load` without a
    /// projection snapshot, with one `SNAPSHOT_EVERY_EVENTS` behind the head (the worst case
    /// between background snapshots) and with one at the head; snapshot size and write time.
    Startup {
        #[arg(long, value_enum, default_value_t = Backend::Sqlite)]
        backend: Backend,
        #[arg(long)]
        file: std::path::PathBuf,
    },
    /// One client appending big batches (one append call of `--batch` events each).
    Batch {
        #[arg(long, value_enum, default_value_t = Backend::Sqlite)]
        backend: Backend,
        #[arg(long, default_value_t = 200_000)]
        events: usize,
        #[arg(long, default_value_t = 10_000)]
        batch: usize,
    },
}

#[derive(ValueEnum, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A database that exists for one measurement: a temp SQLite file, or a fresh database on the
/// server of `BENCH_DATABASE_URL` (default: the local test server), dropped afterwards.
struct Scratch {
    url: String,
    cleanup: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl Scratch {
    async fn new(backend: Backend) -> anyhow::Result<Scratch> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir()?;
                let url = format!("sqlite://{}", dir.path().join("bench.db").display());
                Ok(Scratch {
                    url,
                    cleanup: None,
                    _dir: Some(dir),
                })
            }
            Backend::Postgres => {
                let admin = std::env::var("BENCH_DATABASE_URL")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
                let name = format!("ledger_bench_{}", uuid::Uuid::new_v4().simple());
                let mut c = sqlx::PgConnection::connect(&admin)
                    .await
                    .context("connecting to BENCH_DATABASE_URL")?;
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut c)
                    .await?;
                let (base, _) = admin
                    .rsplit_once('/')
                    .context("database url without a path")?;
                let url = format!("{base}/{name}");
                Ok(Scratch {
                    url,
                    cleanup: Some((admin, name)),
                    _dir: None,
                })
            }
        }
    }

    async fn drop_database(self) -> anyhow::Result<()> {
        if let Some((admin, name)) = self.cleanup {
            let mut c = sqlx::PgConnection::connect(&admin).await?;
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut c)
                .await?;
        }
        Ok(())
    }
}

fn event(i: usize) -> NewEvent {
    NewEvent {
        // As the ledger's own write path chooses them (`ledger_api::write`): time-ordered.
        event_id: uuid::Uuid::now_v7(),
        kind: "PaymentReceived".to_owned(),
        schema_version: 1,
        occurred_on: chrono::NaiveDate::from_ymd_opt(2023, 1, 1).unwrap_or_default(),
        recorded_by: "bench".to_owned(),
        source_ref: None,
        payload: format!(
            r#"{{"sponsorship_id":"s-{}","amount":"1000000","months":["2023-01"]}}"#,
            i % 1000
        ),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> u128 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)].as_micros()
}

async fn append(backend: Backend, clients: usize, events: usize) -> anyhow::Result<()> {
    let scratch = Scratch::new(backend).await?;
    let store = Arc::new(EventStore::open(&scratch.url).await?);
    let per_client = events / clients.max(1);
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let store = store.clone();
            tokio::spawn(async move {
                let stream = StreamName::parse(format!("client-{c}"))?;
                let mut latencies = Vec::with_capacity(per_client);
                for i in 0..per_client {
                    let t = Instant::now();
                    store
                        .append(AppendRequest::single(
                            stream.clone(),
                            ExpectedVersion::Any,
                            vec![event(i)],
                        ))
                        .await?;
                    latencies.push(t.elapsed());
                }
                anyhow::Ok(latencies)
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(events);
    for t in tasks {
        latencies.extend(t.await??);
    }
    let seconds = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let stats = store.writer_stats();
    store.close().await;
    println!(
        "{}",
        json!({
            "bench": "append_single_event_concurrent",
            "backend": backend.name(),
            "clients": clients,
            "events": latencies.len(),
            "seconds": (seconds * 1000.0).round() / 1000.0,
            "events_per_s": (latencies.len() as f64 / seconds).round(),
            "p50_us": percentile(&latencies, 0.50),
            "p99_us": percentile(&latencies, 0.99),
            "transactions": stats.transactions,
            "events_per_transaction": (stats.events as f64 / stats.transactions.max(1) as f64 * 10.0).round() / 10.0,
        })
    );
    scratch.drop_database().await
}

async fn batch(backend: Backend, events: usize, batch: usize) -> anyhow::Result<()> {
    let scratch = Scratch::new(backend).await?;
    let store = EventStore::open(&scratch.url).await?;
    let stream = StreamName::parse("bulk")?;
    let started = Instant::now();
    let mut written = 0;
    while written < events {
        let n = batch.min(events - written);
        let chunk = (written..written + n).map(event).collect();
        store
            .append(AppendRequest::single(
                stream.clone(),
                ExpectedVersion::Any,
                chunk,
            ))
            .await?;
        written += n;
    }
    let seconds = started.elapsed().as_secs_f64();
    store.close().await;
    println!(
        "{}",
        json!({
            "bench": "append_big_batches",
            "backend": backend.name(),
            "events": written,
            "events_per_append": batch,
            "seconds": (seconds * 1000.0).round() / 1000.0,
            "events_per_s": (written as f64 / seconds).round(),
        })
    );
    scratch.drop_database().await
}

fn main() -> anyhow::Result<()> {
    ledger_api::allocator::return_freed_memory_soon();
    run()
}

#[tokio::main]
async fn run() -> anyhow::Result<()> {
    match Cli::parse().bench {
        Bench::Append {
            backend,
            clients,
            events,
        } => {
            for c in clients {
                append(backend, c, events).await?;
            }
        }
        Bench::Batch {
            backend,
            events,
            batch,
        } => self::batch(backend, events, batch).await?,
        Bench::Import { backend, file } => import(backend, &file).await?,
        Bench::Startup { backend, file } => startup::run(backend, &file).await?,
        Bench::Replay {
            database_url,
            runs,
            stages,
        } => replay(&database_url, runs, stages).await?,
        Bench::Queries {
            database_url,
            year,
            samples,
        } => serving::queries(&database_url, year, samples).await?,
        Bench::Http {
            backend,
            clients,
            events,
        } => {
            let scratch = Scratch::new(backend).await?;
            serving::http_append(&scratch.url, clients, events).await?;
            scratch.drop_database().await?
        }
    }
    Ok(())
}

/// Peak resident memory of this process so far (or since [`reset_peak_rss`]), from the
/// kernel (Linux), in MiB.
fn peak_rss_mib() -> Option<f64> {
    status_mib("VmHWM:")
}

/// Resident memory of this process now, in MiB.
fn rss_mib() -> Option<f64> {
    status_mib("VmRSS:")
}

fn status_mib(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some((kib / 1024.0 * 10.0).round() / 10.0)
}

/// Starts the peak over from the memory resident now (Linux's `clear_refs` value 5), so that
/// the peak of one step can be told from an earlier step's. False where that is not possible.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// This process's CPU time so far (user, system), in seconds; `None` off Linux.
fn cpu_seconds() -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')')?.1;
    let mut fields = rest.split_whitespace().skip(11);
    let user: f64 = fields.next()?.parse().ok()?;
    let system: f64 = fields.next()?.parse().ok()?;
    // USER_HZ is 100 on every Linux this runs on.
    Some((user / 100.0, system / 100.0))
}

async fn replay(database_url: &str, runs: usize, stages: bool) -> anyhow::Result<()> {
    let store = EventStore::open(database_url).await?;
    for run in 1..=runs {
        if stages {
            replay_stage(&store, run, false).await?;
            replay_stage(&store, run, true).await?;
        }
        let (cpu_before, started) = (cpu_seconds(), Instant::now());
        let (ledger, position) = ledger_api::view::replay_at(&store, None, None, None).await?;
        let seconds = started.elapsed().as_secs_f64();
        let cpu =
            cpu_since(cpu_before).map(|(user, system)| json!({"user": user, "system": system}));
        println!(
            "{}",
            json!({"bench": "replay_all_projections", "backend": store.backend_kind(),
                "run": run, "events": position, "seconds": (seconds * 1000.0).round() / 1000.0,
                "events_per_s": (position as f64 / seconds).round(), "cpu_seconds": cpu,
                "ignored_events": ledger.ignored_events(), "peak_rss_mib": peak_rss_mib()})
        );
        drop(ledger);
    }
    store.close().await;
    Ok(())
}

/// One stage of a replay alone: reading the log's pages, and with `decoded` every payload
/// decoded too (no fold).
async fn replay_stage(store: &EventStore, run: usize, decoded: bool) -> anyhow::Result<()> {
    let (cpu_before, started) = (cpu_seconds(), Instant::now());
    let (mut events, mut understood) = (0u64, 0u64);
    let mut pages = std::pin::pin!(store.read_all_pages(1));
    while let Some(page) = futures::TryStreamExt::try_next(&mut pages).await? {
        events += page.len() as u64;
        if decoded {
            let decodes = |e: &ledger_store::EventRef<'_>| {
                ledger_domain::Event::from_payload_text(e.kind, e.schema_version, e.payload).is_ok()
            };
            understood += page.iter().filter(decodes).count() as u64;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu = cpu_since(cpu_before).map(|(user, system)| ((user + system) * 100.0).round() / 100.0);
    println!(
        "{}",
        json!({"bench": if decoded { "replay_stage_read_decode" } else { "replay_stage_read" },
            "backend": store.backend_kind(), "run": run, "events": events,
            "understood": understood, "seconds": (seconds * 1000.0).round() / 1000.0,
            "events_per_s": (events as f64 / seconds).round(), "cpu_seconds": cpu})
    );
    Ok(())
}

/// CPU seconds (user, system) since `before`, to the hundredth.
fn cpu_since(before: Option<(f64, f64)>) -> Option<(f64, f64)> {
    let round = |seconds: f64| (seconds * 100.0).round() / 100.0;
    cpu_seconds()
        .zip(before)
        .map(|(after, before)| (round(after.0 - before.0), round(after.1 - before.1)))
}

async fn import(backend: Backend, file: &std::path::Path) -> anyhow::Result<()> {
    let scratch = Scratch::new(backend).await?;
    let store = EventStore::open(&scratch.url).await?;
    let input = std::io::BufReader::new(std::fs::File::open(file)?);
    let started = Instant::now();
    let report = ledger_api::import::import_alone(&store, input, "bench", |_, _| {}).await?;
    let import_seconds = started.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({"bench": "import", "backend": backend.name(), "lines": report.lines,
            "events": report.events, "seconds": (import_seconds * 1000.0).round() / 1000.0,
            "events_per_s": (report.events as f64 / import_seconds).round(),
            "peak_rss_mib": peak_rss_mib()})
    );
    let started = Instant::now();
    let (ledger, position) = ledger_api::view::replay_at(&store, None, None, None).await?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({"bench": "replay_all_projections", "backend": backend.name(), "events": position,
            "seconds": (seconds * 1000.0).round() / 1000.0,
            "events_per_s": (position as f64 / seconds).round(),
            "ignored_events": ledger.ignored_events(),
            "peak_rss_mib": peak_rss_mib()})
    );
    let (copied, floor) = floor::import_floor(&store, backend).await?;
    let floor_per_s = copied as f64 / floor.as_secs_f64();
    let ours_per_s = report.events as f64 / import_seconds;
    println!(
        "{}",
        json!({"bench": "import_floor", "backend": backend.name(),
            "contender": "floor:sqlx-one-row-per-statement-one-tx", "events": copied,
            "seconds": (floor.as_secs_f64() * 1000.0).round() / 1000.0,
            "events_per_s": floor_per_s.round()})
    );
    println!(
        "{}",
        json!({"bench": "import_ratio", "backend": backend.name(),
            "import_ours_over_floor": ((ours_per_s / floor_per_s) * 100.0).round() / 100.0})
    );
    store.close().await;
    scratch.drop_database().await
}
