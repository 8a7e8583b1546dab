//! Crash tests of the real binary: concurrent appends over HTTP, SIGKILL at a seeded moment,
//! restart on the same database, and after every cycle: each acknowledged event is in the log
//! exactly once, positions are gapless, `verify` passes, and the restarted server answers what
//! a rebuild answers. A second test takes SQLite disk images mid-write (power cuts).
//!
//! `WELFARE_LEDGER_CRASH_CYCLES` (default 20) and `WELFARE_LEDGER_CRASH_SEED` (printed) make a
//! long run or a failure reproducible.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use ledger_testkit::TestDb;
use tokio::sync::watch;

#[path = "crash/checks.rs"]
mod checks;
#[path = "crash/harness.rs"]
mod harness;
#[path = "crash/load.rs"]
mod load;

use harness::Server;
use load::{Book, Client, Outcome, Rng, Worker};

/// Enough concurrent writers that the writer folds several requests into one transaction.
const WORKERS: usize = 12;
const DEFAULT_CYCLES: u64 = 20;
const DEFAULT_SEED: u64 = 20_230_831;
/// Acknowledgements between a start and its kill: enough for many group commits, few enough
/// that 20 cycles stay well under a minute in a debug build.
const ACKS_PER_CYCLE: (u64, u64) = (20, 150);
/// Disk images taken in the power-cut test, and acknowledgements between two of them.
const POWER_CUTS: usize = 8;
const ACKS_PER_IMAGE: (u64, u64) = (10, 80);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_keeps_every_acknowledged_event_exactly_once_through_sigkill_cycles() {
    let db = TestDb::sqlite().await;
    crash_cycles(&db.url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_keeps_every_acknowledged_event_exactly_once_through_sigkill_cycles() {
    let Some(db) = TestDb::postgres().await else {
        eprintln!("TEST_DATABASE_URL is not set: PostgreSQL crash test skipped");
        return;
    };
    crash_cycles(&db.url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_power_cut_images_taken_mid_write_are_whole_and_hold_every_earlier_ack() {
    let db = TestDb::sqlite().await;
    let (seed, _) = settings();
    let mut rng = Rng::new(seed);
    let scratch = tempfile::tempdir().expect("a temp dir");
    let (server, client, workers) = start_fresh(&db.url, scratch.path()).await;
    let workers: Vec<_> = workers
        .into_iter()
        .map(|w| tokio::spawn(load::run(w, client.clone())))
        .collect();

    let mut images = Vec::new();
    let mut target = *client.acks.borrow();
    for k in 0..POWER_CUTS {
        target += rng.between(ACKS_PER_IMAGE.0, ACKS_PER_IMAGE.1);
        wait_for_acks(&client, target).await;
        let acked_before = client.book.lock().expect("book lock").acked.clone();
        server.freeze();
        let copied = copy_database(&db.url, &scratch.path().join(format!("image-{k}")));
        server.thaw();
        images.push((copied, acked_before));
    }
    client
        .stop
        .store(true, std::sync::atomic::Ordering::Relaxed);
    for worker in workers {
        let worker = worker.await.expect("a worker failed");
        assert!(
            worker.pending.is_none(),
            "a live server left a request unanswered"
        );
    }
    server.stop().await;

    let acked = client.book.lock().expect("book lock").acked.clone();
    let mut previous = 0;
    for (k, (image, acked_before)) in images.iter().enumerate() {
        let checked = harness::verify(image).await;
        let log = checks::read_log(image).await;
        assert_eq!(
            checked,
            log.events.len() as u64,
            "image {k}: verify saw another log"
        );
        // Whatever else the image holds landed once and was acknowledged by the end.
        let finally_acked = |r: &str, ids: &[uuid::Uuid]| acked.get(r).is_some_and(|a| a.0 == ids);
        checks::check_log(&log, acked_before, finally_acked, &format!("image {k}"));
        assert!(
            log.events.len() > previous,
            "image {k} is not later than the one before"
        );
        previous = log.events.len();
    }
    eprintln!("power cut: {POWER_CUTS} images, the last at position {previous}, seed {seed}");
}

/// The seed and the number of cycles, from the environment or the defaults.
fn settings() -> (u64, u64) {
    let read = |name: &str, default: u64| match std::env::var(name) {
        Ok(text) => text
            .parse()
            .unwrap_or_else(|_| panic!("{name}={text:?} is not a whole number")),
        Err(_) => default,
    };
    let seed = read("WELFARE_LEDGER_CRASH_SEED", DEFAULT_SEED);
    let cycles = read("WELFARE_LEDGER_CRASH_CYCLES", DEFAULT_CYCLES);
    (seed, cycles)
}

/// A server on a new ledger with the prerequisites of the load recorded, and its workers.
async fn start_fresh(database_url: &str, scratch: &Path) -> (Server, Client, Vec<Worker>) {
    let token = harness::recorder_token(database_url).await;
    let tokens =
        futures::future::join_all((0..WORKERS).map(|_| harness::recorder_token(database_url)));
    let workers = tokens
        .await
        .into_iter()
        .enumerate()
        .map(|(w, t)| Worker::new(w, t))
        .collect();
    let http = reqwest::Client::new();
    let server = Server::start(database_url, scratch.join("serve-0.log"), &http).await;
    let client = Client {
        http,
        base: server.base.clone(),
        token,
        book: Arc::new(Mutex::new(Book::default())),
        acks: Arc::new(watch::Sender::new(0)),
        stop: Arc::new(AtomicBool::new(false)),
    };
    for request in load::setup_requests(WORKERS) {
        let outcome = client.send(&request, &client.token).await;
        assert!(matches!(outcome, Outcome::Acked { replayed: false }));
    }
    (server, client, workers)
}

async fn crash_cycles(database_url: &str) {
    let (seed, cycles) = settings();
    eprintln!("crash test: {cycles} cycles, WELFARE_LEDGER_CRASH_SEED={seed}");
    let mut rng = Rng::new(seed);
    let scratch = tempfile::tempdir().expect("a temp dir");
    let (mut server, mut client, mut workers) = start_fresh(database_url, scratch.path()).await;
    let mut in_flight_at_kills = 0;
    for cycle in 1..=cycles {
        let acks = rng.between(ACKS_PER_CYCLE.0, ACKS_PER_CYCLE.1);
        workers = load_then_kill(server, workers, &client, acks).await;
        let in_flight: HashSet<String> = workers
            .iter()
            .filter_map(|w| w.pending.as_ref().map(|r| r.source_ref.clone()))
            .collect();
        in_flight_at_kills += in_flight.len();
        check_after_kill(database_url, &client, &in_flight, cycle).await;

        let log = scratch.path().join(format!("serve-{cycle}.log"));
        server = Server::start(database_url, log, &client.http).await;
        client.base = server.base.clone();
        load::retry_pending(&mut workers, &client).await;
        check_after_restart(database_url, &client, cycle).await;
    }
    server.stop().await;
    let book = client.book.lock().expect("book lock");
    eprintln!(
        "crash test: {cycles} kills, {} requests acknowledged, {in_flight_at_kills} in flight at \
         the kills: {} had landed (retry answered from the idempotency record), {} had not; \
         seed {seed}",
        book.acked.len(),
        book.replays_of_landed,
        book.retries_not_landed
    );
}

/// Runs every worker until `acks` more acknowledgements arrived, then SIGKILLs the server
/// with the other requests in flight; returns the workers, each with its unanswered request.
async fn load_then_kill(
    server: Server,
    workers: Vec<Worker>,
    client: &Client,
    acks: u64,
) -> Vec<Worker> {
    let target = *client.acks.borrow() + acks;
    let tasks: Vec<_> = workers
        .into_iter()
        .map(|w| tokio::spawn(load::run(w, client.clone())))
        .collect();
    let all = futures::future::join_all(tasks);
    tokio::pin!(all);
    tokio::select! {
        () = wait_for_acks(client, target) => {}
        ended = &mut all => panic!("every worker stopped before the kill: {ended:?}"),
    }
    server.kill().await;
    all.await
        .into_iter()
        .map(|w| w.expect("a worker failed"))
        .collect()
}

async fn wait_for_acks(client: &Client, target: u64) {
    let mut acks = client.acks.subscribe();
    acks.wait_for(|&n| n >= target)
        .await
        .expect("the book outlives the workers");
}

/// With the server dead: `verify` passes, and the log holds every acknowledged event once,
/// plus at most one landing of each request that was in flight.
async fn check_after_kill(
    database_url: &str,
    client: &Client,
    in_flight: &HashSet<String>,
    cycle: u64,
) {
    let checked = harness::verify(database_url).await;
    let log = checks::read_log(database_url).await;
    assert_eq!(checked, log.events.len() as u64, "verify saw another log");
    let book = client.book.lock().expect("book lock");
    let landed_once = |r: &str, ids: &[uuid::Uuid]| in_flight.contains(r) && ids.len() == 1;
    checks::check_log(
        &log,
        &book.acked,
        landed_once,
        &format!("after kill {cycle}"),
    );
}

/// After the in-flight requests were retried on the restarted server: the log is exactly what
/// was acknowledged, and the live projections equal a rebuild.
async fn check_after_restart(database_url: &str, client: &Client, cycle: u64) {
    let log = checks::read_log(database_url).await;
    {
        let book = client.book.lock().expect("book lock");
        let context = format!("after restart {cycle}");
        checks::check_log(&log, &book.acked, |_, _| false, &context);
    }
    checks::compare_projections(client, database_url, log.head).await;
}

/// Copies the SQLite file and its -wal and -shm into `folder`; returns the copy's URL.
fn copy_database(database_url: &str, folder: &Path) -> String {
    let path = PathBuf::from(
        database_url
            .strip_prefix("sqlite://")
            .expect("a sqlite:// URL"),
    );
    std::fs::create_dir_all(folder).expect("creating the image folder");
    let name = path.file_name().expect("a file name").to_string_lossy();
    for suffix in ["", "-wal", "-shm"] {
        let from = path.with_file_name(format!("{name}{suffix}"));
        if from.exists() {
            std::fs::copy(&from, folder.join(format!("{name}{suffix}"))).expect("copying");
        }
    }
    format!("sqlite://{}", folder.join(&*name).display())
}
