//! RFC 6962 / RFC 9162 Merkle tree hashing, the compact range ("frontier") that appends in
//! O(log n), and inclusion / consistency proofs ([`proof`]).
//!
//! Hashing (RFC 9162 §2.1.1): the hash of an empty tree is SHA-256 of the empty string; a leaf
//! is `SHA-256(0x00 || data)`; an interior node is `SHA-256(0x01 || left || right)`; a tree of
//! `n > 1` leaves splits at `k`, the largest power of two smaller than `n`. The two prefixes keep
//! a leaf from ever being taken for a node (second-preimage resistance).

pub mod proof;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use std::fmt;

pub use proof::{ProofTree, root_from_inclusion_proof, verify_consistency, verify_inclusion};

/// Length of every hash in the log (SHA-256).
pub const HASH_LEN: usize = 32;

/// A SHA-256 value: a leaf hash, a node hash or a root. Hex in JSON and in messages.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Hash(pub [u8; HASH_LEN]);

impl Hash {
    pub fn as_bytes(&self) -> &[u8; HASH_LEN] {
        &self.0
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses 64 hex digits (either case).
    pub fn from_hex(text: &str) -> Result<Self, MerkleError> {
        let mut out = [0u8; HASH_LEN];
        hex::decode_to_slice(text.trim(), &mut out).map_err(|_| MerkleError::BadHex {
            text: text.chars().take(80).collect(),
        })?;
        Ok(Hash(out))
    }

    /// The first 8 hex digits, for messages that name a hash without flooding the screen.
    pub fn short(&self) -> String {
        hex::encode(&self.0[..4])
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl Serialize for Hash {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        crate::wire::hex32(&self.0, s)
    }
}

impl<'de> Deserialize<'de> for Hash {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::wire::with_str(d, |text| {
            // Only lower-case hex is canonical: entries are re-encoded and compared byte for
            // byte.
            if text.bytes().any(|b| b.is_ascii_uppercase()) {
                return Err(format!("hash {text:?} must be lower-case hex"));
            }
            Hash::from_hex(text).map_err(|e| e.to_string())
        })
    }
}

/// What can go wrong building or checking a tree, a frontier or a proof.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MerkleError {
    #[error("{text:?} is not a SHA-256 hash: expected 64 hex digits")]
    BadHex { text: String },
    #[error(
        "leaf index {index} is outside a tree of {size} leaves: ask for an index below the tree size"
    )]
    IndexOutOfRange { index: u64, size: u64 },
    #[error(
        "tree size {size} is larger than the {available} leaf hashes given: load the leaf hashes up to that size"
    )]
    SizeTooLarge { size: u64, available: u64 },
    #[error(
        "a consistency proof goes from an older (smaller) tree to a newer one, not from size {old} to {new}"
    )]
    SizesOutOfOrder { old: u64, new: u64 },
    #[error(
        "proof has {got} hashes where a tree of {size} leaves needs {expected}: the proof was truncated or padded"
    )]
    ProofLength {
        got: usize,
        expected: usize,
        size: u64,
    },
    #[error(
        "proof does not lead to the expected root (computed {computed}, expected {expected}): the leaf, the proof or the root was altered"
    )]
    RootMismatch { computed: Hash, expected: Hash },
    #[error(
        "consistency proof from size {old} to {new} does not reproduce the older root: the older head or the proof was altered"
    )]
    OldRootMismatch { old: u64, new: u64 },
    #[error("stored frontier is corrupt: {what}; rebuild it from the stored leaf hashes")]
    BadFrontier { what: String },
}

/// `SHA-256(0x00 || data)`: the hash of one log entry's canonical bytes.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(data);
    Hash(h.finalize().into())
}

/// `SHA-256(0x01 || left || right)`: the hash of an interior node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left.0);
    h.update(right.0);
    Hash(h.finalize().into())
}

/// `SHA-256("")`: the root of the empty tree.
pub fn empty_root() -> Hash {
    Hash(Sha256::digest([]).into())
}

/// The root (MTH) of a tree whose leaf hashes are `leaves`, in O(n) time and O(log n) space.
pub fn root_of(leaves: &[Hash]) -> Hash {
    let mut f = Frontier::new();
    for leaf in leaves {
        f.push(*leaf);
    }
    f.root()
}

/// The largest power of two strictly smaller than `n` (`n >= 2`): where RFC 6962 splits a tree.
pub(crate) fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// The compact range `[0, size)`: the roots of the complete subtrees that the RFC 6962 tree of
/// `size` leaves decomposes into, largest first (one per set bit of `size`).
///
/// Why: appending must not re-read the log. With the frontier stored beside the log, each append
/// costs one leaf hash plus on average one node hash, and the root costs at most log2(n) node
/// hashes — independent of how many entries the log already holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    nodes: Vec<Hash>,
}

/// Format tag of [`Frontier::to_bytes`], so a future layout is told apart instead of misread.
const FRONTIER_MAGIC: &[u8; 4] = b"CLF1";

impl Frontier {
    pub fn new() -> Self {
        Self::default()
    }

    /// The frontier of the tree whose leaf hashes are `leaves`.
    pub fn from_leaves(leaves: &[Hash]) -> Self {
        let mut f = Self::new();
        for leaf in leaves {
            f.push(*leaf);
        }
        f
    }

    /// Number of leaves appended so far (the tree size).
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The complete-subtree roots, largest (leftmost) first.
    pub fn nodes(&self) -> &[Hash] {
        &self.nodes
    }

    /// Appends one leaf hash: merges equal-sized subtrees like a binary counter's carries.
    pub fn push(&mut self, leaf: Hash) {
        let mut hash = leaf;
        let mut size = self.size;
        while size & 1 == 1 {
            let left = self.nodes.pop().expect("one node per set bit of size");
            hash = node_hash(&left, &hash);
            size >>= 1;
        }
        self.nodes.push(hash);
        self.size += 1;
    }

    /// The root of the tree so far: the subtree roots folded from the right.
    pub fn root(&self) -> Hash {
        let mut iter = self.nodes.iter().rev();
        match iter.next() {
            None => empty_root(),
            Some(last) => iter.fold(*last, |acc, left| node_hash(left, &acc)),
        }
    }

    /// `"CLF1" || size (u64 big-endian) || one 32-byte hash per set bit of size`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(12 + HASH_LEN * self.nodes.len());
        out.extend_from_slice(FRONTIER_MAGIC);
        out.extend_from_slice(&self.size.to_be_bytes());
        for n in &self.nodes {
            out.extend_from_slice(&n.0);
        }
        out
    }

    /// Restores a frontier written by [`Frontier::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, MerkleError> {
        let bad = |what: String| MerkleError::BadFrontier { what };
        if bytes.len() < 12 || &bytes[..4] != FRONTIER_MAGIC {
            return Err(bad("it does not start with the CLF1 tag and a size".into()));
        }
        let size = u64::from_be_bytes(bytes[4..12].try_into().expect("8 bytes"));
        let rest = &bytes[12..];
        let expected = size.count_ones() as usize;
        if rest.len() != expected * HASH_LEN {
            return Err(bad(format!(
                "size {size} needs {expected} hashes, found {} bytes of hashes",
                rest.len()
            )));
        }
        let nodes = rest
            .chunks_exact(HASH_LEN)
            .map(|c| Hash(c.try_into().expect("32 bytes")))
            .collect();
        Ok(Frontier { size, nodes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_point_is_largest_power_of_two_below() {
        assert_eq!(split_point(2), 1);
        assert_eq!(split_point(3), 2);
        assert_eq!(split_point(4), 2);
        assert_eq!(split_point(5), 4);
        assert_eq!(split_point(8), 4);
        assert_eq!(split_point(9), 8);
        assert_eq!(split_point(1 << 40), 1 << 39);
    }

    #[test]
    fn frontier_round_trips_through_bytes() {
        let leaves: Vec<Hash> = (0u8..13).map(|i| leaf_hash(&[i])).collect();
        let f = Frontier::from_leaves(&leaves);
        assert_eq!(f.nodes().len(), 3); // 13 = 8 + 4 + 1
        let back = Frontier::from_bytes(&f.to_bytes()).unwrap();
        assert_eq!(back, f);
        assert_eq!(back.root(), root_of(&leaves));
    }

    #[test]
    fn corrupt_frontier_bytes_are_refused() {
        let f = Frontier::from_leaves(&[leaf_hash(b"a"), leaf_hash(b"b"), leaf_hash(b"c")]);
        let mut bytes = f.to_bytes();
        bytes.pop();
        assert!(matches!(
            Frontier::from_bytes(&bytes),
            Err(MerkleError::BadFrontier { .. })
        ));
        assert!(Frontier::from_bytes(b"nope").is_err());
    }

    #[test]
    fn hash_hex_round_trips_and_rejects_upper_case_in_json() {
        let h = leaf_hash(b"x");
        assert_eq!(Hash::from_hex(&h.to_hex()).unwrap(), h);
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(serde_json::from_str::<Hash>(&json).unwrap(), h);
        let upper = json.to_uppercase();
        assert!(serde_json::from_str::<Hash>(&upper).is_err());
    }
}
