//! The OpenAPI document against the routes actually served: the route table the server's
//! registration produced, the document, and actix's own routing (asked over HTTP and read back
//! from the metrics, which label each request with the pattern actix matched) must all agree.

mod common;

use serde_json::Value;
use std::collections::BTreeSet;

/// A path template with its parameters filled in (none of the API's take any yet).
fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push('1');
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

#[test]
fn the_document_lists_exactly_the_routes_served() {
    let s = common::start();
    let doc = s.get_json("/api/openapi.json", 200);
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));

    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let (_, table) = closedloop_server::routes::document();
    let registered: BTreeSet<(String, String)> = table
        .0
        .iter()
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect();
    assert_eq!(registered.len(), table.0.len(), "a route registered twice");
    assert_eq!(documented, registered);
    for expected in [
        "/healthz",
        "/readyz",
        "/metrics",
        "/api/openapi.json",
        "/api/travelers",
    ] {
        assert!(
            documented.iter().any(|(_, p)| p == expected),
            "{expected} missing"
        );
    }

    // Every documented operation is answered by its route, not by the fallback.
    for (method, path) in &documented {
        let url = s.url(&concrete(path));
        let r = match method.as_str() {
            "GET" => s.client.get(&url).send().unwrap(),
            "POST" => s
                .client
                .post(&url)
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .unwrap(),
            // Anonymous: refused before anything is deleted.
            "DELETE" => s.client.delete(&url).send().unwrap(),
            "PATCH" => s
                .client
                .patch(&url)
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .unwrap(),
            other => panic!("no probe for {other}"),
        };
        let status = r.status().as_u16();
        assert_ne!(status, 405, "{method} {path}");
        if status == 404 {
            let body: Value = r.json().unwrap();
            assert_ne!(body["code"], "route_not_found", "{method} {path}");
        }
        // Each documented response status is one the document allows.
        let responses = &doc["paths"][path][method.to_lowercase()]["responses"];
        assert!(
            responses.get(status.to_string()).is_some(),
            "{method} {path} answered {status}, not documented: {responses}"
        );
    }

    // actix matched each request to the documented template itself.
    let metrics = s.get("/metrics").text().unwrap();
    for (method, path) in &documented {
        let label = format!("method=\"{method}\",route=\"{path}\"");
        assert!(
            metrics.contains(&label),
            "actix served no route {label}:\n{metrics}"
        );
    }

    // Request and response schemas the document points to all exist.
    let text = doc.to_string();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for piece in text.split("\"#/components/schemas/").skip(1) {
        let name = &piece[..piece.find('"').unwrap()];
        assert!(schemas.contains_key(name), "dangling reference to {name}");
    }
}
