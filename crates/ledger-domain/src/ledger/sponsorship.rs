//! Children, sponsors and sponsorships: the schedule, who owes which month, payments.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::pledges::Touched;
use super::{Horizon, Ledger, Reversible, Stamp, UnitId};
use crate::event::{
    ChildRegistered, ChildSponsored, SponsorKind, SponsorRegistered, SponsorshipEnded,
    SponsorshipPaymentReceived, SponsorshipPaymentReversed, SponsorshipTransferred,
};
use crate::id::Id;
use crate::money::Dong;
use crate::month::YearMonth;
use crate::schedule::Schedule;

/// A registered child (pseudonymous).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Child {
    /// Pseudonymous id.
    pub id: Id,
    /// Birth date.
    pub birth_date: NaiveDate,
    /// Unit as valid on the registration date.
    pub unit: Option<UnitId>,
    /// Circumstance category.
    pub circumstance: Id,
    /// Registration date.
    pub registered_on: NaiveDate,
    /// Sponsorships of this child (indexes).
    pub sponsorships: Vec<u32>,
}

/// A sponsoring organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sponsor {
    /// Caller-chosen id.
    pub id: Id,
    /// Organisation name.
    pub name: String,
    /// Its kind.
    pub kind: SponsorKind,
    /// Registration date.
    pub registered_on: NaiveDate,
}

/// From `from` on (until the next segment), `sponsor` owes the months.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// First month of this sponsor.
    pub from: YearMonth,
    /// Sponsor index.
    pub sponsor: u32,
    /// Sponsor id.
    pub sponsor_id: Id,
}

/// One payment, kept for the paid months and for reversals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentRecord {
    /// The `SponsorshipPaymentReceived` event id.
    pub event_id: Uuid,
    /// Sponsor index.
    pub sponsor: u32,
    /// Months covered.
    pub covers: Schedule,
    /// Amount.
    pub amount: Dong,
    /// Date received.
    pub received_on: NaiveDate,
    /// The log position of the payment.
    pub position: u64,
    /// The reversal's date and log position, once reversed (an `as_of` or a position before it
    /// still counts the payment).
    pub reversed: Option<Stamp>,
}

impl PaymentRecord {
    /// True if reversed.
    pub fn is_reversed(&self) -> bool {
        self.reversed.is_some()
    }

    /// Received by `as_of` and not reversed by then.
    pub fn counts_as_of(&self, as_of: NaiveDate) -> bool {
        self.received_on <= as_of && self.reversed.is_none_or(|reversal| reversal.on > as_of)
    }

    /// Seen by `horizon` and its reversal, if any, not.
    pub fn counts_within(&self, horizon: Horizon) -> bool {
        horizon.sees(self.received_on, self.position) && !horizon.sees_correction(self.reversed)
    }
}

/// A pledge for one child.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sponsorship {
    /// Caller-chosen id.
    pub id: Id,
    /// Programme index.
    pub programme: u32,
    /// Child index.
    pub child: u32,
    /// Amount per month.
    pub monthly_amount: Dong,
    /// The months owed (truncated by an early end).
    pub schedule: Schedule,
    /// The last month as pledged, before any early end.
    pub pledged_last: YearMonth,
    /// A fixed number of months, or `None` for until 18.
    pub fixed_months: Option<u32>,
    /// Pledge date.
    pub sponsored_on: NaiveDate,
    /// The log position of the pledge.
    pub position: u64,
    /// When it ended early, and the end's log position.
    pub ended: Option<Stamp>,
    /// Who owes which months, by first month (at least one).
    pub segments: Vec<Segment>,
    /// The sponsor who pledged: the first segment's, before any transfer.
    pub pledged_sponsor: u32,
    /// Every transfer in log order, (date and log position, first month, sponsor index), so
    /// that an `as_of` or a position before a transfer reads the segments known then
    /// ([`Sponsorship::segments_as_of`]).
    pub transfers: Vec<(Stamp, YearMonth, u32)>,
    /// Every payment.
    pub payments: Vec<PaymentRecord>,
    /// Running sums of the payments, so dashboards need not walk them per request.
    pub paid: PaidSums,
}

/// Calendar years a schedule can touch: 216 months from a first month in any calendar month.
const SCHEDULE_YEARS: usize = 20;

/// Sums over a sponsorship's payments, kept as payments and reversals are applied.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaidSums {
    /// Amount of the payments not reversed.
    pub live: Dong,
    /// The latest `received_on` of any payment, reversed or not: when a query date is on or
    /// after it, every live payment was received by then and `live` answers without a walk.
    pub last_received_on: Option<NaiveDate>,
    /// The schedule's first year: `months_by_year[0]` counts it.
    first_year: i32,
    /// Months covered by the payments not reversed, per calendar year of the schedule. Held
    /// inline rather than in a map: the totals read it for every sponsorship per request,
    /// and a pointer to chase per sponsorship made that read the slowest part.
    months_by_year: [u16; SCHEDULE_YEARS],
    /// Amount of the payments not reversed by the calendar year they were received in, from
    /// the year before the schedule's first (`None` once a receipt fell outside those years):
    /// the annual report of a past year asks what was paid by its 31 December, for every
    /// sponsorship, and a walk of the payments made that the bulk of the report's time.
    received_by_year: Option<[i64; RECEIPT_YEARS]>,
}

/// Calendar years of receipts kept per sponsorship: the year before the schedule and its 20.
const RECEIPT_YEARS: usize = SCHEDULE_YEARS + 1;

impl PaidSums {
    fn new(first_year: i32) -> PaidSums {
        PaidSums {
            first_year,
            received_by_year: Some([0; RECEIPT_YEARS]),
            ..PaidSums::default()
        }
    }

    /// Paid (not reversed) by the end of `year`, from the sums by year of receipt, if kept.
    pub fn received_by_end_of(&self, year: i32) -> Option<i64> {
        let by_year = self.received_by_year.as_ref()?;
        let last = year.checked_sub(self.first_year - 1)?;
        let through = usize::try_from(last.saturating_add(1)).unwrap_or(0);
        Some(
            by_year
                .iter()
                .take(through)
                .fold(0i64, |sum, amount| sum.saturating_add(*amount)),
        )
    }

    fn count_receipt(&mut self, payment: &PaymentRecord, sign: Sign) {
        let at = payment
            .received_on
            .year()
            .checked_sub(self.first_year - 1)
            .and_then(|offset| usize::try_from(offset).ok());
        let amount = i64::try_from(payment.amount.units()).ok();
        let kept = self.received_by_year.as_mut().and_then(|by_year| {
            let slot = by_year.get_mut(at?)?;
            *slot = match sign {
                Sign::Add => slot.checked_add(amount?)?,
                Sign::Remove => slot.checked_sub(amount?)?,
            };
            Some(())
        });
        if kept.is_none() {
            self.received_by_year = None;
        }
    }

    fn count(&mut self, payment: &PaymentRecord, sign: Sign) {
        self.count_receipt(payment, sign);
        self.live = match sign {
            Sign::Add => self.live.saturating_add(payment.amount),
            Sign::Remove => self.live.saturating_sub(payment.amount),
        };
        for year in payment.covers.first.year()..=payment.covers.last.year() {
            let months = u16::try_from(payment.covers.months_in_year(year)).unwrap_or(0);
            if let Some(count) = self.slot(year) {
                *count = match sign {
                    Sign::Add => count.saturating_add(months),
                    Sign::Remove => count.saturating_sub(months),
                };
            }
        }
    }

    fn slot(&mut self, year: i32) -> Option<&mut u16> {
        let at = usize::try_from(year.checked_sub(self.first_year)?).ok()?;
        self.months_by_year.get_mut(at)
    }

    /// Months paid in calendar `year`, if it is one of the first 20 years of the schedule
    /// (every schedule's years, since none runs past 18).
    pub fn months_in_year(&self, year: i32) -> Option<u32> {
        let at = usize::try_from(year.checked_sub(self.first_year)?).ok()?;
        self.months_by_year.get(at).map(|months| u32::from(*months))
    }
}

/// Each sponsor's part of `schedule`, in month order (empty parts left out), from segments in
/// month order given as (first month, sponsor): a segment runs to the month before the next
/// one's first, the last one to the end of `schedule`. One rule for the full records and the
/// packed copies ([`super::pledges`]), so both split the months alike.
pub(crate) fn split_by_segments<T>(
    segments: &[T],
    first_and_sponsor: fn(&T) -> (YearMonth, u32),
    schedule: Schedule,
) -> impl Iterator<Item = (u32, Schedule)> + '_ {
    let at = move |index: usize| segments.get(index).map(first_and_sponsor);
    (0..segments.len()).filter_map(move |index| {
        let (from, sponsor) = at(index)?;
        let end = match at(index + 1) {
            Some((next, _)) => next.previous()?,
            None => schedule.last,
        };
        Schedule::new(from, end)?
            .intersect(&schedule)
            .map(|part| (sponsor, part))
    })
}

/// The schedule in force on `as_of`: `schedule` (truncated by an early end on `ended_on`)
/// once the end is dated by then, else the one pledged, to `pledged_last`.
pub(crate) fn schedule_in_force(
    schedule: Schedule,
    pledged_last: YearMonth,
    ended_on: Option<NaiveDate>,
    as_of: NaiveDate,
) -> Schedule {
    match ended_on {
        Some(ended_on) if ended_on > as_of => {
            Schedule::new(schedule.first, pledged_last).unwrap_or(schedule)
        }
        _ => schedule,
    }
}

/// Whether a record is being counted in or taken out of running sums.
#[derive(Clone, Copy)]
pub(super) enum Sign {
    Add,
    Remove,
}

impl Sponsorship {
    /// The sponsor owing the latest months.
    pub fn current_sponsor(&self) -> Option<u32> {
        self.segments.last().map(|segment| segment.sponsor)
    }

    /// The segment owing `month` (if it is scheduled).
    pub fn segment_of(&self, month: YearMonth) -> Option<&Segment> {
        if !self.schedule.contains(month) {
            return None;
        }
        self.segments
            .iter()
            .rev()
            .find(|segment| segment.from <= month)
    }

    /// Each sponsor's part of the schedule, in month order (empty parts left out).
    pub fn parts(&self) -> impl Iterator<Item = (u32, Schedule)> + '_ {
        split_by_segments(&self.segments, |s| (s.from, s.sponsor), self.schedule)
    }

    /// The schedule in force within the horizon: an early end it does not see is not applied.
    pub fn schedule_as_of(&self, as_of: impl Into<Horizon>) -> Schedule {
        let horizon = as_of.into();
        let unseen_end = self.ended.is_some() && !horizon.sees_correction(self.ended);
        match unseen_end {
            true => Schedule::new(self.schedule.first, self.pledged_last).unwrap_or(self.schedule),
            false => self.schedule,
        }
    }

    /// The segments (first month, sponsor index) as the transfers the horizon sees left them,
    /// folded as [`Ledger::apply`] folds them; `known` says whether a sponsor was registered by
    /// its `as_of` (a replay skips a transfer to a sponsor it has not folded).
    pub fn segments_as_of(
        &self,
        as_of: impl Into<Horizon>,
        known: impl Fn(u32) -> bool,
    ) -> Vec<(YearMonth, u32)> {
        let horizon = as_of.into();
        let mut segments = vec![(self.schedule.first, self.pledged_sponsor)];
        for &(stamp, from, sponsor) in &self.transfers {
            if horizon.sees_stamp(stamp) && known(sponsor) {
                segments.retain(|(first, _)| *first < from);
                segments.push((from, sponsor));
            }
        }
        segments
    }

    /// Payments not reversed.
    pub fn live_payments(&self) -> impl Iterator<Item = &PaymentRecord> {
        self.payments
            .iter()
            .filter(|payment| !payment.is_reversed())
    }

    /// The first paid month within `range`, if any.
    pub fn first_paid_in(&self, range: &Schedule) -> Option<YearMonth> {
        self.live_payments()
            .filter_map(|payment| payment.covers.intersect(range))
            .map(|overlap| overlap.first)
            .min()
    }

    /// The last paid month, if any.
    pub fn last_paid_month(&self) -> Option<YearMonth> {
        self.live_payments()
            .map(|payment| payment.covers.last)
            .max()
    }
}

impl Ledger {
    pub(super) fn apply_child_registered(&mut self, event: &ChildRegistered) -> bool {
        let child = Child {
            id: event.child_id.clone(),
            birth_date: event.birth_date,
            unit: self
                .units
                .resolve(event.unit_code.as_str(), event.registered_on),
            circumstance: event.circumstance.clone(),
            registered_on: event.registered_on,
            sponsorships: Vec::new(),
        };
        self.children.insert(&event.child_id, child).is_some()
    }

    pub(super) fn apply_sponsor_registered(&mut self, event: &SponsorRegistered) -> bool {
        let sponsor = Sponsor {
            id: event.sponsor_id.clone(),
            name: event.name.clone(),
            kind: event.sponsor_kind,
            registered_on: event.registered_on,
        };
        self.sponsors.insert(&event.sponsor_id, sponsor).is_some()
    }

    pub(super) fn apply_child_sponsored(&mut self, event: &ChildSponsored) -> bool {
        let programme = self.programmes.index_of(event.programme_id.as_str());
        let child = self.children.index_of(event.child_id.as_str());
        let sponsor = self.sponsors.index_of(event.sponsor_id.as_str());
        let schedule = Schedule::new(event.first_month, event.last_month);
        let (Some(programme), Some(child), Some(sponsor), Some(schedule)) =
            (programme, child, sponsor, schedule)
        else {
            return false;
        };
        let sponsorship = Sponsorship {
            id: event.sponsorship_id.clone(),
            programme,
            child,
            monthly_amount: event.monthly_amount,
            schedule,
            pledged_last: event.last_month,
            fixed_months: event.fixed_months,
            sponsored_on: event.sponsored_on,
            position: self.last_position,
            ended: None,
            segments: vec![Segment {
                from: event.first_month,
                sponsor,
                sponsor_id: event.sponsor_id.clone(),
            }],
            pledged_sponsor: sponsor,
            transfers: Vec::new(),
            payments: Vec::new(),
            paid: PaidSums::new(schedule.first.year()),
        };
        let Some(index) = self.sponsorships.insert(&event.sponsorship_id, sponsorship) else {
            return false;
        };
        if let Some(child) = self.children.at_mut(child) {
            child.sponsorships.push(index);
        }
        self.recount_sponsorship(index, Touched::All);
        self.count_pledged_amount(index);
        true
    }

    pub(super) fn apply_payment_received(
        &mut self,
        event: &SponsorshipPaymentReceived,
        event_id: Uuid,
    ) -> bool {
        let sponsor = self.sponsors.index_of(event.sponsor_id.as_str());
        let index = self.sponsorships.index_of(event.sponsorship_id.as_str());
        let last = event.first_month.plus(i64::from(event.months) - 1);
        let covers = last.and_then(|last| Schedule::new(event.first_month, last));
        let (Some(sponsor), Some(index), Some(covers)) = (sponsor, index, covers) else {
            return false;
        };
        let Some(record) = self.sponsorships.at(index).map(|s| s.payments.len()) else {
            return false;
        };
        let Ok(record) = u32::try_from(record) else {
            return false;
        };
        let touched = Touched::Years(covers.first.year(), covers.last.year());
        self.uncount_sponsorship(index, touched);
        let Some(sponsorship) = self.sponsorships.at_mut(index) else {
            return false;
        };
        let payment = PaymentRecord {
            event_id,
            sponsor,
            covers,
            amount: event.amount,
            received_on: event.received_on,
            position: self.last_position,
            reversed: None,
        };
        sponsorship.paid.count(&payment, Sign::Add);
        sponsorship.paid.last_received_on = sponsorship
            .paid
            .last_received_on
            .max(Some(payment.received_on));
        sponsorship.payments.push(payment);
        self.recount_sponsorship(index, touched);
        self.reversible.insert(
            event_id,
            Reversible::Payment {
                sponsorship: index,
                record,
            },
        );
        true
    }

    pub(super) fn apply_payment_reversed(&mut self, event: &SponsorshipPaymentReversed) -> bool {
        let stamp = self.stamp(event.reversed_on);
        let Some(Reversible::Payment {
            sponsorship,
            record,
        }) = self.reversible(&event.payment_event_id)
        else {
            return false;
        };
        let index = sponsorship;
        let covers = self
            .sponsorships
            .at(index)
            .and_then(|s| s.payments.get(record as usize))
            .filter(|payment| !payment.is_reversed())
            .map(|payment| payment.covers);
        let Some(covers) = covers else {
            return false;
        };
        let touched = Touched::Years(covers.first.year(), covers.last.year());
        self.uncount_sponsorship(index, touched);
        if let Some(sponsorship) = self.sponsorships.at_mut(index) {
            if let Some(payment) = sponsorship.payments.get_mut(record as usize) {
                payment.reversed = Some(stamp);
                let payment = payment.clone();
                sponsorship.paid.count(&payment, Sign::Remove);
            }
        }
        self.recount_sponsorship(index, touched);
        true
    }

    pub(super) fn apply_transferred(&mut self, event: &SponsorshipTransferred) -> bool {
        let sponsor = self.sponsors.index_of(event.to_sponsor_id.as_str());
        let index = self.sponsorships.index_of(event.sponsorship_id.as_str());
        let (Some(sponsor), Some(index)) = (sponsor, index) else {
            return false;
        };
        let stamp = self.stamp(event.transferred_on);
        let Some(sponsorship) = self.sponsorships.at_mut(index) else {
            return false;
        };
        sponsorship
            .transfers
            .push((stamp, event.from_month, sponsor));
        sponsorship
            .segments
            .retain(|segment| segment.from < event.from_month);
        sponsorship.segments.push(Segment {
            from: event.from_month,
            sponsor,
            sponsor_id: event.to_sponsor_id.clone(),
        });
        // Who owes a month, not whether it is paid: only the pledge's sole sponsor changes.
        self.recount_sponsorship(index, Touched::Nothing);
        true
    }

    pub(super) fn apply_ended(&mut self, event: &SponsorshipEnded) -> bool {
        let stamp = self.stamp(event.ended_on);
        let Some(index) = self.sponsorships.index_of(event.sponsorship_id.as_str()) else {
            return false;
        };
        let first = self.sponsorships.at(index).map(|s| s.schedule.first);
        let Some(schedule) = first.and_then(|first| Schedule::new(first, event.last_month)) else {
            return false;
        };
        self.uncount_sponsorship(index, Touched::All);
        if let Some(sponsorship) = self.sponsorships.at_mut(index) {
            sponsorship.schedule = schedule;
            sponsorship.ended = Some(stamp);
        }
        self.recount_sponsorship(index, Touched::All);
        true
    }
}
