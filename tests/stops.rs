//! A trip of several stops through the real binary, on SQLite or on PostgreSQL when
//! DATABASE_URL names one: each stop's receiver takes only that stop's travelers, a check-list
//! names only a stop the trip has, and the trip completes only once every stop's personnel
//! hand-over check-list is done.

mod common;

use common::desk::{Scenario, confirm, personnel, ready, start, started, t};
use serde_json::json;

/// `trip create` of the scenario's vehicle with `crew` and one `--stop` per item of `stops`.
fn create(s: &Scenario, crew: &str, stops: &[&str]) -> common::Run {
    let vehicle = s.vehicle.to_string();
    let (depart, arrive) = (t("02:00"), t("04:00"));
    let mut args = vec!["trip", "create", "--vehicle", &vehicle, "--crew", crew];
    for stop in stops {
        args.extend(["--stop", stop]);
    }
    args.extend([
        "--port",
        "PVG",
        "--depart-at",
        &depart,
        "--arrive-by",
        &arrive,
        "--json",
    ]);
    s.c.run(&args)
}

#[test]
fn each_stop_takes_its_own_travelers_and_every_stop_is_checked_before_completion() {
    let mut s = Scenario::new();
    let [t1, t2, t3] = s.travelers;
    let [c1, c2] = s.crew;
    // The same vehicle and crew, on a trip of two stops: hotel 8 for t1 and t2, community 20
    // for t3.
    let r = create(
        &s,
        &format!("{c1},{c2}"),
        &[&format!("8:{t1},{t2}"), &format!("20:{t3}")],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    s.trip = r.json()["id"].as_i64().unwrap();
    let trip = s.trip.to_string();
    ready(&s);
    let crew = format!("crew:{c1}");
    let (h, code) = started(&start(
        &s,
        "port_staff:1",
        &crew,
        &[t1, t2, t3],
        &t("01:30"),
    ));
    let r = confirm(&s, h, &code, 3, &t("01:30"));
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let depart =
        s.c.run(&["trip", "depart", "--trip", &trip, "--at", &t("02:00")]);
    assert_eq!(depart.code, 0, "{}\n{}", depart.stdout, depart.stderr);

    // The community's staff cannot take the hotel's travelers: refused, naming each.
    let r = start(&s, &crew, "community_staff:20", &[t1, t3], &t("03:00"));
    assert_eq!(r.code, 1, "{}", r.stdout);
    let m = r.json()["message"].as_str().unwrap().to_string();
    assert!(
        m.contains(&format!("traveler {t1} (planned for destination 8)")),
        "{m}"
    );
    assert!(!m.contains(&format!("traveler {t3} ")), "{m}");

    // Each at its own stop.
    let (h, code) = started(&start(&s, &crew, "hotel_staff:8", &[t1, t2], &t("03:00")));
    assert_eq!(confirm(&s, h, &code, 2, &t("03:00")).code, 0);
    let (h, code) = started(&start(&s, &crew, "community_staff:20", &[t3], &t("03:30")));
    assert_eq!(confirm(&s, h, &code, 1, &t("03:30")).code, 0);

    // Completion names both stops' missing hand-over check-lists.
    let complete = |at: &str| {
        s.c.run(&["trip", "complete", "--trip", &trip, "--at", at, "--json"])
    };
    let r = complete(&t("03:40"));
    assert_eq!(r.code, 1, "{}", r.stdout);
    let missing: Vec<_> = r.json()["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["missing"].clone(), m["stop"].clone()))
        .collect();
    assert_eq!(
        missing,
        [
            (json!("stop_handover"), json!(0)),
            (json!("stop_handover"), json!(1))
        ],
        "{}",
        r.stdout
    );
    // A stop the trip does not have is refused by name.
    let r = s.checklist(
        "personnel_handover",
        &["--trip", &trip, "--stop", "2"],
        personnel(1),
        &t("03:41"),
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("there is no stop 2"), "{}", r.stdout);
    for (stop, count) in [("0", 2), ("1", 1)] {
        let r = s.checklist(
            "personnel_handover",
            &["--trip", &trip, "--stop", stop],
            personnel(count),
            &t("03:42"),
        );
        assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    }
    assert_eq!(complete(&t("03:50")).code, 0);
    s.c.ok(&["ledger", "verify"]);
}

#[test]
fn a_malformed_stop_is_refused_naming_the_part() {
    let s = Scenario::new();
    for (stop, part) in [
        ("8", "colon"),
        ("x:1", "destination"),
        ("8:1,y", "traveler"),
    ] {
        let r = create(&s, &s.crew[0].to_string(), &[stop]);
        assert_eq!(r.code, 2, "{stop}: {}", r.stderr);
        assert!(r.stderr.contains(part), "{stop}: {}", r.stderr);
    }
}
