//! Sponsorship totals: per programme and overall (children, sponsors, monthly
//! commitment, obligation), the cash-flow forecast by year, and children turning 18.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Months, NaiveDate};
use serde::Serialize;

use super::{monthly_in, obligation_of, Obligation};
use crate::id::Id;
use crate::ledger::{Ledger, Sponsorship};
use crate::money::Dong;
use crate::month::YearMonth;
use crate::schedule::turns_18_on;

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

/// Unpaid installments of one sponsorship by year, added into `by_year`.
fn add_forecast(sponsorship: &Sponsorship, by_year: &mut BTreeMap<i32, u64>) {
    let schedule = sponsorship.schedule;
    let first_year = schedule.first.year();
    let years = schedule.first.year()..=schedule.last.year();
    // One pass over the payments: a sponsorship has about one a month, and asking every
    // payment about every year of an 18-year schedule made this the costliest part of the
    // totals at province scale.
    let mut paid = vec![0u32; years.clone().count()];
    for payment in sponsorship.live_payments() {
        for year in payment.covers.first.year()..=payment.covers.last.year() {
            let slot = usize::try_from(year - first_year)
                .ok()
                .and_then(|i| paid.get_mut(i));
            if let Some(slot) = slot {
                *slot += payment.covers.months_in_year(year);
            }
        }
    }
    for (year, paid) in years.zip(paid) {
        let unpaid = u64::from(schedule.months_in_year(year).saturating_sub(paid));
        if unpaid > 0 {
            *by_year.entry(year).or_default() += unpaid;
        }
    }
}

fn totals_of<'a>(
    programme_id: Option<Id>,
    selected: impl Iterator<Item = &'a Sponsorship>,
    on: NaiveDate,
) -> SponsorshipTotals {
    let month = YearMonth::of(on);
    let (mut children, mut sponsors) = (BTreeSet::new(), BTreeSet::new());
    let mut amounts: BTreeMap<Dong, u64> = BTreeMap::new();
    let mut forecast: BTreeMap<i32, BTreeMap<Dong, u64>> = BTreeMap::new();
    let mut totals = SponsorshipTotals {
        programme_id,
        children: 0,
        sponsors: 0,
        sponsorships: 0,
        until_18: 0,
        monthly_amounts: Vec::new(),
        monthly_commitment: Dong::ZERO,
        obligation: Obligation::default(),
        forecast_by_year: Vec::new(),
    };
    for sponsorship in selected {
        totals.sponsorships += 1;
        totals.until_18 += u64::from(sponsorship.fixed_months.is_none());
        children.insert(sponsorship.child);
        sponsors.extend(sponsorship.parts().map(|(sponsor, _)| sponsor));
        *amounts.entry(sponsorship.monthly_amount).or_default() += 1;
        totals.monthly_commitment = totals
            .monthly_commitment
            .saturating_add(monthly_in(sponsorship, month));
        totals.obligation.add(&obligation_of(sponsorship, on));
        let mut by_year = BTreeMap::new();
        add_forecast(sponsorship, &mut by_year);
        for (year, installments) in by_year {
            *forecast
                .entry(year)
                .or_default()
                .entry(sponsorship.monthly_amount)
                .or_default() += installments;
        }
    }
    totals.children = children.len() as u64;
    totals.sponsors = sponsors.len() as u64;
    let mut monthly_amounts: Vec<MonthlyAmountCount> = amounts
        .into_iter()
        .map(|(monthly_amount, sponsorships)| MonthlyAmountCount {
            monthly_amount,
            sponsorships,
        })
        .collect();
    monthly_amounts.sort_by(|a, b| {
        b.sponsorships
            .cmp(&a.sponsorships)
            .then(a.monthly_amount.cmp(&b.monthly_amount))
    });
    totals.monthly_amounts = monthly_amounts;
    totals.forecast_by_year = forecast
        .into_iter()
        .map(|(year, by_amount)| {
            let installments = by_amount.values().sum();
            let amount = by_amount.iter().fold(Dong::ZERO, |sum, (monthly, count)| {
                sum.saturating_add(monthly.checked_mul(*count).unwrap_or(Dong::MAX))
            });
            YearForecast {
                year,
                installments,
                amount,
            }
        })
        .collect();
    totals
}

/// Totals over every sponsorship as of `on`.
pub fn totals(ledger: &Ledger, on: NaiveDate) -> SponsorshipTotals {
    let all = ledger
        .sponsorships()
        .iter()
        .map(|(_, sponsorship)| sponsorship);
    totals_of(None, all, on)
}

/// Totals per programme with sponsorships, as of `on`.
pub fn by_programme(ledger: &Ledger, on: NaiveDate) -> Vec<SponsorshipTotals> {
    ledger
        .programmes()
        .iter()
        .filter_map(|(index, programme)| {
            let mut selected = ledger
                .sponsorships()
                .iter()
                .map(|(_, sponsorship)| sponsorship)
                .filter(move |sponsorship| sponsorship.programme == index)
                .peekable();
            selected.peek()?;
            Some(totals_of(Some(programme.id.clone()), selected, on))
        })
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
                .map(|sponsorship| sponsorship.schedule.last)
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
