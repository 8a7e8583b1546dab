//! How far a historical answer sees along both time axes, for the queries that answer a past
//! `as_of` and a past `known_at` from the live ledger instead of a replay.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// When a fact occurred and where it lies in the log: what a [`Horizon`] compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    /// Its business date.
    pub on: NaiveDate,
    /// Its log position.
    pub position: u64,
}

/// The facts a replay would fold: those that occurred by `as_of` (valid time) and were
/// recorded at or before position `upto` (transaction time: positions and recording times grow
/// together, so a `known_at` names a position).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Horizon {
    /// The last business date seen; `NaiveDate::MAX` for every date.
    pub as_of: NaiveDate,
    /// The last log position seen; `u64::MAX` for the whole log.
    pub upto: u64,
}

impl Horizon {
    /// Every fact: what the live ledger holds.
    pub const WHOLE: Horizon = Horizon {
        as_of: NaiveDate::MAX,
        upto: u64::MAX,
    };

    /// Every fact recorded at or before `upto`, whatever its date.
    pub fn upto(upto: u64) -> Horizon {
        Horizon {
            as_of: NaiveDate::MAX,
            upto,
        }
    }

    /// True if a fact dated `on` and recorded at `position` is seen.
    pub fn sees(&self, on: NaiveDate, position: u64) -> bool {
        on <= self.as_of && position <= self.upto
    }

    /// True if the fact stamped `stamp` is seen.
    pub fn sees_stamp(&self, stamp: Stamp) -> bool {
        self.sees(stamp.on, stamp.position)
    }

    /// True if the correction (a reversal, a cancellation, an early end), when there is one,
    /// is seen.
    pub fn sees_correction(&self, correction: Option<Stamp>) -> bool {
        correction.is_some_and(|stamp| self.sees_stamp(stamp))
    }
}

/// Every fact that occurred by the date, wherever it lies in the log.
impl From<NaiveDate> for Horizon {
    fn from(as_of: NaiveDate) -> Horizon {
        Horizon {
            as_of,
            upto: u64::MAX,
        }
    }
}
