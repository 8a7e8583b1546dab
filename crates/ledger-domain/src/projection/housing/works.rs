//! Housing works one by one (planned vs actual, status on a date) and by unit.

use chrono::NaiveDate;
use serde::Serialize;

use super::{ByKind, SupportState};
use crate::event::WorkKind;
use crate::id::Id;
use crate::ledger::{Horizon, Ledger};
use crate::money::Dong;
use crate::projection::units::{bucket_within, regroup_within, Combine, UnitBucket, UnitGrouping};

/// Where a work stands on the query date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkStatus {
    /// Not completed, planned date not passed.
    Open,
    /// Not completed, planned date passed.
    Overdue,
    /// Completed.
    Completed,
    /// Cancelled.
    Cancelled,
}

/// One work, planned vs actual.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkRow {
    /// The support.
    pub support_id: Id,
    /// Its programme.
    pub programme_id: Id,
    /// The household (pseudonymous).
    pub household_id: Id,
    /// The household's unit as recorded.
    pub unit: UnitBucket,
    /// New build or repair.
    pub kind: WorkKind,
    /// Approved support.
    pub amount: Dong,
    /// Disbursed.
    pub disbursed: Dong,
    /// Approval date.
    pub approved_on: NaiveDate,
    /// Planned completion.
    pub planned_completion_on: NaiveDate,
    /// When works started.
    pub started_on: Option<NaiveDate>,
    /// Actual completion.
    pub completed_on: Option<NaiveDate>,
    /// Planned − actual, in days (+ early), once completed.
    pub days_ahead: Option<i64>,
    /// Where it stands.
    pub status: WorkStatus,
}

/// Every work (optionally of one programme) with its status on `on`.
pub fn works(ledger: &Ledger, programme_id: Option<&str>, on: NaiveDate) -> Vec<WorkRow> {
    works_of(ledger, programme_id, on, None)
}

/// [`works`] on `on` of the ledger replayed to a horizon (a past `as_of`, a past position or
/// both), from the live ledger.
pub fn works_within(
    ledger: &Ledger,
    programme_id: Option<&str>,
    on: NaiveDate,
    horizon: Horizon,
) -> Vec<WorkRow> {
    works_of(ledger, programme_id, on, Some(horizon))
}

fn works_of(
    ledger: &Ledger,
    programme_id: Option<&str>,
    on: NaiveDate,
    horizon: Option<Horizon>,
) -> Vec<WorkRow> {
    ledger
        .supports()
        .iter()
        .filter_map(|(_, support)| {
            let programme = ledger.programmes().at(support.programme)?;
            if programme_id.is_some_and(|id| id != programme.id.as_str()) {
                return None;
            }
            let household = ledger.households().at(support.household)?;
            let state = SupportState::of(ledger, support, horizon)?;
            let status = match (state.live, state.completed_on) {
                (false, _) => WorkStatus::Cancelled,
                (true, Some(_)) => WorkStatus::Completed,
                (true, None) if support.planned_completion_on < on => WorkStatus::Overdue,
                (true, None) => WorkStatus::Open,
            };
            let whole = horizon.unwrap_or(Horizon::WHOLE);
            Some(WorkRow {
                support_id: support.id.clone(),
                programme_id: programme.id.clone(),
                household_id: household.id.clone(),
                unit: bucket_within(ledger, support.unit, UnitGrouping::AsRecorded, whole),
                kind: support.kind,
                amount: support.amount,
                disbursed: state.disbursed,
                approved_on: support.approved_on,
                planned_completion_on: support.planned_completion_on,
                started_on: state.started_on,
                completed_on: state.completed_on,
                days_ahead: state
                    .completed_on
                    .map(|done| (support.planned_completion_on - done).num_days()),
                status,
            })
        })
        .collect()
}

/// Live housing figures of one unit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct HousingUnitFigures {
    /// Approvals by kind.
    pub approved: ByKind,
    /// Completions by kind.
    pub completed: ByKind,
    /// Approved support.
    pub approved_amount: Dong,
    /// Support of completed works.
    pub completed_amount: Dong,
}

impl Combine for HousingUnitFigures {
    fn combine(&mut self, other: &HousingUnitFigures) {
        self.approved.new_builds += other.approved.new_builds;
        self.approved.repairs += other.approved.repairs;
        self.completed.new_builds += other.completed.new_builds;
        self.completed.repairs += other.completed.repairs;
        self.approved_amount = self.approved_amount.saturating_add(other.approved_amount);
        self.completed_amount = self.completed_amount.saturating_add(other.completed_amount);
    }
}

/// Housing figures by unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HousingUnitRow {
    /// The unit.
    pub unit: UnitBucket,
    /// Its figures.
    #[serde(flatten)]
    pub figures: HousingUnitFigures,
}

/// Live housing figures (optionally of one programme) grouped by unit.
pub fn housing_by_unit(
    ledger: &Ledger,
    programme_id: Option<&str>,
    grouping: UnitGrouping,
) -> Vec<HousingUnitRow> {
    housing_by_unit_of(ledger, programme_id, grouping, None)
}

/// [`housing_by_unit`] of the ledger replayed to a horizon, from the live ledger.
pub fn housing_by_unit_within(
    ledger: &Ledger,
    programme_id: Option<&str>,
    grouping: UnitGrouping,
    horizon: Horizon,
) -> Vec<HousingUnitRow> {
    housing_by_unit_of(ledger, programme_id, grouping, Some(horizon))
}

fn housing_by_unit_of(
    ledger: &Ledger,
    programme_id: Option<&str>,
    grouping: UnitGrouping,
    horizon: Option<Horizon>,
) -> Vec<HousingUnitRow> {
    let rows = ledger.supports().iter().filter_map(|(_, support)| {
        let programme = ledger.programmes().at(support.programme)?;
        if programme_id.is_some_and(|id| id != programme.id.as_str()) {
            return None;
        }
        let state = SupportState::of(ledger, support, horizon).filter(|state| state.live)?;
        let mut figures = HousingUnitFigures::default();
        figures.approved.add(support.kind);
        figures.approved_amount = support.amount;
        if state.completed_on.is_some() {
            figures.completed.add(support.kind);
            figures.completed_amount = support.amount;
        }
        Some((support.unit, figures))
    });
    let horizon = horizon.unwrap_or(Horizon::WHOLE);
    regroup_within(ledger, rows, grouping, horizon)
        .into_iter()
        .map(|(unit, figures)| HousingUnitRow { unit, figures })
        .collect()
}
