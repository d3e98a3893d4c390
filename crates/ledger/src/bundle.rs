//! Audit bundles: one traveler's whole custody chain, checkable offline.
//!
//! `ledger proof --traveler ID --out bundle.json` writes a [`Bundle`]: every entry naming the
//! traveler's reference, each with an inclusion proof against one signed checkpoint, the proof
//! of the traveler's latest entry in the checkpoint's traveler map, and the log's public key.
//! [`check`] verifies it with nothing else — no database, no network: the checkpoint's
//! signature, every proof against the checkpoint's root, that every entry is canonical, in
//! place and about that traveler, and that the bundle is **complete**. Entries are embedded as
//! JSON strings holding their exact canonical bytes, so re-indenting the bundle with any JSON
//! tool keeps it valid.
//!
//! **Completeness (format 2).** The checkpoint (a version-2 head) commits to every traveler's
//! latest entry through the traveler map ([`crate::map`]); each version-2 entry links every
//! traveler it names to their previous entry ([`crate::Entry::links`]). The check starts at the
//! entry the map proof names as latest and follows the traveler's links back: each entry linked
//! to must be in the bundle, and no entry in the bundle may stand outside the chain. A bundle
//! with any entry removed fails, naming it — `entry 41 (hand_over) is missing: entry 57 links
//! to it as the traveler's previous entry`. The walk ends at the traveler's first entry (the
//! chain is complete) or at a version-1 entry, written before the links existed: then the
//! bundle is complete from that entry on, and the summary says so ([`Completeness`]).
//!
//! **Format 1** bundles (from version-1 checkpoints, before the traveler map) still check as
//! they always did, with completeness [`Completeness::Unproven`]. A format-1 bundle against a
//! version-2 checkpoint is refused: stripping the map proof must not hide a removed entry.
//! Either way a bundle also flags gaps in the custody chain itself — a hand-over whose giver is
//! not the previous hand-over's receiver.

use crate::entry::{Body, Entry, EntryError, Party, TravelerRef, UtcMillis};
use crate::head::{HeadError, HeadVerifier, SignedTreeHead};
use crate::map::{MapError, MapProof};
use crate::merkle::{Hash, MerkleError, ProofTree, leaf_hash, verify_inclusion};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The `format` value of bundles written now (with the traveler map proof).
pub const BUNDLE_FORMAT: &str = "closedloop-ledger-bundle/2";
/// The `format` of bundles against version-1 checkpoints, still read.
pub const BUNDLE_FORMAT_V1: &str = "closedloop-ledger-bundle/1";

/// An audit bundle (see the module docs). Stable JSON: field names are the format.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    pub format: String,
    pub traveler: TravelerRef,
    /// The log's note verifier key (`<origin>+<key id>+<base64 key>`).
    pub public_key: String,
    /// The checkpoint every proof is against, in the signed note format.
    pub checkpoint: String,
    pub entries: Vec<BundleEntry>,
    /// The traveler's latest entry under the checkpoint's traveler map (format 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traveler_map: Option<MapProof>,
}

/// One entry: its index (sequence number), its canonical bytes as text, its inclusion proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleEntry {
    pub index: u64,
    pub entry: String,
    pub proof: Vec<Hash>,
}

/// Why a bundle could not be built or does not check out. Each names the entry or part.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error("bundle is not JSON in the bundle format: {0}")]
    Json(String),
    #[error(
        "bundle format is {0:?}; this build reads {BUNDLE_FORMAT:?} and {BUNDLE_FORMAT_V1:?}: upgrade closedloop"
    )]
    Format(String),
    #[error("bundle public key: {0}")]
    Key(#[source] HeadError),
    #[error(
        "bundle is signed by {found}, not by the expected key {expected}: it comes from another log or was re-signed"
    )]
    KeyMismatch { expected: String, found: String },
    #[error("bundle checkpoint: {0}")]
    Checkpoint(#[source] HeadError),
    #[error("bundle holds no entries: the traveler has no entry up to this checkpoint")]
    NoEntries,
    #[error(
        "bundle entry at position {position} (index {index}) is out of log order or repeated: entries must be listed once each by increasing index"
    )]
    Order { position: usize, index: u64 },
    #[error(
        "entry {index} is beyond the checkpoint's {size} entries: it cannot be proven against it"
    )]
    BeyondHead { index: u64, size: u64 },
    #[error("entry {index} was altered: {source}")]
    Entry {
        index: u64,
        #[source]
        source: EntryError,
    },
    #[error("entry {index} carries sequence number {seq}: it was moved from another position")]
    SeqMismatch { index: u64, seq: u64 },
    #[error(
        "entry {index} does not name traveler {traveler}: it belongs to another traveler's chain"
    )]
    NotMentioning { index: u64, traveler: TravelerRef },
    #[error(
        "entry {index} is not in the signed log of size {size}: its inclusion proof fails ({source}); the entry or its proof was altered"
    )]
    Proof {
        index: u64,
        size: u64,
        #[source]
        source: MerkleError,
    },
    #[error(
        "the checkpoint commits to the traveler map but the bundle is format 1 without the map proof: it was downgraded, which would hide removed entries; ask the office for the bundle again"
    )]
    Downgraded,
    #[error(
        "a format-2 bundle needs a version-2 checkpoint (one with a traveler-map line) and the traveler map proof; this one lacks {0}"
    )]
    NoMap(&'static str),
    #[error(
        "entry {index} has encoding version 2 but the checkpoint is version 1: version-2 entries come after every version-1 head, so the checkpoint or the entry was swapped"
    )]
    NewerEntry { index: u64 },
    #[error("bundle traveler map proof: {0}")]
    MapProof(#[source] MapError),
    #[error(
        "the traveler map proof does not lead to the checkpoint's map root: the proof or the traveler's latest entry in it was altered, or it is another traveler's"
    )]
    MapMismatch,
    #[error(
        "entry {index} ({kind}) is missing: the signed head's traveler map names it as the traveler's latest entry; the bundle was cut short"
    )]
    MissingLatest { index: u64, kind: String },
    #[error(
        "entry {index} ({kind}) is missing: entry {linked_from} links to it as the traveler's previous entry; the bundle was cut"
    )]
    MissingLinked {
        index: u64,
        kind: String,
        linked_from: u64,
    },
    #[error(
        "entry {index} is not the entry the traveler map names as the traveler's latest (a {kind} with another leaf hash): the entry or the map proof was altered"
    )]
    LatestMismatch { index: u64, kind: String },
    #[error(
        "entry {index} names the traveler after entry {latest}, their latest under the signed head: the log's traveler map is wrong; run ledger verify on the office's log"
    )]
    AfterLatest { index: u64, latest: u64 },
    #[error(
        "entry {linked_from} links to entry {index} as a {expected} but entry {index} is a {found}: the entry or the link was altered"
    )]
    LinkKind {
        index: u64,
        linked_from: u64,
        expected: String,
        found: String,
    },
    #[error(
        "entry {index} names the traveler but none of the traveler's links leads to it: the log's chain skips it; run ledger verify on the office's log"
    )]
    NotInChain { index: u64 },
    #[error(
        "the stored leaf hashes do not reproduce the signed root at size {size}: the stored log disagrees with its signed head"
    )]
    StoreDisagrees { size: u64 },
    #[error(
        "stored entry {index} does not hash to the stored leaf hash: the stored entry or its hash was altered"
    )]
    LeafMismatch { index: u64 },
}

impl BundleError {
    /// The entry a bundle lacks, when that is the problem.
    pub fn missing_entry(&self) -> Option<u64> {
        match self {
            BundleError::MissingLatest { index, .. } | BundleError::MissingLinked { index, .. } => {
                Some(*index)
            }
            _ => None,
        }
    }
}

/// One line of a checked bundle's summary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedEntry {
    pub index: u64,
    pub at: UtcMillis,
    pub kind: &'static str,
    pub body: Body,
}

/// A hand-over whose giver is not the receiver of the traveler's previous hand-over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustodyBreak {
    pub index: u64,
    pub previous_receiver: Party,
    pub giver: Party,
}

/// Whether the bundle is proven to hold every entry naming the traveler up to its checkpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Completeness {
    /// Every entry, from the traveler's first.
    Complete,
    /// Every entry from `from` on; the earlier ones are version 1, written before entries
    /// linked travelers, and may or may not all be there.
    CompleteFrom { from: u64 },
    /// A format-1 bundle (version-1 checkpoint): completeness cannot be proven.
    Unproven,
}

/// What a bundle proves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleSummary {
    pub traveler: TravelerRef,
    pub public_key: String,
    pub tree_size: u64,
    pub root: Hash,
    pub signed_at: UtcMillis,
    /// The checkpoint's traveler map root (version-2 checkpoints).
    pub map_root: Option<Hash>,
    pub entries: Vec<CheckedEntry>,
    pub hand_overs: usize,
    pub custody_breaks: Vec<CustodyBreak>,
    pub completeness: Completeness,
}

impl Bundle {
    /// Builds the bundle of `traveler` against `head`. `tree` holds the stored leaf hashes (at
    /// least `head.size` of them); `entries` are the (index, canonical bytes) of every stored
    /// entry naming the traveler with index below `head.size`, in any order; `map` is the
    /// traveler's proof in the map at `head` (required for a version-2 head, which gives a
    /// format-2 bundle; ignored for a version-1 head). The bundle is checked before it is
    /// returned, so an entry the store failed to list is named here rather than by an auditor.
    pub fn build(
        traveler: TravelerRef,
        head: &SignedTreeHead,
        verifier: &HeadVerifier,
        tree: &ProofTree,
        entries: impl IntoIterator<Item = (u64, Vec<u8>)>,
        map: Option<MapProof>,
    ) -> Result<Bundle, BundleError> {
        verifier.verify(head).map_err(BundleError::Checkpoint)?;
        let traveler_map = match head.map_root {
            Some(_) => Some(map.ok_or(BundleError::NoMap("the traveler map proof"))?),
            None => None,
        };
        let root = tree
            .root(head.size)
            .map_err(|_| BundleError::StoreDisagrees { size: head.size })?;
        if root != head.root {
            return Err(BundleError::StoreDisagrees { size: head.size });
        }
        let mut rows: Vec<(u64, Vec<u8>)> = entries.into_iter().collect();
        rows.sort_by_key(|(i, _)| *i);
        rows.dedup_by_key(|(i, _)| *i);
        let mut out = Vec::with_capacity(rows.len());
        for (index, bytes) in rows {
            if index >= head.size {
                return Err(BundleError::BeyondHead {
                    index,
                    size: head.size,
                });
            }
            if tree.leaf(index) != Some(leaf_hash(&bytes)) {
                return Err(BundleError::LeafMismatch { index });
            }
            let text = String::from_utf8(bytes).map_err(|_| BundleError::Entry {
                index,
                source: EntryError::Unreadable("not UTF-8".into()),
            })?;
            check_entry(index, &text, &traveler)?;
            let proof =
                tree.inclusion_proof(index, head.size)
                    .map_err(|source| BundleError::Proof {
                        index,
                        size: head.size,
                        source,
                    })?;
            out.push(BundleEntry {
                index,
                entry: text,
                proof,
            });
        }
        if out.is_empty() {
            return Err(BundleError::NoEntries);
        }
        let bundle = Bundle {
            format: if traveler_map.is_some() {
                BUNDLE_FORMAT
            } else {
                BUNDLE_FORMAT_V1
            }
            .to_owned(),
            traveler,
            public_key: verifier.to_note_key(),
            checkpoint: head.to_checkpoint(),
            entries: out,
            traveler_map,
        };
        check_with_key(&bundle, verifier)?;
        Ok(bundle)
    }

    /// Pretty JSON, one field per line, for people as much as for `ledger check`.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("bundles hold only strings and integers")
    }

    pub fn from_json(text: &str) -> Result<Bundle, BundleError> {
        serde_json::from_str(text).map_err(|e| BundleError::Json(e.to_string()))
    }
}

/// Parses one entry and checks it sits at `index` and names `traveler`.
fn check_entry(index: u64, text: &str, traveler: &TravelerRef) -> Result<Entry, BundleError> {
    let entry = Entry::from_canonical(text.as_bytes())
        .map_err(|source| BundleError::Entry { index, source })?;
    if entry.seq != index {
        return Err(BundleError::SeqMismatch {
            index,
            seq: entry.seq,
        });
    }
    if !entry.mentions(traveler) {
        return Err(BundleError::NotMentioning {
            index,
            traveler: *traveler,
        });
    }
    Ok(entry)
}

/// Verifies a bundle offline against the public key it carries. Compare
/// [`BundleSummary::public_key`] with the key the office published, or use [`check_with_key`].
pub fn check(bundle: &Bundle) -> Result<BundleSummary, BundleError> {
    let verifier = HeadVerifier::from_note_key(&bundle.public_key).map_err(BundleError::Key)?;
    check_with_key(bundle, &verifier)
}

/// Verifies a bundle offline against a public key obtained independently.
pub fn check_with_key(
    bundle: &Bundle,
    verifier: &HeadVerifier,
) -> Result<BundleSummary, BundleError> {
    let v2 = match bundle.format.as_str() {
        BUNDLE_FORMAT => true,
        BUNDLE_FORMAT_V1 => false,
        other => return Err(BundleError::Format(other.to_owned())),
    };
    let expected = verifier.to_note_key();
    if bundle.public_key.trim() != expected {
        return Err(BundleError::KeyMismatch {
            expected,
            found: bundle.public_key.clone(),
        });
    }
    let head =
        SignedTreeHead::from_checkpoint(&bundle.checkpoint).map_err(BundleError::Checkpoint)?;
    verifier.verify(&head).map_err(BundleError::Checkpoint)?;
    let map = match (v2, head.map_root, &bundle.traveler_map) {
        (true, Some(root), Some(proof)) => Some((root, proof)),
        (true, None, _) => return Err(BundleError::NoMap("a version-2 checkpoint")),
        (true, Some(_), None) => return Err(BundleError::NoMap("the traveler map proof")),
        (false, Some(_), _) => return Err(BundleError::Downgraded),
        (false, None, _) => None,
    };
    if bundle.entries.is_empty() {
        return Err(BundleError::NoEntries);
    }

    let mut checked = Vec::with_capacity(bundle.entries.len());
    let mut parsed = BTreeMap::new();
    let mut last: Option<u64> = None;
    for (position, be) in bundle.entries.iter().enumerate() {
        if last.is_some_and(|l| be.index <= l) {
            return Err(BundleError::Order {
                position,
                index: be.index,
            });
        }
        last = Some(be.index);
        if be.index >= head.size {
            return Err(BundleError::BeyondHead {
                index: be.index,
                size: head.size,
            });
        }
        let entry = check_entry(be.index, &be.entry, &bundle.traveler)?;
        let leaf = leaf_hash(be.entry.as_bytes());
        verify_inclusion(be.index, head.size, &leaf, &be.proof, &head.root).map_err(|source| {
            BundleError::Proof {
                index: be.index,
                size: head.size,
                source,
            }
        })?;
        if map.is_none() && entry.version() > 1 {
            return Err(BundleError::NewerEntry { index: be.index });
        }
        checked.push(CheckedEntry {
            index: be.index,
            at: entry.at,
            kind: entry.body.kind(),
            body: entry.body.clone(),
        });
        parsed.insert(be.index, (entry, leaf));
    }

    let completeness = match map {
        Some((root, proof)) => complete(&bundle.traveler, root, proof, &parsed)?,
        None => Completeness::Unproven,
    };

    let mut hand_overs = 0;
    let mut custody_breaks = Vec::new();
    let mut receiver: Option<&Party> = None;
    for c in &checked {
        if let Body::HandOver(h) = &c.body {
            hand_overs += 1;
            if let Some(r) = receiver.filter(|r| **r != h.from) {
                custody_breaks.push(CustodyBreak {
                    index: c.index,
                    previous_receiver: r.clone(),
                    giver: h.from.clone(),
                });
            }
            receiver = Some(&h.to);
        }
    }
    Ok(BundleSummary {
        traveler: bundle.traveler,
        public_key: expected,
        tree_size: head.size,
        root: head.root,
        signed_at: head.at,
        map_root: head.map_root,
        entries: checked,
        hand_overs,
        custody_breaks,
        completeness,
    })
}

/// Proves the bundle holds the traveler's whole chain (see the module docs): from the latest
/// entry the map proof names under `root`, down the traveler's links, every entry is there and
/// nothing else is.
fn complete(
    traveler: &TravelerRef,
    root: Hash,
    proof: &MapProof,
    entries: &BTreeMap<u64, (Entry, Hash)>,
) -> Result<Completeness, BundleError> {
    if proof.root(traveler).map_err(BundleError::MapProof)? != root {
        return Err(BundleError::MapMismatch);
    }
    let latest = &proof.latest;
    if let Some((&index, _)) = entries.range(latest.seq + 1..).next() {
        return Err(BundleError::AfterLatest {
            index,
            latest: latest.seq,
        });
    }
    let Some((entry, leaf)) = entries.get(&latest.seq) else {
        return Err(BundleError::MissingLatest {
            index: latest.seq,
            kind: latest.kind.clone(),
        });
    };
    if *leaf != latest.leaf_hash || entry.body.kind() != latest.kind {
        return Err(BundleError::LatestMismatch {
            index: latest.seq,
            kind: latest.kind.clone(),
        });
    }
    // Walk the links back; every entry in the bundle above where the walk ends must be on it.
    let mut at = latest.seq;
    let mut walked = 1usize;
    let completeness = loop {
        let (entry, _) = &entries[&at];
        let Some(link) = entry.link(traveler) else {
            // Checked when the entry was read: it names the traveler; so it is version 1.
            break Completeness::CompleteFrom { from: at };
        };
        let Some(p) = link else {
            break Completeness::Complete;
        };
        let Some((before, _)) = entries.get(&p.seq) else {
            return Err(BundleError::MissingLinked {
                index: p.seq,
                kind: p.kind.clone(),
                linked_from: at,
            });
        };
        if before.body.kind() != p.kind {
            return Err(BundleError::LinkKind {
                index: p.seq,
                linked_from: at,
                expected: p.kind.clone(),
                found: before.body.kind().to_owned(),
            });
        }
        // Entries the walk jumped over name the traveler without being linked to.
        if let Some((&skipped, _)) = entries.range(p.seq + 1..at).next() {
            return Err(BundleError::NotInChain { index: skipped });
        }
        at = p.seq;
        walked += 1;
    };
    if completeness == Completeness::Complete
        && let Some((&index, _)) = entries.range(..at).next()
    {
        return Err(BundleError::NotInChain { index });
    }
    debug_assert!(walked <= entries.len());
    Ok(completeness)
}
