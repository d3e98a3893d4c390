//! Support for the desk-flow tests: a scenario with three travelers, a vehicle whose previous
//! trip ended without a disinfection, two crew members and a planned trip, all on 2021-07-01
//! (UTC; local +08:00 as config/gates.toml counts days), built through the CLI except the
//! previous trip, which is recorded after the fact through the store's desk (with its
//! TripState entry), as trips before the desk commands were.

use super::Run;
use super::ledger::Custody;
use closedloop_store::custody::NewTrip;
use serde_json::{Value, json};

pub struct Scenario {
    pub c: Custody,
    pub travelers: [i64; 3],
    pub vehicle: i64,
    pub crew: [i64; 2],
    pub trip: i64,
}

/// A UTC time on 2021-07-01.
pub fn t(hm: &str) -> String {
    format!("2021-07-01 {hm}")
}

fn id(r: &Run) -> i64 {
    r.json()["id"].as_i64().unwrap()
}

impl Scenario {
    pub fn new() -> Scenario {
        let c = Custody::new();
        let mut csv = String::from("Full Name,Passport No.,Nationality,Flight,Port,Arrival\n");
        for i in 1..=3 {
            csv.push_str(&format!(
                "Traveler {i},DESK000{i},CHN,CA936,PVG,2021-07-01 08:00\n"
            ));
        }
        let ids = c.import(&csv);
        let travelers = [1, 2, 3].map(|i| ids[&format!("DESK000{i}")]);
        let vehicle = id(&c.ok(&[
            "vehicles",
            "add",
            "--plate",
            "沪A12345",
            "--seats",
            "20",
            "--json",
        ]));
        let crew = [("S1", "Wang Wei"), ("S2", "Li Na")].map(|(no, name)| {
            id(&c.ok(&[
                "crew",
                "add",
                "--staff-no",
                no,
                "--name",
                name,
                "--role",
                "escort",
                "--json",
            ]))
        });
        // The vehicle's previous trip, ended the evening before, never disinfected since.
        let store = c.store();
        let port = store.ports().unwrap()[0].id;
        let day = |d: u32, h: u32| {
            chrono::NaiveDate::from_ymd_opt(2021, 6, d)
                .unwrap()
                .and_hms_opt(h, 0, 0)
                .unwrap()
        };
        let previous = NewTrip {
            vehicle_id: vehicle,
            port_id: port,
            started_at: day(30, 8),
            ended_at: day(30, 10),
            crew: vec![crew[0]],
            travelers: vec![],
        };
        c.with_desk(
            &store,
            &closedloop_handover::GateBook::builtin(),
            |conn, desk| desk.record_trip(conn, &previous),
        )
        .unwrap();
        drop(store);
        let list = |v: &[i64]| v.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let trip = id(&c.ok(&[
            "trip",
            "create",
            "--vehicle",
            &vehicle.to_string(),
            "--crew",
            &list(&crew),
            "--travelers",
            &list(&travelers),
            "--port",
            "PVG",
            "--depart-at",
            &t("02:00"),
            "--arrive-by",
            &t("04:00"),
            "--json",
        ]));
        Scenario {
            c,
            travelers,
            vehicle,
            crew,
            trip,
        }
    }

    /// `checklist complete` with `answers`; the run, whatever its exit code.
    pub fn checklist(&self, kind: &str, subject: &[&str], answers: Value, at: &str) -> Run {
        let file = self
            .c
            .env
            .write(&format!("{kind}-{at}.json"), answers.to_string());
        let mut args = vec!["checklist", "complete", "--kind", kind];
        args.extend_from_slice(subject);
        args.extend_from_slice(&["--answers", file.to_str().unwrap(), "--at", at, "--json"]);
        self.c.run(&args)
    }

    /// `trip depart` at `at`, as JSON.
    pub fn depart(&self, at: &str) -> Run {
        self.c.run(&[
            "trip",
            "depart",
            "--trip",
            &self.trip.to_string(),
            "--at",
            at,
            "--json",
        ])
    }

    /// The ledger's entry count, from `ledger verify` (which must pass).
    pub fn entries(&self) -> u64 {
        let r = self.c.ok(&["ledger", "verify"]);
        let n = r
            .stdout
            .split("ledger verified: ")
            .nth(1)
            .and_then(|s| s.split(' ').next())
            .and_then(|n| n.parse().ok());
        n.unwrap_or_else(|| panic!("no entry count in {}", r.stdout))
    }

    /// Every traveler's loop row (`loops --all --json`).
    pub fn loops(&self) -> Value {
        self.c.ok(&["loops", "--all", "--json"]).json()
    }
}

pub fn training() -> Value {
    json!({"epidemic_protection_passed": true, "ppe_donning_doffing": true,
           "traffic_safety_passed": true, "assessment_score": 92, "emergency_plan_known": true,
           "assessor": "Zhao Min"})
}

pub fn health(temperature: f64) -> Value {
    json!({"body_temperature": temperature, "no_symptoms": true, "health_code_green": true,
           "nucleic_acid_negative": true, "hours_since_last_test": 20, "vaccinated": true})
}

pub fn inspection() -> Value {
    json!({"brakes": true, "lights_and_horn": true, "tyres": true, "fuel_level": 80,
           "cab_partition": true, "safety_kit": true, "odometer": 120345,
           "dashboard_photo": "photos/dash-1.jpg"})
}

pub fn sanitation() -> Value {
    json!({"interior_disinfected": true, "disinfectant": "84 disinfectant",
           "available_chlorine": 1000, "contact_minutes": 30, "ventilated": true,
           "waste_bagged": true, "ppe_restocked": true, "disinfection_photo": "photos/dis-1.jpg"})
}

pub fn reminder() -> Value {
    json!({"crew_briefed": true, "no_stopping": true, "crew_ppe_on": true,
           "travelers_notified": true, "notice_languages": "zh, en",
           "travelers_masked_and_spaced": true})
}

pub fn personnel(count: u32) -> Value {
    json!({"head_count": count, "identities_verified": true, "temperatures_taken": true,
           "luggage_handed_over": true, "receiver_name": "Hotel Desk",
           "receiver_signature": "photos/sig-1.jpg"})
}

pub fn start(s: &Scenario, from: &str, to: &str, travelers: &[i64], at: &str) -> Run {
    let list = travelers
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    s.c.run(&[
        "handover",
        "start",
        "--trip",
        &s.trip.to_string(),
        "--from",
        from,
        "--to",
        to,
        "--travelers",
        &list,
        "--signer",
        "Giver Name",
        "--at",
        at,
        "--json",
    ])
}

pub fn confirm(s: &Scenario, handover: i64, code: &str, counted: usize, at: &str) -> Run {
    s.c.run(&[
        "handover",
        "confirm",
        "--handover",
        &handover.to_string(),
        "--code",
        code,
        "--counted",
        &counted.to_string(),
        "--signer",
        "Receiver Name",
        "--at",
        at,
        "--lat",
        "31.2304",
        "--lon",
        "121.4737",
        "--json",
    ])
}

/// A code that is not the right one (nor one of its neighbours in time, but for a chance of
/// one in a million).
pub fn wrong(code: &str) -> String {
    let n: u32 = code.parse().unwrap();
    format!("{:06}", (n + 500_000) % 1_000_000)
}

pub fn started(r: &Run) -> (i64, String) {
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let v = r.json();
    (
        v["handover"].as_i64().unwrap(),
        v["code"].as_str().unwrap().to_string(),
    )
}

/// `(traveler, status, party, party_id)` of every loop.
pub fn loops(s: &Scenario) -> Vec<(i64, String, String, i64)> {
    s.loops()
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["traveler"].as_i64().unwrap(),
                l["status"].as_str().unwrap().to_string(),
                l["party"].as_str().unwrap().to_string(),
                l["party_id"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// Passes every departure gate of the scenario's trip.
pub fn ready(s: &Scenario) {
    let v = s.vehicle.to_string();
    let mut done = vec![
        s.checklist(
            "vehicle_inspection",
            &["--vehicle", &v],
            inspection(),
            &t("00:20"),
        ),
        s.checklist("sanitation", &["--vehicle", &v], sanitation(), &t("00:21")),
        s.checklist(
            "pre_departure_reminder",
            &["--trip", &s.trip.to_string()],
            reminder(),
            &t("01:50"),
        ),
    ];
    for c in s.crew.map(|c| c.to_string()) {
        done.push(s.checklist(
            "pre_trip_training",
            &["--crew", &c],
            training(),
            &t("00:30"),
        ));
        done.push(s.checklist("crew_health", &["--crew", &c], health(36.6), &t("00:31")));
    }
    for r in done {
        assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    }
}
