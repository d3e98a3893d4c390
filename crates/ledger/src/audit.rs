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
//!
//! Since format version 2 it also rebuilds the traveler map ([`crate::map`]) in memory: each
//! version-2 entry's link for a traveler must name that traveler's previous entry (its
//! sequence number and kind), each version-2 head's map root must be the rebuilt map's at its
//! size, and the log never goes back to version 1 (no version-1 entry after a version-2 one, no
//! version-1 head covering a version-2 entry).

use crate::append::GENESIS_PREV;
use crate::entry::{Entry, EntryError, Previous, TravelerRef};
use crate::head::{HeadError, HeadVerifier, SignedTreeHead};
use crate::map::{Latest, TravelerMap};
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
    /// The traveler map rebuilt from every entry: its root and number of travelers.
    pub map_root: Hash,
    pub travelers: u64,
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
        "entry {seq} links traveler {traveler} to {found} but the traveler's previous entry is {expected}: an entry naming the traveler was removed, inserted or altered between them"
    )]
    LinkBroken {
        seq: u64,
        traveler: TravelerRef,
        expected: String,
        found: String,
    },
    #[error(
        "entry {seq} has encoding version 1 after version-2 entries (from entry {first_v2}): it was inserted or replaced by an old-format entry"
    )]
    VersionDowngrade { seq: u64, first_v2: u64 },
    #[error(
        "the version-1 head of size {size} (signed {at}) covers version-2 entry {first_v2}: heads signed since the traveler map commit to it"
    )]
    HeadDowngrade {
        size: u64,
        first_v2: u64,
        at: String,
    },
    #[error(
        "the traveler map rebuilt from entries {from} to {to} does not reproduce the head of size {size}'s map root (signed {at}): an entry naming travelers was altered, removed or reordered"
    )]
    MapMismatch {
        size: u64,
        from: u64,
        to: u64,
        at: String,
    },
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
            HeadMismatch { from, .. } | MapMismatch { from, .. } => Some(*from),
            LinkBroken { seq, .. } | VersionDowngrade { seq, .. } => Some(*seq),
            HeadDowngrade { first_v2, .. } => Some(*first_v2),
            Truncated { entries, .. } => Some(*entries),
            HeadSignature { .. } | HeadsInconsistent { .. } => None,
        }
    }
}

fn describe_previous(p: Option<&Previous>) -> String {
    match p {
        Some(p) => format!("entry {} ({})", p.seq, p.kind),
        None => "none (the traveler's first entry)".into(),
    }
}

/// What the audit rebuilds beside the frontier.
struct Rebuilt {
    frontier: Frontier,
    map: TravelerMap,
    first_v2: Option<u64>,
    last_good: u64,
}

/// The sequence number written inside a row's bytes, if they parse at all.
fn embedded_seq(row: &StoredEntry) -> Option<u64> {
    Entry::from_canonical(&row.canonical).ok().map(|e| e.seq)
}

/// Audits the log: `rows` in storage order (`ORDER BY seq`), `heads` every signed head the
/// caller has (stored ones and checkpoints held elsewhere, any order). Stops at the first
/// problem. Streams the rows: memory is O(log n + heads + travelers) (the traveler map).
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

    let mut log = Rebuilt {
        frontier: Frontier::new(),
        map: TravelerMap::new(),
        first_v2: None,
        last_good: 0,
    };
    let mut prev = GENESIS_PREV;
    let mut next_head = 0;
    // Heads of size 0 (an empty log) are checked before any row.
    check_heads(&heads, &mut next_head, &mut log)?;

    let mut rows = rows.into_iter().enumerate().peekable();
    while let Some((position, row)) = rows.next() {
        let i = log.frontier.size();
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
        check_links(&entry, &mut log)?;
        log.map
            .record_deferred(
                entry.body.travelers(),
                &Latest {
                    seq: i,
                    leaf_hash: row.leaf_hash,
                    kind: entry.body.kind().to_owned(),
                },
            )
            .expect("the audit's map is whole");
        log.frontier.push(row.leaf_hash);
        prev = row.leaf_hash;
        check_heads(&heads, &mut next_head, &mut log)?;
        each(entry);
    }

    let entries = log.frontier.size();
    log.map.flush();
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
        root: log.frontier.root(),
        heads_checked: heads.len(),
        signed_size,
        unsigned_tail: entries - signed_size,
        map_root: log.map.root(),
        travelers: log.map.len() as u64,
    })
}

/// The version order and, for a version-2 entry, every link against the rebuilt map.
fn check_links(entry: &Entry, log: &mut Rebuilt) -> Result<(), AuditProblem> {
    let Some(links) = &entry.links else {
        if let Some(first_v2) = log.first_v2 {
            return Err(AuditProblem::VersionDowngrade {
                seq: entry.seq,
                first_v2,
            });
        }
        return Ok(());
    };
    log.first_v2.get_or_insert(entry.seq);
    for (traveler, link) in entry.body.travelers().iter().zip(links) {
        let latest = log.map.latest(traveler).expect("the audit's map is whole");
        let same = match (latest, link) {
            (None, None) => true,
            (Some(l), Some(p)) => l.seq == p.seq && l.kind == p.kind,
            _ => false,
        };
        if !same {
            let expected = latest.map(|l| Previous {
                seq: l.seq,
                kind: l.kind.clone(),
            });
            return Err(AuditProblem::LinkBroken {
                seq: entry.seq,
                traveler: *traveler,
                expected: describe_previous(expected.as_ref()),
                found: describe_previous(link.as_ref()),
            });
        }
    }
    Ok(())
}

/// Compares every head whose size the frontier has just reached with the recomputed root and,
/// for version-2 heads, the rebuilt traveler map's root.
fn check_heads(
    heads: &[&SignedTreeHead],
    next: &mut usize,
    log: &mut Rebuilt,
) -> Result<(), AuditProblem> {
    let size = log.frontier.size();
    if heads.get(*next).is_none_or(|h| h.size != size) {
        return Ok(());
    }
    let root = log.frontier.root();
    log.map.flush();
    while let Some(h) = heads.get(*next).filter(|h| h.size == size) {
        if h.root != root {
            return Err(AuditProblem::HeadMismatch {
                size,
                from: log.last_good,
                to: size.saturating_sub(1),
                at: h.at.to_string(),
            });
        }
        match (h.map_root, log.first_v2) {
            (Some(m), _) if m != log.map.root() => {
                return Err(AuditProblem::MapMismatch {
                    size,
                    from: log.last_good,
                    to: size.saturating_sub(1),
                    at: h.at.to_string(),
                });
            }
            (None, Some(first_v2)) => {
                return Err(AuditProblem::HeadDowngrade {
                    size,
                    first_v2,
                    at: h.at.to_string(),
                });
            }
            _ => {}
        }
        *next += 1;
    }
    log.last_good = size;
    Ok(())
}
