//! Edits name the version they were made from: a hotel read with its `ETag`, edited with
//! `If-Match` — 428 without one, 412 with a stale one (the current `ETag` coming back, nothing
//! changed), 200 and the new `ETag` with the current one. Real server, real database.

mod common;

use common::{problem, repo, start_with};
use serde_json::{Value, json};

fn server() -> common::Server {
    let mut s = start_with(|app, _| {
        let req = closedloop_app::places::ImportPlaces {
            file: repo().join("tests/data/places/hotels.csv"),
            lang: closedloop_domain::Lang::En,
        };
        closedloop_app::places::import_hotels(app, &req).unwrap();
    });
    s.login(closedloop_app::AccessRole::Dispatcher);
    s
}

fn patch(
    s: &common::Server,
    code: &str,
    if_match: Option<&str>,
    body: Value,
) -> reqwest::blocking::Response {
    let mut r = s
        .client
        .patch(s.url(&format!("/api/hotels/{code}")))
        .json(&body);
    if let Some(m) = if_match {
        r = r.header("If-Match", m);
    }
    r.send().unwrap()
}

fn etag(r: &reqwest::blocking::Response) -> String {
    r.headers()["etag"].to_str().unwrap().to_string()
}

#[test]
fn a_hotel_is_edited_from_the_version_read_and_a_stale_edit_changes_nothing() {
    let s = server();
    let list = s.get_json("/api/hotels", 200);
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{list}");
    assert_eq!(items[0]["code"], "H-PD01");

    let r = s.get("/api/hotels/h-pd01");
    assert_eq!(r.status(), 200);
    let v1 = etag(&r);
    let shown: Value = r.json().unwrap();
    assert_eq!(v1, format!("\"{}\"", shown["version"].as_str().unwrap()));
    assert_eq!(
        shown["version"], items[0]["version"],
        "listed and shown alike"
    );
    assert_eq!(shown["rooms"], 120);

    // No If-Match: 428, nothing changed.
    let p = problem(
        patch(&s, "H-PD01", None, json!({"rooms": 100})),
        428,
        "precondition_required",
    );
    assert_eq!(p["field"], "If-Match");

    // From the version read: changed, with a new version.
    let r = patch(&s, "H-PD01", Some(&v1), json!({"rooms": 100}));
    assert_eq!(r.status(), 200);
    let v2 = etag(&r);
    assert_ne!(v1, v2);
    assert_eq!(r.json::<Value>().unwrap()["rooms"], 100);

    // A second desk still holding v1: 412, the current version comes back, nothing changed.
    let r = patch(&s, "H-PD01", Some(&v1), json!({"open": false}));
    assert_eq!(etag(&r), v2);
    problem(r, 412, "version_stale");
    let now = s.get_json("/api/hotels/H-PD01", 200);
    assert_eq!(
        (now["rooms"].clone(), now["open"].clone()),
        (json!(100), json!(true))
    );

    // A weak tag never matches; `*` edits whatever is current; rules still apply.
    problem(
        patch(
            &s,
            "H-PD01",
            Some(&format!("W/{v2}")),
            json!({"open": false}),
        ),
        412,
        "version_stale",
    );
    problem(
        patch(&s, "H-PD01", Some(&v2), json!({"accessible_rooms": 101})),
        422,
        "accessible_rooms_exceed_rooms",
    );
    problem(
        patch(&s, "H-PD01", Some(&v2), json!({"stars": 5})),
        422,
        "unknown_field",
    );
    let r = patch(&s, "H-PD01", Some("*"), json!({"open": false}));
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().unwrap()["open"], false);
    problem(
        patch(&s, "H-NONE", Some("*"), json!({"open": false})),
        404,
        "unknown_hotel",
    );
}
