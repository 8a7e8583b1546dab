//! `welfare-ledger verify`: recompute the chain, rebuild every projection from scratch and
//! check it, and say plainly whether everything holds.

use std::process::ExitCode;

use ledger_api::integrity::{check_projections, ProjectionReport};
use ledger_store::{EventStore, VerifyReport};
use serde::Serialize;

use anyhow::Context;

use crate::checkpoint::{self, Checkpoint};
use crate::cli::{Format, VerifyArgs};

/// Everything `verify` found; the chain report's fields stay at the top level.
#[derive(Serialize)]
struct Verification {
    #[serde(flatten)]
    chain: VerifyReport,
    /// Absent when the chain is broken: projections of an altered log prove nothing.
    projections: Option<ProjectionReport>,
    /// With `--checkpoint`: what does not hold of it (empty when the ledger extends it).
    #[serde(skip_serializing_if = "Option::is_none")]
    checkpoint_failures: Option<Vec<String>>,
    whole: bool,
}

pub async fn run(database_url: &str, args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let checkpoint: Option<Checkpoint> = match &args.checkpoint {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            Some(
                serde_json::from_str(&text)
                    .with_context(|| format!("{} is not a checkpoint", path.display()))?,
            )
        }
        None => None,
    };
    let store = EventStore::open(database_url).await?;
    let outcome = verify(&store, checkpoint.as_ref()).await;
    store.close().await;
    let verification = outcome?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string(&verification)?),
        Format::Text => print!("{}", text(&verification)),
    }
    Ok(if verification.whole {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

async fn verify(
    store: &EventStore,
    checkpoint: Option<&Checkpoint>,
) -> anyhow::Result<Verification> {
    let progress = crate::progress::Progress::new("verifying the chain", None);
    let chain = store
        .verify_with_progress(|done| progress.update(done, "events"))
        .await;
    progress.finish();
    let chain = chain?;
    let projections = match chain.is_whole() {
        true => Some(check_projections(store).await?),
        false => None,
    };
    let checkpoint_failures = match checkpoint {
        Some(c) => Some(checkpoint::check(store, c).await?),
        None => None,
    };
    let whole = chain.is_whole()
        && projections.as_ref().is_some_and(ProjectionReport::holds)
        && checkpoint_failures.as_ref().is_none_or(Vec::is_empty);
    Ok(Verification {
        chain,
        projections,
        checkpoint_failures,
        whole,
    })
}

fn text(v: &Verification) -> String {
    let mut out = match &v.chain.failure {
        None => format!(
            "ledger whole: {} events, head {}\n",
            v.chain.events_checked, v.chain.head_hash
        ),
        Some(failure) => format!(
            "ledger BROKEN at position {}: {}\n",
            failure.position, failure.reason
        ),
    };
    if let Some(p) = &v.projections {
        for c in &p.checks {
            match c.holds {
                true => out.push_str(&format!("  ok    {}\n", c.check)),
                false => out.push_str(&format!("  FAIL  {}: {}\n", c.check, c.detail)),
            }
        }
        if p.events_not_understood > 0 {
            out.push_str(&format!(
                "  note  {} events of kinds the domain does not know were skipped\n",
                p.events_not_understood
            ));
        }
    }
    match v.checkpoint_failures.as_deref() {
        Some([]) => out.push_str("  ok    the ledger extends the checkpoint unchanged\n"),
        Some(failures) => {
            for failure in failures {
                out.push_str(&format!("  FAIL  checkpoint: {failure}\n"));
            }
        }
        None => {}
    }
    out
}
