//! `welfare-ledger`: the command line and the server start-up. It parses flags and environment,
//! opens the store, and wires the API; everything else lives in the library crates.

mod audit;
mod checkpoint;
mod cli;
mod export;
mod finance;
mod generate;
mod import;
mod progress;
mod render;
mod replay;
mod report;
mod restore;
mod serve;
mod snapshot;
mod token;
mod verify;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The allocator is set before the runtime starts its threads.
fn main() -> ExitCode {
    ledger_api::allocator::return_freed_memory_soon();
    run()
}

#[tokio::main]
async fn run() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let outcome = match &cli.command {
        Command::Serve(args) => serve::run(&cli.database_url, args).await,
        Command::Migrate => migrate(&cli.database_url).await,
        Command::Verify(args) => verify::run(&cli.database_url, args).await,
        Command::Checkpoint(args) => checkpoint::run(&cli.database_url, args).await,
        Command::Token(command) => token::run(&cli.database_url, command).await,
        Command::Import(args) if args.verify => restore::run(&cli.database_url, &args.file).await,
        Command::Import(args) => import::run(&cli.database_url, args).await,
        Command::Generate(args) => generate::run(args),
        Command::Export(args) => export::run(&cli.database_url, args).await,
        Command::Report(command) => report::run(&cli.database_url, command).await,
        Command::Replay(args) => replay::run(&cli.database_url, args).await,
        Command::Audit(args) => audit::run(&cli.database_url, args).await,
        Command::ExportFinance(args) => finance::run(&cli.database_url, args).await,
        Command::Snapshot => snapshot::run(&cli.database_url).await,
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// Logs go to stderr so stdout stays clean for what scripts read.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
}

async fn migrate(database_url: &str) -> anyhow::Result<ExitCode> {
    let store = ledger_store::EventStore::open(database_url).await?;
    let head = store.head().await?;
    store.close().await;
    println!(
        "migrated {}; head position {}",
        store.backend_kind(),
        head.position
    );
    Ok(ExitCode::SUCCESS)
}
