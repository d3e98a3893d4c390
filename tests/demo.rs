//! `closedloop demo` as a newcomer meets it: prepared in a fresh directory, its morning's
//! batches delivered and its ledger verifying — read through the HTTP API with a demo login
//! signed in with the code `closedloop demo code` prints — and, served for a bounded time, the
//! simulated drivers delivering more batches through the API (their hand-overs arrive on
//! `/api/events`) before it stops gracefully with exit code 0.
//!
//! The demo is SQLite only by design: it keeps its database in its own directory whatever
//! `DATABASE_URL` names, so this test runs the same under the PostgreSQL suite.

mod common;

use common::repo;
use reqwest::blocking::Client;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn closedloop(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_closedloop"));
    c.arg("--config")
        .arg(repo().join("config/closedloop.toml"))
        .args(["--lang", "en"])
        .current_dir(dir);
    c
}

fn output(mut c: Command) -> Output {
    let out = c.output().expect("run closedloop");
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Signs `login` in with its password and the TOTP code `closedloop demo code` prints: the
/// session cookie.
fn sign_in(client: &Client, base: &str, work: &Path, demo: &Path, login: &str) -> String {
    let script: Value =
        serde_json::from_str(&std::fs::read_to_string(demo.join("demo.json")).unwrap()).unwrap();
    let password = script["logins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["login"] == json!(login))
        .expect("the demo login")["password"]
        .clone();
    let mut c = closedloop(work);
    c.args(["demo", "code", login, "--data-dir"]).arg(demo);
    let code = String::from_utf8(output(c).stdout).unwrap();
    let code = code.trim();
    assert!(
        code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
        "{code:?}"
    );
    let r = client
        .post(format!("{base}/api/session"))
        .json(&json!({"login": login, "password": password, "totp": code}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200, "sign-in of {login}: {:?}", r.text());
    let cookie = r.headers()["set-cookie"].to_str().unwrap();
    cookie.split(';').next().unwrap().to_string()
}

fn get(client: &Client, base: &str, cookie: &str, path: &str) -> Value {
    let r = client
        .get(format!("{base}{path}"))
        .header("Cookie", cookie)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.json().unwrap()
}

#[test]
fn the_demo_serves_a_played_morning_and_its_drivers_deliver_more() {
    let work = tempfile::tempdir().unwrap();
    let demo = work.path().join("demo");
    let mut c = closedloop(work.path());
    c.args(["demo", "--prepare-only", "--data-dir"]).arg(&demo);
    let prepared = String::from_utf8(output(c).stdout).unwrap();
    assert!(prepared.contains("delivered this morning"), "{prepared}");
    let script: Value =
        serde_json::from_str(&std::fs::read_to_string(demo.join("demo.json")).unwrap()).unwrap();
    let batches = script["batches"].as_array().unwrap();
    let morning: Vec<i64> = batches
        .iter()
        .filter(|b| b["played"] == json!(true))
        .map(|b| b["trip"].as_i64().unwrap())
        .collect();
    let later: Vec<i64> = batches
        .iter()
        .filter(|b| b["played"] == json!(false))
        .map(|b| b["trip"].as_i64().unwrap())
        .collect();
    assert!(!morning.is_empty() && !later.is_empty(), "{batches:?}");
    let logins = std::fs::read_to_string(demo.join("logins.txt")).unwrap();
    for role in [
        "dispatcher",
        "driver",
        "escort",
        "port_staff",
        "hotel_staff",
        "commander",
        "auditor",
        "admin",
    ] {
        assert!(logins.contains(&format!(" {role} ")), "{role}: {logins}");
    }
    assert!(logins.contains("otpauth://totp/"), "{logins}");

    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut serving = closedloop(work.path());
    serving
        .args([
            "demo",
            "--port",
            &port.to_string(),
            "--stop-after",
            "25",
            "--speed",
            "900",
        ])
        .arg("--data-dir")
        .arg(&demo)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = serving.spawn().expect("start the demo");
    let base = format!("http://127.0.0.1:{port}");
    let client = Client::builder().no_proxy().build().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !client
        .get(format!("{base}/readyz"))
        .send()
        .is_ok_and(|r| r.status() == 200)
    {
        assert!(Instant::now() < deadline, "the demo did not start serving");
        std::thread::sleep(Duration::from_millis(100));
    }
    let cookie = sign_in(&client, &base, work.path(), &demo, "demo-commander");

    // The morning, as the command centre reads it.
    for trip in &morning {
        let b = get(&client, &base, &cookie, &format!("/api/batches/{trip}"));
        assert_eq!(b["state"], json!("completed"), "{b}");
    }
    let verified = get(&client, &base, &cookie, "/api/ledger/verify");
    assert_eq!(verified["verified"], json!(true), "{verified}");

    // The simulated drivers' hand-overs arrive live, on batches the morning did not play.
    let events = Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
        .get(format!("{base}/api/events"))
        .header("Cookie", &cookie)
        .send()
        .unwrap();
    assert_eq!(events.status(), 200);
    let mut kind = String::new();
    let mut live_handover = None;
    for line in BufReader::new(events).lines() {
        let Ok(line) = line else { break };
        if let Some(k) = line.strip_prefix("event:") {
            kind = k.trim().to_string();
        } else if let Some(data) = line.strip_prefix("data:") {
            let e: Value = serde_json::from_str(data.trim()).unwrap();
            let batch = e["batch"].as_i64().unwrap_or_default();
            if kind == "handover" && later.contains(&batch) {
                live_handover = Some(e);
                break;
            }
        }
    }
    let live_handover = live_handover.expect("a hand-over of a simulated driver, live");
    let batch = live_handover["batch"].as_i64().unwrap();
    // The day goes on: a batch still to play at the start is delivered (completed).
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let delivered = later.iter().any(|trip| {
            get(&client, &base, &cookie, &format!("/api/batches/{trip}"))["state"]
                == json!("completed")
        });
        if delivered {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no simulated batch delivered (hand-over seen on {batch})"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    let verified = get(&client, &base, &cookie, "/api/ledger/verify");
    assert_eq!(verified["verified"], json!(true), "{verified}");
    // The vehicles moved on the map: the latest positions are of the simulated batches.
    let positions = get(&client, &base, &cookie, "/api/positions?limit=500");
    let on_later = positions["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| later.contains(&p["trip"].as_i64().unwrap_or_default()));
    assert!(on_later, "{positions}");

    // --stop-after: a graceful stop, exit 0.
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("delivered batch"), "{stdout}");
    assert!(stdout.contains("demo-dispatcher"), "{stdout}");
}
