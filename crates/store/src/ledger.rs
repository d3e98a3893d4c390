//! The custody ledger's rows: entries, their traveler index, signed heads and the appender's
//! state (`ledger_entries`, `ledger_traveler_refs`, `ledger_heads`, `ledger_state`).
//!
//! An append batch is one transaction: the entries, their traveler references, the new signed
//! head and the new appender state commit together or not at all, durably (SQLite WAL with
//! `synchronous=FULL`, PostgreSQL `synchronous_commit=on`, set per connection in
//! [`crate::connection`]). The caller's [`Appender`] is replaced only after the commit, as the
//! ledger crate prescribes, so a failed batch leaves it at the stored state.
//!
//! Every append first writes the single `ledger_state` row: SQLite then holds the write lock for
//! the whole transaction (waiting on `busy_timeout` rather than failing at commit on a stale
//! snapshot) and PostgreSQL holds the row lock, so two processes never interleave appends. If
//! another process appended since the caller's appender was read, the stored state wins.

use crate::schema::{ledger_entries, ledger_heads, ledger_state, ledger_traveler_refs};
use crate::{DbConnection, StoreError};
use chrono::{NaiveDateTime, Utc};
use closedloop_ledger::{
    Appender, AuditProblem, AuditSummary, Body, Entry, Hash, HeadSigner, HeadVerifier,
    SignedTreeHead, StoredEntry, TravelerRef, UtcMillis, audit_log,
};
use diesel::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// PostgreSQL allows 65,535 bound values per statement.
const INSERT_CHUNK: usize = 1_000;

#[derive(Insertable)]
#[diesel(table_name = ledger_entries)]
struct NewEntry<'a> {
    seq: i64,
    at: NaiveDateTime,
    kind: &'a str,
    canonical: &'a str,
    leaf_hash: String,
}

#[derive(Insertable)]
#[diesel(table_name = ledger_traveler_refs)]
struct NewRef {
    traveler_ref: String,
    seq: i64,
}

/// What an append wrote, before the caller adopts `appender`.
#[derive(Debug, Clone)]
pub struct Appended {
    /// The appender after the batch: adopt it once the transaction has committed.
    pub appender: Appender,
    pub head: SignedTreeHead,
    /// The sequence number of the batch's first entry; the others follow in order.
    pub first_seq: u64,
}

/// Appends `entries` (all dated `at`) and a head signed at `at`, in one transaction; on success
/// `appender` becomes the new state, on error it is unchanged.
pub fn append_batch(
    conn: &mut DbConnection,
    appender: &mut Appender,
    entries: Vec<Body>,
    signer: &HeadSigner,
    at: UtcMillis,
) -> Result<SignedTreeHead, StoreError> {
    let timed = entries.into_iter().map(|b| (at, b)).collect();
    let done = crate::write_transaction(conn, |conn| {
        append_in_transaction(conn, appender, timed, signer, at)
    })?;
    *appender = done.appender;
    Ok(done.head)
}

/// The body of [`append_batch`] for callers that write other rows in the same transaction
/// (hand-overs, purges): entries with their own times, a head signed at `head_at`. Must run
/// inside a transaction; the caller adopts [`Appended::appender`] after the commit.
pub fn append_in_transaction(
    conn: &mut DbConnection,
    base: &Appender,
    entries: Vec<(UtcMillis, Body)>,
    signer: &HeadSigner,
    head_at: UtcMillis,
) -> Result<Appended, StoreError> {
    if entries.is_empty() {
        return Err(StoreError::EmptyAppend);
    }
    let mut next = lock_state(conn, base)?;
    let first_seq = next.size();
    let mut rows = Vec::with_capacity(entries.len());
    let mut refs = Vec::new();
    for (at, body) in entries {
        let a = next.append(at, body)?;
        let seq = to_i64(a.seq);
        refs.extend(a.entry.body.travelers().iter().map(|r| NewRef {
            traveler_ref: r.to_hex(),
            seq,
        }));
        rows.push((a, seq));
    }
    let texts: Vec<String> = rows
        .iter()
        .map(|(a, _)| String::from_utf8(a.canonical.clone()).expect("canonical JSON is UTF-8"))
        .collect();
    let new_rows: Vec<NewEntry<'_>> = rows
        .iter()
        .zip(&texts)
        .map(|((a, seq), text)| NewEntry {
            seq: *seq,
            at: a.entry.at.to_datetime().naive_utc(),
            kind: a.entry.body.kind(),
            canonical: text,
            leaf_hash: a.leaf_hash.to_hex(),
        })
        .collect();
    insert_rows(conn, &new_rows, &refs)?;

    let head = next.sign_head(signer, head_at);
    diesel::insert_into(ledger_heads::table)
        .values((
            ledger_heads::tree_size.eq(to_i64(head.size)),
            ledger_heads::head.eq(serde_json::to_string(&head).expect("heads serialise")),
            ledger_heads::created.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    diesel::update(ledger_state::table.find(1))
        .set((
            ledger_state::tree_size.eq(to_i64(next.size())),
            ledger_state::state.eq(hex::encode(next.state())),
        ))
        .execute(conn)?;
    Ok(Appended {
        appender: next,
        head,
        first_seq,
    })
}

fn insert_rows(
    conn: &mut DbConnection,
    rows: &[NewEntry<'_>],
    refs: &[NewRef],
) -> Result<(), StoreError> {
    match conn {
        // In-process SQLite: one cached prepared statement per row is the cheapest.
        DbConnection::Sqlite(c) => {
            for r in rows {
                diesel::insert_into(ledger_entries::table)
                    .values(r)
                    .execute(c)?;
            }
            for r in refs {
                diesel::insert_into(ledger_traveler_refs::table)
                    .values(r)
                    .execute(c)?;
            }
        }
        // Over a network, multi-row INSERTs save round trips (not expressible through the
        // MultiConnection, hence the concrete connection).
        DbConnection::Pg(c) => {
            for part in rows.chunks(INSERT_CHUNK) {
                diesel::insert_into(ledger_entries::table)
                    .values(part)
                    .execute(c)?;
            }
            for part in refs.chunks(INSERT_CHUNK * 2) {
                diesel::insert_into(ledger_traveler_refs::table)
                    .values(part)
                    .execute(c)?;
            }
        }
    }
    Ok(())
}

/// Takes the append lock (see the module docs) for the rest of the caller's transaction:
/// callers that read rows before appending (the desk) take it first, so what they read cannot
/// change before they write.
pub(crate) fn take_append_lock(conn: &mut DbConnection) -> Result<(), StoreError> {
    diesel::update(ledger_state::table.find(1))
        .set(ledger_state::tree_size.eq(ledger_state::tree_size))
        .execute(conn)?;
    Ok(())
}

/// Takes the append lock and returns the appender to continue from.
fn lock_state(conn: &mut DbConnection, base: &Appender) -> Result<Appender, StoreError> {
    take_append_lock(conn)?;
    let stored = load_state_text(conn)?;
    if stored == hex::encode(base.state()) {
        return Ok(base.clone());
    }
    restore(&stored)
}

fn load_state_text(conn: &mut DbConnection) -> Result<String, StoreError> {
    ledger_state::table
        .find(1)
        .select(ledger_state::state)
        .first::<String>(conn)
        .optional()?
        .ok_or_else(|| StoreError::LedgerState("the ledger_state row is missing".into()))
}

fn restore(stored: &str) -> Result<Appender, StoreError> {
    if stored.is_empty() {
        return Ok(Appender::new());
    }
    let bytes = hex::decode(stored).map_err(|e| StoreError::LedgerState(e.to_string()))?;
    Appender::restore(&bytes).map_err(|e| StoreError::LedgerState(e.to_string()))
}

/// The stored appender, to start appending from.
pub fn load_appender(conn: &mut DbConnection) -> Result<Appender, StoreError> {
    restore(&load_state_text(conn)?)
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).expect("fewer than 2^63 entries")
}

/// A stored row as the audit reads it. A `seq` below zero or a leaf hash that is not hex can
/// only come from an edit: they become values the audit reports as that (a gap, an altered
/// entry) instead of an error that would hide which entry was touched.
fn stored(seq: i64, canonical: String, leaf: &str) -> StoredEntry {
    StoredEntry {
        seq: u64::try_from(seq).unwrap_or(u64::MAX),
        canonical: canonical.into_bytes(),
        leaf_hash: Hash::from_hex(leaf).unwrap_or_default(),
    }
}

/// Every entry in `seq` order.
pub fn load_entries(conn: &mut DbConnection) -> Result<Vec<StoredEntry>, StoreError> {
    let rows = ledger_entries::table
        .select((
            ledger_entries::seq,
            ledger_entries::canonical,
            ledger_entries::leaf_hash,
        ))
        .order(ledger_entries::seq)
        .load::<(i64, String, String)>(conn)?;
    Ok(rows
        .into_iter()
        .map(|(seq, c, h)| stored(seq, c, &h))
        .collect())
}

/// Every stored signed head, by size.
pub fn load_heads(conn: &mut DbConnection) -> Result<Vec<SignedTreeHead>, StoreError> {
    let rows = ledger_heads::table
        .select((ledger_heads::tree_size, ledger_heads::head))
        .order(ledger_heads::tree_size)
        .load::<(i64, String)>(conn)?;
    rows.into_iter().map(|(s, h)| parse_head(s, &h)).collect()
}

fn parse_head(size: i64, text: &str) -> Result<SignedTreeHead, StoreError> {
    let head: SignedTreeHead = serde_json::from_str(text).map_err(|e| StoreError::LedgerHead {
        size,
        reason: e.to_string(),
    })?;
    if u64::try_from(size).ok() != Some(head.size) {
        return Err(StoreError::LedgerHead {
            size,
            reason: format!(
                "the row is filed under size {size} but the head says {}",
                head.size
            ),
        });
    }
    Ok(head)
}

/// The largest stored signed head, if any.
pub fn latest_head(conn: &mut DbConnection) -> Result<Option<SignedTreeHead>, StoreError> {
    let row = ledger_heads::table
        .select((ledger_heads::tree_size, ledger_heads::head))
        .order(ledger_heads::tree_size.desc())
        .first::<(i64, String)>(conn)
        .optional()?;
    row.map(|(s, h)| parse_head(s, &h)).transpose()
}

/// The leaf hashes of entries `0..size`, in order; an error if any is missing.
pub fn leaf_hashes_upto(conn: &mut DbConnection, size: u64) -> Result<Vec<Hash>, StoreError> {
    let rows = ledger_entries::table
        .filter(ledger_entries::seq.lt(to_i64(size)))
        .select((ledger_entries::seq, ledger_entries::leaf_hash))
        .order(ledger_entries::seq)
        .load::<(i64, String)>(conn)?;
    let in_order = rows
        .iter()
        .enumerate()
        .take_while(|(i, (seq, _))| *seq == *i as i64)
        .count() as u64;
    if in_order != size || rows.len() as u64 != size {
        return Err(StoreError::LedgerGap {
            size,
            found: in_order,
        });
    }
    Ok(rows
        .iter()
        .map(|(_, h)| Hash::from_hex(h).unwrap_or_default())
        .collect())
}

/// `(seq, canonical bytes)` of every entry naming `traveler`, by the traveler index.
pub fn entries_for_traveler(
    conn: &mut DbConnection,
    traveler: &TravelerRef,
) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
    let rows = ledger_traveler_refs::table
        .inner_join(ledger_entries::table)
        .filter(ledger_traveler_refs::traveler_ref.eq(traveler.to_hex()))
        .select((ledger_entries::seq, ledger_entries::canonical))
        .order(ledger_entries::seq)
        .load::<(i64, String)>(conn)?;
    Ok(rows
        .into_iter()
        .map(|(s, c)| (u64::try_from(s).unwrap_or(u64::MAX), c.into_bytes()))
        .collect())
}

/// Why `ledger verify` fails: the audit's first problem, or a disagreement of the rows the
/// audit does not read with the entries it checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerProblem {
    #[error(transparent)]
    Audit(#[from] AuditProblem),
    #[error(
        "the stored appender state says {state_size} entries with root {state_root} but the entries give {entries} with root {root}: the state row was edited; the next append would fork the log"
    )]
    State {
        state_size: u64,
        state_root: Hash,
        entries: u64,
        root: Hash,
    },
    #[error("{0}")]
    StateUnreadable(String),
    #[error(
        "the traveler index disagrees with entry {seq}: travelers' audit bundles would leave it out or name it wrongly; the ledger_traveler_refs rows were edited"
    )]
    Index { seq: u64 },
}

impl LedgerProblem {
    /// The first entry concerned, when one is.
    pub fn first_entry(&self) -> Option<u64> {
        match self {
            LedgerProblem::Audit(p) => p.first_entry(),
            LedgerProblem::State { .. } | LedgerProblem::StateUnreadable(_) => None,
            LedgerProblem::Index { seq } => Some(*seq),
        }
    }
}

/// `ledger verify`: audits every stored entry against every stored head and the `extra` heads
/// (checkpoints kept elsewhere), then checks the appender state and the traveler index agree
/// with the entries.
pub fn verify(
    conn: &mut DbConnection,
    verifier: &HeadVerifier,
    extra: &[SignedTreeHead],
) -> Result<Result<AuditSummary, LedgerProblem>, StoreError> {
    let rows = load_entries(conn)?;
    let mut heads = load_heads(conn)?;
    heads.extend_from_slice(extra);
    // Computed before the audit consumes the rows; reported only if the audit passes, since a
    // tampered entry explains an index mismatch and is the finding that matters.
    let index_problem = first_index_mismatch(conn, &rows)?;
    let summary = match audit_log(rows, &heads, verifier) {
        Ok(s) => s,
        Err(p) => return Ok(Err(p.into())),
    };
    let state = match restore(&load_state_text(conn)?) {
        Ok(s) => s,
        Err(e) => return Ok(Err(LedgerProblem::StateUnreadable(e.to_string()))),
    };
    if state.size() != summary.entries || state.root() != summary.root {
        return Ok(Err(LedgerProblem::State {
            state_size: state.size(),
            state_root: state.root(),
            entries: summary.entries,
            root: summary.root,
        }));
    }
    if let Some(seq) = index_problem {
        return Ok(Err(LedgerProblem::Index { seq }));
    }
    Ok(Ok(summary))
}

/// The first entry whose travelers differ from its rows in the traveler index.
fn first_index_mismatch(
    conn: &mut DbConnection,
    rows: &[StoredEntry],
) -> Result<Option<u64>, StoreError> {
    let mut index: BTreeMap<u64, BTreeSet<String>> = BTreeMap::new();
    let refs = ledger_traveler_refs::table
        .select((
            ledger_traveler_refs::seq,
            ledger_traveler_refs::traveler_ref,
        ))
        .load::<(i64, String)>(conn)?;
    for (seq, r) in refs {
        index
            .entry(u64::try_from(seq).unwrap_or(u64::MAX))
            .or_default()
            .insert(r);
    }
    for row in rows {
        let Ok(entry) = Entry::from_canonical(&row.canonical) else {
            continue; // the audit reports it
        };
        let named: BTreeSet<String> = entry.body.travelers().iter().map(|r| r.to_hex()).collect();
        let indexed = index.remove(&row.seq).unwrap_or_default();
        if named != indexed {
            return Ok(Some(row.seq));
        }
    }
    // Index rows for entries that do not exist.
    Ok(index.keys().next().copied())
}
