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
    let head = store.head().await?;
    let state = AppState::load(store.clone())
        .await
        .context("replaying the log into the live projections")?;
    let listener = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let address = listener.local_addr()?;
    tracing::info!(%address, backend = store.backend_kind(), position = head.position, "serving");
    println!(
        "welfare-ledger serving on http://{address} ({} ledger at position {})",
        store.backend_kind(),
        head.position
    );
    println!("health: http://{address}/healthz");
    println!("OpenAPI: http://{address}/openapi.json");
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    // In-flight requests have finished; let the writer commit what it holds.
    store.close().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
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
