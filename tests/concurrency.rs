//! Writers wait their turn: ten processes of the real binary importing at once into one new
//! database (which they also create and migrate at once), and ten desks confirming ten
//! hand-overs at once, each through its own application and connection. Every one succeeds or
//! is refused for a business reason; none fails with "database is locked" or busy, and the
//! ledger, appended to by all of them, still verifies. These are tests of correctness, not of
//! timing. On SQLite, or PostgreSQL when DATABASE_URL names one.

mod common;

use chrono::{DateTime, Utc};
use closedloop_app::App;
use closedloop_app::checklist::{self, CompleteChecklist, SubjectIds};
use closedloop_app::handover::{self, ConfirmRequest, StartRequest};
use closedloop_domain::ids::CrewId;
use closedloop_domain::ids::{BatchId, TravelerId};
use closedloop_handover::ChecklistKind;
use closedloop_handover::ids::HandoverId;
use closedloop_store::custody::{self, PartyKey, PartyRole};
use common::ledger::{Custody, at};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};

const N: usize = 10;
const PER_FILE: usize = 20;

/// What no failure may say: the database made a writer give up instead of wait.
fn not_locked(text: &str) {
    let lower = text.to_lowercase();
    for bad in [
        "database is locked",
        "database table is locked",
        "busy",
        "deadlock",
    ] {
        assert!(
            !lower.contains(bad),
            "a writer did not wait its turn: {text}"
        );
    }
}

#[test]
fn ten_processes_import_into_one_new_database_at_once() {
    let c = Custody::new();
    if let closedloop_store::DatabaseUrl::Sqlite(p) = &c.env.db.url {
        assert!(!p.exists(), "the database must be new");
    }
    let files: Vec<_> = (0..N)
        .map(|i| {
            let mut csv = String::from("Full Name,Passport No.,Nationality,Flight,Port,Arrival\n");
            for j in 0..PER_FILE {
                csv.push_str(&format!(
                    "Traveler {i}-{j},C{i:02}{j:05},CHN,CA9{i:02},PVG,2021-03-05 14:30\n"
                ));
            }
            c.env.write(&format!("manifest-{i}.csv"), csv)
        })
        .collect();
    let url = c.env.db.url_string();
    let children: Vec<_> = files
        .iter()
        .map(|f| {
            Command::new(env!("CARGO_BIN_EXE_closedloop"))
                .args(["--database-url", &url, "--config"])
                .arg(&c.config)
                .args(["--lang", "en", "import"])
                .arg(f)
                .arg("--json")
                .env_remove("DATABASE_URL")
                .current_dir(c.env.dir.path())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start closedloop")
        })
        .collect();
    for (i, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        not_locked(&stderr);
        assert_eq!(
            out.status.code(),
            Some(0),
            "importer {i} failed:\n{stdout}\n{stderr}"
        );
    }
    let stats = c.env.stats();
    assert_eq!(stats["travelers"], N * PER_FILE, "{stats}");
    assert_eq!(stats["arrivals"], N, "{stats}");
    let travelers = c.env.travelers();
    for i in 0..N {
        for j in 0..PER_FILE {
            let doc = format!("C{i:02}{j:05}");
            assert!(
                travelers
                    .iter()
                    .any(|t| t["document_number"] == doc.as_str()),
                "traveler {doc} is missing"
            );
        }
    }
    let r = c.ok(&["db", "status"]);
    assert!(!r.stdout.contains("pending"), "{}", r.stdout);
    let r = c.run(&["ledger", "verify"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

/// Ten travelers, each on its own trip with its own escort, to be handed from the port desk
/// to that escort.
struct Desks {
    c: Custody,
    /// (trip, escort, traveler) for each desk.
    trips: Vec<(i64, i64, i64)>,
    port: i64,
    when: DateTime<Utc>,
}

fn ten_trips() -> Desks {
    let c = Custody::new();
    let mut csv = String::from("Full Name,Passport No.,Nationality,Flight,Port,Arrival\n");
    for i in 0..N {
        csv.push_str(&format!(
            "Traveler {i},H{i:07},CHN,CA936,PVG,2021-03-05 14:30\n"
        ));
    }
    let ids = c.import(&csv);
    let store = c.store();
    let port = store.ports().unwrap()[0].id;
    let trips = (0..N)
        .map(|i| {
            let traveler = ids[&format!("H{i:07}")];
            let mut conn = store.conn().unwrap();
            let v = custody::add_vehicle(&mut conn, &format!("沪A1{i:04}"), 9).unwrap();
            let crew =
                custody::add_crew(&mut conn, &format!("E{i:04}"), "Escort", "escort").unwrap();
            drop(conn);
            let trip = c.trip(&store, v, &[crew], &[traveler], at(0, 15, 0), at(0, 17, 0));
            (trip, crew, traveler)
        })
        .collect();
    Desks {
        c,
        trips,
        port,
        when: at(0, 15, 0).and_utc(),
    }
}

/// Runs `work(i, app)` on `N` threads at once, each with its own application (and so its own
/// connection), opened before they are let go together.
fn at_once<T: Send + 'static>(
    d: &Desks,
    work: impl Fn(usize, &App) -> T + Send + Sync + 'static,
) -> Vec<T> {
    let gate = Arc::new(Barrier::new(N));
    let work = Arc::new(work);
    let threads: Vec<_> = (0..N)
        .map(|i| {
            let (gate, work) = (gate.clone(), work.clone());
            let (config, url) = (d.c.config.clone(), d.c.env.db.url_string());
            std::thread::spawn(move || {
                let app = App::load(Some(&config), Some(url)).unwrap();
                app.store().unwrap();
                gate.wait();
                work(i, &app)
            })
        })
        .collect();
    threads
        .into_iter()
        .map(|t| t.join().expect("no panic"))
        .collect()
}

#[test]
fn ten_desks_start_and_confirm_ten_handovers_at_once() {
    let d = ten_trips();
    let (trips, port, when) = (d.trips.clone(), d.port, d.when);
    let started = at_once(&d, move |i, app| {
        let (trip, crew, traveler) = trips[i];
        handover::start(
            app,
            &StartRequest {
                trip: BatchId(trip),
                to_trip: None,
                from: PartyKey {
                    role: PartyRole::PortStaff,
                    id: port,
                },
                to: PartyKey {
                    role: PartyRole::Crew,
                    id: crew,
                },
                travelers: vec![TravelerId(traveler)],
                expected: None,
                signer: "Port Desk".into(),
                at: when,
            },
        )
    });
    let started: Vec<(HandoverId, String)> = started
        .into_iter()
        .enumerate()
        .map(|(i, r)| match r {
            Ok(shown) => (HandoverId(shown.handover), shown.code),
            Err(e) => {
                not_locked(&e.to_string());
                panic!("desk {i} could not start its hand-over: {e} ({})", e.code())
            }
        })
        .collect();

    // The last two desks count one traveler too many: refused, an incident opened.
    let confirmed = at_once(&d, move |i, app| {
        let (id, code) = started[i].clone();
        handover::confirm(
            app,
            &ConfirmRequest {
                handover: id,
                code,
                counted: if i < N - 2 { 1 } else { 2 },
                signer: format!("Escort {i}"),
                at: when,
                position: Some((31.1443, 121.8083)),
            },
        )
    });
    let mut ok = 0;
    for (i, r) in confirmed.into_iter().enumerate() {
        match r {
            Ok(done) => {
                assert!(i < N - 2, "desk {i} confirmed a wrong head-count");
                assert_eq!(done.travelers.len(), 1);
                assert_eq!(done.travelers[0].status, "in_custody");
                ok += 1;
            }
            Err(e) => {
                not_locked(&e.to_string());
                assert!(i >= N - 2, "desk {i} was refused: {e} ({})", e.code());
                assert!(
                    e.desk().is_some(),
                    "desk {i} failed for no business reason: {e} ({})",
                    e.code()
                );
            }
        }
    }
    assert_eq!(ok, N - 2);
    let loops = d.c.ok(&["loops", "--json"]).json();
    assert_eq!(
        loops.as_array().map(Vec::len),
        Some(N - 2),
        "the confirmed travelers are in custody: {loops}"
    );
    let r = d.c.run(&["ledger", "verify"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let r = d.c.ok(&["incident", "list", "--json"]).json();
    assert_eq!(
        r.as_array().map(Vec::len),
        Some(2),
        "each wrong head-count opened an incident: {r}"
    );
}

/// `ledger verify` reads the log, the traveler index and the custody tables, in one snapshot
/// (`closedloop_store::read_snapshot`): while hand-overs and check-lists commit one after
/// another, every verify running beside them passes — none mistakes a row committed between
/// its reads for one written behind the program's back.
#[test]
fn ledger_verify_beside_committing_writes_passes() {
    let d = ten_trips();
    let (trips, port, when) = (d.trips.clone(), d.port, d.when);
    let (config, url) = (d.c.config.clone(), d.c.env.db.url_string());
    let done = Arc::new(AtomicBool::new(false));
    let runs = Arc::new(AtomicUsize::new(0));
    let writer = {
        let (done, runs) = (done.clone(), runs.clone());
        let (config, url) = (config.clone(), url.clone());
        std::thread::spawn(move || {
            let app = App::load(Some(&config), Some(url)).unwrap();
            for &(trip, crew, traveler) in &trips {
                let shown = handover::start(
                    &app,
                    &StartRequest {
                        trip: BatchId(trip),
                        to_trip: None,
                        from: PartyKey {
                            role: PartyRole::PortStaff,
                            id: port,
                        },
                        to: PartyKey {
                            role: PartyRole::Crew,
                            id: crew,
                        },
                        travelers: vec![TravelerId(traveler)],
                        expected: None,
                        signer: "Port Desk".into(),
                        at: when,
                    },
                )
                .unwrap();
                handover::confirm(
                    &app,
                    &ConfirmRequest {
                        handover: HandoverId(shown.handover),
                        code: shown.code,
                        counted: 1,
                        signer: "Escort".into(),
                        at: when,
                        position: None,
                    },
                )
                .unwrap();
            }
            // Then check-lists, each an entry and a row, until the verifier has run enough.
            let mut written = 0;
            let until = runs.load(Ordering::SeqCst) + 20;
            while runs.load(Ordering::SeqCst) < until {
                let done = checklist::complete(
                    &app,
                    &CompleteChecklist {
                        kind: ChecklistKind::CrewHealth,
                        subject: SubjectIds {
                            crew: Some(CrewId(trips[written % trips.len()].1)),
                            ..SubjectIds::default()
                        },
                        answers: serde_json::json!({"body_temperature": 36.6, "no_symptoms": true,
                            "nucleic_acid_negative": true}),
                        by: None,
                        at: when,
                    },
                    closedloop_domain::Lang::En,
                )
                .unwrap();
                assert!(done.passed, "{:?}", done.failures);
                written += 1;
            }
            done.store(true, Ordering::SeqCst);
            written
        })
    };
    let app = App::load(Some(&config), Some(url)).unwrap();
    // Until the writer is done, or gave up (its panic is reported by the join below).
    while !done.load(Ordering::SeqCst) && !writer.is_finished() {
        if let closedloop_app::ledger::Verified::Failed(f) =
            closedloop_app::ledger::verify(&app, &[]).unwrap()
        {
            panic!(
                "verify failed beside honest writes: {}",
                f.message(closedloop_domain::Lang::En)
            )
        }
        runs.fetch_add(1, Ordering::SeqCst);
    }
    let written = writer.join().expect("the writer does not panic");
    assert!(
        written > 0,
        "the verifier ran while check-lists were written"
    );
}
