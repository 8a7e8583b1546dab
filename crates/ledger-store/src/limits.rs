//! Every limit of the store, named, with the reason it has the value it has.

/// Largest payload of one event. Events describe one fact about one entity; anything larger is
/// a document, which belongs in a document store with its hash in `source_ref`.
pub const PAYLOAD_BYTES_MAX: usize = 64 * 1024;

/// Most events in one append call. Bounds the memory and the time one transaction holds the
/// writer; importers split larger files into several calls.
pub const EVENTS_PER_APPEND_MAX: usize = 10_000;

/// Most stream entries in one append call. A domain decision touches a handful of entities;
/// an import batch keeps one entry per run of events on a stream, at most one per event.
pub const STREAMS_PER_APPEND_MAX: usize = EVENTS_PER_APPEND_MAX;

/// Longest stream name, kind, actor and source reference, in bytes.
pub const STREAM_NAME_BYTES_MAX: usize = 128;
pub const KIND_BYTES_MAX: usize = 64;
pub const RECORDED_BY_BYTES_MAX: usize = 128;
pub const SOURCE_REF_BYTES_MAX: usize = 256;
pub const IDEMPOTENCY_KEY_BYTES_MAX: usize = 256;

/// Most append requests the writer folds into one transaction. Large enough that 64 concurrent
/// clients share one fsync, small enough that one batch's latency stays low.
pub const BATCH_REQUESTS_MAX: usize = 512;

/// Most events the writer folds into one transaction across requests.
pub const BATCH_EVENTS_MAX: usize = 20_000;

/// Requests waiting for the writer before `append` callers wait for room (back-pressure).
pub const WRITER_QUEUE_MAX: usize = 4_096;

/// Rows per page when reading the log in order: bounds memory of `read_all` and `verify`.
pub const READ_PAGE_ROWS: u32 = 2_000;

/// How long a SQLite connection waits for another process's write lock before failing.
pub const SQLITE_BUSY_TIMEOUT_MS: u64 = 10_000;

/// Connections in each pool. Reads are short and the writer holds one connection.
pub const POOL_CONNECTIONS_MAX: u32 = 8;

/// SQLite page cache per connection, as SQLite's negative `cache_size` (KiB): 16 MiB. It
/// keeps the indexes' hot pages for an import's random inserts (import at 1M events 5.3k →
/// 32k events/s with 32 or 64 MiB alike, when commits took turns among the pool's connections).
/// Since the writer keeps its connection, 16 MiB imports as fast as 32 (75.3–78.9k against
/// 74.1–79.8k events/s, `ledger-bench import`, alternated) and peaks 20–30 MiB lower
/// (254–258 against 278–285 MiB); 64 MiB put a full replay over 300 MB RSS.
pub const SQLITE_CACHE_KIB: i64 = -16_384;

/// Page cache of the connections that read or write in order (SQLite's negative
/// `cache_size`, KiB): 2 MiB. The log's reader and the snapshot bodies' connection touch each
/// page once, so caching only kept pages resident that nothing read again: a replay of the
/// province log (1M events) peaked at 229–231 MiB with the pool's 16 MiB and at 214–217 MiB
/// with 2 MiB, in the same time; a snapshot left tens of megabytes cached.
pub const SQLITE_IN_ORDER_CACHE_KIB: i64 = -2_048;

/// WAL pages (4 KiB) after which a commit copies the WAL back into the database: 64 MiB
/// instead of SQLite's 4 MiB. An import batch dirties thousands of index pages; with the
/// default nearly every commit was followed by a checkpoint that wrote them a second time.
/// A 1M-event import wrote 5.2 GB instead of 3.6 GB with the default.
pub const SQLITE_WAL_AUTOCHECKPOINT_PAGES: u32 = 16_384;

/// Events committed between two background snapshots of the projections. At ~170,000 events/s
/// of replay, 100,000 events bound the catch-up after a snapshot to well under a second, while
/// one snapshot per 100,000 events keeps the cost of writing them negligible.
pub const SNAPSHOT_EVERY_EVENTS: u64 = 100_000;

/// Snapshots kept after each write. More than one, so a snapshot that turns out unreadable
/// (a format bump, a torn write) still leaves an older one to start from.
pub const SNAPSHOTS_KEPT: u32 = 3;

/// Statements slower than this are logged by sqlx, at debug level only: a multi-row insert's
/// text is thousands of placeholders, which at warn level flooded a terminal during imports.
pub const SLOW_STATEMENT: std::time::Duration = std::time::Duration::from_secs(1);
pub const SLOW_STATEMENT_LOG_LEVEL: log::LevelFilter = log::LevelFilter::Debug;

/// How long a token read from the database is trusted before it is read again, so that a
/// revocation made by another process (the CLI, another server) holds within this; one made
/// through the same store holds at once. A second keeps a revoked token's window short while
/// sparing each authenticated request a database round trip.
pub const TOKEN_RECHECK: std::time::Duration = std::time::Duration::from_secs(1);

/// Most tokens kept in that cache; past it the cache starts again empty. Only tokens that
/// exist are kept, so unknown ids cannot fill it.
pub const TOKENS_CACHED_MAX: usize = 10_000;

/// Bytes of a snapshot body per stored piece. Bounds what writing or reading one holds beyond
/// the ledger (a piece being encoded, one in the channel, one being inserted) while keeping
/// the pieces few: 22 at province scale (1M events).
pub const SNAPSHOT_PIECE_BYTES: usize = 4 * 1024 * 1024;
