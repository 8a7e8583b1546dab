//! What must hold of a ledger after a crash, read straight from the database (not through
//! the product's store, whose reads are part of what is under test).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;
use sqlx::{Connection, Row};
use uuid::Uuid;

use crate::harness;
use crate::load::{Client, Effect, STANDARD};

pub struct Logged {
    pub position: i64,
    pub event_id: Uuid,
    pub source_ref: Option<String>,
}

/// The `events` table in position order and the position `ledger_head` claims.
pub struct Log {
    pub events: Vec<Logged>,
    pub head: i64,
}

const EVENTS: &str = "SELECT position, event_id, source_ref FROM events ORDER BY position";
const HEAD: &str = "SELECT position FROM ledger_head WHERE id = 1";

pub async fn read_log(database_url: &str) -> Log {
    match database_url.starts_with("sqlite:") {
        true => read_sqlite(database_url).await,
        false => read_postgres(database_url).await,
    }
}

async fn read_sqlite(url: &str) -> Log {
    let mut c = sqlx::SqliteConnection::connect(url)
        .await
        .unwrap_or_else(|e| panic!("opening {url}: {e}"));
    let rows = sqlx::query(EVENTS).fetch_all(&mut c).await.expect("events");
    let events = rows
        .iter()
        .map(|r| Logged {
            position: r.get("position"),
            event_id: Uuid::from_slice(r.get::<&[u8], _>("event_id")).expect("16-byte id"),
            source_ref: r.get("source_ref"),
        })
        .collect();
    let head = sqlx::query(HEAD).fetch_one(&mut c).await.expect("head");
    let head = head.get("position");
    c.close().await.expect("closing");
    Log { events, head }
}

async fn read_postgres(url: &str) -> Log {
    let mut c = sqlx::PgConnection::connect(url)
        .await
        .unwrap_or_else(|e| panic!("connecting: {e}"));
    let rows = sqlx::query(EVENTS).fetch_all(&mut c).await.expect("events");
    let events = rows
        .iter()
        .map(|r| Logged {
            position: r.get("position"),
            event_id: r.get("event_id"),
            source_ref: r.get("source_ref"),
        })
        .collect();
    let head = sqlx::query(HEAD).fetch_one(&mut c).await.expect("head");
    let head = head.get("position");
    c.close().await.expect("closing");
    Log { events, head }
}

/// Positions are 1..=head with no gap, the head row agrees, no event id appears twice, every
/// `required` request is there with exactly the ids it was acknowledged with, and every other
/// event is one `allowed` accepts (by its source ref and the ids logged under it).
pub fn check_log(
    log: &Log,
    required: &HashMap<String, (Vec<Uuid>, Effect)>,
    allowed: impl Fn(&str, &[Uuid]) -> bool,
    context: &str,
) {
    for (expected, event) in (1..).zip(&log.events) {
        assert_eq!(event.position, expected, "{context}: a gap in positions");
    }
    assert_eq!(
        log.head,
        log.events.len() as i64,
        "{context}: ledger_head disagrees with the events table"
    );
    let distinct: HashSet<Uuid> = log.events.iter().map(|e| e.event_id).collect();
    assert_eq!(
        distinct.len(),
        log.events.len(),
        "{context}: an event id twice"
    );

    let by_ref = group_by_source_ref(log, context);
    for (source_ref, (ids, _)) in required {
        assert_eq!(
            by_ref.get(source_ref.as_str()),
            Some(ids),
            "{context}: acknowledged {source_ref} is not in the log exactly once"
        );
    }
    for (source_ref, ids) in &by_ref {
        if !required.contains_key(*source_ref) {
            assert!(
                allowed(source_ref, ids),
                "{context}: {source_ref} logged as {ids:?}, which nobody was told and no \
                 request in flight explains"
            );
        }
    }
}

fn group_by_source_ref<'a>(log: &'a Log, context: &str) -> BTreeMap<&'a str, Vec<Uuid>> {
    let mut by_ref: BTreeMap<&str, Vec<Uuid>> = BTreeMap::new();
    for event in &log.events {
        let source_ref = event.source_ref.as_deref().unwrap_or_else(|| {
            panic!(
                "{context}: position {} has no source ref: no request of this test wrote it",
                event.position
            )
        });
        by_ref.entry(source_ref).or_default().push(event.event_id);
    }
    by_ref
}

/// Answers of the live (restarted, then written to) server against `replay` rebuilding them
/// from the log, and against what the clients were told they recorded.
pub async fn compare_projections(client: &Client, database_url: &str, head: i64) {
    const COMPARED: [(&str, &str); 3] = [
        ("/api/v1/budgets/summary", "budget-summary"),
        ("/api/v1/accounts/trial-balance", "trial-balance"),
        ("/api/v1/poverty", "poverty"),
    ];
    // The server is idle, so the three rebuilds may run at once and still see the same head.
    let rebuilt = futures::future::join_all(
        COMPARED.map(|(_, report)| harness::replay(database_url, report)),
    )
    .await;
    let mut live = BTreeMap::new();
    for ((route, report), rebuilt) in COMPARED.into_iter().zip(rebuilt) {
        let answer = client.get(route).await;
        assert_eq!(answer["position"], head, "{route} is not at the head");
        assert_eq!(
            rebuilt["position"], head,
            "replay {report} is not at the head"
        );
        assert_eq!(
            answer["data"], rebuilt["data"],
            "{route} differs from a rebuild"
        );
        live.insert(report, answer);
    }
    let book = client.book.lock().expect("book lock");
    assert_eq!(
        allocated(&live["budget-summary"]),
        book.allocated(),
        "allocations differ from the acknowledged ones"
    );
    assert_eq!(
        classified(&live["poverty"]),
        book.classified(),
        "classifications differ from the acknowledged ones"
    );
}

fn allocated(answer: &Value) -> BTreeMap<(String, String), u64> {
    rows(answer)
        .iter()
        .map(|row| {
            let text = |field: &str| {
                row[field]
                    .as_str()
                    .unwrap_or_else(|| panic!("no {field} in {row}"))
                    .to_owned()
            };
            let amount = text("allocated").parse().expect("dong as digits");
            ((text("programme_id"), text("source")), amount)
        })
        .collect()
}

fn classified(answer: &Value) -> BTreeMap<&'static str, u64> {
    let mut counts = BTreeMap::new();
    for row in rows(answer).iter().filter(|r| r["standard_id"] == STANDARD) {
        for status in ["poor", "near_poor", "not_poor"] {
            let n = row[status]
                .as_u64()
                .unwrap_or_else(|| panic!("{status} in {row}"));
            if n > 0 {
                *counts.entry(status).or_default() += n;
            }
        }
    }
    counts
}

fn rows(answer: &Value) -> &Vec<Value> {
    answer["data"]
        .as_array()
        .unwrap_or_else(|| panic!("no rows in {answer}"))
}
