//! `welfare-ledger export`: the log as NDJSON, one full envelope (hash included) per line,
//! streamed page by page so memory stays bounded however long the log is.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::ExitCode;

use anyhow::Context;
use futures::TryStreamExt;
use ledger_store::EventStore;

use crate::cli::ExportArgs;
use crate::progress::Progress;

/// Events between progress updates.
const PROGRESS_EVERY_EVENTS: u64 = 1_000;

pub async fn run(database_url: &str, args: &ExportArgs) -> anyhow::Result<ExitCode> {
    if let (Some(from), Some(to)) = (args.from, args.to) {
        anyhow::ensure!(from <= to, "--from {from} is after --to {to}");
    }
    let output: Box<dyn Write> = match &args.output {
        Some(path) => {
            Box::new(File::create(path).with_context(|| format!("creating {}", path.display()))?)
        }
        None => Box::new(std::io::stdout().lock()),
    };
    let store = EventStore::open(database_url).await?;
    let outcome = export(&store, args, BufWriter::new(output)).await;
    store.close().await;
    let (count, last) = outcome?;
    let summary = match last {
        Some((position, hash)) => {
            format!("exported {count} events up to position {position}; its hash {hash}")
        }
        None => "exported 0 events".to_owned(),
    };
    // With no -o the events are on stdout, so the summary goes to stderr.
    if args.output.is_some() {
        println!("{summary}");
    } else {
        eprintln!("{summary}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes every event from `--from` to `--to`; returns the count and the last position and
/// hash written.
async fn export(
    store: &EventStore,
    args: &ExportArgs,
    mut out: impl Write,
) -> anyhow::Result<(u64, Option<(u64, String)>)> {
    let head = store.head().await?.position;
    let upto = args.to.map_or(head, |to| to.min(head));
    let from = args.from.unwrap_or(1).max(1);
    let progress = Progress::new("exporting", Some(upto.saturating_sub(from) + 1));
    let mut events = std::pin::pin!(store.read_all(from));
    let (mut count, mut last) = (0u64, None);
    while let Some(event) = events.try_next().await? {
        if event.position > upto {
            break;
        }
        serde_json::to_writer(&mut out, &event)?;
        out.write_all(b"\n")?;
        count += 1;
        last = Some((event.position, hex_of(&event.hash)));
        if count.is_multiple_of(PROGRESS_EVERY_EVENTS) {
            progress.update(count, "events");
        }
    }
    out.flush()?;
    progress.finish();
    Ok((count, last))
}

fn hex_of(bytes: &[u8]) -> String {
    hex::encode(bytes)
}
