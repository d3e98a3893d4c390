//! [`App`]: what every use case needs — the configuration, the database it was pointed at
//! (opened once: to write, migrated and its ports synced; or only to read, see
//! [`App::read_only`]), and the ledger's keys (read once, created on first use). What happened
//! on the way that the operator should hear of once (a key file created) is kept as a
//! [`Notice`] for the adapter to show.

use crate::config::Config;
use crate::error::AppResult;
use crate::keys::{self, LedgerKeys};
use closedloop_store::desk::Desk;
use closedloop_store::{Access, DatabaseUrl, DbConnection, Store, StoreError};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// Something the operator should be told once, whatever the use case answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The ledger key file did not exist and was created: keep a copy off the server.
    KeyFileCreated(PathBuf),
}

pub struct App {
    pub config: Config,
    database_url: Option<String>,
    access: Access,
    store: OnceLock<Store>,
    keys: OnceLock<LedgerKeys>,
    notices: Mutex<Vec<Notice>>,
}

impl App {
    /// Loads the configuration (`explicit`, else `config/closedloop.toml`, else built-in) and
    /// remembers the database named by the caller (flag or environment), if any.
    pub fn load(explicit: Option<&Path>, database_url: Option<String>) -> AppResult<App> {
        Ok(App::new(Config::load(explicit)?, database_url))
    }

    pub fn new(config: Config, database_url: Option<String>) -> App {
        App {
            config,
            database_url,
            access: Access::ReadWrite,
            store: OnceLock::new(),
            keys: OnceLock::new(),
            notices: Mutex::new(Vec::new()),
        }
    }

    /// Over a store already open (a benchmark's or a demo's fresh database): its ports are
    /// synced here if it was opened to write.
    pub fn with_store(config: Config, store: Store) -> AppResult<App> {
        if store.access() == Access::ReadWrite {
            store.sync_ports(&config.ports.ports)?;
        }
        let url = match store.url() {
            DatabaseUrl::Postgres(u) => u.clone(),
            DatabaseUrl::Sqlite(p) => p.display().to_string(),
        };
        let mut app = App::new(config, Some(url));
        app.access = store.access();
        let _ = app.store.set(store);
        Ok(app)
    }

    /// For use cases that only read (listings, reports, audits): the database is then opened
    /// read-only — a SQLite file `mode=ro`, PostgreSQL in read-only transactions — never
    /// migrated and its ports never synced, so these work on a file nobody may write and
    /// leave it byte for byte as it was. A pending migration is an error
    /// (`migrations_pending`), and so is a SQLite file that does not exist yet
    /// (`database_missing`).
    pub fn read_only(mut self) -> App {
        self.access = Access::ReadOnly;
        self
    }

    /// Whether the database is (to be) opened to write or only to read.
    pub fn access(&self) -> Access {
        self.access
    }

    /// The database the caller named (flag or environment), if any.
    pub fn named_database_url(&self) -> Option<&str> {
        self.database_url.as_deref()
    }

    pub fn database_url(&self) -> AppResult<DatabaseUrl> {
        self.config.database_url(self.database_url.as_deref())
    }

    /// The database, opened on first use: to write, pending migrations applied and configured
    /// ports synced; only to read ([`App::read_only`]), as it is.
    pub fn store(&self) -> AppResult<&Store> {
        if let Some(s) = self.store.get() {
            return Ok(s);
        }
        let url = self.database_url()?;
        tracing::info!(database = %url, access = ?self.access, "opening");
        let store = match self.access {
            Access::ReadWrite => {
                let store = Store::open(&url)?;
                store.sync_ports(&self.config.ports.ports)?;
                store
            }
            Access::ReadOnly => Store::open_read(&url)?,
        };
        Ok(self.store.get_or_init(|| store))
    }

    /// A pooled connection of [`App::store`].
    pub fn conn(&self) -> AppResult<impl std::ops::DerefMut<Target = DbConnection> + '_> {
        Ok(self.store()?.conn()?)
    }

    /// The ledger keys, creating the key file if it is missing (every appending use case may).
    pub fn keys(&self) -> AppResult<&LedgerKeys> {
        if let Some(k) = self.keys.get() {
            return Ok(k);
        }
        let (k, created) = keys::open_or_create(&self.config.ledger)?;
        if created {
            self.notice(Notice::KeyFileCreated(self.config.ledger.key_file.clone()));
        }
        Ok(self.keys.get_or_init(|| k))
    }

    /// The keys if the key file exists; never creates it.
    pub fn existing_keys(&self) -> AppResult<Option<&LedgerKeys>> {
        if let Some(k) = self.keys.get() {
            return Ok(Some(k));
        }
        Ok(keys::read(&self.config.ledger)?.map(|k| self.keys.get_or_init(|| k)))
    }

    /// Runs `f` with the desk (ledger keys, check-lists, gates, the appender as stored) on one
    /// connection.
    pub(crate) fn with_desk<T>(
        &self,
        f: impl FnOnce(&mut DbConnection, &mut Desk<'_>) -> Result<T, StoreError>,
    ) -> AppResult<T> {
        let keys = self.keys()?;
        let mut conn = self.conn()?;
        let mut desk = Desk::open(
            &mut conn,
            keys.for_store(),
            &self.config.handover.templates,
            &self.config.handover.gates,
        )?;
        Ok(f(&mut conn, &mut desk)?)
    }

    pub(crate) fn notice(&self, n: Notice) {
        self.notices
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(n);
    }

    /// What the operator should be told, once: taken, so each is shown one time.
    pub fn take_notices(&self) -> Vec<Notice> {
        std::mem::take(&mut *self.notices.lock().unwrap_or_else(|p| p.into_inner()))
    }
}
