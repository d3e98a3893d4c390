//! Contraction hierarchies must give exactly plain Dijkstra's costs — time, then length — on
//! every pair, and paths that really exist in the graph.

use closedloop_domain::hash::splitmix64;
use closedloop_roads::{ch::ContractionHierarchy, dijkstra, graph::*};
use proptest::prelude::*;
use std::path::PathBuf;

fn node(i: usize) -> Node {
    Node {
        osm_id: i as i64,
        lat: 31.2 + (i % 97) as f64 * 1e-4,
        lon: 121.4 + (i / 97) as f64 * 1e-4,
    }
}

fn graph(n: usize, edges: &[(u32, u32, u32, u32)]) -> RoadGraph {
    let edges = edges
        .iter()
        .map(|&(from, to, time_us, length_mm)| Edge {
            from,
            to,
            time_us,
            length_mm,
        })
        .collect();
    RoadGraph::new((0..n).map(node).collect(), edges)
}

/// The path starts and ends where asked, follows edges, and its edges add up to `cost`.
fn assert_valid_path(g: &RoadGraph, s: NodeId, t: NodeId, cost: Cost, path: &[NodeId]) {
    assert_eq!(
        (path.first(), path.last()),
        (Some(&s), Some(&t)),
        "{path:?}"
    );
    let mut sum = Cost::ZERO;
    for w in path.windows(2) {
        let edge = g.out(w[0]).find(|&(v, _)| v == w[1]);
        let (_, c) = edge.unwrap_or_else(|| panic!("no edge {} -> {} in {path:?}", w[0], w[1]));
        sum = sum + c;
    }
    assert_eq!(sum, cost, "{s} -> {t}: {path:?}");
}

/// Every pair through `cost`, `route` and `matrix`, against Dijkstra from every node.
fn assert_all_pairs(g: &RoadGraph, ch: &ContractionHierarchy) {
    let n = g.num_nodes() as NodeId;
    let all: Vec<NodeId> = (0..n).collect();
    let matrix = ch.matrix(&all, &all);
    for s in 0..n {
        let expected = dijkstra::one_to_all(g, s);
        for t in 0..n {
            let want = expected[t as usize];
            assert_eq!(ch.cost(s, t), want, "cost {s} -> {t}");
            assert_eq!(matrix[(s * n + t) as usize], want, "matrix {s} -> {t}");
            let route = ch.route(s, t);
            assert_eq!(route.as_ref().map(|r| r.0), want, "route {s} -> {t}");
            if let Some((cost, path)) = route {
                assert_valid_path(g, s, t, cost, &path);
            }
        }
    }
}

fn temp_file(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("closedloop-ch-{}-{name}", std::process::id()))
}

#[test]
fn one_way_triangle() {
    let g = graph(3, &[(0, 1, 5, 50), (1, 2, 7, 70), (2, 0, 3, 30)]);
    let ch = ContractionHierarchy::build(&g);
    assert_all_pairs(&g, &ch);
    // Against the one-way direction the way round is the only way.
    assert_eq!(
        ch.route(1, 0),
        Some((
            Cost {
                time_us: 10,
                length_mm: 100
            },
            vec![1, 2, 0]
        ))
    );
    assert_eq!(ch.route(2, 2), Some((Cost::ZERO, vec![2])));
}

#[test]
fn grid_with_one_ways_and_ties() {
    // 7 x 7, two-way except every third row eastbound only; many equally fast paths, which the
    // lengths must then decide.
    let (w, h) = (7u32, 7u32);
    let mut edges = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let u = y * w + x;
            if x + 1 < w {
                edges.push((u, u + 1, 10, 100 + (x * y) % 3));
                if y % 3 != 0 {
                    edges.push((u + 1, u, 10, 100 + (x + y) % 2));
                }
            }
            if y + 1 < h {
                edges.push((u, u + w, 10, 100));
                edges.push((u + w, u, 10 + x % 2, 90));
            }
        }
    }
    let g = graph((w * h) as usize, &edges);
    let ch = ContractionHierarchy::build(&g);
    assert_all_pairs(&g, &ch);
}

#[test]
fn disconnected_parts_and_a_dead_end() {
    // 0 <-> 1 <-> 2, 2 -> 3 (a dead end); 4 <-> 5 apart; 6 isolated.
    let edges = [
        (0, 1, 4, 40),
        (1, 0, 4, 40),
        (1, 2, 1, 0),
        (2, 1, 1, 0),
        (2, 3, 2, 20),
        (4, 5, 9, 90),
        (5, 4, 9, 90),
    ];
    let g = graph(7, &edges);
    let ch = ContractionHierarchy::build(&g);
    assert_all_pairs(&g, &ch);
    assert_eq!(ch.route(0, 4), None);
    assert_eq!(ch.route(3, 2), None);
    assert_eq!(
        ch.matrix(&[0, 4, 6], &[3, 5])
            .iter()
            .filter(|c| c.is_some())
            .count(),
        2
    );
    assert!(ch.matrix(&[], &[1, 2]).is_empty() && ch.matrix(&[1], &[]).is_empty());
}

#[test]
fn empty_graph() {
    let g = graph(0, &[]);
    let ch = ContractionHierarchy::build(&g);
    assert_eq!((ch.num_nodes(), ch.num_shortcuts()), (0, 0));
    assert!(ch.matrix(&[], &[]).is_empty());
}

/// A road-like network: points scattered in a square, each joined to those nearby (about six),
/// with faster and slower roads and some one-ways. Deterministic (splitmix64).
fn geometric_graph(n: usize, seed: u64) -> RoadGraph {
    let mut state = seed;
    let mut next = move || splitmix64(&mut state);
    let points: Vec<(f64, f64)> = (0..n)
        .map(|_| ((next() % 100_000) as f64, (next() % 100_000) as f64))
        .collect();
    // Sorting by x lets the neighbour scan stop early.
    let mut by_x: Vec<usize> = (0..n).collect();
    by_x.sort_by(|&a, &b| points[a].0.total_cmp(&points[b].0));
    let radius = 100_000.0 * (2.0 / n as f64).sqrt();
    let mut edges = Vec::new();
    for (i, &a) in by_x.iter().enumerate() {
        for &b in &by_x[i + 1..] {
            let (dx, dy) = (points[b].0 - points[a].0, points[b].1 - points[a].1);
            if dx > radius {
                break;
            }
            let metres = (dx * dx + dy * dy).sqrt();
            if metres > radius {
                continue;
            }
            let length_mm = (metres * 1000.0) as u32;
            let speed_mps = [8, 11, 14, 17, 22][(next() % 5) as usize];
            let time_us = length_mm / speed_mps;
            let (a, b) = (a as u32, b as u32);
            match next() % 10 {
                0 => edges.push((a, b, time_us, length_mm)),
                1 => edges.push((b, a, time_us, length_mm)),
                _ => edges.extend([(a, b, time_us, length_mm), (b, a, time_us, length_mm)]),
            }
        }
    }
    graph(n, &edges)
}

#[test]
fn larger_geometric_graph_random_pairs_and_matrix() {
    let g = geometric_graph(3_000, 7);
    let ch = ContractionHierarchy::build(&g);
    let n = g.num_nodes() as u64;
    let mut state = 12345u64;
    let mut pick = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        ((state >> 33) % n) as NodeId
    };
    for _ in 0..200 {
        let (s, t) = (pick(), pick());
        let want = dijkstra::shortest_path(&g, s, t).map(|r| r.0);
        let got = ch.route(s, t);
        assert_eq!(got.as_ref().map(|r| r.0), want, "{s} -> {t}");
        assert_eq!(ch.cost(s, t), want);
        if let Some((cost, path)) = got {
            assert_valid_path(&g, s, t, cost, &path);
        }
    }
    let sources: Vec<NodeId> = (0..25).map(|_| pick()).collect();
    let targets: Vec<NodeId> = (0..40).map(|_| pick()).collect();
    let matrix = ch.matrix(&sources, &targets);
    for (i, &s) in sources.iter().enumerate() {
        let expected = dijkstra::one_to_all(&g, s);
        for (j, &t) in targets.iter().enumerate() {
            assert_eq!(
                matrix[i * targets.len() + j],
                expected[t as usize],
                "{s} -> {t}"
            );
        }
    }
}

#[test]
fn build_is_deterministic() {
    let g = geometric_graph(400, 3);
    let (a, b) = (
        ContractionHierarchy::build(&g),
        ContractionHierarchy::build(&g),
    );
    let (pa, pb) = (temp_file("det-a"), temp_file("det-b"));
    a.save(&pa, 1).unwrap();
    b.save(&pb, 1).unwrap();
    let same = std::fs::read(&pa).unwrap() == std::fs::read(&pb).unwrap();
    let _ = (std::fs::remove_file(&pa), std::fs::remove_file(&pb));
    assert!(same);
}

#[test]
fn save_and_load_round_trip_and_stale_or_damaged_files() {
    let g = geometric_graph(300, 11);
    let ch = ContractionHierarchy::build(&g);
    let path = temp_file("round-trip.ch");
    let fingerprint = g.fingerprint() ^ 0x5eed;
    assert!(
        ContractionHierarchy::load(&path, fingerprint)
            .unwrap()
            .is_none(),
        "absent"
    );
    ch.save(&path, fingerprint).unwrap();

    let loaded = ContractionHierarchy::load(&path, fingerprint)
        .unwrap()
        .expect("fresh file");
    assert_eq!(loaded.num_shortcuts(), ch.num_shortcuts());
    let all: Vec<NodeId> = (0..g.num_nodes() as NodeId).collect();
    assert_eq!(loaded.matrix(&all, &all), ch.matrix(&all, &all));
    for s in (0..g.num_nodes() as NodeId).step_by(7) {
        for t in (0..g.num_nodes() as NodeId).step_by(5) {
            assert_eq!(loaded.route(s, t), ch.route(s, t));
        }
    }

    assert!(
        ContractionHierarchy::load(&path, fingerprint + 1)
            .unwrap()
            .is_none(),
        "stale"
    );

    let bytes = std::fs::read(&path).unwrap();
    for keep in [4, 20, 30, bytes.len() / 2, bytes.len() - 1] {
        std::fs::write(&path, &bytes[..keep]).unwrap();
        assert!(
            ContractionHierarchy::load(&path, fingerprint).is_err(),
            "truncated to {keep}"
        );
    }
    let mut flipped = bytes.clone();
    flipped[bytes.len() / 2] ^= 0x10;
    std::fs::write(&path, &flipped).unwrap();
    assert!(
        ContractionHierarchy::load(&path, fingerprint).is_err(),
        "flipped bit"
    );
    let _ = std::fs::remove_file(&path);
}

fn random_graph() -> impl Strategy<Value = RoadGraph> {
    (1usize..60).prop_flat_map(|n| {
        // Few distinct costs, so that equal times and equal (time, length) pairs are common.
        let edge = (
            0..n as u32,
            0..n as u32,
            0u32..6,
            prop_oneof![Just(0u32), 0u32..4],
        );
        prop::collection::vec(edge, 0..n * 4).prop_map(move |edges| graph(n, &edges))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_graphs_match_dijkstra_on_all_pairs(g in random_graph()) {
        let ch = ContractionHierarchy::build(&g);
        assert_all_pairs(&g, &ch);
    }
}
