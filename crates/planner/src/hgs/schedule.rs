//! Times within a trip (ride limits) and trips onto vehicles (multi-trip).
//!
//! The search optimises trips as separate routes; a vehicle may then drive several of them in
//! a row, each leaving no earlier than its predecessor's return plus the turnaround. Every trip
//! has a departure window (`release..=latest`) over which its duration is constant, so packing
//! trips onto the fewest vehicles is interval scheduling with release times and deadlines,
//! done greedily (best fit) in two orders; lateness that cannot be avoided is reported and
//! penalised like time warp.

use super::model::{FAR, Model, VType};

/// Ride times of a trip leaving at `dep` (time warp taken at each late stop, as the segments
/// do): the total excess over the ride limits, and the earliest departure that keeps every
/// ride within its limit (ride times only shrink as the departure moves later).
pub(crate) fn ride(m: &Model, clients: impl Iterator<Item = u32>, dep: f64) -> (f64, f64) {
    let mut sim = RideSim::new(dep);
    for c in clients {
        sim.step(m, c);
    }
    (sim.excess, sim.lowest)
}

/// Forward pass shared by [`ride`] and the local search (which walks spans of routes).
pub(crate) struct RideSim {
    dep: f64,
    /// Service start at the current stop when leaving at `dep`.
    t: f64,
    /// Service start when leaving at minus infinity: only the windows push it.
    b: f64,
    prev: u32,
    pub excess: f64,
    pub lowest: f64,
}

impl RideSim {
    pub fn new(dep: f64) -> RideSim {
        RideSim {
            dep,
            t: dep,
            b: -FAR,
            prev: 0,
            excess: 0.0,
            lowest: -FAR,
        }
    }

    #[inline]
    pub fn step(&mut self, m: &Model, c: u32) {
        let (time, _) = m.arc(self.prev, c);
        let s = &m.node[c as usize];
        self.t = (self.t + time).max(s.early).min(s.late);
        self.b = (self.b + time).max(s.early);
        let limit = m.max_ride[c as usize];
        if limit < FAR {
            self.excess += (self.t - self.dep - limit).max(0.0);
            self.lowest = self.lowest.max(self.b - limit);
        }
        self.t += s.dur;
        self.b += s.dur;
        self.prev = c;
    }
}

/// A trip's departure window and duration (return = departure + `dur` within the window).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    pub release: f64,
    pub latest: f64,
    pub dur: f64,
}

/// Trips of one vehicle type assigned to vehicles.
#[derive(Debug, Clone, Default)]
pub(crate) struct Packing {
    /// Per trip (input order): vehicle number and departure.
    pub vehicle: Vec<usize>,
    pub departure: Vec<f64>,
    pub vehicles: usize,
    /// Total departure past the trips' latest departures.
    pub lateness: f64,
}

/// Packs `trips` of type `ty`. With `late`, departures are then pushed as late as each vehicle's
/// chain allows (less waiting and shorter rides in the plan handed out).
pub(crate) fn pack(ty: &VType, trips: &[Window], late: bool) -> Packing {
    if ty.max_trips <= 1 {
        return Packing {
            vehicle: (0..trips.len()).collect(),
            departure: trips
                .iter()
                .map(|w| if late { w.latest } else { w.release })
                .collect(),
            vehicles: trips.len(),
            lateness: 0.0,
        };
    }
    let mut order: Vec<usize> = (0..trips.len()).collect();
    let by_release = {
        order.sort_by(|&a, &b| {
            trips[a]
                .release
                .total_cmp(&trips[b].release)
                .then(a.cmp(&b))
        });
        greedy(ty, trips, &order)
    };
    order.sort_by(|&a, &b| trips[a].latest.total_cmp(&trips[b].latest).then(a.cmp(&b)));
    let by_latest = greedy(ty, trips, &order);
    let key = |p: &Packing| (p.lateness > 1e-9, p.vehicles, p.lateness);
    let mut best =
        if key(&by_latest).partial_cmp(&key(&by_release)) == Some(std::cmp::Ordering::Less) {
            by_latest
        } else {
            by_release
        };
    if late {
        push_late(ty, trips, &mut best);
    }
    best
}

fn greedy(ty: &VType, trips: &[Window], order: &[usize]) -> Packing {
    // Per vehicle: time it is free again, trips so far.
    let mut free: Vec<(f64, usize)> = Vec::new();
    let mut p = Packing {
        vehicle: vec![0; trips.len()],
        departure: vec![0.0; trips.len()],
        vehicles: 0,
        lateness: 0.0,
    };
    for &i in order {
        let w = trips[i];
        // Best fit: the vehicle free the latest that still makes the window.
        let mut pick = None;
        let mut pick_free = f64::NEG_INFINITY;
        for (v, &(f, n)) in free.iter().enumerate() {
            if n < ty.max_trips && f <= w.latest + 1e-9 && f > pick_free {
                pick = Some(v);
                pick_free = f;
            }
        }
        if pick.is_none() {
            if free.len() < ty.count.max(1) {
                free.push((f64::NEG_INFINITY, 0));
                pick = Some(free.len() - 1);
            } else {
                // No vehicle makes it in time: the one free soonest, late.
                pick = free
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| f.1 < ty.max_trips)
                    .min_by(|a, b| a.1.0.total_cmp(&b.1.0))
                    .map(|(v, _)| v);
            }
        }
        let v = pick.unwrap_or(0);
        let dep = w.release.max(free[v].0);
        p.lateness += (dep - w.latest).max(0.0);
        free[v] = (dep + w.dur + ty.turnaround, free[v].1 + 1);
        p.vehicle[i] = v;
        p.departure[i] = dep;
    }
    p.vehicles = free.len();
    p
}

/// Backward pass per vehicle: each trip leaves as late as its window and its successor allow.
fn push_late(ty: &VType, trips: &[Window], p: &mut Packing) {
    let mut by_vehicle: Vec<Vec<usize>> = vec![Vec::new(); p.vehicles];
    for (i, &v) in p.vehicle.iter().enumerate() {
        by_vehicle[v].push(i);
    }
    for chain in &mut by_vehicle {
        chain.sort_by(|&a, &b| p.departure[a].total_cmp(&p.departure[b]).then(a.cmp(&b)));
        let mut next_dep = f64::INFINITY;
        for &i in chain.iter().rev() {
            let cap = next_dep - ty.turnaround - trips[i].dur;
            let dep = trips[i].latest.min(cap).max(p.departure[i]);
            p.departure[i] = dep;
            next_dep = dep;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(count: usize, max_trips: usize) -> VType {
        VType {
            index: 0,
            capacity: 10.0,
            start: 0.0,
            end: 100.0,
            fixed: 0.0,
            per_dist: 1.0,
            per_time: 0.0,
            count,
            max_trips,
            turnaround: 5.0,
        }
    }

    #[test]
    fn packs_sequential_trips_on_one_vehicle() {
        let w = |r, l, d| Window {
            release: r,
            latest: l,
            dur: d,
        };
        let trips = [w(0.0, 10.0, 20.0), w(0.0, 50.0, 20.0), w(0.0, 80.0, 10.0)];
        let p = pack(&ty(3, 3), &trips, true);
        assert_eq!(p.vehicles, 1);
        assert_eq!(p.lateness, 0.0);
        // Latest departures: 80, then 80 - 5 - 20 = 55 capped at 50, then 50 - 25 = 25 capped at 10.
        assert_eq!(p.departure, vec![10.0, 50.0, 80.0]);
        let p = pack(&ty(1, 2), &trips, false);
        assert!(p.lateness > 0.0 || p.vehicles == 1);
    }
}
