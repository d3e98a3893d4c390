//! The demo's day of routes: each imported arrival's travelers planned onto a small fleet over
//! the road matrix of the demo city, every plan re-checked by the independent checker.
//!
//! The demo's road extract holds one port, so every arrival is collected there; each arrival's
//! hotel travelers go to one sample hotel (hotel assignment proper belongs to batch
//! scheduling), hospital and symptomatic travelers to the sample hospital, symptomatic ones
//! alone in a negative-pressure ambulance. Home addresses are not geocoded in the demo, so home
//! travelers are counted, not routed.

use super::Ctx;
use crate::output::table;
use anyhow::{Context, Result};
use closedloop_planner::check::check;
use closedloop_planner::{
    Depot, Job, Matrix, Objective, Problem, Skills, SolveOptions, VehicleType, solve,
};
use closedloop_roads::model::Matrix as RoadMatrix;
use closedloop_store::Store;
use closedloop_store::query::TravelerRecord;
use std::collections::BTreeMap;
use std::time::Duration;

/// Index of the hospital among the demo places (after the port and three hotels).
const HOSPITAL: usize = 4;
const HOTELS: usize = 3;

/// Travelers of one arrival as planning jobs: one per (place, need) group, alone for the
/// symptomatic. Returns the jobs and how many travelers go home (not routed).
fn jobs_of(travelers: &[&TravelerRecord], hotel: usize) -> (Vec<Job>, usize) {
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
        let wheelchair = t.special_needs.split(',').any(|n| n == "wheelchair");
        match (t.health.as_str(), t.destination_kind.as_str()) {
            ("symptomatic" | "positive", _) => jobs.push(job(
                format!("traveler {}", t.id),
                HOSPITAL,
                1,
                Skills::NEGATIVE_PRESSURE,
                true,
            )),
            (_, "hospital") => *groups.entry((HOSPITAL, wheelchair)).or_default() += 1,
            (_, "hotel") => *groups.entry((hotel, wheelchair)).or_default() += 1,
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

fn fleet(ctx: &Ctx, day: chrono::NaiveDate) -> Vec<VehicleType> {
    let seats = |n: u16| {
        ctx.config
            .policy
            .in_force(day)
            .map_or(u32::from(n), |p| p.usable_seats(n))
    };
    // The ambulance costs most per trip, so it carries only those who need it.
    let kinds = [
        (ctx.t("coach", "大巴"), 2, seats(45), Skills::NONE, 100.0),
        (
            ctx.t("van", "商务车"),
            2,
            seats(12),
            Skills::WHEELCHAIR,
            60.0,
        ),
        (
            ctx.t("ambulance", "负压救护车"),
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

/// Plans and prints each arrival's routes over `m` (port first, then `names`' places).
pub fn print(ctx: &Ctx, store: &Store, m: &RoadMatrix, names: &[String]) -> Result<()> {
    let n = m.size;
    anyhow::ensure!(
        n > HOSPITAL,
        "the demo needs the port, three hotels and a hospital in its places file"
    );
    // Unreachable pairs (none on the shipped extract) cost a day, so no plan uses them.
    let cell = |i: usize, j: usize| {
        m.get(i, j)
            .map_or((86_400.0, 1e7), |l| (l.time_s, l.length_m))
    };
    let time: Vec<f64> = (0..n * n).map(|k| cell(k / n, k % n).0).collect();
    let distance: Vec<f64> = (0..n * n).map(|k| cell(k / n, k % n).1).collect();
    let matrix = Matrix::new(n, time, distance).context("demo matrix")?;
    let travelers = store.travelers(None)?;
    let mut arrivals: BTreeMap<(chrono::NaiveDate, String), Vec<&TravelerRecord>> = BTreeMap::new();
    for t in &travelers {
        arrivals
            .entry((t.service_date, t.transport_no.clone()))
            .or_default()
            .push(t);
    }
    println!(
        "\n$ {}",
        ctx.t(
            "plan each arrival's routes (travelers collected at the demo port)",
            "规划各航班/车次的转运路线（旅客在示例口岸集中）"
        )
    );
    let mut rows = Vec::new();
    for (k, ((day, arrival), group)) in arrivals.iter().enumerate() {
        let (jobs, home) = jobs_of(group, 1 + k % HOTELS);
        let label = format!("{arrival} {day}");
        if jobs.is_empty() {
            rows.push(vec![label, "-".into(), home.to_string(), String::new()]);
            continue;
        }
        let p = Problem {
            name: label.clone(),
            matrix: matrix.clone(),
            depot: Depot {
                location: 0,
                ready: 0.0,
                due: 12.0 * 3600.0,
            },
            jobs,
            fleet: fleet(ctx, *day),
            objective: Objective::Cost,
        };
        p.validate().context("demo planning problem")?;
        let out = solve(
            &p,
            &SolveOptions {
                seed: 1,
                time_limit: Some(Duration::from_millis(300)),
                ..SolveOptions::default()
            },
        );
        let report = check(&p, &out.solution);
        let verdict = if report.violations.is_empty() {
            ctx.t("checked: no violation", "复核：无违规").to_string()
        } else {
            format!(
                "{} {}",
                report.violations.len(),
                ctx.t("violation(s)", "项违规")
            )
        };
        for (i, trip) in out.solution.trips.iter().enumerate() {
            let stops = trip
                .jobs
                .iter()
                .map(|&j| {
                    let job = &p.jobs[j];
                    let place = names.get(job.location).map_or("?", String::as_str);
                    format!("{place} ({})", job.demand)
                })
                .collect::<Vec<_>>()
                .join(" → ");
            rows.push(vec![
                if i == 0 { label.clone() } else { String::new() },
                format!(
                    "{} {} +{:.0} min",
                    p.fleet[trip.vehicle_type].name,
                    trip.vehicle + 1,
                    trip.departure / 60.0
                ),
                if i == 0 {
                    home.to_string()
                } else {
                    String::new()
                },
                stops,
            ]);
        }
        rows.push(vec![
            String::new(),
            format!("{:.1} km", report.distance / 1000.0),
            String::new(),
            verdict,
        ]);
    }
    let header = [
        ctx.t("arrival", "航班/车次"),
        ctx.t("vehicle, leaves", "车辆、出发"),
        ctx.t("home (not routed)", "居家（未规划）"),
        ctx.t("stops (travelers)", "站点（人数）"),
    ];
    print!("{}", table(&header, &rows));
    Ok(())
}
