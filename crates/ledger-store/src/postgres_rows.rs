//! Event rows into PostgreSQL with `COPY … FROM STDIN` in text format: the rows travel as one
//! stream of tab-separated lines instead of a multi-row `INSERT` with twelve bound parameters
//! per row. The text is what the parameters would carry: integers, dates as `YYYY-MM-DD`, the
//! id as a UUID, bytea in hex, `\N` for a missing source reference.

use std::fmt::Write as _;

use sqlx::PgConnection;

use crate::backend::EVENT_COLUMNS;
use crate::date_text::IsoDate;
use crate::error::StoreError;
use crate::plan::Row;

/// Bytes of COPY text sent per message; the server parses while the next part is built.
const COPY_CHUNK_BYTES: usize = 1 << 20;

/// Inserts `rows` inside the caller's open write transaction.
pub(crate) async fn copy_rows(conn: &mut PgConnection, rows: &[Row<'_>]) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut copy = conn
        .copy_in_raw(&format!("COPY events ({EVENT_COLUMNS}) FROM STDIN"))
        .await?;
    let chunk = || String::with_capacity(COPY_CHUNK_BYTES + 4096);
    let mut text = chunk();
    for row in rows {
        push_row(&mut text, row);
        if text.len() >= COPY_CHUNK_BYTES {
            // A new chunk at full size: one left empty grew by doubling, copying itself.
            copy.send(std::mem::replace(&mut text, chunk()).into_bytes())
                .await?;
        }
    }
    if !text.is_empty() {
        copy.send(text.into_bytes()).await?;
    }
    copy.finish().await?;
    Ok(())
}

/// One row as a line of COPY text, columns in [`EVENT_COLUMNS`] order.
fn push_row(out: &mut String, r: &Row) {
    // Writing to a String cannot fail.
    let _ = write!(out, "{}\t", r.position);
    push_text(out, &r.stream);
    let _ = write!(out, "\t{}\t{}\t", r.stream_version, r.event_id.hyphenated());
    push_text(out, &r.kind);
    let _ = write!(
        out,
        "\t{}\t{}\t{}\t",
        r.schema_version,
        IsoDate::new(r.occurred_on).as_str(),
        r.recorded_at_micros
    );
    push_text(out, &r.recorded_by);
    out.push('\t');
    match &r.source_ref {
        Some(source_ref) => push_text(out, source_ref),
        None => out.push_str("\\N"),
    }
    out.push('\t');
    push_text(out, &r.payload);
    out.push_str("\t\\\\x");
    out.push_str(&hex::encode(r.hash));
    out.push('\n');
}

/// A text value with COPY's escapes: backslash, and the characters that end a field or a row.
/// Pushed a character at a time, the payloads' text was the largest part of a PostgreSQL
/// import session's own CPU (BENCHMARKS.md, eleventh pass). Most values hold none of the four:
/// a pass without branches finds that, and one copy writes the value. Otherwise it is copied in runs between them; the four are ASCII, so every run
/// ends on a character boundary.
fn push_text(out: &mut String, value: &str) {
    // Every byte up to `\r` counts as one to escape here; the slow path then decides.
    let plain = value
        .bytes()
        .fold(true, |plain, byte| plain & (byte != b'\\') & (byte > b'\r'));
    if plain {
        out.push_str(value);
        return;
    }
    let mut run = 0;
    for (i, byte) in value.bytes().enumerate() {
        let escaped = match byte {
            b'\\' => "\\\\",
            b'\t' => "\\t",
            b'\n' => "\\n",
            b'\r' => "\\r",
            _ => continue,
        };
        out.push_str(&value[run..i]);
        out.push_str(escaped);
        run = i + 1;
    }
    out.push_str(&value[run..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_is_one_line_with_every_separator_in_a_value_escaped() {
        let row = Row {
            position: 7,
            stream: "household-1".into(),
            stream_version: 2,
            event_id: uuid::Uuid::nil(),
            kind: "Noted".into(),
            schema_version: 1,
            occurred_on: chrono::NaiveDate::from_ymd_opt(2023, 6, 1).unwrap_or_default(),
            recorded_at_micros: 42,
            recorded_by: "clerk\t1".into(),
            source_ref: None,
            payload: "{\"note\":\"a\\\\b\nc\"}".into(),
            hash: [0xab; 32],
        };
        let mut line = String::new();
        push_row(&mut line, &row);
        let fields: Vec<&str> = line.trim_end_matches('\n').split('\t').collect();
        assert_eq!(fields.len(), 12, "{line}");
        assert_eq!(fields[3], "00000000-0000-0000-0000-000000000000");
        assert_eq!(fields[6], "2023-06-01");
        assert_eq!(fields[8], "clerk\\t1");
        assert_eq!(fields[9], "\\N");
        assert_eq!(fields[10], "{\"note\":\"a\\\\\\\\b\\nc\"}");
        assert_eq!(fields[11], format!("\\\\x{}", "ab".repeat(32)));
        assert_eq!(line.matches('\n').count(), 1);
    }

    #[test]
    fn escapes_land_between_runs_of_any_text() {
        for (text, escaped) in [
            ("", ""),
            ("Hạ Long", "Hạ Long"),
            ("\\", "\\\\"),
            ("\tđầu\n", "\\tđầu\\n"),
            ("xã\r\n\\phường", "xã\\r\\n\\\\phường"),
            ("\n\n", "\\n\\n"),
            ("a\u{b}b", "a\u{b}b"),
        ] {
            let mut out = String::from(">");
            push_text(&mut out, text);
            assert_eq!(out, format!(">{escaped}"), "{text:?}");
        }
    }
}
