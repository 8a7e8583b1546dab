//! Sponsorship totals: per programme and overall (children, sponsors, monthly
//! commitment, obligation), the cash-flow forecast by year, and children turning 18.

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};
use serde::Serialize;

use super::{Obligation, ObligationSum, Seen};
use crate::id::Id;
use crate::ledger::{split_by_segments, whole_dong, Horizon, Ledger, PledgeSponsors, Sponsorship};
use crate::money::Dong;
use crate::month::YearMonth;
use crate::schedule::{turns_18_on, DueThrough, Schedule};

/// How many sponsorships pledge a given monthly amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthlyAmountCount {
    /// The monthly amount.
    pub monthly_amount: Dong,
    /// Sponsorships pledging it.
    pub sponsorships: u64,
}

/// Unpaid installments falling due in one calendar year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearForecast {
    /// The year.
    pub year: i32,
    /// Unpaid installments due in it.
    pub installments: u64,
    /// Their amount.
    pub amount: Dong,
}

/// Totals over a set of sponsorships as of a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SponsorshipTotals {
    /// The programme, or `None` for all.
    pub programme_id: Option<Id>,
    /// Distinct children.
    pub children: u64,
    /// Distinct sponsors owing at least one month.
    pub sponsors: u64,
    /// Sponsorships.
    pub sponsorships: u64,
    /// Of which until 18.
    pub until_18: u64,
    /// Monthly amounts pledged, most common first.
    pub monthly_amounts: Vec<MonthlyAmountCount>,
    /// Sum of monthly amounts owed for the query date's month.
    pub monthly_commitment: Dong,
    /// The money.
    #[serde(flatten)]
    pub obligation: Obligation,
    /// Unpaid installments by the year they fall due (past years: arrears).
    pub forecast_by_year: Vec<YearForecast>,
}

/// What the totals add up sponsorship by sponsorship, finished into [`SponsorshipTotals`].
struct Tally {
    month: Option<YearMonth>,
    through: DueThrough,
    children: Seen,
    sponsors: Seen,
    obligation: ObligationSum,
    commitment: i128,
    counted: u64,
    until_18: u64,
}

impl Tally {
    fn new(ledger: &Ledger, on: NaiveDate) -> Tally {
        Tally {
            month: YearMonth::of(on),
            through: DueThrough::of(on),
            children: Seen::new(ledger.children().len()),
            sponsors: Seen::new(ledger.sponsors().len()),
            obligation: ObligationSum::default(),
            commitment: 0,
            counted: 0,
            until_18: 0,
        }
    }

    /// One sponsorship (its sponsors are marked by the caller): child index, until 18 or not,
    /// monthly amount and paid in whole dong, schedule.
    fn add(&mut self, child: u32, until_18: bool, monthly: i64, paid: i128, schedule: Schedule) {
        self.counted += 1;
        self.until_18 += u64::from(until_18);
        self.children.mark(child);
        let monthly = i128::from(monthly);
        if self.month.is_some_and(|month| schedule.contains(month)) {
            self.commitment += monthly;
        }
        self.obligation.add(&ObligationSum::of_units(
            monthly,
            Some(schedule),
            paid,
            self.through,
        ));
    }

    /// The totals, given the sponsorships per monthly amount and the unpaid installments and
    /// their amount by year (years in order).
    fn finish(
        self,
        programme_id: Option<Id>,
        amounts: impl Iterator<Item = (i64, u64)>,
        unpaid_by_year: impl Iterator<Item = (i32, u64, i128)>,
    ) -> SponsorshipTotals {
        let mut monthly_amounts: Vec<MonthlyAmountCount> = amounts
            .map(|(amount, sponsorships)| MonthlyAmountCount {
                monthly_amount: dong(i128::from(amount)),
                sponsorships,
            })
            .collect();
        monthly_amounts.sort_by(|a, b| {
            b.sponsorships
                .cmp(&a.sponsorships)
                .then(a.monthly_amount.cmp(&b.monthly_amount))
        });
        let forecast_by_year = unpaid_by_year
            .map(|(year, installments, amount)| YearForecast {
                year,
                installments,
                amount: dong(amount),
            })
            .collect();
        SponsorshipTotals {
            programme_id,
            children: self.children.count(),
            sponsors: self.sponsors.count(),
            sponsorships: self.counted,
            until_18: self.until_18,
            monthly_amounts,
            monthly_commitment: dong(self.commitment),
            obligation: self.obligation.total(),
            forecast_by_year,
        }
    }
}

/// Totals over every sponsorship (`programme` `None`) or one programme's, as of `on`. Reads
/// the packed pledges and the date-independent sums the ledger keeps (`Ledger::pledges`):
/// per request, only what depends on `on` is worked out per sponsorship.
fn totals_of(ledger: &Ledger, programme: Option<(u32, &Id)>, on: NaiveDate) -> SponsorshipTotals {
    let only = programme.map(|(index, _)| index);
    let mut tally = Tally::new(ledger, on);
    for pledge in ledger.pledges() {
        if only.is_some_and(|only| pledge.programme != only) {
            continue;
        }
        match pledge.sponsors {
            PledgeSponsors::Sole(sponsor) => tally.sponsors.mark(sponsor),
            PledgeSponsors::Shared(run) => ledger
                .shared_parts(run, pledge.schedule)
                .for_each(|(sponsor, _)| tally.sponsors.mark(sponsor)),
        }
        let paid = i128::from(pledge.paid);
        tally.add(
            pledge.child,
            pledge.until_18,
            pledge.monthly,
            paid,
            pledge.schedule,
        );
    }
    let sums = ledger.pledge_sums(only);
    tally.finish(
        programme.map(|(_, id)| id.clone()),
        sums.into_iter().flat_map(|sums| sums.monthly_amounts()),
        sums.into_iter().flat_map(|sums| sums.unpaid_by_year()),
    )
}

/// [`totals`] of the ledger replayed `as_of` a past date, worked out from the live ledger.
///
/// Per sponsorship that a replay would hold ([`Ledger::sponsorship_occurred_by`]): the
/// schedule in force then (an early end counts from its date), the segments the transfers
/// made by then had left, and the payments received by then from sponsors registered by
/// then and not reversed by then. The kept sums answer only the whole log, so this walks
/// every sponsorship's payments: milliseconds, not the seconds of a replay.
pub fn totals_as_of(ledger: &Ledger, as_of: NaiveDate) -> SponsorshipTotals {
    totals_within(ledger, as_of, as_of.into())
}

/// [`totals`] on `on` of the ledger replayed to a horizon (a past `as_of`, a past position or
/// both), worked out from the live ledger as [`totals_as_of`] describes.
pub fn totals_within(ledger: &Ledger, on: NaiveDate, horizon: Horizon) -> SponsorshipTotals {
    totals_within_of(ledger, None, on, horizon)
}

/// [`by_programme`] on `on` of the ledger replayed to a horizon, worked out from the live
/// ledger as [`totals_as_of`] describes.
pub fn by_programme_within(
    ledger: &Ledger,
    on: NaiveDate,
    horizon: Horizon,
) -> Vec<SponsorshipTotals> {
    let mut pledged = vec![false; ledger.programmes().len()];
    let sponsorships = ledger.sponsorships().iter().map(|(_, s)| s);
    for sponsorship in sponsorships.filter(|s| ledger.sponsorship_within(s, horizon)) {
        if let Some(slot) = pledged.get_mut(sponsorship.programme as usize) {
            *slot = true;
        }
    }
    ledger
        .programmes()
        .iter()
        .filter(|(index, _)| pledged.get(*index as usize).is_some_and(|p| *p))
        .map(|(index, programme)| {
            totals_within_of(ledger, Some((index, &programme.id)), on, horizon)
        })
        .collect()
}

/// [`totals_within`] over the sponsorships of one programme, or of all.
fn totals_within_of(
    ledger: &Ledger,
    programme: Option<(u32, &Id)>,
    on: NaiveDate,
    horizon: Horizon,
) -> SponsorshipTotals {
    let mut tally = Tally::new(ledger, on);
    let mut amounts: BTreeMap<i64, u64> = BTreeMap::new();
    let mut unpaid: BTreeMap<i32, (u64, i128)> = BTreeMap::new();
    let known = |sponsor: u32| ledger.sponsor_registered_by(sponsor, horizon.as_of);
    let sponsorships = ledger.sponsorships().iter().map(|(_, s)| s);
    let wanted = |s: &Sponsorship| programme.is_none_or(|(index, _)| s.programme == index);
    for sponsorship in sponsorships.filter(|s| wanted(s) && ledger.sponsorship_within(s, horizon)) {
        let schedule = sponsorship.schedule_as_of(horizon);
        match sponsorship.segments_as_of(horizon, known).as_slice() {
            [(_, only)] => tally.sponsors.mark(*only),
            segments => split_by_segments(segments, |s| *s, schedule)
                .for_each(|(sponsor, _)| tally.sponsors.mark(sponsor)),
        }
        let payments: Vec<_> = sponsorship
            .payments
            .iter()
            .filter(|payment| payment.counts_within(horizon) && known(payment.sponsor))
            .collect();
        let paid = payments.iter().fold(Dong::ZERO, |sum, payment| {
            sum.saturating_add(payment.amount)
        });
        let monthly = whole_dong(sponsorship.monthly_amount);
        *amounts.entry(monthly).or_default() += 1;
        for year in schedule.first.year()..=schedule.last.year() {
            let covered: u32 = payments
                .iter()
                .map(|payment| payment.covers.months_in_year(year))
                .sum();
            let left = schedule.months_in_year(year).saturating_sub(covered);
            if left > 0 {
                let slot = unpaid.entry(year).or_default();
                slot.0 += u64::from(left);
                slot.1 += i128::from(monthly) * i128::from(left);
            }
        }
        let until_18 = sponsorship.fixed_months.is_none();
        let paid = i128::from(whole_dong(paid));
        tally.add(sponsorship.child, until_18, monthly, paid, schedule);
    }
    tally.finish(
        programme.map(|(_, id)| id.clone()),
        amounts.into_iter(),
        unpaid
            .into_iter()
            .map(|(year, (installments, amount))| (year, installments, amount)),
    )
}

/// A sum in whole dong as a `Dong`, capped at [`Dong::MAX`].
fn dong(units: i128) -> Dong {
    Dong::from_units(units.max(0)).unwrap_or(Dong::MAX)
}

/// Totals over every sponsorship as of `on`.
pub fn totals(ledger: &Ledger, on: NaiveDate) -> SponsorshipTotals {
    totals_of(ledger, None, on)
}

/// Totals per programme with sponsorships, as of `on`.
pub fn by_programme(ledger: &Ledger, on: NaiveDate) -> Vec<SponsorshipTotals> {
    ledger
        .programmes()
        .iter()
        // A programme has sponsorships exactly when it counts a pledged amount.
        .filter(|(index, _)| {
            ledger
                .pledge_sums(Some(*index))
                .is_some_and(|sums| sums.monthly_amounts().next().is_some())
        })
        .map(|(index, programme)| totals_of(ledger, Some((index, &programme.id)), on))
        .collect()
}

/// A sponsored child turning 18 soon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TurningEighteen {
    /// The child (pseudonymous).
    pub child_id: Id,
    /// The 18th birthday.
    pub turns_18_on: NaiveDate,
    /// The last month owed by any of its sponsorships.
    pub last_month: YearMonth,
}

/// Children with a sponsorship still running on `on` whose 18th birthday falls after
/// `on` and within `months` months of it, soonest first.
pub fn turning_18_within(ledger: &Ledger, on: NaiveDate, months: u32) -> Vec<TurningEighteen> {
    turning_18_of(ledger, on, months, None)
}

/// [`turning_18_within`] of the ledger replayed to a horizon (a past `as_of`, a past position
/// or both), from the live ledger: the sponsorships it holds, with their schedules then.
pub fn turning_18_as_known(
    ledger: &Ledger,
    on: NaiveDate,
    months: u32,
    horizon: Horizon,
) -> Vec<TurningEighteen> {
    turning_18_of(ledger, on, months, Some(horizon))
}

fn turning_18_of(
    ledger: &Ledger,
    on: NaiveDate,
    months: u32,
    within: Option<Horizon>,
) -> Vec<TurningEighteen> {
    let horizon = on
        .checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX);
    let current = YearMonth::of_clamped(on);
    let mut rows: Vec<TurningEighteen> = ledger
        .children()
        .iter()
        .filter_map(|(_, child)| {
            let birthday = turns_18_on(child.birth_date)?;
            let last_month = child
                .sponsorships
                .iter()
                .filter_map(|&index| ledger.sponsorships().at(index))
                .filter_map(|sponsorship| match within {
                    None => Some(sponsorship.schedule.last),
                    Some(within) => ledger
                        .sponsorship_within(sponsorship, within)
                        .then(|| sponsorship.schedule_as_of(within).last),
                })
                .max()?;
            (on < birthday && birthday <= horizon && last_month >= current).then(|| {
                TurningEighteen {
                    child_id: child.id.clone(),
                    turns_18_on: birthday,
                    last_month,
                }
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        a.turns_18_on
            .cmp(&b.turns_18_on)
            .then(a.child_id.cmp(&b.child_id))
    });
    rows
}
