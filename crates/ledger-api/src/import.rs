//! NDJSON import: one command per line (`{"key", "source_ref"?, "command"}`), each validated by
//! the domain against the state the lines before it leave. Lines are appended in batches; a
//! batch lands whole or not at all, and a bad line names its number and reason. Event ids
//! derive from each line's key and content, so importing the same file again appends nothing.

use std::collections::HashSet;
use std::io::BufRead;

use ledger_domain::import_line::{line_event_id, ImportLine as Line};
use ledger_domain::{decide_dated, Envelope};
use ledger_store::{AppendError, AppendRequest, Appended, EventStore, StoreError};
use uuid::Uuid;

use crate::view::{Folded, LiveView};
use crate::write::{to_request, WriteError};

mod sink;

use sink::Sink;

/// Lines per atomic batch by default: one transaction (one fsync) per batch, and a command
/// decides into one or a few events, so 5,000 lines stay under the store's 10,000-event
/// append limit (a batch past it is refused whole).
pub const BATCH_LINES_MAX: usize = 5_000;

#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct ImportReport {
    /// Non-blank lines read.
    pub lines: u64,
    /// Lines recorded by this run.
    pub imported: u64,
    /// Lines recorded by an earlier run, skipped.
    pub already_imported: u64,
    /// Events appended by this run.
    pub events: u64,
    /// The ledger's position after the import.
    pub position: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("line {line}: {reason}")]
    Line { line: u64, reason: String },
    #[error("reading the input: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("appending a batch: {0}")]
    Append(#[from] AppendError),
}

struct Parsed {
    number: u64,
    line: Line,
    first_event_id: Uuid,
}

/// Imports every line of `input` in batches of [`BATCH_LINES_MAX`] lines, then brings `view`
/// up to date. `progress(lines_done, bytes_done)` is called after each batch.
pub async fn import(
    store: &EventStore,
    view: &LiveView,
    input: impl BufRead,
    recorded_by: &str,
    progress: impl FnMut(u64, u64),
) -> Result<ImportReport, ImportError> {
    import_in_batches(store, view, input, recorded_by, BATCH_LINES_MAX, progress).await
}

/// [`import`] with another batch size (at least 1 line).
pub async fn import_in_batches(
    store: &EventStore,
    view: &LiveView,
    input: impl BufRead,
    recorded_by: &str,
    batch_lines: usize,
    progress: impl FnMut(u64, u64),
) -> Result<ImportReport, ImportError> {
    view.catch_up(store).await?;
    let working = view.copy().await;
    let mut sink = Sink::new(store, None);
    let outcome = import_into_copy(
        &mut sink,
        working,
        input,
        recorded_by,
        batch_lines,
        progress,
    )
    .await;
    // Whatever landed before a failure is committed; the view must show it either way.
    view.catch_up(store).await?;
    outcome
}

/// [`import`] for a process that keeps no live view (the CLI): the ledger the lines are
/// decided against is folded from the log only when a line is new. The import holds the
/// database's write lock throughout and commits every [`SESSION_COMMIT_EVENTS`] events
/// instead of once per batch ([`WriteSession`]); other writers wait meanwhile.
pub async fn import_alone(
    store: &EventStore,
    input: impl BufRead,
    recorded_by: &str,
    progress: impl FnMut(u64, u64),
) -> Result<ImportReport, ImportError> {
    import_alone_in_batches(store, input, recorded_by, BATCH_LINES_MAX, progress).await
}

/// [`import_alone`] with batches of `batch_lines` lines.
pub async fn import_alone_in_batches(
    store: &EventStore,
    input: impl BufRead,
    recorded_by: &str,
    batch_lines: usize,
    progress: impl FnMut(u64, u64),
) -> Result<ImportReport, ImportError> {
    let working = Folded::default();
    let mut sink = Sink::new(store, Some(store.write_session().await?));
    let outcome = import_into_copy(
        &mut sink,
        working,
        input,
        recorded_by,
        batch_lines,
        progress,
    )
    .await;
    let ended = sink.end().await;
    // A failed import already rolled back what a database error left; its error says why.
    let mut report = outcome?;
    ended?;
    report.position = store.head().await?.position;
    Ok(report)
}

/// Events an import through a write session appends between two commits. Each commit is an
/// fsync and a pass of the dirty index pages through the WAL; between them, a crash loses the
/// uncommitted part, which a rerun of the same file appends again.
pub const SESSION_COMMIT_EVENTS: u64 = 100_000;

/// Decides each batch against `working`, a private copy of the ledger that runs ahead of the
/// log: the batch's events are applied to it as they are decided, so the next batch needs no
/// copy and nothing is read back after an append. While one batch is being written, the next
/// is decided and the one after it read and parsed ([`overlap`]): the store and the domain work
/// side by side.
async fn import_into_copy(
    sink: &mut Sink<'_>,
    mut working: Folded,
    input: impl BufRead,
    recorded_by: &str,
    batch_lines: usize,
    mut progress: impl FnMut(u64, u64),
) -> Result<ImportReport, ImportError> {
    let mut report = ImportReport::default();
    let mut batches = Batches::new(input, batch_lines);
    let mut next = batches.read();
    let mut flight: Option<Flight> = None;
    loop {
        let batch = match next {
            Ok(batch) if batch.is_empty() => break,
            Ok(batch) => batch,
            Err(error) => {
                // The batches before the bad line's stay committed, as if written one by one.
                land(sink, &mut working, flight, recorded_by, &mut report).await?;
                return Err(error);
            }
        };
        let (decided, following) = overlap(
            sink,
            &mut working,
            flight,
            batch,
            &mut batches,
            recorded_by,
            &mut report,
        )
        .await?;
        flight = Some(decided);
        next = following;
        progress(report.lines, batches.bytes);
    }
    land(sink, &mut working, flight, recorded_by, &mut report).await?;
    progress(report.lines, batches.bytes);
    report.position = sink.store.head().await?.position;
    Ok(report)
}

/// The input read and parsed a batch at a time.
struct Batches<R> {
    lines: std::io::Lines<R>,
    size: usize,
    /// Lines and bytes read so far.
    line: u64,
    bytes: u64,
}

impl<R: BufRead> Batches<R> {
    fn new(input: R, size: usize) -> Self {
        Batches {
            lines: input.lines(),
            size: size.max(1),
            line: 0,
            bytes: 0,
        }
    }

    /// The next batch of non-blank lines, parsed; empty at the end of the input. A bad line
    /// ends the batch with its error.
    fn read(&mut self) -> Result<Vec<Parsed>, ImportError> {
        let mut batch = Vec::with_capacity(self.size);
        while batch.len() < self.size {
            let Some(text) = self.lines.next() else {
                break;
            };
            self.line += 1;
            let text = text?;
            self.bytes += text.len() as u64 + 1;
            if !text.trim().is_empty() {
                batch.push(parse(self.line, &text)?);
            }
        }
        Ok(batch)
    }
}

/// A batch decided and handed to the store, not yet known to have landed.
struct Flight {
    lines: Vec<Parsed>,
    decided: Decided,
}

/// One batch's append and what it counts for once it lands.
struct Decided {
    request: AppendRequest,
    counts: Counts,
}

#[derive(Clone, Copy)]
struct Counts {
    /// The position the copy gave the batch's first event.
    first: u64,
    events: u64,
    lines: u64,
    /// Lines not recorded before.
    fresh: u64,
}

fn first_ids(batch: &[Parsed]) -> Vec<Uuid> {
    batch.iter().map(|p| p.first_event_id).collect()
}

/// Decides `batch` against `working`, skipping lines recorded earlier (`known`), in
/// `in_flight`, or earlier in the batch.
async fn decide_batch(
    store: &EventStore,
    working: &mut Folded,
    batch: &[Parsed],
    known: HashSet<Uuid>,
    in_flight: &HashSet<Uuid>,
    recorded_by: &str,
) -> Result<Decided, ImportError> {
    // A line repeated within the batch is already imported by its first occurrence.
    let mut seen = HashSet::with_capacity(batch.len());
    let fresh: Vec<&Parsed> = batch
        .iter()
        .filter(|p| {
            let id = p.first_event_id;
            !known.contains(&id) && !in_flight.contains(&id) && seen.insert(id)
        })
        .collect();
    // Folding the log is only worth it when a line is new (`import_alone` starts empty).
    let (first, request) = if fresh.is_empty() {
        (working.position + 1, AppendRequest::default())
    } else {
        working.catch_up(store).await?;
        let first = working.position + 1;
        (first, plan_batch(working, &fresh, recorded_by)?)
    };
    Ok(Decided {
        counts: Counts {
            first,
            events: request.event_count() as u64,
            lines: batch.len() as u64,
            fresh: fresh.len() as u64,
        },
        request,
    })
}

/// Writes the batch in flight while deciding `next`; returns `next` in flight. If the written
/// batch did not land where the copy expected (another writer appended), `next` is decided
/// again against the log; if it met a conflict, it is retried alone first.
async fn overlap<R: BufRead>(
    sink: &mut Sink<'_>,
    working: &mut Folded,
    flight: Option<Flight>,
    next: Vec<Parsed>,
    batches: &mut Batches<R>,
    recorded_by: &str,
    report: &mut ImportReport,
) -> Result<(Flight, Result<Vec<Parsed>, ImportError>), ImportError> {
    let store = sink.store;
    let Some(Flight { lines, decided }) = flight else {
        let decided = decide_alone(sink, working, &next, recorded_by).await?;
        let following = batches.read();
        let flight = Flight {
            lines: next,
            decided,
        };
        return Ok((flight, following));
    };
    let in_flight: HashSet<Uuid> = lines.iter().map(|p| p.first_event_id).collect();
    let Decided { request, counts } = decided;
    // A session's connection answers one statement at a time: asked, it looks `next` up
    // before this batch is written, and the importer waits (1.5 s of a 1M-line import,
    // BENCHMARKS.md, eleventh pass). Where the session says a pooled connection does better,
    // `next` is looked up there while this batch is written. That connection sees only what
    // is committed; the session's uncommitted ids are added from memory.
    let next_ids = first_ids(&next);
    let asked = match sink.lookups_beside() {
        true => None,
        false => Some(sink.known(&next_ids).await?),
    };
    let uncommitted = sink.uncommitted_among(&next_ids);
    let writing = sink.ids_written_by(&request);
    // The batch after `next` is read while this one is written, too.
    let (written, (next_decided, following)) = tokio::join!(sink.write(request, counts), async {
        let decided = async {
            let (known, absent) = match asked {
                Some(known) => (known, Vec::new()),
                None => {
                    let mut known = store.known_event_ids(&next_ids).await?;
                    known.extend(uncommitted);
                    let absent: Vec<Uuid> = next_ids
                        .iter()
                        .filter(|id| !known.contains(id) && !writing.contains(id))
                        .copied()
                        .collect();
                    (known, absent)
                }
            };
            let decided =
                decide_batch(store, working, &next, known, &in_flight, recorded_by).await?;
            Ok::<_, ImportError>((decided, absent))
        };
        (decided.await, batches.read())
    });
    let copy_still_valid =
        settle(sink, working, lines, written, counts, recorded_by, report).await?;
    let decided = match next_decided {
        Ok((decided, absent)) if copy_still_valid => {
            // The session's next write need not ask about these again.
            sink.note_absent(absent).await?;
            decided
        }
        Err(error) if copy_still_valid => return Err(error),
        _ => decide_alone(sink, working, &next, recorded_by).await?,
    };
    let flight = Flight {
        lines: next,
        decided,
    };
    Ok((flight, following))
}

/// Decides `batch` with nothing in flight.
async fn decide_alone(
    sink: &mut Sink<'_>,
    working: &mut Folded,
    batch: &[Parsed],
    recorded_by: &str,
) -> Result<Decided, ImportError> {
    let known = sink.known(&first_ids(batch)).await?;
    decide_batch(
        sink.store,
        working,
        batch,
        known,
        &HashSet::new(),
        recorded_by,
    )
    .await
}

/// Writes the last batch in flight, if any.
async fn land(
    sink: &mut Sink<'_>,
    working: &mut Folded,
    flight: Option<Flight>,
    recorded_by: &str,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    let Some(Flight { lines, decided }) = flight else {
        return Ok(());
    };
    let Decided { request, counts } = decided;
    let written = sink.write(request, counts).await;
    settle(sink, working, lines, written, counts, recorded_by, report).await?;
    Ok(())
}

/// Counts a batch that landed; returns whether it landed where `working` placed it, and
/// resets `working` if not (another writer appended in between).
fn landed(
    working: &mut Folded,
    appended: Option<Appended>,
    counts: Counts,
    report: &mut ImportReport,
) -> bool {
    report.lines += counts.lines;
    report.already_imported += counts.lines - counts.fresh;
    report.imported += counts.fresh;
    report.events += counts.events;
    let as_planned = appended
        .as_ref()
        .is_none_or(|appended| landed_as_planned(appended, counts.first, counts.events));
    if !as_planned {
        *working = Folded::default();
    }
    as_planned
}

/// Counts a written batch, or retries it alone after a conflict. Returns whether `working`
/// still matches the log (false when it had to be reset).
async fn settle(
    sink: &mut Sink<'_>,
    working: &mut Folded,
    lines: Vec<Parsed>,
    written: Result<Option<Appended>, AppendError>,
    counts: Counts,
    recorded_by: &str,
    report: &mut ImportReport,
) -> Result<bool, ImportError> {
    match written {
        // Another writer moved a stream this batch touches: refold and decide again.
        Err(AppendError::Conflict { .. }) => {
            *working = Folded::default();
            import_batch(sink, working, &lines, recorded_by, report).await?;
            Ok(false)
        }
        written => Ok(landed(working, written?, counts, report)),
    }
}

fn parse(number: u64, text: &str) -> Result<Parsed, ImportError> {
    let line: Line = serde_json::from_str(text).map_err(|e| ImportError::Line {
        line: number,
        reason: format!("not a valid import line: {e}"),
    })?;
    if line.key.is_empty() || line.key.len() > 256 {
        return Err(ImportError::Line {
            line: number,
            reason: "key must be 1 to 256 bytes".to_owned(),
        });
    }
    Ok(Parsed {
        number,
        first_event_id: line_event_id(&line.key, 0),
        line,
    })
}

/// Decides and appends `batch` alone, deciding again after each conflict.
async fn import_batch(
    sink: &mut Sink<'_>,
    working: &mut Folded,
    batch: &[Parsed],
    recorded_by: &str,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    loop {
        let Decided { request, counts } = decide_alone(sink, working, batch, recorded_by).await?;
        match sink.write(request, counts).await {
            Err(AppendError::Conflict { .. }) => *working = Folded::default(),
            written => {
                landed(working, written?, counts, report);
                return Ok(());
            }
        }
    }
}

/// The append wrote exactly the positions the working copy gave its events.
fn landed_as_planned(appended: &Appended, first: u64, events: u64) -> bool {
    !appended.idempotent_replay
        && appended.events.len() as u64 == events
        && appended
            .events
            .iter()
            .zip(first..)
            .all(|(e, expected)| e.position == expected)
}

/// Decides every line of the batch against `working` plus the lines before it, applying each
/// decision to `working` at the position it will take, and returns one atomic append in line
/// order. On an error `working` holds part of the batch and must be discarded.
fn plan_batch(
    working: &mut Folded,
    lines: &[&Parsed],
    recorded_by: &str,
) -> Result<AppendRequest, ImportError> {
    let scratch = &mut working.ledger;
    let mut position = working.position;
    let mut request = AppendRequest::default();
    for parsed in lines {
        let line_error = |reason: String| ImportError::Line {
            line: parsed.number,
            reason,
        };
        let dated =
            decide_dated(scratch, &parsed.line.command).map_err(|e| line_error(e.to_string()))?;
        let part = to_request(
            scratch,
            &dated,
            |i| line_event_id(&parsed.line.key, i),
            recorded_by,
            parsed.line.source_ref.as_deref(),
        )
        .map_err(|e: WriteError| line_error(e.to_string()))?;
        // Entries keep the decision's event order, so the nth event of the entries is the
        // nth dated event. The copy folds each borrowed where it lies: building a
        // `RecordedEvent` cloned the event and three strings per event.
        let mut decided = dated.iter().map(|(_, event)| event);
        for entry in &part.streams {
            let stream = entry.stream.as_str();
            for (new_event, event) in entry.events.iter().zip(decided.by_ref()) {
                position += 1;
                let envelope = Envelope {
                    position,
                    stream,
                    stream_version: scratch.stream_version(stream) + 1,
                    event_id: new_event.event_id,
                    occurred_on: new_event.occurred_on,
                };
                scratch.apply_in(&envelope, event);
            }
        }
        request.streams.extend(part.streams);
    }
    working.position = position;
    Ok(request)
}
