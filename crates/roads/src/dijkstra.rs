//! Plain Dijkstra over [`RoadGraph`]: simple enough to trust, the reference for the fast code.

use crate::graph::{Cost, NodeId, RoadGraph};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Costs from `source` to every node (None where unreachable).
pub fn one_to_all(g: &RoadGraph, source: NodeId) -> Vec<Option<Cost>> {
    search(g, source, None).0
}

/// The cheapest path from `s` to `t`: its cost and its nodes, `s` and `t` included.
pub fn shortest_path(g: &RoadGraph, s: NodeId, t: NodeId) -> Option<(Cost, Vec<NodeId>)> {
    let (dist, parent) = search(g, s, Some(t));
    let cost = dist[t as usize]?;
    let mut path = vec![t];
    let mut at = t;
    while at != s {
        at = parent[at as usize];
        path.push(at);
    }
    path.reverse();
    Some((cost, path))
}

fn search(g: &RoadGraph, s: NodeId, stop_at: Option<NodeId>) -> (Vec<Option<Cost>>, Vec<NodeId>) {
    let n = g.num_nodes();
    let mut dist = vec![None; n];
    let mut parent = vec![NodeId::MAX; n];
    let mut done = vec![false; n];
    let mut heap = BinaryHeap::new();
    dist[s as usize] = Some(Cost::ZERO);
    heap.push(Reverse((Cost::ZERO, s)));
    while let Some(Reverse((d, u))) = heap.pop() {
        if done[u as usize] {
            continue;
        }
        done[u as usize] = true;
        if Some(u) == stop_at {
            break;
        }
        for (v, c) in g.out(u) {
            let nd = d + c;
            // Ties go to the smaller parent id, so every implementation picks the same path.
            let better = match dist[v as usize] {
                None => true,
                Some(old) => nd < old || (nd == old && u < parent[v as usize]),
            };
            if better && !done[v as usize] {
                dist[v as usize] = Some(nd);
                parent[v as usize] = u;
                heap.push(Reverse((nd, v)));
            }
        }
    }
    (dist, parent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{Edge, Node};

    fn graph() -> RoadGraph {
        let nodes = (0..5)
            .map(|i| Node {
                osm_id: i,
                lat: 0.0,
                lon: 0.0,
            })
            .collect();
        let e = |from, to, t, l| Edge {
            from,
            to,
            time_us: t,
            length_mm: l,
        };
        // 0 -> 1 -> 3 is faster (2+2) than 0 -> 2 -> 3 (1+4); 3 -> 4 is one-way.
        RoadGraph::new(
            nodes,
            vec![
                e(0, 1, 2, 100),
                e(1, 3, 2, 100),
                e(0, 2, 1, 10),
                e(2, 3, 4, 10),
                e(3, 4, 1, 1),
            ],
        )
    }

    #[test]
    fn finds_the_fastest_path_and_respects_one_ways() {
        let g = graph();
        let (c, p) = shortest_path(&g, 0, 4).unwrap();
        assert_eq!((c.time_us, c.length_mm, p), (5, 201, vec![0, 1, 3, 4]));
        assert!(shortest_path(&g, 4, 0).is_none());
        assert_eq!(
            one_to_all(&g, 0)[2],
            Some(Cost {
                time_us: 1,
                length_mm: 10
            })
        );
    }
}
