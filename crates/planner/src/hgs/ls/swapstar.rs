//! SWAP* (Vidal 2022, "Hybrid genetic search for the CVRP: open-source implementation and
//! SWAP* neighborhood"): exchange a client of one route with a client of another, each going to
//! its best place in the other route rather than into the vacated one. Each client's three best
//! insertion places per route are cached, so a route pair costs O(|A|·|B|). With time windows
//! the removal and insertion terms are approximations (as in PyVRP); the chosen pair is then
//! judged exactly before it is applied.

use super::LocalSearch;
use super::plan::{Plan, Span};
use crate::hgs::model::Model;
use crate::hgs::segment::Seg;

#[derive(Clone, Copy)]
struct Ins {
    stamp: u64,
    cost: [f64; 3],
    after: [u32; 3],
}

pub(super) struct Cache {
    n: usize,
    /// Per route: a stamp unique over the run, renewed whenever the route changes.
    version: Vec<u64>,
    counter: u64,
    /// Per client: the route version it was computed for, and the removal delta.
    removal: Vec<(u64, f64)>,
    /// Per (route, client): the three cheapest insertion places (after position).
    ins: Vec<Ins>,
    /// Per route: move counter when last examined as the first route of a pair.
    last_tested: Vec<i64>,
}

impl Cache {
    pub fn new(m: &Model) -> Cache {
        let slots = m.slot_type.len();
        Cache {
            n: m.n,
            version: (1..=slots as u64).collect(),
            counter: slots as u64,
            removal: vec![(0, 0.0); m.n],
            ins: Vec::new(),
            last_tested: vec![-1; slots],
        }
    }

    pub fn clear(&mut self) {
        self.last_tested.iter_mut().for_each(|x| *x = 0);
    }

    pub fn invalidate(&mut self, r: usize) {
        self.counter += 1;
        self.version[r] = self.counter;
    }

    /// Marks route `a` examined now; returns the move counter of its previous examination.
    pub fn examine(&mut self, a: usize, moves: i64) -> i64 {
        std::mem::replace(&mut self.last_tested[a], moves)
    }
}

const FAR: f64 = f64::INFINITY;

impl LocalSearch<'_> {
    /// Penalised cost without the load term (SWAP* accounts for load exactly, separately).
    #[inline]
    fn cost_noload(&self, t: usize, s: &Seg, empty: bool) -> f64 {
        if empty {
            0.0
        } else {
            self.m.base_cost(t, s) + self.pen.tw * s.tw
        }
    }

    fn removal(&mut self, u: u32) -> f64 {
        let r = self.route_of[u as usize] as usize;
        let v = self.ss.version[r];
        if self.ss.removal[u as usize].0 == v {
            return self.ss.removal[u as usize].1;
        }
        let route = &self.routes[r];
        let i = self.pos_of[u as usize] as usize;
        let t = route.t;
        let now = self.cost_noload(t, &route.pre[route.last()], false);
        let seg = self.m.join(&route.pre[i - 1], &route.suf[i + 1]);
        let d = self.cost_noload(t, &seg, route.len() == 1) - now;
        self.ss.removal[u as usize] = (v, d);
        d
    }

    /// The three cheapest places for client `u` in route `r` (as it stands).
    fn insertions(&mut self, r: usize, u: u32) -> Ins {
        if self.ss.ins.is_empty() {
            let none = Ins {
                stamp: 0,
                cost: [FAR; 3],
                after: [0; 3],
            };
            self.ss.ins = vec![none; self.routes.len() * self.ss.n];
        }
        let key = r * self.ss.n + u as usize;
        let v = self.ss.version[r];
        if self.ss.ins[key].stamp == v {
            return self.ss.ins[key];
        }
        let route = &self.routes[r];
        let t = route.t;
        let now = self.cost_noload(t, &route.pre[route.last()], false);
        let node = self.m.node[u as usize];
        let mut best = Ins {
            stamp: v,
            cost: [FAR; 3],
            after: [0; 3],
        };
        for p in 0..route.last() {
            let seg = self
                .m
                .join(&self.m.join(&route.pre[p], &node), &route.suf[p + 1]);
            let d = self.cost_noload(t, &seg, false) - now;
            if d < best.cost[2] {
                let mut k = 2;
                while k > 0 && d < best.cost[k - 1] {
                    best.cost[k] = best.cost[k - 1];
                    best.after[k] = best.after[k - 1];
                    k -= 1;
                }
                best.cost[k] = d;
                best.after[k] = p as u32;
            }
        }
        self.ss.ins[key] = best;
        best
    }

    /// Best place for `u` in `v`'s route once `v` has left it: a cached place not next to
    /// `v`, or else `v`'s own place.
    fn place_without(&mut self, u: u32, v: u32) -> (f64, usize) {
        let r = self.route_of[v as usize] as usize;
        let jv = self.pos_of[v as usize] as usize;
        let ins = self.insertions(r, u);
        for k in 0..3 {
            let p = ins.after[k] as usize;
            if ins.cost[k] < FAR && p != jv && p + 1 != jv {
                return (ins.cost[k], p);
            }
        }
        let route = &self.routes[r];
        let t = route.t;
        let seg = self.m.join(
            &self.m.join(&route.pre[jv - 1], &self.m.node[u as usize]),
            &route.suf[jv + 1],
        );
        let now = self.cost_noload(t, &route.pre[route.last()], false);
        let rem = self.removal(v);
        (self.cost_noload(t, &seg, false) - now - rem, jv - 1)
    }

    /// Spans of route `r` with position `i` removed and the span `x` put after position `p`.
    fn replaced(&self, plan_spans: &mut Vec<Span>, r: usize, i: usize, x: Span, p: usize) {
        let last = self.routes[r].last();
        plan_spans.clear();
        if p + 1 == i {
            plan_spans.extend([Span::new(r, 0, i - 1), x, Span::new(r, i + 1, last)]);
        } else if p < i {
            plan_spans.extend([
                Span::new(r, 0, p),
                x,
                Span::new(r, p + 1, i - 1),
                Span::new(r, i + 1, last),
            ]);
        } else {
            plan_spans.extend([
                Span::new(r, 0, i - 1),
                Span::new(r, i + 1, p),
                x,
                Span::new(r, p + 1, last),
            ]);
        }
    }

    pub(super) fn swap_star(&mut self, ra: usize, rb: usize) -> bool {
        let m = self.m;
        let (ta, tb) = (self.routes[ra].t, self.routes[rb].t);
        let (cap_a, cap_b) = (m.types[ta].capacity, m.types[tb].capacity);
        let (load_a, load_b) = (
            self.routes[ra].pre[self.routes[ra].last()].load,
            self.routes[rb].pre[self.routes[rb].last()].load,
        );
        let excess = |l: f64, c: f64| (l - c).max(0.0);
        let base_load = excess(load_a, cap_a) + excess(load_b, cap_b);
        // (delta, u, place of u in b, v, place of v in a)
        let mut best = (0.0, 0u32, 0usize, 0u32, 0usize);
        for iu in 1..=self.routes[ra].len() {
            let u = self.routes[ra].nodes[iu];
            let rem_u = self.removal(u);
            for jv in 1..=self.routes[rb].len() {
                let v = self.routes[rb].nodes[jv];
                if m.hard {
                    let (a, b) = (&self.routes[ra], &self.routes[rb]);
                    let ga = a.tpre[iu - 1]
                        .join(&a.tsuf[iu + 1])
                        .join(&m.tag[v as usize]);
                    let gb = b.tpre[jv - 1]
                        .join(&b.tsuf[jv + 1])
                        .join(&m.tag[u as usize]);
                    if !ga.allows(ta) || !gb.allows(tb) {
                        continue;
                    }
                }
                let (qu, qv) = (m.node[u as usize].load, m.node[v as usize].load);
                let load_delta = self.pen.load
                    * (excess(load_a - qu + qv, cap_a) + excess(load_b - qv + qu, cap_b)
                        - base_load);
                let mut d = rem_u + self.removal(v) + load_delta;
                let (in_b, pu) = self.place_without(u, v);
                d += in_b;
                if d >= best.0 {
                    continue;
                }
                let (in_a, pv) = self.place_without(v, u);
                d += in_a;
                if d < best.0 {
                    best = (d, u, pu, v, pv);
                }
            }
        }
        if best.0 >= -1e-9 {
            return false;
        }
        let (_, u, pu, v, pv) = best;
        let (iu, jv) = (
            self.pos_of[u as usize] as usize,
            self.pos_of[v as usize] as usize,
        );
        let mut spans = Vec::with_capacity(5);
        let mut p = Plan::two(ra, rb);
        self.replaced(&mut spans, ra, iu, Span::new(rb, jv, jv), pv);
        for &s in &spans {
            p.a(s);
        }
        self.replaced(&mut spans, rb, jv, Span::new(ra, iu, iu), pu);
        for &s in &spans {
            p.b(s);
        }
        self.try_plan(&p)
    }
}
