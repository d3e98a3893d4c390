//! Erasing the personal data of travelers at the end of retention, recorded in the ledger.

use crate::context::App;
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Duration, Utc};
use closedloop_ledger::UtcMillis;
use closedloop_store::ledger;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Purged {
    pub travelers: usize,
    /// Travelers who arrived before this were purged.
    pub cutoff: DateTime<Utc>,
    /// The ledger's size after the purge entries (none when nothing was purged).
    pub ledger_size: Option<u64>,
    /// SQLite: false when another process kept the write-ahead log open, so old values may
    /// remain in it until a purge runs while the database is idle.
    pub wal_truncated: Option<bool>,
    /// Refused manifest rows of uploads before the cut-off, never fixed, deleted.
    pub rejected_rows: usize,
}

/// Erases travelers who arrived more than `older_than_days` before `now`.
pub fn purge(app: &App, older_than_days: u32, now: DateTime<Utc>) -> AppResult<Purged> {
    // A web request or a script can ask for any u32; a cut-off before the calendar's start
    // is a refusal, not an overflow.
    let cutoff = Duration::try_days(i64::from(older_than_days))
        .and_then(|d| now.checked_sub_signed(d))
        .ok_or_else(|| {
            AppError::invalid(
                "purge_days_out_of_range",
                format!("older_than_days: {older_than_days} days reaches before any date"),
                format!("older_than_days：{older_than_days} 天超出可表示的日期范围"),
            )
            .with_field("older_than_days")
        })?;
    let keys = app.keys()?;
    let store = app.store()?;
    let mut appender = ledger::load_appender(&mut *store.conn()?)?;
    let out = store.purge_travelers(
        cutoff.naive_utc(),
        &mut appender,
        keys.for_store(),
        UtcMillis::now(),
    )?;
    Ok(Purged {
        travelers: out.travelers,
        cutoff,
        ledger_size: out.head.map(|h| h.size),
        wal_truncated: out.wal_truncated,
        rejected_rows: out.rejected_rows,
    })
}
