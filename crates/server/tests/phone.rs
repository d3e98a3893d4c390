//! The phone's path of custody over the real server and database: port staff start a
//! hand-over and show its code, the driver who receives confirms it with the code and the
//! head-count (a confirmation sent twice is recorded once), and each side may do only its own
//! part.

mod common;

use closedloop_app::AccessRole;
use closedloop_domain::ids::TravelerId;
use common::{Account, problem, start_with};
use serde_json::{Value, json};

#[test]
fn the_giver_shows_the_code_and_only_the_receiver_confirms_it_once() {
    let mut ids = None;
    let mut s = start_with(|app, dir| {
        common::import_travelers(app, dir, 2);
        let planned = common::plan_batch(app, "沪A·H0001", "D-1", &[TravelerId(1), TravelerId(2)]);
        let (trip, crew) = (planned.trip, planned.crew);
        ids = Some((trip.0, crew.0));
    });
    let (trip, crew) = ids.unwrap();
    let port = s.login(AccessRole::PortStaff).client();
    let driver = s
        .login_as(&Account::of(AccessRole::Driver).crew(crew))
        .client();

    let start = json!({"trip": trip, "to": format!("crew:{crew}"), "travelers": [1, 2]});
    let r = port
        .post(s.url("/api/handovers"))
        .json(&start)
        .send()
        .unwrap();
    assert_eq!(r.status(), 201, "{:?}", r.text());
    let shown: Value = r.json().unwrap();
    let id = shown["handover"].as_i64().unwrap();
    assert_eq!(shown["code"].as_str().unwrap().len(), 6);

    // The giver's phone refreshes the code; the receiver may not read it.
    let code_url = s.url(&format!("/api/handovers/{id}/code"));
    let r = port.get(&code_url).send().unwrap();
    assert_eq!(r.status(), 200);
    let code = r.json::<Value>().unwrap()["code"]
        .as_str()
        .unwrap()
        .to_string();
    problem(driver.get(&code_url).send().unwrap(), 403, "not_your_party");
    // A driver does not start hand-overs as someone else.
    problem(
        driver
            .post(s.url("/api/handovers"))
            .json(&json!({"trip": trip, "from": "port_staff:1", "to": format!("crew:{crew}"), "travelers": [1]}))
            .send()
            .unwrap(),
        403,
        "not_your_party",
    );

    let confirm_url = s.url(&format!("/api/handovers/{id}/confirm"));
    // The giver cannot confirm their own hand-over: two parties, never one.
    problem(
        port.post(&confirm_url)
            .json(&json!({"code": code, "counted": 2}))
            .send()
            .unwrap(),
        403,
        "not_your_party",
    );
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let r = driver
        .post(&confirm_url)
        .json(&json!({"code": wrong, "counted": 2}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 409, "{:?}", r.text());

    // The receiver confirms, twice over a bad network: one record, the same answer.
    let body = json!({"code": code, "counted": 2, "lat": 31.15, "lon": 121.80});
    let send = || {
        driver
            .post(&confirm_url)
            .header("Idempotency-Key", "confirm-1")
            .json(&body)
            .send()
            .unwrap()
    };
    let first = send();
    assert_eq!(first.status(), 200, "{:?}", first.text());
    let first: Value = first.json().unwrap();
    assert_eq!(first["travelers"].as_array().unwrap().len(), 2);
    assert_eq!(first["travelers"][0]["status"], "in_custody");
    let again = send();
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().unwrap(), first);
    // Without the key, the same confirmation is refused by the rules: it was confirmed.
    let r = driver.post(&confirm_url).json(&body).send().unwrap();
    assert_eq!(r.status(), 409, "{:?}", r.text());

    // Batches: the desk approves (refused here: no check-list is done, every missing item
    // named), the crew may not; an unknown gate is no route.
    let approve = s.url(&format!("/api/batches/{trip}/approve"));
    problem(driver.post(&approve).send().unwrap(), 403, "forbidden");
    let desk = s.login(AccessRole::Dispatcher).client();
    let p = problem(desk.post(&approve).send().unwrap(), 409, "gate_refused");
    assert!(p["detail"].as_str().unwrap().contains("missing"), "{p}");
    let r = desk
        .post(s.url(&format!("/api/batches/{trip}/launch")))
        .send()
        .unwrap();
    assert_eq!(r.status(), 404);

    // The ledger holds one hand-over (and the rejected code, the refused gates).
    s.login(AccessRole::Commander);
    let v = s.get_json("/api/ledger/verify", 200);
    assert_eq!(v["verified"], true, "{v}");
    let loops = s.get_json("/api/loops?filter=open", 200);
    assert_eq!(loops["items"].as_array().unwrap().len(), 2, "{loops}");
}
