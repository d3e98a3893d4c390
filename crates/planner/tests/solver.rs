//! The solver end to end: random rich problems (windows, cohorts, skills, riders alone, ride
//! limits, multi-trip fleets) always come back as plans that the solver's own verification and
//! the independent checker accept; a seed and an iteration count fix the plan; cancelling
//! returns at once; a 300-traveler arrival day plans without a violation; Solomon instances
//! (shipped in `data/vrptw/`) come out near their best-known distances.

use closedloop_planner::check::{Violation, check};
use closedloop_planner::generate::ArrivalDay;
use closedloop_planner::{
    Depot, Job, Matrix, Objective, Outcome, Problem, Skills, SolveOptions, VehicleType, solve,
    verify,
};
use proptest::prelude::*;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A tiny deterministic generator for building problems from one proptest seed.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        closedloop_domain::hash::splitmix64(&mut self.0)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

fn vehicle(name: &str, count: usize, capacity: u32, skills: Skills) -> VehicleType {
    VehicleType {
        name: name.into(),
        count,
        capacity,
        skills,
        shift_start: 0.0,
        shift_end: f64::INFINITY,
        fixed_cost: 0.0,
        cost_per_distance: 1.0,
        cost_per_time: 0.0,
        max_trips: 1,
        turnaround: 0.0,
    }
}

/// A random rich problem with `n` jobs on a 100 × 100 plane (time = distance).
fn random_problem(seed: u64, n: usize) -> Problem {
    let mut g = Gen(seed);
    let points: Vec<(f64, f64)> = (0..=n)
        .map(|_| (g.unit() * 100.0, g.unit() * 100.0))
        .collect();
    let horizon = 400.0 + g.unit() * 600.0;
    let mut fleet = vec![vehicle(
        "car",
        1 + g.below(4) as usize,
        5 + g.below(20) as u32,
        Skills::NONE,
    )];
    if g.chance(0.6) {
        fleet.push(vehicle(
            "van",
            1 + g.below(3) as usize,
            4 + g.below(10) as u32,
            Skills::WHEELCHAIR,
        ));
    }
    if g.chance(0.5) {
        fleet.push(vehicle(
            "ambulance",
            1 + g.below(2) as usize,
            2 + g.below(3) as u32,
            Skills::NEGATIVE_PRESSURE.union(Skills::WHEELCHAIR),
        ));
    }
    for t in &mut fleet {
        t.max_trips = 1 + g.below(3) as usize;
        t.turnaround = if t.max_trips > 1 {
            g.unit() * 30.0
        } else {
            0.0
        };
        t.shift_start = if g.chance(0.3) { g.unit() * 100.0 } else { 0.0 };
        t.shift_end = if g.chance(0.3) {
            horizon - g.unit() * 100.0
        } else {
            f64::INFINITY
        };
        t.fixed_cost = if g.chance(0.5) { g.unit() * 50.0 } else { 0.0 };
        t.cost_per_time = if g.chance(0.3) { g.unit() } else { 0.0 };
    }
    let jobs = (1..=n)
        .map(|i| {
            let direct =
                ((points[i].0 - points[0].0).powi(2) + (points[i].1 - points[0].1).powi(2)).sqrt();
            let wide = g.chance(0.4);
            let ready = if wide {
                0.0
            } else {
                direct + g.unit() * (horizon - 2.0 * direct).max(0.0)
            };
            let due = if wide {
                horizon
            } else {
                ready + 20.0 + g.unit() * 150.0
            };
            Job {
                name: format!("j{i}"),
                location: i,
                demand: 1 + g.below(4) as u32,
                ready,
                due,
                service: g.unit() * 10.0,
                skills: match g.below(10) {
                    0 => Skills::WHEELCHAIR,
                    1 => Skills::NEGATIVE_PRESSURE,
                    _ => Skills::NONE,
                },
                cohort: if g.chance(0.5) {
                    Some(g.below(3) as u32)
                } else {
                    None
                },
                max_ride: if g.chance(0.3) {
                    Some(direct + g.unit() * 100.0)
                } else {
                    None
                },
                alone: g.chance(0.08),
            }
        })
        .collect();
    let p = Problem {
        name: format!("random-{seed}"),
        matrix: Matrix::euclidean(&points),
        depot: Depot {
            location: 0,
            ready: 0.0,
            due: horizon,
        },
        jobs,
        fleet,
        objective: if g.chance(0.5) {
            Objective::Cost
        } else {
            Objective::VehiclesThenCost
        },
    };
    p.validate().expect("generated problem is valid");
    p
}

/// Both readings of the rules accept the outcome; jobs the checker misses are exactly the
/// unassigned ones.
fn assert_sound(p: &Problem, out: &Outcome) {
    if let Err(e) = verify(p, out) {
        panic!("{}: own verification: {e}\n{:#?}", p.name, out.solution);
    }
    let report = check(p, &out.solution);
    for v in &report.violations {
        match v {
            Violation::Missing(job) if out.unassigned.contains(&job.index) => {}
            other => panic!("{}: checker: {other:?}\n{:#?}", p.name, out.solution),
        }
    }
}

fn options(seed: u64, iterations: u64, threads: usize) -> SolveOptions {
    SolveOptions {
        seed,
        time_limit: None,
        iterations: Some(iterations),
        threads,
        cancel: None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_rich_problems_give_sound_plans(seed in any::<u64>(), n in 5usize..=25, threads in 1usize..=2) {
        let p = random_problem(seed, n);
        let out = solve(&p, &options(seed ^ 0xABCD, 80, threads));
        assert_sound(&p, &out);
    }
}

#[test]
fn same_seed_and_iterations_same_plan() {
    for (seed, threads) in [(3, 1), (4, 2)] {
        let p = random_problem(seed, 25);
        let a = solve(&p, &options(seed, 120, threads));
        let b = solve(&p, &options(seed, 120, threads));
        assert_eq!(a.solution, b.solution, "seed {seed}, {threads} threads");
        assert_eq!(a.iterations, b.iterations);
    }
}

#[test]
fn cancel_returns_promptly_with_a_sound_plan() {
    let p = random_problem(11, 200);
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    let setter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        flag.store(true, Ordering::Relaxed);
    });
    let started = Instant::now();
    let out = solve(
        &p,
        &SolveOptions {
            seed: 1,
            time_limit: None,
            iterations: None,
            threads: 2,
            cancel: Some(cancel),
        },
    );
    setter.join().unwrap();
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(3), "took {waited:?} to stop");
    verify(&p, &out).unwrap();
}

#[test]
fn time_limit_is_honoured() {
    let p = random_problem(5, 150);
    let started = Instant::now();
    let out = solve(
        &p,
        &SolveOptions {
            time_limit: Some(Duration::from_millis(500)),
            iterations: None,
            ..options(2, 0, 2)
        },
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    verify(&p, &out).unwrap();
}

#[test]
fn jobs_no_vehicle_can_take_are_unassigned() {
    let mut p = random_problem(7, 10);
    p.fleet.truncate(1);
    p.fleet[0].skills = Skills::NONE;
    p.jobs[0].skills = Skills::WHEELCHAIR;
    p.jobs[1].demand = p.fleet[0].capacity + 1;
    p.jobs[2].ready = 1e9;
    p.jobs[2].due = 1e9;
    let out = solve(&p, &options(1, 30, 1));
    for j in [0, 1, 2] {
        assert!(out.unassigned.contains(&j), "job {j}: {:?}", out.unassigned);
    }
    assert_sound(&p, &out);
}

#[test]
fn arrival_day_of_300_travelers_plans_without_violation() {
    let p = ArrivalDay::default().problem(2026).unwrap();
    let out = solve(&p, &options(1, 60, 2));
    assert_sound(&p, &out);
    if std::env::var("ARRIVAL_SUMMARY").is_ok() {
        let r = check(&p, &out.solution);
        eprintln!(
            "{} jobs: {} vehicles, {} trips, {:.1} km, {:.1} h on the road, {} iterations in {:.2} s",
            p.jobs.len(),
            r.vehicles,
            r.trips,
            r.distance / 1000.0,
            r.duration / 3600.0,
            out.iterations,
            out.seconds
        );
        for t in &out.solution.trips {
            eprintln!(
                "  {} #{} at {:.0} min: {:?}",
                p.fleet[t.vehicle_type].name,
                t.vehicle,
                t.departure / 60.0,
                t.jobs.iter().map(|&j| p.jobs[j].demand).collect::<Vec<_>>()
            );
        }
    }
    assert!(
        out.unassigned.is_empty(),
        "unassigned: {:?}",
        out.unassigned
    );
    let seats: u32 = p.jobs.iter().map(|j| j.demand).sum();
    assert_eq!(seats, 300);
    let first = out
        .first_feasible
        .expect("a plan within every rule was found");
    assert!(first <= out.seconds, "{first} > {}", out.seconds);
}

#[test]
fn solomon_instances_come_close_to_best_known() {
    use closedloop_planner::formats::{bks, solomon};
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/vrptw/solomon");
    let best = bks::read(&dir.join("bks.csv")).unwrap();
    for name in ["C101", "R201"] {
        let p = solomon::read(&dir.join(format!("{name}.txt"))).unwrap();
        let out = solve(&p, &options(1, 150, 2));
        assert_sound(&p, &out);
        let gap = out.solution.distance(&p) / best[name].distance - 1.0;
        assert!(
            gap < 0.03,
            "{name}: {:.2}% above the best known",
            gap * 100.0
        );
    }
}
