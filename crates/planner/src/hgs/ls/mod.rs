//! Local search (the "education" of HGS): granular neighbourhoods, first-improvement node
//! operators on client pairs, SWAP* between routes whose sectors overlap, moves into empty
//! routes, and insertion of clients a crossover left out. Constraint violations (load, time
//! warp, ride excess) are priced by the penalties it is given; cohorts, `alone` and skills are
//! never violated.

mod fleet;
mod ops;
mod plan;
mod route;
mod swapstar;

use super::Stop;
use super::indiv::{Indiv, Penalty};
use super::model::Model;
use super::rng::Rng;
use route::Route;

const NONE: u32 = u32::MAX;

pub(crate) struct LocalSearch<'m> {
    pub(super) m: &'m Model,
    pub(super) routes: Vec<Route>,
    /// Per node: its route (`NONE` when missing) and position there.
    pub(super) route_of: Vec<u32>,
    pub(super) pos_of: Vec<u32>,
    pub(super) pen: Penalty,
    order: Vec<u32>,
    type_order: Vec<usize>,
    /// Move counter when a client was last examined / a route last changed; a client is
    /// re-examined against a neighbour only if either route changed since.
    last_tested: Vec<i64>,
    last_modified: Vec<i64>,
    moves: i64,
    missing: Vec<u32>,
    buf_a: Vec<u32>,
    buf_b: Vec<u32>,
    ss: swapstar::Cache,
}

impl<'m> LocalSearch<'m> {
    pub fn new(m: &'m Model) -> LocalSearch<'m> {
        let slots = m.slot_type.len();
        LocalSearch {
            m,
            routes: m.slot_type.iter().map(|&t| Route::new(t)).collect(),
            route_of: vec![NONE; m.n],
            pos_of: vec![0; m.n],
            pen: Penalty { load: 1.0, tw: 1.0 },
            order: (1..m.n as u32).collect(),
            type_order: (0..m.types.len()).collect(),
            last_tested: vec![-1; m.n],
            last_modified: vec![0; slots],
            moves: 0,
            missing: Vec::new(),
            buf_a: Vec::new(),
            buf_b: Vec::new(),
            ss: swapstar::Cache::new(m),
        }
    }

    /// Improves `ind` in place until no operator finds an improving move (or `stop` fires).
    /// Routes marked in `clean` come unchanged from an educated parent: pairs of clean routes
    /// were examined then and are skipped until one of them changes.
    pub fn run(
        &mut self,
        ind: &mut Indiv,
        pen: Penalty,
        rng: &mut Rng,
        stop: &Stop,
        clean: Option<&[bool]>,
    ) {
        self.pen = pen;
        self.load(ind);
        rng.shuffle(&mut self.order);
        rng.shuffle(&mut self.type_order);
        // Move counter 1 marks "dirty from the start"; 0 "clean"; tests start at 0.
        self.last_tested.iter_mut().for_each(|x| *x = 0);
        for (r, x) in self.last_modified.iter_mut().enumerate() {
            *x = if clean.is_some_and(|c| c[r]) { 0 } else { 1 };
        }
        self.moves = 1;
        self.insert_missing(rng);
        let mut step = 0;
        loop {
            if !self.node_search(&mut step, stop) {
                break;
            }
            let star = self.swap_star_search(stop);
            if !self.fleet_moves() && !star {
                break;
            }
        }
        self.export(ind);
    }

    fn load(&mut self, ind: &Indiv) {
        self.route_of.iter_mut().for_each(|x| *x = NONE);
        for (s, r) in ind.routes.iter().enumerate() {
            let nodes = &mut self.routes[s].nodes;
            nodes.clear();
            nodes.push(0);
            nodes.extend_from_slice(r);
            nodes.push(0);
            self.refresh(s);
        }
        self.missing.clone_from(&ind.missing);
        self.ss.clear();
    }

    fn export(&self, ind: &mut Indiv) {
        for (s, r) in self.routes.iter().enumerate() {
            ind.routes[s].clear();
            ind.routes[s].extend_from_slice(&r.nodes[1..r.nodes.len() - 1]);
        }
        ind.missing.clone_from(&self.missing);
        ind.evaluate(self.m);
    }

    fn refresh(&mut self, r: usize) {
        let (m, pen) = (self.m, self.pen);
        self.routes[r].update(m, pen, r as u32, &mut self.route_of, &mut self.pos_of);
        self.ss.invalidate(r);
    }

    /// After a route changed: caches, and the bookkeeping that decides what to re-examine.
    pub(super) fn updated(&mut self, r: usize) {
        self.refresh(r);
        self.moves += 1;
        self.last_modified[r] = self.moves;
    }

    /// Passes over all clients until one finds nothing; returns false when stopped early.
    fn node_search(&mut self, step: &mut usize, stop: &Stop) -> bool {
        loop {
            let before = self.moves;
            for k in 0..self.order.len() {
                if k % 32 == 0 && stop.now() {
                    return false;
                }
                let u = self.order[k];
                if self.route_of[u as usize] == NONE {
                    continue;
                }
                let tested = self.last_tested[u as usize];
                self.last_tested[u as usize] = self.moves;
                let m = self.m;
                for &v in &m.neighbours[u as usize] {
                    let rv = self.route_of[v as usize];
                    if rv == NONE {
                        continue;
                    }
                    let ru = self.route_of[u as usize] as usize;
                    if self.last_modified[ru] <= tested && self.last_modified[rv as usize] <= tested
                    {
                        continue;
                    }
                    let jv = self.pos_of[v as usize] as usize;
                    if self.node_ops(u, rv as usize, jv) {
                        continue;
                    }
                    if jv == 1 {
                        self.node_ops(u, rv as usize, 0);
                    }
                }
                // Opening a route is tried only after a first pass, lest every client open one.
                if *step > 0 {
                    self.empty_route_moves(u);
                }
            }
            *step += 1;
            if self.moves == before {
                return true;
            }
        }
    }

    /// Moves `u` (and what follows it) into an empty route, one vehicle type after another.
    fn empty_route_moves(&mut self, u: u32) {
        for k in 0..self.type_order.len() {
            let t = self.type_order[k];
            let Some(e) = self.m.type_slots[t]
                .clone()
                .find(|&s| self.routes[s].is_empty())
            else {
                continue;
            };
            let ru = self.route_of[u as usize] as usize;
            let iu = self.pos_of[u as usize] as usize;
            let ku = self.routes[ru].len();
            if self.relocate(ru, iu, 1, false, e, 0)
                || (iu < ku && self.relocate(ru, iu, 2, false, e, 0))
                || self.two_opt_star(ru, iu, e, 0)
            {
                return;
            }
        }
    }

    /// Puts every missing client at its cheapest allowed place: after a routed neighbour,
    /// in an empty route, or (hard constraints leaving nothing else) anywhere.
    fn insert_missing(&mut self, rng: &mut Rng) {
        if self.missing.is_empty() {
            return;
        }
        let mut todo = std::mem::take(&mut self.missing);
        rng.shuffle(&mut todo);
        for &c in &todo {
            let mut best: Option<(f64, usize, usize)> = None;
            let m = self.m;
            let consider =
                |ls: &Self, r: usize, j: usize, best: &mut Option<(f64, usize, usize)>| {
                    let threshold = best.map_or(f64::INFINITY, |b| b.0);
                    if let Some(d) = ls.insertion_delta(c, r, j, threshold) {
                        *best = Some((d, r, j));
                    }
                };
            for &v in &m.neighbours[c as usize] {
                let rv = self.route_of[v as usize];
                if rv == NONE {
                    continue;
                }
                let jv = self.pos_of[v as usize] as usize;
                consider(self, rv as usize, jv, &mut best);
                if jv == 1 {
                    consider(self, rv as usize, 0, &mut best);
                }
            }
            for t in 0..m.types.len() {
                if let Some(e) = m.type_slots[t].clone().find(|&s| self.routes[s].is_empty()) {
                    consider(self, e, 0, &mut best);
                }
            }
            if best.is_none() {
                for r in 0..self.routes.len() {
                    for j in 0..self.routes[r].last() {
                        consider(self, r, j, &mut best);
                    }
                }
            }
            match best {
                Some((_, r, j)) => self.insert(c, r, j),
                None => self.missing.push(c),
            }
        }
    }

    /// Cost of inserting missing client `c` after position `j` of route `r`.
    fn insertion_delta(&self, c: u32, r: usize, j: usize, threshold: f64) -> Option<f64> {
        // The client is on no route, so no span can name it: merge its segment directly.
        let m = self.m;
        let route = &self.routes[r];
        let t = route.t;
        if m.hard {
            let g = route.tpre[j]
                .join(&m.tag[c as usize])
                .join(&route.tsuf[j + 1]);
            if !g.allows(t) {
                return None;
            }
        }
        let seg = m.join(
            &m.join(&route.pre[j], &m.node[c as usize]),
            &route.suf[j + 1],
        );
        let mut cost = route::cost(m, t, &seg, self.pen);
        if m.ride {
            let nodes = route.nodes[1..=j]
                .iter()
                .copied()
                .chain(std::iter::once(c))
                .chain(route.nodes[j + 1..route.last()].iter().copied());
            cost += self.pen.tw * super::schedule::ride(m, nodes, seg.late).0;
        }
        let d = cost - route.cost;
        (d < threshold).then_some(d)
    }

    fn insert(&mut self, c: u32, r: usize, j: usize) {
        self.routes[r].nodes.insert(j + 1, c);
        self.updated(r);
    }

    /// SWAP* over route pairs with overlapping sectors, either changed since last examined.
    fn swap_star_search(&mut self, stop: &Stop) -> bool {
        let before = self.moves;
        let n = self.routes.len();
        for a in 0..n {
            if self.routes[a].is_empty() {
                continue;
            }
            if stop.now() {
                return false;
            }
            let tested = self.ss.examine(a, self.moves);
            for b in a + 1..n {
                if self.routes[a].is_empty() {
                    break;
                }
                if self.routes[b].is_empty()
                    || (self.last_modified[a] <= tested && self.last_modified[b] <= tested)
                    || !route::overlap(self.routes[a].sector, self.routes[b].sector)
                {
                    continue;
                }
                self.swap_star(a, b);
            }
        }
        self.moves != before
    }
}
