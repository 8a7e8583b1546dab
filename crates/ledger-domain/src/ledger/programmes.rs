//! Poverty standards, programmes and their budgets per funding source, including the
//! monthly book cells the budget projection reads.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use chrono::NaiveDate;
use uuid::Uuid;

use super::{Ledger, Reversible, Stamp, UnitId};
use crate::event::{
    AllocationReversed, BudgetAllocated, PovertyStandardRegistered, ProgrammeKind, ProgrammeOpened,
};
use crate::id::Id;
use crate::money::Dong;
use crate::month::YearMonth;

/// A registered poverty standard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standard {
    /// The registration, as recorded.
    pub definition: PovertyStandardRegistered,
    /// The log position of the registration.
    pub registered_position: u64,
}

/// A programme and its budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Programme {
    /// Caller-chosen id.
    pub id: Id,
    /// Human name.
    pub name: String,
    /// What it does.
    pub kind: ProgrammeKind,
    /// The plan year.
    pub year: i32,
    /// Planned beneficiaries.
    pub target: u32,
    /// Works must be finished by this date.
    pub deadline: NaiveDate,
    /// When it opened.
    pub opened_on: NaiveDate,
    /// The log position of its opening.
    pub opened_position: u64,
    /// Budget per funding source, in order of first allocation.
    pub sources: Vec<SourceBudget>,
    /// Every allocation (a small per-programme list), for reversals.
    pub allocations: Vec<AllocationRecord>,
    /// Housing supports approved in it (indexes into the ledger's supports).
    pub supports: Vec<u32>,
}

/// Where a book cell sits: the unit (none for programme-level allocations) and month.
pub type BookKey = (Option<UnitId>, YearMonth);

/// Money flows of one programme × source × unit × month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BookCell {
    /// Allocated (net of reversed allocations).
    pub allocated: Dong,
    /// Committed by approvals (net of cancelled supports), in the approval's month.
    pub committed: Dong,
    /// Disbursed (net of reversed disbursements).
    pub disbursed: Dong,
}

/// A programme's money from one funding source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceBudget {
    /// The funding source.
    pub source: Id,
    /// Allocated, net of reversals.
    pub allocated: Dong,
    /// Committed by live approvals.
    pub committed: Dong,
    /// Disbursed, net of reversals.
    pub disbursed: Dong,
    /// The monthly book by unit.
    #[serde(with = "super::pairs")]
    pub cells: BTreeMap<BookKey, BookCell>,
}

impl SourceBudget {
    /// Allocated and not committed: what an approval may still take.
    pub fn remaining(&self) -> Dong {
        self.allocated.saturating_sub(self.committed)
    }
}

/// One allocation, kept so it can be reversed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AllocationRecord {
    /// The `BudgetAllocated` event id.
    pub event_id: Uuid,
    /// Its source.
    pub source: Id,
    /// Its amount.
    pub amount: Dong,
    /// Its date.
    pub allocated_on: NaiveDate,
    /// The reversal's date and log position, once reversed (an `as_of` or a position before it
    /// still counts the allocation).
    pub reversed: Option<Stamp>,
    /// The log position of the allocation (a `known_at` before it does not see it).
    pub position: u64,
}

impl Programme {
    /// The budget of `source`, if any was allocated.
    pub fn source(&self, source: &str) -> Option<&SourceBudget> {
        self.sources
            .iter()
            .find(|budget| budget.source.as_str() == source)
    }

    /// The budget of `source`, created empty if needed.
    pub(super) fn source_mut(&mut self, source: &Id) -> &mut SourceBudget {
        let position = self
            .sources
            .iter()
            .position(|budget| budget.source == *source);
        let index = position.unwrap_or_else(|| {
            self.sources.push(SourceBudget {
                source: source.clone(),
                allocated: Dong::ZERO,
                committed: Dong::ZERO,
                disbursed: Dong::ZERO,
                cells: BTreeMap::new(),
            });
            self.sources.len() - 1
        });
        &mut self.sources[index]
    }
}

/// Adds (`sign` true) or removes an amount in one field of a cell.
pub(super) fn adjust(total: &mut Dong, amount: Dong, add: bool) {
    *total = if add {
        total.saturating_add(amount)
    } else {
        total.saturating_sub(amount)
    };
}

/// The month of a date, clamped into the supported range.
pub(super) fn month_of(date: NaiveDate) -> YearMonth {
    YearMonth::of_clamped(date)
}

impl Ledger {
    pub(super) fn apply_standard_registered(&mut self, event: &PovertyStandardRegistered) -> bool {
        let standard = Standard {
            definition: event.clone(),
            registered_position: self.last_position,
        };
        self.standards
            .insert(&event.standard_id, standard)
            .is_some()
    }

    pub(super) fn apply_programme_opened(&mut self, event: &ProgrammeOpened) -> bool {
        let programme = Programme {
            id: event.programme_id.clone(),
            name: event.name.clone(),
            kind: event.programme_kind,
            year: event.year,
            target: event.target,
            deadline: event.deadline,
            opened_on: event.opened_on,
            opened_position: self.last_position,
            sources: Vec::new(),
            allocations: Vec::new(),
            supports: Vec::new(),
        };
        self.programmes
            .insert(&event.programme_id, programme)
            .is_some()
    }

    pub(super) fn apply_budget_allocated(
        &mut self,
        event: &BudgetAllocated,
        event_id: Uuid,
    ) -> bool {
        let Some(index) = self.programmes.index_of(event.programme_id.as_str()) else {
            return false;
        };
        let Some(programme) = self.programmes.at_mut(index) else {
            return false;
        };
        let Ok(record) = u32::try_from(programme.allocations.len()) else {
            return false;
        };
        programme.allocations.push(AllocationRecord {
            event_id,
            source: event.source.clone(),
            amount: event.amount,
            allocated_on: event.allocated_on,
            reversed: None,
            position: self.last_position,
        });
        let budget = programme.source_mut(&event.source);
        adjust(&mut budget.allocated, event.amount, true);
        let cell = budget
            .cells
            .entry((None, month_of(event.allocated_on)))
            .or_default();
        adjust(&mut cell.allocated, event.amount, true);
        self.reversible.insert(
            event_id,
            Reversible::Allocation {
                programme: index,
                record,
            },
        );
        true
    }

    pub(super) fn apply_allocation_reversed(&mut self, event: &AllocationReversed) -> bool {
        let stamp = self.stamp(event.reversed_on);
        let Some(Reversible::Allocation { programme, record }) =
            self.reversible(&event.allocation_event_id)
        else {
            return false;
        };
        let Some(programme) = self.programmes.at_mut(programme) else {
            return false;
        };
        let Some(allocation) = programme.allocations.get_mut(record as usize) else {
            return false;
        };
        if allocation.reversed.is_some() {
            return false;
        }
        allocation.reversed = Some(stamp);
        let (source, amount, month) = (
            allocation.source.clone(),
            allocation.amount,
            month_of(allocation.allocated_on),
        );
        let budget = programme.source_mut(&source);
        adjust(&mut budget.allocated, amount, false);
        let cell = budget.cells.entry((None, month)).or_default();
        adjust(&mut cell.allocated, amount, false);
        true
    }
}
