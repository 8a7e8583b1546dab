//! Housing works one by one (planned vs actual, status on a date) and by unit.

use chrono::NaiveDate;
use serde::Serialize;

use super::ByKind;
use crate::event::WorkKind;
use crate::id::Id;
use crate::ledger::Ledger;
use crate::money::Dong;
use crate::projection::units::{regroup, Combine, UnitBucket, UnitGrouping};

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
    ledger
        .supports()
        .iter()
        .filter_map(|(_, support)| {
            let programme = ledger.programmes().at(support.programme)?;
            if programme_id.is_some_and(|id| id != programme.id.as_str()) {
                return None;
            }
            let household = ledger.households().at(support.household)?;
            let status = match (support.cancelled_on, support.completed_on) {
                (Some(_), _) => WorkStatus::Cancelled,
                (None, Some(_)) => WorkStatus::Completed,
                (None, None) if support.planned_completion_on < on => WorkStatus::Overdue,
                (None, None) => WorkStatus::Open,
            };
            Some(WorkRow {
                support_id: support.id.clone(),
                programme_id: programme.id.clone(),
                household_id: household.id.clone(),
                unit: crate::projection::units::bucket(
                    ledger,
                    support.unit,
                    UnitGrouping::AsRecorded,
                ),
                kind: support.kind,
                amount: support.amount,
                disbursed: support.disbursed(),
                approved_on: support.approved_on,
                planned_completion_on: support.planned_completion_on,
                started_on: support.started_on,
                completed_on: support.completed_on,
                days_ahead: support
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
    let rows = ledger.supports().iter().filter_map(|(_, support)| {
        let programme = ledger.programmes().at(support.programme)?;
        if !support.is_live() || programme_id.is_some_and(|id| id != programme.id.as_str()) {
            return None;
        }
        let mut figures = HousingUnitFigures::default();
        figures.approved.add(support.kind);
        figures.approved_amount = support.amount;
        if support.completed_on.is_some() {
            figures.completed.add(support.kind);
            figures.completed_amount = support.amount;
        }
        Some((support.unit, figures))
    });
    regroup(ledger, rows, grouping)
        .into_iter()
        .map(|(unit, figures)| HousingUnitRow { unit, figures })
        .collect()
}
