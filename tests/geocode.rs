//! `closedloop geocode` on the shipped extracts (© OpenStreetMap contributors, ODbL), and with
//! a Nominatim-compatible service configured (a loopback server started here).

mod common;

use common::{Env, repo};
use std::io::{BufRead, BufReader, Write};

fn monaco() -> String {
    repo()
        .join("assets/osm/monaco.osm.pbf")
        .display()
        .to_string()
}

#[test]
fn placed_addresses_print_coordinates_precision_and_the_name_matched() {
    let env = Env::new();
    let r = env.ok(&[
        "geocode",
        "--osm",
        &monaco(),
        "Quai Antoine 1er 4",
        "Rue Grimaldi, La Condamine",
        "Monte-Carlo",
    ]);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(lines[0].contains("precision"), "{}", r.stdout);
    assert!(
        r.stdout.contains("house number") && r.stdout.contains("Quai Antoine 1er 4"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("43.73"), "{}", r.stdout);
    assert!(
        r.stdout.contains("street") && r.stdout.contains("place"),
        "{}",
        r.stdout
    );
    assert!(r.stderr.contains("monaco.osm.pbf"), "{}", r.stderr);
}

#[test]
fn json_gives_each_address_its_result_and_unplaced_ones_exit_1_with_the_reason() {
    let env = Env::new();
    let r = env.run(&[
        "geocode",
        "--osm",
        &monaco(),
        "--json",
        "4 Quai Antoine 1er, Monaco",
        "Rue Grimaldi 12",
        "Rue Inconnue 4",
    ]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let v = r.json();
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["status"], "placed");
    assert_eq!(results[0]["precision"], "house_number");
    assert!((results[0]["location"]["lat"].as_f64().unwrap() - 43.7326).abs() < 0.001);
    assert_eq!(results[1]["status"], "unplaced");
    assert_eq!(results[1]["reason"]["code"], "street_ambiguous");
    assert_eq!(results[1]["reason"]["places"], 2);
    assert!(
        results[1]["message"]["zh"]
            .as_str()
            .unwrap()
            .contains("坐标")
    );
    assert_eq!(results[2]["reason"]["code"], "no_such_street");
}

#[test]
fn chinese_addresses_in_the_desks_language() {
    let env = Env::new();
    let cfg = repo().join("config/closedloop.toml");
    // The shipped configuration's extract is Shanghai's centre.
    let r = env.run_in(
        "zh-CN",
        &cfg,
        &["geocode", "江苏省宿迁市宿城区幸福路12号305室", "东方路1号"],
    );
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("幸福路") && r.stdout.contains("街道"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("地图中无：江苏省 宿迁市 宿城区"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("street_ambiguous") && r.stdout.contains("2 处"),
        "{}",
        r.stdout
    );
    assert!(r.stderr.contains("未能定位"), "{}", r.stderr);
}

#[test]
fn a_file_that_is_not_an_extract_is_refused() {
    let env = Env::new();
    let xml = env.write("city.osm", "<?xml version='1.0'?><osm/>");
    let r = env.run(&["geocode", "--osm", xml.to_str().unwrap(), "Vaduz"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("osmium cat"), "{}", r.stderr);
}

#[test]
fn a_configured_nominatim_service_answers() {
    let env = Env::new();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        let body = r#"[{"lat":"47.1392862","lon":"9.5227962","display_name":"Vaduz, Liechtenstein","place_rank":16}]"#;
        let mut stream = stream;
        write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        head
    });
    let cfg = env.write(
        "closedloop.toml",
        format!("[geocoder]\nkind = \"nominatim\"\nurl = \"{url}\"\nuser_agent = \"desk-test\"\n"),
    );
    let r = env.ok_with_config(&cfg, &["geocode", "--json", "Vaduz"]);
    let v = r.json();
    assert!(v["source"].as_str().unwrap().contains("Nominatim"), "{v}");
    assert_eq!(v["results"][0]["precision"], "place");
    assert_eq!(v["results"][0]["matched"], "Vaduz, Liechtenstein");
    let head = server.join().unwrap();
    assert!(
        head.starts_with("GET /search?q=Vaduz&format=jsonv2&limit=2 "),
        "{head}"
    );
    assert!(
        head.to_lowercase().contains("user-agent: desk-test"),
        "{head}"
    );
}
