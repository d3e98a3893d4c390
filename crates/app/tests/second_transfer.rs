//! The second transfer of "14+7" (issue 16, item 5): four travelers are carried from the port
//! to their hotel through the desk flow on day 1; on day 15 their hotel days end, the day's
//! plan collects them at the hotel and takes them home, and approving it creates that batch
//! as a trip from the hotel — linked to the plan version, with its batch code. The hotel's
//! staff hand the travelers to the crew (their second loop opens), community staff receive
//! them at home (it closes), and the ledger verifies after. A plan naming a hotel or a
//! traveler the store does not know stores nothing. On the backend `DATABASE_URL` names.

mod common;

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use closedloop_app::approve::{TripOrigin, approve_plan};
use closedloop_app::custody::{LoopFilter, loops};
use closedloop_app::handover::{self, StartRequest};
use closedloop_app::ledger;
use closedloop_domain::ids::{CrewId, TravelerId, VehicleId};
use closedloop_domain::traveler::{DestinationKind, HealthStatus, SpecialNeeds};
use closedloop_scheduling::ids::{HotelCode, TravelerCode};
use closedloop_scheduling::plan::{Place, Plan};
use closedloop_scheduling::problem::{Day, Home, Hotel, Point, Stay, Traveler};
use closedloop_store::custody::{PartyKey, PartyRole};
use closedloop_store::desk::{LoopState, load_trip};
use common::{Desk, desk, disinfect, drive, hotel_id, planned, riders, stored_day};

fn on_day_15(hm: &str) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2021, 7, 15)
        .unwrap()
        .and_time(NaiveTime::parse_from_str(hm, "%H:%M").unwrap())
}

/// Day 15 of the day-1 file: no arrivals; `travelers` checked in at `hotel` on day 1 and
/// released today, each with a home a few kilometres from it; the van and the driver on
/// today's shift. A hotel the day-1 file does not list is added (same rooms, another code).
fn release_day(day1: &Day, hotel: &Hotel, travelers: &[TravelerCode]) -> Day {
    let mut day = day1.clone();
    day.date = NaiveDate::from_ymd_opt(2021, 7, 15).unwrap();
    day.arrivals.clear();
    if !day.hotels.iter().any(|h| h.code == hotel.code) {
        day.hotels.push(hotel.clone());
    }
    for v in &mut day.vehicles {
        v.available_from = on_day_15("06:00");
        v.available_until = on_day_15("22:00");
    }
    for c in &mut day.crew {
        c.shift_start = on_day_15("06:00");
        c.shift_end = on_day_15("18:00");
    }
    day.stays = travelers
        .iter()
        .enumerate()
        .map(|(k, code)| Stay {
            traveler: Traveler {
                code: code.clone(),
                health: HealthStatus::Normal,
                special_needs: SpecialNeeds::default(),
                destination: DestinationKind::Hotel,
                home: Some(Home {
                    address: format!("Home {k}"),
                    location: Some(Point {
                        lat: hotel.location.lat + 0.01 * (k as f64 + 1.0),
                        lon: hotel.location.lon + 0.005,
                    }),
                }),
                language: Some("zh".into()),
                group: None,
            },
            hotel: hotel.code.clone(),
            check_in: day1.date,
            release: day.date,
        })
        .collect();
    day
}

fn codes(who: &[TravelerId]) -> Vec<TravelerCode> {
    who.iter()
        .map(|t| TravelerCode::new(t.0.to_string()))
        .collect()
}

fn hotel_of(day: &Day, plan: &Plan) -> Hotel {
    let Place::Hotel { code } = &plan.batches[0].stops[0].place else {
        panic!("{:?}", plan.batches[0].stops[0].place)
    };
    day.hotels.iter().find(|h| &h.code == code).unwrap().clone()
}

/// Day 1: the plan approved, its trip driven from the port to the hotel; returns the hotel.
fn first_transfer(d: &Desk, day: &Day, (driver, vehicle): (CrewId, VehicleId)) -> Hotel {
    let plan = planned(d, day);
    let approved = approve_plan(&d.app, day, &plan).unwrap();
    let trip = approved.trips[0].trip;
    let hotel = hotel_of(day, &plan);
    let port = PartyKey {
        role: PartyRole::PortStaff,
        id: 1,
    };
    let receiver = PartyKey {
        role: PartyRole::HotelStaff,
        id: hotel_id(d, hotel.code.as_str()),
    };
    let batch = &plan.batches[0];
    drive(d, trip, batch, (driver, vehicle), port, &[receiver]);
    let done = batch.stops[0].eta.and_utc() + Duration::minutes(40);
    disinfect(d, vehicle, trip, done);
    hotel
}

#[test]
fn a_second_transfer_becomes_a_trip_from_the_hotel_that_takes_its_travelers_home() {
    let d = desk();
    let (day1, who, vehicle, driver) = stored_day(&d);
    let hotel = first_transfer(&d, &day1, (driver, vehicle));
    let hotel_store_id = hotel_id(&d, hotel.code.as_str());

    let day = release_day(&day1, &hotel, &codes(&who));
    let plan = planned(&d, &day);
    assert_eq!(plan.batches.len(), 1, "four travelers home in one van");
    let batch = &plan.batches[0];
    assert_eq!(
        batch.origin,
        Place::Hotel {
            code: hotel.code.clone()
        }
    );
    assert_eq!(batch.head_count(), 4);
    let approved = approve_plan(&d.app, &day, &plan).unwrap();
    assert_eq!(approved.version.version, 1, "the first version of day 15");
    assert_eq!(approved.second_transfers, 1);
    assert_eq!(approved.trips.len(), 1);
    let created = &approved.trips[0];
    assert_eq!(created.batch_code, batch.code.to_string());
    assert_eq!(created.origin, TripOrigin::Hotel { id: hotel_store_id });
    // Stored as a trip from the hotel, its port the van's base, linked to the version.
    let trip = created.trip;
    let row = load_trip(&mut d.app.conn().unwrap(), trip.0).unwrap();
    assert_eq!(row.origin_hotel_id, Some(hotel_store_id));
    let ports = d.app.store().unwrap().ports().unwrap();
    let pvg = ports.iter().find(|p| p.code == "PVG").unwrap().id;
    assert_eq!(row.port_id, pvg);
    let linked =
        closedloop_store::plans::version_trips(&mut d.app.conn().unwrap(), approved.version.id)
            .unwrap();
    assert_eq!(linked, approved.trips);

    // Port staff have no travelers to hand to a crew at a hotel.
    let everyone: Vec<TravelerId> = (0..batch.stops.len())
        .flat_map(|k| riders(batch, k))
        .collect();
    let crew = PartyKey {
        role: PartyRole::Crew,
        id: driver.0,
    };
    let port_staff = StartRequest {
        trip,
        to_trip: None,
        from: PartyKey {
            role: PartyRole::PortStaff,
            id: 1,
        },
        to: crew,
        travelers: everyone.clone(),
        expected: None,
        signer: "Giver".into(),
        at: batch.depart.and_utc(),
    };
    let e = handover::start(&d.app, &port_staff).unwrap_err();
    assert_eq!(e.code(), "not_trip_origin", "{e}");

    // The hotel's staff hand them over; community staff receive each at home.
    let hotel_staff = PartyKey {
        role: PartyRole::HotelStaff,
        id: hotel_store_id,
    };
    let homes: Vec<PartyKey> = (0..batch.stops.len())
        .map(|k| PartyKey {
            role: PartyRole::CommunityStaff,
            id: 100 + k as i64,
        })
        .collect();
    drive(&d, trip, batch, (driver, vehicle), hotel_staff, &homes);

    let after = batch.stops.last().unwrap().eta.and_utc() + Duration::hours(1);
    let rows = loops(&d.app, LoopFilter::All, after).unwrap();
    assert_eq!(rows.len(), 4, "{rows:?}");
    for r in &rows {
        assert_eq!(r.status, LoopState::Delivered, "{r:?}");
        assert_eq!(r.party, PartyRole::CommunityStaff, "{r:?}");
        assert_eq!(r.trip, Some(trip), "{r:?}");
    }
    assert!(loops(&d.app, LoopFilter::Open, after).unwrap().is_empty());
    assert!(matches!(
        ledger::verify(&d.app, &[]).unwrap(),
        ledger::Verified::Passed { .. }
    ));
}

#[test]
fn a_second_transfer_from_an_unknown_hotel_or_of_an_unknown_traveler_stores_nothing() {
    let d = desk();
    let (day1, who, _, _) = stored_day(&d);
    let known = day1.hotels[0].clone();

    // A hotel the store does not have: the batch from it is refused, naming it.
    let mut gone = known.clone();
    gone.code = HotelCode::new("H-GONE");
    let day = release_day(&day1, &gone, &codes(&who));
    let mut plan = planned(&d, &day);
    let e = approve_plan(&d.app, &day, &plan).unwrap_err();
    assert_eq!(e.code(), "plan_code_unknown", "{e}");
    assert!(e.to_string().contains("H-GONE"), "{e}");
    let field = format!("batches[{}].origin", plan.batches[0].code);
    assert_eq!(e.field(), Some(field.as_str()));

    // A traveler the store does not have, among stored ones.
    let mut stays = codes(&who);
    stays.push(TravelerCode::new("987654"));
    let day = release_day(&day1, &known, &stays);
    plan = planned(&d, &day);
    let e = approve_plan(&d.app, &day, &plan).unwrap_err();
    assert_eq!(e.code(), "plan_code_unknown", "{e}");
    assert!(e.to_string().contains("987654"), "{e}");
    let field = e.field().unwrap_or_default().to_string();
    assert!(
        field.starts_with("batches[") && field.ends_with("].travelers"),
        "{field}"
    );

    let mut conn = d.app.conn().unwrap();
    let versions = closedloop_store::plans::versions(&mut conn).unwrap();
    assert!(versions.is_empty(), "{versions:?}");
    // No trip was created: the first trip id does not exist.
    assert!(load_trip(&mut conn, 1).is_err());
}
