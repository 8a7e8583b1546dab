//! Bad input, systematically: every write route of the live `/openapi.json` (every POST, and
//! `DELETE /api/v1/tokens/{id}`) gets random bytes, malformed and hostile JSON, hostile values
//! in every field of a valid body, missing and extra fields, deep nesting, oversized bodies and
//! wrong content types. Whatever arrives, the server answers: never a 5xx, every 4xx is a
//! problem document with a detail, it still answers `/healthz` afterwards, and a refused
//! request leaves the head (position and hash) where it was.
//!
//! Each proptest runs `PROPTEST_CASES` cases (default [`DEFAULT_CASES`]); raise it for a
//! longer hunt, e.g. `PROPTEST_CASES=5000 cargo test -p ledger-api --test api bad_input`.

use std::collections::BTreeMap;

use ledger_api::auth::Access;
use ledger_api::{app, AppState, RateLimit, Role};
use ledger_domain::Command;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{json, Value};

use crate::helpers::TestApp;

/// Cases per proptest when `PROPTEST_CASES` is not set: enough to cover each route several
/// times while the module stays well under a minute in a debug build.
const DEFAULT_CASES: u32 = 192;

/// A body over the 256 KiB limit.
const OVERSIZED_BYTES: usize = 300 * 1024;

/// Nesting far beyond serde_json's recursion limit (128), deep enough to overflow a stack
/// if anything recursed without one.
const DEEP: usize = 10_000;

/// A POST route of the spec, the role that may call it, and a body it would accept.
#[derive(Clone, Debug)]
struct Route {
    path: String,
    role: Role,
    valid: Value,
}

/// The application with the seeded ledger, on its own runtime so proptest's synchronous
/// closures can drive it.
struct Harness {
    rt: tokio::runtime::Runtime,
    app: TestApp,
    routes: Vec<Route>,
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        max_shrink_iters: 256,
        ..Config::default()
    })
}

impl Harness {
    fn start() -> Harness {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (app, routes) = rt.block_on(async {
            let app = spawn_unlimited(ledger_testkit::TestDb::sqlite().await).await;
            let ids = seed(&app).await;
            let routes = write_routes(&app, &samples(&ids)).await;
            assert_samples_are_accepted(&app, &routes).await;
            (app, routes)
        });
        Harness { rt, app, routes }
    }

    fn head(&self) -> Value {
        self.rt.block_on(health(&self.app, "the seed"))
    }

    /// Sends `body` to `route` as `content_type` and checks the answer against `before`.
    fn send(
        &self,
        route: &Route,
        body: Vec<u8>,
        content_type: Option<&str>,
        before: &Value,
    ) -> Result<Value, TestCaseError> {
        self.rt.block_on(async {
            let mut request = self.app.post_as(route.role, &route.path).body(body.clone());
            if let Some(ct) = content_type {
                request = request.header("content-type", ct);
            }
            let label = format!("POST {} {}", route.path, preview(&body));
            answered_cleanly(&self.app, &label, request.send().await, before).await
        })
    }

    fn send_json(&self, route: &Route, body: Vec<u8>, before: &Value) -> Value {
        self.send(route, body, Some("application/json"), before)
            .unwrap_or_else(|e| panic!("{e}"))
    }
}

/// `spawn_app` without the per-token rate limit: thousands of requests a second on one token
/// would otherwise be answered 429 before their bodies were read, and test nothing.
async fn spawn_unlimited(db: ledger_testkit::TestDb) -> TestApp {
    let store = std::sync::Arc::new(db.open().await);
    let state = AppState::load(store.clone())
        .await
        .unwrap()
        .with_rate_limit(RateLimit::OFF);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app(state)).await });
    let mut tokens = std::collections::HashMap::new();
    for role in Role::ALL {
        let created = store
            .create_token("bad-input", role.as_str())
            .await
            .unwrap();
        tokens.insert(role, created.token);
    }
    TestApp {
        base: format!("http://{address}"),
        client: reqwest::Client::new(),
        store,
        tokens,
        _db: db,
    }
}

fn preview(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if text.chars().count() > 300 {
        let start: String = text.chars().take(300).collect();
        format!("{start}… ({} bytes)", body.len())
    } else {
        text.into_owned()
    }
}

async fn health(app: &TestApp, after: &str) -> Value {
    let response = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("/healthz unanswered after {after}: {e}"));
    assert_eq!(response.status(), 200, "/healthz");
    let body: Value = response.json().await.unwrap();
    json!({"position": body["position"], "head_hash": body["head_hash"]})
}

/// The promise for one request: an answer (no dropped connection, which is how a panicking
/// handler shows), no 5xx, a problem document with a detail for a 4xx, a live server after,
/// and an unchanged head unless the request succeeded. Returns the head after.
async fn answered_cleanly(
    app: &TestApp,
    label: &str,
    response: reqwest::Result<reqwest::Response>,
    before: &Value,
) -> Result<Value, TestCaseError> {
    let response =
        response.map_err(|e| TestCaseError::fail(format!("{label}: no answer ({e})")))?;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.unwrap_or_default();
    let fail = |why: &str| {
        Err(TestCaseError::fail(format!(
            "{label}: {why}: {status} {text}"
        )))
    };
    if status >= 500 {
        return fail("server error");
    }
    if status >= 400 {
        if content_type != "application/problem+json" {
            return fail(&format!("4xx as {content_type:?}, not a problem document"));
        }
        let problem: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let detail = problem["detail"].as_str().unwrap_or_default();
        if detail.trim().is_empty() || problem["status"] != status {
            return fail("problem without a detail or with another status");
        }
    }
    let after = health(app, label).await;
    if !(200..300).contains(&status) && after != *before {
        return fail(&format!(
            "refused, yet the head moved from {before} to {after}"
        ));
    }
    Ok(after)
}

/// Event ids the samples refer to.
struct SeedIds {
    allocation: String,
    disbursement: String,
    payment: String,
}

/// A small ledger where every sample body below is acceptable, so mutations of them reach
/// the domain's rules and not only the parser.
async fn seed(app: &TestApp) -> SeedIds {
    let unit = |code: &str, from: &str, to: Option<&str>| {
        json!({"code": code, "name": "Việt Hưng", "unit_kind": "ward",
            "valid_from": from, "valid_to": to, "registered_on": "2021-02-03"})
    };
    let steps = [
        (
            "/api/v1/units",
            unit("06703", "2021-02-03", Some("2025-06-30")),
        ),
        ("/api/v1/units", unit("06800", "2025-07-01", None)),
        ("/api/v1/standards", standard("std-2022")),
        ("/api/v1/programmes", programme("housing-2023", "housing")),
        (
            "/api/v1/programmes",
            programme("children-2023", "sponsorship"),
        ),
        (
            "/api/v1/allocations",
            json!({"programme_id": "housing-2023", "source": "state",
            "amount": "1000000000", "allocated_on": "2023-02-10"}),
        ),
        (
            "/api/v1/allocations",
            json!({"programme_id": "housing-2023", "source": "state",
            "amount": "100000000", "allocated_on": "2023-02-12"}),
        ),
        ("/api/v1/households", household("hh-0")),
        ("/api/v1/households", household("hh-1")),
        (
            "/api/v1/household-classifications",
            json!({"household_id": "hh-0",
            "standard_id": "std-2022", "status": "near_poor", "effective_on": "2023-01-10",
            "decision_ref": "QĐ 1/2023"}),
        ),
        (
            "/api/v1/housing-supports",
            approval("house-0", "hh-0", "repair"),
        ),
        (
            "/api/v1/disbursements",
            json!({"support_id": "house-0", "source": "state",
            "amount": "10000000", "disbursed_on": "2023-03-10"}),
        ),
        (
            "/api/v1/works-started",
            json!({"support_id": "house-0", "started_on": "2023-03-15"}),
        ),
        ("/api/v1/households", household("hh-b")),
        ("/api/v1/households", household("hh-c")),
        ("/api/v1/households", household("hh-d")),
        (
            "/api/v1/housing-supports",
            approval("house-b", "hh-b", "new_build"),
        ),
        (
            "/api/v1/housing-supports",
            approval("house-c", "hh-c", "repair"),
        ),
        (
            "/api/v1/housing-supports",
            approval("house-d", "hh-d", "repair"),
        ),
        (
            "/api/v1/works-started",
            json!({"support_id": "house-b", "started_on": "2023-03-15"}),
        ),
        (
            "/api/v1/works-started",
            json!({"support_id": "house-c", "started_on": "2023-03-15"}),
        ),
        (
            "/api/v1/houses-repaired",
            json!({"support_id": "house-c",
            "completed_on": "2023-06-01"}),
        ),
        (
            "/api/v1/children",
            json!({"child_id": "child-1", "birth_date": "2011-02-28",
            "unit_code": "06703", "circumstance": "orphan", "registered_on": "2023-05-02"}),
        ),
        ("/api/v1/sponsors", sponsor("sponsor-1")),
        ("/api/v1/sponsors", sponsor("sponsor-2")),
        (
            "/api/v1/sponsorships",
            json!({"sponsorship_id": "sps-1",
            "programme_id": "children-2023", "child_id": "child-1", "sponsor_id": "sponsor-1",
            "monthly_amount": "1000000", "first_month": "2023-06", "fixed_months": 24,
            "sponsored_on": "2023-06-01"}),
        ),
        (
            "/api/v1/payments",
            json!({"sponsorship_id": "sps-1", "amount": "1000000",
            "first_month": "2023-06", "months": 1, "received_on": "2023-06-15"}),
        ),
        (
            "/api/v1/jobs-targets",
            json!({"year": 2023, "target": 1000, "set_on": "2023-01-05"}),
        ),
    ];
    let mut ids = BTreeMap::new();
    for (path, body) in steps {
        let response = app
            .post_as(Role::Recorder, path)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let answer: Value = response.json().await.unwrap();
        assert_eq!(status, 201, "seed {path}: {answer}");
        ids.insert(
            path,
            answer["events"][0]["event_id"].as_str().unwrap().to_owned(),
        );
    }
    SeedIds {
        allocation: ids["/api/v1/allocations"].clone(),
        disbursement: ids["/api/v1/disbursements"].clone(),
        payment: ids["/api/v1/payments"].clone(),
    }
}

fn standard(id: &str) -> Value {
    json!({"standard_id": id, "name": "Chuẩn nghèo 2022-2025", "valid_from": "2022-01-01",
        "valid_to": "2025-12-31", "rural_income_line": "1500000",
        "urban_income_line": "2000000", "indicator_rule": "income and 12 indicators",
        "registered_on": "2022-01-01"})
}

fn programme(id: &str, kind: &str) -> Value {
    json!({"programme_id": id, "name": "Chương trình", "programme_kind": kind, "year": 2023,
        "target": 108, "deadline": "2023-12-31", "opened_on": "2023-01-02"})
}

fn household(id: &str) -> Value {
    json!({"household_id": id, "unit_code": "06703", "members": 4,
        "registered_on": "2023-01-05"})
}

fn approval(support: &str, household: &str, work_kind: &str) -> Value {
    json!({"programme_id": "housing-2023", "support_id": support, "household_id": household,
        "work_kind": work_kind, "amount": "30000000", "planned_completion_on": "2023-06-30",
        "funding": [{"source": "state", "amount": "30000000"}], "approved_on": "2023-03-01"})
}

fn sponsor(id: &str) -> Value {
    json!({"sponsor_id": id, "name": "Công ty A", "sponsor_kind": "enterprise",
        "registered_on": "2023-04-25"})
}

/// One acceptable body per write route of the seeded ledger, keyed by path.
fn samples(ids: &SeedIds) -> BTreeMap<&'static str, Value> {
    let reverse = |id: &str| {
        json!({"event_id": id, "reason": "entered twice",
        "reversed_on": "2023-07-01"})
    };
    BTreeMap::from([
        (
            "/api/v1/units",
            json!({"code": "06704", "name": "Phúc Lợi", "unit_kind": "commune",
            "valid_from": "2021-02-03", "valid_to": null, "registered_on": "2021-02-03"}),
        ),
        (
            "/api/v1/unit-merges",
            json!({"old_codes": ["06703"], "new_codes": ["06800"],
            "effective_on": "2025-07-01"}),
        ),
        ("/api/v1/standards", standard("std-2026")),
        ("/api/v1/programmes", programme("jobs-2023", "jobs")),
        (
            "/api/v1/allocations",
            json!({"programme_id": "housing-2023", "source": "province",
            "amount": "500000000", "allocated_on": "2023-02-11"}),
        ),
        ("/api/v1/allocation-reversals", reverse(&ids.allocation)),
        ("/api/v1/households", household("hh-2")),
        (
            "/api/v1/household-classifications",
            json!({"household_id": "hh-1",
            "standard_id": "std-2022", "status": "poor", "effective_on": "2023-01-10",
            "decision_ref": "QĐ 2/2023"}),
        ),
        (
            "/api/v1/near-poverty-exits",
            json!({"household_id": "hh-0",
            "standard_id": "std-2022", "effective_on": "2023-12-20",
            "decision_ref": "QĐ 9/2023"}),
        ),
        (
            "/api/v1/housing-supports",
            approval("house-1", "hh-1", "repair"),
        ),
        (
            "/api/v1/disbursements",
            json!({"support_id": "house-0", "source": "state",
            "amount": "5000000", "disbursed_on": "2023-04-10"}),
        ),
        ("/api/v1/disbursement-reversals", reverse(&ids.disbursement)),
        (
            "/api/v1/works-started",
            json!({"support_id": "house-d", "started_on": "2023-03-16"}),
        ),
        (
            "/api/v1/houses-built",
            json!({"support_id": "house-b", "completed_on": "2023-06-01"}),
        ),
        (
            "/api/v1/houses-repaired",
            json!({"support_id": "house-0",
            "completed_on": "2023-06-01"}),
        ),
        (
            "/api/v1/completion-corrections",
            json!({"support_id": "house-c",
            "completed_on": "2023-06-02", "reason": "typo", "corrected_on": "2023-06-05"}),
        ),
        (
            "/api/v1/support-cancellations",
            json!({"support_id": "house-d",
            "reason": "moved away", "cancelled_on": "2023-05-01"}),
        ),
        (
            "/api/v1/children",
            json!({"child_id": "child-2", "birth_date": "2015-09-01",
            "unit_code": "06703", "circumstance": "poor_household",
            "registered_on": "2023-05-02"}),
        ),
        ("/api/v1/sponsors", sponsor("sponsor-3")),
        (
            "/api/v1/sponsorships",
            json!({"sponsorship_id": "sps-2",
            "programme_id": "children-2023", "child_id": "child-1", "sponsor_id": "sponsor-2",
            "monthly_amount": "500000", "first_month": "2023-07", "fixed_months": null,
            "sponsored_on": "2023-06-20"}),
        ),
        (
            "/api/v1/payments",
            json!({"sponsorship_id": "sps-1", "amount": "2000000",
            "first_month": "2023-07", "months": 2, "received_on": "2023-07-15"}),
        ),
        ("/api/v1/payment-reversals", reverse(&ids.payment)),
        (
            "/api/v1/sponsorship-transfers",
            json!({"sponsorship_id": "sps-1",
            "to_sponsor_id": "sponsor-2", "from_month": "2024-01",
            "transferred_on": "2023-12-01"}),
        ),
        (
            "/api/v1/sponsorship-ends",
            json!({"sponsorship_id": "sps-1",
            "last_month": "2023-12", "reason": "family moved", "ended_on": "2023-11-01"}),
        ),
        (
            "/api/v1/jobs-targets",
            json!({"year": 2024, "target": 1200, "set_on": "2024-01-05"}),
        ),
        (
            "/api/v1/jobs-created",
            json!({"year": 2023, "unit_code": "06703", "count": 12,
            "month": "2023-04", "reported_on": "2023-05-03"}),
        ),
        (
            "/api/v1/commands",
            json!({"command": "RecordJobsCreated", "year": 2023,
            "unit_code": "06703", "count": 3, "month": "2023-05", "reported_on": "2023-06-02"}),
        ),
        (
            "/api/v1/tokens",
            json!({"role": "dashboard", "name": "city hall screen"}),
        ),
    ])
}

/// Every POST of the live spec, each with the first role allowed to call it and its sample.
/// A new write route without a sample fails here: give it one, so its fields get mutated.
async fn write_routes(app: &TestApp, samples: &BTreeMap<&'static str, Value>) -> Vec<Route> {
    let spec = app.openapi().await;
    let mut routes = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        let Some(op) = item.get("post") else { continue };
        let scope = op["security"][0]["bearer"][0].as_str().unwrap();
        let access = Access::from_scope(scope).unwrap();
        let role = Role::ALL.into_iter().find(|r| r.may(access)).unwrap();
        let valid = samples
            .get(path.as_str())
            .unwrap_or_else(|| panic!("POST {path} has no sample body in bad_input.rs"))
            .clone();
        routes.push(Route {
            path: path.clone(),
            role,
            valid,
        });
    }
    assert!(routes.len() >= 27, "too few write routes: {}", routes.len());
    routes
}

/// The samples would pass: checked against the domain on the seeded ledger, so nothing is
/// written and a mutated sample fails for its mutation alone.
async fn assert_samples_are_accepted(app: &TestApp, routes: &[Route]) {
    let (ledger, _) = ledger_api::view::replay_at(&app.store, None, None, None)
        .await
        .unwrap();
    let refused: Vec<String> = routes
        .iter()
        .filter(|r| r.path != "/api/v1/tokens")
        .filter_map(|r| {
            let e = ledger_domain::decide(&ledger, &command_of(r)).err()?;
            Some(format!("{}: {e}", r.path))
        })
        .collect();
    assert!(refused.is_empty(), "samples refused: {refused:#?}");
}

/// The command a command route builds from its sample (the sample tagged with its name).
fn command_of(route: &Route) -> Command {
    let names = BTreeMap::from([
        ("/api/v1/units", "RegisterUnit"),
        ("/api/v1/unit-merges", "MergeUnits"),
        ("/api/v1/standards", "RegisterStandard"),
        ("/api/v1/programmes", "OpenProgramme"),
        ("/api/v1/allocations", "AllocateBudget"),
        ("/api/v1/allocation-reversals", "ReverseAllocation"),
        ("/api/v1/households", "RegisterHousehold"),
        ("/api/v1/household-classifications", "ClassifyHousehold"),
        ("/api/v1/near-poverty-exits", "RecordNearPovertyExit"),
        ("/api/v1/housing-supports", "ApproveHousingSupport"),
        ("/api/v1/disbursements", "DisburseFunds"),
        ("/api/v1/disbursement-reversals", "ReverseDisbursement"),
        ("/api/v1/works-started", "StartWorks"),
        ("/api/v1/houses-built", "RecordHouseBuilt"),
        ("/api/v1/houses-repaired", "RecordHouseRepaired"),
        ("/api/v1/completion-corrections", "CorrectCompletionDate"),
        ("/api/v1/support-cancellations", "CancelSupport"),
        ("/api/v1/children", "RegisterChild"),
        ("/api/v1/sponsors", "RegisterSponsor"),
        ("/api/v1/sponsorships", "SponsorChild"),
        ("/api/v1/payments", "RecordPayment"),
        ("/api/v1/payment-reversals", "ReversePayment"),
        ("/api/v1/sponsorship-transfers", "TransferSponsorship"),
        ("/api/v1/sponsorship-ends", "EndSponsorship"),
        ("/api/v1/jobs-targets", "SetJobsTarget"),
        ("/api/v1/jobs-created", "RecordJobsCreated"),
    ]);
    let mut tagged = route.valid.clone();
    if let Some(name) = names.get(route.path.as_str()) {
        tagged["command"] = json!(name);
    }
    serde_json::from_value(tagged).unwrap_or_else(|e| panic!("sample for {}: {e}", route.path))
}

/// Hostile values as raw JSON text, so numbers serde_json::Value cannot hold (1e400, 10^30)
/// and nesting it would refuse to build can be planted too.
fn hostile_values() -> Vec<String> {
    let mut values: Vec<String> = [
        "1e400",
        "-1e400",
        "1e-400",
        "1000000000000000000000000000000",
        "\"1000000000000000000000000000000\"",
        "\"1000000000000000000\"",
        "\"1000000000000000001\"",
        "\"1000.5\"",
        "1000.5",
        "\"1e3\"",
        "\"-5\"",
        "-5",
        "-0",
        "\"0\"",
        "0",
        "\" 100\"",
        "\"+100\"",
        "\"0x10\"",
        "18446744073709551616",
        "18446744073709551615",
        "9223372036854775808",
        "-9223372036854775809",
        "4294967296",
        "4294967295",
        "65536",
        "2147483648",
        "-2147483649",
        "\"0000-00-00\"",
        "\"99999-01-01\"",
        "\"2023-02-30\"",
        "\"2023-02-29\"",
        "\"+002023-01-01\"",
        "\"262143-12-31\"",
        "\"-262144-01-01\"",
        "\"2023-13\"",
        "\"0000-00\"",
        "\"99999-12\"",
        "\"-0001-01\"",
        "\"2023-1\"",
        "\"unknown_kind\"",
        "\"HOUSING\"",
        "true",
        "null",
        "[]",
        "{}",
        "[\"06703\",\"06703\"]",
        "\"\"",
        "\" \"",
        "\"\\u0000\"",
        "\"\\ud800\"",
        "\"🏠\"",
        "\"a/b c\"",
        "\"../../etc/passwd\"",
        "\"00000000-0000-0000-0000-000000000000\"",
        "\"not-a-uuid\"",
    ]
    .map(str::to_owned)
    .to_vec();
    values.push(format!("\"{}\"", "a".repeat(100_000)));
    values.push(format!("{}{}", "[".repeat(DEEP), "]".repeat(DEEP)));
    values.push(format!("{}1{}", "{\"a\":".repeat(DEEP), "}".repeat(DEEP)));
    values
}

/// The JSON pointers of every value in a body (objects' members, arrays' items), so a
/// mutation can reach `funding/0/amount` as well as `amount`.
fn slots(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(members) => {
            for (key, member) in members {
                let pointer = format!("{at}/{key}");
                out.push(pointer.clone());
                slots(member, pointer, out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let pointer = format!("{at}/{i}");
                out.push(pointer.clone());
                slots(item, pointer, out);
            }
        }
        _ => {}
    }
}

fn all_slots(body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    slots(body, String::new(), &mut out);
    out
}

const PLACEHOLDER: &str = "\u{1}planted\u{1}";

/// `body` with the value at `pointer` replaced by raw JSON text.
fn plant(body: &Value, pointer: &str, raw: &str) -> Vec<u8> {
    let mut body = body.clone();
    *body.pointer_mut(pointer).unwrap() = json!(PLACEHOLDER);
    let text = serde_json::to_string(&body).unwrap();
    let quoted = serde_json::to_string(PLACEHOLDER).unwrap();
    text.replacen(&quoted, raw, 1).into_bytes()
}

/// `body` without the member at `pointer`, or with the item removed from its array.
fn remove(body: &Value, pointer: &str) -> Vec<u8> {
    let mut body = body.clone();
    let (parent, last) = pointer.rsplit_once('/').unwrap();
    match body.pointer_mut(parent).unwrap() {
        Value::Object(members) => {
            members.remove(last);
        }
        Value::Array(items) => {
            items.remove(last.parse::<usize>().unwrap());
        }
        _ => unreachable!(),
    }
    serde_json::to_vec(&body).unwrap()
}

/// A body mutation: one or more hostile values planted, a field dropped, a field added, a
/// key repeated.
#[derive(Clone, Debug)]
enum Mutation {
    Plant(usize, String),
    Remove(usize),
    Extra(String, String),
    DuplicateKey(usize),
}

fn apply(valid: &Value, mutation: &Mutation) -> Vec<u8> {
    let slots = all_slots(valid);
    if slots.is_empty() {
        // Earlier mutations removed every field: nothing is left to mutate in place.
        return serde_json::to_vec(valid).unwrap();
    }
    let pick = |i: &usize| slots[i % slots.len()].clone();
    match mutation {
        Mutation::Plant(i, raw) => plant(valid, &pick(i), raw),
        Mutation::Remove(i) => remove(valid, &pick(i)),
        Mutation::Extra(key, raw) => {
            let mut text = serde_json::to_string(valid).unwrap();
            text.pop();
            let key = serde_json::to_string(key).unwrap();
            format!("{text},{key}:{raw}}}").into_bytes()
        }
        Mutation::DuplicateKey(i) => {
            let top: Vec<&String> = valid.as_object().unwrap().keys().collect();
            let key = top[i % top.len()];
            let mut text = serde_json::to_string(valid).unwrap();
            text.pop();
            let again = serde_json::to_string(&valid[key.as_str()]).unwrap();
            format!("{text},{}:{again}}}", serde_json::to_string(key).unwrap()).into_bytes()
        }
    }
}

/// A raw value: one of the hostile list or a random one of a type a field may hold.
fn raw_value() -> impl Strategy<Value = String> {
    let hostile = hostile_values();
    prop_oneof![
        3 => proptest::sample::select(hostile),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => any::<u64>().prop_map(|n| format!("\"{n}\"")),
        1 => any::<f64>().prop_filter("JSON has no NaN", |f| f.is_finite()).prop_map(|f| format!("{f:e}")),
        1 => "\\PC{0,40}".prop_map(|s| serde_json::to_string(&s).unwrap()),
        1 => (0i32..300_000, 0u32..20, 0u32..40)
            .prop_map(|(y, m, d)| format!("\"{y:04}-{m:02}-{d:02}\"")),
        1 => (-5i32..300_000, 0u32..20).prop_map(|(y, m)| format!("\"{y:04}-{m:02}\"")),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        6 => (any::<usize>(), raw_value()).prop_map(|(i, raw)| Mutation::Plant(i, raw)),
        1 => any::<usize>().prop_map(Mutation::Remove),
        1 => ("[a-z_]{1,12}", raw_value()).prop_map(|(k, raw)| Mutation::Extra(k, raw)),
        1 => any::<usize>().prop_map(Mutation::DuplicateKey),
    ]
}

/// Garbage for a whole body: random bytes, random JSON, a valid body cut short or with a
/// byte dropped in.
fn garbage(valid: Value) -> impl Strategy<Value = Vec<u8>> {
    let text = serde_json::to_vec(&valid).unwrap();
    let (cut, poked) = (text.clone(), text);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "\\PC{0,20}".prop_map(Value::from),
    ];
    let json = leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            proptest::collection::btree_map("[a-z_]{1,16}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        json.prop_map(|v| serde_json::to_vec(&v).unwrap()),
        any::<proptest::sample::Index>().prop_map(move |i| cut[..i.index(cut.len())].to_vec()),
        (any::<proptest::sample::Index>(), any::<u8>()).prop_map(move |(i, byte)| {
            let mut body = poked.clone();
            body.insert(i.index(body.len()), byte);
            body
        }),
    ]
}

fn proptest_over_routes<T: std::fmt::Debug + Clone + 'static>(
    harness: &Harness,
    strategy: impl Fn(&Route) -> BoxedStrategy<T>,
    body_of: impl Fn(&Route, &T) -> Vec<u8>,
) {
    let before = std::cell::RefCell::new(harness.head());
    let routes = harness.routes.clone();
    let strategies: Vec<_> = routes.iter().map(&strategy).collect();
    let picked = (0..routes.len()).prop_flat_map(move |r| (Just(r), strategies[r].clone()));
    runner()
        .run(&picked, |(r, input)| {
            let route = &harness.routes[r];
            let body = body_of(route, &input);
            let after = harness.send(route, body, Some("application/json"), &before.borrow())?;
            *before.borrow_mut() = after;
            Ok(())
        })
        .unwrap();
}

/// Random bytes, random JSON and broken JSON at every write route.
#[test]
fn garbage_bodies_at_every_write_route_are_refused_cleanly() {
    let harness = Harness::start();
    proptest_over_routes(
        &harness,
        |route| garbage(route.valid.clone()).boxed(),
        |_, body| body.clone(),
    );
}

/// Valid bodies with hostile values, missing, extra or repeated fields, one or three at a
/// time: these get past the parser's first checks and reach the rules.
#[test]
fn mutated_valid_bodies_at_every_write_route_are_refused_cleanly() {
    let harness = Harness::start();
    proptest_over_routes(
        &harness,
        |_| proptest::collection::vec(mutation(), 1..=3).boxed(),
        |route, mutations| {
            let mut body = route.valid.clone();
            for m in mutations {
                let bytes = apply(&body, m);
                match serde_json::from_slice(&bytes) {
                    // Keep composing while the body is still JSON serde_json can hold.
                    Ok(next) => body = next,
                    Err(_) => return bytes,
                }
            }
            serde_json::to_vec(&body).unwrap()
        },
    );
}

/// Every hostile value in every field of every route, every field dropped: exhaustive, so
/// no (route, field, value) pair depends on luck.
#[test]
fn every_hostile_value_in_every_field_of_every_write_route_is_refused_cleanly() {
    let harness = Harness::start();
    let mut before = harness.head();
    let hostile = hostile_values();
    for route in &harness.routes {
        for (i, _) in all_slots(&route.valid).iter().enumerate() {
            for raw in &hostile {
                let body = apply(&route.valid, &Mutation::Plant(i, raw.clone()));
                before = harness.send_json(route, body, &before);
            }
            before = harness.send_json(route, apply(&route.valid, &Mutation::Remove(i)), &before);
        }
        let extra = Mutation::Extra("colour".to_owned(), "\"red\"".to_owned());
        before = harness.send_json(route, apply(&route.valid, &extra), &before);
    }
}

/// Oversized bodies (with and without a length), deep nesting, empty bodies and wrong
/// content types at every write route.
#[test]
fn oversized_deep_empty_and_mistyped_bodies_at_every_write_route_are_refused_cleanly() {
    let harness = Harness::start();
    let mut before = harness.head();
    let oversized = {
        let mut body =
            serde_json::to_string(&json!({"name": "a".repeat(OVERSIZED_BYTES)})).unwrap();
        body.insert_str(1, "\"pad\":1,");
        body.into_bytes()
    };
    let deep = format!("{}{}", "[".repeat(DEEP), "]".repeat(DEEP)).into_bytes();
    for route in &harness.routes {
        for body in [oversized.clone(), deep.clone(), Vec::new(), b"{}".to_vec()] {
            before = harness.send_json(route, body, &before);
        }
        before = send_chunked(&harness, route, oversized.clone(), &before);
        let valid = serde_json::to_vec(&route.valid).unwrap();
        for content_type in [
            None,
            Some("text/plain"),
            Some("application/xml"),
            Some("application/x-www-form-urlencoded"),
            Some("multipart/form-data; boundary=x"),
            Some("application/json; charset=utf-16"),
            Some("application/jsonx"),
            Some("json"),
            Some(""),
        ] {
            before = harness
                .send(route, valid.clone(), content_type, &before)
                .unwrap_or_else(|e| panic!("{content_type:?}: {e}"));
        }
    }
}

/// An oversized body streamed without a Content-Length, so the limit must hold while
/// reading, not only by looking at the header.
fn send_chunked(harness: &Harness, route: &Route, body: Vec<u8>, before: &Value) -> Value {
    harness.rt.block_on(async {
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            body.chunks(16 * 1024).map(|c| Ok(c.to_vec())).collect();
        let stream = futures::stream::iter(chunks);
        let response = harness
            .app
            .post_as(route.role, &route.path)
            .header("content-type", "application/json")
            .body(reqwest::Body::wrap_stream(stream))
            .send()
            .await;
        let label = format!("chunked POST {}", route.path);
        answered_cleanly(&harness.app, &label, response, before)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    })
}

/// Revoking a token by any id: unknown ids are 404 problems, odd ones never a 5xx, and the
/// caller's own token keeps working.
#[test]
fn revoking_a_token_by_any_id_is_refused_cleanly() {
    let harness = Harness::start();
    let before = std::cell::RefCell::new(harness.head());
    let ids = prop_oneof![
        "\\PC{1,64}",
        "[0-9a-f]{16}",
        proptest::sample::select(vec![
            "..".to_owned(),
            "%2e%2e".to_owned(),
            "0".repeat(5_000),
            "%00".to_owned(),
            "%ZZ".to_owned(),
            "a%2Fb".to_owned(),
        ]),
    ];
    runner()
        .run(&ids, |id| {
            let encoded = encode_segment(&id);
            let previous = before.borrow().clone();
            harness.rt.block_on(async {
                let response = harness
                    .app
                    .client
                    .delete(harness.app.url(&format!("/api/v1/tokens/{encoded}")))
                    .bearer_auth(harness.app.token(Role::Admin))
                    .send()
                    .await;
                let label = format!("DELETE /api/v1/tokens/{encoded}");
                let after = answered_cleanly(&harness.app, &label, response, &previous).await?;
                *before.borrow_mut() = after;
                Ok(())
            })
        })
        .unwrap();
    let still = harness
        .rt
        .block_on(harness.app.get_as(Role::Admin, "/api/v1/tokens").send())
        .unwrap();
    assert_eq!(still.status(), 200, "the admin token survived");
}

/// Percent-encodes everything but unreserved characters, keeping `%` so pre-encoded
/// sequences (`%2e`, `%ZZ`) reach the server as written.
fn encode_segment(id: &str) -> String {
    id.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'%' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Regression: a 413 leaves the rest of the body unread and the server drops the connection,
/// but the answer did not say so; a client reusing the connection (as every pooled client
/// does) then lost its next request ("connection closed before message completed"). The
/// answer now says `Connection: close`, and the next request on the same client is answered.
#[test]
fn a_413_closes_the_connection_openly_so_the_next_request_is_answered() {
    let harness = Harness::start();
    let route = &harness.routes[0];
    let before = harness.head();
    for _ in 0..20 {
        let oversized = vec![b' '; OVERSIZED_BYTES];
        let response = harness.rt.block_on(async {
            let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
                oversized.chunks(8 * 1024).map(|c| Ok(c.to_vec())).collect();
            harness
                .app
                .post_as(route.role, &route.path)
                .header("content-type", "application/json")
                .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
                .send()
                .await
                .unwrap()
        });
        assert_eq!(response.status(), 413);
        assert_eq!(response.headers()["connection"], "close");
        drop(response);
        assert_eq!(harness.head(), before, "the next request is answered");
    }
}

/// Regression: a 401 answered before a large body is read left the rest of the body on the
/// connection, which the server then dropped unannounced; the client's next request on it
/// was lost. Refusals before the body now close the connection openly.
#[test]
fn a_refusal_before_a_large_body_closes_the_connection_openly() {
    let harness = Harness::start();
    let route = &harness.routes[0];
    let before = harness.head();
    let body = serde_json::to_vec(&json!({"padding": "a".repeat(200 * 1024)})).unwrap();
    for _ in 0..20 {
        let response = harness.rt.block_on(async {
            harness
                .app
                .client
                .post(harness.app.url(&route.path))
                .bearer_auth("wl_forged.not-a-real-secret")
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .unwrap()
        });
        assert_eq!(response.status(), 401);
        assert_eq!(response.headers()["connection"], "close");
        drop(response);
        assert_eq!(harness.head(), before, "the next request is answered");
    }
}

/// Regression: a path segment that is not UTF-8 once percent-decoded (`%aa`) was answered
/// by axum's own `400 text/plain`, not a problem document. Every path parameter now
/// rejects through the problem mapping.
#[test]
fn a_path_segment_that_is_not_utf8_is_a_problem_document() {
    let harness = Harness::start();
    let before = harness.head();
    let cases = [
        (reqwest::Method::DELETE, "/api/v1/tokens/%aa", Role::Admin),
        (
            reqwest::Method::GET,
            "/api/v1/streams/%ff/events",
            Role::Inspector,
        ),
        (reqwest::Method::GET, "/api/v1/audit/%ff", Role::Inspector),
        (
            reqwest::Method::GET,
            "/api/v1/reports/annual/%ff",
            Role::Inspector,
        ),
    ];
    for (method, path, role) in cases {
        let response = harness.rt.block_on(
            harness
                .app
                .client
                .request(method.clone(), harness.app.url(path))
                .bearer_auth(harness.app.token(role))
                .send(),
        );
        let label = format!("{method} {path}");
        let response = response.unwrap();
        assert_eq!(response.status(), 400, "{label}");
        harness
            .rt
            .block_on(answered_cleanly(
                &harness.app,
                &label,
                Ok(response),
                &before,
            ))
            .unwrap_or_else(|e| panic!("{e}"));
    }
}
