//! The feasibility checker against hand-made plans: each kind of violation on its own, a
//! feasible plan, multi-trip chaining, and the literature's C101 solution.

use closedloop_planner::check::{JobRef, TripRef, VehicleRef, Violation, check};
use closedloop_planner::formats::{sol, solomon};
use closedloop_planner::{
    Depot, Job, Matrix, Objective, Problem, Skills, Solution, Trip, VehicleType,
};
use std::path::Path;

fn job(name: &str, location: usize, demand: u32, ready: f64, due: f64, service: f64) -> Job {
    Job {
        name: name.into(),
        location,
        demand,
        ready,
        due,
        service,
        skills: Skills::NONE,
        cohort: None,
        max_ride: None,
        alone: false,
    }
}

fn vehicle_type(
    name: &str,
    count: usize,
    capacity: u32,
    skills: Skills,
    trips: usize,
) -> VehicleType {
    VehicleType {
        name: name.into(),
        count,
        capacity,
        skills,
        shift_start: 0.0,
        shift_end: 500.0,
        fixed_cost: 0.0,
        cost_per_distance: 1.0,
        cost_per_time: 0.0,
        max_trips: trips,
        turnaround: 15.0,
    }
}

/// Depot at the origin; A and B east of it (10 and 20 away), C and D north (20 and 30).
fn problem() -> Problem {
    let points = [
        (0.0, 0.0),
        (10.0, 0.0),
        (20.0, 0.0),
        (0.0, 20.0),
        (0.0, 30.0),
    ];
    let p = Problem {
        name: "hand".into(),
        matrix: Matrix::euclidean(&points),
        depot: Depot {
            location: 0,
            ready: 0.0,
            due: 1000.0,
        },
        jobs: vec![
            job("A", 1, 2, 0.0, 100.0, 5.0),
            job("B", 2, 3, 0.0, 100.0, 5.0),
            job("C", 3, 1, 40.0, 60.0, 0.0),
            job("D", 4, 2, 0.0, 200.0, 0.0),
        ],
        fleet: vec![
            vehicle_type("van", 2, 6, Skills::NONE, 2),
            vehicle_type("ambulance", 1, 4, Skills::WHEELCHAIR, 1),
        ],
        objective: Objective::VehiclesThenCost,
    };
    p.validate().unwrap();
    p
}

fn trip(vehicle_type: usize, vehicle: usize, departure: f64, jobs: &[usize]) -> Trip {
    Trip {
        vehicle_type,
        vehicle,
        departure,
        jobs: jobs.to_vec(),
    }
}

/// Van 1 serves A then B and is back at 50; van 2 waits at C until 40, then D, back at 80.
fn plan() -> Solution {
    Solution {
        trips: vec![trip(0, 0, 0.0, &[0, 1]), trip(0, 1, 0.0, &[2, 3])],
    }
}

fn at(p: &Problem, s: &Solution, index: usize) -> TripRef {
    let t = &s.trips[index];
    TripRef {
        index,
        vehicle: VehicleRef {
            vehicle_type: t.vehicle_type,
            type_name: p.fleet.get(t.vehicle_type).map(|k| k.name.clone()),
            vehicle: t.vehicle,
        },
    }
}

fn named(p: &Problem, j: usize) -> JobRef {
    JobRef {
        index: j,
        name: p.jobs[j].name.clone(),
    }
}

fn only(p: &Problem, s: &Solution) -> Violation {
    let r = check(p, s);
    assert_eq!(r.violations.len(), 1, "{:#?}", r.violations);
    r.violations[0].clone()
}

#[test]
fn a_feasible_plan_passes_with_its_measures() {
    let (p, s) = (problem(), plan());
    let r = check(&p, &s);
    assert!(r.is_feasible(), "{:#?}", r.violations);
    assert_eq!((r.vehicles, r.trips), (2, 2));
    assert_eq!(r.distance, 100.0);
    assert_eq!(r.duration, 50.0 + 80.0);
}

#[test]
fn unknown_job() {
    let p = problem();
    let mut s = plan();
    s.trips[1].jobs = vec![2, 99, 3];
    let expected = Violation::UnknownJob {
        trip: at(&p, &s, 1),
        job: 99,
        jobs: 4,
    };
    assert_eq!(only(&p, &s), expected);
}

#[test]
fn missing_job() {
    let p = problem();
    let mut s = plan();
    s.trips[1].jobs = vec![2];
    assert_eq!(only(&p, &s), Violation::Missing(named(&p, 3)));
}

#[test]
fn duplicate_job() {
    let p = problem();
    let mut s = plan();
    s.trips[1].jobs = vec![2, 3, 0];
    let expected = Violation::Duplicate {
        job: named(&p, 0),
        trips: vec![0, 1],
    };
    assert_eq!(only(&p, &s), expected);
}

#[test]
fn unknown_vehicle_number_and_type() {
    let p = problem();
    let mut s = plan();
    s.trips[1].vehicle = 2;
    let expected = Violation::UnknownVehicle {
        trip: at(&p, &s, 1),
        count: 2,
    };
    assert_eq!(only(&p, &s), expected);
    s.trips[1].vehicle_type = 7;
    s.trips[1].vehicle = 0;
    let v = only(&p, &s);
    assert_eq!(
        v,
        Violation::UnknownVehicle {
            trip: at(&p, &s, 1),
            count: 0
        }
    );
    assert_eq!(
        v.to_string(),
        "trip 2 (vehicle type 7 (not in the fleet) #1): no such vehicle \
         (the fleet has 0 of this type)"
    );
}

#[test]
fn too_many_trips() {
    let p = problem();
    // The ambulance takes A (back at 25), then after its turnaround B; it may make one trip.
    let s = Solution {
        trips: vec![
            trip(1, 0, 0.0, &[0]),
            trip(1, 0, 40.0, &[1]),
            trip(0, 0, 0.0, &[2, 3]),
        ],
    };
    let expected = Violation::TooManyTrips {
        vehicle: at(&p, &s, 0).vehicle,
        trips: 2,
        max: 1,
    };
    assert_eq!(only(&p, &s), expected);
}

#[test]
fn capacity() {
    let p = problem();
    let s = Solution {
        trips: vec![trip(0, 0, 0.0, &[0, 1, 3]), trip(0, 1, 0.0, &[2])],
    };
    let expected = Violation::Capacity {
        trip: at(&p, &s, 0),
        load: 7,
        capacity: 6,
    };
    assert_eq!(only(&p, &s), expected);
}

#[test]
fn time_window() {
    let p = problem();
    let mut s = plan();
    s.trips[1].departure = 45.0;
    let v = only(&p, &s);
    let expected = Violation::Window {
        trip: at(&p, &s, 1),
        job: named(&p, 2),
        start: 65.0,
        due: 60.0,
    };
    assert_eq!(v, expected);
    assert_eq!(
        v.to_string(),
        "trip 2 (vehicle type van #2): job C starts service at 65.0, after its window closes \
         at 60.0"
    );
}

#[test]
fn early_departure_before_the_shift() {
    let mut p = problem();
    p.fleet[0].shift_start = 5.0;
    let mut s = plan();
    s.trips[1].departure = 5.0;
    let expected = Violation::EarlyDeparture {
        trip: at(&p, &s, 0),
        departure: 0.0,
        earliest: 5.0,
    };
    assert_eq!(only(&p, &s), expected);
}

#[test]
fn late_return() {
    let mut p = problem();
    p.fleet[0].shift_end = 60.0;
    let expected = Violation::LateReturn {
        trip: at(&p, &plan(), 1),
        back: 80.0,
        limit: 60.0,
    };
    assert_eq!(only(&p, &plan()), expected);
    // The depot's closing bounds the trip as well as the shift.
    let mut p = problem();
    p.depot.due = 70.0;
    assert!(matches!(only(&p, &plan()), Violation::LateReturn { limit, .. } if limit == 70.0));
}

#[test]
fn ride_time() {
    let mut p = problem();
    p.jobs[3].max_ride = Some(40.0);
    let expected = Violation::RideTime {
        trip: at(&p, &plan(), 1),
        job: named(&p, 3),
        ride: 50.0,
        limit: 40.0,
    };
    assert_eq!(only(&p, &plan()), expected);
}

#[test]
fn skills() {
    let mut p = problem();
    p.jobs[2].skills = Skills::WHEELCHAIR;
    let v = only(&p, &plan());
    let expected = Violation::Skills {
        trip: at(&p, &plan(), 1),
        job: named(&p, 2),
        needed: Skills::WHEELCHAIR,
        offered: Skills::NONE,
    };
    assert_eq!(v, expected);
    assert!(
        v.to_string().contains("job C needs wheelchair access"),
        "{v}"
    );
    // On the ambulance it is fine.
    let s = Solution {
        trips: vec![trip(0, 0, 0.0, &[0, 1]), trip(1, 0, 0.0, &[2, 3])],
    };
    assert!(check(&p, &s).is_feasible());
}

#[test]
fn incompatible_cohorts() {
    let mut p = problem();
    p.jobs[0].cohort = Some(1);
    p.jobs[1].cohort = Some(2);
    p.jobs[2].cohort = Some(2);
    let expected = Violation::Incompatible {
        trip: at(&p, &plan(), 0),
        a: named(&p, 0),
        b: named(&p, 1),
    };
    assert_eq!(only(&p, &plan()), expected);
}

#[test]
fn a_job_that_rides_alone() {
    let mut p = problem();
    p.jobs[3].alone = true;
    let expected = Violation::Incompatible {
        trip: at(&p, &plan(), 1),
        a: named(&p, 2),
        b: named(&p, 3),
    };
    assert_eq!(only(&p, &plan()), expected);
}

#[test]
fn every_violation_is_reported() {
    let mut p = problem();
    p.fleet[0].capacity = 4;
    p.jobs[2].skills = Skills::WHEELCHAIR;
    let mut s = plan();
    s.trips[1].departure = 45.0;
    s.trips[1].jobs.push(7);
    let kinds: Vec<&str> = check(&p, &s)
        .violations
        .iter()
        .map(|v| match v {
            Violation::Capacity { .. } => "capacity",
            Violation::Window { .. } => "window",
            Violation::Skills { .. } => "skills",
            Violation::UnknownJob { .. } => "unknown job",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        ["capacity", "unknown job", "window", "skills"],
        "trip by trip, then per vehicle, then per job"
    );
}

#[test]
fn multi_trip_chains_each_vehicle_with_turnaround() {
    let mut p = problem();
    p.fleet[0].max_trips = 3;
    // Van 1: A (back 25), B from 40 (back 85), D from 100 = 85 + turnaround. Van 2's trip and
    // an empty trip in between must not break the chain.
    let mut s = Solution {
        trips: vec![
            trip(0, 0, 0.0, &[0]),
            trip(0, 1, 0.0, &[2]),
            trip(0, 0, 40.0, &[1]),
            trip(0, 0, 0.0, &[]),
            trip(0, 0, 100.0, &[3]),
        ],
    };
    let r = check(&p, &s);
    assert!(r.is_feasible(), "{:#?}", r.violations);
    assert_eq!((r.vehicles, r.trips), (2, 4));
    s.trips[4].departure = 99.0;
    let expected = Violation::EarlyDeparture {
        trip: at(&p, &s, 4),
        departure: 99.0,
        earliest: 100.0,
    };
    assert_eq!(only(&p, &s), expected);
    s.trips[4].departure = 100.0;
    p.fleet[0].max_trips = 2;
    assert!(matches!(
        only(&p, &s),
        Violation::TooManyTrips {
            trips: 3,
            max: 2,
            ..
        }
    ));
}

#[test]
fn the_literature_c101_solution() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/vrptw/solomon");
    let p = solomon::read(&data.join("C101.txt")).unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/C101.sol");
    let read = sol::read(&fixture, &p).unwrap();
    let r = check(&p, &read.solution);
    assert!(r.is_feasible(), "{:#?}", r.violations);
    assert_eq!(r.vehicles, 10);
    assert!((r.distance - 828.937).abs() < 1e-3, "{}", r.distance);
    assert_eq!(read.cost, Some(828.94));

    let text = sol::write(&p, &read.solution, Some(r.distance)).unwrap();
    assert_eq!(text, std::fs::read_to_string(&fixture).unwrap());

    // Reversed routes break windows and come back late, every one of them reported.
    let mut reversed = read.solution.clone();
    for t in &mut reversed.trips {
        t.jobs.reverse();
    }
    let r = check(&p, &reversed);
    let windows = r
        .violations
        .iter()
        .filter(|v| matches!(v, Violation::Window { .. }));
    assert!(windows.count() > 10);
    let late_or_window =
        |v: &Violation| matches!(v, Violation::Window { .. } | Violation::LateReturn { .. });
    assert!(r.violations.iter().all(late_or_window));
}
