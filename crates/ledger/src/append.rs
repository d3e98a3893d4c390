//! Appending entries: numbering, chaining, canonical bytes, leaf hash and the running root.
//!
//! The storage layer keeps one [`Appender`] per log, persisted as [`Appender::state`] in the
//! same transaction as the rows it produced. Appending never reads earlier entries: it costs one
//! JSON encoding, one leaf hash and on average one node hash; the root costs O(log n).
//!
//! A batch, in the storage layer's transaction:
//!
//! ```
//! # use closedloop_ledger::*;
//! # fn rows() -> Vec<Body> { vec![] }
//! # let signer = HeadSigner::new("closedloop.example/city", [1; 32]).unwrap();
//! # let mut appender = Appender::new();
//! let mut next = appender.clone(); // the stored state until the commit succeeds
//! for body in rows() {
//!     let a = next.append(UtcMillis::now(), body).unwrap();
//!     // INSERT (a.seq, a.canonical, a.leaf_hash) and the entry's traveler refs
//! }
//! let head = next.sign_head(&signer, UtcMillis::now());
//! // INSERT the head; UPDATE the stored state to next.state(); COMMIT; then:
//! appender = next;
//! ```

use crate::entry::{Body, Entry, EntryError, UtcMillis};
use crate::head::{HeadSigner, SignedTreeHead};
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

/// The tail of the log needed to append: the frontier and the last leaf hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appender {
    frontier: Frontier,
    last_leaf: Hash,
}

impl Default for Appender {
    fn default() -> Self {
        Self::new()
    }
}

/// Format tag of [`Appender::state`].
const STATE_MAGIC: &[u8; 4] = b"CLA1";

impl Appender {
    /// The appender of an empty log.
    pub fn new() -> Self {
        Appender {
            frontier: Frontier::new(),
            last_leaf: GENESIS_PREV,
        }
    }

    /// Rebuilds the appender from every stored leaf hash, in order (when the state is lost or
    /// after `ledger verify` found it disagreeing with the rows).
    pub fn from_leaves(leaves: &[Hash]) -> Self {
        Appender {
            frontier: Frontier::from_leaves(leaves),
            last_leaf: leaves.last().copied().unwrap_or(GENESIS_PREV),
        }
    }

    /// The bytes to persist: `"CLA1" || last leaf hash || frontier bytes`.
    pub fn state(&self) -> Vec<u8> {
        let mut out = STATE_MAGIC.to_vec();
        out.extend_from_slice(&self.last_leaf.0);
        out.extend(self.frontier.to_bytes());
        out
    }

    /// Restores an appender from [`Appender::state`] bytes.
    pub fn restore(state: &[u8]) -> Result<Self, MerkleError> {
        if state.len() < 4 + HASH_LEN || &state[..4] != STATE_MAGIC {
            return Err(MerkleError::BadFrontier {
                what: "the ledger state does not start with the CLA1 tag and a hash".into(),
            });
        }
        let last_leaf = Hash(state[4..4 + HASH_LEN].try_into().expect("32 bytes"));
        let frontier = Frontier::from_bytes(&state[4 + HASH_LEN..])?;
        if (frontier.size() == 0) != (last_leaf == GENESIS_PREV) {
            return Err(MerkleError::BadFrontier {
                what: "the last leaf hash does not fit the tree size".into(),
            });
        }
        Ok(Appender {
            frontier,
            last_leaf,
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

    /// Numbers, chains, normalizes, validates and encodes `body`, and adds it to the tree.
    /// On error nothing changes.
    pub fn append(&mut self, at: UtcMillis, body: Body) -> Result<Appended, EntryError> {
        let mut entry = Entry {
            seq: self.size(),
            at,
            prev: self.last_leaf,
            body,
        };
        entry.normalize();
        entry.body.validate()?;
        let canonical = entry.to_canonical();
        let leaf = leaf_hash(&canonical);
        self.frontier.push(leaf);
        self.last_leaf = leaf;
        Ok(Appended {
            seq: entry.seq,
            entry,
            canonical,
            leaf_hash: leaf,
        })
    }

    /// Signs the current head (size and root) dated `at`.
    pub fn sign_head(&self, signer: &HeadSigner, at: UtcMillis) -> SignedTreeHead {
        signer.sign(self.size(), self.root(), at)
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
        let mut leaves = Vec::new();
        for i in 0..11 {
            leaves.push(a.append(t, sample_body(i)).unwrap().leaf_hash);
        }
        let mut b = Appender::restore(&a.state()).unwrap();
        assert_eq!(b, a);
        assert_eq!(Appender::from_leaves(&leaves), a);
        let x = a.append(t, sample_body(99)).unwrap();
        let y = b.append(t, sample_body(99)).unwrap();
        assert_eq!(x, y);
        assert_eq!(x.entry.prev, leaves[10]);
        assert_eq!(x.seq, 11);
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
        let mut s = Appender::new().state();
        s[4] = 1; // a last leaf for an empty log
        assert!(Appender::restore(&s).is_err());
    }
}
