//! The planning problem: one depot (the port), jobs (stops with their travelers), a
//! heterogeneous fleet, and a travel-time / distance matrix over locations.
//!
//! Plain data with public fields, checked once by [`Problem::validate`]; the checker and the
//! solver both trust a validated problem. Times and distances are `f64` in the matrix's own
//! units (seconds and metres for the road network; Solomon units for the benchmarks, where
//! time equals distance).

use crate::error::PlanError;

/// A bit set of skills: what a job needs and what a vehicle offers. A vehicle may serve a job
/// only if it offers every skill the job needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Skills(pub u32);

impl Skills {
    pub const NONE: Skills = Skills(0);
    /// The vehicle takes wheelchairs (ramp or lift, fixing points).
    pub const WHEELCHAIR: Skills = Skills(1);
    /// A negative-pressure ambulance.
    pub const NEGATIVE_PRESSURE: Skills = Skills(1 << 1);

    /// Does `self` (a vehicle's skills) cover everything `needed` asks for?
    pub fn covers(self, needed: Skills) -> bool {
        self.0 & needed.0 == needed.0
    }

    pub fn union(self, other: Skills) -> Skills {
        Skills(self.0 | other.0)
    }
}

/// A travel-time and distance matrix over `n` locations, row-major (`from * n + to`).
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    n: usize,
    time: Vec<f64>,
    distance: Vec<f64>,
}

impl Matrix {
    /// `time` and `distance` are row-major `n × n`.
    pub fn new(n: usize, time: Vec<f64>, distance: Vec<f64>) -> Result<Matrix, PlanError> {
        if time.len() != n * n || distance.len() != n * n {
            return Err(PlanError::Invalid(format!(
                "matrix: {n} locations need {} cells, got {} times and {} distances",
                n * n,
                time.len(),
                distance.len()
            )));
        }
        if let Some(i) = time
            .iter()
            .chain(&distance)
            .position(|v| !v.is_finite() || *v < 0.0)
        {
            let (kind, i) = if i < n * n {
                ("time", i)
            } else {
                ("distance", i - n * n)
            };
            return Err(PlanError::Invalid(format!(
                "matrix: {kind} from location {} to {} is negative or not a number",
                i / n,
                i % n
            )));
        }
        Ok(Matrix { n, time, distance })
    }

    /// The Solomon convention: Euclidean distances as unrounded doubles, time equals distance.
    pub fn euclidean(points: &[(f64, f64)]) -> Matrix {
        let n = points.len();
        let mut d = Vec::with_capacity(n * n);
        for a in points {
            for b in points {
                d.push((a.0 - b.0).hypot(a.1 - b.1));
            }
        }
        Matrix {
            n,
            time: d.clone(),
            distance: d,
        }
    }

    pub fn len(&self) -> usize {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    #[inline]
    pub fn time(&self, from: usize, to: usize) -> f64 {
        self.time[from * self.n + to]
    }

    #[inline]
    pub fn distance(&self, from: usize, to: usize) -> f64 {
        self.distance[from * self.n + to]
    }
}

/// The port every trip starts from and returns to.
#[derive(Debug, Clone, PartialEq)]
pub struct Depot {
    pub location: usize,
    /// Opening and closing time: no trip leaves before `ready` or returns after `due`.
    pub ready: f64,
    pub due: f64,
}

/// One stop to serve: the travelers of one cohort going to one destination (a hotel, a home, a
/// hospital). A family group that must ride together is one job.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// The label the outside world knows the job by (a customer number in the benchmark files).
    pub name: String,
    pub location: usize,
    /// Seats taken (travelers times the policy's distancing factor, rounded up).
    pub demand: u32,
    /// Service must start within `[ready, due]`; a vehicle arriving early waits.
    pub ready: f64,
    pub due: f64,
    /// Time spent at the stop (hand-over, luggage).
    pub service: f64,
    /// What the vehicle must offer.
    pub skills: Skills,
    /// Travelers of different cohorts (another flight, another risk class) never share a trip.
    /// `None` mixes with anyone.
    pub cohort: Option<u32>,
    /// The longest a traveler of this job may sit in the vehicle: from the trip's departure from
    /// the depot to the arrival at this job's stop.
    pub max_ride: Option<f64>,
    /// Rides alone: no other job on the same trip (a symptomatic traveler and their family).
    pub alone: bool,
}

/// A kind of vehicle and how many of it there are.
#[derive(Debug, Clone, PartialEq)]
pub struct VehicleType {
    pub name: String,
    pub count: usize,
    /// Seats.
    pub capacity: u32,
    pub skills: Skills,
    /// The crew's shift: the first trip leaves no earlier than `shift_start`, the last returns
    /// no later than `shift_end` (both also bounded by the depot's hours).
    pub shift_start: f64,
    pub shift_end: f64,
    /// Costs for the objective: per trip started, per distance unit, per time unit on the road.
    pub fixed_cost: f64,
    pub cost_per_distance: f64,
    pub cost_per_time: f64,
    /// Trips one vehicle may make in its shift (1 = single trip).
    pub max_trips: usize,
    /// Time at the depot between two trips of one vehicle (disinfection).
    pub turnaround: f64,
}

/// What the solver minimises, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Objective {
    /// Fewest vehicles first (fewer crews exposed), then fewest trips, then cost.
    #[default]
    VehiclesThenCost,
    /// Cost only (distance, for the benchmarks): vehicles are free.
    Cost,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub name: String,
    pub matrix: Matrix,
    pub depot: Depot,
    pub jobs: Vec<Job>,
    pub fleet: Vec<VehicleType>,
    pub objective: Objective,
}

impl Problem {
    /// Checks what the model itself cannot: every location index is in the matrix, windows are
    /// ordered, the fleet is not empty. The error names the job or vehicle type.
    // `!(a <= b)` on purpose: it also refuses NaN, which `a > b` would let through.
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    pub fn validate(&self) -> Result<(), PlanError> {
        let n = self.matrix.len();
        let bad = |what: String| Err(PlanError::Invalid(what));
        if self.depot.location >= n {
            return bad(format!(
                "depot: location {} is not in the matrix ({n} locations)",
                self.depot.location
            ));
        }
        if !(self.depot.ready <= self.depot.due) {
            return bad(format!(
                "depot: opens at {} after it closes at {}",
                self.depot.ready, self.depot.due
            ));
        }
        if self.fleet.is_empty() || self.fleet.iter().all(|t| t.count == 0) {
            return bad("fleet: no vehicles".into());
        }
        for (i, j) in self.jobs.iter().enumerate() {
            let at = format!("job {i} ({})", j.name);
            if j.location >= n {
                return bad(format!(
                    "{at}: location {} is not in the matrix ({n} locations)",
                    j.location
                ));
            }
            if !(j.ready <= j.due) || !j.service.is_finite() || j.service < 0.0 {
                return bad(format!(
                    "{at}: time window [{}, {}] or service time {} is not valid",
                    j.ready, j.due, j.service
                ));
            }
            if j.max_ride.is_some_and(|r| !(r >= 0.0)) {
                return bad(format!("{at}: maximum ride time must be zero or more"));
            }
        }
        for t in &self.fleet {
            let at = format!("vehicle type {}", t.name);
            if t.max_trips == 0 && t.count > 0 {
                return bad(format!("{at}: at least one trip per vehicle"));
            }
            if !(t.shift_start <= t.shift_end) || !(t.turnaround >= 0.0) {
                return bad(format!(
                    "{at}: shift [{}, {}] or turnaround {} is not valid",
                    t.shift_start, t.shift_end, t.turnaround
                ));
            }
        }
        Ok(())
    }

    /// Can a vehicle of type `t` ever carry job `j` (seats and skills)?
    pub fn can_serve(&self, t: usize, j: usize) -> bool {
        let (t, j) = (&self.fleet[t], &self.jobs[j]);
        t.count > 0 && t.capacity >= j.demand && t.skills.covers(j.skills)
    }

    /// May jobs `a` and `b` share a trip?
    pub fn compatible(&self, a: usize, b: usize) -> bool {
        let (a, b) = (&self.jobs[a], &self.jobs[b]);
        !a.alone && !b.alone && (a.cohort.is_none() || b.cohort.is_none() || a.cohort == b.cohort)
    }
}
