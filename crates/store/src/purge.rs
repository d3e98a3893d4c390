//! Erasing travelers' personal data when retention ends (`closedloop purge`).
//!
//! The name, document number, phone, date of birth, address, family group and notes of every
//! traveler whose arrival is older than the cut-off are overwritten (the document number with
//! `purged:<id>`, which keeps the uniqueness constraint; the rest emptied or NULL), the row is
//! marked `purged_at`, and a Purge entry naming their keyed references is appended to the
//! ledger — all in one transaction. The ledger itself holds no personal data, so it verifies
//! unchanged afterwards.
//!
//! On SQLite, overwritten values would otherwise survive in the file: in freed b-tree space, in
//! free pages, and in old page images in the write-ahead log. Hence `secure_delete` for the
//! transaction (freed space is zeroed), then `VACUUM` (the file is rebuilt from live rows only)
//! and a `TRUNCATE` checkpoint (the WAL is emptied to zero bytes). On PostgreSQL old row
//! versions stay in the table's pages until vacuum reuses them; `VACUUM FULL travelers` rewrites
//! the table when that matters.

use crate::custody::LedgerKeys;
use crate::ledger::append_in_transaction;
use crate::schema::{arrivals, travelers};
use crate::{DbConnection, Store, StoreError};
use chrono::{NaiveDate, NaiveDateTime, Utc};
use closedloop_ledger::entry::{Id, Party, Purge, PurgeReason, Role};
use closedloop_ledger::{Appender, Body, SignedTreeHead, TravelerRef, UtcMillis};
use diesel::connection::SimpleConnection;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer, Timestamp};

/// References per Purge entry: keeps one entry's canonical text near 66 kB.
const REFS_PER_ENTRY: usize = 1_000;

#[derive(Debug, Clone, Default)]
pub struct PurgeOutcome {
    /// Travelers whose personal data was erased now.
    pub travelers: usize,
    /// The head signed over the Purge entries (none when nothing was purged).
    pub head: Option<SignedTreeHead>,
    /// SQLite only: whether the write-ahead log could be emptied (another process reading the
    /// database can keep it from being truncated; run the purge again when it is idle).
    pub wal_truncated: Option<bool>,
}

#[derive(QueryableByName)]
struct Checkpoint {
    #[diesel(sql_type = Integer)]
    busy: i32,
}

impl Store {
    /// Erases the personal data of travelers who arrived before `arrived_before` (UTC) and are
    /// not yet purged, and appends the Purge entries (see the module docs).
    pub fn purge_travelers(
        &self,
        arrived_before: NaiveDateTime,
        appender: &mut Appender,
        keys: LedgerKeys<'_>,
        at: UtcMillis,
    ) -> Result<PurgeOutcome, StoreError> {
        let mut conn = self.conn()?;
        let sqlite = matches!(*conn, DbConnection::Sqlite(_));
        if sqlite {
            conn.batch_execute("PRAGMA secure_delete = ON")?;
        }
        let now = Utc::now().naive_utc();
        let done = conn.transaction(|conn| {
            let ids: Vec<i64> = travelers::table
                .inner_join(arrivals::table)
                .filter(travelers::purged_at.is_null())
                .filter(
                    sql::<Bool>("COALESCE(arrivals.actual_at, arrivals.scheduled_at) < ")
                        .bind::<Timestamp, _>(arrived_before),
                )
                .select(travelers::id)
                .order(travelers::id)
                .load(conn)?;
            if ids.is_empty() {
                return Ok::<_, StoreError>(None);
            }
            for &id in &ids {
                diesel::update(travelers::table.find(id))
                    .set((
                        travelers::full_name.eq(""),
                        travelers::document_number.eq(format!("purged:{id}")),
                        travelers::phone.eq(None::<String>),
                        travelers::birth_date.eq(None::<NaiveDate>),
                        travelers::destination_address.eq(None::<String>),
                        travelers::family_group.eq(None::<String>),
                        travelers::notes.eq(None::<String>),
                        travelers::purged_at.eq(Some(now)),
                    ))
                    .execute(conn)?;
            }
            let entries = ids
                .chunks(REFS_PER_ENTRY)
                .map(|chunk| -> Result<_, StoreError> {
                    Ok((
                        at,
                        Body::Purge(Purge {
                            reason: PurgeReason::RetentionEnded,
                            by: Party {
                                role: Role::System,
                                id: Id::new("purge")?,
                            },
                            travelers: chunk
                                .iter()
                                .map(|&t| TravelerRef::from_key(keys.pepper, t))
                                .collect(),
                        }),
                    ))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let done = append_in_transaction(conn, appender, entries, keys.signer, at)?;
            Ok(Some((ids.len(), done)))
        })?;
        let mut out = PurgeOutcome::default();
        if let Some((n, done)) = done {
            *appender = done.appender;
            out.travelers = n;
            out.head = Some(done.head);
        }
        if sqlite {
            // Always, even when nothing was purged now: a purge interrupted after its commit
            // left the old values in free pages and in the log until this has run.
            conn.batch_execute("VACUUM; PRAGMA secure_delete = OFF;")?;
            let cp: Vec<Checkpoint> =
                diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)").load(&mut *conn)?;
            out.wal_truncated = Some(cp.first().is_some_and(|c| c.busy == 0));
        }
        Ok(out)
    }
}
