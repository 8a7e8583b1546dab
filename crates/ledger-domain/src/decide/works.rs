//! Rules for housing works: start, completion matching the approved kind, corrected
//! completion dates, and cancellation (which releases the commitment).

use chrono::NaiveDate;

use super::check::{live_support, not_before, text, REASON_LENGTH_MAX};
use super::housing::programme_id;
use crate::command::{CancelSupport, CorrectCompletionDate};
use crate::error::DomainError;
use crate::event::{
    CompletionDateCorrected, Event, FundingPart, HouseBuilt, HouseRepaired,
    HousingSupportCancelled, HousingWorksStarted, WorkKind,
};
use crate::ledger::Ledger;

/// Works start once, not after completion, not before approval.
pub fn start_works(
    state: &Ledger,
    command: &HousingWorksStarted,
) -> Result<Vec<Event>, DomainError> {
    let support = live_support(state, &command.support_id)?;
    if let Some(started_on) = support.started.map(|start| start.on) {
        return Err(DomainError::WorksAlreadyStarted {
            support_id: support.id.clone(),
            started_on,
        });
    }
    if let Some(completed_on) = support.completed_on {
        return Err(DomainError::AlreadyCompleted {
            support_id: support.id.clone(),
            completed_on,
        });
    }
    let approval = format!("the approval of support {}", support.id);
    not_before(
        "start of works",
        command.started_on,
        approval,
        support.approved_on,
    )?;
    Ok(vec![Event::HousingWorksStarted(command.clone())])
}

/// Completion matches the approved kind, happens once, and not before approval.
fn check_completion(
    state: &Ledger,
    support_id: &crate::id::Id,
    recorded: WorkKind,
    completed_on: NaiveDate,
) -> Result<(), DomainError> {
    let support = live_support(state, support_id)?;
    if support.kind != recorded {
        return Err(DomainError::CompletionKindMismatch {
            support_id: support.id.clone(),
            approved: support.kind,
            recorded,
        });
    }
    if let Some(completed_on) = support.completed_on {
        return Err(DomainError::AlreadyCompleted {
            support_id: support.id.clone(),
            completed_on,
        });
    }
    if completed_on < support.approved_on {
        return Err(DomainError::CompletionBeforeApproval {
            support_id: support.id.clone(),
            completed_on,
            approved_on: support.approved_on,
        });
    }
    Ok(())
}

/// A new build completes as `HouseBuilt`.
pub fn record_built(state: &Ledger, command: &HouseBuilt) -> Result<Vec<Event>, DomainError> {
    check_completion(
        state,
        &command.support_id,
        WorkKind::NewBuild,
        command.completed_on,
    )?;
    Ok(vec![Event::HouseBuilt(command.clone())])
}

/// A repair completes as `HouseRepaired`.
pub fn record_repaired(state: &Ledger, command: &HouseRepaired) -> Result<Vec<Event>, DomainError> {
    check_completion(
        state,
        &command.support_id,
        WorkKind::Repair,
        command.completed_on,
    )?;
    Ok(vec![Event::HouseRepaired(command.clone())])
}

/// A correction has a reason, changes a recorded date, and stays after approval.
pub fn correct_completion(
    state: &Ledger,
    command: &CorrectCompletionDate,
) -> Result<Vec<Event>, DomainError> {
    let support = live_support(state, &command.support_id)?;
    text("reason", &command.reason, REASON_LENGTH_MAX)?;
    let Some(previous) = support.completed_on else {
        return Err(DomainError::NotCompleted {
            support_id: support.id.clone(),
        });
    };
    if previous == command.completed_on {
        return Err(DomainError::CompletionDateUnchanged {
            support_id: support.id.clone(),
            completed_on: previous,
        });
    }
    if command.completed_on < support.approved_on {
        return Err(DomainError::CompletionBeforeApproval {
            support_id: support.id.clone(),
            completed_on: command.completed_on,
            approved_on: support.approved_on,
        });
    }
    Ok(vec![Event::CompletionDateCorrected(
        CompletionDateCorrected {
            support_id: support.id.clone(),
            completed_on: command.completed_on,
            previous_completed_on: previous,
            reason: command.reason.clone(),
            corrected_on: command.corrected_on,
        },
    )])
}

/// Only an uncompleted support with nothing disbursed can be cancelled; its whole
/// commitment is released.
pub fn cancel(state: &Ledger, command: &CancelSupport) -> Result<Vec<Event>, DomainError> {
    let support = live_support(state, &command.support_id)?;
    text("reason", &command.reason, REASON_LENGTH_MAX)?;
    if let Some(completed_on) = support.completed_on {
        return Err(DomainError::CompletedSupportCannotBeCancelled {
            support_id: support.id.clone(),
            completed_on,
        });
    }
    let disbursed = support.disbursed();
    if !disbursed.is_zero() {
        return Err(DomainError::CancellationWithDisbursedFunds {
            support_id: support.id.clone(),
            disbursed,
        });
    }
    let approval = format!("the approval of support {}", support.id);
    not_before(
        "cancellation",
        command.cancelled_on,
        approval,
        support.approved_on,
    )?;
    Ok(vec![Event::HousingSupportCancelled(
        HousingSupportCancelled {
            support_id: support.id.clone(),
            programme_id: programme_id(state, support)?,
            released: support
                .parts
                .iter()
                .map(|part| FundingPart {
                    source: part.source.clone(),
                    amount: part.amount,
                })
                .collect(),
            reason: command.reason.clone(),
            cancelled_on: command.cancelled_on,
        },
    )])
}
