//! The SQLite backend: one file, WAL, `synchronous=FULL`, writes under `BEGIN IMMEDIATE` so that
//! several processes on one file still serialise on the database's write lock.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use foldhash::{HashMap, HashMapExt};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{
    ConnectOptions as _, Connection as _, QueryBuilder, Row as _, Sqlite, SqliteConnection,
    SqlitePool,
};
use uuid::Uuid;

use crate::backend::{
    head_from_parts, stored_key, to_sql_int, BackendSession, RawEvent, RawToken, StorageBackend,
    CLEAR_SNAPSHOT, CLEAR_SNAPSHOT_PIECES, EVENT_COLUMNS, LATEST_SNAPSHOT, PRUNE_SNAPSHOTS,
    PRUNE_SNAPSHOT_PIECES, SAVE_SNAPSHOT_PIECE, SAVE_SNAPSHOT_ROW, TOKEN_COLUMNS,
};
use crate::error::{AppendError, RestoreError, StoreError};
use crate::limits::{
    POOL_CONNECTIONS_MAX, SLOW_STATEMENT, SLOW_STATEMENT_LOG_LEVEL, SQLITE_BUSY_TIMEOUT_MS,
    SQLITE_CACHE_KIB, SQLITE_SNAPSHOT_CACHE_KIB, SQLITE_WAL_AUTOCHECKPOINT_PAGES,
};
use crate::memory::SessionMemory;
use crate::model::{AppendRequest, Appended, Head, RecordedEvent};
use crate::plan::{key_lookups, lookups, plan_batch, BatchFacts, Row, StoredKey, StoredRow};
use crate::restore::{duplicate_or, plan_restore, streams_of};
use crate::snapshot::{RawSnapshot, SnapshotQuery, SnapshotRow};
use crate::sqlite_rows;
use crate::tokens::TokenRecord;

/// Ids or stream names per `IN (…)` lookup, well below the variable limit.
const LOOKUP_KEYS_PER_STATEMENT: usize = 1_000;

pub(crate) struct SqliteBackend {
    pool: SqlitePool,
    /// A connection kept for reading pages of the log. The pool hands its idle connections
    /// out in turn, and a read-ahead finds the last one not yet back, so a replay's pass over
    /// the log filled the 32 MiB page cache of up to four connections; through this one it
    /// fills one. Taken out while in use (a read given up midway drops it rather than leave
    /// it mid-statement); when another read holds it, reads take a pooled connection.
    reader: tokio::sync::Mutex<Option<SqliteConnection>>,
    /// The one connection appends go through. SQLite drops a connection's whole page cache
    /// when another connection has written since its last transaction, so commits that took
    /// turns among the pool's connections re-read the indexes' pages from the OS each time
    /// (7 GB read back during a 1M-event import); one writer keeps them warm. Taken out while
    /// in use and put back only after a transaction that ended cleanly.
    writer: Arc<tokio::sync::Mutex<Option<SqliteConnection>>>,
    /// The connection snapshot bodies are written and read through, with a small page cache.
    /// Through the pool, each 4 MiB piece took the next idle connection and stayed in its
    /// 32 MiB cache: one snapshot at 1M events left most of its 86 MB cached across them.
    snapshots: tokio::sync::Mutex<Option<SqliteConnection>>,
    /// The pool's options with that small cache.
    snapshot_options: SqliteConnectOptions,
}

impl SqliteBackend {
    pub(crate) async fn open(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_millis(SQLITE_BUSY_TIMEOUT_MS))
            .foreign_keys(true)
            // Inserts land in random places of the event-id index; a page cache that holds
            // the index's hot pages saves re-reading them from the OS on every batch.
            .pragma("cache_size", SQLITE_CACHE_KIB.to_string())
            .pragma(
                "wal_autocheckpoint",
                SQLITE_WAL_AUTOCHECKPOINT_PAGES.to_string(),
            )
            .log_slow_statements(SLOW_STATEMENT_LOG_LEVEL, SLOW_STATEMENT);
        let snapshot_options = options
            .clone()
            .pragma("cache_size", SQLITE_SNAPSHOT_CACHE_KIB.to_string());
        let pool = SqlitePoolOptions::new()
            .max_connections(POOL_CONNECTIONS_MAX)
            .connect_with(options)
            .await?;
        sqlx::migrate!("../../migrations/sqlite").run(&pool).await?;
        Ok(SqliteBackend {
            pool,
            reader: tokio::sync::Mutex::new(None),
            writer: Arc::new(tokio::sync::Mutex::new(None)),
            snapshots: tokio::sync::Mutex::new(None),
            snapshot_options,
        })
    }

    /// The connection kept in `slot` (taken out of it), or a new one opened with `options`;
    /// the caller puts it back only after a clean use.
    async fn kept_or_opened(
        &self,
        slot: &mut Option<SqliteConnection>,
        options: &SqliteConnectOptions,
    ) -> Result<SqliteConnection, StoreError> {
        match slot.take() {
            Some(conn) => Ok(conn),
            None if self.pool.is_closed() => Err(sqlx::Error::PoolClosed.into()),
            None => Ok(options.connect().await?),
        }
    }

    /// The writer's connection, opened on first use or after a failed transaction.
    async fn writer_connection(
        &self,
        slot: &mut Option<SqliteConnection>,
    ) -> Result<SqliteConnection, StoreError> {
        self.kept_or_opened(slot, &self.pool.connect_options())
            .await
    }

    /// The connection snapshot bodies go through, opened on first use or after a failure.
    async fn snapshot_connection(
        &self,
        slot: &mut Option<SqliteConnection>,
    ) -> Result<SqliteConnection, StoreError> {
        self.kept_or_opened(slot, &self.snapshot_options).await
    }

    async fn commit_on(
        conn: &mut SqliteConnection,
        requests: &[&AppendRequest],
        now_micros: i64,
    ) -> Result<Vec<Result<Appended, AppendError>>, StoreError> {
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
        let outcomes =
            Self::write_on(&mut tx, requests, now_micros, &mut SessionMemory::default()).await?;
        tx.commit().await?;
        Ok(outcomes)
    }

    /// Plans and writes a batch inside the caller's write transaction.
    async fn write_on(
        conn: &mut SqliteConnection,
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

    async fn restore_on(
        conn: &mut SqliteConnection,
        events: &[RecordedEvent],
    ) -> Result<Head, RestoreError> {
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
        let head = Self::locked_head(&mut tx).await?;
        let versions = Self::stream_versions(&mut tx, &streams_of(events)).await?;
        let (rows, new_head) = plan_restore(head, versions, events)?;
        Self::insert(&mut tx, &rows, &[], &new_head)
            .await
            .map_err(duplicate_or)?;
        tx.commit().await?;
        Ok(new_head)
    }

    /// The facts a batch is planned on: what `memory` knows, the rest read under the lock.
    async fn facts(
        conn: &mut SqliteConnection,
        requests: &[&AppendRequest],
        memory: &mut SessionMemory,
    ) -> Result<BatchFacts, StoreError> {
        let head = Self::locked_head(conn).await?;
        memory.check(&head);
        let (streams, ids) = lookups(requests);
        let asked = memory.streams_to_ask(&streams);
        let found = Self::stream_versions(conn, &asked).await?;
        let versions = memory.versions(&streams, asked, found);
        let existing = Self::existing(conn, &memory.ids_to_ask(&ids)).await?;
        let mut keys = HashMap::new();
        for key in key_lookups(requests) {
            if let Some(stored) = load_key(&mut *conn, &key).await? {
                keys.insert(key, stored);
            }
        }
        Ok(BatchFacts {
            head,
            versions,
            existing,
            keys,
        })
    }

    /// The current version of each of `streams` that has events. One indexed seek per stream:
    /// `MAX(...) ... WHERE stream IN (...) GROUP BY stream` reads every version of every
    /// stream asked, so an append cost grew with its stream's length (3.8 ms against 39 µs
    /// for 32 streams of 1,000 events).
    async fn stream_versions(
        conn: &mut SqliteConnection,
        streams: &[String],
    ) -> Result<HashMap<String, u64>, StoreError> {
        let mut versions = HashMap::with_capacity(streams.len());
        if streams.is_empty() {
            return Ok(versions);
        }
        let asked = serde_json::Value::from(streams.to_vec()).to_string();
        let rows = sqlx::query(
            "SELECT asked.value, \
                    (SELECT MAX(stream_version) FROM events WHERE stream = asked.value) \
             FROM json_each(?) AS asked",
        )
        .bind(asked)
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
    async fn locked_head(conn: &mut SqliteConnection) -> Result<Head, StoreError> {
        let row = sqlx::query("SELECT position, hash, recorded_at FROM ledger_head WHERE id = 1")
            .fetch_one(&mut *conn)
            .await?;
        head_from_parts(row.try_get(0)?, row.try_get(1)?, row.try_get(2)?)
    }

    async fn existing(
        conn: &mut SqliteConnection,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, StoredRow>, StoreError> {
        let mut existing = HashMap::new();
        for chunk in ids.chunks(LOOKUP_KEYS_PER_STATEMENT) {
            let mut q = QueryBuilder::<Sqlite>::new(format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE event_id IN ("
            ));
            let mut list = q.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            q.push(")");
            for raw in q.build_query_as::<RawEvent>().fetch_all(&mut *conn).await? {
                let row = raw.into_row()?;
                existing.insert(row.event_id, row);
            }
        }
        Ok(existing)
    }

    async fn insert(
        conn: &mut SqliteConnection,
        rows: &[Row<'_>],
        keys: &[(String, [u8; 32], String)],
        head: &Head,
    ) -> Result<(), StoreError> {
        for (key, hash, result) in keys {
            sqlx::query(
                "INSERT INTO idempotency_keys (key, request_hash, result) VALUES (?, ?, ?)",
            )
            .bind(key)
            .bind(&hash[..])
            .bind(result)
            .execute(&mut *conn)
            .await?;
        }
        // `OR FAIL`: planning has already refused whatever a constraint would, so a violation
        // is a fault that fails the whole transaction anyway. Under the default `ABORT`,
        // SQLite keeps a statement journal of every page a statement touches so it can undo
        // just that statement; `FAIL` needs none.
        sqlite_rows::insert_rows(conn, rows).await?;
        sqlx::query("UPDATE ledger_head SET position = ?, hash = ?, recorded_at = ? WHERE id = 1")
            .bind(to_sql_int(head.position))
            .bind(&head.hash[..])
            .bind(head.recorded_at_micros)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }
}

#[async_trait]
impl StorageBackend for SqliteBackend {
    async fn commit_batch(
        &self,
        requests: &[&AppendRequest],
        now_micros: i64,
    ) -> Result<Vec<Result<Appended, AppendError>>, StoreError> {
        let mut slot = self.writer.lock().await;
        let mut conn = self.writer_connection(&mut slot).await?;
        let outcomes = Self::commit_on(&mut conn, requests, now_micros).await?;
        *slot = Some(conn);
        Ok(outcomes)
    }

    async fn restore_batch(&self, events: &[RecordedEvent]) -> Result<Head, RestoreError> {
        let mut slot = self.writer.lock().await;
        let mut conn = self.writer_connection(&mut slot).await?;
        let new_head = Self::restore_on(&mut conn, events).await?;
        *slot = Some(conn);
        Ok(new_head)
    }

    async fn read_page(
        &self,
        after_position: u64,
        limit: u32,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        if !self.pool.is_closed() {
            if let Ok(mut slot) = self.reader.try_lock() {
                let mut reader = self
                    .kept_or_opened(&mut slot, &self.pool.connect_options())
                    .await?;
                let page = sqlite_rows::read_rows(&mut reader, after_position, limit).await;
                if page.is_ok() {
                    *slot = Some(reader);
                }
                return page;
            }
        }
        let mut conn = self.pool.acquire().await?;
        sqlite_rows::read_rows(&mut conn, after_position, limit).await
    }

    async fn read_stream(
        &self,
        stream: &str,
        from_version: u64,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE stream = ? AND stream_version >= ? \
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
        let mut conn = self.pool.acquire().await?;
        sqlite_rows::known_event_ids(&mut conn, ids).await
    }

    async fn begin_session(&self) -> Result<Box<dyn BackendSession>, StoreError> {
        let mut slot = self.writer.clone().lock_owned().await;
        let mut conn = self.writer_connection(&mut slot).await?;
        sqlx::query("BEGIN IMMEDIATE").execute(&mut conn).await?;
        Ok(Box::new(SqliteSession {
            slot,
            conn,
            memory: SessionMemory::default(),
        }))
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
            "INSERT INTO signing_key (id, seed, created_at) VALUES (1, ?, ?) \
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
        for slot in [&self.reader, &self.writer, &self.snapshots] {
            if let Some(conn) = slot.lock().await.take() {
                // Closing only flushes what the connection holds; a failure loses nothing.
                let _ = conn.close().await;
            }
        }
    }

    async fn insert_token(
        &self,
        token: &TokenRecord,
        secret_hash: &[u8],
    ) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "INSERT INTO api_tokens ({TOKEN_COLUMNS}) VALUES (?, ?, ?, ?, ?, NULL)"
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
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = ?");
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
        let done =
            sqlx::query("UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?")
                .bind(at_micros)
                .bind(id)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn pause_appends(&self) -> Option<Box<dyn Send>> {
        Some(Box::new(self.writer.clone().lock_owned().await))
    }

    async fn clear_snapshot(&self, position: i64, format: i64) -> Result<(), StoreError> {
        let mut slot = self.snapshots.lock().await;
        let mut conn = self.snapshot_connection(&mut slot).await?;
        let mut tx = conn.begin().await?;
        for statement in [CLEAR_SNAPSHOT, CLEAR_SNAPSHOT_PIECES] {
            sqlx::query(statement)
                .bind(position)
                .bind(format)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        *slot = Some(conn);
        Ok(())
    }

    async fn save_snapshot_piece(
        &self,
        position: i64,
        format: i64,
        seq: i64,
        bytes: Vec<u8>,
    ) -> Result<(), StoreError> {
        let mut slot = self.snapshots.lock().await;
        let mut conn = self.snapshot_connection(&mut slot).await?;
        sqlx::query(SAVE_SNAPSHOT_PIECE)
            .bind(position)
            .bind(format)
            .bind(seq)
            .bind(bytes)
            .execute(&mut conn)
            .await?;
        *slot = Some(conn);
        Ok(())
    }

    async fn save_snapshot_row(&self, row: &SnapshotRow) -> Result<(), StoreError> {
        let mut slot = self.snapshots.lock().await;
        let mut conn = self.snapshot_connection(&mut slot).await?;
        sqlx::query(SAVE_SNAPSHOT_ROW)
            .bind(row.position)
            .bind(&row.event_hash[..])
            .bind(row.format)
            .bind(row.created_at)
            .bind(row.pieces)
            .bind(row.length)
            .bind(&row.body_hash[..])
            .execute(&mut conn)
            .await?;
        *slot = Some(conn);
        Ok(())
    }

    async fn latest_snapshot(
        &self,
        query: &SnapshotQuery,
    ) -> Result<Option<RawSnapshot>, StoreError> {
        Ok(sqlx::query_as::<_, RawSnapshot>(LATEST_SNAPSHOT)
            .bind(query.format)
            .bind(query.at_or_before)
            .bind(query.known_at_micros)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn snapshot_piece(
        &self,
        position: i64,
        format: i64,
        seq: i64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let mut slot = self.snapshots.lock().await;
        let mut conn = self.snapshot_connection(&mut slot).await?;
        let piece = sqlite_rows::read_snapshot_piece(&mut conn, position, format, seq).await?;
        *slot = Some(conn);
        Ok(piece)
    }

    async fn prune_snapshots(&self, keep: i64) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(PRUNE_SNAPSHOT_PIECES)
            .bind(keep - 1)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query(PRUNE_SNAPSHOTS)
            .bind(keep - 1)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }
}

/// A write transaction on the writer's connection, held open across appends. The writer's
/// slot stays locked for the session's life, so the group-commit writer waits for it; the
/// connection goes back into the slot only after a clean end (dropped, it rolls back).
struct SqliteSession {
    slot: tokio::sync::OwnedMutexGuard<Option<SqliteConnection>>,
    conn: SqliteConnection,
    memory: SessionMemory,
}

#[async_trait]
impl BackendSession for SqliteSession {
    async fn known_event_ids(&mut self, ids: &[Uuid]) -> Result<Vec<Uuid>, StoreError> {
        let known = sqlite_rows::known_event_ids(&mut self.conn, ids).await?;
        self.memory.looked_up(ids, &known);
        Ok(known)
    }

    async fn write(
        &mut self,
        requests: &[&AppendRequest],
        now_micros: i64,
    ) -> Result<Vec<Result<Appended, AppendError>>, StoreError> {
        SqliteBackend::write_on(&mut self.conn, requests, now_micros, &mut self.memory).await
    }

    async fn commit(&mut self) -> Result<(), StoreError> {
        self.memory.committed();
        sqlx::query("COMMIT").execute(&mut self.conn).await?;
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut self.conn)
            .await?;
        Ok(())
    }

    async fn end(self: Box<Self>) -> Result<(), StoreError> {
        let SqliteSession {
            mut slot, mut conn, ..
        } = *self;
        sqlx::query("COMMIT").execute(&mut conn).await?;
        *slot = Some(conn);
        Ok(())
    }
}

/// The stored request hash and result of an idempotency key, inside or outside a transaction.
async fn load_key<'e>(
    executor: impl sqlx::Executor<'e, Database = Sqlite>,
    key: &str,
) -> Result<Option<StoredKey>, StoreError> {
    let row = sqlx::query("SELECT request_hash, result FROM idempotency_keys WHERE key = ?")
        .bind(key.to_owned())
        .fetch_optional(executor)
        .await?;
    row.map(|row| {
        let result: String = row.try_get(1)?;
        stored_key(row.try_get(0)?, &result)
    })
    .transpose()
}
