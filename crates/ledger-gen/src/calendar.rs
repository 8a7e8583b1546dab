//! Dates and months as plain integers. The generator does date arithmetic on every line;
//! integers keep it total (no `Option` to unwrap) and fast. Days count from 1970-01-01 and
//! convert with Howard Hinnant's civil-calendar algorithms (proleptic Gregorian).

/// A calendar date, as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(i32);

/// A calendar month, as `year × 12 + month − 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(i32);

/// Days in `month` (1–12) of `year`.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl Day {
    /// The date `year-month-day`; `day` is clamped into the month.
    pub fn ymd(year: i32, month: u32, day: u32) -> Day {
        let month = month.clamp(1, 12);
        let day = day.clamp(1, days_in_month(year, month)) as i32;
        let y = if month <= 2 { year - 1 } else { year };
        let era = y.div_euclid(400);
        let year_of_era = y - era * 400;
        let m = month as i32;
        let day_of_year = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        Day(era * 146_097 + day_of_era - 719_468)
    }

    /// `(year, month, day)`.
    pub fn civil(self) -> (i32, u32, u32) {
        let z = self.0 + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z - era * 146_097;
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let mp = (5 * day_of_year + 2) / 153;
        let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = year_of_era + era * 400 + i32::from(month <= 2);
        (year, month, day)
    }

    /// `days` later (earlier if negative).
    pub fn plus(self, days: i64) -> Day {
        let days = i32::try_from(days).unwrap_or(if days < 0 { i32::MIN } else { i32::MAX });
        Day(self.0.saturating_add(days))
    }

    /// The month this day falls in.
    pub fn month(self) -> Month {
        let (year, month, _) = self.civil();
        Month::new(year, month)
    }
}

impl Month {
    /// Month `month` (1–12, clamped) of `year`.
    pub fn new(year: i32, month: u32) -> Month {
        Month(year * 12 + month.clamp(1, 12) as i32 - 1)
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.0.div_euclid(12)
    }

    /// The month of the year, 1–12.
    pub fn number(self) -> u32 {
        self.0.rem_euclid(12) as u32 + 1
    }

    /// `count` months later (earlier if negative).
    pub fn plus(self, count: i64) -> Month {
        let count = i32::try_from(count).unwrap_or(if count < 0 { i32::MIN } else { i32::MAX });
        Month(self.0.saturating_add(count))
    }

    /// Months from `self` to `later` (negative if `later` is earlier).
    pub fn months_until(self, later: Month) -> i64 {
        i64::from(later.0) - i64::from(self.0)
    }

    /// Day `day` of the month, clamped into it.
    pub fn day(self, day: u32) -> Day {
        Day::ymd(self.year(), self.number(), day)
    }

    /// The 1st.
    pub fn first_day(self) -> Day {
        self.day(1)
    }

    /// The last day.
    pub fn last_day(self) -> Day {
        self.day(31)
    }
}

/// The last month a pledge can owe for a child born on `birth`: the month of the day
/// before the 18th birthday, which is birth + 216 months with 29 February becoming
/// 28 February (the domain's rule, `ledger_domain::schedule::last_month_before_18`).
pub fn last_month_before_18(birth: Day) -> Month {
    let (year, month, day) = birth.civil();
    Day::ymd(year + 18, month, day).plus(-1).month()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip() {
        assert_eq!(Day::ymd(1970, 1, 1), Day(0));
        assert_eq!(Day::ymd(2000, 3, 1).civil(), (2000, 3, 1));
        let mut day = Day::ymd(1999, 12, 25);
        for _ in 0..20_000 {
            let (y, m, d) = day.civil();
            assert_eq!(Day::ymd(y, m, d), day);
            day = day.plus(1);
        }
        assert_eq!(Day::ymd(2023, 2, 31).civil(), (2023, 2, 28));
        assert_eq!(Day::ymd(2024, 2, 31).civil(), (2024, 2, 29));
    }

    #[test]
    fn months_count_across_years() {
        let january = Month::new(2023, 1);
        assert_eq!(january.plus(-1), Month::new(2022, 12));
        assert_eq!(january.plus(13).number(), 2);
        assert_eq!(january.months_until(Month::new(2024, 3)), 14);
        assert_eq!(Month::new(2024, 2).last_day().civil(), (2024, 2, 29));
    }

    #[test]
    fn eighteen_follows_the_leap_day_and_first_of_month_rules() {
        let check = |birth: Day, year, month| {
            assert_eq!(last_month_before_18(birth), Month::new(year, month))
        };
        check(Day::ymd(2008, 2, 29), 2026, 2);
        check(Day::ymd(2010, 3, 1), 2028, 2);
        check(Day::ymd(2010, 3, 2), 2028, 3);
    }

    #[test]
    fn dates_and_the_18th_birthday_agree_with_chrono_and_the_domain() {
        use chrono::Datelike;
        let mut chrono_day = chrono::NaiveDate::from_ymd_opt(1999, 1, 1).unwrap();
        let mut day = Day::ymd(1999, 1, 1);
        while chrono_day.year() < 2013 {
            let expected = (chrono_day.year(), chrono_day.month(), chrono_day.day());
            assert_eq!(day.civil(), expected);
            let domain = ledger_domain::schedule::last_month_before_18(chrono_day).unwrap();
            let ours = last_month_before_18(day);
            assert_eq!(
                (ours.year(), ours.number()),
                (domain.year(), domain.month())
            );
            chrono_day = chrono_day.succ_opt().unwrap();
            day = day.plus(1);
        }
    }
}
