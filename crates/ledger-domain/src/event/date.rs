//! Payload dates read without chrono's general parser: every stored payload writes its dates
//! as `YYYY-MM-DD`, and a replay reads several per event, so that one shape is read by hand.
//! Any other text goes to chrono, so what is accepted or refused, and the message, are
//! exactly chrono's.

use std::fmt;

use chrono::NaiveDate;
use serde::de::{self, Deserializer, Visitor};

/// `text` as a date, as `text.parse::<NaiveDate>()` reads it.
pub fn parse_date(text: &str) -> Result<NaiveDate, chrono::ParseError> {
    match plain_date(text.as_bytes()) {
        Some(date) => Ok(date),
        None => text.parse(),
    }
}

/// The date `YYYY-MM-DD` names, if `text` has exactly that shape and the date exists; `None`
/// for everything else, which chrono then judges.
fn plain_date(text: &[u8]) -> Option<NaiveDate> {
    let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *text else {
        return None;
    };
    let digits = [y0, y1, y2, y3, m0, m1, d0, d1];
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |digit: u8| i32::from(digit - b'0');
    let year = n(y0) * 1000 + n(y1) * 100 + n(y2) * 10 + n(y3);
    let month = u32::from(m0 - b'0') * 10 + u32::from(m1 - b'0');
    let day = u32::from(d0 - b'0') * 10 + u32::from(d1 - b'0');
    NaiveDate::from_ymd_opt(year, month, day)
}

/// Deserialises a `NaiveDate` as chrono's own `Deserialize` does (same visitor contract,
/// same messages), through [`parse_date`]. For `#[serde(deserialize_with)]`.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
    deserializer.deserialize_str(DateVisitor)
}

struct DateVisitor;

impl Visitor<'_> for DateVisitor {
    type Value = NaiveDate;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a formatted date string")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<NaiveDate, E> {
        parse_date(value).map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path must agree with chrono on every input, valid or not, message included.
    fn agrees_with_chrono(text: &str) {
        let ours = parse_date(text).map_err(|e| e.to_string());
        let chrono = text.parse::<NaiveDate>().map_err(|e| e.to_string());
        assert_eq!(ours, chrono, "{text:?}");
    }

    #[test]
    fn plain_dates_are_read_by_hand() {
        assert_eq!(
            plain_date(b"2024-02-29"),
            NaiveDate::from_ymd_opt(2024, 2, 29)
        );
        assert_eq!(plain_date(b"0000-01-01"), NaiveDate::from_ymd_opt(0, 1, 1));
        assert_eq!(
            plain_date(b"9999-12-31"),
            NaiveDate::from_ymd_opt(9999, 12, 31)
        );
    }

    #[test]
    fn every_day_of_leap_and_common_years_reads_as_chrono_reads_it() {
        for year in [1900, 1999, 2000, 2023, 2024, 2100] {
            for month in 0..=13 {
                for day in 0..=32 {
                    let text = format!("{year:04}-{month:02}-{day:02}");
                    agrees_with_chrono(&text);
                    if let Ok(date) = text.parse::<NaiveDate>() {
                        assert_eq!(plain_date(text.as_bytes()), Some(date), "{text}");
                    }
                }
            }
        }
    }

    #[test]
    fn invalid_dates_are_refused_with_chronos_message() {
        for text in [
            "2023-02-29",
            "2023-13-01",
            "2023-00-10",
            "2023-04-31",
            "2023-04-00",
            "2023-01-01x",
            "2023-01-01 x",
            "2023/01/01",
            "2023-01-0a",
            "20230101",
            "2023-01",
            "",
            "-",
            "２０２３-01-01",
        ] {
            assert!(parse_date(text).is_err(), "{text:?}");
            agrees_with_chrono(text);
        }
    }

    /// chrono reads more than `YYYY-MM-DD` (single-digit months and days, signs, spaces);
    /// those still read as before.
    #[test]
    fn other_shapes_chrono_accepts_are_still_accepted() {
        assert_eq!(
            parse_date("2023-1-01"),
            Ok(NaiveDate::from_ymd_opt(2023, 1, 1).unwrap())
        );
        assert_eq!(
            parse_date("2023-01-1"),
            Ok(NaiveDate::from_ymd_opt(2023, 1, 1).unwrap())
        );
        for text in [
            "2023-1-01",
            "2023-01-1",
            "2023-1-1",
            "2023-01-01 ",
            " 2023-01-01",
            "+2023-01-01",
            "-0001-12-31",
            "12345-01-01",
            "999-01-01",
            "2023 -01-01",
        ] {
            agrees_with_chrono(text);
        }
    }

    #[test]
    fn deserializing_matches_chronos_deserializer() {
        for json in [
            r#""2023-06-30""#,
            r#""2023-02-29""#,
            r#""2023-1-01""#,
            r#""2023-01-01x""#,
            "20230101",
            "null",
            "[]",
        ] {
            let ours = deserialize(&mut serde_json::Deserializer::from_str(json))
                .map_err(|e| e.to_string());
            let chrono = serde_json::from_str::<NaiveDate>(json).map_err(|e| e.to_string());
            assert_eq!(ours, chrono, "{json}");
        }
    }
}
