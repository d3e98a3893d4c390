//! Loading an OpenStreetMap extract (`.osm.pbf`) into the directed road graph.
//!
//! Two passes over the file, so memory follows the road network, not the extract: a city
//! extract holds millions of nodes (buildings, shops, paths) and only a fraction lie on roads.
//! 1. ways: keep the drivable ones with their direction and speeds, and list the node ids
//!    they use (sorted: a node's position in that list becomes its dense id, so ids follow
//!    ascending OSM ids and do not depend on the order the parallel reader delivers blocks);
//! 2. nodes: fill in the coordinates of listed nodes only.
//!
//! Which ways carry cars and in which direction is decided by pure functions of the tags
//! ([`way_rule`], [`direction`], [`motor_access`]) so the rules are testable without a file.

use crate::graph::{Edge, Node, NodeId, RoadGraph};
use crate::speeds::{SpeedTable, parse_maxspeed};
use geo::{Distance, Geodesic, Point};
use osmpbf::{Element, ElementReader};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

#[derive(Debug, thiserror::Error)]
pub enum OsmError {
    #[error(
        "cannot read the OpenStreetMap extract {path}: {source}; check the path (or point \
         [roads] osm in the configuration at an existing .osm.pbf file, or remove it to use \
         straight lines)"
    )]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not an OpenStreetMap PBF extract: {reason}")]
    NotPbf { path: PathBuf, reason: String },
    #[error(
        "{path} is a damaged OpenStreetMap PBF extract ({source}); it may be truncated: \
         download or convert it again"
    )]
    Corrupt {
        path: PathBuf,
        source: osmpbf::Error,
    },
    #[error(
        "{path} contains no drivable road: none of its {ways_read} ways has a `highway` class \
         listed in the road speed table and is open to cars; is it an extract of the right \
         area with its roads, and does the speed table list the usual classes?"
    )]
    NoDrivableRoad { path: PathBuf, ways_read: u64 },
    #[error(
        "{path} has {drivable_ways} drivable ways but no road segment with both ends in the \
         file ({missing_nodes} of their nodes are missing, so their positions are unknown); \
         extract it again with the ways' nodes included (e.g. `osmium extract` with the \
         default complete-ways strategy)"
    )]
    NoCoordinates {
        path: PathBuf,
        drivable_ways: u64,
        missing_nodes: usize,
    },
}

/// What loading found, for `roads info` and the benchmark.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadStats {
    /// Every way in the file, drivable or not.
    pub ways_read: u64,
    pub drivable_ways: u64,
    /// Way nodes on at least one edge: one graph node each, before the SCC restriction.
    pub nodes_before_scc: usize,
    /// Directed edges after merging parallel edges (two ways over the same node pair) and
    /// dropping loops, before the SCC restriction.
    pub edges_before_scc: usize,
    /// Strongly connected components of the whole graph; the largest is kept.
    pub components: usize,
    /// Way nodes absent from the file (the extract's boundary cut the way): their segments
    /// are dropped.
    pub missing_nodes: usize,
    pub seconds: f64,
}

#[derive(Debug, Clone)]
pub struct LoadedGraph {
    pub graph: RoadGraph,
    pub stats: LoadStats,
}

/// Which way along a way's node order a vehicle may drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Both,
    /// In the order the way lists its nodes.
    Forward,
    Backward,
}

impl Direction {
    pub fn forward(self) -> bool {
        self != Direction::Backward
    }

    pub fn backward(self) -> bool {
        self != Direction::Forward
    }
}

/// How a drivable way is driven: directions and speed per direction (km/h).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WayRule {
    pub direction: Direction,
    pub forward_kmh: f64,
    pub backward_kmh: f64,
}

fn tag<'a>(tags: &[(&str, &'a str)], key: &str) -> Option<&'a str> {
    tags.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// The driving direction, or `None` when no fixed direction can be planned with.
/// `oneway=reversible|alternating` changes direction by time of day (tidal lanes, one-lane
/// tunnels), which a static graph cannot represent: the way is left out rather than routed
/// the wrong way at the wrong time. Roundabouts and motorways are one-way by OSM convention
/// unless tagged otherwise. An unknown `oneway` value is treated as absent.
pub fn direction(tags: &[(&str, &str)]) -> Option<Direction> {
    match tag(tags, "oneway") {
        Some("yes" | "true" | "1") => return Some(Direction::Forward),
        Some("-1" | "reverse") => return Some(Direction::Backward),
        Some("no" | "false" | "0") => return Some(Direction::Both),
        Some("reversible" | "alternating") => return None,
        _ => {}
    }
    let implied = matches!(tag(tags, "junction"), Some("roundabout" | "circular"))
        || matches!(tag(tags, "highway"), Some("motorway" | "motorway_link"));
    Some(if implied {
        Direction::Forward
    } else {
        Direction::Both
    })
}

/// Whether cars may use the way. The most specific access tag present decides, as OSM defines
/// it: `motorcar`, then `motor_vehicle`, then `vehicle`, then `access`. So `access=no` with
/// `motor_vehicle=yes` is open (a bus-and-taxi street), `motor_vehicle=no` alone is closed.
/// Only `no` and `private` close a way: `destination`, `customers`, `delivery` still let a
/// transfer vehicle reach a hotel or station inside.
pub fn motor_access(tags: &[(&str, &str)]) -> bool {
    ["motorcar", "motor_vehicle", "vehicle", "access"]
        .iter()
        .find_map(|key| tag(tags, key))
        .is_none_or(|value| !matches!(value, "no" | "private"))
}

/// How a way is driven, or `None` when it is not a road for cars: its `highway` class is not
/// in the speed table, it is an area (a square's outline, not a street), it is closed to
/// motor vehicles, or its direction changes over the day.
pub fn way_rule(tags: &[(&str, &str)], speeds: &SpeedTable) -> Option<WayRule> {
    let highway = tag(tags, "highway")?;
    speeds.class_kmh(highway)?;
    if tag(tags, "area") == Some("yes") || !motor_access(tags) {
        return None;
    }
    let direction = direction(tags)?;
    // A directional limit that does not parse ("CN:urban") must not hide a plain one that does.
    let limit = |key: &str| tag(tags, key).filter(|v| parse_maxspeed(v).is_some());
    let general = tag(tags, "maxspeed");
    let forward_kmh = speeds.travel_kmh(highway, limit("maxspeed:forward").or(general))?;
    let backward_kmh = speeds.travel_kmh(highway, limit("maxspeed:backward").or(general))?;
    Some(WayRule {
        direction,
        forward_kmh,
        backward_kmh,
    })
}

/// Length in millimetres and time in microseconds for `metres` at `kmh`, rounded to the
/// nearest; a segment with length keeps at least 1 µs so no real distance is free. Microseconds,
/// not milliseconds: coarser units make many different paths tie on time, and the length
/// reported for "the fastest path" would then depend on how a tie is broken.
pub fn segment_cost(metres: f64, kmh: f64) -> (u32, u32) {
    let length_mm = (metres * 1000.0).round() as u32;
    let time_us = (metres * 3_600_000.0 / kmh).round() as u32;
    let time_us = if metres > 0.0 { time_us.max(1) } else { 0 };
    (length_mm, time_us)
}

/// Loads the extract and keeps its largest strongly connected component: elsewhere a vehicle
/// could be sent somewhere it cannot leave, or asked to start where it cannot get out.
pub fn load_pbf(path: &Path, speeds: &SpeedTable) -> Result<LoadedGraph, OsmError> {
    let started = Instant::now();
    let LoadedGraph { graph, mut stats } = load_pbf_unrestricted(path, speeds)?;
    let graph = graph.largest_scc();
    stats.seconds = started.elapsed().as_secs_f64();
    Ok(LoadedGraph { graph, stats })
}

/// The whole directed graph of the extract's drivable ways, before the SCC restriction: for
/// diagnosing an extract and for tests that look at edges the restriction would drop.
pub fn load_pbf_unrestricted(path: &Path, speeds: &SpeedTable) -> Result<LoadedGraph, OsmError> {
    let started = Instant::now();
    check_pbf_header(path)?;
    let corrupt = |source| OsmError::Corrupt {
        path: path.to_path_buf(),
        source,
    };

    let ways = read_ways(path, speeds).map_err(corrupt)?;
    let drivable_ways = ways.drivable.len() as u64;
    if ways.drivable.is_empty() {
        return Err(OsmError::NoDrivableRoad {
            path: path.to_path_buf(),
            ways_read: ways.ways_read,
        });
    }
    let mut ids: Vec<i64> = ways
        .drivable
        .iter()
        .flat_map(|w| w.refs.iter().copied())
        .collect();
    ids.sort_unstable();
    ids.dedup();

    let coords = read_coordinates(path, &ids).map_err(corrupt)?;
    let missing_nodes = coords.iter().filter(|c| c.is_none()).count();
    // Edges first name positions in `ids`; renumbered below once it is known which nodes
    // carry an edge.
    let position = |osm: i64| ids.binary_search(&osm).expect("every way node is listed") as NodeId;
    let mut edges = Vec::new();
    for way in &ways.drivable {
        for pair in way.refs.windows(2) {
            // A way listing a node twice in a row is a mapping slip, not a road.
            if pair[0] == pair[1] {
                continue;
            }
            let (a, b) = (position(pair[0]), position(pair[1]));
            let (Some((lat_a, lon_a)), Some((lat_b, lon_b))) =
                (coords[a as usize], coords[b as usize])
            else {
                continue;
            };
            let metres = Geodesic.distance(Point::new(lon_a, lat_a), Point::new(lon_b, lat_b));
            let rule = way.rule;
            if rule.direction.forward() {
                let (length_mm, time_us) = segment_cost(metres, rule.forward_kmh);
                edges.push(Edge {
                    from: a,
                    to: b,
                    time_us,
                    length_mm,
                });
            }
            if rule.direction.backward() {
                let (length_mm, time_us) = segment_cost(metres, rule.backward_kmh);
                edges.push(Edge {
                    from: b,
                    to: a,
                    time_us,
                    length_mm,
                });
            }
        }
    }
    if edges.is_empty() {
        return Err(OsmError::NoCoordinates {
            path: path.to_path_buf(),
            drivable_ways,
            missing_nodes,
        });
    }

    // Nodes on no edge (a one-node way, or a way cut by the extract's boundary next to them)
    // cannot be driven to: leave them out rather than carry isolated components around.
    let mut dense = vec![NodeId::MAX; ids.len()];
    for e in &edges {
        dense[e.from as usize] = 0;
        dense[e.to as usize] = 0;
    }
    let mut nodes = Vec::new();
    for (i, slot) in dense.iter_mut().enumerate() {
        if let (0, Some((lat, lon))) = (*slot, coords[i]) {
            *slot = nodes.len() as NodeId;
            nodes.push(Node {
                osm_id: ids[i],
                lat,
                lon,
            });
        }
    }
    for e in &mut edges {
        e.from = dense[e.from as usize];
        e.to = dense[e.to as usize];
    }

    let graph = RoadGraph::new(nodes, edges);
    let stats = LoadStats {
        ways_read: ways.ways_read,
        drivable_ways,
        nodes_before_scc: graph.num_nodes(),
        edges_before_scc: graph.num_edges(),
        components: count_components(&graph),
        missing_nodes,
        seconds: started.elapsed().as_secs_f64(),
    };
    Ok(LoadedGraph { graph, stats })
}

/// Checks the first bytes before the PBF decoder sees the file, whose errors ("protobuf
/// error", "blob header is too big") would not tell a user they gave the wrong kind of file.
pub(crate) fn check_pbf_header(path: &Path) -> Result<(), OsmError> {
    let unreadable = |source| OsmError::Unreadable {
        path: path.to_path_buf(),
        source,
    };
    let mut head = Vec::with_capacity(64);
    std::fs::File::open(path)
        .and_then(|f| f.take(64).read_to_end(&mut head))
        .map_err(unreadable)?;
    match not_pbf_reason(&head) {
        None => Ok(()),
        Some(reason) => Err(OsmError::NotPbf {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        }),
    }
}

/// Why a file starting with `head` is not a PBF extract, naming the usual mix-ups.
fn not_pbf_reason(head: &[u8]) -> Option<&'static str> {
    if is_pbf_start(head) {
        None
    } else if head.is_empty() {
        Some("the file is empty")
    } else if head.starts_with(b"<?xml") || head.starts_with(b"<osm") {
        Some("it is OSM XML; convert it with `osmium cat extract.osm -o extract.osm.pbf`")
    } else if [&b"\x1f\x8b"[..], b"BZh", b"PK"]
        .iter()
        .any(|m| head.starts_with(m))
    {
        Some("it is compressed (gzip, bzip2 or zip); unpack it first")
    } else {
        Some("it does not start with an OSMHeader block")
    }
}

/// A PBF file starts with a 4-byte big-endian length and a BlobHeader whose field 1 (tag
/// 0x0A) is the block type string.
fn is_pbf_start(head: &[u8]) -> bool {
    if head.len() < 6 {
        return false;
    }
    let header_len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
    let type_len = usize::from(head[5]);
    let type_name = head.get(6..6 + type_len).unwrap_or_default();
    (1..=64 * 1024).contains(&header_len)
        && head[4] == 0x0a
        && matches!(type_name, b"OSMHeader" | b"OSMData")
}

struct DrivableWay {
    refs: Vec<i64>,
    rule: WayRule,
}

#[derive(Default)]
struct WayBatch {
    ways_read: u64,
    drivable: Vec<DrivableWay>,
}

fn read_ways(path: &Path, speeds: &SpeedTable) -> Result<WayBatch, osmpbf::Error> {
    ElementReader::from_path(path)?.par_map_reduce(
        |element| {
            let Element::Way(way) = element else {
                return WayBatch::default();
            };
            // Most ways are not roads: look at `highway` before collecting all tags.
            let is_road = way
                .tags()
                .any(|(k, v)| k == "highway" && speeds.class_kmh(v).is_some());
            let tags: Vec<(&str, &str)> = if is_road {
                way.tags().collect()
            } else {
                Vec::new()
            };
            let drivable = way_rule(&tags, speeds)
                .map(|rule| DrivableWay {
                    refs: way.refs().collect(),
                    rule,
                })
                .into_iter()
                .collect();
            WayBatch {
                ways_read: 1,
                drivable,
            }
        },
        WayBatch::default,
        |mut a, mut b| {
            if a.drivable.len() < b.drivable.len() {
                std::mem::swap(&mut a, &mut b);
            }
            a.drivable.append(&mut b.drivable);
            a.ways_read += b.ways_read;
            a
        },
    )
}

/// Coordinates of the nodes in `ids` (sorted), `None` where the file lacks the node.
pub(crate) fn read_coordinates(
    path: &Path,
    ids: &[i64],
) -> Result<Vec<Option<(f64, f64)>>, osmpbf::Error> {
    // Blocks are decoded in parallel and every node lands in its own slot, so the slots are
    // atomics instead of a locked map; the bit pattern below is a NaN `f64::to_bits` of a
    // decoded coordinate never produces.
    const UNSET: u64 = u64::MAX;
    let lat: Vec<AtomicU64> = ids.iter().map(|_| AtomicU64::new(UNSET)).collect();
    let lon: Vec<AtomicU64> = ids.iter().map(|_| AtomicU64::new(UNSET)).collect();
    let store = |id: i64, la: f64, lo: f64| {
        if let Ok(i) = ids.binary_search(&id) {
            lat[i].store(la.to_bits(), Ordering::Relaxed);
            lon[i].store(lo.to_bits(), Ordering::Relaxed);
        }
    };
    ElementReader::from_path(path)?.par_map_reduce(
        |element| match element {
            Element::Node(n) => store(n.id(), n.lat(), n.lon()),
            Element::DenseNode(n) => store(n.id(), n.lat(), n.lon()),
            Element::Way(_) | Element::Relation(_) => {}
        },
        || (),
        |(), ()| (),
    )?;
    Ok(lat
        .into_iter()
        .zip(lon)
        .map(|(la, lo)| {
            let (la, lo) = (la.into_inner(), lo.into_inner());
            (la != UNSET && lo != UNSET).then(|| (f64::from_bits(la), f64::from_bits(lo)))
        })
        .collect())
}

fn count_components(graph: &RoadGraph) -> usize {
    let g = petgraph::graph::DiGraph::<(), ()>::from_edges(graph.edges().map(|e| (e.from, e.to)));
    // `from_edges` creates nodes only up to the highest id an edge names; isolated nodes
    // beyond it are components of their own.
    let isolated_tail = graph.num_nodes() - g.node_count();
    petgraph::algo::kosaraju_scc(&g).len() + isolated_tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_kinds_are_told_apart_by_their_first_bytes() {
        let pbf = b"\0\0\0\x0d\x0a\x09OSMHeader\x18\x7c";
        assert_eq!(not_pbf_reason(pbf), None);
        assert_eq!(not_pbf_reason(b""), Some("the file is empty"));
        let xml = not_pbf_reason(b"<?xml version='1.0'?><osm>").unwrap();
        assert!(xml.contains("osmium cat"), "{xml}");
        let gz = not_pbf_reason(b"\x1f\x8b\x08\0").unwrap();
        assert!(gz.contains("compressed"), "{gz}");
        let text = not_pbf_reason(b"maxspeed_factor = 0.8").unwrap();
        assert!(text.contains("OSMHeader"), "{text}");
        assert!(not_pbf_reason(b"\0\0\0\x0d\x0a\x09OSMHeadex").is_some());
    }
}
