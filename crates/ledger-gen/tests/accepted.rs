//! The generated lines are accepted by the domain, in file order, and keep the books
//! balanced.

mod common;

use common::{city, replay, FirstLines};
use ledger_domain::projection::accounts::trial_balance;
use ledger_domain::Balance;
use ledger_gen::{generate, Scale};

#[test]
fn every_city_line_is_decided_in_order_and_the_trial_balance_is_zero() {
    let replayed = replay(city().lines()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(replayed.lines, city().lines().count());
    assert_eq!(replayed.ledger.ignored_events(), 0);
    let balance = trial_balance(&replayed.ledger);
    assert_eq!(balance.difference, Balance::ZERO);
    assert_eq!(balance.total_debit, balance.total_credit);
    assert!(!balance.total_debit.is_zero(), "money moved");
}

#[test]
fn the_city_has_every_kind_of_fact_and_payments_dominate() {
    let replayed = replay(city().lines()).unwrap_or_else(|e| panic!("{e}"));
    let count = |name: &str| replayed.commands.get(name).copied().unwrap_or(0);
    for name in [
        "RegisterUnit",
        "MergeUnits",
        "RegisterStandard",
        "OpenProgramme",
        "AllocateBudget",
        "RegisterHousehold",
        "ClassifyHousehold",
        "RecordNearPovertyExit",
        "ApproveHousingSupport",
        "DisburseFunds",
        "StartWorks",
        "RecordHouseBuilt",
        "RecordHouseRepaired",
        "CorrectCompletionDate",
        "CancelSupport",
        "RegisterChild",
        "RegisterSponsor",
        "SponsorChild",
        "RecordPayment",
        "ReversePayment",
        "TransferSponsorship",
        "EndSponsorship",
        "SetJobsTarget",
        "RecordJobsCreated",
    ] {
        assert!(
            count(name) > 0,
            "no {name} line in the city: {:?}",
            replayed.commands
        );
    }
    assert!(
        count("RecordPayment") * 2 > replayed.lines,
        "{:?}",
        replayed.commands
    );
    assert_eq!(count("RegisterStandard"), 2);
}

#[test]
fn the_first_fifty_thousand_province_lines_are_accepted() {
    const LINES: usize = 50_000;
    let mut out = FirstLines {
        bytes: Vec::new(),
        lines: 0,
        limit: LINES,
    };
    // The writer refuses more once it has enough: generation stops with an I/O error.
    let stopped = generate(Scale::Province, 7, &mut out, |_| {});
    assert!(
        stopped.is_err(),
        "the province is far longer than {LINES} lines"
    );
    let text = String::from_utf8(out.bytes).expect("UTF-8");
    let replayed = replay(text.lines().take(LINES)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(replayed.lines, LINES);
    assert_eq!(trial_balance(&replayed.ledger).difference, Balance::ZERO);
    // Past the first region: the second region's units are registered too.
    assert!(replayed
        .ledger
        .units()
        .iter()
        .any(|(_, unit)| unit.name.contains(' ')));
}
