//! A sheet as CSV: UTF-8 with a byte-order mark, comma-separated, RFC 4180 quoting.

use super::{Cell, Sheet};

const BYTE_ORDER_MARK: &str = "\u{feff}";

pub fn to_csv(sheet: &Sheet) -> String {
    let mut out = String::from(BYTE_ORDER_MARK);
    push_row(&mut out, sheet.columns.iter().map(|c| c.to_string()));
    for row in &sheet.rows {
        push_row(
            &mut out,
            row.iter().map(|cell| match cell {
                Cell::Text(text) | Cell::Money(text) => text.clone(),
                Cell::Count(n) => n.to_string(),
            }),
        );
    }
    out
}

fn push_row(out: &mut String, fields: impl Iterator<Item = String>) {
    let quoted: Vec<String> = fields.map(|f| quote(&f)).collect();
    out.push_str(&quoted.join(","));
    out.push_str("\r\n");
}

fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_starts_with_a_byte_order_mark_and_quotes_what_needs_it() {
        let sheet = Sheet {
            name: "t",
            columns: vec!["unit", "amount"],
            rows: vec![vec![
                Cell::Text("Hà Khánh, \"ward\"".to_owned()),
                Cell::Money("6600000000".to_owned()),
            ]],
        };
        let text = to_csv(&sheet);
        assert!(text.starts_with('\u{feff}'));
        assert!(
            text.ends_with("\"Hà Khánh, \"\"ward\"\"\",6600000000\r\n"),
            "{text}"
        );
    }
}
