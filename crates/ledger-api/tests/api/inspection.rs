//! What inspectors rely on over HTTP: audit trails, and corrections that change the answers
//! known after them but not those known before.

use futures::TryStreamExt;
use ledger_api::Role;
use serde_json::{json, Value};

use crate::helpers::{problem, TestApp};

pub async fn load_halong(app: &TestApp) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/halong-2023/commands.ndjson"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let view = ledger_api::view::LiveView::default();
    ledger_api::import::import(
        &app.store,
        &view,
        std::io::Cursor::new(text),
        "test:import",
        |_, _| {},
    )
    .await
    .unwrap();
}

pub async fn record(app: &TestApp, command: Value) {
    let response = app
        .post_as(Role::Recorder, "/api/v1/commands")
        .header("Source-Ref", "QD-CORR/2023")
        .json(&command)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body = response.text().await.unwrap();
    assert!(status.is_success(), "{command}: {status} {body}");
}

/// The log's first disbursement: its payload, with its `event_id` added.
async fn first_disbursement(app: &TestApp) -> Value {
    let log: Vec<_> = app.store.read_all(1).try_collect().await.unwrap();
    let found = log
        .iter()
        .find(|e| e.kind == "HousingFundsDisbursed")
        .unwrap();
    let mut payload: Value = serde_json::from_str(&found.payload).unwrap();
    payload["event_id"] = json!(found.event_id);
    payload
}

/// Corrections recorded on 20 December 2023: the first disbursement reversed, house-030's
/// completion date corrected to `completed_on`, and sps-001 transferred from March 2024.
/// The time now, then one more fact recorded after it (a sponsor registered on 2024-06-01,
/// after every date the tests ask about): the answers as of those dates do not change, but a
/// `known_at` of the time returned stops short of the head, so the log's replay answers it
/// rather than the live view.
pub async fn known_at_before_a_late_fact(app: &TestApp) -> String {
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.6fZ");
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let late = format!("org-late-{}", app.store.head().await.unwrap().position);
    record(
        app,
        json!({"command": "RegisterSponsor", "sponsor_id": late, "name": "Late sponsor",
        "sponsor_kind": "enterprise", "registered_on": "2024-06-01"}),
    )
    .await;
    now.to_string()
}

async fn record_corrections(app: &TestApp, completed_on: &str) {
    let disbursement = first_disbursement(app).await;
    record(
        app,
        json!({"command": "ReverseDisbursement",
        "event_id": disbursement["event_id"], "reason": "paid twice", "reversed_on": "2023-12-20"}),
    )
    .await;
    record(
        app,
        json!({"command": "CorrectCompletionDate", "support_id": "house-030",
        "completed_on": completed_on, "reason": "acceptance record", "corrected_on": "2023-12-20"}),
    )
    .await;
    record(
        app,
        json!({"command": "TransferSponsorship", "sponsorship_id": "sps-001",
        "to_sponsor_id": "org-002", "from_month": "2024-03", "transferred_on": "2023-12-20"}),
    )
    .await;
}

pub async fn an_audit_trail_lists_every_event_about_a_household_with_its_postings(app: TestApp) {
    load_halong(&app).await;
    let trail = app
        .get_ok(Role::Finance, "/api/v1/audit/household-hh-030")
        .await;
    assert_eq!(trail["subject"], "household");
    let events = trail["events"].as_array().unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    for kind in [
        "HouseholdRegistered",
        "HousingSupportApproved",
        "HousingFundsDisbursed",
        "HouseBuilt",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    let approval = events
        .iter()
        .find(|e| e["kind"] == "HousingSupportApproved")
        .unwrap();
    assert_eq!(approval["source_ref"], "412/QĐ-UBND");
    assert!(approval["recorded_by"].as_str().unwrap().contains("import"));
    assert!(approval["occurred_on"].is_string() && approval["recorded_at"].is_string());
    let postings = approval["postings"].as_array().unwrap();
    assert!(!postings.is_empty(), "an approval commits money");
    assert!(events
        .iter()
        .filter(|e| e["kind"] == "HouseholdRegistered")
        .all(|e| e["postings"].as_array().unwrap().is_empty()));

    let sponsor = app
        .get_ok(Role::Inspector, "/api/v1/audit/sponsor-org-002")
        .await;
    assert!(sponsor["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "SponsorshipPaymentReceived"));
    let unknown = app
        .get_as(Role::Finance, "/api/v1/audit/household-nobody")
        .send()
        .await
        .unwrap();
    problem(unknown, 404).await;
    let not_an_entity = app
        .get_as(Role::Finance, "/api/v1/audit/geography")
        .send()
        .await
        .unwrap();
    assert_eq!(problem(not_an_entity, 400).await["field"], "stream");
}

fn disbursed(summary: &Value) -> u64 {
    summary["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["disbursed"].as_str().unwrap().parse::<u64>().unwrap())
        .sum()
}

fn row<'a>(answer: &'a Value, field: &str, id: &str) -> &'a Value {
    answer["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[field] == id)
        .unwrap_or_else(|| panic!("no {field} {id}"))
}

pub async fn corrections_change_what_is_known_after_them_and_not_before(app: TestApp) {
    load_halong(&app).await;
    let paid = first_disbursement(&app).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let before = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.6fZ");
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;

    record_corrections(&app, "2023-05-03").await;
    record(
        &app,
        json!({"command": "EndSponsorship", "sponsorship_id": "sps-001",
        "last_month": "2024-09", "reason": "family moved", "ended_on": "2023-12-20"}),
    )
    .await;

    let at = |path: &str, known: bool| {
        let known_at = if known {
            format!("&known_at={before}")
        } else {
            String::new()
        };
        format!("{path}?as_of=2023-12-31{known_at}")
    };
    let (old, new) = (
        app.get_ok(Role::Finance, &at("/api/v1/budgets/summary", true))
            .await,
        app.get_ok(Role::Finance, &at("/api/v1/budgets/summary", false))
            .await,
    );
    let amount: u64 = paid["amount"].as_str().unwrap().parse().unwrap();
    assert_eq!(disbursed(&old), disbursed(&new) + amount);

    let (old, new) = (
        app.get_ok(Role::Finance, &at("/api/v1/housing/works", true))
            .await,
        app.get_ok(Role::Finance, &at("/api/v1/housing/works", false))
            .await,
    );
    assert_eq!(
        row(&old, "support_id", "house-030")["completed_on"],
        "2023-05-01"
    );
    assert_eq!(
        row(&new, "support_id", "house-030")["completed_on"],
        "2023-05-03"
    );

    let path = "/api/v1/sponsorship/sponsorships";
    let (old, new) = (
        app.get_ok(Role::Finance, &at(path, true)).await,
        app.get_ok(Role::Finance, &at(path, false)).await,
    );
    let (old, new) = (
        row(&old, "sponsorship_id", "sps-001"),
        row(&new, "sponsorship_id", "sps-001"),
    );
    assert_eq!(old["ended"], false);
    assert_eq!(old["sponsor_id"], "org-001");
    assert_eq!(new["ended"], true);
    assert_eq!(new["last_month"], "2024-09");
    assert_eq!(new["sponsor_id"], "org-002");
    assert_eq!(new["sponsors"].as_array().unwrap().len(), 2);
    assert_ne!(old["last_month"], new["last_month"]);
}

pub async fn dashboards_as_of_a_past_date_equal_the_replay_to_that_date(app: TestApp) {
    load_halong(&app).await;
    record_corrections(&app, "2023-12-18").await;
    let now = known_at_before_a_late_fact(&app).await;
    let dates = [
        "2022-12-31",
        "2023-01-15",
        "2023-03-31",
        "2023-06-30",
        "2023-09-30",
        "2023-12-19",
        "2023-12-20",
        "2023-12-31",
    ];
    let mut disbursed_by_date = Vec::new();
    let mut last_completion = Vec::new();
    let mut sponsors = Vec::new();
    let paths = [
        "/api/v1/budgets/summary",
        "/api/v1/housing",
        "/api/v1/sponsorship/totals",
        "/api/v1/budgets?grouping=recorded",
        "/api/v1/budgets?grouping=current",
        "/api/v1/poverty",
        "/api/v1/poverty/exits",
        "/api/v1/poverty/near-poor-remaining",
        "/api/v1/jobs",
        "/api/v1/jobs/by-unit?year=2023",
        "/api/v1/accounts/trial-balance",
    ];
    for path in paths.into_iter().chain(PER_ROW) {
        for date in dates {
            // These answer a past `as_of` from the live view; with `known_at` the same
            // question is answered by a replay of the log.
            let join = if path.contains('?') { '&' } else { '?' };
            let live = app
                .get_ok(Role::Finance, &format!("{path}{join}as_of={date}"))
                .await;
            let on: chrono::NaiveDate = date.parse().unwrap();
            let (ledger, _) = ledger_api::view::replay_at(&app.store, Some(on), None, None)
                .await
                .unwrap();
            let replayed = match projection_of(path, &ledger, on) {
                Some(data) => data,
                None => {
                    let path = format!("{path}{join}as_of={date}&known_at={now}");
                    let replayed = app.get_ok(Role::Finance, &path).await;
                    let (live_at, replayed_at) = (&live["position"], &replayed["position"]);
                    assert_eq!(live_at.as_u64(), replayed_at.as_u64().map(|p| p + 1));
                    replayed["data"].clone()
                }
            };
            assert_eq!(live["data"], replayed, "{path} as of {date}");
            assert_eq!(live["as_of"], date);
            match path {
                "/api/v1/housing" => {
                    last_completion.push(live["data"][0]["last_completion_on"].clone())
                }
                "/api/v1/sponsorship/totals" => sponsors.push(live["data"]["sponsors"].clone()),
                "/api/v1/budgets/summary" => disbursed_by_date.push(disbursed(&live)),
                _ => assert!(!live["data"].is_null(), "{live}"),
            }
        }
    }
    // The annual report too (its own shape: the sections at the top level).
    for date in dates {
        let path = "/api/v1/reports/annual/2023";
        let mut live = app
            .get_ok(Role::Finance, &format!("{path}?as_of={date}"))
            .await;
        let mut replayed = app
            .get_ok(
                Role::Finance,
                &format!("{path}?as_of={date}&known_at={now}"),
            )
            .await;
        assert!(live["sponsorship"].is_object(), "{live}");
        let (live_at, replayed_at) = (&live["position"], &replayed["position"]);
        assert_eq!(live_at.as_u64(), replayed_at.as_u64().map(|p| p + 1));
        for answer in [&mut live, &mut replayed] {
            let answer = answer.as_object_mut().unwrap();
            answer.remove("known_at");
            answer.remove("position");
        }
        assert_eq!(live, replayed, "{path} as of {date}");
        // The budget book export, byte for byte.
        let path = "/api/v1/exports/budget.csv";
        let live = csv_body(&app, &format!("{path}?as_of={date}")).await;
        let replayed = csv_body(&app, &format!("{path}?as_of={date}&known_at={now}")).await;
        assert_eq!(live, replayed, "{path} as of {date}");
    }
    // The figures move with the date: nothing disbursed before the first disbursement, and
    // the reversal takes effect on its own date; so does the corrected completion date.
    assert_eq!(disbursed_by_date.first(), Some(&0));
    assert!(
        disbursed_by_date[5] > disbursed_by_date[6],
        "{disbursed_by_date:?}"
    );
    assert_eq!(disbursed_by_date[6], disbursed_by_date[7]);
    assert_ne!(
        last_completion[5],
        json!("2023-12-18"),
        "{last_completion:?}"
    );
    assert_eq!(
        last_completion[6],
        json!("2023-12-18"),
        "{last_completion:?}"
    );
    // No sponsor owed anything before the first pledge.
    assert_eq!(sponsors[0], json!(0), "{sponsors:?}");
    assert!(sponsors[7].as_u64() > Some(0), "{sponsors:?}");
}

pub async fn a_known_at_or_position_at_the_head_sees_the_whole_log(app: TestApp) {
    load_halong(&app).await;
    let path = "/api/v1/budgets/summary";
    let whole = app.get_ok(Role::Inspector, path).await;
    let head = whole["position"].as_u64().unwrap();
    let later = "2199-01-01T00:00:00Z";
    for query in [
        format!("known_at={later}"),
        format!("at_position={head}"),
        format!("at_position={}", head + 10),
    ] {
        let answer = app
            .get_ok(Role::Inspector, &format!("{path}?{query}"))
            .await;
        assert_eq!(answer["data"], whole["data"], "{query}");
        assert_eq!(answer["position"], head, "{query}");
    }
    // A reversal moves the head: the same `known_at` sees it, a position at the old head not.
    record(
        &app,
        json!({"command": "ReverseDisbursement", "event_id": first_disbursement(&app).await["event_id"],
        "reason": "paid twice", "reversed_on": "2023-12-20"}),
    )
    .await;
    let after = app
        .get_ok(Role::Inspector, &format!("{path}?known_at={later}"))
        .await;
    assert_eq!(after["position"], head + 1);
    assert!(disbursed(&after) < disbursed(&whole), "{after}");
    let pinned = app
        .get_ok(Role::Inspector, &format!("{path}?at_position={head}"))
        .await;
    assert_eq!(pinned["data"], whole["data"]);
    assert_eq!(pinned["position"], head);
    let moved = app
        .get_ok(Role::Inspector, &format!("{path}?at_position={}", head + 1))
        .await;
    assert_eq!(moved["data"], after["data"]);
}

/// The per-row and per-unit sponsorship and housing queries, which the live view answers on
/// both time axes too.
const PER_ROW: [&str; 11] = [
    "/api/v1/sponsorship/by-programme",
    "/api/v1/housing/works",
    "/api/v1/housing/by-unit",
    "/api/v1/sponsorship/sponsorships",
    "/api/v1/sponsorship/arrears",
    "/api/v1/sponsorship/by-child",
    "/api/v1/sponsorship/by-sponsor",
    "/api/v1/sponsorship/by-unit",
    "/api/v1/sponsorship/turning-18?months=216",
    "/api/v1/units",
    "/api/v1/units/mapping",
];

/// The data a query path answers over `ledger` on `on`, computed by the domain directly (for
/// the queries the live view answers on both time axes); `None` for other paths.
fn projection_of(
    path: &str,
    ledger: &ledger_domain::Ledger,
    on: chrono::NaiveDate,
) -> Option<Value> {
    use chrono::Datelike;
    use ledger_domain::projection::{
        accounts, budget, housing, jobs, poverty, sponsorship, units, UnitGrouping,
    };
    let all = budget::BudgetFilter::default();
    Some(match path {
        "/api/v1/budgets/summary" => json!(budget::budget_summary(ledger)),
        "/api/v1/budgets?grouping=recorded" => {
            json!(budget::budget_book(ledger, &all, UnitGrouping::AsRecorded))
        }
        "/api/v1/budgets?grouping=current" => {
            json!(budget::budget_book(
                ledger,
                &all,
                UnitGrouping::CurrentOn(on)
            ))
        }
        "/api/v1/accounts/trial-balance" => json!(accounts::trial_balance(ledger)),
        "/api/v1/housing" => json!(housing::housing_progress(ledger, on)),
        "/api/v1/housing/works" => json!(housing::works(ledger, None, on)),
        "/api/v1/housing/by-unit" => {
            json!(housing::housing_by_unit(
                ledger,
                None,
                UnitGrouping::AsRecorded
            ))
        }
        "/api/v1/sponsorship/totals" => json!(sponsorship::totals(ledger, on)),
        "/api/v1/sponsorship/by-programme" => json!(sponsorship::by_programme(ledger, on)),
        "/api/v1/units" => json!(units::units_valid_on(ledger, on)),
        "/api/v1/units/mapping" => json!(units::mapping_table(ledger, on)),
        "/api/v1/sponsorship/turning-18?months=216" => {
            json!(sponsorship::turning_18_within(ledger, on, 216))
        }
        "/api/v1/sponsorship/sponsorships" => json!(sponsorship::sponsorships(ledger, on)),
        "/api/v1/sponsorship/arrears" => json!(sponsorship::in_arrears(ledger, on)),
        "/api/v1/sponsorship/by-child" => json!(sponsorship::by_child(ledger, on)),
        "/api/v1/sponsorship/by-sponsor" => json!(sponsorship::by_sponsor(ledger, on)),
        "/api/v1/sponsorship/by-unit" => {
            json!(sponsorship::by_unit(ledger, on, UnitGrouping::AsRecorded))
        }
        "/api/v1/jobs" => json!(jobs::jobs_progress(ledger, on.year())),
        "/api/v1/jobs?year=2023" => json!(jobs::jobs_progress(ledger, 2023)),
        "/api/v1/jobs/by-unit?year=2023" => {
            json!(jobs::jobs_by_unit(ledger, 2023, UnitGrouping::AsRecorded))
        }
        "/api/v1/poverty?grouping=current" => {
            json!(poverty::status_counts(
                ledger,
                None,
                UnitGrouping::CurrentOn(on)
            ))
        }
        "/api/v1/jobs/by-unit?year=2023&grouping=current" => {
            json!(jobs::jobs_by_unit(
                ledger,
                2023,
                UnitGrouping::CurrentOn(on)
            ))
        }
        "/api/v1/poverty" => json!(poverty::status_counts(
            ledger,
            None,
            UnitGrouping::AsRecorded
        )),
        "/api/v1/poverty/exits" => {
            let from = chrono::NaiveDate::from_ymd_opt(on.year(), 1, 1)?;
            json!(poverty::exits(
                ledger,
                None,
                from,
                on,
                UnitGrouping::AsRecorded
            ))
        }
        "/api/v1/poverty/near-poor-remaining" => json!(poverty::near_poor_remaining(ledger)),
        _ => return None,
    })
}

pub async fn finance_answers_known_at_a_past_time_equal_the_replay_of_the_log_then(app: TestApp) {
    load_halong(&app).await;
    let before_corrections = known_at_before_a_late_fact(&app).await;
    record_corrections(&app, "2023-12-18").await;
    let after_corrections = known_at_before_a_late_fact(&app).await;
    let head = app.store.head().await.unwrap().position;
    let queries = [
        "/api/v1/budgets/summary",
        "/api/v1/budgets?grouping=recorded",
        "/api/v1/accounts/trial-balance",
        "/api/v1/housing",
        "/api/v1/sponsorship/totals",
        "/api/v1/jobs?year=2023",
        "/api/v1/jobs/by-unit?year=2023",
        "/api/v1/poverty",
        "/api/v1/poverty/exits",
        "/api/v1/poverty/near-poor-remaining",
    ];
    let today = (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive();
    let mut seen = Vec::new();
    for known_at in [&before_corrections, &after_corrections] {
        let at: chrono::DateTime<chrono::Utc> = known_at.parse().unwrap();
        for as_of in [None, Some("2023-06-30"), Some("2023-12-31")] {
            let date: Option<chrono::NaiveDate> = as_of.map(|d| d.parse().unwrap());
            let (replayed, known) = ledger_api::view::replay_at(&app.store, date, Some(at), None)
                .await
                .unwrap();
            assert!(known < head);
            for path in queries.into_iter().chain(PER_ROW) {
                let asked = as_of.map_or(String::new(), |d| format!("&as_of={d}"));
                let join = if path.contains('?') { '&' } else { '?' };
                let answer = app
                    .get_ok(
                        Role::Inspector,
                        &format!("{path}{join}known_at={known_at}{asked}"),
                    )
                    .await;
                assert_eq!(
                    answer["data"],
                    projection_of(path, &replayed, date.unwrap_or(today)).unwrap(),
                    "{path} known at {known_at} {asked}"
                );
                assert_eq!(answer["position"], known, "{path}");
                seen.push(answer["data"].clone());
            }
        }
    }
    // The annual report, with a date (without one it reads the state as folded, and a past
    // time replays).
    for known_at in [&before_corrections, &after_corrections] {
        let at: chrono::DateTime<chrono::Utc> = known_at.parse().unwrap();
        for as_of in ["2023-06-30", "2023-12-31", "2024-12-31"] {
            let date: chrono::NaiveDate = as_of.parse().unwrap();
            let (replayed, known) =
                ledger_api::view::replay_at(&app.store, Some(date), Some(at), None)
                    .await
                    .unwrap();
            let path = format!("/api/v1/reports/annual/2023?as_of={as_of}&known_at={known_at}");
            let mut answer = app.get_ok(Role::Inspector, &path).await;
            assert_eq!(answer["position"], known, "{path}");
            let mut expected = json!(ledger_domain::projection::annual::annual_report(
                &replayed, 2023, date
            ));
            for report in [&mut answer, &mut expected] {
                let report = report.as_object_mut().unwrap();
                for field in ["known_at", "at_position", "position"] {
                    report.remove(field);
                }
            }
            assert_eq!(answer, expected, "{path}");
        }
    }
    // The finance workbook as known then: the sheets built from the live ledger for the
    // horizon equal those of the replay, with and without a date; over HTTP it opens, with the
    // trial balance known then.
    let at: chrono::DateTime<chrono::Utc> = before_corrections.parse().unwrap();
    let (whole, _) = ledger_api::view::replay_at(&app.store, None, None, None)
        .await
        .unwrap();
    for as_of in [None, Some("2023-06-30")] {
        let date: Option<chrono::NaiveDate> = as_of.map(|d| d.parse().unwrap());
        let (replayed, known) = ledger_api::view::replay_at(&app.store, date, Some(at), None)
            .await
            .unwrap();
        let on = date.unwrap_or(today);
        let horizon = ledger_domain::ledger::Horizon {
            as_of: date.unwrap_or(chrono::NaiveDate::MAX),
            upto: known,
        };
        let live = ledger_api::finance::finance_sheets(&whole, on, Some(horizon));
        assert_eq!(
            live,
            ledger_api::finance::finance_sheets(&replayed, on, None)
        );
        assert_ne!(live, ledger_api::finance::finance_sheets(&whole, on, None));
    }
    let path = format!("/api/v1/exports/finance.xlsx?known_at={before_corrections}");
    let response = app.get_as(Role::Finance, &path).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let trial = calamine::Reader::worksheet_range(&mut workbook, "Trial balance").unwrap();
    let total = trial.rows().next_back().unwrap();
    let path = format!("/api/v1/accounts/trial-balance?known_at={before_corrections}");
    let api = app.get_ok(Role::Finance, &path).await;
    assert_eq!(dong(&total[1]), digits(&api["data"]["total_debit"]));
    // The corrections moved the figures: the two times are told apart.
    assert_ne!(seen[0], seen[3 * (queries.len() + PER_ROW.len())]);
    // A past position, with the budget book export too.
    let at = head - 5;
    let (replayed, _) = ledger_api::view::replay_at(&app.store, None, None, Some(at))
        .await
        .unwrap();
    let answer = app
        .get_ok(
            Role::Inspector,
            &format!("/api/v1/budgets?at_position={at}"),
        )
        .await;
    let today = (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive();
    let book = projection_of("/api/v1/budgets?grouping=recorded", &replayed, today);
    assert_eq!(Some(answer["data"].clone()), book);
    assert_eq!(answer["position"], at);
    let csv = csv_body(
        &app,
        &format!("/api/v1/exports/budget.csv?at_position={at}"),
    )
    .await;
    let total = replayed_total_disbursed(&replayed);
    assert!(csv.lines().last().unwrap().contains(&total), "{total}");

    // Units merged after the time asked: grouped by today's units, the book known then still
    // follows the boundaries known then.
    let before_merge = known_at_before_a_late_fact(&app).await;
    record(
        &app,
        json!({"command": "RegisterUnit", "code": "09999", "name": "Thống Nhất Mới",
        "unit_kind": "commune", "valid_from": "2026-01-01", "valid_to": null,
        "registered_on": "2025-12-01"}),
    )
    .await;
    record(
        &app,
        json!({"command": "MergeUnits", "old_codes": ["07060"], "new_codes": ["09999"],
        "effective_on": "2026-01-01"}),
    )
    .await;
    let at: chrono::DateTime<chrono::Utc> = before_merge.parse().unwrap();
    let (known_then, _) = ledger_api::view::replay_at(&app.store, None, Some(at), None)
        .await
        .unwrap();
    let day_before: chrono::NaiveDate = "2025-12-31".parse().unwrap();
    let (before_it, _) = ledger_api::view::replay_at(&app.store, Some(day_before), None, None)
        .await
        .unwrap();
    let today = (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive();
    for path in [
        "/api/v1/budgets?grouping=current",
        "/api/v1/budgets?grouping=recorded",
        "/api/v1/poverty?grouping=current",
        "/api/v1/jobs/by-unit?year=2023&grouping=current",
        "/api/v1/units",
        "/api/v1/units/mapping",
    ] {
        let join = if path.contains('?') { '&' } else { '?' };
        let answer = app
            .get_ok(
                Role::Inspector,
                &format!("{path}{join}known_at={before_merge}"),
            )
            .await;
        let expected = projection_of(path, &known_then, today).unwrap();
        assert_eq!(answer["data"], expected, "{path} known before the merger");
        let answer = app
            .get_ok(Role::Inspector, &format!("{path}{join}as_of={day_before}"))
            .await;
        let expected = projection_of(path, &before_it, day_before).unwrap();
        assert_eq!(
            answer["data"], expected,
            "{path} as of the day before the merger"
        );
    }
    let path = "/api/v1/budgets?grouping=current";
    let then = app
        .get_ok(Role::Inspector, &format!("{path}&known_at={before_merge}"))
        .await;
    let now = app.get_ok(Role::Inspector, path).await;
    assert_ne!(
        then["data"], now["data"],
        "the merger moves figures into 09999"
    );
}

fn replayed_total_disbursed(ledger: &ledger_domain::Ledger) -> String {
    use ledger_domain::projection::{budget, UnitGrouping};
    let all = budget::BudgetFilter::default();
    let book = budget::budget_book(ledger, &all, UnitGrouping::AsRecorded);
    book.totals.disbursed.digits()
}

async fn csv_body(app: &TestApp, path: &str) -> String {
    let response = app.get_as(Role::Inspector, path).send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.unwrap()
}

/// Whole dong in a spreadsheet cell, read back without rounding (the writer refuses > 2^53).
fn dong(cell: &calamine::Data) -> u64 {
    match cell {
        calamine::Data::Float(f) if f.fract() == 0.0 && *f >= 0.0 => *f as u64,
        calamine::Data::Int(i) => u64::try_from(*i).unwrap(),
        other => panic!("not whole dong: {other:?}"),
    }
}

fn digits(value: &Value) -> u64 {
    value.as_str().unwrap().parse().unwrap()
}

pub async fn the_finance_workbook_opens_and_its_totals_equal_the_api(app: TestApp) {
    use calamine::Reader;
    load_halong(&app).await;
    let response = app
        .get_as(
            Role::Finance,
            "/api/v1/exports/finance.xlsx?as_of=2023-12-31",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("spreadsheetml"));
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(
        workbook.sheet_names(),
        [
            "Budget book",
            "Disbursements",
            "Sponsorships",
            "Housing works",
            "Trial balance"
        ]
    );

    let book = workbook.worksheet_range("Budget book").unwrap();
    let rows: Vec<_> = book.rows().skip(1).collect();
    let (total, rows) = rows.split_last().unwrap();
    assert_eq!(total[0], calamine::Data::String("TOTAL".to_owned()));
    let api = app
        .get_ok(Role::Finance, "/api/v1/budgets?as_of=2023-12-31")
        .await;
    for (column, field) in [(5, "allocated"), (6, "committed"), (7, "disbursed")] {
        let sum: u64 = rows.iter().map(|r| dong(&r[column])).sum();
        assert_eq!(
            sum,
            dong(&total[column]),
            "{field}: rows add up to the total"
        );
        assert_eq!(
            sum,
            digits(&api["data"]["totals"][field]),
            "{field} as the API says"
        );
    }

    let summary = app
        .get_ok(Role::Finance, "/api/v1/budgets/summary?as_of=2023-12-31")
        .await;
    let paid: u64 = workbook
        .worksheet_range("Disbursements")
        .unwrap()
        .rows()
        .skip(1)
        .filter(|r| r[5] != calamine::Data::String("reversed".to_owned()))
        .map(|r| dong(&r[4]))
        .sum();
    assert_eq!(paid, disbursed(&summary));

    let trial = workbook.worksheet_range("Trial balance").unwrap();
    let total = trial.rows().next_back().unwrap();
    let api = app
        .get_ok(
            Role::Finance,
            "/api/v1/accounts/trial-balance?as_of=2023-12-31",
        )
        .await;
    assert_eq!(dong(&total[1]), digits(&api["data"]["total_debit"]));
    assert_eq!(dong(&total[2]), digits(&api["data"]["total_credit"]));
    assert_eq!(dong(&total[1]), dong(&total[2]), "debits equal credits");

    let csv = app
        .get_as(
            Role::Inspector,
            "/api/v1/exports/budget.csv?as_of=2023-12-31",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.unwrap();
    assert!(text.starts_with("\u{feff}programme,source,unit code,unit,month,allocated"));
    let last = text.lines().last().unwrap();
    assert!(
        last.contains(&digits(&api_total_disbursed(&app).await).to_string()),
        "{last}"
    );
}

async fn api_total_disbursed(app: &TestApp) -> Value {
    app.get_ok(Role::Finance, "/api/v1/budgets?as_of=2023-12-31")
        .await["data"]["totals"]["disbursed"]
        .clone()
}
