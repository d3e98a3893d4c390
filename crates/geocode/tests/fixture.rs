//! Geocoding against small maps built here, element by element: house numbers, a street name
//! in two towns, area words that choose between them, Chinese and Latin addresses.

use closedloop_geocode::{Geocoded, Index, IndexBuilder, Precision, Unplaced};

/// Two towns 10 km apart, each with a 幸福路 / Kirchstrasse; one street only in the first.
fn two_towns() -> Index {
    let mut b = IndexBuilder::new();
    let mut id = 0;
    let mut way = |b: &mut IndexBuilder, points: &[(f64, f64)], tags: &[(&str, &str)]| {
        let mut refs = Vec::new();
        for &(lat, lon) in points {
            id += 1;
            b.node(id, lat, lon, &[]);
            refs.push(id);
        }
        b.way(&refs, tags);
    };
    let road = [("highway", "residential")];
    let named = |n: &'static str| -> Vec<(&'static str, &'static str)> {
        let mut t = road.to_vec();
        t.push(("name", n));
        t
    };
    // Town A around (31.00, 121.00), town B around (31.09, 121.00).
    way(
        &mut b,
        &[(31.000, 121.000), (31.000, 121.002), (31.000, 121.004)],
        &[
            ("highway", "residential"),
            ("name", "幸福路"),
            ("name:en", "Xingfu Road"),
        ],
    );
    way(
        &mut b,
        &[(31.090, 121.000), (31.090, 121.003)],
        &named("幸福路"),
    );
    way(
        &mut b,
        &[(31.001, 121.010), (31.002, 121.010), (31.003, 121.010)],
        &named("Kirchstrasse"),
    );
    way(
        &mut b,
        &[(31.091, 121.010), (31.092, 121.010)],
        &named("Kirchstrasse"),
    );
    way(
        &mut b,
        &[
            (31.005, 121.020),
            (31.006, 121.020),
            (31.007, 121.020),
            (31.008, 121.020),
        ],
        &named("Triq il-Kbira"),
    );
    // A long way and a short one of one street: its midpoint is the long way's middle vertex.
    way(
        &mut b,
        &[(31.010, 121.030), (31.010, 121.031)],
        &named("Rue Grimaldi"),
    );
    way(
        &mut b,
        &[
            (31.010, 121.031),
            (31.010, 121.033),
            (31.010, 121.035),
            (31.010, 121.037),
            (31.010, 121.039),
        ],
        &named("Rue Grimaldi"),
    );
    b.node(
        9001,
        31.0002,
        121.0021,
        &[("addr:street", "幸福路"), ("addr:housenumber", "12")],
    );
    b.node(
        9002,
        31.0052,
        121.0201,
        &[("addr:street", "Triq il-Kbira"), ("addr:housenumber", "5")],
    );
    // A building way with an address: placed at its outline's centre.
    for (n, (lat, lon)) in [
        (9010, (31.0020, 121.0102)),
        (9011, (31.0020, 121.0104)),
        (9012, (31.0022, 121.0104)),
    ] {
        b.node(n, lat, lon, &[]);
    }
    b.way(
        &[9010, 9011, 9012, 9010],
        &[
            ("building", "house"),
            ("addr:street", "Kirchstrasse"),
            ("addr:housenumber", "10"),
        ],
    );
    b.node(
        9100,
        31.002,
        121.005,
        &[
            ("place", "town"),
            ("name", "宿城区"),
            ("name:en", "Sucheng"),
        ],
    );
    b.node(
        9101,
        31.091,
        121.005,
        &[
            ("place", "town"),
            ("name", "北城区"),
            ("name:en", "Beicheng"),
        ],
    );
    b.node(
        9102,
        31.006,
        121.021,
        &[("place", "village"), ("name", "Ħal Qormi")],
    );
    b.build()
}

fn placed(g: &Geocoded) -> (f64, f64, Precision, String) {
    match g {
        Geocoded::Placed {
            location,
            precision,
            matched,
            ..
        } => (location.lat(), location.lon(), *precision, matched.clone()),
        other => panic!("not placed: {other:?}"),
    }
}

fn reason(g: &Geocoded) -> &Unplaced {
    match g {
        Geocoded::Unplaced { reason } => reason,
        other => panic!("placed: {other:?}"),
    }
}

#[test]
fn a_house_number_places_at_the_addressed_point() {
    let ix = two_towns();
    let (lat, lon, precision, matched) = placed(&ix.geocode("江苏省宿迁市宿城区幸福路１２号305室"));
    assert_eq!(
        (lat, lon, precision),
        (31.0002, 121.0021, Precision::HouseNumber)
    );
    assert_eq!(matched, "幸福路12号");
    let g = ix.geocode("Triq il-Kbira 5, Ħal Qormi");
    assert_eq!(
        placed(&g),
        (
            31.0052,
            121.0201,
            Precision::HouseNumber,
            "Triq il-Kbira 5".into()
        )
    );
    assert_eq!(
        placed(&ix.geocode("5 TRIQ IL KBIRA")).2,
        Precision::HouseNumber
    );
    // The building's outline centre.
    let (lat, lon, precision, _) = placed(&ix.geocode("Kirchstrasse 10, Sucheng"));
    assert_eq!(precision, Precision::HouseNumber);
    assert!(
        (lat - 31.0020667).abs() < 1e-6 && (lon - 121.0103).abs() < 1e-3,
        "{lat},{lon}"
    );
}

#[test]
fn a_street_without_the_number_places_at_its_longest_ways_middle_vertex() {
    let ix = two_towns();
    let (lat, lon, precision, matched) = placed(&ix.geocode("Rue Grimaldi 99"));
    assert_eq!(
        (lat, lon, precision, matched),
        (31.010, 121.035, Precision::Street, "Rue Grimaldi".into())
    );
    let g = ix.geocode("Triq il-Kbira");
    assert_eq!(placed(&g).2, Precision::Street);
}

#[test]
fn a_street_in_two_towns_is_unplaced_unless_the_address_names_one() {
    let ix = two_towns();
    let g = ix.geocode("幸福路12号");
    assert_eq!(
        reason(&g),
        &Unplaced::StreetAmbiguous {
            street: "幸福路".into(),
            places: 2
        }
    );
    assert_eq!(reason(&g).code(), "street_ambiguous");
    // The district word chooses: the house in 宿城区, the street's point nearest 北城区.
    assert_eq!(
        placed(&ix.geocode("宿城区幸福路12号")).2,
        Precision::HouseNumber
    );
    let (lat, lon, precision, _) = placed(&ix.geocode("北城区幸福路12号"));
    assert_eq!((lat, lon, precision), (31.090, 121.003, Precision::Street));
    // English names of the places and of the street work the same way.
    let (lat, ..) = placed(&ix.geocode("12 Xingfu Road, Sucheng"));
    assert_eq!(lat, 31.0002);
    assert!(matches!(
        reason(&ix.geocode("Kirchstrasse")),
        Unplaced::StreetAmbiguous { places: 2, .. }
    ));
    let (lat, ..) = placed(&ix.geocode("Kirchstrasse, Beicheng"));
    assert!(lat > 31.09);
}

#[test]
fn an_area_the_map_knows_must_hold_the_street() {
    let ix = two_towns();
    let g = ix.geocode("Rue Grimaldi 4, Beicheng");
    assert_eq!(
        reason(&g),
        &Unplaced::StreetNotInArea {
            street: "Rue Grimaldi".into(),
            areas: vec!["Beicheng".into()]
        }
    );
    // An area the map does not know is reported, neither confirmed nor contradicting.
    match ix.geocode("浙江省杭州市Rue Grimaldi") {
        Geocoded::Placed {
            unverified_areas, ..
        } => assert_eq!(unverified_areas, ["浙江省", "杭州市"]),
        other => panic!("{other:?}"),
    }
    match ix.geocode("湖南省长沙市宿城区幸福路12号") {
        Geocoded::Placed {
            unverified_areas, ..
        } => assert_eq!(unverified_areas, ["湖南省", "长沙市"]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn unknown_streets_and_nonsense_are_unplaced_with_their_reason() {
    let ix = two_towns();
    let g = ix.geocode("宿城区光明路3号");
    assert_eq!(
        reason(&g),
        &Unplaced::NoSuchStreet {
            street: "光明路".into()
        }
    );
    assert_eq!(
        reason(&ix.geocode("Rue Inconnue 4, Sucheng")).code(),
        "no_such_street"
    );
    for nonsense in ["", "!!!", "12", "305室", "Atlantis"] {
        assert_eq!(
            reason(&ix.geocode(nonsense)),
            &Unplaced::NothingRecognisable,
            "{nonsense:?}"
        );
    }
    let en = reason(&ix.geocode("幸福路")).message(closedloop_domain::Lang::En);
    let zh = reason(&ix.geocode("幸福路")).message(closedloop_domain::Lang::ZhCn);
    assert!(
        en.contains("2 places") && zh.contains("2 处"),
        "{en} / {zh}"
    );
}

#[test]
fn a_place_alone_places_at_the_place() {
    let ix = two_towns();
    assert_eq!(
        placed(&ix.geocode("宿城区")),
        (31.002, 121.005, Precision::Place, "宿城区".into())
    );
    assert_eq!(placed(&ix.geocode("hal qormi")).2, Precision::Place);
}
