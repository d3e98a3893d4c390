//! Appending entries: numbering, chaining, canonical bytes, leaf hash and the running root.
//!
//! The storage layer keeps one [`Appender`] per log, persisted as [`Appender::state`] in the
//! same transaction as the rows it produced. Appending never reads earlier entries: it costs one
//! JSON encoding, one leaf hash and on average one node hash; the root costs O(log n). Each
//! entry also links every traveler it names to that traveler's previous entry and becomes their
//! latest in the traveler map ([`crate::map`]): one bucket and four node hashes per touched
//! bucket, whatever the number of travelers.
//!
//! A batch, in the storage layer's transaction:
//!
//! ```
//! # use closedloop_ledger::*;
//! # fn rows() -> Vec<Body> { vec![] }
//! # fn load_view(root: Hash, bodies: &[Body]) -> TravelerMap { TravelerMap::new() }
//! # let signer = HeadSigner::new("closedloop.example/city", [1; 32]).unwrap();
//! # let mut appender = Appender::new();
//! let mut next = appender.clone(); // the stored state until the commit succeeds
//! let bodies = rows();
//! // Read the stored map rows of the buckets of every traveler the bodies name:
//! next.attach_map(load_view(next.map_root().unwrap(), &bodies)).unwrap();
//! for body in bodies {
//!     let a = next.append(UtcMillis::now(), body).unwrap();
//!     // INSERT (a.seq, a.canonical, a.leaf_hash) and the entry's traveler refs
//! }
//! let head = next.sign_head(&signer, UtcMillis::now());
//! let changes = next.take_map_changes();
//! // UPSERT the changed map records and nodes; INSERT the head; UPDATE the stored state to
//! // next.state(); COMMIT; then:
//! appender = next;
//! ```

use crate::audit::StoredEntry;
use crate::entry::{Body, Entry, EntryError, Previous, UtcMillis};
use crate::head::{HeadSigner, SignedTreeHead};
use crate::map::{Latest, MapChanges, MapError, TravelerMap};
use crate::merkle::{Frontier, HASH_LEN, Hash, MerkleError, leaf_hash};

/// `prev` of entry 0: there is no earlier entry.
pub const GENESIS_PREV: Hash = Hash([0; HASH_LEN]);

/// One appended entry, ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appended {
    pub seq: u64,
    pub entry: Entry,
    pub canonical: Vec<u8>,
    pub leaf_hash: Hash,
}

/// The tail of the log needed to append: the frontier, the last leaf hash and the traveler map
/// (whole in memory, or the storage layer's view of the buckets a batch touches).
///
/// Two appenders are equal when their [`Appender::state`] is: same log, same map root,
/// whatever part of the map each holds in memory.
#[derive(Clone, Debug)]
pub struct Appender {
    frontier: Frontier,
    last_leaf: Hash,
    /// `None` when restored from a version-1 state: the map has yet to be built from the log
    /// ([`Appender::attach_map`] with [`TravelerMap::from_records`]).
    map: Option<TravelerMap>,
}

impl PartialEq for Appender {
    fn eq(&self, other: &Self) -> bool {
        self.state() == other.state()
    }
}

impl Eq for Appender {}

impl Default for Appender {
    fn default() -> Self {
        Self::new()
    }
}

/// Format tag of [`Appender::state`] before the traveler map (no map root).
const STATE_MAGIC_V1: &[u8; 4] = b"CLA1";
/// Format tag of [`Appender::state`] since: `"CLA2" || last leaf || map root || frontier`.
const STATE_MAGIC: &[u8; 4] = b"CLA2";

impl Appender {
    /// The appender of an empty log.
    pub fn new() -> Self {
        Appender {
            frontier: Frontier::new(),
            last_leaf: GENESIS_PREV,
            map: Some(TravelerMap::new()),
        }
    }

    /// Rebuilds the appender from every stored leaf hash, in order. It knows no traveler map:
    /// attach one ([`Appender::attach_map`]) before appending, or use [`Appender::rebuild`].
    pub fn from_leaves(leaves: &[Hash]) -> Self {
        Appender {
            frontier: Frontier::from_leaves(leaves),
            last_leaf: leaves.last().copied().unwrap_or(GENESIS_PREV),
            map: None,
        }
    }

    /// Rebuilds the appender, whole traveler map included, from every stored entry in order
    /// (when the state is lost). Trusts the rows: run the audit first.
    pub fn rebuild(rows: impl IntoIterator<Item = StoredEntry>) -> Result<Self, EntryError> {
        let mut a = Appender::new();
        let map = a.map.as_mut().expect("a new appender has a map");
        for row in rows {
            let entry = Entry::from_canonical(&row.canonical)?;
            map.record_deferred(
                entry.body.travelers(),
                &Latest {
                    seq: entry.seq,
                    leaf_hash: row.leaf_hash,
                    kind: entry.body.kind().to_owned(),
                },
            )?;
            a.frontier.push(row.leaf_hash);
            a.last_leaf = row.leaf_hash;
        }
        map.flush();
        Ok(a)
    }

    /// The bytes to persist: `"CLA2" || last leaf hash || map root || frontier bytes`
    /// (`"CLA1"` without the map root while no map is attached).
    pub fn state(&self) -> Vec<u8> {
        let mut out = match &self.map {
            Some(_) => STATE_MAGIC.to_vec(),
            None => STATE_MAGIC_V1.to_vec(),
        };
        out.extend_from_slice(&self.last_leaf.0);
        if let Some(m) = &self.map {
            out.extend_from_slice(&m.root().0);
        }
        out.extend(self.frontier.to_bytes());
        out
    }

    /// Restores an appender from [`Appender::state`] bytes. Its map is only the root (a
    /// version-1 state: none); the storage layer attaches a view before appending.
    pub fn restore(state: &[u8]) -> Result<Self, MerkleError> {
        let bad = |what: &str| MerkleError::BadFrontier { what: what.into() };
        let tag = state.get(..4);
        let v2 = tag == Some(STATE_MAGIC);
        if !(v2 || tag == Some(STATE_MAGIC_V1)) {
            return Err(bad(
                "the ledger state does not start with the CLA1 or CLA2 tag",
            ));
        }
        let fixed = 4 + HASH_LEN * if v2 { 2 } else { 1 };
        if state.len() < fixed {
            return Err(bad("the ledger state is too short for its hashes"));
        }
        let hash_at = |i: usize| Hash(state[i..i + HASH_LEN].try_into().expect("32 bytes"));
        let last_leaf = hash_at(4);
        let map = v2.then(|| TravelerMap::unloaded(hash_at(4 + HASH_LEN)));
        let frontier = Frontier::from_bytes(&state[fixed..])?;
        if (frontier.size() == 0) != (last_leaf == GENESIS_PREV) {
            return Err(bad("the last leaf hash does not fit the tree size"));
        }
        Ok(Appender {
            frontier,
            last_leaf,
            map,
        })
    }

    /// Number of entries so far; also the `seq` the next entry gets.
    pub fn size(&self) -> u64 {
        self.frontier.size()
    }

    /// The root of the log so far.
    pub fn root(&self) -> Hash {
        self.frontier.root()
    }

    /// The leaf hash of the last entry ([`GENESIS_PREV`] when empty).
    pub fn last_leaf(&self) -> Hash {
        self.last_leaf
    }

    /// The traveler map's root; `None` until a map is attached to a version-1 appender.
    pub fn map_root(&self) -> Option<Hash> {
        self.map.as_ref().map(TravelerMap::root)
    }

    /// The traveler map (or view) held, if any.
    pub fn map(&self) -> Option<&TravelerMap> {
        self.map.as_ref()
    }

    /// Attaches the map to append with: a view of the buckets a batch touches (whose root must
    /// be this appender's), or — for a version-1 appender — the whole map built from the log.
    pub fn attach_map(&mut self, map: TravelerMap) -> Result<(), MapError> {
        if let Some(root) = self.map_root()
            && root != map.root()
        {
            return Err(MapError::Disagrees(format!(
                "the traveler map loaded has root {} but the ledger state says {}",
                map.root().short(),
                root.short()
            )));
        }
        self.map = Some(map);
        Ok(())
    }

    /// The map rows to write after an append batch ([`TravelerMap::take_changes`]); the
    /// appender then keeps only the map's root, as [`Appender::restore`] gives it (the stored
    /// rows are the map from then on).
    pub fn take_map_changes(&mut self) -> MapChanges {
        let Some(map) = &mut self.map else {
            return MapChanges::default();
        };
        let changes = map.take_changes();
        *map = TravelerMap::unloaded(map.root());
        changes
    }

    /// Numbers, chains, links, normalizes, validates and encodes `body`, adds it to the tree
    /// and makes it its travelers' latest entry in the map. On error nothing changes.
    pub fn append(&mut self, at: UtcMillis, body: Body) -> Result<Appended, EntryError> {
        let map = self.map.as_ref().ok_or_else(|| {
            EntryError::Map(MapError::Disagrees(
                "no traveler map is attached to this version-1 appender: build it from the log first".into(),
            ))
        })?;
        let mut entry = Entry {
            seq: self.size(),
            at,
            prev: self.last_leaf,
            links: None,
            body,
        };
        entry.normalize();
        let links = entry
            .body
            .travelers()
            .iter()
            .map(|t| {
                Ok(map.latest(t)?.map(|l| Previous {
                    seq: l.seq,
                    kind: l.kind.clone(),
                }))
            })
            .collect::<Result<Vec<_>, MapError>>()?;
        entry.links = Some(links);
        entry.validate()?;
        let canonical = entry.to_canonical();
        let leaf = leaf_hash(&canonical);
        let latest = Latest {
            seq: entry.seq,
            leaf_hash: leaf,
            kind: entry.body.kind().to_owned(),
        };
        self.map
            .as_mut()
            .expect("checked above")
            .record(entry.body.travelers(), &latest)?;
        self.frontier.push(leaf);
        self.last_leaf = leaf;
        Ok(Appended {
            seq: entry.seq,
            entry,
            canonical,
            leaf_hash: leaf,
        })
    }

    /// Signs the current head (size, root and traveler map root) dated `at`: a version-2
    /// head, or version 1 for an appender with no map (which cannot have appended).
    pub fn sign_head(&self, signer: &HeadSigner, at: UtcMillis) -> SignedTreeHead {
        match self.map_root() {
            Some(m) => signer.sign_with_map(self.size(), self.root(), m, at),
            None => signer.sign(self.size(), self.root(), at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::sample_body;

    #[test]
    fn state_round_trips_and_appends_continue_identically() {
        let t = UtcMillis::from_unix_ms(1_000).unwrap();
        let mut a = Appender::new();
        let mut rows = Vec::new();
        for i in 0..11 {
            let x = a.append(t, sample_body(i)).unwrap();
            rows.push(StoredEntry {
                seq: x.seq,
                canonical: x.canonical,
                leaf_hash: x.leaf_hash,
            });
        }
        let leaves: Vec<Hash> = rows.iter().map(|r| r.leaf_hash).collect();
        let restored = Appender::restore(&a.state()).unwrap();
        assert_eq!(restored, a);
        assert_eq!(restored.map_root(), a.map_root());
        // Only the root came back: appending needs the map (the store attaches a view).
        let mut only_root = restored.clone();
        assert!(matches!(
            only_root.append(t, sample_body(99)),
            Err(EntryError::Map(_))
        ));
        assert_eq!(only_root, a);
        let mut b = Appender::rebuild(rows).unwrap();
        assert_eq!(b, a);
        let x = a.append(t, sample_body(99)).unwrap();
        let y = b.append(t, sample_body(99)).unwrap();
        assert_eq!(x, y);
        assert_eq!(x.entry.prev, leaves[10]);
        assert_eq!(x.seq, 11);
        // A log rebuilt from leaves alone keeps its root but has no map: it states version 1.
        let from_leaves = Appender::from_leaves(&leaves);
        assert_eq!(from_leaves.root(), restored.root());
        assert!(from_leaves.state().starts_with(b"CLA1"));
        assert_eq!(
            Appender::restore(&from_leaves.state()).unwrap(),
            from_leaves
        );
    }

    #[test]
    fn entries_link_each_traveler_to_their_previous_entry() {
        let t = UtcMillis::from_unix_ms(1_000).unwrap();
        let mut a = Appender::new();
        let mut last: std::collections::HashMap<crate::TravelerRef, (u64, &'static str)> =
            Default::default();
        for i in 0..40 {
            let x = a.append(t, sample_body(i)).unwrap();
            let links = x.entry.links.as_ref().unwrap();
            assert_eq!(links.len(), x.entry.body.travelers().len());
            for t in x.entry.body.travelers() {
                let expected = last.get(t).map(|(s, k)| (*s, k.to_string()));
                let link = x.entry.link(t).unwrap();
                assert_eq!(link.map(|p| (p.seq, p.kind.clone())), expected);
                last.insert(*t, (x.seq, x.entry.body.kind()));
            }
            assert_eq!(Entry::from_canonical(&x.canonical).unwrap(), x.entry);
            let head = a.sign_head(&HeadSigner::new("o", [1; 32]).unwrap(), t);
            assert_eq!(head.map_root, a.map_root());
        }
    }

    #[test]
    fn invalid_bodies_leave_the_appender_unchanged() {
        let t = UtcMillis::from_unix_ms(1_000).unwrap();
        let mut a = Appender::new();
        a.append(t, sample_body(0)).unwrap();
        let before = a.clone();
        let mut bad = sample_body(1);
        if let Body::HandOver(h) = &mut bad {
            h.to = h.from.clone();
        }
        assert!(a.append(t, bad).is_err());
        assert_eq!(a, before);
    }

    #[test]
    fn corrupt_state_is_refused() {
        assert!(Appender::restore(b"CLA1").is_err());
        assert!(Appender::restore(b"CLA2").is_err());
        assert!(Appender::restore(&Appender::new().state()[..40]).is_err());
        let mut s = Appender::new().state();
        s[4] = 1; // a last leaf for an empty log
        assert!(Appender::restore(&s).is_err());
    }
}
