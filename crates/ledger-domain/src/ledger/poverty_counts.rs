//! Households per poverty standard counted by date, kept as classifications and exits are
//! applied, so the annual report need not visit every household per request.
//!
//! The report asks two things per standard for a date range: how many households were
//! near-poor on a date (their current status, in effect by then), and how many left
//! near-poverty within a year up to a date. A walk of the households answered both; at 24k
//! households it was a fifth of the report's time. Kept by date, both are a range sum over
//! a few hundred distinct dates.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::event::PovertyStatus;

/// Per standard index, households counted by a date.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PovertyCounts {
    /// Households whose current status is near-poor, by the date that status took effect.
    near_poor: Vec<BTreeMap<NaiveDate, u64>>,
    /// Households by the date of their first exit from near-poverty in each calendar year (a
    /// household that left twice in a year counts once, on the first date).
    first_exits: Vec<BTreeMap<NaiveDate, u64>>,
}

impl PovertyCounts {
    /// Households near-poor under `standard` whose status took effect on or before `on`.
    pub fn near_poor_on(&self, standard: u32, on: NaiveDate) -> u64 {
        self.near_poor
            .get(standard as usize)
            .map_or(0, |dates| dates.range(..=on).map(|(_, count)| *count).sum())
    }

    /// Households that left near-poverty under `standard` between `from` and `through` (both
    /// included), which must lie in one calendar year.
    pub fn exits_within_a_year(&self, standard: u32, from: NaiveDate, through: NaiveDate) -> u64 {
        if from > through {
            return 0;
        }
        self.first_exits.get(standard as usize).map_or(0, |dates| {
            dates.range(from..=through).map(|(_, count)| *count).sum()
        })
    }

    /// A household's status under `standard` went from `before` (if it had one) to `after`.
    pub(super) fn status_changed(
        &mut self,
        standard: u32,
        before: Option<(PovertyStatus, NaiveDate)>,
        after: (PovertyStatus, NaiveDate),
    ) {
        if let Some((PovertyStatus::NearPoor, since)) = before {
            remove(&mut self.near_poor, standard, since);
        }
        if let (PovertyStatus::NearPoor, since) = after {
            add(&mut self.near_poor, standard, since);
        }
    }

    /// A household left near-poverty under `standard` on `date`; `earlier` are its exits
    /// under that standard recorded before.
    pub(super) fn exit_added(
        &mut self,
        standard: u32,
        earlier: impl Iterator<Item = NaiveDate>,
        date: NaiveDate,
    ) {
        let first_that_year = earlier.filter(|exit| exit.year() == date.year()).min();
        match first_that_year {
            None => add(&mut self.first_exits, standard, date),
            Some(first) if date < first => {
                remove(&mut self.first_exits, standard, first);
                add(&mut self.first_exits, standard, date);
            }
            Some(_) => {}
        }
    }
}

fn add(maps: &mut Vec<BTreeMap<NaiveDate, u64>>, standard: u32, date: NaiveDate) {
    let slot = standard as usize;
    if maps.len() <= slot {
        maps.resize_with(slot + 1, BTreeMap::new);
    }
    if let Some(dates) = maps.get_mut(slot) {
        *dates.entry(date).or_default() += 1;
    }
}

/// Takes one household off `date`; a date left with none is dropped, so the counts equal a
/// fresh fold of the same events.
fn remove(maps: &mut [BTreeMap<NaiveDate, u64>], standard: u32, date: NaiveDate) {
    let Some(dates) = maps.get_mut(standard as usize) else {
        return;
    };
    if let Some(count) = dates.get_mut(&date) {
        *count = count.saturating_sub(1);
        if *count == 0 {
            dates.remove(&date);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn an_exit_recorded_late_but_dated_earlier_moves_the_household_to_that_date() {
        let mut counts = PovertyCounts::default();
        counts.exit_added(0, [].into_iter(), d("2023-08-01"));
        counts.exit_added(0, [d("2023-08-01")].into_iter(), d("2023-03-01"));
        // Counted once in the year, from March.
        assert_eq!(
            counts.exits_within_a_year(0, d("2023-01-01"), d("2023-04-01")),
            1
        );
        assert_eq!(
            counts.exits_within_a_year(0, d("2023-01-01"), d("2023-12-31")),
            1
        );
        // A later exit in the same year changes nothing; one in the next year counts there.
        counts.exit_added(
            0,
            [d("2023-08-01"), d("2023-03-01")].into_iter(),
            d("2023-11-01"),
        );
        counts.exit_added(
            0,
            [d("2023-08-01"), d("2023-03-01")].into_iter(),
            d("2024-02-01"),
        );
        assert_eq!(
            counts.exits_within_a_year(0, d("2023-01-01"), d("2023-12-31")),
            1
        );
        assert_eq!(
            counts.exits_within_a_year(0, d("2024-01-01"), d("2024-12-31")),
            1
        );
        // A range that ends before it starts holds nothing (and does not panic).
        assert_eq!(
            counts.exits_within_a_year(0, d("2023-12-31"), d("2023-01-01")),
            0
        );
        assert_eq!(
            counts.exits_within_a_year(7, d("2023-01-01"), d("2023-12-31")),
            0
        );
    }
}
