//! Rules for housing support money: approval against the budget per funding source,
//! disbursement against the approval, and disbursement reversals.

use std::collections::HashSet;

use super::check::{
    household, live_support, not_before, not_reversed, positive, programme, reversible, text,
    REASON_LENGTH_MAX,
};
use crate::command::{DisburseFunds, Reverse};
use crate::error::DomainError;
use crate::event::{
    DisbursementReversed, Event, FundingPart, HousingFundsDisbursed, HousingSupportApproved,
    ProgrammeKind,
};
use crate::ledger::{Ledger, Programme, Reversible, Support};
use crate::money::Dong;

/// The split has distinct sources, positive parts, and adds up to the amount.
fn check_split(command: &HousingSupportApproved) -> Result<(), DomainError> {
    let mut seen = HashSet::new();
    let mut total = Dong::ZERO;
    for part in &command.funding {
        if !seen.insert(part.source.as_str()) {
            return Err(DomainError::DuplicateFundingSource {
                funding_source: part.source.clone(),
            });
        }
        positive("funding part", part.amount)?;
        total = total
            .checked_add(part.amount)
            .ok_or(DomainError::AmountOverflow {
                what: "the funding split",
            })?;
    }
    if total != command.amount {
        return Err(DomainError::FundingSplitMismatch {
            amount: command.amount,
            split_total: total,
        });
    }
    Ok(())
}

/// Each source's part fits what remains allocated from that source.
fn check_budget(found: &Programme, funding: &[FundingPart]) -> Result<(), DomainError> {
    for part in funding {
        let remaining = found
            .source(part.source.as_str())
            .map_or(Dong::ZERO, |budget| budget.remaining());
        if part.amount > remaining {
            return Err(DomainError::ApprovalExceedsBudget {
                part: part.amount,
                remaining,
                programme_id: found.id.clone(),
                funding_source: part.source.clone(),
            });
        }
    }
    Ok(())
}

/// An approval is for a known household in a housing programme, once per household and
/// programme, split by source, planned after it is approved, and within the budget.
pub fn approve(
    state: &Ledger,
    command: &HousingSupportApproved,
) -> Result<Vec<Event>, DomainError> {
    let (_, found) = programme(state, &command.programme_id)?;
    if found.kind != ProgrammeKind::Housing {
        return Err(DomainError::ProgrammeKindMismatch {
            programme_id: found.id.clone(),
            expected: ProgrammeKind::Housing,
            found: found.kind,
        });
    }
    let (household_index, found_household) = household(state, &command.household_id)?;
    if state.supports().get(command.support_id.as_str()).is_some() {
        return Err(DomainError::SupportAlreadyApproved {
            support_id: command.support_id.clone(),
        });
    }
    positive("housing support", command.amount)?;
    check_split(command)?;
    let approved_on = command.approved_on;
    not_before(
        "approval",
        approved_on,
        format!("the opening of programme {}", found.id),
        found.opened_on,
    )?;
    let registration = format!("the registration of household {}", command.household_id);
    not_before(
        "approval",
        approved_on,
        registration,
        found_household.registered_on,
    )?;
    if command.planned_completion_on < approved_on {
        return Err(DomainError::PlannedCompletionBeforeApproval {
            planned_completion_on: command.planned_completion_on,
            approved_on,
        });
    }
    let existing = found
        .supports
        .iter()
        .filter_map(|&index| state.supports().at(index))
        .find(|support| support.household == household_index && support.is_live());
    if let Some(existing) = existing {
        return Err(DomainError::HouseholdAlreadySupported {
            household_id: command.household_id.clone(),
            programme_id: found.id.clone(),
            support_id: existing.id.clone(),
        });
    }
    check_budget(found, &command.funding)?;
    Ok(vec![Event::HousingSupportApproved(command.clone())])
}

pub(super) fn programme_id(
    state: &Ledger,
    support: &Support,
) -> Result<crate::id::Id, DomainError> {
    state
        .programmes()
        .at(support.programme)
        .map(|programme| programme.id.clone())
        .ok_or_else(|| DomainError::UnknownSupport {
            support_id: support.id.clone(),
        })
}

/// A disbursement comes from a source of the split and never exceeds what that source
/// approved, net of earlier disbursements.
pub fn disburse(state: &Ledger, command: &DisburseFunds) -> Result<Vec<Event>, DomainError> {
    let support = live_support(state, &command.support_id)?;
    positive("disbursement", command.amount)?;
    let approval = format!("the approval of support {}", support.id);
    not_before(
        "disbursement",
        command.disbursed_on,
        approval,
        support.approved_on,
    )?;
    let part =
        support
            .part(command.source.as_str())
            .ok_or_else(|| DomainError::SourceNotInSplit {
                support_id: support.id.clone(),
                funding_source: command.source.clone(),
            })?;
    let remaining = part.amount.saturating_sub(part.disbursed);
    if command.amount > remaining {
        return Err(DomainError::DisbursementExceedsApproval {
            amount: command.amount,
            remaining,
            support_id: support.id.clone(),
            funding_source: command.source.clone(),
        });
    }
    Ok(vec![Event::HousingFundsDisbursed(HousingFundsDisbursed {
        support_id: support.id.clone(),
        programme_id: programme_id(state, support)?,
        source: command.source.clone(),
        amount: command.amount,
        disbursed_on: command.disbursed_on,
    })])
}

/// A reversal names a disbursement not already reversed.
pub fn reverse_disbursement(state: &Ledger, command: &Reverse) -> Result<Vec<Event>, DomainError> {
    text("reason", &command.reason, REASON_LENGTH_MAX)?;
    let not_found = DomainError::ReversedEventNotFound {
        event_id: command.event_id,
        expected: "HousingFundsDisbursed",
    };
    let Reversible::Disbursement { support, record } =
        reversible(state, command.event_id, "HousingFundsDisbursed")?
    else {
        return Err(not_found);
    };
    let support = state.supports().at(support);
    let found = support.and_then(|s| Some((s, s.disbursements.get(record as usize)?)));
    let Some((support, disbursement)) = found else {
        return Err(not_found);
    };
    not_reversed(command.event_id, disbursement.reversed.is_some())?;
    let original = format!("disbursement {}", command.event_id);
    not_before(
        "reversal",
        command.reversed_on,
        original,
        disbursement.disbursed_on,
    )?;
    let part = support
        .parts
        .get(disbursement.part as usize)
        .ok_or(not_found)?;
    Ok(vec![Event::DisbursementReversed(DisbursementReversed {
        support_id: support.id.clone(),
        programme_id: programme_id(state, support)?,
        disbursement_event_id: command.event_id,
        source: part.source.clone(),
        amount: disbursement.amount,
        reason: command.reason.clone(),
        reversed_on: command.reversed_on,
    })])
}
