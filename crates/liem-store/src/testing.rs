//! Fresh databases for tests: an SQLite file in a temporary directory, or a
//! new schema in the PostgreSQL named by `LIEM_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1/test`).
//!
//! When PostgreSQL cannot be reached, a run with `CI` set fails; otherwise
//! the PostgreSQL half is skipped with a loud message on stderr.

use crate::{Location, Store};

/// The audit keys of test databases (derived from a fixed test instance
/// key: tests only).
pub fn test_keys() -> crate::audit::AuditKeys {
    crate::audit::AuditKeys::derive(b"liem test instance key, tests only")
}

/// The default test PostgreSQL.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1/test";

/// A test database that is removed when dropped (SQLite) or by
/// [`TestDb::cleanup`] (PostgreSQL schema).
pub struct TestDb {
    /// The store.
    pub store: Store,
    /// Where it is.
    pub location: Location,
    /// Keeps the SQLite directory alive.
    _dir: Option<tempfile::TempDir>,
    schema: Option<(String, String)>,
}

impl TestDb {
    /// A fresh SQLite database in a temporary directory.
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        let location = Location::SqliteFile(dir.path().join("liem.sqlite3"));
        let store = Store::open(&location, test_keys())
            .await
            .expect("open SQLite");
        TestDb {
            store,
            location,
            _dir: Some(dir),
            schema: None,
        }
    }

    /// A fresh schema on the test PostgreSQL, migrated; `None` (with a loud
    /// message) when it is unreachable outside CI.
    pub async fn postgres() -> Option<TestDb> {
        let url = std::env::var("LIEM_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned());
        let schema = format!("liem_test_{}", uuid::Uuid::new_v4().simple());
        let admin = Location::Postgres {
            url: url.clone(),
            schema: None,
        };
        let admin_store = match Store::open(&admin, test_keys()).await {
            Ok(s) => s,
            Err(e) => {
                if std::env::var_os("CI").is_some() {
                    panic!("CI is set and PostgreSQL at {url} is unreachable: {e}");
                }
                eprintln!("\n!!! SKIPPED: PostgreSQL at {url} is unreachable ({e}); set LIEM_TEST_POSTGRES_URL !!!\n");
                return None;
            }
        };
        let mut c = admin_store.conn().await.expect("connection");
        crate::db::query(format!("CREATE SCHEMA {schema}"))
            .execute(&mut c)
            .await
            .expect("create schema");
        drop(c);
        admin_store.close().await;
        let location = Location::Postgres {
            url: url.clone(),
            schema: Some(schema.clone()),
        };
        let store = Store::open(&location, test_keys())
            .await
            .expect("open PostgreSQL");
        store.migrate().await.expect("migrate PostgreSQL");
        Some(TestDb {
            store,
            location,
            _dir: None,
            schema: Some((url, schema)),
        })
    }

    /// Drops the PostgreSQL schema (SQLite files go with the directory).
    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some((url, schema)) = self.schema {
            if let Ok(s) = Store::open(&Location::Postgres { url, schema: None }, test_keys()).await
            {
                if let Ok(mut c) = s.conn().await {
                    let _ = crate::db::query(format!("DROP SCHEMA {schema} CASCADE"))
                        .execute(&mut c)
                        .await;
                }
                s.close().await;
            }
        }
    }
}
