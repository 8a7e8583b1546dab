//! Test support shared by every crate's tests: a database that exists for one test only,
//! SQLite in a temp folder or a fresh PostgreSQL database on the server named by
//! `TEST_DATABASE_URL`, dropped when the test ends.

use ledger_store::EventStore;
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
        if std::env::var("TEST_DATABASE_URL").is_err() {
            eprintln!("TEST_DATABASE_URL is not set: PostgreSQL case skipped");
        }
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

    /// Another fresh, empty database on the same backend (for copying a ledger into).
    pub async fn another(&self) -> TestDb {
        match self.backend {
            Backend::Sqlite { .. } => TestDb::sqlite().await,
            Backend::Postgres { .. } => TestDb::postgres()
                .await
                .expect("a PostgreSQL test database implies TEST_DATABASE_URL"),
        }
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

    /// The one integer `query` selects (a `count(*)`, say), read behind the store's back.
    pub async fn scalar(&self, query: &str) -> i64 {
        match &self.backend {
            Backend::Sqlite { .. } => {
                let mut c = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
                let n = sqlx::query_scalar(query).fetch_one(&mut c).await.unwrap();
                c.close().await.unwrap();
                n
            }
            Backend::Postgres { .. } => {
                let mut c = sqlx::PgConnection::connect(&self.url).await.unwrap();
                let n = sqlx::query_scalar(query).fetch_one(&mut c).await.unwrap();
                c.close().await.unwrap();
                n
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
