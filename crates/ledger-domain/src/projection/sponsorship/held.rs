//! One sponsorship as an answer reads it: as folded, or as a replay to a [`Horizon`] would
//! hold it (the schedule, the segments and the payments it sees), so that the per-row, per-
//! child, per-sponsor and per-unit answers have one form for both.

use chrono::NaiveDate;

use super::Obligation;
use crate::ledger::{split_by_segments, Horizon, Ledger, PaymentRecord, Sponsorship};
use crate::money::Dong;
use crate::month::YearMonth;
use crate::schedule::Schedule;

/// A sponsorship within a horizon, or as folded.
pub(super) struct Held<'a> {
    pub(super) record: &'a Sponsorship,
    /// The months owed.
    pub(super) schedule: Schedule,
    /// Who owes which months: (first month, sponsor index), at least one.
    pub(super) segments: Vec<(YearMonth, u32)>,
    /// Ended early.
    pub(super) ended: bool,
    /// The payments counted: `None` for every live one.
    within: Option<(&'a Ledger, Horizon)>,
}

impl<'a> Held<'a> {
    /// The sponsorship as folded (`horizon` `None`), or as a replay to the horizon holds it;
    /// `None` if that replay would not hold it.
    pub(super) fn of(
        ledger: &'a Ledger,
        record: &'a Sponsorship,
        horizon: Option<Horizon>,
    ) -> Option<Held<'a>> {
        let Some(horizon) = horizon else {
            return Some(Held {
                record,
                schedule: record.schedule,
                segments: record
                    .segments
                    .iter()
                    .map(|s| (s.from, s.sponsor))
                    .collect(),
                ended: record.ended.is_some(),
                within: None,
            });
        };
        if !ledger.sponsorship_within(record, horizon) {
            return None;
        }
        let known = |sponsor: u32| ledger.sponsor_registered_by(sponsor, horizon.as_of);
        Some(Held {
            record,
            schedule: record.schedule_as_of(horizon),
            segments: record.segments_as_of(horizon, known),
            ended: horizon.sees_correction(record.ended),
            within: Some((ledger, horizon)),
        })
    }

    /// The payments counted, not reversed.
    fn payments(&self) -> impl Iterator<Item = &'a PaymentRecord> + '_ {
        let within = self.within;
        self.record
            .payments
            .iter()
            .filter(move |payment| match within {
                None => !payment.is_reversed(),
                Some((ledger, horizon)) => {
                    payment.counts_within(horizon)
                        && ledger.sponsor_registered_by(payment.sponsor, horizon.as_of)
                }
            })
    }

    /// Paid for the months in `part`, or for all months if `None`.
    pub(super) fn paid_in(&self, part: Option<&Schedule>) -> Dong {
        if let (None, None) = (part, self.within) {
            return self.record.paid.live;
        }
        self.payments()
            .filter(|payment| part.is_none_or(|part| part.contains(payment.covers.first)))
            .fold(Dong::ZERO, |sum, payment| {
                sum.saturating_add(payment.amount)
            })
    }

    /// Each sponsor's months, in month order (empty parts left out).
    pub(super) fn parts(&self) -> impl Iterator<Item = (u32, Schedule)> + '_ {
        split_by_segments(&self.segments, |s| *s, self.schedule)
    }

    /// The sponsor owing the latest months.
    pub(super) fn current_sponsor(&self) -> Option<u32> {
        self.segments.last().map(|(_, sponsor)| *sponsor)
    }

    /// The monthly amount if `month` is scheduled.
    pub(super) fn monthly_in(&self, month: Option<YearMonth>) -> Dong {
        match month {
            Some(month) if self.schedule.contains(month) => self.record.monthly_amount,
            _ => Dong::ZERO,
        }
    }

    /// The whole obligation as of `on`.
    pub(super) fn obligation(&self, on: NaiveDate) -> Obligation {
        let paid = self.paid_in(None);
        Obligation::of(self.record.monthly_amount, Some(self.schedule), paid, on)
    }

    /// Each sponsor's share as of `on`: (sponsor index, months, obligation).
    pub(super) fn shares(&self, on: NaiveDate) -> Vec<(u32, Schedule, Obligation)> {
        self.parts()
            .map(|(sponsor, part)| {
                let paid = self.paid_in(Some(&part));
                let amount = self.record.monthly_amount;
                (sponsor, part, Obligation::of(amount, Some(part), paid, on))
            })
            .collect()
    }
}
