//! Checks shared by the rules: text bounds, positive amounts and counts, dates that may
//! not precede what they refer to, and lookups that turn a missing reference into its
//! error.

use std::fmt::Display;

use chrono::NaiveDate;
use uuid::Uuid;

use crate::error::DomainError;
use crate::id::Id;
use crate::ledger::{
    Child, Household, Ledger, Programme, Reversible, Sponsor, Sponsorship, Support, UnitId,
};
use crate::money::Dong;

/// Longest name (units, programmes, standards, sponsors), in characters: official names
/// are far shorter; a longer text is a paste error.
pub const NAME_LENGTH_MAX: usize = 200;
/// Longest reason for a correction, in characters: a sentence or two, not a document.
pub const REASON_LENGTH_MAX: usize = 500;
/// Longest decision reference, in characters: numbers like "1234/QĐ-UBND" are short.
pub const DECISION_REF_LENGTH_MAX: usize = 100;
/// Longest indicator rule, in characters: a summary with a pointer to the decree.
pub const INDICATOR_RULE_LENGTH_MAX: usize = 1000;

/// `value` must have 1 to `max` characters (after trimming spaces).
pub fn text(field: &'static str, value: &str, max: usize) -> Result<(), DomainError> {
    let length = value.trim().chars().count();
    if length == 0 || length > max {
        return Err(DomainError::InvalidText { field, length, max });
    }
    Ok(())
}

/// `amount` must be positive.
pub fn positive(what: &'static str, amount: Dong) -> Result<(), DomainError> {
    if amount.is_zero() {
        return Err(DomainError::ZeroAmount { what });
    }
    Ok(())
}

/// `count` must be at least 1.
pub fn at_least_one(what: &'static str, count: u64) -> Result<(), DomainError> {
    if count == 0 {
        return Err(DomainError::ZeroCount { what });
    }
    Ok(())
}

/// `date` may not precede `reference_on`, the date of the fact it refers to.
pub fn not_before(
    what: &'static str,
    date: NaiveDate,
    reference: impl Display,
    reference_on: NaiveDate,
) -> Result<(), DomainError> {
    if date < reference_on {
        return Err(DomainError::DateBeforeReference {
            what,
            date,
            reference: reference.to_string(),
            reference_on,
        });
    }
    Ok(())
}

/// The unit `code` means on `date`.
pub fn unit_on(state: &Ledger, code: &Id, date: NaiveDate) -> Result<UnitId, DomainError> {
    state
        .units()
        .resolve(code.as_str(), date)
        .ok_or_else(|| DomainError::UnitNotValidOn {
            code: code.clone(),
            date,
        })
}

/// The programme `id`.
pub fn programme<'a>(state: &'a Ledger, id: &Id) -> Result<(u32, &'a Programme), DomainError> {
    let index = state.programmes().index_of(id.as_str());
    index
        .and_then(|index| Some((index, state.programmes().at(index)?)))
        .ok_or_else(|| DomainError::UnknownProgramme {
            programme_id: id.clone(),
        })
}

/// The household `id`.
pub fn household<'a>(state: &'a Ledger, id: &Id) -> Result<(u32, &'a Household), DomainError> {
    let index = state.households().index_of(id.as_str());
    index
        .and_then(|index| Some((index, state.households().at(index)?)))
        .ok_or_else(|| DomainError::UnknownHousehold {
            household_id: id.clone(),
        })
}

/// The live (not cancelled) support `id`.
pub fn live_support<'a>(state: &'a Ledger, id: &Id) -> Result<&'a Support, DomainError> {
    let support = state
        .supports()
        .get(id.as_str())
        .ok_or_else(|| DomainError::UnknownSupport {
            support_id: id.clone(),
        })?;
    match support.cancelled.map(|cancel| cancel.on) {
        Some(cancelled_on) => Err(DomainError::SupportCancelled {
            support_id: id.clone(),
            cancelled_on,
        }),
        None => Ok(support),
    }
}

/// The child `id`.
pub fn child<'a>(state: &'a Ledger, id: &Id) -> Result<&'a Child, DomainError> {
    state
        .children()
        .get(id.as_str())
        .ok_or_else(|| DomainError::UnknownChild {
            child_id: id.clone(),
        })
}

/// The sponsor `id`.
pub fn sponsor<'a>(state: &'a Ledger, id: &Id) -> Result<(u32, &'a Sponsor), DomainError> {
    let index = state.sponsors().index_of(id.as_str());
    index
        .and_then(|index| Some((index, state.sponsors().at(index)?)))
        .ok_or_else(|| DomainError::UnknownSponsor {
            sponsor_id: id.clone(),
        })
}

/// The sponsorship `id`.
pub fn sponsorship<'a>(state: &'a Ledger, id: &Id) -> Result<&'a Sponsorship, DomainError> {
    state
        .sponsorships()
        .get(id.as_str())
        .ok_or_else(|| DomainError::UnknownSponsorship {
            sponsorship_id: id.clone(),
        })
}

/// The reversible event `event_id`, which must be of kind `expected`.
pub fn reversible(
    state: &Ledger,
    event_id: Uuid,
    expected: &'static str,
) -> Result<Reversible, DomainError> {
    let found = state
        .reversible(&event_id)
        .ok_or(DomainError::ReversedEventNotFound { event_id, expected })?;
    if found.kind() != expected {
        return Err(DomainError::ReversedEventWrongKind {
            event_id,
            expected,
            found: found.kind(),
        });
    }
    Ok(found)
}

/// Fails if the referenced event was already reversed.
pub fn not_reversed(event_id: Uuid, reversed: bool) -> Result<(), DomainError> {
    if reversed {
        return Err(DomainError::EventAlreadyReversed { event_id });
    }
    Ok(())
}
