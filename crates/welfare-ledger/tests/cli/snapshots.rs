//! Projection snapshots from the command line: `snapshot` writes one quietly when piped,
//! `serve` leaves one at shutdown, and answers from them equal answers without.

use ledger_store::EventStore;

use super::{fixture_path, health, run_ok, start_server, terminate};

fn trial_balance(url: &str) -> serde_json::Value {
    let out = run_ok(&[
        "replay",
        "--report",
        "trial-balance",
        "--format",
        "json",
        "--database-url",
        url,
    ]);
    let mut answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    answer["as_of"] = serde_json::Value::Null; // today's date; the same run to run anyway
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_leaves_a_snapshot_at_shutdown_and_the_snapshot_command_writes_one() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("snap.db").display());
    run_ok(&["import", &fixture_path(), "--database-url", &url]);
    let before = trial_balance(&url);

    let (child, address) = start_server(&url);
    health(&address);
    assert!(terminate(child).success());

    let store = EventStore::open(&url).await.unwrap();
    let head = store.head().await.unwrap().position;
    let found = store
        .latest_snapshot(head, ledger_domain::SNAPSHOT_FORMAT, None)
        .await
        .unwrap()
        .expect("serve wrote a snapshot at shutdown");
    assert_eq!(found.header.position, head);
    assert!(found.header.matches_log());
    store.close().await;

    let out = run_ok(&["snapshot", "--database-url", &url]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("snapshot at position {head} (")),
        "{stdout}"
    );
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains('\r'),
        "no progress line when stderr is not a terminal"
    );
    assert_eq!(
        trial_balance(&url),
        before,
        "the replay from a snapshot answers the same"
    );
}
