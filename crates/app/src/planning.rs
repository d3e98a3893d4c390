//! Travelers into planning jobs, and the fleet rules the planner works with: one job per
//! (place, need) group of an arrival, the symptomatic alone in a negative-pressure vehicle,
//! wheelchair users in accessible vans, seats after the policy's distancing factor.
//!
//! Until batch scheduling assigns hotels and geocodes homes, an arrival's hotel travelers go
//! to one hotel place, hospital and symptomatic travelers to the hospital place, and home
//! travelers are counted, not routed.

use crate::context::App;
use crate::error::{AppError, AppResult};
use chrono::NaiveDate;
use closedloop_domain::Lang;
use closedloop_domain::traveler::{DestinationKind, HealthStatus, SpecialNeed};
use closedloop_planner::check::check;
use closedloop_planner::{
    Depot, Job, Matrix, Objective, Problem, Skills, SolveOptions, VehicleType, solve,
};
use closedloop_roads::model::Matrix as RoadMatrix;
use closedloop_store::query::TravelerRecord;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// The places of a planning matrix: the port at 0, then hotels, then the hospital.
#[derive(Debug, Clone, Copy)]
pub struct Places {
    pub hotels: usize,
    pub hospital: usize,
}

/// One arrival's travelers as jobs (to hotel place `hotel`), and how many go home.
pub fn jobs_of(travelers: &[&TravelerRecord], hotel: usize, places: Places) -> (Vec<Job>, usize) {
    let mut groups: BTreeMap<(usize, bool), u32> = BTreeMap::new();
    let mut jobs = Vec::new();
    let mut home = 0;
    let job = |name: String, location: usize, demand: u32, skills: Skills, alone: bool| Job {
        name,
        location,
        demand,
        ready: 0.0,
        // Travelers wait at the port: delivered within the hour.
        due: 3600.0,
        service: 300.0 + 30.0 * f64::from(demand),
        skills,
        cohort: Some(0),
        max_ride: Some(90.0 * 60.0),
        alone,
    };
    for t in travelers {
        let wheelchair = t.special_needs.contains(SpecialNeed::Wheelchair);
        match (t.health, t.destination_kind) {
            (Some(HealthStatus::Symptomatic | HealthStatus::Positive), _) => jobs.push(job(
                format!("traveler {}", t.id),
                places.hospital,
                1,
                Skills::NEGATIVE_PRESSURE,
                true,
            )),
            (_, DestinationKind::Hospital) => {
                *groups.entry((places.hospital, wheelchair)).or_default() += 1
            }
            (_, DestinationKind::Hotel) => *groups.entry((hotel, wheelchair)).or_default() += 1,
            _ => home += 1,
        }
    }
    for ((place, wheelchair), n) in groups {
        let skills = if wheelchair {
            Skills::WHEELCHAIR
        } else {
            Skills::NONE
        };
        jobs.push(job(format!("place {place}"), place, n, skills, false));
    }
    (jobs, home)
}

/// Coaches, wheelchair vans and a negative-pressure ambulance, seats after the distancing
/// factor of the policy in force on `day`. The ambulance costs most per trip, so it carries
/// only those who need it.
pub fn fleet(app: &App, day: NaiveDate, lang: Lang) -> Vec<VehicleType> {
    let seats = |n: u16| {
        app.config
            .policy
            .in_force(day)
            .map_or(u32::from(n), |p| p.usable_seats(n))
    };
    let kinds = [
        (
            lang.pick("coach", "大巴"),
            2,
            seats(45),
            Skills::NONE,
            100.0,
        ),
        (
            lang.pick("van", "商务车"),
            2,
            seats(12),
            Skills::WHEELCHAIR,
            60.0,
        ),
        (
            lang.pick("ambulance", "负压救护车"),
            1,
            4,
            Skills::NEGATIVE_PRESSURE.union(Skills::WHEELCHAIR),
            400.0,
        ),
    ];
    kinds
        .into_iter()
        .map(|(name, count, capacity, skills, fixed_cost)| VehicleType {
            name: name.to_string(),
            count,
            capacity,
            skills,
            shift_start: 0.0,
            shift_end: 12.0 * 3600.0,
            fixed_cost,
            cost_per_distance: 1.0 / 1000.0,
            cost_per_time: 0.0,
            max_trips: 3,
            turnaround: 1800.0,
        })
        .collect()
}

/// One planned trip of an arrival.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedRun {
    pub vehicle_type: String,
    /// From 1 within its type.
    pub vehicle: usize,
    pub departure_min: f64,
    /// (place index, travelers) in calling order.
    pub stops: Vec<(usize, u32)>,
}

/// One arrival's plan, re-checked by the independent checker.
#[derive(Debug, Clone, Serialize)]
pub struct ArrivalPlan {
    pub arrival: String,
    pub day: NaiveDate,
    pub home: usize,
    pub runs: Vec<PlannedRun>,
    pub distance_km: f64,
    pub violations: usize,
}

/// Plans every stored arrival's travelers over `m` (port first, then `places`), each within
/// `per_arrival` of search.
pub fn plan_arrivals(
    app: &App,
    m: &RoadMatrix,
    places: Places,
    per_arrival: Duration,
    lang: Lang,
) -> AppResult<Vec<ArrivalPlan>> {
    let n = m.size;
    if n <= places.hospital || places.hotels == 0 {
        return Err(AppError::invalid(
            "places_incomplete",
            "planning needs the port, the hotels and the hospital among its places",
            "规划需要口岸、酒店和医院的位置",
        ));
    }
    // Unreachable pairs cost a day, so no plan uses them.
    let cell = |i: usize, j: usize| {
        m.get(i, j)
            .map_or((86_400.0, 1e7), |l| (l.time_s, l.length_m))
    };
    let time: Vec<f64> = (0..n * n).map(|k| cell(k / n, k % n).0).collect();
    let distance: Vec<f64> = (0..n * n).map(|k| cell(k / n, k % n).1).collect();
    let matrix = Matrix::new(n, time, distance).map_err(planning_error)?;
    let travelers = app.store()?.travelers(None)?;
    let mut arrivals: BTreeMap<(NaiveDate, String), Vec<&TravelerRecord>> = BTreeMap::new();
    for t in &travelers {
        arrivals
            .entry((t.service_date, t.transport_no.clone()))
            .or_default()
            .push(t);
    }
    let mut plans = Vec::new();
    for (k, ((day, arrival), group)) in arrivals.iter().enumerate() {
        let (jobs, home) = jobs_of(group, 1 + k % places.hotels, places);
        let mut plan = ArrivalPlan {
            arrival: arrival.clone(),
            day: *day,
            home,
            runs: Vec::new(),
            distance_km: 0.0,
            violations: 0,
        };
        if jobs.is_empty() {
            plans.push(plan);
            continue;
        }
        let p = Problem {
            name: format!("{arrival} {day}"),
            matrix: matrix.clone(),
            depot: Depot {
                location: 0,
                ready: 0.0,
                due: 12.0 * 3600.0,
            },
            jobs,
            fleet: fleet(app, *day, lang),
            objective: Objective::Cost,
        };
        p.validate().map_err(planning_error)?;
        let out = solve(
            &p,
            &SolveOptions {
                seed: 1,
                time_limit: Some(per_arrival),
                ..SolveOptions::default()
            },
        );
        let report = check(&p, &out.solution);
        plan.violations = report.violations.len();
        plan.distance_km = report.distance / 1000.0;
        plan.runs = out
            .solution
            .trips
            .iter()
            .map(|trip| PlannedRun {
                vehicle_type: p.fleet[trip.vehicle_type].name.clone(),
                vehicle: trip.vehicle + 1,
                departure_min: trip.departure / 60.0,
                stops: trip
                    .jobs
                    .iter()
                    .map(|&j| (p.jobs[j].location, p.jobs[j].demand))
                    .collect(),
            })
            .collect();
        plans.push(plan);
    }
    Ok(plans)
}

fn planning_error(e: impl std::fmt::Display) -> AppError {
    AppError::invalid(
        "planning_problem_invalid",
        e.to_string(),
        format!("规划问题有误：{e}"),
    )
}
