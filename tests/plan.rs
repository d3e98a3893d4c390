//! `closedloop plan` and `closedloop plan check` on files, with no database: the KPIs beside
//! the baseline's, the plan file, the checker, and a refused day file.

use closedloop_scheduling::Plan;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn day_small() -> PathBuf {
    repo().join("tests/data/plan/day-small.json")
}

/// A directory with a configuration that names no extract (straight lines), and a database
/// path nobody should create.
struct Desk {
    dir: tempfile::TempDir,
}

impl Desk {
    fn new() -> Desk {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("closedloop.toml"),
            format!("ports = {:?}\n", repo().join("config/ports.toml")),
        )
        .unwrap();
        Desk { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, lang: &str, args: &[&str]) -> Run {
        self.run_with(&self.path("closedloop.toml"), lang, args)
    }

    fn run_with(&self, config: &Path, lang: &str, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_closedloop"))
            .arg("--database-url")
            .arg(self.path("never.db"))
            .arg("--config")
            .arg(config)
            .args(["--lang", lang])
            .args(args)
            .env_remove("DATABASE_URL")
            .current_dir(self.dir.path())
            .output()
            .expect("run closedloop");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn plan(&self, day: &Path, out: &str, extra: &[&str]) -> Run {
        let mut args = vec!["plan", "--problem", day.to_str().unwrap(), "--out", out];
        args.extend_from_slice(extra);
        self.run("en", &args)
    }
}

/// The table's row for `label`: its plan and baseline cells.
fn row<'a>(table: &'a str, label: &str) -> Vec<&'a str> {
    let line = table
        .lines()
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no row {label:?} in\n{table}"));
    line[label.len()..].split_whitespace().collect()
}

#[test]
fn a_small_day_is_planned_beside_the_baseline_and_passes_the_checker() {
    let desk = Desk::new();
    let r = desk.plan(&day_small(), "plan.json", &[]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("baseline"), "{}", r.stdout);
    let text = std::fs::read_to_string(desk.path("plan.json")).unwrap();
    let plan: Plan = serde_json::from_str(&text).unwrap();
    assert_eq!(plan.format, "closedloop-plan/1");
    assert_eq!(
        plan.kpis.travelers, 14,
        "13 arriving, 1 released: {:?}",
        plan.kpis
    );
    // The table prints the plan file's KPIs.
    assert_eq!(row(&r.stdout, "trips")[0], plan.kpis.trips.to_string());
    assert_eq!(
        row(&r.stdout, "unplaced")[0],
        plan.kpis.unplaced.to_string()
    );
    assert_eq!(
        row(&r.stdout, "vehicle-km")[0],
        format!("{:.1}", plan.kpis.vehicle_km)
    );
    for label in [
        "crew-hours",
        "mean port wait (min)",
        "max port wait (min)",
        "max ride (min)",
    ] {
        assert_eq!(
            row(&r.stdout, label).len(),
            3,
            "{label}: plan, baseline, difference"
        );
    }
    // The home nobody pinned is reported, never guessed; the blocked van never drives.
    assert!(
        plan.unplaced
            .iter()
            .any(|u| u.traveler.as_str() == "T105" && u.reason.code() == "home_not_located")
    );
    assert!(
        plan.batches
            .iter()
            .all(|b| b.vehicle.as_str() != "沪A19999")
    );
    // The sick traveler rides alone in the ambulance.
    let sick = plan
        .batches
        .iter()
        .find(|b| b.travelers().any(|t| t.as_str() == "T006"))
        .unwrap();
    assert_eq!((sick.vehicle.as_str(), sick.head_count()), ("沪A12000", 1));
    // The second transfer leaves from the hotel.
    assert!(
        plan.batches
            .iter()
            .any(|b| b.code.as_str().starts_with("B-H-PEACE-"))
    );

    let c = desk.run(
        "en",
        &[
            "plan",
            "check",
            "--problem",
            day_small().to_str().unwrap(),
            "--plan",
            "plan.json",
        ],
    );
    assert_eq!(c.code, 0, "{}\n{}", c.stdout, c.stderr);
    assert!(c.stdout.contains("no violations"), "{}", c.stdout);
    assert!(!desk.path("never.db").exists(), "plan opens no database");
}

#[test]
fn the_same_seed_writes_the_same_plan_and_json_answers_with_both_kpis() {
    let desk = Desk::new();
    assert_eq!(desk.plan(&day_small(), "a.json", &["--seed", "5"]).code, 0);
    let r = desk.plan(&day_small(), "b.json", &["--seed", "5", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let a = std::fs::read(desk.path("a.json")).unwrap();
    let b = std::fs::read(desk.path("b.json")).unwrap();
    assert_eq!(a, b, "same day, same seed: same plan file");
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(v["kpis"]["trips"].as_u64().unwrap() > 0);
    assert!(v["baseline"]["trips"].as_u64().unwrap() > 0);
    assert!(v["travel"].as_str().unwrap().contains("straight lines"));
}

#[test]
fn the_table_is_in_chinese_for_a_chinese_desk() {
    let desk = Desk::new();
    let day = day_small();
    let r = desk.run(
        "zh-CN",
        &[
            "plan",
            "--problem",
            day.to_str().unwrap(),
            "--out",
            "plan.json",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    for word in ["指标", "优化计划", "简单基线", "车次", "车辆公里", "未安排"] {
        assert!(r.stdout.contains(word), "{word} missing:\n{}", r.stdout);
    }
}

#[test]
fn a_bad_day_file_names_the_field_and_writes_no_plan() {
    let desk = Desk::new();
    let mut day: Value =
        serde_json::from_str(&std::fs::read_to_string(day_small()).unwrap()).unwrap();
    day["vehicles"][1]["base"] = Value::from("NOWHERE");
    let bad = desk.path("bad.json");
    std::fs::write(&bad, day.to_string()).unwrap();
    let r = desk.plan(&bad, "plan.json", &[]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("vehicles[1].base"), "{}", r.stderr);
    assert!(r.stderr.contains("NOWHERE"), "{}", r.stderr);
    assert!(
        !desk.path("plan.json").exists(),
        "no plan file for a refused day"
    );

    let zh = desk.run(
        "zh-CN",
        &[
            "plan",
            "--problem",
            bad.to_str().unwrap(),
            "--out",
            "plan.json",
        ],
    );
    assert_ne!(zh.code, 0);
    assert!(
        zh.stderr.contains("vehicles[1].base") && zh.stderr.contains("口岸"),
        "{}",
        zh.stderr
    );

    std::fs::write(&bad, "{\"format\": \"closedloop-day/1\",").unwrap();
    let r = desk.plan(&bad, "plan.json", &[]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("line 1"), "{}", r.stderr);
    assert!(!desk.path("plan.json").exists());
}

#[test]
fn plan_check_names_every_violation_and_exits_1() {
    let desk = Desk::new();
    assert_eq!(desk.plan(&day_small(), "plan.json", &[]).code, 0);
    let mut plan: Value =
        serde_json::from_str(&std::fs::read_to_string(desk.path("plan.json")).unwrap()).unwrap();
    // The blocked van drives the first batch.
    plan["batches"][0]["vehicle"] = Value::from("沪A19999");
    std::fs::write(desk.path("edited.json"), plan.to_string()).unwrap();
    let r = desk.run(
        "en",
        &[
            "plan",
            "check",
            "--problem",
            day_small().to_str().unwrap(),
            "--plan",
            "edited.json",
        ],
    );
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("沪A19999") || r.stdout.contains("B-SH-RAIL-001"),
        "{}",
        r.stdout
    );
    let j = desk.run(
        "en",
        &[
            "plan",
            "check",
            "--problem",
            day_small().to_str().unwrap(),
            "--plan",
            "edited.json",
            "--json",
        ],
    );
    assert_eq!(j.code, 1);
    let v: Value = serde_json::from_str(&j.stdout).unwrap();
    assert!(!v["violations"].as_array().unwrap().is_empty());
}

#[test]
fn plan_without_its_files_is_a_usage_error() {
    let desk = Desk::new();
    let r = desk.run("en", &["plan", "--problem", "day.json"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--out"), "{}", r.stderr);
    let r = desk.run("en", &["plan", "check", "--problem", "day.json"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--plan"), "{}", r.stderr);
}

#[test]
fn on_the_road_network_the_plan_passes_the_checker_with_the_same_roads() {
    let desk = Desk::new();
    let config = repo().join("config/closedloop.toml");
    let day = day_small();
    let r = desk.run_with(
        &config,
        "en",
        &[
            "plan",
            "--problem",
            day.to_str().unwrap(),
            "--out",
            "plan.json",
            "--json",
        ],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(
        v["travel"].as_str().unwrap().contains("road network"),
        "{v}"
    );
    let c = desk.run_with(
        &config,
        "en",
        &[
            "plan",
            "check",
            "--problem",
            day.to_str().unwrap(),
            "--plan",
            "plan.json",
        ],
    );
    assert_eq!(c.code, 0, "{}\n{}", c.stdout, c.stderr);
}
