//! The node operators of HGS (Vidal 2012, 2022): for a client U and a neighbour position V,
//! relocate one or two clients (also reversed) after V, swap 1-1, 2-1 and 2-2 client runs,
//! exchange route tails (2-opt*) and reverse a stretch of one route (2-opt).
//!
//! Each operator first bounds its gain from the arcs it changes alone: the distance change
//! priced at the types' rates, against everything else the routes pay now (their `slack`:
//! penalties and time costs, which can at best vanish). Most candidates stop there, after a
//! few matrix lookups; the rest become plans that [`super::LocalSearch::try_plan`] judges
//! exactly and applies.

use super::LocalSearch;
use super::plan::{Plan, Span};
use super::route::cost;
use crate::hgs::segment::{Seg, Tag};

impl LocalSearch<'_> {
    #[inline(always)]
    fn d(&self, a: u32, b: u32) -> f64 {
        self.m.d(a, b)
    }

    #[inline(always)]
    fn node(&self, r: usize, i: usize) -> u32 {
        self.routes[r].nodes[i]
    }

    /// Could the move gain anything? `du`/`dv`: distance change of routes `ru`/`rv` (for one
    /// route, `dv` adds to it); `lu`/`lv`: their new loads; `wu`/`wv`: lower bounds on their new
    /// time warp; `dfixed`: fixed costs of routes emptied or opened. Other time-related costs
    /// can at best vanish — except on a route that only receives clients (`v_gains`), whose
    /// time warp and duration cannot shrink.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn promising(
        &self,
        ru: usize,
        (du, lu, wu): (f64, f64, f64),
        rv: usize,
        (dv, lv, wv): (f64, f64, f64),
        dfixed: f64,
        v_gains: bool,
    ) -> bool {
        let a = &self.routes[ru];
        let ta = &self.m.types[a.t];
        let tw = self.pen.tw;
        if ru == rv {
            return ta.per_dist * (du + dv) - a.slack + tw * wu < 0.0;
        }
        let b = &self.routes[rv];
        let tb = &self.m.types[b.t];
        let lp = |l: f64, cap: f64| self.pen.load * (l - cap).max(0.0);
        let lb = ta.per_dist * du + tb.per_dist * dv + dfixed + lp(lu, ta.capacity) - a.load_pen
            + lp(lv, tb.capacity)
            - b.load_pen
            - a.slack
            + tw * wu
            - if v_gains { 0.0 } else { b.slack - tw * wv };
        lb < 0.0
    }

    /// Lower bound on the time warp of route `r` keeping positions `..=i` and `j..`: the parts'
    /// own warps (merging only adds). Zero, unread, when the route pays no time costs now.
    #[inline(always)]
    fn warp_kept(&self, r: usize, i: usize, j: usize) -> f64 {
        let route = &self.routes[r];
        if route.slack <= 0.0 {
            0.0
        } else {
            route.pre[i].tw + route.suf[j].tw
        }
    }

    /// Exact gain check for two different routes rebuilt as `su` and `sv` (`None`: emptied),
    /// both keeping their vehicle types: the cost change, if it beats the move threshold.
    #[inline(always)]
    fn improves(&self, ru: usize, su: Option<Seg>, rv: usize, sv: Option<Seg>) -> Option<f64> {
        let (a, b) = (&self.routes[ru], &self.routes[rv]);
        let old = a.cost + b.cost;
        let threshold = -1e-9 * old.abs().max(1.0);
        let cu = su.map_or(0.0, |s| cost(self.m, a.t, &s, self.pen));
        if cu - old >= threshold {
            return None;
        }
        let cv = sv.map_or(0.0, |s| cost(self.m, b.t, &s, self.pen));
        let d = cu + cv - old;
        (d < threshold).then_some(d)
    }

    /// The fast path applies: two routes (ride limits then add a walk of the changed routes,
    /// see [`LocalSearch::with_ride`]).
    #[inline(always)]
    fn fast(&self, ru: usize, rv: usize) -> bool {
        ru != rv
    }

    #[inline(always)]
    fn allowed_tags(&self, t: usize, g: Tag) -> bool {
        g.count == 0 || g.allows(t)
    }

    #[inline(always)]
    fn load_of(&self, r: usize) -> f64 {
        self.routes[r].load
    }

    #[inline(always)]
    fn q(&self, c: u32) -> f64 {
        self.m.node[c as usize].load
    }

    #[inline(always)]
    fn fixed(&self, r: usize) -> f64 {
        self.m.types[self.routes[r].t].fixed
    }

    /// Tries the operators for client `u` against position `jv` of route `rv` (0: its start
    /// depot, i.e. "insert at the front"). Returns whether a move was applied.
    pub(super) fn node_ops(&mut self, u: u32, rv: usize, jv: usize) -> bool {
        let ru = self.route_of[u as usize] as usize;
        let iu = self.pos_of[u as usize] as usize;
        let ku = self.routes[ru].len();
        if self.relocate(ru, iu, 1, false, rv, jv) {
            return true;
        }
        if iu < ku
            && (self.relocate(ru, iu, 2, false, rv, jv) || self.relocate(ru, iu, 2, true, rv, jv))
        {
            return true;
        }
        if jv >= 1 {
            let kv = self.routes[rv].len();
            if self.swap(ru, iu, 1, rv, jv, 1) {
                return true;
            }
            if iu < ku && self.swap(ru, iu, 2, rv, jv, 1) {
                return true;
            }
            if iu < ku && jv < kv && self.swap(ru, iu, 2, rv, jv, 2) {
                return true;
            }
        }
        if ru != rv {
            self.two_opt_star(ru, iu, rv, jv)
        } else {
            jv > iu + 1 && self.two_opt(ru, iu, jv)
        }
    }

    /// Moves the `n` (1 or 2) clients from position `iu` of route `ru` (reversed if `rev`) to
    /// just after position `jv` of route `rv`.
    pub(super) fn relocate(
        &mut self,
        ru: usize,
        iu: usize,
        n: usize,
        rev: bool,
        rv: usize,
        jv: usize,
    ) -> bool {
        let end = iu + n - 1;
        if ru == rv && jv + 1 >= iu && jv <= end {
            return false; // already there, or inside the moved run
        }
        let (s1, sn) = (self.node(ru, iu), self.node(ru, end));
        let (pu, nu) = (self.node(ru, iu - 1), self.node(ru, end + 1));
        let (v, w) = (self.node(rv, jv), self.node(rv, jv + 1));
        let (first, last) = if rev { (sn, s1) } else { (s1, sn) };
        let inner = if n == 2 { self.d(s1, sn) } else { 0.0 };
        let inner_new = if n == 2 { self.d(first, last) } else { 0.0 };
        let du = self.d(pu, nu) - self.d(pu, s1) - self.d(sn, nu) - inner;
        let dv = self.d(v, first) + inner_new + self.d(last, w) - self.d(v, w);
        let mut dfixed = 0.0;
        if ru != rv {
            if self.routes[ru].len() == n {
                dfixed -= self.fixed(ru);
            }
            if self.routes[rv].is_empty() {
                dfixed += self.fixed(rv);
            }
        }
        let q = self.q(s1) + if n == 2 { self.q(sn) } else { 0.0 };
        let (lu, lv) = (self.load_of(ru) - q, self.load_of(rv) + q);
        let wu = if ru == rv {
            0.0
        } else {
            self.warp_kept(ru, iu - 1, end + 1)
        };
        if !self.promising(ru, (du, lu, wu), rv, (dv, lv, 0.0), dfixed, true) {
            return false;
        }
        let mut judged = None;
        let mut lates = (None, None);
        if self.fast(ru, rv) {
            let m = self.m;
            let (a, b) = (&self.routes[ru], &self.routes[rv]);
            let (sa, sb) = (&m.node[s1 as usize], &m.node[sn as usize]);
            let seg = match (n, rev) {
                (1, _) => *sa,
                (_, false) => m.join(sa, sb),
                (_, true) => m.join(sb, sa),
            };
            if m.hard {
                let mut g = m.tag[s1 as usize];
                if n == 2 {
                    g = g.join(&m.tag[sn as usize]);
                }
                if !self.allowed_tags(b.t, b.tpre[jv].join(&g).join(&b.tsuf[jv + 1])) {
                    return false;
                }
            }
            let su = (a.len() > n).then(|| m.join(&a.pre[iu - 1], &a.suf[end + 1]));
            let sv = m.join(&m.join(&b.pre[jv], &seg), &b.suf[jv + 1]);
            judged = self.improves(ru, su, rv, Some(sv));
            if judged.is_none() {
                return false;
            }
            lates = (su.map(|s| s.late), Some(sv.late));
        }
        let last_u = self.routes[ru].last();
        let moved = if rev {
            Span::rev(ru, iu, end)
        } else {
            Span::new(ru, iu, end)
        };
        let mut p;
        if ru != rv {
            p = Plan::two(ru, rv);
            p.a(Span::new(ru, 0, iu - 1))
                .a(Span::new(ru, end + 1, last_u));
            let last_v = self.routes[rv].last();
            p.b(Span::new(rv, 0, jv))
                .b(moved)
                .b(Span::new(rv, jv + 1, last_v));
        } else {
            p = Plan::one(ru);
            if jv < iu {
                p.a(Span::new(ru, 0, jv))
                    .a(moved)
                    .a(Span::new(ru, jv + 1, iu - 1))
                    .a(Span::new(ru, end + 1, last_u));
            } else {
                p.a(Span::new(ru, 0, iu - 1))
                    .a(Span::new(ru, end + 1, jv))
                    .a(moved)
                    .a(Span::new(ru, jv + 1, last_u));
            }
        }
        self.apply_judged(&p, judged, lates)
    }

    /// Exchanges the `n` clients at `iu` of route `ru` with the `k` clients at `jv` of `rv`
    /// (`n`, `k` ≤ 2).
    pub(super) fn swap(
        &mut self,
        ru: usize,
        iu: usize,
        n: usize,
        rv: usize,
        jv: usize,
        k: usize,
    ) -> bool {
        let (eu, ev) = (iu + n - 1, jv + k - 1);
        // Symmetric exchanges: (U, V) and (V, U) are one move; evaluate it once.
        if n == k && self.node(ru, iu) > self.node(rv, jv) {
            return false;
        }
        if ru == rv && !(eu < jv || ev < iu) {
            return false; // overlapping runs
        }
        let (a1, an) = (self.node(ru, iu), self.node(ru, eu));
        let (b1, bk) = (self.node(rv, jv), self.node(rv, ev));
        let (pu, nu) = (self.node(ru, iu - 1), self.node(ru, eu + 1));
        let (pv, nv) = (self.node(rv, jv - 1), self.node(rv, ev + 1));
        let adjacent = ru == rv && (eu + 1 == jv || ev + 1 == iu);
        let mut judged = None;
        let mut lates = (None, None);
        if !adjacent {
            // Inner arcs of the runs travel with them (both directions kept).
            let (iu_d, iv_d) = (
                if n == 2 { self.d(a1, an) } else { 0.0 },
                if k == 2 { self.d(b1, bk) } else { 0.0 },
            );
            let du =
                self.d(pu, b1) + self.d(bk, nu) - self.d(pu, a1) - self.d(an, nu) + iv_d - iu_d;
            let dv =
                self.d(pv, a1) + self.d(an, nv) - self.d(pv, b1) - self.d(bk, nv) + iu_d - iv_d;
            let qa = self.q(a1) + if n == 2 { self.q(an) } else { 0.0 };
            let qb = self.q(b1) + if k == 2 { self.q(bk) } else { 0.0 };
            let (lu, lv) = (self.load_of(ru) - qa + qb, self.load_of(rv) - qb + qa);
            let (wu, wv) = if ru == rv {
                (0.0, 0.0)
            } else {
                (
                    self.warp_kept(ru, iu - 1, eu + 1),
                    self.warp_kept(rv, jv - 1, ev + 1),
                )
            };
            if !self.promising(ru, (du, lu, wu), rv, (dv, lv, wv), 0.0, false) {
                return false;
            }
            if self.fast(ru, rv) {
                let m = self.m;
                let (a, b) = (&self.routes[ru], &self.routes[rv]);
                let run = |r: &super::Route, i: usize, e: usize| {
                    let s = m.node[r.nodes[i] as usize];
                    if e > i {
                        m.join(&s, &m.node[r.nodes[e] as usize])
                    } else {
                        s
                    }
                };
                if m.hard {
                    let tags = |r: &super::Route, i: usize, e: usize| {
                        (i..=e).fold(Tag::EMPTY, |g, p| g.join(&m.tag[r.nodes[p] as usize]))
                    };
                    let (gu, gv) = (tags(a, iu, eu), tags(b, jv, ev));
                    let ok_u =
                        self.allowed_tags(a.t, a.tpre[iu - 1].join(&gv).join(&a.tsuf[eu + 1]));
                    let ok_v =
                        self.allowed_tags(b.t, b.tpre[jv - 1].join(&gu).join(&b.tsuf[ev + 1]));
                    if !ok_u || !ok_v {
                        return false;
                    }
                }
                let (ru_s, rv_s) = (run(a, iu, eu), run(b, jv, ev));
                let su = m.join(&m.join(&a.pre[iu - 1], &rv_s), &a.suf[eu + 1]);
                let sv = m.join(&m.join(&b.pre[jv - 1], &ru_s), &b.suf[ev + 1]);
                judged = self.improves(ru, Some(su), rv, Some(sv));
                if judged.is_none() {
                    return false;
                }
                lates = (Some(su.late), Some(sv.late));
            }
        }
        let su = Span::new(ru, iu, eu);
        let sv = Span::new(rv, jv, ev);
        let last_u = self.routes[ru].last();
        let mut p;
        if ru != rv {
            let last_v = self.routes[rv].last();
            p = Plan::two(ru, rv);
            p.a(Span::new(ru, 0, iu - 1))
                .a(sv)
                .a(Span::new(ru, eu + 1, last_u));
            p.b(Span::new(rv, 0, jv - 1))
                .b(su)
                .b(Span::new(rv, ev + 1, last_v));
        } else {
            p = Plan::one(ru);
            if eu < jv {
                p.a(Span::new(ru, 0, iu - 1))
                    .a(sv)
                    .a(Span::new(ru, eu + 1, jv - 1))
                    .a(su)
                    .a(Span::new(ru, ev + 1, last_u));
            } else {
                p.a(Span::new(ru, 0, jv - 1))
                    .a(su)
                    .a(Span::new(ru, ev + 1, iu - 1))
                    .a(sv)
                    .a(Span::new(ru, eu + 1, last_u));
            }
        }
        self.apply_judged(&p, judged, lates)
    }

    /// 2-opt*: route `ru` keeps its clients up to `iu` and takes `rv`'s after `jv`, and vice
    /// versa (each route keeps its vehicle type).
    pub(super) fn two_opt_star(&mut self, ru: usize, iu: usize, rv: usize, jv: usize) -> bool {
        let (last_u, last_v) = (self.routes[ru].last(), self.routes[rv].last());
        if iu + 1 == last_u && jv + 1 == last_v {
            return false; // both tails empty
        }
        let (u, nu) = (self.node(ru, iu), self.node(ru, iu + 1));
        let (v, nv) = (self.node(rv, jv), self.node(rv, jv + 1));
        let (a, b) = (&self.routes[ru], &self.routes[rv]);
        let tail_u = a.pre[last_u].dist - a.pre[iu + 1].dist;
        let tail_v = b.pre[last_v].dist - b.pre[jv + 1].dist;
        let du = self.d(u, nv) - self.d(u, nu) + tail_v - tail_u;
        let dv = self.d(v, nu) - self.d(v, nv) + tail_u - tail_v;
        let mut dfixed = 0.0;
        if jv == 0 && iu + 1 == last_u {
            dfixed -= self.fixed(rv); // v's route gives all away and gets nothing
        }
        if b.is_empty() && iu + 1 < last_u {
            dfixed += self.fixed(rv);
        }
        let (head_u, head_v) = (a.pre[iu].load, b.pre[jv].load);
        let (load_u, load_v) = (a.pre[last_u].load, b.pre[last_v].load);
        let (lu, lv) = (head_u + load_v - head_v, head_v + load_u - head_u);
        // Each new route keeps one part of its own: a lower bound on its warp.
        let wu = if a.slack > 0.0 { a.pre[iu].tw } else { 0.0 };
        let wv = if b.slack > 0.0 { b.pre[jv].tw } else { 0.0 };
        if !self.promising(ru, (du, lu, wu), rv, (dv, lv, wv), dfixed, false) {
            return false;
        }
        let mut judged = None;
        let mut lates = (None, None);
        if self.fast(ru, rv) && a.t == b.t {
            let m = self.m;
            if m.hard {
                let ok_u = self.allowed_tags(a.t, a.tpre[iu].join(&b.tsuf[jv + 1]));
                let ok_v = self.allowed_tags(b.t, b.tpre[jv].join(&a.tsuf[iu + 1]));
                if !ok_u || !ok_v {
                    return false;
                }
            }
            let su = m.join(&a.pre[iu], &b.suf[jv + 1]);
            let sv = (jv > 0 || iu + 1 < last_u).then(|| m.join(&b.pre[jv], &a.suf[iu + 1]));
            judged = self.improves(ru, Some(su), rv, sv);
            if judged.is_none() {
                return false;
            }
            lates = (Some(su.late), sv.map(|s| s.late));
        }
        let mut p = Plan::two(ru, rv);
        p.a(Span::new(ru, 0, iu)).a(Span::new(rv, jv + 1, last_v));
        p.b(Span::new(rv, 0, jv)).b(Span::new(ru, iu + 1, last_u));
        self.apply_judged(&p, judged, lates)
    }

    /// 2-opt within a route: reverses positions `iu + 1 ..= jv`.
    pub(super) fn two_opt(&mut self, r: usize, iu: usize, jv: usize) -> bool {
        let (u, nu) = (self.node(r, iu), self.node(r, iu + 1));
        let (v, nv) = (self.node(r, jv), self.node(r, jv + 1));
        let route = &self.routes[r];
        let forward = route.pre[jv].dist - route.pre[iu + 1].dist;
        let backward = route.rdist[jv] - route.rdist[iu + 1];
        let du = self.d(u, v) + self.d(nu, nv) - self.d(u, nu) - self.d(v, nv) + backward - forward;
        if !self.promising(r, (du, 0.0, 0.0), r, (0.0, 0.0, 0.0), 0.0, false) {
            return false;
        }
        let last = route.last();
        let mut p = Plan::one(r);
        p.a(Span::new(r, 0, iu))
            .a(Span::rev(r, iu + 1, jv))
            .a(Span::new(r, jv + 1, last));
        self.try_plan(&p)
    }
}
