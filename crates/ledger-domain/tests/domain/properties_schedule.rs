//! Property tests of the sponsorship arithmetic: the obligation to 18 is amount × months
//! for any birth date (29 February and the 1st included), and a transfer never loses or
//! doubles a month.

use chrono::{Datelike, Duration, NaiveDate};
use ledger_domain::projection::sponsorship::{by_sponsor, sponsorships};
use ledger_domain::{Command, DomainError, YearMonth};
use proptest::prelude::*;

use crate::helpers::*;

// ---- sponsorship arithmetic ------------------------------------------------------------

fn days_in_month(year: i32, month: u32) -> u32 {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    next.unwrap().pred_opt().unwrap().day()
}

/// The 18th birthday computed without chrono's month arithmetic.
fn eighteenth_birthday(birth: NaiveDate) -> NaiveDate {
    let year = birth.year() + 18;
    let day = birth.day().min(days_in_month(year, birth.month()));
    NaiveDate::from_ymd_opt(year, birth.month(), day).unwrap()
}

/// Months owed from `first`: first days before the 18th birthday, at most `fixed`.
fn months_owed(birth: NaiveDate, first: YearMonth, fixed: Option<u32>) -> u32 {
    let birthday = eighteenth_birthday(birth);
    let mut count = 0;
    let mut month = first;
    while month.first_day() < birthday && fixed.is_none_or(|limit| count < limit) {
        count += 1;
        month = month.next().unwrap();
    }
    count
}

fn birth_date() -> impl Strategy<Value = NaiveDate> {
    prop_oneof![
        (0..12_000i64).prop_map(|days| d("1995-01-01") + Duration::days(days)),
        (0..8i32).prop_map(|n| NaiveDate::from_ymd_opt(1996 + 4 * n, 2, 29).unwrap()),
        (1995..2026i32, 1..=12u32)
            .prop_map(|(year, month)| NaiveDate::from_ymd_opt(year, month, 1).unwrap()),
    ]
}

/// A world where anyone can be registered on their birth date.
fn open_world() -> Scenario {
    Scenario::given([
        register_unit("06652", "Hà Phong", "ward", None, None, "1990-01-01"),
        open_programme("children-2023", "sponsorship", "2050-12-31", "1990-01-01"),
        register_sponsor("org-1", "1990-01-01"),
        register_sponsor("org-2", "1990-01-01"),
        register_sponsor("org-3", "1990-01-01"),
    ])
}

fn pledge(
    s: &mut Scenario,
    birth: NaiveDate,
    first: YearMonth,
    fixed: Option<u32>,
    monthly: i64,
) -> Result<Vec<uuid::Uuid>, DomainError> {
    let on = birth.to_string();
    s.record(register_child("child-1", &on, &on));
    let mut command = sponsor_child("sp-1", "child-1", "org-1", &first.to_string(), fixed, &on);
    if let Command::SponsorChild(c) = &mut command {
        c.monthly_amount = vnd(monthly);
    }
    s.try_record(command)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn the_obligation_is_the_monthly_amount_times_the_months_before_18(
        birth in birth_date(),
        start in 0..230i64,
        fixed in proptest::option::of(1..240u32),
        monthly in 1..10_000i64,
    ) {
        let first = YearMonth::of(birth).unwrap().plus(start).unwrap();
        let monthly = monthly * 1000;
        let expected = months_owed(birth, first, fixed);
        let mut s = open_world();
        match pledge(&mut s, birth, first, fixed, monthly) {
            Err(DomainError::ChildAlreadyEighteen { .. }) => prop_assert_eq!(expected, 0),
            Err(other) => prop_assert!(false, "unexpected rejection {}", other),
            Ok(_) => {
                prop_assert!(expected > 0);
                let summary = &sponsorships(&s.ledger, birth)[0];
                prop_assert_eq!(summary.obligation.months, u64::from(expected));
                prop_assert_eq!(summary.obligation.obligation, vnd(monthly * i64::from(expected)));
                let last_owed = YearMonth::of(eighteenth_birthday(birth).pred_opt().unwrap()).unwrap();
                prop_assert!(summary.last_month <= last_owed);
                if fixed.is_none() {
                    prop_assert_eq!(summary.last_month, last_owed);
                }
            }
        }
    }

    #[test]
    fn a_transfer_never_loses_or_doubles_a_month(
        birth in (0..5000i64).prop_map(|days| d("2008-01-01") + Duration::days(days)),
        transfers in proptest::collection::vec((1..120i64, 0..3u8), 0..5),
        payments in proptest::collection::vec((0..120i64, 1..13u32), 0..6),
        end in proptest::option::of(0..200i64),
    ) {
        let first = YearMonth::of(birth).unwrap().plus(1).unwrap();
        let mut s = open_world();
        prop_assume!(pledge(&mut s, birth, first, None, 1_000_000).is_ok());
        let on = |k: i64| (birth + Duration::days(k)).to_string();
        let mut owner: Vec<(YearMonth, String)> = vec![(first, "org-1".to_owned())];
        for (step, ((offset, sponsor), (pay_offset, months))) in transfers.iter().zip(payments.iter().cycle()).enumerate() {
            let _ = s.try_record(pay("sp-1", &first.plus(*pay_offset).unwrap().to_string(), *months, &on(step as i64)));
            let from = first.plus(*offset).unwrap();
            let to = format!("org-{}", sponsor + 1);
            if s.try_record(transfer("sp-1", &to, &from.to_string(), &on(step as i64))).is_ok() {
                owner.retain(|(month, _)| *month < from);
                owner.push((from, to));
            }
        }
        if let Some(end) = end {
            let _ = s.try_record(end_sponsorship("sp-1", &first.plus(end).unwrap().to_string(), &on(100)));
        }
        let sponsorship = s.ledger.sponsorships().get("sp-1").unwrap();
        let schedule = sponsorship.schedule;
        // Every scheduled month belongs to exactly one part, and to the right sponsor.
        let parts: Vec<_> = sponsorship.parts().collect();
        let mut month = schedule.first;
        for (sponsor, part) in &parts {
            prop_assert_eq!(part.first, month);
            let name = &s.ledger.sponsors().at(*sponsor).unwrap().id;
            let mut inside = part.first;
            while inside <= part.last {
                let expected = owner.iter().rev().find(|(from, _)| *from <= inside).unwrap();
                prop_assert_eq!(&expected.1, name.as_str());
                inside = inside.next().unwrap();
            }
            month = part.last.next().unwrap();
        }
        prop_assert_eq!(month, schedule.last.next().unwrap());
        // Shares add up to the whole, in months, money and payments.
        let on_date = d("2040-01-01");
        let whole = sponsorships(&s.ledger, on_date)[0].obligation;
        let shares = by_sponsor(&s.ledger, on_date);
        let months: u64 = shares.iter().map(|row| row.obligation.months).sum();
        let obligation = shares.iter().fold(vnd(0), |sum, row| sum.saturating_add(row.obligation.obligation));
        let paid = shares.iter().fold(vnd(0), |sum, row| sum.saturating_add(row.obligation.paid));
        prop_assert_eq!(months, whole.months);
        prop_assert_eq!(obligation, whole.obligation);
        prop_assert_eq!(paid, whole.paid);
    }
}
