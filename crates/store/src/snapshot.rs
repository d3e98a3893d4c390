//! Reads that must see one state of the database: `ledger verify` (the log, the traveler index
//! and the custody tables compared with each other) and the daily report (verified, then
//! counted). Read statement by statement, a hand-over committed in between would show as a
//! custody row without its entry — tampering where there is none.

use crate::{DbConnection, StoreError};
use diesel::Connection;
use diesel::connection::{SimpleConnection, TransactionManager};

/// Runs `f` in one read transaction that sees a single snapshot: SQLite's deferred
/// transaction does (WAL: the snapshot is taken at its first read and kept to its end),
/// PostgreSQL needs `REPEATABLE READ` for it (its default, `READ COMMITTED`, takes a new
/// snapshot per statement). Inside a transaction already open, `f` runs in it: the outer one
/// decides what is seen.
pub fn read_snapshot<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    type Tm = <DbConnection as Connection>::TransactionManager;
    if Tm::transaction_manager_status_mut(conn)
        .transaction_depth()?
        .is_some()
    {
        return f(conn);
    }
    conn.transaction(|conn| {
        if let DbConnection::Pg(c) = conn {
            c.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")?;
        }
        f(conn)
    })
}
