//! An external OSRM server as the travel model: its `table` service for matrices and its
//! `route` service for single routes (HTTP API v1, <https://project-osrm.org/docs/v5.24.0/api/>).
//!
//! For a deployment that already runs OSRM for a whole province: closedloop then neither loads an
//! extract nor preprocesses one. The server's own car profile decides speeds and turn costs.

use crate::model::{Leg, Matrix, Point, RoadsError, Route, TravelModel};
use serde::Deserialize;
use std::time::Duration;

/// OSRM's default `--max-table-size` is 100 coordinates per request; blocks of 50 sources and
/// 50 destinations stay within it.
const BLOCK: usize = 50;

pub struct Osrm {
    base: String,
    profile: String,
    client: reqwest::blocking::Client,
}

#[derive(Deserialize)]
struct TableResponse {
    code: String,
    message: Option<String>,
    durations: Option<Vec<Vec<Option<f64>>>>,
    distances: Option<Vec<Vec<Option<f64>>>>,
}

#[derive(Deserialize)]
struct RouteResponse {
    code: String,
    message: Option<String>,
    #[serde(default)]
    routes: Vec<OsrmRoute>,
}

#[derive(Deserialize)]
struct OsrmRoute {
    duration: f64,
    distance: f64,
    geometry: Geometry,
}

#[derive(Deserialize)]
struct Geometry {
    coordinates: Vec<[f64; 2]>,
}

impl Osrm {
    /// `base` like `http://127.0.0.1:5000`; `profile` is the path segment OSRM expects
    /// (`driving` for a server started with the car profile).
    pub fn new(base: &str, profile: &str, timeout: Duration) -> Result<Osrm, RoadsError> {
        let client = reqwest::blocking::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| service(base, e.to_string()))?;
        Ok(Osrm {
            base: base.trim_end_matches('/').to_string(),
            profile: profile.to_string(),
            client,
        })
    }

    fn get<T: for<'de> Deserialize<'de>>(&self, url: &str) -> Result<T, RoadsError> {
        let response = self
            .client
            .get(url)
            .send()
            .map_err(|e| service(&self.base, format!("{e} (is osrm-routed running?)")))?;
        let status = response.status();
        let body = response
            .text()
            .map_err(|e| service(&self.base, e.to_string()))?;
        // OSRM answers errors with a JSON body ({"code": "InvalidQuery", "message": …}) and a
        // 400 status; parse first so the server's reason reaches the desk.
        serde_json::from_str(&body).map_err(|e| {
            service(
                &self.base,
                format!("HTTP {status}, unexpected answer ({e}): {}", clip(&body)),
            )
        })
    }

    fn coordinates(points: &[Point]) -> String {
        points
            .iter()
            .map(|p| format!("{:.6},{:.6}", p.lon, p.lat))
            .collect::<Vec<_>>()
            .join(";")
    }

    /// One block of the matrix: `sources` × `targets`, indices into `points`.
    fn table_block(
        &self,
        points: &[Point],
        sources: &[usize],
        targets: &[usize],
        out: &mut Matrix,
    ) -> Result<(), RoadsError> {
        let coords: Vec<Point> = sources.iter().chain(targets).map(|&i| points[i]).collect();
        let list = |range: std::ops::Range<usize>| {
            range.map(|i| i.to_string()).collect::<Vec<_>>().join(";")
        };
        let url = format!(
            "{}/table/v1/{}/{}?annotations=duration,distance&sources={}&destinations={}",
            self.base,
            self.profile,
            Self::coordinates(&coords),
            list(0..sources.len()),
            list(sources.len()..coords.len()),
        );
        let t: TableResponse = self.get(&url)?;
        if t.code != "Ok" {
            return Err(refused(&self.base, &t.code, t.message));
        }
        let (Some(durations), Some(distances)) = (t.durations, t.distances) else {
            return Err(service(
                &self.base,
                "the table has no durations or distances (OSRM older than 5.14?)".into(),
            ));
        };
        for (r, &i) in sources.iter().enumerate() {
            for (c, &j) in targets.iter().enumerate() {
                let time = durations
                    .get(r)
                    .and_then(|row| row.get(c))
                    .copied()
                    .flatten();
                let length = distances
                    .get(r)
                    .and_then(|row| row.get(c))
                    .copied()
                    .flatten();
                out.cells[i * out.size + j] = match (time, length) {
                    (Some(time_s), Some(length_m)) => Some(Leg { time_s, length_m }),
                    _ => None,
                };
            }
        }
        Ok(())
    }
}

impl TravelModel for Osrm {
    fn describe(&self) -> String {
        format!("OSRM server at {} (profile {})", self.base, self.profile)
    }

    fn matrix(&self, points: &[Point]) -> Result<Matrix, RoadsError> {
        let n = points.len();
        let mut m = Matrix {
            size: n,
            cells: vec![None; n * n],
        };
        let all: Vec<usize> = (0..n).collect();
        for sources in all.chunks(BLOCK) {
            for targets in all.chunks(BLOCK) {
                self.table_block(points, sources, targets, &mut m)?;
            }
        }
        Ok(m)
    }

    fn route(&self, from: Point, to: Point) -> Result<Route, RoadsError> {
        let url = format!(
            "{}/route/v1/{}/{}?overview=full&geometries=geojson",
            self.base,
            self.profile,
            Self::coordinates(&[from, to])
        );
        let r: RouteResponse = self.get(&url)?;
        if r.code == "NoRoute" {
            return Err(RoadsError::Unreachable { from: 0, to: 1 });
        }
        if r.code != "Ok" {
            return Err(refused(&self.base, &r.code, r.message));
        }
        let route = r
            .routes
            .into_iter()
            .next()
            .ok_or(RoadsError::Unreachable { from: 0, to: 1 })?;
        Ok(Route {
            leg: Leg {
                time_s: route.duration,
                length_m: route.distance,
            },
            geometry: route
                .geometry
                .coordinates
                .into_iter()
                .map(|[lon, lat]| (lon, lat))
                .collect::<Vec<_>>()
                .into(),
        })
    }
}

fn service(base: &str, message: String) -> RoadsError {
    RoadsError::Service {
        url: base.to_string(),
        message,
    }
}

fn refused(base: &str, code: &str, message: Option<String>) -> RoadsError {
    service(base, format!("{code}: {}", message.unwrap_or_default()))
}

fn clip(s: &str) -> &str {
    let end = s.char_indices().nth(200).map_or(s.len(), |(i, _)| i);
    &s[..end]
}
