//! `ledger-bench startup`: what projection snapshots save at start-up. Peak RSS is the
//! process's high-water mark so far, so later lines include earlier phases.

use std::sync::Arc;
use std::time::Instant;

use ledger_api::view::{replay_at, snapshot, Folded};
use ledger_api::AppState;
use ledger_store::limits::SNAPSHOT_EVERY_EVENTS;
use ledger_store::EventStore;
use serde_json::json;

use crate::{peak_rss_mib, Backend, Scratch};

fn ms(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 10_000.0).round() / 10.0
}

pub async fn run(backend: Backend, file: &std::path::Path) -> anyhow::Result<()> {
    let scratch = Scratch::new(backend).await?;
    let store = Arc::new(EventStore::open(&scratch.url).await?);
    let input = std::io::BufReader::new(std::fs::File::open(file)?);
    let report = ledger_api::import::import_alone(&store, input, "bench", |_, _| {}).await?;
    let head = store.head().await?.position;
    let name = backend.name();
    println!(
        "{}",
        json!({"bench": "startup_import", "backend": name, "lines": report.lines,
        "events": head, "peak_rss_mib": peak_rss_mib()})
    );

    let (full, seconds) = load(&store).await?;
    println!(
        "{}",
        json!({"bench": "startup_without_snapshot", "backend": name,
        "events": head, "ms": ms(seconds), "peak_rss_mib": peak_rss_mib()})
    );

    // A snapshot one interval behind the head: the most a start-up replays after one.
    let behind = head.saturating_sub(SNAPSHOT_EVERY_EVENTS);
    let (ledger, _) = replay_at(&store, None, None, Some(behind)).await?;
    snapshot::write(
        &store,
        Box::new(Folded {
            ledger,
            position: behind,
        }),
    )
    .await?;
    let (from_behind, seconds) = load(&store).await?;
    println!(
        "{}",
        json!({"bench": "startup_with_snapshot_behind", "backend": name,
        "snapshot_position": behind, "events_after_snapshot": head - behind,
        "ms": ms(seconds), "equals_full_replay": from_behind == full,
        "peak_rss_mib": peak_rss_mib()})
    );

    // A snapshot at the head, written the way the server does: encoded in place, the view
    // held still meanwhile (`held_ms`: how long a catch-up would wait), stored piece by piece.
    let state = AppState::load(store.clone()).await?;
    let written = state.view.write_snapshot(&store).await?;
    let (bytes, pieces, held, save) = written.map_or((0, 0, 0.0, 0.0), |w| {
        (w.bytes, w.pieces, ms(w.encode), ms(w.save))
    });
    println!(
        "{}",
        json!({"bench": "snapshot_write", "backend": name, "position": head,
        "bytes": bytes, "pieces": pieces, "held_ms": held, "save_ms": save,
        "peak_rss_mib": peak_rss_mib()})
    );
    drop(state);

    // The same ledger as JSON, the first encoding tried, for comparison.
    let started = Instant::now();
    let json = serde_json::to_vec(&full)?;
    let json_encode = started.elapsed();
    let started = Instant::now();
    let from_json: ledger_domain::Ledger = serde_json::from_slice(&json)?;
    println!(
        "{}",
        json!({"bench": "snapshot_json_for_comparison", "bytes": json.len(),
        "encode_ms": ms(json_encode), "decode_ms": ms(started.elapsed()),
        "round_trip_equal": from_json == full})
    );
    drop((json, from_json));

    // The two halves of a start-up from a snapshot at the head: reading it, decoding it.
    let started = Instant::now();
    let stored = store
        .latest_snapshot(head, ledger_domain::SNAPSHOT_FORMAT, None)
        .await?;
    let read = started.elapsed();
    let started = Instant::now();
    let decoded = stored.map(|s| snapshot::decode(&s.body)).transpose()?;
    println!(
        "{}",
        json!({"bench": "snapshot_load_phases", "backend": name,
        "read_ms": ms(read), "decode_ms": ms(started.elapsed()),
        "decoded_equal": decoded.as_ref() == Some(&full)})
    );
    drop(decoded);

    let (at_head, seconds) = load(&store).await?;
    println!(
        "{}",
        json!({"bench": "startup_with_snapshot_at_head", "backend": name,
        "events": head, "ms": ms(seconds), "equals_full_replay": at_head == full,
        "peak_rss_mib": peak_rss_mib()})
    );
    store.close().await;
    scratch.drop_database().await
}

/// `AppState::load` timed; returns the ledger it holds.
async fn load(
    store: &Arc<EventStore>,
) -> anyhow::Result<(ledger_domain::Ledger, std::time::Duration)> {
    let started = Instant::now();
    let state = AppState::load(store.clone()).await?;
    let elapsed = started.elapsed();
    let ledger = state.view.read().await.ledger.clone();
    Ok((ledger, elapsed))
}
