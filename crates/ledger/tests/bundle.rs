//! Audit bundles: one traveler's custody chain built from the log, checked offline, and every
//! kind of edit refused with a message naming what failed.

use closedloop_ledger::bundle::{BUNDLE_FORMAT, BUNDLE_FORMAT_V1, BundleError};
use closedloop_ledger::entry::{
    ChecklistCompleted, ChecklistKind, Decision, GateDecision, HandOver, Party, Place, PlaceKind,
    Role, Subject, SubjectKind,
};
use closedloop_ledger::merkle::{Hash, leaf_hash};
use closedloop_ledger::testing::{sample_body, sample_traveler};
use closedloop_ledger::{
    Appender, Body, Bundle, Completeness, HeadError, HeadSigner, Id, ProofTree, SignedTreeHead,
    TravelerRef, UtcMillis, check, check_with_key,
};

fn signer() -> HeadSigner {
    HeadSigner::new("closedloop.test/suqian", [3; 32]).unwrap()
}

fn party(role: Role, id: &str) -> Party {
    Party {
        role,
        id: Id::new(id).unwrap(),
    }
}

fn traveler() -> TravelerRef {
    sample_traveler(90_001)
}

/// The chain of traveler 90001: port → crew, hand-over check, departure gate, crew rotation,
/// crew → hotel.
fn chain() -> Vec<Body> {
    chain_of(true)
}

/// The chain, with or without the crew rotation (without it, custody jumps from c-9 to c-10).
fn chain_of(rotation: bool) -> Vec<Body> {
    let travelers = vec![traveler(), sample_traveler(90_002)];
    let batch = Id::new("b-77").unwrap();
    let subject = Subject {
        kind: SubjectKind::Batch,
        id: batch.clone(),
    };
    let hand_over = |from: Party, to: Party, kind: PlaceKind| {
        Body::HandOver(HandOver {
            batch: batch.clone(),
            from,
            to,
            place: Place {
                kind,
                id: Some(Id::new("p-1").unwrap()),
                coords: None,
            },
            head_count: 2,
            travelers: travelers.clone(),
            to_batch: None,
        })
    };
    let mut chain = vec![
        hand_over(
            party(Role::PortStaff, "s-1"),
            party(Role::TransferCrew, "c-9"),
            PlaceKind::Port,
        ),
        Body::ChecklistCompleted(ChecklistCompleted {
            checklist: ChecklistKind::PersonHandover,
            template: Id::new("person-handover").unwrap(),
            template_version: 2,
            subject: subject.clone(),
            completed_by: party(Role::Escort, "c-9"),
            items_total: 4,
            items_passed: 4,
            failed_items: vec![],
            travelers: travelers.clone(),
        }),
        Body::GateDecision(GateDecision {
            gate: Id::new("departure").unwrap(),
            subject,
            decision: Decision::Pass,
            missing: vec![],
            decided_by: party(Role::DispatchDesk, "d-1"),
            travelers: travelers.clone(),
        }),
        hand_over(
            party(Role::TransferCrew, "c-9"),
            party(Role::TransferCrew, "c-10"),
            PlaceKind::Vehicle,
        ),
        hand_over(
            party(Role::TransferCrew, "c-10"),
            party(Role::HotelStaff, "h-4"),
            PlaceKind::Hotel,
        ),
    ];
    if !rotation {
        chain.remove(3);
    }
    chain
}

struct Log {
    rows: Vec<(u64, Vec<u8>)>,
    leaves: Vec<Hash>,
    head: SignedTreeHead,
    appender: Appender,
}

/// 200 sample entries with the chain's four spread among them, one head at the end.
fn log() -> Log {
    log_of(chain())
}

fn log_of(chain: Vec<Body>) -> Log {
    let mut a = Appender::new();
    let (mut rows, mut leaves) = (Vec::new(), Vec::new());
    let mut chain = chain.into_iter();
    for i in 0..200u64 {
        let body = if i % 37 == 5 {
            chain.next().unwrap_or_else(|| sample_body(i))
        } else {
            sample_body(i)
        };
        let t = UtcMillis::from_unix_ms(1_614_834_367_000 + i as i64).unwrap();
        let x = a.append(t, body).unwrap();
        rows.push((x.seq, x.canonical));
        leaves.push(x.leaf_hash);
    }
    let head = a.sign_head(
        &signer(),
        UtcMillis::from_unix_ms(1_614_900_000_000).unwrap(),
    );
    Log {
        rows,
        leaves,
        head,
        appender: a,
    }
}

fn bundle() -> Bundle {
    bundle_of(&log())
}

fn bundle_of(log: &Log) -> Bundle {
    let t = traveler();
    let mine = log.rows.iter().filter(|(_, bytes)| {
        closedloop_ledger::Entry::from_canonical(bytes)
            .unwrap()
            .mentions(&t)
    });
    Bundle::build(
        t,
        &log.head,
        &signer().verifier(),
        &ProofTree::new(log.leaves.clone()),
        mine.cloned(),
        log.appender.map().unwrap().proof(&t).unwrap(),
    )
    .unwrap()
}

fn failure(b: &Bundle) -> String {
    check(b).unwrap_err().to_string()
}

#[test]
fn a_bundle_round_trips_through_json_and_checks_offline() {
    let b = bundle();
    assert_eq!(b.entries.len(), 5);
    let back = Bundle::from_json(&b.to_json()).unwrap();
    assert_eq!(back, b);
    let s = check(&back).unwrap();
    assert_eq!(s.traveler, traveler());
    assert_eq!(s.tree_size, 200);
    assert_eq!(s.hand_overs, 3);
    assert!(s.custody_breaks.is_empty(), "{:?}", s.custody_breaks);
    assert_eq!(s.completeness, Completeness::Complete);
    assert_eq!(back.format, BUNDLE_FORMAT);
    let kinds: Vec<&str> = s.entries.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            "hand_over",
            "checklist_completed",
            "gate_decision",
            "hand_over",
            "hand_over"
        ]
    );
    check_with_key(&back, &signer().verifier()).unwrap();
}

#[test]
fn an_edited_entry_fails_naming_it() {
    let mut b = bundle();
    let index = b.entries[3].index;
    b.entries[3].entry = b.entries[3]
        .entry
        .replace("\"head_count\":2", "\"head_count\":1");
    let err = check(&b).unwrap_err();
    assert!(
        matches!(err, BundleError::Proof { index: i, .. } if i == index),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with(&format!("entry {index} is not in the signed log"))
    );

    let mut b = bundle();
    b.entries[0].entry = b.entries[0].entry.replace(",\"seq\"", ", \"seq\"");
    assert!(
        failure(&b).contains("not in canonical form"),
        "{}",
        failure(&b)
    );
}

#[test]
fn an_edited_proof_fails() {
    let mut b = bundle();
    b.entries[1].proof[0].0[5] ^= 1;
    assert!(matches!(check(&b), Err(BundleError::Proof { .. })));
    let mut b = bundle();
    b.entries[1].proof.pop();
    assert!(
        failure(&b).contains("truncated or padded"),
        "{}",
        failure(&b)
    );
}

#[test]
fn an_edited_checkpoint_fails() {
    let mut b = bundle();
    b.checkpoint = b.checkpoint.replacen("\n200\n", "\n199\n", 1);
    let msg = failure(&b);
    assert!(
        msg.starts_with("bundle checkpoint: signature on the tree head of size 199"),
        "{msg}"
    );
}

#[test]
fn a_moved_entry_fails() {
    let mut b = bundle();
    b.entries[0].index += 1;
    assert!(matches!(check(&b), Err(BundleError::SeqMismatch { .. })));
    let mut b = bundle();
    b.entries.swap(0, 1);
    assert!(matches!(
        check(&b),
        Err(BundleError::Order { position: 1, .. })
    ));
}

#[test]
fn another_travelers_bundle_does_not_pass_for_this_one() {
    let mut b = bundle();
    b.traveler = sample_traveler(90_003);
    assert!(matches!(check(&b), Err(BundleError::NotMentioning { .. })));
}

#[test]
fn a_re_signed_bundle_passes_only_its_own_key() {
    // A forger re-signs everything with their own key: self-consistent, so `check` passes and
    // reports the forger's key; `check_with_key` against the office's key refuses it.
    let log = log();
    let forger = HeadSigner::new("closedloop.test/suqian", [4; 32]).unwrap();
    let head = forger.sign_with_map(
        log.head.size,
        log.head.root,
        log.head.map_root.unwrap(),
        log.head.at,
    );
    let mut b = bundle();
    b.checkpoint = head.to_checkpoint();
    assert!(matches!(
        check(&b),
        Err(BundleError::Checkpoint(HeadError::WrongKey { .. }))
    ));
    b.public_key = forger.verifier().to_note_key();
    let s = check(&b).unwrap();
    assert_ne!(s.public_key, signer().verifier().to_note_key());
    assert!(matches!(
        check_with_key(&b, &signer().verifier()),
        Err(BundleError::KeyMismatch { .. })
    ));
}

#[test]
fn a_dropped_hand_over_fails_naming_it() {
    // Before format 2 a cut-out hand-over only showed as a custody break; now it is named.
    let mut b = bundle();
    let rotation = b.entries.remove(3);
    let err = check(&b).unwrap_err();
    assert_eq!(
        err,
        BundleError::MissingLinked {
            index: rotation.index,
            kind: "hand_over".into(),
            linked_from: b.entries[3].index,
        }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "entry {} (hand_over) is missing: entry {} links to it as the traveler's previous entry; the bundle was cut",
            rotation.index, b.entries[3].index
        )
    );
}

#[test]
fn a_gap_in_custody_shows_as_a_custody_break() {
    // The log itself lacks the rotation: the bundle is complete, custody jumps from c-9 to c-10.
    let log = log_of(chain_of(false));
    let s = check(&bundle_of(&log)).unwrap();
    assert_eq!(s.completeness, Completeness::Complete);
    assert_eq!(s.custody_breaks.len(), 1);
    let gap = &s.custody_breaks[0];
    assert_eq!(
        (gap.previous_receiver.id.as_str(), gap.giver.id.as_str()),
        ("c-9", "c-10")
    );
}

#[test]
fn a_cut_tail_fails_naming_the_latest_entry() {
    let mut b = bundle();
    let last = b.entries.pop().unwrap();
    let err = check(&b).unwrap_err();
    assert_eq!(
        err,
        BundleError::MissingLatest {
            index: last.index,
            kind: "hand_over".into()
        }
    );
    assert!(
        err.to_string().starts_with(&format!(
            "entry {} (hand_over) is missing: the signed head's traveler map names it as the traveler's latest entry",
            last.index
        )),
        "{err}"
    );
}

#[test]
fn stripping_or_altering_the_map_proof_fails() {
    let mut b = bundle();
    b.traveler_map = None;
    assert_eq!(
        check(&b).unwrap_err(),
        BundleError::NoMap("the traveler map proof")
    );
    // Downgrading to format 1 does not hide anything: the checkpoint commits to the map.
    let mut b = bundle();
    b.format = BUNDLE_FORMAT_V1.into();
    b.traveler_map = None;
    b.entries.pop();
    assert_eq!(check(&b).unwrap_err(), BundleError::Downgraded);
    // A proof claiming an earlier latest entry (to make a cut tail pass) leads to another root.
    let mut b = bundle();
    b.entries.pop();
    let map = b.traveler_map.as_mut().unwrap();
    map.latest.seq = b.entries.last().unwrap().index;
    assert_eq!(check(&b).unwrap_err(), BundleError::MapMismatch);
    // Another traveler's proof is not this traveler's.
    let log = log();
    let mut b = bundle();
    b.traveler_map = log
        .appender
        .map()
        .unwrap()
        .proof(&sample_traveler(90_002))
        .unwrap();
    assert_eq!(check(&b).unwrap_err(), BundleError::MapMismatch);
}

#[test]
fn building_refuses_an_incomplete_index() {
    // The store's traveler index lost a row: the office learns it when building, not the auditor.
    let log = log();
    let t = traveler();
    let mut mine: Vec<(u64, Vec<u8>)> = log
        .rows
        .iter()
        .filter(|(_, bytes)| {
            closedloop_ledger::Entry::from_canonical(bytes)
                .unwrap()
                .mentions(&t)
        })
        .cloned()
        .collect();
    let lost = mine.remove(1).0;
    let err = Bundle::build(
        t,
        &log.head,
        &signer().verifier(),
        &ProofTree::new(log.leaves.clone()),
        mine,
        log.appender.map().unwrap().proof(&t).unwrap(),
    )
    .unwrap_err();
    assert_eq!(err.missing_entry(), Some(lost));
}

#[test]
fn malformed_bundles_name_the_problem() {
    let mut b = bundle();
    b.format = "something/2".into();
    assert!(failure(&b).contains("closedloop-ledger-bundle/2"));
    assert_eq!(BUNDLE_FORMAT, "closedloop-ledger-bundle/2");
    let mut b = bundle();
    b.entries.clear();
    assert!(matches!(check(&b), Err(BundleError::NoEntries)));
    let err = Bundle::from_json("{\"format\": 1}").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("bundle is not JSON in the bundle format")
    );
    let mut b = bundle();
    b.public_key = "garbage".into();
    assert!(failure(&b).starts_with("bundle public key"));
}

#[test]
fn building_refuses_a_store_that_disagrees_with_its_head() {
    let log = log();
    let mut leaves = log.leaves.clone();
    leaves[3] = leaf_hash(b"edited");
    let proof = log.appender.map().unwrap().proof(&traveler()).unwrap();
    let err = Bundle::build(
        traveler(),
        &log.head,
        &signer().verifier(),
        &ProofTree::new(leaves),
        log.rows.clone(),
        proof.clone(),
    )
    .unwrap_err();
    assert_eq!(err, BundleError::StoreDisagrees { size: 200 });
    // Rows that do not name the traveler are refused rather than silently bundled.
    let err = Bundle::build(
        traveler(),
        &log.head,
        &signer().verifier(),
        &ProofTree::new(log.leaves.clone()),
        log.rows[..1].to_vec(),
        proof,
    )
    .unwrap_err();
    assert!(
        matches!(err, BundleError::NotMentioning { index: 0, .. }),
        "{err}"
    );
}
