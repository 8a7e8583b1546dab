//! Child sponsorship in a region: sponsoring organisations that join year by year, one
//! sponsorship programme a year, children registered before their pledge (under 18 at
//! its first month, so some reach 18 while the data runs), and their pledges: one each,
//! and for some children a second, shorter pledge from another sponsor at Tết.

use crate::calendar::{last_month_before_18, Day, Month};
use crate::line::{rank, Bucket};
use crate::names::{CIRCUMSTANCES, SPONSOR_GROUPS};
use crate::piece::{Id, Pad, Str};
use crate::pledge::{Pledge, Terms};
use crate::region::Ctx;
use crate::rng::Rng;

#[derive(Debug, Clone)]
pub struct Sponsor {
    pub registered: Day,
    group: u8,
}

#[derive(Debug, Clone)]
pub struct Child {
    unit: u16,
    birth: Day,
    registered: Day,
    circumstance: u8,
}

/// The sponsorship side of a region.
#[derive(Debug, Clone)]
pub struct Sponsorship {
    sponsors: Vec<Sponsor>,
    /// Registration dates in id order, for choosing who takes over a transfer.
    registered: Vec<Day>,
    children: Vec<Child>,
    pledges: Vec<Pledge>,
    /// Pledges per programme year.
    targets: Vec<(i32, u64)>,
}

const YEARS: [i32; 4] = [2022, 2023, 2024, 2025];

impl Sponsorship {
    pub fn plan(seed: u64, region: u32, units: usize, sponsors: u32, children: u32) -> Sponsorship {
        let region = u64::from(region);
        let mut rng = Rng::derive(seed, &[region, 0x5907]);
        // Sponsors join in the weeks before Children's Day; the first two in the first
        // year, so every pledge and transfer finds one registered before it.
        let weights = SPONSOR_GROUPS.map(|(_, _, weight)| weight);
        let mut sponsors: Vec<Sponsor> = (0..sponsors)
            .map(|i| {
                let year = if i < 2 {
                    2022
                } else {
                    YEARS[rng.weighted(&[50, 20, 15, 15])]
                };
                let group = rng.weighted(&weights) as u8;
                let registered = Day::ymd(year, 4, 25).plus(rng.between(0, 29));
                Sponsor { registered, group }
            })
            .collect();
        sponsors.sort_by_key(|sponsor| sponsor.registered);
        let registered: Vec<Day> = sponsors.iter().map(|s| s.registered).collect();
        let mut plan = Sponsorship {
            sponsors,
            registered,
            children: Vec::with_capacity(children as usize),
            pledges: Vec::with_capacity(children as usize * 23 / 20),
            targets: YEARS.iter().map(|&year| (year, 0)).collect(),
        };
        for child in 0..children {
            plan.plan_child(seed, region, child, units);
        }
        plan
    }

    fn plan_child(&mut self, seed: u64, region: u64, child: u32, units: usize) {
        let mut rng = Rng::derive(seed, &[region, 0xc41d, u64::from(child)]);
        let year = YEARS[rng.weighted(&[40, 25, 20, 15])];
        // Children's Day pledges, a few mid-June ones owed from July, and school-year
        // pledges in September (those children are registered in August).
        let (sponsored, first, registered_from) = match rng.weighted(&[70, 15, 15]) {
            0 => (
                Day::ymd(year, 6, 1),
                Month::new(year, 6),
                Day::ymd(year, 5, 2),
            ),
            1 => (
                Day::ymd(year, 6, 15),
                Month::new(year, 7),
                Day::ymd(year, 5, 2),
            ),
            _ => (
                Day::ymd(year, 9, 5),
                Month::new(year, 9),
                Day::ymd(year, 8, 1),
            ),
        };
        let registered = registered_from.plus(rng.between(0, 24));
        // Up to 16 years and 200 days old: under 18 at the first month, whatever it is.
        let birth = registered.plus(-rng.between(30, 16 * 365 + 200));
        self.children.push(Child {
            unit: rng.below(units as u64) as u16,
            birth,
            registered,
            circumstance: rng.below(CIRCUMSTANCES.len() as u64) as u8,
        });
        let until_18 = last_month_before_18(birth);
        let eligible = self
            .registered
            .partition_point(|day| *day <= sponsored)
            .max(1);
        let sponsor = rng.below(eligible as u64) as u32;
        let monthly = [1_000_000, 500_000, 1_500_000, 2_000_000][rng.weighted(&[75, 10, 10, 5])];
        let fixed = [None, Some(12), Some(24), Some(36)][rng.weighted(&[85, 5, 5, 5])];
        let last = schedule_last(first, until_18, fixed);
        let terms = Terms {
            child,
            n: 1,
            year,
            sponsored,
            monthly,
            first,
            last,
            fixed,
        };
        let pledge_rng = Rng::derive(seed, &[region, 0x9e6, u64::from(child), 1]);
        self.pledges.push(Pledge::new(terms, sponsor, pledge_rng));
        self.count(year);

        // A second pledge at Tết from another sponsor, shorter and smaller.
        let sponsored = Day::ymd(year + 1, 1, 20);
        let first = Month::new(year + 1, 2);
        let eligible = self.registered.partition_point(|day| *day <= sponsored) as u64;
        let wanted = year < crate::LAST_YEAR && rng.chance(150);
        if wanted && until_18 >= first && eligible >= 2 {
            let other = (sponsor + 1 + rng.below(eligible - 1) as u32) % eligible as u32;
            let fixed = [Some(12), Some(24), None][rng.weighted(&[50, 30, 20])];
            let last = schedule_last(first, until_18, fixed);
            let monthly = 500_000;
            let terms = Terms {
                child,
                n: 2,
                year,
                sponsored,
                monthly,
                first,
                last,
                fixed,
            };
            let pledge_rng = Rng::derive(seed, &[region, 0x9e6, u64::from(child), 2]);
            self.pledges.push(Pledge::new(terms, other, pledge_rng));
            self.count(year);
        }
    }

    fn count(&mut self, year: i32) {
        if let Some(entry) = self.targets.iter_mut().find(|(y, _)| *y == year) {
            entry.1 += 1;
        }
    }

    /// Writes the programmes, sponsors and children registered in `month`, then every
    /// pledge's lines for it.
    pub fn emit(&mut self, ctx: &Ctx, month: Month, bucket: &mut Bucket) {
        let label = ctx.label.as_str();
        for &(year, target) in &self.targets {
            let opened = Day::ymd(year, 4, 20);
            if opened.month() != month || target == 0 {
                continue;
            }
            let programme = Id::Children(label, year);
            let name = "Nhận đỡ đầu trẻ em có hoàn cảnh khó khăn năm ";
            let mut line = bucket.line(opened, rank::PROGRAMME);
            line.key(("programme/", programme));
            line.source((ctx.decision(opened, 11), "/QĐ-UBND"));
            line.command("OpenProgramme");
            line.field("programme_id", programme);
            line.field("name", Str((name, year, " (", label, ")")));
            line.field("programme_kind", "sponsorship");
            line.field("year", year);
            line.field("target", target);
            line.field("deadline", Day::ymd(year, 9, 30));
            line.field("opened_on", opened);
        }
        // Sponsors are numbered within their kind of organisation.
        let mut numbers = [0u64; SPONSOR_GROUPS.len()];
        for (index, sponsor) in self.sponsors.iter().enumerate() {
            let group = usize::from(sponsor.group).min(SPONSOR_GROUPS.len() - 1);
            numbers[group] += 1;
            if sponsor.registered.month() != month {
                continue;
            }
            let (stem, kind, _) = SPONSOR_GROUPS[group];
            let id = Id::Sponsor(label, index as u32);
            let name = Str((stem, " ", Pad(numbers[group], 2), " (", label, ")"));
            let mut line = bucket.line(sponsor.registered, rank::SPONSOR);
            line.key(("sponsor/", id)).command("RegisterSponsor");
            line.field("sponsor_id", id);
            line.field("name", name);
            line.field("sponsor_kind", kind);
            line.field("registered_on", sponsor.registered);
        }
        for (index, child) in self.children.iter().enumerate() {
            if child.registered.month() != month {
                continue;
            }
            let id = Id::Child(label, index as u32);
            let code = ctx.units.code_on(usize::from(child.unit), child.registered);
            let circumstance = CIRCUMSTANCES[usize::from(child.circumstance) % CIRCUMSTANCES.len()];
            let mut line = bucket.line(child.registered, rank::CHILD);
            line.key(("child/", id)).command("RegisterChild");
            line.field("child_id", id);
            line.field("birth_date", child.birth);
            line.field("unit_code", Id::Unit(code));
            line.field("circumstance", circumstance);
            line.field("registered_on", child.registered);
        }
        for pledge in &mut self.pledges {
            pledge.emit(ctx, &self.registered, month, bucket);
        }
    }
}

/// The schedule's last month: at 18, or after `fixed` months if that comes first.
fn schedule_last(first: Month, until_18: Month, fixed: Option<u32>) -> Month {
    match fixed {
        Some(months) => first.plus(i64::from(months) - 1).min(until_18),
        None => until_18,
    }
}
