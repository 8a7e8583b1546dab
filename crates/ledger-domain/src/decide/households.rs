//! Rules for households and their poverty status per standard.

use chrono::NaiveDate;

use super::check::{at_least_one, household, not_before, text, unit_on, DECISION_REF_LENGTH_MAX};
use crate::error::DomainError;
use crate::event::{
    Event, HouseholdClassified, HouseholdLeftNearPoverty, HouseholdRegistered, PovertyStatus,
};
use crate::id::Id;
use crate::ledger::{Household, Ledger, StandardStatus};

/// A household is registered once, with members, in a unit valid on the date.
pub fn register_household(
    state: &Ledger,
    command: &HouseholdRegistered,
) -> Result<Vec<Event>, DomainError> {
    if state
        .households()
        .get(command.household_id.as_str())
        .is_some()
    {
        return Err(DomainError::HouseholdAlreadyRegistered {
            household_id: command.household_id.clone(),
        });
    }
    at_least_one("household members", u64::from(command.members))?;
    unit_on(state, &command.unit_code, command.registered_on)?;
    Ok(vec![Event::HouseholdRegistered(command.clone())])
}

/// Checks shared by classification and exit: the household and standard exist, the
/// standard is in force, the date is not before registration, and statuses move forward.
fn status_change<'a>(
    state: &'a Ledger,
    household_id: &Id,
    standard_id: &Id,
    effective_on: NaiveDate,
    decision_ref: &str,
) -> Result<(&'a Household, Option<&'a StandardStatus>), DomainError> {
    let (_, found) = household(state, household_id)?;
    let standard_index = state.standards().index_of(standard_id.as_str());
    let standard = standard_index.and_then(|index| state.standards().at(index));
    let (Some(standard_index), Some(standard)) = (standard_index, standard) else {
        return Err(DomainError::UnknownStandard {
            standard_id: standard_id.clone(),
        });
    };
    text("decision reference", decision_ref, DECISION_REF_LENGTH_MAX)?;
    not_before(
        "status change",
        effective_on,
        format!("the registration of household {household_id}"),
        found.registered_on,
    )?;
    let definition = &standard.definition;
    if effective_on < definition.valid_from || effective_on > definition.valid_to {
        return Err(DomainError::StandardNotInForce {
            standard_id: standard_id.clone(),
            date: effective_on,
            valid_from: definition.valid_from,
            valid_to: definition.valid_to,
        });
    }
    let current = found.status_under(standard_index);
    if let Some(current) = current.filter(|current| current.effective_on > effective_on) {
        return Err(DomainError::ClassificationOutOfOrder {
            household_id: household_id.clone(),
            standard_id: standard_id.clone(),
            effective_on,
            current_effective_on: current.effective_on,
        });
    }
    Ok((found, current))
}

/// A review sets the household's status under one standard.
pub fn classify_household(
    state: &Ledger,
    command: &HouseholdClassified,
) -> Result<Vec<Event>, DomainError> {
    status_change(
        state,
        &command.household_id,
        &command.standard_id,
        command.effective_on,
        &command.decision_ref,
    )?;
    Ok(vec![Event::HouseholdClassified(command.clone())])
}

/// Only a household near-poor under that standard can leave near-poverty.
pub fn record_near_poverty_exit(
    state: &Ledger,
    command: &HouseholdLeftNearPoverty,
) -> Result<Vec<Event>, DomainError> {
    let (_, current) = status_change(
        state,
        &command.household_id,
        &command.standard_id,
        command.effective_on,
        &command.decision_ref,
    )?;
    let status = current.map(|current| current.status);
    if status != Some(PovertyStatus::NearPoor) {
        return Err(DomainError::NotNearPoor {
            household_id: command.household_id.clone(),
            standard_id: command.standard_id.clone(),
            status,
        });
    }
    Ok(vec![Event::HouseholdLeftNearPoverty(command.clone())])
}
