//! Checks an inspector runs over the whole log, beyond the hash chain: every reversal points at
//! a real event of the kind it reverses, every account's balance in the state equals the sum of
//! every posting, the trial balance is zero, and no event was skipped for a missing reference.
//!
//! Fed one event at a time *before* it is applied, so memory stays proportional to accounts.

use std::collections::BTreeMap;

use serde::Serialize;
use uuid::Uuid;

use crate::envelope::RecordedEvent;
use crate::event::Event;
use crate::ledger::Ledger;
use crate::money::Balance;
use crate::posting::Account;
use crate::projection::accounts::{account_balances, trial_balance};

/// Failures described in full per check; beyond that only counted.
const DETAILS_MAX: usize = 10;

/// One check and whether it held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckOutcome {
    /// What was checked, in words.
    pub check: &'static str,
    /// True when it held.
    pub holds: bool,
    /// What failed (empty when it held).
    pub detail: String,
}

/// Gathers what the checks need while the log is replayed.
#[derive(Debug, Default)]
pub struct IntegrityCheck {
    posted: BTreeMap<Account, Balance>,
    bad_reversals: Vec<String>,
    bad_reversal_count: u64,
}

impl IntegrityCheck {
    /// Looks at `recorded` against `before`, the ledger holding every earlier event. Call it
    /// before applying `recorded`.
    pub fn observe(&mut self, before: &Ledger, recorded: &RecordedEvent) {
        for posting in recorded.event.postings() {
            *self.posted.entry(posting.account.clone()).or_default() += posting.signed();
        }
        if let Some((target, wanted)) = reversal_target(&recorded.event) {
            let found = before.reversible(&target).map(|r| r.kind());
            if found != Some(wanted) {
                self.bad_reversal_count += 1;
                if self.bad_reversals.len() < DETAILS_MAX {
                    self.bad_reversals.push(format!(
                        "position {}: {} reverses {target}, which is {}",
                        recorded.position,
                        recorded.event.kind(),
                        found.map_or("no recorded money event".to_owned(), |k| format!("a {k}"))
                    ));
                }
            }
        }
    }

    /// The outcomes, given the ledger with every event applied.
    pub fn finish(self, ledger: &Ledger) -> Vec<CheckOutcome> {
        let reversals = CheckOutcome {
            check: "every reversal points at a recorded event of the kind it reverses",
            holds: self.bad_reversal_count == 0,
            detail: describe(self.bad_reversal_count, &self.bad_reversals),
        };
        let mut mismatched = Vec::new();
        let mut mismatch_count = 0u64;
        let mut from_state: BTreeMap<Account, Balance> = account_balances(ledger)
            .into_iter()
            .map(|row| (row.account, row.balance))
            .collect();
        for (account, posted) in &self.posted {
            let state = from_state.remove(account).unwrap_or_default();
            if state != *posted {
                mismatch_count += 1;
                if mismatched.len() < DETAILS_MAX {
                    mismatched.push(format!("{account}: postings {posted}, state {state}"));
                }
            }
        }
        for (account, state) in from_state.into_iter().filter(|(_, b)| !b.is_zero()) {
            mismatch_count += 1;
            if mismatched.len() < DETAILS_MAX {
                mismatched.push(format!("{account}: no postings, state {state}"));
            }
        }
        let balances = CheckOutcome {
            check: "every account's balance equals the sum of its postings",
            holds: mismatch_count == 0,
            detail: describe(mismatch_count, &mismatched),
        };
        let trial = trial_balance(ledger);
        let zero = CheckOutcome {
            check: "the trial balance is zero",
            holds: trial.difference.is_zero(),
            detail: if trial.difference.is_zero() {
                String::new()
            } else {
                format!("debits − credits = {}", trial.difference)
            },
        };
        let ignored = ledger.ignored_events();
        let skipped = CheckOutcome {
            check: "no event refers to an entity the ledger does not hold",
            holds: ignored == 0,
            detail: if ignored == 0 {
                String::new()
            } else {
                format!("{ignored} events were skipped for a missing reference")
            },
        };
        vec![reversals, balances, zero, skipped]
    }
}

/// The event id a reversal names and the kind it must have (as `Reversible::kind` names it).
fn reversal_target(event: &Event) -> Option<(Uuid, &'static str)> {
    match event {
        Event::AllocationReversed(e) => Some((e.allocation_event_id, "BudgetAllocated")),
        Event::DisbursementReversed(e) => Some((e.disbursement_event_id, "HousingFundsDisbursed")),
        Event::SponsorshipPaymentReversed(e) => {
            Some((e.payment_event_id, "SponsorshipPaymentReceived"))
        }
        _ => None,
    }
}

fn describe(count: u64, details: &[String]) -> String {
    if count == 0 {
        return String::new();
    }
    let more = count.saturating_sub(details.len() as u64);
    let mut text = details.join("; ");
    if more > 0 {
        text.push_str(&format!("; and {more} more"));
    }
    text
}
