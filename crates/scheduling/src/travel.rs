//! Travel times and distances between places, behind one trait: the application passes the
//! road network (or OSRM) when an extract is configured; [`StraightLines`] stands in otherwise
//! and in tests. The planner and the checker take the same one, so a plan checks against the
//! times it was made with.

use crate::problem::Point;

/// One drive from a place to another.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Leg {
    pub minutes: f64,
    pub km: f64,
}

pub trait TravelTimes {
    fn leg(&self, from: Point, to: Point) -> Leg;

    /// Every leg between `points`, row-major (`from * n + to`). A road model overrides this
    /// with its many-to-many search.
    fn matrix(&self, points: &[Point]) -> Vec<Leg> {
        let mut out = Vec::with_capacity(points.len() * points.len());
        for a in points {
            for b in points {
                out.push(self.leg(*a, *b));
            }
        }
        out
    }
}

/// Great-circle distance times a detour factor, at one speed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StraightLines {
    pub speed_kmh: f64,
    /// Roads are longer than the crow flies; 1.3 is typical of a city.
    pub detour: f64,
}

impl Default for StraightLines {
    fn default() -> Self {
        StraightLines {
            speed_kmh: 40.0,
            detour: 1.3,
        }
    }
}

/// Haversine distance in kilometres.
pub fn great_circle_km(a: Point, b: Point) -> f64 {
    const R: f64 = 6_371.0;
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let dla = la2 - la1;
    let dlo = (b.lon - a.lon).to_radians();
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * R * h.sqrt().min(1.0).asin()
}

impl TravelTimes for StraightLines {
    fn leg(&self, from: Point, to: Point) -> Leg {
        let km = great_circle_km(from, to) * self.detour;
        Leg {
            minutes: km / self.speed_kmh * 60.0,
            km,
        }
    }
}
