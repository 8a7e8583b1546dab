//! Every limit of the HTTP surface, with its reason. `/openapi.json` repeats them.

use std::time::Duration;

/// Largest request body. A command is a few hundred bytes; 256 KiB leaves room for long
/// notes while keeping one request from holding much memory.
pub const BODY_BYTES_MAX: usize = 256 * 1024;

/// Most events one page of the feed returns. Big enough to sync fast, small enough to keep a
/// response under a few megabytes.
pub const PAGE_SIZE_MAX: u32 = 1_000;

/// Events per page when no `limit` is given.
pub const PAGE_SIZE_DEFAULT: u32 = 100;

/// Most rows one page of a list answer returns (`limit`). Ten thousand sponsorships are about
/// 3 MB of JSON; the whole list at province scale is 14 MB.
pub const LIST_PAGE_ROWS_MAX: u32 = 10_000;

/// Longest a request may take to produce its response before it is answered 408. Historical
/// queries replay the log; this bounds what one of them can cost.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How often a live event stream looks for events appended by other server processes, which
/// this process's commit notifications do not cover.
pub const STREAM_POLL_INTERVAL: Duration = Duration::from_secs(1);

/// How often an idle event stream sends a keep-alive comment, so proxies keep it open.
pub const STREAM_KEEP_ALIVE: Duration = Duration::from_secs(15);

/// How many times a write re-decides after a version conflict caused by a concurrent writer,
/// before answering 409. Each round lets at least one of the racers on a stream through, so
/// this many concurrent writers to one stream (one programme's budget, say) all get a real
/// answer (201 or 422) rather than a 409 the client would have to retry.
pub const WRITE_CONFLICT_RETRIES: usize = 64;
