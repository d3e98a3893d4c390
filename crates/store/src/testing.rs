//! A fresh, empty database per test, on the backend `DATABASE_URL` names: a PostgreSQL URL is
//! used as the administrative connection to create (and later drop) `t_<random>` databases;
//! unset or a SQLite path gives a SQLite file in a temporary directory. Tests can then run in
//! parallel without sharing rows.

use crate::{DatabaseUrl, StoreError};
use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

pub struct TestDatabase {
    pub url: DatabaseUrl,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(PathBuf),
    Postgres { admin: String, name: String },
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique_suffix() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{}_{}_{}", std::process::id(), n, nanos)
}

impl TestDatabase {
    /// From `DATABASE_URL`, see the module docs.
    pub fn from_env() -> Result<TestDatabase, StoreError> {
        match std::env::var("DATABASE_URL") {
            Ok(u) if u.starts_with("postgres") => TestDatabase::postgres(&u),
            _ => Ok(TestDatabase::sqlite()),
        }
    }

    pub fn sqlite() -> TestDatabase {
        let dir = std::env::temp_dir().join(format!("closedloop-test-{}", unique_suffix()));
        let _ = std::fs::create_dir_all(&dir);
        TestDatabase {
            url: DatabaseUrl::Sqlite(dir.join("closedloop.db")),
            cleanup: Cleanup::Dir(dir),
        }
    }

    pub fn postgres(admin: &str) -> Result<TestDatabase, StoreError> {
        let name = format!("t_{}", unique_suffix());
        let mut conn = PgConnection::establish(admin).map_err(|e| StoreError::Connect {
            url: admin.to_string(),
            reason: e.to_string(),
        })?;
        conn.batch_execute(&format!("CREATE DATABASE {name}"))?;
        let url = replace_database(admin, &name);
        Ok(TestDatabase {
            url: DatabaseUrl::Postgres(url),
            cleanup: Cleanup::Postgres {
                admin: admin.to_string(),
                name,
            },
        })
    }

    /// The URL as the CLI takes it.
    pub fn url_string(&self) -> String {
        match &self.url {
            DatabaseUrl::Postgres(u) => u.clone(),
            DatabaseUrl::Sqlite(p) => p.display().to_string(),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.url, DatabaseUrl::Postgres(_))
    }

    /// Runs SQL directly, past the store's code: for tests that edit rows the way someone with
    /// database access could (tampering with the ledger, for instance).
    pub fn execute(&self, sql: &str) -> Result<(), StoreError> {
        let store = crate::Store::open_unmigrated(&self.url)?;
        let mut conn = store.conn()?;
        conn.batch_execute(sql)?;
        Ok(())
    }
}

/// Runs `sql` on the SQLite file at `path` (created if missing) with SQLite's defaults — a
/// rollback journal, no settings of the store's — as another program would write it.
pub fn foreign_sqlite_file(path: &std::path::Path, sql: &str) -> Result<(), StoreError> {
    let s = path.to_str().expect("a UTF-8 path");
    let mut conn = diesel::SqliteConnection::establish(s).map_err(|e| StoreError::Connect {
        url: s.to_string(),
        reason: e.to_string(),
    })?;
    conn.batch_execute(sql)?;
    Ok(())
}

fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    match base[after_scheme..].find('/') {
        Some(slash) => format!("{}/{name}{query}", &base[..after_scheme + slash]),
        None => format!("{base}/{name}{query}"),
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Dir(d) => {
                let _ = std::fs::remove_dir_all(d);
            }
            Cleanup::Postgres { admin, name } => {
                if let Ok(mut c) = PgConnection::establish(admin) {
                    let _ =
                        c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::replace_database;

    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            replace_database("postgres://a:b@h:5432/postgres", "t_1"),
            "postgres://a:b@h:5432/t_1"
        );
        assert_eq!(
            replace_database("postgres://a@h", "t_1"),
            "postgres://a@h/t_1"
        );
        assert_eq!(
            replace_database("postgres://a@h/db?sslmode=disable", "t_1"),
            "postgres://a@h/t_1?sslmode=disable"
        );
    }
}
