//! The write load: workers posting commands that always succeed, and the book of what the
//! server acknowledged.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use tokio::sync::watch;

/// Small seeded xorshift64*: reproducible without a dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform enough in `low..=high` for choosing kill moments.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }
}

/// What an acknowledged request changed, for expectations computed without the product.
#[derive(Clone, Debug)]
pub enum Effect {
    Setup,
    Household,
    Classified {
        status: &'static str,
    },
    Allocated {
        programme: String,
        source: &'static str,
        amount: u64,
    },
}

/// One command, named by its `Source-Ref` (also its idempotency key), so a landing can be
/// traced in the log and a retry cannot land twice.
#[derive(Clone, Debug)]
pub struct Request {
    pub source_ref: String,
    pub path: &'static str,
    pub body: Value,
    pub effect: Effect,
}

pub const UNIT: &str = "06703";
pub const STANDARD: &str = "crash-std";

/// The prerequisites: a ward, a poverty standard, one programme per worker (a programme's
/// budget is one stream, so workers never race on a stream and every command gets 201).
pub fn setup_requests(workers: usize) -> Vec<Request> {
    let mut requests = vec![
        setup(
            "unit",
            "/api/v1/units",
            json!({"code": UNIT, "name": "Việt Hưng",
            "unit_kind": "ward", "valid_from": "2021-02-03", "valid_to": "2025-06-30",
            "registered_on": "2021-02-03"}),
        ),
        setup(
            "standard",
            "/api/v1/standards",
            json!({"standard_id": STANDARD,
            "name": "Crash-test standard", "valid_from": "2022-01-01", "valid_to": "2025-12-31",
            "rural_income_line": "1500000", "urban_income_line": "2000000",
            "indicator_rule": "as the national standard", "registered_on": "2022-01-01"}),
        ),
    ];
    for w in 0..workers {
        requests.push(setup(
            &format!("programme:{w}"),
            "/api/v1/programmes",
            json!({"programme_id": programme(w), "name": format!("Crash programme {w}"),
                "programme_kind": "housing", "year": 2023, "target": 10,
                "deadline": "2023-12-31", "opened_on": "2023-01-02"}),
        ));
    }
    requests
}

fn setup(name: &str, path: &'static str, body: Value) -> Request {
    Request {
        source_ref: format!("crash:setup:{name}"),
        path,
        body,
        effect: Effect::Setup,
    }
}

fn programme(worker: usize) -> String {
    format!("crash-w{worker}")
}

/// One worker's deterministic sequence: register a household, classify it, allocate budget.
/// A request left unanswered by a kill is sent again, unchanged, before the next one.
#[derive(Debug)]
pub struct Worker {
    index: usize,
    /// Its own token, as each clerk has: idempotency keys and rate limits are per token.
    token: String,
    next_seq: u64,
    pub pending: Option<Request>,
}

impl Worker {
    pub fn new(index: usize, token: String) -> Worker {
        Worker {
            index,
            token,
            next_seq: 0,
            pending: None,
        }
    }

    fn next_request(&mut self) -> Request {
        let (w, n) = (self.index, self.next_seq);
        self.next_seq += 1;
        let household = format!("w{w}-h{}", n / 3);
        let source_ref = format!("crash:w{w}:{n}");
        let (path, body, effect) = match n % 3 {
            0 => (
                "/api/v1/households",
                json!({"household_id": household, "unit_code": UNIT,
                    "members": n % 7 + 1, "registered_on": "2023-01-05"}),
                Effect::Household,
            ),
            1 => {
                let status = if n % 2 == 0 { "poor" } else { "near_poor" };
                (
                    "/api/v1/household-classifications",
                    json!({"household_id": household, "standard_id": STANDARD,
                        "status": status, "effective_on": "2023-02-01",
                        "decision_ref": "crash-test"}),
                    Effect::Classified { status },
                )
            }
            _ => {
                let source = if n % 2 == 0 { "state" } else { "province" };
                let amount = 1_000_000 + n * 1_000 + w as u64;
                (
                    "/api/v1/allocations",
                    json!({"programme_id": programme(w), "source": source,
                        "amount": amount.to_string(), "allocated_on": "2023-03-01"}),
                    Effect::Allocated {
                        programme: programme(w),
                        source,
                        amount,
                    },
                )
            }
        };
        Request {
            source_ref,
            path,
            body,
            effect,
        }
    }
}

/// Everything the server acknowledged with a 201, by source ref.
#[derive(Default)]
pub struct Book {
    pub acked: HashMap<String, (Vec<uuid::Uuid>, Effect)>,
    /// Retries of in-flight requests that found their first attempt had landed.
    pub replays_of_landed: u64,
    /// Retries of in-flight requests whose first attempt had not landed.
    pub retries_not_landed: u64,
}

impl Book {
    /// Allocated dong per (programme, source), as the clients were told it was recorded.
    pub fn allocated(&self) -> BTreeMap<(String, String), u64> {
        let mut totals = BTreeMap::new();
        for (_, effect) in self.acked.values() {
            if let Effect::Allocated {
                programme,
                source,
                amount,
            } = effect
            {
                *totals
                    .entry((programme.clone(), source.to_string()))
                    .or_default() += amount;
            }
        }
        totals
    }

    /// Households classified per status.
    pub fn classified(&self) -> BTreeMap<&'static str, u64> {
        let mut counts = BTreeMap::new();
        for (_, effect) in self.acked.values() {
            if let Effect::Classified { status } = effect {
                *counts.entry(*status).or_default() += 1;
            }
        }
        counts
    }
}

/// What the workers share with one server's lifetime.
#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    /// For the set-up commands and the reads.
    pub token: String,
    pub book: Arc<Mutex<Book>>,
    /// Acknowledgements so far, so the test can kill after a seeded number of them.
    pub acks: Arc<watch::Sender<u64>>,
    /// Set to let workers finish their current request and return (a graceful end of load).
    pub stop: Arc<AtomicBool>,
}

pub enum Outcome {
    Acked {
        replayed: bool,
    },
    /// No complete answer: the request may or may not have landed.
    Unknown,
}

impl Client {
    pub async fn get(&self, path: &str) -> Value {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let status = response.status();
        let text = response.text().await.expect("reading a GET answer");
        assert_eq!(status, 200, "GET {path}: {text}");
        serde_json::from_str(&text).expect("a GET answers JSON")
    }

    /// Posts `request` with `token`; a 201 goes in the book, any other status fails the test.
    pub async fn send(&self, request: &Request, token: &str) -> Outcome {
        let sent = self
            .http
            .post(format!("{}{}", self.base, request.path))
            .bearer_auth(token)
            .header("Idempotency-Key", &request.source_ref)
            .header("Source-Ref", &request.source_ref)
            .json(&request.body)
            .send()
            .await;
        let Ok(response) = sent else {
            return Outcome::Unknown;
        };
        let status = response.status();
        let Ok(text) = response.text().await else {
            return Outcome::Unknown;
        };
        assert_eq!(
            status, 201,
            "{} ({}) answered: {text}",
            request.path, request.source_ref
        );
        let answer: Value = serde_json::from_str(&text).expect("a 201 answers JSON");
        let replayed = answer["idempotent_replay"] == true;
        self.record(request, event_ids(&answer));
        Outcome::Acked { replayed }
    }

    fn record(&self, request: &Request, ids: Vec<uuid::Uuid>) {
        // Every command of this load decides exactly one event.
        assert_eq!(ids.len(), 1, "{}: {ids:?}", request.source_ref);
        let mut book = self.book.lock().expect("book lock");
        let previous = book
            .acked
            .insert(request.source_ref.clone(), (ids, request.effect.clone()));
        assert!(
            previous.is_none(),
            "{} acknowledged twice",
            request.source_ref
        );
        drop(book);
        self.acks.send_modify(|n| *n += 1);
    }
}

fn event_ids(answer: &Value) -> Vec<uuid::Uuid> {
    answer["events"]
        .as_array()
        .unwrap_or_else(|| panic!("no events in {answer}"))
        .iter()
        .map(|e| {
            e["event_id"]
                .as_str()
                .and_then(|id| id.parse().ok())
                .unwrap_or_else(|| panic!("bad event_id in {answer}"))
        })
        .collect()
}

/// Sends requests until the server stops answering or `stop` is set; returns the worker with
/// the request that got no answer, if any.
pub async fn run(mut worker: Worker, client: Client) -> Worker {
    while !client.stop.load(Ordering::Relaxed) {
        let request = worker
            .pending
            .take()
            .unwrap_or_else(|| worker.next_request());
        if let Outcome::Unknown = client.send(&request, &worker.token).await {
            worker.pending = Some(request);
            return worker;
        }
    }
    worker
}

/// Sends each worker's unanswered request again, with the same idempotency key: against a
/// live server it must be acknowledged, once, whether or not its first attempt landed.
pub async fn retry_pending(workers: &mut [Worker], client: &Client) {
    for worker in workers {
        let Some(request) = worker.pending.take() else {
            continue;
        };
        match client.send(&request, &worker.token).await {
            Outcome::Acked { replayed } => {
                let mut book = client.book.lock().expect("book lock");
                match replayed {
                    true => book.replays_of_landed += 1,
                    false => book.retries_not_landed += 1,
                }
            }
            Outcome::Unknown => panic!("{} got no answer from a live server", request.source_ref),
        }
    }
}
