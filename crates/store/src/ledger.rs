//! The custody ledger's rows: entries, their traveler index, signed heads, the appender's
//! state and the traveler map (`ledger_entries`, `ledger_traveler_refs`, `ledger_heads`,
//! `ledger_state`, `ledger_map_records`, `ledger_map_nodes`).
//!
//! An append batch is one transaction: the entries, their traveler references, the changed
//! traveler map rows, the new signed head and the new appender state commit together or not at
//! all, durably (SQLite WAL with
//! `synchronous=FULL`, PostgreSQL `synchronous_commit=on`, set per connection in
//! [`crate::connection`]). The caller's [`Appender`] is replaced only after the commit, as the
//! ledger crate prescribes, so a failed batch leaves it at the stored state.
//!
//! Every append first writes the single `ledger_state` row: SQLite then holds the write lock for
//! the whole transaction (waiting on `busy_timeout` rather than failing at commit on a stale
//! snapshot) and PostgreSQL holds the row lock, so two processes never interleave appends. If
//! another process appended since the caller's appender was read, the stored state wins.
//!
//! **The traveler map** (ledger format version 2, [`closedloop_ledger::map`]). Each append
//! reads only the map rows of the buckets its entries' travelers fall in — their records and
//! the four nodes above each bucket — checks them against the map root in the appender state
//! ([`TravelerMap::partial`]), appends (linking each traveler to their previous entry), and
//! writes back the records and nodes that changed: a few indexed reads and writes per batch
//! whatever the number of travelers. The first append after the migration that added the map
//! finds a version-1 state and builds the whole map from the stored entries once.

use crate::schema::{
    ledger_entries, ledger_heads, ledger_map_nodes, ledger_map_records, ledger_state,
    ledger_traveler_refs,
};
use crate::snapshot::read_snapshot;
use crate::{DbConnection, StoreError};
use chrono::{NaiveDateTime, Utc};
use closedloop_domain::Lang;
use closedloop_ledger::crosscheck::{CrossChecked, CustodyProblem, EntryColumns, cross_check};
use closedloop_ledger::map::{self, Children};
use closedloop_ledger::{
    Appender, AuditProblem, AuditSummary, Body, Entry, EntryError, Hash, HeadSigner, HeadVerifier,
    Latest, MapChanges, MapProof, Pepper, SignedTreeHead, StoredEntry, TravelerMap, TravelerRef,
    UtcMillis, audit_log_with,
};
use diesel::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// PostgreSQL allows 65,535 bound values per statement.
const INSERT_CHUNK: usize = 1_000;
/// Above this many buckets an append reads the map tables whole rather than bucket by bucket.
const BULK_BUCKETS: usize = 2_048;

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

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = ledger_map_records)]
struct MapRecordRow {
    traveler_ref: String,
    bucket: i64,
    seq: i64,
    leaf_hash: String,
    kind: String,
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = ledger_map_nodes)]
struct MapNodeRow {
    node: i64,
    children: Vec<u8>,
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
    attach_map(conn, &mut next, &entries)?;
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
    write_map(conn, next.take_map_changes())?;
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

/// Gives `next` the traveler map its batch needs: a view of the buckets of every traveler the
/// batch names, read and checked against the state's map root; or, for a version-1 state, the
/// whole map built from the stored entries (once: the state is version 2 after this batch).
fn attach_map(
    conn: &mut DbConnection,
    next: &mut Appender,
    entries: &[(UtcMillis, Body)],
) -> Result<(), StoreError> {
    let Some(root) = next.map_root() else {
        return build_map(conn, next);
    };
    let buckets: BTreeSet<u16> = entries
        .iter()
        .flat_map(|(_, b)| b.travelers().iter().map(map::bucket_of))
        .collect();
    let view = load_view(conn, root, buckets)?;
    next.attach_map(view).map_err(map_error)
}

fn map_error(e: closedloop_ledger::MapError) -> StoreError {
    StoreError::LedgerState(e.to_string())
}

/// The stored map rows of `buckets` as a checked view under `root`.
fn load_view(
    conn: &mut DbConnection,
    root: Hash,
    buckets: BTreeSet<u16>,
) -> Result<TravelerMap, StoreError> {
    if buckets.is_empty() {
        return Ok(TravelerMap::unloaded(root));
    }
    let ids = map::path_nodes(&buckets);
    let (records, nodes) = match conn {
        // A batch naming a large share of the travelers (a purge): read the tables whole.
        DbConnection::Sqlite(c) if buckets.len() > BULK_BUCKETS => {
            let records = record_query()
                .load::<RecordRow>(c)?
                .into_iter()
                .filter(|(r, ..)| {
                    TravelerRef::from_hex(r).map_or(true, |r| buckets.contains(&map::bucket_of(&r)))
                })
                .collect();
            let nodes = ledger_map_nodes::table
                .select((ledger_map_nodes::node, ledger_map_nodes::children))
                .load::<(i64, Vec<u8>)>(c)?;
            (records, nodes)
        }
        // In-process SQLite: one cached prepared statement per key beats a fresh IN list.
        DbConnection::Sqlite(c) => {
            let mut records = Vec::new();
            for b in &buckets {
                records.extend(
                    record_query()
                        .filter(ledger_map_records::bucket.eq(i64::from(*b)))
                        .load::<RecordRow>(c)?,
                );
            }
            let mut nodes = Vec::new();
            for id in &ids {
                nodes.extend(
                    ledger_map_nodes::table
                        .find(i64::from(*id))
                        .select((ledger_map_nodes::node, ledger_map_nodes::children))
                        .first::<(i64, Vec<u8>)>(c)
                        .optional()?,
                );
            }
            (records, nodes)
        }
        // Over a network, one round trip each (PostgreSQL binds an array: no limit on keys).
        DbConnection::Pg(c) => (
            record_query()
                .filter(ledger_map_records::bucket.eq_any(buckets.iter().map(|b| i64::from(*b))))
                .load::<RecordRow>(c)?,
            ledger_map_nodes::table
                .filter(ledger_map_nodes::node.eq_any(ids.iter().map(|id| i64::from(*id))))
                .select((ledger_map_nodes::node, ledger_map_nodes::children))
                .load::<(i64, Vec<u8>)>(c)?,
        ),
    };
    let records = records
        .into_iter()
        .map(parse_record)
        .collect::<Result<Vec<_>, _>>()?;
    let nodes = nodes
        .into_iter()
        .map(parse_node)
        .collect::<Result<Vec<_>, _>>()?;
    TravelerMap::partial(root, buckets, records, nodes).map_err(map_error)
}

type RecordRow = (String, i64, String, String);

#[allow(clippy::type_complexity)]
fn record_query() -> diesel::dsl::Select<
    ledger_map_records::table,
    (
        ledger_map_records::traveler_ref,
        ledger_map_records::seq,
        ledger_map_records::leaf_hash,
        ledger_map_records::kind,
    ),
> {
    ledger_map_records::table.select((
        ledger_map_records::traveler_ref,
        ledger_map_records::seq,
        ledger_map_records::leaf_hash,
        ledger_map_records::kind,
    ))
}

fn unreadable_map(what: String) -> StoreError {
    StoreError::LedgerState(format!("traveler map row unreadable: {what}"))
}

fn parse_record(
    (r, seq, leaf, kind): (String, i64, String, String),
) -> Result<(TravelerRef, Latest), StoreError> {
    let traveler = TravelerRef::from_hex(&r).map_err(|e| unreadable_map(e.to_string()))?;
    let leaf_hash = Hash::from_hex(&leaf).map_err(|e| unreadable_map(e.to_string()))?;
    let seq = u64::try_from(seq).map_err(|_| unreadable_map(format!("sequence number {seq}")))?;
    Ok((
        traveler,
        Latest {
            seq,
            leaf_hash,
            kind,
        },
    ))
}

fn parse_node((id, bytes): (i64, Vec<u8>)) -> Result<(u32, Children), StoreError> {
    let bad = || unreadable_map(format!("node {id}"));
    let id = u32::try_from(id).map_err(|_| bad())?;
    if bytes.len() != 32 * map::FANOUT {
        return Err(bad());
    }
    let mut children = [Hash::default(); map::FANOUT];
    for (c, chunk) in children.iter_mut().zip(bytes.chunks_exact(32)) {
        c.0.copy_from_slice(chunk);
    }
    Ok((id, children))
}

/// Builds the whole traveler map of a version-1 log from its stored entries (every entry is
/// read once, as `ledger verify` would) and attaches it; its rows are written with the batch.
/// The stored entries must reproduce the stored state: appending never builds on a log that
/// disagrees with it.
fn build_map(conn: &mut DbConnection, next: &mut Appender) -> Result<(), StoreError> {
    let rebuilt = Appender::rebuild(load_entries(conn)?)?;
    if rebuilt.size() != next.size() || rebuilt.root() != next.root() {
        return Err(StoreError::LedgerState(format!(
            "the stored entries give {} entries with root {} but the state says {} with root {}: the traveler map is built from the entries only once they verify",
            rebuilt.size(),
            rebuilt.root().short(),
            next.size(),
            next.root().short()
        )));
    }
    let whole = rebuilt
        .map()
        .expect("a rebuilt appender has its map")
        .clone();
    next.attach_map(whole).map_err(map_error)
}

/// Writes the map rows an append batch changed (insert or update).
fn write_map(conn: &mut DbConnection, changes: MapChanges) -> Result<(), StoreError> {
    let records: Vec<MapRecordRow> = changes
        .records
        .into_iter()
        .map(|(r, l)| MapRecordRow {
            traveler_ref: r.to_hex(),
            bucket: i64::from(map::bucket_of(&r)),
            seq: to_i64(l.seq),
            leaf_hash: l.leaf_hash.to_hex(),
            kind: l.kind,
        })
        .collect();
    let nodes: Vec<MapNodeRow> = changes
        .nodes
        .into_iter()
        .map(|(id, children)| MapNodeRow {
            node: i64::from(id),
            children: children.iter().flat_map(|h| h.0).collect(),
        })
        .collect();
    match conn {
        // One cached prepared statement per row, as for the entries.
        DbConnection::Sqlite(c) => {
            for r in &records {
                diesel::insert_into(ledger_map_records::table)
                    .values(r)
                    .on_conflict(ledger_map_records::traveler_ref)
                    .do_update()
                    .set(r)
                    .execute(c)?;
            }
            for n in &nodes {
                diesel::insert_into(ledger_map_nodes::table)
                    .values(n)
                    .on_conflict(ledger_map_nodes::node)
                    .do_update()
                    .set(n)
                    .execute(c)?;
            }
        }
        DbConnection::Pg(c) => {
            use diesel::upsert::excluded;
            for part in records.chunks(INSERT_CHUNK) {
                diesel::insert_into(ledger_map_records::table)
                    .values(part)
                    .on_conflict(ledger_map_records::traveler_ref)
                    .do_update()
                    .set((
                        ledger_map_records::seq.eq(excluded(ledger_map_records::seq)),
                        ledger_map_records::leaf_hash.eq(excluded(ledger_map_records::leaf_hash)),
                        ledger_map_records::kind.eq(excluded(ledger_map_records::kind)),
                    ))
                    .execute(c)?;
            }
            for part in nodes.chunks(INSERT_CHUNK) {
                diesel::insert_into(ledger_map_nodes::table)
                    .values(part)
                    .on_conflict(ledger_map_nodes::node)
                    .do_update()
                    .set(ledger_map_nodes::children.eq(excluded(ledger_map_nodes::children)))
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

/// How many entries are stored.
pub fn entry_count(conn: &mut DbConnection) -> Result<u64, StoreError> {
    let n: i64 = ledger_entries::table.count().get_result(conn)?;
    Ok(u64::try_from(n).unwrap_or(0))
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

/// Everything `ledger proof` needs for one traveler, read in one snapshot (so that the head,
/// the map rows and the entries agree even while appends go on).
#[derive(Debug, Clone)]
pub struct BundleMaterial {
    /// The latest signed head.
    pub head: SignedTreeHead,
    /// `(seq, canonical bytes)` of every entry naming the traveler below the head's size.
    pub entries: Vec<(u64, Vec<u8>)>,
    /// The leaf hashes of entries `0..head.size`.
    pub leaves: Vec<Hash>,
    /// The traveler's proof in the head's traveler map (version-2 heads; `None` for a
    /// version-1 head, or when no entry names the traveler).
    pub map_proof: Option<MapProof>,
}

/// [`BundleMaterial`] of `traveler`; `None` when no head is signed yet.
pub fn bundle_material(
    conn: &mut DbConnection,
    traveler: &TravelerRef,
) -> Result<Option<BundleMaterial>, StoreError> {
    read_snapshot(conn, |conn| {
        let Some(head) = latest_head(conn)? else {
            return Ok(None);
        };
        let entries: Vec<(u64, Vec<u8>)> = entries_for_traveler(conn, traveler)?
            .into_iter()
            .filter(|(i, _)| *i < head.size)
            .collect();
        let map_proof = match head.map_root {
            Some(root) if !entries.is_empty() => map_proof(conn, root, traveler)?,
            _ => None,
        };
        let leaves = if entries.is_empty() {
            Vec::new()
        } else {
            leaf_hashes_upto(conn, head.size)?
        };
        Ok(Some(BundleMaterial {
            head,
            entries,
            leaves,
            map_proof,
        }))
    })
}

/// The proof of `traveler`'s latest entry under the map root `root` (the latest head's), from
/// the stored rows of the traveler's bucket; `None` when the map has no record of them.
pub fn map_proof(
    conn: &mut DbConnection,
    root: Hash,
    traveler: &TravelerRef,
) -> Result<Option<MapProof>, StoreError> {
    let view = load_view(conn, root, BTreeSet::from([map::bucket_of(traveler)]))?;
    view.proof(traveler).map_err(map_error)
}

/// Why `ledger verify` fails: the audit's first problem, a disagreement of the rows the audit
/// does not read with the entries it checked, or the first custody row that disagrees with the
/// entries. Each has a stable [`code`](LedgerProblem::code) and a text in both languages
/// ([`message`](LedgerProblem::message); `Display` is the English one):
///
/// | code | variant |
/// |---|---|
/// | `ledger_tampered` | [`LedgerProblem::Audit`] |
/// | `ledger_state_mismatch` | [`LedgerProblem::State`] |
/// | `ledger_state_unreadable` | [`LedgerProblem::StateUnreadable`] |
/// | `ledger_index_mismatch` | [`LedgerProblem::Index`] |
/// | `ledger_map_mismatch` | [`LedgerProblem::Map`] |
/// | `custody_row_added`, `custody_row_changed`, `custody_row_removed` | [`LedgerProblem::Custody`] |
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
    #[error(
        "the stored traveler map disagrees with the entries ({0}): the ledger_map_records, ledger_map_nodes or ledger_state rows were edited; appends refuse to build on them and bundles cannot be written"
    )]
    Map(String),
    /// The first custody row that disagrees with the entries, and how many more do.
    #[error("{}{}", .problem, more_en(*.more))]
    Custody {
        problem: CustodyProblem,
        more: usize,
    },
}

fn more_en(more: usize) -> String {
    match more {
        0 => String::new(),
        n => format!("; {n} more row(s) disagree with the ledger"),
    }
}

impl LedgerProblem {
    /// The first entry concerned, when one is.
    pub fn first_entry(&self) -> Option<u64> {
        match self {
            LedgerProblem::Audit(p) => p.first_entry(),
            LedgerProblem::State { .. }
            | LedgerProblem::StateUnreadable(_)
            | LedgerProblem::Map(_) => None,
            LedgerProblem::Index { seq } => Some(*seq),
            LedgerProblem::Custody { problem, .. } => problem.entry,
        }
    }

    /// The stable snake_case code (see the type's table).
    pub fn code(&self) -> &'static str {
        match self {
            LedgerProblem::Audit(_) => "ledger_tampered",
            LedgerProblem::State { .. } => "ledger_state_mismatch",
            LedgerProblem::StateUnreadable(_) => "ledger_state_unreadable",
            LedgerProblem::Index { .. } => "ledger_index_mismatch",
            LedgerProblem::Map(_) => "ledger_map_mismatch",
            LedgerProblem::Custody { problem, .. } => problem.code(),
        }
    }

    /// The table and row at fault, when the problem is a custody row's.
    pub fn row(&self) -> Option<(&'static str, &str)> {
        match self {
            LedgerProblem::Custody { problem, .. } => Some((problem.table.name(), &problem.row)),
            LedgerProblem::Index { .. } => Some(("ledger_traveler_refs", "")),
            _ => None,
        }
    }

    /// The text in `lang`. The audit's findings keep the ledger library's English words after
    /// a Chinese lead-in.
    pub fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            LedgerProblem::Audit(p) => format!("账本记录被篡改：{p}"),
            LedgerProblem::State {
                state_size,
                state_root,
                entries,
                root,
            } => format!(
                "存储的追加状态为 {state_size} 条记录、根哈希 {state_root}，而账本记录给出 {entries} 条、根哈希 {root}：状态行已被修改，下次追加将使账本分叉"
            ),
            LedgerProblem::StateUnreadable(d) => format!("存储的账本状态无法读取：{d}"),
            LedgerProblem::Index { seq } => format!(
                "旅客索引与记录 {seq} 不一致：旅客审计包会遗漏或错列该记录；ledger_traveler_refs 表已被修改"
            ),
            LedgerProblem::Map(d) => format!(
                "存储的旅客索引树与账本记录不一致（{d}）：ledger_map_records、ledger_map_nodes 或 ledger_state 表已被修改"
            ),
            LedgerProblem::Custody { problem, more } => {
                let mut m = problem.message(lang);
                if *more > 0 {
                    m.push_str(&format!("；另有 {more} 行与账本不一致"));
                }
                m
            }
        }
    }
}

/// What a passed `ledger verify` checked: the log, then every custody row against it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub log: AuditSummary,
    pub custody: CrossChecked,
}

/// `ledger verify`: [`audit`] the log, then cross-check every custody row and the ledger
/// table's redundant columns against its entries
/// ([`closedloop_ledger::crosscheck::cross_check`]; `pepper` maps store ids to the entries'
/// traveler references). The first problem is returned: a tampered entry explains any custody
/// disagreement, so the log's own problems come first.
///
/// Streamed, never a query per row: the log's rows are read once (their redundant columns
/// with them) and parsed once, on every core; the audit then runs on its own thread while this
/// one reads the traveler index and the custody tables (one query each); the comparisons sort
/// and hash.
pub fn verify(
    conn: &mut DbConnection,
    verifier: &HeadVerifier,
    pepper: &Pepper,
    extra: &[SignedTreeHead],
) -> Result<Result<Verified, LedgerProblem>, StoreError> {
    read_snapshot(conn, |conn| {
        verify_in_snapshot(conn, verifier, pepper, extra)
    })
}

fn verify_in_snapshot(
    conn: &mut DbConnection,
    verifier: &HeadVerifier,
    pepper: &Pepper,
    extra: &[SignedTreeHead],
) -> Result<Result<Verified, LedgerProblem>, StoreError> {
    let (log, columns) = LogRows::load(conn, extra)?;
    let (checked, loaded) = std::thread::scope(|s| {
        let audit = s.spawn(move || log.check(verifier));
        let loaded = load_index(conn)
            .and_then(|index| Ok((index, crate::crosscheck::load_custody_rows(conn)?)));
        (audit.join().expect("the audit does not panic"), loaded)
    });
    let (log, entries, state) = match checked {
        Ok(done) => done,
        Err(p) => return Ok(Err(p)),
    };
    if let Some(problem) = map_problem(conn, &state, &log)? {
        return Ok(Err(problem));
    }
    let (mut index, mut custody) = loaded?;
    if let Some(seq) = first_index_mismatch(&mut index, &entries) {
        return Ok(Err(LedgerProblem::Index { seq }));
    }
    custody.entry_columns = columns;
    Ok(match cross_check(&entries, &custody, pepper) {
        Ok(custody) => Ok(Verified { log, custody }),
        Err(found) => Err(LedgerProblem::Custody {
            problem: found.first().clone(),
            more: found.count() - 1,
        }),
    })
}

/// The log's own checks, without the custody tables: audits every stored entry against every
/// stored head and the `extra` heads (checkpoints kept elsewhere), then checks the appender
/// state and the traveler index agree with the entries.
pub fn audit(
    conn: &mut DbConnection,
    verifier: &HeadVerifier,
    extra: &[SignedTreeHead],
) -> Result<Result<AuditSummary, LedgerProblem>, StoreError> {
    read_snapshot(conn, |conn| audit_in_snapshot(conn, verifier, extra))
}

fn audit_in_snapshot(
    conn: &mut DbConnection,
    verifier: &HeadVerifier,
    extra: &[SignedTreeHead],
) -> Result<Result<AuditSummary, LedgerProblem>, StoreError> {
    let (log, _) = LogRows::load(conn, extra)?;
    let (summary, entries, state) = match log.check(verifier) {
        Ok(done) => done,
        Err(p) => return Ok(Err(p)),
    };
    if let Some(problem) = map_problem(conn, &state, &summary)? {
        return Ok(Err(problem));
    }
    if let Some(seq) = first_index_mismatch(&mut load_index(conn)?, &entries) {
        return Ok(Err(LedgerProblem::Index { seq }));
    }
    Ok(Ok(summary))
}

/// Whether the stored traveler map (its root in the state, its record and node rows) is the
/// one the audit rebuilt from the entries. A version-1 state has no map rows yet.
fn map_problem(
    conn: &mut DbConnection,
    state: &Appender,
    summary: &AuditSummary,
) -> Result<Option<LedgerProblem>, StoreError> {
    let Some(state_root) = state.map_root() else {
        return Ok(None);
    };
    let problem = |what: String| Ok(Some(LedgerProblem::Map(what)));
    if state_root != summary.map_root {
        return problem(format!(
            "the state's map root is {} but the entries give {}",
            state_root.short(),
            summary.map_root.short()
        ));
    }
    let records = record_query().load::<RecordRow>(conn)?;
    let mut parsed = Vec::with_capacity(records.len());
    for row in records {
        match parse_record(row) {
            Ok(r) => parsed.push(r),
            Err(e) => return problem(e.to_string()),
        }
    }
    let stored = parsed.len() as u64;
    let rebuilt = TravelerMap::from_records(parsed);
    if stored != summary.travelers || rebuilt.root() != summary.map_root {
        return problem(format!(
            "the {stored} record rows give root {} but the entries give {} travelers with root {}",
            rebuilt.root().short(),
            summary.travelers,
            summary.map_root.short()
        ));
    }
    let expected: BTreeMap<u32, &Children> = rebuilt.nodes().collect();
    let nodes = ledger_map_nodes::table
        .select((ledger_map_nodes::node, ledger_map_nodes::children))
        .load::<(i64, Vec<u8>)>(conn)?;
    let mut seen = 0;
    for row in nodes {
        let id = row.0;
        match parse_node(row) {
            Ok((n, children)) if expected.get(&n) == Some(&&children) => seen += 1,
            _ => return problem(format!("node row {id} is not the node the records give")),
        }
    }
    if seen != expected.len() {
        return problem(format!("{} node rows are missing", expected.len() - seen));
    }
    Ok(None)
}

/// Everything the audit and the state check read.
struct LogRows {
    rows: Vec<StoredEntry>,
    heads: Vec<SignedTreeHead>,
    state: String,
}

impl LogRows {
    /// The rows in `seq` order, with their redundant columns for the cross-check.
    fn load(
        conn: &mut DbConnection,
        extra: &[SignedTreeHead],
    ) -> Result<(LogRows, Vec<EntryColumns>), StoreError> {
        let loaded = ledger_entries::table
            .select((
                ledger_entries::seq,
                ledger_entries::canonical,
                ledger_entries::leaf_hash,
                ledger_entries::kind,
                ledger_entries::at,
            ))
            .order(ledger_entries::seq)
            .load::<(i64, String, String, String, NaiveDateTime)>(conn)?;
        let mut rows = Vec::with_capacity(loaded.len());
        let mut columns = Vec::with_capacity(loaded.len());
        for (seq, canonical, leaf, kind, at) in loaded {
            rows.push(stored(seq, canonical, &leaf));
            columns.push(EntryColumns {
                seq,
                kind,
                at: at.and_utc().timestamp_millis(),
            });
        }
        let mut heads = load_heads(conn)?;
        heads.extend_from_slice(extra);
        let state = load_state_text(conn)?;
        Ok((LogRows { rows, heads, state }, columns))
    }

    /// The audit and the appender state; the entries (in `seq` order) and the state when they
    /// pass.
    #[allow(clippy::type_complexity)]
    fn check(
        self,
        verifier: &HeadVerifier,
    ) -> Result<(AuditSummary, Vec<Entry>, Appender), LedgerProblem> {
        let LogRows { rows, heads, state } = self;
        let mut parsed = parse_all(&rows);
        let mut entries = Vec::with_capacity(rows.len());
        let summary = audit_log_with(
            rows,
            &heads,
            verifier,
            |i, row| {
                parsed[i]
                    .take()
                    .unwrap_or_else(|| Entry::from_canonical(&row.canonical))
            },
            |e| entries.push(e),
        )?;
        let state = restore(&state).map_err(|e| LedgerProblem::StateUnreadable(e.to_string()))?;
        if state.size() != summary.entries || state.root() != summary.root {
            return Err(LedgerProblem::State {
                state_size: state.size(),
                state_root: state.root(),
                entries: summary.entries,
                root: summary.root,
            });
        }
        Ok((summary, entries, state))
    }
}

/// Every row parsed ([`Entry::from_canonical`]), on every core.
fn parse_all(rows: &[StoredEntry]) -> Vec<Option<Result<Entry, EntryError>>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let chunk = rows.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let parts: Vec<_> = rows
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|r| Some(Entry::from_canonical(&r.canonical)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|p| p.join().expect("parsing does not panic"))
            .collect()
    })
}

/// The traveler index as `(seq, reference)` pairs; a reference that is not 64 hex digits reads
/// as all ones, which no entry names.
fn load_index(conn: &mut DbConnection) -> Result<Vec<(u64, [u8; 32])>, StoreError> {
    let rows = ledger_traveler_refs::table
        .select((
            ledger_traveler_refs::seq,
            ledger_traveler_refs::traveler_ref,
        ))
        .load::<(i64, String)>(conn)?;
    Ok(rows
        .into_iter()
        .map(|(seq, r)| {
            let r = TravelerRef::from_hex(&r).map_or([0xff; 32], |r| r.0);
            (u64::try_from(seq).unwrap_or(u64::MAX), r)
        })
        .collect())
}

/// The first entry whose travelers differ from its rows in the traveler index (sorted, then
/// merged with the entries in order).
fn first_index_mismatch(index: &mut [(u64, [u8; 32])], entries: &[Entry]) -> Option<u64> {
    index.sort_unstable();
    let mut next = 0;
    for e in entries {
        let from = next;
        while next < index.len() && index[next].0 <= e.seq {
            next += 1;
        }
        let rows = &index[from..next];
        let named = e.body.travelers();
        // Rows before this entry's (a seq the log skips cannot exist once the audit passed,
        // but an index row can carry any number) show first.
        if let Some(&(seq, _)) = rows.iter().find(|(s, _)| *s < e.seq) {
            return Some(seq);
        }
        if rows.len() != named.len() || rows.iter().zip(named).any(|((_, r), n)| *r != n.0) {
            return Some(e.seq);
        }
    }
    // Index rows for entries that do not exist.
    index.get(next).map(|(seq, _)| *seq)
}
