//! `welfare-ledger audit STREAM`: every event about one household, child, sponsorship,
//! sponsor or programme, with who recorded it, when, on what document, and its postings.

use std::process::ExitCode;

use ledger_domain::posting::Side;
use ledger_domain::projection::audit::{AuditLine, AuditTrail};
use ledger_store::EventStore;

use crate::cli::{AuditArgs, ReportFormat};
use crate::render::quote;

pub async fn run(database_url: &str, args: &AuditArgs) -> anyhow::Result<ExitCode> {
    let store = EventStore::open(database_url).await?;
    let outcome = ledger_api::audit::trail(&store, &args.stream).await;
    store.close().await;
    let trail = outcome?.ok_or_else(|| {
        anyhow::anyhow!(
            "{} names no household-, child-, sponsorship-, sponsor- or programme- stream",
            args.stream
        )
    })?;
    anyhow::ensure!(!trail.events.is_empty(), "no events about {}", args.stream);
    match args.format {
        ReportFormat::Json => println!("{}", serde_json::to_string_pretty(&trail)?),
        ReportFormat::Csv => print!("{}", csv(&trail)),
        ReportFormat::Table => print!("{}", table(&trail)),
    }
    Ok(ExitCode::SUCCESS)
}

/// `D account amount; C account amount`.
fn postings(line: &AuditLine) -> String {
    line.postings
        .iter()
        .map(|p| {
            let side = match p.side {
                Side::Debit => "D",
                Side::Credit => "C",
            };
            format!("{side} {} {}", p.account, p.amount.digits())
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn csv(trail: &AuditTrail) -> String {
    let mut out = String::from(
        "position,stream,kind,occurred_on,recorded_at,recorded_by,source_ref,postings\n",
    );
    for e in &trail.events {
        let fields = [
            e.position.to_string(),
            e.stream.clone(),
            e.kind.to_owned(),
            e.occurred_on.to_string(),
            e.recorded_at.to_rfc3339(),
            e.recorded_by.clone(),
            e.source_ref.clone().unwrap_or_default(),
            postings(e),
        ];
        let row: Vec<String> = fields.iter().map(|f| quote(f)).collect();
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

fn table(trail: &AuditTrail) -> String {
    let mut out = format!(
        "AUDIT TRAIL {} ({} events)\n",
        trail.stream,
        trail.events.len()
    );
    for e in &trail.events {
        out.push_str(&format!(
            "{:>8}  {}  {:<28} occurred {}  recorded {} by {}  source {}\n",
            e.position,
            e.stream,
            e.kind,
            e.occurred_on,
            e.recorded_at.format("%Y-%m-%d %H:%M:%S"),
            e.recorded_by,
            e.source_ref.as_deref().unwrap_or("-"),
        ));
        if !e.postings.is_empty() {
            out.push_str(&format!("          {}\n", postings(e)));
        }
    }
    out
}
