//! `closedloop scenario generate`: a day file over a real extract, the same for the same seed,
//! and a clear refusal when the map lacks what a day needs.

mod common;

use closedloop_scheduling::Day;
use common::{Env, repo};

fn monaco() -> String {
    repo()
        .join("assets/osm/monaco.osm.pbf")
        .display()
        .to_string()
}

#[test]
fn a_day_over_the_shipped_extract_uses_its_stations_and_hotels() {
    let env = Env::new();
    let out = env.path("day.json");
    let out_s = out.display().to_string();
    let run = env.ok(&[
        "scenario",
        "generate",
        "--travelers",
        "300",
        "--seed",
        "5",
        "--osm",
        &monaco(),
        "--out",
        &out_s,
    ]);
    assert!(run.stderr.contains("300 travelers"), "{}", run.stderr);
    let text = std::fs::read_to_string(&out).unwrap();
    let day = Day::from_json(&text).unwrap();
    assert_eq!(day.arriving().count(), 300);
    // Monaco maps railway stations, a cruise terminal and named hotels.
    assert!(
        day.ports
            .iter()
            .any(|p| p.code.as_str().starts_with("RAIL"))
    );
    assert!(
        day.hotels
            .iter()
            .any(|h| !h.name.starts_with("Quarantine hotel"))
    );
    assert_eq!(day.policy.version, "2021-01 14+7");

    // The same seed writes the same bytes; standard output without --out.
    let again = env.ok(&[
        "scenario",
        "generate",
        "--travelers",
        "300",
        "--seed",
        "5",
        "--osm",
        &monaco(),
    ]);
    assert_eq!(again.stdout, text);
    let other = env.ok(&[
        "scenario",
        "generate",
        "--travelers",
        "300",
        "--seed",
        "6",
        "--osm",
        &monaco(),
    ]);
    assert_ne!(other.stdout, text);
}

#[test]
fn an_extract_without_ports_needs_their_coordinates() {
    let env = Env::new();
    let shanghai = repo()
        .join("assets/osm/shanghai_center.osm.pbf")
        .display()
        .to_string();
    let run = env.run(&[
        "scenario",
        "generate",
        "--travelers",
        "50",
        "--osm",
        &shanghai,
    ]);
    assert_ne!(run.code, 0);
    assert!(
        run.stderr
            .contains("no airport, railway station or ferry terminal"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
    let run = env.ok(&[
        "scenario",
        "generate",
        "--travelers",
        "50",
        "--osm",
        &shanghai,
        "--port",
        "31.2497,121.4555",
    ]);
    let day = Day::from_json(&run.stdout).unwrap();
    assert_eq!(day.ports.len(), 1);
    assert_eq!(day.arriving().count(), 50);
    let bad = env.run(&[
        "scenario",
        "generate",
        "--travelers",
        "50",
        "--osm",
        &shanghai,
        "--port",
        "91,0",
    ]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("--port"), "{}", bad.stderr);
}

#[test]
#[ignore = "needs ../shared/data/osm/malta.osm.pbf"]
fn a_day_over_malta_starts_at_its_international_airport() {
    let env = Env::new();
    let malta = repo()
        .join("../shared/data/osm/malta.osm.pbf")
        .display()
        .to_string();
    let run = env.ok(&[
        "scenario",
        "generate",
        "--travelers",
        "2000",
        "--osm",
        &malta,
    ]);
    let day = Day::from_json(&run.stdout).unwrap();
    assert!(day.ports.iter().any(|p| p.code.as_str().starts_with("AIR")));
    assert!(day.hotels.len() >= 10);
}
