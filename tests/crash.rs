//! `kill -9` of `closedloop serve` in the middle of a stream of hand-over confirmations: after
//! the restart every confirmation that was answered 2xx is in the database, none is recorded
//! twice (sent again under its `Idempotency-Key`, each gets its first answer back or is made
//! now, never a second time), and `ledger verify` passes. The real binary, a real database
//! (SQLite, or PostgreSQL when DATABASE_URL names one).

mod common;

use chrono::{TimeDelta, Utc};
use closedloop_app::accounts::{self, AddAccount};
use closedloop_app::import::{self, ImportRequest};
use closedloop_app::trips::{self, AddCrew, AddVehicle, PlanTrip};
use closedloop_app::{AccessRole, App};
use closedloop_domain::ids::TravelerId;
use common::Env;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Hand-overs of two travelers each, confirmed by three phones at once.
const HANDOVERS: usize = 45;
/// The server is killed once this many confirmations were acknowledged.
const KILL_AFTER: usize = 15;

struct Serving {
    child: Child,
    base: String,
}

fn serve(env: &Env, config: &std::path::Path) -> Serving {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_closedloop"))
        .args(["--database-url", &env.db.url_string(), "--config"])
        .arg(config)
        .args(["serve", "--listen", &listen])
        .env_remove("DATABASE_URL")
        .current_dir(env.dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start closedloop serve");
    let base = format!("http://{listen}");
    let client = reqwest::blocking::Client::builder()
        .no_proxy()
        .build()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let ready = client.get(format!("{base}/readyz")).send();
        if ready.is_ok_and(|r| r.status() == 200) {
            break;
        }
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    Serving { child, base }
}

/// Travelers, a vehicle, its driver, one trip carrying everyone; a port-staff and a driver
/// account with bearer tokens.
fn seed(app: &App, env: &Env) -> (i64, i64, String, String) {
    let mut csv = String::from("Full Name,Passport No.,Nationality,Phone,Flight,Port,Arrival\n");
    for i in 1..=HANDOVERS * 2 {
        csv.push_str(&format!(
            "Traveler Number{i},CRS{i:04},CHN,1381234{i:04},CA936,PVG,2021-07-01 08:00\n"
        ));
    }
    let file = env.write("manifest.csv", csv);
    let req = ImportRequest {
        file,
        accept_valid: false,
        arrival: None,
        lang: closedloop_domain::Lang::En,
    };
    assert!(import::import(app, &req, &mut |_| {}).unwrap().accepted);
    let vehicle = trips::add_vehicle(
        app,
        &AddVehicle {
            plate: "沪A·K0009".into(),
            seats: 100,
        },
    )
    .unwrap();
    let crew = trips::add_crew(
        app,
        &AddCrew {
            staff_no: "D-9".into(),
            name: "Zhao Liu".into(),
            role: "driver".into(),
        },
    )
    .unwrap();
    let riders: Vec<TravelerId> = (1..=(HANDOVERS * 2) as i64).map(TravelerId).collect();
    let now = Utc::now();
    let trip = trips::plan_trip(
        app,
        &PlanTrip {
            vehicle,
            crew: vec![crew],
            stops: PlanTrip::one_stop(&riders),
            port: "PVG".into(),
            depart_at: now,
            arrive_by: now + TimeDelta::hours(2),
        },
    )
    .unwrap();
    let mut tokens = Vec::new();
    for (login, role, crew, port) in [
        ("port", AccessRole::PortStaff, None, Some("PVG".to_string())),
        ("driver", AccessRole::Driver, Some(crew.0), None),
    ] {
        accounts::add(
            app,
            &AddAccount {
                login: login.into(),
                name: None,
                role,
                hotel: None,
                crew,
                port,
                password: "correct horse battery staple".into(),
            },
            now,
        )
        .unwrap();
        tokens.push(
            accounts::issue_token(app, login, "phone", now)
                .unwrap()
                .token,
        );
    }
    (trip.0, crew.0, tokens.remove(0), tokens.remove(0))
}

fn bearer(token: &str) -> reqwest::blocking::Client {
    let mut h = reqwest::header::HeaderMap::new();
    h.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().unwrap(),
    );
    reqwest::blocking::Client::builder()
        .no_proxy()
        .default_headers(h)
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// The travelers the ledger shows handed over, each as often as a hand-over moved them.
fn handed_over(app: &App) -> (usize, usize) {
    let events = closedloop_app::events::since(app, 0).unwrap();
    let handovers: Vec<_> = events.iter().filter(|e| e.kind == "handover").collect();
    let travelers = handovers
        .iter()
        .map(|e| e.data["travelers"].as_u64().unwrap() as usize)
        .sum();
    (handovers.len(), travelers)
}

#[test]
fn a_server_killed_mid_stream_keeps_every_acknowledged_confirmation_exactly_once() {
    let env = Env::new();
    let config = env.write(
        "closedloop.toml",
        "data_dir = \".\"\n[ledger]\norigin = \"closedloop.test/crash\"\n",
    );
    let app = App::load(Some(&config), Some(env.db.url_string())).unwrap();
    let (trip, crew, port_token, driver_token) = seed(&app, &env);

    let mut server = serve(&env, &config);
    let port = bearer(&port_token);
    let mut started = Vec::new();
    for h in 0..HANDOVERS {
        let t = (h * 2 + 1) as i64;
        let r = port
            .post(format!("{}/api/handovers", server.base))
            .json(&json!({"trip": trip, "to": format!("crew:{crew}"), "travelers": [t, t + 1]}))
            .send()
            .unwrap();
        assert_eq!(r.status(), 201, "{:?}", r.text());
        let v: Value = r.json().unwrap();
        started.push((
            v["handover"].as_i64().unwrap(),
            v["code"].as_str().unwrap().to_string(),
        ));
    }

    // Three phones confirm at once; the server is killed once KILL_AFTER were acknowledged.
    let acked = Arc::new(Mutex::new(Vec::<(i64, Value)>::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let queue = Arc::new(Mutex::new(started.clone()));
    let phones: Vec<_> = (0..3)
        .map(|_| {
            let (acked, count, queue) = (acked.clone(), count.clone(), queue.clone());
            let (client, base) = (bearer(&driver_token), server.base.clone());
            std::thread::spawn(move || {
                while let Some((id, code)) = queue.lock().unwrap().pop() {
                    let r = client
                        .post(format!("{base}/api/handovers/{id}/confirm"))
                        .header("Idempotency-Key", format!("confirm-{id}"))
                        .json(&json!({"code": code, "counted": 2}))
                        .send();
                    // A refused connection or a cut answer: the phone does not know.
                    let Ok(r) = r else { continue };
                    if r.status().is_success()
                        && let Ok(body) = r.json::<Value>()
                    {
                        acked.lock().unwrap().push((id, body));
                        count.fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(120);
    while count.load(Ordering::SeqCst) < KILL_AFTER {
        assert!(Instant::now() < deadline, "confirmations too slow");
        std::thread::sleep(Duration::from_millis(1));
    }
    server.child.kill().unwrap(); // SIGKILL
    server.child.wait().unwrap();
    for p in phones {
        p.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= KILL_AFTER);
    assert!(
        acked.len() < HANDOVERS,
        "the kill came too late to test anything"
    );

    // After the restart: every acknowledged confirmation is there, none twice.
    let server = serve(&env, &config);
    let (handovers, travelers) = handed_over(&app);
    assert!(
        handovers >= acked.len(),
        "{handovers} recorded, {} acknowledged",
        acked.len()
    );
    assert_eq!(
        travelers,
        handovers * 2,
        "each recorded hand-over moved its two travelers once"
    );
    let loops =
        closedloop_app::custody::loops(&app, closedloop_app::custody::LoopFilter::All, Utc::now())
            .unwrap();
    // A loop row exists once a traveler is in custody.
    let in_custody: BTreeSet<i64> = loops.iter().map(|l| l.traveler.0).collect();
    for (id, body) in &acked {
        for t in body["travelers"].as_array().unwrap() {
            let t = t["traveler"].as_i64().unwrap();
            assert!(in_custody.contains(&t), "hand-over {id}: traveler {t} lost");
        }
    }

    // Every phone sends its confirmation again under the same key: an acknowledged one gets
    // its first answer back; the rest are made now (or answered 409 if their answer was lost
    // with the process) — never a second record.
    let driver = bearer(&driver_token);
    for (id, code) in &started {
        let r = driver
            .post(format!("{}/api/handovers/{id}/confirm", server.base))
            .header("Idempotency-Key", format!("confirm-{id}"))
            .json(&json!({"code": code, "counted": 2}))
            .send()
            .unwrap();
        let status = r.status().as_u16();
        let replayed = r.headers().contains_key("idempotent-replayed");
        let body: Value = r.json().unwrap();
        if let Some((_, first)) = acked.iter().find(|(a, _)| a == id) {
            assert_eq!((status, replayed), (200, true), "hand-over {id}: {body}");
            assert_eq!(&body, first, "hand-over {id}: the first answer");
        } else {
            assert!(
                status == 200 || status == 409,
                "hand-over {id}: {status} {body}"
            );
        }
    }
    let (handovers, travelers) = handed_over(&app);
    assert!(handovers <= HANDOVERS);
    assert_eq!(travelers, handovers * 2);

    let verify = env.run_with_config(&config, &["ledger", "verify"]);
    assert_eq!(verify.code, 0, "{}\n{}", verify.stdout, verify.stderr);
    let mut server = server;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
}
