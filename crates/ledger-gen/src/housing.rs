//! Housing programmes, one per region and year: budget allocations by funding source in
//! February and a top-up in April, approvals in two waves that fit what is allocated,
//! works started with the funds paid (all at once, or an advance and the rest on
//! acceptance), completions around the 31 August deadline, a few corrected completion
//! dates, and a few supports cancelled before any money was paid.

use crate::calendar::Day;
use crate::housing_lines::SupportLines;
use crate::line::{rank, Bucket};
use crate::names::SOURCES;
use crate::piece::{Amount, Id, Str};
use crate::region::Ctx;
use crate::rng::Rng;

#[derive(Debug, Clone)]
pub(crate) struct Support {
    pub(crate) household: u32,
    pub(crate) new_build: bool,
    pub(crate) amount: u64,
    /// Each source's part, in [`SOURCES`] order (0: not in the split).
    pub(crate) parts: [u64; 5],
    pub(crate) approved: Day,
    pub(crate) wave: u8,
    pub(crate) planned: Day,
    pub(crate) started: Day,
    pub(crate) completed: Day,
    /// Paid as an advance at the start and the rest on acceptance.
    pub(crate) in_two: bool,
    /// (corrected on, correct completion date).
    pub(crate) correction: Option<(Day, Day)>,
    pub(crate) cancelled: Option<Day>,
}

/// One year's housing programme in one region.
#[derive(Debug, Clone)]
pub struct Programme {
    pub(crate) year: i32,
    pub(crate) supports: Vec<Support>,
    pub(crate) allocated: [[u64; 5]; 2],
    pub(crate) decisions: [u64; 4],
}

const MILLION: u64 = 1_000_000;

pub(crate) fn round_down(amount: u64, step: u64) -> u64 {
    amount / step * step
}

impl Programme {
    /// Supports for `households`: distinct eligible indexes, each with whether it lives
    /// in a ward (households in rural communes also get the central state budget).
    pub fn plan(mut rng: Rng, year: i32, households: &[(u32, bool)]) -> Programme {
        let deadline = Day::ymd(year, 8, 31);
        let first_wave = households.len() * 2 / 3;
        let mut supports = Vec::with_capacity(households.len());
        for (n, &(household, ward)) in households.iter().enumerate() {
            let new_build = rng.chance(540);
            let (low, high) = if new_build { (120, 190) } else { (50, 100) };
            let amount = rng.between(low, high) as u64 * MILLION / 2;
            let share = |percent: u64| round_down(amount * percent / 100, 100_000);
            let mut parts = [0, share(40), share(30), 0, 0];
            if !ward {
                parts[0] = share(10);
            }
            let rest = amount - parts.iter().sum::<u64>();
            parts[3 + n % 2] = rest;
            let (approved, wave) = if n < first_wave {
                (Day::ymd(year, 2, 15).plus(rng.between(0, 23)), 0)
            } else {
                (Day::ymd(year, 4, 17).plus(rng.between(0, 11)), 1)
            };
            let planned = approved
                .plus(if new_build { 120 } else { 60 })
                .min(deadline);
            let started = approved.plus(rng.between(5, 20));
            let duration = if new_build {
                rng.between(60, 110)
            } else {
                rng.between(25, 60)
            };
            let mut completed = started.plus(duration);
            // Most works are pushed to finish before the deadline; a few run late.
            if completed >= deadline && !rng.chance(80) {
                completed = deadline.plus(-rng.between(1, 10)).max(started.plus(10));
            }
            let correction = rng.chance(30).then(|| {
                let shift = rng.between(1, 7) * if rng.chance(500) { 1 } else { -1 };
                (completed.plus(rng.between(3, 20)), completed.plus(shift))
            });
            let cancelled = rng.chance(20).then(|| approved.plus(rng.between(2, 4)));
            supports.push(Support {
                household,
                new_build,
                amount,
                parts,
                approved,
                wave,
                planned,
                started,
                completed,
                in_two: rng.chance(400),
                correction,
                cancelled,
            });
        }
        // Allocate each wave's commitments (cancelled ones too: they were approved),
        // rounded up to 50 M dong, so every approval fits what remains.
        let mut allocated = [[0u64; 5]; 2];
        for wave in 0..2 {
            for source in 0..5 {
                let committed: u64 = supports
                    .iter()
                    .filter(|s| usize::from(s.wave) <= wave)
                    .map(|s| s.parts[source])
                    .sum();
                let before: u64 = allocated[..wave].iter().map(|a| a[source]).sum();
                let step = 50 * MILLION;
                allocated[wave][source] = committed.saturating_sub(before).div_ceil(step) * step;
            }
        }
        let decisions = [0; 4].map(|_| 100 + rng.below(4800));
        Programme {
            year,
            supports,
            allocated,
            decisions,
        }
    }

    /// Writes the programme's lines dated in `[from, to]`.
    pub fn emit(&self, ctx: &Ctx, bucket: &mut Bucket, from: Day, to: Day) {
        let within = |day: Day| from <= day && day <= to;
        let (year, label) = (self.year, ctx.label.as_str());
        let programme = Id::Housing(label, year);
        let opened = Day::ymd(year, 2, 6);
        if within(opened) {
            let mut line = bucket.line(opened, rank::PROGRAMME);
            line.key(("programme/", programme));
            line.source((self.decisions[0], "/QĐ-UBND"));
            line.command("OpenProgramme");
            line.field("programme_id", programme);
            let name = "Xây mới, sửa chữa nhà ở cho hộ có khó khăn về nhà ở năm ";
            line.field("name", Str((name, year, " (", label, ")")));
            line.field("programme_kind", "housing");
            line.field("year", year);
            line.field("target", self.supports.len() as u64);
            line.field("deadline", Day::ymd(year, 8, 31));
            line.field("opened_on", opened);
        }
        let allocations = [Day::ymd(year, 2, 10), Day::ymd(year, 4, 12)];
        for (wave, on) in allocations.into_iter().enumerate() {
            if !within(on) {
                continue;
            }
            for (source, &amount) in SOURCES.iter().zip(&self.allocated[wave]) {
                if amount == 0 {
                    continue;
                }
                let mut line = bucket.line(on, rank::ALLOCATION);
                line.key(("allocation/", programme, "/", *source, "/", wave as u64 + 1));
                line.source((self.decisions[1 + wave], "/QĐ-UBND"));
                line.command("AllocateBudget");
                line.field("programme_id", programme);
                line.field("source", *source);
                line.field("amount", Amount(amount));
                line.field("allocated_on", on);
            }
        }
        for (n, support) in self.supports.iter().enumerate() {
            let id = Id::Support(label, year, n as u32);
            let n = n as u32;
            SupportLines {
                ctx,
                programme: self,
                support,
                id,
                n,
            }
            .emit(bucket, &within);
        }
    }
}
