//! `closedloop report daily` through the real binary: the day's counts as JSON, as a table in
//! English and in Chinese, as an XLSX workbook to a file or down a pipe, JSON to a file; and a
//! hand-over row edited behind the program's back refusing the report in both languages with
//! the command to run next, no file written. On SQLite, or PostgreSQL when DATABASE_URL names
//! one.

mod common;

use closedloop_store::custody::{self, PartyRole};
use common::ledger::{Custody, handover, party};
use serde_json::Value;

/// A UTC time on 2021-07-01 (local +08:00: the same day).
fn t(h: u32, m: u32) -> chrono::NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2021, 7, 1)
        .unwrap()
        .and_hms_opt(h, m, 0)
        .unwrap()
}

/// Three travelers on CA936 of 1 July, carried by one trip: two to hotel 8, one home.
fn played() -> (Custody, String) {
    let c = Custody::new();
    let mut csv = String::from("Full Name,Passport No.,Nationality,Flight,Port,Arrival\n");
    for i in 1..=3 {
        csv.push_str(&format!(
            "Report Traveler {i},RPT{i:05},CHN,CA936,PVG,2021-07-01 08:00\n"
        ));
    }
    let ids = c.import(&csv);
    let who: Vec<i64> = (1..=3).map(|i| ids[&format!("RPT{i:05}")]).collect();
    let store = c.store();
    let mut conn = store.conn().unwrap();
    let v = custody::add_vehicle(&mut conn, "沪A20001", 20).unwrap();
    let crew = custody::add_crew(&mut conn, "S2001", "Escort One", "escort").unwrap();
    drop(conn);
    let port = store.ports().unwrap()[0].code.clone();
    let trip = c.trip(&store, v, &[crew], &who, t(2, 0), t(4, 0));
    c.record(
        &store,
        &[
            handover(
                trip,
                party(PartyRole::PortStaff, 1),
                party(PartyRole::Crew, crew),
                t(2, 5),
                &who,
            ),
            handover(
                trip,
                party(PartyRole::Crew, crew),
                party(PartyRole::HotelStaff, 8),
                t(3, 0),
                &who[..2],
            ),
            handover(
                trip,
                party(PartyRole::Crew, crew),
                party(PartyRole::CommunityStaff, 9),
                t(3, 10),
                &who[2..],
            ),
        ],
    );
    (c, port)
}

const DAY: [&str; 4] = ["report", "daily", "--date", "2021-07-01"];

fn args<'a>(more: &[&'a str]) -> Vec<&'a str> {
    DAY.iter().copied().chain(more.iter().copied()).collect()
}

#[test]
fn the_daily_report_as_json_tables_and_workbooks() {
    let (c, port) = played();
    let r = c.ok(&args(&["--format", "json"])).json();
    assert_eq!(r["date"], "2021-07-01");
    assert_eq!(r["arrivals"]["travelers"], 3);
    assert_eq!(
        (r["batches"].as_u64(), r["person_trips"].as_u64()),
        (Some(1), Some(3))
    );
    assert_eq!(r["delivered"]["hotel"], 2);
    assert_eq!(r["delivered"]["home"], 1);
    assert_eq!(r["standing"]["in_hotel_quarantine"], 2);
    assert_eq!(r["standing"]["at_home"], 1);
    assert_eq!(r["standing"]["in_transit"], 0);
    assert_eq!(r["zero_infection"], true);
    assert_eq!(r["zero_incident"], true);
    assert_eq!(r["ledger"]["verified"], true);
    let hotel = &r["hotels"][0];
    assert_eq!(
        (hotel["id"].as_i64(), hotel["in_quarantine"].as_u64()),
        (Some(8), Some(2))
    );
    assert_eq!(hotel["code"], Value::Null, "hotel 8 is in no hotel list");
    let by_port = r["ports"].as_array().unwrap();
    let origin = by_port.iter().find(|p| p["code"] == port.as_str()).unwrap();
    assert_eq!(origin["batches"], 1);
    assert!(
        !r.to_string().contains("Report Traveler"),
        "no personal data"
    );

    let en = c.ok(&args(&[]));
    assert!(
        en.stdout.contains("Daily report 2021-07-01"),
        "{}",
        en.stdout
    );
    let line = |out: &str, label: &str| {
        out.lines()
            .find(|l| l.starts_with(label))
            .map(|l| l[label.len()..].trim().to_string())
            .unwrap_or_else(|| panic!("no line {label} in\n{out}"))
    };
    assert_eq!(line(&en.stdout, "person-trips"), "3");
    assert_eq!(line(&en.stdout, "in hotel quarantine"), "2");
    let zh = c.env.run_in("zh-CN", &c.config, &args(&[]));
    assert_eq!(zh.code, 0, "{}", zh.stderr);
    assert!(zh.stdout.contains("日通报（2021-07-01）"), "{}", zh.stdout);
    assert_eq!(line(&zh.stdout, "转运人次"), "3");
    assert_eq!(line(&zh.stdout, "集中隔离在册人数"), "2");
    assert_eq!(line(&zh.stdout, "当日零感染"), "是");

    // A workbook to a file, or down a pipe (standard output is not a terminal here).
    let out = c.env.path("daily.xlsx");
    let done = c.ok(&args(&["--format", "xlsx", "--out", out.to_str().unwrap()]));
    assert!(done.stdout.is_empty());
    assert!(
        done.stderr.contains("daily report written to"),
        "{}",
        done.stderr
    );
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"PK\x03\x04"), "a zip archive");
    let piped = c.ok(&args(&["--format", "xlsx"]));
    assert!(piped.stdout.starts_with("PK\u{3}\u{4}"));
    // JSON to a file: the same report.
    let file = c.env.path("daily.json");
    c.ok(&args(&[
        "--format",
        "json",
        "--out",
        file.to_str().unwrap(),
    ]));
    let mut written: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let mut printed = r.clone();
    for v in [&mut written, &mut printed] {
        v.as_object_mut().unwrap().remove("generated_at");
    }
    assert_eq!(written, printed);
}

#[test]
fn an_edited_hand_over_refuses_the_report_in_both_languages() {
    let (c, _) = played();
    c.ok(&args(&["--format", "json"]));
    c.sql("UPDATE handovers SET counted = 7 WHERE receiver_role = 'community_staff'");
    let out = c.env.path("refused.xlsx");
    let more = ["--format", "xlsx", "--out", out.to_str().unwrap()];
    let en = c.run(&args(&more));
    assert_eq!(en.code, 1, "{}", en.stdout);
    assert!(en.stdout.is_empty());
    assert!(
        en.stderr.contains("the daily report is refused"),
        "{}",
        en.stderr
    );
    assert!(en.stderr.contains("custody_row_changed"), "{}", en.stderr);
    assert!(
        en.stderr.contains("closedloop ledger verify"),
        "{}",
        en.stderr
    );
    let zh = c.env.run_in("zh-CN", &c.config, &args(&more));
    assert_eq!(zh.code, 1);
    assert!(zh.stderr.contains("日通报已拒绝生成"), "{}", zh.stderr);
    assert!(
        zh.stderr.contains("请运行 `closedloop ledger verify`"),
        "{}",
        zh.stderr
    );
    assert!(!out.exists(), "nothing written");
}
