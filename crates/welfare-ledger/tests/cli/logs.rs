//! No personal data and no token secret in the server's logs, at the most verbose level and
//! with every library's logging on. Distinctive strings are planted where a careless client
//! would put them (ids, decision references, reasons, headers, query strings, malformed
//! bodies): errors are where values get echoed, so most of them are invalid on purpose.

use std::fs::File;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use super::{binary, run_ok};

/// A household head's name, a child's name and a citizen id (CCCD): ASCII, so they match in
/// any log encoding, and unlike anything the server would print by itself.
const HEAD_NAME: &str = "Zyxqhead Plantedname";
const CHILD_NAME: &str = "Qzwchild Plantedkid";
const CITIZEN_ID: &str = "079987654321";
/// The same head name with Vietnamese marks, as a real one would be.
const HEAD_NAME_VI: &str = "Nguyễn Thị Zyxqđầu";

struct Response {
    status: u16,
    body: String,
}

fn http(address: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Response {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    Response {
        status,
        body: body.to_owned(),
    }
}

fn create_token(url: &str, role: &str) -> String {
    let out = run_ok(&[
        "token",
        "create",
        "--role",
        role,
        "--name",
        "logs-test",
        "--database-url",
        url,
    ]);
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Waits for the server's first stdout line and returns the address it names.
fn address_of(stdout: &Path, child: &mut Child) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let text = std::fs::read_to_string(stdout).unwrap_or_default();
        if let Some(address) = text
            .lines()
            .next()
            .and_then(|l| l.split("http://").nth(1))
            .and_then(|rest| rest.split_whitespace().next())
        {
            return address.to_owned();
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "serve exited before listening"
        );
        assert!(Instant::now() < deadline, "serve did not start: {text}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn planted_names_citizen_ids_and_token_secrets_never_reach_the_logs() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("logs.db").display());
    let recorder = create_token(&url, "recorder");
    let dashboard = create_token(&url, "dashboard");
    let secrets: Vec<String> = [&recorder, &dashboard]
        .iter()
        .map(|t| t.rsplit('_').next().unwrap().to_owned())
        .collect();

    let (out_path, err_path) = (dir.path().join("out.log"), dir.path().join("err.log"));
    let mut child = binary()
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", &url])
        // Everything every library logs, including sqlx statements, hyper and axum's own
        // rejection messages.
        .env("RUST_LOG", "trace")
        .stdout(Stdio::from(File::create(&out_path).unwrap()))
        .stderr(Stdio::from(File::create(&err_path).unwrap()))
        .spawn()
        .unwrap();
    let address = address_of(&out_path, &mut child);

    let bearer = format!("Bearer {recorder}");
    let json = [
        ("Authorization", bearer.as_str()),
        ("Content-Type", "application/json"),
    ];
    let post = |path: &str, body: String, extra: &[(&str, &str)]| {
        let headers: Vec<(&str, &str)> = json.iter().chain(extra).copied().collect();
        http(&address, "POST", path, &headers, &body)
    };
    let source_ref = format!("QĐ 12/UBND hộ {HEAD_NAME} CCCD {CITIZEN_ID}");
    let source_ref_ascii = format!("decision for {HEAD_NAME} {CITIZEN_ID}");

    // Valid commands carrying the planted values in ids, headers and free text.
    let unit = post(
        "/api/v1/units",
        r#"{"code":"99001","name":"Test","unit_kind":"ward","valid_from":"2020-01-01","registered_on":"2020-01-01"}"#.to_owned(),
        &[],
    );
    assert_eq!(unit.status, 201, "{}", unit.body);
    let household = post(
        "/api/v1/households",
        format!(
            r#"{{"household_id":"cccd-{CITIZEN_ID}","unit_code":"99001","members":4,"registered_on":"2022-01-01"}}"#
        ),
        &[
            ("Source-Ref", &source_ref_ascii),
            ("Idempotency-Key", CITIZEN_ID),
        ],
    );
    assert_eq!(household.status, 201, "{}", household.body);
    let child_id = CHILD_NAME.replace(' ', "-");
    let registered = post(
        "/api/v1/children",
        format!(
            r#"{{"child_id":"{child_id}","birth_date":"2015-03-04","unit_code":"99001","circumstance":"orphan","registered_on":"2022-01-01"}}"#
        ),
        &[("Source-Ref", &source_ref_ascii)],
    );
    assert_eq!(registered.status, 201, "{}", registered.body);

    // Invalid ones: refused by a rule, by the JSON shape, by the id syntax, by a reused
    // idempotency key, and bodies that are not JSON at all.
    let refusals = [
        post(
            "/api/v1/household-classifications",
            format!(
                r#"{{"household_id":"cccd-{CITIZEN_ID}","standard_id":"no-such-standard","status":"poor","effective_on":"2023-01-01","decision_ref":"{HEAD_NAME_VI} {HEAD_NAME}"}}"#
            ),
            &[],
        ),
        post(
            "/api/v1/households",
            format!(
                r#"{{"household_id":"cccd-{CITIZEN_ID}","unit_code":"99001","members":4,"registered_on":"2022-01-01"}}"#
            ),
            &[],
        ),
        post(
            "/api/v1/households",
            format!(
                r#"{{"household_id":"x","unit_code":"99001","members":"{HEAD_NAME}","registered_on":"2022-01-01"}}"#
            ),
            &[],
        ),
        post(
            "/api/v1/households",
            format!(
                r#"{{"household_id":"{HEAD_NAME} {CITIZEN_ID}","unit_code":"99001","members":4,"registered_on":"2022-01-01"}}"#
            ),
            &[],
        ),
        post(
            "/api/v1/households",
            format!(
                r#"{{"household_id":"h1","head_name":"{HEAD_NAME_VI}","citizen_id":"{CITIZEN_ID}","unit_code":"99001","members":4,"registered_on":"2022-01-01"}}"#
            ),
            &[],
        ),
        post(
            "/api/v1/households",
            format!(
                r#"{{"household_id":"cccd-{CITIZEN_ID}","unit_code":"99001","members":5,"registered_on":"2022-01-01"}}"#
            ),
            &[("Idempotency-Key", CITIZEN_ID)],
        ),
        post(
            "/api/v1/children",
            format!(
                r#"{{"child_id":"c1","birth_date":"{CHILD_NAME}","unit_code":"99001","circumstance":"orphan","registered_on":"2022-01-01"}}"#
            ),
            &[],
        ),
        post(
            "/api/v1/children",
            format!(r#"{{"child_id":"{CHILD_NAME}"#),
            &[],
        ),
        post(
            "/api/v1/commands",
            format!(r#"{{"command":"{HEAD_NAME}","household_id":"{CITIZEN_ID}"}}"#),
            &[],
        ),
        post(
            "/api/v1/sponsorship-ends",
            format!(
                r#"{{"sponsorship_id":"none","ended_on":"2023-01-01","reason":"{CHILD_NAME} moved away"}}"#
            ),
            &[("Source-Ref", &source_ref_ascii)],
        ),
        http(
            &address,
            "POST",
            "/api/v1/households",
            &[("Authorization", &bearer), ("Content-Type", "text/plain")],
            HEAD_NAME,
        ),
    ];
    for refused in &refusals {
        assert!(
            (400..500).contains(&refused.status),
            "{} {}",
            refused.status,
            refused.body
        );
    }
    // Headers the server's own checks refuse: too long, and not ASCII.
    for source_ref in [
        format!("{source_ref_ascii} {}", "x".repeat(300)),
        source_ref,
    ] {
        let bad_header = post(
            "/api/v1/households",
            r#"{"household_id":"h2","unit_code":"99001","members":4,"registered_on":"2022-01-01"}"#
                .to_owned(),
            &[("Source-Ref", &source_ref)],
        );
        assert_eq!(bad_header.status, 400, "{}", bad_header.body);
    }

    // Reads naming the planted values, with the right token, the wrong role and a forged one.
    let encoded = HEAD_NAME.replace(' ', "%20");
    for (token, path) in [
        (
            &bearer,
            format!("/api/v1/audit/household-cccd-{CITIZEN_ID}"),
        ),
        (&bearer, format!("/api/v1/streams/child-{child_id}/events")),
        (&bearer, format!("/api/v1/audit/{encoded}")),
        (
            &bearer,
            format!("/api/v1/budgets?programme={encoded}&unit={CITIZEN_ID}"),
        ),
        (&bearer, format!("/api/v1/events?after={encoded}")),
        (
            &format!("Bearer {dashboard}"),
            format!("/api/v1/audit/child-{child_id}"),
        ),
        (
            &format!("Bearer wl_0011223344556677_{}", secrets[0]),
            "/api/v1/units".to_owned(),
        ),
    ] {
        let r = http(&address, "GET", &path, &[("Authorization", token)], "");
        assert!(r.status < 500, "{path}: {} {}", r.status, r.body);
    }

    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert!(child.wait().unwrap().success());

    let logs = format!(
        "{}\n{}",
        std::fs::read_to_string(&out_path).unwrap(),
        std::fs::read_to_string(&err_path).unwrap()
    );
    // The run really logged at trace level: requests, SQL and the writer are all there.
    assert!(logs.contains("TRACE"), "trace logging was on");
    assert!(logs.contains("sqlx"), "sqlx statements were logged");
    let planted = [
        HEAD_NAME,
        "Zyxqhead",
        "Plantedname",
        HEAD_NAME_VI,
        "Zyxq",
        CHILD_NAME,
        "Qzwchild",
        "Plantedkid",
        CITIZEN_ID,
    ];
    for needle in planted
        .iter()
        .copied()
        .chain(secrets.iter().map(String::as_str))
    {
        let at = logs.find(needle);
        assert!(
            at.is_none(),
            "{needle:?} is in the logs: …{}…",
            at.map(|i| excerpt(&logs, i)).unwrap_or_default()
        );
    }
}

fn excerpt(text: &str, at: usize) -> String {
    let start = text[..at]
        .char_indices()
        .rev()
        .nth(200)
        .map_or(0, |(i, _)| i);
    let end = text[at..]
        .char_indices()
        .nth(200)
        .map_or(text.len(), |(i, _)| at + i);
    text[start..end].to_owned()
}
