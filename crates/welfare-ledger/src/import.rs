//! `welfare-ledger import FILE`: progress on a terminal, silence when piped.

use std::fs::File;
use std::io::{BufRead, BufReader, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context;
use ledger_api::import::{import, import_alone, ImportReport};
use ledger_api::AppState;
use ledger_store::EventStore;

use crate::cli::ImportArgs;

pub async fn run(database_url: &str, args: &ImportArgs) -> anyhow::Result<ExitCode> {
    let (input, total_bytes): (Box<dyn BufRead>, Option<u64>) = if args.file.as_os_str() == "-" {
        (Box::new(BufReader::new(std::io::stdin())), None)
    } else {
        let file =
            File::open(&args.file).with_context(|| format!("opening {}", args.file.display()))?;
        let size = file.metadata().ok().map(|m| m.len());
        (Box::new(BufReader::new(file)), size)
    };
    let store = EventStore::open(database_url).await?;
    let show = std::io::stderr().is_terminal();
    let outcome = import_alone(
        &store,
        input,
        &args.recorded_by,
        progress(show, total_bytes),
    )
    .await;
    if show {
        eprintln!();
    }
    store.close().await;
    let report = outcome?;
    println!(
        "imported {} lines ({} events); {} already imported; ledger at position {}",
        report.imported, report.events, report.already_imported, report.position
    );
    Ok(ExitCode::SUCCESS)
}

/// Imports with a progress line on stderr when stderr is a terminal.
pub async fn import_into(
    state: &AppState,
    input: impl BufRead,
    recorded_by: &str,
    total_bytes: Option<u64>,
) -> anyhow::Result<ImportReport> {
    let show = std::io::stderr().is_terminal();
    let report = import(
        &state.store,
        &state.view,
        input,
        recorded_by,
        progress(show, total_bytes),
    )
    .await;
    if show {
        eprintln!();
    }
    Ok(report?)
}

/// A progress line on stderr, redrawn after each batch, when `show` is set.
fn progress(show: bool, total_bytes: Option<u64>) -> impl FnMut(u64, u64) {
    move |lines, bytes| {
        if show {
            let percent = total_bytes
                .filter(|&t| t > 0)
                .map(|t| format!(" {:>3}%", (bytes * 100 / t).min(100)))
                .unwrap_or_default();
            let mut err = std::io::stderr();
            let _ = write!(err, "\rimporting:{percent} {lines} lines");
            let _ = err.flush();
        }
    }
}
