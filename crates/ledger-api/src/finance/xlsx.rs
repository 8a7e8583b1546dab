//! The workbook as XLSX. Spreadsheet numbers are 64-bit floats, so money cells are converted
//! from digit strings (never through a float computation) and refused beyond 2^53 dong, the
//! largest whole number a float holds exactly; 9 × 10^15 dong is far beyond any budget.

use rust_xlsxwriter::{Format, Workbook};

use super::{Cell, ExportError, Sheet};

/// 2^53: every whole number up to it is exact as an f64.
const EXACT_WHOLE_MAX: i64 = 1 << 53;

/// Whole dong, thousands grouped; the spreadsheet's locale chooses the separator.
const DONG_FORMAT: &str = "#,##0";

/// The exact f64 of a digit string, or `None` beyond ±2^53 or when it is not an integer.
fn exact(digits: &str) -> Option<f64> {
    let n: i64 = digits.parse().ok()?;
    // Exact: |n| ≤ 2^53 fits the 53-bit significand.
    (n.abs() <= EXACT_WHOLE_MAX).then_some(n as f64)
}

pub fn to_xlsx(sheets: &[Sheet]) -> Result<Vec<u8>, ExportError> {
    let error = |e: rust_xlsxwriter::XlsxError| ExportError::Xlsx(e.to_string());
    let mut workbook = Workbook::new();
    let dong = Format::new().set_num_format(DONG_FORMAT);
    let bold = Format::new().set_bold();
    for sheet in sheets {
        let ws = workbook.add_worksheet();
        ws.set_name(sheet.name).map_err(error)?;
        for (col, title) in sheet.columns.iter().enumerate() {
            ws.write_string_with_format(0, col as u16, *title, &bold)
                .map_err(error)?;
        }
        for (i, row) in sheet.rows.iter().enumerate() {
            let r = u32::try_from(i + 1).map_err(|_| ExportError::Xlsx("too many rows".into()))?;
            for (col, cell) in row.iter().enumerate() {
                let c = col as u16;
                match cell {
                    Cell::Text(t) => ws.write_string(r, c, t).map(|_| ()),
                    Cell::Count(n) => ws.write_number(r, c, *n as f64).map(|_| ()),
                    Cell::Money(digits) => {
                        let value =
                            exact(digits).ok_or_else(|| ExportError::TooLargeForSpreadsheet {
                                sheet: sheet.name,
                                amount: digits.clone(),
                            })?;
                        ws.write_number_with_format(r, c, value, &dong).map(|_| ())
                    }
                }
                .map_err(error)?;
            }
        }
        ws.autofit();
    }
    workbook.save_to_buffer().map_err(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_dong_up_to_two_to_the_53_are_exact_and_beyond_are_refused() {
        assert_eq!(exact("9007199254740992"), Some(9_007_199_254_740_992.0));
        assert_eq!(exact("-6600000000"), Some(-6_600_000_000.0));
        assert_eq!(exact("9007199254740993"), None);
        let sheet = Sheet {
            name: "Budget book",
            columns: vec!["amount"],
            rows: vec![vec![Cell::Money("9007199254740993".to_owned())]],
        };
        assert!(matches!(
            to_xlsx(&[sheet]),
            Err(ExportError::TooLargeForSpreadsheet { .. })
        ));
    }
}
