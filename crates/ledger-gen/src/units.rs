//! A region's communes and wards: generated codes in force from the GSO list of
//! 2021-02-03, a merger of one unit into a neighbour on 2024-11-01 in some regions, and
//! the reform of 2025-07-01 in every region (groups of old units merge into new ones that
//! reuse the first old code; some regions split one old unit between two new ones).
//!
//! Because codes are reused, every old unit that will merge is registered with its
//! `valid_to` up front, exactly as the fixture does (an open-ended unit would block its
//! successor under the same code).

use crate::calendar::Day;
use crate::line::{rank, Bucket};
use crate::names::{UNIT_FIRST, UNIT_SECOND};
use crate::piece::{Id, List, Str};
use crate::rng::Rng;

/// The GSO list that attests the units (their `valid_from`).
pub fn gso_list() -> Day {
    Day::ymd(2021, 2, 3)
}
/// A single merger into a neighbour (like Yết Kiêu into Trần Hưng Đạo).
pub fn merger_2024() -> Day {
    Day::ymd(2024, 11, 1)
}
/// The resolution that registers the reform's new units.
pub fn reform_resolution() -> Day {
    Day::ymd(2025, 6, 16)
}
/// The reform's effective date (district level removed, units merged).
pub fn reform() -> Day {
    Day::ymd(2025, 7, 1)
}

/// What happens to an old unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// In force to the end.
    Stays,
    /// Merged on 2024-11-01 into the old unit at this index.
    Into2024(usize),
    /// Merged on 2025-07-01 into the new unit at this index.
    Merged(usize),
    /// Split on 2025-07-01 between two new units.
    Split(usize, usize),
}

#[derive(Debug, Clone)]
pub struct Unit {
    pub code: u32,
    name: (u8, u8),
    pub ward: bool,
    fate: Fate,
    /// Typical new jobs a month, for the jobs reports.
    pub jobs_base: u32,
}

#[derive(Debug, Clone)]
pub struct NewUnit {
    pub code: u32,
    name: (u8, u8),
    ward: bool,
    /// Old units merged wholly into it.
    members: Vec<usize>,
    pub jobs_base: u32,
}

/// The units of one region.
#[derive(Debug, Clone)]
pub struct Units {
    pub old: Vec<Unit>,
    pub new: Vec<NewUnit>,
    resolution: u32,
}

impl Units {
    /// Plans `count` units with codes from `first_code` (step 3, like GSO codes). Region
    /// `region` splits a unit in 2025 if it is even, and merges one into a neighbour in 2024
    /// if it is a multiple of 3 (so the city, region 0, has both, as Hạ Long had).
    pub fn plan(
        rng: &mut Rng,
        region: u32,
        count: usize,
        first_code: u32,
        ward_percent: u32,
    ) -> Units {
        let mut old: Vec<Unit> = (0..count)
            .map(|i| {
                let ward = rng.chance(u64::from(ward_percent) * 10);
                let name = (rng.below(30) as u8, rng.below(30) as u8);
                let base = if ward {
                    rng.between(10, 22)
                } else {
                    rng.between(4, 12)
                };
                Unit {
                    code: first_code + 3 * i as u32,
                    name,
                    ward,
                    fate: Fate::Stays,
                    jobs_base: base as u32,
                }
            })
            .collect();
        let mut new: Vec<NewUnit> = Vec::new();
        let mut at = 0;
        while at < count {
            let size = [1, 2, 3, 4][rng.weighted(&[15, 35, 35, 15])].min(count - at);
            if size >= 2 {
                let members: Vec<usize> = (at..at + size).collect();
                for &member in &members {
                    old[member].fate = Fate::Merged(new.len());
                }
                new.push(NewUnit {
                    code: old[at].code,
                    name: (rng.below(30) as u8, rng.below(30) as u8),
                    ward: old[at].ward,
                    jobs_base: members.iter().map(|&m| old[m].jobs_base).sum(),
                    members,
                });
            }
            at += size;
        }
        // A split, as Hà Khẩu's and Đồng Lâm's in 2025: the last member of a group of
        // three or more goes partly to the next new unit.
        if region % 2 == 0 {
            let found = (0..new.len().saturating_sub(1)).find(|&g| new[g].members.len() >= 3);
            if let Some(group) = found {
                if let Some(split) = new[group].members.pop() {
                    old[split].fate = Fate::Split(group, group + 1);
                }
            }
        }
        // A unit that stays merges into a neighbour on 2024-11-01.
        if region % 3 == 0 {
            let start = rng.below(count as u64) as usize;
            let stays = (0..count)
                .map(|i| (start + i) % count)
                .find(|&i| old[i].fate == Fate::Stays);
            if let Some(unit) = stays.filter(|_| count >= 2) {
                let neighbour = if unit == 0 { 1 } else { unit - 1 };
                old[unit].fate = Fate::Into2024(neighbour);
            }
        }
        let resolution = 1600 + rng.below(100) as u32;
        Units {
            old,
            new,
            resolution,
        }
    }

    /// The code of the unit old unit `index` lies in on `day`.
    pub fn code_on(&self, index: usize, day: Day) -> u32 {
        let Some(unit) = self.old.get(index) else {
            return 0;
        };
        match unit.fate {
            Fate::Into2024(into) if day >= merger_2024() => self.reform_code(into, day),
            _ => self.reform_code(index, day),
        }
    }

    fn reform_code(&self, index: usize, day: Day) -> u32 {
        let Some(unit) = self.old.get(index) else {
            return 0;
        };
        let new = match unit.fate {
            Fate::Merged(new) | Fate::Split(new, _) if day >= reform() => self.new.get(new),
            _ => None,
        };
        new.map_or(unit.code, |new| new.code)
    }

    /// The last day old unit `index` is in force, if it ends.
    pub fn valid_to(&self, index: usize) -> Option<Day> {
        match self.old.get(index)?.fate {
            Fate::Stays => None,
            Fate::Into2024(_) => Some(merger_2024().plus(-1)),
            Fate::Merged(_) | Fate::Split(..) => Some(reform().plus(-1)),
        }
    }

    /// Writes the unit lines dated in `[from, to]`.
    pub fn emit(&self, bucket: &mut Bucket, from: Day, to: Day) {
        let within = |day: Day| from <= day && day <= to;
        if within(gso_list()) {
            for (index, unit) in self.old.iter().enumerate() {
                let valid_to = self.valid_to(index);
                self.register(bucket, unit.code, unit.name, unit.ward, valid_to, false);
            }
        }
        if within(merger_2024()) {
            for unit in &self.old {
                if let Fate::Into2024(into) = unit.fate {
                    let target = self.old.get(into).map_or(0, |u| u.code);
                    let decision = self.resolution - 500;
                    self.merge(
                        bucket,
                        merger_2024(),
                        "into",
                        &[unit.code],
                        &[target],
                        decision,
                    );
                }
            }
        }
        if within(reform_resolution()) {
            for unit in &self.new {
                self.register(bucket, unit.code, unit.name, unit.ward, None, true);
            }
        }
        if within(reform()) {
            for unit in &self.old {
                if let Fate::Split(a, b) = unit.fate {
                    let codes = [a, b].map(|n| self.new.get(n).map_or(0, |u| u.code));
                    let decision = self.resolution;
                    self.merge(bucket, reform(), "split", &[unit.code], &codes, decision);
                }
            }
            for new in &self.new {
                let old: Vec<u32> = new
                    .members
                    .iter()
                    .filter_map(|&m| self.old.get(m).map(|u| u.code))
                    .collect();
                let decision = self.resolution;
                self.merge(bucket, reform(), "into", &old, &[new.code], decision);
            }
        }
    }

    /// A `RegisterUnit` line: an old unit on the GSO list's date, or a new one on the
    /// reform resolution's, valid from the reform.
    fn register(
        &self,
        bucket: &mut Bucket,
        code: u32,
        name: (u8, u8),
        ward: bool,
        valid_to: Option<Day>,
        new: bool,
    ) {
        let (registered_on, valid_from) = if new {
            (reform_resolution(), reform())
        } else {
            (gso_list(), gso_list())
        };
        let first = UNIT_FIRST.get(usize::from(name.0)).copied().unwrap_or("Hà");
        let second = UNIT_SECOND
            .get(usize::from(name.1))
            .copied()
            .unwrap_or("An");
        let mut line = bucket.line(registered_on, rank::UNIT);
        line.key(("unit/", new.then_some("2025/"), Id::Unit(code)));
        if new {
            line.source((self.resolution, "/NQ-UBTVQH15"));
        }
        line.command("RegisterUnit");
        line.field("code", Id::Unit(code));
        line.field("name", Str((first, " ", second)));
        line.field("unit_kind", if ward { "ward" } else { "commune" });
        line.field("valid_from", valid_from);
        line.field("valid_to", valid_to);
        line.field("registered_on", registered_on);
    }

    /// A `MergeUnits` line: many old units into one new, or one old split between several.
    fn merge(
        &self,
        bucket: &mut Bucket,
        on: Day,
        how: &str,
        old: &[u32],
        new: &[u32],
        decision: u32,
    ) {
        let named = if how == "split" { old } else { new };
        let code = named.first().copied().unwrap_or(0);
        let mut line = bucket.line(on, rank::MERGE);
        line.key(("merge/", on, "/", how, "-", Id::Unit(code)));
        line.source((decision, "/NQ-UBTVQH15"));
        line.command("MergeUnits");
        let codes = |codes: &[u32]| codes.iter().map(|&c| Id::Unit(c)).collect::<Vec<_>>();
        line.field("old_codes", List(&codes(old)));
        line.field("new_codes", List(&codes(new)));
        line.field("effective_on", on);
    }
}
