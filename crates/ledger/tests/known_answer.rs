//! Known-answer tests: the RFC 6962 test tree of certificate-transparency, as published in
//! transparency-dev/merkle (`testonly/constants.go`, `proof/verify_test.go`), and RFC 8032's
//! first ed25519 key.

use closedloop_ledger::merkle::{
    Frontier, Hash, ProofTree, empty_root, leaf_hash, root_from_inclusion_proof, root_of,
    verify_consistency, verify_inclusion,
};
use closedloop_ledger::{HeadSigner, HeadVerifier};

const LEAVES: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

/// MTH of the first n leaves, n = 0..=8.
const ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// Leaf hashes (level 0) and complete subtree hashes (levels 1-3) of the 8-leaf tree.
const NODES: [&[&str]; 4] = [
    &[
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    &[
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    &[
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    &["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
];

/// (leaf index, tree size, proof).
const INCLUSION: &[(u64, u64, &[&str])] = &[
    (0, 1, &[]),
    (
        0,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        3,
        &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    ),
    (
        1,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        0,
        2,
        &["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"],
    ),
    (
        1,
        2,
        &["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"],
    ),
];

/// (old size, new size, proof).
const CONSISTENCY: &[(u64, u64, &[&str])] = &[
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

fn h(text: &str) -> Hash {
    Hash::from_hex(text).unwrap()
}

fn hashes(list: &[&str]) -> Vec<Hash> {
    list.iter().map(|t| h(t)).collect()
}

fn leaf_hashes() -> Vec<Hash> {
    LEAVES
        .iter()
        .map(|l| leaf_hash(&hex::decode(l).unwrap()))
        .collect()
}

fn flip(mut x: Hash, bit: u8) -> Hash {
    x.0[0] ^= bit;
    x
}

#[test]
fn leaf_and_node_hashes_match() {
    let leaves = leaf_hashes();
    assert_eq!(leaves, hashes(NODES[0]));
    let tree = ProofTree::new(leaves);
    for (level, nodes) in NODES.iter().enumerate() {
        for (k, node) in nodes.iter().enumerate() {
            let lo = (k as u64) << level;
            let hi = lo + (1 << level);
            // A complete subtree's root is the root of a tree of its own leaves.
            let sub = root_of(&leaf_hashes()[lo as usize..hi as usize]);
            assert_eq!(sub, h(node), "level {level} node {k}");
        }
    }
    assert_eq!(tree.root(8).unwrap(), h(NODES[3][0]));
}

#[test]
fn roots_match_for_every_size_by_every_method() {
    let leaves = leaf_hashes();
    let tree = ProofTree::new(leaves.clone());
    let mut frontier = Frontier::new();
    assert_eq!(empty_root(), h(ROOTS[0]));
    assert_eq!(frontier.root(), h(ROOTS[0]));
    for n in 1..=8 {
        frontier.push(leaves[n - 1]);
        assert_eq!(frontier.root(), h(ROOTS[n]), "frontier, size {n}");
        assert_eq!(root_of(&leaves[..n]), h(ROOTS[n]), "root_of, size {n}");
        assert_eq!(tree.root(n as u64).unwrap(), h(ROOTS[n]), "tree, size {n}");
    }
}

#[test]
fn compact_ranges_match() {
    // transparency-dev's CompactTrees(): the frontier of each size, as (level, index) nodes.
    let expected: [&[(usize, usize)]; 9] = [
        &[],
        &[(0, 0)],
        &[(1, 0)],
        &[(1, 0), (0, 2)],
        &[(2, 0)],
        &[(2, 0), (0, 4)],
        &[(2, 0), (1, 2)],
        &[(2, 0), (1, 2), (0, 6)],
        &[(3, 0)],
    ];
    let leaves = leaf_hashes();
    for (n, nodes) in expected.iter().enumerate() {
        let f = Frontier::from_leaves(&leaves[..n]);
        let want: Vec<Hash> = nodes.iter().map(|&(l, i)| h(NODES[l][i])).collect();
        assert_eq!(f.nodes(), &want[..], "size {n}");
    }
}

#[test]
fn inclusion_proofs_match_and_corruptions_fail() {
    let leaves = leaf_hashes();
    let tree = ProofTree::new(leaves.clone());
    let some_hash = h("abacaba000000000000000000000000000000000000000000060061e00123456");
    for &(index, size, proof) in INCLUSION {
        let proof = hashes(proof);
        let root = h(ROOTS[size as usize]);
        let leaf = leaves[index as usize];
        assert_eq!(
            tree.inclusion_proof(index, size).unwrap(),
            proof,
            "PATH({index}, {size})"
        );
        assert_eq!(
            root_from_inclusion_proof(index, size, &leaf, &proof).unwrap(),
            root
        );
        verify_inclusion(index, size, &leaf, &proof, &root).unwrap();

        // The corruption probes of transparency-dev's verifierCheck.
        let mut probes: Vec<(u64, u64, Hash, Vec<Hash>, Hash, String)> = vec![
            (
                index.wrapping_sub(1),
                size,
                leaf,
                proof.clone(),
                root,
                "index - 1".into(),
            ),
            (
                index + 1,
                size,
                leaf,
                proof.clone(),
                root,
                "index + 1".into(),
            ),
            (
                index ^ 2,
                size,
                leaf,
                proof.clone(),
                root,
                "index ^ 2".into(),
            ),
            (
                index,
                size * 2,
                leaf,
                proof.clone(),
                root,
                "size * 2".into(),
            ),
            (
                index,
                size / 2,
                leaf,
                proof.clone(),
                root,
                "size / 2".into(),
            ),
            (
                index,
                size,
                leaf_hash(b"WrongLeaf"),
                proof.clone(),
                root,
                "wrong leaf".into(),
            ),
            (
                index,
                size,
                leaf,
                proof.clone(),
                empty_root(),
                "empty root".into(),
            ),
            (
                index,
                size,
                leaf,
                proof.clone(),
                some_hash,
                "random root".into(),
            ),
            (
                index,
                size,
                leaf,
                [&proof[..], &[root]].concat(),
                root,
                "trailing root".into(),
            ),
            (
                index,
                size,
                leaf,
                [&[root], &proof[..]].concat(),
                root,
                "preceding root".into(),
            ),
        ];
        for i in 0..proof.len() {
            let mut p = proof.clone();
            p[i] = flip(p[i], 8);
            probes.push((
                index,
                size,
                leaf,
                p,
                root,
                format!("bit flip in proof[{i}]"),
            ));
        }
        if !proof.is_empty() {
            let p = proof[..proof.len() - 1].to_vec();
            probes.push((index, size, leaf, p, root, "removed component".into()));
        }
        if proof.len() > 1 {
            let p = [&[proof[0], some_hash], &proof[1..]].concat();
            probes.push((index, size, leaf, p, root, "inserted component".into()));
        }
        for (i, s, l, p, r, what) in probes {
            if (i, s, l, &p, r) == (index, size, leaf, &proof, root) {
                continue; // e.g. size / 2 == size for size 1
            }
            assert!(
                verify_inclusion(i, s, &l, &p, &r).is_err(),
                "PATH({index}, {size}) verified with {what}"
            );
        }
    }
}

#[test]
fn consistency_proofs_match_and_corruptions_fail() {
    let tree = ProofTree::new(leaf_hashes());
    for &(old, new, proof) in CONSISTENCY {
        let proof = hashes(proof);
        let (r1, r2) = (h(ROOTS[old as usize]), h(ROOTS[new as usize]));
        assert_eq!(
            tree.consistency_proof(old, new).unwrap(),
            proof,
            "PROOF({old}, {new})"
        );
        verify_consistency(old, new, &r1, &r2, &proof).unwrap();
        if proof.is_empty() {
            continue;
        }
        let wrong = leaf_hash(b"WrongRoot");
        let mut probes: Vec<(u64, u64, Hash, Hash, Vec<Hash>, String)> = vec![
            (old - 1, new, r1, r2, proof.clone(), "old - 1".into()),
            (old + 1, new, r1, r2, proof.clone(), "old + 1".into()),
            (old ^ 2, new, r1, r2, proof.clone(), "old ^ 2".into()),
            (old, new * 2, r1, r2, proof.clone(), "new * 2".into()),
            (old, new / 2, r1, r2, proof.clone(), "new / 2".into()),
            (old, new, wrong, r2, proof.clone(), "wrong old root".into()),
            (old, new, r1, wrong, proof.clone(), "wrong new root".into()),
            (old, new, r2, r1, proof.clone(), "swapped roots".into()),
            (old, new, r1, r2, vec![], "empty proof".into()),
            (
                old,
                new,
                r1,
                r2,
                [&proof[..], &[r1]].concat(),
                "trailing old root".into(),
            ),
            (
                old,
                new,
                r1,
                r2,
                [&proof[..], &[r2]].concat(),
                "trailing new root".into(),
            ),
            (
                old,
                new,
                r1,
                r2,
                [&[r1], &proof[..]].concat(),
                "preceding old root".into(),
            ),
            (
                old,
                new,
                r1,
                r2,
                [&[r2], &proof[..]].concat(),
                "preceding new root".into(),
            ),
            (
                old,
                new,
                r1,
                r2,
                [&[proof[0]], &proof[..]].concat(),
                "preceding proof[0]".into(),
            ),
            (
                old,
                new,
                r1,
                r2,
                proof[..proof.len() - 1].to_vec(),
                "truncated".into(),
            ),
        ];
        for i in 0..proof.len() {
            let mut p = proof.clone();
            p[i] = flip(p[i], 16);
            probes.push((old, new, r1, r2, p, format!("bit flip in proof[{i}]")));
        }
        for (o, n, a, b, p, what) in probes {
            assert!(
                verify_consistency(o, n, &a, &b, &p).is_err(),
                "PROOF({old}, {new}) verified with {what}"
            );
        }
    }
}

#[test]
fn consistency_edge_cases_follow_transparency_dev() {
    let (r1, r2) = (leaf_hash(b"don't care 1"), leaf_hash(b"don't care 2"));
    let e = empty_root();
    let cases: [(u64, u64, Hash, Hash, Vec<Hash>, bool); 13] = [
        (0, 0, r1, r2, vec![], false),
        (1, 1, r1, r2, vec![], false),
        (0, 0, r1, r1, vec![], true),
        (0, 1, r1, r2, vec![], true),
        (1, 1, r2, r2, vec![], true),
        (1, 0, r1, r2, vec![], false),
        (2, 1, r1, r2, vec![], false),
        (1, 2, r1, r2, vec![], false),
        (0, 0, e, r2, vec![], false),
        (1, 1, e, r2, vec![], false),
        (0, 0, e, e, vec![e], false),
        (0, 1, e, e, vec![e], false),
        (1, 1, e, e, vec![e], false),
    ];
    for (old, new, a, b, p, ok) in cases {
        assert_eq!(
            verify_consistency(old, new, &a, &b, &p).is_ok(),
            ok,
            "({old}, {new}, proof of {})",
            p.len()
        );
    }
}

#[test]
fn ed25519_public_key_matches_rfc_8032_test_1() {
    let seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    let signer = HeadSigner::from_config("rfc8032", seed).unwrap();
    let key = signer.verifier().to_note_key();
    let b64 = key.splitn(3, '+').nth(2).unwrap();
    use base64::Engine;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    assert_eq!(raw[0], 0x01);
    assert_eq!(
        hex::encode(&raw[1..]),
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    );
    assert_eq!(
        HeadVerifier::from_note_key(&key).unwrap(),
        signer.verifier()
    );
}

#[test]
fn go_sumdb_verifier_key_parses_so_key_ids_match_the_note_format() {
    // The Go checksum database's published note verifier key: its key id (033de0ae) is
    // SHA-256(name || "\n" || 0x01 || key)[:4], which from_note_key recomputes and compares.
    let key = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";
    let v = HeadVerifier::from_note_key(key).unwrap();
    assert_eq!(v.origin(), "sum.golang.org");
    assert_eq!(v.to_note_key(), key);
    assert!(HeadVerifier::from_note_key(&key.replace("033de0ae", "033de0af")).is_err());
}
