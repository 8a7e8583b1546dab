//! Property tests over random valid histories: replay is deterministic, books always
//! balance, a reversal reads as if the reversed fact never happened, and `as_of` /
//! `known_at` equal replaying only the events that occurred / were recorded by then.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration};
use ledger_domain::event::{Event, PovertyStatus};
use ledger_domain::ledger::{Horizon, PledgeSponsors};
use ledger_domain::money::Balance;
use ledger_domain::money::Dong;
use ledger_domain::posting::Account;
use ledger_domain::projection::accounts::{account_balances, trial_balance, trial_balance_as_of};
use ledger_domain::projection::annual::{annual_report, annual_report_as_of, annual_report_within};
use ledger_domain::projection::budget::{
    budget_book, budget_book_as_of, budget_summary, budget_summary_as_of, BudgetFilter,
    BudgetSummary,
};
use ledger_domain::projection::housing::{
    housing_progress, housing_progress_as_of, housing_progress_within,
};
use ledger_domain::projection::sponsorship::{
    by_child, by_child_within, by_programme, by_programme_within, by_sponsor, by_sponsor_within,
    by_unit, by_unit_within, in_arrears, in_arrears_within, sponsorships, sponsorships_within,
    totals, totals_as_of, totals_within, turning_18_as_known, turning_18_within,
};
use ledger_domain::projection::{housing, jobs, poverty, UnitGrouping};
use ledger_domain::schedule::Schedule;
use ledger_domain::{replay, Ledger, RecordedEvent};
use proptest::prelude::*;

use crate::helpers::*;

mod ops;

use ops::{op, ops_start, run};

fn non_zero_balances(ledger: &Ledger) -> BTreeMap<Account, Balance> {
    account_balances(ledger)
        .into_iter()
        .filter(|row| !row.balance.is_zero())
        .map(|row| (row.account, row.balance))
        .collect()
}

fn non_zero_summary(ledger: &Ledger) -> Vec<BudgetSummary> {
    let mut rows = budget_summary(ledger);
    rows.retain(|row| {
        !(row.allocated.is_zero() && row.committed.is_zero() && row.disbursed.is_zero())
    });
    rows
}

/// The projection outputs a reversal must leave as if the reversed event never was.
fn money_views(ledger: &Ledger) -> impl PartialEq + std::fmt::Debug {
    let on = d("2024-06-15");
    (
        budget_book(ledger, &BudgetFilter::default(), UnitGrouping::AsRecorded),
        non_zero_summary(ledger),
        non_zero_balances(ledger),
        housing_progress(ledger, on),
        sponsorships(ledger, on),
        by_sponsor(ledger, on),
        totals(ledger, on),
    )
}

fn reversed_id(event: &Event) -> Option<uuid::Uuid> {
    match event {
        Event::AllocationReversed(e) => Some(e.allocation_event_id),
        Event::DisbursementReversed(e) => Some(e.disbursement_event_id),
        Event::SponsorshipPaymentReversed(e) => Some(e.payment_event_id),
        _ => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn replaying_any_valid_sequence_twice_gives_equal_state(ops in proptest::collection::vec(op(), 1..60)) {
        let (s, _) = run(&ops);
        let first = replay(&s.log, None, None);
        let second = replay(&s.log, None, None);
        prop_assert_eq!(&first, &second);
        prop_assert_eq!(&first, &s.ledger);
        prop_assert_eq!(first.ignored_events(), 0);
    }

    #[test]
    fn the_trial_balance_is_always_zero_and_matches_the_postings(ops in proptest::collection::vec(op(), 1..60)) {
        let (s, _) = run(&ops);
        let mut from_postings: BTreeMap<Account, Balance> = BTreeMap::new();
        for recorded in &s.log {
            let postings = recorded.event.postings();
            prop_assert!(ledger_domain::posting::is_balanced(&postings));
            for posting in postings {
                *from_postings.entry(posting.account.clone()).or_default() += posting.signed();
            }
        }
        from_postings.retain(|_, balance| !balance.is_zero());
        prop_assert_eq!(non_zero_balances(&s.ledger), from_postings);
        let trial = ledger_domain::projection::accounts::trial_balance(&s.ledger);
        prop_assert!(trial.difference.is_zero());
        prop_assert_eq!(trial.total_debit, trial.total_credit);
    }

    #[test]
    fn a_projection_after_a_reversal_equals_the_projection_without_the_reversed_event(
        ops in proptest::collection::vec(op(), 1..60),
    ) {
        let (s, _) = run(&ops);
        let reversals: Vec<(uuid::Uuid, uuid::Uuid)> = s
            .log
            .iter()
            .filter_map(|e| Some((e.event_id, reversed_id(&e.event)?)))
            .collect();
        let full = money_views(&s.ledger);
        for (reversal, original) in reversals {
            let without: Vec<&RecordedEvent> =
                s.log.iter().filter(|e| e.event_id != reversal && e.event_id != original).collect();
            let ledger = replay(without, None, None);
            prop_assert_eq!(&money_views(&ledger), &full);
        }
    }

    #[test]
    fn as_of_a_date_equals_replaying_only_events_that_occurred_by_then(
        ops in proptest::collection::vec(op(), 1..60),
        day in 0..200i64,
    ) {
        let (s, snapshots) = run(&ops);
        let date = ops_start() + Duration::days(day);
        let as_of = replay(&s.log, Some(date), None);
        let filtered: Vec<&RecordedEvent> = s.log.iter().filter(|e| e.occurred_on <= date).collect();
        prop_assert_eq!(&as_of, &replay(filtered, None, None));
        // Business dates of the ops never decrease, so the same state existed during the run.
        let ops_by_then = ((day / 3) + 1).min(ops.len() as i64) as usize;
        prop_assert_eq!(&as_of, &snapshots[ops_by_then - 1]);
    }

    #[test]
    fn the_budget_summary_as_of_a_date_equals_the_summary_of_the_replay_to_it(
        ops in proptest::collection::vec(op(), 1..80),
        day in 0..260i64,
    ) {
        let (s, _) = run(&ops);
        let date = ops_start() + Duration::days(day);
        let replayed = replay(&s.log, Some(date), None);
        prop_assert_eq!(budget_summary_as_of(&s.ledger, date), budget_summary(&replayed), "as of {}", date);
    }

    #[test]
    fn the_budget_book_as_of_a_date_equals_the_book_of_the_replay_to_it(
        ops in proptest::collection::vec(op(), 1..80),
        day in 0..260i64,
        current in any::<bool>(),
    ) {
        let (s, _) = run(&ops);
        let date = ops_start() + Duration::days(day);
        let grouping = if current { UnitGrouping::CurrentOn(date) } else { UnitGrouping::AsRecorded };
        let replayed = replay(&s.log, Some(date), None);
        let all = BudgetFilter::default();
        prop_assert_eq!(
            budget_book_as_of(&s.ledger, &all, grouping, date),
            budget_book(&replayed, &all, grouping),
            "as of {}", date
        );
    }

    #[test]
    fn poverty_figures_as_of_a_date_equal_those_of_the_replay_to_it(
        ops in proptest::collection::vec(op(), 1..80),
        day in 0..260i64,
        from_day in 0..260i64,
        to_day in 0..400i64,
    ) {
        let (s, _) = run(&ops);
        let date = ops_start() + Duration::days(day);
        let replayed = replay(&s.log, Some(date), None);
        let grouping = UnitGrouping::AsRecorded;
        prop_assert_eq!(
            poverty::status_counts_as_of(&s.ledger, None, grouping, date),
            poverty::status_counts(&replayed, None, grouping)
        );
        prop_assert_eq!(
            poverty::near_poor_remaining_as_of(&s.ledger, date),
            poverty::near_poor_remaining(&replayed)
        );
        let period = (ops_start() + Duration::days(from_day), ops_start() + Duration::days(to_day));
        prop_assert_eq!(
            poverty::exits_as_of(&s.ledger, None, period, grouping, date),
            poverty::exits(&replayed, None, period.0, period.1, grouping)
        );
    }

    #[test]
    fn jobs_figures_as_of_a_date_equal_those_of_the_replay_to_it(
        ops in proptest::collection::vec(op(), 1..80),
        day in 0..260i64,
        year in 2022..2025i32,
    ) {
        let (s, _) = run(&ops);
        let date = ops_start() + Duration::days(day);
        let replayed = replay(&s.log, Some(date), None);
        prop_assert_eq!(jobs::jobs_progress_as_of(&s.ledger, year, date), jobs::jobs_progress(&replayed, year));
        let grouping = UnitGrouping::AsRecorded;
        prop_assert_eq!(
            jobs::jobs_by_unit_as_of(&s.ledger, year, grouping, date),
            jobs::jobs_by_unit(&replayed, year, grouping)
        );
    }

    #[test]
    fn housing_progress_as_of_a_date_equals_the_progress_of_the_replay_to_it(
        ops in proptest::collection::vec(op(), 1..80),
        day in 0..260i64,
    ) {
        let (s, _) = run(&ops);
        let date = ops_start() + Duration::days(day);
        let replayed = replay(&s.log, Some(date), None);
        prop_assert_eq!(housing_progress_as_of(&s.ledger, date), housing_progress(&replayed, date), "as of {}", date);
    }

    #[test]
    fn the_trial_balance_as_of_a_date_equals_the_trial_balance_of_the_replay_to_it(
        ops in proptest::collection::vec(op(), 1..80),
        day in 0..260i64,
    ) {
        let (s, _) = run(&ops);
        let date = ops_start() + Duration::days(day);
        let replayed = replay(&s.log, Some(date), None);
        prop_assert_eq!(trial_balance_as_of(&s.ledger, date), trial_balance(&replayed), "as of {}", date);
    }

    #[test]
    fn sponsorship_totals_as_of_a_date_equal_the_totals_of_the_replay_to_it(
        ops in proptest::collection::vec(op(), 1..80),
        day in 0..260i64,
    ) {
        let (s, _) = run(&ops);
        let date = ops_start() + Duration::days(day);
        let replayed = replay(&s.log, Some(date), None);
        prop_assert_eq!(totals_as_of(&s.ledger, date), totals(&replayed, date), "as of {}", date);
    }

    #[test]
    fn the_annual_report_as_of_a_date_equals_the_report_of_the_replay_to_it(
        ops in proptest::collection::vec(op(), 1..80),
        day in 0..400i64,
        year in 2022..2025i32,
    ) {
        let (s, _) = run(&ops);
        let date = ops_start() + Duration::days(day);
        let replayed = replay(&s.log, Some(date), None);
        prop_assert_eq!(
            annual_report_as_of(&s.ledger, year, date),
            annual_report(&replayed, year, date),
            "{} as of {}", year, date
        );
    }

    #[test]
    fn running_payment_sums_equal_a_walk_of_the_payments(ops in proptest::collection::vec(op(), 1..80)) {
        let (s, _) = run(&ops);
        for (_, sponsorship) in s.ledger.sponsorships().iter() {
            let live = sponsorship
                .live_payments()
                .fold(ledger_domain::money::Dong::ZERO, |sum, p| sum.saturating_add(p.amount));
            prop_assert_eq!(sponsorship.paid.live, live);
            let last = sponsorship.payments.iter().map(|p| p.received_on).max();
            prop_assert_eq!(sponsorship.paid.last_received_on, last);
            for year in 2020..2045 {
                let Some(kept) = sponsorship.paid.received_by_end_of(year) else {
                    continue;
                };
                let walked = sponsorship
                    .live_payments()
                    .filter(|p| p.received_on.year() <= year)
                    .fold(Dong::ZERO, |sum, p| sum.saturating_add(p.amount));
                prop_assert_eq!(Dong::from_i64(kept).ok(), Some(walked), "received by the end of {}", year);
            }
            let schedule = sponsorship.schedule;
            for year in schedule.first.year()..=schedule.last.year() {
                let walked: u32 = sponsorship
                    .live_payments()
                    .map(|p| p.covers.months_in_year(year))
                    .sum();
                prop_assert_eq!(sponsorship.paid.months_in_year(year), Some(walked), "year {}", year);
            }
        }
    }

    #[test]
    fn kept_pledges_and_sums_equal_a_walk_of_the_sponsorships(
        ops in proptest::collection::vec(op(), 1..80),
        day in 0..400i64,
    ) {
        let (s, _) = run(&ops);
        let on = ops_start() + Duration::days(day);
        let ledger = &s.ledger;
        prop_assert_eq!(ledger.pledges().len(), ledger.sponsorships().len());
        // Per programme (None: all): unpaid installments and amount by year, and
        // sponsorships per monthly amount, walked from the full records.
        let mut scopes: Vec<Option<u32>> = vec![None];
        scopes.extend(ledger.programmes().iter().map(|(index, _)| Some(index)));
        for scope in scopes {
            let mut unpaid: BTreeMap<i32, (u64, Dong)> = BTreeMap::new();
            let mut amounts: BTreeMap<Dong, u64> = BTreeMap::new();
            for ((index, sponsorship), pledge) in ledger.sponsorships().iter().zip(ledger.pledges()) {
                prop_assert_eq!(Dong::from_i64(pledge.paid).ok(), Some(sponsorship.paid.live), "sponsorship {}", index);
                prop_assert_eq!(Dong::from_i64(pledge.monthly).ok(), Some(sponsorship.monthly_amount));
                prop_assert_eq!(pledge.schedule, sponsorship.schedule);
                match pledge.sponsors {
                    PledgeSponsors::Sole(sponsor) => {
                        prop_assert_eq!(sponsorship.segments.len(), 1);
                        prop_assert_eq!(Some(sponsor), sponsorship.current_sponsor());
                    }
                    PledgeSponsors::Shared(run) => {
                        prop_assert!(sponsorship.segments.len() != 1);
                        // Under the schedule and under the one pledged (an early end
                        // recorded after a past query date is not applied yet).
                        let pledged = Schedule::new(sponsorship.schedule.first, sponsorship.pledged_last);
                        for schedule in std::iter::once(sponsorship.schedule).chain(pledged) {
                            let packed: Vec<_> = ledger.shared_parts(run, schedule).collect();
                            let full = sponsorship.segments.iter().enumerate().filter_map(|(i, segment)| {
                                let end = match sponsorship.segments.get(i + 1) {
                                    Some(next) => next.from.previous()?,
                                    None => schedule.last,
                                };
                                Schedule::new(segment.from, end)?.intersect(&schedule).map(|part| (segment.sponsor, part))
                            });
                            prop_assert_eq!(packed, full.collect::<Vec<_>>(), "sponsorship {}", index);
                        }
                    }
                }
                prop_assert_eq!(pledge.ended_on, sponsorship.ended.map(|end| end.on));
                if scope.is_some_and(|p| p != sponsorship.programme) {
                    continue;
                }
                *amounts.entry(sponsorship.monthly_amount).or_default() += 1;
                let schedule = sponsorship.schedule;
                for year in schedule.first.year()..=schedule.last.year() {
                    let paid: u32 = sponsorship
                        .live_payments()
                        .map(|p| p.covers.months_in_year(year))
                        .sum();
                    let left = schedule.months_in_year(year).saturating_sub(paid);
                    if left > 0 {
                        let slot = unpaid.entry(year).or_insert((0, Dong::ZERO));
                        slot.0 += u64::from(left);
                        let amount = sponsorship.monthly_amount.checked_mul(u64::from(left));
                        slot.1 = slot.1.saturating_add(amount.unwrap_or(Dong::MAX));
                    }
                }
            }
            let totals = match scope {
                None => totals(ledger, on),
                Some(programme) => match by_programme(ledger, on)
                    .into_iter()
                    .find(|t| ledger.programmes().index_of(t.programme_id.as_ref().map_or("", |id| id.as_str())) == Some(programme))
                {
                    Some(found) => found,
                    None => {
                        prop_assert!(amounts.is_empty(), "programme {} has sponsorships but no totals", programme);
                        continue;
                    }
                },
            };
            let forecast: BTreeMap<i32, (u64, Dong)> = totals
                .forecast_by_year
                .iter()
                .map(|year| (year.year, (year.installments, year.amount)))
                .collect();
            prop_assert_eq!(forecast, unpaid, "forecast of {:?}", scope);
            let counted: BTreeMap<Dong, u64> = totals
                .monthly_amounts
                .iter()
                .map(|row| (row.monthly_amount, row.sponsorships))
                .collect();
            prop_assert_eq!(counted, amounts, "monthly amounts of {:?}", scope);
        }
    }

    #[test]
    fn kept_poverty_counts_equal_a_walk_of_the_households(
        ops in proptest::collection::vec(op(), 1..80),
        day in 0..400i64,
    ) {
        let (s, _) = run(&ops);
        let ledger = &s.ledger;
        let on = ops_start() + Duration::days(day);
        let counts = ledger.poverty_counts();
        for (standard, _) in ledger.standards().iter() {
            let statuses = || ledger.households().iter().filter_map(|(_, h)| h.status_under(standard));
            let near_poor = statuses()
                .filter(|status| status.status == PovertyStatus::NearPoor && status.effective_on <= on)
                .count() as u64;
            prop_assert_eq!(counts.near_poor_on(standard, on), near_poor, "standard {} on {}", standard, on);
            for year in [on.year() - 1, on.year()] {
                let Some(first) = chrono::NaiveDate::from_ymd_opt(year, 1, 1) else { continue };
                let through = on.min(chrono::NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(on));
                let exits = statuses()
                    .filter(|status| status.exits.iter().any(|exit| first <= exit.on && exit.on <= through))
                    .count() as u64;
                prop_assert_eq!(counts.exits_within_a_year(standard, first, through), exits, "exits of {} to {}", year, through);
            }
        }
    }

    #[test]
    fn the_totals_equal_the_sum_of_the_sponsorship_rows(
        ops in proptest::collection::vec(op(), 1..80),
        day in 0..400i64,
    ) {
        let (s, _) = run(&ops);
        let on = ops_start() + Duration::days(day);
        let rows = sponsorships(&s.ledger, on);
        let mut summed = ledger_domain::projection::sponsorship::Obligation::default();
        for row in &rows {
            summed.add(&row.obligation);
        }
        let all = totals(&s.ledger, on);
        prop_assert_eq!(all.obligation, summed);
        prop_assert_eq!(all.sponsorships, rows.len() as u64);
        let sponsors: std::collections::BTreeSet<_> = rows
            .iter()
            .flat_map(|row| row.sponsors.iter().map(|part| part.sponsor_id.clone()))
            .collect();
        prop_assert_eq!(all.sponsors, sponsors.len() as u64);
    }

    #[test]
    fn known_at_a_time_equals_replaying_the_events_recorded_by_then(
        ops in proptest::collection::vec(op(), 1..40),
        cut in any::<prop::sample::Index>(),
    ) {
        let (s, _) = run(&ops);
        let count = cut.index(s.log.len() + 1);
        let known = replay(&s.log, None, Some(recorded_at(count as u64)));
        prop_assert_eq!(known, replay(&s.log[..count], None, None));
    }
}

/// The horizon of a cut of `log` after position `cut` (modulo its length) and, with `day`, as
/// of that many days after the ops start; the date; the log replayed to that horizon; and a
/// line naming both.
fn cut_log(
    log: &[RecordedEvent],
    cut: usize,
    day: Option<i64>,
) -> (Horizon, Option<chrono::NaiveDate>, Ledger, String) {
    let upto = (cut % (log.len() + 1)) as u64;
    let as_of = day.map(|day| ops_start() + Duration::days(day));
    let horizon = Horizon {
        as_of: as_of.unwrap_or(chrono::NaiveDate::MAX),
        upto,
    };
    let replayed = replay(log.iter().filter(|e| e.position <= upto), as_of, None);
    (
        horizon,
        as_of,
        replayed,
        format!("up to {upto}, as of {as_of:?}"),
    )
}

proptest! {
    // More cases than the others: a cut must fall between a fact and its correction, and a
    // cancellation is one op in twenty.
    #![proptest_config(ProptestConfig::with_cases(1_000))]

    #[test]
    fn finance_figures_up_to_a_position_equal_those_of_the_replay_of_the_log_to_it(
        ops in proptest::collection::vec(op(), 1..80),
        cut in 0..1_000usize,
        day in proptest::option::of(0..260i64),
    ) {
        let (s, _) = run(&ops);
        let (horizon, _, replayed, why) = cut_log(&s.log, cut, day);
        prop_assert_eq!(budget_summary_as_of(&s.ledger, horizon), budget_summary(&replayed), "{}", why);
        let all = BudgetFilter::default();
        for grouping in [UnitGrouping::AsRecorded, UnitGrouping::CurrentOn(d("2024-06-30"))] {
            prop_assert_eq!(
                budget_book_as_of(&s.ledger, &all, grouping, horizon),
                budget_book(&replayed, &all, grouping),
                "{}", why
            );
        }
        prop_assert_eq!(trial_balance_as_of(&s.ledger, horizon), trial_balance(&replayed), "{}", why);
    }

    #[test]
    fn dashboard_figures_up_to_a_position_equal_those_of_the_replay_of_the_log_to_it(
        ops in proptest::collection::vec(op(), 1..80),
        cut in 0..1_000usize,
        day in proptest::option::of(0..260i64),
    ) {
        let (s, _) = run(&ops);
        let (horizon, as_of, replayed, why) = cut_log(&s.log, cut, day);
        let on = as_of.unwrap_or(d("2024-06-15"));
        prop_assert_eq!(housing_progress_within(&s.ledger, on, horizon), housing_progress(&replayed, on), "{}", why);
        prop_assert_eq!(housing::works_within(&s.ledger, None, on, horizon), housing::works(&replayed, None, on), "{}", why);
        for grouping in [UnitGrouping::AsRecorded, UnitGrouping::CurrentOn(on)] {
            prop_assert_eq!(
                housing::housing_by_unit_within(&s.ledger, None, grouping, horizon),
                housing::housing_by_unit(&replayed, None, grouping),
                "{}", why
            );
        }
        prop_assert_eq!(totals_within(&s.ledger, on, horizon), totals(&replayed, on), "{}", why);
        prop_assert_eq!(by_programme_within(&s.ledger, on, horizon), by_programme(&replayed, on), "{}", why);
        for months in [12, 216] {
            prop_assert_eq!(
                turning_18_as_known(&s.ledger, on, months, horizon),
                turning_18_within(&replayed, on, months),
                "{}", why
            );
        }
        prop_assert_eq!(sponsorships_within(&s.ledger, on, horizon), sponsorships(&replayed, on), "{}", why);
        prop_assert_eq!(in_arrears_within(&s.ledger, on, horizon), in_arrears(&replayed, on), "{}", why);
        prop_assert_eq!(by_child_within(&s.ledger, on, horizon), by_child(&replayed, on), "{}", why);
        prop_assert_eq!(by_sponsor_within(&s.ledger, on, horizon), by_sponsor(&replayed, on), "{}", why);
        for grouping in [UnitGrouping::AsRecorded, UnitGrouping::CurrentOn(on)] {
            prop_assert_eq!(
                by_unit_within(&s.ledger, on, grouping, horizon),
                by_unit(&replayed, on, grouping),
                "{}", why
            );
        }
        for year in [2023, 2024] {
            prop_assert_eq!(jobs::jobs_progress_as_of(&s.ledger, year, horizon), jobs::jobs_progress(&replayed, year), "{}", why);
            let grouping = UnitGrouping::AsRecorded;
            prop_assert_eq!(
                jobs::jobs_by_unit_as_of(&s.ledger, year, grouping, horizon),
                jobs::jobs_by_unit(&replayed, year, grouping),
                "{}", why
            );
        }
    }

    #[test]
    fn poverty_figures_up_to_a_position_equal_those_of_the_replay_of_the_log_to_it(
        ops in proptest::collection::vec(op(), 1..80),
        cut in 0..1_000usize,
        day in proptest::option::of(0..260i64),
        from_day in 0..260i64,
        to_day in 0..400i64,
    ) {
        let (s, _) = run(&ops);
        let (horizon, _, replayed, why) = cut_log(&s.log, cut, day);
        let grouping = UnitGrouping::AsRecorded;
        prop_assert_eq!(
            poverty::status_counts_as_of(&s.ledger, None, grouping, horizon),
            poverty::status_counts(&replayed, None, grouping),
            "{}", why
        );
        prop_assert_eq!(
            poverty::near_poor_remaining_as_of(&s.ledger, horizon),
            poverty::near_poor_remaining(&replayed),
            "{}", why
        );
        let period = (ops_start() + Duration::days(from_day), ops_start() + Duration::days(to_day));
        prop_assert_eq!(
            poverty::exits_as_of(&s.ledger, None, period, grouping, horizon),
            poverty::exits(&replayed, None, period.0, period.1, grouping),
            "{}", why
        );
    }

    #[test]
    fn the_annual_report_up_to_a_position_equals_the_report_of_the_replay_of_the_log_to_it(
        ops in proptest::collection::vec(op(), 1..80),
        cut in 0..1_000usize,
        day in 0..400i64,
        year in 2022..2025i32,
    ) {
        let (s, _) = run(&ops);
        let (horizon, as_of, replayed, why) = cut_log(&s.log, cut, Some(day));
        let as_of = as_of.unwrap_or(horizon.as_of);
        prop_assert_eq!(
            annual_report_within(&s.ledger, year, horizon),
            annual_report(&replayed, year, as_of),
            "{} {}", year, why
        );
    }
}
