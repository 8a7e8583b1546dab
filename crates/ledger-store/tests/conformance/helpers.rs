//! Fresh databases per test, and builders for events.

use chrono::NaiveDate;
use ledger_store::{AppendRequest, EventStore, ExpectedVersion, NewEvent, StreamName};
use sqlx::Connection;
use uuid::Uuid;

pub enum Backend {
    Sqlite { _dir: tempfile::TempDir },
    Postgres { admin_url: String, name: String },
}

/// A database that exists for one test only.
pub struct TestDb {
    pub url: String,
    backend: Backend,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("ledger.db").display());
        TestDb {
            url,
            backend: Backend::Sqlite { _dir: dir },
        }
    }

    /// A new database on the server of `TEST_DATABASE_URL`, dropped when the test ends.
    pub async fn postgres() -> Option<TestDb> {
        let admin_url = std::env::var("TEST_DATABASE_URL").ok()?;
        let name = format!("ledger_test_{}", Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(&admin_url)
            .await
            .expect("TEST_DATABASE_URL is set but PostgreSQL is unreachable");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
        admin.close().await.unwrap();
        let (base, _) = admin_url.rsplit_once('/').unwrap();
        Some(TestDb {
            url: format!("{base}/{name}"),
            backend: Backend::Postgres { admin_url, name },
        })
    }

    pub async fn open(&self) -> EventStore {
        EventStore::open(&self.url).await.unwrap()
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Postgres { .. })
    }

    /// Runs SQL behind the store's back, as someone with access to the database file would.
    pub async fn sabotage(&self, statements: &[&str]) {
        match &self.backend {
            Backend::Sqlite { .. } => {
                let mut c = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
                for s in statements {
                    sqlx::query(s).execute(&mut c).await.unwrap();
                }
                c.close().await.unwrap();
            }
            Backend::Postgres { .. } => {
                let mut c = sqlx::PgConnection::connect(&self.url).await.unwrap();
                for s in statements {
                    sqlx::query(s).execute(&mut c).await.unwrap();
                }
                c.close().await.unwrap();
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Backend::Postgres { admin_url, name } = &self.backend {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside the test's runtime, which cannot block on itself: use a thread
            // with its own runtime.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Ok(mut c) = sqlx::PgConnection::connect(&admin_url).await {
                        let _ =
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .execute(&mut c)
                                .await;
                    }
                });
            })
            .join();
        }
    }
}

pub fn stream(name: &str) -> StreamName {
    StreamName::parse(name).unwrap()
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn event(kind: &str, payload: serde_json::Value) -> NewEvent {
    NewEvent {
        event_id: Uuid::new_v4(),
        kind: kind.to_owned(),
        schema_version: 1,
        occurred_on: date(2023, 6, 1),
        recorded_by: "clerk-1".to_owned(),
        source_ref: Some("QD-123/2023".to_owned()),
        payload: payload.to_string(),
    }
}

pub fn events(n: usize) -> Vec<NewEvent> {
    (0..n)
        .map(|i| event("Noted", serde_json::json!({ "i": i })))
        .collect()
}

pub fn single(name: &str, expected: ExpectedVersion, events: Vec<NewEvent>) -> AppendRequest {
    AppendRequest::single(stream(name), expected, events)
}

/// Reads the whole log through `read_all`.
pub async fn all(store: &EventStore) -> Vec<ledger_store::RecordedEvent> {
    use futures::TryStreamExt;
    store.read_all(1).try_collect().await.unwrap()
}

/// Asserts positions are exactly 1..=n.
pub fn assert_gapless(events: &[ledger_store::RecordedEvent]) {
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.position, i as u64 + 1, "positions must be gapless from 1");
    }
}
