//! Housing supports: approval (committing the programme's budget), disbursements and
//! their reversals, works, completion and cancellation.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::programmes::{adjust, month_of};
use super::{Horizon, Ledger, Reversible, Stamp, UnitId};
use crate::event::{
    DisbursementReversed, HousingFundsDisbursed, HousingSupportApproved, HousingSupportCancelled,
    WorkKind,
};
use crate::id::Id;
use crate::money::Dong;

/// One approved housing support.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Support {
    /// Caller-chosen id.
    pub id: Id,
    /// Programme index.
    pub programme: u32,
    /// Household index.
    pub household: u32,
    /// The household's unit as recorded.
    pub unit: Option<UnitId>,
    /// New build or repair.
    pub kind: WorkKind,
    /// The total support.
    pub amount: Dong,
    /// Planned completion.
    pub planned_completion_on: NaiveDate,
    /// The split by source, with what has been disbursed from each part.
    pub parts: Vec<SupportPart>,
    /// Approval date.
    pub approved_on: NaiveDate,
    /// The log position of the approval.
    pub approved_position: u64,
    /// When works started, and the start's log position.
    pub started: Option<Stamp>,
    /// When the works were completed (as last corrected).
    pub completed_on: Option<NaiveDate>,
    /// Every completion and correction in log order: (when it occurred and where in the log,
    /// the completion date it gives), so an `as_of` or a position before a correction reads
    /// the date known then.
    pub completions: Vec<(Stamp, NaiveDate)>,
    /// When cancelled, and the cancellation's log position.
    pub cancelled: Option<Stamp>,
    /// Every disbursement (a small per-support list), for reversals.
    pub disbursements: Vec<DisbursementRecord>,
}

/// One source's part of a support.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupportPart {
    /// The source.
    pub source: Id,
    /// Approved.
    pub amount: Dong,
    /// Disbursed, net of reversals.
    pub disbursed: Dong,
}

/// One disbursement, kept so it can be reversed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisbursementRecord {
    /// The `HousingFundsDisbursed` event id.
    pub event_id: Uuid,
    /// Index into the support's parts.
    pub part: u32,
    /// Amount.
    pub amount: Dong,
    /// Date.
    pub disbursed_on: NaiveDate,
    /// The log position of the disbursement.
    pub position: u64,
    /// The reversal's date and log position, once reversed (an `as_of` or a position before it
    /// still counts the disbursement).
    pub reversed: Option<Stamp>,
}

impl Support {
    /// The part funded by `source`.
    pub fn part(&self, source: &str) -> Option<&SupportPart> {
        self.parts
            .iter()
            .find(|part| part.source.as_str() == source)
    }

    /// Disbursed over all sources, net of reversals.
    pub fn disbursed(&self) -> Dong {
        self.parts
            .iter()
            .fold(Dong::ZERO, |sum, part| sum.saturating_add(part.disbursed))
    }

    /// True unless cancelled.
    pub fn is_live(&self) -> bool {
        self.cancelled.is_none()
    }

    /// Records a completion or its correction, occurring on `occurred_on`.
    pub(super) fn complete(&mut self, occurred: Stamp, completed_on: NaiveDate) {
        self.completed_on = Some(completed_on);
        self.completions.push((occurred, completed_on));
    }

    /// The completion date as the events the horizon sees gave it (the last of them in log
    /// order), if any.
    pub fn completed_on_as_of(&self, as_of: impl Into<Horizon>) -> Option<NaiveDate> {
        super::last_given_by(&self.completions, as_of)
    }

    /// Disbursed over all sources by the horizon: disbursements it sees, less the reversals it
    /// sees.
    pub fn disbursed_as_of(&self, as_of: impl Into<Horizon>) -> Dong {
        let horizon = as_of.into();
        self.disbursements
            .iter()
            .filter(|d| {
                horizon.sees(d.disbursed_on, d.position) && !horizon.sees_correction(d.reversed)
            })
            .fold(Dong::ZERO, |sum, d| sum.saturating_add(d.amount))
    }

    /// True if the horizon sees the cancellation.
    pub fn cancelled_within(&self, horizon: Horizon) -> bool {
        horizon.sees_correction(self.cancelled)
    }
}

impl Ledger {
    /// True if a replay to the horizon holds `support`: the horizon sees the approval, and
    /// its household was registered by `as_of` (a replay skips an approval whose household it
    /// has not folded; the registration always lies earlier in the log).
    pub fn support_occurred_by(&self, support: &Support, as_of: impl Into<Horizon>) -> bool {
        let horizon = as_of.into();
        let as_of = horizon.as_of;
        horizon.sees(support.approved_on, support.approved_position)
            && self
                .households
                .at(support.household)
                .is_some_and(|household| household.registered_on <= as_of)
    }

    /// Runs `change` on the support `id`; false if unknown.
    pub(super) fn with_support(&mut self, id: &Id, change: impl FnOnce(&mut Support)) -> bool {
        match self.supports.get_mut(id.as_str()) {
            Some(support) => {
                change(support);
                true
            }
            None => false,
        }
    }

    pub(super) fn apply_support_approved(&mut self, event: &HousingSupportApproved) -> bool {
        let programme_index = self.programmes.index_of(event.programme_id.as_str());
        let household_index = self.households.index_of(event.household_id.as_str());
        let (Some(programme_index), Some(household_index)) = (programme_index, household_index)
        else {
            return false;
        };
        let unit = self.households.at(household_index).and_then(|h| h.unit);
        let support = Support {
            id: event.support_id.clone(),
            programme: programme_index,
            household: household_index,
            unit,
            kind: event.work_kind,
            amount: event.amount,
            planned_completion_on: event.planned_completion_on,
            parts: event
                .funding
                .iter()
                .map(|part| SupportPart {
                    source: part.source.clone(),
                    amount: part.amount,
                    disbursed: Dong::ZERO,
                })
                .collect(),
            approved_on: event.approved_on,
            approved_position: self.last_position,
            started: None,
            completed_on: None,
            completions: Vec::new(),
            cancelled: None,
            disbursements: Vec::new(),
        };
        let Some(support_index) = self.supports.insert(&event.support_id, support) else {
            return false;
        };
        let Some(programme) = self.programmes.at_mut(programme_index) else {
            return false;
        };
        programme.supports.push(support_index);
        let month = month_of(event.approved_on);
        for part in &event.funding {
            let budget = programme.source_mut(&part.source);
            adjust(&mut budget.committed, part.amount, true);
            let cell = budget.cells.entry((unit, month)).or_default();
            adjust(&mut cell.committed, part.amount, true);
        }
        true
    }

    pub(super) fn apply_support_cancelled(&mut self, event: &HousingSupportCancelled) -> bool {
        let stamp = self.stamp(event.cancelled_on);
        let Some(support) = self.supports.get_mut(event.support_id.as_str()) else {
            return false;
        };
        if support.cancelled.is_some() {
            return false;
        }
        support.cancelled = Some(stamp);
        let (programme, unit, month) = (
            support.programme,
            support.unit,
            month_of(support.approved_on),
        );
        let parts: Vec<(Id, Dong)> = support
            .parts
            .iter()
            .map(|part| (part.source.clone(), part.amount))
            .collect();
        let Some(programme) = self.programmes.at_mut(programme) else {
            return false;
        };
        // The commitment disappears from the approval's month: a cancelled work is
        // excluded from the books as if never committed.
        for (source, amount) in parts {
            let budget = programme.source_mut(&source);
            adjust(&mut budget.committed, amount, false);
            let cell = budget.cells.entry((unit, month)).or_default();
            adjust(&mut cell.committed, amount, false);
        }
        true
    }

    pub(super) fn apply_funds_disbursed(
        &mut self,
        event: &HousingFundsDisbursed,
        event_id: Uuid,
    ) -> bool {
        let Some(support_index) = self.supports.index_of(event.support_id.as_str()) else {
            return false;
        };
        let Some(support) = self.supports.at_mut(support_index) else {
            return false;
        };
        let Some(part_index) = support.parts.iter().position(|p| p.source == event.source) else {
            return false;
        };
        let (Ok(part), Ok(record)) = (
            u32::try_from(part_index),
            u32::try_from(support.disbursements.len()),
        ) else {
            return false;
        };
        adjust(&mut support.parts[part_index].disbursed, event.amount, true);
        support.disbursements.push(DisbursementRecord {
            event_id,
            part,
            amount: event.amount,
            disbursed_on: event.disbursed_on,
            position: self.last_position,
            reversed: None,
        });
        let (programme, unit) = (support.programme, support.unit);
        self.book_disbursement(
            programme,
            &event.source,
            unit,
            event.disbursed_on,
            event.amount,
            true,
        );
        self.reversible.insert(
            event_id,
            Reversible::Disbursement {
                support: support_index,
                record,
            },
        );
        true
    }

    pub(super) fn apply_disbursement_reversed(&mut self, event: &DisbursementReversed) -> bool {
        let stamp = self.stamp(event.reversed_on);
        let Some(Reversible::Disbursement { support, record }) =
            self.reversible(&event.disbursement_event_id)
        else {
            return false;
        };
        let Some(support) = self.supports.at_mut(support) else {
            return false;
        };
        let Some(disbursement) = support.disbursements.get_mut(record as usize) else {
            return false;
        };
        if disbursement.reversed.is_some() {
            return false;
        }
        disbursement.reversed = Some(stamp);
        let (part, amount, date) = (
            disbursement.part,
            disbursement.amount,
            disbursement.disbursed_on,
        );
        let Some(part) = support.parts.get_mut(part as usize) else {
            return false;
        };
        adjust(&mut part.disbursed, amount, false);
        let source = part.source.clone();
        let (programme, unit) = (support.programme, support.unit);
        // Removed from the original month: the books read as if it never happened.
        self.book_disbursement(programme, &source, unit, date, amount, false);
        true
    }

    fn book_disbursement(
        &mut self,
        programme: u32,
        source: &Id,
        unit: Option<UnitId>,
        date: NaiveDate,
        amount: Dong,
        add: bool,
    ) {
        if let Some(programme) = self.programmes.at_mut(programme) {
            let budget = programme.source_mut(source);
            adjust(&mut budget.disbursed, amount, add);
            let cell = budget.cells.entry((unit, month_of(date))).or_default();
            adjust(&mut cell.disbursed, amount, add);
        }
    }
}
