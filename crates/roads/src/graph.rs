//! The directed road graph in compressed sparse row form.
//!
//! Costs are integers — travel time in microseconds, length in millimetres — compared
//! lexicographically (fastest first, then shortest), so plain Dijkstra, contraction hierarchies
//! and the exported graph all agree exactly, with no floating-point drift between them.

use closedloop_domain::hash::Fnv1a;
use std::ops::{Add, Range};

pub type NodeId = u32;

/// The cost of an edge or a path: time first, length to break ties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Cost {
    pub time_us: u64,
    pub length_mm: u64,
}

impl Cost {
    pub const ZERO: Cost = Cost {
        time_us: 0,
        length_mm: 0,
    };
    pub const MAX: Cost = Cost {
        time_us: u64::MAX,
        length_mm: u64::MAX,
    };

    pub fn seconds(&self) -> f64 {
        self.time_us as f64 / 1_000_000.0
    }

    pub fn metres(&self) -> f64 {
        self.length_mm as f64 / 1000.0
    }
}

impl Add for Cost {
    type Output = Cost;
    fn add(self, o: Cost) -> Cost {
        Cost {
            time_us: self.time_us + o.time_us,
            length_mm: self.length_mm + o.length_mm,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    pub from: NodeId,
    pub to: NodeId,
    pub time_us: u32,
    pub length_mm: u32,
}

impl Edge {
    pub fn cost(&self) -> Cost {
        Cost {
            time_us: u64::from(self.time_us),
            length_mm: u64::from(self.length_mm),
        }
    }
}

/// A node as loaded: its OpenStreetMap id and WGS 84 position.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Node {
    pub osm_id: i64,
    pub lat: f64,
    pub lon: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RoadGraph {
    nodes: Vec<Node>,
    first_out: Vec<u32>,
    head: Vec<NodeId>,
    time_us: Vec<u32>,
    length_mm: Vec<u32>,
}

impl RoadGraph {
    /// Builds the graph. Self-loops are dropped; of parallel edges the cheapest is kept (the
    /// one a shortest path would take anyway). Edges must name existing nodes.
    pub fn new(nodes: Vec<Node>, mut edges: Vec<Edge>) -> RoadGraph {
        let n = nodes.len();
        edges.retain(|e| e.from != e.to);
        assert!(
            edges
                .iter()
                .all(|e| (e.from as usize) < n && (e.to as usize) < n),
            "edge names a missing node"
        );
        edges.sort_unstable_by_key(|e| (e.from, e.to, e.cost()));
        edges.dedup_by_key(|e| (e.from, e.to));
        let mut first_out = vec![0u32; n + 1];
        for e in &edges {
            first_out[e.from as usize + 1] += 1;
        }
        for i in 0..n {
            first_out[i + 1] += first_out[i];
        }
        RoadGraph {
            nodes,
            first_out,
            head: edges.iter().map(|e| e.to).collect(),
            time_us: edges.iter().map(|e| e.time_us).collect(),
            length_mm: edges.iter().map(|e| e.length_mm).collect(),
        }
    }

    pub fn num_nodes(&self) -> usize {
        self.nodes.len()
    }

    pub fn num_edges(&self) -> usize {
        self.head.len()
    }

    pub fn node(&self, u: NodeId) -> Node {
        self.nodes[u as usize]
    }

    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// Indices of `u`'s outgoing edges.
    pub fn out_range(&self, u: NodeId) -> Range<usize> {
        self.first_out[u as usize] as usize..self.first_out[u as usize + 1] as usize
    }

    /// `u`'s outgoing edges as (head, cost).
    pub fn out(&self, u: NodeId) -> impl Iterator<Item = (NodeId, Cost)> + '_ {
        self.out_range(u).map(move |i| {
            (
                self.head[i],
                Cost {
                    time_us: u64::from(self.time_us[i]),
                    length_mm: u64::from(self.length_mm[i]),
                },
            )
        })
    }

    pub fn edges(&self) -> impl Iterator<Item = Edge> + '_ {
        (0..self.num_nodes() as NodeId).flat_map(move |u| {
            self.out_range(u).map(move |i| Edge {
                from: u,
                to: self.head[i],
                time_us: self.time_us[i],
                length_mm: self.length_mm[i],
            })
        })
    }

    /// The same roads driven backwards: for searches from the target.
    pub fn reversed(&self) -> RoadGraph {
        let edges = self
            .edges()
            .map(|e| Edge {
                from: e.to,
                to: e.from,
                ..e
            })
            .collect();
        RoadGraph::new(self.nodes.clone(), edges)
    }

    /// The same roads with time and length exchanged, so every search that minimises
    /// (time, length) minimises (length, time) on it: shortest rather than fastest paths.
    /// Exchanging again restores the costs. Parallel edges keep the cheaper by the new order.
    pub fn with_costs_swapped(&self) -> RoadGraph {
        let edges = self
            .edges()
            .map(|e| Edge {
                time_us: e.length_mm,
                length_mm: e.time_us,
                ..e
            })
            .collect();
        RoadGraph::new(self.nodes.clone(), edges)
    }

    /// The subgraph of the largest strongly connected component, renumbered in the original
    /// order: outside it some places can be reached but not left (or the reverse), which no
    /// vehicle plan can use.
    pub fn largest_scc(&self) -> RoadGraph {
        let mut g =
            petgraph::graph::DiGraph::<(), ()>::with_capacity(self.num_nodes(), self.num_edges());
        for _ in 0..self.num_nodes() {
            g.add_node(());
        }
        for e in self.edges() {
            g.add_edge(e.from.into(), e.to.into(), ());
        }
        let Some(largest) = petgraph::algo::kosaraju_scc(&g)
            .into_iter()
            .max_by_key(Vec::len)
        else {
            return self.clone();
        };
        let mut keep = vec![u32::MAX; self.num_nodes()];
        let mut members: Vec<usize> = largest.iter().map(|n| n.index()).collect();
        members.sort_unstable();
        for (new, old) in members.iter().enumerate() {
            keep[*old] = new as u32;
        }
        let nodes = members.iter().map(|&i| self.nodes[i]).collect();
        let edges = self
            .edges()
            .filter(|e| keep[e.from as usize] != u32::MAX && keep[e.to as usize] != u32::MAX)
            .map(|e| Edge {
                from: keep[e.from as usize],
                to: keep[e.to as usize],
                ..e
            })
            .collect();
        RoadGraph::new(nodes, edges)
    }

    /// A hash of the whole graph (FNV-1a), to tell whether preprocessed data still belongs to it.
    pub fn fingerprint(&self) -> u64 {
        let mut h = Fnv1a::new();
        for n in &self.nodes {
            h.write(&n.osm_id.to_le_bytes());
            h.write(&n.lat.to_le_bytes());
            h.write(&n.lon.to_le_bytes());
        }
        for v in [&self.first_out, &self.head, &self.time_us, &self.length_mm] {
            for x in v {
                h.write(&x.to_le_bytes());
            }
        }
        h.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn node(i: i64) -> Node {
        Node {
            osm_id: i,
            lat: 31.0 + i as f64 * 0.001,
            lon: 121.0,
        }
    }

    fn e(from: u32, to: u32, t: u32) -> Edge {
        Edge {
            from,
            to,
            time_us: t,
            length_mm: t * 10,
        }
    }

    #[test]
    fn keeps_the_cheapest_parallel_edge_and_drops_loops() {
        let g = RoadGraph::new(
            (0..3).map(node).collect(),
            vec![e(0, 1, 5), e(0, 1, 3), e(1, 1, 1), e(1, 2, 4)],
        );
        assert_eq!(g.num_edges(), 2);
        // Persisted hierarchies are tagged with this value: it must not change by accident.
        assert_eq!(g.fingerprint(), 0x2e3b_43c9_39dd_6524);
        assert_eq!(
            g.out(0).collect::<Vec<_>>(),
            vec![(
                1,
                Cost {
                    time_us: 3,
                    length_mm: 30
                }
            )]
        );
    }

    #[test]
    fn largest_scc_drops_one_way_dead_ends() {
        // 0 <-> 1 <-> 2 is strongly connected; 3 can be entered from 2 but not left.
        let g = RoadGraph::new(
            (0..4).map(node).collect(),
            vec![e(0, 1, 1), e(1, 0, 1), e(1, 2, 1), e(2, 1, 1), e(2, 3, 1)],
        );
        let s = g.largest_scc();
        assert_eq!((s.num_nodes(), s.num_edges()), (3, 4));
        assert_eq!(s.node(2).osm_id, 2);
        assert_ne!(g.fingerprint(), s.fingerprint());
    }
}
