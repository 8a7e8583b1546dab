//! The SQLite backend: one file, WAL, `synchronous=FULL`, writes under `BEGIN IMMEDIATE` so that
//! several processes on one file still serialise on the database's write lock.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions as _, Connection as _, Row as _, Sqlite, SqliteConnection, SqlitePool};
use uuid::Uuid;

use crate::backend::{
    head_from_parts, stored_key, to_sql_int, BackendSession, RawEvent, RawToken, StorageBackend,
    CLEAR_SNAPSHOT, CLEAR_SNAPSHOT_PIECES, EVENT_COLUMNS, LATEST_SNAPSHOT, PRUNE_SNAPSHOTS,
    PRUNE_SNAPSHOT_PIECES, SAVE_SNAPSHOT_PIECE, SAVE_SNAPSHOT_ROW, TOKEN_COLUMNS,
};
use crate::error::{AppendError, RestoreError, StoreError};
use crate::limits::{
    POOL_CONNECTIONS_MAX, SLOW_STATEMENT, SLOW_STATEMENT_LOG_LEVEL, SQLITE_BUSY_TIMEOUT_MS,
    SQLITE_CACHE_KIB, SQLITE_IN_ORDER_CACHE_KIB, SQLITE_WAL_AUTOCHECKPOINT_PAGES,
};
use crate::memory::SessionMemory;
use crate::model::{AppendRequest, Appended, Head, RecordedEvent};
use crate::page::EventPage;
use crate::plan::StoredKey;
use crate::restore::{duplicate_or, plan_restore, streams_of};
use crate::snapshot::{RawSnapshot, SnapshotQuery, SnapshotRow};
use crate::sqlite_rows;
use crate::sqlite_write;
use crate::tokens::TokenRecord;

pub(crate) struct SqliteBackend {
    pool: SqlitePool,
    /// A connection kept for reading pages of the log. The pool hands its idle connections
    /// out in turn, and a read-ahead finds the last one not yet back, so a replay's pass over
    /// the log filled the page cache of up to four connections; through this one it
    /// fills one, and a small one (`SQLITE_IN_ORDER_CACHE_KIB`): a read in log order touches
    /// each page once. Taken out while in use (a read given up midway drops it rather than
    /// leave it mid-statement); when another read holds it, reads take a pooled connection.
    reader: tokio::sync::Mutex<Option<SqliteConnection>>,
    /// The one connection appends go through. SQLite drops a connection's whole page cache
    /// when another connection has written since its last transaction, so commits that took
    /// turns among the pool's connections re-read the indexes' pages from the OS each time
    /// (7 GB read back during a 1M-event import); one writer keeps them warm. Taken out while
    /// in use and put back only after a transaction that ended cleanly.
    writer: Arc<tokio::sync::Mutex<Option<SqliteConnection>>>,
    /// The connection snapshot bodies are written and read through, with a small page cache.
    /// Through the pool, each 4 MiB piece took the next idle connection and stayed in its
    /// page cache (32 MiB then): one snapshot at 1M events left most of its 86 MB cached
    /// across them.
    snapshots: tokio::sync::Mutex<Option<SqliteConnection>>,
    /// The pool's options with the small cache of the reader and the snapshot connection.
    in_order_options: SqliteConnectOptions,
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
        let in_order_options = options
            .clone()
            .pragma("cache_size", SQLITE_IN_ORDER_CACHE_KIB.to_string());
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
            in_order_options,
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
        self.kept_or_opened(slot, &self.in_order_options).await
    }

    /// One transaction of the group-commit writer. When the write lock is free, BEGIN and the
    /// write go in one lock of the handle; when another process holds it, BEGIN waits through
    /// sqlx, on the driver's thread. COMMIT always goes through sqlx: its fsync, and a
    /// checkpoint now and then, must not block the runtime. A failure leaves the transaction
    /// open; the caller then drops the connection, which rolls it back.
    async fn commit_on(
        conn: &mut SqliteConnection,
        requests: &[&AppendRequest],
        now_micros: i64,
    ) -> Result<Vec<Result<Appended, AppendError>>, StoreError> {
        let mut memory = SessionMemory::default();
        let begun = {
            let mut handle = sqlite_rows::locked(conn).await?;
            let db = handle.as_raw_handle();
            match sqlite_rows::begin_immediate_now(db)? {
                true => Some(sqlite_write::write(db, requests, now_micros, &mut memory)?),
                false => None,
            }
        };
        let outcomes = match begun {
            Some(outcomes) => outcomes,
            None => {
                sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
                Self::write_on(conn, requests, now_micros, &mut memory).await?
            }
        };
        sqlx::query("COMMIT").execute(&mut *conn).await?;
        Ok(outcomes)
    }

    /// Plans and writes a batch inside the caller's write transaction, under one lock of the
    /// connection's handle (`sqlite_write`).
    async fn write_on(
        conn: &mut SqliteConnection,
        requests: &[&AppendRequest],
        now_micros: i64,
        memory: &mut SessionMemory,
    ) -> Result<Vec<Result<Appended, AppendError>>, StoreError> {
        let mut handle = sqlite_rows::locked(conn).await?;
        sqlite_write::write(handle.as_raw_handle(), requests, now_micros, memory)
    }

    async fn restore_on(
        conn: &mut SqliteConnection,
        events: &[RecordedEvent],
    ) -> Result<Head, RestoreError> {
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
        let new_head = {
            let mut handle = sqlite_rows::locked(&mut tx).await?;
            let db = handle.as_raw_handle();
            let head = sqlite_write::head(db)?;
            let versions = sqlite_write::stream_versions(db, &streams_of(events))?;
            let (rows, new_head) = plan_restore(head, versions, events)?;
            sqlite_write::insert(db, &rows, &[], &new_head).map_err(duplicate_or)?;
            new_head
        };
        tx.commit().await?;
        Ok(new_head)
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

    async fn read_page(&self, after_position: u64, limit: u32) -> Result<EventPage, StoreError> {
        if !self.pool.is_closed() {
            if let Ok(mut slot) = self.reader.try_lock() {
                let mut reader = self
                    .kept_or_opened(&mut slot, &self.in_order_options)
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
    /// With the head read under the lock, so that on a log that held only this session's
    /// events the database is asked only about ids the session may have written.
    async fn known_event_ids(&mut self, ids: &[Uuid]) -> Result<Vec<Uuid>, StoreError> {
        let mut handle = sqlite_rows::locked(&mut self.conn).await?;
        let db = handle.as_raw_handle();
        let asked = self.memory.ids_to_look_up(&sqlite_write::head(db)?, ids);
        let known = sqlite_rows::known_on(db, &asked)?;
        self.memory.looked_up(ids, &known);
        Ok(known)
    }

    fn absent(&mut self, ids: &[Uuid]) {
        self.memory.looked_up(ids, &[]);
    }

    /// No: this session's page cache holds the index pages its inserts touched, while a pooled
    /// connection's is cold, and dropped whenever this one commits. Measured on the province
    /// import: 12.0–12.3 s and a 296 MiB peak with lookups beside, against 10.0–12.7 s and
    /// 240–243 MiB asking the session (BENCHMARKS.md, eleventh pass).
    fn lookups_beside(&self) -> bool {
        false
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
