//! Jobs: the year's target (set in December for the next year, once for the whole
//! ledger) and a report of new jobs per unit per month, dated on the month's last day,
//! from whichever units are in force then (the new units after the 2025 reform).

use crate::calendar::{Day, Month};
use crate::line::{rank, Bucket};
use crate::piece::Id;
use crate::region::Ctx;
use crate::rng::Rng;

/// Jobs matter less around Tết and in summer (per mille of a unit's base).
const MONTH_WEIGHT: [u64; 12] = [
    600, 700, 1100, 1200, 1100, 900, 800, 900, 1100, 1200, 1100, 1000,
];

/// Writes the jobs reports of the region for `month`.
pub fn emit(ctx: &Ctx, seed: u64, month: Month, bucket: &mut Bucket) {
    let year = month.year();
    if !(crate::FIRST_YEAR..=crate::LAST_YEAR).contains(&year) {
        return;
    }
    let reported_on = month.last_day();
    let weight = MONTH_WEIGHT[(month.number() as usize + 11) % 12];
    let old = ctx
        .units
        .old
        .iter()
        .enumerate()
        .filter_map(|(index, unit)| {
            let in_force = ctx.units.valid_to(index).is_none_or(|to| reported_on <= to);
            in_force.then_some((unit.code, unit.jobs_base))
        });
    let reformed = reported_on >= crate::units::reform();
    let new = ctx.units.new.iter().filter(|_| reformed);
    let units = old.chain(new.map(|unit| (unit.code, unit.jobs_base)));
    let month_key = u64::try_from(year).unwrap_or(0) * 12 + u64::from(month.number());
    for (code, base) in units {
        let parts = [u64::from(ctx.region), 0x10b5, u64::from(code), month_key];
        let noise = Rng::derive(seed, &parts).between(80, 120) as u64;
        let count = (u64::from(base) * weight * noise / 100_000).max(1);
        let mut line = bucket.line(reported_on, rank::JOBS);
        line.key(("jobs/", Id::Unit(code), "/", month));
        line.command("RecordJobsCreated");
        line.field("year", year);
        line.field("unit_code", Id::Unit(code));
        line.field("count", count);
        line.field("month", month);
        line.field("reported_on", reported_on);
    }
}

/// The year's target for the whole ledger, set on 20 December of the year before by the
/// council's resolution: a little under what the units will report.
pub fn emit_targets(target: u64, month: Month, bucket: &mut Bucket) {
    for year in crate::FIRST_YEAR..=crate::LAST_YEAR {
        let set_on = Day::ymd(year - 1, 12, 20);
        if set_on.month() != month {
            continue;
        }
        let resolution = 100 + (year.rem_euclid(50) as u64);
        let mut line = bucket.line(set_on, rank::JOBS_TARGET);
        line.key(("jobs-target/", year))
            .source((resolution, "/NQ-HĐND"));
        line.command("SetJobsTarget");
        line.field("year", year);
        line.field("target", target.max(1));
        line.field("set_on", set_on);
    }
}
