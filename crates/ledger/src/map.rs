//! The traveler map: every traveler's latest entry, which each version-2 signed tree head
//! commits to, so that an audit bundle can prove it holds the traveler's whole chain.
//!
//! **What it maps.** A [`TravelerRef`] to its [`Latest`] record: the sequence number, leaf hash
//! and kind of the last entry naming that traveler. With the per-traveler links of version-2
//! entries ([`crate::Entry::links`]), the latest record is where a traveler's chain starts when
//! walked backwards; a bundle holding every entry from there down the links is complete.
//!
//! **Shape.** A sparse Merkle tree keyed by the reference, cut at 16 bits: the first two bytes
//! of the reference (a keyed hash, so uniformly spread) pick one of 65,536 *buckets*; above the
//! buckets stand four levels of 16-ary nodes (4,096, 256, 16 and the root). Hashes, all SHA-256
//! with a one-byte domain prefix distinct from the log's `0x00` (leaf) and `0x01` (node):
//!
//! - record: `H(0x10 || traveler ref (32) || seq (u64 big-endian) || leaf hash (32) || kind)`;
//! - bucket: `H(0x11 || ref_1 || record_1 || ref_2 || record_2 || …)` over the bucket's travelers
//!   sorted by reference (an empty bucket is `H(0x11)`);
//! - node: `H(0x12 || child_0 || … || child_15)`, children in slot order: at the lowest node
//!   level the children are buckets, at the others nodes one level down; the root is the node
//!   of level 0. The slot of bucket `b` (`0..65,536`) is nibble `3 - l` of `b` at level `l`.
//!
//! **Why this shape.** An append changes the records of the travelers it names, then one bucket
//! hash and four node hashes per touched bucket, whatever the number of travelers: O(1) in the
//! map's size (O(log n) with a fixed base). The storage layer keeps the records and the
//! 16-child nodes as rows and loads, per append, only the touched buckets and the four nodes
//! above each ([`TravelerMap::partial`]), which it checks against the stored root before use.
//! A proof ([`MapProof`]) is the traveler's record, the references and record hashes of the
//! other travelers in the bucket (never their sequence numbers or kinds), and the 15 sibling
//! hashes at each of the four levels. Buckets hold about three travelers each at 200,000.

use crate::entry::{EntryError, TravelerRef};
use crate::merkle::Hash;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

/// Children per node.
pub const FANOUT: usize = 16;
/// Node levels above the buckets (level 0 is the root).
pub const LEVELS: usize = 4;
/// Number of buckets: `FANOUT ^ LEVELS`.
pub const BUCKETS: u32 = 1 << 16;
/// Nodes in a full tree: 1 + 16 + 256 + 4,096.
pub const NODES: u32 = 4_369;

const RECORD_PREFIX: u8 = 0x10;
const BUCKET_PREFIX: u8 = 0x11;
const NODE_PREFIX: u8 = 0x12;

/// The 16 child hashes of a node.
pub type Children = [Hash; FANOUT];

/// Why a map view could not be used or a proof does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    #[error(
        "the traveler map is not loaded for traveler {0}: the storage layer loads the buckets of every traveler a batch names before appending"
    )]
    NotLoaded(TravelerRef),
    #[error(
        "the stored traveler map disagrees with itself or with the ledger state ({0}): its rows were edited"
    )]
    Disagrees(String),
    #[error("traveler map proof is malformed: {0}")]
    Malformed(String),
}

/// A traveler's latest entry, as the map holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Latest {
    pub seq: u64,
    pub leaf_hash: Hash,
    /// The entry's kind (`hand_over`, `incident`, …), so a missing one can be named.
    pub kind: String,
}

impl Latest {
    /// The record hash of `traveler`'s latest entry (see the module docs).
    pub fn record_hash(&self, traveler: &TravelerRef) -> Hash {
        let mut h = Sha256::new();
        h.update([RECORD_PREFIX]);
        h.update(traveler.0);
        h.update(self.seq.to_be_bytes());
        h.update(self.leaf_hash.0);
        h.update(self.kind.as_bytes());
        Hash(h.finalize().into())
    }
}

/// Checks the form of an entry kind named by a link or a map record: 1–40 lower-case ASCII
/// letters and underscores, as [`crate::Body::kind`] writes them.
pub fn check_kind(field: &'static str, kind: &str) -> Result<(), EntryError> {
    if (1..=40).contains(&kind.len()) && kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
        Ok(())
    } else {
        Err(EntryError::Invalid {
            field,
            problem: format!(
                "{:?} is not an entry kind: expected lower-case letters and `_`, as `hand_over`",
                kind.chars().take(50).collect::<String>()
            ),
        })
    }
}

/// The bucket of a traveler: the first two bytes of the reference.
pub fn bucket_of(traveler: &TravelerRef) -> u16 {
    u16::from_be_bytes([traveler.0[0], traveler.0[1]])
}

fn first_ref(bucket: u16) -> TravelerRef {
    let mut r = [0u8; 32];
    r[..2].copy_from_slice(&bucket.to_be_bytes());
    TravelerRef(r)
}

fn last_ref(bucket: u16) -> TravelerRef {
    let mut r = [0xffu8; 32];
    r[..2].copy_from_slice(&bucket.to_be_bytes());
    TravelerRef(r)
}

/// The id of node `index` of `level`: levels are numbered in a row, root first
/// (`0`, then `1..=16`, `17..=272`, `273..=4368`).
pub fn node_id(level: usize, index: u32) -> u32 {
    debug_assert!(level < LEVELS && index < 1 << (4 * level));
    ((1u32 << (4 * level)) - 1) / 15 + index
}

/// `(level, index)` of a node id.
pub fn node_position(id: u32) -> Option<(usize, u32)> {
    (0..LEVELS).rev().find_map(|level| {
        let first = node_id(level, 0);
        (id >= first && id - first < 1 << (4 * level)).then(|| (level, id - first))
    })
}

/// The node of `level` above `bucket`, and the slot in it that leads to the bucket.
fn path_step(bucket: u16, level: usize) -> (u32, usize) {
    let b = u32::from(bucket);
    let index = b >> (4 * (LEVELS - level));
    let slot = (b >> (4 * (LEVELS - 1 - level))) & 0xf;
    (node_id(level, index), slot as usize)
}

/// Every node id on the paths from `buckets` to the root: what [`TravelerMap::partial`] needs.
pub fn path_nodes(buckets: &BTreeSet<u16>) -> BTreeSet<u32> {
    buckets
        .iter()
        .flat_map(|b| (0..LEVELS).map(move |l| path_step(*b, l).0))
        .collect()
}

fn bucket_hash<'a>(records: impl Iterator<Item = (&'a TravelerRef, Hash)>) -> Hash {
    let mut h = Sha256::new();
    h.update([BUCKET_PREFIX]);
    for (r, record) in records {
        h.update(r.0);
        h.update(record.0);
    }
    Hash(h.finalize().into())
}

fn node_hash(children: &Children) -> Hash {
    let mut h = Sha256::new();
    h.update([NODE_PREFIX]);
    for c in children {
        h.update(c.0);
    }
    Hash(h.finalize().into())
}

/// `empties()[l]`: the hash of an empty node of level `l`; `empties()[LEVELS]`: an empty bucket.
fn empties() -> &'static [Hash; LEVELS + 1] {
    static E: OnceLock<[Hash; LEVELS + 1]> = OnceLock::new();
    E.get_or_init(|| {
        let mut e = [Hash::default(); LEVELS + 1];
        e[LEVELS] = bucket_hash(std::iter::empty());
        for l in (0..LEVELS).rev() {
            e[l] = node_hash(&[e[l + 1]; FANOUT]);
        }
        e
    })
}

/// The root of the map of no traveler.
pub fn empty_root() -> Hash {
    empties()[0]
}

fn empty_children(level: usize) -> Children {
    [empties()[level + 1]; FANOUT]
}

/// The rows an append changed, for the storage layer to write.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MapChanges {
    pub records: Vec<(TravelerRef, Latest)>,
    pub nodes: Vec<(u32, Children)>,
}

/// The map, whole (built in memory from the log) or a view of some buckets (loaded from the
/// storage layer for one append). See the module docs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TravelerMap {
    records: BTreeMap<TravelerRef, Latest>,
    /// The buckets a view holds; `None` for a whole map.
    loaded: Option<BTreeSet<u16>>,
    /// By node id; `None` for a node with only empty children (or, in a view, one not loaded).
    nodes: Vec<Option<Box<Children>>>,
    root: Hash,
    /// What a view changed (a whole map's rows are all of it).
    changed_records: BTreeSet<TravelerRef>,
    changed_nodes: BTreeSet<u32>,
    /// Buckets recorded into since the last rehash (see [`TravelerMap::record_deferred`]).
    dirty: Vec<u16>,
}

impl Default for TravelerMap {
    fn default() -> Self {
        Self::new()
    }
}

impl TravelerMap {
    fn empty(loaded: Option<BTreeSet<u16>>, root: Hash) -> Self {
        TravelerMap {
            records: BTreeMap::new(),
            loaded,
            nodes: vec![None; NODES as usize],
            root,
            changed_records: BTreeSet::new(),
            changed_nodes: BTreeSet::new(),
            dirty: Vec::new(),
        }
    }

    /// The whole map of an empty log.
    pub fn new() -> Self {
        Self::empty(None, empty_root())
    }

    /// The whole map holding `records` (e.g. the stored rows, to compare with the entries).
    pub fn from_records(records: impl IntoIterator<Item = (TravelerRef, Latest)>) -> Self {
        let mut map = Self::new();
        map.records.extend(records);
        let buckets: Vec<u16> = map.records.keys().map(bucket_of).collect();
        map.rehash(buckets);
        map
    }

    /// A view of `buckets` only, from stored rows: every record of those buckets and the stored
    /// nodes on their paths (absent nodes are empty). Checks every bucket and node against the
    /// node above it and the root against `root` (the ledger state's), so an edited row is
    /// refused rather than built upon.
    pub fn partial(
        root: Hash,
        buckets: BTreeSet<u16>,
        records: impl IntoIterator<Item = (TravelerRef, Latest)>,
        nodes: impl IntoIterator<Item = (u32, Children)>,
    ) -> Result<Self, MapError> {
        let wanted = path_nodes(&buckets);
        let mut map = Self::empty(Some(buckets), root);
        let loaded = map.loaded.as_ref().expect("a view");
        for (r, latest) in records {
            if !loaded.contains(&bucket_of(&r)) {
                return Err(MapError::Disagrees(format!(
                    "a record of traveler {r} was read for a bucket not asked for"
                )));
            }
            map.records.insert(r, latest);
        }
        for (id, children) in nodes {
            if wanted.contains(&id) {
                map.nodes[id as usize] = Some(Box::new(children));
            }
        }
        for b in loaded {
            let (id, slot) = path_step(*b, LEVELS - 1);
            if map.bucket_hash(*b) != map.children(id, LEVELS - 1)[slot] {
                return Err(MapError::Disagrees(format!(
                    "the records of bucket {b:04x} do not hash to the stored node above them"
                )));
            }
        }
        for id in &wanted {
            let (level, _) = node_position(*id).expect("a path node");
            let hash = node_hash(&map.children(*id, level));
            let above = if level == 0 {
                root
            } else {
                let index = node_position(*id).expect("a path node").1;
                let parent = node_id(level - 1, index >> 4);
                map.children(parent, level - 1)[(index & 0xf) as usize]
            };
            if hash != above {
                return Err(MapError::Disagrees(if level == 0 {
                    "the stored root node does not hash to the ledger state's map root".into()
                } else {
                    format!("node {id} (level {level}) does not hash to the node above it")
                }));
            }
        }
        Ok(map)
    }

    /// A view holding no bucket: knows the root only (an appender restored from its state).
    pub fn unloaded(root: Hash) -> Self {
        TravelerMap {
            records: BTreeMap::new(),
            loaded: Some(BTreeSet::new()),
            nodes: Vec::new(),
            root,
            changed_records: BTreeSet::new(),
            changed_nodes: BTreeSet::new(),
            dirty: Vec::new(),
        }
    }

    /// Whether this is the whole map (not a view).
    pub fn is_whole(&self) -> bool {
        self.loaded.is_none()
    }

    /// The root the signed tree head commits to (after [`TravelerMap::flush`] if records were
    /// deferred).
    pub fn root(&self) -> Hash {
        debug_assert!(self.dirty.is_empty(), "deferred records not flushed");
        self.root
    }

    /// Travelers held (all of them in a whole map).
    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Every record held, by reference.
    pub fn records(&self) -> impl Iterator<Item = (&TravelerRef, &Latest)> {
        self.records.iter()
    }

    /// Every node held with a non-empty child, by id.
    pub fn nodes(&self) -> impl Iterator<Item = (u32, &Children)> {
        self.nodes
            .iter()
            .enumerate()
            .filter_map(|(id, c)| c.as_deref().map(|c| (id as u32, c)))
    }

    fn check_loaded(&self, traveler: &TravelerRef) -> Result<(), MapError> {
        match &self.loaded {
            Some(b) if !b.contains(&bucket_of(traveler)) => Err(MapError::NotLoaded(*traveler)),
            _ => Ok(()),
        }
    }

    /// The traveler's latest entry, `None` when no entry names them yet.
    pub fn latest(&self, traveler: &TravelerRef) -> Result<Option<&Latest>, MapError> {
        self.check_loaded(traveler)?;
        Ok(self.records.get(traveler))
    }

    /// Records `latest` as the latest entry of every one of `travelers`, then rehashes the
    /// touched buckets and the nodes above them once. Nothing changes on error.
    pub fn record(&mut self, travelers: &[TravelerRef], latest: &Latest) -> Result<(), MapError> {
        self.record_deferred(travelers, latest)?;
        self.flush();
        Ok(())
    }

    /// Like [`TravelerMap::record`], but leaves the rehashing to [`TravelerMap::flush`], so that
    /// many records between two roots (an audit between two heads) rehash each node once.
    /// [`TravelerMap::root`] is stale until then.
    pub fn record_deferred(
        &mut self,
        travelers: &[TravelerRef],
        latest: &Latest,
    ) -> Result<(), MapError> {
        for t in travelers {
            self.check_loaded(t)?;
        }
        let view = !self.is_whole();
        for t in travelers {
            self.records.insert(*t, latest.clone());
            if view {
                self.changed_records.insert(*t);
            }
            self.dirty.push(bucket_of(t));
        }
        Ok(())
    }

    /// Rehashes what [`TravelerMap::record_deferred`] touched.
    pub fn flush(&mut self) {
        let dirty = std::mem::take(&mut self.dirty);
        self.rehash(dirty);
    }

    fn children(&self, id: u32, level: usize) -> Children {
        self.nodes
            .get(id as usize)
            .and_then(|n| n.as_deref())
            .copied()
            .unwrap_or_else(|| empty_children(level))
    }

    fn bucket_hash(&self, bucket: u16) -> Hash {
        bucket_hash(
            self.records
                .range(first_ref(bucket)..=last_ref(bucket))
                .map(|(r, l)| (r, l.record_hash(r))),
        )
    }

    /// Recomputes `buckets` and every node above them, deepest first, each once.
    fn rehash(&mut self, mut buckets: Vec<u16>) {
        buckets.sort_unstable();
        buckets.dedup();
        if buckets.is_empty() {
            return;
        }
        // (position in the level below, its new hash), sorted by position.
        let mut below: Vec<(u32, Hash)> = buckets
            .iter()
            .map(|b| (u32::from(*b), self.bucket_hash(*b)))
            .collect();
        let view = !self.is_whole();
        for level in (0..LEVELS).rev() {
            let first = node_id(level, 0);
            let mut next: Vec<(u32, Hash)> = Vec::with_capacity(below.len());
            let mut i = 0;
            while i < below.len() {
                let index = below[i].0 >> 4;
                let id = first + index;
                let slot =
                    self.nodes[id as usize].get_or_insert_with(|| Box::new(empty_children(level)));
                while i < below.len() && below[i].0 >> 4 == index {
                    slot[(below[i].0 & 0xf) as usize] = below[i].1;
                    i += 1;
                }
                next.push((index, node_hash(slot)));
                if view {
                    self.changed_nodes.insert(id);
                }
            }
            below = next;
        }
        self.root = below[0].1;
    }

    /// The rows to write: for a view, the records and nodes it changed since it was loaded;
    /// for a whole map (a first write, e.g. the map of a version-1 log), all of them.
    pub fn take_changes(&mut self) -> MapChanges {
        if self.is_whole() {
            return MapChanges {
                records: self.records.iter().map(|(r, l)| (*r, l.clone())).collect(),
                nodes: self.nodes().map(|(id, c)| (id, *c)).collect(),
            };
        }
        let records = std::mem::take(&mut self.changed_records)
            .into_iter()
            .map(|r| (r, self.records[&r].clone()))
            .collect();
        let nodes = std::mem::take(&mut self.changed_nodes)
            .into_iter()
            .map(|id| {
                (
                    id,
                    *self.nodes[id as usize]
                        .as_deref()
                        .expect("changed nodes are held"),
                )
            })
            .collect();
        MapChanges { records, nodes }
    }

    /// The proof of `traveler`'s latest entry under [`TravelerMap::root`]; `None` when no
    /// entry names the traveler.
    pub fn proof(&self, traveler: &TravelerRef) -> Result<Option<MapProof>, MapError> {
        let Some(latest) = self.latest(traveler)?.cloned() else {
            return Ok(None);
        };
        let b = bucket_of(traveler);
        let neighbours = self
            .records
            .range(first_ref(b)..=last_ref(b))
            .filter(|(r, _)| *r != traveler)
            .map(|(r, l)| Neighbour {
                traveler: *r,
                record: l.record_hash(r),
            })
            .collect();
        let path = (0..LEVELS)
            .rev()
            .map(|level| {
                let (id, slot) = path_step(b, level);
                let children = self.children(id, level);
                children
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != slot)
                    .map(|(_, h)| *h)
                    .collect()
            })
            .collect();
        Ok(Some(MapProof {
            latest,
            neighbours,
            path,
        }))
    }
}

/// Another traveler of the proven traveler's bucket: their reference and record hash only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Neighbour {
    pub traveler: TravelerRef,
    pub record: Hash,
}

/// Proof that a traveler's latest entry is [`MapProof::latest`] under a map root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapProof {
    pub latest: Latest,
    /// The bucket's other travelers, sorted by reference.
    pub neighbours: Vec<Neighbour>,
    /// From the lowest node level up to the root: the 15 other children of the node on the
    /// path, in slot order.
    pub path: Vec<Vec<Hash>>,
}

impl MapProof {
    /// The map root this proof leads to for `traveler`; compare it with the signed head's.
    pub fn root(&self, traveler: &TravelerRef) -> Result<Hash, MapError> {
        let bad = |what: String| MapError::Malformed(what);
        check_kind("kind", &self.latest.kind).map_err(|e| bad(e.to_string()))?;
        let b = bucket_of(traveler);
        let mut members: Vec<(&TravelerRef, Hash)> = Vec::with_capacity(self.neighbours.len() + 1);
        members.push((traveler, self.latest.record_hash(traveler)));
        for n in &self.neighbours {
            if bucket_of(&n.traveler) != b {
                return Err(bad(format!(
                    "neighbour {} is not in the traveler's bucket",
                    n.traveler
                )));
            }
            members.push((&n.traveler, n.record));
        }
        members.sort_by_key(|(r, _)| **r);
        if members.windows(2).any(|w| w[0].0 == w[1].0) {
            return Err(bad("a traveler appears twice in the bucket".into()));
        }
        if self.path.len() != LEVELS || self.path.iter().any(|p| p.len() != FANOUT - 1) {
            return Err(bad(format!(
                "the path must have {LEVELS} levels of {} hashes",
                FANOUT - 1
            )));
        }
        let mut hash = bucket_hash(members.into_iter());
        for (step, siblings) in self.path.iter().enumerate() {
            let level = LEVELS - 1 - step;
            let slot = path_step(b, level).1;
            let mut children = [Hash::default(); FANOUT];
            let mut it = siblings.iter();
            for (i, c) in children.iter_mut().enumerate() {
                *c = if i == slot {
                    hash
                } else {
                    *it.next().expect("15 siblings")
                };
            }
            hash = node_hash(&children);
        }
        Ok(hash)
    }
}

#[cfg(test)]
mod tests;
