//! Bytes → command JSON → `decide` on an empty and on a seeded ledger. Deciding must never
//! panic; an accepted command's events must fold in (never ignored), keep every invariant
//! (integrity checks, no overdraft, no month paid twice) and leave every projection
//! computable.

#![no_main]

use ledger_domain::{decide_dated, Command, Ledger};
use libfuzzer_sys::fuzz_target;
use welfare_ledger_fuzz::{assert_invariants, run_projections, seeded, Recorded};

fuzz_target!(|data: &[u8]| {
    let Ok(command) = serde_json::from_slice::<Command>(data) else {
        return;
    };
    // An empty ledger knows nothing; whatever it accepts must still fold in cleanly.
    if let Ok(events) = decide_dated(&Ledger::default(), &command) {
        let mut empty = Recorded::default();
        empty.record(events);
        assert_invariants(&empty);
        run_projections(&empty.ledger);
    }
    let seeded = seeded();
    if let Ok(events) = decide_dated(&seeded.ledger, &command) {
        let mut after = seeded.clone();
        after.record(events);
        assert_invariants(&after);
        run_projections(&after.ledger);
        // Deciding is pure: the same command on the same state decides the same again.
        assert_eq!(
            decide_dated(&seeded.ledger, &command).ok().map(|e| e.len()),
            Some(after.log.len() - seeded.log.len())
        );
    }
});
