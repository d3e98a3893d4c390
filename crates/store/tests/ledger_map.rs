//! The traveler map in the store (ledger format 2): a log stored by the version-1 code still
//! verifies, the next append builds the map from it, bundles prove completeness from then on,
//! and edited map rows are found by `ledger verify` and refused by the next append. On SQLite,
//! or PostgreSQL when DATABASE_URL names one.

use closedloop_ledger::bundle::Completeness;
use closedloop_ledger::entry::{HandOver, Party, Place, PlaceKind, Role};
use closedloop_ledger::testing::{sample_body, sample_traveler};
use closedloop_ledger::{
    Body, Bundle, Entry, Hash, HeadSigner, Id, ProofTree, SignedTreeHead, TravelerRef, UtcMillis,
    check,
};
use closedloop_store::ledger::{self, LedgerProblem};
use closedloop_store::testing::TestDatabase;
use closedloop_store::{Store, StoreError};
use serde::Deserialize;

fn at() -> UtcMillis {
    UtcMillis::from_unix_ms(1_614_934_367_000).unwrap()
}

/// The fixture `ledger ... tests/data/v1_log.json`, written by the version-1 code.
#[derive(Deserialize)]
struct V1Log {
    traveler: TravelerRef,
    state: String,
    rows: Vec<V1Row>,
    heads: Vec<SignedTreeHead>,
}

#[derive(Deserialize)]
struct V1Row {
    seq: u64,
    canonical: String,
    leaf_hash: Hash,
}

/// Stores the version-1 fixture as the version-1 store did: entries, traveler index, heads
/// (their JSON as it was) and the `CLA1` appender state.
fn store_v1_log(db: &TestDatabase) -> V1Log {
    let log: V1Log =
        serde_json::from_str(include_str!("../../ledger/tests/data/v1_log.json")).unwrap();
    let mut sql = String::new();
    for r in &log.rows {
        let e = Entry::from_canonical(r.canonical.as_bytes()).unwrap();
        let t =
            e.at.to_datetime()
                .naive_utc()
                .format("%Y-%m-%d %H:%M:%S%.3f");
        sql.push_str(&format!(
            "INSERT INTO ledger_entries (seq, at, kind, canonical, leaf_hash) VALUES ({}, '{t}', '{}', '{}', '{}');\n",
            r.seq,
            e.body.kind(),
            r.canonical,
            r.leaf_hash
        ));
        for t in e.body.travelers() {
            sql.push_str(&format!(
                "INSERT INTO ledger_traveler_refs (traveler_ref, seq) VALUES ('{t}', {});\n",
                r.seq
            ));
        }
    }
    for h in &log.heads {
        let json = serde_json::to_string(h).unwrap();
        assert!(!json.contains("map_root"));
        sql.push_str(&format!(
            "INSERT INTO ledger_heads (tree_size, head, created) VALUES ({}, '{json}', '2021-03-05 00:00:00');\n",
            h.size
        ));
    }
    sql.push_str(&format!(
        "UPDATE ledger_state SET tree_size = {}, state = '{}' WHERE id = 1;\n",
        log.rows.len(),
        log.state
    ));
    db.execute(&sql).unwrap();
    log
}

fn hand_over(i: u64, travelers: Vec<TravelerRef>) -> Body {
    Body::HandOver(HandOver {
        batch: Id::from_key(i as i64),
        from: Party {
            role: Role::TransferCrew,
            id: Id::from_key(1),
        },
        to: Party {
            role: Role::HotelStaff,
            id: Id::from_key(2),
        },
        place: Place {
            kind: PlaceKind::Hotel,
            id: None,
            coords: None,
        },
        head_count: travelers.len() as u32,
        travelers,
        to_batch: None,
    })
}

#[test]
fn a_version_1_log_verifies_upgrades_on_the_next_append_and_proves_bundles_from_there() {
    let db = TestDatabase::from_env().unwrap();
    let store = Store::open(&db.url).unwrap();
    let log = store_v1_log(&db);
    let signer = HeadSigner::new("closedloop.test/v1", [11; 32]).unwrap();
    let mut conn = store.conn().unwrap();
    let s = ledger::audit(&mut conn, &signer.verifier(), &[])
        .unwrap()
        .unwrap();
    assert_eq!((s.entries, s.heads_checked), (60, 3));

    // A version-1 latest head still gives a bundle, of format 1.
    let t = log.traveler;
    let m = ledger::bundle_material(&mut conn, &t).unwrap().unwrap();
    assert_eq!((m.head.version(), m.map_proof.is_none()), (1, true));

    let mut appender = ledger::load_appender(&mut conn).unwrap();
    assert_eq!(appender.map_root(), None);
    let head = ledger::append_batch(
        &mut conn,
        &mut appender,
        vec![hand_over(60, vec![t, sample_traveler(1)]), sample_body(61)],
        &signer,
        at(),
    )
    .unwrap();
    assert_eq!((head.size, head.version()), (62, 2));
    let head = ledger::append_batch(
        &mut conn,
        &mut appender,
        vec![hand_over(62, vec![t])],
        &signer,
        at(),
    )
    .unwrap();
    let s = ledger::audit(&mut conn, &signer.verifier(), &[])
        .unwrap()
        .unwrap();
    assert_eq!((s.entries, Some(s.map_root)), (63, head.map_root));

    let m = ledger::bundle_material(&mut conn, &t).unwrap().unwrap();
    let indices: Vec<u64> = m.entries.iter().map(|(i, _)| *i).collect();
    assert_eq!(indices, [4, 21, 38, 60, 62]);
    let b = Bundle::build(
        t,
        &m.head,
        &signer.verifier(),
        &ProofTree::new(m.leaves),
        m.entries,
        m.map_proof,
    )
    .unwrap();
    let summary = check(&b).unwrap();
    assert_eq!(
        summary.completeness,
        Completeness::CompleteFrom { from: 38 }
    );
    let mut cut = b.clone();
    cut.entries.remove(3);
    assert_eq!(check(&cut).unwrap_err().missing_entry(), Some(60));
}

#[test]
fn edited_map_rows_are_found_by_verify_and_refused_by_the_next_append() {
    let db = TestDatabase::from_env().unwrap();
    let store = Store::open(&db.url).unwrap();
    let mut conn = store.conn().unwrap();
    let signer = HeadSigner::new("closedloop.test/store", [3; 32]).unwrap();
    let mut appender = ledger::load_appender(&mut conn).unwrap();
    for b in 0..5 {
        let bodies = (b * 4..b * 4 + 4).map(sample_body).collect();
        ledger::append_batch(&mut conn, &mut appender, bodies, &signer, at()).unwrap();
    }
    let ok = ledger::audit(&mut conn, &signer.verifier(), &[])
        .unwrap()
        .unwrap();
    assert!(ok.travelers >= 12, "{ok:?}");

    // A traveler's latest entry set back to an earlier one.
    let t = sample_traveler(0);
    db.execute(&format!(
        "UPDATE ledger_map_records SET seq = 0 WHERE traveler_ref = '{t}'"
    ))
    .unwrap();
    let problem = ledger::audit(&mut conn, &signer.verifier(), &[])
        .unwrap()
        .unwrap_err();
    assert!(matches!(problem, LedgerProblem::Map(_)), "{problem}");
    assert!(problem.to_string().contains("record rows"), "{problem}");
    let before = appender.clone();
    let err = ledger::append_batch(
        &mut conn,
        &mut appender,
        vec![sample_body(0)],
        &signer,
        at(),
    )
    .unwrap_err();
    assert!(matches!(err, StoreError::LedgerState(_)), "{err}");
    assert!(err.to_string().contains("bucket"), "{err}");
    assert_eq!(appender, before);
    // An append naming other travelers goes on: the edit is off its buckets (verify names it).
    ledger::append_batch(
        &mut conn,
        &mut appender,
        vec![sample_body(40)],
        &signer,
        at(),
    )
    .unwrap();

    // A node row edited.
    let db = TestDatabase::from_env().unwrap();
    let store = Store::open(&db.url).unwrap();
    let mut conn = store.conn().unwrap();
    let mut appender = ledger::load_appender(&mut conn).unwrap();
    ledger::append_batch(
        &mut conn,
        &mut appender,
        vec![sample_body(0)],
        &signer,
        at(),
    )
    .unwrap();
    let blob = "ab".repeat(512);
    db.execute(&if db.is_postgres() {
        format!("UPDATE ledger_map_nodes SET children = '\\x{blob}'::bytea WHERE node = 0")
    } else {
        format!("UPDATE ledger_map_nodes SET children = X'{blob}' WHERE node = 0")
    })
    .unwrap();
    let problem = ledger::audit(&mut conn, &signer.verifier(), &[])
        .unwrap()
        .unwrap_err();
    assert!(problem.to_string().contains("node row 0"), "{problem}");
    let err = ledger::append_batch(
        &mut conn,
        &mut appender,
        vec![sample_body(1)],
        &signer,
        at(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("root node"), "{err}");
}
