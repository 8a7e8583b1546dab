//! Recording facts over HTTP: rules, idempotency, races, malformed bodies, time axes, and what
//! the dashboard role may never see.

use std::sync::Arc;

use ledger_api::Role;
use serde_json::{json, Value};

use crate::helpers::{problem, TestApp};

async fn post(app: &TestApp, path: &str, body: Value) -> reqwest::Response {
    app.post_as(Role::Recorder, path)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn created(app: &TestApp, path: &str, body: Value) -> Value {
    let response = post(app, path, body).await;
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, 201, "{path}: {text}");
    serde_json::from_str(&text).unwrap()
}

/// A unit, a housing programme with `budget` dong from the state, and `households` households.
async fn housing_setup(app: &TestApp, budget: &str, households: usize) {
    created(
        app,
        "/api/v1/units",
        json!({"code": "06703", "name": "Việt Hưng", "unit_kind": "ward",
        "valid_from": "2021-02-03", "valid_to": "2025-06-30", "registered_on": "2021-02-03"}),
    )
    .await;
    created(
        app,
        "/api/v1/programmes",
        json!({"programme_id": "housing-2023", "name": "Nhà ở 2023",
        "programme_kind": "housing", "year": 2023, "target": 108, "deadline": "2023-08-31",
        "opened_on": "2023-02-06"}),
    )
    .await;
    created(
        app,
        "/api/v1/allocations",
        json!({"programme_id": "housing-2023", "source": "state",
        "amount": budget, "allocated_on": "2023-02-10"}),
    )
    .await;
    for h in 0..households {
        created(
            app,
            "/api/v1/households",
            json!({"household_id": format!("hh-{h}"),
            "unit_code": "06703", "members": 4, "registered_on": "2023-01-05"}),
        )
        .await;
    }
}

fn approval(h: usize, amount: &str) -> Value {
    json!({"programme_id": "housing-2023", "support_id": format!("house-{h}"),
        "household_id": format!("hh-{h}"), "work_kind": "repair", "amount": amount,
        "planned_completion_on": "2023-06-30",
        "funding": [{"source": "state", "amount": amount}], "approved_on": "2023-03-01"})
}

fn committed(answer: &Value) -> String {
    answer["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["programme_id"] == "housing-2023")
        .map(|row| row["committed"].as_str().unwrap().to_owned())
        .unwrap_or_default()
}

pub async fn recorded_facts_show_in_the_answers_and_a_broken_rule_is_422(app: TestApp) {
    housing_setup(&app, "100000000", 2).await;
    let first = created(&app, "/api/v1/housing-supports", approval(0, "70000000")).await;
    assert_eq!(first["events"][0]["stream"], "programme-housing-2023");
    let position = first["position"].as_u64().unwrap();

    let summary = app.get_ok(Role::Dashboard, "/api/v1/budgets/summary").await;
    assert_eq!(summary["position"], position, "read-your-writes");
    assert_eq!(committed(&summary), "70000000");

    let refused = post(&app, "/api/v1/housing-supports", approval(1, "45000000")).await;
    let body = problem(refused, 422).await;
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("45.000.000") && detail.contains("30.000.000"),
        "{detail}"
    );
    let after = app.get_ok(Role::Dashboard, "/api/v1/budgets/summary").await;
    assert_eq!(
        after["position"], position,
        "a refused command appends nothing"
    );
}

/// Ids the ledger chooses are UUID v7, time first: decided one after another, they sort in the
/// order recorded, so each lands at the end of the log's unique index, where random ids each
/// dirtied a page of their own in every commit.
pub async fn ids_the_ledger_chooses_are_time_ordered_in_the_order_recorded(app: TestApp) {
    use futures::TryStreamExt;
    housing_setup(&app, "100000000", 3).await;
    let events: Vec<ledger_store::RecordedEvent> =
        app.store.read_all(1).try_collect().await.unwrap();
    assert!(events.len() >= 6, "{} events", events.len());
    for event in &events {
        assert_eq!(event.event_id.get_version_num(), 7, "{}", event.event_id);
    }
    for pair in events.windows(2) {
        assert!(
            pair[0].event_id < pair[1].event_id,
            "position {} has id {}, after {}",
            pair[1].position,
            pair[1].event_id,
            pair[0].event_id
        );
    }
}

pub async fn an_idempotent_retry_returns_the_original_response_and_appends_nothing(app: TestApp) {
    housing_setup(&app, "100000000", 0).await;
    let household = json!({"household_id": "hh-9", "unit_code": "06703", "members": 3,
        "registered_on": "2023-01-05"});
    let send = |body: Value| {
        app.post_as(Role::Recorder, "/api/v1/households")
            .header("Idempotency-Key", "register-hh-9")
            .json(&body)
            .send()
    };
    let first: Value = send(household.clone()).await.unwrap().json().await.unwrap();
    let retry = send(household.clone()).await.unwrap();
    assert_eq!(retry.status(), 201);
    let retry: Value = retry.json().await.unwrap();
    assert_eq!(retry["events"], first["events"]);
    assert_eq!(retry["idempotent_replay"], true);
    assert_eq!(
        app.store.head().await.unwrap().position,
        first["position"].as_u64().unwrap()
    );

    let mut other = household;
    other["members"] = json!(5);
    problem(send(other).await.unwrap(), 422).await;
    assert_eq!(
        app.store.head().await.unwrap().position,
        first["position"].as_u64().unwrap()
    );
}

pub async fn concurrent_approvals_against_one_budget_let_exactly_the_affordable_ones_pass(
    app: TestApp,
) {
    housing_setup(&app, "300000000", 20).await;
    let app = Arc::new(app);
    let racers: Vec<_> = (0..20)
        .map(|h| {
            let app = app.clone();
            tokio::spawn(async move {
                post(&app, "/api/v1/housing-supports", approval(h, "30000000"))
                    .await
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for r in racers {
        statuses.push(r.await.unwrap());
    }
    let passed = statuses.iter().filter(|&&s| s == 201).count();
    assert_eq!(
        passed, 10,
        "300M affords exactly ten 30M approvals: {statuses:?}"
    );
    assert!(
        statuses.iter().all(|&s| s == 201 || s == 422 || s == 409),
        "{statuses:?}"
    );
    let summary = app.get_ok(Role::Finance, "/api/v1/budgets/summary").await;
    assert_eq!(committed(&summary), "300000000");
    assert!(app.store.verify().await.unwrap().is_whole());
}

pub async fn malformed_bodies_are_400_with_the_field_and_change_nothing(app: TestApp) {
    housing_setup(&app, "100000000", 1).await;
    let head = app.store.head().await.unwrap();
    let cases = [
        approval(0, "1000.5"),
        approval(0, "-5"),
        approval(0, "99999999999999999999999999"),
        json!({"household_id": "hh-x", "unit_code": "06703", "members": 3, "registered_on": "2023-01-05", "name": "Nguyễn Văn A"}),
        json!({"household_id": "hh-x", "unit_code": "06703", "members": "three", "registered_on": "2023-01-05"}),
        json!({"household_id": "hh x", "unit_code": "06703", "members": 3, "registered_on": "2023-01-05"}),
        json!({"household_id": "hh-x", "unit_code": "06703", "members": 3, "registered_on": "2023-02-30"}),
        json!([1, 2, 3]),
    ];
    for (i, body) in cases.into_iter().enumerate() {
        let path = if i < 3 {
            "/api/v1/housing-supports"
        } else {
            "/api/v1/households"
        };
        problem(post(&app, path, body).await, 400).await;
    }
    let unknown = problem(
        post(
            &app,
            "/api/v1/households",
            json!({"household_id": "hh-x", "unit_code": "06703",
            "members": 3, "registered_on": "2023-01-05", "colour": "red"}),
        )
        .await,
        400,
    )
    .await;
    assert_eq!(unknown["field"], "colour", "{unknown}");
    assert_eq!(app.store.head().await.unwrap(), head);
}

pub async fn queries_answer_as_of_a_date_and_as_known_at_a_time(app: TestApp) {
    housing_setup(&app, "100000000", 1).await;
    let before_approval = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    created(&app, "/api/v1/housing-supports", approval(0, "70000000")).await;
    let now = app.get_ok(Role::Finance, "/api/v1/budgets/summary").await;
    assert_eq!(committed(&now), "70000000");

    let valid_time = app
        .get_ok(Role::Finance, "/api/v1/budgets/summary?as_of=2023-02-28")
        .await;
    assert_eq!(committed(&valid_time), "0");
    assert_eq!(valid_time["as_of"], "2023-02-28");

    let known = before_approval.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let path = format!(
        "/api/v1/budgets/summary?known_at={}",
        known.replace('+', "%2B")
    );
    let transaction_time = app.get_ok(Role::Finance, &path).await;
    assert_eq!(committed(&transaction_time), "0");
    assert!(transaction_time["known_at"].is_string());

    let at = now["position"].as_u64().unwrap() - 1;
    let recorder = app
        .get_as(
            Role::Recorder,
            &format!("/api/v1/budgets/summary?at_position={at}"),
        )
        .send()
        .await
        .unwrap();
    problem(recorder, 403).await;
    let inspector = app
        .get_ok(
            Role::Inspector,
            &format!("/api/v1/budgets/summary?at_position={at}"),
        )
        .await;
    assert_eq!(inspector["position"], at);
    assert_eq!(committed(&inspector), "0");

    let bad = app
        .get_as(Role::Finance, "/api/v1/budgets/summary?as_of=31-12-2023")
        .send()
        .await
        .unwrap();
    problem(bad, 400).await;
}

pub async fn the_dashboard_role_never_sees_a_planted_personal_field(app: TestApp) {
    housing_setup(&app, "100000000", 0).await;
    created(
        &app,
        "/api/v1/households",
        json!({"household_id": "planted-hh-7q", "unit_code": "06703",
        "members": 3, "registered_on": "2023-01-05"}),
    )
    .await;
    created(
        &app,
        "/api/v1/housing-supports",
        json!({"programme_id": "housing-2023",
        "support_id": "planted-support-7q", "household_id": "planted-hh-7q", "work_kind": "repair",
        "amount": "30000000", "planned_completion_on": "2023-06-30",
        "funding": [{"source": "state", "amount": "30000000"}], "approved_on": "2023-03-01"}),
    )
    .await;
    created(
        &app,
        "/api/v1/programmes",
        json!({"programme_id": "children-2023", "name": "Đỡ đầu",
        "programme_kind": "sponsorship", "year": 2023, "target": 1, "deadline": "2023-12-31",
        "opened_on": "2023-01-02"}),
    )
    .await;
    created(
        &app,
        "/api/v1/children",
        json!({"child_id": "planted-child-7q", "birth_date": "2011-02-28",
        "unit_code": "06703", "circumstance": "orphan", "registered_on": "2023-05-02"}),
    )
    .await;
    created(&app, "/api/v1/sponsors", json!({"sponsor_id": "planted-sponsor-7q",
        "name": "Planted Organisation Name", "sponsor_kind": "agency", "registered_on": "2023-04-25"})).await;
    created(&app, "/api/v1/sponsorships", json!({"sponsorship_id": "planted-sps-7q",
        "programme_id": "children-2023", "child_id": "planted-child-7q", "sponsor_id": "planted-sponsor-7q",
        "monthly_amount": "1000000", "first_month": "2023-06", "fixed_months": null,
        "sponsored_on": "2023-06-01"})).await;

    let spec = app.openapi().await;
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        let Some(op) = item.get("get") else { continue };
        if op["security"][0]["bearer"][0] != "aggregates" {
            continue;
        }
        for query in ["", "?grouping=current", "?as_of=2023-12-31"] {
            let body = app
                .get_as(Role::Dashboard, &format!("{path}{query}"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            for secret in ["planted", "Planted", "2011-02-28", "2011-02"] {
                assert!(
                    !body.contains(secret),
                    "{path}{query} shows {secret:?} to a dashboard: {body}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 30, "too few aggregate routes checked: {checked}");
    // The same data is there for roles that may see it, so the check above can fail.
    let details = app
        .get_as(Role::Inspector, "/api/v1/sponsorship/by-child")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(details.contains("planted-child-7q"));
}
