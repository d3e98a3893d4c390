//! Loading the shipped OpenStreetMap extracts (© OpenStreetMap contributors, ODbL): counts
//! checked against an independent recount of the file, one-way streets, costs, errors, and the
//! tag rules as pure functions.

use closedloop_roads::osm::{
    Direction, LoadedGraph, OsmError, direction, load_pbf, load_pbf_unrestricted, motor_access,
    segment_cost, way_rule,
};
use closedloop_roads::speeds::SpeedTable;
use closedloop_roads::{NodeId, RoadGraph};
use osmpbf::{Element, ElementReader};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

fn asset(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/osm")).join(name)
}

fn shanghai() -> PathBuf {
    asset("shanghai_center.osm.pbf")
}

fn monaco() -> PathBuf {
    asset("monaco.osm.pbf")
}

struct RawWay {
    id: i64,
    tags: Vec<(String, String)>,
    refs: Vec<i64>,
}

impl RawWay {
    fn tags(&self) -> Vec<(&str, &str)> {
        self.tags
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Every way in the file, read without the loader, so the loader's counts can be checked
/// against an independent tally.
fn raw_ways(path: &Path) -> Vec<RawWay> {
    let mut ways = Vec::new();
    ElementReader::from_path(path)
        .unwrap()
        .for_each(|e| {
            if let Element::Way(w) = e {
                let tags = w
                    .tags()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                ways.push(RawWay {
                    id: w.id(),
                    tags,
                    refs: w.refs().collect(),
                });
            }
        })
        .unwrap();
    ways
}

/// The README's recount: a node for every way node on a segment, an edge per direction a
/// segment may be driven in (roundabout and motorway defaults included), nothing merged.
/// `usable` picks the ways; `(nodes, edges)` comes back.
fn recount(ways: &[RawWay], usable: impl Fn(&RawWay) -> bool) -> (usize, usize) {
    let (mut nodes, mut edges) = (HashSet::<i64>::new(), 0);
    for w in ways.iter().filter(|w| usable(w)) {
        let per_segment = match direction(&w.tags()) {
            Some(Direction::Both) => 2,
            Some(_) => 1,
            None => 0,
        };
        for pair in w.refs.windows(2).filter(|p| p[0] != p[1]) {
            nodes.extend(pair);
            edges += per_segment;
        }
    }
    (nodes.len(), edges)
}

fn in_speed_table(w: &RawWay) -> bool {
    w.tag("highway")
        .is_some_and(|h| SpeedTable::default().class_kmh(h).is_some())
}

fn index(g: &RoadGraph, osm_id: i64) -> Option<NodeId> {
    g.nodes()
        .binary_search_by_key(&osm_id, |n| n.osm_id)
        .ok()
        .map(|i| i as NodeId)
}

fn has_edge(g: &RoadGraph, from_osm: i64, to_osm: i64) -> bool {
    match (index(g, from_osm), index(g, to_osm)) {
        (Some(a), Some(b)) => g.out(a).any(|(h, _)| h == b),
        _ => false,
    }
}

/// Segments some usable way lets a car drive, as (from, to) OSM ids.
fn allowed_segments(ways: &[RawWay]) -> HashSet<(i64, i64)> {
    let speeds = SpeedTable::default();
    let mut allowed = HashSet::new();
    for w in ways {
        let Some(rule) = way_rule(&w.tags(), &speeds) else {
            continue;
        };
        for p in w.refs.windows(2) {
            if rule.direction.forward() {
                allowed.insert((p[0], p[1]));
            }
            if rule.direction.backward() {
                allowed.insert((p[1], p[0]));
            }
        }
    }
    allowed
}

fn assert_dense_ids_follow_osm_ids(g: &RoadGraph) {
    assert!(g.nodes().windows(2).all(|w| w[0].osm_id < w[1].osm_id));
}

// README: 21,786 nodes / 34,679 edges, counting every way whose `highway` class is drivable.
// The loader gives 21,749 / 34,583. The whole difference is 14 ways closed to cars
// (`motor_vehicle=no` on 10, one of them also `access=yes`, where the more specific tag wins;
// `access=no` alone on 4): 37 nodes lie only on them and they carry 96 directed edges.
// Leaving them out is right: a transfer vehicle may not drive there. Nothing else differs — no
// way repeats a node consecutively, no segment is mapped by two ways, no node is missing, and
// the roundabout and motorway defaults change nothing here (those ways carry `oneway` tags).
#[test]
fn shanghai_counts_match_the_readme_but_for_ways_closed_to_cars() {
    let ways = raw_ways(&shanghai());
    assert_eq!(ways.len(), 4701);
    assert_eq!(
        recount(&ways, in_speed_table),
        (21_786, 34_679),
        "the README's count"
    );

    let speeds = SpeedTable::default();
    let closed: Vec<&RawWay> = ways
        .iter()
        .filter(|w| way_rule(&w.tags(), &speeds).is_none())
        .collect();
    assert_eq!(closed.len(), 14);
    assert!(
        closed.iter().all(|w| !motor_access(&w.tags())),
        "closed for another reason"
    );

    let full = load_pbf_unrestricted(&shanghai(), &speeds).unwrap();
    let s = &full.stats;
    assert_eq!(
        (s.ways_read, s.drivable_ways, s.missing_nodes),
        (4701, 4687, 0)
    );
    assert_eq!((s.nodes_before_scc, s.edges_before_scc), (21_749, 34_583));
    let open = recount(&ways, |w| way_rule(&w.tags(), &speeds).is_some());
    assert_eq!(
        open,
        (s.nodes_before_scc, s.edges_before_scc),
        "the loader dropped or merged something"
    );
    assert_dense_ids_follow_osm_ids(&full.graph);
}

#[test]
fn shanghai_keeps_most_of_the_network_in_its_largest_component() {
    let LoadedGraph { graph, stats } = load_pbf(&shanghai(), &SpeedTable::default()).unwrap();
    // The rest are one-way stubs where the extract's boundary cut the roads.
    assert_eq!((graph.num_nodes(), graph.num_edges()), (20_639, 33_356));
    assert_eq!(stats.components, 977);
    assert!(graph.num_nodes() * 100 >= stats.nodes_before_scc * 94);
    assert_dense_ids_follow_osm_ids(&graph);
    assert_eq!(
        graph.largest_scc().num_nodes(),
        graph.num_nodes(),
        "already strongly connected"
    );
    // Shanghai Railway Station's bus stop on the road network, named in the README.
    assert!(index(&graph, 12_374_272_782).is_some());
}

#[test]
fn edge_costs_are_positive_and_plausible() {
    // Fastest: motorway 100 km/h in Shanghai, a `maxspeed=110` road in Monaco; × 0.8.
    for (path, max_kmh) in [(shanghai(), 80.5), (monaco(), 88.5)] {
        let g = load_pbf_unrestricted(&path, &SpeedTable::default())
            .unwrap()
            .graph;
        for e in g.edges() {
            let (a, b) = (g.node(e.from), g.node(e.to));
            // Allowed at zero: two nodes mapped on the same spot (none in these extracts).
            if e.length_mm == 0 {
                assert_eq!((a.lat, a.lon), (b.lat, b.lon), "{e:?}");
                continue;
            }
            assert!(e.time_us >= 1, "{e:?}");
            // Speed in km/h from mm and µs; rounding blurs it on very short edges.
            if e.length_mm >= 10_000 {
                let kmh = f64::from(e.length_mm) / f64::from(e.time_us) * 3600.0;
                assert!(
                    (5.0..=max_kmh).contains(&kmh),
                    "{kmh} km/h on {e:?} ({} → {})",
                    a.osm_id,
                    b.osm_id
                );
            }
            // Within 1 % of a flat-Earth estimate: the lengths are metres, not degrees.
            let dy = (b.lat - a.lat).to_radians() * 6_371_008.8;
            let dx = (b.lon - a.lon).to_radians() * 6_371_008.8 * a.lat.to_radians().cos();
            let approx_mm = dx.hypot(dy) * 1000.0;
            assert!(
                (f64::from(e.length_mm) - approx_mm).abs() <= approx_mm * 0.01 + 2.0,
                "{e:?} vs {approx_mm}"
            );
        }
    }
}

// Sinan Road (思南路, way 9704194, `oneway=yes`, 21 nodes) may only be driven in its node order;
// Niuzhuang Road (牛庄路, way 39839919, `oneway=-1`) only against it. Then every one-way way
// of the extract: no reverse edge unless another way allows that direction.
#[test]
fn shanghai_one_way_streets_are_respected() {
    let ways = raw_ways(&shanghai());
    let full = load_pbf_unrestricted(&shanghai(), &SpeedTable::default())
        .unwrap()
        .graph;
    let scc = load_pbf(&shanghai(), &SpeedTable::default()).unwrap().graph;
    let way = |id: i64| ways.iter().find(|w| w.id == id).unwrap();

    let sinan = way(9_704_194);
    assert_eq!(
        (sinan.tag("name"), sinan.tag("oneway")),
        (Some("思南路"), Some("yes"))
    );
    assert_eq!(sinan.refs.len(), 21);
    for g in [&full, &scc] {
        for p in sinan.refs.windows(2) {
            let (with, against) = (has_edge(g, p[0], p[1]), has_edge(g, p[1], p[0]));
            assert!(with && !against, "Sinan Road {p:?}");
        }
    }
    let niuzhuang = way(39_839_919);
    assert_eq!(niuzhuang.tag("oneway"), Some("-1"));
    for p in niuzhuang.refs.windows(2) {
        assert!(
            has_edge(&full, p[1], p[0]) && !has_edge(&full, p[0], p[1]),
            "Niuzhuang Road {p:?}"
        );
    }

    let allowed = allowed_segments(&ways);
    let mut one_way_segments = 0;
    for w in ways
        .iter()
        .filter(|w| matches!(w.tag("oneway"), Some("yes" | "-1")))
    {
        for p in w.refs.windows(2) {
            let (with, against) = if w.tag("oneway") == Some("yes") {
                ((p[0], p[1]), (p[1], p[0]))
            } else {
                ((p[1], p[0]), (p[0], p[1]))
            };
            if way_rule(&w.tags(), &SpeedTable::default()).is_some() {
                assert!(has_edge(&full, with.0, with.1), "way {} {with:?}", w.id);
            }
            assert_eq!(
                has_edge(&full, against.0, against.1),
                allowed.contains(&against),
                "way {} {against:?}",
                w.id
            );
            one_way_segments += 1;
        }
    }
    assert!(one_way_segments > 10_000, "{one_way_segments}");
}

// README: 16,380 nodes / 28,851 edges (its count applied the roundabout default; way nodes
// are 16,383, but three ways have a single node and make no segment). The loader gives
// 15,712 / 27,575: 61 ways are left out — 60 closed to cars (`access=private` on 44,
// `access=no` on 13, `motor_vehicle=private|no` deciding alone on 3) and one `area=yes`
// outline — and they hold 668 nodes no open way uses.
#[test]
fn monaco_loads() {
    let ways = raw_ways(&monaco());
    assert_eq!(
        recount(&ways, in_speed_table),
        (16_380, 28_851),
        "the README's count"
    );
    let speeds = SpeedTable::default();
    let skipped: Vec<&RawWay> = ways
        .iter()
        .filter(|w| in_speed_table(w) && way_rule(&w.tags(), &speeds).is_none())
        .collect();
    assert_eq!(skipped.len(), 61);
    let closed = skipped.iter().filter(|w| !motor_access(&w.tags()));
    let area = skipped.iter().filter(|w| w.tag("area") == Some("yes"));
    assert_eq!((closed.count(), area.count()), (60, 1));

    let full = load_pbf_unrestricted(&monaco(), &speeds).unwrap();
    let s = &full.stats;
    assert_eq!(
        (s.ways_read, s.drivable_ways, s.missing_nodes),
        (27_377, 1703, 0)
    );
    assert_eq!((s.nodes_before_scc, s.edges_before_scc), (15_712, 27_575));
    let open = recount(&ways, |w| way_rule(&w.tags(), &speeds).is_some());
    assert_eq!(open, (s.nodes_before_scc, s.edges_before_scc));

    let LoadedGraph { graph, stats } = load_pbf(&monaco(), &speeds).unwrap();
    assert_eq!((graph.num_nodes(), graph.num_edges()), (14_360, 25_543));
    assert_eq!(stats.components, 641);
    assert_dense_ids_follow_osm_ids(&graph);
    // Roundabouts without a `oneway` tag are still one-way.
    let allowed = allowed_segments(&ways);
    let roundabouts = ways
        .iter()
        .filter(|w| w.tag("junction") == Some("roundabout") && w.tag("oneway").is_none());
    let mut checked = 0;
    for w in roundabouts {
        for p in w.refs.windows(2) {
            assert!(has_edge(&full.graph, p[0], p[1]));
            assert_eq!(
                has_edge(&full.graph, p[1], p[0]),
                allowed.contains(&(p[1], p[0]))
            );
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked}");
}

#[test]
fn loading_is_deterministic() {
    let a = load_pbf(&monaco(), &SpeedTable::default()).unwrap().graph;
    let b = load_pbf(&monaco(), &SpeedTable::default()).unwrap().graph;
    assert_eq!(a.fingerprint(), b.fingerprint());
}

#[test]
fn slower_speed_table_means_longer_times_same_lengths() {
    let normal = load_pbf(&shanghai(), &SpeedTable::default()).unwrap().graph;
    let text = include_str!("../../../config/road_speeds.toml")
        .replace("maxspeed_factor = 0.8", "maxspeed_factor = 0.4");
    let slow = SpeedTable::from_toml(&text).unwrap();
    assert_ne!(slow.fingerprint(), SpeedTable::default().fingerprint());
    let slow = load_pbf(&shanghai(), &slow).unwrap().graph;
    assert_eq!(normal.num_edges(), slow.num_edges());
    for (n, s) in normal.edges().zip(slow.edges()) {
        assert_eq!((n.from, n.to, n.length_mm), (s.from, s.to, s.length_mm));
        assert!(s.time_us.abs_diff(2 * n.time_us) <= 1, "{n:?} {s:?}");
    }
}

#[test]
fn a_missing_file_is_named() {
    let path = asset("no_such_city.osm.pbf");
    let err = load_pbf(&path, &SpeedTable::default()).unwrap_err();
    assert!(matches!(err, OsmError::Unreadable { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("no_such_city.osm.pbf") && msg.contains("check the path"),
        "{msg}"
    );
}

#[test]
fn a_file_of_another_kind_is_refused_by_name() {
    let path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../config/road_speeds.toml"
    ));
    let err = load_pbf(&path, &SpeedTable::default()).unwrap_err();
    assert!(matches!(err, OsmError::NotPbf { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("road_speeds.toml is not an OpenStreetMap PBF extract"),
        "{err}"
    );
}

#[test]
fn an_extract_without_drivable_roads_is_refused() {
    let only_motorways =
        SpeedTable::from_toml("maxspeed_factor = 0.8\n[kmh]\nmotorway = 100\n").unwrap();
    let err = load_pbf(&shanghai(), &only_motorways).unwrap_err();
    assert!(
        matches!(
            err,
            OsmError::NoDrivableRoad {
                ways_read: 4701,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("no drivable road"), "{err}");
}

/// "highway=primary oneway=yes" → tag pairs, so the rule tables below read like OSM.
fn tags(text: &str) -> Vec<(&str, &str)> {
    text.split_whitespace()
        .map(|kv| kv.split_once('=').unwrap())
        .collect()
}

#[test]
fn one_way_rules() {
    use Direction::*;
    for (t, want) in [
        ("highway=primary", Some(Both)),
        ("highway=trunk", Some(Both)),
        ("highway=primary oneway=yes", Some(Forward)),
        ("highway=primary oneway=true", Some(Forward)),
        ("highway=primary oneway=1", Some(Forward)),
        ("highway=primary oneway=-1", Some(Backward)),
        ("highway=primary oneway=reverse", Some(Backward)),
        ("highway=primary oneway=no", Some(Both)),
        ("highway=primary oneway=reversible", None),
        ("highway=primary oneway=alternating", None),
        ("highway=primary junction=roundabout", Some(Forward)),
        ("highway=tertiary junction=circular", Some(Forward)),
        ("highway=motorway", Some(Forward)),
        ("highway=motorway_link", Some(Forward)),
        ("highway=motorway oneway=no", Some(Both)),
        ("junction=roundabout oneway=no", Some(Both)),
        ("junction=roundabout oneway=-1", Some(Backward)),
        // An unknown value is as good as none.
        ("highway=residential oneway=yes;no", Some(Both)),
        ("highway=motorway oneway=unknown", Some(Forward)),
    ] {
        assert_eq!(direction(&tags(t)), want, "{t}");
    }
}

#[test]
fn access_rules() {
    for (t, open) in [
        ("", true),
        ("access=no", false),
        ("access=private", false),
        ("access=destination", true),
        ("motor_vehicle=no", false),
        ("motorcar=no", false),
        ("vehicle=no", false),
        ("access=no motor_vehicle=yes", true),
        ("access=no motor_vehicle=designated", true),
        ("access=private motorcar=permissive", true),
        ("access=no vehicle=yes", true),
        ("access=yes motor_vehicle=no", false),
        ("motor_vehicle=no motorcar=yes", true),
    ] {
        assert_eq!(motor_access(&tags(t)), open, "{t}");
    }
}

#[test]
fn way_rules_combine_class_access_direction_and_speed() {
    use Direction::*;
    let speeds = SpeedTable::default();
    for (t, want) in [
        ("highway=primary oneway=yes", Some((Forward, 48.0, 48.0))),
        ("highway=primary maxspeed=40", Some((Both, 32.0, 32.0))),
        (
            "highway=secondary maxspeed=CN:urban",
            Some((Both, 40.0, 40.0)),
        ),
        (
            "highway=primary maxspeed=50 maxspeed:backward=30",
            Some((Both, 40.0, 24.0)),
        ),
        (
            "highway=primary maxspeed=50 maxspeed:forward=CN:urban",
            Some((Both, 40.0, 40.0)),
        ),
        ("highway=footway", None),
        ("highway=construction", None),
        ("building=yes", None),
        ("highway=service area=yes", None),
        ("highway=residential access=private", None),
        ("highway=primary oneway=reversible", None),
    ] {
        let got = way_rule(&tags(t), &speeds).map(|r| (r.direction, r.forward_kmh, r.backward_kmh));
        assert_eq!(got, want, "{t}");
    }
}

#[test]
fn segment_costs_round_to_the_nearest_unit() {
    // 100 m at 36 km/h (10 m/s): 10 s.
    assert_eq!(segment_cost(100.0, 36.0), (100_000, 10_000_000));
    assert_eq!(segment_cost(0.0012345, 36.0), (1, 123));
    assert_eq!(
        segment_cost(0.000_000_1, 36.0),
        (0, 1),
        "a real distance is never free"
    );
    assert_eq!(segment_cost(2.5, 3.6), (2500, 2_500_000));
}

#[test]
fn a_truncated_extract_is_reported_as_damaged() {
    let bytes = std::fs::read(monaco()).unwrap();
    let path = std::env::temp_dir().join(format!(
        "closedloop-truncated-{}.osm.pbf",
        std::process::id()
    ));
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let err = load_pbf(&path, &SpeedTable::default()).unwrap_err();
    std::fs::remove_file(&path).unwrap();
    assert!(matches!(err, OsmError::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("truncated"), "{err}");
}
