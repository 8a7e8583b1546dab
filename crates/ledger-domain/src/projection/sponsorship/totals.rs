//! Sponsorship totals: per programme and overall (children, sponsors, monthly
//! commitment, obligation), the cash-flow forecast by year, and children turning 18.

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};
use serde::Serialize;

use super::{monthly_in, Obligation, ObligationSum, Seen};
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

/// Months of `year` paid for, from the running sums (a walk of the payments for a year
/// they do not hold).
fn paid_months_in_year(sponsorship: &Sponsorship, year: i32) -> u32 {
    sponsorship.paid.months_in_year(year).unwrap_or_else(|| {
        sponsorship
            .live_payments()
            .map(|payment| payment.covers.months_in_year(year))
            .sum()
    })
}

/// Unpaid installments of one sponsorship by year, from its running sums of paid months.
fn unpaid_by_year(sponsorship: &Sponsorship) -> impl Iterator<Item = (i32, u32)> + '_ {
    let schedule = sponsorship.schedule;
    (schedule.first.year()..=schedule.last.year()).filter_map(move |year| {
        let unpaid = schedule
            .months_in_year(year)
            .saturating_sub(paid_months_in_year(sponsorship, year));
        (unpaid > 0).then_some((year, unpaid))
    })
}

/// Unpaid installments and their amount (whole dong) per year, in a vector from the
/// earliest year seen.
#[derive(Default)]
struct ForecastSlots {
    first_year: i32,
    slots: Vec<(u64, i128)>,
}

impl ForecastSlots {
    fn add(&mut self, year: i32, installments: u32, monthly: Dong) {
        if self.slots.is_empty() {
            self.first_year = year;
        }
        if year < self.first_year {
            let grow = usize::try_from(self.first_year - year).unwrap_or(0);
            self.slots.splice(0..0, std::iter::repeat_n((0, 0), grow));
            self.first_year = year;
        }
        let Ok(at) = usize::try_from(year - self.first_year) else {
            return;
        };
        if at >= self.slots.len() {
            self.slots.resize(at + 1, (0, 0));
        }
        if let Some((count, amount)) = self.slots.get_mut(at) {
            *count += u64::from(installments);
            *amount += monthly.units() * i128::from(installments);
        }
    }

    fn years(self) -> Vec<YearForecast> {
        let first_year = self.first_year;
        self.slots
            .into_iter()
            .zip(first_year..)
            .filter(|((installments, _), _)| *installments > 0)
            .map(|((installments, amount), year)| YearForecast {
                year,
                installments,
                amount: Dong::from_units(amount).unwrap_or(Dong::MAX),
            })
            .collect()
    }
}

fn totals_of<'a>(
    ledger: &Ledger,
    programme_id: Option<Id>,
    selected: impl Iterator<Item = &'a Sponsorship>,
    on: NaiveDate,
) -> SponsorshipTotals {
    let month = YearMonth::of(on);
    let mut children = Seen::new(ledger.children().len());
    let mut sponsors = Seen::new(ledger.sponsors().len());
    let mut amounts: BTreeMap<Dong, u64> = BTreeMap::new();
    let mut forecast = ForecastSlots::default();
    let mut obligation = ObligationSum::default();
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
        children.mark(sponsorship.child);
        match sponsorship.sole_sponsor {
            Some(sponsor) => sponsors.mark(sponsor),
            None => sponsorship
                .parts()
                .for_each(|(sponsor, _)| sponsors.mark(sponsor)),
        }
        *amounts.entry(sponsorship.monthly_amount).or_default() += 1;
        totals.monthly_commitment = totals
            .monthly_commitment
            .saturating_add(monthly_in(sponsorship, month));
        obligation.add(&ObligationSum::of(
            sponsorship.monthly_amount,
            Some(sponsorship.schedule),
            sponsorship.paid.live,
            on,
        ));
        for (year, installments) in unpaid_by_year(sponsorship) {
            forecast.add(year, installments, sponsorship.monthly_amount);
        }
    }
    totals.obligation = obligation.total();
    totals.children = children.count();
    totals.sponsors = sponsors.count();
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
    totals.forecast_by_year = forecast.years();
    totals
}

/// Totals over every sponsorship as of `on`.
pub fn totals(ledger: &Ledger, on: NaiveDate) -> SponsorshipTotals {
    let all = ledger
        .sponsorships()
        .iter()
        .map(|(_, sponsorship)| sponsorship);
    totals_of(ledger, None, all, on)
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
            Some(totals_of(ledger, Some(programme.id.clone()), selected, on))
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
