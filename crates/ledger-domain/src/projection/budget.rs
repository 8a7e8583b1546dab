//! The budget book: per programme × funding source × unit × month, what was allocated,
//! committed and disbursed, and what remained uncommitted at the end of that month.
//!
//! Allocations are programme-level (unit `Unspecified`); commitments and disbursements
//! carry the household's unit. A reversed allocation or disbursement and a cancelled
//! support leave the book as if they had never been recorded (in their original month);
//! the account statements ([`super::accounts`]) keep both sides of every correction.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::units::{regroup_within, Combine, UnitBucket, UnitGrouping};
use crate::id::Id;
use crate::ledger::{BookCell, BookKey, Horizon, Ledger, Programme, SourceBudget, UnitId};
use crate::money::{Balance, Dong};
use crate::month::YearMonth;

/// Which rows to return.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetFilter {
    /// Only this programme.
    pub programme_id: Option<Id>,
    /// Only this funding source.
    pub source: Option<Id>,
    /// Only this unit code (after grouping).
    pub unit_code: Option<Id>,
    /// From this month.
    pub from_month: Option<YearMonth>,
    /// Through this month.
    pub to_month: Option<YearMonth>,
}

/// Flows of one programme × source × unit × month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Flows {
    /// Allocated.
    pub allocated: Dong,
    /// Committed by approvals.
    pub committed: Dong,
    /// Disbursed.
    pub disbursed: Dong,
}

impl Combine for Flows {
    fn combine(&mut self, other: &Flows) {
        self.allocated = self.allocated.saturating_add(other.allocated);
        self.committed = self.committed.saturating_add(other.committed);
        self.disbursed = self.disbursed.saturating_add(other.disbursed);
    }
}

impl From<&BookCell> for Flows {
    fn from(cell: &BookCell) -> Flows {
        Flows {
            allocated: cell.allocated,
            committed: cell.committed,
            disbursed: cell.disbursed,
        }
    }
}

/// One row of the budget book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BudgetRow {
    /// The programme.
    pub programme_id: Id,
    /// The funding source.
    pub source: Id,
    /// The unit (or `Unspecified` for programme-level allocations).
    pub unit: UnitBucket,
    /// The month.
    pub month: YearMonth,
    /// The month's flows in this unit.
    #[serde(flatten)]
    pub flows: Flows,
    /// The programme × source's uncommitted allocation at the end of the month
    /// (cumulative allocated − committed over all units; negative only if approvals
    /// were dated before the allocations that fund them).
    pub remaining: Balance,
}

/// The filtered book with its totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BudgetBook {
    /// Rows in programme order, then by source id, month and unit.
    pub rows: Vec<BudgetRow>,
    /// Sum of the rows' flows.
    pub totals: Flows,
}

/// The programme × source totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BudgetSummary {
    /// The programme.
    pub programme_id: Id,
    /// The funding source.
    pub source: Id,
    /// Allocated.
    pub allocated: Dong,
    /// Committed by live approvals.
    pub committed: Dong,
    /// Disbursed.
    pub disbursed: Dong,
    /// Allocated − committed: what approvals may still take.
    pub remaining: Dong,
    /// Committed − disbursed: promised and not yet paid.
    pub undisbursed: Dong,
}

/// The running remainder at the end of each month of one programme × source.
fn remaining_by_month(
    cells: &BTreeMap<(Option<UnitId>, YearMonth), BookCell>,
) -> BTreeMap<YearMonth, Balance> {
    let mut by_month: BTreeMap<YearMonth, Balance> = BTreeMap::new();
    for ((_, month), cell) in cells {
        *by_month.entry(*month).or_default() += cell.allocated.minus(cell.committed);
    }
    let mut running = Balance::ZERO;
    for balance in by_month.values_mut() {
        running += *balance;
        *balance = running;
    }
    by_month
}

/// A programme's sources by id, so output never depends on the order of allocations.
fn sorted_sources(programme: &Programme) -> Vec<&SourceBudget> {
    let mut sources: Vec<&SourceBudget> = programme.sources.iter().collect();
    sources.sort_by(|a, b| a.source.cmp(&b.source));
    sources
}

fn month_in_range(filter: &BudgetFilter, month: YearMonth) -> bool {
    filter.from_month.is_none_or(|from| from <= month)
        && filter.to_month.is_none_or(|to| month <= to)
}

/// The monthly book cells of one programme × source, by unit and month.
type Cells = BTreeMap<BookKey, BookCell>;

/// The budget book, filtered and grouped by unit.
pub fn budget_book(ledger: &Ledger, filter: &BudgetFilter, grouping: UnitGrouping) -> BudgetBook {
    let programmes = ledger.programmes().iter().map(|(_, programme)| {
        let sources = sorted_sources(programme)
            .into_iter()
            .map(|budget| (&budget.source, &budget.cells))
            .collect();
        (programme, sources)
    });
    book(ledger, (filter, grouping, Horizon::WHOLE), programmes)
}

/// [`budget_book`] of the ledger replayed `as_of` a past date, or up to a past position, from
/// the live ledger (see [`budget_summary_as_of`] for what counts).
pub fn budget_book_as_of(
    ledger: &Ledger,
    filter: &BudgetFilter,
    grouping: UnitGrouping,
    as_of: impl Into<Horizon>,
) -> BudgetBook {
    let horizon = as_of.into();
    let kept = cells_as_of(ledger, horizon);
    let programmes = kept.iter().map(|(programme, sources)| {
        let sources = sources
            .iter()
            .map(|(source, cells)| (*source, cells))
            .collect();
        (*programme, sources)
    });
    book(ledger, (filter, grouping, horizon), programmes)
}

/// The rows of the book over programmes in order, each with its sources' cells in source
/// order.
fn book<'a>(
    ledger: &Ledger,
    (filter, grouping, horizon): (&BudgetFilter, UnitGrouping, Horizon),
    programmes: impl Iterator<Item = (&'a Programme, Vec<(&'a Id, &'a Cells)>)>,
) -> BudgetBook {
    let mut rows = Vec::new();
    let mut totals = Flows::default();
    let wanted = |wanted: &Option<Id>, actual: &Id| wanted.as_ref().is_none_or(|id| id == actual);
    for (programme, sources) in programmes {
        if !wanted(&filter.programme_id, &programme.id) {
            continue;
        }
        for (source, cells) in sources
            .into_iter()
            .filter(|(source, _)| wanted(&filter.source, source))
        {
            let remaining = remaining_by_month(cells);
            let mut by_month: BTreeMap<YearMonth, Vec<(Option<UnitId>, Flows)>> = BTreeMap::new();
            for ((unit, month), cell) in cells {
                if month_in_range(filter, *month) && *cell != BookCell::default() {
                    by_month
                        .entry(*month)
                        .or_default()
                        .push((*unit, Flows::from(cell)));
                }
            }
            for (month, cells) in by_month {
                for (unit, flows) in regroup_within(ledger, cells, grouping, horizon) {
                    if filter
                        .unit_code
                        .as_ref()
                        .is_some_and(|code| unit.code() != Some(code.as_str()))
                    {
                        continue;
                    }
                    totals.combine(&flows);
                    rows.push(BudgetRow {
                        programme_id: programme.id.clone(),
                        source: source.clone(),
                        unit,
                        month,
                        flows,
                        remaining: remaining.get(&month).copied().unwrap_or_default(),
                    });
                }
            }
        }
    }
    BudgetBook { rows, totals }
}

/// Totals per programme × source, in programme order then by source id.
pub fn budget_summary(ledger: &Ledger) -> Vec<BudgetSummary> {
    ledger
        .programmes()
        .iter()
        .flat_map(|(_, programme)| {
            sorted_sources(programme).into_iter().map(|budget| {
                let flows = Flows {
                    allocated: budget.allocated,
                    committed: budget.committed,
                    disbursed: budget.disbursed,
                };
                summary_row(programme, &budget.source, flows)
            })
        })
        .collect()
}

fn summary_row(programme: &Programme, source: &Id, flows: Flows) -> BudgetSummary {
    BudgetSummary {
        programme_id: programme.id.clone(),
        source: source.clone(),
        allocated: flows.allocated,
        committed: flows.committed,
        disbursed: flows.disbursed,
        remaining: flows.allocated.saturating_sub(flows.committed),
        undisbursed: flows.committed.saturating_sub(flows.disbursed),
    }
}

/// [`budget_summary`] of the ledger replayed `as_of` a past date (the events that occurred by
/// then) and up to a log position (the events known at a time), worked out from the live
/// ledger without the replay.
///
/// Every fact the summary rests on keeps its dates and log positions in the state: a
/// programme its opening, an allocation and a disbursement their own and their reversal's, a
/// support its approval and cancellation, and its household the registration date an approval
/// needs. A fact counts if the horizon sees it, the facts it refers to occurred by `as_of`
/// too (a replay skips an event whose references it has not folded; they always lie earlier
/// in the log), and the horizon sees no reversal or cancellation of it. The sums equal the
/// replay's except when a running total passes 10^18 dong, where the fold saturates in log
/// order and this in record order.
pub fn budget_summary_as_of(ledger: &Ledger, as_of: impl Into<Horizon>) -> Vec<BudgetSummary> {
    cells_as_of(ledger, as_of.into())
        .into_iter()
        .flat_map(|(programme, sources)| {
            sources.into_iter().map(move |(source, cells)| {
                let mut flows = Flows::default();
                cells
                    .values()
                    .for_each(|cell| flows.combine(&Flows::from(cell)));
                summary_row(programme, source, flows)
            })
        })
        .collect()
}

/// Per programme opened by `as_of` (in programme order), its sources' book cells as the
/// facts that occurred by then give them (sources in id order). A source is listed once
/// anything touching it occurred, even if undone since, as in a replay.
fn cells_as_of(ledger: &Ledger, horizon: Horizon) -> Vec<(&Programme, BTreeMap<&Id, Cells>)> {
    let mut programmes = Vec::new();
    for (_, programme) in ledger.programmes().iter() {
        if !horizon.sees(programme.opened_on, programme.opened_position) {
            continue;
        }
        let mut sources: BTreeMap<&Id, Cells> = BTreeMap::new();
        let allocations = programme.allocations.iter();
        for allocation in allocations.filter(|a| horizon.sees(a.allocated_on, a.position)) {
            let amount = if horizon.sees_correction(allocation.reversed) {
                Dong::ZERO
            } else {
                allocation.amount
            };
            let key = (None, YearMonth::of_clamped(allocation.allocated_on));
            add_to(&mut sources, &allocation.source, key, amount, |cell| {
                &mut cell.allocated
            });
        }
        let supports = programme
            .supports
            .iter()
            .filter_map(|&index| ledger.supports().at(index))
            .filter(|support| {
                support.approved_position <= horizon.upto
                    && ledger.support_occurred_by(support, horizon.as_of)
            });
        for support in supports {
            let live = !horizon.sees_correction(support.cancelled);
            let key = (support.unit, YearMonth::of_clamped(support.approved_on));
            for part in &support.parts {
                let amount = if live { part.amount } else { Dong::ZERO };
                add_to(&mut sources, &part.source, key, amount, |cell| {
                    &mut cell.committed
                });
            }
            let disbursed = support.disbursements.iter().filter(|d| {
                horizon.sees(d.disbursed_on, d.position) && !horizon.sees_correction(d.reversed)
            });
            for disbursement in disbursed {
                if let Some(part) = support.parts.get(disbursement.part as usize) {
                    let key = (
                        support.unit,
                        YearMonth::of_clamped(disbursement.disbursed_on),
                    );
                    let amount = disbursement.amount;
                    add_to(&mut sources, &part.source, key, amount, |cell| {
                        &mut cell.disbursed
                    });
                }
            }
        }
        programmes.push((programme, sources));
    }
    programmes
}

/// Adds `amount` to one field of `source`'s cell `key`, creating both as needed.
fn add_to<'a>(
    sources: &mut BTreeMap<&'a Id, Cells>,
    source: &'a Id,
    key: BookKey,
    amount: Dong,
    field: fn(&mut BookCell) -> &mut Dong,
) {
    let cell = field(sources.entry(source).or_default().entry(key).or_default());
    *cell = cell.saturating_add(amount);
}
