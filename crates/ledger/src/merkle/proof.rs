//! Inclusion proofs (RFC 6962 §2.1.1 `PATH`, checked by RFC 9162 §2.1.3.2) and consistency
//! proofs (RFC 6962 §2.1.2 `PROOF`, checked by RFC 9162 §2.1.4.2).
//!
//! Proofs are built from the stored leaf hashes, never from entry bytes: the bytes may be long
//! and a purge never touches hashes. Verification needs only the proof, the leaf hash, the sizes
//! and the root(s) — no tree — so an auditor can check a bundle offline.

use super::{Hash, MerkleError, node_hash, split_point};

/// Every complete subtree hash of a tree, level by level, so that any number of proofs against
/// any size up to its own cost O(log² n) each after one O(n) build.
///
/// Why a cache rather than recomputing: a traveler's bundle needs one proof per entry that
/// mentions them; recomputing would cost a full pass over the log per proof. Memory is about
/// two hashes (64 bytes) per leaf — 6.4 MB for 100,000 entries.
#[derive(Clone, Debug)]
pub struct ProofTree {
    /// `levels[j][k]` is the root of the complete subtree over leaves `k·2^j .. (k+1)·2^j`.
    levels: Vec<Vec<Hash>>,
}

impl ProofTree {
    /// Builds the cache from the leaf hashes in log order (index 0 first).
    pub fn new(leaves: Vec<Hash>) -> Self {
        let mut levels = vec![leaves];
        loop {
            let below = levels.last().expect("at least the leaf level");
            if below.len() < 2 {
                break;
            }
            let next = below
                .chunks_exact(2)
                .map(|pair| node_hash(&pair[0], &pair[1]))
                .collect();
            levels.push(next);
        }
        ProofTree { levels }
    }

    /// Number of leaves held (the largest size proofs can be made for).
    pub fn size(&self) -> u64 {
        self.levels[0].len() as u64
    }

    /// The leaf hash at `index`.
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        self.levels[0].get(usize::try_from(index).ok()?).copied()
    }

    fn check_size(&self, size: u64) -> Result<(), MerkleError> {
        if size > self.size() {
            return Err(MerkleError::SizeTooLarge {
                size,
                available: self.size(),
            });
        }
        Ok(())
    }

    /// MTH of the leaves `lo .. hi` (`lo < hi <= self.size()`).
    fn range_hash(&self, lo: u64, hi: u64) -> Hash {
        let n = hi - lo;
        if n.is_power_of_two() && lo.is_multiple_of(n) {
            let level = n.trailing_zeros() as usize;
            return self.levels[level][(lo >> level) as usize];
        }
        let k = split_point(n);
        node_hash(&self.range_hash(lo, lo + k), &self.range_hash(lo + k, hi))
    }

    /// The root of the tree made of the first `size` leaves.
    pub fn root(&self, size: u64) -> Result<Hash, MerkleError> {
        self.check_size(size)?;
        Ok(if size == 0 {
            super::empty_root()
        } else {
            self.range_hash(0, size)
        })
    }

    /// `PATH(index, D[0:size])`: the audit path proving leaf `index` is in the tree of `size`.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, MerkleError> {
        self.check_size(size)?;
        if index >= size {
            return Err(MerkleError::IndexOutOfRange { index, size });
        }
        let mut out = Vec::new();
        self.path(index, 0, size, &mut out);
        Ok(out)
    }

    // Appends in the RFC's order: the deepest sibling first.
    fn path(&self, m: u64, lo: u64, hi: u64, out: &mut Vec<Hash>) {
        let n = hi - lo;
        if n == 1 {
            return;
        }
        let k = split_point(n);
        if m < lo + k {
            self.path(m, lo, lo + k, out);
            out.push(self.range_hash(lo + k, hi));
        } else {
            self.path(m, lo + k, hi, out);
            out.push(self.range_hash(lo, lo + k));
        }
    }

    /// `PROOF(old, D[0:new])`: proves the tree of `old` leaves is a prefix of the tree of `new`.
    /// Empty when `old` is 0 or equals `new` (nothing to prove).
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, MerkleError> {
        self.check_size(new)?;
        if old > new {
            return Err(MerkleError::SizesOutOfOrder { old, new });
        }
        let mut out = Vec::new();
        if old > 0 && old < new {
            self.subproof(old, 0, new, true, &mut out);
        }
        Ok(out)
    }

    fn subproof(&self, m: u64, lo: u64, hi: u64, whole: bool, out: &mut Vec<Hash>) {
        let n = hi - lo;
        if m == n {
            if !whole {
                out.push(self.range_hash(lo, hi));
            }
            return;
        }
        let k = split_point(n);
        if m <= k {
            self.subproof(m, lo, lo + k, whole, out);
            out.push(self.range_hash(lo + k, hi));
        } else {
            self.subproof(m - k, lo + k, hi, false, out);
            out.push(self.range_hash(lo, lo + k));
        }
    }
}

/// Bit length of `x` (0 for 0), as Go's `bits.Len64`.
fn bit_len(x: u64) -> u32 {
    64 - x.leading_zeros()
}

/// Number of hashes in an inclusion proof for `index` in a tree of `size` (`index < size`):
/// the levels where the paths to `index` and to the last leaf differ, plus the right border.
fn inclusion_len(index: u64, size: u64) -> usize {
    let inner = bit_len(index ^ (size - 1));
    let border = (index >> inner).count_ones();
    (inner + border) as usize
}

/// The root that `proof` leads to from `leaf` at `index` in a tree of `size` (RFC 9162
/// §2.1.3.2). Compare it with a signed root, or call [`verify_inclusion`].
pub fn root_from_inclusion_proof(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
) -> Result<Hash, MerkleError> {
    if index >= size {
        return Err(MerkleError::IndexOutOfRange { index, size });
    }
    let expected = inclusion_len(index, size);
    if proof.len() != expected {
        return Err(MerkleError::ProofLength {
            got: proof.len(),
            expected,
            size,
        });
    }
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s_n == 0 {
            // Unreachable after the length check; kept because it is the RFC's own guard.
            return Err(MerkleError::ProofLength {
                got: proof.len(),
                expected,
                size,
            });
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    debug_assert_eq!(s_n, 0, "length check guarantees the path reaches the root");
    Ok(r)
}

/// Checks that `leaf` is at `index` in the tree of `size` whose root is `root`.
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), MerkleError> {
    let computed = root_from_inclusion_proof(index, size, leaf, proof)?;
    if computed != *root {
        return Err(MerkleError::RootMismatch {
            computed,
            expected: *root,
        });
    }
    Ok(())
}

/// Checks that the tree of `old` leaves with root `old_root` is a prefix of the tree of `new`
/// leaves with root `new_root` (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), MerkleError> {
    if old > new {
        return Err(MerkleError::SizesOutOfOrder { old, new });
    }
    if old == new || old == 0 {
        if !proof.is_empty() {
            return Err(MerkleError::ProofLength {
                got: proof.len(),
                expected: 0,
                size: new,
            });
        }
        if old == new && old_root != new_root {
            return Err(MerkleError::RootMismatch {
                computed: *old_root,
                expected: *new_root,
            });
        }
        return Ok(());
    }
    // Expected length: the inclusion path of the old tree's last leaf in the new tree, minus the
    // levels below the old tree's lowest complete subtree, plus that subtree's own hash unless
    // the old tree is itself one complete subtree (then its root is the seed).
    let shift = old.trailing_zeros();
    let inner = bit_len((old - 1) ^ (new - 1)) - shift;
    let border = ((old - 1) >> bit_len((old - 1) ^ (new - 1))).count_ones();
    let old_is_complete = old == 1 << shift;
    let expected = (inner + border) as usize + usize::from(!old_is_complete);
    if proof.len() != expected {
        return Err(MerkleError::ProofLength {
            got: proof.len(),
            expected,
            size: new,
        });
    }

    // RFC 9162 §2.1.4.2, steps 2-7.
    let seeded: Vec<Hash>;
    let path: &[Hash] = if old_is_complete {
        seeded = std::iter::once(*old_root)
            .chain(proof.iter().copied())
            .collect();
        &seeded
    } else {
        proof
    };
    let (mut f_n, mut s_n) = (old - 1, new - 1);
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let (mut f_r, mut s_r) = (path[0], path[0]);
    for c in &path[1..] {
        if s_n == 0 {
            return Err(MerkleError::ProofLength {
                got: proof.len(),
                expected,
                size: new,
            });
        }
        if f_n & 1 == 1 || f_n == s_n {
            f_r = node_hash(c, &f_r);
            s_r = node_hash(c, &s_r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            s_r = node_hash(&s_r, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if f_r != *old_root {
        return Err(MerkleError::OldRootMismatch { old, new });
    }
    if s_r != *new_root || s_n != 0 {
        return Err(MerkleError::RootMismatch {
            computed: s_r,
            expected: *new_root,
        });
    }
    Ok(())
}
