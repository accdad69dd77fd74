//! A fresh PostgreSQL database per test, on the server that
//! `scripts/with-postgres` starts (`TAXBOT_TEST_POSTGRES_URL`).
//!
//! Without that variable the PostgreSQL tests fail, so that a run which
//! forgot the database cannot pass silently; `TAXBOT_SKIP_POSTGRES=1` skips
//! them on purpose (a quick local run).

use sqlx::Connection;

/// The variable naming the test server.
pub const URL_VAR: &str = "TAXBOT_TEST_POSTGRES_URL";
/// The variable that skips the PostgreSQL tests.
pub const SKIP_VAR: &str = "TAXBOT_SKIP_POSTGRES";

/// A database created for one test; [`TestDatabase::drop_now`] removes it.
pub struct TestDatabase {
    /// `postgres://…/t_<random>`.
    pub url: String,
    admin_url: String,
    name: String,
}

/// `url` with its database name replaced by `db`.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{db}?{q}"),
        None => format!("{host_part}/{db}"),
    }
}

impl TestDatabase {
    /// The server's address, `None` when skipped on purpose; panics when
    /// no server is given.
    fn admin_url() -> Option<String> {
        match std::env::var(URL_VAR) {
            Ok(url) if !url.trim().is_empty() => Some(url),
            _ if std::env::var(SKIP_VAR).is_ok_and(|v| v == "1") => {
                eprintln!("PostgreSQL test skipped: {SKIP_VAR}=1 and no {URL_VAR}");
                None
            }
            _ => panic!(
                "{URL_VAR} is not set: run the tests under scripts/with-postgres \
                 (e.g. `scripts/with-postgres cargo test --release`), or set {SKIP_VAR}=1 to skip \
                 the PostgreSQL tests on purpose"
            ),
        }
    }

    /// Creates an empty database, or `None` when the PostgreSQL tests are
    /// skipped on purpose; panics when no server is given.
    pub async fn create() -> Option<TestDatabase> {
        let admin_url = Self::admin_url()?;
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(&admin_url).await.expect("connect to the test PostgreSQL");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("create test database");
        let _ = admin.close().await;
        Some(TestDatabase { url: with_database(&admin_url, &name), admin_url, name })
    }

    /// The database that stands for the data directory `dir`: created on
    /// first use, the same one when an app restarts on that directory.
    pub async fn for_data_dir(dir: &std::path::Path) -> Option<TestDatabase> {
        use std::hash::{Hash, Hasher};
        let admin_url = Self::admin_url()?;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        dir.hash(&mut h);
        let name = format!("d_{:016x}", h.finish());
        let mut admin = sqlx::PgConnection::connect(&admin_url).await.expect("connect to the test PostgreSQL");
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&mut admin)
            .await
            .expect("list databases");
        if !exists {
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut admin)
                .await
                .expect("create test database");
        }
        let _ = admin.close().await;
        Some(TestDatabase { url: with_database(&admin_url, &name), admin_url, name })
    }

    /// Drops the database (closing any connection still open to it).
    pub async fn drop_now(self) {
        let mut admin = sqlx::PgConnection::connect(&self.admin_url).await.expect("connect to the test PostgreSQL");
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)))
            .execute(&mut admin)
            .await
            .expect("drop test database");
        let _ = admin.close().await;
    }
}

#[test]
fn the_database_name_is_replaced_and_the_rest_kept() {
    assert_eq!(with_database("postgres://u:p@h:5/taxbot", "t_1"), "postgres://u:p@h:5/t_1");
    assert_eq!(with_database("postgres://u@h/db?sslmode=disable", "t_2"), "postgres://u@h/t_2?sslmode=disable");
    assert_eq!(with_database("postgres://h:5", "t_3"), "postgres://h:5/t_3");
}
