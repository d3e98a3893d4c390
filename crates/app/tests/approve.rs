//! Approving a plan (issue 16, item 5): a day of stored travelers, vehicles, crew and hotels is
//! planned, the plan approved into trips linked to its version, and one approved trip goes
//! through the desk flow — check-lists, gates, the port's hand-over, the delivery — to closed
//! loops, with the ledger verifying after. A plan that breaks a rule, or names a code the store
//! does not know, stores nothing. On the backend `DATABASE_URL` names.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use closedloop_app::approve::approve_plan;
use closedloop_app::checklist::{self, CompleteChecklist, SubjectIds};
use closedloop_app::config::Config;
use closedloop_app::custody::{LoopFilter, loops};
use closedloop_app::handover::{self, ConfirmRequest, StartRequest};
use closedloop_app::import::{self, ImportRequest};
use closedloop_app::places::{ImportPlaces, import_hotels, list_hotels};
use closedloop_app::schedule::travel_times;
use closedloop_app::travelers::{self, ListTravelers};
use closedloop_app::trips::{self, AddCrew, AddVehicle, TripMove};
use closedloop_app::{App, ledger};
use closedloop_domain::Lang;
use closedloop_domain::fleet::VehicleKind;
use closedloop_domain::ids::{BatchId, CrewId, TravelerId, VehicleId};
use closedloop_domain::traveler::{DestinationKind, HealthStatus, SpecialNeeds};
use closedloop_handover::ChecklistKind;
use closedloop_scheduling::day::{PlanOptions, plan_day};
use closedloop_scheduling::ids::{
    ArrivalCode, CrewCode, HotelCode, PortCode, TravelerCode, VehicleCode,
};
use closedloop_scheduling::plan::Plan;
use closedloop_scheduling::problem::{
    Arrival, CrewMember, CrewRole, DAY_FORMAT, Day, Hotel, Point, Policy, Port, Traveler, Vehicle,
};
use closedloop_store::DatabaseUrl;
use closedloop_store::custody::{PartyKey, PartyRole};
use closedloop_store::desk::LoopState;
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

fn day_at(hm: &str) -> chrono::NaiveDateTime {
    NaiveDate::from_ymd_opt(2021, 7, 1)
        .unwrap()
        .and_time(chrono::NaiveTime::parse_from_str(hm, "%H:%M").unwrap())
}

/// Four stored travelers on CA936 at PVG, a van and its driver, two hotels; the day file that
/// names them by the store's codes.
fn stored_day(d: &Desk) -> (Day, Vec<TravelerId>, VehicleId, CrewId) {
    let file = d.dir.path().join("manifest.csv");
    std::fs::write(
        &file,
        "Full Name,Passport No.,Nationality,Phone,Flight,Port,Arrival\n\
         Wang Wei,APP0001,CHN,13812345678,CA936,PVG,2021-07-01 08:00\n\
         Li Na,APP0002,CHN,13912345678,CA936,PVG,2021-07-01 08:00\n\
         Zhang San,APP0003,CHN,13712345678,CA936,PVG,2021-07-01 08:00\n\
         Zhao Si,APP0004,CHN,13612345678,CA936,PVG,2021-07-01 08:00\n",
    )
    .unwrap();
    let req = ImportRequest {
        file,
        accept_valid: false,
        arrival: None,
        lang: Lang::En,
    };
    assert!(import::import(&d.app, &req, &mut |_| {}).unwrap().accepted);
    let who: Vec<TravelerId> = travelers::list_travelers(&d.app, &ListTravelers::default())
        .unwrap()
        .iter()
        .map(|t| t.id)
        .collect();
    let places = ImportPlaces {
        file: repo().join("tests/data/places/hotels.csv"),
        lang: Lang::En,
    };
    import_hotels(&d.app, &places).unwrap();
    let add = AddVehicle {
        plate: "沪A12345".into(),
        seats: 14,
    };
    let vehicle = trips::add_vehicle(&d.app, &add).unwrap();
    let add = AddCrew {
        staff_no: "D1".into(),
        name: "Wang Wu".into(),
        role: "driver".into(),
    };
    let driver = trips::add_crew(&d.app, &add).unwrap();
    let hotels = list_hotels(&d.app)
        .unwrap()
        .into_iter()
        .map(|h| Hotel {
            code: HotelCode::new(h.place.code.clone()),
            name: h.place.name_en.clone(),
            location: Point {
                lat: h.place.location.lat(),
                lon: h.place.location.lon(),
            },
            rooms: h.place.rooms,
            accessible_rooms: h.place.accessible_rooms,
            languages: vec!["zh".into()],
            open: true,
            held: vec![],
            closed_since: None,
        })
        .collect();
    let day = Day {
        format: DAY_FORMAT.into(),
        date: NaiveDate::from_ymd_opt(2021, 7, 1).unwrap(),
        policy: Policy {
            version: "2021-01 14+7".into(),
            hotel_days: 14,
            home_days: 7,
            seat_factor: 2.0,
            mix_arrivals: false,
            max_port_wait: 180,
            max_ride: 120,
            special_max_ride: 90,
            disinfection: 30,
            crew_rest: 30,
            family_room_size: 2,
            change_penalty: 30.0,
        },
        ports: vec![Port {
            code: PortCode::new("PVG"),
            name: "Pudong".into(),
            location: Point {
                lat: 31.1443,
                lon: 121.8083,
            },
            processing: 120,
        }],
        arrivals: vec![Arrival {
            code: ArrivalCode::new("CA936"),
            port: PortCode::new("PVG"),
            at: day_at("08:00"),
            travelers: who
                .iter()
                .map(|t| Traveler {
                    code: TravelerCode::new(t.0.to_string()),
                    health: HealthStatus::Normal,
                    special_needs: SpecialNeeds::default(),
                    destination: DestinationKind::Hotel,
                    home: None,
                    language: Some("zh".into()),
                    group: None,
                })
                .collect(),
        }],
        hotels,
        hospitals: vec![],
        vehicles: vec![Vehicle {
            code: VehicleCode::new("沪A12345"),
            kind: VehicleKind::Van,
            seats: 14,
            wheelchair_access: false,
            base: PortCode::new("PVG"),
            available_from: day_at("06:00"),
            available_until: day_at("22:00"),
            blocked: None,
        }],
        crew: vec![CrewMember {
            code: CrewCode::new("D1"),
            role: CrewRole::Driver,
            languages: vec!["zh".into()],
            base: PortCode::new("PVG"),
            shift_start: day_at("06:00"),
            shift_end: day_at("18:00"),
            blocked: None,
        }],
        stays: vec![],
    };
    (day, who, vehicle, driver)
}

fn planned(d: &Desk, day: &Day) -> Plan {
    let (travel, _) = travel_times(&d.app).unwrap();
    let options = PlanOptions {
        seed: 1,
        time_limit: None,
        iterations: Some(200),
    };
    let plan = plan_day(day, travel.as_ref(), &options).unwrap();
    assert!(plan.unplaced.is_empty(), "{:?}", plan.unplaced);
    plan
}

fn checklist(
    d: &Desk,
    kind: ChecklistKind,
    subject: SubjectIds,
    answers: Value,
    at: DateTime<Utc>,
) {
    let req = CompleteChecklist {
        kind,
        subject,
        answers,
        by: None,
        at,
    };
    let done = checklist::complete(&d.app, &req, Lang::En).unwrap();
    assert!(done.passed, "{kind:?}: {:?}", done.failures);
}

fn hand_over(
    d: &Desk,
    trip: BatchId,
    from: PartyKey,
    to: PartyKey,
    who: &[TravelerId],
    at: DateTime<Utc>,
) {
    let req = StartRequest {
        trip,
        to_trip: None,
        from,
        to,
        travelers: who.to_vec(),
        expected: None,
        signer: "Giver".into(),
        at,
    };
    let started = handover::start(&d.app, &req).unwrap();
    let req = ConfirmRequest {
        handover: closedloop_handover::ids::HandoverId(started.handover),
        code: started.code.clone(),
        counted: who.len() as i64,
        signer: "Receiver".into(),
        at,
        position: Some((31.15, 121.80)),
    };
    handover::confirm(&d.app, &req).unwrap();
}

#[test]
fn an_approved_plan_becomes_trips_that_close_their_loops() {
    let d = desk();
    let (day, who, vehicle, driver) = stored_day(&d);
    let plan = planned(&d, &day);
    assert_eq!(plan.batches.len(), 1, "four travelers fit one van");
    let approved = approve_plan(&d.app, &day, &plan).unwrap();
    assert_eq!(approved.version.version, 1);
    assert_eq!(approved.trips.len(), 1);
    assert_eq!(
        approved.trips[0].batch_code,
        plan.batches[0].code.to_string()
    );
    assert_eq!(approved.second_transfers_left, 0);
    // Approving again makes the day's second version.
    let again = approve_plan(&d.app, &day, &plan).unwrap();
    assert_eq!(again.version.version, 2);

    let trip = approved.trips[0].trip;
    let batch = &plan.batches[0];
    let depart = batch.depart.and_utc();
    let hotel_code = match &batch.stops[0].place {
        closedloop_scheduling::plan::Place::Hotel { code } => code.to_string(),
        other => panic!("{other:?}"),
    };
    let hotel = list_hotels(&d.app)
        .unwrap()
        .into_iter()
        .find(|h| h.place.code == hotel_code)
        .unwrap()
        .id;
    let on = |crew: Option<CrewId>, vehicle: Option<VehicleId>, trip: Option<BatchId>| SubjectIds {
        crew,
        vehicle,
        trip,
        ..SubjectIds::default()
    };
    let before = |m: i64| depart - Duration::minutes(m);
    checklist(
        &d,
        ChecklistKind::PreTripTraining,
        on(Some(driver), None, None),
        json!({"epidemic_protection_passed": true, "ppe_donning_doffing": true,
               "traffic_safety_passed": true, "assessment_score": 92,
               "emergency_plan_known": true, "assessor": "Zhao Min"}),
        before(90),
    );
    checklist(
        &d,
        ChecklistKind::CrewHealth,
        on(Some(driver), None, None),
        json!({"body_temperature": 36.6, "no_symptoms": true, "health_code_green": true,
               "nucleic_acid_negative": true, "hours_since_last_test": 20,
               "vaccinated": true}),
        before(89),
    );
    checklist(
        &d,
        ChecklistKind::VehicleInspection,
        on(None, Some(vehicle), None),
        json!({"brakes": true, "lights_and_horn": true, "tyres": true, "fuel_level": 80,
               "cab_partition": true, "safety_kit": true, "odometer": 120345,
               "dashboard_photo": "photos/dash-1.jpg"}),
        before(100),
    );
    checklist(
        &d,
        ChecklistKind::PreDepartureReminder,
        on(None, None, Some(trip)),
        json!({"crew_briefed": true, "no_stopping": true, "crew_ppe_on": true,
               "travelers_notified": true, "notice_languages": "zh",
               "travelers_masked_and_spaced": true}),
        before(10),
    );
    trips::move_trip(&d.app, trip, TripMove::Approve, before(60)).unwrap();
    trips::move_trip(&d.app, trip, TripMove::Depart, depart).unwrap();
    let port = PartyKey {
        role: PartyRole::PortStaff,
        id: 1,
    };
    let crew = PartyKey {
        role: PartyRole::Crew,
        id: driver.0,
    };
    let receiver = PartyKey {
        role: PartyRole::HotelStaff,
        id: hotel,
    };
    hand_over(&d, trip, port, crew, &who, depart + Duration::minutes(1));
    let eta = batch.stops[0].eta.and_utc();
    checklist(
        &d,
        ChecklistKind::PersonnelHandover,
        on(None, None, Some(trip)),
        json!({"head_count": 4, "identities_verified": true, "temperatures_taken": true,
               "luggage_handed_over": true, "receiver_name": "Hotel Desk",
               "receiver_signature": "photos/sig-1.jpg"}),
        eta,
    );
    hand_over(&d, trip, crew, receiver, &who, eta + Duration::minutes(2));
    trips::move_trip(
        &d.app,
        trip,
        TripMove::Complete,
        eta + Duration::minutes(30),
    )
    .unwrap();

    let rows = loops(&d.app, LoopFilter::All, eta + Duration::hours(1)).unwrap();
    assert_eq!(rows.len(), 4);
    assert!(
        rows.iter().all(|r| r.status == LoopState::Delivered),
        "{rows:?}"
    );
    assert!(
        loops(&d.app, LoopFilter::Open, eta + Duration::hours(1))
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        ledger::verify(&d.app, &[]).unwrap(),
        ledger::Verified::Passed { .. }
    ));
}

#[test]
fn a_plan_that_breaks_a_rule_or_names_an_unknown_code_stores_nothing() {
    let d = desk();
    let (day, _, _, _) = stored_day(&d);
    let plan = planned(&d, &day);

    // Over the van's seats: the checker refuses, naming the batch.
    let mut small = day.clone();
    small.vehicles[0].seats = 4;
    let e = approve_plan(&d.app, &small, &plan).unwrap_err();
    assert_eq!(e.code(), "plan_violates_rules", "{e}");

    // A vehicle the store does not have.
    let mut renamed_day = day.clone();
    renamed_day.vehicles[0].code = VehicleCode::new("沪B99999");
    let mut renamed = plan.clone();
    for b in &mut renamed.batches {
        b.vehicle = VehicleCode::new("沪B99999");
    }
    let e = approve_plan(&d.app, &renamed_day, &renamed).unwrap_err();
    assert_eq!(e.code(), "plan_code_unknown", "{e}");
    assert!(e.to_string().contains("沪B99999"), "{e}");

    let versions = closedloop_store::plans::versions(&mut d.app.conn().unwrap()).unwrap();
    assert!(versions.is_empty(), "{versions:?}");
}
