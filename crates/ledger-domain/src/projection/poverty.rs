//! Poverty status per standard × unit: households by status, exits from near-poverty in
//! a period, and near-poor households remaining. Status is per household *and* per
//! standard; households never classified under a standard are not counted under it.

use chrono::NaiveDate;
use serde::Serialize;

use super::units::{regroup_within, Combine, UnitBucket, UnitGrouping};
use crate::event::PovertyStatus;
use crate::id::Id;
use crate::ledger::{Horizon, Household, Ledger, Stamp, StandardStatus};

/// Which facts a query reads: all of them (`None`), or those a replay to a horizon (a past
/// date, a past position or both) would hold: standards and households registered within it,
/// each status as last given within it, the exits it sees.
#[derive(Clone, Copy)]
struct Facts(Option<Horizon>);

impl Facts {
    fn standards<'a>(
        self,
        ledger: &'a Ledger,
        standard_id: Option<&'a str>,
    ) -> impl Iterator<Item = (u32, &'a Id)> + 'a {
        standards_matching(ledger, standard_id).filter(move |(index, _)| {
            self.0.is_none_or(|horizon| {
                ledger.standards().at(*index).is_some_and(|s| {
                    horizon.sees(s.definition.registered_on, s.registered_position)
                })
            })
        })
    }

    fn households(self, ledger: &Ledger) -> impl Iterator<Item = &Household> {
        ledger
            .households()
            .iter()
            .map(|(_, household)| household)
            .filter(move |household| {
                self.0.is_none_or(|horizon| {
                    horizon.sees(household.registered_on, household.registered_position)
                })
            })
    }

    fn status(self, status: &StandardStatus) -> Option<PovertyStatus> {
        match self.0 {
            None => Some(status.status),
            Some(as_of) => status.status_as_of(as_of),
        }
    }

    /// The horizon, [`Horizon::WHOLE`] for every fact.
    fn horizon(self) -> Horizon {
        self.0.unwrap_or(Horizon::WHOLE)
    }

    /// True if the exit counts.
    fn sees_exit(self, exit: Stamp) -> bool {
        self.0.is_none_or(|horizon| horizon.sees_stamp(exit))
    }
}

/// Households by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StatusCounts {
    /// Poor.
    pub poor: u64,
    /// Near-poor.
    pub near_poor: u64,
    /// Not poor.
    pub not_poor: u64,
}

impl Combine for StatusCounts {
    fn combine(&mut self, other: &StatusCounts) {
        self.poor += other.poor;
        self.near_poor += other.near_poor;
        self.not_poor += other.not_poor;
    }
}

impl StatusCounts {
    fn of(status: PovertyStatus) -> StatusCounts {
        let mut counts = StatusCounts::default();
        match status {
            PovertyStatus::Poor => counts.poor = 1,
            PovertyStatus::NearPoor => counts.near_poor = 1,
            PovertyStatus::NotPoor => counts.not_poor = 1,
        }
        counts
    }
}

/// Counts of one standard in one unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusRow {
    /// The standard.
    pub standard_id: Id,
    /// The unit.
    pub unit: UnitBucket,
    /// The counts.
    #[serde(flatten)]
    pub counts: StatusCounts,
}

fn standards_matching<'a>(
    ledger: &'a Ledger,
    standard_id: Option<&'a str>,
) -> impl Iterator<Item = (u32, &'a Id)> + 'a {
    ledger
        .standards()
        .iter()
        .filter(move |(_, s)| standard_id.is_none_or(|id| id == s.definition.standard_id.as_str()))
        .map(|(index, s)| (index, &s.definition.standard_id))
}

/// Households by status per standard (optionally one) and unit.
pub fn status_counts(
    ledger: &Ledger,
    standard_id: Option<&str>,
    grouping: UnitGrouping,
) -> Vec<StatusRow> {
    status_counts_of(ledger, standard_id, grouping, Facts(None))
}

/// [`status_counts`] of the ledger replayed `as_of` a past date, from the live ledger.
pub fn status_counts_as_of(
    ledger: &Ledger,
    standard_id: Option<&str>,
    grouping: UnitGrouping,
    as_of: impl Into<Horizon>,
) -> Vec<StatusRow> {
    status_counts_of(ledger, standard_id, grouping, Facts(Some(as_of.into())))
}

fn status_counts_of(
    ledger: &Ledger,
    standard_id: Option<&str>,
    grouping: UnitGrouping,
    facts: Facts,
) -> Vec<StatusRow> {
    let mut rows = Vec::new();
    for (standard, id) in facts.standards(ledger, standard_id) {
        let figures = facts.households(ledger).filter_map(|household| {
            let status = facts.status(household.status_under(standard)?)?;
            Some((household.unit, StatusCounts::of(status)))
        });
        for (unit, counts) in regroup_within(ledger, figures, grouping, facts.horizon()) {
            rows.push(StatusRow {
                standard_id: id.clone(),
                unit,
                counts,
            });
        }
    }
    rows
}

/// Exits counted for a unit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ExitCount {
    /// Households that left near-poverty.
    pub exits: u64,
}

impl Combine for ExitCount {
    fn combine(&mut self, other: &ExitCount) {
        self.exits += other.exits;
    }
}

/// Exits under one standard in one unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExitRow {
    /// The standard.
    pub standard_id: Id,
    /// The unit.
    pub unit: UnitBucket,
    /// The count.
    #[serde(flatten)]
    pub count: ExitCount,
}

/// Exits from near-poverty effective between `from` and `to` (inclusive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExitsReport {
    /// First day of the period.
    pub from: NaiveDate,
    /// Last day of the period.
    pub to: NaiveDate,
    /// Per standard and unit.
    pub rows: Vec<ExitRow>,
    /// Per standard.
    pub totals: Vec<StandardCount>,
}

/// A count under one standard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StandardCount {
    /// The standard.
    pub standard_id: Id,
    /// Its name.
    pub name: String,
    /// The count.
    pub households: u64,
}

/// Exits from near-poverty per standard (optionally one) and unit in `from..=to`.
pub fn exits(
    ledger: &Ledger,
    standard_id: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
    grouping: UnitGrouping,
) -> ExitsReport {
    exits_of(ledger, standard_id, (from, to), grouping, Facts(None))
}

/// [`exits`] of the ledger replayed `as_of` a past date, from the live ledger.
pub fn exits_as_of(
    ledger: &Ledger,
    standard_id: Option<&str>,
    (from, to): (NaiveDate, NaiveDate),
    grouping: UnitGrouping,
    as_of: impl Into<Horizon>,
) -> ExitsReport {
    exits_of(
        ledger,
        standard_id,
        (from, to),
        grouping,
        Facts(Some(as_of.into())),
    )
}

fn exits_of(
    ledger: &Ledger,
    standard_id: Option<&str>,
    (from, to): (NaiveDate, NaiveDate),
    grouping: UnitGrouping,
    facts: Facts,
) -> ExitsReport {
    let mut report = ExitsReport {
        from,
        to,
        rows: Vec::new(),
        totals: Vec::new(),
    };
    for (standard, id) in facts.standards(ledger, standard_id) {
        let figures = facts.households(ledger).filter_map(|household| {
            let status = household.status_under(standard)?;
            let exits = status
                .exits
                .iter()
                .filter(|exit| from <= exit.on && exit.on <= to && facts.sees_exit(**exit))
                .count();
            (exits > 0).then_some((
                household.unit,
                ExitCount {
                    exits: exits as u64,
                },
            ))
        });
        let rows = regroup_within(ledger, figures, grouping, facts.horizon());
        let total = rows.iter().map(|(_, count)| count.exits).sum();
        report.totals.push(StandardCount {
            standard_id: id.clone(),
            name: name_of(ledger, standard),
            households: total,
        });
        report
            .rows
            .extend(rows.into_iter().map(|(unit, count)| ExitRow {
                standard_id: id.clone(),
                unit,
                count,
            }));
    }
    report
}

fn name_of(ledger: &Ledger, standard: u32) -> String {
    ledger
        .standards()
        .at(standard)
        .map(|s| s.definition.name.clone())
        .unwrap_or_default()
}

/// Near-poor households remaining under each standard (zero included).
pub fn near_poor_remaining(ledger: &Ledger) -> Vec<StandardCount> {
    near_poor_remaining_of(ledger, Facts(None))
}

/// [`near_poor_remaining`] of the ledger replayed `as_of` a past date, from the live ledger.
pub fn near_poor_remaining_as_of(ledger: &Ledger, as_of: impl Into<Horizon>) -> Vec<StandardCount> {
    near_poor_remaining_of(ledger, Facts(Some(as_of.into())))
}

fn near_poor_remaining_of(ledger: &Ledger, facts: Facts) -> Vec<StandardCount> {
    facts
        .standards(ledger, None)
        .map(|(standard, id)| StandardCount {
            standard_id: id.clone(),
            name: name_of(ledger, standard),
            households: facts
                .households(ledger)
                .filter(|household| {
                    household
                        .status_under(standard)
                        .and_then(|status| facts.status(status))
                        == Some(PovertyStatus::NearPoor)
                })
                .count() as u64,
        })
        .collect()
}
