//! Sponsorship totals: per programme and overall (children, sponsors, monthly
//! commitment, obligation), the cash-flow forecast by year, and children turning 18.

use chrono::{Months, NaiveDate};
use serde::Serialize;

use super::{Obligation, ObligationSum, Seen};
use crate::id::Id;
use crate::ledger::{Ledger, PledgeSponsors};
use crate::money::Dong;
use crate::month::YearMonth;
use crate::schedule::{turns_18_on, DueThrough};

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

/// Totals over every sponsorship (`programme` `None`) or one programme's, as of `on`. Reads
/// the packed pledges and the date-independent sums the ledger keeps (`Ledger::pledges`):
/// per request, only what depends on `on` is worked out per sponsorship.
fn totals_of(ledger: &Ledger, programme: Option<(u32, &Id)>, on: NaiveDate) -> SponsorshipTotals {
    let month = YearMonth::of(on);
    let through = DueThrough::of(on);
    let only = programme.map(|(index, _)| index);
    let mut children = Seen::new(ledger.children().len());
    let mut sponsors = Seen::new(ledger.sponsors().len());
    let mut obligation = ObligationSum::default();
    let mut commitment: i128 = 0;
    let mut counted = 0u64;
    let mut until_18 = 0u64;
    for pledge in ledger.pledges() {
        if only.is_some_and(|only| pledge.programme != only) {
            continue;
        }
        counted += 1;
        until_18 += u64::from(pledge.until_18);
        children.mark(pledge.child);
        match pledge.sponsors {
            PledgeSponsors::Sole(sponsor) => sponsors.mark(sponsor),
            PledgeSponsors::Shared(run) => ledger
                .shared_parts(run, pledge.schedule)
                .for_each(|(sponsor, _)| sponsors.mark(sponsor)),
        }
        let monthly = i128::from(pledge.monthly);
        if month.is_some_and(|month| pledge.schedule.contains(month)) {
            commitment += monthly;
        }
        obligation.add(&ObligationSum::of_units(
            monthly,
            Some(pledge.schedule),
            i128::from(pledge.paid),
            through,
        ));
    }
    let sums = ledger.pledge_sums(only);
    let mut monthly_amounts: Vec<MonthlyAmountCount> = sums
        .into_iter()
        .flat_map(|sums| sums.monthly_amounts())
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
    let forecast_by_year = sums
        .into_iter()
        .flat_map(|sums| sums.unpaid_by_year())
        .map(|(year, installments, amount)| YearForecast {
            year,
            installments,
            amount: dong(amount),
        })
        .collect();
    SponsorshipTotals {
        programme_id: programme.map(|(_, id)| id.clone()),
        children: children.count(),
        sponsors: sponsors.count(),
        sponsorships: counted,
        until_18,
        monthly_amounts,
        monthly_commitment: dong(commitment),
        obligation: obligation.total(),
        forecast_by_year,
    }
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
