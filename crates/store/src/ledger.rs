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
use closedloop_domain::Lang;
use closedloop_ledger::crosscheck::{CrossChecked, CustodyProblem, EntryColumns, cross_check};
use closedloop_ledger::{
    Appender, AuditProblem, AuditSummary, Body, Entry, EntryError, Hash, HeadSigner, HeadVerifier,
    Pepper, SignedTreeHead, StoredEntry, TravelerRef, UtcMillis, audit_log_with,
};
use diesel::prelude::*;

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
            LedgerProblem::State { .. } | LedgerProblem::StateUnreadable(_) => None,
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
    let (log, columns) = LogRows::load(conn, extra)?;
    let (checked, loaded) = std::thread::scope(|s| {
        let audit = s.spawn(move || log.check(verifier));
        let loaded = load_index(conn)
            .and_then(|index| Ok((index, crate::crosscheck::load_custody_rows(conn)?)));
        (audit.join().expect("the audit does not panic"), loaded)
    });
    let (log, entries) = match checked {
        Ok(done) => done,
        Err(p) => return Ok(Err(p)),
    };
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
    let (log, _) = LogRows::load(conn, extra)?;
    let (summary, entries) = match log.check(verifier) {
        Ok(done) => done,
        Err(p) => return Ok(Err(p)),
    };
    if let Some(seq) = first_index_mismatch(&mut load_index(conn)?, &entries) {
        return Ok(Err(LedgerProblem::Index { seq }));
    }
    Ok(Ok(summary))
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

    /// The audit and the appender state; the entries (in `seq` order) when they pass.
    fn check(self, verifier: &HeadVerifier) -> Result<(AuditSummary, Vec<Entry>), LedgerProblem> {
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
        Ok((summary, entries))
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
