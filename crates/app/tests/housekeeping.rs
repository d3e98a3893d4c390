//! The service's sweep forgets idempotency keys after their 24 hours and sessions a week after
//! they ended, and nothing a signed-in caller still uses. On the backend `DATABASE_URL` names.

mod common;

use chrono::{TimeDelta, Utc};
use closedloop_app::AccessRole;
use closedloop_app::accounts::login::{LoginRequest, login, logout, resolve_session};
use closedloop_app::accounts::{AddAccount, add};
use closedloop_app::housekeeping::{Swept, sweep};
use closedloop_store::idempotency::{self, Claim, Prior};
use common::desk;

#[test]
fn a_sweep_forgets_expired_keys_and_ended_sessions_only() {
    let d = desk();
    let now = Utc::now();
    let account = AddAccount {
        login: "audit1".into(),
        name: None,
        role: AccessRole::Auditor,
        hotel: None,
        crew: None,
        port: None,
        password: "a long enough pass phrase 42".into(),
    };
    add(&d.app, &account, now - TimeDelta::days(30)).unwrap();
    let sign_in = |at| {
        let req = LoginRequest {
            login: "audit1".into(),
            password: "a long enough pass phrase 42".into(),
            totp: None,
            address: "127.0.0.1".into(),
        };
        login(&d.app, &req, at).unwrap()
    };
    // Ended (by its fixed lifetime) about 20 days ago; logged out an hour ago; in use.
    let _old = sign_in(now - TimeDelta::days(20));
    let out = sign_in(now - TimeDelta::hours(2));
    logout(&d.app, &out.caller, now - TimeDelta::hours(1)).unwrap();
    let live = sign_in(now);

    let mut conn = d.app.conn().unwrap();
    let claim = |key: &str, at| Claim {
        scope: "account:1".into(),
        key: key.into(),
        fingerprint: "f".into(),
        at,
    };
    let stale = claim("stale", (now - TimeDelta::hours(25)).naive_utc());
    let fresh = claim("fresh", (now - TimeDelta::hours(1)).naive_utc());
    idempotency::store_answer(&mut conn, &stale, 201, "{}").unwrap();
    idempotency::store_answer(&mut conn, &fresh, 201, "{}").unwrap();
    drop(conn);

    let swept = sweep(&d.app, now).unwrap();
    assert_eq!(
        swept,
        Swept {
            idempotency_keys: 1,
            sessions: 1
        }
    );
    // What is still in use answers as before.
    resolve_session(&d.app, &live.token, now + TimeDelta::minutes(1)).unwrap();
    let mut conn = d.app.conn().unwrap();
    assert!(matches!(
        idempotency::lookup(&mut conn, &fresh).unwrap(),
        Prior::Answered { status: 201, .. }
    ));
    drop(conn);
    assert_eq!(sweep(&d.app, now).unwrap(), Swept::default());

    // A week and a day on, the logged-out session and the one in use (ended after 12 hours)
    // go too, and the fresh key with them.
    let later = sweep(&d.app, now + TimeDelta::days(8)).unwrap();
    assert_eq!(
        later,
        Swept {
            idempotency_keys: 1,
            sessions: 2
        }
    );
    assert!(resolve_session(&d.app, &live.token, now + TimeDelta::days(8)).is_err());
}
