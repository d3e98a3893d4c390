//! Bundles that prove they are complete (format 2): removing any entry, or reordering them,
//! fails `check` naming what is wrong; bundles and logs written before format 2 (the fixtures
//! in `tests/data`, written by the version-1 code) still verify, and a log that moved from
//! version 1 to 2 proves its travelers' chains from their last version-1 entry on.

use closedloop_ledger::audit::{StoredEntry, audit_log};
use closedloop_ledger::bundle::{BUNDLE_FORMAT_V1, BundleError};
use closedloop_ledger::entry::{HandOver, Party, Place, PlaceKind, Purge, PurgeReason, Role};
use closedloop_ledger::merkle::leaf_hash;
use closedloop_ledger::testing::sample_traveler;
use closedloop_ledger::{
    Appender, Body, Bundle, Completeness, Entry, HeadSigner, HeadVerifier, Id, Latest, Previous,
    ProofTree, SignedTreeHead, TravelerRef, UtcMillis, check,
};
use proptest::prelude::*;
use serde::Deserialize;

fn signer() -> HeadSigner {
    HeadSigner::new("closedloop.test/complete", [5; 32]).unwrap()
}

fn at(i: u64) -> UtcMillis {
    UtcMillis::from_unix_ms(1_614_834_367_000 + i as i64 * 1_000).unwrap()
}

fn party(role: Role, id: u64) -> Party {
    Party {
        role,
        id: Id::from_key(id as i64),
    }
}

/// A hand-over (or, every fifth, a purge) of the travelers picked by `mask` from `pool`.
fn body(i: u64, mask: u8, pool: &[TravelerRef]) -> Body {
    let travelers: Vec<TravelerRef> = pool
        .iter()
        .enumerate()
        .filter(|(k, _)| mask & (1 << k) != 0)
        .map(|(_, t)| *t)
        .collect();
    if i % 5 == 4 && !travelers.is_empty() {
        return Body::Purge(Purge {
            reason: PurgeReason::RetentionEnded,
            by: party(Role::System, 1),
            travelers,
        });
    }
    Body::HandOver(HandOver {
        batch: Id::from_key(i as i64),
        from: party(Role::PortStaff, i),
        to: party(Role::TransferCrew, i + 1),
        place: Place {
            kind: PlaceKind::Port,
            id: None,
            coords: None,
        },
        head_count: travelers.len() as u32,
        travelers,
        to_batch: None,
    })
}

struct Log {
    rows: Vec<(u64, Vec<u8>)>,
    leaves: Vec<closedloop_ledger::Hash>,
    head: SignedTreeHead,
    appender: Appender,
}

fn build(masks: &[u8], pool: &[TravelerRef]) -> Log {
    let mut a = Appender::new();
    let (mut rows, mut leaves) = (Vec::new(), Vec::new());
    for (i, m) in masks.iter().enumerate() {
        let x = a.append(at(i as u64), body(i as u64, *m, pool)).unwrap();
        rows.push((x.seq, x.canonical));
        leaves.push(x.leaf_hash);
    }
    let head = a.sign_head(&signer(), at(10_000));
    Log {
        rows,
        leaves,
        head,
        appender: a,
    }
}

fn bundle(log: &Log, t: &TravelerRef) -> Option<Bundle> {
    let mine: Vec<(u64, Vec<u8>)> = log
        .rows
        .iter()
        .filter(|(_, b)| Entry::from_canonical(b).unwrap().mentions(t))
        .cloned()
        .collect();
    if mine.is_empty() {
        return None;
    }
    Some(
        Bundle::build(
            *t,
            &log.head,
            &signer().verifier(),
            &ProofTree::new(log.leaves.clone()),
            mine,
            log.appender.map().unwrap().proof(t).unwrap(),
        )
        .unwrap(),
    )
}

fn pool() -> Vec<TravelerRef> {
    (0..6).map(|k| sample_traveler(70_000 + k)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn removing_any_entry_fails_naming_it(
        masks in prop::collection::vec(any::<u8>(), 1..40),
        who in 0usize..6,
    ) {
        let pool = pool();
        let log = build(&masks, &pool);
        let t = pool[who];
        let Some(full) = bundle(&log, &t) else { return Ok(()) };
        let s = check(&full).unwrap();
        prop_assert_eq!(s.completeness, Completeness::Complete);
        for k in 0..full.entries.len() {
            let mut cut = full.clone();
            let removed = cut.entries.remove(k);
            if cut.entries.is_empty() {
                prop_assert_eq!(check(&cut).unwrap_err(), BundleError::NoEntries);
                continue;
            }
            let err = check(&cut).unwrap_err();
            prop_assert_eq!(err.missing_entry(), Some(removed.index), "{}", err);
            prop_assert!(
                err.to_string().starts_with(&format!("entry {} (", removed.index)),
                "{}", err
            );
        }
    }

    #[test]
    fn reordering_fails(
        masks in prop::collection::vec(any::<u8>(), 2..40),
        who in 0usize..6,
        pick: prop::sample::Index,
    ) {
        let pool = pool();
        let log = build(&masks, &pool);
        let t = pool[who];
        let Some(full) = bundle(&log, &t) else { return Ok(()) };
        prop_assume!(full.entries.len() >= 2);
        let i = pick.index(full.entries.len() - 1);
        // Listed out of order.
        let mut swapped = full.clone();
        swapped.entries.swap(i, i + 1);
        let err = check(&swapped).unwrap_err();
        prop_assert!(
            matches!(err, BundleError::Order { position, .. } if position == i + 1),
            "{}", err
        );
        // Contents exchanged between two positions, indices kept in order.
        let mut exchanged = full.clone();
        let (a, b) = (exchanged.entries[i].entry.clone(), exchanged.entries[i + 1].entry.clone());
        exchanged.entries[i].entry = b;
        exchanged.entries[i + 1].entry = a;
        let err = check(&exchanged).unwrap_err();
        prop_assert!(matches!(err, BundleError::SeqMismatch { .. }), "{}", err);
    }
}

#[test]
fn an_entry_the_chain_skips_is_refused() {
    // A faulty office links traveler 0's last entry past two of their entries and signs a head
    // over it: the bundle holds every entry, but the chain does not reach entries 1 and 2.
    let pool = pool();
    let log = build(&[1, 1, 1, 1], &pool);
    let t = pool[0];
    let mut entry = Entry::from_canonical(&log.rows[3].1).unwrap();
    entry.seq = 4;
    entry.prev = log.leaves[3];
    entry.links.as_mut().unwrap()[0] = Some(Previous {
        seq: 0,
        kind: "hand_over".into(),
    });
    let bytes = entry.to_canonical();
    let leaf = leaf_hash(&bytes);
    let mut leaves = log.leaves.clone();
    leaves.push(leaf);
    let mut map = log.appender.map().unwrap().clone();
    map.record(
        &[t],
        &Latest {
            seq: 4,
            leaf_hash: leaf,
            kind: "hand_over".into(),
        },
    )
    .unwrap();
    let tree = ProofTree::new(leaves);
    let head = signer().sign_with_map(5, tree.root(5).unwrap(), map.root(), at(9));
    let mut mine = log.rows.clone();
    mine.push((4, bytes));
    let err = Bundle::build(
        t,
        &head,
        &signer().verifier(),
        &tree,
        mine,
        map.proof(&t).unwrap(),
    )
    .unwrap_err();
    assert_eq!(err, BundleError::NotInChain { index: 1 });
}

/// The fixtures of `tests/data`, written by the version-1 code before format 2.
#[derive(Deserialize)]
struct V1Log {
    public_key: String,
    traveler: TravelerRef,
    rows: Vec<V1Row>,
    heads: Vec<SignedTreeHead>,
}

#[derive(Deserialize)]
struct V1Row {
    seq: u64,
    canonical: String,
    leaf_hash: closedloop_ledger::Hash,
}

fn v1_log() -> V1Log {
    serde_json::from_str(include_str!("data/v1_log.json")).unwrap()
}

fn stored(rows: &[V1Row]) -> Vec<StoredEntry> {
    rows.iter()
        .map(|r| StoredEntry {
            seq: r.seq,
            canonical: r.canonical.clone().into_bytes(),
            leaf_hash: r.leaf_hash,
        })
        .collect()
}

/// The key the version-1 fixtures were signed with.
fn v1_signer() -> HeadSigner {
    HeadSigner::new("closedloop.test/v1", [11; 32]).unwrap()
}

#[test]
fn version_1_bundles_logs_and_checkpoints_still_verify() {
    let b = Bundle::from_json(include_str!("data/v1_bundle.json")).unwrap();
    assert_eq!(b.format, BUNDLE_FORMAT_V1);
    let s = check(&b).unwrap();
    assert_eq!(s.completeness, Completeness::Unproven);
    assert_eq!(s.map_root, None);
    assert_eq!(s.entries.len(), 3);
    assert_eq!(Bundle::from_json(&b.to_json()).unwrap(), b);
    // Old bundles stay as strict as before: an edit still fails.
    let mut edited = b.clone();
    edited.entries[1].entry = edited.entries[1].entry.replace("medium", "low");
    assert!(matches!(check(&edited), Err(BundleError::Proof { .. })));

    let log = v1_log();
    let verifier = HeadVerifier::from_note_key(&log.public_key).unwrap();
    assert_eq!(verifier, v1_signer().verifier());
    let summary = audit_log(stored(&log.rows), &log.heads, &verifier).unwrap();
    assert_eq!((summary.entries, summary.heads_checked), (60, 3));
    let kept = SignedTreeHead::from_checkpoint(include_str!("data/v1_checkpoint.txt")).unwrap();
    assert_eq!(kept.version(), 1);
    verifier.verify(&kept).unwrap();
    assert_eq!(&kept, log.heads.last().unwrap());
    for row in &log.rows {
        let e = Entry::from_canonical(row.canonical.as_bytes()).unwrap();
        assert_eq!(
            (e.version(), e.to_canonical()),
            (1, row.canonical.clone().into_bytes())
        );
    }
}

#[test]
fn a_log_upgraded_from_version_1_proves_chains_from_the_last_version_1_entry() {
    let log = v1_log();
    let t = log.traveler;
    let signer = v1_signer();
    let mut a = Appender::rebuild(stored(&log.rows)).unwrap();
    let mut rows: Vec<(u64, Vec<u8>)> = log
        .rows
        .iter()
        .map(|r| (r.seq, r.canonical.clone().into_bytes()))
        .collect();
    let mut leaves: Vec<_> = log.rows.iter().map(|r| r.leaf_hash).collect();
    let mut all = stored(&log.rows);
    let mut heads = log.heads.clone();
    for i in 60..66 {
        let travelers = if i % 2 == 0 {
            vec![t]
        } else {
            vec![sample_traveler(5)]
        };
        let x = a
            .append(
                at(i),
                Body::HandOver(HandOver {
                    batch: Id::from_key(i as i64),
                    from: party(Role::TransferCrew, i),
                    to: party(Role::HotelStaff, i + 1),
                    place: Place {
                        kind: PlaceKind::Hotel,
                        id: None,
                        coords: None,
                    },
                    head_count: 1,
                    travelers,
                    to_batch: None,
                }),
            )
            .unwrap();
        rows.push((x.seq, x.canonical.clone()));
        leaves.push(x.leaf_hash);
        all.push(StoredEntry {
            seq: x.seq,
            canonical: x.canonical,
            leaf_hash: x.leaf_hash,
        });
    }
    let head = a.sign_head(&signer, at(20_000));
    assert_eq!(head.version(), 2);
    heads.push(head.clone());
    // The mixed log verifies: version-1 heads as before, the version-2 head with its map.
    let s = audit_log(all, &heads, &signer.verifier()).unwrap();
    assert_eq!((s.entries, Some(s.map_root)), (66, head.map_root));

    let mine: Vec<(u64, Vec<u8>)> = rows
        .iter()
        .filter(|(_, b)| Entry::from_canonical(b).unwrap().mentions(&t))
        .cloned()
        .collect();
    let indices: Vec<u64> = mine.iter().map(|(i, _)| *i).collect();
    assert_eq!(indices, [4, 21, 38, 60, 62, 64]);
    let b = Bundle::build(
        t,
        &head,
        &signer.verifier(),
        &ProofTree::new(leaves),
        mine,
        a.map().unwrap().proof(&t).unwrap(),
    )
    .unwrap();
    let s = check(&b).unwrap();
    assert_eq!(s.completeness, Completeness::CompleteFrom { from: 38 });
    // The last version-1 entry is linked to: removing it fails naming it.
    let mut cut = b.clone();
    cut.entries.remove(2);
    let err = check(&cut).unwrap_err();
    assert_eq!(
        err,
        BundleError::MissingLinked {
            index: 38,
            kind: "hand_over".into(),
            linked_from: 60
        }
    );
    // The incident before it is version 1: no link names it, so its removal cannot be proven
    // (the summary says completeness starts at 38).
    let mut cut = b.clone();
    cut.entries.remove(1);
    assert_eq!(
        check(&cut).unwrap().completeness,
        Completeness::CompleteFrom { from: 38 }
    );
}
