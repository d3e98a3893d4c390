//! From any coordinate — a hotel door, a home address, a terminal exit — to the road network.
//!
//! The R-tree holds every road segment in a local metric projection (equirectangular around the
//! graph's centre: within a city its error is far below a GPS fix's). A point snaps to the
//! nearest segment, then to that segment's nearer end, which is the node routes start from.
//! A point farther than the limit from every road is an error that names it.

use crate::graph::{NodeId, RoadGraph};
use rstar::RTree;
use rstar::primitives::{GeomWithData, Line};

const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Where a point landed on the network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snapped {
    /// The routing node: the nearer end of the nearest segment.
    pub node: NodeId,
    /// Distance from the point to the nearest segment, metres.
    pub distance_m: f64,
    /// Distance from the point to the routing node, metres.
    pub node_distance_m: f64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SnapError {
    #[error(
        "point {index} ({lat:.6}, {lon:.6}) is {distance_m:.0} m from the nearest road, more than the {limit_m:.0} m allowed; check its coordinates (latitude first) or raise roads.max_snap_m"
    )]
    TooFar {
        index: usize,
        lat: f64,
        lon: f64,
        distance_m: f64,
        limit_m: f64,
    },
    #[error(
        "point {index} ({lat}, {lon}) is not a valid coordinate: latitude must be within ±90 and longitude within ±180"
    )]
    Invalid { index: usize, lat: f64, lon: f64 },
    #[error("the road network is empty")]
    EmptyNetwork,
}

type Segment = GeomWithData<Line<[f64; 2]>, (NodeId, NodeId)>;

pub struct Snapper {
    tree: RTree<Segment>,
    lat0_cos: f64,
    max_m: f64,
}

impl Snapper {
    pub fn new(graph: &RoadGraph, max_m: f64) -> Snapper {
        let n = graph.num_nodes().max(1) as f64;
        let lat0 = graph.nodes().iter().map(|p| p.lat).sum::<f64>() / n;
        let lat0_cos = lat0.to_radians().cos();
        let project = |u: NodeId| {
            let p = graph.node(u);
            project(p.lat, p.lon, lat0_cos)
        };
        // Each road once, whichever directions it has.
        let segments = graph
            .edges()
            .filter(|e| e.from < e.to || !graph.out(e.to).any(|(v, _)| v == e.from))
            .map(|e| GeomWithData::new(Line::new(project(e.from), project(e.to)), (e.from, e.to)))
            .collect();
        Snapper {
            tree: RTree::bulk_load(segments),
            lat0_cos,
            max_m,
        }
    }

    pub fn max_m(&self) -> f64 {
        self.max_m
    }

    /// Snaps point number `index` (used in the error message).
    pub fn snap(
        &self,
        graph: &RoadGraph,
        index: usize,
        lat: f64,
        lon: f64,
    ) -> Result<Snapped, SnapError> {
        if !(lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0) {
            return Err(SnapError::Invalid { index, lat, lon });
        }
        let p = project(lat, lon, self.lat0_cos);
        let seg = self
            .tree
            .nearest_neighbor(p)
            .ok_or(SnapError::EmptyNetwork)?;
        let distance_m = rstar::PointDistance::distance_2(seg, &p).sqrt();
        if distance_m > self.max_m {
            return Err(SnapError::TooFar {
                index,
                lat,
                lon,
                distance_m,
                limit_m: self.max_m,
            });
        }
        let (a, b) = seg.data;
        let da = dist(
            project(graph.node(a).lat, graph.node(a).lon, self.lat0_cos),
            p,
        );
        let db = dist(
            project(graph.node(b).lat, graph.node(b).lon, self.lat0_cos),
            p,
        );
        let (node, node_distance_m) = if da <= db { (a, da) } else { (b, db) };
        Ok(Snapped {
            node,
            distance_m,
            node_distance_m,
        })
    }
}

fn project(lat: f64, lon: f64, lat0_cos: f64) -> [f64; 2] {
    [
        lon.to_radians() * lat0_cos * EARTH_RADIUS_M,
        lat.to_radians() * EARTH_RADIUS_M,
    ]
}

fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

/// Great-circle distance in metres.
pub fn haversine_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{Edge, Node};

    fn line_graph() -> RoadGraph {
        // Three nodes along a parallel, ~95 m apart, two-way.
        let nodes = (0..3)
            .map(|i| Node {
                osm_id: i,
                lat: 31.0,
                lon: 121.0 + i as f64 * 0.001,
            })
            .collect();
        let e = |from, to| Edge {
            from,
            to,
            time_us: 10_000,
            length_mm: 95_000,
        };
        RoadGraph::new(nodes, vec![e(0, 1), e(1, 0), e(1, 2), e(2, 1)])
    }

    #[test]
    fn snaps_to_the_nearer_end_of_the_nearest_segment() {
        let g = line_graph();
        let s = Snapper::new(&g, 1000.0);
        // 20 m north of a point just east of node 1.
        let r = s.snap(&g, 0, 31.0 + 20.0 / 111_195.0, 121.0012).unwrap();
        assert_eq!(r.node, 1);
        assert!((r.distance_m - 20.0).abs() < 0.5, "{r:?}");
    }

    #[test]
    fn a_far_point_is_an_error_that_names_it() {
        let g = line_graph();
        let s = Snapper::new(&g, 1000.0);
        let e = s.snap(&g, 7, 31.1, 121.0).unwrap_err();
        assert!(matches!(e, SnapError::TooFar { index: 7, .. }));
        assert!(
            e.to_string()
                .starts_with("point 7 (31.100000, 121.000000) is 111"),
            "{e}"
        );
        assert!(matches!(
            s.snap(&g, 1, 95.0, 0.0),
            Err(SnapError::Invalid { index: 1, .. })
        ));
    }

    #[test]
    fn haversine_of_one_degree_of_latitude() {
        assert!((haversine_m(30.0, 120.0, 31.0, 120.0) - 111_195.0).abs() < 1.0);
    }
}
