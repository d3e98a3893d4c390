//! The authorisation matrix: every route the server registers × every role and the anonymous
//! caller, against the table below (written here, not read from the code under test): 401
//! without a session, 403 for a role the route is not for, an answer for the others. Then the
//! object rules — a driver reads only the batches they crew, hotel staff only their hotel's
//! travelers —, masking by role, and the audit log of unmasked reads. Real server, real
//! database (SQLite, or PostgreSQL with `DATABASE_URL`).

mod common;

use closedloop_app::AccessRole::{self, *};
use closedloop_app::accounts::ROLES;
use closedloop_domain::ids::{CrewId, DestinationId, TravelerId, VehicleId};
use closedloop_store::desk::PlannedStop;
use common::{Account, Server, Session, problem, repo};
use reqwest::blocking::{Client, Response};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Who may call a route.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Anyone, signed in or not.
    Public,
    /// Signed in with one of these roles (401 without a session, 403 for the others).
    Roles(&'static [AccessRole]),
}

const EVERYONE: &[AccessRole] = &ROLES;
const OVERSIGHT: &[AccessRole] = &[Dispatcher, Commander, Auditor, Admin];
const DESK_WRITE: &[AccessRole] = &[Dispatcher, Admin];
const HANDS: &[AccessRole] = &[Dispatcher, Driver, Escort, PortStaff, HotelStaff, Admin];

/// The authorisation table: every route of the service.
const TABLE: &[(&str, &str, Expect)] = &[
    ("GET", "/", Expect::Public),
    ("GET", "/healthz", Expect::Public),
    ("GET", "/readyz", Expect::Public),
    ("GET", "/metrics", Expect::Public),
    ("GET", "/api/openapi.json", Expect::Public),
    ("GET", "/api/docs", Expect::Public),
    ("POST", "/api/session", Expect::Public),
    ("GET", "/api/session", Expect::Roles(EVERYONE)),
    ("DELETE", "/api/session", Expect::Roles(EVERYONE)),
    ("GET", "/api/travelers", Expect::Roles(EVERYONE)),
    ("GET", "/api/travelers/stats", Expect::Roles(OVERSIGHT)),
    ("GET", "/api/loops", Expect::Roles(EVERYONE)),
    ("GET", "/api/incidents", Expect::Roles(EVERYONE)),
    ("GET", "/api/record", Expect::Roles(OVERSIGHT)),
    (
        "GET",
        "/api/ledger/verify",
        Expect::Roles(&[Commander, Auditor, Admin]),
    ),
    ("GET", "/api/batches/{id}", Expect::Roles(EVERYONE)),
    ("GET", "/api/audit", Expect::Roles(&[Auditor, Admin])),
    ("GET", "/api/reports/daily", Expect::Roles(OVERSIGHT)),
    ("POST", "/api/vehicles", Expect::Roles(DESK_WRITE)),
    ("POST", "/api/crew", Expect::Roles(DESK_WRITE)),
    (
        "GET",
        "/api/hotels",
        Expect::Roles(&[Dispatcher, HotelStaff, Commander, Auditor, Admin]),
    ),
    (
        "GET",
        "/api/hotels/{code}",
        Expect::Roles(&[Dispatcher, HotelStaff, Commander, Auditor, Admin]),
    ),
    ("PATCH", "/api/hotels/{code}", Expect::Roles(DESK_WRITE)),
    // Every role; the scoped ones receive the events of their batches only (tests/events.rs).
    ("GET", "/api/events", Expect::Roles(EVERYONE)),
    ("GET", "/api/positions", Expect::Roles(OVERSIGHT)),
    // Crews only for a batch they crew: the probe reports for batch 1, driver A's and
    // escort A's.
    (
        "POST",
        "/api/positions",
        Expect::Roles(&[Dispatcher, Driver, Escort, Admin]),
    ),
    // The desk and phone path: givers start hand-overs and see their codes, receivers confirm,
    // the desk approves batches and their crews depart and complete them.
    ("POST", "/api/handovers", Expect::Roles(HANDS)),
    ("GET", "/api/handovers/{id}/code", Expect::Roles(HANDS)),
    (
        "POST",
        "/api/handovers/{id}/confirm",
        Expect::Roles(&[Driver, Escort, PortStaff, HotelStaff]),
    ),
    // Probed as `depart`; `approve`, the desk's alone, is checked with the object rules.
    (
        "POST",
        "/api/batches/{id}/{gate}",
        Expect::Roles(&[Dispatcher, Driver, Escort, Admin]),
    ),
    // Manifests over HTTP: the first import (upload 1) comes before its listing.
    ("POST", "/api/imports", Expect::Roles(DESK_WRITE)),
    (
        "GET",
        "/api/imports/{id}/rejected",
        Expect::Roles(DESK_WRITE),
    ),
    // Probed for a row upload 1 never refused.
    (
        "POST",
        "/api/imports/{id}/rejected/{row}",
        Expect::Roles(DESK_WRITE),
    ), // Check-lists: crews for themselves, their batches and vehicles (probed for vehicle 1, of
    // batch 1), the desk anything; the templates are everyone's to render.
    (
        "POST",
        "/api/checklists",
        Expect::Roles(&[Dispatcher, Driver, Escort, Admin]),
    ),
    ("GET", "/api/checklists/templates", Expect::Roles(EVERYONE)),
    // Every role that works on batches reports incidents on its own (probed on batch 1);
    // auditors only read.
    (
        "POST",
        "/api/incidents",
        Expect::Roles(&[
            Dispatcher, Driver, Escort, PortStaff, HotelStaff, Commander, Admin,
        ]),
    ),
    // Probed on incident 1: the first allowed role resolves it, the others find it resolved.
    (
        "POST",
        "/api/incidents/{id}/resolve",
        Expect::Roles(&[Dispatcher, Commander, Admin]),
    ),
    ("GET", "/api/batches", Expect::Roles(EVERYONE)),
    ("GET", "/api/batches/{id}/route", Expect::Roles(EVERYONE)),
    (
        "GET",
        "/api/hotels/{code}/occupancy",
        Expect::Roles(&[Dispatcher, HotelStaff, Commander, Auditor, Admin]),
    ),
    // The day's plan: the desk plans and approves, the command centre and auditors read.
    // Probed with an empty day (refused by the rules) and a day without a plan (404).
    ("POST", "/api/plans", Expect::Roles(DESK_WRITE)),
    ("POST", "/api/plans/check", Expect::Roles(DESK_WRITE)),
    ("POST", "/api/plans/approve", Expect::Roles(DESK_WRITE)),
    ("POST", "/api/plans/replan", Expect::Roles(DESK_WRITE)),
    ("GET", "/api/plans/{date}", Expect::Roles(OVERSIGHT)),
    ("GET", "/api/plans/{date}/diff", Expect::Roles(OVERSIGHT)),
    // Probed with a hotel's body: refused for its fields once the role is let in.
    ("PATCH", "/api/batches/{id}", Expect::Roles(DESK_WRITE)),
];

/// Routes whose probe cannot succeed in this world (a hand-over to confirm, a gate to pass):
/// for the roles they are for, the answer is judged only to be no 401, no role refusal
/// (`forbidden`) and no server error — a refusal of the object or the state is theirs to give.
fn loose(method: &str, path: &str) -> bool {
    path.starts_with("/api/handovers")
        || (method == "POST" && path.starts_with("/api/batches/"))
        || path.starts_with("/api/imports/{id}/rejected/")
        || path == "/api/incidents/{id}/resolve"
        || path.starts_with("/api/plans")
}

/// Four travelers going to hotels off CA936 at PVG: 1 and 2 on batch 1 (driver A and escort A,
/// to hotel H-PD01), 3 and 4 on batch 2 (driver B, to H-PD02); an incident on batch 1 naming
/// traveler 1.
fn world() -> Server {
    common::start_with(|app, dir| {
        let places = closedloop_app::places::ImportPlaces {
            file: repo().join("tests/data/places/hotels.csv"),
            lang: closedloop_domain::Lang::En,
        };
        closedloop_app::places::import_hotels(app, &places).unwrap();
        let mut csv = String::from(
            "Full Name,Passport No.,Nationality,Phone,Flight,Port,Arrival,Destination Type\n",
        );
        for (i, name) in [
            "Alice Traveler",
            "Bob Traveler",
            "Carol Traveler",
            "Dan Traveler",
        ]
        .iter()
        .enumerate()
        {
            csv.push_str(&format!(
                "{name},AZ{:04},CHN,1381234{:04},CA936,PVG,2021-07-01 08:00,hotel\n",
                i + 1,
                i + 1
            ));
        }
        let file = dir.join("manifest.csv");
        std::fs::write(&file, csv).unwrap();
        let req = closedloop_app::import::ImportRequest {
            file,
            accept_valid: false,
            arrival: None,
            lang: closedloop_domain::Lang::En,
        };
        let out = closedloop_app::import::import(app, &req, &mut |_| {}).unwrap();
        assert!(out.accepted, "{:?}", out.summary);
        use closedloop_app::trips::{self, AddCrew, AddVehicle, PlanTrip};
        for (staff_no, role) in [("D-A", "driver"), ("D-B", "driver"), ("E-A", "escort")] {
            trips::add_crew(
                app,
                &AddCrew {
                    staff_no: staff_no.into(),
                    name: format!("Crew {staff_no}"),
                    role: role.into(),
                },
            )
            .unwrap();
        }
        let at = |s: &str| closedloop_app::parse::time("at", s).unwrap();
        for (n, crew, hotel, riders) in [(1, vec![1, 3], 1, [1, 2]), (2, vec![2], 2, [3, 4])] {
            let plate = format!("沪A·0000{n}");
            let v = trips::add_vehicle(app, &AddVehicle { plate, seats: 7 }).unwrap();
            let batch = trips::plan_trip(
                app,
                &PlanTrip {
                    vehicle: VehicleId(v.0),
                    crew: crew.into_iter().map(CrewId).collect(),
                    stops: vec![PlannedStop {
                        destination: Some(DestinationId(hotel)),
                        travelers: riders.into_iter().map(TravelerId).collect(),
                    }],
                    port: "PVG".into(),
                    depart_at: at("2021-07-01 10:00"),
                    arrive_by: at("2021-07-01 11:00"),
                },
            )
            .unwrap();
            assert_eq!(batch.0, n);
        }
        closedloop_app::incidents::open(
            app,
            &closedloop_app::incidents::OpenIncident {
                kind: closedloop_handover::IncidentKind::ProtectionBreach,
                severity: closedloop_handover::Severity::Minor,
                trip: Some(closedloop_domain::ids::BatchId(1)),
                vehicle: None,
                travelers: vec![TravelerId(1)],
                crew: vec![],
                description: "Alice Traveler tore a gown".into(),
                at: at("2021-07-01 10:30"),
                position: None,
            },
        )
        .unwrap();
    })
}

/// The account of each role whose scope takes in batch 1.
fn account(role: AccessRole) -> Account {
    match role {
        Driver => Account::of(Driver).named("driver-a").crew(1),
        Escort => Account::of(Escort).named("escort-a").crew(3),
        HotelStaff => Account::of(HotelStaff).named("hotel-a").hotel("H-PD01"),
        r => Account::of(r),
    }
}

/// A template with its parameters filled in with objects of the world.
fn concrete(path: &str) -> String {
    path.replace("{id}", "1")
        .replace("{code}", "H-PD01")
        .replace("{gate}", "depart")
        .replace("{date}", "2021-07-01")
}

fn send(s: &Server, client: &Client, method: &str, path: &str, n: usize) -> Response {
    let url = s.url(&concrete(path));
    let r = match (method, path) {
        ("GET", _) => client.get(&url),
        ("DELETE", _) => client.delete(&url),
        ("POST", "/api/vehicles") => client
            .post(&url)
            .json(&json!({"plate": format!("沪B·{n:05}"), "seats": 7})),
        ("POST", "/api/crew") => client
            .post(&url)
            .json(&json!({"staff_no": format!("S-{n}"), "name": "Test Crew", "role": "escort"})),
        ("POST", "/api/positions") => {
            let at = chrono::Utc::now() - chrono::TimeDelta::seconds(n as i64);
            let fix = json!({"at": at.to_rfc3339(), "lat": 31.2, "lon": 121.5});
            client
                .post(&url)
                .json(&json!({"vehicle": 1, "trip": 1, "fixes": [fix]}))
        }
        // An empty body: refused before any login is tried, so no lockout builds up.
        ("POST", "/api/session") => client.post(&url).json(&json!({})),
        ("PATCH", _) => client.patch(&url).json(&json!({"rooms": 120})),
        ("POST", "/api/handovers") => client
            .post(&url)
            .json(&json!({"trip": 1, "to": "hotel_staff:1", "travelers": [1, 2]})),
        ("POST", "/api/handovers/{id}/confirm") => client
            .post(&url)
            .json(&json!({"code": "000000", "counted": 2})),
        ("POST", p) if p.starts_with("/api/batches/") => client.post(&url),
        ("POST", "/api/imports") => {
            client
                .post(&url)
                .header("content-type", "text/csv")
                .body(format!(
                    "Full Name,Passport No.,Nationality,Flight,Port,Arrival\n\
                 Probe Traveler,PR{n:05},CHN,CA936,PVG,2021-07-01 08:00\n"
                ))
        }
        ("POST", p) if p.starts_with("/api/plans") => client
            .post(&url)
            .header("If-None-Match", "*")
            .json(&json!({"day": {}, "plan": {}, "event": {}})),
        ("POST", "/api/imports/{id}/rejected/{row}") => {
            client.post(&url).json(&json!({"fields": {"Port": "PVG"}}))
        }
        ("POST", "/api/checklists") => client.post(&url).json(
            &json!({"kind": "vehicle_inspection", "vehicle": 1, "answers": {"brakes": true}}),
        ),
        ("POST", "/api/incidents") => client.post(&url).json(&json!({
            "kind": "vehicle_breakdown", "severity": "minor", "trip": 1,
            "description": format!("probe {n}")
        })),
        ("POST", "/api/incidents/{id}/resolve") => {
            client.post(&url).json(&json!({"note": "probe resolved"}))
        }
        (m, p) => panic!("no probe for {m} {p}"),
    };
    r.send().unwrap()
}

fn allowed(e: Expect, role: AccessRole) -> bool {
    match e {
        Expect::Public => true,
        Expect::Roles(roles) => roles.contains(&role),
    }
}

fn check_allowed(r: Response, method: &str, path: &str, who: &str) {
    let status = r.status().as_u16();
    if loose(method, path) {
        let body: Value = r.json().unwrap_or(Value::Null);
        let what = format!("{method} {path} as {who}: {status} {body}");
        assert!(status != 401 && status < 500, "{what}");
        assert!(status != 403 || body["code"] != "forbidden", "{what}");
        return;
    }
    // A stream is not read to its end: its status says it was let in.
    let body = if path == "/api/events" {
        String::new()
    } else {
        r.text().unwrap_or_default()
    };
    let what = format!("{method} {path} as {who}: {status} {body}");
    assert!(![401, 403].contains(&status) && status < 500, "{what}");
    match method {
        "GET" => assert_eq!(status, 200, "{what}"),
        "POST" if path != "/api/session" => assert!((200..300).contains(&status), "{what}"),
        "DELETE" => assert_eq!(status, 204, "{what}"),
        _ => {}
    }
}

#[test]
fn every_route_answers_every_role_as_the_table_says() {
    let mut s = world();
    let (_, routes) = closedloop_server::routes::document();
    let served: BTreeSet<(String, String)> = routes
        .0
        .iter()
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect();
    let tabled: BTreeSet<(String, String)> = TABLE
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    let missing: Vec<_> = served.difference(&tabled).collect();
    assert!(
        missing.is_empty(),
        "routes missing from the table: {missing:?}"
    );
    let stale: Vec<_> = tabled.difference(&served).collect();
    assert!(
        stale.is_empty(),
        "routes the server no longer has: {stale:?}"
    );

    // The document says the same: two ways to sign in, and which operations need one.
    let doc = s.get_json("/api/openapi.json", 200);
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(
        (&schemes["session"]["in"], &schemes["session"]["name"]),
        (&json!("cookie"), &json!("closedloop_session"))
    );
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    for (method, path, e) in TABLE {
        let op = &doc["paths"][path][method.to_lowercase()];
        let secured = op.get("security").is_some();
        assert_eq!(
            secured,
            matches!(e, Expect::Roles(_)),
            "{method} {path}: {op}"
        );
        if secured {
            for status in ["401", "403"] {
                assert!(
                    op["responses"].get(status).is_some(),
                    "{method} {path} {status}"
                );
            }
        }
    }

    let sessions: Vec<(AccessRole, Session)> = ROLES
        .iter()
        .map(|r| (*r, s.login_as(&account(*r))))
        .collect();
    let mut n = 0;
    for (method, path, e) in TABLE {
        if (*method, *path) == ("DELETE", "/api/session") {
            continue;
        }
        n += 1;
        let r = send(&s, &s.anonymous, method, path, n);
        match e {
            Expect::Public => check_allowed(r, method, path, "anonymous"),
            Expect::Roles(_) => {
                problem(r, 401, "unauthenticated");
            }
        }
        for (role, session) in &sessions {
            n += 1;
            let r = send(&s, &session.client(), method, path, n);
            if allowed(*e, *role) {
                check_allowed(r, method, path, &session.login);
            } else {
                problem(r, 403, "forbidden");
            }
        }
    }

    // Logging out, last: each role's own session, then it is gone.
    problem(
        send(&s, &s.anonymous, "DELETE", "/api/session", 0),
        401,
        "unauthenticated",
    );
    for (_, session) in &sessions {
        let client = session.client();
        check_allowed(
            send(&s, &client, "DELETE", "/api/session", 0),
            "DELETE",
            "/api/session",
            &session.login,
        );
        let after = send(&s, &client, "GET", "/api/travelers", 0);
        problem(after, 401, "session_invalid");
    }
}

fn ids(s: &Server, client: &Client, path: &str) -> Vec<i64> {
    let r = client.get(s.url(path)).send().unwrap();
    assert_eq!(r.status(), 200, "{path}");
    let page: Value = r.json().unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

#[test]
fn a_driver_reads_only_their_batches_and_hotel_staff_only_their_hotels_travelers() {
    let mut s = world();
    let a = s.login_as(&account(Driver)).client();
    let b = s
        .login_as(&Account::of(Driver).named("driver-b").crew(2))
        .client();
    let hotel_a = s.login_as(&account(HotelStaff)).client();
    let hotel_b = s
        .login_as(&Account::of(HotelStaff).named("hotel-b").hotel("H-PD02"))
        .client();
    let port = s.login(PortStaff).client();
    let desk = s.login(Dispatcher).client();

    let batch = |c: &Client, id: i64| c.get(s.url(&format!("/api/batches/{id}"))).send().unwrap();
    let mine: Value = batch(&a, 1).json().unwrap();
    assert_eq!(
        (mine["id"].as_i64(), mine["crew"].clone()),
        (Some(1), json!([1, 3]))
    );
    assert_eq!(mine["stops"][0]["travelers"], json!([1, 2]));
    problem(batch(&a, 2), 403, "forbidden_object");
    problem(batch(&b, 1), 403, "forbidden_object");
    assert_eq!(batch(&b, 2).status(), 200);
    problem(batch(&hotel_a, 2), 403, "forbidden_object");
    assert_eq!(batch(&hotel_b, 2).status(), 200);
    assert_eq!(batch(&port, 2).status(), 200);
    assert_eq!(batch(&desk, 2).status(), 200);
    // Crews move their own batches through the gates they pass, never another's, and never
    // approve: that is the desk's.
    let gate = |c: &Client, path: &str| c.post(s.url(path)).send().unwrap();
    assert_eq!(gate(&a, "/api/batches/2/depart").status(), 403);
    problem(gate(&a, "/api/batches/1/approve"), 403, "forbidden");
    // No such batch: 404 for whoever may read batches.
    problem(batch(&desk, 99), 404, "trip_not_found");

    assert_eq!(ids(&s, &a, "/api/travelers"), vec![1, 2]);
    assert_eq!(ids(&s, &b, "/api/travelers"), vec![3, 4]);
    assert_eq!(ids(&s, &hotel_a, "/api/travelers"), vec![1, 2]);
    assert_eq!(ids(&s, &hotel_b, "/api/travelers"), vec![3, 4]);
    assert_eq!(ids(&s, &port, "/api/travelers"), vec![1, 2, 3, 4]);
    assert_eq!(ids(&s, &desk, "/api/travelers"), vec![1, 2, 3, 4]);
    // The incident on batch 1 is driver A's and hotel A's, not B's.
    assert_eq!(ids(&s, &a, "/api/incidents"), vec![1]);
    assert_eq!(ids(&s, &hotel_a, "/api/incidents"), vec![1]);
    assert!(ids(&s, &b, "/api/incidents").is_empty());
    assert!(ids(&s, &hotel_b, "/api/incidents").is_empty());
}

fn first_traveler(s: &Server, client: &Client) -> Value {
    let r = client.get(s.url("/api/travelers?limit=1")).send().unwrap();
    assert_eq!(r.status(), 200);
    let page: Value = r.json().unwrap();
    page["items"][0].clone()
}

#[test]
fn masking_follows_the_role_and_every_unmasked_read_is_in_the_audit_log() {
    let mut s = world();
    let desk = s.login(Dispatcher).client();
    let driver = s.login_as(&account(Driver)).client();
    let hotel = s.login_as(&account(HotelStaff)).client();
    let commander = s.login(Commander).client();
    let auditor = s.login(Auditor).client();

    let d = first_traveler(&s, &desk);
    assert_eq!(
        (&d["full_name"], &d["document_number"], &d["health"]),
        (&json!("Alice Traveler"), &json!("AZ0001"), &json!("normal"))
    );
    assert!(!d["phone"].as_str().unwrap().contains('*'), "{d}");
    let dr = first_traveler(&s, &driver);
    assert_eq!(dr["full_name"], "Alice Traveler");
    assert_ne!(dr["document_number"], "AZ0001", "{dr}");
    assert!(dr["phone"].as_str().unwrap().contains('*'), "{dr}");
    assert_eq!(dr["health"], "***");
    let h = first_traveler(&s, &hotel);
    assert_eq!(
        (&h["full_name"], &h["document_number"]),
        (&json!("Alice Traveler"), &json!("AZ0001"))
    );
    let c = first_traveler(&s, &commander);
    assert_eq!(c["full_name"], "A**** T*******", "{c}");
    assert_eq!(c["health"], "***");

    // Free text: the commander reads it, the driver does not.
    let incident = |cl: &Client| -> Value {
        let page: Value = cl
            .get(s.url("/api/incidents"))
            .send()
            .unwrap()
            .json()
            .unwrap();
        page["items"][0].clone()
    };
    assert_eq!(
        incident(&commander)["description"],
        "Alice Traveler tore a gown"
    );
    assert_eq!(incident(&driver)["description"], "***");

    // The audit log: who read what unmasked, oldest first; the commander's masked traveler
    // read and the driver's masked incident read are not in it.
    problem(
        driver.get(s.url("/api/audit")).send().unwrap(),
        403,
        "forbidden",
    );
    let log: Value = auditor
        .get(s.url("/api/audit"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let rows: Vec<(String, String, String, Value, Value)> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["login"].as_str().unwrap().to_string(),
                r["endpoint"].as_str().unwrap().to_string(),
                r["object_kind"].as_str().unwrap().to_string(),
                r["objects"].clone(),
                r["fields"].clone(),
            )
        })
        .collect();
    let t = |l: &str, fields: Value| {
        (
            l.to_string(),
            "GET /api/travelers".to_string(),
            "traveler".to_string(),
            json!([1]),
            fields,
        )
    };
    assert_eq!(
        rows,
        vec![
            t("dispatcher", json!(["document", "health", "name", "phone"])),
            t("driver-a", json!(["name"])),
            t("hotel-a", json!(["document", "health", "name", "phone"])),
            (
                "commander".into(),
                "GET /api/incidents".into(),
                "incident".into(),
                json!([1]),
                json!(["free_text"])
            ),
        ]
    );
    // Reading the log is not itself a read of personal data.
    let again: Value = auditor
        .get(s.url("/api/audit"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(again["items"].as_array().unwrap().len(), 4);
}
