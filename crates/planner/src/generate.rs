//! Generated planning problems of the shape the desk meets: an arrival day at one port.
//!
//! Used by the test suite (a day must plan without a violation) and by `closedloop bench plan`
//! (how long a day takes). Deterministic for a seed, so a slow day can be replayed.

use crate::{Depot, Job, Matrix, Objective, PlanError, Problem, Skills, VehicleType};
use closedloop_domain::hash::SplitMix64;

/// An arrival day: travelers from three flights to destinations in a 20 km city (Euclidean,
/// metres, 30 km/h). Travelers of one flight form a cohort; per flight four wheelchair users
/// (each with a companion) need a van and two symptomatic travelers ride alone in a
/// negative-pressure ambulance to one of two hospitals; nobody rides more than 90 minutes;
/// vehicles make up to six trips with 30 minutes of disinfection between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArrivalDay {
    /// Travelers over the day (at least 40: each flight carries its special cases).
    pub travelers: u32,
    /// Destinations besides the port (at least 4: two hospitals and hotels).
    pub destinations: usize,
}

impl Default for ArrivalDay {
    /// The day: 300 travelers to 25 destinations.
    fn default() -> Self {
        ArrivalDay {
            travelers: 300,
            destinations: 25,
        }
    }
}

/// Hotels hold at most this many of one flight per job (a van's worth), so big groups split.
const GROUP: u32 = 12;

impl ArrivalDay {
    /// The day for `seed`; an error names the parameter that is too small.
    pub fn problem(&self, seed: u64) -> Result<Problem, PlanError> {
        if self.travelers < 40 {
            return Err(PlanError::Invalid(format!(
                "arrival day: travelers = {}, need at least 40 (each flight has 10 special cases)",
                self.travelers
            )));
        }
        if self.destinations < 4 {
            return Err(PlanError::Invalid(format!(
                "arrival day: destinations = {}, need at least 4 (two hospitals and hotels)",
                self.destinations
            )));
        }
        // The splitmix64 stream of the engine's seeding: the same days on every platform.
        let mut g = SplitMix64::new(seed);
        let speed = 30_000.0 / 3600.0;
        let mut points = vec![(0.0, 10_000.0)]; // the port, on the city's western edge
        for _ in 0..self.destinations {
            points.push((2_000.0 + g.unit() * 18_000.0, g.unit() * 20_000.0));
        }
        let dist = |a: usize, b: usize| {
            let (p, q): ((f64, f64), (f64, f64)) = (points[a], points[b]);
            (p.0 - q.0).hypot(p.1 - q.1)
        };
        let hospitals = [1usize, 2];
        let hotels = self.destinations as u64 - 2;
        // Seconds from 06:00; travelers clear the border an hour after landing.
        let flights = [3_600.0, 3.0 * 3_600.0, 5.5 * 3_600.0];
        let first = self.travelers * 37 / 100;
        let second = self.travelers * 33 / 100;
        let shares = [first, second, self.travelers - first - second];
        let mut jobs = Vec::new();
        let mut job = |name: String, loc: usize, demand: u32, flight: usize, skills: Skills| {
            let ready = flights[flight] + 3_600.0 + dist(0, loc) / speed;
            jobs.push(Job {
                name,
                location: loc,
                demand,
                ready,
                due: ready + 3.0 * 3_600.0,
                service: 300.0 + 30.0 * demand as f64,
                skills,
                cohort: Some(flight as u32),
                max_ride: Some(90.0 * 60.0),
                alone: skills == Skills::NEGATIVE_PRESSURE,
            });
        };
        for (f, share) in shares.into_iter().enumerate() {
            let mut per_dest = vec![0u32; self.destinations + 1];
            let mut left = share;
            // Wheelchair users (with a companion) and symptomatic travelers first.
            for k in 0..4 {
                let loc = 3 + g.below(hotels) as usize;
                job(
                    format!("F{f}-wheelchair-{k}"),
                    loc,
                    2,
                    f,
                    Skills::WHEELCHAIR,
                );
                left -= 2;
            }
            for k in 0..2 {
                let loc = hospitals[g.below(2) as usize];
                let name = format!("F{f}-symptomatic-{k}");
                job(name, loc, 1, f, Skills::NEGATIVE_PRESSURE);
                left -= 1;
            }
            for _ in 0..left {
                per_dest[3 + g.below(hotels) as usize] += 1;
            }
            for (loc, &count) in per_dest.iter().enumerate() {
                let (mut rest, mut part) = (count, 0);
                while rest > 0 {
                    let take = rest.min(GROUP);
                    job(format!("F{f}-D{loc}-{part}"), loc, take, f, Skills::NONE);
                    rest -= take;
                    part += 1;
                }
            }
        }
        // The fleet grows with the day so a bigger day stays solvable.
        let scale = (self.travelers as usize).div_ceil(300);
        let kinds = [
            ("coach", 4 * scale, 45, Skills::NONE, 80.0, 2.5),
            ("van", 6 * scale, 12, Skills::WHEELCHAIR, 40.0, 1.2),
            (
                "ambulance",
                3 * scale,
                4,
                Skills::NEGATIVE_PRESSURE.union(Skills::WHEELCHAIR),
                60.0,
                2.0,
            ),
        ];
        let fleet = kinds
            .iter()
            .map(
                |&(name, count, capacity, skills, fixed, per_km)| VehicleType {
                    name: name.into(),
                    count,
                    capacity,
                    skills,
                    shift_start: 0.0,
                    shift_end: 18.0 * 3_600.0,
                    fixed_cost: fixed,
                    cost_per_distance: per_km / 1000.0,
                    cost_per_time: 30.0 / 3_600.0,
                    max_trips: 6,
                    turnaround: 1_800.0,
                },
            )
            .collect();
        let n = points.len();
        let mut time = Vec::with_capacity(n * n);
        let mut distance = Vec::with_capacity(n * n);
        for a in 0..n {
            for b in 0..n {
                distance.push(dist(a, b));
                time.push(dist(a, b) / speed);
            }
        }
        let p = Problem {
            name: format!(
                "arrival-day-{}x{}-{seed}",
                self.travelers, self.destinations
            ),
            matrix: Matrix::new(n, time, distance)?,
            depot: Depot {
                location: 0,
                ready: 0.0,
                due: 18.0 * 3_600.0,
            },
            jobs,
            fleet,
            objective: Objective::VehiclesThenCost,
        };
        p.validate()?;
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_has_the_travelers_asked_for_and_its_special_cases() {
        let p = ArrivalDay::default().problem(7).unwrap();
        assert_eq!(p.jobs.iter().map(|j| j.demand).sum::<u32>(), 300);
        let alone = p.jobs.iter().filter(|j| j.alone).count();
        let wheelchair = p.jobs.iter().filter(|j| j.skills == Skills::WHEELCHAIR);
        assert_eq!((alone, wheelchair.count()), (6, 12));
        assert!(p.jobs.iter().all(|j| j.demand <= GROUP));
        assert_eq!(p, ArrivalDay::default().problem(7).unwrap());
    }

    #[test]
    fn too_small_a_day_is_refused_naming_the_parameter() {
        let e = ArrivalDay {
            travelers: 10,
            destinations: 25,
        }
        .problem(1)
        .unwrap_err();
        assert!(e.to_string().contains("travelers = 10"), "{e}");
        let e = ArrivalDay {
            travelers: 300,
            destinations: 2,
        }
        .problem(1)
        .unwrap_err();
        assert!(e.to_string().contains("destinations = 2"), "{e}");
    }
}
