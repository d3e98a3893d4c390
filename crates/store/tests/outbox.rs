//! The notifications' outbox: projecting the ledger is idempotent (a message per webhook and
//! dedupe key, however often the entries are read) and atomic with its cursor (a projection
//! that fails leaves neither messages nor a moved cursor); a leased message is not leased
//! twice; every attempt is logged. On SQLite, or PostgreSQL when DATABASE_URL names one.

use chrono::{NaiveDateTime, TimeDelta};
use closedloop_ledger::testing::sample_body;
use closedloop_ledger::{HeadSigner, UtcMillis};
use closedloop_store::outbox::{self, Attempt, NewMessage, Outcome};
use closedloop_store::testing::TestDatabase;
use closedloop_store::{DbConnection, Store, StoreError, ledger};

fn append(conn: &mut DbConnection, from: u64, n: u64) {
    let signer = HeadSigner::new("closedloop.test/outbox", [5; 32]).unwrap();
    let mut appender = ledger::load_appender(conn).unwrap();
    let at = UtcMillis::from_unix_ms(1_614_834_367_000).unwrap();
    let bodies = (from..from + n).map(sample_body).collect();
    ledger::append_batch(conn, &mut appender, bodies, &signer, at).unwrap();
}

fn now() -> NaiveDateTime {
    chrono::DateTime::from_timestamp(1_764_000_000, 0)
        .unwrap()
        .naive_utc()
}

/// One message per entry to each of two webhooks, and one that comes from no entry.
fn per_entry(
    _: &mut DbConnection,
    entries: &[closedloop_ledger::Entry],
) -> Result<Vec<NewMessage>, StoreError> {
    let mut out = Vec::new();
    for e in entries {
        for webhook in ["chat", "sms"] {
            out.push(NewMessage {
                webhook: webhook.into(),
                event_type: "incident".into(),
                dedupe_key: format!("entry:{}", e.seq),
                payload: format!("{{\"seq\":{}}}", e.seq),
            });
        }
    }
    out.push(NewMessage {
        webhook: "chat".into(),
        event_type: "loop_overdue".into(),
        dedupe_key: "loop_overdue:7:2026-12-02T08:00:00.000Z".into(),
        payload: "{}".into(),
    });
    Ok(out)
}

#[test]
fn projection_is_idempotent_and_moves_its_cursor_with_its_messages() {
    let db = TestDatabase::from_env().unwrap();
    let store = Store::open(&db.url).unwrap();
    let mut conn = store.conn().unwrap();
    assert_eq!(outbox::cursor(&mut conn).unwrap(), 0);
    append(&mut conn, 0, 6);

    let p = outbox::project(&mut conn, 4, per_entry, now()).unwrap();
    assert_eq!((p.entries, p.inserted, p.next_seq), (4, 9, 4));
    let p = outbox::project(&mut conn, 4, per_entry, now()).unwrap();
    assert_eq!(
        (p.entries, p.inserted, p.next_seq),
        (2, 4, 6),
        "the loop's message is not doubled"
    );
    let p = outbox::project(&mut conn, 4, per_entry, now()).unwrap();
    assert_eq!((p.entries, p.inserted, p.next_seq), (0, 0, 6));
    assert_eq!(outbox::messages(&mut conn).unwrap().len(), 13);

    // A cursor put back (as after a crash between sending and storing it, were it kept
    // elsewhere) projects the same entries again and queues nothing twice.
    db.execute("UPDATE outbox_cursor SET next_seq = 0").unwrap();
    let p = outbox::project(&mut conn, 100, per_entry, now()).unwrap();
    assert_eq!((p.entries, p.inserted, p.next_seq), (6, 0, 6));
    assert_eq!(outbox::messages(&mut conn).unwrap().len(), 13);

    // A projection that fails leaves nothing behind: no message, the cursor where it was.
    append(&mut conn, 6, 3);
    let failing = |conn: &mut DbConnection, entries: &[closedloop_ledger::Entry]| {
        let _ = per_entry(conn, entries)?;
        Err(StoreError::Corrupt("the payload could not be built".into()))
    };
    assert!(outbox::project(&mut conn, 100, failing, now()).is_err());
    assert_eq!(outbox::cursor(&mut conn).unwrap(), 6);
    assert_eq!(outbox::messages(&mut conn).unwrap().len(), 13);
    let p = outbox::project(&mut conn, 100, per_entry, now()).unwrap();
    assert_eq!((p.entries, p.inserted, p.next_seq), (3, 6, 9));
}

#[test]
fn a_leased_message_is_not_leased_again_and_every_attempt_is_logged() {
    let db = TestDatabase::from_env().unwrap();
    let store = Store::open(&db.url).unwrap();
    let mut conn = store.conn().unwrap();
    append(&mut conn, 0, 1);
    outbox::project(&mut conn, 10, per_entry, now()).unwrap();
    let until = now() + TimeDelta::minutes(1);

    let first = outbox::lease(&mut conn, now(), until, 2).unwrap();
    assert_eq!(first.len(), 2);
    let mut other = store.conn().unwrap();
    let second = outbox::lease(&mut other, now(), until, 10).unwrap();
    assert_eq!(second.len(), 1, "only the message not leased yet");
    assert!(first.iter().all(|d| second.iter().all(|s| s.id != d.id)));
    assert!(
        outbox::lease(&mut other, now(), until, 10)
            .unwrap()
            .is_empty()
    );

    // A failed attempt: logged, the lease released, due again only after the back-off.
    let d = &first[0];
    let failed = Attempt {
        at: now(),
        status: Some(500),
        error: Some("the webhook answered 500".into()),
        duration_ms: 12,
    };
    let later = now() + TimeDelta::seconds(30);
    outbox::record(&mut conn, d.id, &failed, Outcome::Retry(later), true).unwrap();
    assert!(
        outbox::lease(&mut conn, now(), until, 10)
            .unwrap()
            .is_empty()
    );
    let again = outbox::lease(&mut conn, later, later + TimeDelta::minutes(1), 10).unwrap();
    assert_eq!(
        again.iter().map(|d| (d.id, d.attempts)).collect::<Vec<_>>(),
        [(d.id, 1)]
    );
    assert_ne!(
        outbox::payload(&mut conn, d.id).unwrap(),
        "{}",
        "kept for the retry"
    );

    // Delivered: logged, not due again, its payload erased when asked to.
    let ok = Attempt {
        at: later,
        status: Some(200),
        error: None,
        duration_ms: 3,
    };
    outbox::record(&mut conn, d.id, &ok, Outcome::Delivered, true).unwrap();
    let far = later + TimeDelta::days(1);
    assert!(
        outbox::lease(&mut conn, far, far, 10)
            .unwrap()
            .iter()
            .all(|x| x.id != d.id)
    );
    assert_eq!(outbox::payload(&mut conn, d.id).unwrap(), "{}");
    assert_eq!(
        outbox::attempts(&mut conn, d.id).unwrap(),
        [failed.clone(), ok]
    );
    let row = outbox::messages(&mut conn)
        .unwrap()
        .into_iter()
        .find(|m| m.id == d.id)
        .unwrap();
    assert_eq!(
        (row.attempts, row.last_status, row.delivered_at),
        (2, Some(200), Some(later))
    );

    // Failed for good: never leased again.
    let e = &first[1];
    outbox::record(&mut conn, e.id, &failed, Outcome::Failed, false).unwrap();
    assert!(
        outbox::lease(&mut conn, far, far, 10)
            .unwrap()
            .iter()
            .all(|x| x.id != e.id)
    );
    assert_ne!(outbox::payload(&mut conn, e.id).unwrap(), "{}");
}
