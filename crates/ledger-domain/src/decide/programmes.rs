//! Rules for poverty standards, programmes and budget allocations.

use super::check::{
    not_before, not_reversed, positive, programme, reversible, text, INDICATOR_RULE_LENGTH_MAX,
    NAME_LENGTH_MAX, REASON_LENGTH_MAX,
};
use crate::command::Reverse;
use crate::error::DomainError;
use crate::event::{
    AllocationReversed, BudgetAllocated, Event, PovertyStandardRegistered, ProgrammeOpened,
};
use crate::ledger::{Ledger, Reversible};
use crate::money::Dong;

/// A standard is registered once, over a forward period, with positive income lines.
pub fn register_standard(
    state: &Ledger,
    command: &PovertyStandardRegistered,
) -> Result<Vec<Event>, DomainError> {
    if state
        .standards()
        .get(command.standard_id.as_str())
        .is_some()
    {
        return Err(DomainError::StandardAlreadyRegistered {
            standard_id: command.standard_id.clone(),
        });
    }
    text("standard name", &command.name, NAME_LENGTH_MAX)?;
    text(
        "indicator rule",
        &command.indicator_rule,
        INDICATOR_RULE_LENGTH_MAX,
    )?;
    if command.valid_to < command.valid_from {
        return Err(DomainError::StandardPeriodInverted {
            standard_id: command.standard_id.clone(),
            valid_from: command.valid_from,
            valid_to: command.valid_to,
        });
    }
    positive("rural income line", command.rural_income_line)?;
    positive("urban income line", command.urban_income_line)?;
    Ok(vec![Event::PovertyStandardRegistered(command.clone())])
}

/// A programme is opened once, with a name and a target of at least one.
pub fn open_programme(
    state: &Ledger,
    command: &ProgrammeOpened,
) -> Result<Vec<Event>, DomainError> {
    if state
        .programmes()
        .get(command.programme_id.as_str())
        .is_some()
    {
        return Err(DomainError::ProgrammeAlreadyOpened {
            programme_id: command.programme_id.clone(),
        });
    }
    text("programme name", &command.name, NAME_LENGTH_MAX)?;
    super::check::at_least_one("programme target", u64::from(command.target))?;
    Ok(vec![Event::ProgrammeOpened(command.clone())])
}

/// An allocation is positive, to an open programme, and keeps the total within bounds.
pub fn allocate_budget(
    state: &Ledger,
    command: &BudgetAllocated,
) -> Result<Vec<Event>, DomainError> {
    let (_, found) = programme(state, &command.programme_id)?;
    positive("allocation", command.amount)?;
    not_before(
        "allocation",
        command.allocated_on,
        format!("the opening of programme {}", found.id),
        found.opened_on,
    )?;
    let allocated = found
        .source(command.source.as_str())
        .map_or(Dong::ZERO, |budget| budget.allocated);
    if allocated.checked_add(command.amount).is_none() {
        return Err(DomainError::AmountOverflow {
            what: "the programme's allocation from this source",
        });
    }
    Ok(vec![Event::BudgetAllocated(command.clone())])
}

/// A reversal names an allocation not already reversed, and may not take away money
/// that approvals have committed.
pub fn reverse_allocation(state: &Ledger, command: &Reverse) -> Result<Vec<Event>, DomainError> {
    text("reason", &command.reason, REASON_LENGTH_MAX)?;
    let Reversible::Allocation { programme, record } =
        reversible(state, command.event_id, "BudgetAllocated")?
    else {
        return Err(DomainError::ReversedEventNotFound {
            event_id: command.event_id,
            expected: "BudgetAllocated",
        });
    };
    let found = state.programmes().at(programme);
    let allocation = found.and_then(|p| Some((p, p.allocations.get(record as usize)?)));
    let Some((found, allocation)) = allocation else {
        return Err(DomainError::ReversedEventNotFound {
            event_id: command.event_id,
            expected: "BudgetAllocated",
        });
    };
    not_reversed(command.event_id, allocation.reversed.is_some())?;
    not_before(
        "reversal",
        command.reversed_on,
        format!("allocation {}", command.event_id),
        allocation.allocated_on,
    )?;
    let uncommitted = found
        .source(allocation.source.as_str())
        .map_or(Dong::ZERO, |budget| budget.remaining());
    if allocation.amount > uncommitted {
        return Err(DomainError::AllocationReversalExceedsUncommitted {
            programme_id: found.id.clone(),
            funding_source: allocation.source.clone(),
            amount: allocation.amount,
            uncommitted,
        });
    }
    Ok(vec![Event::AllocationReversed(AllocationReversed {
        programme_id: found.id.clone(),
        allocation_event_id: command.event_id,
        source: allocation.source.clone(),
        amount: allocation.amount,
        reason: command.reason.clone(),
        reversed_on: command.reversed_on,
    })])
}
