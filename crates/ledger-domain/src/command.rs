//! Commands: what a clerk, the HTTP API or the NDJSON importer asks the ledger to record.
//!
//! In JSON a command is an object tagged by `"command"`, e.g.
//! `{"command": "RecordHouseBuilt", "support_id": "h-001", "completed_on": "2023-11-15"}`.
//! Unknown fields are rejected. Every command carries the business date it happens on;
//! [`Command::occurred_on`] returns it, and every event [`crate::decide::decide`] returns
//! for it has that date as its `occurred_on`.
//!
//! A command whose fields are exactly its event's payload reuses the payload struct
//! (e.g. `RegisterHousehold` carries a `HouseholdRegistered`). If the two ever need to
//! differ, give the command its own struct; the JSON stays the same.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::event::{
    BudgetAllocated, ChildRegistered, HouseBuilt, HouseRepaired, HouseholdClassified,
    HouseholdLeftNearPoverty, HouseholdRegistered, HousingSupportApproved, HousingWorksStarted,
    JobsCreated, JobsTargetSet, PovertyStandardRegistered, ProgrammeOpened, SponsorRegistered,
    SponsorshipEnded, UnitRegistered, UnitsMerged,
};
use crate::id::Id;
use crate::money::Dong;
use crate::month::YearMonth;

/// Reverse an earlier event (allocation, disbursement or payment) named by its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reverse {
    /// The `event_id` of the event to reverse.
    pub event_id: Uuid,
    /// Why (required).
    pub reason: String,
    /// The business date of the reversal.
    pub reversed_on: NaiveDate,
}

/// Pay out part of an approved support from one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisburseFunds {
    /// The support.
    pub support_id: Id,
    /// The funding source paid from.
    pub source: Id,
    /// The amount.
    pub amount: Dong,
    /// The business date of the payment.
    pub disbursed_on: NaiveDate,
}

/// Correct a recorded completion date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrectCompletionDate {
    /// The support.
    pub support_id: Id,
    /// The correct completion date.
    pub completed_on: NaiveDate,
    /// Why (required).
    pub reason: String,
    /// The business date of the correction.
    pub corrected_on: NaiveDate,
}

/// Cancel a support that is not completed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelSupport {
    /// The support.
    pub support_id: Id,
    /// Why (required).
    pub reason: String,
    /// The business date of the cancellation.
    pub cancelled_on: NaiveDate,
}

/// Pledge a monthly amount for a child.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SponsorChild {
    /// Caller-chosen id of the new sponsorship.
    pub sponsorship_id: Id,
    /// The sponsorship programme.
    pub programme_id: Id,
    /// The child.
    pub child_id: Id,
    /// The sponsor.
    pub sponsor_id: Id,
    /// The amount per month.
    pub monthly_amount: Dong,
    /// The first month owed.
    pub first_month: YearMonth,
    /// A fixed number of months; absent or `null` for "until 18".
    #[serde(default)]
    pub fixed_months: Option<u32>,
    /// The business date of the pledge.
    pub sponsored_on: NaiveDate,
}

/// Record a payment covering consecutive months.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordPayment {
    /// The sponsorship.
    pub sponsorship_id: Id,
    /// The amount: monthly amount × months.
    pub amount: Dong,
    /// The first month covered.
    pub first_month: YearMonth,
    /// How many consecutive months.
    pub months: u32,
    /// The business date of the payment.
    pub received_on: NaiveDate,
}

/// Hand the sponsorship to another sponsor from a month on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferSponsorship {
    /// The sponsorship.
    pub sponsorship_id: Id,
    /// The new sponsor.
    pub to_sponsor_id: Id,
    /// The first month the new sponsor owes.
    pub from_month: YearMonth,
    /// The business date of the transfer.
    pub transferred_on: NaiveDate,
}

/// Every command, tagged by `"command"` in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command")]
pub enum Command {
    /// Register a commune or ward for a validity period.
    RegisterUnit(UnitRegistered),
    /// Merge old units into a new one, or split one old unit into several.
    MergeUnits(UnitsMerged),
    /// Register a poverty standard (data, not code).
    RegisterStandard(PovertyStandardRegistered),
    /// Open a programme.
    OpenProgramme(ProgrammeOpened),
    /// Allocate money from a funding source to a programme.
    AllocateBudget(BudgetAllocated),
    /// Reverse a `BudgetAllocated`.
    ReverseAllocation(Reverse),
    /// Register a household (pseudonymous).
    RegisterHousehold(HouseholdRegistered),
    /// Record a household's status under a standard.
    ClassifyHousehold(HouseholdClassified),
    /// Record that a near-poor household left near-poverty under a standard.
    RecordNearPovertyExit(HouseholdLeftNearPoverty),
    /// Approve housing support, committing the programme's budget.
    ApproveHousingSupport(HousingSupportApproved),
    /// Pay out approved support.
    DisburseFunds(DisburseFunds),
    /// Reverse a `HousingFundsDisbursed`.
    ReverseDisbursement(Reverse),
    /// Record that works started.
    StartWorks(HousingWorksStarted),
    /// Record that a new house was finished.
    RecordHouseBuilt(HouseBuilt),
    /// Record that a repair was finished.
    RecordHouseRepaired(HouseRepaired),
    /// Correct a completion date.
    CorrectCompletionDate(CorrectCompletionDate),
    /// Cancel a support.
    CancelSupport(CancelSupport),
    /// Register a child (pseudonymous).
    RegisterChild(ChildRegistered),
    /// Register a sponsoring organisation.
    RegisterSponsor(SponsorRegistered),
    /// Pledge a monthly amount for a child.
    SponsorChild(SponsorChild),
    /// Record a sponsorship payment.
    RecordPayment(RecordPayment),
    /// Reverse a `SponsorshipPaymentReceived`.
    ReversePayment(Reverse),
    /// Transfer a sponsorship to another sponsor.
    TransferSponsorship(TransferSponsorship),
    /// End a sponsorship early.
    EndSponsorship(SponsorshipEnded),
    /// Set the year's jobs target.
    SetJobsTarget(JobsTargetSet),
    /// Record new jobs.
    RecordJobsCreated(JobsCreated),
}

impl Command {
    /// The business date of the command: the `occurred_on` of every event it yields.
    pub fn occurred_on(&self) -> NaiveDate {
        use Command as C;
        match self {
            C::RegisterUnit(c) => c.registered_on,
            C::MergeUnits(c) => c.effective_on,
            C::RegisterStandard(c) => c.registered_on,
            C::OpenProgramme(c) => c.opened_on,
            C::AllocateBudget(c) => c.allocated_on,
            C::ReverseAllocation(c) | C::ReverseDisbursement(c) | C::ReversePayment(c) => {
                c.reversed_on
            }
            C::RegisterHousehold(c) => c.registered_on,
            C::ClassifyHousehold(c) => c.effective_on,
            C::RecordNearPovertyExit(c) => c.effective_on,
            C::ApproveHousingSupport(c) => c.approved_on,
            C::DisburseFunds(c) => c.disbursed_on,
            C::StartWorks(c) => c.started_on,
            C::RecordHouseBuilt(c) => c.completed_on,
            C::RecordHouseRepaired(c) => c.completed_on,
            C::CorrectCompletionDate(c) => c.corrected_on,
            C::CancelSupport(c) => c.cancelled_on,
            C::RegisterChild(c) => c.registered_on,
            C::RegisterSponsor(c) => c.registered_on,
            C::SponsorChild(c) => c.sponsored_on,
            C::RecordPayment(c) => c.received_on,
            C::TransferSponsorship(c) => c.transferred_on,
            C::EndSponsorship(c) => c.ended_on,
            C::SetJobsTarget(c) => c.set_on,
            C::RecordJobsCreated(c) => c.reported_on,
        }
    }

    /// The command's name, as in its JSON tag.
    pub fn name(&self) -> &'static str {
        use Command as C;
        match self {
            C::RegisterUnit(_) => "RegisterUnit",
            C::MergeUnits(_) => "MergeUnits",
            C::RegisterStandard(_) => "RegisterStandard",
            C::OpenProgramme(_) => "OpenProgramme",
            C::AllocateBudget(_) => "AllocateBudget",
            C::ReverseAllocation(_) => "ReverseAllocation",
            C::RegisterHousehold(_) => "RegisterHousehold",
            C::ClassifyHousehold(_) => "ClassifyHousehold",
            C::RecordNearPovertyExit(_) => "RecordNearPovertyExit",
            C::ApproveHousingSupport(_) => "ApproveHousingSupport",
            C::DisburseFunds(_) => "DisburseFunds",
            C::ReverseDisbursement(_) => "ReverseDisbursement",
            C::StartWorks(_) => "StartWorks",
            C::RecordHouseBuilt(_) => "RecordHouseBuilt",
            C::RecordHouseRepaired(_) => "RecordHouseRepaired",
            C::CorrectCompletionDate(_) => "CorrectCompletionDate",
            C::CancelSupport(_) => "CancelSupport",
            C::RegisterChild(_) => "RegisterChild",
            C::RegisterSponsor(_) => "RegisterSponsor",
            C::SponsorChild(_) => "SponsorChild",
            C::RecordPayment(_) => "RecordPayment",
            C::ReversePayment(_) => "ReversePayment",
            C::TransferSponsorship(_) => "TransferSponsorship",
            C::EndSponsorship(_) => "EndSponsorship",
            C::SetJobsTarget(_) => "SetJobsTarget",
            C::RecordJobsCreated(_) => "RecordJobsCreated",
        }
    }
}
