//! `Ledger`: the in-memory state every decision and projection reads, built by folding
//! recorded events with [`Ledger::apply`].
//!
//! State is proportional to entities, not events (apart from small per-entity lists such
//! as a sponsorship's payments). Entities refer to each other by dense `u32` indexes.
//! `apply` never fails: it trusts that events were produced by `decide`, and an event
//! whose references are missing (possible only in a partial replay) is counted in
//! [`Ledger::ignored_events`] and otherwise skipped.

mod geography;
mod horizon;
mod households;
mod housing;
mod jobs;
mod pairs;
mod pledges;
mod poverty_counts;
mod programmes;
mod registry;
mod sorted;
mod sponsorship;

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

pub use geography::{Unit, UnitId, Units};
pub use horizon::{Horizon, Stamp};
pub use households::{Household, StandardStatus};
pub use housing::{DisbursementRecord, Support, SupportPart};
pub use jobs::{JobsReport, JobsYear};
pub(crate) use pledges::whole_dong;
pub use pledges::{Pledge, PledgeSponsors, PledgeSums, SharedSegments};
pub use poverty_counts::PovertyCounts;
pub use programmes::{AllocationRecord, BookCell, BookKey, Programme, SourceBudget, Standard};
pub use registry::Registry;
pub use sorted::with_sorted_maps;
pub(crate) use sponsorship::{schedule_in_force, split_by_segments};
pub use sponsorship::{Child, PaymentRecord, Segment, Sponsor, Sponsorship};

use crate::envelope::{Envelope, RecordedEvent};
use crate::event::Event;

/// A map for the ledger's indexes, which every event of a replay looks up or grows. foldhash
/// instead of std's SipHash: several times faster on short ids and UUIDs, and still seeded
/// per map, so keys chosen by a caller cannot be aimed at collisions known in advance. The
/// maps serialise as before (entries of a map), so snapshots keep their form.
pub(crate) type FastHashMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Which reversible (money) event an `event_id` names, and where its record lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reversible {
    /// A `BudgetAllocated`: programme index and allocation record index.
    Allocation { programme: u32, record: u32 },
    /// A `HousingFundsDisbursed`: support index and disbursement record index.
    Disbursement { support: u32, record: u32 },
    /// A `SponsorshipPaymentReceived`: sponsorship index and payment record index.
    Payment { sponsorship: u32, record: u32 },
}

impl Reversible {
    /// The kind name of the event it stands for.
    pub fn kind(&self) -> &'static str {
        match self {
            Reversible::Allocation { .. } => "BudgetAllocated",
            Reversible::Disbursement { .. } => "HousingFundsDisbursed",
            Reversible::Payment { .. } => "SponsorshipPaymentReceived",
        }
    }
}

/// The version of what [`Ledger`] folds, stamped on every stored snapshot of it. A snapshot
/// of another format is ignored (the log is replayed instead), so this **must be bumped**
/// whenever a change makes a fold of the same events come out differently: a new or renamed
/// field in any state type, a new event handled, a rule in `apply` changed. Forgetting it
/// leaves servers starting from a stale state that a full replay would not produce.
pub const SNAPSHOT_FORMAT: u32 = 22;

/// The whole state of the ledger. Serializable so that a snapshot of it can stand in for a
/// replay of the log up to a position (see [`SNAPSHOT_FORMAT`]).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Ledger {
    /// The latest `occurred_on` of any event folded in. First among the fields on purpose:
    /// postcard keeps field order, so a snapshot body starts with it and an `as_of` replay can
    /// tell from a body's first bytes whether the snapshot holds anything that occurred after
    /// its date ([`Ledger::latest_occurred_on`]).
    pub(crate) latest_occurred_on: Option<NaiveDate>,
    #[serde(serialize_with = "sorted::serialize")]
    pub(crate) streams: FastHashMap<String, u64>,
    pub(crate) last_position: u64,
    pub(crate) ignored_events: u64,
    pub(crate) units: Units,
    pub(crate) standards: Registry<Standard>,
    pub(crate) programmes: Registry<Programme>,
    pub(crate) households: Registry<Household>,
    /// `households` counted per standard by date, for the annual report (`poverty_counts.rs`).
    pub(crate) poverty_counts: PovertyCounts,
    pub(crate) supports: Registry<Support>,
    pub(crate) children: Registry<Child>,
    pub(crate) sponsors: Registry<Sponsor>,
    pub(crate) sponsorships: Registry<Sponsorship>,
    /// `sponsorships` packed for the answers that visit them all (`pledges.rs`).
    pub(crate) pledges: Vec<Pledge>,
    pub(crate) shared_segments: SharedSegments,
    pub(crate) pledge_sums: PledgeSums,
    pub(crate) pledge_sums_by_programme: Vec<PledgeSums>,
    pub(crate) jobs: BTreeMap<i32, JobsYear>,
    #[serde(serialize_with = "sorted::serialize")]
    pub(crate) reversible: FastHashMap<Uuid, Reversible>,
}

impl Ledger {
    /// An empty ledger.
    pub fn new() -> Ledger {
        Ledger::default()
    }

    /// The current version of `stream` (0 if it has no events yet), for appending with
    /// an expected version.
    pub fn stream_version(&self, stream: &str) -> u64 {
        self.streams.get(stream).copied().unwrap_or(0)
    }

    /// The latest business date of any event folded in. A ledger folded over a prefix of the
    /// log whose events all occurred on or before a date D is also that prefix replayed `as_of`
    /// D: the valid-time filter keeps every event.
    pub fn latest_occurred_on(&self) -> Option<NaiveDate> {
        self.latest_occurred_on
    }

    /// The position of the last applied event (0 if none).
    pub fn last_position(&self) -> u64 {
        self.last_position
    }

    /// Events skipped because they referred to entities this ledger does not hold.
    pub fn ignored_events(&self) -> u64 {
        self.ignored_events
    }

    /// Folds one recorded event into the state.
    pub fn apply(&mut self, recorded: &RecordedEvent) {
        self.apply_in(&Envelope::from(recorded), &recorded.event);
    }

    /// Folds in `event` recorded under `envelope`: [`Ledger::apply`] without a
    /// [`RecordedEvent`] to hold them together.
    pub fn apply_in(&mut self, envelope: &Envelope<'_>, event: &Event) {
        match self.streams.get_mut(envelope.stream) {
            Some(version) => *version = (*version).max(envelope.stream_version),
            None => {
                self.streams
                    .insert(envelope.stream.to_owned(), envelope.stream_version);
            }
        }
        self.last_position = self.last_position.max(envelope.position);
        self.latest_occurred_on = self.latest_occurred_on.max(Some(envelope.occurred_on));
        let applied = self.apply_event(event, envelope.event_id);
        if !applied {
            self.ignored_events += 1;
        }
    }

    /// Applies the fact; false if a reference was missing.
    fn apply_event(&mut self, event: &Event, event_id: Uuid) -> bool {
        use Event as E;
        match event {
            E::UnitRegistered(e) => self.units.apply_registered(e, self.last_position),
            E::UnitsMerged(e) => {
                let stamp = self.stamp(e.effective_on);
                self.units.apply_merged(e, stamp)
            }
            E::PovertyStandardRegistered(e) => self.apply_standard_registered(e),
            E::ProgrammeOpened(e) => self.apply_programme_opened(e),
            E::BudgetAllocated(e) => self.apply_budget_allocated(e, event_id),
            E::AllocationReversed(e) => self.apply_allocation_reversed(e),
            E::HousingSupportApproved(e) => self.apply_support_approved(e),
            E::HouseholdRegistered(e) => self.apply_household_registered(e),
            E::HouseholdClassified(e) => self.apply_household_classified(e),
            E::HouseholdLeftNearPoverty(e) => self.apply_left_near_poverty(e),
            E::HousingFundsDisbursed(e) => self.apply_funds_disbursed(e, event_id),
            E::DisbursementReversed(e) => self.apply_disbursement_reversed(e),
            E::HousingWorksStarted(e) => {
                let stamp = self.stamp(e.started_on);
                self.with_support(&e.support_id, |support| {
                    support.started = Some(stamp);
                })
            }
            E::HouseBuilt(e) => {
                let stamp = self.stamp(e.completed_on);
                self.with_support(&e.support_id, |support| {
                    support.complete(stamp, e.completed_on);
                })
            }
            E::HouseRepaired(e) => {
                let stamp = self.stamp(e.completed_on);
                self.with_support(&e.support_id, |support| {
                    support.complete(stamp, e.completed_on);
                })
            }
            E::CompletionDateCorrected(e) => {
                let stamp = self.stamp(e.corrected_on);
                self.with_support(&e.support_id, |support| {
                    support.complete(stamp, e.completed_on);
                })
            }
            E::HousingSupportCancelled(e) => self.apply_support_cancelled(e),
            E::ChildRegistered(e) => self.apply_child_registered(e),
            E::SponsorRegistered(e) => self.apply_sponsor_registered(e),
            E::ChildSponsored(e) => self.apply_child_sponsored(e),
            E::SponsorshipPaymentReceived(e) => self.apply_payment_received(e, event_id),
            E::SponsorshipPaymentReversed(e) => self.apply_payment_reversed(e),
            E::SponsorshipTransferred(e) => self.apply_transferred(e),
            E::SponsorshipEnded(e) => self.apply_ended(e),
            E::JobsTargetSet(e) => self.apply_jobs_target_set(e),
            E::JobsCreated(e) => self.apply_jobs_created(e),
        }
    }

    /// Read access to the units.
    pub fn units(&self) -> &Units {
        &self.units
    }

    /// Read access to the programmes.
    pub fn programmes(&self) -> &Registry<Programme> {
        &self.programmes
    }

    /// Read access to the housing supports.
    pub fn supports(&self) -> &Registry<Support> {
        &self.supports
    }

    /// Read access to the households.
    pub fn households(&self) -> &Registry<Household> {
        &self.households
    }

    /// Households per standard counted by date.
    pub fn poverty_counts(&self) -> &PovertyCounts {
        &self.poverty_counts
    }

    /// Read access to the poverty standards.
    pub fn standards(&self) -> &Registry<Standard> {
        &self.standards
    }

    /// Read access to the children.
    pub fn children(&self) -> &Registry<Child> {
        &self.children
    }

    /// Read access to the sponsors.
    pub fn sponsors(&self) -> &Registry<Sponsor> {
        &self.sponsors
    }

    /// Read access to the sponsorships.
    pub fn sponsorships(&self) -> &Registry<Sponsorship> {
        &self.sponsorships
    }

    /// Read access to the jobs years.
    pub fn jobs_years(&self) -> &BTreeMap<i32, JobsYear> {
        &self.jobs
    }

    /// True if a replay of the events that occurred by `as_of` holds `sponsorship`: it was
    /// pledged by then, and its programme, child and pledging sponsor had occurred too (a
    /// replay skips a pledge whose references it has not folded).
    pub fn sponsorship_occurred_by(&self, sponsorship: &Sponsorship, as_of: NaiveDate) -> bool {
        sponsorship.sponsored_on <= as_of
            && self
                .programmes
                .at(sponsorship.programme)
                .is_some_and(|programme| programme.opened_on <= as_of)
            && self
                .children
                .at(sponsorship.child)
                .is_some_and(|child| child.registered_on <= as_of)
            && self.sponsor_registered_by(sponsorship.pledged_sponsor, as_of)
    }

    /// True if a replay to the horizon holds `sponsorship`: the horizon sees the pledge, and
    /// its programme, child and pledging sponsor occurred by `as_of` (they lie earlier in the
    /// log).
    pub fn sponsorship_within(&self, sponsorship: &Sponsorship, horizon: Horizon) -> bool {
        sponsorship.position <= horizon.upto
            && self.sponsorship_occurred_by(sponsorship, horizon.as_of)
    }

    /// True if sponsor `index` was registered by `as_of`.
    pub fn sponsor_registered_by(&self, index: u32, as_of: NaiveDate) -> bool {
        self.sponsors
            .at(index)
            .is_some_and(|sponsor| sponsor.registered_on <= as_of)
    }

    /// What a reversible event id refers to.
    pub fn reversible(&self, event_id: &Uuid) -> Option<Reversible> {
        self.reversible.get(event_id).copied()
    }
}

/// The value the last entry (in log order) the horizon sees gave, from a history of (when it
/// occurred and where in the log, value): what a replay to the horizon would hold.
pub(crate) fn last_given_by<T: Copy>(
    history: &[(Stamp, T)],
    horizon: impl Into<Horizon>,
) -> Option<T> {
    let horizon = horizon.into();
    history
        .iter()
        .rev()
        .find(|(stamp, _)| horizon.sees_stamp(*stamp))
        .map(|(_, value)| *value)
}

impl Ledger {
    /// The stamp of the event being applied, dated `on`: positions only grow, so the last
    /// position is the current event's while [`Ledger::apply`] runs.
    pub(crate) fn stamp(&self, on: NaiveDate) -> Stamp {
        Stamp {
            on,
            position: self.last_position,
        }
    }
}

/// Builds a ledger from `events` (in position order), applying only those that occurred
/// on or before `as_of` and were recorded at or before `known_at`.
pub fn replay<'a>(
    events: impl IntoIterator<Item = &'a RecordedEvent>,
    as_of: Option<NaiveDate>,
    known_at: Option<DateTime<Utc>>,
) -> Ledger {
    let mut ledger = Ledger::new();
    for recorded in events {
        if recorded.is_visible(as_of, known_at) {
            ledger.apply(recorded);
        }
    }
    ledger
}
