//! The one trait both backends implement, and the row shape they share.

use std::borrow::Cow;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use futures::stream::BoxStream;
use uuid::Uuid;

use crate::date_text::parse_date;
use crate::error::{AppendError, RestoreError, StoreError};
use crate::model::{AppendRequest, Appended, Head, RecordedEvent};
use crate::page::{EventPage, EventRef};
use crate::plan::{Row, StoredKey, StoredRow};
use crate::snapshot::{RawSnapshot, SnapshotQuery, SnapshotRow};
use crate::tokens::TokenRecord;

/// Pages of the log in order, ended by the first error.
pub(crate) type PageStream = BoxStream<'static, Result<EventPage, StoreError>>;

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

    /// Opens a write transaction that stays open across many appends (see
    /// [`WriteSession`](crate::WriteSession)): it holds the database's write lock until it
    /// ends, and every other writer waits.
    async fn begin_session(&self) -> Result<Box<dyn BackendSession>, StoreError>;

    /// Up to `limit` events with position > `after_position`, in order.
    async fn read_page(&self, after_position: u64, limit: u32) -> Result<EventPage, StoreError>;

    /// Every event with position > `after_position`, in order, in pages, when the backend
    /// reads the log faster in one pass than page by page; `None` (the default) to have the
    /// caller page with [`read_page`](Self::read_page).
    fn read_after(&self, _after_position: u64) -> Option<PageStream> {
        None
    }

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

    /// Waits until this store's own appends and write sessions hold no write lock and keeps
    /// them from taking one until the guard is dropped; `None` where writers do not exclude
    /// one another (PostgreSQL).
    async fn pause_appends(&self) -> Option<Box<dyn Send>> {
        None
    }

    /// Deletes the snapshot at (`position`, `format`) and its pieces, if stored.
    async fn clear_snapshot(&self, position: i64, format: i64) -> Result<(), StoreError>;

    /// Stores piece `seq` of the body of the snapshot at (`position`, `format`).
    async fn save_snapshot_piece(
        &self,
        position: i64,
        format: i64,
        seq: i64,
        bytes: Vec<u8>,
    ) -> Result<(), StoreError>;

    /// Stores the row naming a snapshot's pieces, making it visible to readers.
    async fn save_snapshot_row(&self, row: &SnapshotRow) -> Result<(), StoreError>;

    /// The newest snapshot row matching `query`, joined with the hash of its event.
    async fn latest_snapshot(
        &self,
        query: &SnapshotQuery,
    ) -> Result<Option<RawSnapshot>, StoreError>;

    /// Piece `seq` of the body at (`position`, `format`), if stored.
    async fn snapshot_piece(
        &self,
        position: i64,
        format: i64,
        seq: i64,
    ) -> Result<Option<Vec<u8>>, StoreError>;

    /// Deletes snapshots older than the `keep` newest positions.
    async fn prune_snapshots(&self, keep: i64) -> Result<u64, StoreError>;
}

/// One open write transaction of a backend. Dropping it without [`BackendSession::end`]
/// rolls back everything written since its last commit.
#[async_trait]
pub trait BackendSession: Send {
    /// Which of `ids` are stored, this transaction's own writes included.
    async fn known_event_ids(&mut self, ids: &[Uuid]) -> Result<Vec<Uuid>, StoreError>;

    /// Takes `ids` as not stored, as a lookup outside the session found them, so that the next
    /// write does not ask the database about them again.
    fn absent(&mut self, ids: &[Uuid]);

    /// Whether a lookup on another connection, running while this session writes, is cheaper
    /// for an importer than asking the session before each write.
    fn lookups_beside(&self) -> bool;

    /// Plans and writes `requests` inside the open transaction, as
    /// [`StorageBackend::commit_batch`] does, without committing. After an outer error the
    /// transaction holds part of a batch: the session must be dropped, not committed.
    async fn write(
        &mut self,
        requests: &[&AppendRequest],
        now_micros: i64,
    ) -> Result<Vec<Result<Appended, AppendError>>, StoreError>;

    /// Commits what was written and opens the next transaction, keeping the write lock.
    async fn commit(&mut self) -> Result<(), StoreError>;

    /// Commits what was written and gives the write lock back.
    async fn end(self: Box<Self>) -> Result<(), StoreError>;
}

/// The newest snapshot of a format at or before a position whose event was recorded by a
/// time, with that event's hash (`?` placeholders; PostgreSQL rewrites them). The join on the
/// events' primary key leaves out snapshots beyond the stored log.
pub(crate) const LATEST_SNAPSHOT: &str = "SELECT s.position, s.event_hash, s.format, \
     s.created_at, s.pieces, s.length, s.body_hash, e.hash AS log_hash \
     FROM projection_snapshots s JOIN events e ON e.position = s.position \
     WHERE s.format = ? AND s.position <= ? AND e.recorded_at <= ? \
     ORDER BY s.position DESC LIMIT 1";

/// One piece of one body.
pub(crate) const SNAPSHOT_PIECE: &str = "SELECT bytes FROM projection_snapshot_pieces \
     WHERE position = ? AND format = ? AND seq = ?";

/// Keeps the snapshots at the newest positions: deletes those below the `keep`-th newest
/// (nothing when there are fewer, as the comparison with NULL is never true).
pub(crate) const PRUNE_SNAPSHOTS: &str = "DELETE FROM projection_snapshots WHERE position < \
     (SELECT position FROM projection_snapshots ORDER BY position DESC LIMIT 1 OFFSET ?)";

/// The pieces below the same bound: those of the snapshots [`PRUNE_SNAPSHOTS`] deletes, and
/// any an unfinished write left there.
pub(crate) const PRUNE_SNAPSHOT_PIECES: &str = "DELETE FROM projection_snapshot_pieces \
     WHERE position < \
     (SELECT position FROM projection_snapshots ORDER BY position DESC LIMIT 1 OFFSET ?)";

pub(crate) const CLEAR_SNAPSHOT: &str =
    "DELETE FROM projection_snapshots WHERE position = ? AND format = ?";
pub(crate) const CLEAR_SNAPSHOT_PIECES: &str =
    "DELETE FROM projection_snapshot_pieces WHERE position = ? AND format = ?";

pub(crate) const SAVE_SNAPSHOT_PIECE: &str = "INSERT INTO projection_snapshot_pieces \
     (position, format, seq, bytes) VALUES (?, ?, ?, ?)";

pub(crate) const SAVE_SNAPSHOT_ROW: &str = "INSERT INTO projection_snapshots \
     (position, event_hash, format, created_at, pieces, length, body_hash) \
     VALUES (?, ?, ?, ?, ?, ?, ?)";

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
    pub(crate) position: i64,
    pub(crate) stream: String,
    pub(crate) stream_version: i64,
    pub(crate) event_id: Uuid,
    pub(crate) kind: String,
    pub(crate) schema_version: i64,
    pub(crate) occurred_on: NaiveDate,
    pub(crate) recorded_at: i64,
    pub(crate) recorded_by: String,
    pub(crate) source_ref: Option<String>,
    pub(crate) payload: String,
    pub(crate) hash: Vec<u8>,
}

/// A stored business date as a backend hands it over.
#[derive(Clone, Copy)]
pub(crate) enum DateColumn<'a> {
    /// `YYYY-MM-DD` (SQLite).
    Text(&'a [u8]),
    /// Days since 2000-01-01 (PostgreSQL's binary form).
    DaysSince2000(i32),
    /// Already a date (a driver decoded it).
    Date(NaiveDate),
}

/// One stored event's columns as a backend hands them over without a driver's row decoding
/// (`sqlite_rows`, `postgres_read`), before any check: integers as stored, texts and blobs as
/// bytes.
pub(crate) struct EventColumns<'a> {
    pub(crate) position: i64,
    pub(crate) stream: &'a [u8],
    pub(crate) stream_version: i64,
    pub(crate) event_id: &'a [u8],
    pub(crate) kind: &'a [u8],
    pub(crate) schema_version: i64,
    pub(crate) occurred_on: DateColumn<'a>,
    pub(crate) recorded_at: i64,
    pub(crate) recorded_by: &'a [u8],
    pub(crate) source_ref: Option<&'a [u8]>,
    pub(crate) payload: &'a [u8],
    pub(crate) hash: &'a [u8],
}

/// A stored event from its columns, with the range checks every stored event passes; a value
/// that cannot be what the writer stored is `Corrupt`, naming the position. Each text is
/// copied once, into its `String`.
pub(crate) fn event_from_columns(c: &EventColumns<'_>) -> Result<RecordedEvent, StoreError> {
    checked_event(c).map(|e| e.to_recorded())
}

/// [`event_from_columns`] without the copies: the event borrows the columns' texts.
pub(crate) fn checked_event<'a>(c: &EventColumns<'a>) -> Result<EventRef<'a>, StoreError> {
    let (position, stream_version, schema_version, hash) =
        checked_parts(c.position, c.stream_version, c.schema_version, c.hash)?;
    let corrupt = |reason: String| StoreError::Corrupt { position, reason };
    let text = |bytes: &'a [u8], what: &str| -> Result<&'a str, StoreError> {
        std::str::from_utf8(bytes).map_err(|_| corrupt(format!("{what} is not UTF-8")))
    };
    let event_id =
        Uuid::from_slice(c.event_id).map_err(|_| corrupt("event id is not a UUID".to_owned()))?;
    let occurred_on = match c.occurred_on {
        DateColumn::Text(text) => std::str::from_utf8(text)
            .map_err(|_| corrupt("occurred_on is not UTF-8".to_owned()))
            .and_then(|date| parse_date(date).map_err(|e| corrupt(format!("occurred_on: {e}"))))?,
        DateColumn::DaysSince2000(days) => NaiveDate::from_ymd_opt(2000, 1, 1)
            .and_then(|epoch| epoch.checked_add_signed(chrono::TimeDelta::days(days.into())))
            .ok_or_else(|| corrupt("occurred_on out of range".to_owned()))?,
        DateColumn::Date(date) => date,
    };
    Ok(EventRef {
        position,
        stream: text(c.stream, "stream")?,
        stream_version,
        event_id,
        kind: text(c.kind, "kind")?,
        schema_version,
        occurred_on,
        recorded_at: recorded_at_time(position, c.recorded_at)?,
        recorded_by: text(c.recorded_by, "recorded_by")?,
        source_ref: c.source_ref.map(|s| text(s, "source_ref")).transpose()?,
        payload: text(c.payload, "payload")?,
        hash,
    })
}

/// The range checks every stored event passes: position (0 when negative, for messages
/// only, as the rowid never is), stream version, schema version, and a 32-byte hash.
fn checked_parts(
    position: i64,
    stream_version: i64,
    schema_version: i64,
    hash: &[u8],
) -> Result<(u64, u64, u32, &[u8; 32]), StoreError> {
    let position = u64::try_from(position).unwrap_or(0);
    let corrupt = |reason: &str| StoreError::Corrupt {
        position,
        reason: reason.to_owned(),
    };
    let hash: &[u8; 32] = hash
        .try_into()
        .map_err(|_| corrupt("hash is not 32 bytes"))?;
    let stream_version =
        u64::try_from(stream_version).map_err(|_| corrupt("negative stream version"))?;
    let schema_version =
        u32::try_from(schema_version).map_err(|_| corrupt("schema version out of range"))?;
    Ok((position, stream_version, schema_version, hash))
}

/// `recorded_at` (microseconds since the epoch) as a time.
fn recorded_at_time(position: u64, micros: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_micros(micros).ok_or(StoreError::Corrupt {
        position,
        reason: "recorded_at out of range".to_owned(),
    })
}

impl RawEvent {
    pub(crate) fn into_row(self) -> Result<StoredRow, StoreError> {
        let (position, stream_version, schema_version, hash) = checked_parts(
            self.position,
            self.stream_version,
            self.schema_version,
            &self.hash,
        )?;
        Ok(Row {
            position,
            stream: Cow::Owned(self.stream),
            stream_version,
            event_id: self.event_id,
            kind: Cow::Owned(self.kind),
            schema_version,
            occurred_on: self.occurred_on,
            recorded_at_micros: self.recorded_at,
            recorded_by: Cow::Owned(self.recorded_by),
            source_ref: self.source_ref.map(Cow::Owned),
            payload: Cow::Owned(self.payload),
            hash: *hash,
        })
    }

    pub(crate) fn into_recorded(self) -> Result<RecordedEvent, StoreError> {
        let row = self.into_row()?;
        Ok(RecordedEvent {
            recorded_at: recorded_at_time(row.position, row.recorded_at_micros)?,
            position: row.position,
            stream: row.stream.into_owned(),
            stream_version: row.stream_version,
            event_id: row.event_id,
            kind: row.kind.into_owned(),
            schema_version: row.schema_version,
            occurred_on: row.occurred_on,
            recorded_by: row.recorded_by.into_owned(),
            source_ref: row.source_ref.map(Cow::into_owned),
            payload: row.payload.into_owned(),
            hash: row.hash,
        })
    }
}

impl From<RecordedEvent> for StoredRow {
    fn from(e: RecordedEvent) -> Self {
        Row {
            position: e.position,
            stream: Cow::Owned(e.stream),
            stream_version: e.stream_version,
            event_id: e.event_id,
            kind: Cow::Owned(e.kind),
            schema_version: e.schema_version,
            occurred_on: e.occurred_on,
            recorded_at_micros: e.recorded_at.timestamp_micros(),
            recorded_by: Cow::Owned(e.recorded_by),
            source_ref: e.source_ref.map(Cow::Owned),
            payload: Cow::Owned(e.payload),
            hash: e.hash,
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A well-formed event's columns.
    fn columns() -> EventColumns<'static> {
        EventColumns {
            position: 8,
            stream: "stream-1".as_bytes(),
            stream_version: 3,
            event_id: &[7u8; 16],
            kind: b"Kind",
            schema_version: 1,
            occurred_on: DateColumn::Text(b"2023-02-28"),
            recorded_at: 1_700_000_000_000_000,
            recorded_by: "cán bộ".as_bytes(),
            source_ref: Some("QĐ-12/2023; a,b".as_bytes()),
            payload: br#"{"a":"\"b\""}"#,
            hash: &[9u8; 32],
        }
    }

    #[test]
    fn stored_columns_read_back_as_every_field() {
        let e = event_from_columns(&columns()).unwrap();
        assert_eq!(e.position, 8);
        assert_eq!(e.stream, "stream-1");
        assert_eq!(e.stream_version, 3);
        assert_eq!(e.kind, "Kind");
        assert_eq!(e.schema_version, 1);
        assert_eq!(e.occurred_on, NaiveDate::from_ymd_opt(2023, 2, 28).unwrap());
        assert_eq!(e.recorded_at.timestamp_micros(), 1_700_000_000_000_000);
        assert_eq!(e.recorded_by, "cán bộ");
        assert_eq!(e.source_ref.as_deref(), Some("QĐ-12/2023; a,b"));
        assert_eq!(e.payload, r#"{"a":"\"b\""}"#);
        assert_eq!(e.event_id, Uuid::from_bytes([7u8; 16]));
        assert_eq!(e.hash, [9u8; 32]);
        let none = EventColumns {
            source_ref: None,
            ..columns()
        };
        assert_eq!(event_from_columns(&none).unwrap().source_ref, None);
    }

    #[test]
    fn damaged_columns_are_corrupt_at_their_position_not_misread() {
        let corrupt = |c: EventColumns<'_>| match event_from_columns(&c) {
            Err(StoreError::Corrupt { position, reason }) => {
                assert_eq!(position, 8, "{reason}");
                reason
            }
            other => panic!("read as {other:?}"),
        };
        let invalid = [0xffu8, 0xfe];
        corrupt(EventColumns {
            stream_version: -3,
            ..columns()
        });
        corrupt(EventColumns {
            schema_version: i64::from(u32::MAX) + 1,
            ..columns()
        });
        corrupt(EventColumns {
            event_id: &[7u8; 15],
            ..columns()
        });
        corrupt(EventColumns {
            hash: &[9u8; 31],
            ..columns()
        });
        corrupt(EventColumns {
            occurred_on: DateColumn::Text(b"2023-02-29"),
            ..columns()
        });
        corrupt(EventColumns {
            recorded_at: i64::MAX,
            ..columns()
        });
        for (what, c) in [
            (
                "stream",
                EventColumns {
                    stream: &invalid,
                    ..columns()
                },
            ),
            (
                "kind",
                EventColumns {
                    kind: &invalid,
                    ..columns()
                },
            ),
            (
                "occurred_on",
                EventColumns {
                    occurred_on: DateColumn::Text(&invalid),
                    ..columns()
                },
            ),
            (
                "recorded_by",
                EventColumns {
                    recorded_by: &invalid,
                    ..columns()
                },
            ),
            (
                "source_ref",
                EventColumns {
                    source_ref: Some(&invalid),
                    ..columns()
                },
            ),
            (
                "payload",
                EventColumns {
                    payload: &invalid,
                    ..columns()
                },
            ),
        ] {
            assert_eq!(corrupt(c), format!("{what} is not UTF-8"));
        }
    }
}
