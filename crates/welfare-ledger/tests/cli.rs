//! The real binary, run as a newcomer or an operator would run it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use ledger_store::{AppendRequest, EventStore, ExpectedVersion, NewEvent, StreamName};
use sqlx::Connection;

#[path = "cli/inspection.rs"]
mod inspection;
#[path = "cli/logs.rs"]
mod logs;
#[path = "cli/snapshots.rs"]
mod snapshots;

fn binary() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_welfare-ledger"));
    c.env_remove("WELFARE_LEDGER_DATABASE_URL")
        .env_remove("WELFARE_LEDGER_LISTEN")
        .env("RUST_LOG", "warn");
    c
}

/// `out`, after asserting the command succeeded (its stderr in the message if not).
fn ok(out: std::process::Output) -> std::process::Output {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs the binary with `args` and asserts it succeeded.
/// The 2023 annual report of the ledger at `url`, as CSV.
fn annual_2023_csv(url: &str) -> String {
    let args = ["report", "annual", "--year", "2023", "--format", "csv"];
    let out = run_ok(&[&args[..], &["--database-url", url]].concat());
    String::from_utf8(out.stdout).unwrap()
}

/// Imports `file` into `url`, expecting the exit code 2 of a refused line; returns stderr.
fn import_refused(file: &std::path::Path, url: &str) -> String {
    let out = binary()
        .args(["import", file.to_str().unwrap(), "--database-url", url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn run_ok(args: &[&str]) -> std::process::Output {
    ok(binary().args(args).output().unwrap())
}

async fn ledger_with_events(url: &str, n: usize) {
    let store = EventStore::open(url).await.unwrap();
    for i in 0..n {
        let event = NewEvent {
            event_id: uuid::Uuid::new_v4(),
            kind: "Noted".to_owned(),
            schema_version: 1,
            occurred_on: chrono::NaiveDate::from_ymd_opt(2023, 5, 1).unwrap(),
            recorded_by: "clerk".to_owned(),
            source_ref: None,
            payload: format!("{{\"n\":{i}}}"),
        };
        store
            .append(AppendRequest::single(
                StreamName::parse("s").unwrap(),
                ExpectedVersion::Any,
                vec![event],
            ))
            .await
            .unwrap();
    }
    store.close().await;
}

#[tokio::test]
async fn verify_exits_0_on_a_whole_ledger_and_1_naming_the_altered_position() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("l.db").display());
    ledger_with_events(&url, 5).await;

    let whole = binary()
        .args(["verify", "--database-url", &url])
        .output()
        .unwrap();
    assert_eq!(whole.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&whole.stdout).contains("ledger whole: 5 events"));
    assert!(
        !String::from_utf8_lossy(&whole.stderr).contains('\r'),
        "no progress line when stderr is piped"
    );

    let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::query("DROP TRIGGER events_are_append_only_update")
        .execute(&mut c)
        .await
        .unwrap();
    sqlx::query("UPDATE events SET payload = '{\"n\":9}' WHERE position = 3")
        .execute(&mut c)
        .await
        .unwrap();
    c.close().await.unwrap();

    let broken = binary()
        .args(["verify", "--database-url", &url])
        .output()
        .unwrap();
    assert_eq!(broken.status.code(), Some(1));
    let out = String::from_utf8_lossy(&broken.stdout);
    assert!(out.contains("BROKEN at position 3"), "{out}");

    let json = binary()
        .args(["verify", "--format", "json"])
        .env("WELFARE_LEDGER_DATABASE_URL", &url)
        .output()
        .unwrap();
    assert_eq!(json.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["failure"]["position"], 3);
}

#[test]
fn migrate_creates_a_missing_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    run_ok(&[
        "migrate",
        "--database-url",
        &format!("sqlite://{}", path.display()),
    ]);
    assert!(path.exists());
}

#[test]
fn an_unsupported_database_url_is_a_clear_error_and_a_nonzero_exit() {
    let out = binary()
        .args(["verify", "--database-url", "mysql://x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unsupported database url"), "{err}");
}

/// `serve` on a loopback port of its choosing, with its address read from its first line.
fn start_server(url: &str) -> (std::process::Child, String) {
    let mut child = binary()
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", url])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let address = first
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_owned();
    (child, address)
}

/// The raw answer to `GET /healthz`; answering means the server (and its SIGTERM handler)
/// is up.
fn health(address: &str) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET /healthz HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    response
}

/// Sends SIGTERM and waits for the exit.
fn terminate(mut child: std::process::Child) -> std::process::ExitStatus {
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    child.wait().unwrap()
}

#[test]
fn serve_answers_health_checks_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("s.db").display());
    let (child, address) = start_server(&url);
    let response = health(&address);
    assert!(response.contains("\"backend\":\"sqlite\""), "{response}");
    let status = terminate(child);
    assert!(
        status.success(),
        "serve must exit 0 after SIGTERM, got {status:?}"
    );
}

fn fixture_path() -> String {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/halong-2023/commands.ndjson"
    )
    .to_owned()
}

#[test]
fn import_then_report_prints_the_halong_figures_and_a_reimport_appends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("i.db").display());
    let first = run_ok(&["import", &fixture_path(), "--database-url", &url]);
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(stdout.contains("imported 1931 lines"), "{stdout}");
    assert!(
        !String::from_utf8_lossy(&first.stderr).contains('\r'),
        "no progress bar when stderr is not a terminal"
    );
    let again = binary()
        .args(["import", &fixture_path(), "--database-url", &url])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stdout)
        .contains("imported 0 lines (0 events); 1931 already imported"));

    let json = binary()
        .args([
            "report",
            "annual",
            "--year",
            "2023",
            "--format",
            "json",
            "--database-url",
            &url,
        ])
        .output()
        .unwrap();
    assert!(json.status.success());
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["housing"]["households"], 108);
    assert_eq!(report["housing"]["days_ahead"], 15);
    assert_eq!(report["jobs"]["percent_of_plan"], "113.8");

    let table = binary()
        .args(["report", "annual", "--year", "2023", "--database-url", &url])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("HOUSING"), "{text}");
    assert!(
        text.contains(" ₫"),
        "money is shown as dong for people: {text}"
    );
    let csv = annual_2023_csv(&url);
    assert!(csv.starts_with("section,field,value\n"));
    assert!(csv.contains("sponsorship,children,120\n"), "{csv}");
}

#[test]
fn an_import_with_a_bad_line_names_it_and_exits_nonzero() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("b.db").display());
    let file = dir.path().join("bad.ndjson");
    std::fs::write(
        &file,
        "{\"key\":\"u1\",\"command\":{\"command\":\"RegisterUnit\",\"code\":\"06649\",\"name\":\"Hà Khánh\",\"unit_kind\":\"ward\",\"valid_from\":\"2021-02-03\",\"valid_to\":\"2025-06-30\",\"registered_on\":\"2021-02-03\"}}\n\nnot json\n",
    )
    .unwrap();
    let err = import_refused(&file, &url);
    assert!(err.contains("line 3: not a valid import line"), "{err}");
    let verify = binary()
        .args(["verify", "--database-url", &url])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&verify.stdout).contains("0 events"),
        "the batch left nothing"
    );
}

#[test]
fn token_create_prints_the_token_alone_and_list_never_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let created = binary()
        .args([
            "token",
            "create",
            "--role",
            "dashboard",
            "--name",
            "screen",
            "--database-url",
            &url,
        ])
        .output()
        .unwrap();
    assert!(created.status.success());
    let token = String::from_utf8(created.stdout).unwrap();
    assert_eq!(token.lines().count(), 1);
    assert!(token.starts_with("wl_"));
    let listed = binary()
        .args(["token", "list", "--database-url", &url])
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.contains("dashboard") && listed.contains("screen"));
    assert!(!listed.contains(token.trim()));
    let bad_role = binary()
        .args([
            "token",
            "create",
            "--role",
            "mayor",
            "--name",
            "x",
            "--database-url",
            &url,
        ])
        .output()
        .unwrap();
    assert!(!bad_role.status.success());
}

#[test]
fn serve_demo_loads_halong_and_prints_a_working_token_per_role() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let mut child = binary()
        .args([
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            &url,
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut address = None;
    let mut tokens = std::collections::HashMap::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.split("serving on http://").nth(1) {
            address = rest.split_whitespace().next().map(str::to_owned);
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.len() == 2 && words[1].starts_with("wl_") {
            tokens.insert(words[0].to_owned(), words[1].to_owned());
        }
        if line.starts_with("try:") {
            break;
        }
    }
    assert_eq!(tokens.len(), 5, "one token per role: {tokens:?}");
    let address = address.expect("the address is printed");
    let mut stream = TcpStream::connect(&address).unwrap();
    write!(
        stream,
        "GET /api/v1/reports/annual/2023 HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
        tokens["dashboard"]
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"households\":108"), "{response}");
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());
}

#[test]
fn generated_city_data_is_deterministic_and_imports_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let generate = |seed: &str| run_ok(&["generate", "--scale", "city", "--seed", seed]).stdout;
    let first = generate("7");
    assert_eq!(first, generate("7"), "same seed, same bytes");
    assert_ne!(first, generate("8"));
    let file = dir.path().join("city.ndjson");
    std::fs::write(&file, &first).unwrap();
    let url = format!("sqlite://{}", dir.path().join("g.db").display());
    let imported = run_ok(&["import", file.to_str().unwrap(), "--database-url", &url]);
    let lines = first.iter().filter(|&&b| b == b'\n').count();
    let stdout = String::from_utf8_lossy(&imported.stdout);
    assert!(
        stdout.contains(&format!("imported {lines} lines")),
        "{stdout}"
    );
}

#[test]
fn a_bad_line_past_the_first_batch_keeps_the_batches_before_it_and_a_rerun_completes() {
    let dir = tempfile::tempdir().unwrap();
    let city = run_ok(&["generate", "--scale", "city", "--seed", "3"]).stdout;
    let text = String::from_utf8(city).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let batch = ledger_api::import::BATCH_LINES_MAX;
    assert!(lines.len() > 2 * batch, "the city file spans batches");
    // The bad line sits in the third batch: the first two land, the third does not.
    let bad_at = 2 * batch + 10;
    let mut broken = lines.clone();
    broken.insert(bad_at - 1, "not json");
    let file = dir.path().join("broken.ndjson");
    std::fs::write(&file, broken.join("\n")).unwrap();
    let url = format!("sqlite://{}", dir.path().join("p.db").display());
    let err = import_refused(&file, &url);
    assert!(
        err.contains(&format!("line {bad_at}: not a valid import line")),
        "{err}"
    );
    let verify = run_ok(&["verify", "--database-url", &url]);
    let verified = String::from_utf8_lossy(&verify.stdout).to_string();
    let imported_events = |stdout: &str| -> u64 {
        let after = stdout.split("imported ").nth(1).unwrap();
        let events = after.split(" lines (").nth(1).unwrap();
        events.split(' ').next().unwrap().parse().unwrap()
    };
    let fixed = dir.path().join("fixed.ndjson");
    std::fs::write(&fixed, lines.join("\n")).unwrap();
    let rerun = run_ok(&["import", fixed.to_str().unwrap(), "--database-url", &url]);
    let rerun = String::from_utf8_lossy(&rerun.stdout).to_string();
    assert!(
        rerun.contains(&format!("{} already imported", 2 * batch)),
        "{rerun}"
    );
    // Alone on a fresh ledger the same file lands as the two runs did together.
    let whole_url = format!("sqlite://{}", dir.path().join("w.db").display());
    let whole = run_ok(&[
        "import",
        fixed.to_str().unwrap(),
        "--database-url",
        &whole_url,
    ]);
    let whole = String::from_utf8_lossy(&whole.stdout).to_string();
    let kept: u64 = verified
        .split(" events")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(kept > 0, "{verified}");
    assert_eq!(kept + imported_events(&rerun), imported_events(&whole));
    let reports: Vec<String> = [&url, &whole_url]
        .iter()
        .map(|u| annual_2023_csv(u))
        .collect();
    assert!(reports[0].contains("sponsorship,"), "{}", reports[0]);
    assert_eq!(
        reports[0], reports[1],
        "the two ledgers report the same figures"
    );
}
