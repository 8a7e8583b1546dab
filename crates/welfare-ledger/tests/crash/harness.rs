//! The real binary as a child process: started and made ready, killed, frozen; and the CLI
//! commands the checks run against a stopped (or idle) ledger.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// How many times readiness is polled before the server counts as never started.
const READY_ATTEMPTS: u32 = 500;

pub fn binary() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_welfare-ledger"));
    c.env_remove("WELFARE_LEDGER_DATABASE_URL")
        .env_remove("WELFARE_LEDGER_LISTEN")
        .env("RUST_LOG", "warn")
        // The Drop guard: a failing test must not leave servers behind.
        .kill_on_drop(true);
    c
}

/// A running `serve`. Dropping it kills the process.
pub struct Server {
    child: Child,
    pid: u32,
    pub base: String,
    log: PathBuf,
}

impl Server {
    /// Starts `serve` on a free port and returns once `/healthz` answers 200.
    pub async fn start(database_url: &str, log: PathBuf, http: &reqwest::Client) -> Server {
        let stderr = std::fs::File::create(&log).expect("creating the server log");
        let mut child = binary()
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(["--database-url", database_url])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("spawning welfare-ledger serve");
        let pid = child.id().expect("a just-spawned child has a pid");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout is piped")).lines();
        let first = lines
            .next_line()
            .await
            .expect("reading the server's stdout")
            .unwrap_or_else(|| panic!("serve exited before listening:\n{}", read_log(&log)));
        let address = first
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("no address in {first:?}"))
            .to_owned();
        // Keep reading so the child never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let server = Server {
            child,
            pid,
            base: format!("http://{address}"),
            log,
        };
        server.wait_ready(http).await;
        server
    }

    async fn wait_ready(&self, http: &reqwest::Client) {
        let url = format!("{}/healthz", self.base);
        for _ in 0..READY_ATTEMPTS {
            if let Ok(r) = http.get(&url).send().await {
                assert_eq!(
                    r.status(),
                    200,
                    "healthz: {}",
                    r.text().await.unwrap_or_default()
                );
                return;
            }
            // Polling interval of the readiness check, not a synchronisation by sleep.
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("serve never became ready:\n{}", read_log(&self.log));
    }

    /// SIGKILL: no graceful shutdown, no final commit, whatever was in flight stays there.
    pub async fn kill(mut self) {
        self.child.kill().await.expect("SIGKILL to the server");
        self.assert_no_panic();
    }

    /// SIGTERM and the graceful shutdown the operator gets; it must exit 0.
    pub async fn stop(mut self) {
        signal(self.pid, "-TERM");
        let status = self.child.wait().await.expect("waiting for the server");
        assert!(status.success(), "serve after SIGTERM: {status:?}");
        self.assert_no_panic();
    }

    /// SIGSTOP: the process stops between two system calls, so its files on disk are what a
    /// power cut at this instant would leave (page cache included).
    pub fn freeze(&self) {
        signal(self.pid, "-STOP");
    }

    pub fn thaw(&self) {
        signal(self.pid, "-CONT");
    }

    fn assert_no_panic(&self) {
        let log = read_log(&self.log);
        assert!(!log.contains("panicked"), "the server panicked:\n{log}");
    }
}

fn signal(pid: u32, which: &str) {
    let status = std::process::Command::new("kill")
        .args([which, &pid.to_string()])
        .status()
        .expect("running kill");
    assert!(status.success(), "kill {which} {pid}: {status:?}");
}

fn read_log(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// Runs the CLI to completion; panics with its stderr unless it exits 0.
async fn run(args: &[&str]) -> Vec<u8> {
    let out = binary().args(args).output().await.expect("running the CLI");
    assert!(
        out.status.success(),
        "welfare-ledger {args:?} exited {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A recorder token (writes, aggregates, details), made before the server starts.
pub async fn recorder_token(database_url: &str) -> String {
    let out = run(&[
        "token",
        "create",
        "--role",
        "recorder",
        "--name",
        "crash-test",
        "--database-url",
        database_url,
    ])
    .await;
    String::from_utf8(out)
        .expect("the token is text")
        .trim()
        .to_owned()
}

/// `verify --format json`; asserts exit 0 (chain and projections whole) and returns the
/// number of events it checked.
pub async fn verify(database_url: &str) -> u64 {
    let out = run(&["verify", "--format", "json", "--database-url", database_url]).await;
    let report: Value = serde_json::from_slice(&out).expect("verify prints JSON");
    assert_eq!(report["whole"], true, "{report}");
    report["events_checked"]
        .as_u64()
        .unwrap_or_else(|| panic!("no events_checked in {report}"))
}

/// `replay --report <report> --format json` at the head: a rebuild from scratch.
pub async fn replay(database_url: &str, report: &str) -> Value {
    let out = run(&[
        "replay",
        "--report",
        report,
        "--format",
        "json",
        "--database-url",
        database_url,
    ])
    .await;
    serde_json::from_slice(&out).expect("replay prints JSON")
}
