//! The import's floor, measured in the same run as the import: plain sqlx, one row per
//! statement, all in one transaction, the imported rows copied into a table of the log's shape
//! (the same columns and both unique constraints) in a scratch database of the same backend.
//! Issue 7 states the SQLite target as at least 4× this floor; a ratio taken on one machine in
//! one run means the same on any machine, where events/s do not.

use std::time::{Duration, Instant};

use ledger_store::{EventPage, EventStore};
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::Executor;

use crate::{Backend, Scratch};

/// The log's table, as migration 0001 creates it on each backend, without its triggers.
const SQLITE_DDL: &str = "CREATE TABLE floor_events (position INTEGER PRIMARY KEY, \
    stream TEXT NOT NULL, stream_version INTEGER NOT NULL, event_id BLOB NOT NULL, \
    kind TEXT NOT NULL, schema_version INTEGER NOT NULL, occurred_on TEXT NOT NULL, \
    recorded_at INTEGER NOT NULL, recorded_by TEXT NOT NULL, source_ref TEXT, \
    payload TEXT NOT NULL, hash BLOB NOT NULL, \
    UNIQUE (stream, stream_version), UNIQUE (event_id))";
const POSTGRES_DDL: &str = "CREATE TABLE floor_events (position BIGINT PRIMARY KEY, \
    stream TEXT NOT NULL, stream_version BIGINT NOT NULL, event_id UUID NOT NULL, \
    kind TEXT NOT NULL, schema_version BIGINT NOT NULL, occurred_on DATE NOT NULL, \
    recorded_at BIGINT NOT NULL, recorded_by TEXT NOT NULL, source_ref TEXT, \
    payload TEXT NOT NULL, hash BYTEA NOT NULL, \
    UNIQUE (stream, stream_version), UNIQUE (event_id))";
const INSERT: &str = "INSERT INTO floor_events (position, stream, stream_version, event_id, \
    kind, schema_version, occurred_on, recorded_at, recorded_by, source_ref, payload, hash) \
    VALUES ";

/// Copies every event of `store` into a fresh table of a scratch database, one statement per
/// row, and returns the events copied and the time the inserts and the commit took (reading
/// `store` is not counted).
pub async fn import_floor(store: &EventStore, backend: Backend) -> anyhow::Result<(u64, Duration)> {
    let scratch = Scratch::new(backend).await?;
    let measured = match backend {
        Backend::Sqlite => sqlite(store, &scratch.url).await?,
        Backend::Postgres => postgres(store, &scratch.url).await?,
    };
    scratch.drop_database().await?;
    Ok(measured)
}

async fn sqlite(store: &EventStore, url: &str) -> anyhow::Result<(u64, Duration)> {
    // Durable as the ledger is (WAL, fsync at commit); sqlx's defaults otherwise.
    let options: SqliteConnectOptions = url.parse()?;
    let options = options
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?;
    pool.execute(SQLITE_DDL).await?;
    let sql = format!("{INSERT}(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    let mut tx = pool.begin().await?;
    let (events, inserting) = each_page(store, async |page: &EventPage| {
        for e in page.iter() {
            sqlx::query(&sql)
                .bind(e.position as i64)
                .bind(e.stream)
                .bind(e.stream_version as i64)
                .bind(&e.event_id.as_bytes()[..])
                .bind(e.kind)
                .bind(i64::from(e.schema_version))
                .bind(e.occurred_on.to_string())
                .bind(e.recorded_at.timestamp_micros())
                .bind(e.recorded_by)
                .bind(e.source_ref)
                .bind(e.payload)
                .bind(&e.hash[..])
                .execute(&mut *tx)
                .await?;
        }
        Ok(())
    })
    .await?;
    let committing = Instant::now();
    tx.commit().await?;
    Ok((events, inserting + committing.elapsed()))
}

async fn postgres(store: &EventStore, url: &str) -> anyhow::Result<(u64, Duration)> {
    let pool = PgPoolOptions::new().max_connections(1).connect(url).await?;
    pool.execute(POSTGRES_DDL).await?;
    let sql = format!("{INSERT}($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)");
    let mut tx = pool.begin().await?;
    let (events, inserting) = each_page(store, async |page: &EventPage| {
        for e in page.iter() {
            sqlx::query(&sql)
                .bind(e.position as i64)
                .bind(e.stream)
                .bind(e.stream_version as i64)
                .bind(e.event_id)
                .bind(e.kind)
                .bind(i64::from(e.schema_version))
                .bind(e.occurred_on)
                .bind(e.recorded_at.timestamp_micros())
                .bind(e.recorded_by)
                .bind(e.source_ref)
                .bind(e.payload)
                .bind(&e.hash[..])
                .execute(&mut *tx)
                .await?;
        }
        Ok(())
    })
    .await?;
    let committing = Instant::now();
    tx.commit().await?;
    Ok((events, inserting + committing.elapsed()))
}

/// Calls `insert` on every page of the log; returns the events and the time spent in `insert`.
/// Pages are read one query at a time, so that no reading runs beside the inserts.
async fn each_page(
    store: &EventStore,
    mut insert: impl AsyncFnMut(&EventPage) -> anyhow::Result<()>,
) -> anyhow::Result<(u64, Duration)> {
    let (mut after, mut events, mut inserting) = (0, 0, Duration::ZERO);
    loop {
        let page = store.read_event_page(after, PAGE_ROWS).await?;
        let Some(last) = page.last_position() else {
            return Ok((events, inserting));
        };
        let started = Instant::now();
        insert(&page).await?;
        inserting += started.elapsed();
        events += page.len() as u64;
        after = last;
    }
}

const PAGE_ROWS: u32 = 2_000;
