//! `ledger verify` and `ledger check` against edited logs and bundles: a changed byte, a deleted
//! entry, a swapped pair, a rewritten tail, a truncation, forged heads and edited bundles.

use closedloop_ledger::audit::{AuditProblem, StoredEntry, audit_log};
use closedloop_ledger::merkle::leaf_hash;
use closedloop_ledger::testing::{sample_body, sample_traveler};
use closedloop_ledger::{Appender, Body, Entry, HeadSigner, SignedTreeHead, UtcMillis};

const N: u64 = 250;
const BATCH: u64 = 100;

fn signer() -> HeadSigner {
    HeadSigner::new("closedloop.test/suqian", [9; 32]).unwrap()
}

fn time(i: u64) -> UtcMillis {
    UtcMillis::from_unix_ms(1_614_834_367_000 + i as i64 * 1_000).unwrap()
}

/// Appends `bodies`, signing a head after every `BATCH` entries and at the end.
fn build(bodies: Vec<Body>) -> (Vec<StoredEntry>, Vec<SignedTreeHead>) {
    let signer = signer();
    let mut a = Appender::new();
    let (mut rows, mut heads) = (Vec::new(), Vec::new());
    let n = bodies.len() as u64;
    for (i, body) in bodies.into_iter().enumerate() {
        let x = a.append(time(i as u64), body).unwrap();
        rows.push(StoredEntry {
            seq: x.seq,
            canonical: x.canonical,
            leaf_hash: x.leaf_hash,
        });
        if a.size().is_multiple_of(BATCH) || a.size() == n {
            heads.push(a.sign_head(&signer, time(a.size())));
        }
    }
    (rows, heads)
}

fn log() -> (Vec<StoredEntry>, Vec<SignedTreeHead>) {
    build((0..N).map(sample_body).collect())
}

fn audit(rows: Vec<StoredEntry>, heads: &[SignedTreeHead]) -> Result<u64, AuditProblem> {
    audit_log(rows, heads, &signer().verifier()).map(|s| s.entries)
}

/// Replaces text inside an entry's bytes; optionally recomputes the stored hash as a careful
/// tamperer would.
fn edit(row: &mut StoredEntry, from: &str, to: &str, rehash: bool) {
    let text = String::from_utf8(row.canonical.clone()).unwrap();
    assert!(text.contains(from), "{text}");
    row.canonical = text.replacen(from, to, 1).into_bytes();
    if rehash {
        row.leaf_hash = leaf_hash(&row.canonical);
    }
}

/// A hand-over index (sample bodies are hand-overs unless i % 7 is 3, 5 or 6).
const HAND_OVER: usize = 137;

#[test]
fn an_untouched_log_verifies() {
    let (rows, heads) = log();
    let s = audit_log(rows, &heads, &signer().verifier()).unwrap();
    assert_eq!((s.entries, s.signed_size, s.unsigned_tail), (N, N, 0));
    assert_eq!(s.heads_checked, 3);
    assert_eq!(s.root, heads.last().unwrap().root);
}

#[test]
fn a_changed_byte_is_named() {
    let (mut rows, heads) = log();
    edit(
        &mut rows[HAND_OVER],
        "\"head_count\":3",
        "\"head_count\":2",
        false,
    );
    let err = audit(rows, &heads).unwrap_err();
    assert_eq!(err, AuditProblem::BytesAltered { seq: 137 });
    assert!(
        err.to_string().starts_with("entry 137 was altered"),
        "{err}"
    );
}

#[test]
fn a_changed_byte_with_its_hash_recomputed_is_named_by_the_chain() {
    let (mut rows, heads) = log();
    edit(
        &mut rows[HAND_OVER],
        "\"head_count\":3",
        "\"head_count\":2",
        true,
    );
    let err = audit(rows, &heads).unwrap_err();
    assert_eq!(
        err,
        AuditProblem::ChainBroken {
            before: 137,
            after: 138
        }
    );
    assert_eq!(err.first_entry(), Some(137));
}

#[test]
fn a_rehashed_change_to_the_last_entry_is_caught_by_the_signed_head() {
    let (mut rows, heads) = log();
    let last = rows.len() - 1;
    edit(
        &mut rows[last],
        "\"head_count\":3",
        "\"head_count\":2",
        true,
    );
    let err = audit(rows, &heads).unwrap_err();
    assert!(
        matches!(
            err,
            AuditProblem::HeadMismatch {
                size: 250,
                from: 200,
                to: 249,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn non_canonical_bytes_are_refused_even_with_a_matching_hash() {
    let (mut rows, heads) = log();
    edit(&mut rows[10], "{\"v\":2,", "{\"v\":2, ", true);
    let err = audit(rows, &heads).unwrap_err();
    assert!(
        matches!(err, AuditProblem::Unreadable { seq: 10, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("canonical"), "{err}");
}

#[test]
fn a_deleted_entry_is_named() {
    let (mut rows, heads) = log();
    rows.remove(42);
    let err = audit(rows, &heads).unwrap_err();
    assert!(
        matches!(
            err,
            AuditProblem::Missing {
                from: 42,
                to: 42,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains("entries 42 to 42 are missing"),
        "{err}"
    );
}

#[test]
fn a_deletion_hidden_by_renumbering_is_named() {
    let (mut rows, heads) = log();
    rows.remove(42);
    for r in &mut rows[42..] {
        r.seq -= 1;
    }
    let err = audit(rows, &heads).unwrap_err();
    assert_eq!(
        err,
        AuditProblem::Misplaced {
            position: 42,
            holds: 43
        }
    );
}

#[test]
fn a_swapped_pair_is_named_when_rows_exchange_contents() {
    // Bytes and hashes exchanged between sequence numbers 60 and 61.
    let (mut rows, heads) = log();
    let (a, b) = (rows[60].clone(), rows[61].clone());
    rows[60] = StoredEntry { seq: 60, ..b };
    rows[61] = StoredEntry { seq: 61, ..a };
    let err = audit(rows, &heads).unwrap_err();
    assert_eq!(err, AuditProblem::Swapped { a: 60, b: 61 });
    assert!(
        err.to_string().contains("entries 60 and 61 were swapped"),
        "{err}"
    );
}

#[test]
fn a_swapped_pair_is_named_when_rows_come_out_of_order() {
    let (mut rows, heads) = log();
    rows.swap(60, 61);
    assert_eq!(
        audit(rows, &heads).unwrap_err(),
        AuditProblem::Swapped { a: 60, b: 61 }
    );
}

#[test]
fn a_swap_with_everything_recomputed_is_caught_by_the_signed_head() {
    // The tamperer re-appends the whole log with two bodies exchanged: hashes, sequence numbers
    // and back-links are all consistent; only the signature they cannot redo betrays them.
    let (_, heads) = log();
    let mut bodies: Vec<Body> = (0..N).map(sample_body).collect();
    bodies.swap(60, 61);
    let (rows, _) = build(bodies);
    let err = audit(rows, &heads).unwrap_err();
    assert!(
        matches!(
            err,
            AuditProblem::HeadMismatch {
                size: 100,
                from: 0,
                to: 99,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_duplicated_row_is_named() {
    let (mut rows, heads) = log();
    let copy = rows[7].clone();
    rows.insert(8, copy);
    assert_eq!(
        audit(rows, &heads).unwrap_err(),
        AuditProblem::Duplicate { seq: 7 }
    );
}

#[test]
fn a_rewritten_first_entry_is_named() {
    let (mut rows, heads) = log();
    let zeros = "0".repeat(64);
    edit(&mut rows[0], &zeros, &"1".repeat(64), true);
    assert_eq!(audit(rows, &heads).unwrap_err(), AuditProblem::BadGenesis);
}

#[test]
fn truncation_is_caught_by_a_head_and_by_an_off_server_checkpoint() {
    let (mut rows, heads) = log();
    rows.truncate(220);
    let err = audit(rows.clone(), &heads).unwrap_err();
    assert!(
        matches!(
            err,
            AuditProblem::Truncated {
                entries: 220,
                size: 250,
                ..
            }
        ),
        "{err}"
    );
    // Deleting the stored head too hides the truncation from the stored data alone...
    let stored: Vec<SignedTreeHead> = heads[..2].to_vec();
    let s = audit_log(rows.clone(), &stored, &signer().verifier()).unwrap();
    assert_eq!((s.entries, s.unsigned_tail), (220, 20));
    // ...but not from a checkpoint someone kept elsewhere.
    let kept = SignedTreeHead::from_checkpoint(&heads[2].to_checkpoint()).unwrap();
    let all = [stored, vec![kept]].concat();
    assert!(matches!(
        audit(rows, &all).unwrap_err(),
        AuditProblem::Truncated { size: 250, .. }
    ));
}

#[test]
fn forged_or_foreign_heads_are_refused() {
    let (rows, mut heads) = log();
    heads[1].size += 1;
    let err = audit(rows.clone(), &heads).unwrap_err();
    assert!(
        matches!(err, AuditProblem::HeadSignature { size: 201, .. }),
        "{err}"
    );

    let (_, mut heads) = log();
    let other = HeadSigner::new("closedloop.test/suqian", [1; 32]).unwrap();
    heads.push(other.sign(10, leaf_hash(b"x"), time(0)));
    assert!(matches!(
        audit(rows, &heads).unwrap_err(),
        AuditProblem::HeadSignature { size: 10, .. }
    ));
}

#[test]
fn two_signed_heads_of_one_size_with_different_roots_are_a_fork() {
    let (rows, mut heads) = log();
    heads.push(signer().sign(100, leaf_hash(b"fork"), time(1)));
    assert!(matches!(
        audit(rows, &heads).unwrap_err(),
        AuditProblem::HeadsInconsistent { size: 100, .. }
    ));
}

#[test]
fn sample_traveler_refs_are_in_the_log() {
    // Guards the bundle tests' assumption that sample travelers appear in entries.
    let (rows, _) = log();
    let t = sample_traveler(0);
    let hits = rows
        .iter()
        .filter(|r| {
            closedloop_ledger::Entry::from_canonical(&r.canonical)
                .unwrap()
                .mentions(&t)
        })
        .count();
    assert!(hits >= 2);
}

#[test]
fn a_rehashed_link_edit_is_named_even_on_the_last_entry() {
    // No later entry's back-link covers the last entry; its traveler link does.
    let (mut rows, heads) = log();
    let last = rows.len() - 1;
    let entry = Entry::from_canonical(&rows[last].canonical).unwrap();
    // Entry 249 is its travelers' first (a new batch of sample travelers starts at 248).
    assert!(entry.links.as_ref().unwrap()[0].is_none());
    let to = "\"links\":[{\"seq\":5,\"kind\":\"hand_over\"},";
    edit(&mut rows[last], "\"links\":[null,", to, true);
    let err = audit(rows, &heads).unwrap_err();
    assert!(
        matches!(err, AuditProblem::LinkBroken { seq: 249, .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains(
            "to entry 5 (hand_over) but the traveler's previous entry is none (the traveler's first entry)"
        ),
        "{err}"
    );
}

#[test]
fn a_head_whose_map_root_is_not_the_logs_is_named() {
    let (rows, mut heads) = log();
    let h = heads[1].clone();
    heads[1] = signer().sign_with_map(h.size, h.root, leaf_hash(b"another map"), h.at);
    let err = audit(rows, &heads).unwrap_err();
    assert!(
        matches!(
            err,
            AuditProblem::MapMismatch {
                size: 200,
                from: 100,
                to: 199,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn the_log_never_goes_back_to_version_1() {
    // A version-1 head over version-2 entries.
    let (rows, mut heads) = log();
    let h = heads[0].clone();
    heads[0] = signer().sign(h.size, h.root, h.at);
    assert!(matches!(
        audit(rows, &heads).unwrap_err(),
        AuditProblem::HeadDowngrade {
            size: 100,
            first_v2: 0,
            ..
        }
    ));
    // A version-1 entry after version-2 ones, chained and hashed correctly.
    let (mut rows, _) = log();
    let mut old = Entry::from_canonical(&rows[249].canonical).unwrap();
    old.links = None;
    rows[249].canonical = old.to_canonical();
    rows[249].leaf_hash = leaf_hash(&rows[249].canonical);
    assert!(old.to_canonical().starts_with(b"{\"v\":1,"));
    assert_eq!(
        audit(rows, &[]).unwrap_err(),
        AuditProblem::VersionDowngrade {
            seq: 249,
            first_v2: 0
        }
    );
}

#[test]
fn the_audit_rebuilds_the_traveler_map() {
    let (rows, heads) = log();
    let s = audit_log(rows, &heads, &signer().verifier()).unwrap();
    assert_eq!(Some(s.map_root), heads.last().unwrap().map_root);
    // sample bodies name travelers (i / 4) * 3 .. + 3 of every i, except check-lists.
    assert!(s.travelers > 150, "{}", s.travelers);
}
