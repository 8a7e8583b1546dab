//! `welfare-ledger verify`: recompute the chain and say plainly whether it is whole.

use std::process::ExitCode;

use ledger_store::EventStore;

use crate::cli::{Format, VerifyArgs};

pub async fn run(database_url: &str, args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let store = EventStore::open(database_url).await?;
    let report = store.verify().await?;
    store.close().await;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string(&report)?),
        Format::Text => match &report.failure {
            None => println!(
                "ledger whole: {} events, head {}",
                report.events_checked, report.head_hash
            ),
            Some(failure) => println!(
                "ledger BROKEN at position {}: {}",
                failure.position, failure.reason
            ),
        },
    }
    Ok(if report.is_whole() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
