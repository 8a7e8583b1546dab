//! One POST endpoint per command of the domain catalogue, plus `/api/v1/commands` taking any
//! command tagged by `"command"`. Bodies are the command's fields as JSON; amounts are strings
//! of whole dong, dates `YYYY-MM-DD`, months `YYYY-MM`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use ledger_domain::command::*;
use ledger_domain::event::*;
use ledger_domain::Command;
use ledger_store::{Appended, IdempotencyKey};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{scope, Authorized, Caller};
use crate::extract::ApiJson;
use crate::problem::ApiError;
use crate::state::AppState;
use crate::write::{request_hash, submit, Submission};

/// Longest `Idempotency-Key` and `Source-Ref` header values, in bytes.
const HEADER_VALUE_BYTES_MAX: usize = 200;

#[derive(Serialize, ToSchema)]
pub struct RecordedEventRef {
    pub event_id: uuid::Uuid,
    pub stream: String,
    pub stream_version: u64,
    pub position: u64,
}

#[derive(Serialize, ToSchema)]
pub struct Recorded {
    pub events: Vec<RecordedEventRef>,
    /// The last position written; the ledger reflects this write from here on.
    pub position: u64,
    /// True when this answers a retry with the same Idempotency-Key: nothing new was written.
    pub idempotent_replay: bool,
}

impl From<Appended> for Recorded {
    fn from(a: Appended) -> Self {
        Recorded {
            position: a.last_position(),
            idempotent_replay: a.idempotent_replay,
            events: a
                .events
                .into_iter()
                .map(|e| RecordedEventRef {
                    event_id: e.event_id,
                    stream: e.stream.to_string(),
                    stream_version: e.stream_version,
                    position: e.position,
                })
                .collect(),
        }
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, ApiError> {
    let Some(value) = headers.get(name) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= HEADER_VALUE_BYTES_MAX)
        .ok_or_else(|| {
            ApiError::bad_field(
                name,
                format!("{name} must be 1 to 200 visible ASCII characters"),
            )
        })?;
    Ok(Some(text))
}

/// Records `command` for `caller`, honouring `Idempotency-Key` and `Source-Ref`.
async fn record(
    state: &AppState,
    caller: &Caller,
    route: &str,
    headers: &HeaderMap,
    command: Command,
) -> Result<(StatusCode, Json<Recorded>), ApiError> {
    let source_ref = header(headers, "source-ref")?.map(str::to_owned);
    let idempotency = header(headers, "idempotency-key")?.map(|key| IdempotencyKey {
        // Scoped by token, so two clients' keys never collide.
        key: format!("token:{}:{key}", caller.token_id),
        request_hash: request_hash(route, &command, source_ref.as_deref()),
    });
    let submission = Submission {
        command,
        recorded_by: caller.principal(),
        source_ref,
        idempotency,
    };
    let appended = submit(&state.store, &state.view, &submission).await?;
    Ok((StatusCode::CREATED, Json(appended.into())))
}

macro_rules! command_routes {
    ($($handler:ident $path:tt $make:path, $body:ty, $summary:tt;)*) => {
        $(
            #[utoipa::path(post, path = $path, tag = "commands", summary = $summary,
                request_body(content = serde_json::Value, content_type = "application/json",
                    description = "The command's fields (see the domain catalogue in ARCHITECTURE.md)."),
                params(
                    ("Idempotency-Key" = Option<String>, Header, description = "a retry with the same key and body returns the original response and appends nothing; the same key with another body is 422"),
                    ("Source-Ref" = Option<String>, Header, description = "the decision or document the fact rests on")),
                security(("bearer" = ["write"])),
                responses(
                    (status = 201, body = Recorded),
                    (status = 400, body = crate::problem::Problem, content_type = "application/problem+json"),
                    (status = 401, body = crate::problem::Problem, content_type = "application/problem+json"),
                    (status = 403, body = crate::problem::Problem, content_type = "application/problem+json"),
                    (status = 409, body = crate::problem::Problem, content_type = "application/problem+json"),
                    (status = 413, body = crate::problem::Problem, content_type = "application/problem+json"),
                    (status = 422, body = crate::problem::Problem, content_type = "application/problem+json")))]
            pub async fn $handler(
                State(state): State<AppState>,
                auth: Authorized<scope::Write>,
                headers: HeaderMap,
                ApiJson(body): ApiJson<$body>,
            ) -> Result<(StatusCode, Json<Recorded>), ApiError> {
                record(&state, &auth.caller, $path, &headers, $make(body)).await
            }
        )*

        /// Registers every command route.
        pub fn register(router: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
            router $(.routes(routes!($handler)))*
        }
    };
}

command_routes! {
    register_unit "/api/v1/units" Command::RegisterUnit, UnitRegistered, "Register a commune or ward (xã/phường)";
    merge_units "/api/v1/unit-merges" Command::MergeUnits, UnitsMerged, "Record a merger or split of units";
    register_standard "/api/v1/standards" Command::RegisterStandard, PovertyStandardRegistered, "Register a poverty standard";
    open_programme "/api/v1/programmes" Command::OpenProgramme, ProgrammeOpened, "Open a programme";
    allocate_budget "/api/v1/allocations" Command::AllocateBudget, BudgetAllocated, "Allocate budget from a funding source";
    reverse_allocation "/api/v1/allocation-reversals" Command::ReverseAllocation, Reverse, "Reverse an allocation";
    register_household "/api/v1/households" Command::RegisterHousehold, HouseholdRegistered, "Register a household (pseudonymous)";
    classify_household "/api/v1/household-classifications" Command::ClassifyHousehold, HouseholdClassified, "Classify a household under a standard";
    record_near_poverty_exit "/api/v1/near-poverty-exits" Command::RecordNearPovertyExit, HouseholdLeftNearPoverty, "Record that a household left near-poverty (hộ cận nghèo)";
    approve_housing_support "/api/v1/housing-supports" Command::ApproveHousingSupport, HousingSupportApproved, "Approve housing support, committing budget";
    disburse_funds "/api/v1/disbursements" Command::DisburseFunds, DisburseFunds, "Disburse approved housing funds";
    reverse_disbursement "/api/v1/disbursement-reversals" Command::ReverseDisbursement, Reverse, "Reverse a disbursement";
    start_works "/api/v1/works-started" Command::StartWorks, HousingWorksStarted, "Record that works started";
    record_house_built "/api/v1/houses-built" Command::RecordHouseBuilt, HouseBuilt, "Record a new house completed";
    record_house_repaired "/api/v1/houses-repaired" Command::RecordHouseRepaired, HouseRepaired, "Record a repair completed";
    correct_completion_date "/api/v1/completion-corrections" Command::CorrectCompletionDate, CorrectCompletionDate, "Correct a completion date, with a reason";
    cancel_support "/api/v1/support-cancellations" Command::CancelSupport, CancelSupport, "Cancel a housing support";
    register_child "/api/v1/children" Command::RegisterChild, ChildRegistered, "Register a child (pseudonymous)";
    register_sponsor "/api/v1/sponsors" Command::RegisterSponsor, SponsorRegistered, "Register a sponsoring organisation";
    sponsor_child "/api/v1/sponsorships" Command::SponsorChild, SponsorChild, "Pledge a monthly amount for a child (nhận đỡ đầu)";
    record_payment "/api/v1/payments" Command::RecordPayment, RecordPayment, "Record a sponsorship payment";
    reverse_payment "/api/v1/payment-reversals" Command::ReversePayment, Reverse, "Reverse a sponsorship payment";
    transfer_sponsorship "/api/v1/sponsorship-transfers" Command::TransferSponsorship, TransferSponsorship, "Transfer a sponsorship to another sponsor";
    end_sponsorship "/api/v1/sponsorship-ends" Command::EndSponsorship, SponsorshipEnded, "End a sponsorship early";
    set_jobs_target "/api/v1/jobs-targets" Command::SetJobsTarget, JobsTargetSet, "Set the year's jobs target";
    record_jobs_created "/api/v1/jobs-created" Command::RecordJobsCreated, JobsCreated, "Record new jobs";
    any_command "/api/v1/commands" std::convert::identity, Command, "Record any command, tagged by \"command\"";
}
