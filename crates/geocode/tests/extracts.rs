//! Geocoding on real extracts (© OpenStreetMap contributors, ODbL): the shipped Monaco and
//! Shanghai-centre files, and the shared Liechtenstein and Malta files where present.

use closedloop_geocode::{Geocoded, Index, Precision, Unplaced, load};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

pub fn monaco() -> &'static Index {
    static I: OnceLock<Index> = OnceLock::new();
    I.get_or_init(|| load(&repo("assets/osm/monaco.osm.pbf")).expect("monaco"))
}

fn shanghai() -> &'static Index {
    static I: OnceLock<Index> = OnceLock::new();
    I.get_or_init(|| load(&repo("assets/osm/shanghai_center.osm.pbf")).expect("shanghai"))
}

fn precision(g: &Geocoded) -> Option<Precision> {
    match g {
        Geocoded::Placed { precision, .. } => Some(*precision),
        Geocoded::Unplaced { .. } => None,
    }
}

fn code(g: &Geocoded) -> &'static str {
    match g {
        Geocoded::Unplaced { reason } => reason.code(),
        Geocoded::Placed { .. } => "placed",
    }
}

#[test]
fn monaco_house_numbers_streets_and_places() {
    let ix = monaco();
    let stats = ix.stats();
    assert!(
        stats.houses >= 50 && stats.streets >= 500 && stats.places >= 20,
        "{stats:?}"
    );
    for a in [
        "Quai Antoine 1er 4",
        "4 Quai Antoine 1er, Monaco",
        "Boulevard Albert 1er 5b",
        "rue imberty 6",
    ] {
        assert_eq!(
            precision(&ix.geocode(a)),
            Some(Precision::HouseNumber),
            "{a}"
        );
    }
    // The house is on the map but not number 99: the street, not a neighbour's door.
    assert_eq!(
        precision(&ix.geocode("Quai Antoine 1er 99")),
        Some(Precision::Street)
    );
    assert_eq!(
        precision(&ix.geocode("Monte-Carlo")),
        Some(Precision::Place)
    );
    assert_eq!(
        code(&ix.geocode("Rue Inconnue 4, Monaco")),
        "no_such_street"
    );
}

#[test]
fn monaco_rue_grimaldi_exists_twice_and_the_quarter_chooses() {
    let ix = monaco();
    assert_eq!(ix.streets_named("Rue Grimaldi").len(), 2);
    // Monaco (the city) holds both as far as its point can tell: still ambiguous.
    for a in ["12 Rue Grimaldi, Monaco", "Rue Grimaldi 12"] {
        let g = ix.geocode(a);
        assert_eq!(
            g,
            Geocoded::Unplaced {
                reason: Unplaced::StreetAmbiguous {
                    street: "Rue Grimaldi".into(),
                    places: 2
                }
            },
            "{a}"
        );
    }
    let Geocoded::Placed { location, .. } = ix.geocode("Rue Grimaldi, La Condamine") else {
        panic!("La Condamine's Rue Grimaldi");
    };
    assert!(
        (location.lat() - 43.735).abs() < 0.005 && (location.lon() - 7.42).abs() < 0.005,
        "{location:?}"
    );
    // Avenue Pasteur of Monaco and of Roquebrune: neither is in Beausoleil.
    assert_eq!(
        code(&ix.geocode("Avenue Pasteur, Beausoleil")),
        "street_not_in_area"
    );
}

#[test]
fn shanghai_chinese_and_english_street_names() {
    let ix = shanghai();
    let g = ix.geocode("江苏省宿迁市宿城区幸福路12号305室");
    let Geocoded::Placed {
        precision,
        matched,
        unverified_areas,
        ..
    } = &g
    else {
        panic!("{g:?}")
    };
    assert_eq!(
        (*precision, matched.as_str()),
        (Precision::Street, "幸福路")
    );
    assert_eq!(unverified_areas, &["江苏省", "宿迁市", "宿城区"]);
    let zh = ix.geocode("上海市静安区南京西路１号");
    let en = ix.geocode("West Nanjing Road 1");
    match (&zh, &en) {
        (
            Geocoded::Placed {
                location: a,
                matched,
                ..
            },
            Geocoded::Placed { location: b, .. },
        ) => {
            assert_eq!(matched, "南京西路");
            assert_eq!(a, b, "one street under both names");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(code(&ix.geocode("上海市")), "nothing_recognisable");
}

#[test]
#[ignore = "needs ../shared/data/osm"]
fn liechtenstein_addressed_buildings() {
    let ix = load(&repo("../shared/data/osm/liechtenstein.osm.pbf")).expect("liechtenstein");
    assert!(ix.stats().houses > 3000, "{:?}", ix.stats());
    for a in [
        "Städtle 1, Vaduz",
        "Äulestrasse 30, 9490 Vaduz",
        "Landstrasse 5, Vaduz",
    ] {
        assert_eq!(
            precision(&ix.geocode(a)),
            Some(Precision::HouseNumber),
            "{a}"
        );
    }
    // Kirchstrasse is in three villages; the addresses' addr:city tells them apart.
    assert!(matches!(
        ix.geocode("Kirchstrasse 10"),
        Geocoded::Unplaced {
            reason: Unplaced::StreetAmbiguous { places: 3, .. }
        }
    ));
    let Geocoded::Placed { location, .. } = ix.geocode("Kirchstrasse 1, Ruggell") else {
        panic!()
    };
    assert!(location.lat() > 47.23, "{location:?}");
    assert_eq!(precision(&ix.geocode("Vaduz")), Some(Precision::Place));
}

#[test]
#[ignore = "needs ../shared/data/osm"]
fn malta_maltese_names_and_a_street_in_twenty_towns() {
    let ix = load(&repo("../shared/data/osm/malta.osm.pbf")).expect("malta");
    // Triq il-Kbira (the main street) is in twenty towns: the town's name chooses.
    assert!(matches!(
        ix.geocode("Triq il-Kbira 5"),
        Geocoded::Unplaced {
            reason: Unplaced::StreetAmbiguous { places: 20, .. }
        }
    ));
    let with_accent = ix.geocode("Triq il-Kbira 5, Ħal Qormi");
    assert_eq!(precision(&with_accent), Some(Precision::Street));
    assert_eq!(with_accent, ix.geocode("TRIQ IL KBIRA 5, hal qormi"));
    // The English name of Valletta's Triq ir-Repubblika.
    let Geocoded::Placed { matched, .. } = ix.geocode("Republic Street, Valletta") else {
        panic!("Republic Street");
    };
    assert_eq!(matched, "Triq Ir-Repubblika");
}

#[test]
fn a_file_that_is_not_an_extract_is_refused_with_its_reason() {
    let dir = std::env::temp_dir().join(format!("geocode-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let xml = dir.join("city.osm");
    std::fs::write(&xml, "<?xml version='1.0'?><osm></osm>").unwrap();
    let e = load(&xml).unwrap_err();
    assert_eq!(e.code(), "extract_not_pbf");
    assert!(e.to_string().contains("osmium cat"), "{e}");
    assert_eq!(
        load(&dir.join("missing.osm.pbf")).unwrap_err().code(),
        "extract_unreadable"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Every street of `ix` written with `templates` (`{name}` replaced): placed on a street of
/// that name, or unplaced as ambiguous among exactly its places. Returns the failures.
fn every_street(ix: &Index, templates: &[&str]) -> Vec<String> {
    let mut bad = Vec::new();
    for street in ix.streets() {
        let streets = ix.streets_named(&street.name);
        for t in templates {
            let a = t.replace("{name}", &street.name);
            let ok = match ix.geocode(&a) {
                Geocoded::Placed { location, .. } => streets
                    .iter()
                    .any(|s| s.points().any(|p| p == (location.lat(), location.lon()))),
                Geocoded::Unplaced {
                    reason: Unplaced::StreetAmbiguous { places, .. },
                } => places == streets.len(),
                Geocoded::Unplaced { .. } => false,
            };
            if !ok {
                bad.push(format!("{a:?} → {:?}", ix.geocode(&a)));
            }
        }
    }
    bad
}

#[test]
fn every_street_of_the_shipped_extracts_is_found_by_its_name() {
    let bad = every_street(
        monaco(),
        &["{name}", "5 {name}", "{name} 5", "5 {name}, Monaco"],
    );
    assert!(
        bad.is_empty(),
        "{} failures: {:#?}",
        bad.len(),
        &bad[..bad.len().min(10)]
    );
    let bad = every_street(
        shanghai(),
        &["{name}", "{name}5号", "上海市黄浦区{name}5号301室"],
    );
    assert!(
        bad.is_empty(),
        "{} failures: {:#?}",
        bad.len(),
        &bad[..bad.len().min(10)]
    );
}

#[test]
#[ignore = "needs ../shared/data/osm"]
fn every_street_of_liechtenstein_is_found_by_its_name() {
    let ix = load(&repo("../shared/data/osm/liechtenstein.osm.pbf")).expect("liechtenstein");
    let bad = every_street(&ix, &["{name}", "5 {name}", "{name} 5"]);
    assert!(
        bad.is_empty(),
        "{} failures: {:#?}",
        bad.len(),
        &bad[..bad.len().min(10)]
    );
}
