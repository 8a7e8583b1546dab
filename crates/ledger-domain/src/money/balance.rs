//! Signed amounts: account balances (debits − credits) and running remainders.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Serialize, Serializer};

use super::{group_thousands, Dong};

/// A signed whole number of dong: account balances (debits − credits) and running
/// remainders. Serialises as a string of digits with an optional leading `-`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Balance(Decimal);

impl Balance {
    /// A zero balance.
    pub const ZERO: Balance = Balance(Decimal::ZERO);

    /// A debit of `amount` (positive).
    pub fn debit(amount: Dong) -> Balance {
        Balance(amount.as_decimal())
    }

    /// A credit of `amount` (negative).
    pub fn credit(amount: Dong) -> Balance {
        Balance(-amount.as_decimal()).normalized()
    }

    /// The same value without a negative zero or trailing zeros, so equal balances are
    /// identical.
    fn normalized(self) -> Balance {
        Balance(self.0.normalize())
    }

    /// The underlying decimal.
    pub fn as_decimal(&self) -> Decimal {
        self.0
    }

    /// True when the balance is zero.
    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }

    /// The machine form: `"-1500"` or `"1500"`.
    pub fn digits(&self) -> String {
        self.0.normalize().to_string()
    }
}

impl std::ops::Add for Balance {
    type Output = Balance;

    fn add(self, other: Balance) -> Balance {
        Balance(self.0 + other.0).normalized()
    }
}

impl std::ops::AddAssign for Balance {
    fn add_assign(&mut self, other: Balance) {
        *self = *self + other;
    }
}

impl fmt::Display for Balance {
    /// The human form: `-1.500.000 ₫`.
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_sign_negative() && !self.0.is_zero() {
            out.write_str("-")?;
        }
        group_thousands(&self.0.abs().normalize().to_string(), out)?;
        out.write_str(" ₫")
    }
}

impl Serialize for Balance {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.digits())
    }
}
