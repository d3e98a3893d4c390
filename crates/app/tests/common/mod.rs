//! What the approval tests share: a desk over a fresh database (on the backend
//! `DATABASE_URL` names), a day of stored travelers, vehicles, crew and hotels, its plan, and
//! an approved trip driven through the desk flow — check-lists, gates, the hand-over at its
//! origin, one hand-over per stop with codes and head-count, completion.

#![allow(dead_code)] // each test file uses its own part of it

use chrono::{DateTime, Duration, NaiveDate, Utc};
use closedloop_app::App;
use closedloop_app::checklist::{self, CompleteChecklist, SubjectIds};
use closedloop_app::config::Config;
use closedloop_app::handover::{self, ConfirmRequest, StartRequest};
use closedloop_app::import::{self, ImportRequest};
use closedloop_app::places::{ImportPlaces, import_hotels, list_hotels};
use closedloop_app::schedule::travel_times;
use closedloop_app::travelers::{self, ListTravelers};
use closedloop_app::trips::{self, AddCrew, AddVehicle, TripMove};
use closedloop_domain::Lang;
use closedloop_domain::fleet::VehicleKind;
use closedloop_domain::ids::{BatchId, CrewId, TravelerId, VehicleId};
use closedloop_domain::traveler::{DestinationKind, HealthStatus, SpecialNeeds};
use closedloop_handover::ChecklistKind;
use closedloop_scheduling::day::{PlanOptions, plan_day};
use closedloop_scheduling::ids::{
    ArrivalCode, CrewCode, HotelCode, PortCode, TravelerCode, VehicleCode,
};
use closedloop_scheduling::plan::{Batch, Plan};
use closedloop_scheduling::problem::{
    Arrival, CrewMember, CrewRole, DAY_FORMAT, Day, Hotel, Point, Policy, Port, Traveler, Vehicle,
};
use closedloop_store::DatabaseUrl;
use closedloop_store::custody::PartyKey;
use closedloop_store::testing::TestDatabase;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub struct Desk {
    pub app: App,
    pub dir: tempfile::TempDir,
    _db: TestDatabase,
}

pub fn desk() -> Desk {
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

pub fn day_at(hm: &str) -> chrono::NaiveDateTime {
    NaiveDate::from_ymd_opt(2021, 7, 1)
        .unwrap()
        .and_time(chrono::NaiveTime::parse_from_str(hm, "%H:%M").unwrap())
}

/// Four stored travelers on CA936 at PVG, a van and its driver, two hotels; the day file that
/// names them by the store's codes.
pub fn stored_day(d: &Desk) -> (Day, Vec<TravelerId>, VehicleId, CrewId) {
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

pub fn planned(d: &Desk, day: &Day) -> Plan {
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

pub fn checklist(
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

pub fn hand_over(
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

/// The store ids a batch's stop hands over (the plan's traveler codes are the store's ids).
pub fn riders(batch: &Batch, stop: usize) -> Vec<TravelerId> {
    batch.stops[stop]
        .travelers
        .iter()
        .map(|t| TravelerId(t.as_str().parse().unwrap()))
        .collect()
}

/// Drives approved `trip` (batch `batch`, one driver, one vehicle) through the desk flow: the
/// crew's training and health and the vehicle's inspection on the day, the pre-departure
/// reminder, approve, depart, `origin` hands everyone to the crew, then at each stop the
/// personnel check-list and the hand-over to that stop's receiver (`receivers[k]`), and
/// completion half an hour after the last stop.
pub fn drive(
    d: &Desk,
    trip: BatchId,
    batch: &Batch,
    (driver, vehicle): (CrewId, VehicleId),
    origin: PartyKey,
    receivers: &[PartyKey],
) {
    let depart = batch.depart.and_utc();
    let on = |crew: Option<CrewId>, vehicle: Option<VehicleId>, trip: Option<BatchId>| SubjectIds {
        crew,
        vehicle,
        trip,
        ..SubjectIds::default()
    };
    let before = |m: i64| depart - Duration::minutes(m);
    checklist(
        d,
        ChecklistKind::PreTripTraining,
        on(Some(driver), None, None),
        json!({"epidemic_protection_passed": true, "ppe_donning_doffing": true,
               "traffic_safety_passed": true, "assessment_score": 92,
               "emergency_plan_known": true, "assessor": "Zhao Min"}),
        before(90),
    );
    checklist(
        d,
        ChecklistKind::CrewHealth,
        on(Some(driver), None, None),
        json!({"body_temperature": 36.6, "no_symptoms": true, "health_code_green": true,
               "nucleic_acid_negative": true, "hours_since_last_test": 20,
               "vaccinated": true}),
        before(89),
    );
    checklist(
        d,
        ChecklistKind::VehicleInspection,
        on(None, Some(vehicle), None),
        json!({"brakes": true, "lights_and_horn": true, "tyres": true, "fuel_level": 80,
               "cab_partition": true, "safety_kit": true, "odometer": 120345,
               "dashboard_photo": "photos/dash-1.jpg"}),
        before(100),
    );
    checklist(
        d,
        ChecklistKind::PreDepartureReminder,
        on(None, None, Some(trip)),
        json!({"crew_briefed": true, "no_stopping": true, "crew_ppe_on": true,
               "travelers_notified": true, "notice_languages": "zh",
               "travelers_masked_and_spaced": true}),
        before(10),
    );
    trips::move_trip(&d.app, trip, TripMove::Approve, before(60)).unwrap();
    trips::move_trip(&d.app, trip, TripMove::Depart, depart).unwrap();
    let crew = PartyKey {
        role: closedloop_store::custody::PartyRole::Crew,
        id: driver.0,
    };
    let everyone: Vec<TravelerId> = (0..batch.stops.len())
        .flat_map(|k| riders(batch, k))
        .collect();
    hand_over(
        d,
        trip,
        origin,
        crew,
        &everyone,
        depart + Duration::minutes(1),
    );
    assert_eq!(receivers.len(), batch.stops.len());
    for (k, (stop, receiver)) in batch.stops.iter().zip(receivers).enumerate() {
        let eta = stop.eta.and_utc();
        let who = riders(batch, k);
        checklist(
            d,
            ChecklistKind::PersonnelHandover,
            SubjectIds {
                trip: Some(trip),
                stop: k as u32,
                ..SubjectIds::default()
            },
            json!({"head_count": who.len(), "identities_verified": true,
                   "temperatures_taken": true, "luggage_handed_over": true,
                   "receiver_name": "Receiving Desk",
                   "receiver_signature": "photos/sig-1.jpg"}),
            eta,
        );
        hand_over(d, trip, crew, *receiver, &who, eta + Duration::minutes(2));
    }
    let last = batch.stops.last().unwrap().eta.and_utc();
    trips::move_trip(
        &d.app,
        trip,
        TripMove::Complete,
        last + Duration::minutes(30),
    )
    .unwrap();
}

/// The vehicle disinfected after `trip`, as the sanitation check-list records it: the next
/// trip's gate asks for it.
pub fn disinfect(d: &Desk, vehicle: VehicleId, trip: BatchId, at: DateTime<Utc>) {
    checklist(
        d,
        ChecklistKind::Sanitation,
        SubjectIds {
            vehicle: Some(vehicle),
            trip: Some(trip),
            ..SubjectIds::default()
        },
        json!({"interior_disinfected": true, "disinfectant": "84 disinfectant",
               "available_chlorine": 1000, "contact_minutes": 30, "ventilated": true,
               "waste_bagged": true, "ppe_restocked": true,
               "disinfection_photo": "photos/disinfection-1.jpg"}),
        at,
    );
}

/// The store id of the hotel with `code`.
pub fn hotel_id(d: &Desk, code: &str) -> i64 {
    list_hotels(&d.app)
        .unwrap()
        .into_iter()
        .find(|h| h.place.code == code)
        .unwrap()
        .id
}
