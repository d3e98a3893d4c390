//! Check-lists from a phone over the real server and database: the templates in force to
//! render the form, a completed check-list recorded with its ledger entry (passed or not),
//! once per Idempotency-Key, and a driver only for themselves, their own batch and the
//! vehicles of their batches.

mod common;

use closedloop_app::AccessRole;
use closedloop_domain::ids::TravelerId;
use common::{Account, Server, problem, start_with};
use reqwest::blocking::Client;
use serde_json::{Map, Value, json};

/// Two batches from PVG: batch 1 (vehicle 1, driver crew 1) with travelers 1 and 2, batch 2
/// (vehicle 2, driver crew 2) with 3 and 4.
fn world() -> Server {
    start_with(|app, dir| {
        common::import_travelers(app, dir, 4);
        let a = common::plan_batch(app, "沪A·C0001", "D-1", &[TravelerId(1), TravelerId(2)]);
        let b = common::plan_batch(app, "沪A·C0002", "D-2", &[TravelerId(3), TravelerId(4)]);
        assert_eq!((a.trip.0, a.crew.0, a.vehicle.0), (1, 1, 1));
        assert_eq!((b.trip.0, b.crew.0, b.vehicle.0), (2, 2, 2));
    })
}

/// Answers that pass every item of `template`, as a phone that read it would send.
fn passing(template: &Value) -> Value {
    let mut m = Map::new();
    for item in template["items"].as_array().unwrap() {
        let v = match item["type"].as_str().unwrap() {
            "yes_no" => item["expect"].as_bool().map_or(json!(true), |e| json!(e)),
            "number" => item["min"].as_f64().map_or(json!(1), |n| json!(n)),
            "text" => json!("Li Wei, checked"),
            "photo" => json!("photos/abc123.jpg"),
            t => panic!("unknown item type {t}"),
        };
        m.insert(item["key"].as_str().unwrap().to_string(), v);
    }
    Value::Object(m)
}

fn template(s: &Server, c: &Client, kind: &str) -> Value {
    let r = c.get(s.url("/api/checklists/templates")).send().unwrap();
    assert_eq!(r.status(), 200);
    let all: Vec<Value> = r.json().unwrap();
    all.into_iter()
        .find(|t| t["kind"] == kind)
        .unwrap_or_else(|| panic!("a template for {kind}"))
}

#[test]
fn a_phone_renders_the_templates_and_records_its_own_check_lists_passed_or_not() {
    let mut s = world();
    let desk = s.login(AccessRole::Dispatcher).client();
    let port = s.login(AccessRole::PortStaff).client();
    let driver = s
        .login_as(&Account::of(AccessRole::Driver).crew(1))
        .client();
    let r = driver
        .get(s.url("/api/checklists/templates"))
        .send()
        .unwrap();
    let all: Vec<Value> = r.json().unwrap();
    let kinds: Vec<&str> = all.iter().map(|t| t["kind"].as_str().unwrap()).collect();
    for k in [
        "pre_trip_training",
        "rotation_handover",
        "vehicle_inspection",
        "sanitation",
        "pre_departure_reminder",
        "personnel_handover",
        "crew_health",
    ] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    let health = template(&s, &driver, "crew_health");
    assert_eq!(health["subject"], "crew_member");
    let temp = health["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["key"] == "body_temperature")
        .expect("the temperature item");
    assert_eq!(
        (&temp["type"], &temp["min"], &temp["max"]),
        (&json!("number"), &json!(36.0), &json!(37.2))
    );
    assert!(!temp["label_zh"].as_str().unwrap().is_empty());
    // Described by the document: every template's fields, and each item's among its item's.
    let doc = s.get_json("/api/openapi.json", 200);
    let item_fields = common::properties(&doc, "TemplateItem");
    for t in &all {
        assert_eq!(
            common::keys(t),
            common::properties(&doc, "ChecklistTemplate")
        );
        for i in t["items"].as_array().unwrap() {
            let extra: Vec<String> = common::keys(i)
                .into_iter()
                .filter(|k| !item_fields.contains(k))
                .collect();
            assert!(extra.is_empty(), "{extra:?} of {i}");
        }
    }
    assert!(!temp["label_en"].as_str().unwrap().is_empty());

    // Their own health check, the crew left out: it is theirs. Sent twice: one record.
    let body = json!({"kind": "crew_health", "answers": passing(&health)});
    let send = || {
        driver
            .post(s.url("/api/checklists"))
            .header("Idempotency-Key", "health-1")
            .json(&body)
            .send()
            .unwrap()
    };
    let first = send();
    assert_eq!(first.status(), 201, "{:?}", first.text());
    let first: Value = first.json().unwrap();
    assert_eq!(
        common::keys(&first),
        ["failures", "id", "kind", "ledger_seq", "passed", "version"]
    );
    assert_eq!(
        (&first["kind"], &first["passed"], &first["version"]),
        (&json!("crew_health"), &json!(true), &health["version"])
    );
    assert!(first["ledger_seq"].as_i64().is_some(), "{first}");
    let again = send();
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().unwrap(), first);

    // A fever does not pass, and is recorded all the same, the item named, in Chinese if asked.
    let mut hot = passing(&health);
    hot["body_temperature"] = json!(38.4);
    let r = driver
        .post(s.url("/api/checklists"))
        .header("Accept-Language", "zh-CN")
        .json(&json!({"kind": "工作人员每日健康监测", "crew": 1, "answers": hot}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 201, "{:?}", r.text());
    let failed: Value = r.json().unwrap();
    assert_eq!(failed["passed"], false);
    assert_eq!(
        failed["failures"][0]["item"], "body_temperature",
        "{failed}"
    );
    assert!(failed["id"].as_i64().unwrap() > first["id"].as_i64().unwrap());
    assert!(failed["ledger_seq"].as_i64().unwrap() > first["ledger_seq"].as_i64().unwrap());
    assert!(
        failed["failures"][0]["message"]
            .as_str()
            .unwrap()
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{failed}"
    );

    // Their batch and its vehicle, yes; another driver's, no.
    let inspection = passing(&template(&s, &driver, "vehicle_inspection"));
    let post = |b: Value| {
        driver
            .post(s.url("/api/checklists"))
            .json(&b)
            .send()
            .unwrap()
    };
    let r = post(json!({"kind": "vehicle_inspection", "vehicle": 1, "answers": inspection}));
    assert_eq!(r.status(), 201, "{:?}", r.text());
    let p = problem(
        post(json!({"kind": "vehicle_inspection", "vehicle": 2, "answers": inspection})),
        403,
        "forbidden_object",
    );
    assert_eq!(p["field"], "vehicle");
    let reminder = passing(&template(&s, &driver, "pre_departure_reminder"));
    let r = post(json!({"kind": "pre_departure_reminder", "trip": 1, "answers": reminder}));
    assert_eq!(r.status(), 201, "{:?}", r.text());
    let p = problem(
        post(json!({"kind": "pre_departure_reminder", "trip": 2, "answers": reminder})),
        403,
        "forbidden_object",
    );
    assert_eq!(p["field"], "trip");
    let p = problem(
        post(json!({"kind": "crew_health", "crew": 2, "answers": passing(&health)})),
        403,
        "forbidden_object",
    );
    assert_eq!(p["field"], "crew");

    // Bad requests change nothing: an unknown kind, a missing subject, an unknown field.
    let p = problem(
        post(json!({"kind": "breakfast", "answers": {}})),
        422,
        "invalid_value",
    );
    assert_eq!(p["field"], "kind");
    let p = problem(
        desk.post(s.url("/api/checklists"))
            .json(&json!({"kind": "vehicle_inspection", "answers": inspection}))
            .send()
            .unwrap(),
        422,
        "subject_incomplete",
    );
    assert_eq!(p["field"], "vehicle");
    let r = post(json!({"kind": "crew_health", "answers": {}, "by": 2}));
    assert!(r.status().is_client_error(), "{:?}", r.text());
    // The desk fills in anyone's.
    let r = desk
        .post(s.url("/api/checklists"))
        .json(&json!({"kind": "crew_health", "crew": 2, "answers": passing(&health)}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 201, "{:?}", r.text());
    // Port staff do not fill in the crews' check-lists.
    problem(
        port.post(s.url("/api/checklists"))
            .json(&json!({"kind": "crew_health", "crew": 1, "answers": {}}))
            .send()
            .unwrap(),
        403,
        "forbidden",
    );

    // Five recorded (the replay not again), each with its entry, and the ledger verifies.
    s.login(AccessRole::Commander);
    let v = s.get_json("/api/ledger/verify", 200);
    assert_eq!(v["verified"], true, "{v}");
    assert_eq!(v["custody_rows"]["checklist_instances"], 5, "{v}");
}
