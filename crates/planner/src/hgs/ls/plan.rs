//! Moves described as plans: each changed route is rebuilt from at most five spans of the
//! current routes (a prefix, a few moved clients, a middle part, a suffix). One evaluator judges
//! every operator's plan — hard constraints first, then the exact penalised cost from cached
//! segments. (Operators screen candidates with a distance-only bound before building a plan.)

use super::LocalSearch;
use super::route::cost;
use crate::hgs::schedule::RideSim;
use crate::hgs::segment::{Seg, Tag};

/// Positions `i..=j` of route `r`, driven backwards when `rev` (never with depots inside).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span {
    pub r: u32,
    pub i: u32,
    pub j: u32,
    pub rev: bool,
}

impl Span {
    #[inline(always)]
    pub fn new(r: usize, i: usize, j: usize) -> Span {
        Span {
            r: r as u32,
            i: i as u32,
            j: j as u32,
            rev: false,
        }
    }

    #[inline(always)]
    pub fn rev(r: usize, i: usize, j: usize) -> Span {
        Span {
            rev: true,
            ..Span::new(r, i, j)
        }
    }
}

const NO_ROUTE: usize = usize::MAX;

/// New contents for one or two routes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    pub ra: usize,
    pub a: [Span; 5],
    pub na: usize,
    pub rb: usize,
    pub b: [Span; 5],
    pub nb: usize,
}

impl Plan {
    pub fn one(r: usize) -> Plan {
        let s = Span::new(0, 0, 0);
        Plan {
            ra: r,
            a: [s; 5],
            na: 0,
            rb: NO_ROUTE,
            b: [s; 5],
            nb: 0,
        }
    }

    pub fn two(ra: usize, rb: usize) -> Plan {
        Plan {
            rb,
            ..Plan::one(ra)
        }
    }

    /// Appends to route A's spans, skipping empty middles (`i > j`).
    #[inline(always)]
    pub fn a(&mut self, s: Span) -> &mut Self {
        if s.i <= s.j {
            self.a[self.na] = s;
            self.na += 1;
        }
        self
    }

    #[inline(always)]
    pub fn b(&mut self, s: Span) -> &mut Self {
        if s.i <= s.j {
            self.b[self.nb] = s;
            self.nb += 1;
        }
        self
    }

    pub fn has_b(&self) -> bool {
        self.rb != NO_ROUTE
    }
}

impl LocalSearch<'_> {
    #[inline(always)]
    fn span_clients(&self, s: Span) -> usize {
        let r = &self.routes[s.r as usize];
        (s.j - s.i + 1) as usize - (s.i == 0) as usize - (s.j as usize == r.last()) as usize
    }

    /// Segment of a span as part of a trip of type `t` (depots take `t`'s hours).
    #[inline]
    pub(super) fn span_seg(&self, s: Span, t: usize) -> Seg {
        let m = self.m;
        let r = &self.routes[s.r as usize];
        let (i, j) = (s.i as usize, s.j as usize);
        let at = |p: usize| {
            if p == 0 || p == r.last() {
                m.depot[t]
            } else {
                m.node[r.nodes[p] as usize]
            }
        };
        if s.rev {
            let mut seg = at(j);
            for p in (i..j).rev() {
                seg = m.join(&seg, &at(p));
            }
            return seg;
        }
        if r.t == t {
            if i == 0 {
                return r.pre[j];
            }
            if j == r.last() {
                return r.suf[i];
            }
        }
        let mut seg = at(i);
        for p in i + 1..=j {
            seg = m.join(&seg, &at(p));
        }
        seg
    }

    #[inline]
    fn span_tag(&self, s: Span) -> Tag {
        let r = &self.routes[s.r as usize];
        let (i, j) = (s.i as usize, s.j as usize);
        if i == 0 {
            return r.tpre[j];
        }
        if j == r.last() {
            return r.tsuf[i];
        }
        let mut g = Tag::EMPTY;
        for p in i..=j {
            g = g.join(&self.m.tag[r.nodes[p] as usize]);
        }
        g
    }

    fn allowed(&self, t: usize, spans: &[Span]) -> bool {
        let mut g = Tag::EMPTY;
        for &s in spans {
            g = g.join(&self.span_tag(s));
        }
        g.count == 0 || g.allows(t)
    }

    fn full_cost(&self, t: usize, spans: &[Span]) -> (Seg, f64) {
        let mut seg = self.span_seg(spans[0], t);
        for &s in &spans[1..] {
            seg = self.m.join(&seg, &self.span_seg(s, t));
        }
        let c = cost(self.m, t, &seg, self.pen);
        (seg, c)
    }

    fn ride_excess(&self, spans: &[Span], dep: f64) -> f64 {
        let mut sim = RideSim::new(dep);
        for &s in spans {
            let r = &self.routes[s.r as usize];
            let last = r.last() as u32;
            let mut visit = |p: u32| {
                if p != 0 && p != last {
                    sim.step(self.m, r.nodes[p as usize]);
                }
            };
            if s.rev {
                (s.i..=s.j).rev().for_each(&mut visit);
            } else {
                (s.i..=s.j).for_each(&mut visit);
            }
        }
        sim.excess
    }

    /// The change in penalised cost if `p` is applied, when below `threshold`.
    pub(super) fn delta(&self, p: &Plan, threshold: f64) -> Option<f64> {
        let m = self.m;
        let ta = self.routes[p.ra].t;
        let (a, b) = (&p.a[..p.na], &p.b[..p.nb]);
        let tb = if p.has_b() { self.routes[p.rb].t } else { 0 };
        // A plan for one route only reorders it: its clients, and so its tag, stay.
        if m.hard && p.has_b() && (!self.allowed(ta, a) || !self.allowed(tb, b)) {
            return None;
        }
        let old = self.routes[p.ra].cost
            + if p.has_b() {
                self.routes[p.rb].cost
            } else {
                0.0
            };
        let ka: usize = a.iter().map(|&s| self.span_clients(s)).sum();
        let kb: usize = b.iter().map(|&s| self.span_clients(s)).sum();
        let (mut ca, mut sa) = (0.0, None);
        if ka > 0 {
            let (seg, c) = self.full_cost(ta, a);
            ca = c;
            sa = Some(seg);
            // Route B's cost is never negative, so this already decides.
            if ca - old >= threshold {
                return None;
            }
        }
        let (mut cb, mut sb) = (0.0, None);
        if kb > 0 {
            let (seg, c) = self.full_cost(tb, b);
            cb = c;
            sb = Some(seg);
        }
        let mut d = ca + cb - old;
        if d >= threshold {
            return None;
        }
        if m.ride {
            let mut excess = 0.0;
            if let Some(s) = sa {
                excess += self.ride_excess(a, s.late);
            }
            if let Some(s) = sb {
                excess += self.ride_excess(b, s.late);
            }
            d += self.pen.tw * excess;
            if d >= threshold {
                return None;
            }
        }
        Some(d)
    }

    /// Applies `p` when it improves; the threshold is relative to the routes' cost so that
    /// rounding noise never makes two moves undo each other forever.
    pub(super) fn try_plan(&mut self, p: &Plan) -> bool {
        let old = self.routes[p.ra].cost
            + if p.has_b() {
                self.routes[p.rb].cost
            } else {
                0.0
            };
        let threshold = -1e-9 * old.abs().max(1.0);
        match self.delta(p, threshold) {
            Some(d) => {
                self.apply(p, d);
                true
            }
            None => false,
        }
    }

    /// Adds the ride-excess price of the rebuilt routes (leaving at `late_a`/`late_b`, `None`
    /// for an emptied route) to a change judged without it; `None` if it no longer improves.
    pub(super) fn with_ride(
        &self,
        p: &Plan,
        judged: f64,
        late_a: Option<f64>,
        late_b: Option<f64>,
    ) -> Option<f64> {
        let old = self.routes[p.ra].cost
            + if p.has_b() {
                self.routes[p.rb].cost
            } else {
                0.0
            };
        let mut excess = 0.0;
        if let Some(l) = late_a {
            excess += self.ride_excess(&p.a[..p.na], l);
        }
        if let Some(l) = late_b {
            excess += self.ride_excess(&p.b[..p.nb], l);
        }
        let d = judged + self.pen.tw * excess;
        (d < -1e-9 * old.abs().max(1.0)).then_some(d)
    }

    /// [`LocalSearch::try_or_apply`] for a change judged on segments alone: with ride limits,
    /// the ride excess of the rebuilt routes (leaving at `lates`) is added first, and the change
    /// is dropped if it no longer improves.
    pub(super) fn apply_judged(
        &mut self,
        p: &Plan,
        judged: Option<f64>,
        lates: (Option<f64>, Option<f64>),
    ) -> bool {
        let judged = match judged {
            Some(d) if self.m.ride => match self.with_ride(p, d, lates.0, lates.1) {
                None => return false,
                better => better,
            },
            other => other,
        };
        self.try_or_apply(p, judged)
    }

    /// Applies `p` if it improves — judged here unless the caller already found its exact
    /// change (`judged`).
    pub(super) fn try_or_apply(&mut self, p: &Plan, judged: Option<f64>) -> bool {
        match judged {
            Some(d) => {
                self.apply(p, d);
                true
            }
            None => self.try_plan(p),
        }
    }

    /// Rebuilds the routes of `p`; `delta` is the change its evaluation predicted, checked
    /// against the rebuilt routes in debug builds (every evaluation shortcut must be exact).
    pub(super) fn apply(&mut self, p: &Plan, delta: f64) {
        let before = self.routes[p.ra].cost
            + if p.has_b() {
                self.routes[p.rb].cost
            } else {
                0.0
            };
        let mut a = std::mem::take(&mut self.buf_a);
        let mut b = std::mem::take(&mut self.buf_b);
        self.materialise(&p.a[..p.na], &mut a);
        if p.has_b() {
            self.materialise(&p.b[..p.nb], &mut b);
        }
        std::mem::swap(&mut self.routes[p.ra].nodes, &mut a);
        if p.has_b() {
            std::mem::swap(&mut self.routes[p.rb].nodes, &mut b);
        }
        self.buf_a = a;
        self.buf_b = b;
        self.updated(p.ra);
        if p.has_b() {
            self.updated(p.rb);
        }
        let after = self.routes[p.ra].cost
            + if p.has_b() {
                self.routes[p.rb].cost
            } else {
                0.0
            };
        debug_assert!(
            (after - before - delta).abs() <= 1e-6 * before.abs().max(1.0),
            "move predicted {delta}, made {}",
            after - before
        );
        let _ = (before, after, delta);
    }

    fn materialise(&self, spans: &[Span], out: &mut Vec<u32>) {
        out.clear();
        for &s in spans {
            let nodes = &self.routes[s.r as usize].nodes[s.i as usize..=s.j as usize];
            if s.rev {
                out.extend(nodes.iter().rev());
            } else {
                out.extend_from_slice(nodes);
            }
        }
        debug_assert!(out.len() >= 2 && out[0] == 0 && *out.last().unwrap() == 0);
    }
}
