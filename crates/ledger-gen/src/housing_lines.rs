//! The lines of one housing support: approval, start with its payment orders, completion
//! (with the rest of a two-part payment), a corrected completion date, or a cancellation
//! before any money was paid.

use crate::calendar::Day;
use crate::housing::{round_down, Programme, Support};
use crate::line::{rank, Bucket};
use crate::names::{CANCEL_REASONS, CORRECTION_REASON, SOURCES};
use crate::piece::{Amount, Id, List, Pad, Text, Value};
use crate::region::Ctx;

/// Writes one support's lines.
pub(crate) struct SupportLines<'a> {
    pub(crate) ctx: &'a Ctx,
    pub(crate) programme: &'a Programme,
    pub(crate) support: &'a Support,
    pub(crate) id: Id<'a>,
    pub(crate) n: u32,
}

impl SupportLines<'_> {
    pub(crate) fn emit(&self, bucket: &mut Bucket, within: &dyn Fn(Day) -> bool) {
        let (s, id, year) = (self.support, self.id, self.programme.year);
        let decision = self.programme.decisions[3];
        if within(s.approved) {
            self.approval(bucket, decision + u64::from(s.wave));
        }
        if let Some(on) = s.cancelled {
            if within(on) {
                let mut line = bucket.line(on, rank::CANCEL);
                line.key(("cancellation/", id))
                    .source((decision + 2, "/QĐ-UBND"));
                line.command("CancelSupport");
                line.field("support_id", id);
                let reason = CANCEL_REASONS[self.n as usize % CANCEL_REASONS.len()];
                line.field("reason", Text(reason));
                line.field("cancelled_on", on);
            }
            return;
        }
        let record = (
            "BBNT-",
            self.ctx.label.as_str(),
            "-",
            Pad(u64::from(self.n), 3),
            "/",
            year,
        );
        if within(s.started) {
            self.disburse(bucket, s.started, false);
            let mut line = bucket.line(s.started, rank::START);
            line.key(("start/", id)).command("StartWorks");
            line.field("support_id", id);
            line.field("started_on", s.started);
        }
        if within(s.completed) {
            if s.in_two {
                self.disburse(bucket, s.completed, true);
            }
            let mut line = bucket.line(s.completed, rank::COMPLETE);
            line.key(("completion/", id)).source(record);
            line.command(if s.new_build {
                "RecordHouseBuilt"
            } else {
                "RecordHouseRepaired"
            });
            line.field("support_id", id);
            line.field("completed_on", s.completed);
        }
        if let Some((on, correct)) = s.correction.filter(|(on, _)| within(*on)) {
            let mut line = bucket.line(on, rank::CORRECT);
            line.key(("correction/", id)).source((record, "-DC"));
            line.command("CorrectCompletionDate");
            line.field("support_id", id);
            line.field("completed_on", correct);
            line.field("reason", Text(CORRECTION_REASON));
            line.field("corrected_on", on);
        }
    }

    fn approval(&self, bucket: &mut Bucket, decision: u64) {
        let s = self.support;
        let funding: Vec<Part> = SOURCES
            .iter()
            .zip(s.parts)
            .filter(|(_, amount)| *amount > 0)
            .map(|(source, amount)| Part(source, amount))
            .collect();
        let mut line = bucket.line(s.approved, rank::APPROVAL);
        line.key(("approval/", self.id))
            .source((decision, "/QĐ-UBND"));
        line.command("ApproveHousingSupport");
        line.field(
            "programme_id",
            Id::Housing(&self.ctx.label, self.programme.year),
        );
        line.field("support_id", self.id);
        line.field("household_id", Id::Household(&self.ctx.label, s.household));
        line.field(
            "work_kind",
            if s.new_build { "new_build" } else { "repair" },
        );
        line.field("amount", Amount(s.amount));
        line.field("planned_completion_on", s.planned);
        line.field("funding", List(&funding));
        line.field("approved_on", s.approved);
    }

    /// The start's payment (the whole part, or a 60 % advance) or the rest on acceptance.
    fn disburse(&self, bucket: &mut Bucket, on: Day, last: bool) {
        let s = self.support;
        for (index, (source, &part)) in SOURCES.iter().zip(&s.parts).enumerate() {
            let advance = if s.in_two {
                round_down(part * 6 / 10, 100_000)
            } else {
                part
            };
            let amount = if last { part - advance } else { advance };
            if amount == 0 {
                continue;
            }
            let order = index as u64 + 1 + 5 * u64::from(last);
            let label = self.ctx.label.as_str();
            let number = (Pad(u64::from(self.n), 3), "-", order);
            let mut line = bucket.line(on, rank::DISBURSE);
            line.key((
                "disbursement/",
                self.id,
                "/",
                *source,
                last.then_some("/final"),
            ));
            line.source(("UNC-", label, "-", self.programme.year, "-", number));
            line.command("DisburseFunds");
            line.field("support_id", self.id);
            line.field("source", *source);
            line.field("amount", Amount(amount));
            line.field("disbursed_on", on);
        }
    }
}

/// One source's part of a split, `{"source":…,"amount":…}`.
struct Part<'a>(&'a str, u64);

impl Value for Part<'_> {
    fn put_value(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(b"{\"source\":");
        self.0.put_value(buf);
        buf.extend_from_slice(b",\"amount\":");
        Amount(self.1).put_value(buf);
        buf.push(b'}');
    }
}
