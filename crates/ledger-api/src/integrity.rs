//! The projection half of `verify`: the ledger rebuilt from scratch, event by event, compared
//! with the live view caught up page by page, plus the domain's integrity checks (reversals,
//! postings against balances, a zero trial balance).

use futures::TryStreamExt;
use ledger_domain::projection::integrity::{CheckOutcome, IntegrityCheck};
use ledger_domain::Ledger;
use ledger_store::{EventStore, StoreError};
use serde::Serialize;

use crate::view::{decode, snapshot, LiveView};

/// What the projection checks found.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectionReport {
    /// The last position both the rebuild and the live view hold.
    pub position: u64,
    /// Events the domain does not know (foreign kinds): kept in the chain, skipped here.
    pub events_not_understood: u64,
    pub checks: Vec<CheckOutcome>,
}

impl ProjectionReport {
    pub fn holds(&self) -> bool {
        self.checks.iter().all(|c| c.holds)
    }
}

/// Rebuilds every projection from the log and checks it.
pub async fn check_projections(store: &EventStore) -> Result<ProjectionReport, StoreError> {
    let live = LiveView::default();
    let position = live.catch_up(store).await?;
    let live_digest = snapshot::digest(&live.read().await.ledger);
    // Only its digest is kept: the rebuild below would otherwise be a second whole ledger.
    drop(live);
    let mut ledger = Ledger::default();
    let mut integrity = IntegrityCheck::default();
    let mut events_not_understood = 0;
    let mut pages = std::pin::pin!(store.read_all_pages(1));
    'pages: while let Some(page) = pages.try_next().await? {
        for stored in page.iter() {
            if stored.position > position {
                break 'pages;
            }
            match decode(&stored) {
                Some(e) => {
                    integrity.observe(&ledger, &e);
                    ledger.apply(&e);
                }
                None => events_not_understood += 1,
            }
        }
    }
    let (holds, detail) = match (live_digest, snapshot::digest(&ledger)) {
        (Ok(live), Ok(rebuilt)) if live == rebuilt => (true, String::new()),
        (Ok(_), Ok(_)) => (false, format!("the two differ at position {position}")),
        (Err(error), _) | (_, Err(error)) => (false, format!("a ledger did not encode: {error}")),
    };
    let mut checks = vec![CheckOutcome {
        check: "a rebuild from scratch equals the live view caught up page by page",
        holds,
        detail,
    }];
    checks.extend(integrity.finish(&ledger));
    Ok(ProjectionReport {
        position,
        events_not_understood,
        checks,
    })
}
