//! `closedloop hotels|hospitals|ports` through the real binary, on the backend `DATABASE_URL`
//! names: imports all or nothing with every bad row named, re-imports that update, the desk's
//! edits, and the ports' processing times.

mod common;

use common::{Env, Run, repo};
use serde_json::{Value, json};
use std::collections::BTreeSet;

fn data(name: &str) -> String {
    repo()
        .join("tests/data/places")
        .join(name)
        .display()
        .to_string()
}

fn hotels(env: &Env) -> Vec<Value> {
    match env.ok(&["hotels", "list", "--json"]).json() {
        Value::Array(v) => v,
        other => panic!("expected an array, got {other}"),
    }
}

fn hotel(env: &Env, code: &str) -> Value {
    hotels(env)
        .into_iter()
        .find(|h| h["code"] == code)
        .unwrap_or_else(|| panic!("no hotel {code}"))
}

fn failed(r: &Run) {
    assert_eq!(r.code, 1, "expected exit 1:\n{}\n{}", r.stdout, r.stderr);
}

#[test]
fn a_good_file_is_imported_and_listed_in_the_documented_shape() {
    let env = Env::new();
    let out = env
        .ok(&["hotels", "import", &data("hotels.csv"), "--json"])
        .json();
    assert_eq!(out["kind"], "hotels");
    assert_eq!(
        (
            &out["rows"],
            &out["created"],
            &out["updated"],
            &out["unchanged"]
        ),
        (&json!(3), &json!(3), &json!(0), &json!(0))
    );
    assert_eq!(out["problems"], json!([]));

    let list = hotels(&env);
    let codes: Vec<&str> = list.iter().filter_map(|h| h["code"].as_str()).collect();
    assert_eq!(codes, ["H-HQ01", "H-PD01", "H-PD02"], "by code");
    let mut h = hotel(&env, "H-PD02");
    assert!(h["id"].is_i64(), "{h}");
    h.as_object_mut().unwrap().remove("id");
    assert_eq!(
        h,
        json!({
            "code": "H-PD02",
            "name_zh": "川沙隔离酒店",
            "name_en": "Chuansha Quarantine Hotel",
            "address": "上海市浦东新区川沙路5558号",
            "lat": 31.192,
            "lon": 121.703,
            "rooms": 80,
            "accessible_rooms": 4,
            "languages": ["zh", "en", "ja"],
            "open": true
        })
    );
    // A quoted comma stays in the address.
    assert_eq!(
        hotel(&env, "H-HQ01")["address"],
        "上海市闵行区申长路1688号, 近虹桥站"
    );

    // The table, in both languages.
    let table = env.ok(&["hotels", "list"]);
    assert!(
        table.stdout.contains("Chuansha Quarantine Hotel"),
        "{}",
        table.stdout
    );
    assert!(table.stderr.contains("3 hotel(s)"), "{}", table.stderr);
    let config = repo().join("config/closedloop.toml");
    let zh = env.run_in("zh-CN", &config, &["hotels", "list"]);
    assert!(zh.stdout.contains("川沙隔离酒店"), "{}", zh.stdout);
    assert!(zh.stdout.contains("无障碍"), "{}", zh.stdout);
}

#[test]
fn every_bad_row_is_named_and_nothing_is_stored() {
    let env = Env::new();
    // A refused file never opens the database: create it so that the listing can read it.
    env.ok(&["db", "migrate"]);
    let r = env.run(&["hotels", "import", &data("hotels_bad.csv"), "--json"]);
    failed(&r);
    let out = r.json();
    assert_eq!((&out["created"], &out["updated"]), (&json!(0), &json!(0)));
    let found: BTreeSet<(u64, String, String)> = out["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["row"].as_u64().unwrap(),
                p["column"].as_str().unwrap().to_string(),
                p["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: BTreeSet<(u64, String, String)> = [
        (3, "lat", "out_of_range"),
        (4, "name_zh", "required"),
        (4, "accessible_rooms", "accessible_rooms_exceed_rooms"),
        (5, "code", "duplicate_code"),
        (6, "lon", "not_a_number"),
        (6, "rooms", "not_a_count"),
        (6, "languages", "unknown_language"),
        (6, "open", "not_yes_no"),
    ]
    .into_iter()
    .map(|(r, c, k)| (r, c.to_string(), k.to_string()))
    .collect();
    assert_eq!(found, expected);
    let messages: Vec<&str> = out["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["message"].as_str())
        .collect();
    assert!(
        messages.contains(&r#"row 3, column "lat": "91.5" is out of range: -90 to 90"#),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains(r#""H-OK01" is already the code of row 2"#)),
        "{messages:?}"
    );
    // The valid first row was not stored either.
    assert_eq!(hotels(&env), Vec::<Value>::new());

    // Without --json: every problem on stderr, then the verdict; in Chinese too.
    let r = env.run(&["hotels", "import", &data("hotels_bad.csv")]);
    failed(&r);
    assert!(
        r.stderr.contains("row 6, column \"rooms\": \"ten\""),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("4 of 5 rows refused; nothing was imported"),
        "{}",
        r.stderr
    );
    let config = repo().join("config/closedloop.toml");
    let zh = env.run_in(
        "zh-CN",
        &config,
        &["hotels", "import", &data("hotels_bad.csv")],
    );
    failed(&zh);
    assert!(
        zh.stderr.contains("第 4 行，“name_zh”列：为空"),
        "{}",
        zh.stderr
    );
    assert!(zh.stderr.contains("未导入任何数据"), "{}", zh.stderr);
    assert_eq!(hotels(&env), Vec::<Value>::new());
}

#[test]
fn a_file_without_the_contract_columns_is_refused_whole() {
    let env = Env::new();
    // A refused file never opens the database: create it so that the listing can read it.
    env.ok(&["db", "migrate"]);
    let f = env.write(
        "hotels.csv",
        "code,name,address,lat,lon,rooms\nH1,Hotel,Road 1,31.2,121.4,10\n",
    );
    let r = env.run(&["hotels", "import", f.to_str().unwrap()]);
    failed(&r);
    assert!(
        r.stderr.contains("lacks the column(s) name_zh, name_en"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("code,name_zh,name_en,address"),
        "{}",
        r.stderr
    );
    assert_eq!(hotels(&env), Vec::<Value>::new());
    let missing = env.run(&["hotels", "import", "no-such-file.csv"]);
    failed(&missing);
}

#[test]
fn importing_a_stored_code_again_updates_that_hotel() {
    let env = Env::new();
    env.ok(&["hotels", "import", &data("hotels.csv")]);
    let r = env.ok(&["hotels", "import", &data("hotels_update.csv")]);
    assert!(
        r.stdout
            .contains("3 rows — created 1, updated 1, unchanged 1"),
        "{}",
        r.stdout
    );
    let id_before = hotel(&env, "H-PD01")["id"].clone();
    let h = hotel(&env, "H-PD01");
    // "h-pd01" in the file is the stored H-PD01: codes are upper-case.
    assert_eq!(
        (&h["rooms"], &h["accessible_rooms"]),
        (&json!(150), &json!(8))
    );
    assert_eq!(h["id"], id_before);
    // Languages by name, and a hotel imported closed.
    let ja = hotel(&env, "H-JA01");
    assert_eq!(ja["languages"], json!(["zh", "en"]));
    assert_eq!(ja["open"], false);
    // Hotels the file does not name are kept.
    assert_eq!(hotels(&env).len(), 4);
}

#[test]
fn the_desk_closes_and_opens_hotels_and_sets_their_rooms() {
    let env = Env::new();
    env.ok(&["hotels", "import", &data("hotels.csv")]);
    let r = env.ok(&["hotels", "close", "H-PD01"]);
    assert!(r.stdout.contains("hotel H-PD01: closed"), "{}", r.stdout);
    assert_eq!(hotel(&env, "H-PD01")["open"], false);
    let again = env.ok(&["hotels", "close", "h-pd01", "--json"]).json();
    assert_eq!(
        (&again["open"], &again["changed"]),
        (&json!(false), &json!(false))
    );
    env.ok(&["hotels", "open", "H-PD01"]);
    assert_eq!(hotel(&env, "H-PD01")["open"], true);

    let set = env
        .ok(&[
            "hotels",
            "set",
            "H-PD01",
            "--rooms",
            "90",
            "--accessible-rooms",
            "9",
            "--json",
        ])
        .json();
    assert_eq!(
        (&set["rooms"], &set["accessible_rooms"]),
        (&json!(90), &json!(9))
    );
    assert_eq!(set["changed"], true);

    // More accessible rooms than rooms: refused, nothing changed, whichever flag causes it.
    for args in [
        &["hotels", "set", "H-PD01", "--accessible-rooms", "91"][..],
        &["hotels", "set", "H-PD01", "--rooms", "8"][..],
    ] {
        let r = env.run(args);
        failed(&r);
        assert!(
            r.stderr.contains("accessible rooms would be more than its"),
            "{}",
            r.stderr
        );
    }
    let zero = env.run(&["hotels", "set", "H-PD01", "--rooms", "0"]);
    failed(&zero);
    let h = hotel(&env, "H-PD01");
    assert_eq!(
        (&h["rooms"], &h["accessible_rooms"]),
        (&json!(90), &json!(9))
    );

    // An unknown code is named; a set without a value is a usage error.
    for args in [
        &["hotels", "close", "NOPE"][..],
        &["hotels", "open", "NOPE"][..],
        &["hotels", "set", "NOPE", "--rooms", "5"][..],
    ] {
        let r = env.run(args);
        failed(&r);
        assert!(
            r.stderr.contains(r#"no hotel has the code "NOPE""#),
            "{}",
            r.stderr
        );
    }
    let config = repo().join("config/closedloop.toml");
    let zh = env.run_in("zh-CN", &config, &["hotels", "open", "NOPE"]);
    assert!(
        zh.stderr.contains("没有代码为 \"NOPE\" 的酒店"),
        "{}",
        zh.stderr
    );
    assert_ne!(env.run(&["hotels", "set", "H-PD01"]).code, 0);
}

#[test]
fn hospitals_are_imported_with_a_bom_and_designated_by_default() {
    let env = Env::new();
    let out = env
        .ok(&["hospitals", "import", &data("hospitals.csv"), "--json"])
        .json();
    assert_eq!(
        (&out["kind"], &out["created"]),
        (&json!("hospitals"), &json!(2))
    );
    let list = env.ok(&["hospitals", "list", "--json"]).json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    let mut rj = list.iter().find(|h| h["code"] == "RJ-PD").unwrap().clone();
    rj.as_object_mut().unwrap().remove("id");
    assert_eq!(
        rj,
        json!({
            "code": "RJ-PD",
            "name_zh": "瑞金医院浦东分院",
            "name_en": "Ruijin Hospital Pudong",
            "address": "上海市浦东新区",
            "lat": 31.2,
            "lon": 121.6,
            "designated": true
        })
    );
    let again = env
        .ok(&["hospitals", "import", &data("hospitals.csv"), "--json"])
        .json();
    assert_eq!(
        (&again["created"], &again["unchanged"]),
        (&json!(0), &json!(2))
    );
    let bad = env.write(
        "hospitals.csv",
        "code,name_zh,name_en,address,lat,lon,designated\nX1,医院,Hospital,路1号,31.2,200,perhaps\n",
    );
    let r = env.run(&["hospitals", "import", bad.to_str().unwrap(), "--json"]);
    failed(&r);
    let codes: Vec<String> = r.json()["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{}:{}",
                p["column"].as_str().unwrap(),
                p["code"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(codes, ["lon:out_of_range", "designated:not_yes_no"]);
    assert_eq!(
        env.ok(&["hospitals", "list", "--json"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn ports_carry_a_processing_time_the_desk_can_set() {
    let env = Env::new();
    // A write opens the database and syncs the configured ports.
    env.ok(&["db", "migrate"]);
    let ports = env.ok(&["ports", "list", "--json"]).json();
    let port = |ports: &Value, code: &str| {
        ports
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["code"] == code)
            .unwrap_or_else(|| panic!("no port {code}"))
            .clone()
    };
    let pvg = port(&ports, "PVG");
    assert_eq!(
        pvg,
        json!({
            "code": "PVG",
            "name_zh": "上海浦东国际机场",
            "name_en": "Shanghai Pudong International Airport",
            "kind": "airport",
            "lat": 31.1443,
            "lon": 121.8083,
            "processing_minutes": 120,
            "processing_source": "default"
        })
    );
    assert_eq!(port(&ports, "SH-RAIL")["processing_minutes"], 60);

    let set = env
        .ok(&[
            "ports",
            "set",
            "PVG",
            "--processing-minutes",
            "150",
            "--json",
        ])
        .json();
    assert_eq!(
        (&set["processing_minutes"], &set["processing_source"]),
        (&json!(150), &json!("desk"))
    );
    // By a name or alias of config/ports.toml too.
    env.ok(&["ports", "set", "虹桥机场", "--processing-minutes", "0"]);
    let ports = env.ok(&["ports", "list", "--json"]).json();
    assert_eq!(port(&ports, "PVG")["processing_minutes"], 150);
    assert_eq!(port(&ports, "SHA")["processing_minutes"], 0);
    assert_eq!(port(&ports, "SHA")["processing_source"], "desk");

    // A later write (which syncs the ports again) keeps what the desk set.
    env.ok(&["hotels", "import", &data("hotels.csv")]);
    assert_eq!(
        port(&env.ok(&["ports", "list", "--json"]).json(), "PVG")["processing_minutes"],
        150
    );

    let r = env.ok(&["ports", "set", "PVG", "--default"]);
    assert!(r.stdout.contains("120 minutes"), "{}", r.stdout);
    assert_eq!(
        port(&env.ok(&["ports", "list", "--json"]).json(), "PVG")["processing_source"],
        "default"
    );

    let unknown = env.run(&["ports", "set", "NOPE", "--processing-minutes", "30"]);
    failed(&unknown);
    assert!(
        unknown
            .stderr
            .contains(r#"port "NOPE" is not in the database"#),
        "{}",
        unknown.stderr
    );
    let too_long = env.run(&["ports", "set", "PVG", "--processing-minutes", "2000"]);
    failed(&too_long);
    assert!(
        too_long.stderr.contains("not between 0 and 1440"),
        "{}",
        too_long.stderr
    );

    let table = env.ok(&["ports", "list"]);
    assert!(
        table.stdout.contains("default for its kind"),
        "{}",
        table.stdout
    );
    let config = repo().join("config/closedloop.toml");
    let zh = env.run_in("zh-CN", &config, &["ports", "list"]);
    assert!(zh.stdout.contains("处理时长"), "{}", zh.stdout);
}
