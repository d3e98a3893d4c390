//! Incidents from a phone over the real server and database: a driver opens one on their own
//! batch (never on another's, nor naming another batch's travelers), once per
//! Idempotency-Key; the command centre resolves it once; the ledger holds both.

mod common;

use closedloop_app::AccessRole;
use closedloop_domain::ids::TravelerId;
use common::{Account, Server, problem, start_with};
use serde_json::{Value, json};

/// Two batches from PVG: batch 1 (driver crew 1) with travelers 1 and 2, batch 2 (driver
/// crew 2) with 3 and 4.
fn world() -> Server {
    start_with(|app, dir| {
        common::import_travelers(app, dir, 4);
        common::plan_batch(app, "沪A·I0001", "D-1", &[TravelerId(1), TravelerId(2)]);
        common::plan_batch(app, "沪A·I0002", "D-2", &[TravelerId(3), TravelerId(4)]);
    })
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

#[test]
fn a_driver_reports_on_their_own_batch_and_the_command_centre_resolves_it_once() {
    let mut s = world();
    let b = s
        .login_as(&Account::of(AccessRole::Driver).named("driver-b").crew(2))
        .client();
    let a = s
        .login_as(&Account::of(AccessRole::Driver).named("driver-a").crew(1))
        .client();
    let report = json!({
        "kind": "vehicle_breakdown", "severity": "serious", "trip": 1, "travelers": [1],
        "description": "Engine warning light on the ring road", "lat": 31.2, "lon": 121.5
    });
    let send = |body: &Value, key: Option<&str>| {
        let mut r = a.post(s.url("/api/incidents")).json(body);
        if let Some(k) = key {
            r = r.header("Idempotency-Key", k);
        }
        r.send().unwrap()
    };
    let first = send(&report, Some("breakdown-1"));
    assert_eq!(first.status(), 201, "{:?}", first.text());
    let first: Value = first.json().unwrap();
    let id = first["id"].as_i64().unwrap();
    assert_eq!(common::keys(&first), ["id"]);
    let again = send(&report, Some("breakdown-1"));
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().unwrap(), first);

    // Theirs to read; not driver B's.
    let page = s.get_json("/api/incidents", 200);
    assert_eq!(ids(&page), [id]);
    assert_eq!(page["items"][0]["kind"], "vehicle_breakdown", "{page}");
    assert_eq!(page["items"][0]["severity"], "serious", "{page}");
    let theirs: Value = b
        .get(s.url("/api/incidents"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(ids(&theirs).is_empty(), "{theirs}");

    // Another batch, another batch's traveler, or nothing to bind it to: refused, nothing
    // written.
    let mut other = report.clone();
    other["trip"] = json!(2);
    assert_eq!(
        problem(send(&other, None), 403, "forbidden_object")["field"],
        "trip"
    );
    let mut stranger = report.clone();
    stranger["travelers"] = json!([3]);
    assert_eq!(
        problem(send(&stranger, None), 403, "forbidden_object")["field"],
        "travelers"
    );
    let unbound = json!({"kind": "traffic_accident", "severity": "minor", "description": "late"});
    problem(send(&unbound, None), 422, "incident_unbound");
    let mut bad = report.clone();
    bad["kind"] = json!("meteor");
    assert_eq!(
        problem(send(&bad, None), 422, "invalid_value")["field"],
        "kind"
    );
    let mut bad = report.clone();
    bad["severity"] = json!("low");
    assert_eq!(
        problem(send(&bad, None), 422, "invalid_value")["field"],
        "severity"
    );
    let mut half = report.clone();
    half.as_object_mut().unwrap().remove("lon");
    assert_eq!(
        problem(send(&half, None), 422, "position_incomplete")["field"],
        "lon"
    );
    let mut far = report.clone();
    far["lat"] = json!(123.0);
    problem(send(&far, None), 422, "position_invalid");
    let mut extra = report.clone();
    extra["reported_by"] = json!("crew:2");
    assert!(send(&extra, None).status().is_client_error());

    // Resolving is the desk's and the command centre's: not the driver's.
    let resolve = s.url(&format!("/api/incidents/{id}/resolve"));
    problem(
        a.post(&resolve)
            .json(&json!({"note": "fixed"}))
            .send()
            .unwrap(),
        403,
        "forbidden",
    );
    let commander = s.login(AccessRole::Commander).client();
    problem(
        commander
            .post(&resolve)
            .json(&json!({"note": "  "}))
            .send()
            .unwrap(),
        // The hand-over rules' refusal, as the store maps it.
        409,
        "incident_empty_note",
    );
    let r = commander
        .post(&resolve)
        .json(&json!({"note": "Relief vehicle sent; travelers transferred"}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200, "{:?}", r.text());
    assert_eq!(
        r.json::<Value>().unwrap(),
        json!({"id": id, "status": "resolved"})
    );
    problem(
        commander
            .post(&resolve)
            .json(&json!({"note": "again"}))
            .send()
            .unwrap(),
        409,
        "incident_already_resolved",
    );
    let r = commander
        .post(s.url("/api/incidents/999/resolve"))
        .json(&json!({"note": "none"}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 404, "{:?}", r.text());
    let open = s.get_json("/api/incidents?open_only=true", 200);
    assert!(ids(&open).is_empty(), "{open}");

    // One incident and its resolution in the ledger, the rows matching.
    let v = s.get_json("/api/ledger/verify", 200);
    assert_eq!(v["verified"], true, "{v}");
    assert_eq!(v["custody_rows"]["incidents"], 1, "{v}");
}
