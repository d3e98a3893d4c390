//! Every use case called the way the web server will call it, on the backend `DATABASE_URL`
//! names (a fresh database per test): a desk's day from the manifest to the audit bundle.

use chrono::{DateTime, TimeZone, Utc};
use closedloop_app::checklist::{self, CompleteChecklist, SubjectIds};
use closedloop_app::config::Config;
use closedloop_app::custody::{self, LoopFilter};
use closedloop_app::handover::{self, ConfirmRequest, StartRequest};
use closedloop_app::import::{self, ImportRequest};
use closedloop_app::incidents::{self, IncidentStatus, OpenIncident};
use closedloop_app::ledger::{self, Verified};
use closedloop_app::mask::Shown;
use closedloop_app::roads::{self, RoadsSource};
use closedloop_app::trace::{self, TraceRequest};
use closedloop_app::travelers::{self, ListTravelers};
use closedloop_app::trips::{self, AddCrew, AddVehicle, PlanTrip, TripMove};
use closedloop_app::{App, Notice, Viewer, parse, purge};
use closedloop_domain::Lang;
use closedloop_domain::ids::{BatchId, CrewId, TravelerId, VehicleId};
use closedloop_domain::traveler::HealthStatus;
use closedloop_handover::{ChecklistKind, IncidentKind, Severity};
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
    // Straight lines: the road network has its own tests.
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

fn import_csv(d: &Desk, name: &str, csv: &str) -> import::ImportOutcome {
    let file = d.dir.path().join(name);
    std::fs::write(&file, csv).unwrap();
    let req = ImportRequest {
        file,
        accept_valid: false,
        arrival: None,
        lang: Lang::En,
    };
    import::import(&d.app, &req, &mut |_| {}).unwrap()
}

const MANIFEST: &str = "Full Name,Passport No.,Nationality,Phone,Flight,Port,Arrival\n\
    Wang Wei,APP0001,CHN,13812345678,CA936,PVG,2021-07-01 08:00\n\
    Li Na,APP0002,CHN,13912345678,CA936,PVG,2021-07-01 08:00\n";

#[test]
fn import_is_all_or_nothing_and_listings_are_masked_by_the_policy() {
    let d = desk();
    let bad = import_csv(
        &d,
        "bad.csv",
        "Full Name,Passport No.,Nationality,Flight,Port,Arrival\nX,APP9,CHN,CA936,NOWHERE,2021-07-01 08:00\n",
    );
    assert!(
        !bad.accepted && bad.summary.imported == 0,
        "{:?}",
        bad.summary
    );
    assert!(!bad.summary.errors.is_empty());
    assert_eq!(travelers::stats(&d.app).unwrap().travelers, 0);

    let ok = import_csv(&d, "ca936.csv", MANIFEST);
    assert!(ok.accepted, "{:?}", ok.summary);
    assert_eq!((ok.summary.imported, ok.summary.arrivals_created), (2, 1));
    let again = import_csv(&d, "again.csv", MANIFEST);
    assert_eq!((again.summary.imported, again.summary.unchanged), (0, 2));

    let masked = travelers::list_travelers(&d.app, &ListTravelers::default()).unwrap();
    assert_eq!(masked.len(), 2);
    assert_eq!(masked[0].full_name, Shown::Partial("W*** W**".into()));
    assert_eq!(
        masked[0].phone,
        Some(Shown::Partial("+86*******5678".into()))
    );
    assert_eq!(masked[0].document_number, Shown::Partial("AP***01".into()));
    // Typed values are never faked: a masked health status is masked, not a made-up code.
    assert_eq!(masked[0].health, Some(Shown::Masked));
    let revealed = travelers::list_travelers(
        &d.app,
        &ListTravelers {
            arrival: Some("ca 936".into()),
            viewer: Viewer::SHELL_REVEAL,
        },
    )
    .unwrap();
    assert_eq!(revealed[0].document_number, Shown::Value("APP0001".into()));
    assert_eq!(revealed[0].health, Some(Shown::Value(HealthStatus::Normal)));
    assert_eq!(revealed[0].full_name.to_string(), "Wang Wei");
    let e = travelers::list_travelers(
        &d.app,
        &ListTravelers {
            arrival: Some("?".into()),
            viewer: Viewer::ANONYMOUS,
        },
    )
    .unwrap_err();
    assert_eq!((e.code(), e.field()), ("invalid_value", Some("arrival")));
}

#[test]
fn a_stored_value_outside_its_vocabulary_is_unreadable_data_naming_its_row() {
    let d = desk();
    assert!(import_csv(&d, "ca936.csv", MANIFEST).accepted);
    let who = travelers::list_travelers(&d.app, &ListTravelers::default()).unwrap();
    let open = OpenIncident {
        kind: IncidentKind::ProtectionBreach,
        severity: Severity::Minor,
        trip: None,
        vehicle: None,
        travelers: vec![who[0].id],
        crew: vec![],
        description: "gown torn".into(),
        at: at("01:00"),
        position: None,
    };
    let incident = incidents::open(&d.app, &open).unwrap();
    let sql = |s: String| d._db.execute(&s).unwrap();
    sql(format!(
        "UPDATE travelers SET health = 'sick' WHERE id = {}",
        who[1].id
    ));
    sql(format!(
        "UPDATE incidents SET kind = 'meteor' WHERE id = {}",
        incident.0
    ));
    let unreadable = |e: closedloop_app::AppError, row: String, value: &str| {
        let text = e.message(Lang::En);
        assert_eq!(e.code(), "stored_data_unreadable", "{text}");
        assert!(text.contains(&row) && text.contains(value), "{text}");
    };
    let e = travelers::list_travelers(&d.app, &ListTravelers::default()).unwrap_err();
    unreadable(e, format!("traveler {}", who[1].id), "sick");
    let e = incidents::list(&d.app, false, Viewer::ANONYMOUS).unwrap_err();
    unreadable(e, format!("incident {}", incident.0), "meteor");
    assert!(
        travelers::stats(&d.app).is_ok(),
        "counts read no vocabulary"
    );
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

fn crew_checklists(d: &Desk, crew: &[CrewId]) {
    for &c in crew {
        let s = SubjectIds {
            crew: Some(c),
            ..SubjectIds::default()
        };
        checklist(
            d,
            ChecklistKind::PreTripTraining,
            s.clone(),
            json!({"epidemic_protection_passed": true, "ppe_donning_doffing": true,
                   "traffic_safety_passed": true, "assessment_score": 92,
                   "emergency_plan_known": true, "assessor": "Zhao Min"}),
            "00:30",
        );
        checklist(
            d,
            ChecklistKind::CrewHealth,
            s,
            json!({"body_temperature": 36.6, "no_symptoms": true, "health_code_green": true,
                   "nucleic_acid_negative": true, "hours_since_last_test": 20,
                   "vaccinated": true}),
            "00:31",
        );
    }
}

fn vehicle_checklists(d: &Desk, vehicle: VehicleId, trip: BatchId) {
    let v = SubjectIds {
        vehicle: Some(vehicle),
        ..SubjectIds::default()
    };
    checklist(
        d,
        ChecklistKind::VehicleInspection,
        v.clone(),
        json!({"brakes": true, "lights_and_horn": true, "tyres": true, "fuel_level": 80,
               "cab_partition": true, "safety_kit": true, "odometer": 120345,
               "dashboard_photo": "photos/dash-1.jpg"}),
        "00:20",
    );
    checklist(
        d,
        ChecklistKind::PreDepartureReminder,
        SubjectIds {
            trip: Some(trip),
            ..SubjectIds::default()
        },
        json!({"crew_briefed": true, "no_stopping": true, "crew_ppe_on": true,
               "travelers_notified": true, "notice_languages": "zh, en",
               "travelers_masked_and_spaced": true}),
        "01:50",
    );
}

fn hand_over(
    d: &Desk,
    trip: BatchId,
    from: PartyKey,
    to: PartyKey,
    who: &[TravelerId],
    hm: &str,
) -> i64 {
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
    let shown = handover::code(
        &d.app,
        closedloop_handover::ids::HandoverId(started.handover),
        at(hm),
    )
    .unwrap();
    assert_eq!(shown.code, started.code);
    let confirm = |code: String, counted: i64| ConfirmRequest {
        handover: closedloop_handover::ids::HandoverId(started.handover),
        code,
        counted,
        signer: "Receiver".into(),
        at: at(hm),
        position: Some((31.23, 121.47)),
    };
    let wrong = format!(
        "{:06}",
        (started.code.parse::<u32>().unwrap() + 500_000) % 1_000_000
    );
    let refused = handover::confirm(&d.app, &confirm(wrong, who.len() as i64)).unwrap_err();
    assert_eq!(refused.code(), "handover_refused");
    let done = handover::confirm(&d.app, &confirm(started.code.clone(), who.len() as i64)).unwrap();
    assert_eq!(done.travelers.len(), who.len());
    done.ledger_seq
}

#[test]
fn a_trip_through_its_gates_hand_overs_loops_record_trace_and_the_ledger() {
    let d = desk();
    assert!(import_csv(&d, "ca936.csv", MANIFEST).accepted);
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
    assert_eq!(
        trips::add_vehicle(
            &d.app,
            &AddVehicle {
                plate: "沪A1".into(),
                seats: 0
            }
        )
        .unwrap_err()
        .field(),
        Some("seats")
    );
    let crew: Vec<CrewId> = [("S1", "Wang Wu"), ("S2", "Zhao Liu")]
        .iter()
        .map(|(no, name)| {
            trips::add_crew(
                &d.app,
                &AddCrew {
                    staff_no: (*no).into(),
                    name: (*name).into(),
                    role: "escort".into(),
                },
            )
            .unwrap()
        })
        .collect();
    let trip = trips::plan_trip(
        &d.app,
        &PlanTrip {
            vehicle,
            crew: crew.clone(),
            stops: PlanTrip::one_stop(&who),
            port: "PVG".into(),
            depart_at: at("02:00"),
            arrive_by: at("04:00"),
        },
    )
    .unwrap();
    // The key file is created on the first append, and the operator is told once.
    let refused = trips::move_trip(&d.app, trip, TripMove::Approve, at("00:10")).unwrap_err();
    assert_eq!(refused.code(), "gate_refused");
    assert!(refused.message(Lang::ZhCn) != refused.message(Lang::En));
    assert_eq!(
        d.app.take_notices(),
        vec![Notice::KeyFileCreated(d.dir.path().join("ledger.key"))]
    );
    assert!(d.app.take_notices().is_empty());

    crew_checklists(&d, &crew);
    vehicle_checklists(&d, vehicle, trip);
    trips::move_trip(&d.app, trip, TripMove::Approve, at("01:00")).unwrap();
    let departed = trips::move_trip(&d.app, trip, TripMove::Depart, at("02:00")).unwrap();
    assert_eq!(
        serde_json::to_value(&departed).unwrap()["state"],
        "departed"
    );

    let port = PartyKey {
        role: PartyRole::PortStaff,
        id: 1,
    };
    let crew_party = PartyKey {
        role: PartyRole::Crew,
        id: crew[0].0,
    };
    let hotel = PartyKey {
        role: PartyRole::HotelStaff,
        id: 7,
    };
    hand_over(&d, trip, port, crew_party, &who, "02:05");
    assert_eq!(
        custody::loops(&d.app, LoopFilter::Open, at("02:10"))
            .unwrap()
            .len(),
        2
    );
    // Past the planned arrival plus the margin, the open loops are overdue.
    assert_eq!(
        custody::loops(&d.app, LoopFilter::Overdue, at("05:30"))
            .unwrap()
            .len(),
        2
    );
    checklist(
        &d,
        ChecklistKind::PersonnelHandover,
        SubjectIds {
            trip: Some(trip),
            ..SubjectIds::default()
        },
        json!({"head_count": 2, "identities_verified": true, "temperatures_taken": true,
               "luggage_handed_over": true, "receiver_name": "Hotel Desk",
               "receiver_signature": "photos/sig-1.jpg"}),
        "03:00",
    );
    hand_over(&d, trip, crew_party, hotel, &who, "03:05");
    assert!(
        custody::loops(&d.app, LoopFilter::Open, at("03:10"))
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        custody::loops(&d.app, LoopFilter::All, at("03:10"))
            .unwrap()
            .len(),
        2
    );
    trips::move_trip(&d.app, trip, TripMove::Complete, at("03:30")).unwrap();

    let incident = incidents::open(
        &d.app,
        &OpenIncident {
            kind: IncidentKind::VehicleBreakdown,
            severity: Severity::Minor,
            trip: Some(trip),
            vehicle: None,
            travelers: vec![who[0]],
            crew: vec![],
            description: "Wang Wei's door jammed".into(),
            at: at("03:40"),
            position: None,
        },
    )
    .unwrap();
    let listed = incidents::list(&d.app, false, Viewer::ANONYMOUS).unwrap();
    assert_eq!(
        listed[0].description,
        Shown::Masked,
        "incident text names people: masked"
    );
    assert_eq!(
        (listed[0].kind, listed[0].status, listed[0].trip),
        (
            IncidentKind::VehicleBreakdown,
            IncidentStatus::Open,
            Some(trip)
        )
    );
    assert_eq!(
        serde_json::to_value(&listed[0]).unwrap()["description"],
        "***"
    );
    let shown = incidents::list(&d.app, true, Viewer::SHELL_REVEAL).unwrap();
    assert_eq!(
        shown[0].description,
        Shown::Value("Wang Wei's door jammed".into())
    );
    incidents::resolve(&d.app, incident, "door fixed", at("04:00")).unwrap();
    assert!(
        incidents::list(&d.app, true, Viewer::ANONYMOUS)
            .unwrap()
            .is_empty()
    );

    let record = custody::record(&d.app, None, Some(at("00:00").date_naive())).unwrap();
    assert_eq!(
        (
            record.totals.batches,
            record.totals.person_trips,
            record.totals.incidents
        ),
        (1, 2, 1)
    );

    let traced = trace::trace(
        &d.app,
        &TraceRequest {
            index: closedloop_trace::Subject::Traveler(closedloop_trace::TravelerId(who[0].0)),
            tested_at: None,
            since: None,
            window_days: 14,
        },
    )
    .unwrap();
    assert!(!traced.exposures.is_empty());

    let Verified::Passed { summary, .. } = ledger::verify(&d.app, &[]).unwrap() else {
        panic!("the ledger does not verify");
    };
    assert!(summary.entries >= 10, "{summary:?}");
    let bundle = d.dir.path().join("bundle.json");
    let written = ledger::proof(&d.app, who[0], &bundle).unwrap();
    assert!(written.entries >= 3);
    let checked = ledger::check_bundle(&bundle, None)
        .unwrap()
        .expect("the bundle checks");
    assert_eq!(checked.hand_overs, 2);
    let head = ledger::checkpoint(&d.app).unwrap();
    let kept = d.dir.path().join("checkpoint.txt");
    std::fs::write(&kept, head.to_checkpoint()).unwrap();
    let back = ledger::read_checkpoint(&kept).unwrap();
    assert!(matches!(
        ledger::verify(&d.app, &[back]).unwrap(),
        Verified::Passed { .. }
    ));
    let init = ledger::init(&d.app).unwrap();
    assert!(!init.created, "an existing key file is never replaced");

    let purged = purge::purge(
        &d.app,
        30,
        Utc.with_ymd_and_hms(2021, 9, 1, 0, 0, 0).unwrap(),
    )
    .unwrap();
    assert_eq!(purged.travelers, 2);
    assert!(matches!(
        ledger::verify(&d.app, &[]).unwrap(),
        Verified::Passed { .. }
    ));
}

#[test]
fn empty_ledger_missing_key_and_roads_over_straight_lines() {
    let d = desk();
    assert!(matches!(
        ledger::verify(&d.app, &[]).unwrap(),
        Verified::Empty
    ));
    assert_eq!(
        ledger::checkpoint(&d.app).unwrap_err().code(),
        "ledger_empty"
    );
    let e = ledger::proof(&d.app, TravelerId(1), &d.dir.path().join("b.json")).unwrap_err();
    assert_eq!(e.code(), "ledger_key_missing");
    assert!(!e.message(Lang::ZhCn).is_empty() && e.message(Lang::ZhCn) != e.message(Lang::En));

    let from = parse::point("from", "31.2497,121.4555").unwrap();
    let to = parse::point("to", "31.2304,121.4737").unwrap();
    let r = roads::route(
        &d.app,
        &RoadsSource::default(),
        from,
        to,
        Default::default(),
    )
    .unwrap();
    assert!(r.leg.length_m > 2000.0 && r.leg.time_s > 0.0, "{:?}", r.leg);
    let points = d.dir.path().join("points.csv");
    std::fs::write(
        &points,
        "name,lat,lon\na,31.2497,121.4555\nb,31.2304,121.4737\n",
    )
    .unwrap();
    let m = roads::matrix(
        &d.app,
        &RoadsSource::default(),
        &roads::read_points(&points).unwrap(),
    )
    .unwrap();
    assert_eq!(m.size, 2);
    let out = d.dir.path().join("m.csv");
    roads::write_matrix(&m, &out).unwrap();
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 5);
    std::fs::write(&points, "name,lat,lon\na,north,121\n").unwrap();
    assert_eq!(
        roads::read_points(&points).unwrap_err().code(),
        "points_invalid"
    );
}

#[test]
fn migrations_status_and_bad_requests_name_their_field() {
    let d = desk();
    let first = closedloop_app::db::migrate(&d.app).unwrap();
    assert!(
        !first.migrations.is_empty(),
        "a new database gets every migration"
    );
    let again = closedloop_app::db::migrate(&d.app).unwrap();
    assert!(again.migrations.is_empty());
    let mut status = closedloop_app::db::status(&d.app).unwrap().migrations;
    status.sort();
    assert_eq!(status, first.migrations);

    let e = trips::plan_trip(
        &d.app,
        &PlanTrip {
            vehicle: VehicleId(1),
            crew: vec![CrewId(1)],
            stops: PlanTrip::one_stop(&[TravelerId(1)]),
            port: "Atlantis".into(),
            depart_at: at("02:00"),
            arrive_by: at("04:00"),
        },
    )
    .unwrap_err();
    assert_eq!((e.code(), e.field()), ("unknown_port", Some("port")));
    let e = trips::move_trip(&d.app, BatchId(99), TripMove::Depart, at("02:00")).unwrap_err();
    assert_eq!(e.code(), "trip_not_found");
    assert!(e.message(Lang::ZhCn).contains("车次"));
}
