//! A solution as the genetic algorithm handles it: the clients of each route slot in order,
//! its evaluation (objective cost and the violations that penalties price), and the neighbour
//! structure the diversity measure compares.

use super::model::{EPS, Model};
use super::schedule::{self, Packing, Window};

/// Prices of one unit of excess load and one unit of time warp (ride excess and trips that
/// cannot be packed onto vehicles in time count as time warp).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Penalty {
    pub load: f64,
    pub tw: f64,
}

#[derive(Debug, Clone)]
pub(crate) struct Indiv {
    /// Clients per route slot (depots implicit).
    pub routes: Vec<Vec<u32>>,
    /// Clients that found no trip that may carry them (hard constraints); priced heavily.
    pub missing: Vec<u32>,
    /// Objective: trip and vehicle weights, fixed, distance and time costs; no penalties.
    pub cost: f64,
    pub load: f64,
    pub warp: f64,
    pub vehicles: usize,
    pub trips: usize,
    /// Previous and next node per client (0: the depot), for the broken-pairs distance.
    pub pred: Vec<u32>,
    pub succ: Vec<u32>,
}

/// Per trip of an evaluated plan: the slot, the departure window and duration.
pub(crate) struct TripPlan {
    pub slot: usize,
    pub window: Window,
}

impl Indiv {
    pub fn empty(m: &Model) -> Indiv {
        Indiv {
            routes: vec![Vec::new(); m.slot_type.len()],
            missing: Vec::new(),
            cost: 0.0,
            load: 0.0,
            warp: 0.0,
            vehicles: 0,
            trips: 0,
            pred: vec![0; m.n],
            succ: vec![0; m.n],
        }
    }

    pub fn feasible(&self) -> bool {
        self.load <= EPS && self.warp <= 1e-7 && self.missing.is_empty()
    }

    pub fn penalised(&self, m: &Model, p: Penalty) -> f64 {
        self.cost
            + p.load * self.load
            + p.tw * self.warp
            + m.missing_weight * self.missing.len() as f64
    }

    /// Recomputes the evaluation from the routes.
    pub fn evaluate(&mut self, m: &Model) {
        let plans = self.trip_plans(m);
        self.cost = 0.0;
        self.load = 0.0;
        self.warp = 0.0;
        self.trips = plans.len();
        for (s, r) in self.routes.iter().enumerate() {
            if r.is_empty() {
                continue;
            }
            let t = m.slot_type[s];
            let seg = route_seg(m, t, r);
            self.cost += m.base_cost(t, &seg);
            self.load += (seg.load - m.types[t].capacity).max(0.0);
            self.warp += seg.tw;
            if m.ride {
                self.warp += schedule::ride(m, r.iter().copied(), seg.late).0;
            }
        }
        self.vehicles = 0;
        for (_, packing) in pack_all(m, &plans, false) {
            self.vehicles += packing.vehicles;
            self.warp += packing.lateness;
        }
        if m.multi_trip {
            self.cost += m.vehicle_weight * self.vehicles as f64;
        }
        self.pred.iter_mut().for_each(|x| *x = 0);
        self.succ.iter_mut().for_each(|x| *x = 0);
        for r in &self.routes {
            for (k, &c) in r.iter().enumerate() {
                self.pred[c as usize] = if k == 0 { 0 } else { r[k - 1] };
                self.succ[c as usize] = r.get(k + 1).copied().unwrap_or(0);
            }
        }
        for &c in &self.missing {
            self.pred[c as usize] = u32::MAX;
            self.succ[c as usize] = u32::MAX;
        }
    }

    /// Departure windows of the non-empty routes.
    pub fn trip_plans(&self, m: &Model) -> Vec<TripPlan> {
        let mut out = Vec::new();
        for (s, r) in self.routes.iter().enumerate() {
            if r.is_empty() {
                continue;
            }
            let t = m.slot_type[s];
            let seg = route_seg(m, t, r);
            let release = if m.ride {
                seg.early
                    .max(schedule::ride(m, r.iter().copied(), seg.late).1)
            } else {
                seg.early
            };
            out.push(TripPlan {
                slot: s,
                window: Window {
                    release: release.min(seg.late),
                    latest: seg.late,
                    dur: seg.dur,
                },
            });
        }
        out
    }

    /// Broken-pairs distance (Prins 2009; Vidal et al. 2012): the share of clients whose
    /// neighbours differ between the two solutions.
    pub fn distance(&self, other: &Indiv) -> f64 {
        let n = self.pred.len();
        let mut broken = 0usize;
        for c in 1..n {
            let (s, p) = (self.succ[c], self.pred[c]);
            if s != other.succ[c] && s != other.pred[c] {
                broken += 1;
            }
            if p == 0 && other.pred[c] != 0 && other.succ[c] != 0 {
                broken += 1;
            }
        }
        broken as f64 / (n.max(2) - 1) as f64
    }
}

/// The whole trip of type `t` through `clients`, depot to depot.
pub(crate) fn route_seg(m: &Model, t: usize, clients: &[u32]) -> super::segment::Seg {
    let mut seg = m.depot[t];
    for &c in clients {
        seg = m.join(&seg, &m.node[c as usize]);
    }
    m.join(&seg, &m.depot[t])
}

/// Packs the trips of each vehicle type; returns, per type that has trips, the indices into
/// `plans` and the packing.
pub(crate) fn pack_all(m: &Model, plans: &[TripPlan], late: bool) -> Vec<(Vec<usize>, Packing)> {
    let mut out = Vec::new();
    for (t, ty) in m.types.iter().enumerate() {
        let idx: Vec<usize> = (0..plans.len())
            .filter(|&i| m.slot_type[plans[i].slot] == t)
            .collect();
        if idx.is_empty() {
            continue;
        }
        let windows: Vec<Window> = idx.iter().map(|&i| plans[i].window).collect();
        out.push((idx, schedule::pack(ty, &windows, late)));
    }
    out
}
