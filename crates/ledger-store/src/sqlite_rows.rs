//! Event rows into SQLite through its C interface: one prepared statement, each row's values
//! bound in place (no copies), stepped and reset. Through sqlx, every bound value is copied
//! into an owned argument, handed to the driver's worker thread, and copied again by SQLite;
//! for an import that was most of the insert time (BENCHMARKS.md, sixth pass). The values are
//! the ones sqlx would bind: integers, TEXT (dates as `YYYY-MM-DD`), BLOBs for ids and hashes.
//!
//! The only `unsafe` code of the project lives here.
#![allow(unsafe_code)]

use std::ffi::{c_char, c_int, CStr};
use std::ptr::{null_mut, NonNull};

use libsqlite3_sys as ffi;
use sqlx::SqliteConnection;

use crate::backend::{to_sql_int, EVENT_COLUMNS};
use crate::error::StoreError;
use crate::plan::Row;

/// Inserts `rows` inside the caller's open write transaction. `OR FAIL`, as the sqlx path:
/// planning has already refused whatever a constraint would.
pub(crate) async fn insert_rows(
    conn: &mut SqliteConnection,
    rows: &[Row<'_>],
) -> Result<(), StoreError> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle();
    let sql = format!(
        "INSERT OR FAIL INTO events ({EVENT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, \
         ?9, ?10, ?11, ?12)"
    );
    let statement = Statement::prepare(db, &sql)?;
    for row in rows {
        statement.insert(row)?;
    }
    Ok(())
}

/// A prepared statement, finalized on drop. Only used while the connection's handle is locked
/// (`lock_handle`), so no other thread touches the connection meanwhile.
struct Statement {
    db: NonNull<ffi::sqlite3>,
    stmt: NonNull<ffi::sqlite3_stmt>,
}

impl Statement {
    fn prepare(db: NonNull<ffi::sqlite3>, sql: &str) -> Result<Self, StoreError> {
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
    fn insert(&self, row: &Row) -> Result<(), StoreError> {
        let date = row.occurred_on.format("%F").to_string();
        let result = self
            .bind_int(1, to_sql_int(row.position))
            .and_then(|()| self.bind_text(2, &row.stream))
            .and_then(|()| self.bind_int(3, to_sql_int(row.stream_version)))
            .and_then(|()| self.bind_blob(4, row.event_id.as_bytes()))
            .and_then(|()| self.bind_text(5, &row.kind))
            .and_then(|()| self.bind_int(6, i64::from(row.schema_version)))
            .and_then(|()| self.bind_text(7, &date))
            .and_then(|()| self.bind_int(8, row.recorded_at_micros))
            .and_then(|()| self.bind_text(9, &row.recorded_by))
            .and_then(|()| match &row.source_ref {
                Some(source_ref) => self.bind_text(10, source_ref),
                None => self.bind_null(10),
            })
            .and_then(|()| self.bind_text(11, &row.payload))
            .and_then(|()| self.bind_blob(12, &row.hash))
            .and_then(|()| self.step());
        // SAFETY: the statement is valid; resetting it ends the step and drops the bindings'
        // use of `row` and `date` before they go out of scope.
        unsafe {
            ffi::sqlite3_reset(self.stmt.as_ptr());
            ffi::sqlite3_clear_bindings(self.stmt.as_ptr());
        }
        result
    }

    fn step(&self) -> Result<(), StoreError> {
        // SAFETY: the statement is valid and every parameter is bound.
        match unsafe { ffi::sqlite3_step(self.stmt.as_ptr()) } {
            ffi::SQLITE_DONE => Ok(()),
            rc => Err(failure(self.db, rc)),
        }
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
