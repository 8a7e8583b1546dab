//! The one trait both backends implement, and the row shape they share.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate};
use uuid::Uuid;

use crate::error::{AppendError, RestoreError, StoreError};
use crate::model::{AppendRequest, Appended, Head, RecordedEvent};
use crate::plan::{Row, StoredKey};
use crate::snapshot::{RawSnapshot, SnapshotQuery};
use crate::tokens::TokenRecord;

/// A durable home for the log. Implementations commit a whole batch in one transaction,
/// serialised against every other writer of the same database (other processes included).
#[async_trait]
pub trait StorageBackend: Send + Sync + 'static {
    /// Plans and commits `requests` in one transaction. The outer error means nothing of the
    /// batch was written; an inner error refuses that request alone.
    async fn commit_batch(
        &self,
        requests: &[&AppendRequest],
        now_micros: i64,
    ) -> Result<Vec<Result<Appended, AppendError>>, StoreError>;

    /// Writes events recorded elsewhere unchanged, in one transaction, after checking under
    /// the write lock that each continues the stored chain (position, stream version, time,
    /// recomputed hash). Nothing is written when one does not.
    async fn restore_batch(&self, events: &[RecordedEvent]) -> Result<Head, RestoreError>;

    /// Up to `limit` events with position > `after_position`, in order.
    async fn read_page(
        &self,
        after_position: u64,
        limit: u32,
    ) -> Result<Vec<RecordedEvent>, StoreError>;

    /// Events of one stream with version ≥ `from_version`, in order.
    async fn read_stream(
        &self,
        stream: &str,
        from_version: u64,
    ) -> Result<Vec<RecordedEvent>, StoreError>;

    /// Which of `ids` are stored.
    async fn known_event_ids(&self, ids: &[Uuid]) -> Result<Vec<Uuid>, StoreError>;

    /// The stored head row.
    async fn head(&self) -> Result<Head, StoreError>;

    /// The stored signing seed; stores `candidate` first when there is none, so every process
    /// sharing the database ends up with the same one.
    async fn signing_seed(
        &self,
        candidate: &[u8; 32],
        now_micros: i64,
    ) -> Result<Vec<u8>, StoreError>;

    /// Closes the connections once in-flight work is done.
    async fn close(&self);

    async fn insert_token(&self, token: &TokenRecord, secret_hash: &[u8])
        -> Result<(), StoreError>;

    async fn list_tokens(&self) -> Result<Vec<TokenRecord>, StoreError>;

    /// The token and its secret's hash.
    async fn token(&self, id: &str) -> Result<Option<(TokenRecord, Vec<u8>)>, StoreError>;

    /// The stored request hash and result of an idempotency key.
    async fn idempotency_key(&self, key: &str) -> Result<Option<StoredKey>, StoreError>;

    /// Marks the token revoked at `at_micros`; false when no such token exists.
    async fn revoke_token(&self, id: &str, at_micros: i64) -> Result<bool, StoreError>;

    /// Inserts or replaces the snapshot at (`position`, `format`).
    async fn save_snapshot(
        &self,
        position: i64,
        event_hash: &[u8],
        format: i64,
        created_at: i64,
        body: &[u8],
    ) -> Result<(), StoreError>;

    /// The newest snapshot matching `query`, joined with the hash of its event.
    async fn latest_snapshot(
        &self,
        query: &SnapshotQuery,
    ) -> Result<Option<RawSnapshot>, StoreError>;

    /// Deletes snapshots older than the `keep` newest positions.
    async fn prune_snapshots(&self, keep: i64) -> Result<u64, StoreError>;
}

/// The newest snapshot of a format at or before a position whose event was recorded by a
/// time, with that event's hash (`?` placeholders; PostgreSQL rewrites them). The join on the
/// events' primary key leaves out snapshots beyond the stored log.
pub(crate) const LATEST_SNAPSHOT: &str = "SELECT s.position, s.event_hash, s.format, \
     s.created_at, s.body, e.hash AS log_hash \
     FROM projection_snapshots s JOIN events e ON e.position = s.position \
     WHERE s.format = ? AND s.position <= ? AND e.recorded_at <= ? \
     ORDER BY s.position DESC LIMIT 1";

/// Keeps the snapshots at the newest positions: deletes those below the `keep`-th newest
/// (nothing when there are fewer, as the comparison with NULL is never true).
pub(crate) const PRUNE_SNAPSHOTS: &str = "DELETE FROM projection_snapshots WHERE position < \
     (SELECT position FROM projection_snapshots ORDER BY position DESC LIMIT 1 OFFSET ?)";

/// Inserts or replaces one snapshot (the same text on both backends but for placeholders).
pub(crate) const SAVE_SNAPSHOT: &str = "INSERT INTO projection_snapshots \
     (position, event_hash, format, created_at, body) VALUES (?, ?, ?, ?, ?) \
     ON CONFLICT (position, format) DO UPDATE SET event_hash = excluded.event_hash, \
     created_at = excluded.created_at, body = excluded.body";

/// `sql` with `?` placeholders numbered `$1, $2, …` for PostgreSQL.
pub(crate) fn numbered_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(c);
        }
    }
    out
}

/// A token row as the driver decodes it.
#[derive(sqlx::FromRow)]
pub(crate) struct RawToken {
    id: String,
    name: String,
    role: String,
    secret_hash: Vec<u8>,
    created_at: i64,
    revoked_at: Option<i64>,
}

pub(crate) const TOKEN_COLUMNS: &str = "id, name, role, secret_hash, created_at, revoked_at";

impl RawToken {
    pub(crate) fn into_parts(self) -> (TokenRecord, Vec<u8>) {
        use crate::tokens::time;
        (
            TokenRecord {
                id: self.id,
                name: self.name,
                role: self.role,
                created_at: time(self.created_at),
                revoked_at: self.revoked_at.map(time),
            },
            self.secret_hash,
        )
    }
}

/// Column list shared by every SELECT of whole events, in [`RawEvent`]'s order.
pub(crate) const EVENT_COLUMNS: &str = "position, stream, stream_version, event_id, kind, \
     schema_version, occurred_on, recorded_at, recorded_by, source_ref, payload, hash";

/// A stored event as the driver decodes it, before range checks.
#[derive(sqlx::FromRow)]
pub(crate) struct RawEvent {
    position: i64,
    stream: String,
    stream_version: i64,
    event_id: Uuid,
    kind: String,
    schema_version: i64,
    occurred_on: NaiveDate,
    recorded_at: i64,
    recorded_by: String,
    source_ref: Option<String>,
    payload: String,
    hash: Vec<u8>,
}

/// One event as a JSON array in `EVENT_COLUMNS` order, the shape the SQLite page query
/// returns, blobs as hex. Serde reads an array into a struct's fields in order.
#[derive(serde::Deserialize)]
struct JsonEvent {
    position: i64,
    stream: String,
    stream_version: i64,
    event_id_hex: String,
    kind: String,
    schema_version: i64,
    occurred_on: String,
    recorded_at: i64,
    recorded_by: String,
    source_ref: Option<String>,
    payload: String,
    hash_hex: String,
}

impl JsonEvent {
    fn into_raw(self) -> Result<RawEvent, StoreError> {
        let corrupt = |reason: String| StoreError::Corrupt {
            position: u64::try_from(self.position).unwrap_or(0),
            reason,
        };
        let event_id = hex::decode(&self.event_id_hex)
            .ok()
            .and_then(|bytes| Uuid::from_slice(&bytes).ok())
            .ok_or_else(|| corrupt("event id is not a UUID".to_owned()))?;
        let occurred_on = self
            .occurred_on
            .parse::<NaiveDate>()
            .map_err(|e| corrupt(format!("occurred_on: {e}")))?;
        let hash = hex::decode(&self.hash_hex).map_err(|e| corrupt(format!("hash: {e}")))?;
        Ok(RawEvent {
            position: self.position,
            stream: self.stream,
            stream_version: self.stream_version,
            event_id,
            kind: self.kind,
            schema_version: self.schema_version,
            occurred_on,
            recorded_at: self.recorded_at,
            recorded_by: self.recorded_by,
            source_ref: self.source_ref,
            payload: self.payload,
            hash,
        })
    }
}

/// Decodes a page that the database folded into one JSON array of [`JsonEvent`]s. SQLite's
/// driver pays a thread hand-off and an allocation per row; one row per page avoids both.
pub(crate) fn events_from_json_page(text: &str) -> Result<Vec<RecordedEvent>, StoreError> {
    let rows: Vec<JsonEvent> = serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
        position: 0,
        reason: format!("page is not JSON: {e}"),
    })?;
    rows.into_iter()
        .map(|row| row.into_raw()?.into_recorded())
        .collect()
}

impl RawEvent {
    pub(crate) fn into_row(self) -> Result<Row, StoreError> {
        let position = u64::try_from(self.position).unwrap_or(0);
        let corrupt = |reason: &str| StoreError::Corrupt {
            position,
            reason: reason.to_owned(),
        };
        let hash: [u8; 32] = self
            .hash
            .as_slice()
            .try_into()
            .map_err(|_| corrupt("hash is not 32 bytes"))?;
        Ok(Row {
            position,
            stream: self.stream,
            stream_version: u64::try_from(self.stream_version)
                .map_err(|_| corrupt("negative stream version"))?,
            event_id: self.event_id,
            kind: self.kind,
            schema_version: u32::try_from(self.schema_version)
                .map_err(|_| corrupt("schema version out of range"))?,
            occurred_on: self.occurred_on,
            recorded_at_micros: self.recorded_at,
            recorded_by: self.recorded_by,
            source_ref: self.source_ref,
            payload: self.payload,
            hash,
        })
    }

    pub(crate) fn into_recorded(self) -> Result<RecordedEvent, StoreError> {
        let row = self.into_row()?;
        let recorded_at =
            DateTime::from_timestamp_micros(row.recorded_at_micros).ok_or(StoreError::Corrupt {
                position: row.position,
                reason: "recorded_at out of range".to_owned(),
            })?;
        Ok(RecordedEvent {
            position: row.position,
            stream: row.stream,
            stream_version: row.stream_version,
            event_id: row.event_id,
            kind: row.kind,
            schema_version: row.schema_version,
            occurred_on: row.occurred_on,
            recorded_at,
            recorded_by: row.recorded_by,
            source_ref: row.source_ref,
            payload: row.payload,
            hash: row.hash,
        })
    }
}

/// Reads the head row's three columns.
pub(crate) fn head_from_parts(
    position: i64,
    hash: Vec<u8>,
    recorded_at: i64,
) -> Result<Head, StoreError> {
    let position = u64::try_from(position).map_err(|_| StoreError::Corrupt {
        position: 0,
        reason: "head position is negative".to_owned(),
    })?;
    let hash = hash
        .as_slice()
        .try_into()
        .map_err(|_| StoreError::Corrupt {
            position,
            reason: "head hash is not 32 bytes".to_owned(),
        })?;
    Ok(Head {
        position,
        hash,
        recorded_at_micros: recorded_at,
    })
}

/// Positions and versions are u64 in Rust and BIGINT in SQL; the writer never comes near 2^63.
pub(crate) fn to_sql_int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Decodes a stored idempotency key row.
pub(crate) fn stored_key(request_hash: Vec<u8>, result: &str) -> Result<StoredKey, StoreError> {
    let result = serde_json::from_str(result).map_err(|e| StoreError::Corrupt {
        position: 0,
        reason: format!("stored idempotency result is not readable: {e}"),
    })?;
    Ok(StoredKey {
        request_hash,
        result,
    })
}
