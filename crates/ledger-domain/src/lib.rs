//! `ledger-domain`: the pure core of welfare-ledger.
//!
//! It owns the event catalogue ([`event`]), the commands and the rules that turn them
//! into events ([`command`], [`decide`]), the state those events fold into ([`Ledger`]),
//! the double-entry postings of every money event ([`posting`]) and the projections
//! people ask for ([`projection`]): budgets, housing progress, sponsorship obligations to
//! age 18, poverty status, jobs, and unit mapping across mergers.
//!
//! **Architecture invariant:** this crate has no I/O. No tokio, sqlx or axum, no clock,
//! no randomness, no files, no network. Everything that needs the outside world (ids,
//! today's date, the events themselves) is passed in by the caller, so every function
//! here is deterministic and every rule is tested in microseconds.

pub mod command;
pub mod decide;
pub mod envelope;
pub mod error;
pub mod event;
pub mod id;
pub mod import_line;
pub mod ledger;
pub mod money;
pub mod month;
pub mod posting;
pub mod projection;
pub mod schedule;

pub use command::Command;
pub use decide::{decide, decide_dated};
pub use envelope::{Envelope, RecordedEvent};
pub use error::{DecodeError, DomainError};
pub use event::Event;
pub use id::Id;
pub use ledger::{replay, Ledger, SNAPSHOT_FORMAT};
pub use money::{Balance, Dong};
pub use month::YearMonth;
