//! `plan diff`: every change between two plans of a day is named once, and a plan against
//! itself shows none.

use chrono::{Duration, NaiveDate};
use closedloop_scheduling::day::{PlanOptions, plan_day};
use closedloop_scheduling::diff::{BatchChanged, Moved, diff};
use closedloop_scheduling::ids::{HotelCode, VehicleCode};
use closedloop_scheduling::plan::{Place, Reason, Unplaced};
use closedloop_scheduling::problem::Point;
use closedloop_scheduling::scenario::{
    NamedSite, PortKind, PortSite, ScenarioOptions, Sites, default_rules, generate,
};
use closedloop_scheduling::travel::StraightLines;

fn plan() -> closedloop_scheduling::Plan {
    let grid = |n: usize, lat: f64, lon: f64| -> Vec<Point> {
        (0..n)
            .map(|i| Point {
                lat: lat + (i / 10) as f64 * 0.004,
                lon: lon + (i % 10) as f64 * 0.004,
            })
            .collect()
    };
    let sites = Sites {
        ports: vec![PortSite {
            kind: PortKind::Station,
            name: "Station".into(),
            location: Point {
                lat: 31.25,
                lon: 121.45,
            },
        }],
        hotels: vec![NamedSite {
            name: "Hotel".into(),
            location: Point {
                lat: 31.23,
                lon: 121.47,
            },
            rooms: Some(60),
        }],
        hospitals: vec![],
        homes: grid(50, 31.20, 121.40),
        main_roads: grid(30, 31.22, 121.44),
    };
    let day = generate(
        &sites,
        &ScenarioOptions {
            travelers: 60,
            seed: 4,
            date: NaiveDate::from_ymd_opt(2021, 3, 1).unwrap(),
            policy: default_rules("2021-01 14+7", 14, 7, 2.0),
        },
    )
    .unwrap();
    let options = PlanOptions {
        seed: 1,
        time_limit: None,
        iterations: Some(100),
    };
    plan_day(&day, &StraightLines::default(), &options).unwrap()
}

#[test]
fn a_plan_against_itself_has_no_change() {
    let p = plan();
    assert!(!p.batches.is_empty());
    let d = diff(&p, &p);
    assert!(d.is_empty(), "{d:?}");
}

#[test]
fn every_change_is_named_once() {
    let a = plan();
    let mut b = a.clone();
    b.version = 2;
    // A hotel traveler moves to another hotel; one batch gets another vehicle and departs
    // 20 minutes later; the last batch is cancelled and its travelers unplaced.
    let moved = b
        .assignments
        .iter_mut()
        .find(|x| matches!(x.place, Place::Hotel { .. }))
        .expect("someone goes to a hotel");
    moved.place = Place::Hotel {
        code: HotelCode::new("H999"),
    };
    let moved = moved.traveler.clone();
    b.batches[0].vehicle = VehicleCode::new("SPARE-1");
    b.batches[0].depart += Duration::minutes(20);
    let cancelled = b.batches.pop().unwrap();
    let riders: Vec<_> = cancelled.travelers().cloned().collect();
    b.assignments.retain(|x| !riders.contains(&x.traveler));
    for t in &riders {
        b.unplaced.push(Unplaced {
            traveler: t.clone(),
            arrival: None,
            reason: Reason::NoVehicle,
        });
    }

    let d = diff(&a, &b);
    assert_eq!((d.from_version, d.to_version), (a.version, 2));
    let of = |t: &closedloop_scheduling::ids::TravelerCode| {
        d.travelers
            .iter()
            .filter(|c| &c.traveler == t)
            .collect::<Vec<_>>()
    };
    if !riders.contains(&moved) {
        let c = of(&moved);
        assert_eq!(c.len(), 1, "{c:?}");
        assert!(
            matches!(&c[0].change, Moved::Destination { to: Place::Hotel { code }, .. } if code.as_str() == "H999")
        );
        assert!(c[0].en().contains("hotel H999") && c[0].zh().contains("酒店 H999"));
    }
    for t in &riders {
        let c = of(t);
        assert_eq!(c.len(), 1, "{t}: {c:?}");
        assert!(matches!(
            &c[0].change,
            Moved::Unplaced {
                reason: Reason::NoVehicle,
                ..
            }
        ));
    }
    let first = &b.batches[0].code;
    let changes: Vec<_> = d.batches.iter().filter(|c| &c.batch == first).collect();
    assert!(changes.iter().any(
        |c| matches!(&c.change, BatchChanged::Vehicle { to, .. } if to.as_str() == "SPARE-1")
    ));
    assert!(
        changes
            .iter()
            .any(|c| matches!(c.change, BatchChanged::Departure { .. }))
    );
    assert!(
        d.batches
            .iter()
            .any(|c| c.batch == cancelled.code && matches!(c.change, BatchChanged::Removed { .. }))
    );
    // Nothing else changed.
    let expected = riders.len() + usize::from(!riders.contains(&moved));
    assert_eq!(d.travelers.len(), expected, "{:?}", d.travelers);
    assert_eq!(d.batches.len(), 3, "{:?}", d.batches);
}
