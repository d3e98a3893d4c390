//! The plan handed out: trips onto vehicles with departures, and jobs left unserved.

use super::indiv::{Indiv, pack_all, route_seg};
use super::model::{EPS, Model};
use super::schedule;
use crate::{Solution, Trip};

/// The trips of `ind` packed onto vehicles, each leaving as late as its vehicle's chain of
/// trips allows (least waiting, shortest rides); plus the jobs of missing clients.
pub(crate) fn solution(m: &Model, ind: &Indiv) -> (Solution, Vec<usize>) {
    let plans = ind.trip_plans(m);
    let mut trips = Vec::with_capacity(plans.len());
    for (idx, packing) in pack_all(m, &plans, true) {
        for (k, &i) in idx.iter().enumerate() {
            let slot = plans[i].slot;
            trips.push(Trip {
                vehicle_type: m.types[m.slot_type[slot]].index,
                vehicle: packing.vehicle[k],
                departure: packing.departure[k],
                jobs: ind.routes[slot]
                    .iter()
                    .map(|&c| m.job[c as usize])
                    .collect(),
            });
        }
    }
    trips.sort_by(|a, b| {
        (a.vehicle_type, a.vehicle)
            .cmp(&(b.vehicle_type, b.vehicle))
            .then(a.departure.total_cmp(&b.departure))
    });
    let missing = ind.missing.iter().map(|&c| m.job[c as usize]).collect();
    (Solution { trips }, missing)
}

/// When the search was stopped before it produced anything: every client on a trip of its
/// own while slots last (each such trip is feasible by construction of the model).
pub(crate) fn fallback(m: &Model) -> (Solution, Vec<usize>) {
    let mut ind = Indiv::empty(m);
    let mut used = vec![false; m.slot_type.len()];
    for c in 1..m.n as u32 {
        let free = (0..used.len())
            .find(|&s| !used[s] && (m.tag[c as usize].types >> m.slot_type[s]) & 1 == 1);
        match free {
            Some(s) => {
                used[s] = true;
                ind.routes[s].push(c);
            }
            None => ind.missing.push(c),
        }
    }
    ind.evaluate(m);
    solution(m, &ind)
}

/// Violation of one trip of type `t`: excess load, time warp and ride excess.
fn violation(m: &Model, t: usize, clients: &[u32]) -> f64 {
    if clients.is_empty() {
        return 0.0;
    }
    let seg = route_seg(m, t, clients);
    let ride = if m.ride {
        schedule::ride(m, clients.iter().copied(), seg.late).0
    } else {
        0.0
    };
    (seg.load - m.types[t].capacity).max(0.0) + seg.tw + ride
}

/// When no feasible plan was found (the fleet cannot serve everyone, or time ran out): the
/// least infeasible one made feasible by leaving jobs out — from each violating trip the job
/// whose removal helps most, until the trip complies (a job alone always does: the model keeps
/// only jobs some type can serve on a trip of their own); then whole trips that cannot be
/// packed onto the vehicles in time.
pub(crate) fn repair(m: &Model, ind: &Indiv) -> Indiv {
    let mut ind = ind.clone();
    for s in 0..ind.routes.len() {
        let t = m.slot_type[s];
        while violation(m, t, &ind.routes[s]) > EPS {
            let r = &ind.routes[s];
            let mut best = (f64::INFINITY, 0);
            for k in 0..r.len() {
                let mut rest = r.clone();
                rest.remove(k);
                let v = violation(m, t, &rest);
                if v < best.0 {
                    best = (v, k);
                }
            }
            let c = ind.routes[s].remove(best.1);
            ind.missing.push(c);
        }
    }
    loop {
        ind.evaluate(m);
        if ind.warp <= 1e-7 {
            break;
        }
        // Only packing can be late now: drop the latest trip.
        let plans = ind.trip_plans(m);
        let mut worst = (0.0, usize::MAX);
        for (idx, packing) in pack_all(m, &plans, false) {
            for (k, &i) in idx.iter().enumerate() {
                let late = packing.departure[k] - plans[i].window.latest;
                if late > worst.0 {
                    worst = (late, plans[i].slot);
                }
            }
        }
        if worst.1 == usize::MAX {
            break;
        }
        let dropped = std::mem::take(&mut ind.routes[worst.1]);
        ind.missing.extend(dropped);
    }
    ind
}
