//! Sponsorship schedule arithmetic: the 18th birthday, the months a pledge covers, and
//! which of them are due by a date.
//!
//! A child born on B turns 18 on D18 = B + 216 months; chrono's `checked_add_months`
//! clamps 29 February to 28 February in a non-leap year. A pledge starting in month F owes
//! one installment for each month M with F ≤ M whose first day is before D18, so the last
//! month is the month of D18 − 1 day. A fixed-length pledge stops at 18 too, whichever
//! comes first. The installment for M falls due on the 1st of M.

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

use crate::month::YearMonth;

/// Months from birth to the 18th birthday.
pub const MONTHS_TO_EIGHTEEN: u32 = 216;

/// The date a child born on `birth` turns 18 (`None` only past chrono's calendar).
pub fn turns_18_on(birth: NaiveDate) -> Option<NaiveDate> {
    birth.checked_add_months(Months::new(MONTHS_TO_EIGHTEEN))
}

/// The last month an installment can be owed for a child born on `birth`: the month of
/// the day before the 18th birthday.
pub fn last_month_before_18(birth: NaiveDate) -> Option<YearMonth> {
    YearMonth::of(turns_18_on(birth)?.pred_opt()?)
}

/// The last month whose installment is due by a date (due on the 1st), worked out once for a
/// query that applies it to every schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueThrough {
    /// Months up to and including this one.
    Month(YearMonth),
    /// A date after the last representable month: every month.
    Everything,
    /// A date before the first representable month: none.
    Nothing,
}

impl DueThrough {
    /// The months due by `on`.
    pub fn of(on: NaiveDate) -> DueThrough {
        match YearMonth::of(on) {
            Some(current) => DueThrough::Month(current),
            None if on.year() > crate::month::YEAR_MAX => DueThrough::Everything,
            None => DueThrough::Nothing,
        }
    }
}

/// An inclusive range of installment months.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Schedule {
    /// The first month owed.
    pub first: YearMonth,
    /// The last month owed (≥ `first`).
    pub last: YearMonth,
}

impl Schedule {
    /// The range `first..=last`, or `None` if it would be empty.
    pub fn new(first: YearMonth, last: YearMonth) -> Option<Schedule> {
        (first <= last).then_some(Schedule { first, last })
    }

    /// The schedule of a pledge for a child born on `birth`, starting in `first`, for
    /// `fixed_months` months or (if `None`) until 18. `None` if the child is already 18
    /// on the first day of `first` (nothing would be owed) or `fixed_months` is 0.
    pub fn for_pledge(
        birth: NaiveDate,
        first: YearMonth,
        fixed_months: Option<u32>,
    ) -> Option<Schedule> {
        let until_18 = last_month_before_18(birth)?;
        let last = match fixed_months {
            None => until_18,
            Some(0) => return None,
            Some(count) => first.plus(i64::from(count) - 1)?.min(until_18),
        };
        Schedule::new(first, last)
    }

    /// The number of months owed.
    pub fn months(&self) -> u32 {
        self.first.months_through(self.last)
    }

    /// True if `month` is owed.
    pub fn contains(&self, month: YearMonth) -> bool {
        self.first <= month && month <= self.last
    }

    /// The months whose installment is due on or before `on` (due on the 1st).
    pub fn months_due_by(&self, on: NaiveDate) -> u32 {
        self.months_due(DueThrough::of(on))
    }

    /// The months whose installment is due by the date `through` was made from.
    pub fn months_due(&self, through: DueThrough) -> u32 {
        match through {
            DueThrough::Month(current) => self.first.months_through(current.min(self.last)),
            DueThrough::Everything => self.months(),
            DueThrough::Nothing => 0,
        }
    }

    /// The part of this schedule that falls in `other`, if any.
    pub fn intersect(&self, other: &Schedule) -> Option<Schedule> {
        Schedule::new(self.first.max(other.first), self.last.min(other.last))
    }

    /// The months of this schedule in calendar `year`.
    pub fn months_in_year(&self, year: i32) -> u32 {
        match (YearMonth::new(year, 1), YearMonth::new(year, 12)) {
            (Some(january), Some(december)) => Schedule::new(january, december)
                .and_then(|whole_year| self.intersect(&whole_year))
                .map_or(0, |part| part.months()),
            _ => 0,
        }
    }

    /// The months from `first` up to (not including) `month`, and from `month` on: how a
    /// transfer splits a schedule. Either half may be empty.
    pub fn split_at(&self, month: YearMonth) -> (Option<Schedule>, Option<Schedule>) {
        let before = month
            .previous()
            .and_then(|last| Schedule::new(self.first, last.min(self.last)));
        let after = Schedule::new(month.max(self.first), self.last);
        (before, after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn month(text: &str) -> YearMonth {
        text.parse().unwrap()
    }

    #[test]
    fn a_leap_day_birth_turns_18_on_the_28th_of_february() {
        assert_eq!(turns_18_on(date("2008-02-29")), Some(date("2026-02-28")));
        assert_eq!(
            last_month_before_18(date("2008-02-29")),
            Some(month("2026-02"))
        );
    }

    #[test]
    fn a_child_born_on_the_first_is_owed_nothing_for_the_birthday_month() {
        assert_eq!(
            last_month_before_18(date("2010-03-01")),
            Some(month("2028-02"))
        );
        assert_eq!(
            last_month_before_18(date("2010-03-02")),
            Some(month("2028-03"))
        );
    }

    #[test]
    fn a_fixed_pledge_stops_at_18_whichever_comes_first() {
        let schedule = Schedule::for_pledge(date("2005-06-15"), month("2023-01"), Some(24));
        assert_eq!(schedule.map(|s| s.last), Some(month("2023-06")));
        let short = Schedule::for_pledge(date("2015-06-15"), month("2023-01"), Some(3));
        assert_eq!(short.map(|s| s.months()), Some(3));
    }

    #[test]
    fn splitting_keeps_every_month_once() {
        let schedule = Schedule::new(month("2023-01"), month("2023-12")).unwrap();
        let (before, after) = schedule.split_at(month("2023-05"));
        assert_eq!(before.unwrap().months() + after.unwrap().months(), 12);
        assert_eq!(after.unwrap().first, month("2023-05"));
    }
}
