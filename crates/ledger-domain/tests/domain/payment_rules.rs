//! A running sponsorship: payments never cover a month twice, transfers split the
//! months, early ends truncate them.

use ledger_domain::{Command, DomainError, Event};

use crate::helpers::*;

#[test]
fn a_payment_names_the_sponsor_owing_its_months() {
    let events = world_with_sponsorship()
        .when(pay("sp-1", "2023-01", 3, "2023-01-05"))
        .then_events();
    let Event::SponsorshipPaymentReceived(p) = &events[0] else {
        unreachable!()
    };
    assert_eq!(p.sponsor_id.as_str(), "org-1");
}

#[test]
fn a_payment_that_is_not_the_monthly_amount_times_the_months_is_rejected() {
    let mut command = pay("sp-1", "2023-01", 3, "2023-01-05");
    if let Command::RecordPayment(p) = &mut command {
        p.amount = vnd(2_500_000);
    }
    world_with_sponsorship().when(command).then_rejected_with(
        "payment of 2.500.000 ₫ does not equal 3 month(s) × 1.000.000 ₫ = 3.000.000 ₫",
    );
}

#[test]
fn paying_the_same_month_twice_is_rejected() {
    let mut s = world_with_sponsorship();
    s.record(pay("sp-1", "2023-01", 3, "2023-01-05"));
    s.when(pay("sp-1", "2023-03", 2, "2023-02-05"))
        .then_rejected_with("month 2023-03 of sponsorship sp-1 is already paid");
}

#[test]
fn a_month_can_be_paid_again_after_its_payment_was_reversed() {
    let mut s = world_with_sponsorship();
    s.record(pay("sp-1", "2023-01", 3, "2023-01-05"));
    s.record(reverse("ReversePayment", s.last_id(), "2023-01-06"));
    s.when(pay("sp-1", "2023-03", 2, "2023-02-05"))
        .then_kinds(&["SponsorshipPaymentReceived"]);
}

#[test]
fn a_payment_for_months_outside_the_schedule_is_rejected() {
    let s = world_with_sponsorship();
    s.when(pay("sp-1", "2022-12", 2, "2023-01-05"))
        .then_rejected_with(
            "month 2022-12 is outside sponsorship sp-1's schedule 2023-01 to 2028-05",
        );
    s.when(pay("sp-1", "2028-05", 2, "2023-01-05"))
        .then_rejected_with(
            "month 2028-06 is outside sponsorship sp-1's schedule 2023-01 to 2028-05",
        );
}

#[test]
fn a_payment_covering_no_months_is_rejected() {
    world_with_sponsorship()
        .when(pay("sp-1", "2023-01", 0, "2023-01-05"))
        .then_rejected_with("months covered must be at least 1");
}

#[test]
fn a_payment_spanning_a_change_of_sponsor_is_rejected() {
    let mut s = world_with_sponsorship();
    s.record(transfer("sp-1", "org-2", "2024-01", "2023-06-01"));
    s.when(pay("sp-1", "2023-12", 2, "2023-06-02"))
        .then_rejected_with("payment for sponsorship sp-1 spans a change of sponsor in 2024-01: record one payment per sponsor");
    let events = s
        .when(pay("sp-1", "2024-01", 2, "2023-06-02"))
        .then_events();
    let Event::SponsorshipPaymentReceived(p) = &events[0] else {
        unreachable!()
    };
    assert_eq!(p.sponsor_id.as_str(), "org-2");
}

#[test]
fn a_payment_before_the_pledge_is_rejected() {
    let error = world_with_sponsorship()
        .when(pay("sp-1", "2023-01", 1, "2023-01-02"))
        .then_rejected();
    assert!(matches!(
        error,
        DomainError::DateBeforeReference {
            what: "payment",
            ..
        }
    ));
}

#[test]
fn a_payment_for_an_unknown_sponsorship_is_rejected() {
    world_with_sponsorship()
        .when(pay("sp-9", "2023-01", 1, "2023-01-05"))
        .then_rejected_with("no sponsorship sp-9");
}

#[test]
fn reversing_a_payment_twice_is_rejected() {
    let mut s = world_with_sponsorship();
    s.record(pay("sp-1", "2023-01", 1, "2023-01-05"));
    let id = s.last_id();
    s.record(reverse("ReversePayment", id, "2023-01-06"));
    let error = s
        .when(reverse("ReversePayment", id, "2023-01-07"))
        .then_rejected();
    assert_eq!(error, DomainError::EventAlreadyReversed { event_id: id });
}

#[test]
fn reversing_a_disbursement_as_a_payment_is_rejected() {
    let mut s = world_with_support();
    s.record(disburse("sup-1", "state", 5, "2023-03-10"));
    let error = s
        .when(reverse("ReversePayment", s.last_id(), "2023-03-11"))
        .then_rejected();
    assert!(matches!(
        error,
        DomainError::ReversedEventWrongKind {
            expected: "SponsorshipPaymentReceived",
            ..
        }
    ));
}

#[test]
fn a_transfer_names_the_old_and_new_sponsors() {
    let events = world_with_sponsorship()
        .when(transfer("sp-1", "org-2", "2024-01", "2023-06-01"))
        .then_events();
    let Event::SponsorshipTransferred(t) = &events[0] else {
        unreachable!()
    };
    assert_eq!(
        (t.from_sponsor_id.as_str(), t.to_sponsor_id.as_str()),
        ("org-1", "org-2")
    );
}

#[test]
fn a_transfer_to_the_current_sponsor_is_rejected() {
    world_with_sponsorship()
        .when(transfer("sp-1", "org-1", "2024-01", "2023-06-01"))
        .then_rejected_with("sponsorship sp-1 is already with sponsor org-1");
}

#[test]
fn a_transfer_to_an_unknown_sponsor_is_rejected() {
    world_with_sponsorship()
        .when(transfer("sp-1", "org-9", "2024-01", "2023-06-01"))
        .then_rejected_with("no sponsor org-9");
}

#[test]
fn a_transfer_month_outside_the_remaining_schedule_is_rejected() {
    let s = world_with_sponsorship();
    s.when(transfer("sp-1", "org-2", "2023-01", "2023-06-01"))
        .then_rejected_with(
            "sponsorship sp-1 can be transferred from 2023-02 to 2028-05, not from 2023-01",
        );
    let error = s
        .when(transfer("sp-1", "org-2", "2028-06", "2023-06-01"))
        .then_rejected();
    assert!(matches!(error, DomainError::TransferMonthOutOfRange { .. }));
}

#[test]
fn a_transfer_over_months_already_paid_is_rejected() {
    let mut s = world_with_sponsorship();
    s.record(pay("sp-1", "2023-01", 12, "2023-01-05"));
    s.when(transfer("sp-1", "org-2", "2023-07", "2023-06-01"))
        .then_rejected_with("month 2023-07 of sponsorship sp-1 is already paid by the current sponsor: reverse that payment before transferring from an earlier month");
    s.when(transfer("sp-1", "org-2", "2024-01", "2023-06-01"))
        .then_kinds(&["SponsorshipTransferred"]);
}

#[test]
fn an_ended_sponsorship_cannot_be_transferred_or_ended_again() {
    let mut s = world_with_sponsorship();
    s.record(end_sponsorship("sp-1", "2024-12", "2023-06-01"));
    s.when(transfer("sp-1", "org-2", "2024-01", "2023-06-02"))
        .then_rejected_with("sponsorship sp-1 already ended with 2024-12");
    let error = s
        .when(end_sponsorship("sp-1", "2024-06", "2023-06-02"))
        .then_rejected();
    assert!(matches!(error, DomainError::SponsorshipAlreadyEnded { .. }));
}

#[test]
fn ending_early_truncates_the_schedule() {
    let mut s = world_with_sponsorship();
    s.record(end_sponsorship("sp-1", "2024-12", "2023-06-01"));
    s.when(pay("sp-1", "2025-01", 1, "2023-06-02"))
        .then_rejected_with(
            "month 2025-01 is outside sponsorship sp-1's schedule 2023-01 to 2024-12",
        );
}

#[test]
fn an_end_month_outside_the_schedule_is_rejected() {
    world_with_sponsorship()
        .when(end_sponsorship("sp-1", "2028-06", "2023-06-01"))
        .then_rejected_with(
            "sponsorship sp-1 runs from 2023-01 to 2028-05, so it cannot end with 2028-06",
        );
}

#[test]
fn an_end_before_a_paid_month_is_rejected() {
    let mut s = world_with_sponsorship();
    s.record(pay("sp-1", "2023-01", 12, "2023-01-05"));
    s.when(end_sponsorship("sp-1", "2023-06", "2023-06-01"))
        .then_rejected_with("sponsorship sp-1 cannot end with 2023-06: 2023-07 is already paid");
}

#[test]
fn an_end_without_a_reason_is_rejected() {
    let mut command = end_sponsorship("sp-1", "2024-12", "2023-06-01");
    if let Command::EndSponsorship(e) = &mut command {
        e.reason = " ".to_owned();
    }
    let error = world_with_sponsorship().when(command).then_rejected();
    assert!(matches!(
        error,
        DomainError::InvalidText {
            field: "reason",
            ..
        }
    ));
}

#[test]
fn a_zero_payment_is_rejected() {
    let mut command = pay("sp-1", "2023-01", 1, "2023-01-05");
    if let Command::RecordPayment(p) = &mut command {
        p.amount = vnd(0);
    }
    world_with_sponsorship()
        .when(command)
        .then_rejected_with("payment must be a positive amount, not 0 ₫");
}

#[test]
fn a_payment_reversal_needs_a_reason_and_a_date_after_the_payment() {
    let mut s = world_with_sponsorship();
    s.record(pay("sp-1", "2023-01", 1, "2023-01-05"));
    let mut unexplained = reverse("ReversePayment", s.last_id(), "2023-01-06");
    if let Command::ReversePayment(r) = &mut unexplained {
        r.reason = String::new();
    }
    assert!(matches!(
        s.when(unexplained).then_rejected(),
        DomainError::InvalidText { .. }
    ));
    let early = s
        .when(reverse("ReversePayment", s.last_id(), "2023-01-04"))
        .then_rejected();
    assert!(matches!(
        early,
        DomainError::DateBeforeReference {
            what: "reversal",
            ..
        }
    ));
    let unknown = s
        .when(reverse(
            "ReversePayment",
            uuid::Uuid::from_u128(4242),
            "2023-01-06",
        ))
        .then_rejected();
    assert!(matches!(unknown, DomainError::ReversedEventNotFound { .. }));
}

#[test]
fn a_transfer_or_end_before_the_pledge_is_rejected() {
    let s = world_with_sponsorship();
    let error = s
        .when(transfer("sp-1", "org-2", "2024-01", "2023-01-02"))
        .then_rejected();
    assert!(matches!(
        error,
        DomainError::DateBeforeReference {
            what: "transfer",
            ..
        }
    ));
    let error = s
        .when(end_sponsorship("sp-1", "2024-01", "2023-01-02"))
        .then_rejected();
    assert!(matches!(
        error,
        DomainError::DateBeforeReference { what: "end", .. }
    ));
}

#[test]
fn a_second_transfer_must_start_after_the_first() {
    let mut s = world_with_sponsorship();
    s.record(transfer("sp-1", "org-2", "2024-01", "2023-06-01"));
    s.when(transfer("sp-1", "org-1", "2024-01", "2023-06-02"))
        .then_rejected_with(
            "sponsorship sp-1 can be transferred from 2024-02 to 2028-05, not from 2024-01",
        );
    s.when(transfer("sp-1", "org-1", "2025-01", "2023-06-02"))
        .then_kinds(&["SponsorshipTransferred"]);
}
