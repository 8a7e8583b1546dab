//! `ledger-store` owns the durable, append-only event log: streams, positions, versions and
//! the SHA-256 hash chain. It knows SQL and nothing of welfare.
//!
//! One trait ([`StorageBackend`]) with two implementations, SQLite (the embedded default) and
//! PostgreSQL (the server backend), and one façade ([`EventStore`]) that routes every append
//! through a single group-commit writer task.

#![deny(unsafe_code)]

mod backend;
mod date_text;
mod error;
mod hash;
mod id_filter;
pub mod limits;
mod memory;
mod model;
mod page;
mod plan;
pub use plan::StoredKey;
mod postgres;
mod postgres_read;
mod postgres_rows;
mod restore;
mod session;
mod snapshot;
mod sqlite;
mod sqlite_rows;
mod sqlite_write;
mod store;
mod token_cache;
mod tokens;
mod verify;
mod writer;

pub use backend::{BackendSession, StorageBackend};
pub use error::{AppendError, RestoreError, StoreError, ValidationError};
pub use hash::{chain_hash, HashInput, GENESIS_HASH};
pub use model::{
    AppendRequest, Appended, AppendedEvent, ExpectedVersion, Head, IdempotencyKey, NewEvent,
    RecordedEvent, StreamAppend, StreamName,
};
pub use page::{EventPage, EventRef, Iter as EventPageIter};
pub use session::WriteSession;
pub use snapshot::{AppendsPaused, SavedSnapshot, SnapshotHeader, SnapshotWriter, StoredSnapshot};
pub use store::EventStore;
pub use tokens::{CreatedToken, TokenRecord};
pub use verify::{ChainCheck, VerifyFailure, VerifyReport};
pub use writer::WriterStats;
