//! Projections: read-only answers computed from a [`crate::Ledger`].
//!
//! Each projection reads a ledger replayed to the wanted `as_of` / `known_at` (see
//! [`crate::replay`]); queries that depend on "today" (due, overdue, arrears) take the
//! date as a parameter. Results are plain `Serialize` structs: money as `Dong` (JSON
//! strings of digits), dates as ISO strings, months as `"YYYY-MM"`. Figures by unit can
//! be grouped by the unit recorded at the time or by today's unit ([`units`]).

pub mod accounts;
pub mod annual;
pub mod audit;
pub mod budget;
pub mod housing;
pub mod integrity;
pub mod jobs;
pub mod poverty;
pub mod sponsorship;
pub mod units;

pub use units::{UnitBucket, UnitGrouping, UnitLabel};
