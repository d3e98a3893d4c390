//! Best fit for one more traveler: at most three options, cheapest first, each one the rules
//! allow; the sick only in a negative-pressure vehicle of their own.

use chrono::{Duration, NaiveDate};
use closedloop_domain::traveler::{DestinationKind, HealthStatus, SpecialNeeds};
use closedloop_scheduling::day::{PlanOptions, plan_day};
use closedloop_scheduling::fit::best_fit;
use closedloop_scheduling::ids::TravelerCode;
use closedloop_scheduling::plan::Place;
use closedloop_scheduling::problem::{Day, Point, Traveler};
use closedloop_scheduling::scenario::{
    NamedSite, PortKind, PortSite, ScenarioOptions, Sites, default_rules, generate,
};
use closedloop_scheduling::travel::StraightLines;

fn day() -> Day {
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
            rooms: Some(200),
        }],
        hospitals: vec![],
        homes: grid(50, 31.20, 121.40),
        main_roads: grid(30, 31.22, 121.44),
    };
    let options = ScenarioOptions {
        travelers: 120,
        seed: 5,
        date: NaiveDate::from_ymd_opt(2021, 3, 1).unwrap(),
        policy: default_rules("2021-01 14+7", 14, 7, 2.0),
    };
    generate(&sites, &options).unwrap()
}

fn newcomer(code: &str, health: HealthStatus) -> Traveler {
    Traveler {
        code: TravelerCode::new(code),
        health,
        special_needs: SpecialNeeds::default(),
        destination: if health == HealthStatus::Normal {
            DestinationKind::Hotel
        } else {
            DestinationKind::Hospital
        },
        home: None,
        language: None,
        group: None,
    }
}

#[test]
fn three_options_at_most_cheapest_first_each_allowed() {
    let d = day();
    let travel = StraightLines::default();
    let options = PlanOptions {
        seed: 1,
        time_limit: None,
        iterations: Some(100),
    };
    let plan = plan_day(&d, &travel, &options).unwrap();
    let arrival = &d.arrivals[0];
    let fit = best_fit(
        &d,
        &plan,
        &arrival.code,
        &newcomer("LATE-1", HealthStatus::Normal),
        &travel,
    )
    .unwrap();
    assert!(matches!(fit.place, Some(Place::Hotel { .. })), "{fit:?}");
    assert!(!fit.options.is_empty() && fit.options.len() <= 3, "{fit:?}");
    assert!(
        fit.options
            .windows(2)
            .all(|w| w[0].extra_minutes <= w[1].extra_minutes)
    );
    let ready = d.ready_at(arrival).unwrap();
    for o in &fit.options {
        assert!(o.eta >= ready, "{o:?}");
        if let Some(code) = &o.batch {
            let b = plan.batches.iter().find(|b| &b.code == code).unwrap();
            assert_eq!(b.arrival.as_ref(), Some(&arrival.code));
            assert!(o.eta - b.depart <= Duration::minutes(i64::from(d.policy.max_ride)));
        }
        if o.how == "join_stop" {
            assert_eq!(o.extra_minutes, 0.0);
        }
    }

    let sick = best_fit(
        &d,
        &plan,
        &arrival.code,
        &newcomer("LATE-2", HealthStatus::Symptomatic),
        &travel,
    )
    .unwrap();
    assert!(
        matches!(sick.place, Some(Place::Hospital { .. })),
        "{sick:?}"
    );
    for o in &sick.options {
        assert_eq!(o.how, "new_batch");
        let v = d.vehicles.iter().find(|v| v.code == o.vehicle).unwrap();
        assert!(v.negative_pressure(), "{}", v.code);
    }
    assert!(
        best_fit(
            &d,
            &plan,
            &"NO-SUCH".into(),
            &newcomer("LATE-3", HealthStatus::Normal),
            &travel
        )
        .is_none()
    );
}

#[test]
fn a_traveler_with_no_room_gets_the_reason() {
    let mut d = day();
    for h in &mut d.hotels {
        h.open = false;
    }
    let travel = StraightLines::default();
    let plan = plan_day(
        &d,
        &travel,
        &PlanOptions {
            seed: 1,
            time_limit: None,
            iterations: Some(50),
        },
    )
    .unwrap();
    let fit = best_fit(
        &d,
        &plan,
        &d.arrivals[0].code,
        &newcomer("LATE-1", HealthStatus::Normal),
        &travel,
    )
    .unwrap();
    assert!(fit.place.is_none() && fit.options.is_empty());
    assert_eq!(fit.reason.map(|r| r.code()), Some("no_capacity"));
}
