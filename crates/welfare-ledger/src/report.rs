//! `welfare-ledger report annual`: the year's figures as a table, JSON or CSV.

use std::process::ExitCode;

use chrono::NaiveDate;
use ledger_api::view::replay_at_with_progress;
use ledger_domain::projection::annual::annual_report;
use ledger_store::EventStore;
use serde_json::Value;

use crate::cli::{ReportCommand, ReportFormat};
use crate::render::quote;

pub async fn run(database_url: &str, command: &ReportCommand) -> anyhow::Result<ExitCode> {
    let ReportCommand::Annual {
        year,
        as_of,
        format,
    } = command;
    let year_end = NaiveDate::from_ymd_opt(*year, 12, 31)
        .ok_or_else(|| anyhow::anyhow!("--year {year} is out of range"))?;
    let as_of = as_of.unwrap_or(year_end);
    let store = EventStore::open(database_url).await?;
    let progress = crate::progress::Progress::new("replaying", None);
    let replayed = replay_at_with_progress(&store, Some(as_of), None, None, |done, _| {
        progress.update(done, "events")
    })
    .await;
    progress.finish();
    store.close().await;
    let (ledger, position) = replayed?;
    let mut report = annual_report(&ledger, *year, as_of);
    report.position = Some(position);
    let json = serde_json::to_value(&report)?;
    match format {
        ReportFormat::Json => println!("{}", serde_json::to_string_pretty(&json)?),
        ReportFormat::Csv => print!("{}", csv(&json)),
        ReportFormat::Table => print!("{}", table(&json)),
    }
    Ok(ExitCode::SUCCESS)
}

/// `section,field,value` rows, one per leaf of the report.
fn csv(report: &Value) -> String {
    let mut out = String::from("section,field,value\n");
    for (section, field, value) in leaves(report) {
        out.push_str(&format!(
            "{},{},{}\n",
            quote(&section),
            quote(&field),
            quote(&value)
        ));
    }
    out
}

/// Aligned `section  field  value`, money as `6.648.500.000 ₫`.
fn table(report: &Value) -> String {
    let rows = leaves(report);
    let width = rows.iter().map(|(_, f, _)| f.len()).max().unwrap_or(0);
    let mut out = String::new();
    let mut current = String::new();
    for (section, field, value) in rows {
        if section != current {
            out.push_str(&format!("\n{}\n", section.to_uppercase()));
            current = section;
        }
        out.push_str(&format!("  {field:<width$}  {}\n", human(&field, &value)));
    }
    out
}

/// Money fields (strings of digits whose name says amount, support, commitment, obligation…)
/// get thousands dots and the dong sign.
pub(crate) fn human(field: &str, value: &str) -> String {
    const MONEY: [&str; 16] = [
        "support",
        "amount",
        "commitment",
        "obligation",
        "due",
        "paid",
        "arrears",
        "disbursed",
        "debit",
        "credit",
        "allocated",
        "committed",
        "remaining",
        "available",
        "liability",
        "received",
    ];
    let is_money = MONEY.iter().any(|m| field.contains(m))
        && !value.is_empty()
        && value.bytes().all(|b| b.is_ascii_digit());
    if !is_money {
        return value.to_owned();
    }
    let digits: Vec<char> = value.chars().collect();
    let mut grouped = String::new();
    for (i, c) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(*c);
    }
    format!("{grouped} ₫")
}

fn leaves(report: &Value) -> Vec<(String, String, String)> {
    let mut rows = Vec::new();
    let Some(top) = report.as_object() else {
        return rows;
    };
    for (key, value) in top {
        match value.as_object() {
            Some(section) => {
                for (field, v) in section {
                    rows.push((key.clone(), field.clone(), scalar(v)));
                }
            }
            None => rows.push(("report".to_owned(), key.clone(), scalar(value))),
        }
    }
    rows
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}
