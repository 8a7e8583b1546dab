//! Writing import lines: `{"key":…,"source_ref":…,"command":{…}}`, hand-rendered.
//!
//! Lines are rendered straight into one byte arena per month (no allocation per line,
//! no serde on the hot path: country scale writes twenty million of them). A [`Bucket`]
//! holds one region-month; [`Bucket::drain`] sorts it by business date, then by
//! [`rank`] (what a same-day command depends on comes first), keeping emission order for
//! ties, and writes it out.

use std::io::{self, Write};

use crate::calendar::Day;
use crate::piece::{Piece, Value};

/// Same-day order: a command comes after every kind it may depend on (a unit before a
/// household in it, an approval before its disbursement, a transfer before the new
/// sponsor's first payment, a payment before its reversal or an early end).
pub mod rank {
    pub const UNIT: u8 = 0;
    pub const MERGE: u8 = 1;
    pub const STANDARD: u8 = 2;
    pub const PROGRAMME: u8 = 3;
    pub const ALLOCATION: u8 = 4;
    pub const JOBS_TARGET: u8 = 5;
    pub const HOUSEHOLD: u8 = 6;
    pub const CLASSIFY: u8 = 7;
    pub const EXIT: u8 = 8;
    pub const APPROVAL: u8 = 9;
    pub const CANCEL: u8 = 10;
    pub const DISBURSE: u8 = 11;
    pub const START: u8 = 12;
    pub const COMPLETE: u8 = 13;
    pub const CORRECT: u8 = 14;
    pub const SPONSOR: u8 = 15;
    pub const CHILD: u8 = 16;
    pub const PLEDGE: u8 = 17;
    pub const TRANSFER: u8 = 18;
    pub const PAYMENT: u8 = 19;
    pub const REVERSAL: u8 = 20;
    pub const END: u8 = 21;
    pub const JOBS: u8 = 22;
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    day: Day,
    rank: u8,
    start: usize,
    end: usize,
}

/// The lines of one region-month, before sorting.
#[derive(Debug)]
pub struct Bucket {
    prefix: String,
    buf: Vec<u8>,
    entries: Vec<Entry>,
}

/// Where sorted lines go: a buffered writer, the line count and the progress callback.
pub struct Sink<W: Write, P: FnMut(u64)> {
    out: io::BufWriter<W>,
    lines: u64,
    progress: P,
}

/// How often the progress callback hears the line count.
pub const PROGRESS_EVERY: u64 = 10_000;

impl<W: Write, P: FnMut(u64)> Sink<W, P> {
    pub fn new(out: W, progress: P) -> Self {
        Sink {
            out: io::BufWriter::with_capacity(1 << 16, out),
            lines: 0,
            progress,
        }
    }

    fn write_line(&mut self, line: &[u8]) -> io::Result<()> {
        self.out.write_all(line)?;
        self.lines += 1;
        if self.lines % PROGRESS_EVERY == 0 {
            (self.progress)(self.lines);
        }
        Ok(())
    }

    /// Flushes and returns the number of lines written.
    pub fn finish(mut self) -> io::Result<u64> {
        self.out.flush()?;
        Ok(self.lines)
    }
}

impl Bucket {
    /// An empty bucket whose keys start with `prefix` (e.g. `gen-city-42/`).
    pub fn new(prefix: String) -> Bucket {
        Bucket {
            prefix,
            buf: Vec::with_capacity(1 << 16),
            entries: Vec::with_capacity(1 << 10),
        }
    }

    /// Starts a line dated `day`: the key is open, its prefix written; the caller writes
    /// the rest of the key, then [`Line::source`] (optional) and [`Line::command`].
    pub fn line(&mut self, day: Day, rank: u8) -> Line<'_> {
        let start = self.buf.len();
        self.buf.extend_from_slice(b"{\"key\":\"");
        self.buf.extend_from_slice(self.prefix.as_bytes());
        self.entries.push(Entry {
            day,
            rank,
            start,
            end: start,
        });
        Line {
            bucket: self,
            key_start: start + 8,
        }
    }

    /// Writes the lines sorted by (date, rank, emission order) and empties the bucket.
    pub fn drain<W: Write, P: FnMut(u64)>(&mut self, sink: &mut Sink<W, P>) -> io::Result<()> {
        // `sort_by_key` is stable: ties keep the order entities emitted them in.
        self.entries.sort_by_key(|entry| (entry.day, entry.rank));
        for entry in &self.entries {
            if let Some(line) = self.buf.get(entry.start..entry.end) {
                sink.write_line(line)?;
            }
        }
        self.entries.clear();
        self.buf.clear();
        Ok(())
    }
}

/// One line being written: `key` pieces, then an optional `source`, then `command` and
/// its fields in the order the domain's structs declare them. Dropping it closes the JSON
/// object (`}}` and a newline), so every line that is started is whole.
pub struct Line<'a> {
    bucket: &'a mut Bucket,
    key_start: usize,
}

impl Line<'_> {
    /// Appends to the key (its prefix is already written).
    pub fn key(&mut self, piece: impl Piece) -> &mut Self {
        piece.put(&mut self.bucket.buf);
        self
    }

    /// The key written so far, prefix included (call before `source` and `command`).
    pub fn key_bytes(&self) -> &[u8] {
        self.bucket.buf.get(self.key_start..).unwrap_or_default()
    }

    /// Closes the key and writes `source_ref`.
    pub fn source(&mut self, piece: impl Piece) -> &mut Self {
        self.bucket.buf.extend_from_slice(b"\",\"source_ref\":\"");
        piece.put(&mut self.bucket.buf);
        self
    }

    /// Closes the key (or source) and opens the command object.
    pub fn command(&mut self, name: &str) -> &mut Self {
        let buf = &mut self.bucket.buf;
        buf.extend_from_slice(b"\",\"command\":{\"command\":\"");
        buf.extend_from_slice(name.as_bytes());
        buf.push(b'"');
        self
    }

    /// A field of the command.
    pub fn field(&mut self, name: &str, value: impl Value) -> &mut Self {
        let buf = &mut self.bucket.buf;
        buf.extend_from_slice(b",\"");
        buf.extend_from_slice(name.as_bytes());
        buf.extend_from_slice(b"\":");
        value.put_value(buf);
        self
    }
}

impl Drop for Line<'_> {
    fn drop(&mut self) {
        self.bucket.buf.extend_from_slice(b"}}\n");
        let end = self.bucket.buf.len();
        if let Some(entry) = self.bucket.entries.last_mut() {
            entry.end = end;
        }
    }
}
