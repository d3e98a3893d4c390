//! Idempotency keys commit with the write they guard: a second write under a key already
//! claimed rolls back whole, whichever process makes it. On SQLite, or PostgreSQL when
//! DATABASE_URL names one.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use closedloop_store::idempotency::{self, Claim, ClaimOutcome, Prior};
use closedloop_store::testing::TestDatabase;
use closedloop_store::{Store, custody};
use diesel::prelude::*;

fn at() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 12, 2)
        .unwrap()
        .and_hms_opt(8, 0, 0)
        .unwrap()
}

fn claim(key: &str, fingerprint: &str) -> Claim {
    Claim {
        scope: "account:7".into(),
        key: key.into(),
        fingerprint: fingerprint.into(),
        at: at(),
    }
}

fn vehicles(conn: &mut closedloop_store::DbConnection) -> i64 {
    closedloop_store::schema::vehicles::table
        .count()
        .get_result(conn)
        .unwrap()
}

#[test]
fn a_key_commits_with_its_write_and_a_second_write_under_it_rolls_back() {
    let db = TestDatabase::from_env().unwrap();
    let store = Store::open(&db.url).unwrap();
    let mut conn = store.conn().unwrap();
    let c = claim("k1", "f1");
    assert_eq!(idempotency::lookup(&mut conn, &c).unwrap(), Prior::Unseen);

    // A refusal before any write leaves no key behind.
    let (out, outcome) = idempotency::armed(c.clone(), || Err::<(), _>("refused"));
    assert_eq!((out, outcome), (Err("refused"), ClaimOutcome::NotUsed));
    assert_eq!(idempotency::lookup(&mut conn, &c).unwrap(), Prior::Unseen);

    let (id, outcome) =
        idempotency::armed(c.clone(), || custody::add_vehicle(&mut conn, "沪A·1", 7));
    assert!(id.is_ok());
    assert_eq!(outcome, ClaimOutcome::Claimed);
    // Committed, not yet answered: what a replay sees if the process stopped here.
    assert_eq!(
        idempotency::lookup(&mut conn, &c).unwrap(),
        Prior::AnswerLost
    );

    // The same key armed again (another instance that raced past its own check): the write
    // fails on the key and nothing of it is stored.
    let (again, outcome) =
        idempotency::armed(c.clone(), || custody::add_vehicle(&mut conn, "沪A·2", 7));
    assert!(again.is_err());
    assert_eq!(outcome, ClaimOutcome::Taken);
    assert_eq!(vehicles(&mut conn), 1);

    idempotency::store_answer(&mut conn, &c, 201, r#"{"id":1}"#).unwrap();
    assert_eq!(
        idempotency::lookup(&mut conn, &c).unwrap(),
        Prior::Answered {
            status: 201,
            body: r#"{"id":1}"#.into()
        }
    );
    assert_eq!(
        idempotency::lookup(&mut conn, &claim("k1", "another body")).unwrap(),
        Prior::OtherRequest
    );
    // Scoped per caller: the same key of another account is unseen.
    let theirs = Claim {
        scope: "account:8".into(),
        ..c.clone()
    };
    assert_eq!(
        idempotency::lookup(&mut conn, &theirs).unwrap(),
        Prior::Unseen
    );
}

#[test]
fn an_answer_without_a_write_stores_the_key_and_keys_are_forgotten_after_a_day() {
    let db = TestDatabase::from_env().unwrap();
    let store = Store::open(&db.url).unwrap();
    let mut conn = store.conn().unwrap();
    let c = claim("k2", "f2");
    idempotency::store_answer(&mut conn, &c, 200, "[]").unwrap();
    assert!(matches!(
        idempotency::lookup(&mut conn, &c).unwrap(),
        Prior::Answered { status: 200, .. }
    ));

    let later = Claim {
        at: at() + idempotency::KEPT_FOR + TimeDelta::seconds(1),
        ..c.clone()
    };
    assert_eq!(
        idempotency::lookup(&mut conn, &later).unwrap(),
        Prior::Unseen
    );
    // An expired key is replaced by the new request's.
    let (id, outcome) = idempotency::armed(later.clone(), || {
        custody::add_vehicle(&mut conn, "沪B·1", 9)
    });
    assert!(id.is_ok());
    assert_eq!(outcome, ClaimOutcome::Claimed);
    assert_eq!(
        idempotency::lookup(&mut conn, &later).unwrap(),
        Prior::AnswerLost
    );

    let much_later = at() + idempotency::KEPT_FOR * 3;
    assert_eq!(
        idempotency::forget_expired(&mut conn, much_later).unwrap(),
        1
    );
    assert_eq!(
        idempotency::forget_expired(&mut conn, much_later).unwrap(),
        0
    );
}
