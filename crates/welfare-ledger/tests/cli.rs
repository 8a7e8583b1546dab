//! The real binary, run as a newcomer or an operator would run it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use ledger_store::{AppendRequest, EventStore, ExpectedVersion, NewEvent, StreamName};
use sqlx::Connection;

fn binary() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_welfare-ledger"));
    c.env_remove("WELFARE_LEDGER_DATABASE_URL")
        .env_remove("WELFARE_LEDGER_LISTEN")
        .env("RUST_LOG", "warn");
    c
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
    let out = binary()
        .args([
            "migrate",
            "--database-url",
            &format!("sqlite://{}", path.display()),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
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

#[test]
fn serve_answers_health_checks_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("s.db").display());
    let mut child = binary()
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", &url])
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

    let mut stream = TcpStream::connect(&address).unwrap();
    write!(
        stream,
        "GET /healthz HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"backend\":\"sqlite\""), "{response}");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "serve must exit 0 after SIGTERM, got {status:?}"
    );
}
