//! Rules for a running sponsorship: payments that never cover a month twice, payment
//! reversals, transfers to another sponsor, and early ends.

use super::check::{
    at_least_one, not_before, not_reversed, positive, reversible, sponsor, sponsorship, text,
    REASON_LENGTH_MAX,
};
use crate::command::{RecordPayment, Reverse, TransferSponsorship};
use crate::error::DomainError;
use crate::event::{
    Event, SponsorshipEnded, SponsorshipPaymentReceived, SponsorshipPaymentReversed,
    SponsorshipTransferred,
};
use crate::ledger::{Ledger, Reversible, Sponsorship};
use crate::schedule::Schedule;

/// The months a payment covers, all inside the schedule.
fn covered_months(found: &Sponsorship, command: &RecordPayment) -> Result<Schedule, DomainError> {
    let outside = |month| DomainError::MonthOutsideSchedule {
        sponsorship_id: found.id.clone(),
        month,
        first_month: found.schedule.first,
        last_month: found.schedule.last,
    };
    if !found.schedule.contains(command.first_month) {
        return Err(outside(command.first_month));
    }
    let last = command
        .first_month
        .plus(i64::from(command.months) - 1)
        .ok_or_else(|| outside(found.schedule.last))?;
    if !found.schedule.contains(last) {
        let beyond = found.schedule.last.next().unwrap_or(last);
        return Err(outside(beyond));
    }
    Schedule::new(command.first_month, last).ok_or_else(|| outside(command.first_month))
}

/// A payment covers scheduled months of one sponsor that are not yet paid, and equals the
/// monthly amount times the months.
pub fn record_payment(state: &Ledger, command: &RecordPayment) -> Result<Vec<Event>, DomainError> {
    let found = sponsorship(state, &command.sponsorship_id)?;
    at_least_one("months covered", u64::from(command.months))?;
    positive("payment", command.amount)?;
    let covers = covered_months(found, command)?;
    let expected = found
        .monthly_amount
        .checked_mul(u64::from(command.months))
        .ok_or(DomainError::AmountOverflow {
            what: "the payment",
        })?;
    if command.amount != expected {
        return Err(DomainError::PaymentAmountMismatch {
            amount: command.amount,
            monthly_amount: found.monthly_amount,
            months: command.months,
            expected,
        });
    }
    if let Some(month) = found.first_paid_in(&covers) {
        return Err(DomainError::MonthAlreadyPaid {
            sponsorship_id: found.id.clone(),
            month,
        });
    }
    let change = found
        .segments
        .iter()
        .find(|segment| covers.first < segment.from && segment.from <= covers.last);
    if let Some(segment) = change {
        return Err(DomainError::PaymentSpansTransfer {
            sponsorship_id: found.id.clone(),
            month: segment.from,
        });
    }
    let pledge = format!("the pledge of sponsorship {}", found.id);
    not_before("payment", command.received_on, pledge, found.sponsored_on)?;
    let segment =
        found
            .segment_of(covers.first)
            .ok_or_else(|| DomainError::MonthOutsideSchedule {
                sponsorship_id: found.id.clone(),
                month: covers.first,
                first_month: found.schedule.first,
                last_month: found.schedule.last,
            })?;
    Ok(vec![Event::SponsorshipPaymentReceived(
        SponsorshipPaymentReceived {
            sponsorship_id: found.id.clone(),
            sponsor_id: segment.sponsor_id.clone(),
            amount: command.amount,
            first_month: covers.first,
            months: command.months,
            received_on: command.received_on,
        },
    )])
}

/// A reversal names a payment not already reversed; its months become unpaid.
pub fn reverse_payment(state: &Ledger, command: &Reverse) -> Result<Vec<Event>, DomainError> {
    text("reason", &command.reason, REASON_LENGTH_MAX)?;
    let not_found = DomainError::ReversedEventNotFound {
        event_id: command.event_id,
        expected: "SponsorshipPaymentReceived",
    };
    let Reversible::Payment {
        sponsorship,
        record,
    } = reversible(state, command.event_id, "SponsorshipPaymentReceived")?
    else {
        return Err(not_found);
    };
    let found = state.sponsorships().at(sponsorship);
    let found = found.and_then(|s| Some((s, s.payments.get(record as usize)?)));
    let Some((found, payment)) = found else {
        return Err(not_found);
    };
    not_reversed(command.event_id, payment.is_reversed())?;
    let original = format!("payment {}", command.event_id);
    not_before(
        "reversal",
        command.reversed_on,
        original,
        payment.received_on,
    )?;
    let sponsor_id = state
        .sponsors()
        .at(payment.sponsor)
        .map(|sponsor| sponsor.id.clone())
        .ok_or(not_found)?;
    Ok(vec![Event::SponsorshipPaymentReversed(
        SponsorshipPaymentReversed {
            sponsorship_id: found.id.clone(),
            sponsor_id,
            payment_event_id: command.event_id,
            amount: payment.amount,
            reason: command.reason.clone(),
            reversed_on: command.reversed_on,
        },
    )])
}

/// Fails if the sponsorship has ended.
fn not_ended(found: &Sponsorship) -> Result<(), DomainError> {
    if found.ended.is_some() {
        return Err(DomainError::SponsorshipAlreadyEnded {
            sponsorship_id: found.id.clone(),
            last_month: found.schedule.last,
        });
    }
    Ok(())
}

/// A transfer goes to another known sponsor, from a month after the current sponsor's
/// first and within the schedule, and never over months the current sponsor has paid.
pub fn transfer(state: &Ledger, command: &TransferSponsorship) -> Result<Vec<Event>, DomainError> {
    let found = sponsorship(state, &command.sponsorship_id)?;
    not_ended(found)?;
    let (to_index, _) = sponsor(state, &command.to_sponsor_id)?;
    let Some(current) = found.segments.last() else {
        return Err(DomainError::UnknownSponsorship {
            sponsorship_id: found.id.clone(),
        });
    };
    if current.sponsor == to_index {
        return Err(DomainError::TransferToSameSponsor {
            sponsorship_id: found.id.clone(),
            sponsor_id: command.to_sponsor_id.clone(),
        });
    }
    let earliest = current.from.next().unwrap_or(current.from);
    if command.from_month < earliest || command.from_month > found.schedule.last {
        return Err(DomainError::TransferMonthOutOfRange {
            sponsorship_id: found.id.clone(),
            month: command.from_month,
            earliest,
            last_month: found.schedule.last,
        });
    }
    let handed_over = Schedule::new(command.from_month, found.schedule.last);
    if let Some(month) = handed_over.and_then(|months| found.first_paid_in(&months)) {
        return Err(DomainError::TransferOverPaidMonth {
            sponsorship_id: found.id.clone(),
            month,
        });
    }
    let pledge = format!("the pledge of sponsorship {}", found.id);
    not_before(
        "transfer",
        command.transferred_on,
        pledge,
        found.sponsored_on,
    )?;
    Ok(vec![Event::SponsorshipTransferred(
        SponsorshipTransferred {
            sponsorship_id: found.id.clone(),
            from_sponsor_id: current.sponsor_id.clone(),
            to_sponsor_id: command.to_sponsor_id.clone(),
            from_month: command.from_month,
            transferred_on: command.transferred_on,
        },
    )])
}

/// An early end has a reason, falls inside the schedule, and keeps every paid month.
pub fn end(state: &Ledger, command: &SponsorshipEnded) -> Result<Vec<Event>, DomainError> {
    let found = sponsorship(state, &command.sponsorship_id)?;
    not_ended(found)?;
    text("reason", &command.reason, REASON_LENGTH_MAX)?;
    if !found.schedule.contains(command.last_month) {
        return Err(DomainError::EndMonthOutOfRange {
            sponsorship_id: found.id.clone(),
            month: command.last_month,
            first_month: found.schedule.first,
            last_month: found.schedule.last,
        });
    }
    let dropped = command
        .last_month
        .next()
        .and_then(|next| Schedule::new(next, found.schedule.last));
    if let Some(paid_month) = dropped.and_then(|months| found.first_paid_in(&months)) {
        return Err(DomainError::EndBeforePaidMonth {
            sponsorship_id: found.id.clone(),
            month: command.last_month,
            paid_month,
        });
    }
    let pledge = format!("the pledge of sponsorship {}", found.id);
    not_before("end", command.ended_on, pledge, found.sponsored_on)?;
    Ok(vec![Event::SponsorshipEnded(command.clone())])
}
