//! The multi-backend connection and its pool, opened to write or only to read.
//!
//! **Writers wait their turn.** Every store function that writes runs in
//! [`write_transaction`]: on SQLite it begins `IMMEDIATE`, taking the single write lock at once
//! and waiting for it up to `busy_timeout` (the first statement on every connection, before
//! anything that may need a lock, such as the switch to WAL); on PostgreSQL it takes one
//! transaction-scoped advisory lock, so writers also run one at a time there, each seeing what
//! the previous one committed. Readers never wait for writers on either backend.
//!
//! **Opened to write** ([`Store::open`]): the SQLite file and its directory are created if
//! missing, a file or directory without write permission is refused before anything is tried,
//! a database that belongs to another program is refused before anything touches it (see
//! [`crate::migrate`]), and pending migrations are applied one process at a time.
//!
//! **Opened only to read** ([`Store::open_read`]): SQLite opens the file `mode=ro` with
//! `query_only` set, PostgreSQL makes every transaction read-only; nothing is migrated and a
//! pending migration is an error ([`StoreError::MigrationsPending`]), a missing SQLite file too
//! ([`StoreError::DatabaseMissing`]). A WAL database in a directory the reader may not write
//! (where SQLite cannot create the `-shm` file) is opened `immutable` if it has no `-wal` file,
//! that is, if everything committed is in the main file.
//!
//! Diesel is synchronous: callers on an async executor must reach the store through
//! `spawn_blocking` (the web issue bounds how many such calls run at once).

use crate::migrate::{self, MigrationState};
use crate::{DatabaseUrl, StoreError};
use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;
use std::path::{Path, PathBuf};
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

/// Whether a store may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    ReadWrite,
    ReadOnly,
}

/// The first statement on every SQLite connection: how long to wait for a lock (a writer's
/// turn, the switch to WAL, a checkpoint) before failing with "database is locked".
const SQLITE_BUSY: &str = "PRAGMA busy_timeout = 15000;";
/// WAL lets readers run beside the writer; FULL makes an acknowledged commit survive power
/// loss (NORMAL may lose the last commits); foreign keys are off by default in SQLite.
/// A 32 MiB page cache keeps a 100,000-row import from spilling pages before its commit.
const SQLITE_SETTINGS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
     PRAGMA foreign_keys = ON; PRAGMA cache_size = -32768;";
/// A reader keeps the file's journal mode (switching it would write) and refuses to write.
const SQLITE_READ_SETTINGS: &str =
    "PRAGMA query_only = ON; PRAGMA foreign_keys = ON; PRAGMA cache_size = -32768;";
const POSTGRES_SETTINGS: &str = "SET synchronous_commit = on;";
const POSTGRES_READ_SETTINGS: &str = "SET default_transaction_read_only = on;";
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
/// The outermost one begins as a writer: on SQLite `BEGIN IMMEDIATE` takes the write lock at
/// once, waiting up to `busy_timeout` for another writer, instead of starting as a reader and
/// failing with "database is locked" when it first writes (SQLite cannot wait there, since
/// the snapshot it read may be stale); on PostgreSQL it takes the writers' advisory lock,
/// released at commit or rollback. A nested call is a savepoint of the outer one. Every store
/// function that writes goes through here; read-only listings may use diesel's deferred
/// `transaction`. On a thread that joined the store's [`crate::group::GroupCommit`], the
/// outermost call runs as one savepoint of a shared transaction instead and returns only once
/// that transaction has committed (see [`crate::group`]).
pub fn write_transaction<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    use diesel::connection::TransactionManager;
    type Tm = <DbConnection as Connection>::TransactionManager;
    let outermost = Tm::transaction_manager_status_mut(conn)
        .transaction_depth()
        .map_err(E::from)?
        .is_none();
    if !outermost {
        return conn.transaction(f);
    }
    // On a thread that joined a group commit (the web service's use cases), the write is one
    // unit of the group's next commit, on the group's writer connection.
    if let Some(group) = crate::group::current() {
        return group.run(f);
    }
    crate::group::begin_writer(conn)?;
    // A web request's idempotency key, if one is armed on this thread, commits with the write
    // it guards (see `idempotency`).
    match f(conn).and_then(|value| {
        crate::idempotency::claim_in_transaction(conn)?;
        Ok(value)
    }) {
        Ok(value) => {
            Tm::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => match Tm::rollback_transaction(conn) {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(e),
            Err(rollback) => Err(rollback.into()),
        },
    }
}

/// Opens connections of the backend the URL names — never guessing from which one accepts it.
#[derive(Debug, Clone)]
pub struct Manager {
    url: DatabaseUrl,
    access: Access,
    /// SQLite read-only: open `immutable=1` (see the module docs).
    immutable: bool,
}

impl Manager {
    fn fail(&self, e: &dyn std::fmt::Display) -> StoreError {
        StoreError::Connect {
            url: self.url.redacted(),
            reason: e.to_string(),
        }
    }

    /// A connection whose only statement so far set `busy_timeout` (SQLite): nothing that
    /// writes or waits for a lock has run on it.
    fn establish(&self) -> Result<DbConnection, StoreError> {
        match &self.url {
            DatabaseUrl::Postgres(u) => {
                let c = PgConnection::establish(u).map_err(|e| self.fail(&e))?;
                Ok(DbConnection::Pg(c))
            }
            DatabaseUrl::Sqlite(path) => {
                let target = match self.access {
                    Access::ReadWrite => path.to_str().map(str::to_string),
                    Access::ReadOnly => DatabaseUrl::sqlite_read_only_uri(path, self.immutable),
                }
                .ok_or_else(|| self.fail(&"the path is not valid UTF-8"))?;
                let mut c = SqliteConnection::establish(&target).map_err(|e| self.fail(&e))?;
                c.batch_execute(SQLITE_BUSY).map_err(|e| self.fail(&e))?;
                Ok(DbConnection::Sqlite(c))
            }
        }
    }

    /// The per-connection settings: durability and WAL to write, read-only to read.
    fn configure(&self, conn: &mut DbConnection) -> Result<(), StoreError> {
        let settings = match (&*conn, self.access) {
            (DbConnection::Sqlite(_), Access::ReadWrite) => SQLITE_SETTINGS,
            (DbConnection::Sqlite(_), Access::ReadOnly) => SQLITE_READ_SETTINGS,
            (DbConnection::Pg(_), Access::ReadWrite) => POSTGRES_SETTINGS,
            (DbConnection::Pg(_), Access::ReadOnly) => POSTGRES_READ_SETTINGS,
        };
        conn.batch_execute(settings).map_err(|e| self.fail(&e))
    }

    pub fn connect_once(&self) -> Result<DbConnection, StoreError> {
        let mut c = self.establish()?;
        self.configure(&mut c)?;
        Ok(c)
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

/// The store: a pool of connections to one database.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    url: DatabaseUrl,
    access: Access,
    /// The group commit of the threads that join it (the web service's).
    group: std::sync::Arc<crate::group::GroupCommit>,
}

/// Where SQLite keeps a WAL database's log.
fn wal_file(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push("-wal");
    PathBuf::from(p)
}

/// The directory SQLite writes the `-wal` and `-shm` files to.
fn directory_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// A SQLite file (or its directory) that nobody may write is refused before SQLite is asked:
/// it would otherwise open it read-only without a word and fail at the first write, or fail
/// to create the `-shm` file. Checked on the permission bits, so a read-only file is refused
/// to root too.
fn refuse_read_only(path: &Path) -> Result<(), StoreError> {
    let read_only = |p: &Path| {
        std::fs::metadata(p)
            .map(|m| m.permissions().readonly())
            .unwrap_or(false)
    };
    for p in [path, directory_of(path)] {
        if read_only(p) {
            return Err(StoreError::ReadOnly {
                path: p.display().to_string(),
            });
        }
    }
    Ok(())
}

impl Store {
    /// Opens the database to write (creating a SQLite file and its directory if needed) and
    /// applies pending migrations, one process at a time.
    pub fn open(url: &DatabaseUrl) -> Result<Store, StoreError> {
        let store = Store::open_unmigrated(url)?;
        store.migrate()?;
        Ok(store)
    }

    /// Opens to write without migrating; `db migrate` uses it to report what it applied. A
    /// database that is not closedloop's is refused before anything is written to it.
    pub fn open_unmigrated(url: &DatabaseUrl) -> Result<Store, StoreError> {
        if let DatabaseUrl::Sqlite(path) = url {
            refuse_read_only(path)?;
            let dir = directory_of(path);
            std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let manager = Manager {
            url: url.clone(),
            access: Access::ReadWrite,
            immutable: false,
        };
        // Fail fast with the real reason instead of r2d2's generic time-out; look before the
        // settings, since switching to WAL already writes to the file.
        let mut first = manager.establish()?;
        migrate::inspect(&mut first, &url.redacted())?;
        manager.configure(&mut first)?;
        drop(first);
        Store::pooled(manager)
    }

    /// Opens only to read: never migrated, never written (see the module docs). A pending
    /// migration is an error, and so is a SQLite file that does not exist.
    pub fn open_read(url: &DatabaseUrl) -> Result<Store, StoreError> {
        let (store, state) = Store::open_read_as_is(url)?;
        if !state.pending.is_empty() {
            return Err(StoreError::MigrationsPending {
                pending: state.pending,
            });
        }
        Ok(store)
    }

    /// Opens only to read whatever is applied (`db status`), with what is applied and pending.
    pub fn open_read_as_is(url: &DatabaseUrl) -> Result<(Store, MigrationState), StoreError> {
        let mut wal_absent = false;
        if let DatabaseUrl::Sqlite(path) = url {
            if !path.is_file() {
                return Err(StoreError::DatabaseMissing {
                    path: path.display().to_string(),
                });
            }
            wal_absent = !wal_file(path).exists();
        }
        let attempt = |immutable: bool| -> Result<(Manager, MigrationState), StoreError> {
            let manager = Manager {
                url: url.clone(),
                access: Access::ReadOnly,
                immutable,
            };
            let mut first = manager.establish()?;
            let state = migrate::inspect(&mut first, &url.redacted())?;
            manager.configure(&mut first)?;
            Ok((manager, state))
        };
        let (manager, state) = match attempt(false) {
            // mode=ro could not set up the WAL index (no -shm and a directory this process may
            // not write): with no -wal file everything committed is in the main file.
            Err(e) if wal_absent && !matches!(e, StoreError::Foreign { .. }) => {
                attempt(true).map_err(|_| e)?
            }
            other => other?,
        };
        Ok((Store::pooled(manager)?, state))
    }

    fn pooled(manager: Manager) -> Result<Store, StoreError> {
        let (url, access) = (manager.url.clone(), manager.access);
        let group = std::sync::Arc::new(crate::group::GroupCommit::new(manager.clone()));
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
            url,
            access,
            group,
        })
    }

    /// The group commit that threads writing to this store may join
    /// ([`crate::group::joined`]).
    pub fn group(&self) -> &std::sync::Arc<crate::group::GroupCommit> {
        &self.group
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

    /// Whether this store was opened to write or only to read.
    pub fn access(&self) -> Access {
        self.access
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestDatabase;
    use diesel::prelude::*;

    #[derive(QueryableByName)]
    struct Timeout {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        timeout: i64,
    }

    /// A second process's connection that will not wait at all.
    fn impatient(url: &DatabaseUrl) -> SqliteConnection {
        let DatabaseUrl::Sqlite(p) = url else {
            unreachable!()
        };
        let mut c = SqliteConnection::establish(p.to_str().unwrap()).unwrap();
        c.batch_execute("PRAGMA busy_timeout = 0").unwrap();
        c
    }

    #[test]
    fn sqlite_connections_wait_for_locks() {
        let db = TestDatabase::sqlite();
        let store = Store::open(&db.url).unwrap();
        let t: Timeout = diesel::sql_query("PRAGMA busy_timeout")
            .get_result(&mut *store.conn().unwrap())
            .unwrap();
        assert_eq!(t.timeout, 15_000);
    }

    #[test]
    fn a_sqlite_write_transaction_holds_the_write_lock_from_its_start() {
        let db = TestDatabase::sqlite();
        let store = Store::open(&db.url).unwrap();
        let mut other = impatient(&db.url);
        write_transaction(&mut store.conn().unwrap(), |_| {
            // Nothing written yet, and already another writer cannot begin.
            let e = other.batch_execute("BEGIN IMMEDIATE").unwrap_err();
            assert!(e.to_string().contains("database is locked"), "{e}");
            Ok::<_, StoreError>(())
        })
        .unwrap();
        other.batch_execute("BEGIN IMMEDIATE; ROLLBACK").unwrap();
    }

    #[test]
    fn a_nested_write_transaction_is_a_savepoint() {
        let db = TestDatabase::sqlite();
        let store = Store::open(&db.url).unwrap();
        let mut conn = store.conn().unwrap();
        let count = |conn: &mut DbConnection| -> i64 {
            crate::schema::vehicles::table
                .count()
                .get_result(conn)
                .unwrap()
        };
        write_transaction(&mut conn, |conn| {
            crate::custody::add_vehicle(conn, "沪A00001", 9)?;
            let inner = write_transaction(conn, |conn| {
                crate::custody::add_vehicle(conn, "沪A00002", 9)?;
                Err::<(), _>(StoreError::EmptyAppend)
            });
            assert!(inner.is_err());
            assert_eq!(count(conn), 1);
            Ok::<_, StoreError>(())
        })
        .unwrap();
        assert_eq!(count(&mut conn), 1);
    }

    #[test]
    fn a_read_only_store_refuses_to_write() {
        let db = TestDatabase::sqlite();
        drop(Store::open(&db.url).unwrap());
        let store = Store::open_read(&db.url).unwrap();
        assert_eq!(store.access(), Access::ReadOnly);
        let e = crate::custody::add_vehicle(&mut store.conn().unwrap(), "沪A00001", 9).unwrap_err();
        assert!(e.to_string().contains("readonly"), "{e}");
    }
}
