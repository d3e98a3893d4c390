//! Notifications over the real server and database: webhooks on a test HTTP server on
//! loopback (a `TcpListener` thread answering a script of statuses) receive what the ledger
//! commits — an incident, after two failed attempts, with the same `webhook-id` and a valid
//! Standard Webhooks signature each time and every attempt logged; the departure reminders of
//! an approved trip, each in its traveler's language; an overdue loop.

mod common;

use base64::Engine;
use chrono::{TimeDelta, Utc};
use closedloop_app::checklist::{self, CompleteChecklist, SubjectIds};
use closedloop_app::handover::{self, ConfirmRequest, StartRequest};
use closedloop_app::incidents::{self, OpenIncident};
use closedloop_app::notify::{Kind, NotifySettings, Secret, Webhook};
use closedloop_app::trips::{self, AddCrew, AddVehicle, PlanTrip, TripMove};
use closedloop_app::{App, config::Config};
use closedloop_domain::Lang;
use closedloop_domain::ids::{BatchId, CrewId, TravelerId, VehicleId};
use closedloop_handover::ChecklistKind;
use closedloop_handover::ids::HandoverId;
use closedloop_handover::{IncidentKind, Severity};
use closedloop_store::custody::{PartyKey, PartyRole};
use closedloop_store::outbox;
use closedloop_store::testing::TestDatabase;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// One request the test webhook received.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    headers: HashMap<String, String>,
    body: String,
}

/// A webhook on loopback answering `script`'s statuses in turn, then 200.
fn receiver(script: Vec<u16>) -> (String, mpsc::Receiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut script = script.into_iter();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
            let mut headers = HashMap::new();
            loop {
                let mut h = String::new();
                reader.read_line(&mut h).unwrap();
                let h = h.trim_end();
                if h.is_empty() {
                    break;
                }
                if let Some((k, v)) = h.split_once(':') {
                    headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
                }
            }
            let len: usize = headers
                .get("content-length")
                .and_then(|l| l.parse().ok())
                .unwrap_or(0);
            let mut body = vec![0; len];
            reader.read_exact(&mut body).unwrap();
            let status = script.next().unwrap_or(200);
            let answer =
                format!("HTTP/1.1 {status} X\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
            let _ = stream.write_all(answer.as_bytes());
            let body = String::from_utf8(body).unwrap();
            if tx
                .send(Received {
                    path,
                    headers,
                    body,
                })
                .is_err()
            {
                return;
            }
        }
    });
    (base, rx)
}

fn next(rx: &mpsc::Receiver<Received>) -> Received {
    rx.recv_timeout(Duration::from_secs(20))
        .expect("a delivery within 20 s")
}

/// `[notify]` with short back-off: the chat robot gets incidents and overdue loops at
/// `/chat`, the SMS gateway the reminders at `/sms`.
fn notify(base: &str) -> NotifySettings {
    let hook = |name: &str, kinds: Vec<Kind>| Webhook {
        name: name.into(),
        url: format!("{base}/{name}"),
        secret: Secret::parse(SECRET).unwrap(),
        kinds,
    };
    NotifySettings {
        webhooks: vec![
            hook("chat", vec![Kind::Incident, Kind::LoopOverdue]),
            hook("sms", vec![Kind::DepartureReminder]),
        ],
        backoff_base: Duration::from_millis(50),
        backoff_cap: Duration::from_millis(200),
        max_attempts: 5,
        ..NotifySettings::default()
    }
}

/// A started server; dropped in this order: the server stopped, then the app's connections,
/// then the database.
struct Running {
    handle: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
    app: App,
    _dir: tempfile::TempDir,
    _db: TestDatabase,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(t) = self.thread.take() {
            actix_web::rt::System::new().block_on(self.handle.stop(true));
            let _ = t.join();
        }
    }
}

fn config(dir: &Path, base: &str) -> Config {
    let mut c = common::config(dir);
    c.notify = notify(base);
    c
}

/// The real server over a fresh database with `[notify]` pointing at `base`, after `seed`.
fn start(base: &str, seed: impl FnOnce(&App)) -> Running {
    let db = TestDatabase::from_env().expect("test database");
    let dir = tempfile::tempdir().unwrap();
    let app = App::new(config(dir.path(), base), Some(db.url_string()));
    seed(&app);
    let served = App::new(config(dir.path(), base), Some(db.url_string()));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let opts = closedloop_server::Options {
        workers: Some(1),
        shutdown_timeout: Duration::from_secs(2),
        notify_tick: Duration::from_millis(50),
        ..Default::default()
    };
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let started = closedloop_server::start(served, listener, &opts)?;
            tx.send(started.handle.clone()).unwrap();
            started.server.await
        })
    });
    let handle = rx.recv().expect("the server started");
    Running {
        handle,
        thread: Some(thread),
        app,
        _dir: dir,
        _db: db,
    }
}

/// The signature a Standard Webhooks receiver computes, independently of the server's code.
fn expected_signature(r: &Received) -> String {
    let key = base64::engine::general_purpose::STANDARD
        .decode(SECRET.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    let signed = format!(
        "{}.{}.{}",
        r.headers["webhook-id"], r.headers["webhook-timestamp"], r.body
    );
    mac.update(signed.as_bytes());
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    )
}

/// A vehicle, a driver, and a trip from PVG for `travelers`, leaving at `depart`.
fn fleet(
    app: &App,
    travelers: &[TravelerId],
    depart: chrono::DateTime<Utc>,
) -> (BatchId, CrewId, VehicleId) {
    let vehicle = trips::add_vehicle(
        app,
        &AddVehicle {
            plate: "沪A·W0001".into(),
            seats: 7,
        },
    )
    .unwrap();
    let crew = trips::add_crew(
        app,
        &AddCrew {
            staff_no: "D-1".into(),
            name: "Zhang San".into(),
            role: "driver".into(),
        },
    )
    .unwrap();
    let trip = trips::plan_trip(
        app,
        &PlanTrip {
            vehicle,
            crew: vec![crew],
            stops: PlanTrip::one_stop(travelers),
            port: "PVG".into(),
            depart_at: depart,
            arrive_by: depart + TimeDelta::hours(1),
        },
    )
    .unwrap();
    (trip, crew, vehicle)
}

fn wait_delivered(s: &Running, id: i64) -> outbox::Queued {
    let store = s.app.store().unwrap();
    for _ in 0..200 {
        let rows = outbox::messages(&mut store.conn().unwrap()).unwrap();
        if let Some(m) = rows
            .into_iter()
            .find(|m| m.id == id && m.delivered_at.is_some())
        {
            return m;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("message {id} not marked delivered");
}

#[test]
fn an_incident_reaches_the_command_centre_after_two_failures_with_one_id_and_valid_signatures() {
    let (base, rx) = receiver(vec![500, 500]);
    let s = start(&base, |_| {});
    let opened = incidents::open(
        &s.app,
        &OpenIncident {
            kind: IncidentKind::VehicleBreakdown,
            severity: Severity::Serious,
            trip: None,
            vehicle: None,
            travelers: Vec::new(),
            crew: Vec::new(),
            description: "Brakes of the van of Wang Wu".into(),
            at: Utc::now(),
            position: None,
        },
    );
    opened.unwrap();

    let got: Vec<Received> = (0..3).map(|_| next(&rx)).collect();
    let id = &got[0].headers["webhook-id"];
    assert!(id.starts_with("msg_"), "{id}");
    for r in &got {
        assert_eq!(r.path, "/chat");
        assert_eq!(&r.headers["webhook-id"], id, "the same id on every retry");
        assert_eq!(r.headers["content-type"], "application/json");
        let ts: i64 = r.headers["webhook-timestamp"].parse().unwrap();
        assert!((Utc::now().timestamp() - ts).abs() < 60);
        assert_eq!(r.headers["webhook-signature"], expected_signature(r));
        assert_eq!(r.body, got[0].body);
    }
    let body: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(body["type"], "incident");
    assert_eq!(body["data"]["incident"], "vehicle_breakdown");
    assert_eq!(body["data"]["severity"], "serious");
    assert!(
        !got[0].body.contains("Wang Wu"),
        "no free text leaves: {}",
        got[0].body
    );
    assert!(
        rx.recv_timeout(Duration::from_millis(500)).is_err(),
        "nothing after the 200"
    );

    let outbox_id: i64 = id.strip_prefix("msg_").unwrap().parse().unwrap();
    let row = wait_delivered(&s, outbox_id);
    assert_eq!((row.attempts, row.last_status), (3, Some(200)));
    let attempts =
        outbox::attempts(&mut s.app.store().unwrap().conn().unwrap(), outbox_id).unwrap();
    let statuses: Vec<_> = attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(500), Some(500), Some(200)]);
    assert!(attempts[0].error.as_deref().unwrap().contains("500"));
    assert!(attempts[2].error.is_none());
    assert!(attempts.windows(2).all(|w| w[0].at <= w[1].at));
}

/// Writes a manifest of travelers with their nationality and language, and imports it.
fn import(app: &App, dir: &Path, rows: &[(&str, &str, &str)]) {
    let mut csv =
        String::from("Full Name,Passport No.,Nationality,Phone,Language,Flight,Port,Arrival\n");
    for (i, (nationality, language, phone)) in rows.iter().enumerate() {
        csv.push_str(&format!(
            "Traveler Number{i},WEB{i:04},{nationality},{phone},{language},CA936,PVG,2021-07-01 08:00\n"
        ));
    }
    let file = dir.join("manifest.csv");
    std::fs::write(&file, csv).unwrap();
    let req = closedloop_app::import::ImportRequest {
        file,
        accept_valid: false,
        arrival: None,
        lang: Lang::En,
    };
    let out = closedloop_app::import::import(app, &req, &mut |_| {}).unwrap();
    assert!(out.accepted, "{:?}", out.summary);
}

fn checklist(
    app: &App,
    kind: ChecklistKind,
    subject: SubjectIds,
    answers: Value,
    at: chrono::DateTime<Utc>,
) {
    let req = CompleteChecklist {
        kind,
        subject,
        answers,
        by: None,
        at,
    };
    let done = checklist::complete(app, &req, Lang::En).unwrap();
    assert!(done.passed, "{kind:?}: {:?}", done.failures);
}

#[test]
fn an_approved_trip_sends_each_traveler_a_reminder_in_their_language() {
    let (base, rx) = receiver(Vec::new());
    let tmp = tempfile::tempdir().unwrap();
    let mut ids = None;
    let s = start(&base, |app| {
        import(
            app,
            tmp.path(),
            &[
                ("CHN", "", "13812340001"),
                ("GBR", "English", "13812340002"),
            ],
        );
        let depart = Utc::now() + TimeDelta::minutes(40);
        ids = Some((fleet(app, &[TravelerId(1), TravelerId(2)], depart), depart));
    });
    let ((trip, crew, vehicle), depart) = ids.unwrap();
    let on = |crew: Option<CrewId>, vehicle: Option<VehicleId>, trip: Option<BatchId>| SubjectIds {
        crew,
        vehicle,
        trip,
        ..SubjectIds::default()
    };
    let now = Utc::now();
    let app = &s.app;
    checklist(
        app,
        ChecklistKind::PreTripTraining,
        on(Some(crew), None, None),
        json!({"epidemic_protection_passed": true, "ppe_donning_doffing": true,
               "traffic_safety_passed": true, "assessment_score": 92,
               "emergency_plan_known": true, "assessor": "Zhao Min"}),
        now - TimeDelta::minutes(20),
    );
    checklist(
        app,
        ChecklistKind::CrewHealth,
        on(Some(crew), None, None),
        json!({"body_temperature": 36.6, "no_symptoms": true, "health_code_green": true,
               "nucleic_acid_negative": true, "hours_since_last_test": 20,
               "vaccinated": true}),
        now - TimeDelta::minutes(19),
    );
    checklist(
        app,
        ChecklistKind::VehicleInspection,
        on(None, Some(vehicle), None),
        json!({"brakes": true, "lights_and_horn": true, "tyres": true, "fuel_level": 80,
               "cab_partition": true, "safety_kit": true, "odometer": 120345,
               "dashboard_photo": "photos/dash-1.jpg"}),
        now - TimeDelta::minutes(25),
    );
    checklist(
        app,
        ChecklistKind::PreDepartureReminder,
        on(None, None, Some(trip)),
        json!({"crew_briefed": true, "no_stopping": true, "crew_ppe_on": true,
               "travelers_notified": true, "notice_languages": "zh",
               "travelers_masked_and_spaced": true}),
        now - TimeDelta::minutes(5),
    );
    trips::move_trip(app, trip, TripMove::Approve, now).unwrap();

    let mut got: Vec<Value> = (0..2)
        .map(|_| {
            let r = next(&rx);
            assert_eq!(r.path, "/sms");
            assert_eq!(r.headers["webhook-signature"], expected_signature(&r));
            serde_json::from_str(&r.body).unwrap()
        })
        .collect();
    got.sort_by_key(|v| v["data"]["traveler"].as_i64());
    assert!(
        got.iter()
            .all(|v| v["type"] == "departure_reminder" && v["data"]["batch"] == trip.0)
    );
    let local = depart.with_timezone(&app.config.handover.gates.utc_offset);
    let (zh, en) = (&got[0]["data"], &got[1]["data"]);
    assert_eq!(zh["lang"], "zh-CN");
    assert!(
        zh["phone"].as_str().unwrap().ends_with("13812340001"),
        "{zh}"
    );
    let m = zh["message"].as_str().unwrap();
    assert!(
        m.contains("闭环转运提醒") && m.contains(&local.format("%H:%M").to_string()),
        "{m}"
    );
    assert_eq!(en["lang"], "en");
    let m = en["message"].as_str().unwrap();
    assert!(
        m.starts_with("closedloop transfer") && m.contains(&local.format("%H:%M").to_string()),
        "{m}"
    );
    assert_eq!(en["port"]["code"], "PVG");
    assert!(
        rx.recv_timeout(Duration::from_millis(500)).is_err(),
        "one reminder each"
    );

    // Once sent, the phones are gone from the outbox.
    let store = app.store().unwrap();
    let rows = outbox::messages(&mut store.conn().unwrap()).unwrap();
    assert_eq!(rows.len(), 2);
    for m in rows {
        let m = wait_delivered(&s, m.id);
        assert_eq!(
            outbox::payload(&mut store.conn().unwrap(), m.id).unwrap(),
            "{}"
        );
    }
}

#[test]
fn an_overdue_loop_is_reported_once() {
    let (base, rx) = receiver(Vec::new());
    let tmp = tempfile::tempdir().unwrap();
    let mut ids = None;
    let s = start(&base, |app| {
        common::import_travelers(app, tmp.path(), 1);
        // Due three hours ago: past the hour's margin as soon as the crew holds the traveler.
        ids = Some(fleet(
            app,
            &[TravelerId(1)],
            Utc::now() - TimeDelta::hours(4),
        ));
    });
    let (trip, crew, _) = ids.unwrap();
    let started = handover::start(
        &s.app,
        &StartRequest {
            trip,
            to_trip: None,
            from: PartyKey {
                role: PartyRole::PortStaff,
                id: 1,
            },
            to: PartyKey {
                role: PartyRole::Crew,
                id: crew.0,
            },
            travelers: vec![TravelerId(1)],
            expected: None,
            signer: "port-staff".into(),
            at: Utc::now(),
        },
    )
    .unwrap();
    handover::confirm(
        &s.app,
        &ConfirmRequest {
            handover: HandoverId(started.handover),
            code: started.code.clone(),
            counted: 1,
            signer: "driver".into(),
            at: Utc::now(),
            position: Some((31.15, 121.80)),
        },
    )
    .unwrap();

    let r = next(&rx);
    assert_eq!(r.path, "/chat");
    assert_eq!(r.headers["webhook-signature"], expected_signature(&r));
    let v: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["type"], "loop_overdue", "{v}");
    assert_eq!(v["data"]["traveler"], 1);
    assert_eq!(v["data"]["batch"], trip.0);
    assert_eq!(v["data"]["holder"]["role"], "crew");
    assert!(!r.body.contains("Traveler Number"), "no names: {}", r.body);
    // Many ticks later: still the one message.
    assert!(
        rx.recv_timeout(Duration::from_millis(800)).is_err(),
        "reported once"
    );
}
