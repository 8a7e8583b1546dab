//! Money: whole Vietnamese dong as a validated newtype over `rust_decimal::Decimal`.
//!
//! VND has no minor unit, so a `Dong` always has scale 0. It can only be built valid:
//! [`Dong::parse`], [`Dong::from_i64`] and `TryFrom<Decimal>` reject fractions, negatives
//! and amounts above [`Dong::MAX`]. In JSON a `Dong` is a string of digits
//! (`"6600000000"`); for people it prints as `6.600.000.000 ₫`. There is no `f64` here.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use balance::Balance;

mod balance;

/// Why a value is not a valid amount of dong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The text is not a plain decimal number (digits, optionally one `.` and digits).
    #[error("\"{0}\" is not an amount of dong: use digits only, e.g. \"1000000\"")]
    NotANumber(String),
    /// VND has no minor unit.
    #[error("{0} is not a whole number of dong: VND has no minor unit")]
    Fraction(String),
    /// Amounts are never negative; corrections are separate reversing events.
    #[error("{0} is negative: amounts of dong are never negative")]
    Negative(String),
    /// Above the sanity bound.
    #[error("{0} exceeds the largest amount the ledger accepts, {max}", max = Dong::MAX)]
    TooLarge(String),
}

/// A non-negative whole number of Vietnamese dong, at most [`Dong::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Dong(Decimal);

/// 10^18 as an integer, the value of [`Dong::MAX`].
const MAX_DONG_I64: i64 = 1_000_000_000_000_000_000;

impl Dong {
    /// The largest amount: 10^18 dong.
    ///
    /// Why this bound: Vietnam's whole annual state budget is about 2 × 10^15 dong, and
    /// the largest honest total this ledger forms (a national sponsorship obligation, a
    /// million children × 1,000,000 ₫ × 216 months) is about 2 × 10^17. An amount above
    /// 10^18 can only be corrupt input. The bound also keeps sums exact: Decimal holds
    /// 28 digits, so ten billion amounts of 10^18 still add without rounding.
    pub const MAX: Dong = Dong(Decimal::from_parts(
        MAX_DONG_I64 as u32,
        (MAX_DONG_I64 >> 32) as u32,
        0,
        false,
        0,
    ));

    /// Zero dong.
    pub const ZERO: Dong = Dong(Decimal::ZERO);

    /// Parses a plain decimal number of dong: digits, optionally followed by `.` and
    /// digits that are all zero (`"1500000"`, `"1500000.0"`). Rejects `"1.5"`, signs,
    /// spaces, exponents and thousands separators.
    pub fn parse(text: &str) -> Result<Dong, MoneyError> {
        let mut parts = text.splitn(2, '.');
        let whole = parts.next().unwrap_or("");
        let fraction = parts.next();
        let digits_only = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits_only(whole) || fraction.is_some_and(|f| !digits_only(f)) {
            return Err(MoneyError::NotANumber(text.to_owned()));
        }
        // Leading zeros and long inputs are trimmed first so Decimal never overflows
        // on something that is merely too large.
        let significant = whole.trim_start_matches('0');
        if significant.len() > 19 {
            return Err(MoneyError::TooLarge(text.to_owned()));
        }
        if fraction.is_some_and(|f| f.bytes().any(|b| b != b'0')) {
            return Err(MoneyError::Fraction(text.to_owned()));
        }
        let value = if significant.is_empty() {
            Decimal::ZERO
        } else {
            Decimal::from_str(significant).map_err(|_| MoneyError::NotANumber(text.to_owned()))?
        };
        Dong::try_from(value)
    }

    /// Builds an amount from an integer number of dong.
    pub fn from_i64(amount: i64) -> Result<Dong, MoneyError> {
        Dong::try_from(Decimal::from(amount))
    }

    /// The underlying decimal (scale 0).
    pub fn as_decimal(&self) -> Decimal {
        self.0
    }

    /// The canonical machine form: digits only, e.g. `"6600000000"`.
    pub fn digits(&self) -> String {
        self.0.to_string()
    }

    /// True for zero dong.
    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }

    /// `self + other`, or `None` above [`Dong::MAX`].
    pub fn checked_add(self, other: Dong) -> Option<Dong> {
        Dong::from_units(self.units().checked_add(other.units())?)
    }

    /// `self - other`, or `None` below zero.
    pub fn checked_sub(self, other: Dong) -> Option<Dong> {
        Dong::from_units(self.units().checked_sub(other.units())?)
    }

    /// `self × count`, or `None` above [`Dong::MAX`].
    pub fn checked_mul(self, count: u64) -> Option<Dong> {
        Dong::from_units(self.units().checked_mul(i128::from(count))?)
    }

    /// The amount as an integer. Every `Dong` is built by `try_from`, which normalises to
    /// scale 0, so the mantissa is the amount: report totals add millions of amounts, and
    /// integer arithmetic skips `Decimal`'s rescaling and the re-validation per step.
    pub(crate) fn units(self) -> i128 {
        debug_assert_eq!(self.0.scale(), 0);
        self.0.mantissa()
    }

    /// An integer amount within `0..=MAX`, or `None`.
    pub(crate) fn from_units(units: i128) -> Option<Dong> {
        (0..=i128::from(MAX_DONG_I64))
            .contains(&units)
            .then(|| Dong(Decimal::from_i128_with_scale(units, 0)))
    }

    /// `self + other`, capped at [`Dong::MAX`]. For report totals only: the rules keep
    /// every recorded figure far below the cap (see [`Dong::MAX`]).
    pub fn saturating_add(self, other: Dong) -> Dong {
        self.checked_add(other).unwrap_or(Dong::MAX)
    }

    /// `self - other`, floored at zero (e.g. arrears = max(due − paid, 0)).
    pub fn saturating_sub(self, other: Dong) -> Dong {
        self.checked_sub(other).unwrap_or(Dong::ZERO)
    }

    /// The signed difference `self − other`.
    pub fn minus(self, other: Dong) -> Balance {
        Balance::debit(self) + Balance::credit(other)
    }
}

impl TryFrom<Decimal> for Dong {
    type Error = MoneyError;

    fn try_from(value: Decimal) -> Result<Dong, MoneyError> {
        let normal = value.normalize();
        if normal.scale() != 0 {
            return Err(MoneyError::Fraction(value.to_string()));
        }
        if normal.is_sign_negative() && !normal.is_zero() {
            return Err(MoneyError::Negative(value.to_string()));
        }
        if normal > Dong::MAX.0 {
            return Err(MoneyError::TooLarge(value.to_string()));
        }
        // `normalize` turns -0 into 0 and strips trailing zeros, so equal amounts compare
        // and hash equal.
        Ok(Dong(normal.abs()))
    }
}

impl FromStr for Dong {
    type Err = MoneyError;

    fn from_str(text: &str) -> Result<Dong, MoneyError> {
        Dong::parse(text)
    }
}

/// Writes `digits` with a dot between every group of three, e.g. `6.600.000.000`.
pub(crate) fn group_thousands(digits: &str, out: &mut fmt::Formatter<'_>) -> fmt::Result {
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.write_str(".")?;
        }
        write!(out, "{digit}")?;
    }
    Ok(())
}

impl fmt::Display for Dong {
    /// The human form: `6.600.000.000 ₫`.
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        group_thousands(&self.digits(), out)?;
        out.write_str(" ₫")
    }
}

impl Serialize for Dong {
    /// A digit string where people may read it (JSON); an integer in compact binary forms
    /// (projection snapshots), where writing and parsing digit strings took a tenth of the
    /// time of encoding and of decoding a snapshot.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            return serializer.serialize_str(&self.digits());
        }
        match u64::try_from(self.0.mantissa()) {
            Ok(whole) => serializer.serialize_u64(whole),
            Err(_) => Err(serde::ser::Error::custom("an amount of dong out of range")),
        }
    }
}

struct DongVisitor;

impl Visitor<'_> for DongVisitor {
    type Value = Dong;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an amount of dong as a string of digits, e.g. \"1000000\"")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Dong, E> {
        Dong::parse(text).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Dong, E> {
        Dong::try_from(Decimal::from(value)).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Dong, E> {
        Dong::from_i64(value).map_err(E::custom)
    }

    // Floating-point JSON numbers are refused by serde's default `visit_f64`: amounts
    // never pass through binary floating point.
}

impl<'de> Deserialize<'de> for Dong {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Dong, D::Error> {
        // JSON may carry a number or a string; compact binary forms (projection snapshots)
        // cannot say which, so they always hold the integer `serialize` writes.
        if deserializer.is_human_readable() {
            deserializer.deserialize_any(DongVisitor)
        } else {
            deserializer.deserialize_u64(DongVisitor)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_is_ten_to_the_eighteenth() {
        assert_eq!(Dong::MAX.digits(), "1000000000000000000");
    }

    #[test]
    fn display_groups_thousands_with_dots() {
        let amount = Dong::parse("6600000000").unwrap();
        assert_eq!(amount.to_string(), "6.600.000.000 ₫");
        assert_eq!(Dong::parse("999").unwrap().to_string(), "999 ₫");
        assert_eq!(Dong::ZERO.to_string(), "0 ₫");
        assert_eq!(Dong::parse("1000").unwrap().to_string(), "1.000 ₫");
    }

    #[test]
    fn balance_displays_its_sign() {
        let balance = Dong::parse("1000")
            .unwrap()
            .minus(Dong::parse("1500000").unwrap());
        assert_eq!(balance.to_string(), "-1.499.000 ₫");
        assert_eq!(balance.digits(), "-1499000");
    }
}
