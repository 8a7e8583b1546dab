//! Server start-up and graceful shutdown.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use ledger_api::{app, AppState};
use ledger_store::EventStore;
use tokio::net::TcpListener;

use crate::cli::ServeArgs;

pub async fn run(database_url: &str, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let store = Arc::new(
        EventStore::open(database_url)
            .await
            .with_context(|| format!("opening the ledger at {}", redact(database_url)))?,
    );
    let state = AppState::load(store.clone())
        .await
        .context("replaying the log into the live projections")?;
    let tokens = if args.demo {
        demo(&state).await?
    } else {
        Vec::new()
    };
    let listener = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let address = listener.local_addr()?;
    let head = store.head().await?;
    tracing::info!(%address, backend = store.backend_kind(), position = head.position, "serving");
    println!(
        "welfare-ledger serving on http://{address} ({} ledger at position {})",
        store.backend_kind(),
        head.position
    );
    println!("health: http://{address}/healthz");
    println!("OpenAPI: http://{address}/openapi.json");
    if !tokens.is_empty() {
        println!("tokens (shown once; only their hashes are kept):");
        for (role, token) in &tokens {
            println!("  {role:<9} {token}");
        }
        if let Some((_, token)) = tokens.iter().find(|(role, _)| role.as_str() == "dashboard") {
            println!("try: curl -H 'Authorization: Bearer {token}' http://{address}/api/v1/reports/annual/2023");
        }
    }
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    // In-flight requests have finished; let the writer commit what it holds.
    store.close().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// The Hạ Long 2023 demo data, compiled in so the demo runs from any folder.
const DEMO_FIXTURE: &str = include_str!("../../../fixtures/halong-2023/commands.ndjson");

/// Imports the demo data (nothing new if it is already there) and makes one token per role.
async fn demo(state: &AppState) -> anyhow::Result<Vec<(String, String)>> {
    let report = crate::import::import_into(
        state,
        std::io::Cursor::new(DEMO_FIXTURE),
        "demo:halong-2023",
        Some(DEMO_FIXTURE.len() as u64),
    )
    .await
    .context("importing the Hạ Long 2023 demo data")?;
    println!(
        "demo data: Hạ Long 2023, {} lines ({} new events, {} already there)",
        report.lines, report.events, report.already_imported
    );
    let mut tokens = Vec::new();
    for role in ledger_api::Role::ALL {
        let created = state
            .store
            .create_token(&format!("demo-{role}"), role.as_str())
            .await?;
        tokens.push((role.to_string(), created.token));
    }
    Ok(tokens)
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        _ = terminate => {}
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}
