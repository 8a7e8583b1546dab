//! Server start-up and graceful shutdown.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use ledger_api::{app, AppState};
use ledger_store::limits::SNAPSHOT_EVERY_EVENTS;
use ledger_store::EventStore;
use tokio::net::TcpListener;

use crate::cli::ServeArgs;

pub async fn run(database_url: &str, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let store = Arc::new(
        EventStore::open(database_url)
            .await
            .with_context(|| format!("opening the ledger at {}", redact(database_url)))?,
    );
    let rate_limit = args.rate_limit();
    let state = AppState::load(store.clone())
        .await
        .context("replaying the log into the live projections")?
        .with_rate_limit(rate_limit);
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
    tracing::info!(%address, backend = store.backend_kind(), position = head.position,
        rate_limit_per_second = rate_limit.per_second, rate_limit_burst = rate_limit.burst,
        "serving");
    say(&banner(address, &store, head.position, rate_limit, &tokens));
    let view = state.view.clone();
    let snapshots = tokio::spawn(ledger_api::view::snapshot::every(
        view.clone(),
        store.clone(),
        SNAPSHOT_EVERY_EVENTS,
    ));
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    snapshots.abort();
    // In-flight requests have finished: fold what they committed and leave a snapshot for the
    // next start. A failure costs the next start a longer replay, nothing more.
    let snapshot = async {
        let position = view.catch_up(&store).await?;
        if position == view.snapshot_position() {
            return anyhow::Ok(None); // the newest snapshot already holds everything
        }
        anyhow::Ok(view.write_snapshot(&store).await?)
    };
    match snapshot.await {
        Ok(Some(w)) => tracing::info!(
            position = w.position,
            bytes = w.bytes,
            "projection snapshot written"
        ),
        Ok(None) => {}
        Err(error) => tracing::warn!(%error, "no projection snapshot written at shutdown"),
    }
    // Let the writer commit what it holds.
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
    say(&format!(
        "demo data: Hạ Long 2023, {} lines ({} new events, {} already there)",
        report.lines, report.events, report.already_imported
    ));
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

/// Where to look, the limit in effect and the demo tokens, one line each.
fn banner(
    address: std::net::SocketAddr,
    store: &EventStore,
    position: u64,
    rate_limit: ledger_api::RateLimit,
    tokens: &[(String, String)],
) -> String {
    let mut lines = vec![
        format!(
            "welfare-ledger serving on http://{address} ({} ledger at position {position})",
            store.backend_kind()
        ),
        format!("health: http://{address}/healthz"),
        format!("OpenAPI: http://{address}/openapi.json"),
    ];
    lines.push(if rate_limit.is_off() {
        "rate limit: off".to_owned()
    } else {
        format!(
            "rate limit: {} requests/s per token, bursts of {}",
            rate_limit.per_second, rate_limit.burst
        )
    });
    if !tokens.is_empty() {
        lines.push("tokens (shown once; only their hashes are kept):".to_owned());
        for (role, token) in tokens {
            lines.push(format!("  {role:<9} {token}"));
        }
        if let Some((_, token)) = tokens.iter().find(|(role, _)| role.as_str() == "dashboard") {
            lines.push(format!(
                "try: curl -H 'Authorization: Bearer {token}' http://{address}/api/v1/reports/annual/2023"
            ));
        }
    }
    lines.join("\n")
}

/// Prints to stdout, ignoring a closed stdout: a server whose terminal went away must keep
/// serving, not panic as `println!` would.
fn say(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}").and_then(|()| out.flush());
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
