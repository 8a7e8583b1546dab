//! `welfare-ledger export-finance`: the finance workbook (XLSX, one sheet per report) or the
//! budget book as CSV (UTF-8 with a byte-order mark), as of a date.

use std::process::ExitCode;

use anyhow::Context;
use chrono::{NaiveDate, Utc};
use ledger_api::finance::{budget_book, finance_sheets, to_csv, to_xlsx};
use ledger_api::view::replay_at;
use ledger_store::EventStore;

use crate::cli::{FinanceArgs, FinanceFormat};

pub async fn run(database_url: &str, args: &FinanceArgs) -> anyhow::Result<ExitCode> {
    let on = args.as_of.unwrap_or_else(today);
    let store = EventStore::open(database_url).await?;
    let replayed = replay_at(&store, args.as_of, None, None).await;
    store.close().await;
    let (ledger, position) = replayed?;
    let bytes = match args.format {
        FinanceFormat::Xlsx => to_xlsx(&finance_sheets(&ledger, on, None))?,
        FinanceFormat::Csv => to_csv(&budget_book(&ledger, None)).into_bytes(),
    };
    std::fs::write(&args.output, bytes)
        .with_context(|| format!("writing {}", args.output.display()))?;
    println!(
        "wrote {} as of {on} (ledger position {position})",
        args.output.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Today in Vietnam (UTC+7).
fn today() -> NaiveDate {
    (Utc::now() + chrono::Duration::hours(7)).date_naive()
}
