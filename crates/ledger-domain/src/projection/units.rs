//! Unit mapping: group any figure by the unit recorded at the time, or by today's unit
//! through the recorded chain of mergers. A unit that was split cannot be mapped to one
//! new unit without household-level data; its figures are reported as unassignable.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::event::UnitKind;
use crate::ledger::{Horizon, Ledger, Unit, UnitId};

/// What the report says about figures of a unit that was split.
pub const UNASSIGNABLE_NOTE: &str = "unassignable without household-level data";

/// How to group figures by unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitGrouping {
    /// By the unit valid when the fact was recorded.
    AsRecorded,
    /// By the unit that, on this date, holds the recorded unit after mergers.
    CurrentOn(NaiveDate),
}

/// A unit as shown in reports.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct UnitLabel {
    /// Official code.
    pub code: String,
    /// Name without its type word.
    pub name: String,
    /// Commune or ward.
    pub kind: UnitKindLabel,
    /// First day in force.
    pub valid_from: Option<NaiveDate>,
    /// Last day in force.
    pub valid_to: Option<NaiveDate>,
}

/// `UnitKind` with an order, for sorting labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKindLabel {
    /// Xã.
    Commune,
    /// Phường.
    Ward,
}

impl UnitLabel {
    /// The label of `unit`.
    pub fn of(unit: &Unit) -> UnitLabel {
        UnitLabel::within(unit, Horizon::WHOLE)
    }

    /// The label as a replay to the horizon holds the unit: a merger it does not see has not
    /// closed the unit's period.
    pub fn within(unit: &Unit, horizon: Horizon) -> UnitLabel {
        UnitLabel {
            code: unit.code.to_string(),
            name: unit.name.clone(),
            kind: match unit.kind {
                UnitKind::Commune => UnitKindLabel::Commune,
                UnitKind::Ward => UnitKindLabel::Ward,
            },
            valid_from: unit.valid_from,
            valid_to: unit.valid_to_within(horizon),
        }
    }
}

/// Where a figure is reported. Buckets sort by unit code and validity, a split unit's
/// bucket beside its code, and `Unspecified` last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "mapping", rename_all = "snake_case")]
pub enum UnitBucket {
    /// One unit.
    Unit(UnitLabel),
    /// A split unit whose figures cannot be assigned to one of its successors.
    Unassignable {
        /// The recorded unit.
        from: UnitLabel,
        /// The units it went into.
        candidates: Vec<UnitLabel>,
        /// [`UNASSIGNABLE_NOTE`].
        note: &'static str,
    },
    /// No unit: programme-level figures, or a unit missing from a partial replay.
    Unspecified,
}

impl UnitBucket {
    fn sort_key(&self) -> (bool, Option<&UnitLabel>, u8, Option<&Vec<UnitLabel>>) {
        match self {
            UnitBucket::Unit(label) => (false, Some(label), 0, None),
            UnitBucket::Unassignable {
                from, candidates, ..
            } => (false, Some(from), 1, Some(candidates)),
            UnitBucket::Unspecified => (true, None, 2, None),
        }
    }

    /// The code of the unit, if the bucket is one unit.
    pub fn code(&self) -> Option<&str> {
        match self {
            UnitBucket::Unit(label) => Some(&label.code),
            UnitBucket::Unassignable { from, .. } => Some(&from.code),
            UnitBucket::Unspecified => None,
        }
    }
}

impl Ord for UnitBucket {
    fn cmp(&self, other: &UnitBucket) -> std::cmp::Ordering {
        self.sort_key().cmp(&other.sort_key())
    }
}

impl PartialOrd for UnitBucket {
    fn partial_cmp(&self, other: &UnitBucket) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Where `unit` went by `on`: the set of units that hold it then (itself if never
/// merged). Follows every merger effective on or before `on`.
pub fn successors_on(ledger: &Ledger, unit: UnitId, on: NaiveDate) -> BTreeSet<UnitId> {
    successors_within(ledger, unit, on, Horizon::WHOLE)
}

/// [`successors_on`] following only the mergers the horizon sees.
fn successors_within(
    ledger: &Ledger,
    unit: UnitId,
    on: NaiveDate,
    horizon: Horizon,
) -> BTreeSet<UnitId> {
    let mut terminal = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut pending = vec![unit];
    while let Some(current) = pending.pop() {
        if !seen.insert(current) {
            continue;
        }
        let Some(found) = ledger.units().get(current) else {
            continue;
        };
        let successors = found.successors_within(horizon);
        if found.merge.is_some_and(|merge| merge.on <= on) && !successors.is_empty() {
            pending.extend(successors.iter().copied());
        } else {
            terminal.insert(current);
        }
    }
    terminal
}

/// The bucket for a figure recorded in `unit`, grouped by `grouping`.
pub fn bucket(ledger: &Ledger, unit: Option<UnitId>, grouping: UnitGrouping) -> UnitBucket {
    bucket_within(ledger, unit, grouping, Horizon::WHOLE)
}

/// [`bucket`] with the units as a replay to the horizon holds them: the mergers it does not
/// see neither move the figure nor close a unit's period.
pub fn bucket_within(
    ledger: &Ledger,
    unit: Option<UnitId>,
    grouping: UnitGrouping,
    horizon: Horizon,
) -> UnitBucket {
    let Some(found) = unit.and_then(|id| Some((id, ledger.units().get(id)?))) else {
        return UnitBucket::Unspecified;
    };
    let (id, recorded) = found;
    let label = |unit: &Unit| UnitLabel::within(unit, horizon);
    let UnitGrouping::CurrentOn(on) = grouping else {
        return UnitBucket::Unit(label(recorded));
    };
    let labels: Vec<UnitLabel> = successors_within(ledger, id, on, horizon)
        .into_iter()
        .filter_map(|next| ledger.units().get(next).map(label))
        .collect();
    match <[UnitLabel; 1]>::try_from(labels) {
        Ok([only]) => UnitBucket::Unit(only),
        Err(candidates) => UnitBucket::Unassignable {
            from: label(recorded),
            candidates,
            note: UNASSIGNABLE_NOTE,
        },
    }
}

/// Figures that add up when regrouped.
pub trait Combine {
    /// Adds `other` into `self`.
    fn combine(&mut self, other: &Self);
}

/// Regroups figures recorded per unit into buckets, summing figures that land together.
/// Buckets come out sorted (by code, then validity).
pub fn regroup<T: Combine + Clone>(
    ledger: &Ledger,
    rows: impl IntoIterator<Item = (Option<UnitId>, T)>,
    grouping: UnitGrouping,
) -> Vec<(UnitBucket, T)> {
    regroup_within(ledger, rows, grouping, Horizon::WHOLE)
}

/// [`regroup`] with the units as a replay to the horizon holds them ([`bucket`]).
pub fn regroup_within<T: Combine + Clone>(
    ledger: &Ledger,
    rows: impl IntoIterator<Item = (Option<UnitId>, T)>,
    grouping: UnitGrouping,
    horizon: Horizon,
) -> Vec<(UnitBucket, T)> {
    let mut cache: BTreeMap<Option<UnitId>, UnitBucket> = BTreeMap::new();
    let mut grouped: BTreeMap<UnitBucket, T> = BTreeMap::new();
    for (unit, figures) in rows {
        let target = cache
            .entry(unit)
            .or_insert_with(|| bucket_within(ledger, unit, grouping, horizon))
            .clone();
        match grouped.get_mut(&target) {
            Some(existing) => existing.combine(&figures),
            None => {
                grouped.insert(target, figures);
            }
        }
    }
    grouped.into_iter().collect()
}

/// The units in force on `date` (e.g. Hạ Long's 33 communes and wards in 2023).
pub fn units_valid_on(ledger: &Ledger, date: NaiveDate) -> Vec<UnitLabel> {
    units_valid_within(ledger, date, Horizon::WHOLE)
}

/// [`units_valid_on`] of the ledger replayed to a horizon, from the live ledger.
pub fn units_valid_within(ledger: &Ledger, date: NaiveDate, horizon: Horizon) -> Vec<UnitLabel> {
    let mut labels: Vec<UnitLabel> = ledger
        .units()
        .iter()
        .filter(|(_, unit)| unit.registered_on <= date && unit.in_force_within(date, horizon))
        .map(|(_, unit)| UnitLabel::within(unit, horizon))
        .collect();
    labels.sort();
    labels
}

/// One row of the old → new table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitMappingRow {
    /// A registered unit.
    pub unit: UnitLabel,
    /// Where it is on the query date.
    pub current: UnitBucket,
}

/// Every registered unit and where it is on `on`.
pub fn mapping_table(ledger: &Ledger, on: NaiveDate) -> Vec<UnitMappingRow> {
    mapping_within(ledger, on, Horizon::WHOLE)
}

/// [`mapping_table`] of the ledger replayed to a horizon, from the live ledger.
pub fn mapping_within(ledger: &Ledger, on: NaiveDate, horizon: Horizon) -> Vec<UnitMappingRow> {
    let current = UnitGrouping::CurrentOn(on);
    let mut rows: Vec<UnitMappingRow> = ledger
        .units()
        .iter()
        .filter(|(_, unit)| horizon.sees(unit.registered_on, unit.registered_position))
        .map(|(id, unit)| UnitMappingRow {
            unit: UnitLabel::within(unit, horizon),
            current: bucket_within(ledger, Some(id), current, horizon),
        })
        .collect();
    rows.sort_by(|a, b| a.unit.cmp(&b.unit));
    rows
}

/// Where the unit a reference names (`code` on `recorded_on`) is on `on`; `None` if the
/// reference matches no unit.
pub fn current_unit(
    ledger: &Ledger,
    code: &str,
    recorded_on: NaiveDate,
    on: NaiveDate,
) -> Option<UnitBucket> {
    let unit = ledger.units().resolve(code, recorded_on)?;
    Some(bucket(ledger, Some(unit), UnitGrouping::CurrentOn(on)))
}
