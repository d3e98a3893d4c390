//! The multi-backend connection and its pool.
//!
//! Diesel is synchronous: callers on an async executor must reach the store through
//! `spawn_blocking` (the web issue bounds how many such calls run at once).

use crate::{DatabaseUrl, StoreError};
use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;
use std::time::Duration;

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Postgres => "postgresql",
            Backend::Sqlite => "sqlite",
        }
    }
}

/// WAL lets readers run beside the writer; FULL makes an acknowledged commit survive power
/// loss (NORMAL may lose the last commits); foreign keys are off by default in SQLite.
/// A 32 MiB page cache keeps a 100,000-row import from spilling pages before its commit.
const SQLITE_SETTINGS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 15000; PRAGMA cache_size = -32768;";
const POSTGRES_SETTINGS: &str = "SET synchronous_commit = on;";

/// Runs `f` in one writing transaction: committed if it returns `Ok`, rolled back otherwise.
/// Lets callers outside this crate group store calls without importing diesel.
pub fn in_transaction<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    write_transaction(conn, f)
}

/// Runs `f` in a transaction that writes: committed if it returns `Ok`, rolled back otherwise.
///
/// On SQLite the outermost one begins as a writer (`BEGIN IMMEDIATE`): it takes the write lock
/// at once, waiting up to `busy_timeout` for another writer, instead of starting as a reader
/// and failing with "database is locked" when it first writes (SQLite cannot wait there, since
/// the snapshot it read may be stale). A nested call is a savepoint of the outer one.
/// PostgreSQL's row locks wait by themselves, so there it is an ordinary transaction.
/// Every store function that writes goes through here; read-only listings may use diesel's
/// deferred `transaction`.
pub fn write_transaction<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let outermost = match conn {
        DbConnection::Sqlite(c) => AnsiTransactionManager::transaction_manager_status_mut(c)
            .transaction_depth()
            .map_err(E::from)?
            .is_none(),
        DbConnection::Pg(_) => false,
    };
    if !outermost {
        return conn.transaction(f);
    }
    if let DbConnection::Sqlite(c) = conn {
        AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
    }
    match f(conn) {
        Ok(value) => {
            <DbConnection as TransactionManager<DbConnection>>::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            match <DbConnection as TransactionManager<DbConnection>>::rollback_transaction(conn) {
                Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(e),
                Err(rollback) => Err(rollback.into()),
            }
        }
    }
}

/// Opens connections of the backend the URL names — never guessing from which one accepts it.
#[derive(Debug, Clone)]
pub struct Manager {
    url: DatabaseUrl,
}

impl Manager {
    pub fn connect_once(&self) -> Result<DbConnection, StoreError> {
        let fail = |e: &dyn std::fmt::Display| StoreError::Connect {
            url: self.url.redacted(),
            reason: e.to_string(),
        };
        match &self.url {
            DatabaseUrl::Postgres(u) => {
                let mut c = PgConnection::establish(u).map_err(|e| fail(&e))?;
                c.batch_execute(POSTGRES_SETTINGS).map_err(|e| fail(&e))?;
                Ok(DbConnection::Pg(c))
            }
            DatabaseUrl::Sqlite(path) => {
                let s = path
                    .to_str()
                    .ok_or_else(|| fail(&"the path is not valid UTF-8"))?;
                let mut c = SqliteConnection::establish(s).map_err(|e| fail(&e))?;
                c.batch_execute(SQLITE_SETTINGS).map_err(|e| fail(&e))?;
                Ok(DbConnection::Sqlite(c))
            }
        }
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = StoreError;

    fn connect(&self) -> Result<DbConnection, StoreError> {
        self.connect_once()
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), StoreError> {
        conn.batch_execute("SELECT 1").map_err(StoreError::Query)
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConnection = r2d2::PooledConnection<Manager>;

/// The store: a pool of connections to one database, migrated on open.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    url: DatabaseUrl,
}

impl Store {
    /// Opens the database (creating a SQLite file and its directory if needed) and applies
    /// pending migrations.
    pub fn open(url: &DatabaseUrl) -> Result<Store, StoreError> {
        let store = Store::open_unmigrated(url)?;
        store.migrate()?;
        Ok(store)
    }

    /// Opens without migrating; `db migrate` uses it to report what it applied.
    pub fn open_unmigrated(url: &DatabaseUrl) -> Result<Store, StoreError> {
        if let DatabaseUrl::Sqlite(path) = url
            && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let manager = Manager { url: url.clone() };
        // Fail fast with the real reason instead of r2d2's generic time-out.
        let first = manager.connect_once()?;
        drop(first);
        let max = match url {
            DatabaseUrl::Sqlite(_) => 4,
            DatabaseUrl::Postgres(_) => 8,
        };
        let pool = r2d2::Pool::builder()
            .max_size(max)
            .min_idle(Some(0))
            .connection_timeout(Duration::from_secs(30))
            .build(manager)?;
        Ok(Store {
            pool,
            url: url.clone(),
        })
    }

    pub fn conn(&self) -> Result<PooledConnection, StoreError> {
        Ok(self.pool.get()?)
    }

    pub fn backend(&self) -> Backend {
        match self.url {
            DatabaseUrl::Postgres(_) => Backend::Postgres,
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
        }
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }
}
