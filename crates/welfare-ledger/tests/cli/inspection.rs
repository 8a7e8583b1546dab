//! Inspection from the command line: export and restore with proof, extended verification,
//! checkpoints, replay, audit trails and finance exports.

use std::path::Path;
use std::process::Output;

use super::{binary, fixture_path, ledger_with_events, ok};

fn sqlite_url(dir: &Path, name: &str) -> String {
    format!("sqlite://{}", dir.join(name).display())
}

fn run(url: &str, args: &[&str]) -> Output {
    binary()
        .args(args)
        .args(["--database-url", url])
        .output()
        .unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn halong(dir: &Path) -> String {
    let url = sqlite_url(dir, "halong.db");
    ok(run(&url, &["import", &fixture_path()]));
    url
}

#[test]
fn an_export_restored_into_an_empty_ledger_has_the_same_head_hash_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let source = halong(dir.path());
    let file = dir.path().join("log.ndjson");
    let exported = ok(run(&source, &["export", "-o", file.to_str().unwrap()]));
    assert!(String::from_utf8_lossy(&exported.stdout).contains("exported"));
    assert!(
        !String::from_utf8_lossy(&exported.stderr).contains('\r'),
        "no progress when stderr is not a terminal"
    );

    let copy = sqlite_url(dir.path(), "copy.db");
    ok(run(&copy, &["import", "--verify", file.to_str().unwrap()]));

    let verify = |url: &str| json(&ok(run(url, &["verify", "--format", "json"])));
    let (a, b) = (verify(&source), verify(&copy));
    assert_eq!(a["head_hash"], b["head_hash"]);
    assert_eq!(a["head_position"], b["head_position"]);
    let report = |url: &str| {
        json(&ok(run(
            url,
            &["report", "annual", "--year", "2023", "--format", "json"],
        )))
    };
    assert_eq!(report(&source), report(&copy));

    let partial = ok(run(&source, &["export", "--from", "2", "--to", "3"]));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&partial.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["position"], 2);
    assert_eq!(lines[1]["hash"].as_str().unwrap().len(), 64);
}

#[tokio::test]
async fn an_export_with_a_tampered_line_is_refused_naming_the_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let source = sqlite_url(dir.path(), "s.db");
    ledger_with_events(&source, 5).await;
    let exported = ok(run(&source, &["export"]));
    let text = String::from_utf8(exported.stdout).unwrap();
    let tampered = text.replacen(r#"{\"n\":2}"#, r#"{\"n\":7}"#, 1);
    assert_ne!(text, tampered, "the test must alter the third line");
    let file = dir.path().join("tampered.ndjson");
    std::fs::write(&file, tampered).unwrap();

    let copy = sqlite_url(dir.path(), "c.db");
    let refused = run(&copy, &["import", "--verify", file.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(1));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("line 3:"), "{err}");
    assert!(err.contains("altered"), "{err}");
    let verify = json(&ok(run(&copy, &["verify", "--format", "json"])));
    assert_eq!(verify["head_position"], 0, "nothing was written");
}

#[tokio::test]
async fn import_verify_refuses_a_ledger_that_is_not_empty() {
    let dir = tempfile::tempdir().unwrap();
    let source = sqlite_url(dir.path(), "s.db");
    ledger_with_events(&source, 3).await;
    let file = dir.path().join("log.ndjson");
    ok(run(&source, &["export", "-o", file.to_str().unwrap()]));
    let refused = run(&source, &["import", "--verify", file.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("not empty"), "{err}");
}

#[test]
fn verify_rebuilds_every_projection_and_reports_each_check() {
    let dir = tempfile::tempdir().unwrap();
    let url = halong(dir.path());
    let report = json(&ok(run(&url, &["verify", "--format", "json"])));
    assert_eq!(report["whole"], true);
    let checks = report["projections"]["checks"].as_array().unwrap();
    assert!(checks.len() >= 4, "{checks:?}");
    assert!(checks.iter().all(|c| c["holds"] == true), "{checks:?}");
    let text = String::from_utf8(ok(run(&url, &["verify"])).stdout).unwrap();
    assert!(text.contains("ok    the trial balance is zero"), "{text}");
    assert!(text.contains("equals the live view"), "{text}");
}

/// The first exported event of `kind`.
fn first_of(url: &str, kind: &str) -> serde_json::Value {
    let out = ok(run(url, &["export"]));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|e| e["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in the log"))
}

#[tokio::test]
async fn verify_fails_naming_a_reversal_that_points_at_the_wrong_kind_of_event() {
    use ledger_store::{AppendRequest, EventStore, ExpectedVersion, NewEvent, StreamName};
    let dir = tempfile::tempdir().unwrap();
    let url = halong(dir.path());
    let disbursement = first_of(&url, "HousingFundsDisbursed");
    let allocation = first_of(&url, "BudgetAllocated");
    let paid: serde_json::Value =
        serde_json::from_str(disbursement["payload"].as_str().unwrap()).unwrap();
    let reversal = serde_json::json!({
        "support_id": paid["support_id"],
        "programme_id": paid["programme_id"],
        "disbursement_event_id": allocation["event_id"],
        "source": paid["source"],
        "amount": paid["amount"],
        "reason": "planted by the test",
        "reversed_on": "2023-12-01",
    });
    let store = EventStore::open(&url).await.unwrap();
    store
        .append(AppendRequest::single(
            StreamName::parse(disbursement["stream"].as_str().unwrap()).unwrap(),
            ExpectedVersion::Any,
            vec![NewEvent {
                event_id: uuid::Uuid::new_v4(),
                kind: "DisbursementReversed".to_owned(),
                schema_version: 1,
                occurred_on: chrono::NaiveDate::from_ymd_opt(2023, 12, 1).unwrap(),
                recorded_by: "intruder".to_owned(),
                source_ref: None,
                payload: reversal.to_string(),
            }],
        ))
        .await
        .unwrap();
    store.close().await;

    let out = run(&url, &["verify", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    assert!(report["failure"].is_null(), "the chain itself is whole");
    let failed: Vec<String> = report["projections"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["holds"] == false)
        .map(|c| format!("{}: {}", c["check"], c["detail"]))
        .collect();
    assert!(
        failed
            .iter()
            .any(|f| f.contains("reversal") && f.contains("a BudgetAllocated")),
        "{failed:?}"
    );
}

#[tokio::test]
async fn checkpoint_verification_fails_after_one_byte_is_altered_in_the_database() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path(), "c.db");
    ledger_with_events(&url, 5).await;
    let printed = ok(run(&url, &["checkpoint"]));
    let checkpoint = json(&printed);
    assert_eq!(checkpoint["position"], 5);
    let public_key = ok(run(&url, &["checkpoint", "--public-key"])).stdout;
    assert_eq!(
        String::from_utf8(public_key).unwrap().trim(),
        checkpoint["public_key"].as_str().unwrap()
    );
    let file = dir.path().join("checkpoint.json");
    std::fs::write(&file, &printed.stdout).unwrap();
    let path = file.to_str().unwrap();
    let holds = ok(run(&url, &["verify", "--checkpoint", path]));
    assert!(String::from_utf8_lossy(&holds.stdout).contains("extends the checkpoint"));
    ledger_with_events(&url, 2).await;
    ok(run(&url, &["verify", "--checkpoint", path]));

    let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::query("DROP TRIGGER events_are_append_only_update")
        .execute(&mut c)
        .await
        .unwrap();
    sqlx::query("UPDATE events SET payload = '{\"n\":7}' WHERE position = 3")
        .execute(&mut c)
        .await
        .unwrap();
    c.close().await.unwrap();
    let broken = run(&url, &["verify", "--checkpoint", path, "--format", "json"]);
    assert_eq!(broken.status.code(), Some(1));
    assert_eq!(json(&broken)["whole"], false);
}

#[tokio::test]
async fn a_checkpoint_altered_after_signing_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path(), "c.db");
    ledger_with_events(&url, 3).await;
    let file = dir.path().join("checkpoint.json");
    std::fs::write(&file, ok(run(&url, &["checkpoint"])).stdout).unwrap();
    let mut forged: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    forged["position"] = 2.into();
    std::fs::write(&file, forged.to_string()).unwrap();
    let out = run(&url, &["verify", "--checkpoint", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("signature does not match"), "{text}");
}

/// Total disbursed over every programme and source of a budget summary answer.
fn disbursed(answer: &serde_json::Value) -> u64 {
    answer["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["disbursed"].as_str().unwrap().parse::<u64>().unwrap())
        .sum()
}

#[test]
fn replay_known_at_before_a_correction_shows_the_old_figures_and_after_it_the_new() {
    let dir = tempfile::tempdir().unwrap();
    let url = halong(dir.path());
    let disbursement = first_of(&url, "HousingFundsDisbursed");
    let paid: serde_json::Value =
        serde_json::from_str(disbursement["payload"].as_str().unwrap()).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    let before = chrono::Utc::now().to_rfc3339();
    std::thread::sleep(std::time::Duration::from_millis(5));
    let correction = dir.path().join("correction.ndjson");
    let line = serde_json::json!({"key": "reverse-1", "command": {
        "command": "ReverseDisbursement", "event_id": disbursement["event_id"],
        "reason": "paid twice", "reversed_on": "2023-12-20"}});
    std::fs::write(&correction, format!("{line}\n")).unwrap();
    ok(run(&url, &["import", correction.to_str().unwrap()]));

    let replay = |extra: &[&str]| {
        let mut args = vec![
            "replay",
            "--report",
            "budget-summary",
            "--as-of",
            "2023-12-31",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        json(&ok(run(&url, &args)))
    };
    let (old, new) = (replay(&["--known-at", &before]), replay(&[]));
    let amount: u64 = paid["amount"].as_str().unwrap().parse().unwrap();
    assert_eq!(disbursed(&old), disbursed(&new) + amount);
    assert!(!old["known_at"].as_str().unwrap().is_empty());

    let first = replay(&["--at-position", "1"]);
    assert_eq!(first["position"], 1);
    assert!(first["data"].as_array().unwrap().is_empty());
    let csv = ok(run(
        &url,
        &["replay", "--report", "trial-balance", "--format", "csv"],
    ));
    let csv = String::from_utf8(csv.stdout).unwrap();
    assert!(csv.starts_with("field,value\n"), "{csv}");
    assert!(csv.contains("data.difference,0\n"), "{csv}");
    let annual = run(&url, &["replay", "--report", "annual"]);
    assert_eq!(annual.status.code(), Some(2), "annual needs --year");
}

#[test]
fn audit_and_finance_exports_work_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = halong(dir.path());
    let trail = json(&ok(run(
        &url,
        &["audit", "household-hh-030", "--format", "json"],
    )));
    assert!(trail["events"].as_array().unwrap().len() >= 4);
    let table =
        String::from_utf8(ok(run(&url, &["audit", "programme-housing-2023"])).stdout).unwrap();
    assert!(table.contains("HousingSupportApproved"), "{table}");
    assert!(
        table.contains("D budget:housing-2023:"),
        "postings shown: {table}"
    );
    let unknown = run(&url, &["audit", "geography"]);
    assert_eq!(unknown.status.code(), Some(2));

    let csv = dir.path().join("budget.csv");
    let xlsx = dir.path().join("finance.xlsx");
    for (format, file) in [("csv", &csv), ("xlsx", &xlsx)] {
        ok(run(
            &url,
            &[
                "export-finance",
                "--format",
                format,
                "--as-of",
                "2023-12-31",
                "-o",
                file.to_str().unwrap(),
            ],
        ));
    }
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("\u{feff}programme,source"));
    let bytes = std::fs::read(&xlsx).unwrap();
    assert!(bytes.starts_with(b"PK"), "an XLSX file is a zip archive");
}

#[tokio::test]
async fn a_checkpoint_catches_a_rewrite_that_recomputed_every_hash() {
    use ledger_store::{chain_hash, EventStore, HashInput};
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path(), "c.db");
    ledger_with_events(&url, 5).await;
    let file = dir.path().join("checkpoint.json");
    std::fs::write(&file, ok(run(&url, &["checkpoint"])).stdout).unwrap();

    // An intruder rewrites the last event and recomputes its hash and the head: the chain
    // alone still verifies.
    let store = EventStore::open(&url).await.unwrap();
    let log = store.read_page(3, 2).await.unwrap();
    store.close().await;
    let (previous, last) = (&log[0], &log[1]);
    let payload = "{\"n\":400}";
    let forged = chain_hash(
        &previous.hash,
        &HashInput {
            position: last.position,
            stream: &last.stream,
            stream_version: last.stream_version,
            event_id: last.event_id,
            kind: &last.kind,
            schema_version: last.schema_version,
            occurred_on: last.occurred_on,
            recorded_at_micros: last.recorded_at.timestamp_micros(),
            recorded_by: &last.recorded_by,
            source_ref: last.source_ref.as_deref(),
            payload,
        },
    );
    let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
    for statement in [
        "DROP TRIGGER events_are_append_only_update",
        "UPDATE events SET payload = ?1, hash = ?2 WHERE position = 5",
        "UPDATE ledger_head SET hash = ?2 WHERE id = 1",
    ] {
        sqlx::query(statement)
            .bind(payload)
            .bind(&forged[..])
            .execute(&mut c)
            .await
            .unwrap();
    }
    c.close().await.unwrap();

    ok(run(&url, &["verify"]));
    let caught = run(&url, &["verify", "--checkpoint", file.to_str().unwrap()]);
    assert_eq!(caught.status.code(), Some(1));
    let text = String::from_utf8_lossy(&caught.stdout);
    assert!(text.contains("position 5 now has hash"), "{text}");
}
