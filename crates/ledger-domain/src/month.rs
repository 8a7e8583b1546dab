//! Calendar months (`YearMonth`, serialised `"YYYY-MM"`) for schedules and monthly books.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::de::{self, Deserializer, Visitor};
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "String")]
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

impl YearMonth {
    /// The month `YYYY-MM` names, if `text` has exactly that shape and is in range.
    fn parse(text: &str) -> Option<YearMonth> {
        let [y0, y1, y2, y3, b'-', m0, m1] = *text.as_bytes() else {
            return None;
        };
        let digits = [y0, y1, y2, y3, m0, m1];
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let n = |digit: u8| i32::from(digit - b'0');
        let year = n(y0) * 1000 + n(y1) * 100 + n(y2) * 10 + n(y3);
        let month = u32::from(m0 - b'0') * 10 + u32::from(m1 - b'0');
        YearMonth::new(year, month)
    }
}

impl TryFrom<String> for YearMonth {
    type Error = MonthError;

    fn try_from(text: String) -> Result<YearMonth, MonthError> {
        YearMonth::parse(&text).ok_or(MonthError(text))
    }
}

/// Reads the text in place: every sponsorship payment carries a month, and a replay reads a
/// million of them. Accepts, refuses and words errors as the `String` form did (serde's
/// "a string" for what is not text, [`MonthError`] for text that is no month).
impl<'de> Deserialize<'de> for YearMonth {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<YearMonth, D::Error> {
        deserializer.deserialize_string(MonthVisitor)
    }
}

struct MonthVisitor;

impl Visitor<'_> for MonthVisitor {
    type Value = YearMonth;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<YearMonth, E> {
        YearMonth::parse(text).ok_or_else(|| E::custom(MonthError(text.to_owned())))
    }

    fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<YearMonth, E> {
        match std::str::from_utf8(bytes) {
            Ok(text) => self.visit_str(text),
            Err(_) => Err(E::invalid_value(de::Unexpected::Bytes(bytes), &self)),
        }
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
        YearMonth::parse(text).ok_or_else(|| MonthError(text.to_owned()))
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

    #[test]
    fn months_are_read_strictly() {
        for bad in [
            "2023-13",
            "2023-00",
            "2023-1",
            "2023-1x",
            "2023-01 ",
            " 2023-01",
            "1899-12",
            "9999-01",
            "+202-01",
            "2023/01",
            "2023-011",
            "",
            "２０２３-01",
        ] {
            assert_eq!(bad.parse::<YearMonth>(), Err(MonthError(bad.to_owned())));
        }
        let read = |text: &str| text.parse::<YearMonth>().map(|m| (m.year(), m.month()));
        assert_eq!(read("1900-01"), Ok((1900, 1)));
        assert_eq!(read("9998-12"), Ok((9998, 12)));
    }

    /// The deserialiser as it was: through `String` and `TryFrom`.
    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(try_from = "String")]
    struct ThroughString(YearMonth);

    impl TryFrom<String> for ThroughString {
        type Error = MonthError;

        fn try_from(text: String) -> Result<Self, MonthError> {
            YearMonth::try_from(text).map(ThroughString)
        }
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Ours {
        month: YearMonth,
        after: u8,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Before {
        month: ThroughString,
        after: u8,
    }

    /// Months arrive as fields of payloads and requests; there the messages, positions
    /// included, are the same. (Alone at the top of a JSON text, the `String` form's message
    /// had no position.)
    #[test]
    fn months_deserialize_as_through_a_string() {
        for json in [
            r#""2023-02""#,
            r#""2023-13""#,
            r#""2023-2""#,
            r#""1899-12""#,
            "202302",
            "null",
            "[]",
            r#"{"a":1}"#,
        ] {
            let field = format!(r#"{{"month": {json}, "after": 1}}"#);
            let ours = serde_json::from_str::<Ours>(&field)
                .map(|o| o.month)
                .map_err(|e| e.to_string());
            let before = serde_json::from_str::<Before>(&field)
                .map(|b| b.month.0)
                .map_err(|e| e.to_string());
            assert_eq!(ours, before, "{field}");
            let value: serde_json::Value = serde_json::from_str(json).unwrap();
            let ours = YearMonth::deserialize(&value).map_err(|e| e.to_string());
            let before = ThroughString::deserialize(&value)
                .map(|t| t.0)
                .map_err(|e| e.to_string());
            assert_eq!(ours, before, "{json} as a value");
        }
    }
}
