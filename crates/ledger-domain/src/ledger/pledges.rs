//! A packed copy of what the sponsorship-wide answers read of every sponsorship, and the sums
//! of theirs that no query date changes, kept up to date as sponsorship events are applied.
//!
//! Sponsorship totals and the annual report visit every sponsorship per request. Read from
//! the full records (376 bytes each, `Decimal` amounts, a year-by-year walk for the
//! forecast), they were the two slowest dashboards: 4–11 ms at 48k sponsorships, against a
//! 2 ms target. Here a sponsorship is 64 bytes of plain integers in index order, and the unpaid
//! installments by year and the count per monthly amount are summed once, as events arrive.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::sponsorship::{split_by_segments, Segment, Sign, Sponsorship};
use super::Ledger;
use crate::money::Dong;
use crate::month::YearMonth;
use crate::schedule::Schedule;

/// One sponsorship as the sponsorship-wide answers read it (same index as the sponsorship).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pledge {
    /// Amount per month, whole dong.
    pub monthly: i64,
    /// Paid and not reversed, whole dong.
    pub paid: i64,
    /// The months owed (truncated by an early end).
    pub schedule: Schedule,
    /// The last month as pledged, before any early end.
    pub pledged_last: YearMonth,
    /// Child index.
    pub child: u32,
    /// Programme index.
    pub programme: u32,
    /// Who owes the months.
    pub sponsors: PledgeSponsors,
    /// Pledge date.
    pub sponsored_on: NaiveDate,
    /// When it ended early.
    pub ended_on: Option<NaiveDate>,
    /// The latest `received_on` of any payment, reversed or not.
    pub last_received_on: Option<NaiveDate>,
    /// Runs until the child turns 18 (no fixed number of months).
    pub until_18: bool,
}

/// Who owes a pledge's months.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PledgeSponsors {
    /// One sponsor owes every month (no transfer has split them).
    Sole(u32),
    /// Transfers split the months: the run of [`SharedSegments`] with this index
    /// ([`Ledger::shared_parts`]).
    Shared(u32),
}

/// The segments of every sponsorship split by transfers, packed one run per sponsorship.
///
/// Both dashboards that visit every sponsorship ask a split one who owes which months. Read
/// from the full record, that was two cache misses per split sponsorship (the record, then
/// its segments), and at 2.6k such sponsorships in 48k the largest part of the annual
/// report's time. Here they lie together, a few kilobytes in all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedSegments {
    /// Per run: where its segments start in `segments`, and how many.
    runs: Vec<(u32, u32)>,
    /// (first month, sponsor index) of every run's segments, each run in month order. A run
    /// rewritten by a later transfer moves to the end; its old place stays unused (a transfer
    /// rewrites at most one segment per month of the schedule).
    segments: Vec<(YearMonth, u32)>,
}

impl SharedSegments {
    /// Stores `segments` as run `run` (or a new run) and returns its index.
    fn store(&mut self, run: Option<u32>, segments: &[Segment]) -> PledgeSponsors {
        let old = run.and_then(|run| self.runs.get(run as usize).copied());
        // A run at the end is rewritten in place, so repeated transfers of one sponsorship
        // leave nothing unused behind.
        if let Some((start, len)) = old {
            if start as usize + len as usize == self.segments.len() {
                self.segments.truncate(start as usize);
            }
        }
        let start = count_u32(self.segments.len());
        self.segments.extend(
            segments
                .iter()
                .map(|segment| (segment.from, segment.sponsor)),
        );
        let placed = (start, count_u32(segments.len()));
        match run.filter(|_| old.is_some()) {
            Some(run) => {
                if let Some(slot) = self.runs.get_mut(run as usize) {
                    *slot = placed;
                }
                PledgeSponsors::Shared(run)
            }
            None => {
                self.runs.push(placed);
                PledgeSponsors::Shared(count_u32(self.runs.len() - 1))
            }
        }
    }

    fn run(&self, run: u32) -> &[(YearMonth, u32)] {
        self.runs
            .get(run as usize)
            .and_then(|&(start, len)| {
                self.segments
                    .get(start as usize..start as usize + len as usize)
            })
            .unwrap_or(&[])
    }
}

/// A count of stored segments or runs as a `u32`. Four billion segments would need tens of
/// gigabytes of events before them; the count saturates rather than wraps.
fn count_u32(count: usize) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX)
}

impl Pledge {
    fn of(sponsorship: &Sponsorship, sponsors: PledgeSponsors) -> Pledge {
        Pledge {
            monthly: whole_dong(sponsorship.monthly_amount),
            paid: whole_dong(sponsorship.paid.live),
            schedule: sponsorship.schedule,
            pledged_last: sponsorship.pledged_last,
            child: sponsorship.child,
            programme: sponsorship.programme,
            sponsors,
            sponsored_on: sponsorship.sponsored_on,
            ended_on: sponsorship.ended.map(|end| end.on),
            last_received_on: sponsorship.paid.last_received_on,
            until_18: sponsorship.fixed_months.is_none(),
        }
    }
}

/// A `Dong` (at most 10^18) as an `i64`.
pub(crate) fn whole_dong(amount: Dong) -> i64 {
    i64::try_from(amount.units()).unwrap_or(i64::MAX)
}

/// Sums over a set of sponsorships (all of them, or one programme's) that do not depend on
/// the query date.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PledgeSums {
    /// Unpaid installments by the calendar year they fall due.
    unpaid: UnpaidByYear,
    /// Sponsorships per monthly amount (whole dong).
    amounts: BTreeMap<i64, u64>,
}

impl PledgeSums {
    /// Unpaid installments and their amount (whole dong) by year, earliest first, for the
    /// years with any.
    pub fn unpaid_by_year(&self) -> impl Iterator<Item = (i32, u64, i128)> + '_ {
        self.unpaid.years()
    }

    /// Sponsorships per monthly amount (whole dong), smallest amount first.
    pub fn monthly_amounts(&self) -> impl Iterator<Item = (i64, u64)> + '_ {
        self.amounts.iter().map(|(amount, count)| (*amount, *count))
    }
}

/// Unpaid installments and their amount per year, in a vector from the earliest year seen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct UnpaidByYear {
    first_year: i32,
    slots: Vec<(u64, i128)>,
}

impl UnpaidByYear {
    fn slot(&mut self, year: i32) -> Option<&mut (u64, i128)> {
        if self.slots.is_empty() {
            self.first_year = year;
        }
        if year < self.first_year {
            let grow = usize::try_from(self.first_year - year).ok()?;
            self.slots.splice(0..0, std::iter::repeat_n((0, 0), grow));
            self.first_year = year;
        }
        let at = usize::try_from(year - self.first_year).ok()?;
        if at >= self.slots.len() {
            self.slots.resize(at + 1, (0, 0));
        }
        self.slots.get_mut(at)
    }

    fn count(&mut self, year: i32, installments: u32, monthly: i64, sign: Sign) {
        let Some((count, amount)) = self.slot(year) else {
            return;
        };
        let amount_of = i128::from(monthly) * i128::from(installments);
        match sign {
            Sign::Add => {
                *count += u64::from(installments);
                *amount += amount_of;
            }
            Sign::Remove => {
                *count = count.saturating_sub(u64::from(installments));
                *amount -= amount_of;
            }
        }
    }

    fn years(&self) -> impl Iterator<Item = (i32, u64, i128)> + '_ {
        self.slots
            .iter()
            .zip(self.first_year..)
            .filter(|((installments, _), _)| *installments > 0)
            .map(|((installments, amount), year)| (year, *installments, *amount))
    }
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

/// Unpaid installments of one sponsorship by year, for its years from `from` to `to`.
fn unpaid_by_year(
    sponsorship: &Sponsorship,
    from: i32,
    to: i32,
) -> impl Iterator<Item = (i32, u32)> + '_ {
    let schedule = sponsorship.schedule;
    let years = schedule.first.year().max(from)..=schedule.last.year().min(to);
    years.filter_map(move |year| {
        let unpaid = schedule
            .months_in_year(year)
            .saturating_sub(paid_months_in_year(sponsorship, year));
        (unpaid > 0).then_some((year, unpaid))
    })
}

impl Ledger {
    /// Every sponsorship as the sponsorship-wide answers read it, by sponsorship index.
    pub fn pledges(&self) -> &[Pledge] {
        &self.pledges
    }

    /// Each sponsor's part of `schedule` under a split pledge's run of segments, in month order
    /// (empty parts left out; nothing for an unknown run). `schedule` is the pledge's, or
    /// the one in force on a past date (before an early end recorded later).
    pub fn shared_parts(
        &self,
        run: u32,
        schedule: Schedule,
    ) -> impl Iterator<Item = (u32, Schedule)> + '_ {
        split_by_segments(self.shared_segments.run(run), |s| *s, schedule)
    }

    /// The date-independent sums over every sponsorship, or over one programme's.
    pub fn pledge_sums(&self, programme: Option<u32>) -> Option<&PledgeSums> {
        match programme {
            None => Some(&self.pledge_sums),
            Some(index) => self.pledge_sums_by_programme.get(index as usize),
        }
    }

    /// Takes sponsorship `index`'s share of the `touched` years out of the forecast, before a
    /// change to it.
    pub(super) fn uncount_sponsorship(&mut self, index: u32, touched: Touched) {
        self.count_unpaid(index, touched, Sign::Remove);
    }

    /// Puts sponsorship `index`'s share of the `touched` years into the forecast and
    /// refreshes its pledge, after a change to it (or its creation).
    pub(super) fn recount_sponsorship(&mut self, index: u32, touched: Touched) {
        self.count_unpaid(index, touched, Sign::Add);
        let Some(sponsorship) = self.sponsorships.at(index) else {
            return;
        };
        let sponsors = match sponsorship.segments.as_slice() {
            [only] => PledgeSponsors::Sole(only.sponsor),
            segments => {
                let run = match self.pledges.get(index as usize).map(|p| p.sponsors) {
                    Some(PledgeSponsors::Shared(run)) => Some(run),
                    _ => None,
                };
                self.shared_segments.store(run, segments)
            }
        };
        let pledge = Pledge::of(sponsorship, sponsors);
        match self.pledges.get_mut(index as usize) {
            Some(slot) => *slot = pledge,
            None => self.pledges.push(pledge),
        }
    }

    /// Counts a new sponsorship's monthly amount (fixed once pledged).
    pub(super) fn count_pledged_amount(&mut self, index: u32) {
        let Some(sponsorship) = self.sponsorships.at(index) else {
            return;
        };
        let monthly = whole_dong(sponsorship.monthly_amount);
        let programme = self.grow_sums(sponsorship.programme);
        let in_programme = self.pledge_sums_by_programme.get_mut(programme);
        for sums in std::iter::once(&mut self.pledge_sums).chain(in_programme) {
            *sums.amounts.entry(monthly).or_default() += 1;
        }
    }

    fn count_unpaid(&mut self, index: u32, touched: Touched, sign: Sign) {
        let (from, to) = match touched {
            Touched::Nothing => return,
            Touched::Years(from, to) => (from, to),
            Touched::All => (i32::MIN, i32::MAX),
        };
        let Some(programme) = self.sponsorships.at(index).map(|s| s.programme) else {
            return;
        };
        let programme = self.grow_sums(programme);
        let Some(sponsorship) = self.sponsorships.at(index) else {
            return;
        };
        let monthly = whole_dong(sponsorship.monthly_amount);
        let in_programme = self.pledge_sums_by_programme.get_mut(programme);
        for sums in std::iter::once(&mut self.pledge_sums).chain(in_programme) {
            for (year, installments) in unpaid_by_year(sponsorship, from, to) {
                sums.unpaid.count(year, installments, monthly, sign);
            }
        }
    }

    /// Makes room for `programme`'s sums; returns its slot.
    fn grow_sums(&mut self, programme: u32) -> usize {
        let slot = programme as usize;
        if self.pledge_sums_by_programme.len() <= slot {
            self.pledge_sums_by_programme
                .resize_with(slot + 1, PledgeSums::default);
        }
        slot
    }
}

/// The calendar years a change to a sponsorship can move in the forecast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Touched {
    /// None (a transfer: who owes a month, not whether it is paid).
    Nothing,
    /// From the first to the last year given (a payment or its reversal: the years it covers).
    Years(i32, i32),
    /// Every year of the schedule (a pledge, an early end).
    All,
}
