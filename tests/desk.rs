//! The desk path of hand-overs through the real binary, on SQLite or on PostgreSQL when
//! DATABASE_URL names one: departure gates naming every missing item, hand-overs confirmed
//! with the receiver's one-time code, custody and loops, incidents, the record, and the ledger
//! verifying after all of it.

mod common;

use common::desk::{
    Scenario, confirm, health, inspection, loops, personnel, ready, reminder, sanitation, start,
    started, t, training, wrong,
};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The missing items of a refused departure, as "kind:whose".
fn missing(r: &common::Run) -> BTreeSet<String> {
    assert_eq!(r.code, 1, "expected a refusal:\n{}\n{}", r.stdout, r.stderr);
    let v = r.json();
    assert_eq!(v["refused"], "gate", "{v}");
    v["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let whose = m
                .get("crew")
                .or_else(|| m.get("vehicle"))
                .or_else(|| m.get("batch"))
                .unwrap();
            format!("{}:{whose}", m["missing"].as_str().unwrap())
        })
        .collect()
}

fn set(items: &[String]) -> BTreeSet<String> {
    items.iter().cloned().collect()
}

#[test]
fn departure_is_refused_naming_every_missing_item_until_each_is_done() {
    let s = Scenario::new();
    let [c1, c2] = s.crew;
    let (v, trip) = (s.vehicle, s.trip);
    let mut expected = vec![
        format!("vehicle_inspection:{v}"),
        format!("vehicle_disinfection:{v}"),
        format!("crew_training:{c1}"),
        format!("crew_training:{c2}"),
        format!("crew_health:{c1}"),
        format!("crew_health:{c2}"),
        format!("pre_departure_reminder:{trip}"),
    ];
    let r = s.depart(&t("02:00"));
    assert_eq!(missing(&r), set(&expected), "{}", r.stdout);

    // In words, every item at once: the plate, the names, the reminder.
    let r = s.c.run(&[
        "trip",
        "depart",
        "--trip",
        &trip.to_string(),
        "--at",
        &t("02:00"),
    ]);
    assert_eq!(r.code, 1);
    for needle in [
        "cannot be marked departed: 7 item(s) missing",
        "vehicle 沪A12345: no passed daily inspection today (never passed)",
        "vehicle 沪A12345: not disinfected since its last trip ended at 2021-06-30 18:00",
        "crew member Wang Wei",
        "crew member Li Na",
        "pre-trip training not passed within the last 30 days",
        "no passed health check today",
        "pre-departure reminder not done",
    ] {
        assert!(
            r.stderr.contains(needle),
            "{needle:?} not in:\n{}",
            r.stderr
        );
    }

    // A check-list that fails is recorded but satisfies nothing: a fever.
    let (vs, c1s, c2s) = (v.to_string(), c1.to_string(), c2.to_string());
    let fever = s.checklist("crew_health", &["--crew", &c1s], health(38.2), &t("00:10"));
    assert_eq!(fever.code, 1, "{}", fever.stdout);
    let f = fever.json();
    assert_eq!(f["passed"], false);
    assert_eq!(f["failures"][0]["item"], "body_temperature", "{f}");
    assert_eq!(missing(&s.depart(&t("02:00"))), set(&expected));

    // Satisfied one by one; each departure attempt names exactly what is still missing.
    let steps = [
        (
            "vehicle_inspection",
            ["--vehicle", &vs],
            inspection(),
            "vehicle_inspection",
            v,
        ),
        (
            "sanitation",
            ["--vehicle", &vs],
            sanitation(),
            "vehicle_disinfection",
            v,
        ),
        (
            "pre_trip_training",
            ["--crew", &c1s],
            training(),
            "crew_training",
            c1,
        ),
        (
            "pre_trip_training",
            ["--crew", &c2s],
            training(),
            "crew_training",
            c2,
        ),
        (
            "crew_health",
            ["--crew", &c1s],
            health(36.5),
            "crew_health",
            c1,
        ),
        (
            "crew_health",
            ["--crew", &c2s],
            health(36.8),
            "crew_health",
            c2,
        ),
    ];
    for (i, (kind, subject, answers, item, whose)) in steps.into_iter().enumerate() {
        let r = s.checklist(kind, &subject, answers, &t(&format!("00:{:02}", 20 + i)));
        assert_eq!(r.code, 0, "{kind}: {}\n{}", r.stdout, r.stderr);
        assert_eq!(r.json()["passed"], true);
        expected.retain(|e| *e != format!("{item}:{whose}"));
        assert_eq!(
            missing(&s.depart(&t("02:00"))),
            set(&expected),
            "after {kind}"
        );
    }
    assert_eq!(expected, vec![format!("pre_departure_reminder:{trip}")]);
    let r = s.checklist(
        "pre_departure_reminder",
        &["--trip", &trip.to_string()],
        reminder(),
        &t("01:50"),
    );
    assert_eq!(r.code, 0, "{}", r.stdout);

    let r = s.depart(&t("02:00"));
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(r.json()["state"], "departed");
    // Departed is not departed again.
    let again = s.depart(&t("02:05"));
    assert_eq!(again.code, 1);
    assert!(
        again.json()["message"]
            .as_str()
            .unwrap()
            .contains("is departed and cannot depart")
    );

    // Every check-list, every gate decision and the state changes are in the ledger, which
    // verifies: the previous trip recorded after the fact, 8 check-lists, 9 refused attempts
    // and the passed one at 2 gate decisions each (approval and departure), and the departure.
    assert_eq!(s.entries(), 1 + 8 + 10 * 2 + 1);
}

#[test]
fn hand_overs_move_custody_only_with_the_right_code_and_count() {
    let s = Scenario::new();
    let [t1, t2, t3] = s.travelers;
    let [c1, c2] = s.crew;
    let (trip, all) = (s.trip, [t1, t2, t3]);
    let crew1 = format!("crew:{c1}");
    ready(&s);
    let base = s.entries();

    // Port staff hand all three to the crew at boarding, before departure.
    let (h1, code) = started(&start(&s, "port_staff:1", &crew1, &all, &t("01:30")));
    // A wrong code is refused and moves nobody, but it is a failed attempt, in the ledger.
    let r = confirm(&s, h1, &wrong(&code), 3, &t("01:31"));
    assert_eq!(r.code, 1, "{}", r.stdout);
    let v = r.json();
    assert_eq!(v["refused"], "handover");
    assert_eq!(
        v["reasons"],
        json!([{"reason": "code", "error": "wrong"}]),
        "{v}"
    );
    assert_eq!(v["incident"], Value::Null);
    assert_eq!(
        (&v["wrong_codes"], &v["locked"]),
        (&json!(1), &json!(false))
    );
    assert!(
        v["message"].as_str().unwrap().contains("wrong code 1 of 5"),
        "{v}"
    );
    assert_eq!(s.loops(), json!([]));
    assert_eq!(s.entries(), base + 1);
    // The right one, shown on the giver's phone a minute later, moves custody.
    let code =
        s.c.ok(&[
            "handover",
            "code",
            "--handover",
            &h1.to_string(),
            "--at",
            &t("01:31"),
            "--json",
        ])
        .json()["code"]
            .as_str()
            .unwrap()
            .to_string();
    let r = confirm(&s, h1, &code, 3, &t("01:31"));
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let held: Vec<_> = all
        .iter()
        .map(|&x| (x, "in_custody".to_string(), "crew".to_string(), trip))
        .collect();
    assert_eq!(loops(&s), held);
    // Confirmed once: the code is spent.
    assert_eq!(confirm(&s, h1, &code, 3, &t("01:31")).code, 1);

    // The crew cannot hand over before departure; after it, they can.
    let hotel = "hotel_staff:8";
    let r = start(&s, &crew1, hotel, &[t1, t2], &t("01:40"));
    assert_eq!(r.code, 1);
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("has not departed")
    );
    assert_eq!(s.depart(&t("02:00")).code, 0);

    // A head-count mismatch at the hotel: nothing of the hand-over is stored, custody stays
    // with the crew, and an incident is opened (with its ledger entry).
    let before = s.entries();
    let (h2, code) = started(&start(&s, &crew1, hotel, &[t1, t2], &t("03:30")));
    let r = confirm(&s, h2, &code, 1, &t("03:30"));
    assert_eq!(r.code, 1, "{}", r.stdout);
    let v = r.json();
    assert_eq!(
        v["reasons"],
        json!([{"reason": "head_count_mismatch", "expected": 2, "counted": 1}])
    );
    let incident = v["incident"].as_i64().expect("an incident was opened");
    assert_eq!(loops(&s), held);
    assert_eq!(s.entries(), before + 1);
    let listed = s.c.ok(&["incident", "list", "--open", "--json"]).json();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    let i = &listed[0];
    assert_eq!(
        (
            &i["id"],
            &i["kind"],
            &i["severity"],
            &i["trip"],
            &i["vehicle"]
        ),
        (
            &json!(incident),
            &json!("head_count_mismatch"),
            &json!("serious"),
            &json!(trip),
            &json!(s.vehicle)
        )
    );
    assert_eq!(i["travelers"], json!([t1, t2]));
    assert_eq!(i["crew"], json!([c1]));

    // Recounted, both there: the same hand-over goes through and closes their loops.
    let r = confirm(&s, h2, &code, 2, &t("03:30"));
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let statuses: Vec<_> = r.json()["travelers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["status"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(statuses, ["delivered", "delivered"]);

    // Delivered is final: nobody hands them over again, not the crew, not the port.
    for (from, to) in [
        (crew1.as_str(), "hotel_staff:9"),
        ("port_staff:1", crew1.as_str()),
    ] {
        let r = start(&s, from, to, &[t1], &t("03:40"));
        assert_eq!(r.code, 1, "{from} → {to}: {}", r.stdout);
        let v = r.json();
        assert_eq!(v["refused"], "custody", "{v}");
        assert_eq!(v["problems"][0][1]["error"], "already_delivered", "{v}");
    }
    // Another crew member of the trip cannot give what the crew does not hold either.
    let r = start(
        &s,
        &format!("crew:{c2}"),
        "hotel_staff:9",
        &[t1],
        &t("03:41"),
    );
    assert_eq!(r.code, 1);

    // t3 is still in custody, past the planned arrival (04:00) plus an hour: overdue.
    let overdue = s.c.ok(&["loops", "--overdue", "--json"]).json();
    let overdue: Vec<i64> = overdue
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["traveler"].as_i64().unwrap())
        .collect();
    assert_eq!(overdue, vec![t3]);
    // The trip cannot complete while its crew holds t3.
    let complete = |at: &str| {
        s.c.run(&[
            "trip",
            "complete",
            "--trip",
            &trip.to_string(),
            "--at",
            at,
            "--json",
        ])
    };
    let r = complete(&t("04:05"));
    assert_eq!(r.code, 1);
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains(&format!("still holds traveler(s) {t3}"))
    );
    let (h3, code) = started(&start(&s, &crew1, "community_staff:20", &[t3], &t("04:10")));
    assert_eq!(confirm(&s, h3, &code, 1, &t("04:10")).code, 0);
    assert_eq!(s.c.ok(&["loops", "--json"]).json(), json!([]));
    // Completion needs the personnel hand-over check-list of its stop.
    let r = complete(&t("04:20"));
    assert_eq!(r.code, 1);
    assert_eq!(r.json()["missing"][0]["missing"], "stop_handover");
    let r = s.checklist(
        "personnel_handover",
        &["--trip", &trip.to_string()],
        personnel(3),
        &t("04:15"),
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(complete(&t("04:20")).code, 0);

    // A staff infection later that day, and the mismatch resolved.
    let r = s.c.ok(&[
        "incident",
        "open",
        "--kind",
        "staff_infection",
        "--severity",
        "major",
        "--crew",
        &c2.to_string(),
        "--description",
        "escort tested positive",
        "--at",
        &t("10:00"),
        "--json",
    ]);
    let infection = r.json()["id"].as_i64().unwrap();
    assert_ne!(infection, incident);
    s.c.ok(&[
        "incident",
        "resolve",
        "--incident",
        &incident.to_string(),
        "--note",
        "recounted at the hotel: both present",
        "--at",
        &t("03:35"),
    ]);
    let r = s.c.run(&[
        "incident",
        "resolve",
        "--incident",
        &incident.to_string(),
        "--note",
        "again",
    ]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("already resolved"), "{}", r.stderr);
    let open = s.c.ok(&["incident", "list", "--open", "--json"]).json();
    assert_eq!(open.as_array().unwrap().len(), 1);

    // The ledger verifies after all of it, and t1's audit bundle shows its whole chain.
    s.c.ok(&["ledger", "verify"]);
    let bundle = s.c.env.path("t1.json");
    s.c.ok(&[
        "ledger",
        "proof",
        "--traveler",
        &t1.to_string(),
        "--out",
        bundle.to_str().unwrap(),
    ]);
    let r = s.c.ok(&["ledger", "check", bundle.to_str().unwrap()]);
    for kind in [
        "checklist_completed",
        "gate_decision",
        "hand_over",
        "incident",
        "incident_resolved",
    ] {
        assert!(
            r.stdout.contains(kind),
            "{kind} not in t1's bundle:\n{}",
            r.stdout
        );
    }
    assert!(r.stdout.contains("custody breaks: none"), "{}", r.stdout);

    // The record: one batch, three person-trips, one incident, one staff infection, and the
    // wrong code as an alert.
    let r = s.c.ok(&[
        "record",
        "--from",
        "2021-07-01",
        "--to",
        "2021-07-01",
        "--json",
    ]);
    let v = r.json();
    assert_eq!(
        v["totals"],
        json!({"batches": 1, "person_trips": 3, "incidents": 1, "staff_infections": 1,
               "days_since_last_incident": 0,
               "alerts": {"wrong_codes": 1, "locked_handovers": 0}})
    );
    assert_eq!(
        v["summary"]["en"],
        "2021-07-01 to 2021-07-01: 1 batch, 3 person-trips, 1 staff infection, 1 incident (last 0 days ago); alerts: 1 wrong confirmation code (0 hand-overs locked)"
    );
    assert_eq!(
        v["summary"]["zh-CN"],
        "2021-07-01 至 2021-07-01：转运 1 批次、3 人次，工作人员感染 1 例、事故 1 起（距上次事故 0 天）；警示：确认码错误 1 次（0 次交接因此锁定）"
    );
}

#[test]
fn the_record_of_a_clean_week_is_zero_infection_zero_incident() {
    let s = Scenario::new();
    ready(&s);
    let crew1 = format!("crew:{}", s.crew[0]);
    let (h, code) = started(&start(
        &s,
        "port_staff:1",
        &crew1,
        &s.travelers,
        &t("01:30"),
    ));
    assert_eq!(confirm(&s, h, &code, 3, &t("01:30")).code, 0);
    assert_eq!(s.depart(&t("02:00")).code, 0);
    // Two stops: two at a hotel at 03:00, one at home the next local day (16:30 UTC = 00:30).
    let (h, code) = started(&start(
        &s,
        &crew1,
        "hotel_staff:8",
        &s.travelers[..2],
        &t("03:00"),
    ));
    assert_eq!(confirm(&s, h, &code, 2, &t("03:00")).code, 0);
    let (h, code) = started(&start(
        &s,
        &crew1,
        "community_staff:5",
        &s.travelers[2..],
        &t("16:30"),
    ));
    assert_eq!(confirm(&s, h, &code, 1, &t("16:30")).code, 0);
    let r =
        s.c.ok(&["record", "--from", "2021-07-01", "--to", "2021-07-07"]);
    assert!(
        r.stdout.starts_with(
            "2021-07-01 to 2021-07-07: 1 batch, 3 person-trips, zero infection, zero incident"
        ),
        "{}",
        r.stdout
    );
    let v =
        s.c.ok(&[
            "record",
            "--from",
            "2021-07-01",
            "--to",
            "2021-07-07",
            "--json",
        ])
        .json();
    let days = v["days"].as_array().unwrap();
    assert_eq!(days.len(), 7);
    // Persons on the day each was delivered; the batch on the day of its last delivery.
    assert_eq!(
        (&days[0]["person_trips"], &days[0]["batches"]),
        (&json!(2), &json!(0))
    );
    assert_eq!(
        (&days[1]["person_trips"], &days[1]["batches"]),
        (&json!(1), &json!(1))
    );
    assert_eq!(v["totals"]["incidents"], 0);
    s.c.ok(&["ledger", "verify"]);
}
