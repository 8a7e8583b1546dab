//! Shared by the integration tests: generating into memory, and replaying lines through
//! `ledger_domain::decide` the way the importer does.

#![allow(dead_code)] // each test binary uses its own part of this module

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::OnceLock;

use chrono::{TimeZone, Utc};
use ledger_domain::{decide, Command, Ledger, RecordedEvent};
use ledger_gen::{generate, Scale};
use serde::Deserialize;

/// One import line, as the importer reads it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportLine {
    pub key: String,
    #[serde(default)]
    pub source_ref: Option<String>,
    pub command: Command,
}

/// The whole output of `scale` for `seed`.
pub fn generated(scale: Scale, seed: u64) -> Vec<u8> {
    let mut out = Vec::new();
    let written = generate(scale, seed, &mut out, |_| {}).expect("writing to memory cannot fail");
    assert_eq!(written, out.iter().filter(|&&b| b == b'\n').count() as u64);
    out
}

/// The city for seed 42, generated once per test binary.
pub fn city() -> &'static str {
    static CITY: OnceLock<String> = OnceLock::new();
    CITY.get_or_init(|| String::from_utf8(generated(Scale::City, 42)).expect("UTF-8"))
}

/// A writer that takes `limit` lines and then refuses more, to stop a big generation early.
pub struct FirstLines {
    pub bytes: Vec<u8>,
    pub lines: usize,
    pub limit: usize,
}

impl Write for FirstLines {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.lines >= self.limit {
            return Err(io::Error::other("enough lines"));
        }
        self.lines += buf.iter().filter(|&&b| b == b'\n').count();
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The ledger after every line, and how many lines of each command it took.
pub struct Replayed {
    pub ledger: Ledger,
    pub lines: usize,
    pub commands: BTreeMap<&'static str, usize>,
}

/// Decides every line in order against the ledger the lines before it left, and applies
/// its events: positions from 1, stream versions from the ledger, a fixed recording time,
/// and the event id `ledger_gen::event_id(key)` (reversals name events by it).
pub fn replay<'a>(lines: impl IntoIterator<Item = &'a str>) -> Result<Replayed, String> {
    let recorded_at = Utc.with_ymd_and_hms(2026, 1, 15, 0, 0, 0).unwrap();
    let mut ledger = Ledger::new();
    let mut commands = BTreeMap::new();
    let mut position = 0u64;
    let mut count = 0;
    for (index, text) in lines.into_iter().enumerate() {
        let line: ImportLine =
            serde_json::from_str(text).map_err(|e| format!("line {}: {e}: {text}", index + 1))?;
        let events = decide(&ledger, &line.command)
            .map_err(|e| format!("line {} ({}) was rejected: {e}", index + 1, line.key))?;
        if events.len() != 1 {
            return Err(format!(
                "line {} yielded {} events",
                index + 1,
                events.len()
            ));
        }
        for event in events {
            position += 1;
            let stream = event.stream();
            let recorded = RecordedEvent {
                position,
                stream_version: ledger.stream_version(&stream) + 1,
                stream,
                event_id: ledger_gen::event_id(&line.key),
                occurred_on: event.occurred_on(),
                recorded_at,
                recorded_by: "ledger-gen-test".to_owned(),
                source_ref: line.source_ref.clone(),
                event,
            };
            ledger.apply(&recorded);
        }
        *commands.entry(line.command.name()).or_default() += 1;
        count += 1;
    }
    Ok(Replayed {
        ledger,
        lines: count,
        commands,
    })
}
