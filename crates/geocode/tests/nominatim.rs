//! The Nominatim-compatible client against a loopback server started here: no outside network.

use closedloop_geocode::nominatim::Nominatim;
use closedloop_geocode::{Geocoded, Precision, Unplaced};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

/// Serves `body` with `status` to one request; the request's head comes back on the channel.
fn serve_once(status: &'static str, body: &'static str) -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("accept");
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        let mut stream = stream;
        write!(
            stream,
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        tx.send(head).unwrap();
    });
    (url, rx)
}

fn client(url: &str) -> Nominatim {
    Nominatim::new(url, "closedloop-test/1", Duration::from_secs(10)).unwrap()
}

#[test]
fn one_result_is_placed_with_its_rank_and_the_request_is_well_formed() {
    let (url, head) = serve_once(
        "200 OK",
        r#"[{"lat":"43.7343016","lon":"7.4185584","display_name":"12, Rue Grimaldi, Monaco",
            "place_rank":30,"addresstype":"building"}]"#,
    );
    let got = client(&url).geocode("12 Rue Grimaldi, Monaco").unwrap();
    let Geocoded::Placed {
        location,
        precision,
        matched,
        ..
    } = got
    else {
        panic!("{got:?}");
    };
    assert_eq!((location.lat(), location.lon()), (43.7343016, 7.4185584));
    assert_eq!(precision, Precision::HouseNumber);
    assert_eq!(matched, "12, Rue Grimaldi, Monaco");
    let head = head.recv().unwrap();
    let first = head.lines().next().unwrap();
    assert!(
        first.starts_with("GET /search?q=12+Rue+Grimaldi%2C+Monaco&format=jsonv2&limit=2 "),
        "{first}"
    );
    assert!(
        head.to_lowercase()
            .contains("user-agent: closedloop-test/1"),
        "{head}"
    );
}

#[test]
fn chinese_addresses_are_encoded_and_a_street_rank_is_a_street() {
    let (url, head) = serve_once(
        "200 OK",
        r#"[{"lat":"31.2319","lon":"121.4547","display_name":"南京西路","place_rank":26},
            {"lat":"31.2322","lon":"121.4551","display_name":"南京西路","place_rank":26}]"#,
    );
    let got = client(&url).geocode("南京西路").unwrap();
    assert!(
        matches!(
            got,
            Geocoded::Placed {
                precision: Precision::Street,
                ..
            }
        ),
        "two results 50 m apart are one street: {got:?}"
    );
    let head = head.recv().unwrap();
    assert!(
        head.contains("q=%E5%8D%97%E4%BA%AC%E8%A5%BF%E8%B7%AF&"),
        "{head}"
    );
}

#[test]
fn two_results_far_apart_are_ambiguous_and_none_is_unplaced() {
    let (url, _) = serve_once(
        "200 OK",
        r#"[{"lat":"43.7343","lon":"7.4185","display_name":"Rue Grimaldi, Monaco"},
            {"lat":"43.7637","lon":"7.4668","display_name":"Rue Grimaldi, Menton"}]"#,
    );
    let got = client(&url).geocode("Rue Grimaldi").unwrap();
    let Geocoded::Unplaced {
        reason: reason @ Unplaced::ResultsFarApart { km, .. },
    } = &got
    else {
        panic!("{got:?}");
    };
    assert!((4..=6).contains(km), "{got:?}");
    assert_eq!(reason.code(), "results_far_apart");

    let (url, _) = serve_once("200 OK", "[]");
    let got = client(&url).geocode("nowhere at all").unwrap();
    assert_eq!(
        got,
        Geocoded::Unplaced {
            reason: Unplaced::NotFound
        }
    );
}

#[test]
fn a_failing_or_garbled_service_is_an_error_not_a_place() {
    let (url, _) = serve_once("503 Service Unavailable", "busy");
    let e = client(&url).geocode("Vaduz").unwrap_err();
    assert_eq!(e.code(), "geocoder_failed");
    assert!(e.to_string().contains("503"), "{e}");
    let (url, _) = serve_once("200 OK", r#"[{"lat":"north","lon":"7.4"}]"#);
    let e = client(&url).geocode("Vaduz").unwrap_err();
    assert!(e.to_string().contains("not numbers"), "{e}");
    let (url, _) = serve_once("200 OK", "<html>");
    assert!(client(&url).geocode("Vaduz").is_err());
    // Nobody listening.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    assert!(client(&format!("http://{port}")).geocode("Vaduz").is_err());
}
