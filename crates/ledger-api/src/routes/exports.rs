//! Finance exports to open in a spreadsheet: the whole workbook as XLSX and the budget book
//! as CSV, at any point in both time axes.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::auth::{scope, Authorized};
use crate::extract::ApiQuery;
use crate::finance::{budget_book, finance_sheets, to_csv, to_xlsx, ExportError};
use crate::problem::ApiError;
use crate::routes::queries::{at_time, horizon, Asked, TimeParams, ValidTime};
use crate::state::AppState;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn download(content_type: &'static str, disposition: &'static str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

/// One workbook: budget book by programme, source, unit and month; disbursements;
/// sponsorship schedules and arrears; housing works; trial balance. Money in whole dong
/// (`#,##0`).
#[utoipa::path(get, path = "/api/v1/exports/finance.xlsx", tag = "exports", params(TimeParams),
    security(("bearer" = ["export"])),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 400, body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::problem::Problem, content_type = "application/problem+json")))]
pub async fn finance_xlsx(
    State(state): State<AppState>,
    auth: Authorized<scope::Export>,
    ApiQuery(time): ApiQuery<TimeParams>,
) -> Result<Response, ApiError> {
    let as_of = time.as_of;
    let sheets = |l: &_, on, upto| finance_sheets(l, on, horizon(l, Asked { as_of, upto }));
    let time = (time, ValidTime::Bitemporal);
    let (sheets, _, _) = at_time(&state, &auth.caller, time, sheets).await?;
    let bytes = to_xlsx(&sheets).map_err(|e| match e {
        ExportError::TooLargeForSpreadsheet { .. } => ApiError::unprocessable(e.to_string()),
        ExportError::Xlsx(cause) => ApiError::Internal(cause),
    })?;
    Ok(download(
        XLSX,
        "attachment; filename=\"finance.xlsx\"",
        bytes,
    ))
}

/// The budget book as CSV (UTF-8 with a byte-order mark), amounts as whole dong digits.
#[utoipa::path(get, path = "/api/v1/exports/budget.csv", tag = "exports", params(TimeParams),
    security(("bearer" = ["export"])),
    responses((status = 200, content_type = "text/csv", body = String),
        (status = 400, body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::problem::Problem, content_type = "application/problem+json")))]
pub async fn budget_csv(
    State(state): State<AppState>,
    auth: Authorized<scope::Export>,
    ApiQuery(time): ApiQuery<TimeParams>,
) -> Result<Response, ApiError> {
    let as_of = time.as_of;
    let book = |l: &_, _, upto| budget_book(l, horizon(l, Asked { as_of, upto }));
    let time = (time, ValidTime::Bitemporal);
    let (sheet, _, _) = at_time(&state, &auth.caller, time, book).await?;
    Ok(download(
        "text/csv; charset=utf-8",
        "attachment; filename=\"budget.csv\"",
        to_csv(&sheet).into_bytes(),
    ))
}
