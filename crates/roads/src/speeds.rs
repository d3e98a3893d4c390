//! Speeds per road class and `maxspeed` parsing, from `config/road_speeds.toml`.
//!
//! The table also decides which ways are drivable at all: a `highway` class it does not list
//! carries no vehicle, so the loader and the costs cannot disagree about what a road is.

use closedloop_domain::hash::Fnv1a;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The table shipped with the program, so a bare start works without any configuration.
const DEFAULT_TOML: &str = include_str!("../../../config/road_speeds.toml");

/// A speed above this is a typo (a missing decimal point, metres per hour), not a road.
const MAX_KMH: f64 = 200.0;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SpeedsError {
    #[error("the road speed table is not valid TOML: {0}")]
    Toml(String),
    #[error("road speed for `{class}` is {kmh} km/h; it must be more than 0 and at most {MAX_KMH}")]
    BadSpeed { class: String, kmh: f64 },
    #[error(
        "maxspeed_factor is {0}; it must be more than 0 and at most 2 (1.0 drives at the limits)"
    )]
    BadFactor(f64),
    #[error("the road speed table lists no road class under [kmh], so no road would be drivable")]
    Empty,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    maxspeed_factor: f64,
    kmh: BTreeMap<String, f64>,
}

/// Speeds per `highway` class (km/h) and the factor from a speed limit to a driving speed.
#[derive(Debug, Clone, PartialEq)]
pub struct SpeedTable {
    /// Sorted, so iteration — and with it the fingerprint — does not depend on the file's order.
    kmh: BTreeMap<String, f64>,
    maxspeed_factor: f64,
}

impl Default for SpeedTable {
    fn default() -> Self {
        SpeedTable::from_toml(DEFAULT_TOML)
            .expect("config/road_speeds.toml is checked by a unit test")
    }
}

impl SpeedTable {
    pub fn from_toml(text: &str) -> Result<Self, SpeedsError> {
        let raw: RawTable = toml::from_str(text).map_err(|e| SpeedsError::Toml(e.to_string()))?;
        if raw.kmh.is_empty() {
            return Err(SpeedsError::Empty);
        }
        for (class, &kmh) in &raw.kmh {
            if !(kmh > 0.0 && kmh <= MAX_KMH) {
                return Err(SpeedsError::BadSpeed {
                    class: class.clone(),
                    kmh,
                });
            }
        }
        if !(raw.maxspeed_factor > 0.0 && raw.maxspeed_factor <= 2.0) {
            return Err(SpeedsError::BadFactor(raw.maxspeed_factor));
        }
        Ok(SpeedTable {
            kmh: raw.kmh,
            maxspeed_factor: raw.maxspeed_factor,
        })
    }

    /// The listed speed of a `highway` class; `None` means the class is not drivable.
    pub fn class_kmh(&self, highway: &str) -> Option<f64> {
        self.kmh.get(highway).copied()
    }

    pub fn maxspeed_factor(&self) -> f64 {
        self.maxspeed_factor
    }

    /// The driving speed on a way of class `highway` with the given `maxspeed` tag (already
    /// chosen for the direction), or `None` when the class is not drivable.
    pub fn travel_kmh(&self, highway: &str, maxspeed: Option<&str>) -> Option<f64> {
        let class = self.class_kmh(highway)?;
        let limit = maxspeed.and_then(parse_maxspeed).unwrap_or(class);
        Some(limit * self.maxspeed_factor)
    }

    /// FNV-1a over the sorted entries: equal tables hash equal whatever the file's order,
    /// comments or formatting, so only a real change rebuilds the preprocessed graph.
    pub fn fingerprint(&self) -> u64 {
        let mut h = Fnv1a::new();
        for (class, kmh) in &self.kmh {
            h.write(class.as_bytes());
            // Keeps ("ab", "c") apart from ("a", "bc").
            h.write(&[0]);
            h.write(&kmh.to_bits().to_le_bytes());
        }
        h.write(b"maxspeed_factor");
        h.write(&self.maxspeed_factor.to_bits().to_le_bytes());
        h.finish()
    }
}

/// A `maxspeed` value in km/h: "50", "50 km/h", "50kmh", "30 mph", "10 knots". Zone codes
/// ("CN:urban", "RU:rural"), "none", "signals", "walk", zero and garbage give `None`, so the
/// caller falls back to the class speed. Of a list ("50;60") the lowest counts: the sign a
/// vehicle has to obey somewhere along the way.
pub fn parse_maxspeed(tag: &str) -> Option<f64> {
    tag.split(';')
        .filter_map(parse_one_maxspeed)
        .reduce(f64::min)
}

fn parse_one_maxspeed(value: &str) -> Option<f64> {
    let value = value.trim();
    let split = value
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let number: f64 = number.parse().ok()?;
    let per_unit = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "km/h" | "kmh" | "kph" | "km/hr" => 1.0,
        "mph" => 1.609_344,
        "knots" | "kn" => 1.852,
        _ => return None,
    };
    let kmh = number * per_unit;
    (kmh > 0.0 && kmh <= MAX_KMH).then_some(kmh)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_loads_and_covers_every_drivable_class() {
        let t = SpeedTable::default();
        for class in [
            "motorway",
            "motorway_link",
            "trunk",
            "trunk_link",
            "primary",
            "primary_link",
            "secondary",
            "secondary_link",
            "tertiary",
            "tertiary_link",
            "unclassified",
            "residential",
            "living_street",
            "service",
            "road",
        ] {
            assert!(t.class_kmh(class).is_some(), "{class} missing");
        }
        assert_eq!(t.class_kmh("footway"), None);
        assert_eq!(t.class_kmh("primary"), Some(60.0));
        assert_eq!(t.maxspeed_factor(), 0.8);
    }

    #[test]
    fn maxspeed_values() {
        assert_eq!(parse_maxspeed("50"), Some(50.0));
        assert_eq!(parse_maxspeed("50 km/h"), Some(50.0));
        assert_eq!(parse_maxspeed("50km/h"), Some(50.0));
        assert_eq!(parse_maxspeed(" 60 kmh "), Some(60.0));
        assert!((parse_maxspeed("30 mph").unwrap() - 48.280_32).abs() < 1e-9);
        assert!((parse_maxspeed("30mph").unwrap() - 48.280_32).abs() < 1e-9);
        assert!((parse_maxspeed("5 knots").unwrap() - 9.26).abs() < 1e-9);
        assert_eq!(parse_maxspeed("12.5"), Some(12.5));
        assert_eq!(parse_maxspeed("60;40"), Some(40.0));
        assert_eq!(parse_maxspeed("40;CN:urban"), Some(40.0));
        for zone in [
            "CN:urban",
            "DE:zone30",
            "none",
            "signals",
            "walk",
            "",
            "0",
            "-30",
            "fast",
            "50 furlongs",
            "9999",
        ] {
            assert_eq!(parse_maxspeed(zone), None, "{zone:?}");
        }
    }

    #[test]
    fn travel_speed_applies_the_factor_to_limits_of_both_kinds() {
        let t = SpeedTable::from_toml("maxspeed_factor = 0.5\n[kmh]\nprimary = 60\n").unwrap();
        assert_eq!(t.travel_kmh("primary", None), Some(30.0));
        assert_eq!(t.travel_kmh("primary", Some("40")), Some(20.0));
        assert_eq!(t.travel_kmh("primary", Some("CN:urban")), Some(30.0));
        assert_eq!(t.travel_kmh("footway", Some("40")), None);
    }

    #[test]
    fn bad_tables_say_what_is_wrong() {
        let e = SpeedTable::from_toml("maxspeed_factor = 0.8\n[kmh]\nprimary = 0\n").unwrap_err();
        assert!(e.to_string().contains("`primary`"), "{e}");
        let e = SpeedTable::from_toml("maxspeed_factor = 3\n[kmh]\nprimary = 60\n").unwrap_err();
        assert_eq!(e, SpeedsError::BadFactor(3.0));
        let e = SpeedTable::from_toml("maxspeed_factor = 0.8\n[kmh]\n").unwrap_err();
        assert_eq!(e, SpeedsError::Empty);
        let e = SpeedTable::from_toml("maxspeed_factr = 0.8\n[kmh]\nprimary = 60\n").unwrap_err();
        assert!(e.to_string().contains("maxspeed_factr"), "{e}");
    }

    #[test]
    fn fingerprint_follows_content_not_layout() {
        let a = SpeedTable::from_toml("maxspeed_factor = 0.8\n[kmh]\nprimary = 60\nservice = 15\n")
            .unwrap();
        let b = SpeedTable::from_toml(
            "# same\nmaxspeed_factor = 0.8\n[kmh]\nservice = 15.0\nprimary = 60\n",
        )
        .unwrap();
        let c = SpeedTable::from_toml("maxspeed_factor = 0.8\n[kmh]\nprimary = 61\nservice = 15\n")
            .unwrap();
        let d = SpeedTable::from_toml("maxspeed_factor = 0.9\n[kmh]\nprimary = 60\nservice = 15\n")
            .unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        // Persisted hierarchies are tagged with this value: it must not change by accident.
        assert_eq!(a.fingerprint(), 0x0c6b_c293_3f37_e42a);
        assert_ne!(a.fingerprint(), c.fingerprint());
        assert_ne!(a.fingerprint(), d.fingerprint());
        assert_eq!(
            SpeedTable::default().fingerprint(),
            SpeedTable::default().fingerprint()
        );
    }
}
