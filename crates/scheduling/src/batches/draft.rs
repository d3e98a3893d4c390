//! One origin's planning problem, solved, and its trips turned into drafts of batches (timed
//! and checked, not yet crewed or coded).
//!
//! Time windows. The planner's windows are on the service start at a stop, not on the
//! departure, and a vehicle arriving early waits. The rule is on the departure: a unit's
//! travelers (ready at `R`) board no earlier than `R` and no later than `R + W` (the policy's
//! `max_port_wait`), and ride at most `L` (`max_ride`, or `special_max_ride`) from boarding to
//! their stop. With `d` the direct drive from the origin to the unit's stop:
//!
//! - `ready = R + d`: the trip's first stop is reached by its direct drive, so a trip whose
//!   first unit is ready at `R` cannot be served before `R + d` without leaving before `R`;
//!   the planner's earliest departure of a trip is where its first window opens, so it never
//!   leaves before `R` (every unit of a trip shares `R`: one cohort, one ready time).
//! - `due = R + W + d`: the first stop is reached at `depart + d`, so `depart ≤ R + W`. At a
//!   later stop the route there is at least the direct drive, so the same bound is stricter
//!   than the rule: a detour eats into the wait allowance. That is the price of expressing a
//!   departure rule as stop windows; it never lets a plan break the rule.
//! - `max_ride = L`, which the planner measures from the departure: the rest of the rule.
//!
//! Every trip the planner returns is checked again here against these rules (departure
//! within the wait, ride, windows, seats, skills, shift); a trip that fails one — which a
//! repaired plan of an over-full day can hold — is not planned and its travelers are reported.

use super::fleet::Fleet;
use super::route;
use super::units::units;
use super::{Ctx, TOL, unplaced};
use crate::ids::{ArrivalCode, BatchCode, CrewCode, PortCode, TravelerCode, VehicleCode};
use crate::placement::Placement;
use crate::plan::{Batch, Place, Reason, Stop, Unplaced};
use crate::problem::Point;
use closedloop_planner::{Problem, Skills, SolveOptions, VehicleType, solve};
use std::collections::BTreeMap;

/// A cell the travel model cannot answer: so far no trip takes it.
pub(super) const FAR: f64 = 1e7;

/// A stop of a draft.
#[derive(Debug, Clone)]
pub(crate) struct DraftStop {
    pub place: Place,
    pub eta: f64,
    pub travelers: Vec<TravelerCode>,
}

/// A batch before its crew and code: minutes from midnight.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub origin: Place,
    pub arrival: Option<ArrivalCode>,
    pub vehicle: VehicleCode,
    pub base: PortCode,
    /// When the vehicle (and its crew) leaves its base: the departure from a port, earlier
    /// for a hotel (the drive there).
    pub leave_base: f64,
    pub depart: f64,
    pub stops: Vec<DraftStop>,
    pub ready_again: f64,
    /// Back at the origin (the planner's depot), before any drive to the base.
    pub back: f64,
    pub km: f64,
    /// Carries one of 老弱病残孕: an escort rides with them.
    pub special: bool,
    /// The travelers' languages, one entry per traveler who gave one.
    pub languages: Vec<String>,
}

impl Draft {
    pub fn travelers(&self) -> impl Iterator<Item = &TravelerCode> {
        self.stops.iter().flat_map(|s| s.travelers.iter())
    }

    pub fn into_batch(self, ctx: &Ctx, code: BatchCode, crew: Vec<CrewCode>) -> Batch {
        Batch {
            code,
            origin: self.origin,
            arrival: self.arrival,
            vehicle: self.vehicle,
            crew,
            depart: ctx.stamp(self.depart),
            stops: self
                .stops
                .into_iter()
                .map(|s| Stop {
                    place: s.place,
                    eta: ctx.stamp(s.eta),
                    travelers: s.travelers,
                })
                .collect(),
            ready_again: ctx.stamp(self.ready_again),
            km: (self.km * 1000.0).round() / 1000.0,
        }
    }
}

/// How an origin's depot relates to the vehicles' bases.
#[derive(Clone, Copy)]
pub(super) enum Frame {
    /// The depot is the base: trips leave and return there.
    Port,
    /// The depot is a hotel: the vehicle drives from its base first and back after.
    Hotel(Point),
}

/// Plans the travelers boarding at port `port` with its vehicles: in a day's plan, the
/// travelers of one ready time (see [`super::form`]).
pub(crate) fn plan_port(
    ctx: &Ctx,
    fleet: &mut Fleet,
    port: &PortCode,
    placed: &[&Placement],
    options: &SolveOptions,
) -> (Vec<Draft>, Vec<Unplaced>) {
    let origin = Place::Port { code: port.clone() };
    let Some(at) = ctx.day.port(port).map(|p| p.location) else {
        return (Vec::new(), all_lost(ctx, placed, Reason::NoVehicle));
    };
    let disinfection = f64::from(ctx.day.policy.disinfection);
    let latest = placed
        .iter()
        .map(|p| ctx.ready(&p.traveler, &origin))
        .fold(f64::NEG_INFINITY, f64::max)
        + f64::from(ctx.day.policy.max_port_wait);
    let (types, index) = fleet.at_port(ctx, port, disinfection, latest);
    plan_origin(
        ctx,
        fleet,
        (origin, at, Frame::Port),
        placed,
        (types, index),
        options,
    )
}

/// Plans the second transfers collected at the hotel `origin`, one trip per vehicle.
pub(crate) fn plan_hotel(
    ctx: &Ctx,
    fleet: &mut Fleet,
    origin: &Place,
    placed: &[&Placement],
    options: &SolveOptions,
) -> (Vec<Draft>, Vec<Unplaced>) {
    let Some(at) = ctx.locate(origin) else {
        return (Vec::new(), all_lost(ctx, placed, Reason::NoVehicle));
    };
    let disinfection = f64::from(ctx.day.policy.disinfection);
    let release = (
        f64::from(super::RELEASE_FROM_MINUTES),
        f64::from(ctx.day.policy.max_port_wait),
    );
    let fleet_types = fleet.at_hotel(ctx, at, disinfection, release);
    plan_origin(
        ctx,
        fleet,
        (origin.clone(), at, Frame::Hotel(at)),
        placed,
        fleet_types,
        options,
    )
}

fn all_lost(ctx: &Ctx, placed: &[&Placement], reason: Reason) -> Vec<Unplaced> {
    placed
        .iter()
        .map(|p| unplaced(ctx, &p.traveler, reason.clone()))
        .collect()
}

fn plan_origin(
    ctx: &Ctx,
    fleet: &mut Fleet,
    (origin, at, frame): (Place, Point, Frame),
    placed: &[&Placement],
    (mut types, fleet_index): (Vec<VehicleType>, Vec<usize>),
    options: &SolveOptions,
) -> (Vec<Draft>, Vec<Unplaced>) {
    let index = fleet_index.clone();
    let caps: Vec<_> = types.iter().map(|t| (t.skills, t.capacity)).collect();
    let (all, mut lost) = units(ctx, &origin, placed, &caps);
    // Units no direct ride can serve within its limit never reach the planner (a tour: its
    // stops nearest first, as it will be driven).
    let mut kept = Vec::new();
    let mut shortest = f64::INFINITY;
    let mut rides = 0.0;
    for u in all {
        let limit = u.max_ride(ctx);
        let (ride, routable) = route::direct_ride(ctx, at, &u);
        rides += ride;
        // A tour's first leg may be shorter than its longest ride: count it as nothing.
        shortest = shortest.min(if u.point().is_some() { ride } else { 0.0 });
        let reason = if !routable {
            Some(Reason::NoVehicle)
        } else if ride > f64::from(limit) + TOL {
            Some(Reason::RideTooLong {
                minutes: ride.ceil().min(f64::from(u32::MAX)) as u32,
                limit,
            })
        } else {
            None
        };
        match reason {
            Some(r) => lost.extend(u.travelers.iter().map(|t| unplaced(ctx, t, r.clone()))),
            None => kept.push(u),
        }
    }
    if kept.is_empty() {
        return (Vec::new(), lost);
    }
    bound_trips(ctx, &mut types, &kept, shortest);
    let full = types.clone();
    let offered = offer(ctx, &types, &kept, rides / kept.len() as f64);
    let index: Vec<usize> = offered.iter().map(|&t| index[t]).collect();
    let full_index: Vec<usize> = (0..full.len()).map(|t| fleet_index[t]).collect();
    types = offered.iter().map(|&t| types[t].clone()).collect();
    if types.is_empty() {
        for u in &kept {
            lost.extend(
                u.travelers
                    .iter()
                    .map(|t| unplaced(ctx, t, Reason::NoVehicle)),
            );
        }
        return (Vec::new(), lost);
    }
    let (problem, locations) = route::problem(ctx, &origin, at, &kept, types);
    if problem.validate().is_err() {
        for u in &kept {
            lost.extend(
                u.travelers
                    .iter()
                    .map(|t| unplaced(ctx, t, Reason::NoVehicle)),
            );
        }
        return (Vec::new(), lost);
    }
    let outcome = solve(&problem, options);
    // The planner pushes departures late within their windows (shorter rides); here a
    // vehicle's trips are re-timed to leave as early as the travelers, the shift and the
    // previous trip's disinfection allow: leaving at or after the ready time never makes a
    // vehicle wait at a stop (each window opens at ready plus the direct drive), so the rides
    // are unchanged and the port wait is the least the vehicle allows.
    let mut trips: Vec<&closedloop_planner::Trip> = outcome
        .solution
        .trips
        .iter()
        .filter(|t| !t.jobs.is_empty())
        .collect();
    trips.sort_by(|a, b| {
        (a.vehicle_type, a.vehicle)
            .cmp(&(b.vehicle_type, b.vehicle))
            .then(a.departure.total_cmp(&b.departure))
    });
    let mut out = Vec::new();
    let mut free: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    for trip in trips {
        let (Some(&v), Some(ty)) = (
            index.get(trip.vehicle_type),
            problem.fleet.get(trip.vehicle_type),
        ) else {
            continue;
        };
        let key = (trip.vehicle_type, trip.vehicle);
        let after = free.get(&key).copied().unwrap_or(ty.shift_start);
        let ready = trip
            .jobs
            .iter()
            .filter_map(|&j| kept.get(j))
            .map(|u| u.ready)
            .fold(ty.shift_start, f64::max);
        let on = route::On {
            ctx,
            p: &problem,
            units: &kept,
            vehicle: fleet.vehicles[v],
            vehicle_type: trip.vehicle_type,
            origin: (&origin, frame),
        };
        let visits = route::planned(&problem, trip);
        let d = on
            .draft(&visits, ready.max(after))
            .or_else(|| on.draft(&visits, trip.departure.max(after)));
        let Some(d) = d else { continue };
        free.insert(key, d.back + ty.turnaround);
        fleet.book(v, d.leave_base, d.ready_again);
        out.push(d);
    }
    // Whom the search left out may still find a gap in a vehicle it was not offered.
    let everyone = Problem {
        fleet: full,
        ..problem.clone()
    };
    route::fill(
        ctx,
        fleet,
        (&everyone, &locations),
        &kept,
        (&full_index, &origin, frame),
        &mut out,
    );
    let carried: std::collections::BTreeSet<&TravelerCode> =
        out.iter().flat_map(|d| d.travelers()).collect();
    for u in &kept {
        lost.extend(
            u.travelers
                .iter()
                .filter(|t| !carried.contains(*t))
                .map(|t| unplaced(ctx, t, Reason::NoVehicle)),
        );
    }
    lost.sort_by(|a, b| a.traveler.cmp(&b.traveler));
    lost.dedup_by(|a, b| a.traveler == b.traveler);
    (out, lost)
}

/// The planner keeps a route slot for every trip a vehicle may make, and empty slots cost
/// search time; so the trips are bounded by what the wait allows. Every trip leaves within
/// `max_port_wait` of its travelers' ready time, and one vehicle's departures are at least a
/// cycle apart (the shortest drive out, a hand-over, the disinfection; the drive back counted
/// as nothing): per distinct ready time at most `⌊wait / cycle⌋ + 1` trips. The bound never
/// forbids a trip a plan could make.
fn bound_trips(ctx: &Ctx, types: &mut [VehicleType], units: &[super::units::Unit], shortest: f64) {
    let policy = &ctx.day.policy;
    let cycle =
        (shortest.max(0.0) + super::HANDOVER_MINUTES + f64::from(policy.disinfection)).max(1.0);
    let mut ready: Vec<i64> = units
        .iter()
        .map(|u| (u.ready * 60.0).round() as i64)
        .collect();
    ready.sort_unstable();
    ready.dedup();
    let per = (f64::from(policy.max_port_wait) / cycle).floor() as usize + 1;
    let bound = ready.len().saturating_mul(per).max(1);
    for t in types {
        t.max_trips = t.max_trips.min(bound);
    }
}

/// The vehicles (indices into `types`) offered to the search. Every vehicle slot costs search
/// time whether a trip uses it or not, and a ready time at a busy port has many vehicles free:
/// so the search is offered the vehicles able to serve someone with a special need, and of
/// the rest the earliest free (then in code order) until their seats over the trips each can
/// make within the wait — a round trip at the units' mean direct ride, a hand-over and the
/// disinfection per trip — reach half as much again as the travelers waiting, plus the
/// largest unit. Whoever the search cannot carry still gets the whole fleet in
/// [`route::fill`].
fn offer(
    ctx: &Ctx,
    types: &[VehicleType],
    units: &[super::units::Unit],
    mean_ride: f64,
) -> Vec<usize> {
    let policy = &ctx.day.policy;
    let needs: Vec<Skills> = units
        .iter()
        .map(|u| u.skills())
        .filter(|s| *s != Skills::NONE)
        .collect();
    let cycle = 2.0 * mean_ride.max(0.0) + super::HANDOVER_MINUTES + f64::from(policy.disinfection);
    let per = (f64::from(policy.max_port_wait) / cycle.max(1.0)).floor() + 1.0;
    let load: usize = units.iter().map(|u| u.travelers.len()).sum();
    let largest = units.iter().map(|u| u.travelers.len()).max().unwrap_or(0);
    let need = 1.5 * load as f64 + largest as f64;
    let mut order: Vec<usize> = (0..types.len()).collect();
    order.sort_by(|&a, &b| {
        types[a]
            .shift_start
            .total_cmp(&types[b].shift_start)
            .then(a.cmp(&b))
    });
    let mut offered = Vec::new();
    let mut seats = 0.0;
    for t in order {
        let ty = &types[t];
        let special = ty.skills != Skills::NONE && needs.iter().any(|n| ty.skills.covers(*n));
        if special || seats < need {
            offered.push(t);
            if !special {
                seats += f64::from(ty.capacity) * per.min(ty.max_trips as f64);
            }
        }
    }
    offered.sort_unstable();
    offered
}
