//! Given/when/then helpers: a scenario decides commands against its ledger, records the
//! resulting events in an in-memory log (deterministic ids and timestamps) and applies
//! them. Commands are written as JSON, as the API and importer send them.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use ledger_domain::decide::decide;
use ledger_domain::{Command, DomainError, Dong, Event, Ledger, RecordedEvent, YearMonth};
use serde_json::Value;
use uuid::Uuid;

/// A date from "YYYY-MM-DD".
pub fn d(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// A month from "YYYY-MM".
pub fn m(text: &str) -> YearMonth {
    text.parse().unwrap()
}

/// An amount of dong.
pub fn vnd(amount: i64) -> Dong {
    Dong::from_i64(amount).unwrap()
}

/// A command from JSON.
pub fn cmd(value: Value) -> Command {
    serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("bad command {value}: {e}"))
}

/// The transaction time of the event at `position`.
pub fn recorded_at(position: u64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap() + Duration::hours(position as i64)
}

/// A ledger with its log.
#[derive(Clone, Default)]
pub struct Scenario {
    pub ledger: Ledger,
    pub log: Vec<RecordedEvent>,
}

/// The result of `when`.
pub struct Outcome(pub Result<Vec<Event>, DomainError>);

impl Scenario {
    /// A scenario where `commands` were all accepted.
    pub fn given(commands: impl IntoIterator<Item = Command>) -> Scenario {
        let mut scenario = Scenario::default();
        for command in commands {
            scenario.record(command);
        }
        scenario
    }

    /// Records a command that must be accepted; returns its events' ids.
    pub fn record(&mut self, command: Command) -> Vec<Uuid> {
        self.try_record(command.clone())
            .unwrap_or_else(|e| panic!("{} was rejected: {e}", command.name()))
    }

    /// Records a command if accepted.
    pub fn try_record(&mut self, command: Command) -> Result<Vec<Uuid>, DomainError> {
        let events = decide(&self.ledger, &command)?;
        let mut ids = Vec::new();
        for event in events {
            let recorded = self.envelope(event);
            ids.push(recorded.event_id);
            self.ledger.apply(&recorded);
            self.log.push(recorded);
        }
        Ok(ids)
    }

    /// Wraps an event as the store would.
    pub fn envelope(&self, event: Event) -> RecordedEvent {
        let position = self.log.len() as u64 + 1;
        let stream = event.stream();
        RecordedEvent {
            position,
            stream_version: self.ledger.stream_version(&stream) + 1,
            stream,
            event_id: Uuid::from_u128(position as u128),
            occurred_on: event.occurred_on(),
            recorded_at: recorded_at(position),
            recorded_by: "clerk".to_owned(),
            source_ref: None,
            event,
        }
    }

    /// Decides `command` without recording it.
    pub fn when(&self, command: Command) -> Outcome {
        Outcome(decide(&self.ledger, &command))
    }

    /// The id of the last recorded event.
    pub fn last_id(&self) -> Uuid {
        self.log.last().unwrap().event_id
    }
}

impl Outcome {
    /// Asserts acceptance and returns the events.
    pub fn then_events(self) -> Vec<Event> {
        self.0
            .unwrap_or_else(|e| panic!("expected events, got rejection: {e}"))
    }

    /// Asserts acceptance with events of these kinds.
    pub fn then_kinds(self, kinds: &[&str]) -> Vec<Event> {
        let events = self.then_events();
        let found: Vec<&str> = events.iter().map(Event::kind).collect();
        assert_eq!(found, kinds);
        events
    }

    /// Asserts rejection and returns the error.
    pub fn then_rejected(self) -> DomainError {
        match self.0 {
            Ok(events) => panic!("expected a rejection, got {events:?}"),
            Err(error) => error,
        }
    }

    /// Asserts rejection with exactly this message.
    pub fn then_rejected_with(self, message: &str) -> DomainError {
        let error = self.then_rejected();
        assert_eq!(error.to_string(), message);
        error
    }
}

mod builders;

pub use builders::*;
