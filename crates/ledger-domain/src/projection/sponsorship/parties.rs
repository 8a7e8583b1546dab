//! Sponsorship obligations grouped by child, by sponsor and by unit.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::Serialize;

use super::{Held, Obligation};
use crate::id::Id;
use crate::ledger::{Child, Horizon, Ledger};
use crate::money::Dong;
use crate::month::YearMonth;
use crate::projection::units::{regroup_within, Combine, UnitBucket, UnitGrouping};

/// The child's sponsorships as a replay to the horizon (or the ledger as folded) holds them.
fn held_of<'a>(
    ledger: &'a Ledger,
    child: &'a Child,
    horizon: Option<Horizon>,
) -> impl Iterator<Item = Held<'a>> + 'a {
    child
        .sponsorships
        .iter()
        .filter_map(|&index| ledger.sponsorships().at(index))
        .filter_map(move |sponsorship| Held::of(ledger, sponsorship, horizon))
}

/// A child's sponsorships as of a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChildObligation {
    /// The child (pseudonymous).
    pub child_id: Id,
    /// The sponsorships.
    pub sponsorships: u64,
    /// Distinct sponsors.
    pub sponsors: u64,
    /// Sum of monthly amounts owed for the query date's month.
    pub monthly_commitment: Dong,
    /// The money.
    #[serde(flatten)]
    pub obligation: Obligation,
}

/// Every sponsored child as of `on`.
pub fn by_child(ledger: &Ledger, on: NaiveDate) -> Vec<ChildObligation> {
    by_child_of(ledger, on, None)
}

/// [`by_child`] on `on` of the ledger replayed to a horizon, from the live ledger.
pub fn by_child_within(ledger: &Ledger, on: NaiveDate, horizon: Horizon) -> Vec<ChildObligation> {
    by_child_of(ledger, on, Some(horizon))
}

fn by_child_of(ledger: &Ledger, on: NaiveDate, horizon: Option<Horizon>) -> Vec<ChildObligation> {
    let month = YearMonth::of(on);
    ledger
        .children()
        .iter()
        .filter_map(|(_, child)| {
            let mut row = ChildObligation {
                child_id: child.id.clone(),
                sponsorships: 0,
                sponsors: 0,
                monthly_commitment: Dong::ZERO,
                obligation: Obligation::default(),
            };
            let mut sponsors = BTreeSet::new();
            for held in held_of(ledger, child, horizon) {
                row.sponsorships += 1;
                sponsors.extend(held.parts().map(|(sponsor, _)| sponsor));
                row.monthly_commitment = row
                    .monthly_commitment
                    .saturating_add(held.monthly_in(month));
                row.obligation.add(&held.obligation(on));
            }
            row.sponsors = sponsors.len() as u64;
            (row.sponsorships > 0).then_some(row)
        })
        .collect()
}

/// A sponsor's share of all sponsorships as of a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SponsorObligation {
    /// The sponsor.
    pub sponsor_id: Id,
    /// Its name.
    pub name: String,
    /// Sponsorships it owes months of.
    pub sponsorships: u64,
    /// Distinct children.
    pub children: u64,
    /// The money of its months.
    #[serde(flatten)]
    pub obligation: Obligation,
}

/// Every sponsor with at least one owed month, as of `on`, in registration order.
pub fn by_sponsor(ledger: &Ledger, on: NaiveDate) -> Vec<SponsorObligation> {
    by_sponsor_of(ledger, on, None)
}

/// [`by_sponsor`] on `on` of the ledger replayed to a horizon, from the live ledger.
pub fn by_sponsor_within(
    ledger: &Ledger,
    on: NaiveDate,
    horizon: Horizon,
) -> Vec<SponsorObligation> {
    by_sponsor_of(ledger, on, Some(horizon))
}

fn by_sponsor_of(
    ledger: &Ledger,
    on: NaiveDate,
    horizon: Option<Horizon>,
) -> Vec<SponsorObligation> {
    type Slot = Option<(SponsorObligation, BTreeSet<u32>, Option<u32>)>;
    let mut rows: Vec<Slot> = vec![None; ledger.sponsors().len()];
    for (index, sponsorship) in ledger.sponsorships().iter() {
        let Some(held) = Held::of(ledger, sponsorship, horizon) else {
            continue;
        };
        for (sponsor, _, obligation) in held.shares(on) {
            let Some(found) = ledger.sponsors().at(sponsor) else {
                continue;
            };
            let Some(slot) = rows.get_mut(sponsor as usize) else {
                continue;
            };
            let (row, children, last_counted) = slot.get_or_insert_with(|| {
                let row = SponsorObligation {
                    sponsor_id: found.id.clone(),
                    name: found.name.clone(),
                    sponsorships: 0,
                    children: 0,
                    obligation: Obligation::default(),
                };
                (row, BTreeSet::new(), None)
            });
            // A sponsor may own two parts of one sponsorship (A → B → A): count it once.
            if *last_counted != Some(index) {
                row.sponsorships += 1;
                *last_counted = Some(index);
            }
            children.insert(sponsorship.child);
            row.obligation.add(&obligation);
        }
    }
    rows.into_iter()
        .flatten()
        .map(|(mut row, children, _)| {
            row.children = children.len() as u64;
            row
        })
        .collect()
}

/// Sponsored children and their obligations in one unit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct UnitFigures {
    /// Sponsored children.
    pub children: u64,
    /// The money of their sponsorships.
    #[serde(flatten)]
    pub obligation: Obligation,
}

impl Combine for UnitFigures {
    fn combine(&mut self, other: &UnitFigures) {
        self.children += other.children;
        self.obligation.add(&other.obligation);
    }
}

/// Sponsored children of one unit (the child's unit as recorded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitObligation {
    /// The unit.
    pub unit: UnitBucket,
    /// Its figures.
    #[serde(flatten)]
    pub figures: UnitFigures,
}

/// Sponsored children and their obligations as of `on`, grouped by unit.
pub fn by_unit(ledger: &Ledger, on: NaiveDate, grouping: UnitGrouping) -> Vec<UnitObligation> {
    by_unit_of(ledger, on, grouping, None)
}

/// [`by_unit`] on `on` of the ledger replayed to a horizon, from the live ledger.
pub fn by_unit_within(
    ledger: &Ledger,
    on: NaiveDate,
    grouping: UnitGrouping,
    horizon: Horizon,
) -> Vec<UnitObligation> {
    by_unit_of(ledger, on, grouping, Some(horizon))
}

fn by_unit_of(
    ledger: &Ledger,
    on: NaiveDate,
    grouping: UnitGrouping,
    horizon: Option<Horizon>,
) -> Vec<UnitObligation> {
    let figures = ledger.children().iter().filter_map(|(_, child)| {
        let mut figures = UnitFigures {
            children: 1,
            obligation: Obligation::default(),
        };
        let mut sponsored = false;
        for held in held_of(ledger, child, horizon) {
            sponsored = true;
            figures.obligation.add(&held.obligation(on));
        }
        sponsored.then_some((child.unit, figures))
    });
    let horizon = horizon.unwrap_or(Horizon::WHOLE);
    regroup_within(ledger, figures, grouping, horizon)
        .into_iter()
        .map(|(unit, figures)| UnitObligation { unit, figures })
        .collect()
}
