//! On the shipped extract, the contraction hierarchy answers exactly what plain Dijkstra does:
//! 1,000 random pairs (50 sources × 20 targets), costs and route geometry checked.

use closedloop_roads::ch::ContractionHierarchy;
use closedloop_roads::dijkstra;
use closedloop_roads::osm::load_pbf;
use closedloop_roads::speeds::SpeedTable;
use closedloop_roads::{Cost, NodeId};
use std::path::PathBuf;

fn extract() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../assets/osm/shanghai_center.osm.pbf")
}

#[test]
fn thousand_random_pairs_equal_plain_dijkstra() {
    let g = load_pbf(&extract(), &SpeedTable::default())
        .expect("shipped extract")
        .graph;
    let ch = ContractionHierarchy::build(&g);
    let n = g.num_nodes() as u64;
    let mut seed = 0x5EED_u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n) as NodeId
    };
    let sources: Vec<NodeId> = (0..50).map(|_| next()).collect();
    let targets: Vec<NodeId> = (0..20).map(|_| next()).collect();
    let matrix = ch.matrix(&sources, &targets);
    for (i, &s) in sources.iter().enumerate() {
        let reference = dijkstra::one_to_all(&g, s);
        for (j, &t) in targets.iter().enumerate() {
            let want = reference[t as usize];
            assert_eq!(matrix[i * targets.len() + j], want, "matrix {s} -> {t}");
            assert_eq!(ch.cost(s, t), want, "cost {s} -> {t}");
        }
        // The unpacked route follows real edges and adds up to its cost.
        let t = targets[i % targets.len()];
        if let Some((cost, path)) = ch.route(s, t) {
            let mut sum = Cost::ZERO;
            for w in path.windows(2) {
                let edge = g.out(w[0]).find(|(v, _)| *v == w[1]).map(|(_, c)| c);
                sum = sum + edge.unwrap_or_else(|| panic!("no edge {} -> {}", w[0], w[1]));
            }
            assert_eq!(sum, cost);
            assert_eq!(Some(cost), reference[t as usize]);
        }
    }
}
