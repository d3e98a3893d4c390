//! The problem as the search sees it: flat arrays indexed by node (0 = the depot, then one
//! node per servable job), arcs stored as (time, distance) pairs so one cache line serves
//! both, vehicle types with their route slots, granular neighbour lists and pseudo-coordinates.
//! Built once per solve; every thread shares it read-only.

use super::embed;
use super::segment::{NO_COHORT, Seg, Tag};
use crate::{Objective, Problem};
use std::ops::Range;

/// Stand-in for an infinite time: large enough never to bind, small enough that sums and
/// differences of such values stay finite (no NaN from ∞ − ∞ in segment merges).
pub(crate) const FAR: f64 = 1e15;

/// Numerical slack on time and load comparisons, well below the checker's 1e-6.
pub(crate) const EPS: f64 = 1e-9;

/// Neighbours per client in the granular neighbourhood (as HGS-CVRP; PyVRP used 40: at equal
/// time 20 measured better here for 1 s and equal for 10 s runs).
const NEIGHBOURS: usize = 20;

#[derive(Debug, Clone)]
pub(crate) struct VType {
    /// Index into `Problem::fleet`.
    pub index: usize,
    pub capacity: f64,
    /// Departure no earlier than `start`, return no later than `end` (depot hours and shift).
    pub start: f64,
    pub end: f64,
    /// Per trip: the type's fixed cost plus, under [`Objective::VehiclesThenCost`], the weight
    /// that makes saving a trip worth more than any detour.
    pub fixed: f64,
    pub per_dist: f64,
    pub per_time: f64,
    pub count: usize,
    pub max_trips: usize,
    pub turnaround: f64,
}

#[derive(Debug)]
pub(crate) struct Model {
    /// Nodes: the depot (0) and the servable jobs.
    pub n: usize,
    /// Node → job index in the problem (`usize::MAX` for the depot).
    pub job: Vec<usize>,
    /// `arcs[a * n + b]` = (time, distance).
    pub arcs: Vec<(f64, f64)>,
    /// Distances alone, half the memory: what the operators' first screening reads.
    pub dist: Vec<f64>,
    /// Single-node segments; entry 0 is unused (depots come per vehicle type).
    pub node: Vec<Seg>,
    pub tag: Vec<Tag>,
    /// Ride limit per node (`FAR` when none).
    pub max_ride: Vec<f64>,
    pub types: Vec<VType>,
    /// The depot as start or end of a trip of each type.
    pub depot: Vec<Seg>,
    /// Route slots: each is a potential trip of one type; `slot_type[s]` is its type.
    pub slot_type: Vec<usize>,
    pub type_slots: Vec<Range<usize>>,
    /// Granular neighbourhood: nearest clients by distance and time-window fit.
    pub neighbours: Vec<Vec<u32>>,
    /// Pseudo-coordinates (see [`embed`]) and polar angle around the depot.
    pub xy: Vec<(f64, f64)>,
    pub angle: Vec<f64>,
    /// Any cohort, `alone`, skill or seat restriction that can forbid a pairing.
    pub hard: bool,
    /// Any job with a ride limit.
    pub ride: bool,
    /// Any type allowing several trips per vehicle: trips are then packed onto vehicles.
    pub multi_trip: bool,
    /// Under [`Objective::VehiclesThenCost`], added per vehicle used (on top of trip weights).
    pub vehicle_weight: f64,
    /// Jobs no vehicle type can serve at all.
    pub unservable: Vec<usize>,
    /// Starting penalties per unit of excess load and of time warp.
    pub init_penalty: (f64, f64),
    /// Price of a client left out of every trip (only when hard constraints leave no room).
    pub missing_weight: f64,
}

impl Model {
    #[inline(always)]
    pub fn arc(&self, a: u32, b: u32) -> (f64, f64) {
        // SAFETY of the unchecked-free path: indices come from the model's own node range.
        self.arcs[a as usize * self.n + b as usize]
    }

    #[inline(always)]
    pub fn join(&self, a: &Seg, b: &Seg) -> Seg {
        let (t, d) = self.arc(a.last, b.first);
        a.join(b, t, d)
    }

    /// Cost of a trip of type `t` with summary `s` (no penalties), for a non-empty trip.
    #[inline(always)]
    pub fn base_cost(&self, t: usize, s: &Seg) -> f64 {
        let ty = &self.types[t];
        ty.fixed + ty.per_dist * s.dist + ty.per_time * s.dur
    }

    #[inline(always)]
    pub fn d(&self, a: u32, b: u32) -> f64 {
        self.dist[a as usize * self.n + b as usize]
    }

    pub fn build(p: &Problem) -> Model {
        let depot_loc = p.depot.location;
        let ntypes = p.fleet.len().min(64);
        let far = |x: f64| x.clamp(-FAR, FAR);
        let types: Vec<VType> = p.fleet[..ntypes]
            .iter()
            .enumerate()
            .map(|(i, t)| VType {
                index: i,
                capacity: t.capacity as f64,
                start: far(p.depot.ready.max(t.shift_start)),
                end: far(p.depot.due.min(t.shift_end)),
                fixed: t.fixed_cost,
                per_dist: t.cost_per_distance,
                per_time: t.cost_per_time,
                count: t.count,
                max_trips: t.max_trips.max(1),
                turnaround: t.turnaround,
            })
            .collect();
        let depot: Vec<Seg> = types
            .iter()
            .map(|t| Seg {
                first: 0,
                last: 0,
                dist: 0.0,
                dur: 0.0,
                tw: 0.0,
                early: t.start,
                late: t.end,
                load: 0.0,
            })
            .collect();
        let mut cohorts: Vec<u32> = p.jobs.iter().filter_map(|j| j.cohort).collect();
        cohorts.sort_unstable();
        cohorts.dedup();

        // Which types can serve each job: seats, skills, and the window reachable on a trip
        // of its own (with the ride limit met when leaving as late as possible).
        let mut job = vec![usize::MAX];
        let mut unservable = Vec::new();
        let mut node = vec![depot.first().copied().unwrap_or(Seg {
            first: 0,
            last: 0,
            dist: 0.0,
            dur: 0.0,
            tw: 0.0,
            early: 0.0,
            late: 0.0,
            load: 0.0,
        })];
        let mut tag = vec![Tag::EMPTY];
        let mut max_ride = vec![FAR];
        for (j, jb) in p.jobs.iter().enumerate() {
            let id = job.len() as u32;
            let seg = Seg {
                first: id,
                last: id,
                dist: 0.0,
                dur: far(jb.service),
                tw: 0.0,
                early: far(jb.ready),
                late: far(jb.due),
                load: jb.demand as f64,
            };
            let ride = jb.max_ride.map_or(FAR, far);
            let mut types_ok = 0u64;
            for (t, depot_t) in depot.iter().enumerate() {
                if !p.can_serve(t, j) {
                    continue;
                }
                let l = jb.location;
                let (t0, d0) = (p.matrix.time(depot_loc, l), p.matrix.distance(depot_loc, l));
                let (t1, d1) = (p.matrix.time(l, depot_loc), p.matrix.distance(l, depot_loc));
                let trip = depot_t.join(&seg, t0, d0).join(depot_t, t1, d1);
                let start = (trip.late + t0).max(jb.ready);
                if trip.tw <= EPS && start - trip.late <= ride + EPS {
                    types_ok |= 1 << t;
                }
            }
            if types_ok == 0 {
                unservable.push(j);
                continue;
            }
            job.push(j);
            node.push(seg);
            max_ride.push(ride);
            tag.push(Tag {
                types: types_ok,
                cohort: jb
                    .cohort
                    .map_or(NO_COHORT, |c| cohorts.binary_search(&c).unwrap() as u32),
                alone: jb.alone,
                count: 1,
            });
        }
        let n = job.len();
        let loc = |v: usize| {
            if v == 0 {
                depot_loc
            } else {
                p.jobs[job[v]].location
            }
        };
        let mut arcs = Vec::with_capacity(n * n);
        for a in 0..n {
            for b in 0..n {
                let (la, lb) = (loc(a), loc(b));
                arcs.push((p.matrix.time(la, lb), p.matrix.distance(la, lb)));
            }
        }

        let any_type = tag[1..].iter().fold(0u64, |a, g| a | g.types);
        let hard = tag[1..]
            .iter()
            .any(|g| g.cohort != NO_COHORT || g.alone || g.types != any_type);
        let ride = max_ride[1..].iter().any(|&r| r < FAR);

        // Route slots per type: as many trips as the type's vehicles can make, but never more
        // than the jobs it can carry (empty slots cost time in the search).
        let mut slot_type = Vec::new();
        let mut type_slots = Vec::new();
        for (t, ty) in types.iter().enumerate() {
            let servable = tag[1..].iter().filter(|g| (g.types >> t) & 1 == 1).count();
            let k = (ty.count.saturating_mul(ty.max_trips)).min(servable);
            let from = slot_type.len();
            slot_type.extend(std::iter::repeat_n(t, k));
            type_slots.push(from..slot_type.len());
        }
        let multi_trip = types.iter().any(|t| t.max_trips > 1 && t.count > 0);

        let dist = arcs.iter().map(|a| a.1).collect();
        let mut model = Model {
            n,
            job,
            arcs,
            dist,
            node,
            tag,
            max_ride,
            types,
            depot,
            slot_type,
            type_slots,
            neighbours: Vec::new(),
            xy: Vec::new(),
            angle: Vec::new(),
            hard,
            ride,
            multi_trip,
            vehicle_weight: 0.0,
            unservable,
            init_penalty: (1.0, 1.0),
            missing_weight: 0.0,
        };
        model.weights(p.objective);
        model.neighbours = model.granular(NEIGHBOURS);
        model.xy = embed::plane(n, &model.dist);
        let (x0, y0) = model.xy[0];
        model.angle = model
            .xy
            .iter()
            .map(|&(x, y)| (y - y0).atan2(x - x0))
            .collect();
        model
    }

    /// Objective weights and starting penalties. Under `VehiclesThenCost` each trip weighs more
    /// than twice the dearest single-job round trip, so saving a trip beats any detour it
    /// costs; each vehicle weighs more than all the trips it can make. Heavier trip weights
    /// were tried (10 and 50 times the dearest round trip, Solomon under this objective, 1 s):
    /// they left the search mostly infeasible and used more vehicles, not fewer.
    fn weights(&mut self, objective: Objective) {
        let mut dearest: f64 = 0.0;
        for v in 1..self.n {
            let cheapest = (0..self.types.len())
                .filter(|&t| (self.tag[v].types >> t) & 1 == 1)
                .map(|t| {
                    let s = self.join(&self.join(&self.depot[t], &self.node[v]), &self.depot[t]);
                    self.base_cost(t, &s)
                })
                .fold(f64::INFINITY, f64::min);
            dearest = dearest.max(cheapest);
        }
        if objective == Objective::VehiclesThenCost {
            let trip = 2.0 * dearest + 1.0;
            let most_trips = self.types.iter().map(|t| t.max_trips).max().unwrap_or(1);
            for t in &mut self.types {
                t.fixed += trip;
            }
            self.vehicle_weight = trip * (most_trips as f64 + 1.0);
        }
        self.missing_weight = 100.0 * (dearest + 1.0) + 10.0 * self.vehicle_weight;
        // As PyVRP: one unit of violation first weighs as much as an average arc.
        let n = self.n;
        let unit = self
            .types
            .iter()
            .map(|t| t.per_dist)
            .fold(f64::INFINITY, f64::min);
        let unit = if unit.is_finite() && unit > 0.0 {
            unit
        } else {
            1.0
        };
        let avg = |f: fn(&(f64, f64)) -> f64| self.arcs.iter().map(f).sum::<f64>() / (n * n) as f64;
        let avg_cost = unit * avg(|a| a.1);
        let avg_time = avg(|a| a.0);
        let avg_load = self.node[1..].iter().map(|s| s.load).sum::<f64>() / (n.max(2) - 1) as f64;
        self.init_penalty = (
            (avg_cost / avg_load.max(1.0)).max(0.1),
            (avg_cost / avg_time.max(1.0)).max(0.1),
        );
        if objective == Objective::VehiclesThenCost {
            // A trip weighs many arcs here: penalties starting at an arc's worth would let the
            // search pile every client onto one vehicle and stay infeasible for most of a short
            // run (measured: a 60-traveler day found no plan in 1 s). Start with an average
            // violation as dear as a trip; the adaptive penalties soon lower it if too strict.
            let trip = 2.0 * dearest + 1.0;
            self.init_penalty.0 = self.init_penalty.0.max(trip / avg_load.max(1.0));
            self.init_penalty.1 = self.init_penalty.1.max(trip / avg_time.max(1.0));
        }
    }

    /// Granular neighbour lists (Vidal et al. 2013, as generalised in PyVRP): distance plus a
    /// weight on the least waiting and the least time warp between the two windows, taken in
    /// the better direction. Pairs that may never share a trip go last.
    fn granular(&self, k: usize) -> Vec<Vec<u32>> {
        let n = self.n;
        let k = k.min(n.saturating_sub(2));
        let prox = |i: usize, j: usize| {
            let (a, b) = (&self.node[i], &self.node[j]);
            let (t, d) = self.arcs[i * n + j];
            let wait = (b.early - t - a.dur - a.late).max(0.0);
            let warp = (a.early + a.dur + t - b.late).max(0.0);
            d + 0.2 * wait + warp
        };
        let mut out = vec![Vec::new(); n];
        let mut cand: Vec<(f64, u32)> = Vec::with_capacity(n);
        for (i, list) in out.iter_mut().enumerate().skip(1) {
            cand.clear();
            for j in 1..n {
                if j == i {
                    continue;
                }
                let mut p = prox(i, j).min(prox(j, i));
                let both = self.tag[i].join(&self.tag[j]);
                if self.hard && !(0..self.types.len()).any(|t| both.allows(t)) {
                    p += FAR;
                }
                cand.push((p, j as u32));
            }
            cand.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            *list = cand[..k].iter().map(|c| c.1).collect();
        }
        out
    }
}
