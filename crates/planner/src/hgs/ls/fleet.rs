//! Route moves for a mixed fleet: hand a whole trip to a vehicle type that does it cheaper,
//! into an empty slot of that type or by trading trips with a route of another type. Node
//! moves keep each route's type, so without these a trip could never change vehicle kind.

use super::LocalSearch;
use super::route::cost;
use crate::hgs::schedule::RideSim;
use crate::hgs::segment::Tag;

impl LocalSearch<'_> {
    /// Penalised cost of route `r`'s clients on a trip of type `t` (`None`: not allowed).
    fn cost_as(&self, r: usize, t: usize) -> Option<f64> {
        let m = self.m;
        let route = &self.routes[r];
        if route.is_empty() {
            return Some(0.0);
        }
        let clients = &route.nodes[1..route.last()];
        if m.hard {
            let g = clients
                .iter()
                .fold(Tag::EMPTY, |g, &c| g.join(&m.tag[c as usize]));
            if !g.allows(t) {
                return None;
            }
        }
        let mut seg = m.depot[t];
        for &c in clients {
            seg = m.join(&seg, &m.node[c as usize]);
        }
        seg = m.join(&seg, &m.depot[t]);
        let mut c = cost(m, t, &seg, self.pen);
        if m.ride {
            let mut sim = RideSim::new(seg.late);
            clients.iter().for_each(|&x| sim.step(m, x));
            c += self.pen.tw * sim.excess;
        }
        Some(c)
    }

    fn exchange_routes(&mut self, a: usize, b: usize) {
        let (x, y) = (
            std::mem::take(&mut self.routes[a].nodes),
            std::mem::take(&mut self.routes[b].nodes),
        );
        self.routes[a].nodes = y;
        self.routes[b].nodes = x;
        self.updated(a);
        self.updated(b);
    }

    /// Tries every non-empty route on every other type; returns whether anything moved.
    pub(super) fn fleet_moves(&mut self) -> bool {
        let m = self.m;
        if m.types.len() < 2 {
            return false;
        }
        let before = self.moves;
        'route: for a in 0..self.routes.len() {
            if self.routes[a].is_empty() {
                continue;
            }
            let ta = self.routes[a].t;
            for tb in 0..m.types.len() {
                if tb == ta {
                    continue;
                }
                let Some(alone) = self.cost_as(a, tb) else {
                    continue;
                };
                // Into an empty slot of type tb.
                let threshold = 1e-9 * self.routes[a].cost.abs().max(1.0);
                if alone < self.routes[a].cost - threshold
                    && let Some(e) = m.type_slots[tb]
                        .clone()
                        .find(|&s| self.routes[s].is_empty())
                {
                    self.exchange_routes(a, e);
                    continue 'route;
                }
                // Or trade with a route of type tb.
                for b in m.type_slots[tb].clone() {
                    if self.routes[b].is_empty() {
                        continue;
                    }
                    let Some(back) = self.cost_as(b, ta) else {
                        continue;
                    };
                    let old = self.routes[a].cost + self.routes[b].cost;
                    if alone + back < old - 1e-9 * old.abs().max(1.0) {
                        self.exchange_routes(a, b);
                        continue 'route;
                    }
                }
            }
        }
        self.moves != before
    }
}
