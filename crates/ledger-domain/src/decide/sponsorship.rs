//! Rules for children, sponsors and pledges to age 18.

use super::check::{
    at_least_one, child, not_before, positive, programme, sponsor, text, unit_on, NAME_LENGTH_MAX,
};
use crate::command::SponsorChild;
use crate::error::DomainError;
use crate::event::{ChildRegistered, ChildSponsored, Event, ProgrammeKind, SponsorRegistered};
use crate::ledger::Ledger;
use crate::month::YearMonth;
use crate::schedule::{self, Schedule};

/// A child is registered once, born by then, in a unit valid on the date.
pub fn register_child(
    state: &Ledger,
    command: &ChildRegistered,
) -> Result<Vec<Event>, DomainError> {
    if state.children().get(command.child_id.as_str()).is_some() {
        return Err(DomainError::ChildAlreadyRegistered {
            child_id: command.child_id.clone(),
        });
    }
    if command.birth_date > command.registered_on {
        return Err(DomainError::BirthAfterRegistration {
            child_id: command.child_id.clone(),
            birth_date: command.birth_date,
            registered_on: command.registered_on,
        });
    }
    unit_on(state, &command.unit_code, command.registered_on)?;
    Ok(vec![Event::ChildRegistered(command.clone())])
}

/// A sponsor is registered once, with a name.
pub fn register_sponsor(
    state: &Ledger,
    command: &SponsorRegistered,
) -> Result<Vec<Event>, DomainError> {
    if state.sponsors().get(command.sponsor_id.as_str()).is_some() {
        return Err(DomainError::SponsorAlreadyRegistered {
            sponsor_id: command.sponsor_id.clone(),
        });
    }
    text("sponsor name", &command.name, NAME_LENGTH_MAX)?;
    Ok(vec![Event::SponsorRegistered(command.clone())])
}

/// A pledge is for a known child and sponsor in a sponsorship programme, positive, from
/// the birth month on, and only for a child under 18 on the first day of its first month.
pub fn sponsor_child(state: &Ledger, command: &SponsorChild) -> Result<Vec<Event>, DomainError> {
    if state
        .sponsorships()
        .get(command.sponsorship_id.as_str())
        .is_some()
    {
        return Err(DomainError::SponsorshipAlreadyExists {
            sponsorship_id: command.sponsorship_id.clone(),
        });
    }
    let (_, found_programme) = programme(state, &command.programme_id)?;
    if found_programme.kind != ProgrammeKind::Sponsorship {
        return Err(DomainError::ProgrammeKindMismatch {
            programme_id: found_programme.id.clone(),
            expected: ProgrammeKind::Sponsorship,
            found: found_programme.kind,
        });
    }
    let found_child = child(state, &command.child_id)?;
    let (_, found_sponsor) = sponsor(state, &command.sponsor_id)?;
    positive("monthly amount", command.monthly_amount)?;
    if let Some(months) = command.fixed_months {
        at_least_one("fixed months", u64::from(months))?;
    }
    let date = command.sponsored_on;
    let opening = format!("the opening of programme {}", found_programme.id);
    not_before("pledge", date, opening, found_programme.opened_on)?;
    let registration = format!("the registration of child {}", found_child.id);
    not_before("pledge", date, registration, found_child.registered_on)?;
    let registration = format!("the registration of sponsor {}", found_sponsor.id);
    not_before("pledge", date, registration, found_sponsor.registered_on)?;
    let birth = found_child.birth_date;
    if YearMonth::of(birth).is_some_and(|birth_month| command.first_month < birth_month) {
        return Err(DomainError::PledgeBeforeBirth {
            child_id: found_child.id.clone(),
            birth_date: birth,
            first_month: command.first_month,
        });
    }
    let planned = Schedule::for_pledge(birth, command.first_month, command.fixed_months);
    let Some(planned) = planned else {
        return Err(DomainError::ChildAlreadyEighteen {
            child_id: found_child.id.clone(),
            turns_18_on: schedule::turns_18_on(birth).unwrap_or(birth),
            first_month: command.first_month,
        });
    };
    if command
        .monthly_amount
        .checked_mul(u64::from(planned.months()))
        .is_none()
    {
        return Err(DomainError::AmountOverflow {
            what: "the pledge's total obligation",
        });
    }
    Ok(vec![Event::ChildSponsored(ChildSponsored {
        sponsorship_id: command.sponsorship_id.clone(),
        programme_id: command.programme_id.clone(),
        child_id: command.child_id.clone(),
        sponsor_id: command.sponsor_id.clone(),
        monthly_amount: command.monthly_amount,
        first_month: command.first_month,
        fixed_months: command.fixed_months,
        last_month: planned.last,
        sponsored_on: command.sponsored_on,
    })])
}
