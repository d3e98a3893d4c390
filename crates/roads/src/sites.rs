//! The places an extract names that a generated day needs: its airports, railway stations and
//! ferry terminals (ports of entry), hotels, hospitals, residential streets (homes) and main
//! roads (where hotels are sampled when the extract maps none).
//!
//! Read in two passes like the road graph: the first collects tagged nodes with their
//! positions and, for tagged ways (a hotel drawn as a building, a street), one node each — the
//! way's middle node, which lies on a street and inside or on the edge of a building; the
//! second reads those nodes' coordinates.

use crate::osm::{OsmError, check_pbf_header, read_coordinates};
use osmpbf::{Element, ElementReader};
use std::path::Path;

/// What a site is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SiteKind {
    Airport,
    Station,
    FerryTerminal,
    Hotel,
    Hospital,
    /// A residential street or living street.
    Residential,
    /// A primary, secondary or tertiary road.
    MainRoad,
}

impl SiteKind {
    fn of(tags: &[(&str, &str)]) -> Option<SiteKind> {
        let has = |k: &str, v: &[&str]| tags.iter().any(|(tk, tv)| *tk == k && v.contains(tv));
        if has("aeroway", &["aerodrome"]) {
            // Heliports, private and military strips are not ports of entry.
            let heliport = tags.iter().any(|(k, v)| {
                *k == "heliport" || (k.starts_with("name") && v.to_lowercase().contains("heliport"))
            });
            let public = !has("aerodrome:type", &["private", "military"]) && !heliport;
            return public.then_some(SiteKind::Airport);
        }
        if has("railway", &["station"]) && !has("station", &["subway", "light_rail", "monorail"]) {
            return Some(SiteKind::Station);
        }
        if has("amenity", &["ferry_terminal"]) {
            return Some(SiteKind::FerryTerminal);
        }
        if has("tourism", &["hotel"]) {
            return Some(SiteKind::Hotel);
        }
        if has("amenity", &["hospital"]) {
            return Some(SiteKind::Hospital);
        }
        if has("highway", &["residential", "living_street"]) {
            return Some(SiteKind::Residential);
        }
        if has("highway", &["primary", "secondary", "tertiary"]) {
            return Some(SiteKind::MainRoad);
        }
        None
    }
}

/// One named (or unnamed) place of the extract.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub kind: SiteKind,
    /// The OSM element (`n123`, `w456`), so a generated day can say where its places come from.
    pub osm: String,
    pub name: Option<String>,
    pub name_en: Option<String>,
    pub lat: f64,
    pub lon: f64,
    /// `rooms` or `beds` where the extract says.
    pub rooms: Option<u32>,
}

#[derive(Default)]
struct Found {
    placed: Vec<Site>,
    /// Sites of ways, waiting for their middle node's position.
    pending: Vec<(i64, Site)>,
}

fn site(kind: SiteKind, osm: String, tags: &[(&str, &str)], lat: f64, lon: f64) -> Site {
    let get = |k: &str| {
        tags.iter()
            .find(|(tk, _)| *tk == k)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    Site {
        kind,
        osm,
        name: get("name:zh").or_else(|| get("name")),
        name_en: get("name:en"),
        lat,
        lon,
        rooms: get("rooms")
            .or_else(|| get("beds"))
            .and_then(|v| v.parse().ok()),
    }
}

/// Every site of the extract, sorted by kind then OSM element so the same file gives the same
/// list. Sites without a position in the file (a way whose nodes were cut off) are left out.
pub fn read_sites(path: &Path) -> Result<Vec<Site>, OsmError> {
    check_pbf_header(path)?;
    let corrupt = |source| OsmError::Corrupt {
        path: path.to_path_buf(),
        source,
    };
    let found = ElementReader::from_path(path)
        .map_err(corrupt)?
        .par_map_reduce(
            |element| {
                let mut f = Found::default();
                match element {
                    Element::Node(n) => {
                        let tags: Vec<(&str, &str)> = n.tags().collect();
                        if let Some(k) = SiteKind::of(&tags) {
                            f.placed
                                .push(site(k, format!("n{}", n.id()), &tags, n.lat(), n.lon()));
                        }
                    }
                    Element::DenseNode(n) => {
                        let tags: Vec<(&str, &str)> = n.tags().collect();
                        if let Some(k) = SiteKind::of(&tags) {
                            f.placed
                                .push(site(k, format!("n{}", n.id()), &tags, n.lat(), n.lon()));
                        }
                    }
                    Element::Way(w) => {
                        let tags: Vec<(&str, &str)> = w.tags().collect();
                        if let Some(k) = SiteKind::of(&tags) {
                            let refs: Vec<i64> = w.refs().collect();
                            if let Some(&mid) = refs.get(refs.len() / 2) {
                                let s = site(k, format!("w{}", w.id()), &tags, 0.0, 0.0);
                                f.pending.push((mid, s));
                            }
                        }
                    }
                    Element::Relation(_) => {}
                }
                f
            },
            Found::default,
            |mut a, mut b| {
                a.placed.append(&mut b.placed);
                a.pending.append(&mut b.pending);
                a
            },
        )
        .map_err(corrupt)?;
    let mut ids: Vec<i64> = found.pending.iter().map(|(id, _)| *id).collect();
    ids.sort_unstable();
    ids.dedup();
    let coords = read_coordinates(path, &ids).map_err(corrupt)?;
    let mut sites = found.placed;
    for (id, mut s) in found.pending {
        let Ok(i) = ids.binary_search(&id) else {
            continue;
        };
        if let Some(Some((lat, lon))) = coords.get(i) {
            (s.lat, s.lon) = (*lat, *lon);
            sites.push(s);
        }
    }
    sites.sort_by(|a, b| (a.kind, &a.osm).cmp(&(b.kind, &b.osm)));
    Ok(sites)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_follow_the_tags() {
        assert_eq!(
            SiteKind::of(&[("aeroway", "aerodrome"), ("name", "Xewkija Heliport")]),
            None
        );
        assert_eq!(
            SiteKind::of(&[("aeroway", "aerodrome")]),
            Some(SiteKind::Airport)
        );
        assert_eq!(
            SiteKind::of(&[("aeroway", "aerodrome"), ("aerodrome:type", "military")]),
            None
        );
        assert_eq!(
            SiteKind::of(&[("railway", "station")]),
            Some(SiteKind::Station)
        );
        assert_eq!(
            SiteKind::of(&[("railway", "station"), ("station", "subway")]),
            None
        );
        assert_eq!(SiteKind::of(&[("tourism", "hotel")]), Some(SiteKind::Hotel));
        assert_eq!(
            SiteKind::of(&[("highway", "living_street")]),
            Some(SiteKind::Residential)
        );
        assert_eq!(SiteKind::of(&[("highway", "motorway")]), None);
    }

    #[test]
    fn the_shipped_extract_has_stations_hotels_and_streets() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/osm/monaco.osm.pbf");
        let sites = read_sites(&path).unwrap();
        let count = |k| sites.iter().filter(|s| s.kind == k).count();
        assert!(count(SiteKind::Station) >= 1, "no station");
        assert!(
            count(SiteKind::Hotel) >= 5,
            "{} hotels",
            count(SiteKind::Hotel)
        );
        assert!(count(SiteKind::Residential) >= 20);
        for s in &sites {
            assert!(
                (43.6..43.8).contains(&s.lat) && (7.3..7.5).contains(&s.lon),
                "{s:?}"
            );
        }
        assert_eq!(read_sites(&path).unwrap(), sites, "not deterministic");
    }
}
