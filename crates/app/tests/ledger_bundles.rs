//! Audit bundles prove they are complete (ledger format 2): a traveler's bundle written by the
//! `ledger proof` use case after a desk's day — gates, hand-overs, an incident and its
//! resolution — checks offline, and with any one entry removed (or two swapped) `ledger check`
//! fails naming the missing entry. On the backend `DATABASE_URL` names.

use chrono::{DateTime, Utc};
use closedloop_app::checklist::{self, CompleteChecklist, SubjectIds};
use closedloop_app::config::Config;
use closedloop_app::handover::{self, ConfirmRequest, StartRequest};
use closedloop_app::import::{self, ImportRequest};
use closedloop_app::incidents::{self, OpenIncident};
use closedloop_app::ledger;
use closedloop_app::travelers::{self, ListTravelers};
use closedloop_app::trips::{self, AddCrew, AddVehicle, PlanTrip, TripMove};
use closedloop_app::{App, parse};
use closedloop_domain::Lang;
use closedloop_domain::ids::{BatchId, CrewId, TravelerId};
use closedloop_handover::{ChecklistKind, IncidentKind, Severity};
use closedloop_ledger::{Bundle, Completeness, Entry};
use closedloop_store::DatabaseUrl;
use closedloop_store::custody::{PartyKey, PartyRole};
use closedloop_store::testing::TestDatabase;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Desk {
    app: App,
    dir: tempfile::TempDir,
    _db: TestDatabase,
}

fn desk() -> Desk {
    let db = TestDatabase::from_env().expect("test database");
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::load(Some(&repo().join("config/closedloop.toml"))).unwrap();
    config.ledger.key_file = dir.path().join("ledger.key");
    config.roads.osm = None;
    let url = match &db.url {
        DatabaseUrl::Postgres(u) => u.clone(),
        DatabaseUrl::Sqlite(p) => p.display().to_string(),
    };
    Desk {
        app: App::new(config, Some(url)),
        dir,
        _db: db,
    }
}

fn at(hm: &str) -> DateTime<Utc> {
    parse::time("at", &format!("2021-07-01 {hm}")).unwrap()
}

fn checklist(d: &Desk, kind: ChecklistKind, subject: SubjectIds, answers: Value, hm: &str) {
    let req = CompleteChecklist {
        kind,
        subject,
        answers,
        by: None,
        at: at(hm),
    };
    let done = checklist::complete(&d.app, &req, Lang::En).unwrap();
    assert!(done.passed, "{kind:?}: {:?}", done.failures);
}

fn hand_over(d: &Desk, trip: BatchId, from: PartyKey, to: PartyKey, who: &[TravelerId], hm: &str) {
    let started = handover::start(
        &d.app,
        &StartRequest {
            trip,
            to_trip: None,
            from,
            to,
            travelers: who.to_vec(),
            expected: None,
            signer: "Giver".into(),
            at: at(hm),
        },
    )
    .unwrap();
    handover::confirm(
        &d.app,
        &ConfirmRequest {
            handover: closedloop_handover::ids::HandoverId(started.handover),
            code: started.code.clone(),
            counted: who.len() as i64,
            signer: "Receiver".into(),
            at: at(hm),
            position: Some((31.23, 121.47)),
        },
    )
    .unwrap();
}

/// Two travelers from the port to a hotel through the gates, an incident naming the first
/// and its resolution: the first traveler's chain is the port hand-over, the personnel
/// hand-over check-list, the delivery, the incident and the resolution.
fn desks_day(d: &Desk) -> Vec<TravelerId> {
    let file = d.dir.path().join("manifest.csv");
    std::fs::write(
        &file,
        "Full Name,Passport No.,Nationality,Phone,Flight,Port,Arrival\n\
         Wang Wei,APP0001,CHN,13812345678,CA936,PVG,2021-07-01 08:00\n\
         Li Na,APP0002,CHN,13912345678,CA936,PVG,2021-07-01 08:00\n",
    )
    .unwrap();
    let imported = import::import(
        &d.app,
        &ImportRequest {
            file,
            accept_valid: false,
            arrival: None,
            lang: Lang::En,
        },
        &mut |_| {},
    )
    .unwrap();
    assert!(imported.accepted);
    let who: Vec<TravelerId> = travelers::list_travelers(&d.app, &ListTravelers::default())
        .unwrap()
        .iter()
        .map(|t| t.id)
        .collect();
    let vehicle = trips::add_vehicle(
        &d.app,
        &AddVehicle {
            plate: "沪A12345".into(),
            seats: 20,
        },
    )
    .unwrap();
    let crew = trips::add_crew(
        &d.app,
        &AddCrew {
            staff_no: "S1".into(),
            name: "Wang Wu".into(),
            role: "escort".into(),
        },
    )
    .unwrap();
    let trip = trips::plan_trip(
        &d.app,
        &PlanTrip {
            vehicle,
            crew: vec![crew],
            stops: PlanTrip::one_stop(&who),
            port: "PVG".into(),
            depart_at: at("02:00"),
            arrive_by: at("04:00"),
        },
    )
    .unwrap();
    let on = |crew: Option<CrewId>, trip: Option<BatchId>| SubjectIds {
        crew,
        vehicle: if crew.is_none() && trip.is_none() {
            Some(vehicle)
        } else {
            None
        },
        trip,
        ..SubjectIds::default()
    };
    checklist(
        d,
        ChecklistKind::PreTripTraining,
        on(Some(crew), None),
        json!({"epidemic_protection_passed": true, "ppe_donning_doffing": true,
               "traffic_safety_passed": true, "assessment_score": 92,
               "emergency_plan_known": true, "assessor": "Zhao Min"}),
        "00:30",
    );
    checklist(
        d,
        ChecklistKind::CrewHealth,
        on(Some(crew), None),
        json!({"body_temperature": 36.6, "no_symptoms": true, "health_code_green": true,
               "nucleic_acid_negative": true, "hours_since_last_test": 20,
               "vaccinated": true}),
        "00:31",
    );
    checklist(
        d,
        ChecklistKind::VehicleInspection,
        on(None, None),
        json!({"brakes": true, "lights_and_horn": true, "tyres": true, "fuel_level": 80,
               "cab_partition": true, "safety_kit": true, "odometer": 120345,
               "dashboard_photo": "photos/dash-1.jpg"}),
        "00:20",
    );
    checklist(
        d,
        ChecklistKind::PreDepartureReminder,
        on(None, Some(trip)),
        json!({"crew_briefed": true, "no_stopping": true, "crew_ppe_on": true,
               "travelers_notified": true, "notice_languages": "zh, en",
               "travelers_masked_and_spaced": true}),
        "01:50",
    );
    trips::move_trip(&d.app, trip, TripMove::Approve, at("01:00")).unwrap();
    trips::move_trip(&d.app, trip, TripMove::Depart, at("02:00")).unwrap();
    let port = PartyKey {
        role: PartyRole::PortStaff,
        id: 1,
    };
    let escort = PartyKey {
        role: PartyRole::Crew,
        id: crew.0,
    };
    let hotel = PartyKey {
        role: PartyRole::HotelStaff,
        id: 7,
    };
    hand_over(d, trip, port, escort, &who, "02:05");
    checklist(
        d,
        ChecklistKind::PersonnelHandover,
        on(None, Some(trip)),
        json!({"head_count": 2, "identities_verified": true, "temperatures_taken": true,
               "luggage_handed_over": true, "receiver_name": "Hotel Desk",
               "receiver_signature": "photos/sig-1.jpg"}),
        "03:00",
    );
    hand_over(d, trip, escort, hotel, &who, "03:05");
    let incident = incidents::open(
        &d.app,
        &OpenIncident {
            kind: IncidentKind::SymptomaticEnRoute,
            severity: Severity::Minor,
            trip: Some(trip),
            vehicle: None,
            travelers: vec![who[0]],
            crew: vec![],
            description: "fever at the hotel".into(),
            at: at("03:40"),
            position: None,
        },
    )
    .unwrap();
    incidents::resolve(&d.app, incident, "seen by a doctor", at("04:00")).unwrap();
    who
}

#[test]
fn a_bundle_with_any_entry_removed_fails_ledger_check_naming_it() {
    let d = desk();
    let who = desks_day(&d);
    let path = d.dir.path().join("bundle.json");
    let written = ledger::proof(&d.app, who[0], &path).unwrap();
    let checked = ledger::check_bundle(&path, None)
        .unwrap()
        .expect("the bundle as written checks");
    assert_eq!(checked.completeness, Completeness::Complete);
    assert_eq!(checked.entries.len(), written.entries);
    let kinds: Vec<&str> = checked.entries.iter().map(|e| e.kind).collect();
    for kind in ["hand_over", "incident", "incident_resolved"] {
        assert!(kinds.contains(&kind), "{kinds:?}");
    }

    let bundle = Bundle::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(bundle.entries.len() >= 4, "{}", bundle.entries.len());
    for k in 0..bundle.entries.len() {
        let mut cut = bundle.clone();
        let removed = cut.entries.remove(k);
        let kind = Entry::from_canonical(removed.entry.as_bytes())
            .unwrap()
            .body
            .kind();
        let file = d.dir.path().join(format!("cut-{k}.json"));
        std::fs::write(&file, cut.to_json()).unwrap();
        let reason = ledger::check_bundle(&file, None)
            .unwrap()
            .expect_err("a bundle with an entry removed must fail");
        let named = format!("entry {} ({kind}) is missing: ", removed.index);
        assert!(reason.starts_with(&named), "removed {k}: {reason}");
        if k + 1 < bundle.entries.len() {
            let by = format!("entry {} links to it", bundle.entries[k + 1].index);
            assert!(reason.contains(&by), "{reason}");
        } else {
            assert!(reason.contains("traveler map names it"), "{reason}");
        }
    }

    let mut swapped = bundle.clone();
    swapped.entries.swap(1, 2);
    let file = d.dir.path().join("swapped.json");
    std::fs::write(&file, swapped.to_json()).unwrap();
    let reason = ledger::check_bundle(&file, None).unwrap().unwrap_err();
    assert!(reason.contains("out of log order"), "{reason}");
}
