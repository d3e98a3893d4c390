//! The road network from the command line, on the shipped extract (© OpenStreetMap
//! contributors, ODbL).

mod common;

use common::{Env, repo};
use std::path::PathBuf;

/// A private copy of the extract, so the preprocessed file lands in this test's directory.
fn extract_copy(env: &Env, name: &str) -> PathBuf {
    let to = env.path("city.osm.pbf");
    std::fs::copy(repo().join("assets/osm").join(name), &to).unwrap();
    to
}

const STATION: &str = "31.2497,121.4555";
const PEOPLES_SQUARE: &str = "31.2304,121.4737";

#[test]
fn info_reports_the_graph_and_reuses_then_rebuilds_the_preprocessing() {
    let env = Env::new();
    let osm = extract_copy(&env, "shanghai_center.osm.pbf");
    let o = osm.to_str().unwrap();
    let first = env.ok(&["roads", "info", "--osm", o]).stdout;
    assert!(first.contains("built"), "{first}");
    assert!(first.contains("OpenStreetMap"), "{first}");
    assert!(env.path("city.osm.pbf.ch").exists());
    let second = env.ok(&["roads", "info", "--osm", o]).stdout;
    assert!(second.contains("reused"), "{second}");

    // Another extract under the same name: the old preprocessing must not be used.
    std::fs::copy(repo().join("assets/osm/monaco.osm.pbf"), &osm).unwrap();
    let third = env.ok(&["roads", "info", "--osm", o]).stdout;
    assert!(third.contains("built"), "{third}");

    // Another speed table: rebuilt too.
    let speeds = std::fs::read_to_string(repo().join("config/road_speeds.toml")).unwrap();
    std::fs::write(
        env.path("road_speeds.toml"),
        speeds.replace("residential = 30", "residential = 25"),
    )
    .unwrap();
    std::fs::write(
        env.path("closedloop.toml"),
        format!(
            "ports = {:?}\n[roads]\nspeeds = \"road_speeds.toml\"\n",
            repo().join("config/ports.toml")
        ),
    )
    .unwrap();
    let cfg = env.path("closedloop.toml");
    let fourth = env
        .ok_with_config(&cfg, &["roads", "info", "--osm", o])
        .stdout;
    assert!(fourth.contains("built"), "{fourth}");
}

#[test]
fn route_gives_time_length_and_geojson() {
    let env = Env::new();
    let osm = extract_copy(&env, "shanghai_center.osm.pbf");
    let o = osm.to_str().unwrap();
    let geo = env
        .ok(&[
            "roads",
            "route",
            "--osm",
            o,
            "--from",
            STATION,
            "--to",
            PEOPLES_SQUARE,
            "--geojson",
        ])
        .json();
    assert_eq!(geo["geometry"]["type"], "LineString");
    let coords = geo["geometry"]["coordinates"].as_array().unwrap();
    assert!(coords.len() > 5, "{geo}");
    let time = geo["properties"]["time_s"].as_f64().unwrap();
    let length = geo["properties"]["length_m"].as_f64().unwrap();
    // About 2.5 km as the crow flies: the road trip is longer, and takes minutes, not hours.
    assert!(length > 2_500.0 && length < 8_000.0, "{length}");
    assert!(time > 120.0 && time < 1_800.0, "{time}");
    // GeoJSON order is lon, lat.
    assert!(
        (coords[0][1].as_f64().unwrap() - 31.2497).abs() < 0.01,
        "{}",
        coords[0]
    );
}

#[test]
fn matrix_has_one_row_per_ordered_pair_and_snapping_errors_name_the_point() {
    let env = Env::new();
    let osm = extract_copy(&env, "shanghai_center.osm.pbf");
    let o = osm.to_str().unwrap();
    let points = env.write(
        "points.csv",
        format!(
            "name,lat,lon\nstation,{STATION}\nsquare,{PEOPLES_SQUARE}\nbund,31.2400,121.4900\n"
        ),
    );
    let out = env.path("m.csv");
    env.ok(&[
        "roads",
        "matrix",
        "--osm",
        o,
        "--points",
        points.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "from,to,time_s,length_m");
    assert_eq!(lines.len(), 10);
    assert_eq!(lines[1], "0,0,0.000000,0.000");
    let cell = |l: &str| -> (f64, f64) {
        let v: Vec<&str> = l.split(',').collect();
        (v[2].parse().unwrap(), v[3].parse().unwrap())
    };
    let (t01, l01) = cell(lines[2]);
    assert!(t01 > 0.0 && l01 > 0.0);

    // A point in the Huangpu river mouth, far from any road of the extract.
    let far = env.write("far.csv", "lat,lon\n31.2497,121.4555\n31.5000,121.9000\n");
    let r = env.run(&[
        "roads",
        "matrix",
        "--osm",
        o,
        "--points",
        far.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("point 1 (31.500000, 121.900000) is"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("from the nearest road"), "{}", r.stderr);
}

#[test]
fn export_writes_the_graph_as_the_engine_sees_it() {
    let env = Env::new();
    let osm = extract_copy(&env, "shanghai_center.osm.pbf");
    let (edges, nodes) = (env.path("edges.csv"), env.path("nodes.csv"));
    env.ok(&[
        "roads",
        "export",
        "--osm",
        osm.to_str().unwrap(),
        "--edges",
        edges.to_str().unwrap(),
        "--nodes",
        nodes.to_str().unwrap(),
    ]);
    let e = std::fs::read_to_string(&edges).unwrap();
    let n = std::fs::read_to_string(&nodes).unwrap();
    assert!(e.starts_with("from,to,length_m,time_s\n"));
    assert!(n.starts_with("id,lat,lon\n"));
    let info = env
        .ok(&["roads", "info", "--osm", osm.to_str().unwrap()])
        .stdout;
    let node_count = n.lines().count() - 1;
    assert!(node_count > 15_000, "{node_count}");
    assert!(info.contains(&node_count.to_string()), "{info}");
}

#[test]
fn without_an_extract_straight_lines_keep_everything_working() {
    let env = Env::new();
    std::fs::write(
        env.path("closedloop.toml"),
        format!("ports = {:?}\n", repo().join("config/ports.toml")),
    )
    .unwrap();
    let cfg = env.path("closedloop.toml");
    let r = env.ok_with_config(
        &cfg,
        &["roads", "route", "--from", STATION, "--to", PEOPLES_SQUARE],
    );
    assert!(r.stdout.contains(" m,"), "{}", r.stdout);
    let info = env.ok_with_config(&cfg, &["roads", "info"]).stdout;
    assert!(info.contains("straight lines"), "{info}");
}

#[test]
fn the_shortest_route_is_no_longer_and_no_faster_than_the_fastest() {
    let env = Env::new();
    let osm = extract_copy(&env, "shanghai_center.osm.pbf");
    let o = osm.to_str().unwrap();
    let leg = |by: &str| -> (f64, f64) {
        let geo = env
            .ok(&[
                "roads",
                "route",
                "--osm",
                o,
                "--from",
                STATION,
                "--to",
                PEOPLES_SQUARE,
                "--geojson",
                "--by",
                by,
            ])
            .json();
        (
            geo["properties"]["time_s"].as_f64().unwrap(),
            geo["properties"]["length_m"].as_f64().unwrap(),
        )
    };
    let (fast_t, fast_l) = leg("time");
    let (short_t, short_l) = leg("distance");
    assert!(
        short_l <= fast_l && short_t >= fast_t,
        "fastest {fast_t} s {fast_l} m, shortest {short_t} s {short_l} m"
    );
    // On a city centre's mix of arterials and side streets the two differ.
    assert!(short_l < fast_l, "fastest {fast_l} m, shortest {short_l} m");
}
