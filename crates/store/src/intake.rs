//! The import of validated manifest rows: all or nothing, idempotent, conflicts reported.
//!
//! A traveler is keyed by (nationality, document type, document number). Importing a row whose
//! key is already stored on the same arrival is a no-op; on another arrival it is a conflict —
//! never a silent merge, because the custody record must name one trip per person.

use crate::models::{NewArrival, NewImport, NewTraveler};
use crate::schema::{arrivals, imports, ports, travelers};
use crate::{DbConnection, Store, StoreError};
use chrono::{NaiveDate, Utc};
use closedloop_domain::arrival::Arrival;
use closedloop_domain::manifest::ManifestRow;
use closedloop_domain::traveler::Traveler;
use diesel::prelude::*;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub file_name: String,
    pub format: String,
    /// Data rows in the file, valid or not.
    pub rows_total: usize,
    /// Rows the intake layer already rejected (only with `accept_valid`).
    pub rows_rejected: usize,
    pub arrivals: Vec<Arrival>,
    pub rows: Vec<ManifestRow>,
    /// Store the rows without conflicts even when some conflict.
    pub accept_valid: bool,
}

/// A row whose traveler is already stored on another arrival.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub row: usize,
    pub document_number: String,
    pub existing_transport: String,
    pub existing_date: NaiveDate,
    pub existing_row: i64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportOutcome {
    pub import_id: Option<i64>,
    pub inserted: usize,
    pub unchanged: usize,
    pub arrivals_created: usize,
    /// Only non-empty with `accept_valid`: without it, conflicts abort the import.
    pub conflicts: Vec<Conflict>,
}

type Key = (String, String, String);

fn key_of(t: &Traveler) -> Key {
    (
        t.nationality.alpha3.to_string(),
        t.document.kind.code().to_string(),
        t.document.number.clone(),
    )
}

/// SQLite allows 32,766 bound values per statement, PostgreSQL 65,535; 19 columns a row.
const INSERT_CHUNK: usize = 1_000;
const LOOKUP_CHUNK: usize = 1_000;

impl Store {
    /// Imports in one transaction; `progress` hears how many rows are stored so far.
    pub fn import(
        &self,
        req: &ImportRequest,
        progress: &mut dyn FnMut(usize),
    ) -> Result<ImportOutcome, StoreError> {
        let mut conn = self.conn()?;
        conn.transaction(|conn| import_in(conn, req, progress))
    }
}

fn import_in(
    conn: &mut DbConnection,
    req: &ImportRequest,
    progress: &mut dyn FnMut(usize),
) -> Result<ImportOutcome, StoreError> {
    let now = Utc::now().naive_utc();
    let mut out = ImportOutcome::default();

    let mut arrival_ids = Vec::with_capacity(req.arrivals.len());
    for a in &req.arrivals {
        let (id, created) = arrival_id(conn, a, now)?;
        arrival_ids.push(id);
        out.arrivals_created += usize::from(created);
    }

    let started = std::time::Instant::now();
    let existing = existing_travelers(conn, req)?;
    tracing::debug!(
        seconds = started.elapsed().as_secs_f64(),
        found = existing.len(),
        "looked up existing travelers"
    );
    let mut seen: HashSet<Key> = HashSet::with_capacity(req.rows.len());
    let mut fresh = Vec::with_capacity(req.rows.len());
    for r in &req.rows {
        let key = key_of(&r.traveler);
        match existing.get(&key) {
            Some(e) if e.arrival_id == arrival_ids[r.arrival] => out.unchanged += 1,
            Some(e) => out.conflicts.push(Conflict {
                row: r.row,
                document_number: key.2.clone(),
                existing_transport: e.transport.clone(),
                existing_date: e.date,
                existing_row: e.source_row,
            }),
            // The intake layer reports in-file duplicates; this keeps the store safe without it.
            None if !seen.insert(key) => out.unchanged += 1,
            None => fresh.push(r),
        }
    }
    if !out.conflicts.is_empty() && !req.accept_valid {
        return Err(StoreError::Conflicts(out.conflicts));
    }
    if fresh.is_empty() && out.arrivals_created == 0 {
        return Ok(out);
    }

    let import_id = diesel::insert_into(imports::table)
        .values(NewImport {
            file_name: &req.file_name,
            format: &req.format,
            rows_total: req.rows_total as i64,
            rows_imported: fresh.len() as i64,
            rows_unchanged: out.unchanged as i64,
            rows_rejected: (req.rows_rejected + out.conflicts.len()) as i64,
            imported_at: now,
        })
        .returning(imports::id)
        .get_result::<i64>(conn)?;
    out.import_id = Some(import_id);

    for chunk in fresh.chunks(INSERT_CHUNK) {
        let rows: Vec<NewTraveler<'_>> = chunk
            .iter()
            .map(|r| {
                let t = &r.traveler;
                NewTraveler {
                    arrival_id: arrival_ids[r.arrival],
                    full_name: &t.name,
                    sex: t.sex.code(),
                    birth_date: t.birth_date,
                    nationality: t.nationality.alpha3,
                    document_type: t.document.kind.code(),
                    document_number: &t.document.number,
                    phone: t.phone.as_deref(),
                    language: t.language.as_deref(),
                    health: t.health.code(),
                    special_needs: t.special_needs.to_codes(),
                    destination_kind: t.destination_kind.code(),
                    destination_address: t.destination_address.as_deref(),
                    family_group: t.family_group.as_deref(),
                    notes: t.notes.as_deref(),
                    import_id,
                    source_row: r.row as i64,
                }
            })
            .collect();
        out.inserted += match conn {
            DbConnection::Sqlite(c) => {
                let mut n = 0;
                for row in &rows {
                    n += diesel::insert_into(travelers::table)
                        .values(row)
                        .execute(c)?;
                }
                n
            }
            // A multi-row INSERT does not compile through MultiConnection, hence the concrete
            // connection; over a network it saves round trips.
            DbConnection::Pg(c) => diesel::insert_into(travelers::table)
                .values(&rows)
                .execute(c)?,
        };
        progress(out.inserted);
    }
    tracing::debug!(
        seconds = started.elapsed().as_secs_f64(),
        rows = out.inserted,
        "inserted"
    );
    Ok(out)
}

/// The id of the arrival, created if new.
fn arrival_id(
    conn: &mut DbConnection,
    a: &Arrival,
    now: chrono::NaiveDateTime,
) -> Result<(i64, bool), StoreError> {
    let port_id = ports::table
        .filter(ports::code.eq(&a.port_code))
        .select(ports::id)
        .first::<i64>(conn)
        .optional()?
        .ok_or_else(|| StoreError::UnknownPort(a.port_code.clone()))?;
    let key = a.key();
    let found = arrivals::table
        .filter(arrivals::transport_no.eq(key.transport.as_str()))
        .filter(arrivals::port_id.eq(port_id))
        .filter(arrivals::service_date.eq(key.service_date))
        .select(arrivals::id)
        .first::<i64>(conn)
        .optional()?;
    if let Some(id) = found {
        return Ok((id, false));
    }
    let id = diesel::insert_into(arrivals::table)
        .values(NewArrival {
            transport_no: key.transport.as_str(),
            port_id,
            service_date: key.service_date,
            scheduled_at: a.scheduled_at,
            actual_at: a.actual_at,
            created_at: now,
        })
        .returning(arrivals::id)
        .get_result::<i64>(conn)?;
    Ok((id, true))
}

struct Existing {
    arrival_id: i64,
    transport: String,
    date: NaiveDate,
    source_row: i64,
}

fn existing_travelers(
    conn: &mut DbConnection,
    req: &ImportRequest,
) -> Result<HashMap<Key, Existing>, StoreError> {
    let numbers: Vec<&str> = {
        let mut v: Vec<&str> = req
            .rows
            .iter()
            .map(|r| r.traveler.document.number.as_str())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    // A table smaller than the file is read whole in one query; otherwise only the file's
    // documents are looked up, a chunk at a time.
    let stored = travelers::table.count().get_result::<i64>(conn)?;
    let chunks: Vec<Option<&[&str]>> = if stored as usize <= numbers.len() {
        vec![None]
    } else {
        numbers.chunks(LOOKUP_CHUNK).map(Some).collect()
    };
    let mut found = HashMap::new();
    for chunk in chunks {
        let mut query = travelers::table
            .inner_join(arrivals::table)
            .select((
                travelers::nationality,
                travelers::document_type,
                travelers::document_number,
                travelers::arrival_id,
                arrivals::transport_no,
                arrivals::service_date,
                travelers::source_row,
            ))
            .into_boxed();
        if let Some(chunk) = chunk {
            query = query.filter(travelers::document_number.eq_any(chunk));
        }
        let rows = query.load::<(String, String, String, i64, String, NaiveDate, i64)>(conn)?;
        for (nat, kind, number, arrival_id, transport, date, source_row) in rows {
            found.insert(
                (nat, kind, number),
                Existing {
                    arrival_id,
                    transport,
                    date,
                    source_row,
                },
            );
        }
    }
    Ok(found)
}
