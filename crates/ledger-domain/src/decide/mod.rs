//! `decide`: validates a command against the ledger and returns the events to record.
//!
//! Deciding is pure: it reads the state, never changes it, and returns either the events
//! (all dated [`Command::occurred_on`]) or the one rule the command breaks. The caller
//! appends the events with the expected stream versions and then applies them.

mod check;
mod geography;
mod households;
mod housing;
mod jobs;
mod payments;
mod programmes;
mod sponsorship;
mod works;

use chrono::NaiveDate;

pub use check::{
    DECISION_REF_LENGTH_MAX, INDICATOR_RULE_LENGTH_MAX, NAME_LENGTH_MAX, REASON_LENGTH_MAX,
};

use crate::command::Command;
use crate::error::DomainError;
use crate::event::Event;
use crate::ledger::Ledger;

/// The events `command` yields on `state`, or the rule it breaks.
pub fn decide(state: &Ledger, command: &Command) -> Result<Vec<Event>, DomainError> {
    use Command as C;
    match command {
        C::RegisterUnit(c) => geography::register_unit(state, c),
        C::MergeUnits(c) => geography::merge_units(state, c),
        C::RegisterStandard(c) => programmes::register_standard(state, c),
        C::OpenProgramme(c) => programmes::open_programme(state, c),
        C::AllocateBudget(c) => programmes::allocate_budget(state, c),
        C::ReverseAllocation(c) => programmes::reverse_allocation(state, c),
        C::RegisterHousehold(c) => households::register_household(state, c),
        C::ClassifyHousehold(c) => households::classify_household(state, c),
        C::RecordNearPovertyExit(c) => households::record_near_poverty_exit(state, c),
        C::ApproveHousingSupport(c) => housing::approve(state, c),
        C::DisburseFunds(c) => housing::disburse(state, c),
        C::ReverseDisbursement(c) => housing::reverse_disbursement(state, c),
        C::StartWorks(c) => works::start_works(state, c),
        C::RecordHouseBuilt(c) => works::record_built(state, c),
        C::RecordHouseRepaired(c) => works::record_repaired(state, c),
        C::CorrectCompletionDate(c) => works::correct_completion(state, c),
        C::CancelSupport(c) => works::cancel(state, c),
        C::RegisterChild(c) => sponsorship::register_child(state, c),
        C::RegisterSponsor(c) => sponsorship::register_sponsor(state, c),
        C::SponsorChild(c) => sponsorship::sponsor_child(state, c),
        C::RecordPayment(c) => payments::record_payment(state, c),
        C::ReversePayment(c) => payments::reverse_payment(state, c),
        C::TransferSponsorship(c) => payments::transfer(state, c),
        C::EndSponsorship(c) => payments::end(state, c),
        C::SetJobsTarget(c) => jobs::set_target(state, c),
        C::RecordJobsCreated(c) => jobs::record_created(state, c),
    }
}

/// Like [`decide`], pairing each event with the `occurred_on` date its envelope needs.
pub fn decide_dated(
    state: &Ledger,
    command: &Command,
) -> Result<Vec<(NaiveDate, Event)>, DomainError> {
    let events = decide(state, command)?;
    Ok(events
        .into_iter()
        .map(|event| (event.occurred_on(), event))
        .collect())
}
