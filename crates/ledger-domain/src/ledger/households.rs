//! Households and their poverty status per standard, with near-poverty exits.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Horizon, Ledger, Stamp, UnitId};
use crate::event::{
    HouseholdClassified, HouseholdLeftNearPoverty, HouseholdRegistered, PovertyStatus,
};
use crate::id::Id;

/// A registered household (pseudonymous).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Household {
    /// Pseudonymous id.
    pub id: Id,
    /// The unit it was registered in, as valid on the registration date.
    pub unit: Option<UnitId>,
    /// Number of members.
    pub members: u16,
    /// Registration date.
    pub registered_on: NaiveDate,
    /// The log position of the registration.
    pub registered_position: u64,
    /// Status under each standard it was classified under (a short list).
    pub statuses: Vec<StandardStatus>,
}

/// A household's status under one standard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandardStatus {
    /// Standard index.
    pub standard: u32,
    /// Current status.
    pub status: PovertyStatus,
    /// From when.
    pub effective_on: NaiveDate,
    /// When it left near-poverty under this standard (the date and the log position).
    pub exits: Vec<Stamp>,
    /// Every status given in log order: (effective on and its log position, status), for a
    /// past `as_of` or position.
    pub history: Vec<(Stamp, PovertyStatus)>,
}

impl StandardStatus {
    /// The status as the events the horizon sees left it (the last one in log order), if any
    /// had.
    pub fn status_as_of(&self, as_of: impl Into<Horizon>) -> Option<PovertyStatus> {
        super::last_given_by(&self.history, as_of)
    }
}

impl Household {
    /// The status under standard index `standard`.
    pub fn status_under(&self, standard: u32) -> Option<&StandardStatus> {
        self.statuses.iter().find(|s| s.standard == standard)
    }

    fn set_status(
        &mut self,
        standard: u32,
        status: PovertyStatus,
        effective: Stamp,
    ) -> &mut StandardStatus {
        let effective_on = effective.on;
        let index = match self.statuses.iter().position(|s| s.standard == standard) {
            Some(index) => index,
            None => {
                self.statuses.push(StandardStatus {
                    standard,
                    status,
                    effective_on,
                    exits: Vec::new(),
                    history: Vec::new(),
                });
                self.statuses.len() - 1
            }
        };
        let entry = &mut self.statuses[index];
        entry.status = status;
        entry.effective_on = effective_on;
        entry.history.push((effective, status));
        entry
    }
}

impl Ledger {
    pub(super) fn apply_household_registered(&mut self, event: &HouseholdRegistered) -> bool {
        let household = Household {
            id: event.household_id.clone(),
            unit: self
                .units
                .resolve(event.unit_code.as_str(), event.registered_on),
            members: event.members,
            registered_on: event.registered_on,
            registered_position: self.last_position,
            statuses: Vec::new(),
        };
        self.households
            .insert(&event.household_id, household)
            .is_some()
    }

    pub(super) fn apply_household_classified(&mut self, event: &HouseholdClassified) -> bool {
        let effective = self.stamp(event.effective_on);
        let Some(standard) = self.standards.index_of(event.standard_id.as_str()) else {
            return false;
        };
        let Some(household) = self.households.get_mut(event.household_id.as_str()) else {
            return false;
        };
        let before = household
            .status_under(standard)
            .map(|s| (s.status, s.effective_on));
        household.set_status(standard, event.status, effective);
        self.poverty_counts
            .status_changed(standard, before, (event.status, event.effective_on));
        true
    }

    pub(super) fn apply_left_near_poverty(&mut self, event: &HouseholdLeftNearPoverty) -> bool {
        let effective = self.stamp(event.effective_on);
        let Some(standard) = self.standards.index_of(event.standard_id.as_str()) else {
            return false;
        };
        let Some(household) = self.households.get_mut(event.household_id.as_str()) else {
            return false;
        };
        let before = household
            .status_under(standard)
            .map(|s| (s.status, s.effective_on));
        let entry = household.set_status(standard, PovertyStatus::NotPoor, effective);
        self.poverty_counts.status_changed(
            standard,
            before,
            (PovertyStatus::NotPoor, event.effective_on),
        );
        let earlier = entry.exits.iter().map(|exit| exit.on);
        self.poverty_counts
            .exit_added(standard, earlier, event.effective_on);
        entry.exits.push(effective);
        true
    }
}
