//! Audit bundles: one traveler's whole custody chain, checkable offline.
//!
//! `ledger proof --traveler ID --out bundle.json` writes a [`Bundle`]: every entry naming the
//! traveler's reference, each with an inclusion proof against one signed checkpoint, plus the
//! log's public key. [`check`] verifies it with nothing else — no database, no network: the
//! checkpoint's signature, every proof against the checkpoint's root, and that every entry is
//! canonical, in place and about that traveler. Entries are embedded as JSON strings holding
//! their exact canonical bytes, so re-indenting the bundle with any JSON tool keeps it valid.
//!
//! What a bundle cannot prove is that it is complete (that no entry about the traveler was left
//! out): that needs the whole log, i.e. `ledger verify`. It does flag gaps in the custody chain
//! itself — a hand-over whose giver is not the previous hand-over's receiver.

use crate::entry::{Body, Entry, EntryError, Party, TravelerRef, UtcMillis};
use crate::head::{HeadError, HeadVerifier, SignedTreeHead};
use crate::merkle::{Hash, MerkleError, ProofTree, leaf_hash, verify_inclusion};
use serde::{Deserialize, Serialize};

/// The `format` value of this version of the bundle.
pub const BUNDLE_FORMAT: &str = "closedloop-ledger-bundle/1";

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
    #[error("bundle format is {0:?}; this build reads {BUNDLE_FORMAT:?}: upgrade closedloop")]
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
        "the stored leaf hashes do not reproduce the signed root at size {size}: the stored log disagrees with its signed head"
    )]
    StoreDisagrees { size: u64 },
    #[error(
        "stored entry {index} does not hash to the stored leaf hash: the stored entry or its hash was altered"
    )]
    LeafMismatch { index: u64 },
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

/// What a bundle proves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleSummary {
    pub traveler: TravelerRef,
    pub public_key: String,
    pub tree_size: u64,
    pub root: Hash,
    pub signed_at: UtcMillis,
    pub entries: Vec<CheckedEntry>,
    pub hand_overs: usize,
    pub custody_breaks: Vec<CustodyBreak>,
}

impl Bundle {
    /// Builds the bundle of `traveler` against `head`. `tree` holds the stored leaf hashes (at
    /// least `head.size` of them); `entries` are the (index, canonical bytes) of every stored
    /// entry naming the traveler with index below `head.size`, in any order.
    pub fn build(
        traveler: TravelerRef,
        head: &SignedTreeHead,
        verifier: &HeadVerifier,
        tree: &ProofTree,
        entries: impl IntoIterator<Item = (u64, Vec<u8>)>,
    ) -> Result<Bundle, BundleError> {
        verifier.verify(head).map_err(BundleError::Checkpoint)?;
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
        Ok(Bundle {
            format: BUNDLE_FORMAT.to_owned(),
            traveler,
            public_key: verifier.to_note_key(),
            checkpoint: head.to_checkpoint(),
            entries: out,
        })
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
    if bundle.format != BUNDLE_FORMAT {
        return Err(BundleError::Format(bundle.format.clone()));
    }
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
    if bundle.entries.is_empty() {
        return Err(BundleError::NoEntries);
    }

    let mut checked = Vec::with_capacity(bundle.entries.len());
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
        verify_inclusion(
            be.index,
            head.size,
            &leaf_hash(be.entry.as_bytes()),
            &be.proof,
            &head.root,
        )
        .map_err(|source| BundleError::Proof {
            index: be.index,
            size: head.size,
            source,
        })?;
        checked.push(CheckedEntry {
            index: be.index,
            at: entry.at,
            kind: entry.body.kind(),
            body: entry.body,
        });
    }

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
        entries: checked,
        hand_overs,
        custody_breaks,
    })
}
