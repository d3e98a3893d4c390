//! Signing in and staying signed in, over HTTP on a real database: password and TOTP (the
//! code computed here from the account's key), each failure alike, a code accepted once,
//! logout and disabling revoke, the lockout after 5 failures per account and per address
//! (429 with Retry-After), CSRF on cookie writes, bearer tokens without CSRF, and the
//! cookie's attributes.

mod common;

use chrono::Utc;
use closedloop_app::AccessRole::{self, *};
use closedloop_app::accounts;
use common::{Account, PASSWORD, Server, add_account, problem, totp_code, unix_now};
use reqwest::blocking::{Client, Response};
use serde_json::{Value, json};
use std::net::IpAddr;

fn login(s: &Server, client: &Client, body: Value) -> Response {
    client
        .post(s.url("/api/session"))
        .json(&body)
        .send()
        .unwrap()
}

/// Adds an account of `role`; drivers and escorts get a crew member of their own first.
fn add(s: &Server, role: AccessRole, login: &str) -> Option<String> {
    let mut account = Account::of(role).named(login);
    if matches!(role, Driver | Escort) {
        let crew = closedloop_app::trips::add_crew(
            &common::app(&s.db, s.dir.path()),
            &closedloop_app::trips::AddCrew {
                staff_no: login.to_string(),
                name: format!("Crew {login}"),
                role: accounts::role_code(role).to_string(),
            },
        )
        .unwrap();
        account = account.crew(crew.0);
    }
    add_account(&s.db, s.dir.path(), &account)
}

/// A client whose connections come from another loopback address.
fn from(address: &str) -> Client {
    Client::builder()
        .no_proxy()
        .local_address(address.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

fn cookie_token(r: &Response) -> String {
    let c = r.headers()["set-cookie"].to_str().unwrap();
    c.strip_prefix("closedloop_session=")
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_string()
}

fn with_cookie(
    s: &Server,
    token: &str,
    method: reqwest::Method,
    path: &str,
) -> reqwest::blocking::RequestBuilder {
    s.anonymous
        .request(method, s.url(path))
        .header("cookie", format!("closedloop_session={token}"))
}

#[test]
fn a_desk_logs_in_with_password_and_totp_and_every_failure_reads_the_same() {
    let s = common::start();
    let uri = add(&s, Dispatcher, "desk.1").expect("dispatchers sign in with TOTP");
    assert!(
        uri.starts_with("otpauth://totp/closedloop:desk.1?secret="),
        "{uri}"
    );
    let now = unix_now();
    let code = totp_code(&uri, now);
    let other = if code == "000000" { "111111" } else { "000000" };

    // Each from its own address, so that no address reaches the lockout.
    for (i, body) in [
        json!({"login": "desk.1", "password": PASSWORD}),
        json!({"login": "desk.1", "password": PASSWORD, "totp": other}),
        json!({"login": "desk.1", "password": PASSWORD, "totp": totp_code(&uri, now + 120)}),
        json!({"login": "desk.1", "password": "wrong horse battery", "totp": code}),
        json!({"login": "nobody", "password": PASSWORD, "totp": code}),
    ]
    .into_iter()
    .enumerate()
    {
        let p = problem(
            login(&s, &from(&format!("127.0.1.{}", i + 1)), body),
            401,
            "login_failed",
        );
        assert!(p["detail_zh"].as_str().unwrap().contains("动态口令"), "{p}");
    }

    let r = login(
        &s,
        &s.anonymous,
        json!({"login": "DESK.1", "password": PASSWORD, "totp": code}),
    );
    assert_eq!(r.status(), 200);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    for part in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "no TLS here: {cookie}");
    let token = cookie_token(&r);
    // 256 bits of randomness, hex.
    assert_eq!(token.len(), 64);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    let me: Value = r.json().unwrap();
    assert_eq!(
        (&me["login"], &me["role"], &me["credential"]),
        (&json!("desk.1"), &json!("dispatcher"), &json!("session"))
    );
    let csrf = me["csrf_token"].as_str().unwrap();
    assert_eq!(csrf.len(), 64);

    let who: Value = with_cookie(&s, &token, reqwest::Method::GET, "/api/session")
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        (&who["login"], &who["csrf_token"]),
        (&json!("desk.1"), &json!(csrf))
    );

    // A code is accepted once: the same code again is refused, though still in its step.
    problem(
        login(
            &s,
            &s.anonymous,
            json!({"login": "desk.1", "password": PASSWORD, "totp": code}),
        ),
        401,
        "login_failed",
    );
    // The next step's code is within the drift allowed.
    let next = totp_code(&uri, now + 30);
    let r = login(
        &s,
        &s.anonymous,
        json!({"login": "desk.1", "password": PASSWORD, "totp": next}),
    );
    assert_eq!(r.status(), 200);

    // Crew on phones sign in without TOTP.
    assert!(add(&s, Driver, "driver.1").is_none());
    let r = login(
        &s,
        &s.anonymous,
        json!({"login": "driver.1", "password": PASSWORD}),
    );
    assert_eq!(r.status(), 200);
    problem(
        login(
            &s,
            &s.anonymous,
            json!({"login": "driver.1", "password": PASSWORD, "colour": 1}),
        ),
        422,
        "unknown_field",
    );
}

#[test]
fn logout_and_disabling_revoke_sessions_and_tokens() {
    let s = common::start();
    add(&s, Driver, "driver.2");
    let r = login(
        &s,
        &s.anonymous,
        json!({"login": "driver.2", "password": PASSWORD}),
    );
    let token = cookie_token(&r);
    let csrf = r.json::<Value>().unwrap()["csrf_token"]
        .as_str()
        .unwrap()
        .to_string();

    // Logging out is a write: without the CSRF token it is refused and the session lives.
    problem(
        with_cookie(&s, &token, reqwest::Method::DELETE, "/api/session")
            .send()
            .unwrap(),
        403,
        "csrf_token_invalid",
    );
    let out = with_cookie(&s, &token, reqwest::Method::DELETE, "/api/session")
        .header("x-csrf-token", &csrf)
        .send()
        .unwrap();
    assert_eq!(out.status(), 204);
    assert!(
        out.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    problem(
        with_cookie(&s, &token, reqwest::Method::GET, "/api/session")
            .send()
            .unwrap(),
        401,
        "session_invalid",
    );

    // A new session and a bearer token both die with the account.
    let r = login(
        &s,
        &s.anonymous,
        json!({"login": "driver.2", "password": PASSWORD}),
    );
    let token = cookie_token(&r);
    let app = common::app(&s.db, s.dir.path());
    let bearer = accounts::issue_token(&app, "driver.2", "tablet", Utc::now())
        .unwrap()
        .token;
    assert!(bearer.starts_with("clt_"));
    let by_bearer = || {
        s.anonymous
            .get(s.url("/api/session"))
            .bearer_auth(&bearer)
            .send()
            .unwrap()
    };
    assert_eq!(by_bearer().status(), 200);
    assert_eq!(
        with_cookie(&s, &token, reqwest::Method::GET, "/api/session")
            .send()
            .unwrap()
            .status(),
        200
    );
    let v = accounts::disable(&app, "driver.2", Utc::now()).unwrap();
    assert!(v.disabled);
    problem(by_bearer(), 401, "session_invalid");
    problem(
        with_cookie(&s, &token, reqwest::Method::GET, "/api/session")
            .send()
            .unwrap(),
        401,
        "session_invalid",
    );
    problem(
        login(
            &s,
            &s.anonymous,
            json!({"login": "driver.2", "password": PASSWORD}),
        ),
        401,
        "login_failed",
    );
}

fn assert_locked(r: Response) {
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&wait), "{wait}");
    problem(r, 429, "too_many_logins");
}

#[test]
fn five_failures_for_an_account_lock_it_from_every_address() {
    let s = common::start();
    add(&s, Auditor, "auditor.1");
    for _ in 0..5 {
        problem(
            login(
                &s,
                &s.anonymous,
                json!({"login": "auditor.1", "password": "not the password"}),
            ),
            401,
            "login_failed",
        );
    }
    // Locked: the right password is not even tried, from this address or another.
    assert_locked(login(
        &s,
        &s.anonymous,
        json!({"login": "auditor.1", "password": PASSWORD}),
    ));
    assert_locked(login(
        &s,
        &from("127.0.0.2"),
        json!({"login": "auditor.1", "password": PASSWORD}),
    ));
    // Another account from another address is not affected.
    add(&s, Auditor, "auditor.2");
    let r = login(
        &s,
        &from("127.0.0.2"),
        json!({"login": "auditor.2", "password": PASSWORD}),
    );
    assert_eq!(r.status(), 200);
}

#[test]
fn five_failures_from_an_address_lock_it_for_every_account() {
    let s = common::start();
    add(&s, Auditor, "auditor.3");
    for i in 0..5 {
        problem(
            login(
                &s,
                &s.anonymous,
                json!({"login": format!("guess{i}"), "password": "x"}),
            ),
            401,
            "login_failed",
        );
    }
    assert_locked(login(
        &s,
        &s.anonymous,
        json!({"login": "auditor.3", "password": PASSWORD}),
    ));
    // The account itself is not locked: from another address it signs in.
    let r = login(
        &s,
        &from("127.0.0.3"),
        json!({"login": "auditor.3", "password": PASSWORD}),
    );
    assert_eq!(r.status(), 200);
}

#[test]
fn cookie_writes_need_the_csrf_token_and_bearer_writes_do_not() {
    let mut s = common::start();
    let session = s.login(Dispatcher);
    s.client = s.anonymous.clone();
    let vehicle = |csrf: Option<&str>, plate: &str| {
        let mut r = with_cookie(&s, &session.token, reqwest::Method::POST, "/api/vehicles")
            .json(&json!({"plate": plate, "seats": 7}));
        if let Some(c) = csrf {
            r = r.header("x-csrf-token", c);
        }
        r.send().unwrap()
    };
    problem(vehicle(None, "沪C·00001"), 403, "csrf_token_invalid");
    problem(
        vehicle(Some("0000"), "沪C·00001"),
        403,
        "csrf_token_invalid",
    );
    assert_eq!(vehicle(Some(&session.csrf), "沪C·00001").status(), 201);
    // Reads need no CSRF token.
    assert_eq!(
        with_cookie(&s, &session.token, reqwest::Method::GET, "/api/travelers")
            .send()
            .unwrap()
            .status(),
        200
    );

    let app = common::app(&s.db, s.dir.path());
    let token = accounts::issue_token(&app, "dispatcher", "importer", Utc::now())
        .unwrap()
        .token;
    let r = s
        .anonymous
        .post(s.url("/api/vehicles"))
        .bearer_auth(&token)
        .json(&json!({"plate": "沪C·00002", "seats": 7}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 201);
    let me: Value = s
        .anonymous
        .get(s.url("/api/session"))
        .bearer_auth(&token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        (&me["credential"], &me["csrf_token"]),
        (&json!("token"), &Value::Null)
    );
    problem(
        s.anonymous
            .get(s.url("/api/session"))
            .bearer_auth("clt_not-a-token")
            .send()
            .unwrap(),
        401,
        "session_invalid",
    );
    let r = s
        .anonymous
        .get(s.url("/api/session"))
        .header("authorization", "Basic eDp5")
        .send()
        .unwrap();
    assert_eq!(
        r.headers()["www-authenticate"],
        "Bearer realm=\"closedloop\""
    );
    problem(r, 401, "authorization_invalid");
    accounts::revoke_token(&app, "dispatcher", "importer", Utc::now()).unwrap();
    problem(
        s.anonymous
            .get(s.url("/api/session"))
            .bearer_auth(&token)
            .send()
            .unwrap(),
        401,
        "session_invalid",
    );
}

#[test]
fn behind_tls_the_cookie_is_secure() {
    let s = common::start_secure();
    add(&s, Escort, "escort.1");
    let r = login(
        &s,
        &s.anonymous,
        json!({"login": "escort.1", "password": PASSWORD}),
    );
    assert_eq!(r.status(), 200);
    let cookie = r.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.ends_with("; Secure"), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
}

#[test]
fn a_session_ends_after_30_idle_minutes_or_12_hours_and_use_keeps_it_alive() {
    use chrono::TimeDelta;
    use closedloop_app::accounts::login::{self, LoginRequest};
    let s = common::start();
    add(&s, Auditor, "auditor.9");
    let app = common::app(&s.db, s.dir.path());
    let t0 = Utc::now();
    let open = |at| {
        login::login(
            &app,
            &LoginRequest {
                login: "auditor.9".into(),
                password: PASSWORD.into(),
                totp: None,
                address: "192.0.2.1".into(),
            },
            at,
        )
        .unwrap()
    };
    let alive = |token: &str, at| login::resolve_session(&app, token, at).is_ok();
    let idle = open(t0);
    assert!(alive(&idle.token, t0 + TimeDelta::minutes(29)));
    // Used at 29 minutes, it lives on past the first 30; an unused one does not.
    assert!(alive(&idle.token, t0 + TimeDelta::minutes(58)));
    let unused = open(t0);
    assert!(!alive(&unused.token, t0 + TimeDelta::minutes(31)));
    assert_eq!(
        login::resolve_session(&app, &unused.token, t0 + TimeDelta::minutes(31))
            .unwrap_err()
            .code(),
        "session_invalid"
    );
    // Used every 20 minutes, it still ends 12 hours after login.
    let busy = open(t0);
    let mut at = t0;
    while at < t0 + TimeDelta::hours(12) - TimeDelta::minutes(20) {
        at += TimeDelta::minutes(20);
        assert!(alive(&busy.token, at), "{at}");
    }
    assert!(!alive(&busy.token, t0 + TimeDelta::hours(12)));
}
