//! Per-backend migrations (`migrations/sqlite`, `migrations/postgres`), embedded in the binary.

use crate::{DbConnection, Store, StoreError};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

impl Store {
    /// Applies pending migrations; returns the names of those applied now.
    pub fn migrate(&self) -> Result<Vec<String>, StoreError> {
        let mut conn = self.conn()?;
        let done = match &mut *conn {
            DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE).map(names),
            DbConnection::Pg(c) => c.run_pending_migrations(POSTGRES).map(names),
        };
        done.map_err(|e| StoreError::Migration(e.to_string()))
    }

    /// Versions of the migrations applied to this database.
    pub fn applied_migrations(&self) -> Result<Vec<String>, StoreError> {
        let mut conn = self.conn()?;
        let applied = match &mut *conn {
            DbConnection::Sqlite(c) => c.applied_migrations(),
            DbConnection::Pg(c) => c.applied_migrations(),
        };
        applied
            .map(|v| v.into_iter().map(|m| m.to_string()).collect())
            .map_err(|e| StoreError::Migration(e.to_string()))
    }
}

fn names(v: Vec<diesel::migration::MigrationVersion<'_>>) -> Vec<String> {
    v.into_iter().map(|m| m.to_string()).collect()
}
