//! Linearizability under contention. Thirty-two clients race, over real HTTP, approvals and
//! allocations against one budget that cannot afford every approval, and payments (the same
//! month from several clients, overlapping ranges, an early end) on one sponsorship. The
//! outcome must equal a serial execution of the acknowledged requests in log order: each 201
//! is exactly what the domain decides on the log before it, each 422 is what it decides at
//! some point while the request was in flight, refused requests leave no event, and replaying
//! the acknowledged requests one by one on a fresh ledger gives the same projections.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use futures::TryStreamExt;
use ledger_api::Role;
use ledger_domain::{decide_dated, Command, Ledger, YearMonth};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

const CLIENTS: usize = 32;
const BUDGET: u64 = 300_000_000;
const TOP_UP: u64 = 50_000_000;
const MONTHLY: u64 = 1_000_000;
/// The sponsorship runs 2023-06 ..= 2024-05.
const SCHEDULE_MONTHS: u32 = 12;
/// The racing early end keeps 2023-06 ..= 2024-02.
const END_MONTH: &str = "2024-02";
const HOUSEHOLDS: usize = 44;

/// One write: its route and body, and the command it stands for.
#[derive(Clone)]
struct Request {
    route: &'static str,
    body: Value,
}

impl Request {
    fn new(route: &'static str, body: Value) -> Request {
        Request { route, body }
    }

    /// The command the route builds from the body; the same JSON tagged with its name.
    fn command(&self) -> Command {
        let name = match self.route {
            "/api/v1/housing-supports" => "ApproveHousingSupport",
            "/api/v1/allocations" => "AllocateBudget",
            "/api/v1/payments" => "RecordPayment",
            "/api/v1/sponsorship-ends" => "EndSponsorship",
            other => panic!("no command for {other}"),
        };
        let mut tagged = self.body.clone();
        tagged["command"] = json!(name);
        serde_json::from_value(tagged).unwrap()
    }
}

/// A request as it went: the head before it was sent and after it was answered, the status
/// and, for a 201, the events it reported.
struct Outcome {
    request: Request,
    before: u64,
    after: u64,
    status: u16,
    body: Value,
}

impl Outcome {
    fn event_refs(&self) -> Vec<(String, u64, String)> {
        self.body["events"]
            .as_array()
            .map(|events| {
                events
                    .iter()
                    .map(|e| {
                        (
                            e["event_id"].as_str().unwrap().to_owned(),
                            e["position"].as_u64().unwrap(),
                            e["stream"].as_str().unwrap().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn first_position(&self) -> u64 {
        self.event_refs()[0].1
    }
}

fn setup() -> Vec<Request> {
    let mut requests = vec![
        Request::new(
            "/api/v1/units",
            json!({"code": "06703", "name": "Việt Hưng", "unit_kind": "ward",
            "valid_from": "2021-02-03", "valid_to": "2025-06-30", "registered_on": "2021-02-03"}),
        ),
        Request::new(
            "/api/v1/programmes",
            json!({"programme_id": "housing-2023", "name": "Nhà ở 2023",
            "programme_kind": "housing", "year": 2023, "target": 108, "deadline": "2023-08-31",
            "opened_on": "2023-02-06"}),
        ),
        Request::new("/api/v1/allocations", allocation(BUDGET)),
        Request::new(
            "/api/v1/programmes",
            json!({"programme_id": "children-2023", "name": "Đỡ đầu",
            "programme_kind": "sponsorship", "year": 2023, "target": 1,
            "deadline": "2023-12-31", "opened_on": "2023-01-02"}),
        ),
        Request::new(
            "/api/v1/children",
            json!({"child_id": "child-1", "birth_date": "2011-02-28", "unit_code": "06703",
            "circumstance": "orphan", "registered_on": "2023-05-02"}),
        ),
        Request::new(
            "/api/v1/sponsors",
            json!({"sponsor_id": "sponsor-1", "name": "Công ty A", "sponsor_kind": "agency",
            "registered_on": "2023-04-25"}),
        ),
        Request::new(
            "/api/v1/sponsorships",
            json!({"sponsorship_id": "sps-1", "programme_id": "children-2023",
            "child_id": "child-1", "sponsor_id": "sponsor-1", "monthly_amount": MONTHLY.to_string(),
            "first_month": "2023-06", "fixed_months": SCHEDULE_MONTHS,
            "sponsored_on": "2023-06-01"}),
        ),
    ];
    requests.extend((0..HOUSEHOLDS).map(|h| {
        Request::new(
            "/api/v1/households",
            json!({"household_id": format!("hh-{h}"), "unit_code": "06703", "members": 4,
            "registered_on": "2023-01-05"}),
        )
    }));
    requests
}

fn allocation(amount: u64) -> Value {
    json!({"programme_id": "housing-2023", "source": "state", "amount": amount.to_string(),
        "allocated_on": "2023-02-10"})
}

fn approval(support: usize, household: usize, amount: u64) -> Value {
    let amount = amount.to_string();
    json!({"programme_id": "housing-2023", "support_id": format!("house-{support}"),
        "household_id": format!("hh-{household}"), "work_kind": "repair", "amount": amount,
        "planned_completion_on": "2023-06-30",
        "funding": [{"source": "state", "amount": amount}], "approved_on": "2023-03-01"})
}

fn month(offset: u32) -> String {
    let first = YearMonth::new(2023, 6).unwrap();
    first.plus(i64::from(offset)).unwrap().to_string()
}

fn payment(first: u32, months: u32, amount: u64) -> Value {
    json!({"sponsorship_id": "sps-1", "amount": amount.to_string(), "first_month": month(first),
        "months": months, "received_on": "2023-06-15"})
}

/// Contended writes: 40 approvals worth about four times the budget, the same support ids
/// approved again for other households, two top-ups, one approval no budget could afford;
/// every month paid by three clients, two-month payments across them, a payment of the
/// wrong amount, and an early end that conflicts with payments of the months it drops.
fn race() -> Vec<Request> {
    let mut requests = Vec::new();
    for h in 0..40 {
        let amount = [20_000_000, 30_000_000, 45_000_000][h % 3];
        requests.push(Request::new(
            "/api/v1/housing-supports",
            approval(h, h, amount),
        ));
    }
    for h in 0..4 {
        requests.push(Request::new(
            "/api/v1/housing-supports",
            approval(h, 40 + h, 10_000_000),
        ));
    }
    for _ in 0..2 {
        requests.push(Request::new("/api/v1/allocations", allocation(TOP_UP)));
    }
    requests.push(Request::new(
        "/api/v1/housing-supports",
        approval(99, 43, BUDGET * 10),
    ));
    for m in 0..SCHEDULE_MONTHS {
        for _ in 0..3 {
            requests.push(Request::new("/api/v1/payments", payment(m, 1, MONTHLY)));
        }
    }
    for m in (0..SCHEDULE_MONTHS).step_by(2) {
        requests.push(Request::new("/api/v1/payments", payment(m, 2, 2 * MONTHLY)));
    }
    requests.push(Request::new("/api/v1/payments", payment(3, 1, MONTHLY + 1)));
    requests.push(Request::new(
        "/api/v1/sponsorship-ends",
        json!({"sponsorship_id": "sps-1", "last_month": END_MONTH,
            "reason": "family moved", "ended_on": "2023-07-01"}),
    ));
    requests
}

async fn post(app: &TestApp, request: &Request) -> (u16, Value) {
    let response = app
        .post_as(Role::Recorder, request.route)
        .json(&request.body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn head(app: &TestApp) -> u64 {
    app.store.head().await.unwrap().position
}

async fn post_serially(app: &TestApp, requests: &[Request]) {
    for request in requests {
        let (status, body) = post(app, request).await;
        assert_eq!(status, 201, "{} {}: {body}", request.route, request.body);
    }
}

/// A fixed shuffle (xorshift, Fisher–Yates), so every client mixes kinds of request while
/// a failure still names the same workload on every run.
fn shuffled(mut requests: Vec<Request>) -> Vec<Request> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in (1..requests.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        requests.swap(i, (state % (i as u64 + 1)) as usize);
    }
    requests
}

/// Deals the requests round-robin to `CLIENTS` tasks, each sending its share in turn.
async fn run_race(app: &Arc<TestApp>, requests: Vec<Request>) -> Vec<Outcome> {
    let requests = shuffled(requests);
    let mut shares: Vec<Vec<Request>> = vec![Vec::new(); CLIENTS];
    for (i, request) in requests.into_iter().enumerate() {
        shares[i % CLIENTS].push(request);
    }
    let clients: Vec<_> = shares
        .into_iter()
        .map(|share| {
            let app = app.clone();
            tokio::spawn(async move {
                let mut outcomes = Vec::new();
                for request in share {
                    let before = head(&app).await;
                    let (status, body) = post(&app, &request).await;
                    let after = head(&app).await;
                    outcomes.push(Outcome {
                        request,
                        before,
                        after,
                        status,
                        body,
                    });
                }
                outcomes
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for client in clients {
        outcomes.extend(client.await.unwrap());
    }
    outcomes
}

/// The whole log, and the ledger after each position (`ledgers[p]` holds positions ≤ p).
async fn log_and_ledgers(app: &TestApp) -> (Vec<ledger_store::RecordedEvent>, Vec<Ledger>) {
    let log: Vec<_> = app.store.read_all(1).try_collect().await.unwrap();
    let mut ledgers = vec![Ledger::default()];
    for stored in &log {
        let mut next = ledgers.last().unwrap().clone();
        let decoded = ledger_api::view::decode(&stored.into()).expect("every logged event decodes");
        next.apply(&decoded);
        ledgers.push(next);
    }
    (log, ledgers)
}

/// Every event after the setup belongs to exactly one 201, under the id, position and
/// stream the 201 reported: acknowledged writes are all there, refused ones left nothing.
fn assert_log_is_the_acknowledged_events(
    outcomes: &[Outcome],
    log: &[ledger_store::RecordedEvent],
    setup_head: u64,
) {
    let mut reported = BTreeMap::new();
    for outcome in outcomes.iter().filter(|o| o.status == 201) {
        for (id, position, stream) in outcome.event_refs() {
            let previous = reported.insert(position, (id, stream));
            assert!(previous.is_none(), "two 201s claim position {position}");
        }
    }
    let logged: BTreeMap<_, _> = log
        .iter()
        .filter(|e| e.position > setup_head)
        .map(|e| (e.position, (e.event_id.to_string(), e.stream.clone())))
        .collect();
    let unclaimed: Vec<_> = logged
        .iter()
        .filter(|(p, e)| reported.get(*p) != Some(*e))
        .collect();
    let unlogged: Vec<_> = reported
        .iter()
        .filter(|(p, e)| logged.get(*p) != Some(*e))
        .collect();
    assert!(
        unclaimed.is_empty() && unlogged.is_empty(),
        "events no 201 reported (traces of refused requests?): {unclaimed:?}; \
         events 201s reported that the log lacks: {unlogged:?}"
    );
}

/// A 201's events are what the domain decides on the log just before them, and were
/// appended while the request was in flight.
fn assert_acknowledged_is_the_serial_decision(
    outcome: &Outcome,
    log: &[ledger_store::RecordedEvent],
    ledgers: &[Ledger],
) {
    let refs = outcome.event_refs();
    let first = outcome.first_position();
    let last = refs.last().unwrap().1;
    assert!(
        outcome.before < first && last <= outcome.after,
        "{}: appended at {first}..={last} outside its window {}..={}",
        outcome.request.body,
        outcome.before,
        outcome.after
    );
    let decided = decide_dated(&ledgers[first as usize - 1], &outcome.request.command())
        .unwrap_or_else(|e| {
            panic!(
                "{} was acknowledged at {first} but the log before it refuses it: {e}",
                outcome.request.body
            )
        });
    assert_eq!(decided.len(), refs.len(), "{}", outcome.request.body);
    for ((occurred_on, event), (_, position, _)) in decided.iter().zip(&refs) {
        let stored = &log[*position as usize - 1];
        assert_eq!(stored.kind, event.kind());
        assert_eq!(stored.stream, event.stream());
        assert_eq!(stored.occurred_on, *occurred_on);
        let payload: Value = serde_json::from_str(&stored.payload).unwrap();
        assert_eq!(payload, event.to_payload(), "payload at {position}");
    }
}

/// A 422 is the domain's answer at some head the request could have seen while in flight.
fn assert_refusal_is_a_serial_decision(outcome: &Outcome, ledgers: &[Ledger]) {
    let detail = outcome.body["detail"].as_str().unwrap_or_default();
    let command = outcome.request.command();
    let explained = (outcome.before..=outcome.after).any(|at| {
        decide_dated(&ledgers[at as usize], &command).is_err_and(|e| e.to_string() == detail)
    });
    assert!(
        explained,
        "{} was refused ({detail}) but no head in {}..={} refuses it so",
        outcome.request.body, outcome.before, outcome.after
    );
}

/// Budget and sponsorship invariants hold after every single event, not only at the end.
fn assert_invariants_at_every_position(ledgers: &[Ledger]) {
    for (position, ledger) in ledgers.iter().enumerate() {
        for (_, programme) in ledger.programmes().iter() {
            for budget in &programme.sources {
                assert!(
                    budget.committed <= budget.allocated,
                    "overdrawn at position {position}: {budget:?}"
                );
            }
        }
        if let Some(sponsorship) = ledger.sponsorships().get("sps-1") {
            let mut paid = HashSet::new();
            for payment in sponsorship.live_payments() {
                for offset in 0..payment.covers.months() {
                    let month = payment.covers.first.plus(i64::from(offset)).unwrap();
                    assert!(
                        paid.insert(month),
                        "{month} paid twice at position {position}"
                    );
                    assert!(sponsorship.schedule.contains(month), "{month} unscheduled");
                }
            }
        }
    }
}

fn amount(body: &Value) -> u64 {
    body["amount"].as_str().unwrap().parse().unwrap()
}

fn acknowledged<'a>(outcomes: &'a [Outcome], route: &str) -> impl Iterator<Item = &'a Outcome> {
    let route = route.to_owned();
    outcomes
        .iter()
        .filter(move |o| o.status == 201 && o.request.route == route)
}

/// The projections over HTTP add up to the acknowledged requests, and only to them.
async fn assert_projections_reflect_the_201s(app: &TestApp, outcomes: &[Outcome]) {
    let approved: u64 = acknowledged(outcomes, "/api/v1/housing-supports")
        .map(|o| amount(&o.request.body))
        .sum();
    let topped_up: u64 = acknowledged(outcomes, "/api/v1/allocations")
        .map(|o| amount(&o.request.body))
        .sum();
    let summary = app.get_ok(Role::Finance, "/api/v1/budgets/summary").await;
    let row = summary["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["programme_id"] == "housing-2023")
        .unwrap();
    assert_eq!(row["committed"], approved.to_string(), "{row}");
    assert_eq!(row["allocated"], (BUDGET + topped_up).to_string(), "{row}");

    let works = app.get_ok(Role::Finance, "/api/v1/housing/works").await;
    let listed: HashSet<(String, String)> = works["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["support_id"].as_str().unwrap().to_owned(),
                w["household_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected: HashSet<(String, String)> = acknowledged(outcomes, "/api/v1/housing-supports")
        .map(|o| {
            let b = &o.request.body;
            (
                b["support_id"].as_str().unwrap().to_owned(),
                b["household_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        listed, expected,
        "the works are exactly the acknowledged approvals"
    );

    let paid: u64 = acknowledged(outcomes, "/api/v1/payments")
        .map(|o| amount(&o.request.body))
        .sum();
    let sponsorships = app
        .get_ok(Role::Finance, "/api/v1/sponsorship/sponsorships")
        .await;
    let sps = &sponsorships["data"][0];
    assert_eq!(sps["paid"], paid.to_string(), "{sps}");
    let ended = acknowledged(outcomes, "/api/v1/sponsorship-ends").count() == 1;
    assert_eq!(sps["ended"], ended, "{sps}");
}

/// The acknowledged requests, replayed one at a time in log order on a fresh ledger, all
/// pass again and leave the same projections as the race did.
async fn assert_serial_replay_matches(app: &TestApp, outcomes: &[Outcome]) {
    let mut in_log_order: Vec<&Outcome> = outcomes.iter().filter(|o| o.status == 201).collect();
    in_log_order.sort_by_key(|o| o.first_position());
    let fresh = spawn_app(app._db.another().await).await;
    post_serially(&fresh, &setup()).await;
    let serial: Vec<Request> = in_log_order.iter().map(|o| o.request.clone()).collect();
    post_serially(&fresh, &serial).await;
    for path in [
        "/api/v1/budgets/summary",
        "/api/v1/budgets",
        "/api/v1/accounts/trial-balance",
        "/api/v1/housing",
        "/api/v1/housing/works",
        "/api/v1/sponsorship/sponsorships",
        "/api/v1/sponsorship/totals",
        "/api/v1/sponsorship/by-sponsor",
    ] {
        let raced = app.get_ok(Role::Inspector, path).await;
        // The same business date on both sides, whatever the clock does between the calls.
        let as_of = raced["as_of"].as_str().unwrap();
        let replayed = fresh
            .get_ok(Role::Inspector, &format!("{path}?as_of={as_of}"))
            .await;
        assert_eq!(raced["data"], replayed["data"], "{path}");
        assert_eq!(raced["position"], replayed["position"], "{path}");
    }
}

pub async fn racing_writes_on_one_budget_and_one_sponsorship_are_linearizable(app: TestApp) {
    post_serially(&app, &setup()).await;
    let setup_head = head(&app).await;
    let app = Arc::new(app);
    let outcomes = run_race(&app, race()).await;
    for outcome in &outcomes {
        assert!(
            [201, 409, 422].contains(&outcome.status),
            "{} {}: {} {}",
            outcome.request.route,
            outcome.request.body,
            outcome.status,
            outcome.body
        );
    }
    let count = |route: &str, status: u16| {
        outcomes
            .iter()
            .filter(|o| o.request.route == route && o.status == status)
            .count()
    };
    // The race must have been a real one, or the checks below prove little.
    for route in ["/api/v1/housing-supports", "/api/v1/payments"] {
        assert!(count(route, 201) > 0 && count(route, 422) > 0, "{route}");
    }

    let (log, ledgers) = log_and_ledgers(&app).await;
    assert_log_is_the_acknowledged_events(&outcomes, &log, setup_head);
    for outcome in &outcomes {
        match outcome.status {
            201 => assert_acknowledged_is_the_serial_decision(outcome, &log, &ledgers),
            422 => assert_refusal_is_a_serial_decision(outcome, &ledgers),
            _ => {}
        }
    }
    assert_invariants_at_every_position(&ledgers);
    assert_eq!(
        ledgers.last().unwrap().ignored_events(),
        0,
        "every event applied"
    );
    assert_projections_reflect_the_201s(&app, &outcomes).await;
    assert_serial_replay_matches(&app, &outcomes).await;
    assert!(app.store.verify().await.unwrap().is_whole());
}
