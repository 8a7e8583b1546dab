//! Side by side, in one run, on one workload (one aggregate per sponsorship: a pledge, then
//! monthly payments), fsync on everywhere:
//! - the peer: cqrs-es with its SQLite persistence (sqlite-es), one command per event, the
//!   way that framework commits;
//! - the floor: plain sqlx inserts into a table of the same shape, one transaction per event
//!   and all in one transaction;
//! - this ledger: the same events through the group-commit writer.
//!
//! Then a rebuild of every aggregate from each log. Prints JSON lines and the ratios; asserts
//! nothing. Run: `cargo bench -p ledger-bench --bench peer [-- --events N --clients C]`.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cqrs_es::persist::PersistedEventStore;
use cqrs_es::{Aggregate, AggregateContext, CqrsFramework, DomainEvent, EventStore};
use futures::TryStreamExt;
use ledger_store::{AppendRequest, EventStore as Ledger, ExpectedVersion, NewEvent, StreamName};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlite_es::SqliteEventRepository;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Pool, Sqlite};

/// The shipped binary's allocator, for every contender alike.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const MONTHLY_DONG: u64 = 1_000_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum SponsorshipEvent {
    Pledged { monthly: u64 },
    PaymentReceived { month: u32, amount: u64 },
}

impl DomainEvent for SponsorshipEvent {
    fn event_type(&self) -> String {
        match self {
            SponsorshipEvent::Pledged { .. } => "Pledged".to_owned(),
            SponsorshipEvent::PaymentReceived { .. } => "PaymentReceived".to_owned(),
        }
    }
    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

enum SponsorshipCommand {
    Pledge { monthly: u64 },
    Pay { month: u32 },
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Refused(String);

#[derive(Default, Serialize, Deserialize)]
struct Sponsorship {
    monthly: u64,
    paid_months: u32,
    paid_dong: u64,
}

impl Aggregate for Sponsorship {
    const TYPE: &'static str = "sponsorship";
    type Command = SponsorshipCommand;
    type Event = SponsorshipEvent;
    type Error = Refused;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _: &(),
        sink: &cqrs_es::event_sink::EventSink<Self>,
    ) -> Result<(), Refused> {
        let event = match command {
            SponsorshipCommand::Pledge { monthly } => SponsorshipEvent::Pledged { monthly },
            SponsorshipCommand::Pay { month } if month == self.paid_months + 1 => {
                SponsorshipEvent::PaymentReceived {
                    month,
                    amount: self.monthly,
                }
            }
            SponsorshipCommand::Pay { month } => {
                return Err(Refused(format!("month {month} out of order")))
            }
        };
        sink.write(event, self).await;
        Ok(())
    }

    fn apply(&mut self, event: SponsorshipEvent) {
        match event {
            SponsorshipEvent::Pledged { monthly } => self.monthly = monthly,
            SponsorshipEvent::PaymentReceived { month, amount } => {
                self.paid_months = month;
                self.paid_dong += amount;
            }
        }
    }
}

struct Args {
    events: usize,
    clients: usize,
    aggregates: usize,
}

fn args() -> Args {
    let mut a = Args {
        events: 20_000,
        clients: 64,
        aggregates: 640,
    };
    let argv: Vec<String> = std::env::args().collect();
    for pair in argv.windows(2) {
        let value = pair[1].parse().ok();
        match (pair[0].as_str(), value) {
            ("--events", Some(v)) => a.events = v,
            ("--clients", Some(v)) => a.clients = v,
            ("--aggregates", Some(v)) => a.aggregates = v,
            _ => {}
        }
    }
    a.aggregates = a.aggregates.max(a.clients);
    a
}

async fn durable_pool(dir: &std::path::Path, name: &str) -> Pool<Sqlite> {
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", dir.join(name).display()))
        .expect("a valid path")
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(30));
    SqlitePoolOptions::new()
        .max_connections(10)
        .connect_with(options)
        .await
        .expect("pool")
}

/// The peer's table, as sqlite-es's migration creates it; the floor writes the same shape.
const EVENTS_DDL: &str =
    "CREATE TABLE events (aggregate_type text NOT NULL, aggregate_id text NOT NULL,
    sequence integer CHECK (sequence >= 0) NOT NULL, event_type text NOT NULL,
    event_version text NOT NULL, payload text NOT NULL, metadata text NOT NULL,
    PRIMARY KEY (aggregate_type, aggregate_id, sequence)) STRICT";

fn line(
    bench: &str,
    contender: &str,
    events: usize,
    seconds: f64,
    extra: serde_json::Value,
) -> f64 {
    let rate = events as f64 / seconds;
    let mut out = json!({"bench": bench, "contender": contender, "events": events,
        "seconds": (seconds * 1000.0).round() / 1000.0, "events_per_s": rate.round()});
    if let (Some(o), Some(e)) = (out.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    println!("{out}");
    rate
}

/// Each client owns aggregates `c, c + clients, …` and writes pledge then payments in turn.
fn plan(a: &Args) -> Vec<Vec<(usize, u32)>> {
    let per_aggregate = (a.events / a.aggregates).max(1) as u32;
    (0..a.clients)
        .map(|c| {
            let mine: Vec<usize> = (c..a.aggregates).step_by(a.clients).collect();
            (0..per_aggregate)
                .flat_map(|seq| mine.iter().map(move |&agg| (agg, seq)))
                .collect()
        })
        .collect()
}

async fn peer(a: &Args, dir: &std::path::Path) -> (f64, f64) {
    let pool = durable_pool(dir, "peer.db").await;
    sqlx::query(EVENTS_DDL).execute(&pool).await.expect("ddl");
    let cqrs = Arc::new(CqrsFramework::new(
        PersistedEventStore::<_, Sponsorship>::new_event_store(SqliteEventRepository::new(
            pool.clone(),
        )),
        vec![],
        (),
    ));
    let started = Instant::now();
    let tasks: Vec<_> = plan(a)
        .into_iter()
        .map(|work| {
            let cqrs = cqrs.clone();
            tokio::spawn(async move {
                for (agg, seq) in work {
                    let command = if seq == 0 {
                        SponsorshipCommand::Pledge {
                            monthly: MONTHLY_DONG,
                        }
                    } else {
                        SponsorshipCommand::Pay { month: seq }
                    };
                    cqrs.execute(&format!("sps-{agg}"), command)
                        .await
                        .expect("peer command");
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task");
    }
    let written = count(&pool).await;
    let append = line(
        "append",
        "peer:cqrs-es+sqlite-es",
        written,
        started.elapsed().as_secs_f64(),
        json!({"clients": a.clients}),
    );

    let store =
        PersistedEventStore::<_, Sponsorship>::new_event_store(SqliteEventRepository::new(pool));
    let started = Instant::now();
    let mut paid = 0u64;
    for agg in 0..a.aggregates {
        let mut context = store
            .load_aggregate(&format!("sps-{agg}"))
            .await
            .expect("load");
        paid += context.aggregate().paid_dong;
    }
    let rebuild = line(
        "rebuild_all_aggregates",
        "peer:cqrs-es+sqlite-es",
        written,
        started.elapsed().as_secs_f64(),
        json!({"paid_dong": paid.to_string()}),
    );
    (append, rebuild)
}

async fn count(pool: &Pool<Sqlite>) -> usize {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events")
        .fetch_one(pool)
        .await
        .expect("count");
    n as usize
}

async fn floor(a: &Args, dir: &std::path::Path) -> (f64, f64) {
    let insert = "INSERT INTO events VALUES ('sponsorship', ?, ?, ?, '1', ?, '{}')";
    let rows: Vec<(usize, u32)> = plan(a).into_iter().flatten().collect();
    let payload = |seq: u32| json!({"month": seq, "amount": MONTHLY_DONG}).to_string();

    let pool = durable_pool(dir, "floor-each.db").await;
    sqlx::query(EVENTS_DDL).execute(&pool).await.expect("ddl");
    // One client: concurrent SQLite writers only queue on the file lock.
    let sample = rows.len().min(a.events / 4).max(1);
    let started = Instant::now();
    for &(agg, seq) in rows.iter().take(sample) {
        let mut tx = pool.begin().await.expect("begin");
        sqlx::query(insert)
            .bind(format!("sps-{agg}"))
            .bind(seq)
            .bind("PaymentReceived")
            .bind(payload(seq))
            .execute(&mut *tx)
            .await
            .expect("insert");
        tx.commit().await.expect("commit");
    }
    let each = line(
        "append",
        "floor:sqlx-one-tx-per-event",
        sample,
        started.elapsed().as_secs_f64(),
        json!({"clients": 1}),
    );

    let pool = durable_pool(dir, "floor-one.db").await;
    sqlx::query(EVENTS_DDL).execute(&pool).await.expect("ddl");
    let started = Instant::now();
    let mut tx = pool.begin().await.expect("begin");
    for &(agg, seq) in &rows {
        sqlx::query(insert)
            .bind(format!("sps-{agg}"))
            .bind(seq)
            .bind("PaymentReceived")
            .bind(payload(seq))
            .execute(&mut *tx)
            .await
            .expect("insert");
    }
    tx.commit().await.expect("commit");
    let one = line(
        "append",
        "floor:sqlx-one-tx-for-all",
        rows.len(),
        started.elapsed().as_secs_f64(),
        json!({"clients": 1}),
    );
    (each, one)
}

async fn ours(a: &Args, dir: &std::path::Path) -> (f64, f64) {
    let url = format!("sqlite://{}", dir.join("ours.db").display());
    let store = Arc::new(Ledger::open(&url).await.expect("open"));
    let started = Instant::now();
    let tasks: Vec<_> = plan(a)
        .into_iter()
        .map(|work| {
            let store = store.clone();
            tokio::spawn(async move {
                for (agg, seq) in work {
                    let (kind, payload) = if seq == 0 {
                        ("Pledged", json!({"monthly": MONTHLY_DONG.to_string()}))
                    } else {
                        (
                            "PaymentReceived",
                            json!({"month": seq, "amount": MONTHLY_DONG.to_string()}),
                        )
                    };
                    let event = NewEvent {
                        // Time-ordered, as the ledger's own write path chooses them.
                        event_id: uuid::Uuid::now_v7(),
                        kind: kind.to_owned(),
                        schema_version: 1,
                        occurred_on: chrono::NaiveDate::from_ymd_opt(2023, 1, 1)
                            .unwrap_or_default(),
                        recorded_by: "bench".to_owned(),
                        source_ref: None,
                        payload: payload.to_string(),
                    };
                    let expected = match seq {
                        0 => ExpectedVersion::NoStream,
                        n => ExpectedVersion::Exact(u64::from(n)),
                    };
                    let stream = StreamName::parse(format!("sponsorship-sps-{agg}")).expect("name");
                    store
                        .append(AppendRequest::single(stream, expected, vec![event]))
                        .await
                        .expect("append");
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task");
    }
    let written = store.head().await.expect("head").position as usize;
    let stats = store.writer_stats();
    let append = line(
        "append",
        "ours:welfare-ledger",
        written,
        started.elapsed().as_secs_f64(),
        json!({"clients": a.clients, "transactions": stats.transactions}),
    );

    #[derive(Deserialize)]
    struct Payment {
        amount: String,
    }
    let started = Instant::now();
    let mut paid: HashMap<String, u64> = HashMap::new();
    let mut events = std::pin::pin!(store.read_all(1));
    while let Some(e) = events.try_next().await.expect("read") {
        if e.kind == "PaymentReceived" {
            let p: Payment = serde_json::from_str(&e.payload).expect("payload");
            *paid.entry(e.stream).or_default() += p.amount.parse::<u64>().unwrap_or(0);
        }
    }
    let total: u64 = paid.values().sum();
    let rebuild = line(
        "rebuild_all_aggregates",
        "ours:welfare-ledger",
        written,
        started.elapsed().as_secs_f64(),
        json!({"paid_dong": total.to_string()}),
    );
    store.close().await;
    (append, rebuild)
}

fn main() {
    ledger_api::allocator::return_freed_memory_soon();
    run()
}

#[tokio::main]
async fn run() {
    let a = args();
    let dir = tempfile::tempdir().expect("temp dir");
    let (peer_append, peer_rebuild) = peer(&a, dir.path()).await;
    let (floor_each, floor_one) = floor(&a, dir.path()).await;
    let (our_append, our_rebuild) = ours(&a, dir.path()).await;
    let ratio = |x: f64, y: f64| ((x / y) * 100.0).round() / 100.0;
    println!(
        "{}",
        json!({"bench": "ratios",
        "append_ours_over_peer": ratio(our_append, peer_append),
        "append_ours_over_floor_one_tx_per_event": ratio(our_append, floor_each),
        "append_ours_over_floor_one_tx_for_all": ratio(our_append, floor_one),
        "rebuild_ours_over_peer": ratio(our_rebuild, peer_rebuild)})
    );
}
