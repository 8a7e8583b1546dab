//! Sponsorship obligations per sponsorship, per child, per sponsor and per programme.
//!
//! For a query date `on`, with A the monthly amount:
//! - `obligation` = A × scheduled months (to the month before the 18th birthday, a fixed
//!   end, or an early end);
//! - `due` = A × months whose installment fell due by `on` (due on the 1st of the month);
//! - `paid` = payments not reversed;
//! - `arrears` = max(due − paid, 0); `prepaid` = max(paid − due, 0);
//! - `remaining` = obligation − paid: what is still to be paid overall;
//! - `future_liability` = obligation − max(due, paid): installments falling due after
//!   `on` that are not prepaid. So remaining = arrears + future_liability.
//!
//! After a transfer each sponsor owes its own months; payments belong to the sponsor
//! whose months they cover.

mod held;
mod parties;
mod totals;

use held::Held;

pub use parties::{
    by_child, by_child_within, by_sponsor, by_sponsor_within, by_unit, by_unit_within,
    ChildObligation, SponsorObligation, UnitObligation,
};
pub use totals::{
    by_programme, by_programme_within, totals, totals_as_of, totals_within, turning_18_as_known,
    turning_18_within, MonthlyAmountCount, SponsorshipTotals, TurningEighteen, YearForecast,
};

use chrono::NaiveDate;
use serde::Serialize;

use crate::id::Id;
use crate::ledger::{Horizon, Ledger};
use crate::money::Dong;
use crate::month::YearMonth;
use crate::schedule::{DueThrough, Schedule};

/// The money of an obligation as of a date (see the module docs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Obligation {
    /// Installments scheduled.
    pub months: u64,
    /// Installments due by the query date.
    pub months_due: u64,
    /// A × months.
    pub obligation: Dong,
    /// Due by the query date.
    pub due: Dong,
    /// Paid (not reversed).
    pub paid: Dong,
    /// max(due − paid, 0).
    pub arrears: Dong,
    /// max(paid − due, 0).
    pub prepaid: Dong,
    /// obligation − paid.
    pub remaining: Dong,
    /// obligation − max(due, paid).
    pub future_liability: Dong,
}

impl Obligation {
    /// The obligation of `monthly` over `schedule` with `paid` received, as of `on`.
    pub fn of(monthly: Dong, schedule: Option<Schedule>, paid: Dong, on: NaiveDate) -> Obligation {
        ObligationSum::of(monthly, schedule, paid, on).total()
    }

    /// Adds `other` (sums each figure; arrears stay per-obligation, never netted).
    pub fn add(&mut self, other: &Obligation) {
        self.months += other.months;
        self.months_due += other.months_due;
        for (mine, theirs) in [
            (&mut self.obligation, other.obligation),
            (&mut self.due, other.due),
            (&mut self.paid, other.paid),
            (&mut self.arrears, other.arrears),
            (&mut self.prepaid, other.prepaid),
            (&mut self.remaining, other.remaining),
            (&mut self.future_liability, other.future_liability),
        ] {
            *mine = mine.saturating_add(theirs);
        }
    }
}

/// An [`Obligation`] summed in whole dong, so totals over every sponsorship do not build and
/// check a `Dong` per figure per sponsorship. Each sponsorship's figures are capped at
/// [`Dong::MAX`] as `Obligation::of` caps them, and the sum is capped once at the end, which
/// gives the same result as capping after every addition (all figures are non-negative).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ObligationSum {
    months: u64,
    months_due: u64,
    /// obligation, due, paid, arrears, prepaid, remaining, future liability.
    figures: [i128; 7],
}

impl ObligationSum {
    pub(crate) fn of(
        monthly: Dong,
        schedule: Option<Schedule>,
        paid: Dong,
        on: NaiveDate,
    ) -> ObligationSum {
        ObligationSum::of_units(monthly.units(), schedule, paid.units(), DueThrough::of(on))
    }

    /// [`ObligationSum::of`] in whole dong, with the due months worked out once per query.
    pub(crate) fn of_units(
        monthly: i128,
        schedule: Option<Schedule>,
        paid: i128,
        through: DueThrough,
    ) -> ObligationSum {
        let max = Dong::MAX.units();
        let months = schedule.map_or(0, |s| s.months());
        let months_due = schedule.map_or(0, |s| s.months_due(through));
        let obligation = (monthly * i128::from(months)).min(max);
        let due = (monthly * i128::from(months_due)).min(max);
        ObligationSum {
            months: u64::from(months),
            months_due: u64::from(months_due),
            figures: [
                obligation,
                due,
                paid,
                (due - paid).max(0),
                (paid - due).max(0),
                (obligation - paid).max(0),
                (obligation - due.max(paid)).max(0),
            ],
        }
    }

    pub(crate) fn add(&mut self, other: &ObligationSum) {
        self.months += other.months;
        self.months_due += other.months_due;
        for (mine, theirs) in self.figures.iter_mut().zip(other.figures) {
            *mine += theirs;
        }
    }

    pub(crate) fn total(&self) -> Obligation {
        let [obligation, due, paid, arrears, prepaid, remaining, future_liability] = self
            .figures
            .map(|units| Dong::from_units(units).unwrap_or(Dong::MAX));
        Obligation {
            months: self.months,
            months_due: self.months_due,
            obligation,
            due,
            paid,
            arrears,
            prepaid,
            remaining,
            future_liability,
        }
    }
}

/// Distinct indexes (children, sponsors) seen among many sponsorships: a flat vector, because
/// the totals and the annual report visit every sponsorship per request and tree sets made
/// them the costliest dashboard queries.
pub(crate) struct Seen(Vec<bool>);

impl Seen {
    pub(crate) fn new(len: usize) -> Seen {
        Seen(vec![false; len])
    }

    pub(crate) fn mark(&mut self, index: u32) {
        if let Some(slot) = self.0.get_mut(index as usize) {
            *slot = true;
        }
    }

    pub(crate) fn count(&self) -> u64 {
        self.0.iter().filter(|seen| **seen).count() as u64
    }
}

/// One sponsor's months of a sponsorship.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SponsorPart {
    /// The sponsor.
    pub sponsor_id: Id,
    /// First month owed by it.
    pub first_month: YearMonth,
    /// Last month owed by it.
    pub last_month: YearMonth,
}

/// One sponsorship's schedule and money as of a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SponsorshipSummary {
    /// The sponsorship.
    pub sponsorship_id: Id,
    /// Its programme.
    pub programme_id: Id,
    /// The child (pseudonymous).
    pub child_id: Id,
    /// The sponsor owing the latest months.
    pub sponsor_id: Id,
    /// Every sponsor's months, in order.
    pub sponsors: Vec<SponsorPart>,
    /// A per month.
    pub monthly_amount: Dong,
    /// First month owed.
    pub first_month: YearMonth,
    /// Last month owed.
    pub last_month: YearMonth,
    /// True if it runs until 18 (no fixed number of months).
    pub until_18: bool,
    /// True if ended early.
    pub ended: bool,
    /// The money.
    #[serde(flatten)]
    pub obligation: Obligation,
}

/// The summary of one sponsorship as of `on`, as held (see [`Held`]).
fn summary_of(ledger: &Ledger, held: &Held, on: NaiveDate) -> Option<SponsorshipSummary> {
    let sponsorship = held.record;
    let programme = ledger.programmes().at(sponsorship.programme)?;
    let child = ledger.children().at(sponsorship.child)?;
    let current = ledger.sponsors().at(held.current_sponsor()?)?;
    let sponsors = held
        .parts()
        .filter_map(|(sponsor, part)| {
            Some(SponsorPart {
                sponsor_id: ledger.sponsors().at(sponsor)?.id.clone(),
                first_month: part.first,
                last_month: part.last,
            })
        })
        .collect();
    Some(SponsorshipSummary {
        sponsorship_id: sponsorship.id.clone(),
        programme_id: programme.id.clone(),
        child_id: child.id.clone(),
        sponsor_id: current.id.clone(),
        sponsors,
        monthly_amount: sponsorship.monthly_amount,
        first_month: held.schedule.first,
        last_month: held.schedule.last,
        until_18: sponsorship.fixed_months.is_none(),
        ended: held.ended,
        obligation: held.obligation(on),
    })
}

/// Every sponsorship as of `on`, in pledge order.
pub fn sponsorships(ledger: &Ledger, on: NaiveDate) -> Vec<SponsorshipSummary> {
    rows(ledger, on, None)
}

/// [`sponsorships`] on `on` of the ledger replayed to a horizon (a past `as_of`, a past
/// position or both), from the live ledger.
pub fn sponsorships_within(
    ledger: &Ledger,
    on: NaiveDate,
    horizon: Horizon,
) -> Vec<SponsorshipSummary> {
    rows(ledger, on, Some(horizon))
}

fn rows(ledger: &Ledger, on: NaiveDate, horizon: Option<Horizon>) -> Vec<SponsorshipSummary> {
    ledger
        .sponsorships()
        .iter()
        .filter_map(|(_, sponsorship)| Held::of(ledger, sponsorship, horizon))
        .filter_map(|held| summary_of(ledger, &held, on))
        .collect()
}

/// Sponsorships in arrears on `on`.
pub fn in_arrears(ledger: &Ledger, on: NaiveDate) -> Vec<SponsorshipSummary> {
    in_arrears_of(ledger, on, None)
}

/// [`in_arrears`] on `on` of the ledger replayed to a horizon, from the live ledger.
pub fn in_arrears_within(
    ledger: &Ledger,
    on: NaiveDate,
    horizon: Horizon,
) -> Vec<SponsorshipSummary> {
    in_arrears_of(ledger, on, Some(horizon))
}

fn in_arrears_of(
    ledger: &Ledger,
    on: NaiveDate,
    horizon: Option<Horizon>,
) -> Vec<SponsorshipSummary> {
    let mut rows = rows(ledger, on, horizon);
    rows.retain(|row| !row.obligation.arrears.is_zero());
    rows
}
