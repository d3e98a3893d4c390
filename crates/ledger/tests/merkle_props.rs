//! Property tests of the Merkle layer, and differential tests against the `ct-merkle` crate (an
//! independent RFC 6962 implementation): same roots, same proofs, byte for byte.

use closedloop_ledger::merkle::{
    Frontier, Hash, ProofTree, leaf_hash, root_of, verify_consistency, verify_inclusion,
};
use ct_merkle::mem_backed_tree::MemoryBackedTree;
use proptest::prelude::*;
use sha2::Sha256;

fn items(n: usize, salt: u8) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let mut v = (i as u32).to_be_bytes().to_vec();
            v.push(salt);
            v.extend(std::iter::repeat_n(salt, i % 5));
            v
        })
        .collect()
}

fn reference(items: &[Vec<u8>]) -> MemoryBackedTree<Sha256, Vec<u8>> {
    let mut t = MemoryBackedTree::new();
    for it in items {
        t.push(it.clone());
    }
    t
}

fn as_bytes(proof: &[Hash]) -> Vec<u8> {
    proof.iter().flat_map(|h| h.0).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_inclusion_proof_verifies_and_matches_ct_merkle(n in 1usize..200, salt: u8) {
        let items = items(n, salt);
        let leaves: Vec<Hash> = items.iter().map(|i| leaf_hash(i)).collect();
        let tree = ProofTree::new(leaves.clone());
        let reference = reference(&items);
        let root = tree.root(n as u64).unwrap();
        let their_root = reference.root();
        prop_assert_eq!(root.0.as_slice(), their_root.as_bytes().as_slice());
        prop_assert_eq!(root, root_of(&leaves));
        for (index, leaf) in leaves.iter().enumerate() {
            let proof = tree.inclusion_proof(index as u64, n as u64).unwrap();
            let theirs = reference.prove_inclusion(index);
            prop_assert_eq!(as_bytes(&proof), theirs.as_bytes());
            prop_assert!(verify_inclusion(index as u64, n as u64, leaf, &proof, &root).is_ok());
        }
    }

    #[test]
    fn proofs_for_smaller_trees_verify_against_their_roots(
        n in 2usize..300, size_seed: u64, index_seed: u64
    ) {
        let leaves: Vec<Hash> = items(n, 1).iter().map(|i| leaf_hash(i)).collect();
        let tree = ProofTree::new(leaves.clone());
        let size = 1 + size_seed % n as u64;
        let index = index_seed % size;
        let root = root_of(&leaves[..size as usize]);
        prop_assert_eq!(tree.root(size).unwrap(), root);
        let proof = tree.inclusion_proof(index, size).unwrap();
        prop_assert!(verify_inclusion(index, size, &leaves[index as usize], &proof, &root).is_ok());
    }

    #[test]
    fn every_consistency_proof_verifies_and_matches_ct_merkle(
        n in 1usize..300, old_seed: u64
    ) {
        let items = items(n, 2);
        let leaves: Vec<Hash> = items.iter().map(|i| leaf_hash(i)).collect();
        let tree = ProofTree::new(leaves.clone());
        let reference = reference(&items);
        let old = 1 + old_seed % n as u64;
        let proof = tree.consistency_proof(old, n as u64).unwrap();
        if old < n as u64 {
            let theirs = reference.prove_consistency(n - old as usize);
            prop_assert_eq!(as_bytes(&proof), theirs.as_bytes());
        }
        let (r1, r2) = (tree.root(old).unwrap(), tree.root(n as u64).unwrap());
        prop_assert!(verify_consistency(old, n as u64, &r1, &r2, &proof).is_ok());
    }

    #[test]
    fn consistency_between_any_two_sizes(n in 1usize..120, a: u64, b: u64) {
        let leaves: Vec<Hash> = items(n, 3).iter().map(|i| leaf_hash(i)).collect();
        let tree = ProofTree::new(leaves);
        let (x, y) = (a % (n as u64 + 1), b % (n as u64 + 1));
        let (old, new) = (x.min(y), x.max(y));
        let proof = tree.consistency_proof(old, new).unwrap();
        let (r1, r2) = (tree.root(old).unwrap(), tree.root(new).unwrap());
        prop_assert!(verify_consistency(old, new, &r1, &r2, &proof).is_ok());
    }

    #[test]
    fn tampered_inclusion_proofs_fail(
        n in 2usize..200, index_seed: u64, which: u64, bit in 0u8..8, byte in 0usize..32
    ) {
        let leaves: Vec<Hash> = items(n, 4).iter().map(|i| leaf_hash(i)).collect();
        let tree = ProofTree::new(leaves.clone());
        let index = index_seed % n as u64;
        let size = n as u64;
        let root = tree.root(size).unwrap();
        let proof = tree.inclusion_proof(index, size).unwrap();
        let leaf = leaves[index as usize];
        prop_assume!(!proof.is_empty());

        let mut flipped = proof.clone();
        let k = (which % proof.len() as u64) as usize;
        flipped[k].0[byte] ^= 1 << bit;
        prop_assert!(verify_inclusion(index, size, &leaf, &flipped, &root).is_err());

        let mut bad_leaf = leaf;
        bad_leaf.0[byte] ^= 1 << bit;
        prop_assert!(verify_inclusion(index, size, &bad_leaf, &proof, &root).is_err());

        let other = (index + 1 + which % (size - 1)) % size;
        prop_assert!(verify_inclusion(other, size, &leaf, &proof, &root).is_err());
        prop_assert!(verify_inclusion(index, size, &leaf, &proof[1..], &root).is_err());
        let mut longer = proof.clone();
        longer.push(root);
        prop_assert!(verify_inclusion(index, size, &leaf, &longer, &root).is_err());
    }

    #[test]
    fn tampered_consistency_proofs_fail(
        n in 3usize..200, old_seed: u64, which: u64, bit in 0u8..8, byte in 0usize..32
    ) {
        let leaves: Vec<Hash> = items(n, 5).iter().map(|i| leaf_hash(i)).collect();
        let tree = ProofTree::new(leaves.clone());
        let new = n as u64;
        let old = 1 + old_seed % (new - 1); // 1 ..= new - 1: a non-empty proof
        let (r1, r2) = (tree.root(old).unwrap(), tree.root(new).unwrap());
        let proof = tree.consistency_proof(old, new).unwrap();
        prop_assert!(!proof.is_empty());

        let mut flipped = proof.clone();
        let k = (which % proof.len() as u64) as usize;
        flipped[k].0[byte] ^= 1 << bit;
        prop_assert!(verify_consistency(old, new, &r1, &r2, &flipped).is_err());

        // A log that rewrote one of the first `old` entries cannot prove consistency.
        let mut forked = leaves.clone();
        let victim = (which % old) as usize;
        forked[victim] = leaf_hash(b"rewritten");
        let forked = ProofTree::new(forked);
        let fork_proof = forked.consistency_proof(old, new).unwrap();
        let fork_root = forked.root(new).unwrap();
        prop_assert!(verify_consistency(old, new, &r1, &fork_root, &fork_proof).is_err());
        prop_assert!(verify_consistency(old, new, &r1, &r2, &proof[..proof.len() - 1]).is_err());
    }

    #[test]
    fn frontier_survives_persistence_at_any_point(n in 0usize..300, cut_seed: usize) {
        let leaves: Vec<Hash> = items(n, 6).iter().map(|i| leaf_hash(i)).collect();
        let cut = if n == 0 { 0 } else { cut_seed % (n + 1) };
        let first = Frontier::from_leaves(&leaves[..cut]);
        let mut restored = Frontier::from_bytes(&first.to_bytes()).unwrap();
        for l in &leaves[cut..] {
            restored.push(*l);
        }
        prop_assert_eq!(restored.root(), root_of(&leaves));
        prop_assert_eq!(restored.size(), n as u64);
    }
}

#[test]
fn a_large_tree_builds_and_proves_quickly() {
    // 100,000 entries: the size the issue asks proofs from stored leaf hashes to handle.
    let n = 100_000u64;
    let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect();
    let tree = ProofTree::new(leaves.clone());
    let root = Frontier::from_leaves(&leaves).root();
    assert_eq!(tree.root(n).unwrap(), root);
    for index in [0, 1, 4_095, 65_536, 99_999] {
        let p = tree.inclusion_proof(index, n).unwrap();
        verify_inclusion(index, n, &leaves[index as usize], &p, &root).unwrap();
    }
    let old = 77_777;
    let p = tree.consistency_proof(old, n).unwrap();
    verify_consistency(old, n, &tree.root(old).unwrap(), &root, &p).unwrap();
}
