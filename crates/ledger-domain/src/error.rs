//! Errors: one `DomainError` variant per rejected command, each message carrying the
//! numbers; `DecodeError` for stored events that cannot be read.

use chrono::NaiveDate;
use uuid::Uuid;

use crate::event::{PovertyStatus, ProgrammeKind, WorkKind};
use crate::id::Id;
use crate::money::Dong;
use crate::month::YearMonth;

/// A stored event that cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// No such kind in the catalogue.
    #[error("unknown event kind \"{kind}\"")]
    UnknownKind {
        /// The kind found.
        kind: String,
    },
    /// A schema version this code cannot upcast.
    #[error("event kind {kind} has no schema version {schema_version}")]
    UnsupportedVersion {
        /// The kind.
        kind: String,
        /// The version found.
        schema_version: u32,
    },
    /// The payload does not match the kind's schema.
    #[error("bad {kind} payload: {message}")]
    BadPayload {
        /// The kind.
        kind: String,
        /// What serde said.
        message: String,
    },
}

/// Formats an optional date bound for messages.
fn bound(date: &Option<NaiveDate>) -> String {
    date.map_or_else(|| "open".to_owned(), |d| d.to_string())
}

/// Formats an optional status for messages.
fn status_name(status: &Option<PovertyStatus>) -> &'static str {
    status.map_or("unclassified", PovertyStatus::as_str)
}

/// A command the rules reject. Each variant is one rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    // ---- general --------------------------------------------------------------------
    /// Names, reasons and decision references must be present and bounded.
    #[error("{field} must be 1 to {max} characters, not {length}")]
    InvalidText {
        field: &'static str,
        length: usize,
        max: usize,
    },
    /// Amounts are positive.
    #[error("{what} must be a positive amount, not 0 ₫")]
    ZeroAmount { what: &'static str },
    /// Counts are positive.
    #[error("{what} must be at least 1")]
    ZeroCount { what: &'static str },
    /// A sum would pass `Dong::MAX`.
    #[error("{what} would exceed the ledger's bound of {max}", max = Dong::MAX)]
    AmountOverflow { what: &'static str },
    /// A fact cannot happen before the facts it refers to.
    #[error("{what} on {date} cannot precede {reference} on {reference_on}")]
    DateBeforeReference {
        what: &'static str,
        date: NaiveDate,
        reference: String,
        reference_on: NaiveDate,
    },

    // ---- geography ------------------------------------------------------------------
    /// A validity period ends before it starts.
    #[error("unit {code} cannot be valid from {valid_from} to an earlier {valid_to}")]
    UnitValidityInverted {
        code: Id,
        valid_from: NaiveDate,
        valid_to: NaiveDate,
    },
    /// A code may be reused only for a period that does not overlap.
    #[error("unit {code} overlaps the registered {name} (valid from {} to {})", bound(.valid_from), bound(.valid_to))]
    UnitPeriodOverlaps {
        code: Id,
        name: String,
        valid_from: Option<NaiveDate>,
        valid_to: Option<NaiveDate>,
    },
    /// A unit reference is a code plus a date.
    #[error("no unit with code {code} was valid on {date}")]
    UnitNotValidOn { code: Id, date: NaiveDate },
    /// A merger is many → one or one → many (a split).
    #[error("a merger takes old units into one new unit or splits one old unit into several, not {old} old into {new} new")]
    MergeShape { old: usize, new: usize },
    /// A code may appear once in a merger.
    #[error("unit {code} appears twice in the merger")]
    DuplicateUnitInMerge { code: Id },
    /// A unit is merged once.
    #[error("unit {code} ({name}) was already merged on {effective_on}")]
    UnitAlreadyMerged {
        code: Id,
        name: String,
        effective_on: NaiveDate,
    },
    /// A merged unit ends the day before the merger.
    #[error("unit {code} ({name}) is valid to {}, so it cannot be merged away on {effective_on}", bound(.valid_to))]
    UnitStillValidAfterMerge {
        code: Id,
        name: String,
        valid_to: Option<NaiveDate>,
        effective_on: NaiveDate,
    },

    // ---- standards ------------------------------------------------------------------
    /// Standard ids are unique.
    #[error("poverty standard {standard_id} is already registered")]
    StandardAlreadyRegistered { standard_id: Id },
    /// A standard's period ends after it starts.
    #[error(
        "poverty standard {standard_id} cannot apply from {valid_from} to an earlier {valid_to}"
    )]
    StandardPeriodInverted {
        standard_id: Id,
        valid_from: NaiveDate,
        valid_to: NaiveDate,
    },
    /// References exist.
    #[error("no poverty standard {standard_id}")]
    UnknownStandard { standard_id: Id },
    /// A classification falls in its standard's period.
    #[error(
        "poverty standard {standard_id} applies from {valid_from} to {valid_to}, not on {date}"
    )]
    StandardNotInForce {
        standard_id: Id,
        date: NaiveDate,
        valid_from: NaiveDate,
        valid_to: NaiveDate,
    },

    // ---- programmes and budgets -----------------------------------------------------
    /// Programme ids are unique.
    #[error("programme {programme_id} is already open")]
    ProgrammeAlreadyOpened { programme_id: Id },
    /// References exist.
    #[error("no programme {programme_id}")]
    UnknownProgramme { programme_id: Id },
    /// Housing approvals need a housing programme, pledges a sponsorship programme.
    #[error("programme {programme_id} is a {found:?} programme, not {expected:?}")]
    ProgrammeKindMismatch {
        programme_id: Id,
        expected: ProgrammeKind,
        found: ProgrammeKind,
    },
    /// A reversal names an existing event.
    #[error("no {expected} event {event_id} to reverse")]
    ReversedEventNotFound {
        event_id: Uuid,
        expected: &'static str,
    },
    /// A reversal names an event of the right kind.
    #[error("event {event_id} is a {found}, not a {expected}")]
    ReversedEventWrongKind {
        event_id: Uuid,
        expected: &'static str,
        found: &'static str,
    },
    /// An event is reversed at most once.
    #[error("event {event_id} is already reversed")]
    EventAlreadyReversed { event_id: Uuid },
    /// Reversing an allocation cannot leave commitments without money.
    #[error("reversing the allocation of {amount} would leave programme {programme_id} short: only {uncommitted} from source {funding_source} is not committed")]
    AllocationReversalExceedsUncommitted {
        programme_id: Id,
        funding_source: Id,
        amount: Dong,
        uncommitted: Dong,
    },

    // ---- households and poverty -----------------------------------------------------
    /// Household ids are unique.
    #[error("household {household_id} is already registered")]
    HouseholdAlreadyRegistered { household_id: Id },
    /// References exist.
    #[error("no household {household_id}")]
    UnknownHousehold { household_id: Id },
    /// Statuses under one standard move forward in time.
    #[error("household {household_id} already has a status under {standard_id} effective {current_effective_on}, later than {effective_on}")]
    ClassificationOutOfOrder {
        household_id: Id,
        standard_id: Id,
        effective_on: NaiveDate,
        current_effective_on: NaiveDate,
    },
    /// Only a near-poor household can leave near-poverty, under that standard.
    #[error("household {household_id} is {} under {standard_id}, not near_poor: only a near-poor household can leave near-poverty", status_name(.status))]
    NotNearPoor {
        household_id: Id,
        standard_id: Id,
        status: Option<PovertyStatus>,
    },

    // ---- housing --------------------------------------------------------------------
    /// Support ids are unique.
    #[error("housing support {support_id} already exists")]
    SupportAlreadyApproved { support_id: Id },
    /// References exist.
    #[error("no housing support {support_id}")]
    UnknownSupport { support_id: Id },
    /// The split adds up to the approval.
    #[error(
        "approval of {amount} does not equal its funding split, which adds up to {split_total}"
    )]
    FundingSplitMismatch { amount: Dong, split_total: Dong },
    /// A source appears once in a split.
    #[error("funding source {funding_source} appears twice in the split")]
    DuplicateFundingSource { funding_source: Id },
    /// An approval fits what remains allocated, per source.
    #[error("approval of {part} exceeds the {remaining} left in programme {programme_id} for source {funding_source}")]
    ApprovalExceedsBudget {
        part: Dong,
        remaining: Dong,
        programme_id: Id,
        funding_source: Id,
    },
    /// Works are planned after they are approved.
    #[error("planned completion {planned_completion_on} is before the approval on {approved_on}")]
    PlannedCompletionBeforeApproval {
        planned_completion_on: NaiveDate,
        approved_on: NaiveDate,
    },
    /// One live support per household per programme.
    #[error(
        "household {household_id} already has support {support_id} in programme {programme_id}"
    )]
    HouseholdAlreadySupported {
        household_id: Id,
        programme_id: Id,
        support_id: Id,
    },
    /// Nothing happens to a cancelled support.
    #[error("housing support {support_id} was cancelled on {cancelled_on}")]
    SupportCancelled {
        support_id: Id,
        cancelled_on: NaiveDate,
    },
    /// Disbursements come from a source of the approved split.
    #[error("housing support {support_id} has no funding from source {funding_source}")]
    SourceNotInSplit { support_id: Id, funding_source: Id },
    /// Disbursements never exceed the approval.
    #[error("disbursement of {amount} exceeds the {remaining} of support {support_id} from source {funding_source} not yet disbursed")]
    DisbursementExceedsApproval {
        amount: Dong,
        remaining: Dong,
        support_id: Id,
        funding_source: Id,
    },
    /// Works start once.
    #[error("works for support {support_id} already started on {started_on}")]
    WorksAlreadyStarted {
        support_id: Id,
        started_on: NaiveDate,
    },
    /// Works complete once (corrections use CorrectCompletionDate).
    #[error("support {support_id} was already completed on {completed_on}")]
    AlreadyCompleted {
        support_id: Id,
        completed_on: NaiveDate,
    },
    /// A new build completes as HouseBuilt, a repair as HouseRepaired.
    #[error("support {support_id} was approved as {approved:?}, not {recorded:?}")]
    CompletionKindMismatch {
        support_id: Id,
        approved: WorkKind,
        recorded: WorkKind,
    },
    /// Completion is not before approval.
    #[error("completion of support {support_id} on {completed_on} is before its approval on {approved_on}")]
    CompletionBeforeApproval {
        support_id: Id,
        completed_on: NaiveDate,
        approved_on: NaiveDate,
    },
    /// Only a recorded completion can be corrected.
    #[error("support {support_id} has no completion to correct")]
    NotCompleted { support_id: Id },
    /// A correction changes the date.
    #[error("support {support_id} is already recorded as completed on {completed_on}")]
    CompletionDateUnchanged {
        support_id: Id,
        completed_on: NaiveDate,
    },
    /// A finished house cannot be un-approved.
    #[error("support {support_id} was completed on {completed_on} and cannot be cancelled")]
    CompletedSupportCannotBeCancelled {
        support_id: Id,
        completed_on: NaiveDate,
    },
    /// Disbursed money must be reversed before a cancellation.
    #[error("support {support_id} has {disbursed} disbursed: reverse the disbursements before cancelling")]
    CancellationWithDisbursedFunds { support_id: Id, disbursed: Dong },

    // ---- children and sponsorship ---------------------------------------------------
    /// Child ids are unique.
    #[error("child {child_id} is already registered")]
    ChildAlreadyRegistered { child_id: Id },
    /// References exist.
    #[error("no child {child_id}")]
    UnknownChild { child_id: Id },
    /// A child is born before being registered.
    #[error(
        "child {child_id} born on {birth_date} cannot be registered earlier, on {registered_on}"
    )]
    BirthAfterRegistration {
        child_id: Id,
        birth_date: NaiveDate,
        registered_on: NaiveDate,
    },
    /// Sponsor ids are unique.
    #[error("sponsor {sponsor_id} is already registered")]
    SponsorAlreadyRegistered { sponsor_id: Id },
    /// References exist.
    #[error("no sponsor {sponsor_id}")]
    UnknownSponsor { sponsor_id: Id },
    /// Sponsorship ids are unique.
    #[error("sponsorship {sponsorship_id} already exists")]
    SponsorshipAlreadyExists { sponsorship_id: Id },
    /// References exist.
    #[error("no sponsorship {sponsorship_id}")]
    UnknownSponsorship { sponsorship_id: Id },
    /// A pledge is only for a child under 18 in its first month.
    #[error("child {child_id} turns 18 on {turns_18_on}, before the first month {first_month} of the pledge")]
    ChildAlreadyEighteen {
        child_id: Id,
        turns_18_on: NaiveDate,
        first_month: YearMonth,
    },
    /// A pledge starts no earlier than the birth month.
    #[error("child {child_id} is born on {birth_date}, after the first month {first_month} of the pledge")]
    PledgeBeforeBirth {
        child_id: Id,
        birth_date: NaiveDate,
        first_month: YearMonth,
    },
    /// A payment is the monthly amount times the months it covers.
    #[error(
        "payment of {amount} does not equal {months} month(s) × {monthly_amount} = {expected}"
    )]
    PaymentAmountMismatch {
        amount: Dong,
        monthly_amount: Dong,
        months: u32,
        expected: Dong,
    },
    /// A sponsorship never pays the same month twice.
    #[error("month {month} of sponsorship {sponsorship_id} is already paid")]
    MonthAlreadyPaid {
        sponsorship_id: Id,
        month: YearMonth,
    },
    /// Payments cover scheduled months only.
    #[error("month {month} is outside sponsorship {sponsorship_id}'s schedule {first_month} to {last_month}")]
    MonthOutsideSchedule {
        sponsorship_id: Id,
        month: YearMonth,
        first_month: YearMonth,
        last_month: YearMonth,
    },
    /// One payment, one sponsor.
    #[error("payment for sponsorship {sponsorship_id} spans a change of sponsor in {month}: record one payment per sponsor")]
    PaymentSpansTransfer {
        sponsorship_id: Id,
        month: YearMonth,
    },
    /// Nothing is transferred or ended after an end.
    #[error("sponsorship {sponsorship_id} already ended with {last_month}")]
    SponsorshipAlreadyEnded {
        sponsorship_id: Id,
        last_month: YearMonth,
    },
    /// A transfer changes the sponsor.
    #[error("sponsorship {sponsorship_id} is already with sponsor {sponsor_id}")]
    TransferToSameSponsor { sponsorship_id: Id, sponsor_id: Id },
    /// A transfer month lies inside the remaining schedule.
    #[error("sponsorship {sponsorship_id} can be transferred from {earliest} to {last_month}, not from {month}")]
    TransferMonthOutOfRange {
        sponsorship_id: Id,
        month: YearMonth,
        earliest: YearMonth,
        last_month: YearMonth,
    },
    /// Months already paid stay with the sponsor who paid them.
    #[error("month {month} of sponsorship {sponsorship_id} is already paid by the current sponsor: reverse that payment before transferring from an earlier month")]
    TransferOverPaidMonth {
        sponsorship_id: Id,
        month: YearMonth,
    },
    /// An early end lies inside the schedule.
    #[error("sponsorship {sponsorship_id} runs from {first_month} to {last_month}, so it cannot end with {month}")]
    EndMonthOutOfRange {
        sponsorship_id: Id,
        month: YearMonth,
        first_month: YearMonth,
        last_month: YearMonth,
    },
    /// An early end keeps every paid month.
    #[error("sponsorship {sponsorship_id} cannot end with {month}: {paid_month} is already paid")]
    EndBeforePaidMonth {
        sponsorship_id: Id,
        month: YearMonth,
        paid_month: YearMonth,
    },

    // ---- jobs -----------------------------------------------------------------------
    /// Jobs are created in a month of the plan year.
    #[error("month {month} is not in plan year {year}")]
    JobsMonthOutsideYear { month: YearMonth, year: i32 },
}
