//! Erasing travelers' personal data when retention ends (`closedloop purge`).
//!
//! **What is left must not single anyone out.** Of every traveler whose arrival is older than
//! the cut-off, the row keeps only what the custody record needs: its id (which hand-overs,
//! loops, incidents and the ledger's keyed references point to), its arrival (the flight or
//! train, shared by everyone on it), where the plan sent them (hotel, home or hospital: the
//! custody record holds the same through the receivers of their hand-overs, so erasing it here
//! would hide nothing) and its import row. Everything else is erased or coarsened:
//!
//! - name, phone, date of birth, address, family group and notes are emptied or NULL, and the
//!   document number becomes `purged:<id>` (which keeps the uniqueness constraint);
//! - health status is erased (stored as an empty code, read as none): it is health data, and
//!   no coarser grade of it is both true and harmless;
//! - special needs become none: "wheelchair" or "pregnant" on one flight names a person;
//! - sex becomes `unknown`, nationality `XXX` (ICAO Doc 9303's "unspecified"), the document
//!   type `other` and the language NULL: each is coarse alone, but together with the flight
//!   they single out the one Italian woman on a Shanghai flight. With all four gone, every
//!   purged traveler of an arrival reads alike but for where the plan sent them.
//!
//! The row is marked `purged_at`, and a Purge entry naming their keyed references is appended
//! to the ledger — all in one transaction. Nothing the record counts is touched: its batches,
//! person-trips and incidents are the hand-overs' and incidents', so they are the same before
//! and after. Free text written about them goes too: the description and
//! resolution note of every incident naming one of them, and the text answers (remarks,
//! names, photo references) of check-lists completed for their trips and stops; numbers and
//! yes/no answers stay, as do the pass/fail verdicts. The ledger itself holds no personal data,
//! so it verifies unchanged afterwards.
//!
//! On SQLite, overwritten values would otherwise survive in the file: in freed b-tree space, in
//! free pages, and in old page images in the write-ahead log. Hence `secure_delete` for the
//! transaction (freed space is zeroed), then `VACUUM` (the file is rebuilt from live rows only)
//! and a `TRUNCATE` checkpoint (the WAL is emptied to zero bytes). On PostgreSQL old row
//! versions stay in the table's pages until vacuum reuses them; `VACUUM FULL travelers` rewrites
//! the table when that matters.

use crate::custody::LedgerKeys;
use crate::ledger::append_in_transaction;
use crate::query::ERASED_HEALTH;
use crate::schema::{
    arrivals, checklist_instances, incident_travelers, incidents, travelers, trip_travelers,
};
use crate::{DbConnection, Store, StoreError};
use chrono::{NaiveDate, NaiveDateTime, Utc};
use closedloop_domain::traveler::{DocumentType, Sex, SpecialNeeds};
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
    /// Refused manifest rows (kept for the desk to fix) of uploads made before the cut-off,
    /// deleted: they hold the same personal data as travelers, and no traveler to erase.
    pub rejected_rows: usize,
}

/// What erased free text reads, so a reader sees why it is gone.
pub const ERASED: &str = "(erased: retention ended)";

/// The nationality a purge leaves: ICAO Doc 9303's code for an unspecified nationality.
pub const UNSPECIFIED_NATIONALITY: &str = "XXX";

/// Erases incident texts and check-list text answers about `travelers` (see the module docs).
fn erase_free_text(conn: &mut DbConnection, travelers: &[i64]) -> Result<(), StoreError> {
    for chunk in travelers.chunks(REFS_PER_ENTRY) {
        let incidents_of: Vec<i64> = incident_travelers::table
            .filter(incident_travelers::traveler_id.eq_any(chunk))
            .select(incident_travelers::incident_id)
            .distinct()
            .load(conn)?;
        let named = || incidents::table.filter(incidents::id.eq_any(&incidents_of));
        diesel::update(named())
            .set(incidents::description.eq(ERASED))
            .execute(conn)?;
        diesel::update(named().filter(incidents::resolution.is_not_null()))
            .set(incidents::resolution.eq(Some(ERASED)))
            .execute(conn)?;
        let trips: Vec<i64> = trip_travelers::table
            .filter(trip_travelers::traveler_id.eq_any(chunk))
            .select(trip_travelers::trip_id)
            .distinct()
            .load(conn)?;
        let lists: Vec<(i64, String)> = checklist_instances::table
            .filter(checklist_instances::trip_id.eq_any(&trips))
            .select((checklist_instances::id, checklist_instances::answers))
            .load(conn)?;
        for (id, answers) in lists {
            let mut v: serde_json::Value = serde_json::from_str(&answers).map_err(|e| {
                StoreError::Corrupt(format!("answers of check-list instance {id}: {e}"))
            })?;
            if erase_strings(&mut v) {
                diesel::update(checklist_instances::table.find(id))
                    .set(checklist_instances::answers.eq(v.to_string()))
                    .execute(conn)?;
            }
        }
    }
    Ok(())
}

/// Replaces every string in `v` by [`ERASED`]; true if there was one.
fn erase_strings(v: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    match v {
        Value::String(s) if s != ERASED => {
            *s = ERASED.to_string();
            true
        }
        Value::Array(a) => a.iter_mut().fold(false, |any, x| erase_strings(x) | any),
        Value::Object(o) => o.values_mut().fold(false, |any, x| erase_strings(x) | any),
        _ => false,
    }
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
        let done = crate::write_transaction(&mut conn, |conn| {
            let rejected = crate::uploads::forget_rejected_before(conn, arrived_before)?;
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
                return Ok::<_, StoreError>((rejected, None));
            }
            for &id in &ids {
                diesel::update(travelers::table.find(id))
                    .set((
                        (
                            travelers::full_name.eq(""),
                            travelers::document_number.eq(format!("purged:{id}")),
                            travelers::phone.eq(None::<String>),
                            travelers::birth_date.eq(None::<NaiveDate>),
                            travelers::destination_address.eq(None::<String>),
                            travelers::family_group.eq(None::<String>),
                            travelers::notes.eq(None::<String>),
                        ),
                        (
                            travelers::health.eq(ERASED_HEALTH),
                            travelers::special_needs.eq(SpecialNeeds::default().to_codes()),
                            travelers::sex.eq(Sex::Unknown.code()),
                            travelers::nationality.eq(UNSPECIFIED_NATIONALITY),
                            travelers::document_type.eq(DocumentType::Other.code()),
                            travelers::language.eq(None::<String>),
                        ),
                        travelers::purged_at.eq(Some(now)),
                    ))
                    .execute(conn)?;
            }
            erase_free_text(conn, &ids)?;
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
            Ok((rejected, Some((ids.len(), done))))
        })?;
        let mut out = PurgeOutcome {
            rejected_rows: done.0,
            ..PurgeOutcome::default()
        };
        if let Some((n, done)) = done.1 {
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
