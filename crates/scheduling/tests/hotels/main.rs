//! Hotel assignment: the calendar, families, accessible rooms, languages, distance, closed
//! hotels, routing, the unplaced and second transfers; and a property over random days.

#[path = "../fixture/mod.rs"]
mod fixture;

mod property;

use closedloop_scheduling::Day;
use closedloop_scheduling::hotels::assign;
use closedloop_scheduling::placement::Placements;
use closedloop_scheduling::plan::{Place, Reason};
use fixture::{date, day, home, hospital, hotel, travel};
use serde_json::{Value, json};

/// A day at port PVG with the given hotels, travelers of one arrival MU1 at 08:00, hospitals
/// and policy nights.
fn small(hotels: Value, travelers: Value, hospitals: Value, hotel_days: u16) -> Day {
    let v = json!({
        "format": "closedloop-day/1",
        "date": "2026-12-02",
        "policy": {
            "version": "test", "hotel_days": hotel_days, "home_days": 7, "seat_factor": 1.0,
            "max_port_wait": 120, "max_ride": 90, "special_max_ride": 60, "disinfection": 30,
            "crew_rest": 30, "family_room_size": 2
        },
        "ports": [{"code": "PVG", "name": "P", "location": {"lat": 31.15, "lon": 121.80}, "processing": 60}],
        "arrivals": [{"code": "MU1", "port": "PVG", "at": "2026-12-02T08:00:00", "travelers": travelers}],
        "hotels": hotels,
        "hospitals": hospitals,
    });
    Day::from_json(&v.to_string()).expect("a valid test day")
}

/// A hotel `km_east` east of the port (about 0.95 km per 0.01°).
fn h(code: &str, east: f64, rooms: u32, accessible: u32, languages: &[&str]) -> Value {
    json!({"code": code, "name": code, "location": {"lat": 31.15, "lon": 121.80 + east},
           "rooms": rooms, "accessible_rooms": accessible, "languages": languages})
}

fn t(code: &str) -> Value {
    json!({"code": code, "health": "normal", "destination": "hotel"})
}

fn with(mut v: Value, key: &str, val: Value) -> Value {
    v[key] = val;
    v
}

fn place_of(p: &Placements, code: &str) -> Option<Place> {
    p.placed
        .iter()
        .find(|x| x.traveler.as_str() == code)
        .map(|x| x.to.clone())
}

fn reason_of(p: &Placements, code: &str) -> Option<Reason> {
    p.unplaced
        .iter()
        .find(|x| x.traveler.as_str() == code)
        .map(|x| x.reason.clone())
}

#[test]
fn a_hotel_full_on_the_third_night_only_refuses_a_fourteen_night_stay() {
    let mut full = h("H1", 0.05, 1, 0, &[]);
    full["held"] = json!([{"night": "2026-12-04", "rooms": 1}]);
    let d = small(json!([full.clone()]), json!([t("T1")]), json!([]), 14);
    let p = assign(&d, &travel());
    assert!(p.placed.is_empty() && p.stays.is_empty());
    assert_eq!(
        reason_of(&p, "T1"),
        Some(Reason::NoCapacity {
            night: date("2026-12-04")
        })
    );
    // Two nights fit before it.
    let d = small(json!([full]), json!([t("T1")]), json!([]), 2);
    let p = assign(&d, &travel());
    assert_eq!(place_of(&p, "T1"), Some(hotel("H1")));
    assert_eq!(p.stays[0].check_in, date("2026-12-02"));
    assert_eq!(p.stays[0].release, date("2026-12-04"));
}

#[test]
fn the_unplaced_hear_of_the_hotel_that_could_hold_them_longest() {
    let mut a = h("H1", 0.05, 1, 0, &[]);
    a["held"] = json!([{"night": "2026-12-03", "rooms": 1}]);
    let mut b = h("H2", 0.50, 1, 0, &[]);
    b["held"] = json!([{"night": "2026-12-10", "rooms": 1}]);
    let d = small(json!([a, b]), json!([t("T1")]), json!([]), 14);
    let p = assign(&d, &travel());
    assert_eq!(
        reason_of(&p, "T1"),
        Some(Reason::NoCapacity {
            night: date("2026-12-10")
        })
    );
}

#[test]
fn a_family_stays_together_sharing_rooms() {
    // Family of three: two rooms at two to a room. H1 has two, so the single goes to H2.
    let fam = |c: &str| with(t(c), "group", json!("F"));
    let d = small(
        json!([h("H1", 0.05, 2, 0, &[]), h("H2", 0.30, 10, 0, &[])]),
        json!([t("A0"), fam("F1"), fam("F2"), fam("F3")]),
        json!([]),
        14,
    );
    let p = assign(&d, &travel());
    for c in ["F1", "F2", "F3"] {
        assert_eq!(place_of(&p, c), Some(hotel("H1")), "{c}");
    }
    assert_eq!(place_of(&p, "A0"), Some(hotel("H2")));
    assert!(
        p.stays
            .iter()
            .filter(|s| s.group.is_some())
            .all(|s| s.group.as_deref() == Some("F"))
    );
    // A family of five needs three rooms: not split over H1 (2) and H2 (2), but at H3 (3).
    let fam5: Vec<Value> = (1..=5).map(|i| fam(&format!("F{i}"))).collect();
    let d = small(
        json!([
            h("H1", 0.05, 2, 0, &[]),
            h("H2", 0.10, 2, 0, &[]),
            h("H3", 0.60, 3, 0, &[])
        ]),
        json!(fam5),
        json!([]),
        14,
    );
    let p = assign(&d, &travel());
    assert!(p.placed.iter().all(|x| x.to == hotel("H3")), "{p:#?}");
    assert_eq!(p.placed.len(), 5);
}

#[test]
fn a_family_that_fits_nowhere_is_unplaced_together() {
    let fam: Vec<Value> = (1..=3)
        .map(|i| with(t(&format!("F{i}")), "group", json!("F")))
        .collect();
    let d = small(json!([h("H1", 0.05, 1, 0, &[])]), json!(fam), json!([]), 14);
    let p = assign(&d, &travel());
    assert!(p.placed.is_empty());
    assert_eq!(p.unplaced.len(), 3);
    assert!(p.unplaced.iter().all(|u| u.reason
        == Reason::NoCapacity {
            night: date("2026-12-02")
        }));
}

#[test]
fn a_wheelchair_user_gets_an_accessible_room() {
    let wheel = with(t("W1"), "special_needs", json!("wheelchair"));
    let d = small(
        json!([h("H1", 0.05, 10, 0, &[]), h("H2", 0.30, 10, 1, &[])]),
        json!([wheel.clone(), t("A1")]),
        json!([]),
        14,
    );
    let p = assign(&d, &travel());
    assert_eq!(place_of(&p, "W1"), Some(hotel("H2")));
    assert_eq!(place_of(&p, "A1"), Some(hotel("H1")));
    let s = p
        .stays
        .iter()
        .find(|s| s.traveler.as_str() == "W1")
        .expect("a stay");
    assert!(s.accessible);
    // No accessible room anywhere on the first night.
    let d = small(
        json!([h("H1", 0.05, 10, 0, &[])]),
        json!([wheel]),
        json!([]),
        14,
    );
    let p = assign(&d, &travel());
    assert_eq!(
        reason_of(&p, "W1"),
        Some(Reason::NoAccessibleRoom {
            night: date("2026-12-02")
        })
    );
}

#[test]
fn a_group_with_a_wheelchair_user_takes_one_accessible_room_among_its_rooms() {
    let fam = |c: &str| with(t(c), "group", json!("F"));
    let w = with(fam("F1"), "special_needs", json!("wheelchair"));
    // Two rooms, one accessible: the family of four fits exactly.
    let d = small(
        json!([h("H1", 0.05, 2, 1, &[])]),
        json!([w, fam("F2"), fam("F3"), fam("F4")]),
        json!([]),
        14,
    );
    let p = assign(&d, &travel());
    assert_eq!(p.placed.len(), 4, "{p:#?}");
    assert_eq!(p.stays.iter().filter(|s| s.accessible).count(), 1);
}

#[test]
fn staff_who_speak_the_language_come_before_distance() {
    let ja = with(t("J1"), "language", json!("ja-JP"));
    let d = small(
        json!([h("H1", 0.05, 10, 0, &["zh"]), h("H2", 0.40, 10, 0, &["ja"])]),
        json!([ja.clone(), t("A1")]),
        json!([]),
        14,
    );
    let p = assign(&d, &travel());
    assert_eq!(place_of(&p, "J1"), Some(hotel("H2")));
    assert_eq!(
        place_of(&p, "A1"),
        Some(hotel("H1")),
        "no language: the nearest"
    );
    // Where the hotel that speaks it is full, the nearest.
    let d = small(
        json!([h("H1", 0.05, 10, 0, &["zh"]), h("H2", 0.40, 0, 0, &["ja"])]),
        json!([ja]),
        json!([]),
        14,
    );
    assert_eq!(place_of(&assign(&d, &travel()), "J1"), Some(hotel("H1")));
}

#[test]
fn the_nearest_hotel_first_and_closed_hotels_take_no_one() {
    let hotels = json!([
        h("FAR", 0.50, 10, 0, &[]),
        h("NEAR", 0.05, 10, 0, &[]),
        h("MID", 0.20, 10, 0, &[])
    ]);
    let d = small(hotels.clone(), json!([t("A1")]), json!([]), 14);
    assert_eq!(place_of(&assign(&d, &travel()), "A1"), Some(hotel("NEAR")));
    let mut closed = hotels;
    closed[1]["open"] = json!(false);
    let d = small(closed, json!([t("A1")]), json!([]), 14);
    assert_eq!(place_of(&assign(&d, &travel()), "A1"), Some(hotel("MID")));
}

#[test]
fn routing_hospital_home_and_close_contacts() {
    let hospitals = json!([
        {"code": "FAR", "name": "far", "location": {"lat": 31.15, "lon": 122.30}},
        {"code": "NEAR", "name": "near", "location": {"lat": 31.15, "lon": 121.85}}
    ]);
    let located = json!({"address": "x", "location": {"lat": 31.2, "lon": 121.8}});
    let travelers = json!([
        with(t("SICK"), "health", json!("positive")),
        with(t("SENT"), "destination", json!("hospital")),
        with(
            with(t("HOME"), "destination", json!("home")),
            "home",
            located.clone()
        ),
        with(
            with(t("LOST"), "destination", json!("home")),
            "home",
            json!({"address": "幸福路12号"})
        ),
        with(
            with(with(t("CC"), "destination", json!("home")), "home", located),
            "health",
            json!("close_contact")
        ),
    ]);
    let d = small(
        json!([h("H1", 0.05, 10, 0, &[])]),
        travelers.clone(),
        hospitals,
        14,
    );
    let p = assign(&d, &travel());
    assert_eq!(place_of(&p, "SICK"), Some(hospital("NEAR")));
    assert_eq!(place_of(&p, "SENT"), Some(hospital("NEAR")));
    assert_eq!(place_of(&p, "HOME"), Some(home("HOME")));
    assert_eq!(reason_of(&p, "LOST"), Some(Reason::HomeNotLocated));
    assert_eq!(place_of(&p, "CC"), Some(hotel("H1")));
    assert_eq!(p.stays.len(), 1, "only the close contact books a room");
    assert!(
        p.placed
            .iter()
            .all(|x| x.from == Place::Port { code: "PVG".into() })
    );
    // No hospital at all.
    let d = small(json!([h("H1", 0.05, 10, 0, &[])]), travelers, json!([]), 14);
    let p = assign(&d, &travel());
    assert_eq!(reason_of(&p, "SICK"), Some(Reason::NoHospital));
    assert_eq!(reason_of(&p, "SENT"), Some(Reason::NoHospital));
}

#[test]
fn the_fixture_day_is_placed_as_its_plan_says() {
    let d = day();
    let p = assign(&d, &travel());
    let want = [
        ("T1", hotel("H1")),
        ("T2", hotel("H1")),
        ("T3", hotel("H1")),
        ("T4", hospital("HOSP1")),
        ("T5", home("T5")),
        ("T6", hotel("H1")),
        ("T7", home("T7")),
        ("T9", home("T9")),
    ];
    for (c, place) in want {
        assert_eq!(place_of(&p, c), Some(place), "{c}");
    }
    assert_eq!(p.placed.len(), 8);
    assert!(p.unplaced.is_empty());
    let t9 = p
        .placed
        .iter()
        .find(|x| x.traveler.as_str() == "T9")
        .expect("T9");
    assert_eq!(t9.from, hotel("H1"));
    assert_eq!(t9.arrival, None);
    assert!(place_of(&p, "T8").is_none() && reason_of(&p, "T8").is_none());
    assert_eq!(p.stays.len(), 4);
    assert!(p.stays.iter().all(|s| s.release == date("2026-12-16")));
}

#[test]
fn second_transfers_follow_the_home_days() {
    let mut d = day();
    if let Some(h) = d.stays[0].traveler.home.as_mut() {
        h.location = None;
    }
    let p = assign(&d, &travel());
    assert_eq!(reason_of(&p, "T9"), Some(Reason::HomeNotLocated));
    // Without home days T9 is released on their own: neither placed nor unplaced.
    let mut d = day();
    d.policy.home_days = 0;
    let p = assign(&d, &travel());
    assert!(place_of(&p, "T9").is_none() && reason_of(&p, "T9").is_none());
}

#[test]
fn a_stay_released_today_frees_its_room_tonight() {
    let mut d = small(
        json!([h("H1", 0.05, 1, 0, &[])]),
        json!([t("A1")]),
        json!([]),
        14,
    );
    let stay = |code: &str, release: &str| {
        serde_json::from_value(json!({
            "traveler": {"code": code, "health": "normal", "destination": "hotel"},
            "hotel": "H1", "check_in": "2026-11-18", "release": release
        }))
        .expect("a stay")
    };
    d.stays.push(stay("OLD", "2026-12-02"));
    let p = assign(&d, &travel());
    assert_eq!(place_of(&p, "A1"), Some(hotel("H1")));
    // One leaving tomorrow still holds tonight's room.
    d.stays[0] = stay("OLD", "2026-12-03");
    let p = assign(&d, &travel());
    assert_eq!(
        reason_of(&p, "A1"),
        Some(Reason::NoCapacity {
            night: date("2026-12-02")
        })
    );
}

#[test]
fn harder_units_choose_first() {
    // One room: the wheelchair user's unit goes first, whatever the codes say.
    let w = with(t("Z9"), "special_needs", json!("wheelchair"));
    let d = small(
        json!([h("H1", 0.05, 1, 1, &[])]),
        json!([t("A1"), w]),
        json!([]),
        14,
    );
    let p = assign(&d, &travel());
    assert_eq!(place_of(&p, "Z9"), Some(hotel("H1")));
    assert!(reason_of(&p, "A1").is_some());
}

#[test]
fn an_arrival_after_midnight_checks_in_on_its_own_date() {
    let mut d = small(
        json!([h("H1", 0.05, 10, 0, &[])]),
        json!([t("A1")]),
        json!([]),
        14,
    );
    d.arrivals[0].at = fixture::at("2026-12-03 00:30");
    let p = assign(&d, &travel());
    assert_eq!(p.stays[0].check_in, date("2026-12-03"));
    assert_eq!(p.stays[0].release, date("2026-12-17"));
}
