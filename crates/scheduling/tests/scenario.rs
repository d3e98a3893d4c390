//! Generated days: valid day files, the promised mix of travelers, rooms and vehicles for all,
//! the same seed the same day.

use chrono::NaiveDate;
use closedloop_domain::traveler::{DestinationKind, SpecialNeed};
use closedloop_scheduling::Day;
use closedloop_scheduling::problem::Point;
use closedloop_scheduling::scenario::{
    NamedSite, PortKind, PortSite, ScenarioError, ScenarioOptions, Sites, default_rules, generate,
};

fn grid(n: usize, lat: f64, lon: f64) -> Vec<Point> {
    (0..n)
        .map(|i| Point {
            lat: lat + (i / 20) as f64 * 0.003,
            lon: lon + (i % 20) as f64 * 0.003,
        })
        .collect()
}

fn sites() -> Sites {
    Sites {
        ports: vec![
            PortSite {
                kind: PortKind::Station,
                name: "Central station".into(),
                location: Point {
                    lat: 31.25,
                    lon: 121.45,
                },
            },
            PortSite {
                kind: PortKind::Airport,
                name: "International airport".into(),
                location: Point {
                    lat: 31.14,
                    lon: 121.80,
                },
            },
        ],
        hotels: vec![NamedSite {
            name: "Harbour hotel".into(),
            location: Point {
                lat: 31.23,
                lon: 121.47,
            },
            rooms: Some(120),
        }],
        hospitals: vec![],
        homes: grid(400, 31.20, 121.40),
        main_roads: grid(100, 31.22, 121.44),
    }
}

fn options(travelers: usize, seed: u64) -> ScenarioOptions {
    ScenarioOptions {
        travelers,
        seed,
        date: NaiveDate::from_ymd_opt(2021, 3, 1).unwrap(),
        policy: default_rules("2021-01 14+7", 14, 7, 2.0),
    }
}

#[test]
fn a_generated_day_is_a_valid_day_file_with_the_promised_mix() {
    let day = generate(&sites(), &options(5_000, 7)).unwrap();
    day.validate().unwrap();
    let text = serde_json::to_string(&day).unwrap();
    // Read back as a day file (coordinates may differ in the last bit of a float).
    let back = Day::from_json(&text).unwrap();
    assert_eq!(back.arriving().count(), day.arriving().count());
    assert_eq!(
        (back.hotels.len(), back.stays.len()),
        (day.hotels.len(), day.stays.len())
    );

    let travelers: Vec<_> = day.arriving().map(|(_, t)| t).collect();
    assert_eq!(travelers.len(), 5_000);
    let share = |n: usize| n as f64 / travelers.len() as f64;
    let special = share(travelers.iter().filter(|t| t.is_special()).count());
    assert!((0.05..=0.10).contains(&special), "special needs {special}");
    let sick = share(travelers.iter().filter(|t| t.is_sick()).count());
    assert!(
        (0.01..=0.03).contains(&sick),
        "symptomatic or positive {sick}"
    );
    assert!(
        travelers
            .iter()
            .filter(|t| t.is_sick())
            .all(|t| t.destination == DestinationKind::Hospital)
    );
    let families = share(travelers.iter().filter(|t| t.group.is_some()).count());
    assert!((0.10..=0.35).contains(&families), "in families {families}");
    assert!(
        travelers
            .iter()
            .filter(|t| t.group.is_some())
            .all(|t| t.special_needs.contains(SpecialNeed::FamilyGroup))
    );
    let home = share(
        travelers
            .iter()
            .filter(|t| t.destination == DestinationKind::Home)
            .count(),
    );
    assert!((0.15..=0.30).contains(&home), "home {home}");

    // Banks through the day, at both ports, each arrival from one port.
    assert_eq!(day.ports.len(), 2);
    for p in &day.ports {
        assert!(day.arrivals.iter().any(|a| a.port == p.code), "{}", p.code);
        assert!(
            day.vehicles
                .iter()
                .any(|v| v.base == p.code && v.negative_pressure())
        );
        assert!(
            day.vehicles
                .iter()
                .any(|v| v.base == p.code && v.accessible())
        );
    }
    assert!(day.arrivals.windows(2).all(|w| w[0].at <= w[1].at));
    // The mapped hotel first, the rest sampled; rooms for every guest with a margin.
    assert_eq!(day.hotels[0].name, "Harbour hotel");
    assert_eq!(day.hotels[0].rooms, 120);
    let rooms: u32 = day.hotels.iter().map(|h| h.rooms).sum();
    let to_hotel = travelers
        .iter()
        .filter(|t| t.destination == DestinationKind::Hotel)
        .count();
    assert!(
        rooms as usize >= to_hotel + day.stays.len(),
        "{rooms} rooms"
    );
    assert_eq!(day.hospitals.len(), 1, "one sampled designated hospital");
    // A fifth of the guests already in hotels end their hotel days today.
    let leaving = day.stays.iter().filter(|s| s.release == day.date).count();
    assert_eq!(leaving, day.stays.len().div_ceil(5));
}

#[test]
fn the_same_seed_gives_the_same_day_and_another_seed_another() {
    let a = generate(&sites(), &options(800, 11)).unwrap();
    assert!(a == generate(&sites(), &options(800, 11)).unwrap());
    assert!(a != generate(&sites(), &options(800, 12)).unwrap());
}

#[test]
fn days_of_any_size_are_valid() {
    for n in [1, 2, 50, 500] {
        let day = generate(&sites(), &options(n, n as u64)).unwrap();
        day.validate().unwrap();
        assert_eq!(day.arriving().count(), n);
        assert!(!day.hotels.is_empty() && !day.vehicles.is_empty() && !day.crew.is_empty());
    }
}

#[test]
fn what_a_map_lacks_is_named() {
    let mut s = sites();
    s.ports.clear();
    assert_eq!(generate(&s, &options(10, 1)), Err(ScenarioError::NoPort));
    let mut s = sites();
    s.homes.clear();
    assert_eq!(generate(&s, &options(10, 1)), Err(ScenarioError::NoHomes));
    let mut s = sites();
    s.hotels.clear();
    s.main_roads.clear();
    assert_eq!(
        generate(&s, &options(10, 1)),
        Err(ScenarioError::NoMainRoads)
    );
    assert_eq!(
        generate(&sites(), &options(0, 1)),
        Err(ScenarioError::Size(0))
    );
}
