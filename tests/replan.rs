//! `closedloop replan`: a generated day planned, an event, the next version written with the
//! day after it, and the checker passing on the pair; a bad event file is refused naming it.

mod common;

use common::{Env, repo};

fn shanghai() -> String {
    repo()
        .join("assets/osm/shanghai_center.osm.pbf")
        .display()
        .to_string()
}

#[test]
fn a_hotel_closing_is_replanned_and_the_new_plan_checks() {
    let env = Env::new();
    let s = |p: &std::path::Path| p.display().to_string();
    let (day, plan, plan2) = (
        env.path("day.json"),
        env.path("plan.json"),
        env.path("plan2.json"),
    );
    env.ok(&[
        "scenario",
        "generate",
        "--travelers",
        "120",
        "--seed",
        "2",
        "--osm",
        &shanghai(),
        "--port",
        "31.2497,121.4555",
        "--out",
        &s(&day),
    ]);
    env.ok(&["plan", "--problem", &s(&day), "--out", &s(&plan)]);
    let published: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
    let mut departs: Vec<&str> = published["batches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["depart"].as_str().unwrap())
        .collect();
    departs.sort();
    let at = departs[departs.len() / 2];
    let event = env.write(
        "event.json",
        format!(
            r#"{{"format": "closedloop-event/1", "at": "{at}", "what": {{"kind": "hotel_closed", "hotel": "H001"}}}}"#
        ),
    );
    let run = env.ok(&[
        "replan",
        "--problem",
        &s(&day),
        "--plan",
        &s(&plan),
        "--event",
        &s(&event),
        "--out",
        &s(&plan2),
        "--json",
    ]);
    let r = run.json();
    assert_eq!(r["version"], 2);
    assert_eq!(r["event"], "hotel_closed");
    let day2 = std::path::PathBuf::from(r["day_out"].as_str().unwrap());
    let check = env.ok(&[
        "plan",
        "check",
        "--problem",
        &s(&day2),
        "--plan",
        &s(&plan2),
    ]);
    assert!(check.stdout.contains("no violations"), "{}", check.stdout);
    let diff = env.ok(&["plan", "diff", &s(&plan), &s(&plan2)]);
    assert!(diff.stdout.starts_with("version 1 → 2"), "{}", diff.stdout);
    let json = env
        .ok(&["plan", "diff", &s(&plan), &s(&plan2), "--json"])
        .json();
    assert_eq!(json["to_version"], 2);
    // One more traveler: the three cheapest ways to carry them.
    let arrival = published["batches"][0]["arrival"]
        .as_str()
        .unwrap()
        .to_string();
    let fit = env.ok(&[
        "plan",
        "fit",
        "--problem",
        &s(&day),
        "--plan",
        &s(&plan),
        "--arrival",
        &arrival,
        "--traveler",
        r#"{"code": "LATE-1", "health": "normal", "destination": "hotel"}"#,
        "--json",
    ]);
    let f = fit.json();
    assert!(f["place"]["kind"] == "hotel", "{f}");
    let options = f["options"].as_array().unwrap();
    assert!(!options.is_empty() && options.len() <= 3, "{f}");
    let bad = env.run(&[
        "plan",
        "fit",
        "--problem",
        &s(&day),
        "--plan",
        &s(&plan),
        "--arrival",
        "NO-SUCH",
        "--traveler",
        r#"{"code": "LATE-1", "health": "normal", "destination": "hotel"}"#,
    ]);
    assert_ne!(bad.code, 0);
    assert!(bad.stderr.contains("NO-SUCH"), "{}", bad.stderr);
    // A generated day names no stored traveler, vehicle or crew: approval refuses, storing
    // nothing.
    let approve = env.run(&[
        "plan",
        "approve",
        "--problem",
        &s(&day2),
        "--plan",
        &s(&plan2),
    ]);
    assert_ne!(approve.code, 0);
    assert!(
        approve.stderr.contains("in the database"),
        "{}",
        approve.stderr
    );
    // The diff names each change in both languages.
    let zh = env.run_in(
        "zh-CN",
        &repo().join("config/closedloop.toml"),
        &[
            "replan",
            "--problem",
            &s(&day),
            "--plan",
            &s(&plan),
            "--event",
            &s(&event),
            "--out",
            &s(&plan2),
        ],
    );
    assert_eq!(zh.code, 0, "{}", zh.stderr);
    assert!(zh.stdout.contains("版本 2"), "{}", zh.stdout);
}

#[test]
fn an_event_naming_what_the_day_does_not_hold_is_refused() {
    let env = Env::new();
    let s = |p: &std::path::Path| p.display().to_string();
    let (day, plan, plan2) = (
        env.path("day.json"),
        env.path("plan.json"),
        env.path("plan2.json"),
    );
    env.ok(&[
        "scenario",
        "generate",
        "--travelers",
        "30",
        "--osm",
        &shanghai(),
        "--port",
        "31.2497,121.4555",
        "--out",
        &s(&day),
    ]);
    env.ok(&["plan", "--problem", &s(&day), "--out", &s(&plan)]);
    let event = env.write(
        "event.json",
        r#"{"format": "closedloop-event/1", "at": "2021-03-01T12:00:00", "what": {"kind": "vehicle_breakdown", "vehicle": "NO-SUCH"}}"#,
    );
    let run = env.run(&[
        "replan",
        "--problem",
        &s(&day),
        "--plan",
        &s(&plan),
        "--event",
        &s(&event),
        "--out",
        &s(&plan2),
    ]);
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("NO-SUCH") && run.stderr.contains("event.what.vehicle"),
        "{}",
        run.stderr
    );
    assert!(!plan2.exists(), "nothing written");
}
