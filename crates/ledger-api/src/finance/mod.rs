//! Finance exports: the figures finance officers audit, as sheets of typed cells, written as
//! CSV (UTF-8 with a byte-order mark, so spreadsheets read Vietnamese names right) or as one
//! XLSX workbook. Money stays whole dong as digit strings until the XLSX writer, which needs
//! numbers (see [`xlsx`]).

mod csv;
mod sheets;
mod xlsx;

pub use csv::to_csv;
pub use sheets::{budget_book, finance_sheets};
pub use xlsx::to_xlsx;

/// One spreadsheet cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    /// Whole dong as digits, with a leading `-` for a negative balance.
    Money(String),
    Count(i64),
}

/// One sheet: a title, column names and rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub name: &'static str,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Spreadsheet numbers are 64-bit floats: whole numbers beyond 2^53 would be rounded.
    #[error("{amount} dong in sheet {sheet} is beyond 2^53, the largest whole number a spreadsheet cell holds exactly")]
    TooLargeForSpreadsheet { sheet: &'static str, amount: String },
    #[error("the workbook could not be written: {0}")]
    Xlsx(String),
}
