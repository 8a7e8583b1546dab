//! Event rows into and out of SQLite through its C interface: one prepared statement, each
//! row's values bound in place (no copies), stepped and reset; and a page of the log read
//! column by column straight into its events. Through sqlx, every bound value is copied into
//! an owned argument, handed to the driver's worker thread, and copied again by SQLite; for an
//! import that was most of the insert time (BENCHMARKS.md, sixth pass). Reading, sqlx hands
//! each row across threads; packing a page into one row instead cost SQLite more than the
//! replay's decoding (BENCHMARKS.md, eighth pass). The values are the ones sqlx would bind:
//! integers, TEXT (dates as `YYYY-MM-DD`), BLOBs for ids and hashes.
//!
//! The only `unsafe` code of the project lives here.
#![allow(unsafe_code)]

use std::ffi::{c_char, c_int, CStr};
use std::ptr::{null_mut, NonNull};

use libsqlite3_sys as ffi;
use sqlx::{Connection as _, SqliteConnection};
use uuid::Uuid;

use crate::backend::{
    checked_event, to_sql_int, DateColumn, EventColumns, EVENT_COLUMNS, SNAPSHOT_PIECE,
};
use crate::date_text::IsoDate;
use crate::error::StoreError;
use crate::limits::SQLITE_BUSY_TIMEOUT_MS;
use crate::page::{EventPage, TEXT_PER_ROW};
use crate::plan::Row;

/// The events after `after_position` in log order, at most `limit`. Each text and blob is
/// read where SQLite keeps it and copied once, into the page.
pub(crate) async fn read_rows(
    conn: &mut SqliteConnection,
    after_position: u64,
    limit: u32,
) -> Result<EventPage, StoreError> {
    let mut handle = locked(conn).await?;
    let db = handle.as_raw_handle();
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE position > ?1 ORDER BY position LIMIT ?2"
    );
    let mut statement = Statement::prepare(db, &sql)?;
    statement.bind_int(1, to_sql_int(after_position))?;
    statement.bind_int(2, i64::from(limit))?;
    let mut events = EventPage::with_capacity(limit.min(READ_CAPACITY_MAX) as usize, TEXT_PER_ROW);
    while statement.next_row()? {
        events.push(&checked_event(&statement.event_columns()?)?);
    }
    Ok(events)
}

/// Which of `ids` are stored, in the order asked: one prepared statement, one indexed seek
/// per id. Through sqlx, an `IN` list of a thousand ids was built, copied to the driver's
/// worker and back for every thousand, the largest share of an import's lookups.
pub(crate) async fn known_event_ids(
    conn: &mut SqliteConnection,
    ids: &[Uuid],
) -> Result<Vec<Uuid>, StoreError> {
    let mut handle = locked(conn).await?;
    known_on(handle.as_raw_handle(), ids)
}

/// [`known_event_ids`] on a handle already locked.
pub(crate) fn known_on(db: NonNull<ffi::sqlite3>, ids: &[Uuid]) -> Result<Vec<Uuid>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut statement = Statement::prepare(db, "SELECT 1 FROM events WHERE event_id = ?1")?;
    let mut known = Vec::new();
    for id in ids {
        if statement.holds(id.as_bytes())? {
            known.push(*id);
        }
    }
    Ok(known)
}

/// Opens a write transaction if the database's write lock is free at once; `false` when
/// another connection holds it. Waiting here would block the calling (runtime) thread for up
/// to the busy timeout, so the caller waits through sqlx, on the driver's thread, instead.
pub(crate) fn begin_immediate_now(db: NonNull<ffi::sqlite3>) -> Result<bool, StoreError> {
    // SAFETY: the handle is open and locked for our use; this only sets its busy handler.
    unsafe { ffi::sqlite3_busy_timeout(db.as_ptr(), 0) };
    let begun = Statement::prepare(db, "BEGIN IMMEDIATE").and_then(|mut s| s.execute(&[]));
    let wait = c_int::try_from(SQLITE_BUSY_TIMEOUT_MS).unwrap_or(c_int::MAX);
    // SAFETY: as above; the timeout the connection was opened with.
    unsafe { ffi::sqlite3_busy_timeout(db.as_ptr(), wait) };
    match begun {
        Ok(()) => Ok(true),
        Err(StoreError::Sqlite { code, .. }) if code & 0xff == ffi::SQLITE_BUSY => Ok(false),
        Err(error) => Err(error),
    }
}

/// Piece `seq` of one snapshot body, if stored, copied once out of SQLite.
pub(crate) async fn read_snapshot_piece(
    conn: &mut SqliteConnection,
    position: i64,
    format: i64,
    seq: i64,
) -> Result<Option<Vec<u8>>, StoreError> {
    let mut handle = locked(conn).await?;
    let mut statement = Statement::prepare(handle.as_raw_handle(), SNAPSHOT_PIECE)?;
    statement.bind_int(1, position)?;
    statement.bind_int(2, format)?;
    statement.bind_int(3, seq)?;
    if !statement.next_row()? {
        return Ok(None);
    }
    Ok(Some(statement.bytes(0, false)?.to_vec()))
}

/// The connection's handle, for this module's direct use. sqlx hands it over by having its
/// worker thread unlock the connection and lock it again once the handle is dropped; a second
/// `lock_handle` on the same connection right after the first, with no command between them,
/// now and then waited for ever (a search of the log by time, forty one-row reads back to
/// back on one connection: 31 of 150 runs hung, 9 of 60 at the commit before this session).
/// A ping goes through the worker's command queue, which it reads only once it holds the
/// connection again: with one first, 0 of 100 runs hung. It costs one round trip to that
/// thread per call, against a page of rows or a batch of inserts.
pub(crate) async fn locked(
    conn: &mut SqliteConnection,
) -> Result<sqlx::sqlite::LockedSqliteHandle<'_>, StoreError> {
    conn.ping().await?;
    Ok(conn.lock_handle().await?)
}

/// Rows a page's vector is sized for ahead; a bigger page grows it.
const READ_CAPACITY_MAX: u32 = 10_000;

/// A value bound to a statement's parameter, borrowed for the one step it is bound for.
pub(crate) enum Value<'a> {
    Int(i64),
    Text(&'a str),
    Blob(&'a [u8]),
}

/// A prepared statement, finalized on drop. Only used while the connection's handle is locked
/// (`lock_handle`), so no other thread touches the connection meanwhile.
pub(crate) struct Statement {
    db: NonNull<ffi::sqlite3>,
    stmt: NonNull<ffi::sqlite3_stmt>,
}

impl Statement {
    pub(crate) fn prepare(db: NonNull<ffi::sqlite3>, sql: &str) -> Result<Self, StoreError> {
        let mut stmt = null_mut();
        let len = c_int::try_from(sql.len()).map_err(|_| failure(db, ffi::SQLITE_TOOBIG))?;
        // SAFETY: `db` is the connection's open handle, locked for our use; `sql` is valid for
        // `len` bytes and SQLite does not keep the pointer past the call.
        let rc = unsafe {
            ffi::sqlite3_prepare_v2(db.as_ptr(), sql.as_ptr().cast(), len, &mut stmt, null_mut())
        };
        match NonNull::new(stmt) {
            Some(stmt) if rc == ffi::SQLITE_OK => Ok(Statement { db, stmt }),
            _ => Err(failure(db, rc)),
        }
    }

    /// Binds one row and steps the statement once. The bound pointers (`SQLITE_STATIC`) point
    /// into `row` and into `date`, which outlive the step; the reset afterwards releases them.
    pub(crate) fn insert(&self, row: &Row) -> Result<(), StoreError> {
        let date = IsoDate::new(row.occurred_on);
        let result = self
            .bind_int(1, to_sql_int(row.position))
            .and_then(|()| self.bind_text(2, &row.stream))
            .and_then(|()| self.bind_int(3, to_sql_int(row.stream_version)))
            .and_then(|()| self.bind_blob(4, row.event_id.as_bytes()))
            .and_then(|()| self.bind_text(5, &row.kind))
            .and_then(|()| self.bind_int(6, i64::from(row.schema_version)))
            .and_then(|()| self.bind_text(7, date.as_str()))
            .and_then(|()| self.bind_int(8, row.recorded_at_micros))
            .and_then(|()| self.bind_text(9, &row.recorded_by))
            .and_then(|()| match &row.source_ref {
                Some(source_ref) => self.bind_text(10, source_ref),
                None => self.bind_null(10),
            })
            .and_then(|()| self.bind_text(11, &row.payload))
            .and_then(|()| self.bind_blob(12, &row.hash))
            .and_then(|()| self.step());
        self.reset();
        result
    }

    fn step(&self) -> Result<(), StoreError> {
        // SAFETY: the statement is valid and every parameter is bound.
        match unsafe { ffi::sqlite3_step(self.stmt.as_ptr()) } {
            ffi::SQLITE_DONE => Ok(()),
            rc => Err(failure(self.db, rc)),
        }
    }

    /// Whether the one-parameter query finds a row for `key`; the statement is reset after,
    /// ready for the next key.
    fn holds(&mut self, key: &[u8]) -> Result<bool, StoreError> {
        Ok(self.query_one(&[Value::Blob(key)], |_| Ok(()))?.is_some())
    }

    /// Binds `values`, steps once and reads the row found, if any, with `read`; the statement
    /// is reset after, ready for the next use.
    pub(crate) fn query_one<T>(
        &mut self,
        values: &[Value<'_>],
        read: impl FnOnce(&Statement) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        let found = self.bind_all(values).and_then(|()| self.next_row());
        let result = match found {
            Ok(true) => read(self).map(Some),
            Ok(false) => Ok(None),
            Err(error) => Err(error),
        };
        self.reset();
        result
    }

    /// Binds `values` and runs a statement that returns no rows; reset after.
    pub(crate) fn execute(&mut self, values: &[Value<'_>]) -> Result<(), StoreError> {
        let result = self.bind_all(values).and_then(|()| self.step());
        self.reset();
        result
    }

    fn bind_all(&self, values: &[Value<'_>]) -> Result<(), StoreError> {
        for (index, value) in (1..).zip(values) {
            match value {
                Value::Int(n) => self.bind_int(index, *n)?,
                Value::Text(text) => self.bind_text(index, text)?,
                Value::Blob(bytes) => self.bind_blob(index, bytes)?,
            }
        }
        Ok(())
    }

    /// Ends the step and drops the bindings' use of the values bound, before the caller's
    /// borrows of them end.
    fn reset(&self) {
        // SAFETY: the statement is valid.
        unsafe {
            ffi::sqlite3_reset(self.stmt.as_ptr());
            ffi::sqlite3_clear_bindings(self.stmt.as_ptr());
        }
    }

    /// Steps to the next row of a query: `false` when there is none left.
    /// `&mut self`, so no column read from the row before is still borrowed.
    fn next_row(&mut self) -> Result<bool, StoreError> {
        // SAFETY: the statement is valid and every parameter is bound.
        match unsafe { ffi::sqlite3_step(self.stmt.as_ptr()) } {
            ffi::SQLITE_ROW => Ok(true),
            ffi::SQLITE_DONE => Ok(false),
            rc => Err(failure(self.db, rc)),
        }
    }

    /// The current row's columns in [`EVENT_COLUMNS`] order, borrowed from SQLite until the
    /// next step.
    pub(crate) fn event_columns(&self) -> Result<EventColumns<'_>, StoreError> {
        let source_ref = if self.is_null(9) {
            None
        } else {
            Some(self.bytes(9, true)?)
        };
        Ok(EventColumns {
            position: self.int(0),
            stream: self.bytes(1, true)?,
            stream_version: self.int(2),
            event_id: self.bytes(3, false)?,
            kind: self.bytes(4, true)?,
            schema_version: self.int(5),
            occurred_on: DateColumn::Text(self.bytes(6, true)?),
            recorded_at: self.int(7),
            recorded_by: self.bytes(8, true)?,
            source_ref,
            payload: self.bytes(10, true)?,
            hash: self.bytes(11, false)?,
        })
    }

    pub(crate) fn int(&self, column: c_int) -> i64 {
        // SAFETY: the statement is on a row and `column` is one of its 12 columns.
        unsafe { ffi::sqlite3_column_int64(self.stmt.as_ptr(), column) }
    }

    pub(crate) fn is_null(&self, column: c_int) -> bool {
        // SAFETY: as for `int`.
        unsafe { ffi::sqlite3_column_type(self.stmt.as_ptr(), column) == ffi::SQLITE_NULL }
    }

    /// A column's bytes as text (`text`) or as a blob. SQLite converts the value first if it
    /// has the other type, so a column of either type reads; what the bytes must be is checked
    /// by the caller.
    pub(crate) fn bytes(&self, column: c_int, text: bool) -> Result<&[u8], StoreError> {
        // SAFETY: as for `int`. The pointer is taken before the length, the order SQLite
        // documents; the bytes stay valid until the next step or the finalize, which need
        // `&mut self` and so wait for the borrow of the returned slice to end. Nothing reads
        // this column again as the other type meanwhile (that would convert it in place).
        let (data, len) = unsafe {
            let data: *const u8 = if text {
                ffi::sqlite3_column_text(self.stmt.as_ptr(), column)
            } else {
                ffi::sqlite3_column_blob(self.stmt.as_ptr(), column).cast()
            };
            (data, ffi::sqlite3_column_bytes(self.stmt.as_ptr(), column))
        };
        if data.is_null() {
            // An empty blob comes back as NULL, and so does a conversion out of memory.
            // SAFETY: the handle is open and locked for our use.
            return match unsafe { ffi::sqlite3_errcode(self.db.as_ptr()) } {
                ffi::SQLITE_NOMEM => Err(failure(self.db, ffi::SQLITE_NOMEM)),
                _ => Ok(&[]),
            };
        }
        let len = usize::try_from(len).unwrap_or(0);
        // SAFETY: SQLite returned `len` bytes at `data`, alive as said above.
        Ok(unsafe { std::slice::from_raw_parts(data, len) })
    }

    fn bind_int(&self, index: c_int, value: i64) -> Result<(), StoreError> {
        // SAFETY: the statement is valid and `index` is one of its 12 parameters.
        let rc = unsafe { ffi::sqlite3_bind_int64(self.stmt.as_ptr(), index, value) };
        self.checked(rc)
    }

    fn bind_null(&self, index: c_int) -> Result<(), StoreError> {
        // SAFETY: as for `bind_int`.
        let rc = unsafe { ffi::sqlite3_bind_null(self.stmt.as_ptr(), index) };
        self.checked(rc)
    }

    fn bind_text(&self, index: c_int, value: &str) -> Result<(), StoreError> {
        let len = c_int::try_from(value.len()).map_err(|_| failure(self.db, ffi::SQLITE_TOOBIG))?;
        // SAFETY: `value` stays alive and unmoved until the statement is reset (see `insert`),
        // which is what `SQLITE_STATIC` asks of it.
        let rc = unsafe {
            ffi::sqlite3_bind_text(
                self.stmt.as_ptr(),
                index,
                value.as_ptr().cast::<c_char>(),
                len,
                ffi::SQLITE_STATIC(),
            )
        };
        self.checked(rc)
    }

    fn bind_blob(&self, index: c_int, value: &[u8]) -> Result<(), StoreError> {
        let len = c_int::try_from(value.len()).map_err(|_| failure(self.db, ffi::SQLITE_TOOBIG))?;
        // SAFETY: as for `bind_text`.
        let rc = unsafe {
            ffi::sqlite3_bind_blob(
                self.stmt.as_ptr(),
                index,
                value.as_ptr().cast(),
                len,
                ffi::SQLITE_STATIC(),
            )
        };
        self.checked(rc)
    }

    fn checked(&self, rc: c_int) -> Result<(), StoreError> {
        match rc {
            ffi::SQLITE_OK => Ok(()),
            rc => Err(failure(self.db, rc)),
        }
    }
}

impl Drop for Statement {
    fn drop(&mut self) {
        // SAFETY: the statement was prepared on this handle and is finalized exactly once.
        unsafe {
            ffi::sqlite3_finalize(self.stmt.as_ptr());
        }
    }
}

/// The connection's last error message, with the result code.
fn failure(db: NonNull<ffi::sqlite3>, rc: c_int) -> StoreError {
    // SAFETY: the handle is open; `sqlite3_errmsg` returns a NUL-terminated string owned by
    // SQLite, valid until the next call on the connection, and it is copied at once.
    let (message, extended) = unsafe {
        (
            CStr::from_ptr(ffi::sqlite3_errmsg(db.as_ptr())),
            ffi::sqlite3_extended_errcode(db.as_ptr()),
        )
    };
    StoreError::Sqlite {
        // The extended code says which constraint; it agrees with `rc` in its low byte.
        code: if extended & 0xff == rc & 0xff {
            extended
        } else {
            rc
        },
        message: message.to_string_lossy().into_owned(),
    }
}
