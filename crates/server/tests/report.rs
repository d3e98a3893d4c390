//! `GET /api/reports/daily` on a real server and database (SQLite, or PostgreSQL when
//! `DATABASE_URL` names one): the JSON answer in its documented shape with the day's counts and
//! no personal data, the XLSX workbook in English and in Chinese read back sheet by sheet, bad
//! parameters as problem+json, and a custody row edited behind the program's back answered with
//! 409 `report_ledger_mismatch`. Signed in as the command centre, through `Server::login`.

mod common;

use closedloop_app::incidents::{self, OpenIncident};
use closedloop_app::{AccessRole, App};
use closedloop_handover::{IncidentKind, Severity};
use closedloop_intake::source::{Cell, read_spreadsheet_bytes};
use common::{import_travelers, keys, problem, properties};
use serde_json::Value;
use std::path::Path;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Three travelers on CA936 (1 July) and an incident on that day, left open.
fn seed(app: &App, dir: &Path) {
    import_travelers(app, dir, 3);
    let who = closedloop_app::travelers::list_travelers(app, &Default::default()).unwrap();
    let open = OpenIncident {
        kind: IncidentKind::ProtectionBreach,
        severity: Severity::Minor,
        trip: None,
        vehicle: None,
        travelers: vec![who[0].id],
        crew: vec![],
        description: "Traveler Number1 tore a gown".into(),
        at: closedloop_app::parse::time("at", "2021-07-01 01:00").unwrap(),
        position: None,
    };
    incidents::open(app, &open).unwrap();
}

#[test]
fn the_daily_report_answers_its_documented_shape_with_the_days_counts() {
    let mut s = common::start_with(seed);
    s.login(AccessRole::Commander);
    let doc = s.get_json("/api/openapi.json", 200);
    let r = s.get_json("/api/reports/daily?date=2021-07-01", 200);
    assert_eq!(keys(&r), properties(&doc, "DailyReport"));
    for (field, schema) in [
        ("ledger", "ReportLedger"),
        ("arrivals", "ReportArrivals"),
        ("delivered", "ReportDelivered"),
        ("standing", "ReportStanding"),
        ("incidents", "ReportIncidents"),
        ("cumulative", "ReportCumulative"),
        ("second_transfers", "ReportFlow"),
        ("without_trip", "ReportFlow"),
        ("summary", "Summary"),
    ] {
        assert_eq!(keys(&r[field]), properties(&doc, schema), "{field}");
    }
    let pvg = r["ports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "PVG")
        .unwrap();
    assert_eq!(keys(pvg), properties(&doc, "ReportPort"));
    assert_eq!(
        (pvg["arrivals"].as_u64(), pvg["travelers"].as_u64()),
        (Some(1), Some(3))
    );
    assert_eq!(r["date"], "2021-07-01");
    assert_eq!(r["utc_offset"], "+08:00");
    assert_eq!(r["complete"], true);
    assert_eq!(r["ledger"]["verified"], true);
    assert!(r["ledger"]["entries"].as_u64().unwrap() >= 1);
    assert_eq!(r["arrivals"]["travelers"], 3);
    assert_eq!(
        (r["batches"].as_u64(), r["person_trips"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(r["incidents"]["opened"], 1);
    assert_eq!(r["incidents"]["open"], 1);
    assert_eq!(r["incidents"]["by_kind"]["protection_breach"], 1);
    assert_eq!(
        (r["zero_infection"].as_bool(), r["zero_incident"].as_bool()),
        (Some(true), Some(false))
    );
    let text = r.to_string();
    for secret in ["Traveler Number", "APP0", "tore a gown", "1381234"] {
        assert!(!text.contains(secret), "{secret} in the report");
    }
    // JSON carries both languages: `lang` changes nothing in it but the time it was made.
    let mut zh = s.get_json(
        "/api/reports/daily?date=2021-07-01&lang=zh-CN&format=json",
        200,
    );
    let mut en = r.clone();
    for v in [&mut zh, &mut en] {
        v.as_object_mut().unwrap().remove("generated_at");
    }
    assert_eq!(zh, en);
    assert!(
        r["summary"]["zh-CN"]
            .as_str()
            .unwrap()
            .contains("入境 1 个航班"),
        "{}",
        r["summary"]
    );

    // Without a date: yesterday's report, which is nothing here.
    let y = s.get_json("/api/reports/daily", 200);
    assert_ne!(y["date"], "2021-07-01");
    assert_eq!(y["arrivals"]["travelers"], 0);

    let p = problem(
        s.get("/api/reports/daily?date=2021-13-01"),
        400,
        "invalid_query",
    );
    assert!(p["detail"].as_str().is_some());
    let p = problem(s.get("/api/reports/daily?lang=fr"), 422, "invalid_lang");
    assert_eq!(p["field"], "lang");
    problem(s.get("/api/reports/daily?format=pdf"), 400, "invalid_query");
    let p = problem(
        s.get("/api/reports/daily?day=2021-07-01"),
        400,
        "invalid_query",
    );
    assert_eq!(p["field"], "day");
}

/// The sheets of a workbook: name and rows of cells.
fn sheets(bytes: &[u8]) -> Vec<(String, Vec<Vec<Cell>>)> {
    read_spreadsheet_bytes("daily.xlsx", bytes)
        .unwrap()
        .into_iter()
        .map(|g| (g.name, g.rows.into_iter().map(|r| r.cells).collect()))
        .collect()
}

/// The row whose first cell reads `label`.
fn row<'a>(rows: &'a [Vec<Cell>], label: &str) -> &'a [Cell] {
    rows.iter()
        .find(|r| r.first().is_some_and(|c| c.as_text() == label))
        .unwrap_or_else(|| panic!("no row {label}"))
}

#[test]
fn the_daily_report_comes_as_a_workbook_in_either_language() {
    let mut s = common::start_with(seed);
    s.login(AccessRole::Commander);
    let cases = [
        (
            "en",
            ["Daily report", "Ports", "Hotels"],
            "travelers arrived",
            "incidents opened",
        ),
        (
            "zh-CN",
            ["日通报", "口岸", "隔离酒店"],
            "入境人数",
            "新发事故",
        ),
    ];
    for (lang, names, arrived, opened) in cases {
        let r = s.get(&format!(
            "/api/reports/daily?date=2021-07-01&format=xlsx&lang={lang}"
        ));
        assert_eq!(r.status(), 200, "{lang}");
        let header = |h: &str| r.headers()[h].to_str().unwrap().to_string();
        assert_eq!(header("content-type"), XLSX);
        assert_eq!(header("content-language"), lang);
        let disposition = header("content-disposition");
        assert!(disposition.starts_with("attachment"), "{disposition}");
        assert!(
            disposition.contains(&format!("filename=\"daily-report-2021-07-01-{lang}.xlsx\"")),
            "{disposition}"
        );
        let bytes = r.bytes().unwrap();
        assert!(bytes.starts_with(b"PK\x03\x04"), "a zip archive");
        let got = sheets(&bytes);
        let got_names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(got_names, names);
        let day = &got[0].1;
        assert_eq!(row(day, arrived)[1], Cell::Number(3.0), "{lang}");
        assert_eq!(row(day, opened)[1], Cell::Number(1.0), "{lang}");
        let pvg = row(&got[1].1, "PVG");
        assert_eq!(pvg[2..4], [Cell::Number(1.0), Cell::Number(3.0)], "{lang}");
        for c in got.iter().flat_map(|(_, rows)| rows.iter().flatten()) {
            assert!(!c.as_text().contains("Traveler Number"), "{c}");
        }
    }
    // Without `lang`, the client's Accept-Language chooses.
    let r = s
        .client
        .get(s.url("/api/reports/daily?date=2021-07-01&format=xlsx"))
        .header("accept-language", "zh-CN,zh;q=0.9,en;q=0.5")
        .send()
        .unwrap();
    assert_eq!(r.headers()["content-language"], "zh-CN");
    assert_eq!(sheets(&r.bytes().unwrap())[0].0, "日通报");
}

#[test]
fn a_custody_row_edited_behind_the_programs_back_is_a_conflict() {
    let mut s = common::start_with(seed);
    s.login(AccessRole::Commander);
    s.get_json("/api/reports/daily?date=2021-07-01", 200);
    s.db.execute("UPDATE incidents SET kind = 'traffic_accident'")
        .unwrap();
    for format in ["json", "xlsx"] {
        let p = problem(
            s.get(&format!(
                "/api/reports/daily?date=2021-07-01&format={format}"
            )),
            409,
            "report_ledger_mismatch",
        );
        assert_eq!(p["title"], "Conflict");
        assert!(p["field"].as_str().unwrap().starts_with("incidents"), "{p}");
        assert!(
            p["detail"]
                .as_str()
                .unwrap()
                .contains("custody_row_changed"),
            "{p}"
        );
        assert!(
            p["detail_zh"]
                .as_str()
                .unwrap()
                .contains("日通报已拒绝生成"),
            "{p}"
        );
    }
    let v: Value = s.get_json("/api/ledger/verify", 200);
    assert_eq!(v["verified"], false, "the audit names it too");
}
