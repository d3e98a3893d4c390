//! The independent feasibility checker: replays a plan against the problem, rule by rule, and
//! reports every broken rule (not only the first) with the trip, job and numbers involved.
//!
//! It shares no code with the solver on purpose: a plan the solver believes feasible is only
//! trusted once this second, simpler reading of the same rules agrees. Keep it plain — one
//! pass, no incremental bookkeeping.
//!
//! The rules (with an absolute tolerance of [`TOLERANCE`] on every time and distance
//! comparison): a vehicle drives its trips in the order they appear; its first trip leaves no
//! earlier than the depot opens and its shift starts, a later one no earlier than the previous
//! return plus the turnaround; service starts at `max(arrival, ready)` and no later than `due`;
//! the trip returns by the depot's closing and the shift's end; the seats hold the trip's
//! demand; the ride time (service start − departure) stays within each job's limit; the vehicle
//! offers every skill a job needs; jobs on one trip are pairwise compatible; a vehicle makes at
//! most `max_trips` trips; every job is served exactly once. Trips without jobs are ignored.

use crate::{Problem, Skills, Solution};
use std::collections::BTreeMap;
use std::fmt;

/// Slack on every comparison, for arithmetic done in another order elsewhere.
pub const TOLERANCE: f64 = 1e-6;

/// A vehicle as messages name it: its type's name and its number counted from 1.
#[derive(Debug, Clone, PartialEq)]
pub struct VehicleRef {
    pub vehicle_type: usize,
    /// `None` when `vehicle_type` is not in the fleet.
    pub type_name: Option<String>,
    /// 0-based, as in [`crate::Trip::vehicle`].
    pub vehicle: usize,
}

/// A trip: its index in [`Solution::trips`] and its vehicle. Messages count trips from 1.
#[derive(Debug, Clone, PartialEq)]
pub struct TripRef {
    pub index: usize,
    pub vehicle: VehicleRef,
}

/// A job: its index in [`Problem::jobs`] and its name.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRef {
    pub index: usize,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Violation {
    /// A job index that is not in the problem.
    UnknownJob {
        trip: TripRef,
        job: usize,
        jobs: usize,
    },
    /// A job no trip serves.
    Missing(JobRef),
    /// A job served more than once, with the trips (indices) that serve it.
    Duplicate { job: JobRef, trips: Vec<usize> },
    /// A vehicle type not in the fleet, or a vehicle number at or above its type's count.
    UnknownVehicle { trip: TripRef, count: usize },
    TooManyTrips {
        vehicle: VehicleRef,
        trips: usize,
        max: usize,
    },
    Capacity {
        trip: TripRef,
        load: u64,
        capacity: u32,
    },
    /// Service starts after the job's window closes.
    Window {
        trip: TripRef,
        job: JobRef,
        start: f64,
        due: f64,
    },
    /// The trip leaves before the depot opens, the shift starts, or the turnaround after the
    /// vehicle's previous trip is over.
    EarlyDeparture {
        trip: TripRef,
        departure: f64,
        earliest: f64,
    },
    /// Back at the depot after it closes or the shift ends.
    LateReturn {
        trip: TripRef,
        back: f64,
        limit: f64,
    },
    RideTime {
        trip: TripRef,
        job: JobRef,
        ride: f64,
        limit: f64,
    },
    Skills {
        trip: TripRef,
        job: JobRef,
        needed: Skills,
        offered: Skills,
    },
    /// Two jobs that may not share a trip (other cohorts, or one rides alone).
    Incompatible { trip: TripRef, a: JobRef, b: JobRef },
}

/// What the checker found, and the plan's measures (over trips with jobs, known jobs only).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    pub violations: Vec<Violation>,
    /// Distinct vehicles with at least one trip.
    pub vehicles: usize,
    pub trips: usize,
    pub distance: f64,
    /// Time away from the depot, summed over trips: departure to return, waits included.
    pub duration: f64,
}

impl Report {
    pub fn is_feasible(&self) -> bool {
        self.violations.is_empty()
    }
}

/// Is `value` past `limit` by more than the tolerance? A number that is not one (NaN) always is.
fn over(value: f64, limit: f64) -> bool {
    value.is_nan() || limit.is_nan() || value > limit + TOLERANCE
}

pub fn check(problem: &Problem, solution: &Solution) -> Report {
    let mut report = Report::default();
    let v = &mut report.violations;
    let depot = &problem.depot;
    let mut served: Vec<Vec<usize>> = vec![Vec::new(); problem.jobs.len()];
    // Per vehicle: trips so far and when the last one came back.
    let mut vehicles: BTreeMap<(usize, usize), (usize, f64)> = BTreeMap::new();

    for (index, trip) in solution.trips.iter().enumerate() {
        if trip.jobs.is_empty() {
            continue;
        }
        let kind = problem.fleet.get(trip.vehicle_type);
        let here = TripRef {
            index,
            vehicle: VehicleRef {
                vehicle_type: trip.vehicle_type,
                type_name: kind.map(|t| t.name.clone()),
                vehicle: trip.vehicle,
            },
        };
        let count = kind.map_or(0, |t| t.count);
        if trip.vehicle >= count {
            v.push(Violation::UnknownVehicle {
                trip: here.clone(),
                count,
            });
        }
        report.trips += 1;

        let key = (trip.vehicle_type, trip.vehicle);
        let earlier = vehicles.get(&key).copied();
        let mut earliest = depot.ready;
        if let Some(t) = kind {
            earliest = earliest.max(t.shift_start);
        }
        if let Some((_, back)) = earlier {
            earliest = earliest.max(back + kind.map_or(0.0, |t| t.turnaround));
        }
        if over(earliest, trip.departure) {
            v.push(Violation::EarlyDeparture {
                trip: here.clone(),
                departure: trip.departure,
                earliest,
            });
        }

        let mut known = Vec::with_capacity(trip.jobs.len());
        for &j in &trip.jobs {
            match served.get_mut(j) {
                Some(s) => {
                    s.push(index);
                    known.push(j);
                }
                None => v.push(Violation::UnknownJob {
                    trip: here.clone(),
                    job: j,
                    jobs: problem.jobs.len(),
                }),
            }
        }
        let job_ref = |j: usize| JobRef {
            index: j,
            name: problem.jobs[j].name.clone(),
        };

        let (mut at, mut clock, mut load) = (depot.location, trip.departure, 0u64);
        for &j in &known {
            let job = &problem.jobs[j];
            report.distance += problem.matrix.distance(at, job.location);
            let start = (clock + problem.matrix.time(at, job.location)).max(job.ready);
            if over(start, job.due) {
                v.push(Violation::Window {
                    trip: here.clone(),
                    job: job_ref(j),
                    start,
                    due: job.due,
                });
            }
            if let Some(limit) = job.max_ride {
                let ride = start - trip.departure;
                if over(ride, limit) {
                    v.push(Violation::RideTime {
                        trip: here.clone(),
                        job: job_ref(j),
                        ride,
                        limit,
                    });
                }
            }
            if let Some(t) = kind
                && !t.skills.covers(job.skills)
            {
                v.push(Violation::Skills {
                    trip: here.clone(),
                    job: job_ref(j),
                    needed: job.skills,
                    offered: t.skills,
                });
            }
            load += u64::from(job.demand);
            clock = start + job.service;
            at = job.location;
        }
        report.distance += problem.matrix.distance(at, depot.location);
        let back = clock + problem.matrix.time(at, depot.location);
        report.duration += back - trip.departure;
        let limit = kind.map_or(depot.due, |t| depot.due.min(t.shift_end));
        if over(back, limit) {
            v.push(Violation::LateReturn {
                trip: here.clone(),
                back,
                limit,
            });
        }
        if let Some(t) = kind
            && load > u64::from(t.capacity)
        {
            v.push(Violation::Capacity {
                trip: here.clone(),
                load,
                capacity: t.capacity,
            });
        }
        for (x, &a) in known.iter().enumerate() {
            for &b in &known[x + 1..] {
                if !problem.compatible(a, b) {
                    v.push(Violation::Incompatible {
                        trip: here.clone(),
                        a: job_ref(a),
                        b: job_ref(b),
                    });
                }
            }
        }
        vehicles.insert(key, (earlier.map_or(0, |(n, _)| n) + 1, back));
    }

    report.vehicles = vehicles.len();
    for (&(vehicle_type, vehicle), &(trips, _)) in &vehicles {
        if let Some(t) = problem.fleet.get(vehicle_type)
            && trips > t.max_trips
        {
            v.push(Violation::TooManyTrips {
                vehicle: VehicleRef {
                    vehicle_type,
                    type_name: Some(t.name.clone()),
                    vehicle,
                },
                trips,
                max: t.max_trips,
            });
        }
    }
    for (j, trips) in served.into_iter().enumerate() {
        let job = JobRef {
            index: j,
            name: problem.jobs[j].name.clone(),
        };
        match trips.len() {
            0 => v.push(Violation::Missing(job)),
            1 => {}
            _ => v.push(Violation::Duplicate { job, trips }),
        }
    }
    report
}

impl fmt::Display for VehicleRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.type_name {
            Some(name) => write!(f, "vehicle type {name} #{}", self.vehicle + 1),
            None => write!(
                f,
                "vehicle type {} (not in the fleet) #{}",
                self.vehicle_type,
                self.vehicle + 1
            ),
        }
    }
}

impl fmt::Display for TripRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "trip {} ({})", self.index + 1, self.vehicle)
    }
}

impl fmt::Display for JobRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "job {}", self.name)
    }
}

fn trip_list(trips: &[usize]) -> String {
    let numbers: Vec<String> = trips.iter().map(|t| (t + 1).to_string()).collect();
    numbers.join(", ")
}

fn skill_names(s: Skills) -> String {
    let mut names = Vec::new();
    for bit in 0..32 {
        let one = Skills(1 << bit);
        if s.covers(one) {
            names.push(match one {
                Skills::WHEELCHAIR => "wheelchair access".to_string(),
                Skills::NEGATIVE_PRESSURE => "negative pressure".to_string(),
                _ => format!("skill {bit}"),
            });
        }
    }
    names.join(" and ")
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Violation::*;
        match self {
            UnknownJob { trip, job, jobs } => write!(
                f,
                "{trip}: job index {job} is not in the problem ({jobs} jobs)"
            ),
            Missing(job) => write!(f, "{job} is not served by any trip"),
            Duplicate { job, trips } => write!(
                f,
                "{job} is served {} times (trips {})",
                trips.len(),
                trip_list(trips)
            ),
            UnknownVehicle { trip, count } => write!(
                f,
                "{trip}: no such vehicle (the fleet has {count} of this type)"
            ),
            TooManyTrips {
                vehicle,
                trips,
                max,
            } => write!(f, "{vehicle} makes {trips} trips, at most {max} allowed"),
            Capacity {
                trip,
                load,
                capacity,
            } => write!(
                f,
                "{trip}: carries {load} seats, the vehicle has {capacity}"
            ),
            Window {
                trip,
                job,
                start,
                due,
            } => write!(
                f,
                "{trip}: {job} starts service at {start:.1}, after its window closes at {due:.1}"
            ),
            EarlyDeparture {
                trip,
                departure,
                earliest,
            } => write!(
                f,
                "{trip}: leaves the depot at {departure:.1}, before {earliest:.1} \
                 (depot opening, shift start or turnaround after the previous trip)"
            ),
            LateReturn { trip, back, limit } => write!(
                f,
                "{trip}: returns to the depot at {back:.1}, after {limit:.1} \
                 (depot closing or shift end)"
            ),
            RideTime {
                trip,
                job,
                ride,
                limit,
            } => write!(
                f,
                "{trip}: {job} rides {ride:.1} from the depot, over its limit of {limit:.1}"
            ),
            Skills {
                trip,
                job,
                needed,
                offered,
            } => write!(
                f,
                "{trip}: {job} needs {}, which the vehicle lacks",
                skill_names(Skills(needed.0 & !offered.0))
            ),
            Incompatible { trip, a, b } => write!(
                f,
                "{trip}: {a} and {b} may not share a trip (other cohorts, or one rides alone)"
            ),
        }
    }
}
