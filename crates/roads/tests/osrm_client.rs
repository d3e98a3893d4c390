//! The OSRM client against a loopback HTTP server that answers as OSRM's v1 API documents, and
//! (an ignored test, run with `--ignored`) against the real thing: a real `osrm-routed` named by
//! `CLOSEDLOOP_OSRM_URL`, e.g. the one `../shared/bench/roads_osrm.py --keep-serving PORT` starts.

use closedloop_roads::model::{Point, RoadsError, TravelModel};
use closedloop_roads::osrm::Osrm;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Serves canned answers chosen by `answer(path)`, recording every request path.
fn serve(answer: fn(&str) -> (u16, String)) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap() == 0 || h == "\r\n" {
                    break;
                }
            }
            log.lock().unwrap().push(path.clone());
            let (status, body) = answer(&path);
            write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            )
            .unwrap();
        }
    });
    (base, seen)
}

fn point(lat: f64, lon: f64) -> Point {
    Point { lat, lon }
}

/// A table whose cell (i, j) is 10·i + j seconds and 100·i + j metres for the request's own
/// source and destination positions, with one unreachable pair (null) like OSRM gives.
fn table(path: &str) -> (u16, String) {
    let query = path.split_once('?').unwrap().1;
    let param = |name: &str| -> Vec<usize> {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
            .unwrap()
            .split(';')
            .map(|v| v.parse().unwrap())
            .collect()
    };
    let coords: Vec<&str> = path
        .split('/')
        .nth(4)
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .split(';')
        .collect();
    let (sources, targets) = (param("sources"), param("destinations"));
    let lat = |i: usize| -> f64 { coords[i].split(',').nth(1).unwrap().parse().unwrap() };
    let cell = |s: usize, t: usize, scale: f64| -> String {
        // Points are at latitude 30 + index / 1000; recover the global indices from them.
        let (a, b) = (
            ((lat(s) - 30.0) * 1000.0).round(),
            ((lat(t) - 30.0) * 1000.0).round(),
        );
        if a == 2.0 && b == 0.0 {
            "null".into()
        } else {
            format!("{}", a * scale + b)
        }
    };
    let grid = |scale: f64| -> String {
        let rows: Vec<String> = sources
            .iter()
            .map(|&s| {
                format!(
                    "[{}]",
                    targets
                        .iter()
                        .map(|&t| cell(s, t, scale))
                        .collect::<Vec<_>>()
                        .join(",")
                )
            })
            .collect();
        format!("[{}]", rows.join(","))
    };
    (
        200,
        format!(
            r#"{{"code":"Ok","durations":{},"distances":{}}}"#,
            grid(10.0),
            grid(100.0)
        ),
    )
}

fn osrm(base: &str) -> Osrm {
    Osrm::new(base, "driving", Duration::from_secs(10)).unwrap()
}

#[test]
fn matrix_asks_the_table_service_in_blocks_and_keeps_unreachable_pairs_empty() {
    let (base, seen) = serve(table);
    let points: Vec<Point> = (0..120)
        .map(|i| point(30.0 + i as f64 / 1000.0, 121.0))
        .collect();
    let m = osrm(&base).matrix(&points).unwrap();
    assert_eq!(m.size, 120);
    for i in 0..120 {
        for j in 0..120 {
            let got = m.get(i, j);
            if (i, j) == (2, 0) {
                assert_eq!(got, None);
            } else {
                let leg = got.unwrap_or_else(|| panic!("({i},{j}) missing"));
                assert_eq!(
                    (leg.time_s, leg.length_m),
                    ((10 * i + j) as f64, (100 * i + j) as f64),
                    "({i},{j})"
                );
            }
        }
    }
    let seen = seen.lock().unwrap();
    // 120 points in blocks of 50: 3 × 3 requests, each within OSRM's default table size.
    assert_eq!(seen.len(), 9);
    assert!(
        seen[0].starts_with("/table/v1/driving/121.000000,30.000000;"),
        "{}",
        seen[0]
    );
    assert!(seen[0].contains("annotations=duration,distance"));
}

#[test]
fn route_reads_time_length_and_geometry() {
    let (base, seen) = serve(|_| {
        (200, r#"{"code":"Ok","routes":[{"duration":321.5,"distance":2750.2,"geometry":{"type":"LineString","coordinates":[[121.4555,31.2497],[121.46,31.24],[121.4737,31.2304]]}}],"waypoints":[]}"#.into())
    });
    let r = osrm(&base)
        .route(point(31.2497, 121.4555), point(31.2304, 121.4737))
        .unwrap();
    assert_eq!((r.leg.time_s, r.leg.length_m), (321.5, 2750.2));
    assert_eq!(r.geometry.0.len(), 3);
    assert_eq!(r.geometry.0[2].x, 121.4737);
    let path = &seen.lock().unwrap()[0];
    assert_eq!(
        path,
        "/route/v1/driving/121.455500,31.249700;121.473700,31.230400?overview=full&geometries=geojson"
    );
}

#[test]
fn the_servers_refusal_and_an_absent_server_are_named() {
    let (base, _) = serve(|_| {
        (
            400,
            r#"{"code":"TooBig","message":"Too many table coordinates"}"#.into(),
        )
    });
    let e = osrm(&base).matrix(&[point(31.0, 121.0)]).unwrap_err();
    assert!(matches!(e, RoadsError::Service { .. }));
    let text = e.to_string();
    assert!(
        text.contains(&base) && text.contains("TooBig: Too many table coordinates"),
        "{text}"
    );

    let (base, _) = serve(|_| {
        (
            200,
            r#"{"code":"NoRoute","message":"Impossible route","routes":[]}"#.into(),
        )
    });
    let e = osrm(&base)
        .route(point(31.0, 121.0), point(31.1, 121.1))
        .unwrap_err();
    assert!(matches!(e, RoadsError::Unreachable { .. }), "{e}");

    // Nothing listens on a port just released.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = osrm(&format!("http://127.0.0.1:{port}"))
        .route(point(31.0, 121.0), point(31.1, 121.1))
        .unwrap_err();
    assert!(e.to_string().contains("is osrm-routed running?"), "{e}");
}

/// Against a real osrm-routed on the shipped Shanghai extract. Start one with
/// `../shared/bench/roads_osrm.py assets/osm/shanghai_center.osm.pbf POINTS.csv --keep-serving
/// PORT` (POINTS.csv: any `lat,lon` file), then run `CLOSEDLOOP_OSRM_URL=http://127.0.0.1:PORT
/// cargo test -p closedloop-roads --test osrm_client -- --ignored`.
#[test]
#[ignore = "needs a real osrm-routed: set CLOSEDLOOP_OSRM_URL (see ../shared/bench/roads_osrm.py --keep-serving PORT)"]
fn a_real_osrm_server() {
    let base = std::env::var("CLOSEDLOOP_OSRM_URL").expect(
        "CLOSEDLOOP_OSRM_URL must name a running osrm-routed on the Shanghai extract, e.g. \
         http://127.0.0.1:5000; start one with ../shared/bench/roads_osrm.py \
         assets/osm/shanghai_center.osm.pbf POINTS.csv --keep-serving 5000",
    );
    let o = osrm(&base);
    let (station, square) = (point(31.2497, 121.4555), point(31.2304, 121.4737));
    let r = o.route(station, square).unwrap();
    assert!(
        r.leg.length_m > 2_500.0 && r.leg.length_m < 8_000.0,
        "{:?}",
        r.leg
    );
    let m = o.matrix(&[station, square]).unwrap();
    assert_eq!(m.get(0, 0).unwrap().time_s, 0.0);
    let there = m.get(0, 1).unwrap();
    assert!(
        (there.length_m - r.leg.length_m).abs() < 1.0,
        "{there:?} vs {:?}",
        r.leg
    );
}
