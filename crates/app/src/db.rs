//! The database itself: migrations applied on demand, and what is applied (read without
//! writing).

use crate::context::App;
use crate::error::AppResult;
use closedloop_store::Store;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct DbStatus {
    pub backend: &'static str,
    pub database: String,
    pub configuration: String,
    /// Applied now (migrate) or so far (status).
    pub migrations: Vec<String>,
    /// Not applied yet (status; empty after migrate).
    pub pending: Vec<String>,
}

/// Applies pending migrations and syncs the configured ports; `migrations` lists those
/// applied now.
pub fn migrate(app: &App) -> AppResult<DbStatus> {
    let url = app.database_url()?;
    let store = Store::open_unmigrated(&url)?;
    let applied = store.migrate()?;
    store.sync_ports(&app.config.ports.ports)?;
    Ok(DbStatus {
        backend: store.backend().name(),
        database: url.to_string(),
        configuration: app.config.source.clone(),
        migrations: applied,
        pending: Vec::new(),
    })
}

/// What is applied and pending, the database opened only to read: it works on a read-only
/// file and never changes it.
pub fn status(app: &App) -> AppResult<DbStatus> {
    let url = app.database_url()?;
    let (store, state) = Store::open_read_as_is(&url)?;
    Ok(DbStatus {
        backend: store.backend().name(),
        database: url.to_string(),
        configuration: app.config.source.clone(),
        migrations: state.applied,
        pending: state.pending,
    })
}
