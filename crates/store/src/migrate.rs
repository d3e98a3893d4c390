//! Per-backend migrations (`migrations/sqlite`, `migrations/postgres`), embedded in the binary.
//!
//! What is applied is read with plain queries (diesel's own `applied_migrations` first creates
//! its table, a write), so that opening to read never writes. The same reading tells a
//! database that belongs to another program (tables but no closedloop migration, or
//! migrations closedloop does not know): it is refused before anything touches it.
//!
//! Migrating is serialised between processes: ten importers starting at once on one new file
//! each check what is pending, and only if something is, take the write lock
//! ([`write_transaction`]: SQLite's `BEGIN IMMEDIATE`, PostgreSQL's writers' advisory lock),
//! check again inside it and apply what is still pending in that same transaction (DDL is
//! transactional on both backends). The first one migrates; the others wait their turn and
//! find nothing left to do.

use crate::error::Foreign;
use crate::{DbConnection, Store, StoreError, write_transaction};
use diesel::migration::MigrationSource;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel::sqlite::Sqlite;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::collections::BTreeSet;

const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// diesel's bookkeeping table.
const MIGRATIONS_TABLE: &str = "__diesel_schema_migrations";

/// Which of this version's migrations a database has.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MigrationState {
    /// Versions applied, in order.
    pub applied: Vec<String>,
    /// Versions of this closedloop not applied yet, in order.
    pub pending: Vec<String>,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

/// This closedloop's migration versions for the connection's backend, in order.
fn known(conn: &DbConnection) -> Result<Vec<String>, StoreError> {
    let versions = match conn {
        DbConnection::Sqlite(_) => MigrationSource::<Sqlite>::migrations(&SQLITE)
            .map(|v| v.iter().map(|m| m.name().version().to_string()).collect()),
        DbConnection::Pg(_) => MigrationSource::<Pg>::migrations(&POSTGRES)
            .map(|v| v.iter().map(|m| m.name().version().to_string()).collect()),
    };
    versions.map_err(|e| StoreError::Migration(e.to_string()))
}

/// The tables of the database (SQLite's own `sqlite_…` tables left out), sorted.
fn tables(conn: &mut DbConnection) -> Result<Vec<String>, StoreError> {
    let sql = match conn {
        DbConnection::Sqlite(_) => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
        }
        DbConnection::Pg(_) => {
            "SELECT table_name::text AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1"
        }
    };
    match diesel::sql_query(sql).load::<Name>(conn) {
        Ok(rows) => Ok(rows.into_iter().map(|r| r.name).collect()),
        Err(diesel::result::Error::DatabaseError(_, info))
            if info.message().contains("file is not a database") =>
        {
            Err(StoreError::Foreign {
                url: String::new(),
                why: Foreign::NotSqlite,
            })
        }
        Err(e) => Err(e.into()),
    }
}

/// What is applied and pending, read without writing; a database that is not closedloop's is
/// refused (`url` names it in the error).
pub(crate) fn inspect(conn: &mut DbConnection, url: &str) -> Result<MigrationState, StoreError> {
    let named = |e: StoreError| match e {
        StoreError::Foreign { why, .. } => StoreError::Foreign {
            url: url.to_string(),
            why,
        },
        e => e,
    };
    let tables = tables(conn).map_err(named)?;
    let applied: Vec<String> = if tables.iter().any(|t| t == MIGRATIONS_TABLE) {
        diesel::sql_query(format!(
            "SELECT version AS name FROM {MIGRATIONS_TABLE} ORDER BY version"
        ))
        .load::<Name>(conn)?
        .into_iter()
        .map(|r| r.name)
        .collect()
    } else {
        Vec::new()
    };
    let known = known(conn)?;
    let known_set: BTreeSet<&str> = known.iter().map(String::as_str).collect();
    let unknown: Vec<String> = applied
        .iter()
        .filter(|v| !known_set.contains(v.as_str()))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(named(StoreError::Foreign {
            url: String::new(),
            why: Foreign::UnknownMigrations { versions: unknown },
        }));
    }
    let others: Vec<String> = tables
        .into_iter()
        .filter(|t| t != MIGRATIONS_TABLE)
        .collect();
    if applied.is_empty() && !others.is_empty() {
        let mut shown: Vec<String> = others.iter().take(5).cloned().collect();
        if others.len() > shown.len() {
            shown.push("…".into());
        }
        return Err(named(StoreError::Foreign {
            url: String::new(),
            why: Foreign::NoMigrations { tables: shown },
        }));
    }
    let done: BTreeSet<&str> = applied.iter().map(String::as_str).collect();
    let pending = known
        .iter()
        .filter(|v| !done.contains(v.as_str()))
        .cloned()
        .collect();
    Ok(MigrationState { applied, pending })
}

impl Store {
    /// Applies pending migrations; returns the names of those applied now. Serialised with
    /// other processes (see the module docs); writes nothing when nothing is pending.
    pub fn migrate(&self) -> Result<Vec<String>, StoreError> {
        let mut conn = self.conn()?;
        let url = self.url().redacted();
        if inspect(&mut conn, &url)?.pending.is_empty() {
            return Ok(Vec::new());
        }
        write_transaction(&mut conn, |conn| {
            // Another process may have migrated while this one waited for the lock.
            if inspect(conn, &url)?.pending.is_empty() {
                return Ok(Vec::new());
            }
            let done = match conn {
                DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE).map(names),
                DbConnection::Pg(c) => c.run_pending_migrations(POSTGRES).map(names),
            };
            done.map_err(|e| StoreError::Migration(e.to_string()))
        })
    }

    /// What is applied and what is pending; reads only.
    pub fn migration_state(&self) -> Result<MigrationState, StoreError> {
        inspect(&mut *self.conn()?, &self.url().redacted())
    }

    /// Versions of the migrations applied to this database; reads only.
    pub fn applied_migrations(&self) -> Result<Vec<String>, StoreError> {
        Ok(self.migration_state()?.applied)
    }
}

fn names(v: Vec<diesel::migration::MigrationVersion<'_>>) -> Vec<String> {
    v.into_iter().map(|m| m.to_string()).collect()
}
