//! The ledger read as a feed: entries from a sequence number on, in order, for the web service's
//! live events. A reader that reconnects names the last entry it saw and misses nothing,
//! whichever server instance wrote what came since.

use crate::connection::DbConnection;
use crate::error::StoreError;
use crate::schema::ledger_entries;
use closedloop_ledger::Entry;
use diesel::prelude::*;

/// Up to `limit` entries from sequence number `from` on, in order.
pub fn entries_from(
    conn: &mut DbConnection,
    from: u64,
    limit: usize,
) -> Result<Vec<Entry>, StoreError> {
    let from = i64::try_from(from).unwrap_or(i64::MAX);
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows: Vec<(i64, String)> = ledger_entries::table
        .filter(ledger_entries::seq.ge(from))
        .order(ledger_entries::seq)
        .limit(limit)
        .select((ledger_entries::seq, ledger_entries::canonical))
        .load(conn)?;
    rows.into_iter()
        .map(|(seq, canonical)| {
            Entry::from_canonical(canonical.as_bytes())
                .map_err(|e| StoreError::Corrupt(format!("ledger entry {seq}: {e}")))
        })
        .collect()
}

/// The sequence number the next entry will have (entries count from 0).
pub fn next_seq(conn: &mut DbConnection) -> Result<u64, StoreError> {
    let last: Option<i64> = ledger_entries::table
        .select(diesel::dsl::max(ledger_entries::seq))
        .first(conn)?;
    Ok(last
        .and_then(|s| u64::try_from(s).ok())
        .map_or(0, |s| s + 1))
}
