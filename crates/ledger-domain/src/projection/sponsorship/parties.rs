//! Sponsorship obligations grouped by child, by sponsor and by unit.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::Serialize;

use super::{monthly_in, obligation_of, sponsor_shares, Obligation};
use crate::id::Id;
use crate::ledger::Ledger;
use crate::money::Dong;
use crate::month::YearMonth;
use crate::projection::units::{regroup, Combine, UnitBucket, UnitGrouping};

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
    let month = YearMonth::of(on);
    ledger
        .children()
        .iter()
        .filter(|(_, child)| !child.sponsorships.is_empty())
        .map(|(_, child)| {
            let mut row = ChildObligation {
                child_id: child.id.clone(),
                sponsorships: 0,
                sponsors: 0,
                monthly_commitment: Dong::ZERO,
                obligation: Obligation::default(),
            };
            let mut sponsors = BTreeSet::new();
            for sponsorship in child
                .sponsorships
                .iter()
                .filter_map(|&i| ledger.sponsorships().at(i))
            {
                row.sponsorships += 1;
                sponsors.extend(sponsorship.parts().map(|(sponsor, _)| sponsor));
                row.monthly_commitment = row
                    .monthly_commitment
                    .saturating_add(monthly_in(sponsorship, month));
                row.obligation.add(&obligation_of(sponsorship, on));
            }
            row.sponsors = sponsors.len() as u64;
            row
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
    type Slot = Option<(SponsorObligation, BTreeSet<u32>, Option<u32>)>;
    let mut rows: Vec<Slot> = vec![None; ledger.sponsors().len()];
    for (index, sponsorship) in ledger.sponsorships().iter() {
        for (sponsor, _, obligation) in sponsor_shares(sponsorship, on) {
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
    let figures = ledger
        .children()
        .iter()
        .filter(|(_, child)| !child.sponsorships.is_empty())
        .map(|(_, child)| {
            let mut figures = UnitFigures {
                children: 1,
                obligation: Obligation::default(),
            };
            for &index in &child.sponsorships {
                if let Some(sponsorship) = ledger.sponsorships().at(index) {
                    figures.obligation.add(&obligation_of(sponsorship, on));
                }
            }
            (child.unit, figures)
        });
    regroup(ledger, figures, grouping)
        .into_iter()
        .map(|(unit, figures)| UnitObligation { unit, figures })
        .collect()
}
