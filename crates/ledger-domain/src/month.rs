//! Calendar months (`YearMonth`, serialised `"YYYY-MM"`) for schedules and monthly books.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// The first year a month may name. Older dates are input errors in this ledger.
pub const YEAR_MIN: i32 = 1900;
/// The last year a month may name; keeps every first-of-month date representable.
pub const YEAR_MAX: i32 = 9998;

/// Why text is not a month.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a month: use YYYY-MM with a year from 1900 to 9998")]
pub struct MonthError(pub String);

/// A calendar month, stored as months since year 0 so arithmetic is integer arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct YearMonth(i32);

impl YearMonth {
    /// The month `month` (1–12) of `year`, if both are in range.
    pub fn new(year: i32, month: u32) -> Option<YearMonth> {
        if (YEAR_MIN..=YEAR_MAX).contains(&year) && (1..=12).contains(&month) {
            Some(YearMonth(year * 12 + month as i32 - 1))
        } else {
            None
        }
    }

    /// The month containing `date` (`None` outside the supported years).
    pub fn of(date: NaiveDate) -> Option<YearMonth> {
        YearMonth::new(date.year(), date.month())
    }

    /// The month containing `date`, clamped into the supported years. For queries whose
    /// date only bounds a range.
    pub fn of_clamped(date: NaiveDate) -> YearMonth {
        let year = date.year().clamp(YEAR_MIN, YEAR_MAX);
        YearMonth(year * 12 + date.month() as i32 - 1)
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.0.div_euclid(12)
    }

    /// The month of the year, 1–12.
    pub fn month(self) -> u32 {
        self.0.rem_euclid(12) as u32 + 1
    }

    /// The first day of the month: the due date of an installment for this month.
    pub fn first_day(self) -> NaiveDate {
        // Year and month are range-checked on construction, so this date exists.
        NaiveDate::from_ymd_opt(self.year(), self.month(), 1).unwrap_or(NaiveDate::MAX)
    }

    /// The month `count` months later, if still in range.
    pub fn plus(self, count: i64) -> Option<YearMonth> {
        let index = i64::from(self.0).checked_add(count)?;
        let candidate = YearMonth(i32::try_from(index).ok()?);
        YearMonth::new(candidate.year(), candidate.month())
    }

    /// The next month, if in range.
    pub fn next(self) -> Option<YearMonth> {
        self.plus(1)
    }

    /// The previous month, if in range.
    pub fn previous(self) -> Option<YearMonth> {
        self.plus(-1)
    }

    /// Number of months from `self` to `later`, counting both ends; 0 if `later` is
    /// before `self`.
    pub fn months_through(self, later: YearMonth) -> u32 {
        u32::try_from(later.0 - self.0 + 1).unwrap_or(0)
    }

    /// January of `year`.
    pub fn january(year: i32) -> Option<YearMonth> {
        YearMonth::new(year, 1)
    }
}

impl TryFrom<String> for YearMonth {
    type Error = MonthError;

    fn try_from(text: String) -> Result<YearMonth, MonthError> {
        let bytes = text.as_bytes();
        let well_formed = bytes.len() == 7
            && bytes[4] == b'-'
            && bytes[..4].iter().chain(&bytes[5..]).all(u8::is_ascii_digit);
        let parsed = well_formed
            .then(|| {
                Some((
                    text[..4].parse::<i32>().ok()?,
                    text[5..].parse::<u32>().ok()?,
                ))
            })
            .flatten();
        parsed
            .and_then(|(year, month)| YearMonth::new(year, month))
            .ok_or(MonthError(text))
    }
}

impl From<YearMonth> for String {
    fn from(month: YearMonth) -> String {
        month.to_string()
    }
}

impl std::str::FromStr for YearMonth {
    type Err = MonthError;

    fn from_str(text: &str) -> Result<YearMonth, MonthError> {
        YearMonth::try_from(text.to_owned())
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(out, "{:04}-{:02}", self.year(), self.month())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_round_trip_through_text() {
        let month: YearMonth = "2023-02".parse().unwrap();
        assert_eq!((month.year(), month.month()), (2023, 2));
        assert_eq!(month.to_string(), "2023-02");
        assert_eq!(month.plus(11).unwrap().to_string(), "2024-01");
        assert!("2023-13".parse::<YearMonth>().is_err());
        assert!("2023-1".parse::<YearMonth>().is_err());
        assert_eq!(month.months_through(month.plus(2).unwrap()), 3);
        assert_eq!(month.plus(2).unwrap().months_through(month), 0);
    }
}
