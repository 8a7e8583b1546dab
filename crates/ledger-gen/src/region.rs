//! One region (a district): planned whole — its entities, a few hundred bytes each —
//! then written month by month, each month's lines sorted by date. Entities carry their
//! own random streams, so the order they are visited in changes nothing.

use crate::calendar::{Day, Month};
use crate::households::Household;
use crate::housing::Programme;
use crate::line::Bucket;
use crate::plan::Plan;
use crate::rng::Rng;
use crate::sponsorship::Sponsorship;
use crate::units::Units;
use crate::{jobs, preamble};

/// What every entity of a region needs to write its lines.
#[derive(Debug)]
pub struct Ctx {
    /// The region in ids, `d003`.
    pub label: String,
    pub region: u32,
    /// Whether the region's province applies Quảng Ninh's enhanced standard.
    pub enhanced: bool,
    pub units: Units,
    seed: u64,
}

impl Ctx {
    /// The number of the region's decision dated `on` (one decision lists many
    /// households); `salt` tells kinds of decision apart.
    pub fn decision(&self, on: Day, salt: u64) -> u64 {
        let (year, month, day) = on.civil();
        let date = u64::try_from(year).unwrap_or(0) * 10_000 + u64::from(month * 100 + day);
        100 + Rng::derive(self.seed, &[u64::from(self.region), date, salt]).below(4800)
    }
}

pub struct Region {
    ctx: Ctx,
    households: Vec<Household>,
    housing: Vec<Programme>,
    sponsorship: Sponsorship,
    seed: u64,
}

/// Households enter the lists in the review before each year: most in the first.
const COHORT_PERCENT: [(i32, u32); 4] = [(2022, 55), (2023, 15), (2024, 15), (2025, 15)];

impl Region {
    pub fn plan(plan: &Plan, seed: u64, index: u32) -> Region {
        let province =
            u64::from(index) * u64::from(plan.provinces) / u64::from(plan.regions.max(1));
        let mut rng = Rng::derive(seed, &[u64::from(index), 0x0417]);
        let first_code = 10_000 + 3 * index * plan.units_per_region;
        let count = plan.units_per_region.max(1) as usize;
        let units = Units::plan(&mut rng, index, count, first_code, plan.ward_percent);
        let ctx = Ctx {
            label: format!("d{index:03}"),
            region: index,
            enhanced: province == 0,
            units,
            seed,
        };

        let total = plan.households_per_region;
        let mut households = Vec::with_capacity(total as usize);
        for (cohort, percent) in COHORT_PERCENT {
            let size = if cohort == crate::LAST_YEAR {
                total - households.len() as u32
            } else {
                total * percent / 100
            };
            for _ in 0..size {
                let mut rng =
                    Rng::derive(seed, &[u64::from(index), 0x4040, households.len() as u64]);
                let unit = rng.below(count as u64) as u16;
                let ward = ctx.units.old.get(usize::from(unit)).is_some_and(|u| u.ward);
                households.push(Household::plan(rng, unit, ward, cohort, ctx.enhanced));
            }
        }

        // Each year's supports go to distinct households listed before that year.
        let mut housing = Vec::new();
        let mut pool: Vec<u32> = Vec::new();
        for year in crate::FIRST_YEAR..=crate::LAST_YEAR {
            let eligible = households.partition_point(|h| h.cohort <= year);
            pool.clear();
            pool.extend(0..eligible as u32);
            let mut rng = Rng::derive(seed, &[u64::from(index), 0x4005, year as u64]);
            let wanted = (plan.supports_per_region_year as usize).min(eligible);
            let mut chosen = Vec::with_capacity(wanted);
            for at in 0..wanted {
                let pick = at + rng.below((eligible - at) as u64) as usize;
                pool.swap(at, pick);
                let household = pool[at];
                let ward = households.get(household as usize).is_some_and(|h| {
                    ctx.units
                        .old
                        .get(usize::from(h.unit))
                        .is_some_and(|u| u.ward)
                });
                chosen.push((household, ward));
            }
            if !chosen.is_empty() {
                housing.push(Programme::plan(rng, year, &chosen));
            }
        }
        let sponsorship = Sponsorship::plan(
            seed,
            index,
            count,
            plan.sponsors_per_region,
            plan.children_per_region,
        );
        Region {
            ctx,
            households,
            housing,
            sponsorship,
            seed,
        }
    }

    /// Writes the region's lines dated in `month`; `jobs_target` is set for the region
    /// that also writes what the whole ledger shares.
    pub fn emit(&mut self, month: Month, jobs_target: Option<u64>, bucket: &mut Bucket) {
        let (from, to) = (month.first_day(), month.last_day());
        if let Some(target) = jobs_target {
            preamble::emit_standards(month, bucket);
            jobs::emit_targets(target, month, bucket);
        }
        self.ctx.units.emit(bucket, from, to);
        for programme in &self.housing {
            programme.emit(&self.ctx, bucket, from, to);
        }
        for (index, household) in self.households.iter_mut().enumerate() {
            household.emit(&self.ctx, index as u32, month, bucket);
        }
        self.sponsorship.emit(&self.ctx, month, bucket);
        jobs::emit(&self.ctx, self.seed, month, bucket);
    }
}
