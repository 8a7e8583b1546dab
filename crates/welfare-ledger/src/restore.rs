//! `welfare-ledger import --verify FILE`: an export restored into an empty ledger with the same
//! positions, times and hashes.
//!
//! The whole file is checked first (every line parsed, every hash recomputed along the chain)
//! and nothing is written unless all of it holds, naming the first bad line. Then it is
//! written in batches, each atomic and each re-checked by the store against the stored head.
//! A run stopped half-way leaves a valid prefix of the log; the ledger is then not empty and
//! must be recreated before restoring again.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use ledger_store::{ChainCheck, EventStore, RecordedEvent, RestoreError};

use crate::progress::Progress;

/// Events per restore call: one transaction each, small enough to keep memory low.
const RESTORE_BATCH_EVENTS: usize = 1_000;

/// Why the file was refused.
#[derive(Debug, thiserror::Error)]
enum Refusal {
    #[error("line {line}: not an exported event: {reason}")]
    Unreadable { line: u64, reason: String },
    #[error("line {line}: {reason}")]
    Broken { line: u64, reason: String },
}

pub async fn run(database_url: &str, path: &Path) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        path.as_os_str() != "-",
        "import --verify reads its file twice (check, then write): give a file, not -"
    );
    let (count, head_hash) = match check_file(path)? {
        Ok(checked) => checked,
        Err(refusal) => {
            eprintln!("import refused, nothing written: {refusal}");
            return Ok(ExitCode::from(1));
        }
    };
    let store = EventStore::open(database_url).await?;
    let outcome = restore_file(&store, path, count).await;
    store.close().await;
    if let Err(refusal) = outcome? {
        eprintln!("import stopped: {refusal}");
        return Ok(ExitCode::from(1));
    }
    println!("restored {count} events; head hash {head_hash}");
    Ok(ExitCode::SUCCESS)
}

/// Lines of `path` that hold an event, with their line numbers (from 1).
fn events_of(path: &Path) -> anyhow::Result<impl Iterator<Item = anyhow::Result<(u64, String)>>> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let lines = BufReader::new(file).lines().enumerate();
    Ok(lines.filter_map(|(i, line)| match line {
        Ok(text) if text.trim().is_empty() => None,
        Ok(text) => Some(Ok((i as u64 + 1, text))),
        Err(error) => Some(Err(error.into())),
    }))
}

fn parse(line: u64, text: &str) -> Result<RecordedEvent, Refusal> {
    serde_json::from_str(text).map_err(|e| Refusal::Unreadable {
        line,
        reason: e.to_string(),
    })
}

/// Checks the whole chain from genesis; returns the event count and the last hash.
fn check_file(path: &Path) -> anyhow::Result<Result<(u64, String), Refusal>> {
    let mut chain = ChainCheck::from_genesis();
    let progress = Progress::new("checking", None);
    for item in events_of(path)? {
        let (line, text) = item?;
        let event = match parse(line, &text) {
            Ok(event) => event,
            Err(refusal) => return Ok(Err(refusal)),
        };
        if let Err(reason) = chain.check(&event) {
            return Ok(Err(Refusal::Broken { line, reason }));
        }
        progress.update(chain.head().position, "events");
    }
    progress.finish();
    Ok(Ok((chain.head().position, chain.head().hash_hex())))
}

async fn restore_file(
    store: &EventStore,
    path: &Path,
    count: u64,
) -> anyhow::Result<Result<(), Refusal>> {
    let head = store.head().await?;
    anyhow::ensure!(
        head.position == 0,
        "the ledger is not empty (head at position {}): import --verify restores into an \
         empty ledger only",
        head.position
    );
    let progress = Progress::new("restoring", Some(count));
    let mut batch = Vec::with_capacity(RESTORE_BATCH_EVENTS);
    let mut first_line = 0;
    for item in events_of(path)? {
        let (line, text) = item?;
        if batch.is_empty() {
            first_line = line;
        }
        match parse(line, &text) {
            Ok(event) => batch.push(event),
            Err(refusal) => return Ok(Err(refusal)),
        }
        if batch.len() == RESTORE_BATCH_EVENTS {
            if let Err(refusal) = write(store, &batch, first_line).await? {
                return Ok(Err(refusal));
            }
            progress.update(batch.last().map_or(0, |e| e.position), "events");
            batch.clear();
        }
    }
    if !batch.is_empty() {
        if let Err(refusal) = write(store, &batch, first_line).await? {
            return Ok(Err(refusal));
        }
    }
    progress.finish();
    Ok(Ok(()))
}

/// Restores one batch; a refusal names its line (the file was checked, so lines and
/// positions run together unless the file changed in between).
async fn write(
    store: &EventStore,
    batch: &[RecordedEvent],
    first_line: u64,
) -> anyhow::Result<Result<(), Refusal>> {
    let first_position = batch.first().map_or(0, |e| e.position);
    match store.restore(batch).await {
        Ok(_) => Ok(Ok(())),
        Err(RestoreError::Broken { position, reason }) => Ok(Err(Refusal::Broken {
            line: first_line + position.saturating_sub(first_position),
            reason,
        })),
        Err(RestoreError::Store(error)) => Err(error.into()),
        Err(other) => Ok(Err(Refusal::Broken {
            line: first_line,
            reason: format!("the batch starting here was refused: {other}"),
        })),
    }
}
