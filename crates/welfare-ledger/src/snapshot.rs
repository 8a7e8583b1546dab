//! `welfare-ledger snapshot`: folds the whole log from position 1 (never from an earlier
//! snapshot, so a bad one cannot be carried forward) and stores the result as the newest
//! projection snapshot.

use std::process::ExitCode;

use ledger_api::view::{snapshot, Folded};
use ledger_store::EventStore;

pub async fn run(database_url: &str) -> anyhow::Result<ExitCode> {
    let store = EventStore::open(database_url).await?;
    let head = store.head().await?.position;
    let progress = crate::progress::Progress::new("folding", Some(head));
    let mut folded = Folded::default();
    let caught_up = folded
        .catch_up_with_progress(&store, |position| progress.update(position, "events"))
        .await;
    progress.finish();
    let written = match caught_up {
        Ok(_) => snapshot::write(&store, Box::new(folded)).await,
        Err(error) => Err(error.into()),
    };
    store.close().await;
    match written? {
        Some(w) => println!(
            "snapshot at position {} ({} bytes in {} pieces, format {}) written in {} ms",
            w.position,
            w.bytes,
            w.pieces,
            ledger_domain::SNAPSHOT_FORMAT,
            w.save.as_millis()
        ),
        None => println!("the ledger is empty: no snapshot written"),
    }
    Ok(ExitCode::SUCCESS)
}
