//! Properties: the parser and the geocoder never panic; an address written with an indexed
//! street's name always finds that street (placed on it, or unplaced as ambiguous between the
//! places bearing that name).

use closedloop_geocode::{Geocoded, Index, IndexBuilder, Unplaced, load, parse};
use proptest::prelude::*;
use std::path::Path;
use std::sync::OnceLock;

fn monaco() -> &'static Index {
    static I: OnceLock<Index> = OnceLock::new();
    I.get_or_init(|| {
        load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/osm/monaco.osm.pbf"))
            .expect("monaco")
    })
}

fn shanghai() -> &'static Index {
    static I: OnceLock<Index> = OnceLock::new();
    I.get_or_init(|| {
        load(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/osm/shanghai_center.osm.pbf"),
        )
        .expect("shanghai")
    })
}

/// Street names an address can be written with: no separators inside (a comma would make the
/// name two pieces of the address).
fn names(ix: &Index) -> Vec<String> {
    let mut v: Vec<String> = ix
        .streets()
        .map(|s| s.name.clone())
        .filter(|n| !n.contains([',', ';', '\n', '、']))
        .collect();
    v.sort();
    v.dedup();
    v
}

/// `address` found the street `name`: on it, or ambiguous among exactly its places.
fn finds(ix: &Index, name: &str, address: &str) -> Result<(), TestCaseError> {
    let streets = ix.streets_named(name);
    match ix.geocode(address) {
        Geocoded::Placed { location, .. } => {
            let on = streets.iter().any(|s| {
                s.points().any(|p| {
                    (p.0 - location.lat()).abs() < 1e-9 && (p.1 - location.lon()).abs() < 1e-9
                })
            });
            prop_assert!(on, "{address:?} placed off {name:?}: {location:?}");
        }
        Geocoded::Unplaced {
            reason: Unplaced::StreetAmbiguous { places, .. },
        } => {
            prop_assert_eq!(places, streets.len(), "{:?}", address);
        }
        other => prop_assert!(false, "{address:?} for {name:?}: {other:?}"),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_parser_and_the_geocoder_never_panic(s in "\\PC{0,80}") {
        let _ = parse(&s);
        let _ = monaco().geocode(&s);
    }

    #[test]
    fn address_like_noise_never_panics(
        s in "[0-9０-９号路街弄室栋单元市区省 ,a-zA-Zé-]{0,40}"
    ) {
        let _ = parse(&s);
        let _ = shanghai().geocode(&s);
    }

    #[test]
    fn a_monaco_street_name_finds_its_street(
        i in any::<prop::sample::Index>(),
        n in 1u32..300,
        template in 0usize..4,
    ) {
        let ix = monaco();
        let all = names(ix);
        let name = i.get(&all);
        let address = match template {
            0 => name.clone(),
            1 => format!("{n} {name}"),
            2 => format!("{name} {n}"),
            _ => format!("{n} {name}, Monaco"),
        };
        // `Monaco`, the city, is an area word that holds every street of the extract.
        finds(ix, name, &address)?;
    }

    #[test]
    fn a_shanghai_street_name_finds_its_street(
        i in any::<prop::sample::Index>(),
        n in 1u32..3000,
        template in 0usize..3,
    ) {
        let ix = shanghai();
        let all = names(ix);
        let name = i.get(&all);
        let address = match template {
            0 => name.clone(),
            1 => format!("{name}{n}号"),
            _ => format!("上海市黄浦区{name}{n}号301室"),
        };
        finds(ix, name, &address)?;
    }

    /// Generated towns, each with its own streets: every street is found from its name with
    /// any number and its town.
    #[test]
    fn a_generated_street_is_found_in_its_town(
        streets in prop::collection::btree_set("[A-Z][a-z]{2,8}( [A-Z][a-z]{2,8})? (Road|Street|Lane)", 1..12),
        pick in any::<prop::sample::Index>(),
        n in 1u32..500,
    ) {
        let streets: Vec<String> = streets.into_iter().collect();
        let mut b = IndexBuilder::new();
        for (i, s) in streets.iter().enumerate() {
            let base = i as f64 * 0.05;
            let id = (i as i64) * 10;
            b.node(id, 40.0 + base, 10.0, &[]);
            b.node(id + 1, 40.0 + base, 10.002, &[]);
            b.way(&[id, id + 1], &[("highway", "residential"), ("name", s.as_str())]);
        }
        let ix = b.build();
        let name = pick.get(&streets);
        finds(&ix, name, &format!("{n} {name}"))?;
        finds(&ix, name, &format!("{name} {n}"))?;
    }
}
