//! The solver's public face: options in, the best plan found out. The engine behind it can be
//! replaced without touching callers.

use crate::{Problem, Solution};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct SolveOptions {
    /// Same seed, same iteration limit, same problem: same plan.
    pub seed: u64,
    /// Anytime: the best plan so far is returned when this runs out.
    pub time_limit: Option<Duration>,
    /// Search iterations (per thread); with no time limit this makes runs reproducible.
    pub iterations: Option<u64>,
    /// Worker threads (default: the machine's cores).
    pub threads: usize,
    /// Set to true from elsewhere to stop early; the best plan so far is returned.
    pub cancel: Option<Arc<AtomicBool>>,
}

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions {
            seed: 1,
            time_limit: Some(Duration::from_secs(1)),
            iterations: None,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cancel: None,
        }
    }
}

/// What came out of a run.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub solution: Solution,
    /// Jobs no vehicle can serve at all (no type with the seats and skills, or unreachable in
    /// any window); every other job is in `solution`.
    pub unassigned: Vec<usize>,
    pub iterations: u64,
    pub seconds: f64,
    /// Seconds from the start until the first plan serving every servable job within every
    /// rule was found; `None` if none was (the plan handed out is then a repaired one).
    pub first_feasible: Option<f64>,
}

/// Solves `problem` (which must have passed [`Problem::validate`]) with the hybrid genetic
/// search: each thread evolves its own population from a seed derived from `options.seed`;
/// the threads trade their best plans every few hundred iterations.
pub fn solve(problem: &Problem, options: &SolveOptions) -> Outcome {
    crate::hgs::solve(problem, options)
}

/// The solver's own reading of the rules (see [`crate::check`] for the independent one):
/// every job served exactly once or listed unassigned, and every trip and vehicle schedule
/// within capacities, skills, compatibility, windows, shifts, ride limits and trip counts
/// (tolerance 1e-6). Returns the first broken rule.
pub fn verify(problem: &Problem, outcome: &Outcome) -> Result<(), String> {
    const TOL: f64 = 1e-6;
    let p = problem;
    let mut seen = vec![0usize; p.jobs.len()];
    for &j in &outcome.unassigned {
        *seen
            .get_mut(j)
            .ok_or(format!("unassigned job {j} does not exist"))? += 1;
    }
    // Per vehicle: trips so far and when it is free again.
    let mut vehicles: std::collections::BTreeMap<(usize, usize), (usize, f64)> = Default::default();
    for (k, trip) in outcome.solution.trips.iter().enumerate() {
        if trip.jobs.is_empty() {
            continue;
        }
        let at = format!("trip {k}");
        let ty = p
            .fleet
            .get(trip.vehicle_type)
            .ok_or(format!("{at}: no vehicle type {}", trip.vehicle_type))?;
        if trip.vehicle >= ty.count {
            return Err(format!("{at}: vehicle {} of {}", trip.vehicle, ty.count));
        }
        let start = p.depot.ready.max(ty.shift_start);
        let end = p.depot.due.min(ty.shift_end);
        let state = vehicles
            .entry((trip.vehicle_type, trip.vehicle))
            .or_insert((0, start));
        if trip.departure < state.1 - TOL {
            return Err(format!(
                "{at}: leaves at {} before {}",
                trip.departure, state.1
            ));
        }
        state.0 += 1;
        if state.0 > ty.max_trips {
            return Err(format!("{at}: more than {} trips", ty.max_trips));
        }
        let (mut t, mut prev, mut load) = (trip.departure, p.depot.location, 0u64);
        for (i, &j) in trip.jobs.iter().enumerate() {
            let job = p.jobs.get(j).ok_or(format!("{at}: no job {j}"))?;
            seen[j] += 1;
            load += job.demand as u64;
            if !ty.skills.covers(job.skills) {
                return Err(format!("{at}: job {j} needs skills the vehicle lacks"));
            }
            for &other in &trip.jobs[..i] {
                if !p.compatible(j, other) {
                    return Err(format!("{at}: jobs {other} and {j} may not ride together"));
                }
            }
            t = (t + p.matrix.time(prev, job.location)).max(job.ready);
            if t > job.due + TOL {
                return Err(format!("{at}: job {j} starts at {t} after {}", job.due));
            }
            if let Some(limit) = job.max_ride
                && t - trip.departure > limit + TOL
            {
                return Err(format!(
                    "{at}: job {j} rides {} > {limit}",
                    t - trip.departure
                ));
            }
            t += job.service;
            prev = job.location;
        }
        t += p.matrix.time(prev, p.depot.location);
        if t > end + TOL {
            return Err(format!("{at}: returns at {t} after {end}"));
        }
        if load > ty.capacity as u64 {
            return Err(format!("{at}: load {load} over {}", ty.capacity));
        }
        state.1 = t + ty.turnaround;
    }
    if let Some(j) = seen.iter().position(|&s| s != 1) {
        return Err(format!("job {j} appears {} times", seen[j]));
    }
    Ok(())
}
