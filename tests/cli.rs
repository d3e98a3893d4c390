//! The command line itself: help, migrations, database selection.

mod common;

use common::Env;

#[test]
fn help_lists_the_commands() {
    let env = Env::new();
    let r = env.ok(&["--help"]);
    for cmd in ["db", "import", "stats", "travelers", "bench", "demo"] {
        assert!(
            r.stdout.contains(cmd),
            "{cmd} missing from --help:\n{}",
            r.stdout
        );
    }
    for sub in [
        &["db", "migrate", "--help"][..],
        &["import", "--help"],
        &["travelers", "list", "--help"],
        &["bench", "import", "--help"],
        &["bench", "vrptw", "--help"],
        &["bench", "ledger", "--help"],
        &["bench", "trace", "--help"],
        &["bench", "plan", "--help"],
        &["bench", "plan-routes", "--help"],
        &["ledger", "verify", "--help"],
        &["purge", "--help"],
        &["trace", "--help"],
        &["vehicles", "add", "--help"],
        &["crew", "add", "--help"],
        &["trip", "create", "--help"],
        &["trip", "depart", "--help"],
        &["checklist", "complete", "--help"],
        &["handover", "start", "--help"],
        &["handover", "code", "--help"],
        &["handover", "confirm", "--help"],
        &["incident", "open", "--help"],
        &["incident", "resolve", "--help"],
        &["incident", "list", "--help"],
        &["loops", "--help"],
        &["record", "--help"],
    ] {
        env.ok(sub);
    }
}

/// The migrations shipped for the embedded backend (the same names exist for PostgreSQL).
fn migrations() -> usize {
    std::fs::read_dir(common::repo().join("migrations/sqlite"))
        .unwrap()
        .count()
}

#[test]
fn migrate_applies_once_then_reports_up_to_date() {
    let env = Env::new();
    let first = env.ok(&["db", "migrate"]);
    assert!(
        first.stdout.contains(&format!("applied {}", migrations()))
            || first.stdout.contains("up to date"),
        "{}",
        first.stdout
    );
    let second = env.ok(&["db", "migrate"]);
    assert!(second.stdout.contains("up to date"), "{}", second.stdout);
    let status = env.ok(&["db", "status"]);
    let backend = if env.db.is_postgres() {
        "postgresql"
    } else {
        "sqlite"
    };
    assert!(status.stdout.contains(backend), "{}", status.stdout);
    assert_eq!(
        env.stats(),
        serde_json::json!({"travelers": 0, "arrivals": 0, "by_destination": {}, "by_health": {}})
    );
}

#[test]
fn a_mistyped_database_url_is_an_error_not_a_new_file() {
    let env = Env::new();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_closedloop"))
        .args([
            "--database-url",
            "postgre://x@127.0.0.1/db",
            "db",
            "migrate",
        ])
        .current_dir(env.dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown scheme"));
    assert_eq!(
        std::fs::read_dir(env.dir.path()).unwrap().count(),
        0,
        "a file was created"
    );
}

#[test]
fn messages_exist_in_chinese() {
    let env = Env::new();
    let file = env.write(
        "bad.csv",
        "姓名,国籍,证件号码,航班号,入境口岸,抵达时间\n,中国,E1234567,CA1,PVG,2021-03-05\n",
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_closedloop"))
        .args([
            "--database-url",
            &env.db.url_string(),
            "--lang",
            "zh-CN",
            "import",
        ])
        .arg(&file)
        .current_dir(env.dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("第 2 行，“姓名”列：为空"), "{stderr}");
    assert!(stderr.contains("未导入任何数据"), "{stderr}");
}

#[test]
fn bench_plan_routes_reports_each_day_checked_and_refuses_a_bad_parameter() {
    let env = Env::new();
    let r = env.ok(&[
        "bench",
        "plan-routes",
        "--days",
        "1",
        "--time-limit",
        "0.5",
        "--travelers",
        "60",
        "--destinations",
        "6",
    ]);
    let row = r
        .stdout
        .lines()
        .find(|l| l.starts_with("1 "))
        .unwrap_or_else(|| panic!("no row for day 1:\n{}", r.stdout));
    let cells: Vec<&str> = row.split_whitespace().collect();
    // day, jobs, first_plan_s, vehicles, trips, km, hours, violations, unassigned, …
    assert_eq!((cells[7], cells[8]), ("0", "0"), "{}", r.stdout);
    assert!(cells[2].parse::<f64>().unwrap() < 0.5, "{}", r.stdout);
    assert!(r.stdout.contains("target met: yes"), "{}", r.stdout);

    let bad = env.run(&["bench", "plan-routes", "--travelers", "5"]);
    assert_ne!(bad.code, 0);
    assert!(bad.stderr.contains("travelers = 5"), "{}", bad.stderr);
}

#[test]
fn bench_plan_plans_a_generated_day_replans_each_event_and_fits_one_more() {
    let env = Env::new();
    let osm = common::repo().join("assets/osm/monaco.osm.pbf");
    let r = env.ok(&[
        "bench",
        "plan",
        "--osm",
        &osm.display().to_string(),
        "--sizes",
        "60",
    ]);
    for want in [
        "60: first plan",
        "(0 violations)",
        "60:   naive baseline",
        "60:   re-plan: a hotel closed",
        "60:   re-plan: a vehicle broken down",
        "60:   best fit of one more traveler",
    ] {
        assert!(r.stdout.contains(want), "{want}: {}", r.stdout);
    }
}

#[test]
fn demo_refuses_a_directory_holding_another_database_and_changes_nothing() {
    // The demo prepares its own directory (tests/demo.rs); one that holds a database it did
    // not finish preparing is never overwritten.
    let env = Env::new();
    let dir = env.path("not-a-demo");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("closedloop.db"), b"someone's data").unwrap();
    let r = env.run(&[
        "demo",
        "--prepare-only",
        "--data-dir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("is not a prepared demo"), "{}", r.stderr);
    assert_eq!(
        std::fs::read(dir.join("closedloop.db")).unwrap(),
        b"someone's data"
    );
    assert!(!dir.join("demo.json").exists());
    let r = env.run(&[
        "demo",
        "code",
        "demo-admin",
        "--data-dir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
}
