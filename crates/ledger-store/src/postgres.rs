//! The PostgreSQL backend: every write transaction locks the head row (`FOR UPDATE`), so that
//! several server processes on one database keep positions gapless and the chain whole.

use std::str::FromStr;

use async_trait::async_trait;
use foldhash::{HashMap, HashMapExt};
use futures::StreamExt as _;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::ConnectOptions as _;
use sqlx::{PgConnection, Postgres, Row as _, Transaction};
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::backend::{
    checked_event, head_from_parts, numbered_placeholders, stored_key, to_sql_int, BackendSession,
    DateColumn, EventColumns, PageStream, RawEvent, RawToken, StorageBackend, CLEAR_SNAPSHOT,
    CLEAR_SNAPSHOT_PIECES, EVENT_COLUMNS, LATEST_SNAPSHOT, PRUNE_SNAPSHOTS, PRUNE_SNAPSHOT_PIECES,
    SAVE_SNAPSHOT_PIECE, SAVE_SNAPSHOT_ROW, SNAPSHOT_PIECE, TOKEN_COLUMNS,
};
use crate::error::{AppendError, RestoreError, StoreError};
use crate::limits::{
    POOL_CONNECTIONS_MAX, READ_PAGE_ROWS, SLOW_STATEMENT, SLOW_STATEMENT_LOG_LEVEL,
};
use crate::memory::SessionMemory;
use crate::model::{AppendRequest, Appended, Head, RecordedEvent};
use crate::page::{EventPage, TEXT_PER_ROW};
use crate::plan::{plan_batch, BatchFacts, Row, StoredKey, StoredRow};
use crate::postgres_read::CopyRows;
use crate::restore::{duplicate_or, plan_restore, streams_of};
use crate::snapshot::{RawSnapshot, SnapshotQuery, SnapshotRow};
use crate::tokens::TokenRecord;

pub(crate) struct PostgresBackend {
    pool: PgPool,
}

impl PostgresBackend {
    pub(crate) async fn open(url: &str) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)?
            .log_slow_statements(SLOW_STATEMENT_LOG_LEVEL, SLOW_STATEMENT);
        let pool = PgPoolOptions::new()
            .max_connections(POOL_CONNECTIONS_MAX)
            .connect_with(options)
            .await?;
        sqlx::migrate!("../../migrations/postgres")
            .run(&pool)
            .await?;
        Ok(PostgresBackend { pool })
    }

    /// Plans and writes a batch inside the caller's write transaction.
    async fn write_on(
        conn: &mut PgConnection,
        requests: &[&AppendRequest],
        now_micros: i64,
        memory: &mut SessionMemory,
    ) -> Result<Vec<Result<Appended, AppendError>>, StoreError> {
        let facts = Self::facts(conn, requests, memory).await?;
        let plan = plan_batch(facts, requests, now_micros);
        if !plan.rows.is_empty() {
            Self::insert(conn, &plan.rows, &plan.keys, &plan.head).await?;
            memory.wrote(&plan.rows, &plan.head);
        }
        Ok(plan.outcomes)
    }

    /// A transaction that holds the write lock (the head row) from its start.
    async fn locked_transaction(
        pool: &PgPool,
    ) -> Result<Transaction<'static, Postgres>, StoreError> {
        let mut tx = pool.begin().await?;
        Self::locked_head(&mut tx).await?;
        Ok(tx)
    }

    /// The facts a batch is planned on: what `memory` knows, the rest read under the lock.
    async fn facts(
        conn: &mut PgConnection,
        requests: &[&AppendRequest],
        memory: &mut SessionMemory,
    ) -> Result<BatchFacts, StoreError> {
        let head = Self::locked_head(conn).await?;
        let questions = memory.questions(&head, requests);
        let found = Self::stream_versions(conn, &questions.streams_asked).await?;
        let existing = Self::existing(conn, &questions.ids).await?;
        let mut keys = HashMap::new();
        for key in &questions.keys {
            if let Some(stored) = load_key(&mut *conn, key).await? {
                keys.insert(key.clone(), stored);
            }
        }
        Ok(memory.facts(head, questions, found, existing, keys))
    }

    /// The current version of each of `streams` that has events. One indexed seek per stream:
    /// `MAX(...) ... WHERE stream IN (...) GROUP BY stream` reads every version of every
    /// stream asked, so an append cost grew with its stream's length.
    async fn stream_versions(
        conn: &mut PgConnection,
        streams: &[String],
    ) -> Result<HashMap<String, u64>, StoreError> {
        let mut versions = HashMap::with_capacity(streams.len());
        if streams.is_empty() {
            return Ok(versions);
        }
        let rows = sqlx::query(
            "SELECT asked, (SELECT MAX(stream_version) FROM events WHERE stream = asked) \
             FROM UNNEST($1::text[]) AS asked",
        )
        // Not prepared once per connection: after five runs PostgreSQL keeps a generic plan,
        // and the one made while the log was a page long scans the table. The writer's id
        // lookup (`existing`) had it: every append of `ledger-bench http` compared each id
        // with every stored one (4.9–7.2k events/s; planned per run, 6.2–8.0k).
        .persistent(false)
        .bind(streams)
        .fetch_all(&mut *conn)
        .await?;
        for row in rows {
            if let Some(version) = row.try_get::<Option<i64>, _>(1)? {
                versions.insert(row.try_get(0)?, u64::try_from(version).unwrap_or(0));
            }
        }
        Ok(versions)
    }

    /// The head row, read under the write lock.
    async fn locked_head(conn: &mut PgConnection) -> Result<Head, StoreError> {
        let row = sqlx::query(
            "SELECT position, hash, recorded_at FROM ledger_head WHERE id = 1 FOR UPDATE",
        )
        .fetch_one(&mut *conn)
        .await?;
        head_from_parts(row.try_get(0)?, row.try_get(1)?, row.try_get(2)?)
    }

    async fn existing(
        conn: &mut PgConnection,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, StoredRow>, StoreError> {
        let mut existing = HashMap::new();
        if ids.is_empty() {
            return Ok(existing);
        }
        let raws: Vec<RawEvent> = sqlx::query_as(&format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE event_id = ANY($1)"
        ))
        // Planned per run: see `stream_versions`.
        .persistent(false)
        .bind(ids)
        .fetch_all(&mut *conn)
        .await?;
        for raw in raws {
            let row = raw.into_row()?;
            existing.insert(row.event_id, row);
        }
        Ok(existing)
    }

    async fn insert(
        conn: &mut PgConnection,
        rows: &[Row<'_>],
        keys: &[(String, [u8; 32], String)],
        head: &Head,
    ) -> Result<(), StoreError> {
        for (key, hash, result) in keys {
            sqlx::query(
                "INSERT INTO idempotency_keys (key, request_hash, result) VALUES ($1, $2, $3)",
            )
            .bind(key)
            .bind(&hash[..])
            .bind(result)
            .execute(&mut *conn)
            .await?;
        }
        crate::postgres_rows::copy_rows(conn, rows).await?;
        sqlx::query(
            "UPDATE ledger_head SET position = $1, hash = $2, recorded_at = $3 WHERE id = 1",
        )
        .bind(to_sql_int(head.position))
        .bind(&head.hash[..])
        .bind(head.recorded_at_micros)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }
}

#[async_trait]
impl StorageBackend for PostgresBackend {
    async fn commit_batch(
        &self,
        requests: &[&AppendRequest],
        now_micros: i64,
    ) -> Result<Vec<Result<Appended, AppendError>>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let outcomes =
            Self::write_on(&mut tx, requests, now_micros, &mut SessionMemory::default()).await?;
        tx.commit().await?;
        Ok(outcomes)
    }

    async fn begin_session(&self) -> Result<Box<dyn BackendSession>, StoreError> {
        Ok(Box::new(PostgresSession {
            tx: Some(Self::locked_transaction(&self.pool).await?),
            pool: self.pool.clone(),
            memory: SessionMemory::default(),
        }))
    }

    async fn restore_batch(&self, events: &[RecordedEvent]) -> Result<Head, RestoreError> {
        let mut tx = self.pool.begin().await?;
        let head = Self::locked_head(&mut tx).await?;
        let versions = Self::stream_versions(&mut tx, &streams_of(events)).await?;
        let (rows, new_head) = plan_restore(head, versions, events)?;
        Self::insert(&mut tx, &rows, &[], &new_head)
            .await
            .map_err(duplicate_or)?;
        tx.commit().await?;
        Ok(new_head)
    }

    async fn read_page(&self, after_position: u64, limit: u32) -> Result<EventPage, StoreError> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE position > $1 ORDER BY position LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(to_sql_int(after_position))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        let mut page = EventPage::with_capacity(rows.len(), TEXT_PER_ROW);
        for row in &rows {
            push_row(&mut page, row)?;
        }
        Ok(page)
    }

    fn read_after(&self, after_position: u64) -> Option<PageStream> {
        let pool = self.pool.clone();
        let (sender, receiver) = mpsc::channel(STREAMED_PAGES_AHEAD);
        // Spawned on the first poll, so that a stream never polled starts no query.
        let start = async move {
            tokio::spawn(stream_log(pool, after_position, sender));
            receiver
        };
        let pages = futures::stream::once(start).flat_map(|receiver| {
            futures::stream::unfold(receiver, |mut receiver| async move {
                receiver.recv().await.map(|page| (page, receiver))
            })
        });
        Some(pages.boxed())
    }

    async fn read_stream(
        &self,
        stream: &str,
        from_version: u64,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE stream = $1 AND stream_version >= $2 \
             ORDER BY stream_version"
        );
        sqlx::query_as::<_, RawEvent>(&sql)
            .bind(stream)
            .bind(to_sql_int(from_version))
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(RawEvent::into_recorded)
            .collect()
    }

    async fn known_event_ids(&self, ids: &[Uuid]) -> Result<Vec<Uuid>, StoreError> {
        known_ids(&self.pool, ids).await
    }

    async fn head(&self) -> Result<Head, StoreError> {
        let row = sqlx::query("SELECT position, hash, recorded_at FROM ledger_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        head_from_parts(row.try_get(0)?, row.try_get(1)?, row.try_get(2)?)
    }

    async fn signing_seed(
        &self,
        candidate: &[u8; 32],
        now_micros: i64,
    ) -> Result<Vec<u8>, StoreError> {
        sqlx::query(
            "INSERT INTO signing_key (id, seed, created_at) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&candidate[..])
        .bind(now_micros)
        .execute(&self.pool)
        .await?;
        let row = sqlx::query("SELECT seed FROM signing_key WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    async fn close(&self) {
        self.pool.close().await;
    }

    async fn insert_token(
        &self,
        token: &TokenRecord,
        secret_hash: &[u8],
    ) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "INSERT INTO api_tokens ({TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, NULL)"
        ))
        .bind(&token.id)
        .bind(&token.name)
        .bind(&token.role)
        .bind(secret_hash)
        .bind(token.created_at.timestamp_micros())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn list_tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at, id");
        Ok(sqlx::query_as::<_, RawToken>(&sql)
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|t| t.into_parts().0)
            .collect())
    }

    async fn token(&self, id: &str) -> Result<Option<(TokenRecord, Vec<u8>)>, StoreError> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = $1");
        Ok(sqlx::query_as::<_, RawToken>(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(RawToken::into_parts))
    }

    async fn idempotency_key(&self, key: &str) -> Result<Option<StoredKey>, StoreError> {
        load_key(&self.pool, key).await
    }

    async fn revoke_token(&self, id: &str, at_micros: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2",
        )
        .bind(at_micros)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn clear_snapshot(&self, position: i64, format: i64) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        for statement in [CLEAR_SNAPSHOT, CLEAR_SNAPSHOT_PIECES] {
            sqlx::query(&numbered_placeholders(statement))
                .bind(position)
                .bind(format)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn save_snapshot_piece(
        &self,
        position: i64,
        format: i64,
        seq: i64,
        bytes: Vec<u8>,
    ) -> Result<(), StoreError> {
        sqlx::query(&numbered_placeholders(SAVE_SNAPSHOT_PIECE))
            .bind(position)
            .bind(format)
            .bind(seq)
            .bind(bytes)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn save_snapshot_row(&self, row: &SnapshotRow) -> Result<(), StoreError> {
        sqlx::query(&numbered_placeholders(SAVE_SNAPSHOT_ROW))
            .bind(row.position)
            .bind(&row.event_hash[..])
            .bind(row.format)
            .bind(row.created_at)
            .bind(row.pieces)
            .bind(row.length)
            .bind(&row.body_hash[..])
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn latest_snapshot(
        &self,
        query: &SnapshotQuery,
    ) -> Result<Option<RawSnapshot>, StoreError> {
        Ok(
            sqlx::query_as::<_, RawSnapshot>(&numbered_placeholders(LATEST_SNAPSHOT))
                .bind(query.format)
                .bind(query.at_or_before)
                .bind(query.known_at_micros)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn snapshot_piece(
        &self,
        position: i64,
        format: i64,
        seq: i64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(sqlx::query_scalar(&numbered_placeholders(SNAPSHOT_PIECE))
            .bind(position)
            .bind(format)
            .bind(seq)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn prune_snapshots(&self, keep: i64) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(&numbered_placeholders(PRUNE_SNAPSHOT_PIECES))
            .bind(keep - 1)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query(&numbered_placeholders(PRUNE_SNAPSHOTS))
            .bind(keep - 1)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }
}

/// Pages a one-pass read of the log converts ahead of its reader.
const STREAMED_PAGES_AHEAD: usize = 2;

/// The log after `after_position` in one query, sent on in pages of [`READ_PAGE_ROWS`] until
/// the end, an error, or the receiver is gone. Paging with `LIMIT` left the server idle while
/// each page was converted, and a replay idle a fifth of the time (BENCHMARKS.md, eighth pass).
async fn stream_log(
    pool: PgPool,
    after_position: u64,
    pages: mpsc::Sender<Result<EventPage, StoreError>>,
) {
    let mut conn = match pool.acquire().await {
        Ok(conn) => conn,
        Err(error) => {
            let _ = pages.send(Err(error.into())).await;
            return;
        }
    };
    // A literal, not a parameter: COPY takes no bind parameters.
    let sql = format!(
        "COPY (SELECT {EVENT_COLUMNS} FROM events WHERE position > {} ORDER BY position) \
         TO STDOUT (FORMAT binary)",
        to_sql_int(after_position)
    );
    let finished = match conn.copy_out_raw(&sql).await {
        Ok(chunks) => send_pages(chunks, &pages).await,
        Err(error) => {
            let _ = pages.send(Err(error.into())).await;
            false
        }
    };
    if !finished {
        // Stopped mid-stream: closing the connection ends the COPY on the server, where one
        // given back to the pool would first read every row left.
        drop(conn.detach());
    }
}

/// Sends the events of a binary COPY stream in pages; whether it was read to its end.
async fn send_pages<B: AsRef<[u8]>>(
    mut chunks: impl futures::Stream<Item = Result<B, sqlx::Error>> + Unpin,
    pages: &mpsc::Sender<Result<EventPage, StoreError>>,
) -> bool {
    let page_rows = READ_PAGE_ROWS as usize;
    let mut page = EventPage::with_capacity(page_rows, TEXT_PER_ROW);
    let mut rows = CopyRows::default();
    loop {
        let fed = match chunks.next().await {
            None => match rows.finish() {
                Ok(()) => break,
                Err(error) => Err(error),
            },
            Some(chunk) => chunk
                .map_err(StoreError::from)
                .and_then(|chunk| rows.feed(chunk.as_ref(), &mut page)),
        };
        if let Err(error) = fed {
            let _ = pages.send(Err(error)).await;
            return false;
        }
        if page.len() >= page_rows {
            let next =
                std::mem::replace(&mut page, EventPage::with_capacity(page_rows, TEXT_PER_ROW));
            if pages.send(Ok(next)).await.is_err() {
                return false;
            }
        }
    }
    page.is_empty() || pages.send(Ok(page)).await.is_ok()
}

/// Copies a row selected as `EVENT_COLUMNS` into `page`, reading each column by index
/// (`FromRow` finds each by name, a hash lookup per column per row that was a tenth of a
/// replay's reading) and borrowing its texts from the row until then.
fn push_row(page: &mut EventPage, row: &PgRow) -> Result<(), StoreError> {
    let event_id: Uuid = row.try_get(3)?;
    let text = |index: usize| row.try_get::<&str, _>(index).map(str::as_bytes);
    let columns = EventColumns {
        position: row.try_get(0)?,
        stream: text(1)?,
        stream_version: row.try_get(2)?,
        event_id: event_id.as_bytes(),
        kind: text(4)?,
        schema_version: row.try_get(5)?,
        occurred_on: DateColumn::Date(row.try_get(6)?),
        recorded_at: row.try_get(7)?,
        recorded_by: text(8)?,
        source_ref: row.try_get::<Option<&str>, _>(9)?.map(str::as_bytes),
        payload: text(10)?,
        hash: row.try_get(11)?,
    };
    page.push(&checked_event(&columns)?);
    Ok(())
}

/// The stored request hash and result of an idempotency key, inside or outside a transaction.
async fn load_key<'e>(
    executor: impl sqlx::Executor<'e, Database = Postgres>,
    key: &str,
) -> Result<Option<StoredKey>, StoreError> {
    let row = sqlx::query("SELECT request_hash, result FROM idempotency_keys WHERE key = $1")
        .bind(key.to_owned())
        .fetch_optional(executor)
        .await?;
    row.map(|row| {
        let result: String = row.try_get(1)?;
        stored_key(row.try_get(0)?, &result)
    })
    .transpose()
}

/// A write transaction held open across appends; it holds the head row's lock, so every
/// other writer waits. `None` only while a commit is replacing it.
struct PostgresSession {
    tx: Option<Transaction<'static, Postgres>>,
    pool: PgPool,
    memory: SessionMemory,
}

impl PostgresSession {
    fn tx(&mut self) -> Result<&mut Transaction<'static, Postgres>, StoreError> {
        self.tx.as_mut().ok_or(StoreError::SessionRolledBack)
    }
}

#[async_trait]
impl BackendSession for PostgresSession {
    async fn known_event_ids(&mut self, ids: &[Uuid]) -> Result<Vec<Uuid>, StoreError> {
        let tx = self.tx()?;
        let known = known_ids(&mut **tx, ids).await?;
        self.memory.looked_up(ids, &known);
        Ok(known)
    }

    fn absent(&mut self, ids: &[Uuid]) {
        self.memory.looked_up(ids, &[]);
    }

    /// Yes: another backend process answers while this one inserts, on a core the import left
    /// idle a fifth of the time.
    fn lookups_beside(&self) -> bool {
        true
    }

    async fn write(
        &mut self,
        requests: &[&AppendRequest],
        now_micros: i64,
    ) -> Result<Vec<Result<Appended, AppendError>>, StoreError> {
        let tx = self.tx.as_mut().ok_or(StoreError::SessionRolledBack)?;
        PostgresBackend::write_on(tx, requests, now_micros, &mut self.memory).await
    }

    async fn commit(&mut self) -> Result<(), StoreError> {
        self.memory.committed();
        if let Some(tx) = self.tx.take() {
            tx.commit().await?;
        }
        self.tx = Some(PostgresBackend::locked_transaction(&self.pool).await?);
        Ok(())
    }

    async fn end(mut self: Box<Self>) -> Result<(), StoreError> {
        if let Some(tx) = self.tx.take() {
            tx.commit().await?;
        }
        // A session is a bulk load, which leaves the planner's statistics behind until
        // autovacuum gets to the table. On them, a replay right after a 1M-event import was
        // planned as a bitmap scan and a sort of the whole log (2.4–3.1 s against 2.0–2.3 s
        // once analyzed). The events are committed; stale statistics only cost speed.
        if let Err(error) = sqlx::query("ANALYZE events").execute(&self.pool).await {
            tracing::warn!(%error, "ANALYZE after a write session failed");
        }
        Ok(())
    }
}

/// Which of `ids` are stored: one statement and one array parameter whatever their number
/// (an `IN` list of one placeholder per id was a statement text per list length, prepared
/// anew as the lengths varied, and chunked at 1,000).
async fn known_ids<'e>(
    executor: impl sqlx::PgExecutor<'e>,
    ids: &[Uuid],
) -> Result<Vec<Uuid>, StoreError> {
    Ok(
        // Prepared, unlike the writer's lookups: an import asks thousands of ids at a time,
        // and by the sixth call, when PostgreSQL settles on a generic plan, the log is five
        // batches long and the plan takes the index. Planned per run, imports measured
        // 45.6–49.6k events/s; prepared, 51.7–54.1k (`ledger-bench import`, two runs each).
        sqlx::query_scalar("SELECT event_id FROM events WHERE event_id = ANY($1)")
            .bind(ids)
            .fetch_all(executor)
            .await?,
    )
}
