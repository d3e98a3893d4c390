//! `closedloop scenario generate`: a realistic day over an OpenStreetMap extract, written as a
//! day file (`closedloop-day/1`) the planner and the checker read.

use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::roads::roads_error;
use chrono::NaiveDate;
use closedloop_roads::model::RoadsError;
use closedloop_roads::sites::{SiteKind, read_sites};
use closedloop_scheduling::Day;
use closedloop_scheduling::problem::Point;
use closedloop_scheduling::scenario::{
    NamedSite, PortKind, PortSite, ScenarioOptions, Sites, default_rules, generate as generate_day,
};
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct ScenarioRequest {
    pub osm: PathBuf,
    pub travelers: usize,
    pub seed: u64,
    /// The service day (the policy in force on it applies).
    pub date: NaiveDate,
    /// Ports given by coordinates, instead of the extract's airports and stations.
    pub ports: Vec<Point>,
}

/// What was generated, and from how much of the map.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Generated {
    pub day: Day,
    /// Hotels the extract maps (the rest were sampled on its main roads).
    pub mapped_hotels: usize,
    pub homes_on_streets: usize,
}

pub fn generate(app: &App, req: &ScenarioRequest) -> AppResult<Generated> {
    let policy = app.config.policy.in_force(req.date).ok_or_else(|| {
        AppError::invalid(
            "policy_not_in_force",
            format!("no quarantine policy is in force on {}", req.date),
            format!("{} 没有生效的隔离政策", req.date),
        )
    })?;
    let sites = read_sites(&req.osm).map_err(|e| roads_error(RoadsError::Osm(e)))?;
    let named = |s: &closedloop_roads::sites::Site, fallback: &str| {
        s.name
            .clone()
            .or_else(|| s.name_en.clone())
            .unwrap_or_else(|| format!("{fallback} {}", s.osm))
    };
    let point = |s: &closedloop_roads::sites::Site| Point {
        lat: s.lat,
        lon: s.lon,
    };
    let of = |k: SiteKind| sites.iter().filter(move |s| s.kind == k);
    let ports = if req.ports.is_empty() {
        [
            (SiteKind::Airport, PortKind::Airport, "airport"),
            (SiteKind::Station, PortKind::Station, "station"),
            (SiteKind::FerryTerminal, PortKind::Seaport, "ferry terminal"),
        ]
        .into_iter()
        .flat_map(|(sk, pk, word)| {
            of(sk).map(move |s| PortSite {
                kind: pk,
                name: named(s, word),
                location: point(s),
            })
        })
        .collect()
    } else {
        req.ports
            .iter()
            .enumerate()
            .map(|(i, p)| PortSite {
                kind: PortKind::Airport,
                name: format!("port {}", i + 1),
                location: *p,
            })
            .collect()
    };
    let site = |s: &closedloop_roads::sites::Site, word: &str| NamedSite {
        name: named(s, word),
        location: point(s),
        rooms: s.rooms,
    };
    let sites = Sites {
        ports,
        hotels: of(SiteKind::Hotel).map(|s| site(s, "hotel")).collect(),
        hospitals: of(SiteKind::Hospital)
            .map(|s| site(s, "hospital"))
            .collect(),
        homes: of(SiteKind::Residential).map(point).collect(),
        main_roads: of(SiteKind::MainRoad).map(point).collect(),
    };
    let options = ScenarioOptions {
        travelers: req.travelers,
        seed: req.seed,
        date: req.date,
        policy: default_rules(
            &policy.version,
            policy.hotel_days,
            policy.home_days,
            policy.seat_factor,
        ),
    };
    let day = generate_day(&sites, &options)
        .map_err(|e| AppError::invalid(e.code(), e.to_string(), e.zh()))?;
    Ok(Generated {
        day,
        mapped_hotels: sites.hotels.len(),
        homes_on_streets: sites.homes.len(),
    })
}
