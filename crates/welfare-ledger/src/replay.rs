//! `welfare-ledger replay`: one report at a point in both time axes (`--as-of` valid time,
//! `--known-at` transaction time) and, optionally, a log position.

use std::process::ExitCode;

use chrono::{Datelike, NaiveDate, Utc};
use ledger_api::view::replay_at_with_progress;
use ledger_domain::projection::{
    accounts, annual, budget, housing, jobs, poverty, sponsorship, UnitGrouping,
};
use ledger_domain::Ledger;
use ledger_store::EventStore;
use serde_json::{json, Value};

use crate::cli::{ReplayArgs, ReplayReport, ReportFormat};
use crate::render;

pub async fn run(database_url: &str, args: &ReplayArgs) -> anyhow::Result<ExitCode> {
    if args.report == ReplayReport::Annual && args.year.is_none() {
        anyhow::bail!("--report annual needs --year");
    }
    let on = args.as_of.unwrap_or_else(today);
    let store = EventStore::open(database_url).await?;
    let progress = crate::progress::Progress::new("replaying", None);
    let replayed = replay_at_with_progress(
        &store,
        args.as_of,
        args.known_at,
        args.at_position,
        |done, _| progress.update(done, "events"),
    )
    .await;
    progress.finish();
    store.close().await;
    let (ledger, position) = replayed?;
    let data = project(args.report, &ledger, on, args.year)?;
    let answer = json!({
        "report": args.report.name(),
        "as_of": on,
        "known_at": args.known_at,
        "at_position": args.at_position,
        "position": position,
        "data": data,
    });
    match args.format {
        ReportFormat::Json => println!("{}", serde_json::to_string_pretty(&answer)?),
        ReportFormat::Csv => print!("{}", render::csv(&answer)),
        ReportFormat::Table => print!("{}", render::table(&answer)),
    }
    Ok(ExitCode::SUCCESS)
}

/// Today in Vietnam (UTC+7), the default `--as-of`, as the API uses.
fn today() -> NaiveDate {
    (Utc::now() + chrono::Duration::hours(7)).date_naive()
}

/// The named projection of `ledger` on `on`.
pub fn project(
    report: ReplayReport,
    ledger: &Ledger,
    on: NaiveDate,
    year: Option<i32>,
) -> anyhow::Result<Value> {
    let year = year.unwrap_or(on.year());
    Ok(match report {
        ReplayReport::Annual => {
            let year_end = NaiveDate::from_ymd_opt(year, 12, 31)
                .ok_or_else(|| anyhow::anyhow!("--year {year} is out of range"))?;
            serde_json::to_value(annual::annual_report(ledger, year, on.min(year_end)))?
        }
        ReplayReport::BudgetSummary => serde_json::to_value(budget::budget_summary(ledger))?,
        ReplayReport::TrialBalance => serde_json::to_value(accounts::trial_balance(ledger))?,
        ReplayReport::Housing => serde_json::to_value(housing::housing_progress(ledger, on))?,
        ReplayReport::SponsorshipTotals => serde_json::to_value(sponsorship::totals(ledger, on))?,
        ReplayReport::Poverty => serde_json::to_value(poverty::status_counts(
            ledger,
            None,
            UnitGrouping::AsRecorded,
        ))?,
        ReplayReport::Jobs => serde_json::to_value(jobs::jobs_progress(ledger, year))?,
    })
}
