//! One route slot during the local search: its nodes with the depot at both ends, and the
//! cached prefix and suffix summaries that let a move be judged in O(1).

use crate::hgs::indiv::Penalty;
use crate::hgs::model::Model;
use crate::hgs::segment::{Seg, Tag};
use std::f64::consts::TAU;

#[derive(Debug, Clone)]
pub(crate) struct Route {
    /// Vehicle type of the slot.
    pub t: usize,
    /// `[0, c1, …, ck, 0]`.
    pub nodes: Vec<u32>,
    /// `pre[i]`: nodes `0..=i`; `suf[i]`: nodes `i..`.
    pub pre: Vec<Seg>,
    pub suf: Vec<Seg>,
    /// `rdist[i]`: distance of nodes `0..=i` driven backwards (asymmetric matrices).
    pub rdist: Vec<f64>,
    /// Hard-constraint tags of prefixes and suffixes (kept only when the model has any).
    pub tpre: Vec<Tag>,
    pub tsuf: Vec<Tag>,
    /// Penalised cost, ride-time excess included.
    pub cost: f64,
    /// Total load, and the load penalty paid now.
    pub load: f64,
    pub load_pen: f64,
    /// `cost` minus fixed, distance and load costs (time warp, ride excess and time costs):
    /// what a move's bound from arcs and loads cannot see.
    pub slack: f64,
    /// Polar sector of the clients around the depot: start angle and width.
    pub sector: (f64, f64),
}

impl Route {
    pub fn new(t: usize) -> Route {
        Route {
            t,
            nodes: vec![0, 0],
            pre: Vec::new(),
            suf: Vec::new(),
            rdist: Vec::new(),
            tpre: Vec::new(),
            tsuf: Vec::new(),
            cost: 0.0,
            load: 0.0,
            load_pen: 0.0,
            slack: 0.0,
            sector: (0.0, 0.0),
        }
    }

    /// Clients on the route.
    #[inline]
    pub fn len(&self) -> usize {
        self.nodes.len() - 2
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.nodes.len() == 2
    }

    /// Index of the end depot.
    #[inline]
    pub fn last(&self) -> usize {
        self.nodes.len() - 1
    }

    /// Rebuilds every cache from `nodes`; records positions of its clients.
    pub fn update(
        &mut self,
        m: &Model,
        pen: Penalty,
        me: u32,
        route_of: &mut [u32],
        pos_of: &mut [u32],
    ) {
        let len = self.nodes.len();
        let depot = m.depot[self.t];
        self.pre.clear();
        self.suf.clear();
        self.rdist.clear();
        self.pre.push(depot);
        self.rdist.push(0.0);
        for i in 1..len {
            let c = self.nodes[i];
            let s = if i + 1 == len {
                depot
            } else {
                route_of[c as usize] = me;
                pos_of[c as usize] = i as u32;
                m.node[c as usize]
            };
            let prev = self.pre[i - 1];
            self.pre.push(m.join(&prev, &s));
            let back = m.arc(c, self.nodes[i - 1]).1;
            self.rdist.push(self.rdist[i - 1] + back);
        }
        self.suf.resize(len, depot);
        for i in (0..len - 1).rev() {
            let c = self.nodes[i];
            let s = if i == 0 { depot } else { m.node[c as usize] };
            self.suf[i] = m.join(&s, &self.suf[i + 1]);
        }
        if m.hard {
            self.tpre.clear();
            self.tsuf.clear();
            self.tpre.push(Tag::EMPTY);
            for i in 1..len {
                let g = if i + 1 == len {
                    Tag::EMPTY
                } else {
                    m.tag[self.nodes[i] as usize]
                };
                let prev = self.tpre[i - 1];
                self.tpre.push(prev.join(&g));
            }
            self.tsuf.resize(len, Tag::EMPTY);
            for i in (1..len - 1).rev() {
                self.tsuf[i] = m.tag[self.nodes[i] as usize].join(&self.tsuf[i + 1]);
            }
        }
        self.cost = if self.is_empty() {
            0.0
        } else {
            let seg = &self.pre[len - 1];
            let mut c = cost(m, self.t, seg, pen);
            if m.ride {
                let excess =
                    crate::hgs::schedule::ride(m, self.nodes[1..len - 1].iter().copied(), seg.late)
                        .0;
                c += pen.tw * excess;
            }
            c
        };
        self.load = self.pre[len - 1].load;
        (self.load_pen, self.slack) = if self.is_empty() {
            (0.0, 0.0)
        } else {
            let ty = &m.types[self.t];
            let whole = &self.pre[len - 1];
            let lp = pen.load * (whole.load - ty.capacity).max(0.0);
            (lp, self.cost - ty.fixed - ty.per_dist * whole.dist - lp)
        };
        self.sector = sector(m, &self.nodes[1..len - 1]);
    }
}

/// Penalised cost of a non-empty trip of type `t` (ride excess aside).
#[inline(always)]
pub(crate) fn cost(m: &Model, t: usize, s: &Seg, pen: Penalty) -> f64 {
    m.base_cost(t, s) + pen.load * (s.load - m.types[t].capacity).max(0.0) + pen.tw * s.tw
}

/// The narrowest arc of directions (around the depot) holding every client, grown one client
/// at a time toward the nearer side, as in HGS-CVRP's circle sectors.
fn sector(m: &Model, clients: &[u32]) -> (f64, f64) {
    let Some(&first) = clients.first() else {
        return (0.0, 0.0);
    };
    let (mut start, mut width) = (m.angle[first as usize], 0.0);
    for &c in &clients[1..] {
        let a = m.angle[c as usize];
        let from_start = (a - start).rem_euclid(TAU);
        if from_start <= width {
            continue;
        }
        let before = (start - a).rem_euclid(TAU);
        if from_start - width <= before {
            width = from_start;
        } else {
            start = a;
            width += before;
        }
    }
    (start, width)
}

/// Do two sectors overlap (with a small angular tolerance)?
pub(crate) fn overlap(a: (f64, f64), b: (f64, f64)) -> bool {
    const TOL: f64 = 0.05;
    (b.0 - a.0).rem_euclid(TAU) <= a.1 + TOL || (a.0 - b.0).rem_euclid(TAU) <= b.1 + TOL
}
