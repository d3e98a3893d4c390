//! The import of validated manifest rows: all or nothing, idempotent, conflicts reported.
//!
//! A traveler is keyed by (nationality, document type, document number). Importing a row whose
//! key is already stored on the same arrival is a no-op; on another arrival it is a conflict —
//! never a silent merge, because the custody record must name one trip per person.
//!
//! Rows arrive in chunks ([`Store::import_stream`]) so that reading and checking the rest of a
//! file overlaps with storing its beginning; the transaction commits only once the producer has
//! said the whole file is acceptable.

use crate::models::{NewArrival, NewImport, NewTraveler};
use crate::schema::{arrivals, imports, ports, travelers};
use crate::{DbConnection, Store, StoreError};
use chrono::{NaiveDate, NaiveDateTime, Utc};
use closedloop_domain::arrival::Arrival;
use closedloop_domain::manifest::ManifestRow;
use diesel::prelude::*;
use std::collections::{HashMap, HashSet};

pub use closedloop_domain::manifest::ManifestChunk as Chunk;

/// What the producer knows once the whole file is read.
#[derive(Debug, Clone)]
pub struct Totals {
    pub format: String,
    /// Data rows in the file, valid or not.
    pub rows_total: usize,
    /// Rows the producer rejected (stored only with `accept_valid`).
    pub rows_rejected: usize,
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
    /// Whether anything was committed.
    pub committed: bool,
    pub import_id: Option<i64>,
    pub inserted: usize,
    pub unchanged: usize,
    pub arrivals_created: usize,
    pub conflicts: Vec<Conflict>,
}

/// A whole manifest in memory, for callers that have one.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub file_name: String,
    pub totals: Totals,
    pub arrivals: Vec<Arrival>,
    pub rows: Vec<ManifestRow>,
    pub accept_valid: bool,
}

type Key = (String, String, String);

fn key_of(r: &ManifestRow) -> Key {
    let t = &r.traveler;
    (
        t.nationality.alpha3.to_string(),
        t.document.kind.code().to_string(),
        t.document.number.clone(),
    )
}

/// PostgreSQL allows 65,535 bound values per statement; 17 columns a row.
const INSERT_CHUNK: usize = 1_000;
const LOOKUP_CHUNK: usize = 1_000;
/// Up to this many stored travelers, the import reads them all once instead of looking up
/// each chunk's documents.
const READ_ALL_BELOW: i64 = 10_000;

/// Why the transaction is rolled back.
enum Rollback<E> {
    Store(StoreError),
    /// The producer refused the file (invalid rows without `accept_valid`).
    Refused(E, ImportOutcome),
    /// Nothing to commit: conflicts without `accept_valid`, or nothing new.
    Nothing(ImportOutcome, Totals),
}

impl<E> From<diesel::result::Error> for Rollback<E> {
    fn from(e: diesel::result::Error) -> Self {
        Rollback::Store(e.into())
    }
}

impl<E> From<StoreError> for Rollback<E> {
    fn from(e: StoreError) -> Self {
        Rollback::Store(e)
    }
}

impl Store {
    /// Imports a manifest held in memory. Conflicts without `accept_valid` are an error.
    pub fn import(
        &self,
        req: &ImportRequest,
        progress: &mut dyn FnMut(usize),
    ) -> Result<ImportOutcome, StoreError> {
        let chunk = Chunk {
            arrivals: req.arrivals.clone(),
            rows: req.rows.clone(),
            doomed: false,
        };
        let (outcome, _) = self.import_stream(
            &req.file_name,
            req.accept_valid,
            std::iter::once(chunk),
            |_| Ok::<_, ()>(req.totals.clone()),
            progress,
        )?;
        if !outcome.conflicts.is_empty() && !req.accept_valid {
            return Err(StoreError::Conflicts(outcome.conflicts));
        }
        Ok(outcome)
    }

    /// Stores chunks in one transaction. After the feed ends, `close` hears the conflicts found
    /// and says whether the file is acceptable (and gives its totals) — it may write what must
    /// exist before the commit, such as the rejected-rows file; the transaction commits only if
    /// it is, and if no conflict was found or `accept_valid` is set. `progress` hears how many
    /// rows are stored.
    pub fn import_stream<E>(
        &self,
        file_name: &str,
        accept_valid: bool,
        feed: impl IntoIterator<Item = Chunk>,
        close: impl FnOnce(&[Conflict]) -> Result<Totals, E>,
        progress: &mut dyn FnMut(usize),
    ) -> Result<(ImportOutcome, Result<Totals, E>), StoreError> {
        let mut conn = self.conn()?;
        import_stream_on(&mut conn, file_name, accept_valid, feed, close, progress)
    }
}

/// [`Store::import_stream`] on a connection the caller holds: inside the caller's own
/// transaction it is a savepoint, so what the caller writes beside it (the rows an upload
/// refused) commits with it or not at all.
pub fn import_stream_on<E>(
    conn: &mut DbConnection,
    file_name: &str,
    accept_valid: bool,
    feed: impl IntoIterator<Item = Chunk>,
    close: impl FnOnce(&[Conflict]) -> Result<Totals, E>,
    progress: &mut dyn FnMut(usize),
) -> Result<(ImportOutcome, Result<Totals, E>), StoreError> {
    let result = crate::write_transaction(conn, |conn| {
        let mut session = Session::begin(conn, accept_valid)?;
        for chunk in feed {
            session.take(conn, chunk, progress)?;
        }
        let totals = match close(&session.out.conflicts) {
            Ok(t) => t,
            Err(e) => return Err(Rollback::Refused(e, session.out)),
        };
        session.finish(conn, file_name, &totals)?;
        Ok((session.out, totals))
    });
    match result {
        Ok((out, totals)) => Ok((out, Ok(totals))),
        Err(Rollback::Refused(e, out)) => Ok((out, Err(e))),
        Err(Rollback::Nothing(out, totals)) => Ok((out, Ok(totals))),
        Err(Rollback::Store(e)) => Err(e),
    }
}

struct Existing {
    arrival_id: i64,
    transport: String,
    date: NaiveDate,
    source_row: i64,
}

/// One import in progress, inside its transaction.
struct Session {
    now: NaiveDateTime,
    accept_valid: bool,
    out: ImportOutcome,
    arrival_ids: Vec<i64>,
    import_id: i64,
    /// Travelers stored before this import began, when few enough to hold them all.
    known: Option<HashMap<Key, Existing>>,
    seen: HashSet<Key>,
    /// Set once the import is sure to be refused: later rows are checked, not stored.
    storing: bool,
}

impl Session {
    fn begin<E>(conn: &mut DbConnection, accept_valid: bool) -> Result<Session, Rollback<E>> {
        let now = Utc::now().naive_utc();
        let stored = travelers::table.count().get_result::<i64>(conn)?;
        let known = if stored < READ_ALL_BELOW {
            Some(load_existing(conn, None)?)
        } else {
            None
        };
        // Travelers refer to their import; its counts are filled in by `finish`.
        let import_id = diesel::insert_into(imports::table)
            .values(NewImport {
                file_name: "",
                format: "",
                rows_total: 0,
                rows_imported: 0,
                rows_unchanged: 0,
                rows_rejected: 0,
                imported_at: now,
            })
            .returning(imports::id)
            .get_result::<i64>(conn)?;
        Ok(Session {
            now,
            accept_valid,
            out: ImportOutcome {
                import_id: Some(import_id),
                ..ImportOutcome::default()
            },
            arrival_ids: Vec::new(),
            import_id,
            known,
            seen: HashSet::new(),
            storing: true,
        })
    }

    fn take<E>(
        &mut self,
        conn: &mut DbConnection,
        chunk: Chunk,
        progress: &mut dyn FnMut(usize),
    ) -> Result<(), Rollback<E>> {
        for a in &chunk.arrivals {
            let (id, created) = arrival_id(conn, a, self.now)?;
            self.arrival_ids.push(id);
            self.out.arrivals_created += usize::from(created);
        }
        if chunk.doomed && !self.accept_valid {
            self.storing = false;
        }
        let looked_up;
        let existing = match &self.known {
            Some(all) => all,
            None => {
                let mut numbers: Vec<&str> = chunk
                    .rows
                    .iter()
                    .map(|r| r.traveler.document.number.as_str())
                    .collect();
                numbers.sort_unstable();
                numbers.dedup();
                looked_up = load_existing(conn, Some(&numbers))?;
                &looked_up
            }
        };
        let mut fresh = Vec::with_capacity(chunk.rows.len());
        for r in &chunk.rows {
            let key = key_of(r);
            match existing.get(&key) {
                Some(e) if e.arrival_id == self.arrival_ids[r.arrival] => self.out.unchanged += 1,
                Some(e) => self.out.conflicts.push(Conflict {
                    row: r.row,
                    document_number: key.2.clone(),
                    existing_transport: e.transport.clone(),
                    existing_date: e.date,
                    existing_row: e.source_row,
                }),
                // The intake layer reports in-file duplicates; this keeps the store safe without it.
                None if !self.seen.insert(key) => self.out.unchanged += 1,
                None => fresh.push(r),
            }
        }
        if !self.out.conflicts.is_empty() && !self.accept_valid {
            self.storing = false;
        }
        if self.storing {
            self.out.inserted += insert_travelers(conn, &fresh, &self.arrival_ids, self.import_id)?;
            progress(self.out.inserted);
        }
        Ok(())
    }

    fn finish<E>(
        &mut self,
        conn: &mut DbConnection,
        file_name: &str,
        totals: &Totals,
    ) -> Result<(), Rollback<E>> {
        let refused = !self.out.conflicts.is_empty() && !self.accept_valid;
        if refused || (self.out.inserted == 0 && self.out.arrivals_created == 0) {
            let out = ImportOutcome {
                committed: false,
                import_id: None,
                inserted: 0,
                ..self.out.clone()
            };
            return Err(Rollback::Nothing(out, totals.clone()));
        }
        diesel::update(imports::table.find(self.import_id))
            .set((
                imports::file_name.eq(file_name),
                imports::format.eq(&totals.format),
                imports::rows_total.eq(totals.rows_total as i64),
                imports::rows_imported.eq(self.out.inserted as i64),
                imports::rows_unchanged.eq(self.out.unchanged as i64),
                imports::rows_rejected.eq((totals.rows_rejected + self.out.conflicts.len()) as i64),
            ))
            .execute(conn)?;
        self.out.committed = true;
        Ok(())
    }
}

fn insert_travelers(
    conn: &mut DbConnection,
    fresh: &[&ManifestRow],
    arrival_ids: &[i64],
    import_id: i64,
) -> Result<usize, StoreError> {
    let rows: Vec<NewTraveler<'_>> = fresh
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
    let mut n = 0;
    match conn {
        // In-process SQLite: one cached prepared statement per row costs less than building
        // and parsing a statement with thousands of placeholders.
        DbConnection::Sqlite(c) => {
            for row in &rows {
                n += diesel::insert_into(travelers::table)
                    .values(row)
                    .execute(c)?;
            }
        }
        // Over a network a multi-row INSERT saves round trips; it does not compile through
        // MultiConnection, hence the concrete connection.
        DbConnection::Pg(c) => {
            for part in rows.chunks(INSERT_CHUNK) {
                n += diesel::insert_into(travelers::table)
                    .values(part)
                    .execute(c)?;
            }
        }
    }
    Ok(n)
}

/// The id of the arrival, created if new.
fn arrival_id(
    conn: &mut DbConnection,
    a: &Arrival,
    now: NaiveDateTime,
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

/// Stored travelers with these document numbers, or all of them.
fn load_existing(
    conn: &mut DbConnection,
    numbers: Option<&[&str]>,
) -> Result<HashMap<Key, Existing>, StoreError> {
    let chunks: Vec<Option<&[&str]>> = match numbers {
        None => vec![None],
        Some(n) => n.chunks(LOOKUP_CHUNK).map(Some).collect(),
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
