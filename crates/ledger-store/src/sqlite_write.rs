//! One write of the SQLite backend inside its open transaction, done through the C interface
//! under a single lock of the connection's handle: the head, the stream versions and ids and
//! idempotency keys asked, the plan, the rows and the new head. Each sqlx statement is a round
//! trip to the driver's worker thread; an append of the group-commit writer made seven of
//! them, and everything before its COMMIT took about as long as the COMMIT's write and fsync
//! (1,020–1,060 against 1,030 µs per transaction; BENCHMARKS.md, tenth pass). COMMIT stays with
//! sqlx, and so does BEGIN when another process holds the write lock, so that wait, the fsync
//! and a checkpoint block the driver's worker thread, not the runtime's.

use std::ptr::NonNull;

use foldhash::{HashMap, HashMapExt};
use libsqlite3_sys as ffi;
use uuid::Uuid;

use crate::backend::{event_from_columns, head_from_parts, stored_key, to_sql_int, EVENT_COLUMNS};
use crate::error::{AppendError, StoreError};
use crate::memory::SessionMemory;
use crate::model::{AppendRequest, Appended, Head};
use crate::plan::{plan_batch, BatchFacts, Row, StoredKey, StoredRow};
use crate::sqlite_rows::{Statement, Value};

type Db = NonNull<ffi::sqlite3>;

/// Plans `requests` on the log as it stands (and as `memory` knows it) and writes what the
/// plan accepts.
pub(crate) fn write(
    db: Db,
    requests: &[&AppendRequest],
    now_micros: i64,
    memory: &mut SessionMemory,
) -> Result<Vec<Result<Appended, AppendError>>, StoreError> {
    let facts = facts(db, requests, memory)?;
    let plan = plan_batch(facts, requests, now_micros);
    if !plan.rows.is_empty() {
        insert(db, &plan.rows, &plan.keys, &plan.head)?;
        memory.wrote(&plan.rows, &plan.head);
    }
    Ok(plan.outcomes)
}

/// The facts a batch is planned on: what `memory` knows, the rest read under the lock.
fn facts(
    db: Db,
    requests: &[&AppendRequest],
    memory: &mut SessionMemory,
) -> Result<BatchFacts, StoreError> {
    let head = head(db)?;
    let questions = memory.questions(&head, requests);
    let found = stream_versions(db, &questions.streams_asked)?;
    let existing = existing(db, &questions.ids)?;
    let keys = stored_keys(db, &questions.keys)?;
    Ok(memory.facts(head, questions, found, existing, keys))
}

/// The stored request hash and result of each of `keys` that is stored.
fn stored_keys(db: Db, keys: &[String]) -> Result<HashMap<String, StoredKey>, StoreError> {
    let mut stored = HashMap::new();
    if keys.is_empty() {
        return Ok(stored);
    }
    let mut statement = Statement::prepare(
        db,
        "SELECT request_hash, result FROM idempotency_keys WHERE key = ?1",
    )?;
    for key in keys {
        let found = statement.query_one(&[Value::Text(key)], |row| {
            // Not UTF-8 reads as no JSON, which `stored_key` reports as unreadable.
            let result = std::str::from_utf8(row.bytes(1, true)?).unwrap_or_default();
            stored_key(row.bytes(0, false)?.to_vec(), result)
        })?;
        if let Some(found) = found {
            stored.insert(key.clone(), found);
        }
    }
    Ok(stored)
}

/// The head row, read under the write lock.
pub(crate) fn head(db: Db) -> Result<Head, StoreError> {
    let mut statement = Statement::prepare(
        db,
        "SELECT position, hash, recorded_at FROM ledger_head WHERE id = 1",
    )?;
    statement
        .query_one(&[], |row| {
            head_from_parts(row.int(0), row.bytes(1, false)?.to_vec(), row.int(2))
        })?
        .ok_or_else(|| StoreError::Corrupt {
            position: 0,
            reason: "the head row is missing".to_owned(),
        })
}

/// The current version of each of `streams` that has events: one indexed seek per stream.
pub(crate) fn stream_versions(
    db: Db,
    streams: &[String],
) -> Result<HashMap<String, u64>, StoreError> {
    let mut versions = HashMap::with_capacity(streams.len());
    if streams.is_empty() {
        return Ok(versions);
    }
    let mut statement = Statement::prepare(
        db,
        "SELECT MAX(stream_version) FROM events WHERE stream = ?1",
    )?;
    for stream in streams {
        let version = statement.query_one(&[Value::Text(stream)], |row| {
            Ok((!row.is_null(0)).then(|| u64::try_from(row.int(0)).unwrap_or(0)))
        })?;
        if let Some(Some(version)) = version {
            versions.insert(stream.clone(), version);
        }
    }
    Ok(versions)
}

/// The stored events among `ids`, whole, for idempotent replays and conflicts.
fn existing(db: Db, ids: &[Uuid]) -> Result<HashMap<Uuid, StoredRow>, StoreError> {
    let mut existing = HashMap::new();
    if ids.is_empty() {
        return Ok(existing);
    }
    let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE event_id = ?1");
    let mut statement = Statement::prepare(db, &sql)?;
    for id in ids {
        let found = statement.query_one(&[Value::Blob(id.as_bytes())], |row| {
            event_from_columns(&row.event_columns()?)
        })?;
        if let Some(event) = found {
            let row = StoredRow::from(event);
            existing.insert(row.event_id, row);
        }
    }
    Ok(existing)
}

/// Writes the idempotency keys, the rows and the new head. `OR FAIL`: planning has already
/// refused whatever a constraint would, so a violation is a fault that fails the whole
/// transaction anyway. Under the default `ABORT`, SQLite keeps a statement journal of every
/// page a statement touches so it can undo just that statement; `FAIL` needs none.
pub(crate) fn insert(
    db: Db,
    rows: &[Row<'_>],
    keys: &[(String, [u8; 32], String)],
    head: &Head,
) -> Result<(), StoreError> {
    if !keys.is_empty() {
        let mut statement = Statement::prepare(
            db,
            "INSERT INTO idempotency_keys (key, request_hash, result) VALUES (?1, ?2, ?3)",
        )?;
        for (key, hash, result) in keys {
            statement.execute(&[Value::Text(key), Value::Blob(hash), Value::Text(result)])?;
        }
    }
    let sql = format!(
        "INSERT OR FAIL INTO events ({EVENT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, \
         ?9, ?10, ?11, ?12)"
    );
    let statement = Statement::prepare(db, &sql)?;
    for row in rows {
        statement.insert(row)?;
    }
    Statement::prepare(
        db,
        "UPDATE ledger_head SET position = ?1, hash = ?2, recorded_at = ?3 WHERE id = 1",
    )?
    .execute(&[
        Value::Int(to_sql_int(head.position)),
        Value::Blob(&head.hash),
        Value::Int(head.recorded_at_micros),
    ])
}
