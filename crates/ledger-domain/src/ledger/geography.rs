//! Units of the ledger: communes and wards keyed by code *and* validity period, and the
//! recorded old → new mapping of mergers and splits.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

use chrono::NaiveDate;

use super::{Horizon, Stamp};
use crate::event::{UnitKind, UnitRegistered, UnitsMerged};
use crate::id::Id;

/// Index of a unit in [`Units`].
pub type UnitId = u32;

/// One commune or ward over one validity period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unit {
    /// Official code (reused across periods).
    pub code: Id,
    /// Name without its type word.
    pub name: String,
    /// Commune or ward.
    pub kind: UnitKind,
    /// First day in force (`None`: since before the records).
    pub valid_from: Option<NaiveDate>,
    /// Last day in force as registered (`None`: open-ended). A merger closes an open period
    /// the day before it takes effect ([`Unit::valid_to_within`]).
    pub valid_to: Option<NaiveDate>,
    /// Business date of the registration.
    pub registered_on: NaiveDate,
    /// The log position of the registration.
    pub registered_position: u64,
    /// The units it was merged into (several for a split).
    pub successors: Vec<UnitId>,
    /// When it was merged away (the merger's effective date) and the merger's log position.
    pub merge: Option<Stamp>,
}

impl Unit {
    /// The merger, if the horizon sees it.
    fn merge_within(&self, horizon: Horizon) -> Option<Stamp> {
        self.merge.filter(|merge| horizon.sees_stamp(*merge))
    }

    /// The units it was merged into as a replay to the horizon holds them (none unless the
    /// horizon sees the merger).
    pub fn successors_within(&self, horizon: Horizon) -> &[UnitId] {
        match self.merge_within(horizon) {
            Some(_) => &self.successors,
            None => &[],
        }
    }

    /// The last day in force as a replay to the horizon holds it: as registered, or the day
    /// before a merger the horizon sees closed an open period.
    pub fn valid_to_within(&self, horizon: Horizon) -> Option<NaiveDate> {
        let closed = || {
            self.merge_within(horizon)
                .and_then(|merge| merge.on.pred_opt())
        };
        self.valid_to.or_else(closed)
    }

    /// The last day in force (`None`: still in force).
    pub fn ends_on(&self) -> Option<NaiveDate> {
        self.valid_to_within(Horizon::WHOLE)
    }

    /// True if a replay to the horizon holds the unit and it is in force on `date` there.
    pub fn in_force_within(&self, date: NaiveDate, horizon: Horizon) -> bool {
        horizon.sees(self.registered_on, self.registered_position)
            && self.valid_on_within(date, horizon)
    }

    /// True if in force on `date`.
    pub fn is_valid_on(&self, date: NaiveDate) -> bool {
        self.valid_on_within(date, Horizon::WHOLE)
    }

    fn valid_on_within(&self, date: NaiveDate, horizon: Horizon) -> bool {
        self.valid_from.is_none_or(|from| from <= date)
            && self.valid_to_within(horizon).is_none_or(|to| date <= to)
    }

    /// True if the validity periods of `self` and a period `from..=to` overlap.
    pub fn overlaps(&self, from: Option<NaiveDate>, to: Option<NaiveDate>) -> bool {
        let starts_before_other_ends = match (self.valid_from, to) {
            (Some(start), Some(end)) => start <= end,
            _ => true,
        };
        let other_starts_before_end = match (from, self.ends_on()) {
            (Some(start), Some(end)) => start <= end,
            _ => true,
        };
        starts_before_other_ends && other_starts_before_end
    }
}

/// All registered units.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Units {
    list: Vec<Unit>,
    #[serde(serialize_with = "super::sorted::serialize")]
    by_code: HashMap<Id, Vec<UnitId>>,
}

impl Units {
    /// The unit at `id`.
    pub fn get(&self, id: UnitId) -> Option<&Unit> {
        self.list.get(id as usize)
    }

    /// Every unit, in registration order.
    pub fn iter(&self) -> impl Iterator<Item = (UnitId, &Unit)> {
        (0u32..).zip(self.list.iter())
    }

    /// Every unit ever registered under `code`.
    pub fn with_code<'a>(&'a self, code: &str) -> impl Iterator<Item = (UnitId, &'a Unit)> + 'a {
        self.by_code
            .get(code)
            .into_iter()
            .flatten()
            .filter_map(move |&id| self.get(id).map(|unit| (id, unit)))
    }

    /// The unit a reference (`code` on `date`) means: registered by then and in force on
    /// that date.
    pub fn resolve(&self, code: &str, date: NaiveDate) -> Option<UnitId> {
        self.with_code(code)
            .find(|(_, unit)| unit.registered_on <= date && unit.is_valid_on(date))
            .map(|(id, _)| id)
    }

    pub(super) fn apply_registered(&mut self, event: &UnitRegistered, position: u64) -> bool {
        let Ok(id) = UnitId::try_from(self.list.len()) else {
            return false;
        };
        self.list.push(Unit {
            code: event.code.clone(),
            name: event.name.clone(),
            kind: event.unit_kind,
            valid_from: event.valid_from,
            valid_to: event.valid_to,
            registered_on: event.registered_on,
            registered_position: position,
            successors: Vec::new(),
            merge: None,
        });
        self.by_code.entry(event.code.clone()).or_default().push(id);
        true
    }

    pub(super) fn apply_merged(&mut self, event: &UnitsMerged, stamp: Stamp) -> bool {
        let Some(day_before) = event.effective_on.pred_opt() else {
            return false;
        };
        let old: Option<Vec<UnitId>> = event
            .old_codes
            .iter()
            .map(|code| self.resolve(code.as_str(), day_before))
            .collect();
        let new: Option<Vec<UnitId>> = event
            .new_codes
            .iter()
            .map(|code| self.resolve(code.as_str(), event.effective_on))
            .collect();
        let (Some(old), Some(new)) = (old, new) else {
            return false;
        };
        for id in old {
            if let Some(unit) = self.list.get_mut(id as usize) {
                unit.successors = new.clone();
                unit.merge = Some(stamp);
            }
        }
        true
    }
}
