//! Double-entry postings: the chart of accounts and the postings of every money event.
//!
//! Chart of accounts (debit-normal unless marked):
//!
//! | account | meaning |
//! |---|---|
//! | `funding:{source}` (credit-normal) | what a funding source has put into programmes |
//! | `budget:{programme}:{source}:available` | allocated and not yet committed |
//! | `budget:{programme}:{source}:committed` | committed by approvals, not yet disbursed |
//! | `budget:{programme}:{source}:disbursed` | paid out to households |
//! | `sponsor:{sponsor}:paid` (credit-normal) | what a sponsor has paid |
//! | `sponsorship:{sponsorship}:received` | what a child's sponsorship has received |
//!
//! | event | debit | credit |
//! |---|---|---|
//! | `BudgetAllocated` | available | funding |
//! | `AllocationReversed` | funding | available |
//! | `HousingSupportApproved` (per source part) | committed | available |
//! | `HousingSupportCancelled` (per source part) | available | committed |
//! | `HousingFundsDisbursed` | disbursed | committed |
//! | `DisbursementReversed` | committed | disbursed |
//! | `SponsorshipPaymentReceived` | sponsorship received | sponsor paid |
//! | `SponsorshipPaymentReversed` | sponsor paid | sponsorship received |
//!
//! **Invariant:** every event's debits equal its credits, so the trial balance of the
//! whole ledger is zero. [`Event::postings`] asserts it in debug builds.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

use crate::event::Event;
use crate::id::Id;
use crate::money::{Balance, Dong};

/// An account of the chart above.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Account {
    /// `funding:{source}`.
    Funding { source: Id },
    /// `budget:{programme}:{source}:available`.
    Available { programme: Id, source: Id },
    /// `budget:{programme}:{source}:committed`.
    Committed { programme: Id, source: Id },
    /// `budget:{programme}:{source}:disbursed`.
    Disbursed { programme: Id, source: Id },
    /// `sponsor:{sponsor}:paid`.
    SponsorPaid { sponsor: Id },
    /// `sponsorship:{sponsorship}:received`.
    SponsorshipReceived { sponsorship: Id },
}

impl fmt::Display for Account {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Account::Funding { source } => write!(out, "funding:{source}"),
            Account::Available { programme, source } => {
                write!(out, "budget:{programme}:{source}:available")
            }
            Account::Committed { programme, source } => {
                write!(out, "budget:{programme}:{source}:committed")
            }
            Account::Disbursed { programme, source } => {
                write!(out, "budget:{programme}:{source}:disbursed")
            }
            Account::SponsorPaid { sponsor } => write!(out, "sponsor:{sponsor}:paid"),
            Account::SponsorshipReceived { sponsorship } => {
                write!(out, "sponsorship:{sponsorship}:received")
            }
        }
    }
}

impl Serialize for Account {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Text that names no account (or names one ambiguously, when ids contain `:`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not an account: use funding:S, budget:P:S:available|committed|disbursed, sponsor:X:paid or sponsorship:X:received")]
pub struct AccountError(pub String);

impl FromStr for Account {
    type Err = AccountError;

    fn from_str(text: &str) -> Result<Account, AccountError> {
        let error = || AccountError(text.to_owned());
        let id = |part: &str| Id::parse(part).map_err(|_| error());
        let parts: Vec<&str> = text.split(':').collect();
        match parts.as_slice() {
            ["funding", source] => Ok(Account::Funding {
                source: id(source)?,
            }),
            ["sponsor", sponsor, "paid"] => Ok(Account::SponsorPaid {
                sponsor: id(sponsor)?,
            }),
            ["sponsorship", sponsorship, "received"] => Ok(Account::SponsorshipReceived {
                sponsorship: id(sponsorship)?,
            }),
            ["budget", programme, source, bucket] => {
                let (programme, source) = (id(programme)?, id(source)?);
                match *bucket {
                    "available" => Ok(Account::Available { programme, source }),
                    "committed" => Ok(Account::Committed { programme, source }),
                    "disbursed" => Ok(Account::Disbursed { programme, source }),
                    _ => Err(error()),
                }
            }
            _ => Err(error()),
        }
    }
}

/// Debit or credit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Debit (increases a debit-normal account).
    Debit,
    /// Credit.
    Credit,
}

/// One line of a journal entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Posting {
    /// The account.
    pub account: Account,
    /// Debit or credit.
    pub side: Side,
    /// The amount.
    pub amount: Dong,
}

impl Posting {
    /// The posting's effect on its account's balance (debits positive).
    pub fn signed(&self) -> Balance {
        match self.side {
            Side::Debit => Balance::debit(self.amount),
            Side::Credit => Balance::credit(self.amount),
        }
    }
}

/// A debit to `debit` and a credit to `credit` of the same amount.
fn transfer(debit: Account, credit: Account, amount: Dong) -> [Posting; 2] {
    [
        Posting {
            account: debit,
            side: Side::Debit,
            amount,
        },
        Posting {
            account: credit,
            side: Side::Credit,
            amount,
        },
    ]
}

fn budget_accounts(programme: &Id, source: &Id) -> (Account, Account, Account) {
    let (programme, source) = (programme.clone(), source.clone());
    (
        Account::Available {
            programme: programme.clone(),
            source: source.clone(),
        },
        Account::Committed {
            programme: programme.clone(),
            source: source.clone(),
        },
        Account::Disbursed { programme, source },
    )
}

/// True if the postings' debits equal their credits.
pub fn is_balanced(postings: &[Posting]) -> bool {
    postings
        .iter()
        .fold(Balance::ZERO, |sum, posting| sum + posting.signed())
        .is_zero()
}

impl Event {
    /// The event's journal entry: empty for events that move no money.
    pub fn postings(&self) -> Vec<Posting> {
        let postings: Vec<Posting> = match self {
            Event::BudgetAllocated(e) => {
                let (available, _, _) = budget_accounts(&e.programme_id, &e.source);
                let funding = Account::Funding {
                    source: e.source.clone(),
                };
                transfer(available, funding, e.amount).into()
            }
            Event::AllocationReversed(e) => {
                let (available, _, _) = budget_accounts(&e.programme_id, &e.source);
                let funding = Account::Funding {
                    source: e.source.clone(),
                };
                transfer(funding, available, e.amount).into()
            }
            Event::HousingSupportApproved(e) => e
                .funding
                .iter()
                .flat_map(|part| {
                    let (available, committed, _) = budget_accounts(&e.programme_id, &part.source);
                    transfer(committed, available, part.amount)
                })
                .collect(),
            Event::HousingSupportCancelled(e) => e
                .released
                .iter()
                .flat_map(|part| {
                    let (available, committed, _) = budget_accounts(&e.programme_id, &part.source);
                    transfer(available, committed, part.amount)
                })
                .collect(),
            Event::HousingFundsDisbursed(e) => {
                let (_, committed, disbursed) = budget_accounts(&e.programme_id, &e.source);
                transfer(disbursed, committed, e.amount).into()
            }
            Event::DisbursementReversed(e) => {
                let (_, committed, disbursed) = budget_accounts(&e.programme_id, &e.source);
                transfer(committed, disbursed, e.amount).into()
            }
            Event::SponsorshipPaymentReceived(e) => transfer(
                Account::SponsorshipReceived {
                    sponsorship: e.sponsorship_id.clone(),
                },
                Account::SponsorPaid {
                    sponsor: e.sponsor_id.clone(),
                },
                e.amount,
            )
            .into(),
            Event::SponsorshipPaymentReversed(e) => transfer(
                Account::SponsorPaid {
                    sponsor: e.sponsor_id.clone(),
                },
                Account::SponsorshipReceived {
                    sponsorship: e.sponsorship_id.clone(),
                },
                e.amount,
            )
            .into(),
            _ => Vec::new(),
        };
        debug_assert!(
            is_balanced(&postings),
            "unbalanced postings for {}",
            self.kind()
        );
        postings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_names_round_trip() {
        for text in [
            "funding:province",
            "budget:housing-2023:state:available",
            "budget:housing-2023:state:committed",
            "budget:housing-2023:state:disbursed",
            "sponsor:org-1:paid",
            "sponsorship:s-1:received",
        ] {
            let account: Account = text.parse().unwrap();
            assert_eq!(account.to_string(), text);
        }
        assert!("budget:a:b:c:available".parse::<Account>().is_err());
        assert!("cash".parse::<Account>().is_err());
    }
}
