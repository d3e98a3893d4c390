//! The day's plan over HTTP: planned beside the baseline, checked, approved from the version
//! read — 428 without a precondition, 412 with a stale one and the current `ETag`, nothing
//! stored —, read back with its `ETag`, replayed by its Idempotency-Key without a second
//! version, re-planned after an event with the diff, and two versions compared. Real server,
//! real database (SQLite, or PostgreSQL with `DATABASE_URL`).

mod common;

use closedloop_app::AccessRole::{Commander, Dispatcher};
use common::{Server, problem, repo, start_with};
use reqwest::blocking::Response;
use serde_json::{Value, json};

const DAY: &str = "2021-07-01";

/// Four stored travelers off CA936 at PVG, three hotels, a van and its driver.
fn server() -> Server {
    let mut s = start_with(|app, dir| {
        let places = closedloop_app::places::ImportPlaces {
            file: repo().join("tests/data/places/hotels.csv"),
            lang: closedloop_domain::Lang::En,
        };
        closedloop_app::places::import_hotels(app, &places).unwrap();
        common::import_travelers(app, dir, 4);
        use closedloop_app::trips::{self, AddCrew, AddVehicle};
        let van = AddVehicle {
            plate: "沪A12345".into(),
            seats: 14,
        };
        trips::add_vehicle(app, &van).unwrap();
        let driver = AddCrew {
            staff_no: "D1".into(),
            name: "Wang Wu".into(),
            role: "driver".into(),
        };
        trips::add_crew(app, &driver).unwrap();
    });
    s.login(Dispatcher);
    s
}

/// The day document naming the store's travelers, hotels, van and driver by their codes.
fn day(s: &Server) -> Value {
    let travelers: Vec<Value> = s.get_json("/api/travelers", 200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            json!({"code": t["id"].to_string(), "health": "normal", "destination": "hotel",
                   "language": "zh"})
        })
        .collect();
    assert_eq!(travelers.len(), 4);
    let hotels: Vec<Value> = s.get_json("/api/hotels", 200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            json!({"code": h["code"], "name": h["name_en"],
                   "location": {"lat": h["lat"], "lon": h["lon"]},
                   "rooms": h["rooms"], "accessible_rooms": h["accessible_rooms"],
                   "languages": ["zh"]})
        })
        .collect();
    let at = |t: &str| format!("{DAY}T{t}:00");
    json!({
        "format": "closedloop-day/1",
        "date": DAY,
        "policy": {"version": "2021-01 14+7", "hotel_days": 14, "home_days": 7,
                   "seat_factor": 2.0, "max_port_wait": 180, "max_ride": 120,
                   "special_max_ride": 90, "disinfection": 30, "crew_rest": 30},
        "ports": [{"code": "PVG", "name": "Pudong",
                   "location": {"lat": 31.1443, "lon": 121.8083}, "processing": 120}],
        "arrivals": [{"code": "CA936", "port": "PVG", "at": at("08:00"),
                      "travelers": travelers}],
        "hotels": hotels,
        "hospitals": [],
        "vehicles": [{"code": "沪A12345", "kind": "van", "seats": 14,
                      "wheelchair_access": false, "base": "PVG",
                      "available_from": at("06:00"), "available_until": at("22:00")}],
        "crew": [{"code": "D1", "role": "driver", "languages": ["zh"], "base": "PVG",
                  "shift_start": at("06:00"), "shift_end": at("18:00")}],
        "stays": []
    })
}

fn post(s: &Server, path: &str, headers: &[(&str, &str)], body: &Value) -> Response {
    let mut r = s.client.post(s.url(path)).json(body);
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    r.send().unwrap()
}

fn etag(r: &Response) -> String {
    r.headers()["etag"].to_str().unwrap().to_string()
}

fn planned(s: &Server, day: &Value) -> Value {
    let r = post(s, "/api/plans", &[], &json!({"day": day, "iterations": 50}));
    assert_eq!(r.status(), 200);
    let made: Value = r.json().unwrap();
    assert!(made["kpis"]["trips"].as_u64().unwrap() >= 1, "{made}");
    assert!(made["baseline"]["trips"].is_u64(), "{made}");
    assert_eq!(made["plan"]["unplaced"], json!([]), "{made}");
    made["plan"].clone()
}

#[test]
fn a_plan_is_approved_from_the_version_read_and_a_stale_approval_stores_nothing() {
    let mut s = server();
    let day = day(&s);
    let plan = planned(&s, &day);
    let body = json!({"day": day, "plan": plan});
    let checked = post(&s, "/api/plans/check", &[], &body);
    assert_eq!(checked.status(), 200);
    let checked: Value = checked.json().unwrap();
    assert_eq!(checked["violations"], json!([]), "{checked}");
    problem(s.get(&format!("/api/plans/{DAY}")), 404, "plan_not_found");

    // Without a precondition, 428; with a made-up version, 412 and the version of no plan.
    problem(
        post(&s, "/api/plans/approve", &[], &body),
        428,
        "precondition_required",
    );
    let r = post(&s, "/api/plans/approve", &[("If-Match", "\"abc\"")], &body);
    let none = etag(&r);
    problem(r, 412, "version_stale");
    problem(s.get(&format!("/api/plans/{DAY}")), 404, "plan_not_found");

    // The day's first, once per key.
    let first = &[("If-None-Match", "*"), ("Idempotency-Key", "approve-1")];
    let r = post(&s, "/api/plans/approve", first, &body);
    assert_eq!(r.status(), 201);
    let v1 = etag(&r);
    assert_ne!(v1, none);
    let approved: Value = r.json().unwrap();
    assert_eq!(approved["version"]["version"], 1);
    assert_eq!(approved["etag"], v1);
    let trips = approved["trips"].as_array().unwrap();
    assert_eq!(trips.len(), plan["batches"].as_array().unwrap().len());
    let again = post(&s, "/api/plans/approve", first, &body);
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().unwrap(), approved);

    // Read back: the same version, the same ETag; the trips exist as batches.
    let r = s.get(&format!("/api/plans/{DAY}"));
    assert_eq!(r.status(), 200);
    assert_eq!(etag(&r), v1);
    let current: Value = r.json().unwrap();
    assert_eq!(
        current["version"]["version"], 1,
        "one version for the replay"
    );
    assert_eq!(current["plan"], plan);
    let trip = trips[0]["trip"].as_i64().unwrap();
    let batch = s.get_json(&format!("/api/batches/{trip}"), 200);
    assert_eq!(batch["state"], "planned", "{batch}");

    // A second "first" is stale now: 412 with the current ETag, nothing stored.
    let r = post(&s, "/api/plans/approve", &[("If-None-Match", "*")], &body);
    assert_eq!(etag(&r), v1);
    problem(r, 412, "version_stale");
    let r = post(&s, "/api/plans/approve", &[("If-Match", &v1)], &body);
    assert_eq!(r.status(), 201);
    let v2 = etag(&r);
    let r = post(&s, "/api/plans/approve", &[("If-Match", &v1)], &body);
    assert_eq!(etag(&r), v2);
    problem(r, 412, "version_stale");
    assert_eq!(
        s.get_json(&format!("/api/plans/{DAY}"), 200)["version"]["version"],
        2
    );
    assert_eq!(
        s.get_json(&format!("/api/plans/{DAY}?version=1"), 200)["version"]["version"],
        1
    );

    // A plan that breaks a rule is refused by the rules, whatever the precondition.
    let mut small = body.clone();
    small["day"]["vehicles"][0]["seats"] = json!(1);
    let r = post(&s, "/api/plans/approve", &[("If-Match", &v2)], &small);
    problem(r, 422, "plan_violates_rules");
    let mut bad = body.clone();
    bad["day"]["ports"][0]["processing"] = json!("two hours");
    problem(
        post(&s, "/api/plans/approve", &[("If-Match", &v2)], &bad),
        422,
        "day_json_invalid",
    );
    let r = s.get(&format!("/api/plans/{DAY}"));
    assert_eq!(etag(&r), v2, "nothing stored");

    // The command centre reads; it does not approve.
    s.login(Commander);
    assert_eq!(etag(&s.get(&format!("/api/plans/{DAY}"))), v2);
    let diff = s.get_json(&format!("/api/plans/{DAY}/diff?from=1&to=2"), 200);
    assert_eq!(diff["travelers"], json!([]), "the same plan twice: {diff}");
    problem(
        s.get(&format!("/api/plans/{DAY}/diff?from=1&to=9")),
        404,
        "plan_not_found",
    );
    problem(
        post(&s, "/api/plans/approve", &[("If-Match", &v2)], &body),
        403,
        "forbidden",
    );
}

#[test]
fn a_plan_is_replanned_after_an_event_and_the_diff_says_who_moved() {
    let s = server();
    let day = day(&s);
    let plan = planned(&s, &day);
    let body = json!({"day": day, "plan": plan});
    let r = post(&s, "/api/plans/approve", &[("If-None-Match", "*")], &body);
    assert_eq!(r.status(), 201);
    let v1 = etag(&r);

    let gone = day["arrivals"][0]["travelers"][3]["code"].clone();
    let event = json!({"format": "closedloop-event/1", "at": format!("{DAY}T07:00:00"),
                       "what": {"kind": "travelers_removed", "travelers": [gone]}});
    let r = post(
        &s,
        "/api/plans/replan",
        &[],
        &json!({"day": day, "plan": plan, "event": event}),
    );
    assert_eq!(r.status(), 200);
    let re: Value = r.json().unwrap();
    assert_eq!(re["event"], "travelers_removed");
    assert_eq!(re["plan"]["version"], 2);
    let changes = re["diff"]["travelers"].as_array().unwrap();
    assert!(
        changes
            .iter()
            .any(|c| c["traveler"] == gone && c["change"] == "removed"),
        "{changes:?}"
    );
    assert_eq!(
        re["day"]["arrivals"][0]["travelers"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // Published from the version read, against the day after the event.
    let next = json!({"day": re["day"], "plan": re["plan"]});
    let r = post(&s, "/api/plans/approve", &[("If-Match", &v1)], &next);
    assert_eq!(r.status(), 201, "{:?}", r.text());
    let diff = s.get_json(&format!("/api/plans/{DAY}/diff?from=1&to=2"), 200);
    assert_eq!(diff["travelers"], re["diff"]["travelers"], "{diff}");

    // A malformed event is refused, naming it.
    let bad = json!({"day": day, "plan": plan, "event": {"format": "closedloop-event/1"}});
    let r = post(&s, "/api/plans/replan", &[], &bad);
    assert_eq!(r.status(), 422);
    problem(
        post(&s, "/api/plans", &[], &json!({"day": day, "speed": 3})),
        422,
        "unknown_field",
    );
}

#[test]
fn a_planned_batch_is_edited_from_the_version_read() {
    let s = server();
    let day = day(&s);
    let plan = planned(&s, &day);
    let body = json!({"day": day, "plan": plan});
    let r = post(&s, "/api/plans/approve", &[("If-None-Match", "*")], &body);
    assert_eq!(r.status(), 201);
    let approved: Value = r.json().unwrap();
    let trip = approved["trips"][0]["trip"].as_i64().unwrap();
    let path = format!("/api/batches/{trip}");
    let r = s.get(&path);
    assert_eq!(r.status(), 200);
    let v1 = etag(&r);
    let batch: Value = r.json().unwrap();
    let riders: usize = batch["stops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["travelers"].as_array().unwrap().len())
        .sum();

    let patch = |m: Option<&str>, body: Value| {
        let mut r = s.client.patch(s.url(&path)).json(&body);
        if let Some(m) = m {
            r = r.header("If-Match", m);
        }
        r.send().unwrap()
    };
    let later = json!({"depart_at": "2021-07-01T11:00:00Z", "arrive_by": "2021-07-01T13:00:00Z"});
    problem(patch(None, later.clone()), 428, "precondition_required");
    problem(
        patch(Some("\"stale\""), later.clone()),
        412,
        "version_stale",
    );
    let r = patch(Some(&v1), later.clone());
    assert_eq!(r.status(), 200);
    let v2 = etag(&r);
    assert_ne!(v1, v2);
    let moved: Value = r.json().unwrap();
    assert_eq!(moved["started_at"], "2021-07-01T11:00:00");
    assert_eq!(moved["ended_at"], "2021-07-01T13:00:00");
    let r = s.get(&path);
    assert_eq!(etag(&r), v2, "read back alike");
    let r = patch(Some(&v1), json!({"crew": []}));
    assert_eq!(etag(&r), v2);
    problem(r, 412, "version_stale");

    // A van too small for the riders, or no crew: refused by the plan rules, nothing changed.
    let r = post(
        &s,
        "/api/vehicles",
        &[],
        &json!({"plate": "沪A00002", "seats": riders - 1}),
    );
    assert_eq!(r.status(), 201);
    let small = r.json::<Value>().unwrap()["id"].clone();
    problem(patch(Some(&v2), json!({"vehicle": small})), 409, "bad_plan");
    problem(patch(Some(&v2), json!({"crew": []})), 409, "bad_plan");
    problem(
        patch(Some(&v2), json!({"vehicle": 999})),
        404,
        "vehicle_not_found",
    );
    problem(patch(Some(&v2), json!({})), 422, "batch_change_empty");
    problem(
        patch(Some(&v2), json!({"arrive_by": "2021-07-01T10:00:00Z"})),
        409,
        "bad_plan",
    );
    assert_eq!(etag(&s.get(&path)), v2, "nothing changed");
}
