//! The store's errors: what a caller did wrong (`ValidationError`), why an append was refused
//! (`AppendError`), and what went wrong underneath (`StoreError`).

use std::sync::Arc;

use uuid::Uuid;

use crate::model::ExpectedVersion;

/// The request itself is malformed; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    #[error("the append holds no events")]
    EmptyAppend,
    #[error("an idempotency key must be 1 to 256 bytes")]
    InvalidIdempotencyKey,
    #[error("stream {stream} is listed with no events")]
    EmptyStream { stream: String },
    #[error("invalid stream name {name:?}: {reason}")]
    InvalidStreamName { name: String, reason: &'static str },
    #[error("{count} events in one append; at most {max} are allowed")]
    TooManyEvents { count: usize, max: usize },
    #[error("{count} stream entries in one append; at most {max} are allowed")]
    TooManyStreams { count: usize, max: usize },
    #[error("event {event_id} appears twice in one append")]
    DuplicateEventId { event_id: Uuid },
    #[error("event {event_id}: payload is not valid JSON: {reason}")]
    PayloadNotJson { event_id: Uuid, reason: String },
    #[error("event {event_id}: payload must be a JSON object")]
    PayloadNotObject { event_id: Uuid },
    #[error("event {event_id}: payload is {bytes} bytes; at most {max} are allowed")]
    PayloadTooLarge {
        event_id: Uuid,
        bytes: usize,
        max: usize,
    },
    #[error("event {event_id}: {field} {reason}")]
    InvalidField {
        event_id: Uuid,
        field: &'static str,
        reason: &'static str,
    },
}

/// Why an append did not land. Every variant means nothing of that request was written.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AppendError {
    #[error("version conflict on stream {stream}: expected {expected}, actual {actual}")]
    Conflict {
        stream: String,
        expected: ExpectedVersion,
        actual: u64,
    },
    #[error("event {event_id} was already recorded with different content")]
    IdempotencyMismatch { event_id: Uuid },
    #[error("event {event_id} was already recorded but other events of this append were not; a retry must resend the original append unchanged")]
    PartialRetry { event_id: Uuid },
    #[error("idempotency key {key:?} was already used for a different request")]
    IdempotencyKeyReused { key: String },
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The batch's transaction failed; the cause is logged by the writer.
    #[error("storage failure: {0}")]
    Storage(Arc<StoreError>),
    #[error("the ledger writer has shut down")]
    Closed,
}

/// A failure of the database or of the log's integrity.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database url {0:?}: use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    #[error("the operating system could not supply random bytes: {0}")]
    Randomness(String),
    #[error("no token with id {0}")]
    UnknownToken(String),
    #[error("stored event at position {position} cannot be read: {reason}")]
    Corrupt { position: u64, reason: String },
    #[error("the write session failed and rolled back what it had not committed")]
    SessionRolledBack,
    /// A failure reported by SQLite's C interface, with its extended result code.
    #[error("database error: {message} (SQLite code {code})")]
    Sqlite { code: i32, message: String },
}

/// SQLite's extended result codes for a UNIQUE and a PRIMARY KEY violation.
const SQLITE_CONSTRAINT_UNIQUE: i32 = 2067;
const SQLITE_CONSTRAINT_PRIMARYKEY: i32 = 1555;

impl StoreError {
    /// True when an insert broke a uniqueness constraint, whichever way the row was written.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(db)) => db.is_unique_violation(),
            StoreError::Sqlite { code, .. } => {
                matches!(
                    *code,
                    SQLITE_CONSTRAINT_UNIQUE | SQLITE_CONSTRAINT_PRIMARYKEY
                )
            }
            _ => false,
        }
    }

    /// True when the database could not be reached or was too busy: worth a retry later,
    /// not a bug.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            StoreError::Database(
                sqlx::Error::PoolTimedOut
                    | sqlx::Error::PoolClosed
                    | sqlx::Error::Io(_)
                    | sqlx::Error::WorkerCrashed
            )
        )
    }
}

/// Why events recorded elsewhere were not restored. Every variant means nothing of that call
/// was written.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("nothing to restore")]
    Empty,
    #[error("{count} events in one restore; at most {max} are allowed")]
    TooManyEvents { count: usize, max: usize },
    /// The event does not continue the stored chain: wrong position, stream version, time, or
    /// a hash that differs from the one recomputed.
    #[error("event at position {position} does not continue the chain: {reason}")]
    Broken { position: u64, reason: String },
    #[error("event at position {position} is malformed: {error}")]
    Invalid {
        position: u64,
        error: ValidationError,
    },
    #[error("an event id of this batch is already stored")]
    DuplicateEventId,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for RestoreError {
    fn from(error: sqlx::Error) -> Self {
        RestoreError::Store(StoreError::Database(error))
    }
}
