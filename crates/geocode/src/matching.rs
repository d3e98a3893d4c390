//! An address against the index: the first reading whose street the map knows, narrowed by
//! the area words the map knows; a place when the address names no street. Never a guess: a
//! street that exists in several places, with nothing in the address to choose between them,
//! is unplaced.

use crate::index::{Index, PlaceLevel, Street};
use crate::normalize::{is_cjk, key};
use crate::parse::{Reading, parse};
use crate::result::{Geocoded, Precision, Unplaced, metres};
use closedloop_domain::geo::Coordinates;

type LatLon = (f64, f64);

/// Place points of one name closer than this are one place (a village's node and its area).
const SAME_PLACE_M: f64 = 2_000.0;

/// How far from its point a place reaches, at most, when a street is said to be in it.
fn reach_m(level: PlaceLevel) -> f64 {
    match level {
        PlaceLevel::Region => f64::INFINITY,
        PlaceLevel::City => 40_000.0,
        PlaceLevel::Town => 15_000.0,
        PlaceLevel::Village => 6_000.0,
        PlaceLevel::Neighbourhood => 2_000.0,
    }
}

impl Index {
    /// Places `address`, or says why it cannot.
    pub fn geocode(&self, address: &str) -> Geocoded {
        let parsed = parse(address);
        for reading in &parsed.candidates {
            let k = key(&reading.street);
            if k.is_empty() {
                continue;
            }
            if let Some(streets) = self.streets.get(&k) {
                return self.on_street(reading, streets);
            }
        }
        if parsed.names_street {
            return unplaced(if parsed.reading.street.is_empty() {
                Unplaced::NothingRecognisable
            } else {
                Unplaced::NoSuchStreet {
                    street: parsed.reading.street,
                }
            });
        }
        self.at_place(&parsed.place_words)
    }

    fn knows_area(&self, word: &str) -> bool {
        let k = key(word);
        self.place_keys.contains_key(&k) || self.house_areas.contains(&k)
    }

    fn on_street(&self, reading: &Reading, streets: &[Street]) -> Geocoded {
        let (known, unknown): (Vec<&String>, Vec<&String>) =
            reading.areas.iter().partition(|a| self.knows_area(a));
        let unverified: Vec<String> = unknown.into_iter().cloned().collect();
        let name = streets
            .first()
            .map_or_else(|| reading.street.clone(), |s| s.name.clone());
        if known.is_empty() {
            return match streets {
                [only] => self.place_on(reading, only, None, unverified),
                _ => unplaced(Unplaced::StreetAmbiguous {
                    street: name,
                    places: streets.len(),
                }),
            };
        }
        // Each street scores the area words it lies in; the best, if alone, is the one.
        let scored: Vec<(usize, Option<LatLon>)> = streets
            .iter()
            .map(|s| {
                let found: Vec<Option<LatLon>> =
                    known.iter().filter_map(|w| self.street_in(s, w)).collect();
                // The finest named place anchors the point on a long street.
                (found.len(), found.into_iter().flatten().last())
            })
            .collect();
        let best = scored.iter().map(|s| s.0).max().unwrap_or(0);
        if best == 0 {
            return unplaced(Unplaced::StreetNotInArea {
                street: name,
                areas: known.into_iter().cloned().collect(),
            });
        }
        let winners: Vec<usize> = (0..streets.len())
            .filter(|&i| scored[i].0 == best)
            .collect();
        match winners.as_slice() {
            [w] => self.place_on(reading, &streets[*w], scored[*w].1, unverified),
            _ => unplaced(Unplaced::StreetAmbiguous {
                street: name,
                places: winners.len(),
            }),
        }
    }

    /// Whether `street` lies in the area `word` names: a house on it says so (`addr:city`),
    /// or a point of it lies nearer that place than any place that competes with it (see
    /// [`Index::competitors`]) and no house on it names another place of that size or one
    /// inside another. `Some(anchor)`: the place's point, when a place decided it.
    fn street_in(&self, street: &Street, word: &str) -> Option<Option<LatLon>> {
        let k = key(word);
        if street.houses.iter().any(|h| h.areas.contains(&k)) {
            return Some(None);
        }
        let named = self.place_keys.get(&k)?;
        for &p in named {
            let place = &self.places[p];
            let rivals = self.competitors(p);
            let inside = street.points().any(|v| {
                let d = metres(v, place.location);
                d <= reach_m(place.level) && rivals.iter().all(|q| metres(v, *q) >= d)
            });
            if inside && !self.houses_say_elsewhere(street, p) {
                return Some(Some(place.location));
            }
        }
        None
    }

    /// Whether a house's `addr:*` area is a place beside `p` (another of its size) or inside
    /// another place of `p`'s size: the street then is not in `p`, whatever the points say.
    fn houses_say_elsewhere(&self, street: &Street, p: usize) -> bool {
        let place = &self.places[p];
        let mut said: Vec<&String> = street.houses.iter().flat_map(|h| &h.areas).collect();
        said.sort();
        said.dedup();
        said.into_iter().any(|a| {
            self.place_keys.get(a).into_iter().flatten().any(|&q| {
                let other = &self.places[q];
                match other.level.cmp(&place.level) {
                    std::cmp::Ordering::Equal => true,
                    std::cmp::Ordering::Greater => self.parents()[q][place.level as usize]
                        .is_some_and(|parent| self.places[parent].location != place.location),
                    std::cmp::Ordering::Less => false,
                }
            })
        })
    }

    /// The nearest place of `level` or coarser to `of`.
    fn nearest_at_most(&self, level: PlaceLevel, of: LatLon) -> Option<usize> {
        (0..self.places.len())
            .filter(|&q| self.places[q].level <= level)
            .min_by(|&a, &b| {
                metres(self.places[a].location, of).total_cmp(&metres(self.places[b].location, of))
            })
    }

    /// The places whose ground is not `p`'s: the others of its size or finer (another village,
    /// a quarter of the city next door), except those that lie within `p` — a finer place
    /// whose nearest place of `p`'s size or coarser is `p` itself (a hamlet of the town).
    /// Points stand in for boundaries, which the index does not read.
    fn competitors(&self, p: usize) -> Vec<LatLon> {
        let place = &self.places[p];
        let k = key(&place.name);
        let parents = self.parents();
        self.places
            .iter()
            .enumerate()
            .filter(|(_, q)| q.level >= place.level && key(&q.name) != k)
            .filter(|(i, q)| {
                q.level == place.level
                    || parents[*i][place.level as usize]
                        .is_none_or(|parent| self.places[parent].location != place.location)
            })
            .map(|(_, q)| q.location)
            .collect()
    }

    fn parents(&self) -> &[[Option<usize>; 5]] {
        self.parents.get_or_init(|| {
            let levels = [
                PlaceLevel::Region,
                PlaceLevel::City,
                PlaceLevel::Town,
                PlaceLevel::Village,
                PlaceLevel::Neighbourhood,
            ];
            self.places
                .iter()
                .map(|q| levels.map(|l| self.nearest_at_most(l, q.location)))
                .collect()
        })
    }

    fn place_on(
        &self,
        reading: &Reading,
        street: &Street,
        anchor: Option<LatLon>,
        unverified: Vec<String>,
    ) -> Geocoded {
        let nearest = |points: &mut dyn Iterator<Item = LatLon>, to: LatLon| {
            points.min_by(|a, b| metres(*a, to).total_cmp(&metres(*b, to)))
        };
        if let Some(number) = &reading.house_number {
            let k = key(number);
            let mut at = street
                .houses
                .iter()
                .filter(|h| key(&h.number) == k)
                .map(|h| h.location);
            let found = match anchor {
                Some(a) => nearest(&mut at, a),
                None => at.next(),
            };
            if let Some(location) = found {
                return placed(
                    location,
                    Precision::HouseNumber,
                    numbered(&street.name, number),
                    unverified,
                );
            }
        }
        let location = match anchor {
            Some(a) => nearest(&mut street.lines.iter().flatten().copied(), a),
            None => None,
        }
        .or_else(|| street.midpoint());
        match location {
            Some(l) => placed(l, Precision::Street, street.name.clone(), unverified),
            None => unplaced(Unplaced::NoSuchStreet {
                street: street.name.clone(),
            }),
        }
    }

    fn at_place(&self, words: &[String]) -> Geocoded {
        // The finest place the address names decides; the others only confirm.
        let mut best: Option<(PlaceLevel, &String, Vec<usize>)> = None;
        for w in words {
            let Some(found) = self.place_keys.get(&key(w)) else {
                continue;
            };
            let level = found
                .iter()
                .map(|&p| self.places[p].level)
                .max()
                .unwrap_or(PlaceLevel::Region);
            if best.as_ref().is_none_or(|b| level >= b.0) {
                let of_level = found
                    .iter()
                    .copied()
                    .filter(|&p| self.places[p].level == level)
                    .collect();
                best = Some((level, w, of_level));
            }
        }
        let Some((_, word, found)) = best else {
            return unplaced(Unplaced::NothingRecognisable);
        };
        let mut distinct: Vec<usize> = Vec::new();
        for p in found {
            let at = self.places[p].location;
            if distinct
                .iter()
                .all(|&d| metres(self.places[d].location, at) > SAME_PLACE_M)
            {
                distinct.push(p);
            }
        }
        let unverified = words
            .iter()
            .filter(|w| *w != word && !self.knows_area(w))
            .cloned()
            .collect();
        match distinct.as_slice() {
            [p] => {
                let place = &self.places[*p];
                placed(
                    place.location,
                    Precision::Place,
                    place.name.clone(),
                    unverified,
                )
            }
            _ => unplaced(Unplaced::PlaceAmbiguous {
                place: word.clone(),
                places: distinct.len(),
            }),
        }
    }
}

/// `幸福路12号`, `Rue Grimaldi 12`.
fn numbered(street: &str, number: &str) -> String {
    if street.chars().any(is_cjk) {
        format!("{street}{number}号")
    } else {
        format!("{street} {number}")
    }
}

fn placed(
    (lat, lon): LatLon,
    precision: Precision,
    matched: String,
    unverified_areas: Vec<String>,
) -> Geocoded {
    match Coordinates::new(lat, lon) {
        Ok(location) => Geocoded::Placed {
            location,
            precision,
            matched,
            unverified_areas,
        },
        // A node outside WGS 84's range is a broken extract, not a place.
        Err(_) => unplaced(Unplaced::NothingRecognisable),
    }
}

fn unplaced(reason: Unplaced) -> Geocoded {
    Geocoded::Unplaced { reason }
}
