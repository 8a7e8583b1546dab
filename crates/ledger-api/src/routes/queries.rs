//! Read-side queries for dashboards, finance officers and inspectors. Every query takes the two
//! time axes (`as_of` date, `known_at` timestamp) and, for inspectors, `at_position`, and echoes
//! them with the ledger position its answer reflects. Without them the live view answers; with
//! any of them the log is replayed up to that point.

use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use ledger_domain::id::Id;
use ledger_domain::ledger::Horizon;
use ledger_domain::projection::annual;
use ledger_domain::projection::{
    accounts, budget, housing, jobs, poverty, sponsorship, units, UnitGrouping,
};
use ledger_domain::{Ledger, YearMonth};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::answer_body::AnswerBody;
use crate::auth::{scope, Access, Authorized, Caller, Scope};
use crate::extract::ApiQuery;
use crate::problem::ApiError;
use crate::routes::page::{Page, PageInfo, PageParams};
use crate::state::AppState;
use crate::view::Folded;
use tokio::sync::RwLockReadGuard;

/// The two time axes and the inspector's position.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct TimeParams {
    /// Valid time: include facts with `occurred_on` ≤ this date (default: today, UTC+7).
    #[param(value_type = Option<String>, format = Date)]
    pub as_of: Option<NaiveDate>,
    /// Transaction time: include only events recorded at or before this instant (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub known_at: Option<DateTime<Utc>>,
    /// Inspectors only: include only the events at or before this log position.
    pub at_position: Option<u64>,
}

/// A query's answer with the point in both time axes it reflects.
#[derive(Serialize, ToSchema)]
pub struct Answer {
    #[schema(value_type = String, format = Date)]
    pub as_of: NaiveDate,
    pub known_at: Option<DateTime<Utc>>,
    pub at_position: Option<u64>,
    /// The last log position the answer includes.
    pub position: u64,
    /// The query's figures: a list of rows or one object, depending on the query.
    pub data: serde_json::Value,
    /// Present when the request asked for a page of a list answer (`offset`, `limit`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<PageInfo>,
}

/// An [`Answer`] as written: the figures serialized straight from the query's result, not
/// through a `serde_json::Value` (building one for a 48,000-row list took most of its time).
#[derive(Serialize)]
struct Rendered<'a, D: Serialize> {
    as_of: NaiveDate,
    known_at: Option<DateTime<Utc>>,
    at_position: Option<u64>,
    position: u64,
    data: &'a D,
    #[serde(skip_serializing_if = "Option::is_none")]
    page: Option<PageInfo>,
}

type Header = (NaiveDate, Option<DateTime<Utc>>, Option<u64>, u64);

impl<'a, D: Serialize> Rendered<'a, D> {
    fn new(
        (as_of, known_at, at_position, position): Header,
        data: &'a D,
        page: Option<PageInfo>,
    ) -> Self {
        Rendered {
            as_of,
            known_at,
            at_position,
            position,
            data,
            page,
        }
    }
}

/// Today in Vietnam (UTC+7), the default `as_of`.
fn today() -> NaiveDate {
    (Utc::now() + chrono::Duration::hours(7)).date_naive()
}

/// How a query reads the two time axes, which decides whether the live view can answer a
/// past point on them. Every query compares dates itself; a query that reads the facts as
/// folded would need a ledger replayed to a past `as_of` (`replay_at`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ValidTime {
    /// The query compares every date it reads with `as_of` itself and is tested to equal the
    /// replayed answer: the live view answers any `as_of`; a past `known_at` or
    /// `at_position` replays.
    Compared,
    /// As `Compared`, and the query also compares the log position of every fact it reads with
    /// a [`Horizon`] (units included: a merger it does not see has not happened): the live
    /// view answers any `known_at` and `at_position` too.
    Bitemporal,
}

/// What a request asks of the two time axes, as a query's body sees it: the `as_of` it named,
/// if any, and the last position the live view must answer as of, when it answers a
/// `known_at` or `at_position` short of the head (only for [`ValidTime::Bitemporal`]).
#[derive(Clone, Copy)]
pub struct Asked {
    pub as_of: Option<NaiveDate>,
    pub upto: Option<u64>,
}

impl From<Option<NaiveDate>> for Asked {
    fn from(as_of: Option<NaiveDate>) -> Asked {
        Asked { as_of, upto: None }
    }
}

/// The requested `as_of` if it falls before the latest business date `ledger` holds: only
/// then does a `Compared` query need its as-of form. On or after that date the as-of form
/// gives the same answer, and the plain form is the one kept fast for dashboards (which pass
/// today's date explicitly).
pub fn past(ledger: &Ledger, asked: impl Into<Asked>) -> Option<NaiveDate> {
    let asked = asked.into();
    debug_assert!(
        asked.upto.is_none(),
        "a position only for bitemporal queries"
    );
    as_of_before_latest(ledger, asked.as_of)
}

fn as_of_before_latest(ledger: &Ledger, as_of: Option<NaiveDate>) -> Option<NaiveDate> {
    as_of.filter(|date| {
        ledger
            .latest_occurred_on()
            .is_some_and(|latest| *date < latest)
    })
}

/// [`past`] for a [`ValidTime::Bitemporal`] query: the horizon its as-of form must see when the
/// request names a date before the latest business date or a position short of the head;
/// `None` when the plain form answers.
pub fn horizon(ledger: &Ledger, asked: Asked) -> Option<Horizon> {
    match (as_of_before_latest(ledger, asked.as_of), asked.upto) {
        (None, None) => None,
        (as_of, upto) => Some(Horizon {
            as_of: as_of.unwrap_or(NaiveDate::MAX),
            upto: upto.unwrap_or(u64::MAX),
        }),
    }
}

/// Runs `query` against the ledger at the requested point in time and wraps its answer.
async fn answer<T: Serialize>(
    state: &AppState,
    caller: &Caller,
    uri: &OriginalUri,
    (time, valid_time): (TimeParams, ValidTime),
    page: Option<Page>,
    query: impl FnOnce(&Ledger, NaiveDate, Option<u64>) -> T,
) -> Result<Response, ApiError> {
    let (known_at, at_position) = (time.known_at, time.at_position);
    cached(
        state,
        caller,
        uri,
        (time, valid_time),
        query,
        |data, on, position| {
            let header = (on, known_at, at_position, position);
            match page {
                None => json_bytes(&Rendered::new(header, &data, None)),
                Some(page) => {
                    let (rows, info) = page.cut(&data)?;
                    json_bytes(&Rendered::new(header, &rows, Some(info)))
                }
            }
        },
    )
    .await
}

fn json_bytes(value: &impl Serialize) -> Result<AnswerBody, ApiError> {
    AnswerBody::render(value).map_err(|e| ApiError::Internal(e.to_string()))
}

/// Runs `query` at the requested point in time and renders its result with `render(result,
/// as_of, position)`, or gives the answer already rendered for the same request at the same
/// position ([`crate::answers`]). `query` gets the ledger, the query date, and the position
/// it must answer as of when the live view answers a past `known_at` or `at_position`.
async fn cached<T>(
    state: &AppState,
    caller: &Caller,
    uri: &OriginalUri,
    (time, valid_time): (TimeParams, ValidTime),
    query: impl FnOnce(&Ledger, NaiveDate, Option<u64>) -> T,
    render: impl FnOnce(T, NaiveDate, u64) -> Result<AnswerBody, ApiError>,
) -> Result<Response, ApiError> {
    if time.at_position.is_some() {
        caller.require(Access::Inspect)?;
    }
    let on = time.as_of.unwrap_or_else(today);
    // The date is part of the request: without `as_of` it is today's, which moves at midnight.
    let request = format!("{on} {}", uri.0);
    let source = match live_view_covers(state, &time, valid_time).await? {
        Some((folded, upto)) => match state.answers.live(&request, folded.position) {
            Some(body) => return Ok(json_response(body)),
            None => Source::Live(folded, upto),
        },
        None => {
            let head = state.store.head().await?.position;
            let upto = time.at_position.map_or(head, |p| p.min(head));
            if let Some(body) = state.answers.historical(&request, upto) {
                return Ok(json_response(body));
            }
            let (ledger, known) =
                crate::view::replay_at(&state.store, time.as_of, time.known_at, Some(upto)).await?;
            Source::Replayed(Box::new(ledger), known, upto)
        }
    };
    let (ledger, position, upto) = match &source {
        Source::Live(folded, upto) => (&folded.ledger, upto.unwrap_or(folded.position), *upto),
        Source::Replayed(ledger, known, _) => (&**ledger, *known, None),
    };
    let body = render(query(ledger, on, upto), on, position)?;
    match (source, body.whole()) {
        (Source::Live(folded, _), Some(whole)) => {
            let live = folded.position;
            drop(folded);
            state.answers.keep_live(request, live, whole.clone());
        }
        (Source::Replayed(_, _, upto), Some(whole)) => {
            state.answers.keep_historical(request, upto, whole.clone());
        }
        // Too large for the pool: rendered again when asked again.
        (_, None) => {}
    }
    Ok(body.into_response())
}

/// The ledger an answer is computed from.
enum Source<'a> {
    /// The live view, and the position to answer as of when short of its own.
    Live(RwLockReadGuard<'a, Folded>, Option<u64>),
    /// The ledger replayed, the last position it knows, and the position the replay read to
    /// (the key of its answer in the pool: the same request gives the same answer until the
    /// log grows).
    Replayed(Box<Ledger>, u64, u64),
}

/// The live view, caught up, when it can answer the request, with the position to answer as
/// of when that is short of the view's own.
///
/// It can when the request names no `known_at` or `at_position` short of the head
/// (transaction times never decrease along the log, so a `known_at` at or after the head's
/// sees every event), or the query compares log positions itself ([`ValidTime::Bitemporal`]).
/// Any `as_of` it can: every query compares the dates it reads with it.
async fn live_view_covers<'a>(
    state: &'a AppState,
    time: &TimeParams,
    valid_time: ValidTime,
) -> Result<Option<(RwLockReadGuard<'a, Folded>, Option<u64>)>, ApiError> {
    let (mut pinned, mut upto) = (None, None);
    if time.known_at.is_some() || time.at_position.is_some() {
        let head = state.store.head().await?;
        let knows_all = time
            .known_at
            .is_none_or(|at| at.timestamp_micros() >= head.recorded_at_micros);
        let reaches_head = time.at_position.is_none_or(|at| at >= head.position);
        if knows_all && reaches_head {
            pinned = Some(head.position);
        } else if valid_time == ValidTime::Bitemporal {
            let mut last = time
                .at_position
                .map_or(head.position, |p| p.min(head.position));
            if let Some(at) = time.known_at {
                last = state.store.last_position_recorded_by(at, last).await?;
            }
            upto = Some(last);
        } else {
            return Ok(None);
        }
    }
    state.view.catch_up(&state.store).await?;
    let folded = state.view.read().await;
    if pinned.is_some_and(|head| folded.position != head) {
        // Events arrived since the head was read; whether they are known at `known_at` is for
        // the replay to sort out.
        return Ok(None);
    }
    Ok(Some((folded, upto)))
}

fn json_response(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Runs `query` against the ledger at the requested point in time (its arguments as in
/// [`cached`]); returns its result, the `as_of` date used and the last position included.
pub async fn at_time<T>(
    state: &AppState,
    caller: &Caller,
    (time, valid_time): (TimeParams, ValidTime),
    query: impl FnOnce(&Ledger, NaiveDate, Option<u64>) -> T,
) -> Result<(T, NaiveDate, u64), ApiError> {
    if time.at_position.is_some() {
        caller.require(Access::Inspect)?;
    }
    let on = time.as_of.unwrap_or_else(today);
    if let Some((folded, upto)) = live_view_covers(state, &time, valid_time).await? {
        let position = upto.unwrap_or(folded.position);
        return Ok((query(&folded.ledger, on, upto), on, position));
    }
    let (ledger, upto) =
        crate::view::replay_at(&state.store, time.as_of, time.known_at, time.at_position).await?;
    Ok((query(&ledger, on, None), on, upto))
}

/// How to group by commune/ward.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct GroupingParams {
    /// `recorded` (the unit valid at the time, default) or `current` (today's unit after
    /// mergers; a split unit's figures are reported as unassignable).
    pub grouping: Option<String>,
}

impl GroupingParams {
    fn resolve(&self, on: NaiveDate) -> Result<UnitGrouping, ApiError> {
        match self.grouping.as_deref() {
            None | Some("recorded") => Ok(UnitGrouping::AsRecorded),
            Some("current") => Ok(UnitGrouping::CurrentOn(on)),
            Some(other) => Err(ApiError::bad_field(
                "grouping",
                format!("grouping must be recorded or current, not {other:?}"),
            )),
        }
    }
}

fn parse_id(field: &str, value: Option<String>) -> Result<Option<Id>, ApiError> {
    value
        .map(|v| Id::parse(&v).map_err(|e| ApiError::bad_field(field, e.to_string())))
        .transpose()
}

fn parse_month(field: &str, value: Option<String>) -> Result<Option<YearMonth>, ApiError> {
    value
        .map(|v| {
            v.parse::<YearMonth>()
                .map_err(|e| ApiError::bad_field(field, format!("{field}: {e}")))
        })
        .transpose()
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct BudgetParams {
    pub programme: Option<String>,
    /// Funding source, e.g. `province`.
    pub source: Option<String>,
    /// Commune/ward code (after grouping).
    pub unit: Option<String>,
    /// `YYYY-MM`.
    pub from_month: Option<String>,
    /// `YYYY-MM`.
    pub to_month: Option<String>,
}

/// The budget book: allocated, committed, disbursed and remaining per programme × funding
/// source × unit × month.
#[utoipa::path(get, path = "/api/v1/budgets", tag = "queries",
    params(TimeParams, GroupingParams, BudgetParams, PageParams), security(("bearer" = ["aggregates"])),
    responses((status = 200, body = Answer), (status = 400, body = crate::problem::Problem),
        (status = 401, body = crate::problem::Problem), (status = 403, body = crate::problem::Problem)))]
pub async fn budgets(
    State(state): State<AppState>,
    auth: Authorized<scope::Aggregates>,
    uri: OriginalUri,
    ApiQuery(time): ApiQuery<TimeParams>,
    ApiQuery(g): ApiQuery<GroupingParams>,
    ApiQuery(b): ApiQuery<BudgetParams>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Response, ApiError> {
    let page = page.check()?;
    let filter = budget::BudgetFilter {
        programme_id: parse_id("programme", b.programme)?,
        source: parse_id("source", b.source)?,
        unit_code: parse_id("unit", b.unit)?,
        from_month: parse_month("from_month", b.from_month)?,
        to_month: parse_month("to_month", b.to_month)?,
    };
    let on = time.as_of.unwrap_or_else(today);
    let grouping = g.resolve(on)?;
    let as_of = time.as_of;
    answer(
        &state,
        &auth.caller,
        &uri,
        (time, ValidTime::Bitemporal),
        page,
        |l, _, upto| match horizon(l, Asked { as_of, upto }) {
            Some(horizon) => budget::budget_book_as_of(l, &filter, grouping, horizon),
            None => budget::budget_book(l, &filter, grouping),
        },
    )
    .await
}

/// Filters of the per-topic queries; each query documents which it reads.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct FilterParams {
    /// Poverty standard id (poverty queries).
    pub standard: Option<String>,
    /// Programme id (housing works, housing by unit).
    pub programme: Option<String>,
    /// First day of a period (exits; default 1 January of `as_of`'s year).
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<NaiveDate>,
    /// Last day of a period (exits; default `as_of`).
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<NaiveDate>,
    /// Year (jobs; default `as_of`'s year).
    pub year: Option<i32>,
    /// Window in months (children turning 18; default 12).
    pub months: Option<u32>,
}

/// Longest window for "turning 18 within N months": the whole span of a sponsorship.
const TURNING_18_MONTHS_MAX: u32 = 216;

/// Each query: handler, path, scope, how it reads valid time ([`ValidTime`]), summary, and its
/// body over the ledger, the query date, the requested `as_of` (`None` without one: then
/// every fact counts, as in a replayed query, even one dated after today), the unit
/// grouping and the filters.
macro_rules! queries {
    ($($handler:ident $path:tt $scope:ident $scope_name:tt $valid_time:ident $summary:tt
        |$ledger:ident, $on:ident, $as_of:ident, $grouping:ident, $f:ident| $body:expr;)*) => {
        $(
            #[utoipa::path(get, path = $path, tag = "queries", summary = $summary,
                params(TimeParams, GroupingParams, FilterParams, PageParams),
                security(("bearer" = [$scope_name])),
                responses((status = 200, body = Answer),
                    (status = 400, body = crate::problem::Problem, content_type = "application/problem+json"),
                    (status = 401, body = crate::problem::Problem, content_type = "application/problem+json"),
                    (status = 403, body = crate::problem::Problem, content_type = "application/problem+json")))]
            pub async fn $handler(
                State(state): State<AppState>,
                auth: Authorized<scope::$scope>,
                uri: OriginalUri,
                ApiQuery(time): ApiQuery<TimeParams>,
                ApiQuery(g): ApiQuery<GroupingParams>,
                ApiQuery($f): ApiQuery<FilterParams>,
                ApiQuery(page): ApiQuery<PageParams>,
            ) -> Result<Response, ApiError> {
                debug_assert_eq!(<scope::$scope as Scope>::ACCESS.scope(), $scope_name);
                let $grouping = g.resolve(time.as_of.unwrap_or_else(today))?;
                let $f = Filters::check($f)?;
                let page = page.check()?;
                let as_of = time.as_of;
                answer(&state, &auth.caller, &uri, (time, ValidTime::$valid_time), page, |$ledger, $on, upto| {
                    let $as_of = Asked { as_of, upto };
                    $body
                }).await
            }
        )*

        /// Registers every query route.
        pub fn register(router: utoipa_axum::router::OpenApiRouter<AppState>)
            -> utoipa_axum::router::OpenApiRouter<AppState> {
            router.routes(utoipa_axum::routes!(budgets)).routes(utoipa_axum::routes!(annual_report)) $(.routes(utoipa_axum::routes!($handler)))*
        }
    };
}

/// Filters after validation.
pub struct Filters {
    standard: Option<Id>,
    programme: Option<Id>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    year: Option<i32>,
    months: u32,
}

impl Filters {
    fn check(p: FilterParams) -> Result<Filters, ApiError> {
        let months = p.months.unwrap_or(12);
        if months > TURNING_18_MONTHS_MAX {
            return Err(ApiError::bad_field("months", "months must be at most 216"));
        }
        if let (Some(from), Some(to)) = (p.from, p.to) {
            if from > to {
                return Err(ApiError::bad_field("from", "from must not be after to"));
            }
        }
        Ok(Filters {
            standard: parse_id("standard", p.standard)?,
            programme: parse_id("programme", p.programme)?,
            from: p.from,
            to: p.to,
            year: p.year,
            months,
        })
    }
}

use chrono::Datelike;

queries! {
    budget_summary "/api/v1/budgets/summary" Aggregates "aggregates" Bitemporal "Allocated, committed, disbursed and remaining per programme and source"
        |l, _on, as_of, _g, _f| match horizon(l, as_of) {
            Some(horizon) => budget::budget_summary_as_of(l, horizon),
            None => budget::budget_summary(l),
        };
    housing_progress "/api/v1/housing" Aggregates "aggregates" Bitemporal "Housing progress per programme: counts, amounts, deadline, days ahead"
        |l, on, as_of, _g, _f| match horizon(l, as_of) {
            Some(horizon) => housing::housing_progress_within(l, on, horizon),
            None => housing::housing_progress(l, on),
        };
    trial_balance "/api/v1/accounts/trial-balance" Aggregates "aggregates" Bitemporal "Trial balance of every account: debits equal credits"
        |l, _on, as_of, _g, _f| match horizon(l, as_of) {
            Some(horizon) => accounts::trial_balance_as_of(l, horizon),
            None => accounts::trial_balance(l),
        };
    housing_by_unit "/api/v1/housing/by-unit" Aggregates "aggregates" Bitemporal "Housing approvals and completions per commune/ward"
        |l, _on, as_of, g, f| {
            let programme = f.programme.as_ref().map(Id::as_str);
            match horizon(l, as_of) {
                Some(horizon) => housing::housing_by_unit_within(l, programme, g, horizon),
                None => housing::housing_by_unit(l, programme, g),
            }
        };
    housing_works "/api/v1/housing/works" Details "details" Bitemporal "Every housing work: planned vs actual completion, overdue"
        |l, on, as_of, _g, f| {
            let programme = f.programme.as_ref().map(Id::as_str);
            match horizon(l, as_of) {
                Some(horizon) => housing::works_within(l, programme, on, horizon),
                None => housing::works(l, programme, on),
            }
        };
    sponsorship_totals "/api/v1/sponsorship/totals" Aggregates "aggregates" Bitemporal "Children, sponsors, monthly commitment, obligation, forecast by year"
        |l, on, as_of, _g, _f| match horizon(l, as_of) {
            Some(horizon) => sponsorship::totals_within(l, on, horizon),
            None => sponsorship::totals(l, on),
        };
    sponsorship_by_programme "/api/v1/sponsorship/by-programme" Aggregates "aggregates" Bitemporal "Sponsorship totals per programme"
        |l, on, as_of, _g, _f| match horizon(l, as_of) {
            Some(horizon) => sponsorship::by_programme_within(l, on, horizon),
            None => sponsorship::by_programme(l, on),
        };
    sponsorship_by_unit "/api/v1/sponsorship/by-unit" Aggregates "aggregates" Bitemporal "Sponsorship obligations per commune/ward"
        |l, on, as_of, g, _f| match horizon(l, as_of) {
            Some(horizon) => sponsorship::by_unit_within(l, on, g, horizon),
            None => sponsorship::by_unit(l, on, g),
        };
    sponsorships "/api/v1/sponsorship/sponsorships" Details "details" Bitemporal "Every sponsorship: schedule, due, paid, arrears, prepaid, future liability"
        |l, on, as_of, _g, _f| match horizon(l, as_of) {
            Some(horizon) => sponsorship::sponsorships_within(l, on, horizon),
            None => sponsorship::sponsorships(l, on),
        };
    sponsorship_arrears "/api/v1/sponsorship/arrears" Details "details" Bitemporal "Sponsorships in arrears"
        |l, on, as_of, _g, _f| match horizon(l, as_of) {
            Some(horizon) => sponsorship::in_arrears_within(l, on, horizon),
            None => sponsorship::in_arrears(l, on),
        };
    sponsorship_by_child "/api/v1/sponsorship/by-child" Details "details" Bitemporal "Obligations per child"
        |l, on, as_of, _g, _f| match horizon(l, as_of) {
            Some(horizon) => sponsorship::by_child_within(l, on, horizon),
            None => sponsorship::by_child(l, on),
        };
    sponsorship_by_sponsor "/api/v1/sponsorship/by-sponsor" Details "details" Bitemporal "Obligations per sponsoring organisation"
        |l, on, as_of, _g, _f| match horizon(l, as_of) {
            Some(horizon) => sponsorship::by_sponsor_within(l, on, horizon),
            None => sponsorship::by_sponsor(l, on),
        };
    turning_18 "/api/v1/sponsorship/turning-18" Details "details" Bitemporal "Children turning 18 within `months` months"
        |l, on, as_of, _g, f| match horizon(l, as_of) {
            Some(horizon) => sponsorship::turning_18_as_known(l, on, f.months, horizon),
            None => sponsorship::turning_18_within(l, on, f.months),
        };
    poverty_status "/api/v1/poverty" Aggregates "aggregates" Bitemporal "Households by status per standard and commune/ward"
        |l, _on, as_of, g, f| {
            let standard = f.standard.as_ref().map(Id::as_str);
            match horizon(l, as_of) {
                Some(horizon) => poverty::status_counts_as_of(l, standard, g, horizon),
                None => poverty::status_counts(l, standard, g),
            }
        };
    poverty_exits "/api/v1/poverty/exits" Aggregates "aggregates" Bitemporal "Exits from near-poverty in a period, per standard and unit"
        |l, on, as_of, g, f| {
            let standard = f.standard.as_ref().map(Id::as_str);
            let from = f.from.unwrap_or_else(|| NaiveDate::from_ymd_opt(on.year(), 1, 1).unwrap_or(on));
            let to = f.to.unwrap_or(on);
            match horizon(l, as_of) {
                Some(horizon) => poverty::exits_as_of(l, standard, (from, to), g, horizon),
                None => poverty::exits(l, standard, from, to, g),
            }
        };
    near_poor_remaining "/api/v1/poverty/near-poor-remaining" Aggregates "aggregates" Bitemporal "Near-poor households remaining per standard"
        |l, _on, as_of, _g, _f| match horizon(l, as_of) {
            Some(horizon) => poverty::near_poor_remaining_as_of(l, horizon),
            None => poverty::near_poor_remaining(l),
        };
    jobs_progress "/api/v1/jobs" Aggregates "aggregates" Bitemporal "Jobs created vs the year's target, percent of plan"
        |l, on, as_of, _g, f| {
            let year = f.year.unwrap_or(on.year());
            match horizon(l, as_of) {
                Some(horizon) => jobs::jobs_progress_as_of(l, year, horizon),
                None => jobs::jobs_progress(l, year),
            }
        };
    jobs_by_unit "/api/v1/jobs/by-unit" Aggregates "aggregates" Bitemporal "Jobs created per commune/ward"
        |l, on, as_of, g, f| {
            let year = f.year.unwrap_or(on.year());
            match horizon(l, as_of) {
                Some(horizon) => jobs::jobs_by_unit_as_of(l, year, g, horizon),
                None => jobs::jobs_by_unit(l, year, g),
            }
        };
    units_valid "/api/v1/units" Aggregates "aggregates" Bitemporal "Communes and wards valid on `as_of`"
        |l, on, as_of, _g, _f| match horizon(l, as_of) {
            Some(horizon) => units::units_valid_within(l, on, horizon),
            None => units::units_valid_on(l, on),
        };
    unit_mapping "/api/v1/units/mapping" Aggregates "aggregates" Bitemporal "Every recorded unit and the unit that holds it on `as_of`"
        |l, on, as_of, _g, _f| match horizon(l, as_of) {
            Some(horizon) => units::mapping_within(l, on, horizon),
            None => units::mapping_table(l, on),
        };
}

/// The year's report: housing (households, new builds, repairs, support, deadline, days
/// ahead), near-poverty exits, sponsorship, jobs and units, computed from events alone. The
/// shape is stable: fields may be added, never renamed.
#[utoipa::path(get, path = "/api/v1/reports/annual/{year}", tag = "reports",
    params(("year" = i32, Path, description = "calendar year, e.g. 2023"), TimeParams),
    security(("bearer" = ["aggregates"])),
    responses((status = 200, body = Object),
        (status = 400, body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::problem::Problem, content_type = "application/problem+json")))]
pub async fn annual_report(
    State(state): State<AppState>,
    auth: Authorized<scope::Aggregates>,
    uri: OriginalUri,
    crate::extract::ApiPath(year): crate::extract::ApiPath<String>,
    ApiQuery(time): ApiQuery<TimeParams>,
) -> Result<Response, ApiError> {
    let year: i32 = year
        .parse()
        .ok()
        .filter(|y| (1900..=2200).contains(y))
        .ok_or_else(|| ApiError::bad_field("year", "year must be a number from 1900 to 2200"))?;
    let (known_at, at_position) = (time.known_at, time.at_position);
    let asked = time.as_of;
    let report = |l: &Ledger, on: NaiveDate, upto| match (upto, asked) {
        // Exactly as the ledger replayed to the date and the position would give it.
        (Some(upto), Some(as_of)) => annual::annual_report_within(l, year, Horizon { as_of, upto }),
        _ => annual_unbounded(l, year, on, asked),
    };
    // With a date, the live view answers any position: the report is then the as-of one. A
    // report without a date is read from the state as folded (see `annual_unbounded`), which
    // a past position cannot be.
    let valid_time = match asked {
        Some(_) => ValidTime::Bitemporal,
        None => ValidTime::Compared,
    };
    cached(
        &state,
        &auth.caller,
        &uri,
        (time, valid_time),
        report,
        |mut report, _, position| {
            report.position = Some(position);
            let mut json =
                serde_json::to_value(report).map_err(|e| ApiError::Internal(e.to_string()))?;
            if let Some(object) = json.as_object_mut() {
                object.insert(
                    "known_at".to_owned(),
                    serde_json::to_value(known_at).unwrap_or_default(),
                );
                object.insert(
                    "at_position".to_owned(),
                    serde_json::to_value(at_position).unwrap_or_default(),
                );
            }
            json_bytes(&json)
        },
    )
    .await
}

/// The annual report from every fact folded in: exactly the replay's for a past `as_of`;
/// without one, the state as folded, as of the year's last day for a past year.
fn annual_unbounded(
    ledger: &Ledger,
    year: i32,
    on: NaiveDate,
    asked: Option<NaiveDate>,
) -> annual::AnnualReport {
    match (past(ledger, asked), asked) {
        // Exactly as the ledger replayed to the date would give it.
        (Some(as_of), _) => annual::annual_report_as_of(ledger, year, as_of),
        (None, Some(as_of)) => annual::annual_report(ledger, year, as_of),
        (None, None) => {
            // A past year is reported as of its last day unless asked otherwise.
            let year_end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(on);
            annual::annual_report(ledger, year, on.min(year_end))
        }
    }
}
