//! A one-line progress counter on stderr, shown only when stderr is a terminal, so piped and
//! scripted runs stay quiet.

use std::io::{IsTerminal, Write};

pub struct Progress {
    label: &'static str,
    shown: bool,
    total: Option<u64>,
}

impl Progress {
    /// `total`, when known, turns the count into a percentage.
    pub fn new(label: &'static str, total: Option<u64>) -> Progress {
        Progress {
            label,
            shown: std::io::stderr().is_terminal(),
            total,
        }
    }

    /// Shows `done` (and its share of the total) in place of the previous line.
    pub fn update(&self, done: u64, unit: &str) {
        if !self.shown {
            return;
        }
        let percent = self
            .total
            .filter(|&t| t > 0)
            .map(|t| format!(" {:>3}%", (done.saturating_mul(100) / t).min(100)))
            .unwrap_or_default();
        let mut err = std::io::stderr();
        let _ = write!(err, "\r{}:{percent} {done} {unit}", self.label);
        let _ = err.flush();
    }

    /// Ends the progress line.
    pub fn finish(&self) {
        if self.shown {
            eprintln!();
        }
    }
}
