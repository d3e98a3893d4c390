//! Manifests imported over HTTP: a file with a bad row refused whole (every row error listed,
//! nothing stored); with `accept_valid` the valid rows stored and the refused kept, listed and
//! corrected one by one (a correction still wrong changes nothing); workbooks, JSON lines and
//! GB18030 text; replays of the Idempotency-Key; the audit of the rows' personal fields. Real
//! server, real database (SQLite, or PostgreSQL with `DATABASE_URL`).

mod common;

use closedloop_app::AccessRole::{Admin, Auditor, Dispatcher};
use common::{Server, problem, start};
use reqwest::blocking::Response;
use serde_json::{Value, json};

const CSV: &str = "text/csv; charset=utf-8";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const HEADER: &str =
    "Full Name,Passport No.,Nationality,Phone,Flight,Port,Arrival,Destination Type";

/// A manifest of `rows` (name, passport, port), off CA936 on 1 July 2021, to hotels.
fn manifest(rows: &[(&str, &str, &str)]) -> String {
    let mut csv = format!("{HEADER}\n");
    for (i, (name, passport, port)) in rows.iter().enumerate() {
        csv.push_str(&format!(
            "{name},{passport},CHN,1381234{:04},CA936,{port},2021-07-01 08:00,hotel\n",
            i + 1
        ));
    }
    csv
}

fn upload(s: &Server, query: &str, kind: &str, body: impl Into<Vec<u8>>) -> Response {
    s.post_raw(&format!("/api/imports{query}"), kind, body)
}

fn travelers(s: &Server) -> Vec<Value> {
    let page = s.get_json("/api/travelers?limit=500", 200);
    page["items"].as_array().unwrap().clone()
}

fn fix(s: &Server, id: i64, row: i64, body: Value) -> Response {
    s.client
        .post(s.url(&format!("/api/imports/{id}/rejected/{row}")))
        .json(&body)
        .send()
        .unwrap()
}

#[test]
fn a_file_with_a_bad_row_is_refused_whole_with_every_row_error_and_nothing_stored() {
    let mut s = start();
    s.login(Dispatcher);
    let csv = manifest(&[
        ("Alice Traveler", "AZ0001", "PVG"),
        ("Bob Traveler", "AZ0002", "XXX"),
        ("", "AZ0003", "PVG"),
    ]);
    let body = problem(
        upload(&s, "?name=ca936.csv", CSV, csv),
        422,
        "manifest_rows_refused",
    );
    let errors = body["errors"].as_array().unwrap();
    let rows: Vec<(i64, &str, &str)> = errors
        .iter()
        .map(|e| {
            (
                e["row"].as_i64().unwrap(),
                e["field"].as_str().unwrap(),
                e["code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (3, "Port", "port_unknown"),
            (4, "Full Name", "value_required")
        ],
        "{body}"
    );
    for e in errors {
        assert!(e["en"].as_str().unwrap().contains("row"), "{e}");
        assert!(e["zh"].as_str().unwrap().contains("行"), "{e}");
    }
    assert_eq!(body["field"], "row 3");
    assert!(travelers(&s).is_empty(), "nothing stored");

    // The same file's good rows alone go in whole.
    let good = manifest(&[("Alice Traveler", "AZ0001", "PVG")]);
    let r = upload(&s, "?name=ca936.csv", CSV, good);
    assert_eq!(r.status(), 201);
    let summary: Value = r.json().unwrap();
    assert_eq!(
        (&summary["rows"], &summary["imported"], &summary["rejected"]),
        (&json!(1), &json!(1), &json!(0)),
        "{summary}"
    );
    assert_eq!(summary["format"], "csv (UTF-8)");
    assert_eq!(travelers(&s).len(), 1);

    // Not a manifest at all, or not a kind of file the service reads.
    problem(
        upload(&s, "", CSV, "just,some\ntext,here\n"),
        422,
        "manifest_no_header",
    );
    problem(upload(&s, "", CSV, ""), 422, "manifest_empty");
    problem(
        upload(&s, "", "application/pdf", "%PDF"),
        415,
        "manifest_content_type",
    );
    problem(
        upload(&s, "?bogus=1", CSV, manifest(&[])),
        400,
        "invalid_query",
    );
}

#[test]
fn refused_rows_are_kept_listed_and_stored_once_corrected() {
    let mut s = start();
    s.login(Dispatcher);
    let csv = manifest(&[
        ("Alice Traveler", "AZ0001", "PVG"),
        ("Bob Traveler", "AZ0002", "XXX"),
        ("Carol Traveler", "AZ0003", "PVG"),
    ]);
    let r = upload(&s, "?name=ca936.csv&accept_valid=true", CSV, csv);
    assert_eq!(r.status(), 201);
    let summary: Value = r.json().unwrap();
    assert_eq!(
        (&summary["imported"], &summary["rejected"]),
        (&json!(2), &json!(1)),
        "{summary}"
    );
    assert_eq!(summary["errors"][0]["code"], "port_unknown");
    let id = summary["id"].as_i64().unwrap();
    assert_eq!(travelers(&s).len(), 2);

    let listed = s.get_json(&format!("/api/imports/{id}/rejected"), 200);
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{listed}");
    assert_eq!(items[0]["row"], 3);
    assert_eq!(items[0]["fields"]["Full Name"], "Bob Traveler");
    assert_eq!(items[0]["fields"]["Port"], "XXX");
    assert_eq!(items[0]["errors"][0]["field"], "Port");

    // Still wrong: 422 naming it, nothing changed.
    let body = problem(
        fix(&s, id, 3, json!({"fields": {"Port": "YYY"}})),
        422,
        "manifest_rows_refused",
    );
    assert_eq!(body["errors"][0]["code"], "port_unknown", "{body}");
    problem(
        fix(&s, id, 3, json!({"fields": {"Gate": "B"}})),
        422,
        "upload_column_unknown",
    );
    problem(
        fix(&s, id, 9, json!({"fields": {"Port": "PVG"}})),
        404,
        "upload_not_found",
    );
    assert_eq!(travelers(&s).len(), 2);
    let again = s.get_json(&format!("/api/imports/{id}/rejected"), 200);
    assert_eq!(again["items"][0]["fields"]["Port"], "XXX", "{again}");

    // Corrected: stored, and no longer refused; the same correction again finds nothing.
    let r = fix(&s, id, 3, json!({"fields": {"Port": "PVG"}}));
    assert_eq!(r.status(), 200);
    let fixed: Value = r.json().unwrap();
    assert_eq!(
        (&fixed["imported"], &fixed["remaining"]),
        (&json!(1), &json!(0)),
        "{fixed}"
    );
    let names: Vec<String> = travelers(&s)
        .iter()
        .map(|t| t["full_name"].as_str().unwrap().to_string())
        .collect();
    assert!(names.contains(&"Bob Traveler".to_string()), "{names:?}");
    assert_eq!(
        s.get_json(&format!("/api/imports/{id}/rejected"), 200)["items"],
        json!([])
    );
    problem(
        fix(&s, id, 3, json!({"fields": {"Port": "PVG"}})),
        404,
        "upload_not_found",
    );
    problem(s.get("/api/imports/999/rejected"), 404, "upload_not_found");

    // The rows' personal fields were shown to the desk: the audit log says so.
    s.login(Auditor);
    let audit = s.get_json("/api/audit", 200);
    let entry = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["endpoint"] == "GET /api/imports/{id}/rejected")
        .unwrap_or_else(|| panic!("no audit entry in {audit}"));
    assert_eq!(entry["object_kind"], "manifest_upload");
    assert_eq!(entry["objects"], json!([id]));
    let fields = entry["fields"].as_array().unwrap();
    assert!(fields.contains(&json!("name")) && fields.contains(&json!("document")));
    assert!(fields.contains(&json!("phone")), "{entry}");
}

#[test]
fn workbooks_json_lines_and_gb18030_text_are_read_by_their_content_type() {
    let mut s = start();
    s.login(Admin);
    // A workbook with a refused row, fixed through the same rules.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in HEADER.split(',').enumerate() {
        sheet.write_string(0, c as u16, h).unwrap();
    }
    for (r, (name, nationality)) in [("Dana Traveler", "CHN"), ("Eve Traveler", "ZZZ")]
        .iter()
        .enumerate()
    {
        let cells = [
            *name,
            &format!("XL{r:04}"),
            nationality,
            "13812340000",
            "MU5101",
            "PVG",
            "2021-07-01 09:00",
            "hotel",
        ];
        for (c, v) in cells.iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, *v).unwrap();
        }
    }
    let bytes = book.save_to_buffer().unwrap();
    problem(
        upload(&s, "?name=mu5101.xlsx", XLSX, bytes.clone()),
        422,
        "manifest_rows_refused",
    );
    let r = upload(&s, "?name=mu5101.xlsx&accept_valid=true", XLSX, bytes);
    assert_eq!(r.status(), 201);
    let summary: Value = r.json().unwrap();
    assert_eq!(summary["format"], "xlsx", "{summary}");
    assert_eq!(summary["rejected"], 1);
    let id = summary["id"].as_i64().unwrap();
    let r = fix(&s, id, 3, json!({"fields": {"Nationality": "GBR"}}));
    assert_eq!(r.status(), 200, "{:?}", r.text());
    assert_eq!(travelers(&s).len(), 2);

    // JSON lines, one row without a document number.
    let jsonl = concat!(
        r#"{"name":"Fay Traveler","passport_no":"JL0001","nationality":"CHN","flight":"CA936","port":"PVG","arrival":"2021-07-01 08:00"}"#,
        "\n",
        r#"{"name":"Gus Traveler","passport_no":"","nationality":"CHN","flight":"CA936","port":"PVG","arrival":"2021-07-01 08:00"}"#,
        "\n"
    );
    let body = problem(
        upload(&s, "?name=ca936.jsonl", "application/x-ndjson", jsonl),
        422,
        "manifest_rows_refused",
    );
    assert_eq!(body["errors"].as_array().unwrap().len(), 1, "{body}");
    assert_eq!(body["errors"][0]["row"], 2);

    // GB18030 text with Chinese headers.
    let text = "姓名,护照号码,国籍,手机,航班号,入境口岸,抵达时间\n张三,GB0001,CHN,13812345678,CA936,PVG,2021-07-01 08:00\n";
    let (gb, _, _) = encoding_rs::GB18030.encode(text);
    let r = upload(&s, "?name=gb.csv", "text/csv", gb.into_owned());
    assert_eq!(r.status(), 201, "{:?}", r.text());
    assert_eq!(travelers(&s).len(), 3);
}

#[test]
fn an_import_is_made_once_per_idempotency_key_and_a_body_past_the_limit_is_413() {
    let mut s = start();
    s.login(Dispatcher);
    let csv = manifest(&[
        ("Alice Traveler", "AZ0001", "PVG"),
        ("Bob", "AZ0002", "XXX"),
    ]);
    let send = |body: &str| {
        s.client
            .post(s.url("/api/imports?accept_valid=true"))
            .header("content-type", CSV)
            .header("Idempotency-Key", "import-1")
            .body(body.to_string())
            .send()
            .unwrap()
    };
    let first = send(&csv);
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: Value = first.json().unwrap();
    let again = send(&csv);
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().unwrap(), first);
    assert_eq!(travelers(&s).len(), 1, "one record");
    let id = first["id"].as_i64().unwrap();
    let listed = s.get_json(&format!("/api/imports/{id}/rejected"), 200);
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "kept once");
    problem(
        send(&manifest(&[("Carol", "AZ0003", "PVG")])),
        422,
        "idempotency_key_reused",
    );

    // A correction replayed: the first answer again, the row stored once.
    let fix_once = || {
        s.client
            .post(s.url(&format!("/api/imports/{id}/rejected/3")))
            .header("Idempotency-Key", "fix-1")
            .json(&json!({"fields": {"Port": "PVG"}}))
            .send()
            .unwrap()
    };
    let a = fix_once();
    assert_eq!(a.status(), 200);
    let a: Value = a.json().unwrap();
    let b = fix_once();
    assert_eq!(b.headers()["idempotent-replayed"], "true");
    assert_eq!(b.json::<Value>().unwrap(), a);
    assert_eq!(travelers(&s).len(), 2);

    let big = vec![b'a'; closedloop_server::routes::imports::MANIFEST_LIMIT + 1];
    problem(upload(&s, "", CSV, big), 413, "body_too_large");
    assert_eq!(travelers(&s).len(), 2);
}

#[test]
fn the_purge_deletes_refused_rows_never_fixed() {
    let mut s = start();
    s.login(Dispatcher);
    let csv = manifest(&[
        ("Alice Traveler", "AZ0101", "PVG"),
        ("Bob Traveler", "AZ0102", "XXX"),
    ]);
    let r = upload(&s, "?name=old.csv&accept_valid=true", CSV, csv);
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().unwrap()["id"].as_i64().unwrap();
    let path = format!("/api/imports/{id}/rejected");
    assert_eq!(s.get_json(&path, 200)["items"].as_array().unwrap().len(), 1);

    // Retention over for everything uploaded until a minute from now.
    let app = common::app(&s.db, s.dir.path());
    let now = chrono::Utc::now() + chrono::TimeDelta::minutes(1);
    let purged = closedloop_app::purge::purge(&app, 0, now).unwrap();
    assert_eq!(purged.rejected_rows, 1);
    assert_eq!(
        purged.travelers, 1,
        "the stored row's traveler is purged too"
    );
    let left = s.get_json(&path, 200);
    assert!(left["items"].as_array().unwrap().is_empty(), "{left}");
    let again = closedloop_app::purge::purge(&app, 0, now).unwrap();
    assert_eq!(again.rejected_rows, 0);
}
