//! One origin's planning problem, and trips — the planner's, or driven outside it — timed and
//! checked into drafts.
//!
//! A trip is a list of visits: a location of the problem's matrix, the unit whose travelers
//! leave there (all of its stops at that location, or one stop of a tour), the window and
//! the ride limit. The planner's trips visit its jobs; a tour (a group whose members go to
//! different addresses) visits its stops nearest first.

use super::draft::{Draft, DraftStop, FAR, Frame};
use super::fleet::Fleet;
use super::units::{Unit, same_point};
use super::{Ctx, HANDOVER_MINUTES, TOL};
use crate::ids::TravelerCode;
use crate::plan::Place;
use crate::problem::{Point, Vehicle};
use closedloop_planner::{Depot, Job, Matrix, Objective, Problem, Trip, VehicleType};
use std::collections::BTreeSet;

/// Per unit, the matrix location of each of its stops.
pub(super) type Locations = Vec<Vec<usize>>;

/// One stop of a trip.
#[derive(Debug, Clone)]
pub(super) struct Visit {
    pub location: usize,
    pub unit: usize,
    /// Which of the unit's stops leave here: all (a planner job) or one (a tour).
    pub stop: Option<usize>,
    pub ready: f64,
    pub due: f64,
}

/// The planning problem of one origin: location 0 is the origin, then each distinct point of
/// the units' stops. Tours have no job (the planner never sees them) but their points are in
/// the matrix, so they are timed on the same legs.
pub(super) fn problem(
    ctx: &Ctx,
    origin: &Place,
    at: Point,
    units: &[Unit],
    fleet: Vec<VehicleType>,
) -> (Problem, Locations) {
    let mut points = vec![at];
    let mut locations = Vec::with_capacity(units.len());
    for u in units {
        let mut of_unit = Vec::with_capacity(u.stops.len());
        for (_, p, _) in &u.stops {
            let l = match points.iter().skip(1).position(|q| same_point(*q, *p)) {
                Some(i) => i + 1,
                None => {
                    points.push(*p);
                    points.len() - 1
                }
            };
            of_unit.push(l);
        }
        locations.push(of_unit);
    }
    let legs = ctx.travel.matrix(&points);
    let n = points.len();
    let clean = |v: f64| if v.is_finite() && v >= 0.0 { v } else { FAR };
    let (mut time, mut distance) = (Vec::with_capacity(n * n), Vec::with_capacity(n * n));
    for i in 0..n * n {
        let leg = legs.get(i);
        time.push(clean(leg.map_or(FAR, |l| l.minutes)));
        distance.push(clean(leg.map_or(FAR, |l| l.km)));
    }
    let matrix =
        Matrix::new(n, time, distance).unwrap_or_else(|_| Matrix::euclidean(&vec![(0.0, 0.0); n]));
    let wait = f64::from(ctx.day.policy.max_port_wait);
    // A tour's job is a placeholder no vehicle can take (the planner lists it unassigned):
    // job indices stay unit indices.
    let jobs = units
        .iter()
        .zip(&locations)
        .map(|(u, l)| {
            let loc = l.first().copied().unwrap_or(0);
            let direct = matrix.time(0, loc);
            let tour = u.point().is_none();
            Job {
                name: u
                    .travelers
                    .first()
                    .map_or_else(String::new, |t| t.to_string()),
                location: loc,
                demand: if tour {
                    u32::MAX
                } else {
                    u.travelers.len() as u32
                },
                ready: u.ready + direct,
                due: u.ready + wait + direct,
                service: HANDOVER_MINUTES,
                skills: u.skills(),
                cohort: Some(u.cohort),
                max_ride: Some(f64::from(u.max_ride(ctx))),
                alone: u.sick,
            }
        })
        .collect();
    let start = fleet
        .iter()
        .map(|t| t.shift_start)
        .fold(f64::INFINITY, f64::min);
    let end = fleet
        .iter()
        .map(|t| t.shift_end)
        .fold(f64::NEG_INFINITY, f64::max);
    let problem = Problem {
        name: super::origin_key(origin).1,
        matrix,
        depot: Depot {
            location: 0,
            ready: start,
            due: end.max(start),
        },
        jobs,
        fleet,
        objective: Objective::VehiclesThenCost,
    };
    (problem, locations)
}

/// The visits of a planner trip: each job, all its unit's stops.
pub(super) fn planned(p: &Problem, trip: &Trip) -> Vec<Visit> {
    trip.jobs
        .iter()
        .filter_map(|&j| {
            let job = p.jobs.get(j)?;
            Some(Visit {
                location: job.location,
                unit: j,
                stop: None,
                ready: job.ready,
                due: job.due,
            })
        })
        .collect()
}

/// The visits of unit `j` driven on its own: its locations nearest first from the origin,
/// each stop once. Windows open at ready plus the direct drive; the departure is checked
/// against the wait directly.
fn alone(p: &Problem, units: &[Unit], locations: &Locations, j: usize) -> Vec<Visit> {
    let (Some(u), Some(locs)) = (units.get(j), locations.get(j)) else {
        return Vec::new();
    };
    if u.point().is_some() {
        let job = &p.jobs[j];
        return vec![Visit {
            location: job.location,
            unit: j,
            stop: None,
            ready: job.ready,
            due: job.due,
        }];
    }
    let mut left: Vec<usize> = (0..locs.len()).collect();
    let (mut at, mut out) = (0usize, Vec::new());
    while !left.is_empty() {
        let k = (0..left.len())
            .min_by(|&a, &b| {
                p.matrix
                    .time(at, locs[left[a]])
                    .total_cmp(&p.matrix.time(at, locs[left[b]]))
                    .then(left[a].cmp(&left[b]))
            })
            .unwrap_or(0);
        let s = left.remove(k);
        at = locs[s];
        out.push(Visit {
            location: at,
            unit: j,
            stop: Some(s),
            ready: u.ready + p.matrix.time(0, at),
            due: f64::INFINITY,
        });
    }
    out
}

/// The longest ride of a unit driven alone (its stops nearest first), and whether every leg
/// can be driven at all.
pub(super) fn direct_ride(ctx: &Ctx, at: Point, u: &Unit) -> (f64, bool) {
    let mut left: Vec<Point> = u.stops.iter().map(|s| s.1).collect();
    let (mut here, mut t, mut ok) = (at, 0.0f64, true);
    let mut ride = 0.0f64;
    while !left.is_empty() {
        let legs: Vec<f64> = left
            .iter()
            .map(|p| ctx.travel.leg(here, *p).minutes)
            .collect();
        let k = (0..left.len())
            .min_by(|&a, &b| legs[a].total_cmp(&legs[b]))
            .unwrap_or(0);
        ok &= legs[k].is_finite();
        t += legs[k];
        ride = ride.max(t);
        t += HANDOVER_MINUTES;
        here = left.remove(k);
    }
    ok &= ctx.travel.leg(here, at).minutes.is_finite();
    (ride, ok)
}

/// What timing a trip needs: the problem (matrix, vehicle types), the units, the vehicle.
pub(super) struct On<'a, 'b> {
    pub ctx: &'a Ctx<'b>,
    pub p: &'a Problem,
    pub units: &'a [Unit<'b>],
    pub vehicle: &'b Vehicle,
    pub vehicle_type: usize,
    pub origin: (&'a Place, Frame),
}

impl On<'_, '_> {
    /// A trip leaving at `depart` over `visits`, timed and checked against the rules; none
    /// if it breaks one.
    pub fn draft(&self, visits: &[Visit], depart: f64) -> Option<Draft> {
        let (ctx, p, units) = (self.ctx, self.p, self.units);
        let ty = p.fleet.get(self.vehicle_type)?;
        let wait = f64::from(ctx.day.policy.max_port_wait);
        let first = units.get(visits.first()?.unit)?;
        let (mut t, mut prev, mut km) = (depart, 0usize, 0.0);
        let mut riding: BTreeSet<usize> = BTreeSet::new();
        let mut stops: Vec<(usize, DraftStop)> = Vec::new();
        for v in visits {
            let u = units.get(v.unit)?;
            // One cohort, one ready time; the sick alone; the vehicle offers what they need.
            let same = u.cohort == first.cohort && (u.ready - first.ready).abs() < TOL;
            if !same || !ty.skills.covers(u.skills()) {
                return None;
            }
            if depart + TOL < u.ready || depart > u.ready + wait + TOL {
                return None;
            }
            riding.insert(v.unit);
            km += p.matrix.distance(prev, v.location);
            t = (t + p.matrix.time(prev, v.location)).max(v.ready);
            if t > v.due + TOL || t - depart > f64::from(u.max_ride(ctx)) + TOL {
                return None;
            }
            let picked: Vec<usize> = match v.stop {
                Some(s) => vec![s],
                None => (0..u.stops.len()).collect(),
            };
            for s in picked {
                let (place, _, travelers) = u.stops.get(s)?;
                let travelers = travelers.iter().map(|c| (*c).clone());
                match stops.last_mut() {
                    Some((l, d)) if *l == v.location && &d.place == place => {
                        d.travelers.extend(travelers)
                    }
                    _ => stops.push((
                        v.location,
                        DraftStop {
                            place: place.clone(),
                            eta: t,
                            travelers: travelers.collect(),
                        },
                    )),
                }
            }
            t += HANDOVER_MINUTES;
            prev = v.location;
        }
        let sick = riding.iter().any(|&j| units[j].sick);
        let load: usize = riding.iter().map(|&j| units[j].travelers.len()).sum();
        km += p.matrix.distance(prev, 0);
        let back = t + p.matrix.time(prev, 0);
        if (sick && riding.len() > 1)
            || load > ty.capacity as usize
            || depart + TOL < ty.shift_start
            || back > ty.shift_end + TOL
        {
            return None;
        }
        let base_at = ctx.day.port(&self.vehicle.base)?.location;
        let (leave_base, back_base) = match self.origin.1 {
            Frame::Port => (depart, back),
            Frame::Hotel(hotel) => {
                let there = ctx.travel.leg(base_at, hotel);
                let home = ctx.travel.leg(hotel, base_at);
                km += there.km + home.km;
                (depart - there.minutes, back + home.minutes)
            }
        };
        let mut stops: Vec<DraftStop> = stops.into_iter().map(|(_, s)| s).collect();
        for s in &mut stops {
            s.travelers.sort();
        }
        let on_board = stops.iter().flat_map(|s| s.travelers.iter());
        let people: Vec<_> = on_board.filter_map(|c| ctx.people.get(c)).collect();
        let arrival = if riding.iter().all(|&j| units[j].arrival == first.arrival) {
            first.arrival.clone()
        } else {
            None
        };
        Some(Draft {
            origin: self.origin.0.clone(),
            arrival,
            vehicle: self.vehicle.code.clone(),
            base: self.vehicle.base.clone(),
            leave_base,
            depart,
            stops,
            ready_again: back_base + f64::from(ctx.day.policy.disinfection),
            back,
            km,
            special: people.iter().any(|p| p.traveler.is_special()),
            languages: people
                .iter()
                .filter_map(|p| p.traveler.language.clone())
                .collect(),
        })
    }
}

/// Units the planner left out though a vehicle could take them, and tours. The search does
/// not always open a new trip when jobs cannot pair within the seats (two units of three on
/// five-place vehicles). Each such unit, earliest ready first, gets a trip of its own on the
/// first vehicle (in code order) with a gap in its day: leaving within the wait, back and
/// disinfected before its next trip.
pub(super) fn fill(
    ctx: &Ctx,
    fleet: &mut Fleet,
    (p, locations): (&Problem, &Locations),
    units: &[Unit],
    (index, origin, frame): (&[usize], &Place, Frame),
    out: &mut Vec<Draft>,
) {
    let carried: BTreeSet<TravelerCode> = out.iter().flat_map(|d| d.travelers().cloned()).collect();
    let mut left: Vec<usize> = (0..units.len())
        .filter(|&j| units[j].travelers.iter().all(|t| !carried.contains(*t)))
        .collect();
    left.sort_by(|&a, &b| {
        units[a]
            .ready
            .total_cmp(&units[b].ready)
            .then(units[a].travelers.cmp(&units[b].travelers))
    });
    let wait = f64::from(ctx.day.policy.max_port_wait);
    for j in left {
        let u = &units[j];
        let visits = alone(p, units, locations, j);
        let found = p.fleet.iter().enumerate().find_map(|(t, ty)| {
            let v = *index.get(t)?;
            let vehicle = fleet.vehicles[v];
            let approach = approach(ctx, vehicle, frame);
            let mut starts: Vec<f64> = std::iter::once(ty.shift_start)
                .chain(fleet.busy[v].iter().map(|b| b.1 + approach))
                .map(|s| s.max(u.ready))
                .filter(|&s| s <= u.ready + wait + TOL)
                .collect();
            starts.sort_by(f64::total_cmp);
            let on = On {
                ctx,
                p,
                units,
                vehicle,
                vehicle_type: t,
                origin: (origin, frame),
            };
            starts.into_iter().find_map(|depart| {
                let d = on.draft(&visits, depart)?;
                let clear = fleet.clear(v, d.leave_base, d.ready_again)
                    && d.leave_base + TOL >= ctx.clock(vehicle.available_from);
                clear.then_some((v, d))
            })
        });
        if let Some((v, d)) = found {
            fleet.book(v, d.leave_base, d.ready_again);
            out.push(d);
        }
    }
}

/// Minutes from a vehicle's base to the origin: none when the origin is its port.
fn approach(ctx: &Ctx, vehicle: &Vehicle, frame: Frame) -> f64 {
    match (frame, ctx.day.port(&vehicle.base)) {
        (Frame::Hotel(hotel), Some(base)) => ctx.travel.leg(base.location, hotel).minutes,
        _ => 0.0,
    }
}
