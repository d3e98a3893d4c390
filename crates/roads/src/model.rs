//! Travel times and distances behind one trait, so the planners do not care where they come
//! from: the road network of an OpenStreetMap extract, straight lines with a detour factor when
//! no extract is configured (the embedded default works anywhere), or an OSRM server
//! ([`crate::osrm`]).

use crate::ch::ContractionHierarchy;
use crate::graph::{Cost, NodeId, RoadGraph};
use crate::osm::{LoadStats, OsmError, load_pbf};
use crate::snap::{SnapError, Snapped, Snapper, haversine_m};
use crate::speeds::SpeedTable;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub lat: f64,
    pub lon: f64,
}

/// Time and length of a trip between two points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Leg {
    pub time_s: f64,
    pub length_m: f64,
}

/// Row-major: `cells[i * size + j]` is the trip from point i to point j; None if unreachable.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    pub size: usize,
    pub cells: Vec<Option<Leg>>,
}

impl Matrix {
    pub fn get(&self, i: usize, j: usize) -> Option<Leg> {
        self.cells[i * self.size + j]
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub leg: Leg,
    /// From the start to the end, as (lon, lat) like GeoJSON.
    pub geometry: geo::LineString<f64>,
}

impl Route {
    /// A GeoJSON Feature with the line and the trip's time and length.
    pub fn to_geojson(&self) -> serde_json::Value {
        let coords: Vec<[f64; 2]> = self.geometry.coords().map(|c| [c.x, c.y]).collect();
        serde_json::json!({
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": coords},
            "properties": {"time_s": self.leg.time_s, "length_m": self.leg.length_m},
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RoadsError {
    #[error(transparent)]
    Osm(#[from] OsmError),
    #[error(transparent)]
    Snap(#[from] SnapError),
    #[error("no road leads from point {from} to point {to}")]
    Unreachable { from: usize, to: usize },
    #[error("{model} cannot give {what}; use the road network of an extract (--osm) for them")]
    Unsupported { model: String, what: &'static str },
    #[error("routing service {url}: {message}")]
    Service { url: String, message: String },
    #[error("cannot write the preprocessed graph {path}: {source}")]
    Persist {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What a single route minimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Metric {
    /// The fastest route (ties: the shorter); what matrices and plans use.
    #[default]
    Time,
    /// The shortest route by length (ties: the faster).
    Distance,
}

pub trait TravelModel: Send + Sync {
    /// One line saying what the model is, for logs and `roads info`.
    fn describe(&self) -> String;
    /// Time and length of the fastest path between every ordered pair of points.
    fn matrix(&self, points: &[Point]) -> Result<Matrix, RoadsError>;
    /// The fastest route.
    fn route(&self, from: Point, to: Point) -> Result<Route, RoadsError>;
    /// The route that minimises `metric`. Models that only know fastest routes refuse
    /// `Distance` rather than answer with the fastest.
    fn route_by(&self, from: Point, to: Point, metric: Metric) -> Result<Route, RoadsError> {
        match metric {
            Metric::Time => self.route(from, to),
            Metric::Distance => Err(RoadsError::Unsupported {
                model: self.describe(),
                what: "shortest-by-distance routes",
            }),
        }
    }
}

/// Straight lines: great-circle distance times a detour factor, at a constant speed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StraightLine {
    pub detour_factor: f64,
    pub kmh: f64,
}

impl StraightLine {
    fn leg(&self, a: Point, b: Point) -> Leg {
        let length_m = haversine_m(a.lat, a.lon, b.lat, b.lon) * self.detour_factor;
        Leg {
            time_s: length_m / (self.kmh / 3.6),
            length_m,
        }
    }
}

impl TravelModel for StraightLine {
    fn describe(&self) -> String {
        format!(
            "straight lines × {} at {} km/h (no road extract configured)",
            self.detour_factor, self.kmh
        )
    }

    fn matrix(&self, points: &[Point]) -> Result<Matrix, RoadsError> {
        let cells = points
            .iter()
            .flat_map(|a| points.iter().map(move |b| Some(self.leg(*a, *b))))
            .collect();
        Ok(Matrix {
            size: points.len(),
            cells,
        })
    }

    fn route(&self, from: Point, to: Point) -> Result<Route, RoadsError> {
        Ok(Route {
            leg: self.leg(from, to),
            geometry: vec![(from.lon, from.lat), (to.lon, to.lat)].into(),
        })
    }

    /// A straight line is both the fastest and the shortest.
    fn route_by(&self, from: Point, to: Point, _: Metric) -> Result<Route, RoadsError> {
        self.route(from, to)
    }
}

/// How the network was opened, for `roads info` and the benchmark.
#[derive(Debug, Clone)]
pub struct OpenReport {
    pub load: LoadStats,
    pub load_seconds: f64,
    /// True when the hierarchy came from the file next to the extract.
    pub reused_preprocessing: bool,
    pub preprocessing_seconds: f64,
    pub preprocessed_path: PathBuf,
}

/// The road network of an OpenStreetMap extract, with its contraction hierarchy.
pub struct RoadNetwork {
    graph: RoadGraph,
    ch: ContractionHierarchy,
    snapper: Snapper,
    source: PathBuf,
    /// Built on the first shortest-by-distance query: plain Dijkstra on it takes milliseconds,
    /// which single routes can afford, so no second hierarchy is kept.
    by_distance: std::sync::OnceLock<RoadGraph>,
}

impl RoadNetwork {
    /// Loads the extract and its hierarchy, reusing `<extract>.ch` when it was built from the
    /// same graph and speed table, rebuilding (and saving) it otherwise.
    pub fn open(
        osm: &Path,
        speeds: &SpeedTable,
        max_snap_m: f64,
    ) -> Result<(RoadNetwork, OpenReport), RoadsError> {
        let started = Instant::now();
        let loaded = load_pbf(osm, speeds)?;
        let load_seconds = started.elapsed().as_secs_f64();
        let graph = loaded.graph;
        let fingerprint = graph.fingerprint() ^ speeds.fingerprint().rotate_left(1);
        let path = preprocessed_path(osm);
        let started = Instant::now();
        let (ch, reused) = match ContractionHierarchy::load(&path, fingerprint) {
            Ok(Some(ch)) if ch.num_nodes() == graph.num_nodes() => (ch, true),
            other => {
                if let Err(e) = other {
                    tracing_free_warn(&path, &e);
                }
                let ch = ContractionHierarchy::build(&graph);
                ch.save(&path, fingerprint)
                    .map_err(|source| RoadsError::Persist {
                        path: path.clone(),
                        source,
                    })?;
                (ch, false)
            }
        };
        let report = OpenReport {
            load: loaded.stats,
            load_seconds,
            reused_preprocessing: reused,
            preprocessing_seconds: started.elapsed().as_secs_f64(),
            preprocessed_path: path,
        };
        let snapper = Snapper::new(&graph, max_snap_m);
        Ok((
            RoadNetwork {
                graph,
                ch,
                snapper,
                source: osm.to_path_buf(),
                by_distance: std::sync::OnceLock::new(),
            },
            report,
        ))
    }

    pub fn graph(&self) -> &RoadGraph {
        &self.graph
    }

    pub fn hierarchy(&self) -> &ContractionHierarchy {
        &self.ch
    }

    pub fn snap(&self, index: usize, p: Point) -> Result<Snapped, SnapError> {
        self.snapper.snap(&self.graph, index, p.lat, p.lon)
    }

    /// The matrix between graph nodes, as `roads matrix` computes it after snapping.
    pub fn node_matrix(&self, nodes: &[NodeId]) -> Matrix {
        let cells = self
            .ch
            .matrix(nodes, nodes)
            .into_iter()
            .map(|c| {
                c.map(|c| Leg {
                    time_s: c.seconds(),
                    length_m: c.metres(),
                })
            })
            .collect();
        Matrix {
            size: nodes.len(),
            cells,
        }
    }
}

/// `shanghai.osm.pbf` → `shanghai.osm.pbf.ch`, beside it.
pub fn preprocessed_path(osm: &Path) -> PathBuf {
    let mut name = osm
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".ch");
    osm.with_file_name(name)
}

/// A corrupt preprocessed file is rebuilt, not fatal; say so on stderr.
fn tracing_free_warn(path: &Path, e: &std::io::Error) {
    eprintln!(
        "warning: {} is unreadable ({e}); rebuilding it",
        path.display()
    );
}

impl TravelModel for RoadNetwork {
    fn describe(&self) -> String {
        format!(
            "road network of {} ({} nodes, {} edges, {} shortcuts)",
            self.source.display(),
            self.graph.num_nodes(),
            self.graph.num_edges(),
            self.ch.num_shortcuts()
        )
    }

    fn matrix(&self, points: &[Point]) -> Result<Matrix, RoadsError> {
        let nodes = points
            .iter()
            .enumerate()
            .map(|(i, p)| self.snap(i, *p).map(|s| s.node))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self.node_matrix(&nodes))
    }

    fn route(&self, from: Point, to: Point) -> Result<Route, RoadsError> {
        self.route_by(from, to, Metric::Time)
    }

    fn route_by(&self, from: Point, to: Point, metric: Metric) -> Result<Route, RoadsError> {
        let s = self.snap(0, from)?;
        let t = self.snap(1, to)?;
        let found = match metric {
            Metric::Time => self.ch.route(s.node, t.node),
            Metric::Distance => {
                let g = self
                    .by_distance
                    .get_or_init(|| self.graph.with_costs_swapped());
                crate::dijkstra::shortest_path(g, s.node, t.node).map(|(c, path)| {
                    let cost = Cost {
                        time_us: c.length_mm,
                        length_mm: c.time_us,
                    };
                    (cost, path)
                })
            }
        };
        let (cost, path) = found.ok_or(RoadsError::Unreachable { from: 0, to: 1 })?;
        let geometry = path
            .iter()
            .map(|&u| {
                let n = self.graph.node(u);
                (n.lon, n.lat)
            })
            .collect::<Vec<_>>()
            .into();
        Ok(Route {
            leg: Leg {
                time_s: cost.seconds(),
                length_m: cost.metres(),
            },
            geometry,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn straight_lines_scale_by_the_detour_and_speed() {
        let m = StraightLine {
            detour_factor: 1.5,
            kmh: 36.0,
        };
        let a = Point {
            lat: 30.0,
            lon: 120.0,
        };
        let b = Point {
            lat: 31.0,
            lon: 120.0,
        };
        let leg = m.matrix(&[a, b]).unwrap().get(0, 1).unwrap();
        assert!((leg.length_m - 166_792.5).abs() < 2.0, "{leg:?}");
        assert!((leg.time_s - leg.length_m / 10.0).abs() < 1e-9);
        assert_eq!(m.matrix(&[a, b]).unwrap().get(1, 1).unwrap().length_m, 0.0);
        assert_eq!(
            m.route(a, b).unwrap().to_geojson()["geometry"]["coordinates"][1][1],
            31.0
        );
    }

    #[test]
    fn the_preprocessed_file_sits_next_to_the_extract() {
        assert_eq!(
            preprocessed_path(Path::new("a/b.osm.pbf")),
            PathBuf::from("a/b.osm.pbf.ch")
        );
    }
}
