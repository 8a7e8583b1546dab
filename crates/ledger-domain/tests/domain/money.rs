//! `Dong`: whole, non-negative, bounded; strings of digits in JSON; dots for people.

use ledger_domain::money::MoneyError;
use ledger_domain::Dong;
use rust_decimal::Decimal;

#[test]
fn an_amount_parses_from_digits_and_prints_with_dots_and_the_dong_sign() {
    let amount = Dong::parse("6600000000").unwrap();
    assert_eq!(amount.to_string(), "6.600.000.000 ₫");
    assert_eq!(amount.digits(), "6600000000");
}

#[test]
fn a_fractional_amount_is_rejected() {
    assert!(matches!(Dong::parse("1.5"), Err(MoneyError::Fraction(_))));
    assert!(matches!(
        Dong::try_from(Decimal::new(15, 1)),
        Err(MoneyError::Fraction(_))
    ));
}

#[test]
fn trailing_zero_decimals_normalise_to_whole_dong() {
    let amount = Dong::parse("1500000.00").unwrap();
    assert_eq!(amount, Dong::parse("1500000").unwrap());
    assert_eq!(amount.digits(), "1500000");
    assert_eq!(
        Dong::try_from(Decimal::new(15000, 1)).unwrap().digits(),
        "1500"
    );
}

#[test]
fn a_negative_amount_is_rejected() {
    assert!(matches!(Dong::from_i64(-1), Err(MoneyError::Negative(_))));
    assert!(matches!(Dong::parse("-1"), Err(MoneyError::NotANumber(_))));
}

#[test]
fn text_that_is_not_plain_digits_is_rejected() {
    for text in ["", "1,000", "1.000.000", "1e6", " 1", "+1", "abc", "1."] {
        assert!(Dong::parse(text).is_err(), "{text:?} should be rejected");
    }
}

#[test]
fn an_amount_above_the_bound_is_rejected_and_the_bound_itself_is_accepted() {
    assert_eq!(Dong::parse("1000000000000000000").unwrap(), Dong::MAX);
    assert!(matches!(
        Dong::parse("1000000000000000001"),
        Err(MoneyError::TooLarge(_))
    ));
    assert!(matches!(
        Dong::parse(&"9".repeat(40)),
        Err(MoneyError::TooLarge(_))
    ));
    assert!(Dong::MAX.checked_add(Dong::from_i64(1).unwrap()).is_none());
}

#[test]
fn subtraction_below_zero_is_refused() {
    let one = Dong::from_i64(1).unwrap();
    assert!(Dong::ZERO.checked_sub(one).is_none());
    assert_eq!(one.checked_sub(one), Some(Dong::ZERO));
    assert_eq!(Dong::ZERO.saturating_sub(one), Dong::ZERO);
}

#[test]
fn amounts_serialise_as_strings_of_digits() {
    let amount = Dong::from_i64(6_600_000_000).unwrap();
    assert_eq!(serde_json::to_string(&amount).unwrap(), "\"6600000000\"");
}

#[test]
fn amounts_deserialise_from_strings_and_integers_but_not_floats() {
    assert_eq!(
        serde_json::from_str::<Dong>("\"1000000\"").unwrap(),
        Dong::from_i64(1_000_000).unwrap()
    );
    assert_eq!(
        serde_json::from_str::<Dong>("1000000").unwrap(),
        Dong::from_i64(1_000_000).unwrap()
    );
    assert!(serde_json::from_str::<Dong>("1000000.0").is_err());
    assert!(serde_json::from_str::<Dong>("1.5").is_err());
    assert!(serde_json::from_str::<Dong>("-5").is_err());
    assert!(serde_json::from_str::<Dong>("\"1.5\"").is_err());
}

proptest::proptest! {
    /// Arithmetic runs on integers; it must agree with `Decimal` arithmetic validated by
    /// `try_from`, including at the bounds (0, `MAX`) and for amounts built with trailing
    /// zeros or a scale (`"1000.00"` normalises to 1000).
    #[test]
    fn integer_arithmetic_agrees_with_decimal_arithmetic(
        a in 0u64..=1_000_000_000_000_000_000,
        b in 0u64..=1_000_000_000_000_000_000,
        count in 0u64..100_000,
    ) {
        let dong = |n: u64| Dong::try_from(Decimal::from_i128_with_scale(i128::from(n) * 100, 2)).unwrap();
        let (x, y) = (dong(a), dong(b));
        let expect = |d: Option<Decimal>| d.and_then(|d| Dong::try_from(d).ok());
        proptest::prop_assert_eq!(x.checked_add(y), expect(Decimal::from(a).checked_add(Decimal::from(b))));
        proptest::prop_assert_eq!(x.checked_sub(y), expect(Decimal::from(a).checked_sub(Decimal::from(b))));
        proptest::prop_assert_eq!(x.checked_mul(count), expect(Decimal::from(a).checked_mul(Decimal::from(count))));
    }
}
