//! POSTs with an `Idempotency-Key`, against the real server and database: a replay gets the
//! first answer and writes nothing; the same key with another body is 422; a key whose first
//! request has not been answered (still running, here or on another instance) is 409.

mod common;

use closedloop_app::AccessRole;
use closedloop_store::Store;
use closedloop_store::idempotency::{self, Claim};
use common::{problem, start};
use serde_json::{Value, json};

const JSON: &str = "application/json";

/// The vehicles stored (ids are no count: a refused insert still takes a PostgreSQL sequence
/// number).
/// The store id of the account `login`: keys are scoped by it.
fn account_id(s: &common::Server, login: &str) -> i64 {
    let store = Store::open(&s.db.url).unwrap();
    closedloop_store::accounts::account_by_login(&mut store.conn().unwrap(), login)
        .unwrap()
        .expect("the account")
        .id
}

fn vehicles(s: &common::Server) -> i64 {
    use diesel::prelude::*;
    let store = Store::open(&s.db.url).unwrap();
    closedloop_store::schema::vehicles::table
        .count()
        .get_result(&mut *store.conn().unwrap())
        .unwrap()
}

fn post(
    s: &common::Server,
    path: &str,
    key: Option<&str>,
    body: &str,
) -> reqwest::blocking::Response {
    let mut r = s
        .client
        .post(s.url(path))
        .header("content-type", JSON)
        .body(body.to_string());
    if let Some(k) = key {
        r = r.header("Idempotency-Key", k);
    }
    r.send().unwrap()
}

#[test]
fn a_replay_gets_the_first_answer_and_writes_nothing() {
    let mut s = start();
    s.login(AccessRole::Dispatcher);
    let body = r#"{"plate": "沪A·10001", "seats": 7}"#;
    let first = post(&s, "/api/vehicles", Some(r#""v-1""#), body);
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    assert_eq!(first.json::<Value>().unwrap(), json!({"id": 1}));

    // The same request again, spaced and ordered differently: the first answer, marked.
    let again = post(
        &s,
        "/api/vehicles",
        Some(r#""v-1""#),
        r#"{ "seats": 7, "plate": "沪A·10001" }"#,
    );
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().unwrap(), json!({"id": 1}));

    // Without the key the plate is already stored; the key's bare-token form works too.
    problem(post(&s, "/api/vehicles", None, body), 409, "already_exists");
    let r = post(
        &s,
        "/api/vehicles",
        Some("v-2"),
        r#"{"plate": "沪A·10002", "seats": 9}"#,
    );
    assert_eq!(r.status(), 201);
    assert_eq!(vehicles(&s), 2, "one vehicle per key");

    // The same key with another body.
    let p = problem(
        post(
            &s,
            "/api/vehicles",
            Some("v-1"),
            r#"{"plate": "沪A·10001", "seats": 8}"#,
        ),
        422,
        "idempotency_key_reused",
    );
    assert_eq!(p["field"], "Idempotency-Key");
    // Another route is another request too.
    problem(
        post(
            &s,
            "/api/crew",
            Some("v-1"),
            r#"{"staff_no": "D-1", "name": "Zhang San", "role": "driver"}"#,
        ),
        422,
        "idempotency_key_reused",
    );
    problem(
        post(&s, "/api/vehicles", Some("a b"), body),
        400,
        "idempotency_key_invalid",
    );
}

#[test]
fn a_refused_request_keeps_no_key_so_the_fixed_request_can_use_it() {
    let mut s = start();
    s.login(AccessRole::Dispatcher);
    problem(
        post(
            &s,
            "/api/crew",
            Some("c-1"),
            r#"{"staff_no": " ", "name": "Li Si", "role": "driver"}"#,
        ),
        422,
        "field_empty",
    );
    problem(
        post(
            &s,
            "/api/crew",
            Some("c-1"),
            r#"{"staff_no": " ", "name": "Li Si", "role": "driver"}"#,
        ),
        422,
        "field_empty",
    );
    let ok = r#"{"staff_no": "D-7", "name": "Li Si", "role": "driver"}"#;
    let r = post(&s, "/api/crew", Some("c-1"), ok);
    assert_eq!(r.status(), 201);
    let replay = post(&s, "/api/crew", Some("c-1"), ok);
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
}

#[test]
fn a_key_committed_without_its_answer_is_409_and_writes_nothing() {
    let mut s = start();
    s.login(AccessRole::Dispatcher);
    let body = json!({"plate": "沪A·20001", "seats": 7});
    // What another instance leaves while its first request runs (or if it died after the
    // commit): the key stored with the write, no answer yet.
    let store = Store::open(&s.db.url).unwrap();
    let claim = Claim {
        scope: format!("account:{}", account_id(&s, "dispatcher")),
        key: "v-elsewhere".into(),
        fingerprint: closedloop_server::idempotent::fingerprint("POST /api/vehicles", &body),
        at: chrono::Utc::now().naive_utc(),
    };
    let mut conn = store.conn().unwrap();
    let (written, _) = idempotency::armed(claim, || {
        closedloop_store::custody::add_vehicle(&mut conn, "沪A·20001", 7)
    });
    assert_eq!(written.unwrap(), 1);

    problem(
        post(&s, "/api/vehicles", Some("v-elsewhere"), &body.to_string()),
        409,
        "idempotency_key_in_progress",
    );
    assert_eq!(vehicles(&s), 1, "the replay wrote nothing");
}

#[test]
fn concurrent_replays_make_one_record() {
    let mut s = start();
    s.login(AccessRole::Dispatcher);
    let body = r#"{"plate": "沪A·30001", "seats": 7}"#;
    let answers: Vec<(u16, Option<String>)> = std::thread::scope(|t| {
        let hs: Vec<_> = (0..8)
            .map(|_| {
                let s = &s;
                t.spawn(move || {
                    let r = post(s, "/api/vehicles", Some("v-burst"), body);
                    let status = r.status().as_u16();
                    let code = (status != 201).then(|| {
                        r.json::<Value>().unwrap()["code"]
                            .as_str()
                            .unwrap()
                            .to_string()
                    });
                    (status, code)
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (status, code) in &answers {
        assert!(
            *status == 201
                || (*status == 409 && code.as_deref() == Some("idempotency_key_in_progress")),
            "{answers:?}"
        );
    }
    assert!(answers.iter().any(|(s, _)| *s == 201), "{answers:?}");
    assert_eq!(vehicles(&s), 1, "one record for the burst");
}
