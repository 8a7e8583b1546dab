//! Answers reused by request and position (`ledger_api`'s answer cache): a repeated query
//! gets the same bytes, and never an answer the ledger has moved past.

use ledger_api::Role;
use serde_json::{json, Value};

use crate::helpers::{problem, TestApp};
use crate::inspection::{known_at_before_a_late_fact, load_halong, record};

async fn body(app: &TestApp, role: Role, path: &str) -> String {
    let response = app.get_as(role, path).send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(
        response.headers()["content-type"],
        "application/json",
        "{path}"
    );
    response.text().await.unwrap()
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

pub async fn a_repeated_query_is_answered_again_until_the_ledger_moves(app: TestApp) {
    load_halong(&app).await;
    for path in [
        "/api/v1/sponsorship/totals",
        "/api/v1/reports/annual/2023",
        "/api/v1/budgets/summary",
    ] {
        let first = body(&app, Role::Dashboard, path).await;
        assert_eq!(body(&app, Role::Dashboard, path).await, first, "{path}");
    }
    let before = parse(&body(&app, Role::Dashboard, "/api/v1/sponsorship/totals").await);
    let before_report = parse(&body(&app, Role::Dashboard, "/api/v1/reports/annual/2024").await);
    let payment = json!({"command": "RecordPayment", "sponsorship_id": "sps-002",
        "amount": "3000000", "first_month": "2024-03", "months": 3, "received_on": "2024-03-05"});
    record(&app, payment).await;
    let after = parse(&body(&app, Role::Dashboard, "/api/v1/sponsorship/totals").await);
    assert_eq!(
        after["position"].as_u64(),
        before["position"].as_u64().map(|p| p + 1)
    );
    let paid = |answer: &Value| {
        answer["data"]["paid"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    assert_eq!(paid(&after), paid(&before) + 3_000_000);
    let after_report = parse(&body(&app, Role::Dashboard, "/api/v1/reports/annual/2024").await);
    assert_ne!(after_report["position"], before_report["position"]);
    // A different date is a different question, even at the same position.
    let on = |date: &str| format!("/api/v1/sponsorship/totals?as_of={date}");
    let early = parse(&body(&app, Role::Dashboard, &on("2023-07-01")).await);
    let late = parse(&body(&app, Role::Dashboard, &on("2024-07-01")).await);
    assert_ne!(early["data"]["due"], late["data"]["due"]);
}

pub async fn a_historical_answer_is_reused_only_for_the_same_log_and_the_same_caller_rights(
    app: TestApp,
) {
    load_halong(&app).await;
    let path = "/api/v1/sponsorship/totals?as_of=2023-12-31";
    let first = body(&app, Role::Dashboard, path).await;
    assert_eq!(body(&app, Role::Dashboard, path).await, first);
    // A payment recorded late but received before `as_of` changes the answer as of that date.
    let late = json!({"command": "RecordPayment", "sponsorship_id": "sps-002",
        "amount": "3000000", "first_month": "2024-03", "months": 3, "received_on": "2023-12-20"});
    record(&app, late).await;
    let again = parse(&body(&app, Role::Dashboard, path).await);
    let first = parse(&first);
    assert_eq!(
        again["position"].as_u64(),
        first["position"].as_u64().map(|p| p + 1)
    );
    assert_ne!(again["data"]["paid"], first["data"]["paid"]);

    let head = again["position"].as_u64().unwrap();
    let at = format!("/api/v1/sponsorship/totals?at_position={}", head - 1);
    let inspected = body(&app, Role::Inspector, &at).await;
    assert_eq!(parse(&inspected)["position"].as_u64(), Some(head - 1));
    assert_eq!(body(&app, Role::Inspector, &at).await, inspected);
    // Positions are for inspectors only, whatever was answered before.
    let refused = app.get_as(Role::Dashboard, &at).send().await.unwrap();
    let refused = problem(refused, 403).await;
    assert!(
        refused["detail"].as_str().unwrap().contains("inspect"),
        "{refused}"
    );
}

pub async fn an_as_of_after_every_business_date_is_answered_as_the_replay_would(app: TestApp) {
    load_halong(&app).await;
    let paths = [
        "/api/v1/sponsorship/totals",
        "/api/v1/reports/annual/2023",
        "/api/v1/housing",
    ];
    // From the live view: nothing in the log occurred after 2099.
    let mut live = Vec::new();
    for path in paths {
        let path = format!("{path}?as_of=2099-12-31");
        live.push(parse(&body(&app, Role::Dashboard, &path).await));
    }
    // From a replay: a `known_at` short of the head's transaction time replays the log up to
    // what the live answers above saw.
    let known_at = known_at_before_a_late_fact(&app).await;
    for (path, live) in paths.into_iter().zip(live) {
        let path = format!("{path}?as_of=2099-12-31&known_at={known_at}");
        let replayed = parse(&body(&app, Role::Dashboard, &path).await);
        let strip = |mut answer: Value| {
            if let Some(object) = answer.as_object_mut() {
                object.remove("known_at");
            }
            answer
        };
        assert_eq!(strip(live), strip(replayed), "{path}");
    }
}

/// Pages of a list answer, laid end to end, are the whole list; an object answer and a bad
/// `limit` are refused with the field named.
pub async fn a_list_answer_pages_with_offset_and_limit_and_an_object_refuses_them(app: TestApp) {
    crate::inspection::load_halong(&app).await;
    let path = "/api/v1/sponsorship/sponsorships";
    let whole = app.get_ok(Role::Finance, path).await;
    assert!(
        whole.get("page").is_none(),
        "an unpaged answer keeps its shape"
    );
    let rows = whole["data"].as_array().unwrap().clone();
    assert!(rows.len() >= 5, "the fixture has sponsorships to page");

    let mut laid = Vec::new();
    let mut offset = Some(0);
    while let Some(at) = offset {
        let page = app
            .get_ok(Role::Finance, &format!("{path}?offset={at}&limit=2"))
            .await;
        assert_eq!(page["position"], whole["position"]);
        assert_eq!(page["page"]["offset"], at);
        assert_eq!(page["page"]["limit"], 2);
        assert_eq!(page["page"]["total"], rows.len());
        let got = page["data"].as_array().unwrap();
        assert!(got.len() <= 2 && !got.is_empty());
        laid.extend(got.iter().cloned());
        offset = page["page"]["next_offset"].as_u64();
        if let Some(next) = offset {
            assert_eq!(next, at + got.len() as u64);
        }
    }
    assert_eq!(laid, rows);

    let past = app
        .get_ok(Role::Finance, &format!("{path}?offset={}", rows.len() + 3))
        .await;
    assert_eq!(past["data"], serde_json::json!([]));
    assert!(past["page"]["next_offset"].is_null());
    let tail = app.get_ok(Role::Finance, &format!("{path}?offset=1")).await;
    assert_eq!(tail["data"].as_array().unwrap()[..], rows[1..]);

    for (query, field) in [
        ("/api/v1/sponsorship/sponsorships?limit=0", "limit"),
        ("/api/v1/sponsorship/sponsorships?limit=10001", "limit"),
        ("/api/v1/sponsorship/sponsorships?offset=-1", "offset"),
        ("/api/v1/sponsorship/totals?limit=5", "limit"),
        ("/api/v1/sponsorship/totals?offset=5", "offset"),
    ] {
        let response = app.get_as(Role::Finance, query).send().await.unwrap();
        let body = problem(response, 400).await;
        assert!(
            body["detail"].as_str().unwrap().contains(field),
            "{query}: {body}"
        );
    }
}
