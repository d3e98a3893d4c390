//! The index of an extract: its named streets (each name's ways grouped into the separate
//! streets that bear it), the addressed buildings and entrances on them, and its named places.
//!
//! [`IndexBuilder`] takes OSM elements one by one, so an extract, a test or a generator can
//! feed it; [`crate::pbf`] feeds it from a `.osm.pbf` file.

use crate::normalize::key;
use crate::result::metres;
use std::collections::HashMap;

/// Ways of one name closer than this belong to one street; farther apart, they are the same
/// name in two places (`幸福路` of two districts, `Kirchstrasse` of two villages).
const SAME_STREET_M: f64 = 800.0;

type LatLon = (f64, f64);
type Tags<'a> = [(&'a str, &'a str)];
/// A named way: its names and its vertices.
type Line = (Vec<String>, Vec<LatLon>);

/// A street: every way and address of one name within reach of each other.
#[derive(Debug, Clone)]
pub struct Street {
    /// As the map spells it (the `name` tag most of its ways carry).
    pub name: String,
    /// Every name it bears (`name`, `name:*`, `alt_name`, …).
    pub names: Vec<String>,
    /// Its ways' vertices; an address-only street (no named way) has none.
    pub lines: Vec<Vec<LatLon>>,
    pub houses: Vec<House>,
}

#[derive(Debug, Clone)]
pub struct House {
    pub number: String,
    pub location: LatLon,
    /// Keys of its `addr:city`, `addr:district`, `addr:suburb`, `addr:place`, … values.
    pub areas: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PlaceLevel {
    Region,
    City,
    Town,
    Village,
    Neighbourhood,
}

#[derive(Debug, Clone)]
pub struct Place {
    pub name: String,
    pub level: PlaceLevel,
    pub location: LatLon,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexStats {
    pub street_names: usize,
    pub streets: usize,
    pub houses: usize,
    pub places: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Index {
    pub(crate) streets: HashMap<String, Vec<Street>>,
    pub(crate) places: Vec<Place>,
    pub(crate) place_keys: HashMap<String, Vec<usize>>,
    /// Every area key some house carries: such a word is known to the map.
    pub(crate) house_areas: std::collections::HashSet<String>,
    /// For each place and each [`PlaceLevel`], the nearest place of that level or coarser:
    /// computed on the first address that names an area (see `matching`).
    pub(crate) parents: std::sync::OnceLock<Vec<[Option<usize>; 5]>>,
}

impl Index {
    pub fn stats(&self) -> IndexStats {
        IndexStats {
            street_names: self.streets.len(),
            streets: self.streets.values().map(Vec::len).sum(),
            houses: self
                .streets
                .values()
                .flatten()
                .map(|s| s.houses.len())
                .sum(),
            places: self.places.len(),
        }
    }

    /// The streets bearing a name (any spelling with the same key).
    pub fn streets_named(&self, name: &str) -> &[Street] {
        self.streets.get(&key(name)).map_or(&[], Vec::as_slice)
    }

    /// Every street once (it is also found under its other names' keys).
    pub fn streets(&self) -> impl Iterator<Item = &Street> {
        self.streets
            .iter()
            .flat_map(|(k, v)| v.iter().filter(move |s| key(&s.name) == *k))
    }

    pub fn places(&self) -> &[Place] {
        &self.places
    }
}

impl Street {
    /// The middle vertex of its longest way; for an address-only street, the house nearest
    /// the houses' mean.
    pub fn midpoint(&self) -> Option<LatLon> {
        let length = |l: &Vec<LatLon>| l.windows(2).map(|p| metres(p[0], p[1])).sum::<f64>();
        if let Some(longest) = self
            .lines
            .iter()
            .filter(|l| !l.is_empty())
            .max_by(|a, b| length(a).total_cmp(&length(b)))
        {
            return longest.get(longest.len() / 2).copied();
        }
        let n = self.houses.len() as f64;
        let mean = self.houses.iter().fold((0.0, 0.0), |(a, b), h| {
            (a + h.location.0 / n, b + h.location.1 / n)
        });
        self.houses
            .iter()
            .map(|h| h.location)
            .min_by(|a, b| metres(*a, mean).total_cmp(&metres(*b, mean)))
    }

    /// Its vertices and houses: where it is.
    pub fn points(&self) -> impl Iterator<Item = LatLon> + '_ {
        self.lines
            .iter()
            .flatten()
            .copied()
            .chain(self.houses.iter().map(|h| h.location))
    }
}

/// `place=*` values indexed, by how large a place they name.
pub fn place_level(value: &str) -> Option<PlaceLevel> {
    Some(match value {
        "state" | "province" | "region" => PlaceLevel::Region,
        "city" | "municipality" | "county" => PlaceLevel::City,
        "town" | "district" | "city_district" | "borough" => PlaceLevel::Town,
        "village" | "suburb" | "quarter" => PlaceLevel::Village,
        "neighbourhood" | "hamlet" => PlaceLevel::Neighbourhood,
        _ => return None,
    })
}

/// Every name an element bears: `name`, `name:<language>`, and the alternative names
/// (`;`-separated lists split).
pub fn names(tags: &Tags<'_>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |v: &str| {
        for n in v.split(';').map(str::trim).filter(|n| !n.is_empty()) {
            if !out.iter().any(|o| o == n) {
                out.push(n.to_string());
            }
        }
    };
    if let Some(v) = tag(tags, "name") {
        push(v);
    }
    for (k, v) in tags {
        let language = k.strip_prefix("name:").is_some_and(|l| {
            !l.is_empty()
                && l.len() <= 12
                && l.chars()
                    .all(|c| c.is_ascii_alphabetic() || c == '-' || c == '_')
        });
        let alternative = matches!(
            *k,
            "alt_name" | "official_name" | "short_name" | "loc_name" | "int_name"
        );
        if language || alternative {
            push(v);
        }
    }
    out
}

pub fn tag<'a>(tags: &Tags<'a>, k: &str) -> Option<&'a str> {
    tags.iter().find(|(t, _)| *t == k).map(|(_, v)| *v)
}

const AREA_TAGS: [&str; 8] = [
    "addr:city",
    "addr:district",
    "addr:subdistrict",
    "addr:suburb",
    "addr:place",
    "addr:hamlet",
    "addr:province",
    "addr:county",
];

/// What a way or node contributes, decided from its tags alone.
enum Feature {
    Street(Vec<String>),
    House {
        street: String,
        number: String,
        areas: Vec<String>,
    },
    Place(String, PlaceLevel),
}

fn features(tags: &Tags<'_>, is_way: bool) -> Vec<Feature> {
    let mut out = Vec::new();
    if is_way
        && let Some(h) = tag(tags, "highway")
        && !matches!(
            h,
            "platform" | "proposed" | "abandoned" | "razed" | "bus_stop"
        )
    {
        let n = names(tags);
        if !n.is_empty() {
            out.push(Feature::Street(n));
        }
    }
    if let (Some(street), Some(number)) = (tag(tags, "addr:street"), tag(tags, "addr:housenumber"))
        && !street.trim().is_empty()
    {
        let areas = AREA_TAGS
            .iter()
            .filter_map(|k| tag(tags, k))
            .map(key)
            .filter(|k| !k.is_empty())
            .collect();
        // `12;14` or `12,14`: one building with two numbers.
        for n in number
            .split([';', ','])
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            out.push(Feature::House {
                street: street.trim().to_string(),
                number: n.to_string(),
                areas: Vec::clone(&areas),
            });
        }
    }
    if let Some(level) = tag(tags, "place").and_then(place_level) {
        for n in names(tags) {
            out.push(Feature::Place(n, level));
        }
    }
    out
}

struct PendingWay {
    refs: Vec<i64>,
    features: Vec<Feature>,
}

/// Collects elements, then [`IndexBuilder::build`] groups and resolves them.
#[derive(Default)]
pub struct IndexBuilder {
    coords: HashMap<i64, LatLon>,
    ways: Vec<PendingWay>,
    /// What tagged nodes name, at their position.
    point_features: Vec<(LatLon, Feature)>,
}

impl IndexBuilder {
    pub fn new() -> IndexBuilder {
        IndexBuilder::default()
    }

    /// A node: its position is kept for the ways that use it, its tags for what it names.
    pub fn node(&mut self, id: i64, lat: f64, lon: f64, tags: &Tags<'_>) {
        self.coords.insert(id, (lat, lon));
        for f in features(tags, false) {
            self.point_features.push(((lat, lon), f));
        }
    }

    /// A node's position only (the second pass over a file).
    pub fn coordinate(&mut self, id: i64, lat: f64, lon: f64) {
        self.coords.insert(id, (lat, lon));
    }

    /// Whether a node's tags matter to the index (so a reader can skip the others).
    pub fn wants_node(tags: &Tags<'_>) -> bool {
        !features(tags, false).is_empty()
    }

    /// Whether a way's tags matter to the index.
    pub fn wants_way(tags: &Tags<'_>) -> bool {
        !features(tags, true).is_empty()
    }

    /// A way; returns whether the index keeps it (so a reader knows which nodes it needs).
    pub fn way(&mut self, refs: &[i64], tags: &Tags<'_>) -> bool {
        let features = features(tags, true);
        if features.is_empty() || refs.is_empty() {
            return false;
        }
        self.ways.push(PendingWay {
            refs: refs.to_vec(),
            features,
        });
        true
    }

    /// Node ids the kept ways use, sorted and without repeats.
    pub fn needed_nodes(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self
            .ways
            .iter()
            .flat_map(|w| w.refs.iter().copied())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    pub fn build(self) -> Index {
        let mut lines: HashMap<String, Vec<Line>> = HashMap::new();
        let mut houses: HashMap<String, Vec<(String, House)>> = HashMap::new();
        let mut places = Vec::new();
        let mut add = |at: Option<LatLon>, geometry: &[LatLon], f: Feature| match f {
            Feature::Street(names) => {
                let keys: Vec<String> = {
                    let mut k: Vec<String> = names.iter().map(|n| key(n)).collect();
                    k.sort();
                    k.dedup();
                    k
                };
                for k in keys.into_iter().filter(|k| !k.is_empty()) {
                    lines
                        .entry(k)
                        .or_default()
                        .push((names.clone(), geometry.to_vec()));
                }
            }
            Feature::House {
                street,
                number,
                areas,
            } => {
                if let Some(location) = at {
                    houses.entry(key(&street)).or_default().push((
                        street,
                        House {
                            number,
                            location,
                            areas,
                        },
                    ));
                }
            }
            Feature::Place(name, level) => {
                if let Some(location) = at {
                    places.push(Place {
                        name,
                        level,
                        location,
                    });
                }
            }
        };
        for (at, f) in self.point_features {
            add(Some(at), &[at], f);
        }
        for way in self.ways {
            let geometry: Vec<LatLon> = way
                .refs
                .iter()
                .filter_map(|r| self.coords.get(r).copied())
                .collect();
            if geometry.is_empty() {
                continue;
            }
            // A closed outline lists its first node again at the end: counted once.
            let ring = match (way.refs.first(), way.refs.last()) {
                (Some(a), Some(b)) if a == b && geometry.len() > 1 => &geometry[1..],
                _ => &geometry[..],
            };
            let n = ring.len() as f64;
            let centre = ring
                .iter()
                .fold((0.0, 0.0), |(a, b), p| (a + p.0 / n, b + p.1 / n));
            for f in way.features {
                add(Some(centre), &geometry, f);
            }
        }
        let mut index = Index::default();
        let mut all_keys: Vec<String> = lines.keys().chain(houses.keys()).cloned().collect();
        all_keys.sort();
        all_keys.dedup();
        for h in houses.values().flatten() {
            index.house_areas.extend(h.1.areas.iter().cloned());
        }
        for k in all_keys.into_iter().filter(|k| !k.is_empty()) {
            let l = lines.remove(&k).unwrap_or_default();
            // A house addressed by the street's other name (`addr:street=幸福路` on a way
            // also named `Xingfu Road`) is on it under every name.
            let mut keys: Vec<String> = l
                .iter()
                .flat_map(|(names, _)| names.iter().map(|n| key(n)))
                .chain([k.clone()])
                .collect();
            keys.sort();
            keys.dedup();
            let h: Vec<(String, House)> = keys
                .iter()
                .filter_map(|k| houses.get(k))
                .flatten()
                .cloned()
                .collect();
            index.streets.insert(k, group(l, h));
        }
        for (i, p) in places.iter().enumerate() {
            let k = key(&p.name);
            if !k.is_empty() {
                index.place_keys.entry(k).or_default().push(i);
            }
        }
        index.places = places;
        index
    }
}

/// A box around points, in degrees.
#[derive(Clone, Copy)]
struct Bounds {
    min: LatLon,
    max: LatLon,
}

impl Bounds {
    fn of(points: &[LatLon]) -> Bounds {
        points.iter().fold(
            Bounds {
                min: (f64::INFINITY, f64::INFINITY),
                max: (f64::NEG_INFINITY, f64::NEG_INFINITY),
            },
            |b, p| Bounds {
                min: (b.min.0.min(p.0), b.min.1.min(p.1)),
                max: (b.max.0.max(p.0), b.max.1.max(p.1)),
            },
        )
    }

    /// A lower bound of the distance between anything in the two boxes, in metres.
    fn gap_m(&self, o: &Bounds) -> f64 {
        let dlat = (o.min.0 - self.max.0).max(self.min.0 - o.max.0).max(0.0);
        let dlon = (o.min.1 - self.max.1).max(self.min.1 - o.max.1).max(0.0);
        let lat = (self.min.0 + self.max.0) / 2.0;
        let m_per_deg = 111_195.0;
        ((dlat * m_per_deg).powi(2) + (dlon * m_per_deg * lat.to_radians().cos()).powi(2)).sqrt()
    }
}

/// Groups one name's ways and houses into streets: single linkage, boxes closer than
/// [`SAME_STREET_M`]. Houses join the street they are nearest; a house far from every way of
/// its street's name makes (or joins) an address-only street.
fn group(lines: Vec<Line>, houses: Vec<(String, House)>) -> Vec<Street> {
    let mut items: Vec<(Bounds, Option<usize>, Option<usize>)> = Vec::new();
    for (i, (_, g)) in lines.iter().enumerate() {
        items.push((Bounds::of(g), Some(i), None));
    }
    for (i, (_, h)) in houses.iter().enumerate() {
        items.push((Bounds::of(&[h.location]), None, Some(i)));
    }
    let mut parent: Vec<usize> = (0..items.len()).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    for a in 0..items.len() {
        for b in a + 1..items.len() {
            if items[a].0.gap_m(&items[b].0) < SAME_STREET_M {
                let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
                if ra != rb {
                    parent[ra.max(rb)] = ra.min(rb);
                }
            }
        }
    }
    let mut groups: Vec<(usize, Street, HashMap<String, usize>)> = Vec::new();
    for (i, (_, line, house)) in items.iter().enumerate() {
        let r = root(&mut parent, i);
        let slot = match groups.iter().position(|g| g.0 == r) {
            Some(s) => s,
            None => {
                groups.push((
                    r,
                    Street {
                        name: String::new(),
                        names: Vec::new(),
                        lines: Vec::new(),
                        houses: Vec::new(),
                    },
                    HashMap::new(),
                ));
                groups.len() - 1
            }
        };
        let (_, street, votes) = &mut groups[slot];
        let mut spelled = |n: &str| {
            if !street.names.iter().any(|o| o == n) {
                street.names.push(n.to_string());
            }
        };
        if let Some(l) = line {
            let (names, geometry) = &lines[*l];
            for n in names {
                spelled(n);
            }
            if let Some(first) = names.first() {
                *votes.entry(first.clone()).or_default() += 1;
            }
            street.lines.push(geometry.clone());
        }
        if let Some(h) = house {
            let (name, house) = &houses[*h];
            spelled(name);
            *votes.entry(name.clone()).or_default() += 0;
            street.houses.push(house.clone());
        }
    }
    groups
        .into_iter()
        .map(|(_, mut street, votes)| {
            // Ties go to the alphabetically first spelling, so a build is reproducible.
            let mut ranked: Vec<(String, usize)> = votes.into_iter().collect();
            ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            street.name = ranked
                .into_iter()
                .next()
                .map(|(n, _)| n)
                .or_else(|| street.names.first().cloned())
                .unwrap_or_default();
            street
        })
        .collect()
}
