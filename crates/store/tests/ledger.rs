//! The ledger's storage: an append batch is all or nothing, a stale appender cannot fork the
//! log, and concurrent appenders serialise. On SQLite, or PostgreSQL when DATABASE_URL names one.

use closedloop_ledger::testing::sample_body;
use closedloop_ledger::{Appender, Body, HeadSigner, UtcMillis};
use closedloop_store::testing::TestDatabase;
use closedloop_store::{Store, ledger};

fn signer() -> HeadSigner {
    HeadSigner::new("closedloop.test/store", [3; 32]).unwrap()
}

fn at() -> UtcMillis {
    UtcMillis::from_unix_ms(1_614_834_367_000).unwrap()
}

fn bodies(from: u64, n: u64) -> Vec<Body> {
    (from..from + n).map(sample_body).collect()
}

#[test]
fn batches_are_all_or_nothing_and_a_stale_appender_continues_the_stored_log() {
    let db = TestDatabase::from_env().unwrap();
    let store = Store::open(&db.url).unwrap();
    let mut conn = store.conn().unwrap();
    let s = signer();

    let mut appender = ledger::load_appender(&mut conn).unwrap();
    let head = ledger::append_batch(&mut conn, &mut appender, bodies(0, 10), &s, at()).unwrap();
    assert_eq!((head.size, appender.size()), (10, 10));
    assert_eq!(ledger::load_appender(&mut conn).unwrap(), appender);

    // An invalid entry in the middle: nothing of the batch is stored, the appender is as before.
    let mut bad = bodies(10, 3);
    if let Body::HandOver(h) = &mut bad[1] {
        h.to = h.from.clone();
    } else {
        panic!("sample 11 is a hand-over");
    }
    let before = appender.clone();
    assert!(ledger::append_batch(&mut conn, &mut appender, bad, &s, at()).is_err());
    assert_eq!(appender, before);
    assert_eq!(ledger::load_entries(&mut conn).unwrap().len(), 10);
    assert!(matches!(
        ledger::append_batch(&mut conn, &mut appender, vec![], &s, at()),
        Err(closedloop_store::StoreError::EmptyAppend)
    ));

    // An appender that missed the last batch still appends after it, never over it.
    let mut stale = Appender::new();
    let head = ledger::append_batch(&mut conn, &mut stale, bodies(10, 5), &s, at()).unwrap();
    assert_eq!(head.size, 15);
    let heads = ledger::load_heads(&mut conn).unwrap();
    assert_eq!(heads.iter().map(|h| h.size).collect::<Vec<_>>(), [10, 15]);
    let summary = ledger::audit(&mut conn, &s.verifier(), &[])
        .unwrap()
        .unwrap();
    assert_eq!(summary.entries, 15);
    assert_eq!(ledger::leaf_hashes_upto(&mut conn, 15).unwrap().len(), 15);
}

#[test]
fn concurrent_appenders_serialise() {
    let db = TestDatabase::from_env().unwrap();
    let store = Store::open(&db.url).unwrap();
    let threads: Vec<_> = (0..2u64)
        .map(|k| {
            let store = store.clone();
            std::thread::spawn(move || {
                let mut conn = store.conn().unwrap();
                let mut appender = ledger::load_appender(&mut conn).unwrap();
                for b in 0..15 {
                    let from = k * 1_000 + b * 4;
                    ledger::append_batch(
                        &mut conn,
                        &mut appender,
                        bodies(from, 4),
                        &signer(),
                        at(),
                    )
                    .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let mut conn = store.conn().unwrap();
    let summary = ledger::audit(&mut conn, &signer().verifier(), &[])
        .unwrap()
        .unwrap();
    assert_eq!((summary.entries, summary.heads_checked), (120, 30));
}
