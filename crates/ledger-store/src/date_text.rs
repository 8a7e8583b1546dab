//! Calendar dates as the log stores them, `YYYY-MM-DD`, both ways, by hand: chrono's
//! formatting and parsing machinery showed in the import's and the replay's profiles, once per
//! event. Anything but the plain shape goes through chrono, so the text is always chrono's.

use chrono::NaiveDate;

/// A stored `YYYY-MM-DD` (the form the writer stores) read by hand; any other text goes to
/// chrono's parser, so what is accepted and refused, and the message, stay chrono's.
pub(crate) fn parse_date(text: &str) -> Result<NaiveDate, chrono::ParseError> {
    match plain_date(text.as_bytes()) {
        Some(date) => Ok(date),
        None => text.parse(),
    }
}

/// The date `YYYY-MM-DD` names, if `text` is exactly that shape and the date exists.
fn plain_date(text: &[u8]) -> Option<NaiveDate> {
    let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *text else {
        return None;
    };
    let digits = [y0, y1, y2, y3, m0, m1, d0, d1];
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |d: u8| u32::from(d - b'0');
    let year = n(y0) * 1000 + n(y1) * 100 + n(y2) * 10 + n(y3);
    NaiveDate::from_ymd_opt(
        i32::try_from(year).ok()?,
        n(m0) * 10 + n(m1),
        n(d0) * 10 + n(d1),
    )
}

/// A date as chrono's `%F` writes it: by hand for years 0–9999, by chrono otherwise.
pub(crate) enum IsoDate {
    Plain([u8; 10]),
    Other(String),
}

impl IsoDate {
    pub(crate) fn new(date: NaiveDate) -> IsoDate {
        use chrono::Datelike;
        let Ok(year @ 0..=9999) = u32::try_from(date.year()) else {
            return IsoDate::Other(date.format("%F").to_string());
        };
        let digit = |n: u32| b'0' + (n % 10) as u8;
        let (month, day) = (date.month(), date.day());
        IsoDate::Plain([
            digit(year / 1000),
            digit(year / 100),
            digit(year / 10),
            digit(year),
            b'-',
            digit(month / 10),
            digit(month),
            b'-',
            digit(day / 10),
            digit(day),
        ])
    }

    pub(crate) fn as_str(&self) -> &str {
        match self {
            // Only ASCII digits and dashes are ever written into it.
            IsoDate::Plain(bytes) => std::str::from_utf8(bytes).unwrap_or_default(),
            IsoDate::Other(text) => text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_dates_read_as_chrono_reads_them() {
        for text in [
            "2023-02-28",
            "2024-02-29",
            "2023-02-29",
            "2023-13-01",
            "2023-1-01",
            "2023-01-01x",
            " 2023-01-01",
            "",
        ] {
            assert_eq!(
                parse_date(text).map_err(|e| e.to_string()),
                text.parse::<NaiveDate>().map_err(|e| e.to_string()),
                "{text:?}"
            );
        }
    }

    #[test]
    fn dates_are_written_as_chrono_writes_them() {
        use chrono::Datelike;
        let mut date = NaiveDate::from_ymd_opt(-2, 12, 25).unwrap();
        let mut dates = 0;
        while date.year() <= 10_001 {
            assert_eq!(IsoDate::new(date).as_str(), date.format("%F").to_string());
            // Every day of a few years around the shape's edges, a day a month elsewhere.
            let step = match date.year() {
                -1..=1 | 1999 | 2000 | 2024 | 9999 | 10_000 => 1,
                _ => 29,
            };
            date = date.checked_add_days(chrono::Days::new(step)).unwrap();
            dates += 1;
        }
        assert!(dates > 120_000, "{dates}");
    }
}
