//! `ledger-gen`: deterministic synthetic welfare ledgers, as import lines.
//!
//! [`generate`] writes the lines of a city, a province or the whole country in the format
//! of `fixtures/halong-2023/commands.ndjson`: one JSON object a line,
//! `{"key":…,"source_ref":…,"command":{…}}`, where `command` is a `ledger_domain::Command`
//! exactly as it deserialises and `source_ref` is left out where a fact rests on no
//! document. Every line is accepted by `ledger_domain::decide` against the state the
//! lines before it leave, and yields exactly one event.
//!
//! **What is in it.** Communes and wards with generated codes, in force from the GSO list
//! of 2021-02-03, some merged into a neighbour on 2024-11-01 and all regrouped on
//! 2025-07-01 (codes reused, some units split); the fixture's two poverty standards;
//! households classified year by year under each (some leave near-poverty, some fall
//! back); a housing programme per region and year with allocations from five funding
//! sources, approvals within budget, disbursements, works, completions, a few corrected
//! completion dates and a few cancellations before any payment; children with one or two
//! pledges, paid monthly, quarterly, yearly or in arrears over 2022–2025, with reversals,
//! transfers to another sponsor and early ends; yearly jobs targets and monthly jobs
//! reports. Payments are most of the lines, as in real life, which makes the output the
//! workload of the sponsorship-payment benchmark. Sizes: [`plan`].
//!
//! **Order.** Regions (districts) are generated one after another; within a region the
//! lines are sorted by business date (ties in dependency order), so each region reads as a
//! journal from 2021 to the end of 2025. The first region also writes what the whole
//! ledger shares (the standards, the jobs targets).
//!
//! **Memory** is bounded by one region's entities (a few hundred kilobytes), whatever the
//! scale: nothing is kept per line.
//!
//! **Determinism.** The only randomness is a SplitMix64 generator written out in this
//! crate, seeded from the seed and each entity's coordinates: the same scale and seed give
//! the same bytes on every platform and with every version of every dependency.
//!
//! **Event ids.** Payment reversals name the payment's event. An importer must give the
//! event of each line the id [`event_id`]`(key)` (a UUID v5 of the key), which is also what
//! makes re-importing a file idempotent.

mod calendar;
mod households;
mod housing;
mod housing_lines;
mod jobs;
mod line;
mod names;
mod piece;
mod plan;
mod pledge;
mod pledge_lines;
mod preamble;
mod region;
mod rng;
mod sponsorship;
mod units;

use std::io::Write;

pub use line::PROGRESS_EVERY;
pub use plan::{estimated_lines, plan, ParseScaleError, Plan, Scale};

use calendar::Month;
use line::{Bucket, Sink};
use region::Region;

/// The first year of welfare activity.
pub(crate) const FIRST_YEAR: i32 = 2022;
/// The last year: no line is dated after its 31 December.
pub(crate) const LAST_YEAR: i32 = 2025;

/// Why generation stopped.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    /// The output could not be written.
    #[error("could not write the generated lines: {0}")]
    Io(#[from] std::io::Error),
}

/// The id the event of the line with `key` must get: UUID v5 of the key in the URL
/// namespace (reversal lines name the events they reverse by it).
pub fn event_id(key: &str) -> uuid::Uuid {
    event_id_of_key(key.as_bytes())
}

pub(crate) fn event_id_of_key(key: &[u8]) -> uuid::Uuid {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, key)
}

/// Writes the import lines of `scale` generated from `seed` to `out` and returns how many
/// it wrote. Calls `progress(lines_written)` every [`PROGRESS_EVERY`] (10,000) lines.
/// Keys start with `gen-{scale}-{seed}/`. Memory stays bounded by one region.
pub fn generate(
    scale: Scale,
    seed: u64,
    out: &mut impl Write,
    progress: impl FnMut(u64),
) -> Result<u64, GenError> {
    let plan = plan(scale);
    let mut sink = Sink::new(out, progress);
    let mut bucket = Bucket::new(format!("gen-{scale}-{seed}/"));
    let target = jobs_target(&plan);
    for index in 0..plan.regions {
        let mut region = Region::plan(&plan, seed, index);
        let mut month = Month::new(2021, 1);
        while month <= Month::new(LAST_YEAR, 12) {
            region.emit(month, (index == 0).then_some(target), &mut bucket);
            bucket.drain(&mut sink)?;
            month = month.plus(1);
        }
    }
    Ok(sink.finish()?)
}

/// A yearly target a little under what the units will report (a ward's base is 10–22
/// jobs a month, a commune's 4–12; months weigh 0.6–1.2).
fn jobs_target(plan: &Plan) -> u64 {
    let wards = u64::from(plan.ward_percent);
    let base_per_unit_month = (wards * 16 + (100 - wards.min(100)) * 8) / 100;
    plan.units() * 12 * base_per_unit_month * 88 / 100 / 100 * 100
}
