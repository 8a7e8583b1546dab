//! The lines a [`Pledge`] writes: the pledge, payments, reversals, transfers, early ends.

use crate::calendar::{Day, Month};
use crate::line::{rank, Bucket};
use crate::names::SPONSOR_END_REASONS;
use crate::names::{CHILD_END_REASONS, REPAID_REVERSAL_REASONS, REVERSAL_REASONS};
use crate::piece::{Amount, Id, Pad, Piece, Text};
use crate::pledge::{Pending, Pledge};
use crate::region::Ctx;

impl Pledge {
    fn id<'a>(&self, ctx: &'a Ctx) -> Id<'a> {
        Id::Sponsorship(&ctx.label, self.terms.child, self.terms.n)
    }

    /// The pledge letter's number, `CK-d003-00012-1`.
    fn letter<'a>(&self, ctx: &'a Ctx) -> impl Piece + 'a {
        let child = Pad(u64::from(self.terms.child), 5);
        (
            "CK-",
            ctx.label.as_str(),
            "-",
            child,
            "-",
            u32::from(self.terms.n),
        )
    }

    /// The receipt's number, `PT-d003-00012-1-2023-06`.
    fn receipt<'a>(&self, ctx: &'a Ctx, first: Month) -> impl Piece + 'a {
        let child = Pad(u64::from(self.terms.child), 5);
        let n = u32::from(self.terms.n);
        ("PT-", ctx.label.as_str(), "-", child, "-", n, "-", first)
    }

    pub(crate) fn pledge_line(&self, ctx: &Ctx, bucket: &mut Bucket) {
        let t = &self.terms;
        let id = self.id(ctx);
        let mut line = bucket.line(t.sponsored, rank::PLEDGE);
        line.key(("sponsorship/", id))
            .source((self.letter(ctx), "/", t.year));
        line.command("SponsorChild");
        line.field("sponsorship_id", id);
        line.field("programme_id", Id::Children(&ctx.label, t.year));
        line.field("child_id", Id::Child(&ctx.label, t.child));
        line.field("sponsor_id", Id::Sponsor(&ctx.label, self.sponsor));
        line.field("monthly_amount", Amount(t.monthly));
        line.field("first_month", t.first);
        line.field("fixed_months", t.fixed);
        line.field("sponsored_on", t.sponsored);
    }

    /// A `RecordPayment` line; returns the id its event gets (from its key) if asked.
    pub(crate) fn payment_line(
        &self,
        ctx: &Ctx,
        first: Month,
        months: u32,
        on: Day,
        want_id: bool,
        bucket: &mut Bucket,
    ) -> Option<uuid::Uuid> {
        self.record_payment(ctx, first, months, on, false, want_id, bucket)
    }

    /// The payment again after its reversal (its key ends in `/again`).
    pub(crate) fn repayment_line(
        &self,
        ctx: &Ctx,
        first: Month,
        months: u32,
        on: Day,
        bucket: &mut Bucket,
    ) {
        self.record_payment(ctx, first, months, on, true, false, bucket);
    }

    #[allow(clippy::too_many_arguments)] // the private worker behind the two above
    fn record_payment(
        &self,
        ctx: &Ctx,
        first: Month,
        months: u32,
        on: Day,
        again: bool,
        want_id: bool,
        bucket: &mut Bucket,
    ) -> Option<uuid::Uuid> {
        let id = self.id(ctx);
        let mut line = bucket.line(on, rank::PAYMENT);
        line.key(("payment/", id, "/", first, again.then_some("/again")));
        let event_id = want_id.then(|| crate::event_id_of_key(line.key_bytes()));
        line.source((self.receipt(ctx, first), again.then_some("-L2")));
        line.command("RecordPayment");
        line.field("sponsorship_id", id);
        line.field("amount", Amount(self.terms.monthly * u64::from(months)));
        line.field("first_month", first);
        line.field("months", months);
        line.field("received_on", on);
        event_id
    }

    pub(crate) fn reversal_line(&mut self, ctx: &Ctx, pending: &Pending, bucket: &mut Bucket) {
        let reasons = match pending.repay_on {
            Some(_) => REPAID_REVERSAL_REASONS,
            None => REVERSAL_REASONS,
        };
        let reason = reasons[self.rng.below(2) as usize];
        let mut buffer = uuid::Uuid::encode_buffer();
        let event_id = pending.event_id.hyphenated().encode_lower(&mut buffer);
        let mut line = bucket.line(pending.reverse_on, rank::REVERSAL);
        line.key(("reversal/", self.id(ctx), "/", pending.first));
        line.source((self.receipt(ctx, pending.first), "-R"));
        line.command("ReversePayment");
        line.field("event_id", &*event_id);
        line.field("reason", Text(reason));
        line.field("reversed_on", pending.reverse_on);
    }

    pub(crate) fn transfer_line(
        &self,
        ctx: &Ctx,
        to: u32,
        from: Month,
        on: Day,
        bucket: &mut Bucket,
    ) {
        let id = self.id(ctx);
        let mut line = bucket.line(on, rank::TRANSFER);
        line.key(("transfer/", id, "/", from))
            .source((self.letter(ctx), "-T"));
        line.command("TransferSponsorship");
        line.field("sponsorship_id", id);
        line.field("to_sponsor_id", Id::Sponsor(&ctx.label, to));
        line.field("from_month", from);
        line.field("transferred_on", on);
    }

    pub(crate) fn end_line(
        &mut self,
        ctx: &Ctx,
        last: Month,
        on: Day,
        for_child: bool,
        bucket: &mut Bucket,
    ) {
        let reasons = if for_child {
            CHILD_END_REASONS
        } else {
            SPONSOR_END_REASONS
        };
        let reason = reasons[self.rng.below(2) as usize];
        let id = self.id(ctx);
        let mut line = bucket.line(on, rank::END);
        line.key(("end/", id)).source((self.letter(ctx), "-E"));
        line.command("EndSponsorship");
        line.field("sponsorship_id", id);
        line.field("last_month", last);
        line.field("reason", Text(reason));
        line.field("ended_on", on);
    }
}
