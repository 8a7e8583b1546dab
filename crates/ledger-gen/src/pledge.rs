//! One sponsorship (a pledge for a child) as it runs month by month: the pledge, then
//! payments in the sponsor's habit (monthly, quarterly or yearly ahead, or every two
//! months in arrears), now and then a payment reversed (and usually paid again), and for
//! some pledges trouble: the sponsor stops paying, and the ward later transfers the child
//! to another sponsor, ends the pledge early, or leaves the arrears standing; a few
//! pledges end early for the child's sake.
//!
//! The cursor keeps the domain's rules by construction: a payment covers unpaid months of
//! the current sponsor only, from the next unpaid month on (no month twice); a transfer
//! starts after every paid month; an early end keeps every paid month; nothing is
//! transferred or ended while a reversal is pending. The lines: [`crate::pledge_lines`].

use crate::calendar::{Day, Month};
use crate::line::Bucket;
use crate::region::Ctx;
use crate::rng::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Habit {
    Monthly,
    Quarterly,
    Yearly,
    /// Every second month, for the two months just past.
    InArrears,
}

impl Habit {
    pub fn draw(rng: &mut Rng) -> Habit {
        let habits = [
            Habit::Monthly,
            Habit::Quarterly,
            Habit::Yearly,
            Habit::InArrears,
        ];
        habits[rng.weighted(&[40, 30, 5, 25])]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Then {
    Transfer,
    EndBySponsor,
    EndForChild,
    Nothing,
}

/// The sponsor stops paying from `from`; in month `act` the ward does `then`.
#[derive(Debug, Clone, Copy)]
pub struct Trouble {
    pub from: Month,
    pub act: Month,
    pub then: Then,
}

/// A payment to be reversed on `reverse_on`, and paid again on `repay_on` if ever.
#[derive(Debug, Clone, Copy)]
pub struct Pending {
    pub first: Month,
    pub months: u32,
    pub event_id: uuid::Uuid,
    pub reverse_on: Day,
    pub repay_on: Option<Day>,
    pub reversed: bool,
}

/// What is fixed when the pledge is made.
#[derive(Debug, Clone, Copy)]
pub struct Terms {
    pub child: u32,
    /// 1 for a child's first pledge, 2 for the second.
    pub n: u8,
    /// The programme's year.
    pub year: i32,
    pub sponsored: Day,
    pub monthly: u64,
    pub first: Month,
    /// The schedule's last month (18th birthday or fixed length).
    pub last: Month,
    pub fixed: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct Pledge {
    pub terms: Terms,
    pub sponsor: u32,
    pub habit: Habit,
    pub trouble: Option<Trouble>,
    pub rng: Rng,
    pub next_due: Month,
    pub paid_to: Option<Month>,
    pub segment_from: Month,
    pub ended: bool,
    pub pending: Option<Pending>,
}

impl Pledge {
    pub fn new(terms: Terms, sponsor: u32, mut rng: Rng) -> Pledge {
        let habit = Habit::draw(&mut rng);
        let roll = rng.below(1000);
        let first = terms.first;
        let trouble = if roll < 200 {
            let from = first.plus(rng.between(2, 30));
            let then = [Then::Transfer, Then::EndBySponsor, Then::Nothing];
            let then = then[rng.weighted(&[45, 35, 20])];
            let act = from.plus(rng.between(2, 6));
            Some(Trouble { from, act, then })
        } else if roll < 240 {
            let from = first.plus(rng.between(6, 36));
            let then = Then::EndForChild;
            Some(Trouble {
                from,
                act: from,
                then,
            })
        } else {
            None
        };
        Pledge {
            terms,
            sponsor,
            habit,
            trouble,
            rng,
            next_due: first,
            paid_to: None,
            segment_from: first,
            ended: false,
            pending: None,
        }
    }

    /// Writes this pledge's lines dated in `month`. `sponsors` are the region's sponsors'
    /// registration dates in id order (which is registration order).
    pub fn emit(&mut self, ctx: &Ctx, sponsors: &[Day], month: Month, bucket: &mut Bucket) {
        if month == self.terms.sponsored.month() {
            self.pledge_line(ctx, bucket);
        }
        if self.ended || month < self.terms.sponsored.month() {
            return;
        }
        self.settle(ctx, month, bucket);
        if let Some(trouble) = self.trouble.filter(|t| t.act == month) {
            if self.pending.is_some() {
                // Settle the reversal first: act next month.
                self.trouble = Some(Trouble {
                    act: month.plus(1),
                    ..trouble
                });
            } else {
                self.act(ctx, sponsors, trouble, month, bucket);
            }
        }
        if !self.ended {
            self.pay(ctx, month, bucket);
            // A payment made this month may be reversed (and paid again) this month too.
            self.settle(ctx, month, bucket);
        }
    }

    /// The pending reversal and repayment falling in `month`.
    fn settle(&mut self, ctx: &Ctx, month: Month, bucket: &mut Bucket) {
        let Some(mut pending) = self.pending else {
            return;
        };
        if !pending.reversed && pending.reverse_on.month() == month {
            self.reversal_line(ctx, &pending, bucket);
            pending.reversed = true;
        }
        self.pending = match pending.repay_on {
            Some(on) if pending.reversed && on.month() == month => {
                let (first, months) = (pending.first, pending.months);
                self.repayment_line(ctx, first, months, on, bucket);
                None
            }
            None if pending.reversed => None,
            _ => Some(pending),
        };
    }

    /// The ward's response to a sponsor who stopped paying. Unless it transfers or ends the
    /// pledge, the trouble stays: the sponsor keeps not paying.
    fn act(
        &mut self,
        ctx: &Ctx,
        sponsors: &[Day],
        trouble: Trouble,
        month: Month,
        bucket: &mut Bucket,
    ) {
        if month > self.terms.last {
            return; // the schedule ran out first (the child turned 18)
        }
        let on = month.day(5 + self.rng.below(20) as u32);
        match trouble.then {
            Then::Transfer => {
                let from = month
                    .plus(1)
                    .max(self.next_due)
                    .max(self.segment_from.plus(1));
                let eligible = sponsors.partition_point(|registered| *registered <= on) as u64;
                if from > self.terms.last || eligible < 2 {
                    return;
                }
                let mut to = self.rng.below(eligible) as u32;
                if to == self.sponsor {
                    to = (to + 1) % eligible as u32;
                }
                self.transfer_line(ctx, to, from, on, bucket);
                self.sponsor = to;
                self.segment_from = from;
                self.next_due = from;
                self.habit = Habit::draw(&mut self.rng);
                self.trouble = None;
            }
            Then::EndBySponsor | Then::EndForChild => {
                let paid = self.paid_to.unwrap_or(self.terms.first);
                let last_month = paid.max(month.plus(-1)).max(self.terms.first);
                let for_child = trouble.then == Then::EndForChild;
                self.end_line(ctx, last_month.min(self.terms.last), on, for_child, bucket);
                self.ended = true;
                self.trouble = None;
            }
            Then::Nothing => {}
        }
    }

    /// The habit's payment in `month`, if one is due.
    fn pay(&mut self, ctx: &Ctx, month: Month, bucket: &mut Bucket) {
        let stopped = self.trouble.is_some_and(|t| month >= t.from);
        let phase = self.segment_from.months_until(month);
        let done = self.next_due > self.terms.last;
        if stopped || done || month < self.terms.first || phase < 0 {
            return;
        }
        let (due, upto, day) = match self.habit {
            Habit::Monthly => (true, month, 1),
            Habit::Quarterly => (phase % 3 == 0, month.plus(2), 1),
            Habit::Yearly => (phase % 12 == 0, month.plus(11), 1),
            Habit::InArrears => (phase % 2 == 1, month, 15),
        };
        let upto = upto.min(self.terms.last);
        if !due || self.next_due > upto {
            return;
        }
        let first = self.next_due;
        let months = first.months_until(upto) as u32 + 1;
        let day = month.day(day + self.rng.below(10) as u32);
        let received = day.max(self.terms.sponsored).min(month.last_day());
        // About one payment in 170 is reversed later; only those need their event's id
        // (a SHA-1 of the key: too dear to compute for every payment).
        let reversed_later = self.pending.is_none() && self.rng.chance(6);
        let event_id = self.payment_line(ctx, first, months, received, reversed_later, bucket);
        self.next_due = upto.plus(1);
        self.paid_to = Some(upto);
        if let Some(event_id) = event_id {
            let reverse_on = received.plus(self.rng.between(2, 12));
            let repay_on = self
                .rng
                .chance(800)
                .then(|| reverse_on.plus(self.rng.between(3, 20)));
            let reversed = false;
            self.pending = Some(Pending {
                first,
                months,
                event_id,
                reverse_on,
                repay_on,
                reversed,
            });
        }
    }
}
