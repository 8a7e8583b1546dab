//! Housing progress: approvals and completions by kind and unit, support amounts,
//! planned vs actual completion per work and per programme, and open or overdue works.
//!
//! A programme's `days_ahead` is its deadline minus the date its last live (not
//! cancelled) work was completed, positive when early; it is reported once every live
//! work is completed (before that the last completion date is not known). Cancelled
//! works are excluded from every count and amount. Corrected completion dates replace
//! the recorded ones.

mod works;

pub use works::{
    housing_by_unit, housing_by_unit_within, works, works_within, HousingUnitFigures,
    HousingUnitRow, WorkRow, WorkStatus,
};

use std::collections::HashSet;

use chrono::NaiveDate;
use serde::Serialize;

use crate::event::WorkKind;
use crate::id::Id;
use crate::ledger::{Horizon, Ledger, Programme, Support};
use crate::money::Dong;

/// Counts by kind of work.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ByKind {
    /// New builds.
    pub new_builds: u64,
    /// Repairs.
    pub repairs: u64,
}

impl ByKind {
    fn add(&mut self, kind: WorkKind) {
        match kind {
            WorkKind::NewBuild => self.new_builds += 1,
            WorkKind::Repair => self.repairs += 1,
        }
    }

    /// New builds + repairs.
    pub fn total(&self) -> u64 {
        self.new_builds + self.repairs
    }
}

/// A programme's housing progress as of a query date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HousingProgress {
    /// The programme.
    pub programme_id: Id,
    /// Its name.
    pub name: String,
    /// Planned households.
    pub target: u32,
    /// The deadline.
    pub deadline: NaiveDate,
    /// Households with live support.
    pub households: u64,
    /// Live approvals by kind.
    pub approved: ByKind,
    /// Completed live works by kind.
    pub completed: ByKind,
    /// Cancelled supports (excluded everywhere else).
    pub cancelled: u64,
    /// Total live support.
    pub total_support: Dong,
    /// Of which new builds.
    pub new_build_support: Dong,
    /// Of which repairs.
    pub repair_support: Dong,
    /// Disbursed so far.
    pub disbursed: Dong,
    /// The latest completion date among live works.
    pub last_completion_on: Option<NaiveDate>,
    /// True when every live work is completed (and there is at least one).
    pub all_completed: bool,
    /// Deadline − last completion, in days (+ early, − late), once all are completed.
    pub days_ahead: Option<i64>,
    /// Live works not completed.
    pub open_works: u64,
    /// Open works whose planned completion is before the query date.
    pub overdue_works: u64,
}

fn supports_of<'a>(
    ledger: &'a Ledger,
    programme: &'a Programme,
) -> impl Iterator<Item = &'a Support> {
    programme
        .supports
        .iter()
        .filter_map(|&index| ledger.supports().at(index))
}

/// What the progress and the works read of a support: as the ledger holds it, or as a
/// replay to a horizon would.
struct SupportState {
    live: bool,
    started_on: Option<NaiveDate>,
    completed_on: Option<NaiveDate>,
    disbursed: Dong,
}

impl SupportState {
    /// `None` if a replay to the horizon would not hold the support.
    fn of(ledger: &Ledger, support: &Support, as_of: Option<Horizon>) -> Option<SupportState> {
        let Some(as_of) = as_of else {
            return Some(SupportState {
                live: support.is_live(),
                started_on: support.started.map(|start| start.on),
                completed_on: support.completed_on,
                disbursed: support.disbursed(),
            });
        };
        ledger
            .support_occurred_by(support, as_of)
            .then(|| SupportState {
                live: !support.cancelled_within(as_of),
                started_on: support
                    .started
                    .filter(|start| as_of.sees_stamp(*start))
                    .map(|start| start.on),
                completed_on: support.completed_on_as_of(as_of),
                disbursed: support.disbursed_as_of(as_of),
            })
    }
}

/// A programme's progress on `on`, from every fact (`as_of` `None`) or from those the horizon
/// sees.
fn progress(
    ledger: &Ledger,
    programme: &Programme,
    on: NaiveDate,
    as_of: Option<Horizon>,
) -> HousingProgress {
    let mut report = HousingProgress {
        programme_id: programme.id.clone(),
        name: programme.name.clone(),
        target: programme.target,
        deadline: programme.deadline,
        households: 0,
        approved: ByKind::default(),
        completed: ByKind::default(),
        cancelled: 0,
        total_support: Dong::ZERO,
        new_build_support: Dong::ZERO,
        repair_support: Dong::ZERO,
        disbursed: Dong::ZERO,
        last_completion_on: None,
        all_completed: false,
        days_ahead: None,
        open_works: 0,
        overdue_works: 0,
    };
    let mut households = HashSet::new();
    for support in supports_of(ledger, programme) {
        let Some(state) = SupportState::of(ledger, support, as_of) else {
            continue;
        };
        if !state.live {
            report.cancelled += 1;
            continue;
        }
        households.insert(support.household);
        report.approved.add(support.kind);
        report.total_support = report.total_support.saturating_add(support.amount);
        let by_kind = match support.kind {
            WorkKind::NewBuild => &mut report.new_build_support,
            WorkKind::Repair => &mut report.repair_support,
        };
        *by_kind = by_kind.saturating_add(support.amount);
        report.disbursed = report.disbursed.saturating_add(state.disbursed);
        match state.completed_on {
            Some(completed_on) => {
                report.completed.add(support.kind);
                report.last_completion_on = report.last_completion_on.max(Some(completed_on));
            }
            None => {
                report.open_works += 1;
                if support.planned_completion_on < on {
                    report.overdue_works += 1;
                }
            }
        }
    }
    report.households = households.len() as u64;
    report.all_completed = report.approved.total() > 0 && report.open_works == 0;
    if report.all_completed {
        report.days_ahead = report
            .last_completion_on
            .map(|last| (programme.deadline - last).num_days());
    }
    report
}

/// Progress of every housing programme as of `on` (for overdue works).
pub fn housing_progress(ledger: &Ledger, on: NaiveDate) -> Vec<HousingProgress> {
    ledger
        .programmes()
        .iter()
        .filter(|(_, programme)| programme.kind == crate::event::ProgrammeKind::Housing)
        .map(|(_, programme)| progress(ledger, programme, on, None))
        .collect()
}

/// [`housing_progress`] of the ledger replayed `as_of` a past date, worked out from the live
/// ledger: programmes opened by then, supports approved by then (with their households
/// registered), cancellations, completion dates as known then (corrections keep their
/// history) and disbursements net of reversals, each as of that date.
pub fn housing_progress_as_of(ledger: &Ledger, as_of: NaiveDate) -> Vec<HousingProgress> {
    housing_progress_within(ledger, as_of, as_of.into())
}

/// [`housing_progress`] on `on` of the ledger replayed to a horizon (a past `as_of`, a past
/// position or both), worked out from the live ledger as [`housing_progress_as_of`] says.
pub fn housing_progress_within(
    ledger: &Ledger,
    on: NaiveDate,
    horizon: Horizon,
) -> Vec<HousingProgress> {
    ledger
        .programmes()
        .iter()
        .filter(|(_, programme)| {
            programme.kind == crate::event::ProgrammeKind::Housing
                && horizon.sees(programme.opened_on, programme.opened_position)
        })
        .map(|(_, programme)| progress(ledger, programme, on, Some(horizon)))
        .collect()
}

/// Progress of one programme as of `on`.
pub fn programme_progress(
    ledger: &Ledger,
    programme_id: &str,
    on: NaiveDate,
) -> Option<HousingProgress> {
    let programme = ledger.programmes().get(programme_id)?;
    Some(progress(ledger, programme, on, None))
}
