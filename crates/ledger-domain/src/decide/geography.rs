//! Rules for units and mergers.

use std::collections::HashSet;

use super::check::{text, unit_on, NAME_LENGTH_MAX};
use crate::error::DomainError;
use crate::event::{Event, UnitRegistered, UnitsMerged};
use crate::id::Id;
use crate::ledger::Ledger;

/// A code may be reused only for a period that does not overlap an existing one.
pub fn register_unit(state: &Ledger, command: &UnitRegistered) -> Result<Vec<Event>, DomainError> {
    text("unit name", &command.name, NAME_LENGTH_MAX)?;
    if let (Some(valid_from), Some(valid_to)) = (command.valid_from, command.valid_to) {
        if valid_to < valid_from {
            return Err(DomainError::UnitValidityInverted {
                code: command.code.clone(),
                valid_from,
                valid_to,
            });
        }
    }
    let clash = state
        .units()
        .with_code(command.code.as_str())
        .find(|(_, unit)| unit.overlaps(command.valid_from, command.valid_to));
    if let Some((_, unit)) = clash {
        return Err(DomainError::UnitPeriodOverlaps {
            code: command.code.clone(),
            name: unit.name.clone(),
            valid_from: unit.valid_from,
            valid_to: unit.ends_on(),
        });
    }
    Ok(vec![Event::UnitRegistered(command.clone())])
}

fn no_duplicates(codes: &[Id]) -> Result<(), DomainError> {
    let mut seen = HashSet::new();
    match codes.iter().find(|code| !seen.insert(code.as_str())) {
        Some(code) => Err(DomainError::DuplicateUnitInMerge { code: code.clone() }),
        None => Ok(()),
    }
}

/// Old units (valid the day before) go into new units (valid on the day): many → one,
/// or one → many for a split. Each old unit is merged once and ends the day before.
pub fn merge_units(state: &Ledger, command: &UnitsMerged) -> Result<Vec<Event>, DomainError> {
    let (old, new) = (command.old_codes.len(), command.new_codes.len());
    if old == 0 || new == 0 || (old > 1 && new > 1) {
        return Err(DomainError::MergeShape { old, new });
    }
    no_duplicates(&command.old_codes)?;
    no_duplicates(&command.new_codes)?;
    let effective_on = command.effective_on;
    let day_before = effective_on.pred_opt().unwrap_or(effective_on);
    for code in &command.old_codes {
        let id = unit_on(state, code, day_before)?;
        let Some(unit) = state.units().get(id) else {
            continue;
        };
        if let Some(merged_on) = unit.merge.map(|merge| merge.on) {
            return Err(DomainError::UnitAlreadyMerged {
                code: code.clone(),
                name: unit.name.clone(),
                effective_on: merged_on,
            });
        }
        if unit.is_valid_on(effective_on) && unit.ends_on().is_some() {
            return Err(DomainError::UnitStillValidAfterMerge {
                code: code.clone(),
                name: unit.name.clone(),
                valid_to: unit.ends_on(),
                effective_on,
            });
        }
    }
    for code in &command.new_codes {
        unit_on(state, code, effective_on)?;
    }
    Ok(vec![Event::UnitsMerged(command.clone())])
}
