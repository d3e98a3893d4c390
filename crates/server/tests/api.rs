//! The service over HTTP on a real database (run once with `DATABASE_URL` unset — SQLite —
//! and once with a PostgreSQL URL): health and readiness, pages walked with cursors, masked
//! personal data, problem+json for every refusal with nothing changed, metrics by route
//! pattern, request ids, graceful shutdown. Signed in through `Server::login`.

mod common;

use closedloop_app::AccessRole;
use closedloop_app::incidents::{self, OpenIncident};
use closedloop_handover::{IncidentKind, Severity};
use common::{import_travelers, keys, problem, properties};
use serde_json::{Value, json};

#[test]
fn health_readiness_home_and_docs_pages() {
    let s = common::start();
    assert_eq!(s.get_json("/healthz", 200), json!({"status": "ok"}));
    let backend = if s.db.is_postgres() {
        "postgresql"
    } else {
        "sqlite"
    };
    assert_eq!(
        s.get_json("/readyz", 200),
        json!({"status": "ready", "backend": backend})
    );

    let home = s.get("/");
    assert_eq!(home.status(), 200);
    let csp = home.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("script-src 'none'"), "{csp}");
    let html = home.text().unwrap();
    for part in ["登录", "Sign in", "href=\"/api/docs\"", "POST /api/session"] {
        assert!(html.contains(part), "home page lacks {part}");
    }

    let docs = s.get("/api/docs");
    assert_eq!(docs.status(), 200);
    let csp = docs.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let html = docs.text().unwrap();
    // Served from the binary and self-contained: no script or style from anywhere else.
    assert!(html.contains("fetch(\"/api/openapi.json\")"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "external reference"
    );
    assert!(!html.contains("/*SCRIPT*/"));
    assert!(csp.contains("script-src 'sha256-"), "{csp}");
    assert!(csp.contains("default-src 'none'"), "{csp}");
}

#[test]
fn every_answer_carries_its_own_request_id() {
    let s = common::start();
    let id = |path: &str| {
        let r = s.get(path);
        let id = r.headers()["x-request-id"].to_str().unwrap().to_string();
        assert_eq!(id.len(), 32, "{id}");
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
        id
    };
    let (a, b, c) = (id("/healthz"), id("/healthz"), id("/no/such/route"));
    assert!(a != b && b != c && a != c);
}

#[test]
fn travelers_are_walked_to_the_end_with_cursors_and_masked() {
    let mut s = common::start_with(|app, dir| import_travelers(app, dir, 7));
    s.login(AccessRole::Commander);
    let doc = s.get_json("/api/openapi.json", 200);
    let mut seen = Vec::new();
    let mut path = "/api/travelers?limit=3".to_string();
    let mut pages = 0;
    loop {
        let page = s.get_json(&path, 200);
        assert_eq!(keys(&page), properties(&doc, "TravelerPage"));
        pages += 1;
        for t in page["items"].as_array().unwrap() {
            // The documented shape is the served one, field for field.
            assert_eq!(keys(t), properties(&doc, "Traveler"), "{t}");
            // A commander's work needs no traveler's personal field: masked.
            let name = t["full_name"].as_str().unwrap();
            assert!(
                name.starts_with("T***") && !name.contains("Number"),
                "{name}"
            );
            assert_eq!(t["health"], "***");
            assert!(
                !t["document_number"].as_str().unwrap().contains("APP0"),
                "{t}"
            );
            seen.push(t["id"].as_i64().unwrap());
        }
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/travelers?limit=3&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 7);
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");

    let all = s.get_json("/api/travelers?arrival=ca%20936", 200);
    assert_eq!(all["items"].as_array().unwrap().len(), 7);
    assert_eq!(all["next_cursor"], Value::Null);
    let none = s.get_json("/api/travelers?arrival=MU5101", 200);
    assert_eq!(none["items"], json!([]));
    let stats = s.get_json("/api/travelers/stats", 200);
    assert_eq!(keys(&stats), properties(&doc, "Stats"));
    assert_eq!(
        (stats["travelers"].as_i64(), stats["arrivals"].as_i64()),
        (Some(7), Some(1))
    );

    // Refusals name the parameter at fault.
    let p = problem(s.get("/api/travelers?limit=0"), 422, "limit_out_of_range");
    assert_eq!(p["field"], "limit");
    let p = problem(
        s.get("/api/travelers?cursor=not-a-cursor"),
        422,
        "invalid_cursor",
    );
    assert_eq!(p["field"], "cursor");
    let loops_cursor = closedloop_server::pages::encode("loops", 3);
    problem(
        s.get(&format!("/api/travelers?cursor={loops_cursor}")),
        422,
        "invalid_cursor",
    );
    let p = problem(s.get("/api/travelers?colour=red"), 400, "invalid_query");
    assert_eq!(p["field"], "colour");
    problem(s.get("/api/travelers?limit=many"), 400, "invalid_query");
    let p = problem(s.get("/api/travelers?arrival=%3F"), 422, "invalid_value");
    assert_eq!(p["field"], "arrival");
}

#[test]
fn incidents_loops_record_and_the_ledger_answer_in_their_documented_shapes() {
    let mut s = common::start_with(|app, dir| {
        import_travelers(app, dir, 2);
        let who = closedloop_app::travelers::list_travelers(app, &Default::default()).unwrap();
        let at = closedloop_app::parse::time("at", "2021-07-01 09:00").unwrap();
        for description in [
            "Traveler Number1 tore a gown",
            "Traveler Number2 felt faint",
        ] {
            incidents::open(
                app,
                &OpenIncident {
                    kind: IncidentKind::ProtectionBreach,
                    severity: Severity::Minor,
                    trip: None,
                    vehicle: None,
                    travelers: vec![who[0].id],
                    crew: vec![],
                    description: description.into(),
                    at,
                    position: None,
                },
            )
            .unwrap();
        }
    });
    let doc = s.get_json("/api/openapi.json", 200);
    // Port staff at PVG see the incidents of their travelers, free text masked.
    s.login(AccessRole::PortStaff);
    let first = s.get_json("/api/incidents?limit=1", 200);
    let items = first["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(keys(&items[0]), properties(&doc, "Incident"));
    // Free text names people: masked for port staff.
    assert_eq!(items[0]["description"], "***");
    let next = first["next_cursor"].as_str().unwrap();
    let second = s.get_json(&format!("/api/incidents?limit=1&cursor={next}"), 200);
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_ne!(second["items"][0]["id"], items[0]["id"]);
    assert_eq!(second["next_cursor"], Value::Null);
    let open = s.get_json("/api/incidents?open_only=true", 200);
    assert_eq!(open["items"].as_array().unwrap().len(), 2);

    let loops = s.get_json("/api/loops?filter=all", 200);
    assert_eq!(keys(&loops), properties(&doc, "LoopPage"));
    problem(s.get("/api/loops?filter=lost"), 400, "invalid_query");

    s.login(AccessRole::Commander);

    let record = s.get_json("/api/record?from=2021-07-01&to=2021-07-02", 200);
    assert_eq!(keys(&record), properties(&doc, "Record"));
    assert_eq!(keys(&record["totals"]), properties(&doc, "Totals"));
    let days = record["days"].as_array().unwrap();
    assert_eq!(days.len(), 2);
    assert_eq!(keys(&days[0]), properties(&doc, "DayFigures"));
    assert_eq!(record["totals"]["incidents"], 2);

    let verified = s.get_json("/api/ledger/verify", 200);
    assert_eq!(keys(&verified), properties(&doc, "LedgerVerification"));
    assert_eq!(verified["verified"], true, "{verified}");
    // Two incidents, two entries, both rows checked against them.
    assert_eq!(verified["entries"], 2, "{verified}");
    assert_eq!(verified["custody_rows"]["incidents"], 2, "{verified}");
}

#[test]
fn refused_bodies_are_problems_and_change_nothing() {
    let mut s = common::start();
    s.login(AccessRole::Dispatcher);
    let json = "application/json";
    let p = problem(
        s.post_raw("/api/vehicles", json, r#"{"plate": "沪A"#),
        400,
        "malformed_json",
    );
    assert!(p.get("field").is_none(), "{p}");
    // The tests' limit is 1 KiB.
    let big = format!(r#"{{"plate": "{}", "seats": 7}}"#, "X".repeat(4096));
    problem(
        s.post_raw("/api/vehicles", json, big),
        413,
        "body_too_large",
    );
    let p = problem(
        s.post_raw(
            "/api/vehicles",
            json,
            r#"{"plate": "沪A·12345", "seats": 7, "colour": "white"}"#,
        ),
        422,
        "unknown_field",
    );
    assert_eq!(p["field"], "colour");
    let p = problem(
        s.post_raw("/api/vehicles", json, r#"{"seats": 7}"#),
        422,
        "invalid_body",
    );
    assert_eq!(p["field"], "plate");
    problem(
        s.post_raw(
            "/api/vehicles",
            json,
            r#"{"plate": "沪A·12345", "seats": "seven"}"#,
        ),
        422,
        "invalid_body",
    );
    problem(
        s.post_raw(
            "/api/vehicles",
            "text/plain",
            r#"{"plate": "沪A·12345", "seats": 7}"#,
        ),
        415,
        "content_type_not_json",
    );
    // The app layer's own refusal, with its code and field.
    let p = problem(
        s.post_raw(
            "/api/vehicles",
            json,
            r#"{"plate": "沪A·12345", "seats": 0}"#,
        ),
        422,
        "seats_out_of_range",
    );
    assert_eq!(p["field"], "seats");

    // Nothing was stored by any of them: the first vehicle gets the first id.
    let r = s.post_raw(
        "/api/vehicles",
        json,
        r#"{"plate": "沪A·12345", "seats": 7}"#,
    );
    assert_eq!(r.status(), 201);
    assert_eq!(r.json::<Value>().unwrap(), json!({"id": 1}));
    problem(
        s.post_raw(
            "/api/vehicles",
            json,
            r#"{"plate": "沪A·12345", "seats": 9}"#,
        ),
        409,
        "already_exists",
    );
    let r = s.post_raw(
        "/api/crew",
        json,
        r#"{"staff_no": "D-001", "name": "Zhang San", "role": "driver"}"#,
    );
    assert_eq!(r.status(), 201);
    let p = problem(
        s.post_raw(
            "/api/crew",
            json,
            r#"{"staff_no": " ", "name": "Li Si", "role": "driver"}"#,
        ),
        422,
        "field_empty",
    );
    assert_eq!(p["field"], "staff_no");

    // actix's own answers are problems too.
    problem(s.get("/api/nowhere"), 404, "route_not_found");
    let r = s.get("/api/vehicles");
    assert_eq!(r.headers()["allow"], "POST");
    problem(r, 405, "method_not_allowed");
    let r = s.post_raw("/healthz", json, "{}");
    assert_eq!(r.headers()["allow"], "GET");
    problem(r, 405, "method_not_allowed");
}

#[test]
fn metrics_count_requests_by_route_pattern_not_raw_path() {
    let mut s = common::start_with(|app, dir| import_travelers(app, dir, 2));
    s.login(AccessRole::Commander);
    for _ in 0..3 {
        s.get_json("/api/travelers?limit=1", 200);
    }
    s.get("/api/travelers/12345/whatever");
    s.get("/api/travelers?limit=0");
    let r = s.get("/metrics");
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = r.text().unwrap();
    assert!(
        text.contains(
            "closedloop_http_requests_total{method=\"GET\",route=\"/api/travelers\",status=\"200\"} 3"
        ),
        "{text}"
    );
    assert!(
        text.contains("route=\"/api/travelers\",status=\"422\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("route=\"unmatched\",status=\"404\"} 1"),
        "{text}"
    );
    assert!(
        !text.contains("12345"),
        "a raw path leaked into the labels: {text}"
    );
    assert!(text.contains(
        "closedloop_http_request_duration_seconds_count{method=\"GET\",route=\"/api/travelers\"} 4"
    ));
    assert!(text.contains(
        "closedloop_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/travelers\",le=\"+Inf\"} 4"
    ));
}

#[test]
fn a_graceful_stop_finishes_and_frees_the_port() {
    let s = common::start();
    let base = s.base.clone();
    s.get_json("/healthz", 200);
    s.stop();
    let after = reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(std::time::Duration::from_secs(5))
        .build()
        .unwrap()
        .get(format!("{base}/healthz"))
        .send();
    assert!(after.is_err(), "still answering after the stop");
}

#[test]
fn a_request_in_flight_when_the_stop_comes_is_finished() {
    use std::io::{Read, Write};
    let mut s = common::start();
    let session = s.login(AccessRole::Dispatcher);
    let body = r#"{"plate": "沪B·00001", "seats": 12}"#.as_bytes();
    let mut conn = std::net::TcpStream::connect(s.base.trim_start_matches("http://")).unwrap();
    write!(
        conn,
        "POST /api/vehicles HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Cookie: closedloop_session={}\r\nX-CSRF-Token: {}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        session.token,
        session.csrf,
        body.len()
    )
    .unwrap();
    // Half the body: the request is in flight, its handler waiting for the rest.
    conn.write_all(&body[..10]).unwrap();
    conn.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let stopping = s.stop_in_background();
    std::thread::sleep(std::time::Duration::from_millis(300));
    // New connections are refused once the stop began...
    assert!(
        std::net::TcpStream::connect(s.base.trim_start_matches("http://")).is_err(),
        "a new connection was accepted while stopping"
    );
    // ...but the request in flight is answered and its write kept.
    conn.write_all(&body[10..]).unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    assert!(answer.ends_with(r#"{"id":1}"#), "{answer}");
    stopping.join().unwrap();
}
