//! Accounts: balances derived from the ledger, the trial balance, and any account's
//! statement (a fold over the recorded events, since statements list every posting).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::envelope::RecordedEvent;
use crate::ledger::{Horizon, Ledger, PaymentRecord, Sponsorship};
use crate::money::{Balance, Dong};
use crate::posting::{Account, Side};
use crate::projection::budget::{budget_summary, budget_summary_as_of, BudgetSummary};

/// An account's balance (debits − credits).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountBalance {
    /// The account.
    pub account: Account,
    /// Debits − credits.
    pub balance: Balance,
}

fn add(balances: &mut BTreeMap<Account, Balance>, account: Account, amount: Balance) {
    *balances.entry(account).or_default() += amount;
}

/// Every account's balance, computed from the ledger's state (not from postings); the
/// property tests check it equals the sum of all postings. Sorted by account.
pub fn account_balances(ledger: &Ledger) -> Vec<AccountBalance> {
    let sponsorships = ledger.sponsorships().iter().map(|(_, s)| s);
    let payments = sponsorships.map(|s| (s, s.live_payments()));
    balances_of(ledger, budget_summary(ledger), payments)
}

/// [`account_balances`] of the ledger replayed `as_of` a past date or up to a past position,
/// worked out from the live ledger: the budget accounts from [`budget_summary_as_of`], the
/// sponsorship accounts from the payments the horizon sees and not their reversals, of
/// sponsorships and sponsors that occurred by then (the same facts
/// [`crate::projection::sponsorship::totals_as_of`] counts).
pub fn account_balances_as_of(ledger: &Ledger, as_of: impl Into<Horizon>) -> Vec<AccountBalance> {
    let horizon = as_of.into();
    let known = move |sponsor: u32| ledger.sponsor_registered_by(sponsor, horizon.as_of);
    let sponsorships = ledger.sponsorships().iter().map(|(_, s)| s);
    let payments = sponsorships
        .filter(|s| s.position <= horizon.upto && ledger.sponsorship_occurred_by(s, horizon.as_of))
        .map(|s| {
            let counted = s.payments.iter();
            let counted = counted.filter(move |p| p.counts_within(horizon) && known(p.sponsor));
            (s, counted)
        });
    balances_of(ledger, budget_summary_as_of(ledger, horizon), payments)
}

/// The balances of the four budget accounts of every programme × source in `budgets`, and of
/// the two sponsorship accounts of each sponsorship and sponsor with `payments`.
fn balances_of<'a, P>(
    ledger: &Ledger,
    budgets: Vec<BudgetSummary>,
    payments: impl Iterator<Item = (&'a Sponsorship, P)>,
) -> Vec<AccountBalance>
where
    P: Iterator<Item = &'a PaymentRecord>,
{
    let mut balances = BTreeMap::new();
    for budget in budgets {
        let (programme, source) = (budget.programme_id, budget.source);
        add(
            &mut balances,
            Account::Funding {
                source: source.clone(),
            },
            Balance::credit(budget.allocated),
        );
        let available = Account::Available {
            programme: programme.clone(),
            source: source.clone(),
        };
        add(
            &mut balances,
            available,
            budget.allocated.minus(budget.committed),
        );
        let committed = Account::Committed {
            programme: programme.clone(),
            source: source.clone(),
        };
        add(
            &mut balances,
            committed,
            budget.committed.minus(budget.disbursed),
        );
        add(
            &mut balances,
            Account::Disbursed { programme, source },
            Balance::debit(budget.disbursed),
        );
    }
    // Sum per sponsorship and per sponsor first, so a ledger with millions of payments
    // builds each account name once.
    let mut paid_by_sponsor: Vec<Option<Dong>> = vec![None; ledger.sponsors().len()];
    for (sponsorship, payments) in payments {
        let mut received: Option<Dong> = None;
        for payment in payments {
            received = Some(
                received
                    .unwrap_or(Dong::ZERO)
                    .saturating_add(payment.amount),
            );
            if let Some(slot) = paid_by_sponsor.get_mut(payment.sponsor as usize) {
                *slot = Some(slot.unwrap_or(Dong::ZERO).saturating_add(payment.amount));
            }
        }
        if let Some(received) = received {
            let account = Account::SponsorshipReceived {
                sponsorship: sponsorship.id.clone(),
            };
            add(&mut balances, account, Balance::debit(received));
        }
    }
    for ((_, sponsor), paid) in ledger.sponsors().iter().zip(paid_by_sponsor) {
        if let Some(paid) = paid {
            let account = Account::SponsorPaid {
                sponsor: sponsor.id.clone(),
            };
            add(&mut balances, account, Balance::credit(paid));
        }
    }
    balances
        .into_iter()
        .map(|(account, balance)| AccountBalance { account, balance })
        .collect()
}

/// One row of the trial balance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrialBalanceRow {
    /// The account.
    pub account: Account,
    /// Its balance if on the debit side, else 0.
    pub debit: Dong,
    /// Its balance if on the credit side, else 0.
    pub credit: Dong,
}

/// The trial balance: debit and credit balances of every account, and their difference
/// (always zero).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrialBalance {
    /// Every account.
    pub rows: Vec<TrialBalanceRow>,
    /// Sum of debit balances.
    pub total_debit: Dong,
    /// Sum of credit balances.
    pub total_credit: Dong,
    /// Total debit − total credit: zero.
    pub difference: Balance,
}

/// Splits a signed balance into its debit and credit sides.
fn sides(balance: Balance) -> (Dong, Dong) {
    let value = balance.as_decimal();
    let magnitude = Dong::try_from(value.abs()).unwrap_or(Dong::MAX);
    if value.is_sign_negative() {
        (Dong::ZERO, magnitude)
    } else {
        (magnitude, Dong::ZERO)
    }
}

/// The trial balance of the whole ledger.
pub fn trial_balance(ledger: &Ledger) -> TrialBalance {
    trial_balance_of(account_balances(ledger))
}

/// [`trial_balance`] of the ledger replayed `as_of` a past date or up to a past position, from
/// the live ledger (see [`account_balances_as_of`]).
pub fn trial_balance_as_of(ledger: &Ledger, as_of: impl Into<Horizon>) -> TrialBalance {
    trial_balance_of(account_balances_as_of(ledger, as_of))
}

fn trial_balance_of(balances: Vec<AccountBalance>) -> TrialBalance {
    let mut total = Balance::ZERO;
    let (mut total_debit, mut total_credit) = (Dong::ZERO, Dong::ZERO);
    let rows = balances
        .into_iter()
        .map(|row| {
            total += row.balance;
            let (debit, credit) = sides(row.balance);
            total_debit = total_debit.saturating_add(debit);
            total_credit = total_credit.saturating_add(credit);
            TrialBalanceRow {
                account: row.account,
                debit,
                credit,
            }
        })
        .collect();
    debug_assert!(total.is_zero(), "trial balance is off by {total}");
    TrialBalance {
        rows,
        total_debit,
        total_credit,
        difference: total,
    }
}

/// One posting in an account's statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementLine {
    /// The event's global position.
    pub position: u64,
    /// The event's id.
    pub event_id: Uuid,
    /// The event's kind.
    pub kind: &'static str,
    /// The business date.
    pub occurred_on: NaiveDate,
    /// Debit or credit.
    pub side: Side,
    /// The amount.
    pub amount: Dong,
    /// The balance after this posting (debits − credits).
    pub balance: Balance,
}

/// An account's statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    /// The account.
    pub account: Account,
    /// Its postings in position order.
    pub lines: Vec<StatementLine>,
    /// The balance after the last line.
    pub closing_balance: Balance,
}

impl Statement {
    /// An empty statement of `account`, to be fed events with [`Statement::apply`].
    pub fn new(account: Account) -> Statement {
        Statement {
            account,
            lines: Vec::new(),
            closing_balance: Balance::ZERO,
        }
    }

    /// Adds the event's postings to this account, if any.
    pub fn apply(&mut self, recorded: &RecordedEvent) {
        for posting in recorded.event.postings() {
            if posting.account != self.account {
                continue;
            }
            self.closing_balance += posting.signed();
            self.lines.push(StatementLine {
                position: recorded.position,
                event_id: recorded.event_id,
                kind: recorded.event.kind(),
                occurred_on: recorded.occurred_on,
                side: posting.side,
                amount: posting.amount,
                balance: self.closing_balance,
            });
        }
    }
}

/// The statement of `account` over `events` (in position order) visible `as_of` and
/// `known_at`.
pub fn statement<'a>(
    events: impl IntoIterator<Item = &'a RecordedEvent>,
    account: &Account,
    as_of: Option<NaiveDate>,
    known_at: Option<DateTime<Utc>>,
) -> Statement {
    let mut statement = Statement::new(account.clone());
    for recorded in events {
        if recorded.is_visible(as_of, known_at) {
            statement.apply(recorded);
        }
    }
    statement
}
