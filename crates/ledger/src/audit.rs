//! `ledger verify`: recompute the whole log from its stored rows and signed heads, and name the
//! first entry that was altered, removed, inserted or reordered.
//!
//! Three independent layers catch three kinds of tampering, cheapest first:
//! 1. each row's bytes must hash to its stored leaf hash, parse as a canonical entry, and carry
//!    its own sequence number — catches edits that forgot the hash, and moved rows;
//! 2. each entry's `prev` must be the previous row's leaf hash — catches a replaced entry even
//!    when its stored hash was recomputed, and names it;
//! 3. the leaf hashes must reproduce every signed head's root at its size — catches a rewrite
//!    of the whole tail, which only the signing key could hide; heads exported as checkpoints
//!    and kept elsewhere catch even that, and a truncation after the last stored head.

use crate::append::GENESIS_PREV;
use crate::entry::{Entry, EntryError};
use crate::head::{HeadError, HeadVerifier, SignedTreeHead};
use crate::merkle::{Frontier, Hash, leaf_hash};

/// One stored row of the log, as the storage layer reads it (in `seq` order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEntry {
    pub seq: u64,
    pub canonical: Vec<u8>,
    pub leaf_hash: Hash,
}

/// What a clean audit found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditSummary {
    pub entries: u64,
    pub root: Hash,
    pub heads_checked: usize,
    /// Size of the largest signed head (entries beyond it are not yet signed).
    pub signed_size: u64,
    pub unsigned_tail: u64,
}

/// The first problem found. Entry numbers are sequence numbers (leaf indices, from 0).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuditProblem {
    #[error(
        "signed head of size {size} is not valid: {source}; heads must come from this log's key"
    )]
    HeadSignature {
        size: u64,
        #[source]
        source: HeadError,
    },
    #[error(
        "two validly signed heads of size {size} have different roots ({first} and {second}): the log was forked; keep both as evidence"
    )]
    HeadsInconsistent {
        size: u64,
        first: Hash,
        second: Hash,
    },
    #[error(
        "entry {seq} was altered: its bytes do not hash to its stored leaf hash; restore it from a backup or an audit bundle"
    )]
    BytesAltered { seq: u64 },
    #[error("entry {seq} was altered: {source}")]
    Unreadable {
        seq: u64,
        #[source]
        source: EntryError,
    },
    #[error(
        "entries {from} to {to} are missing (the sequence jumps from {before} to {after}): they were deleted; restore them from a backup"
    )]
    Missing {
        from: u64,
        to: u64,
        before: String,
        after: u64,
    },
    #[error(
        "entry {seq} appears twice: a row was duplicated; delete the copy that fails this check"
    )]
    Duplicate { seq: u64 },
    #[error(
        "entries {a} and {b} were swapped: position {a} holds entry {b} and position {b} holds entry {a}"
    )]
    Swapped { a: u64, b: u64 },
    #[error(
        "position {position} holds entry {holds}: entries were reordered, or renumbered after a deletion"
    )]
    Misplaced { position: u64, holds: u64 },
    #[error(
        "the chain breaks between entries {before} and {after}: entry {before} was replaced (with its stored hash recomputed), or an entry between them was removed or inserted"
    )]
    ChainBroken { before: u64, after: u64 },
    #[error(
        "entry 0 does not start the chain (its back-link is not all zeros): entries were removed from the start"
    )]
    BadGenesis,
    #[error(
        "entries {from} to {to} do not reproduce the signed root at size {size} (signed {at}): one of them was altered, removed, inserted or reordered together with its hashes and back-links"
    )]
    HeadMismatch {
        size: u64,
        from: u64,
        to: u64,
        at: String,
    },
    #[error(
        "the log holds {entries} entries but a head signed {at} covers {size}: entries {entries} to {last} were removed from the end"
    )]
    Truncated {
        entries: u64,
        size: u64,
        last: u64,
        at: String,
    },
}

impl AuditProblem {
    /// The first entry the problem concerns, when it concerns one.
    pub fn first_entry(&self) -> Option<u64> {
        use AuditProblem::*;
        match self {
            BytesAltered { seq } | Unreadable { seq, .. } | Duplicate { seq } => Some(*seq),
            Missing { from, .. } => Some(*from),
            Swapped { a, .. } => Some(*a),
            Misplaced { position, .. } => Some(*position),
            ChainBroken { before, .. } => Some(*before),
            BadGenesis => Some(0),
            HeadMismatch { from, .. } => Some(*from),
            Truncated { entries, .. } => Some(*entries),
            HeadSignature { .. } | HeadsInconsistent { .. } => None,
        }
    }
}

/// The sequence number written inside a row's bytes, if they parse at all.
fn embedded_seq(row: &StoredEntry) -> Option<u64> {
    Entry::from_canonical(&row.canonical).ok().map(|e| e.seq)
}

/// Audits the log: `rows` in storage order (`ORDER BY seq`), `heads` every signed head the
/// caller has (stored ones and checkpoints held elsewhere, any order). Stops at the first
/// problem. Streams the rows: memory is O(log n + heads).
pub fn audit_log<I>(
    rows: I,
    heads: &[SignedTreeHead],
    verifier: &HeadVerifier,
) -> Result<AuditSummary, AuditProblem>
where
    I: IntoIterator<Item = StoredEntry>,
{
    audit_log_with(
        rows,
        heads,
        verifier,
        |_, row| Entry::from_canonical(&row.canonical),
        |_| {},
    )
}

/// [`audit_log`], with the parse of each row supplied — `parse(i, row)` must be
/// [`Entry::from_canonical`] of the bytes of row `i` (from 0, in input order), e.g. done ahead
/// on several threads — and each entry handed to `each` once it has passed its row's checks,
/// so a caller that needs the entries too parses them once.
pub fn audit_log_with<I, P, F>(
    rows: I,
    heads: &[SignedTreeHead],
    verifier: &HeadVerifier,
    mut parse: P,
    mut each: F,
) -> Result<AuditSummary, AuditProblem>
where
    I: IntoIterator<Item = StoredEntry>,
    P: FnMut(usize, &StoredEntry) -> Result<Entry, EntryError>,
    F: FnMut(Entry),
{
    let mut heads: Vec<&SignedTreeHead> = heads.iter().collect();
    for h in &heads {
        verifier
            .verify(h)
            .map_err(|source| AuditProblem::HeadSignature {
                size: h.size,
                source,
            })?;
    }
    heads.sort_by_key(|h| h.size);
    for w in heads.windows(2) {
        if w[0].size == w[1].size && w[0].root != w[1].root {
            return Err(AuditProblem::HeadsInconsistent {
                size: w[0].size,
                first: w[0].root,
                second: w[1].root,
            });
        }
    }

    let mut frontier = Frontier::new();
    let mut prev = GENESIS_PREV;
    let mut next_head = 0;
    let mut last_good = 0u64;
    // Heads of size 0 (an empty log) are checked before any row.
    check_heads(&heads, &mut next_head, &frontier, &mut last_good)?;

    let mut rows = rows.into_iter().enumerate().peekable();
    while let Some((position, row)) = rows.next() {
        let i = frontier.size();
        if row.seq < i {
            return Err(if row.seq + 1 == i {
                AuditProblem::Duplicate { seq: row.seq }
            } else {
                AuditProblem::Misplaced {
                    position: i,
                    holds: row.seq,
                }
            });
        }
        if row.seq > i {
            // Rows not in seq order: a later row stands where row i should.
            if rows.peek().is_some_and(|(_, n)| n.seq == i) {
                return Err(AuditProblem::Swapped { a: i, b: row.seq });
            }
            return Err(AuditProblem::Missing {
                from: i,
                to: row.seq - 1,
                before: if i == 0 {
                    "the start".into()
                } else {
                    (i - 1).to_string()
                },
                after: row.seq,
            });
        }
        if leaf_hash(&row.canonical) != row.leaf_hash {
            return Err(AuditProblem::BytesAltered { seq: i });
        }
        let entry =
            parse(position, &row).map_err(|source| AuditProblem::Unreadable { seq: i, source })?;
        if entry.seq != i {
            let swapped = entry.seq > i
                && rows
                    .peek()
                    .is_some_and(|(_, n)| n.seq == entry.seq && embedded_seq(n) == Some(i));
            return Err(if swapped {
                AuditProblem::Swapped { a: i, b: entry.seq }
            } else {
                AuditProblem::Misplaced {
                    position: i,
                    holds: entry.seq,
                }
            });
        }
        if entry.prev != prev {
            return Err(if i == 0 {
                AuditProblem::BadGenesis
            } else {
                AuditProblem::ChainBroken {
                    before: i - 1,
                    after: i,
                }
            });
        }
        frontier.push(row.leaf_hash);
        prev = row.leaf_hash;
        check_heads(&heads, &mut next_head, &frontier, &mut last_good)?;
        each(entry);
    }

    let entries = frontier.size();
    if let Some(h) = heads.last().filter(|h| h.size > entries) {
        return Err(AuditProblem::Truncated {
            entries,
            size: h.size,
            last: h.size - 1,
            at: h.at.to_string(),
        });
    }
    let signed_size = heads.last().map_or(0, |h| h.size);
    Ok(AuditSummary {
        entries,
        root: frontier.root(),
        heads_checked: heads.len(),
        signed_size,
        unsigned_tail: entries - signed_size,
    })
}

/// Compares every head whose size the frontier has just reached with the recomputed root.
fn check_heads(
    heads: &[&SignedTreeHead],
    next: &mut usize,
    frontier: &Frontier,
    last_good: &mut u64,
) -> Result<(), AuditProblem> {
    let size = frontier.size();
    if heads.get(*next).is_none_or(|h| h.size != size) {
        return Ok(());
    }
    let root = frontier.root();
    while let Some(h) = heads.get(*next).filter(|h| h.size == size) {
        if h.root != root {
            return Err(AuditProblem::HeadMismatch {
                size,
                from: *last_good,
                to: size.saturating_sub(1),
                at: h.at.to_string(),
            });
        }
        *next += 1;
    }
    *last_good = size;
    Ok(())
}
