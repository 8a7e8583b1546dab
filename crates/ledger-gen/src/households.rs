//! Households on the poverty lists, and their status under each standard year by year.
//!
//! Each household has an income per person and a count of the 12 indicators it is
//! deprived of; its status under a standard follows from them (at or under the line:
//! poor with 3 or more deprivations, near-poor with fewer; above it: not poor), so the two
//! standards never contradict each other: near-poor nationally implies near-poor under the
//! enhanced standard, whose lines are higher. Households enter in yearly reviews (listed in
//! Q4, classified from 1 January), and a mid-year review each year moves incomes; a
//! near-poor household rising above a line *leaves near-poverty* under that standard
//! (`RecordNearPovertyExit`), every other change is a new classification.

use crate::calendar::{Day, Month};
use crate::line::{rank, Bucket};
use crate::names::{ENHANCED, NATIONAL};
use crate::piece::{Id, Str};
use crate::region::Ctx;
use crate::rng::Rng;

/// Income lines in thousands of dong per person per month: `[standard][urban]`.
const LINES: [[u32; 2]; 2] = [[1500, 2000], [2100, 2600]];
const STANDARDS: [&str; 2] = [NATIONAL, ENHANCED];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Unknown,
    Poor,
    NearPoor,
    NotPoor,
}

#[derive(Debug, Clone)]
pub struct Household {
    pub unit: u16,
    urban: bool,
    members: u8,
    /// The first year it is classified (1 January); listed in the preceding Q4.
    pub cohort: i32,
    pub registered: Day,
    income: u32,
    deprived: u8,
    status: [Status; 2],
    next_review: Option<Day>,
    rng: Rng,
}

impl Household {
    /// A household first classified in `cohort`, in old unit `unit`.
    pub fn plan(mut rng: Rng, unit: u16, urban: bool, cohort: i32, enhanced: bool) -> Household {
        let registered = Day::ymd(cohort - 1, 10, 3).plus(rng.between(0, 84));
        // Listed because poor or near-poor under the region's highest line.
        let top = LINES[usize::from(enhanced)][usize::from(urban)];
        let income = top * rng.between(55, 100) as u32 / 100;
        Household {
            unit,
            urban,
            members: rng.between(1, 7) as u8,
            cohort,
            registered,
            income,
            deprived: rng.between(0, 5) as u8,
            status: [Status::Unknown; 2],
            next_review: Some(review_day(&mut rng, cohort)),
            rng,
        }
    }

    fn status_under(&self, standard: usize) -> Status {
        let line = LINES[standard.min(1)][usize::from(self.urban)];
        match (self.income <= line, self.deprived >= 3) {
            (true, true) => Status::Poor,
            (true, false) => Status::NearPoor,
            (false, _) => Status::NotPoor,
        }
    }

    /// Writes this household's lines dated in `month`.
    pub fn emit(&mut self, ctx: &Ctx, index: u32, month: Month, bucket: &mut Bucket) {
        let id = Id::Household(&ctx.label, index);
        if month == self.registered.month() {
            let code = ctx.units.code_on(usize::from(self.unit), self.registered);
            let mut line = bucket.line(self.registered, rank::HOUSEHOLD);
            line.key(("household/", id)).command("RegisterHousehold");
            line.field("household_id", id);
            line.field("unit_code", Id::Unit(code));
            line.field("members", u32::from(self.members));
            line.field("registered_on", self.registered);
        }
        // Classified from 1 January of the cohort year; under the enhanced standard only
        // once it is in force (2023) and only in the province that adopted it.
        let national_from = Month::new(self.cohort, 1);
        let enhanced_from = Month::new(self.cohort.max(2023), 1);
        if month == national_from {
            self.classify(ctx, id, 0, national_from.first_day(), bucket);
        }
        if ctx.enhanced && month == enhanced_from {
            self.classify(ctx, id, 1, enhanced_from.first_day(), bucket);
        }
        if let Some(day) = self.next_review.filter(|day| day.month() == month) {
            self.review(ctx, id, day, bucket);
        }
    }

    fn classify(&mut self, ctx: &Ctx, id: Id, standard: usize, on: Day, bucket: &mut Bucket) {
        let status = self.status_under(standard);
        if let Some(slot) = self.status.get_mut(standard) {
            *slot = status;
        }
        classification(ctx, id, standard, status, on, bucket);
    }

    /// The year's review: income moves (mostly up), deprivations mostly fall.
    fn review(&mut self, ctx: &Ctx, id: Id, on: Day, bucket: &mut Bucket) {
        self.income = self.income * self.rng.between(96, 125) as u32 / 100;
        if self.rng.chance(300) {
            self.deprived = self.deprived.saturating_sub(1);
        } else if self.rng.chance(50) {
            self.deprived = (self.deprived + 1).min(12);
        }
        for (standard, name) in STANDARDS.into_iter().enumerate() {
            let before = self.status[standard];
            let now = self.status_under(standard);
            if before == Status::Unknown || before == now {
                continue;
            }
            self.status[standard] = now;
            if before == Status::NearPoor && now == Status::NotPoor {
                let decision = (ctx.decision(on, 7), "/QĐ-UBND");
                let mut line = bucket.line(on, rank::EXIT);
                line.key(("exit/", id, "/", name, "/", on)).source(decision);
                line.command("RecordNearPovertyExit");
                line.field("household_id", id);
                line.field("standard_id", name);
                line.field("effective_on", on);
                line.field("decision_ref", Str(decision));
            } else {
                classification(ctx, id, standard, now, on, bucket);
            }
        }
        let next_year = on.month().year() + 1;
        self.next_review =
            (next_year <= crate::LAST_YEAR).then(|| review_day(&mut self.rng, next_year));
    }
}

/// One of the year's review decisions: end of June, end of September, mid-December.
fn review_day(rng: &mut Rng, year: i32) -> Day {
    match rng.below(3) {
        0 => Day::ymd(year, 6, 30),
        1 => Day::ymd(year, 9, 29),
        _ => Day::ymd(year, 12, 15),
    }
}

fn classification(
    ctx: &Ctx,
    id: Id,
    standard: usize,
    status: Status,
    on: Day,
    bucket: &mut Bucket,
) {
    let status = match status {
        Status::Poor => "poor",
        Status::NearPoor => "near_poor",
        Status::NotPoor | Status::Unknown => "not_poor",
    };
    let name = STANDARDS[standard.min(1)];
    let decision = (ctx.decision(on, 3), "/QĐ-UBND");
    let mut line = bucket.line(on, rank::CLASSIFY);
    line.key(("classification/", id, "/", name, "/", on));
    line.source(decision).command("ClassifyHousehold");
    line.field("household_id", id);
    line.field("standard_id", name);
    line.field("status", status);
    line.field("effective_on", on);
    line.field("decision_ref", Str(decision));
}
