//! Batches as the phones and the wall list them: the caller's own (a crew's, a hotel's, a
//! port's; the desks all), with their code, plate, crew, departure and stops — the place, its
//! ETA, how many travelers are planned there and how many the crew handed over —; a batch's
//! route over the travel model in force, from its origin through its stops; and a hotel's
//! rooms taken per night. No personal data: travelers by id, counts.

use crate::accounts::rules::{self, Scope};
use crate::accounts::{Action, Caller};
use crate::context::App;
use crate::error::{AppError, AppResult, Fault};
use crate::mask::AccessRole;
use crate::roads::{self, RoadsSource};
use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use closedloop_domain::batch::BatchState;
use closedloop_roads::model::{Metric, Point, RoadNetwork, TravelModel};
use closedloop_store::accounts::scope;
use closedloop_store::batches::{self as facts, PlaceRow};
use closedloop_store::desk::{self, TripRow};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

/// A place with its names (no position: the map asks for the route).
#[derive(Debug, Clone, Serialize)]
pub struct PlaceView {
    /// port, hotel or hospital.
    pub kind: &'static str,
    pub id: i64,
    pub code: String,
    pub name_en: String,
    pub name_zh: String,
}

impl From<&PlaceRow> for PlaceView {
    fn from(p: &PlaceRow) -> Self {
        PlaceView {
            kind: p.kind,
            id: p.id,
            code: p.code.clone(),
            name_en: p.name_en.clone(),
            name_zh: p.name_zh.clone(),
        }
    }
}

/// One stop: the fields of `GET /api/batches/{id}`'s stops, and where, when, how many.
#[derive(Debug, Clone, Serialize)]
pub struct StopSummary {
    pub destination: Option<i64>,
    pub travelers: Vec<i64>,
    /// The hotel or hospital; none for homes (their place is personal data) and unnamed stops.
    pub place: Option<PlaceView>,
    /// The planned arrival: the batch's for its last stop; none where the store keeps none.
    pub eta: Option<NaiveDateTime>,
    pub planned: usize,
    pub handed_over: usize,
}

/// A batch as lists show it: the fields of `GET /api/batches/{id}`, and code, plate, origin.
#[derive(Debug, Clone, Serialize)]
pub struct BatchSummary {
    pub id: i64,
    /// The plan's batch code; none for a batch the desk planned by hand.
    pub code: Option<String>,
    pub state: BatchState,
    pub vehicle: i64,
    pub plate: String,
    pub port: i64,
    pub origin_hotel: Option<i64>,
    pub origin: Option<PlaceView>,
    /// The departure (planned until it departs).
    pub started_at: NaiveDateTime,
    pub ended_at: NaiveDateTime,
    pub planned_arrival: Option<NaiveDateTime>,
    pub crew: Vec<i64>,
    pub stops: Vec<StopSummary>,
}

/// Which batches to list.
#[derive(Debug, Clone, Default)]
pub struct BatchFilter {
    pub state: Option<BatchState>,
    /// The local day it departs.
    pub date: Option<NaiveDate>,
}

fn origin_of(
    conn: &mut closedloop_store::DbConnection,
    t: &TripRow,
) -> AppResult<Option<PlaceRow>> {
    Ok(match t.origin_hotel_id {
        Some(h) => facts::hotel(conn, h)?,
        None => facts::port(conn, t.port_id)?,
    })
}

/// The place of a stop, by where its travelers are going.
fn stop_place(
    conn: &mut closedloop_store::DbConnection,
    destination: Option<i64>,
    kind: Option<&str>,
) -> AppResult<Option<PlaceRow>> {
    Ok(match (destination, kind) {
        (Some(d), Some("hotel")) => facts::hotel(conn, d)?,
        (Some(d), Some("hospital")) => facts::hospital(conn, d)?,
        _ => None,
    })
}

fn summary(
    app: &App,
    id: i64,
    label: Option<&(Option<String>, String)>,
) -> AppResult<BatchSummary> {
    let mut conn = app.conn()?;
    let t = desk::load_trip(&mut conn, id)?;
    let kinds = facts::destination_kinds(&mut conn, id)?;
    let delivered = facts::handed_over(&mut conn, id)?;
    let stops = desk::trip_stops(&mut conn, id)?;
    let last = stops.len().saturating_sub(1);
    let mut out = Vec::with_capacity(stops.len());
    for (n, s) in stops.iter().enumerate() {
        let travelers: Vec<i64> = s.travelers.iter().map(|t| t.0).collect();
        let kind = travelers
            .first()
            .and_then(|t| kinds.get(t))
            .map(String::as_str);
        let place = stop_place(&mut conn, s.destination.map(|d| d.0), kind)?;
        out.push(StopSummary {
            destination: s.destination.map(|d| d.0),
            place: place.as_ref().map(PlaceView::from),
            eta: if n == last { t.planned_arrival } else { None },
            planned: travelers.len(),
            handed_over: travelers.iter().filter(|t| delivered.contains(t)).count(),
            travelers,
        });
    }
    let (code, plate) = label.cloned().unwrap_or_default();
    Ok(BatchSummary {
        id,
        code,
        state: t.state,
        vehicle: t.vehicle_id,
        plate,
        port: t.port_id,
        origin_hotel: t.origin_hotel_id,
        origin: origin_of(&mut conn, &t)?.as_ref().map(PlaceView::from),
        started_at: t.started_at,
        ended_at: t.ended_at,
        planned_arrival: t.planned_arrival,
        crew: scope::crew_of_trip(&mut conn, id)?,
        stops: out,
    })
}

/// The batches `caller` may see (a driver or escort: those they crew; hotel staff: those
/// bound for or leaving their hotel; port staff: those boarding at their port; the desks:
/// all), in id order, filtered by state and local day of departure: those after the id
/// `after`, at most `take` (a page and one more tells the adapter whether another follows).
/// Only the batches kept are read in full.
pub fn list(
    app: &App,
    caller: &Caller,
    filter: &BatchFilter,
    after: Option<i64>,
    take: usize,
) -> AppResult<Vec<BatchSummary>> {
    caller.require(Action::ListBatches)?;
    let mut ids: Vec<i64> = match rules::scope_of(app, caller)? {
        Scope::All => facts::trip_ids(&mut *app.conn()?)?,
        Scope::Only { trips, .. } => trips.into_iter().collect(),
    };
    ids.sort_unstable();
    ids.retain(|&id| after.is_none_or(|a| id > a));
    let offset = app.config.handover.gates.utc_offset;
    let mut kept = Vec::new();
    let mut conn = app.conn()?;
    for id in ids {
        if kept.len() == take {
            break;
        }
        let t = desk::load_trip(&mut conn, id)?;
        let day = t.started_at.and_utc().with_timezone(&offset).date_naive();
        if filter.state.is_none_or(|s| s == t.state) && filter.date.is_none_or(|d| d == day) {
            kept.push(id);
        }
    }
    drop(conn);
    let labels = facts::labels(&mut *app.conn()?, &kept)?;
    kept.into_iter()
        .map(|id| summary(app, id, labels.get(&id)))
        .collect()
}

/// One leg of a route.
#[derive(Debug, Clone, Serialize)]
pub struct Leg {
    /// The place it ends at.
    pub to: PlaceView,
    pub seconds: f64,
    pub metres: f64,
}

/// A batch's route: `[lon, lat]` points from the origin through the stops with a place, the
/// legs, and the model that answered.
#[derive(Debug, Clone, Serialize)]
pub struct BatchRoute {
    pub batch: i64,
    pub origin: PlaceView,
    pub coordinates: Vec<[f64; 2]>,
    pub legs: Vec<Leg>,
    /// osrm, road_network or straight_line.
    pub model: &'static str,
}

/// The route of batch `id` over the travel model in force (an OSRM server, the extract's road
/// network, else straight lines), if `caller` may read the batch. Stops without a place (a
/// home) are left out: their position is personal data.
pub fn route(app: &App, caller: &Caller, id: i64) -> AppResult<BatchRoute> {
    // The batch's own rule: 404 if none, 403 if not theirs.
    rules::read_batch(app, caller, id)?;
    let b = summary(app, id, None)?;
    let mut conn = app.conn()?;
    let t = desk::load_trip(&mut conn, id)?;
    let origin = origin_of(&mut conn, &t)?.ok_or_else(|| {
        AppError::not_found(
            "origin_not_found",
            format!("batch {id} boards at a place the store no longer has"),
            format!("批次 {id} 的出发地已不存在"),
        )
    })?;
    let mut places = vec![origin.clone()];
    for s in &b.stops {
        let Some(p) = &s.place else { continue };
        if let Some(row) = stop_place(&mut conn, Some(p.id), Some(p.kind))? {
            places.push(row);
        }
    }
    drop(conn);
    let source = RoadsSource::default();
    let model = if source.osrm(app).is_some() {
        "osrm"
    } else if source.extract(app).is_some() {
        "road_network"
    } else {
        "straight_line"
    };
    let travel = travel_model(app, &source)?;
    let point = |p: &PlaceRow| Point {
        lat: p.lat,
        lon: p.lon,
    };
    let mut coordinates = vec![[origin.lon, origin.lat]];
    let mut legs = Vec::new();
    for w in places.windows(2) {
        let r = travel
            .route_by(point(&w[0]), point(&w[1]), Metric::Time)
            .map_err(roads::roads_error)?;
        let mut pts: Vec<[f64; 2]> = r.geometry.coords().map(|c| [c.x, c.y]).collect();
        if pts.is_empty() {
            pts = vec![[w[0].lon, w[0].lat], [w[1].lon, w[1].lat]];
        }
        // Each leg starts where the last ended: its first point is not repeated.
        coordinates.extend(pts.into_iter().skip(1));
        legs.push(Leg {
            to: PlaceView::from(&w[1]),
            seconds: r.leg.time_s,
            metres: r.leg.length_m,
        });
    }
    Ok(BatchRoute {
        batch: id,
        origin: PlaceView::from(&origin),
        coordinates,
        legs,
        model,
    })
}

/// The model in force. An extract's network is opened once per process and file (a request
/// must not re-read an extract of a city); a server and straight lines cost nothing to make.
fn travel_model(app: &App, source: &RoadsSource) -> AppResult<Arc<dyn TravelModel>> {
    static NETWORKS: OnceLock<Mutex<HashMap<PathBuf, Arc<RoadNetwork>>>> = OnceLock::new();
    let osm = match (source.osrm(app), source.extract(app)) {
        (None, Some(osm)) => osm,
        _ => return Ok(Arc::from(roads::travel_model(app, source)?)),
    };
    let cache = NETWORKS.get_or_init(Default::default);
    if let Some(n) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&osm) {
        return Ok(n.clone());
    }
    // Opened outside the lock: another request may open it too, and one of the two is kept.
    let network = Arc::new(roads::open_network(app, &osm)?.0);
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(osm, network.clone());
    Ok(network)
}

/// One night at a hotel.
#[derive(Debug, Clone, Serialize)]
pub struct Night {
    pub date: NaiveDate,
    /// Rooms taken that night (a family shares one).
    pub rooms_taken: u32,
    pub accessible_taken: u32,
    pub rooms: i64,
    pub accessible_rooms: i64,
    /// Travelers staying that night.
    pub travelers: u32,
}

/// A hotel's nights from `from` to `to`.
#[derive(Debug, Clone, Serialize)]
pub struct Occupancy {
    pub hotel: String,
    pub rooms: i64,
    pub accessible_rooms: i64,
    pub nights: Vec<Night>,
}

/// The longest window one request may ask for.
pub const MAX_NIGHTS: i64 = 366;

/// The rooms taken at hotel `code` each night from `from` to `to` (both included): every
/// traveler bound for it (on a batch not cancelled) or handed over to its staff stays from the
/// local day they were handed over (else the day their batch is due) for the hotel days of
/// the policy in force on their arrival day, until a batch from the hotel takes them away.
/// Travelers of one family group share a room; a wheelchair user's room is an accessible one.
/// Hotel staff read only their own hotel.
pub fn occupancy(
    app: &App,
    caller: &Caller,
    code: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Occupancy> {
    caller.require(Action::HotelOccupancy)?;
    let mut conn = app.conn()?;
    let Some((hotel, rooms, accessible_rooms)) = facts::hotel_rooms(&mut conn, code)? else {
        return Err(AppError::not_found(
            "hotel_not_found",
            format!("no hotel has code {code}"),
            format!("没有代码为 {code} 的酒店"),
        ));
    };
    if caller.role == AccessRole::HotelStaff && caller.hotel != Some(hotel) {
        return Err(AppError::Forbidden(Fault::new(
            "forbidden_object",
            format!("hotel {code} is not this account's hotel"),
            format!("酒店 {code} 不是此账号所属酒店"),
        )));
    }
    let span = (to - from).num_days();
    if !(0..MAX_NIGHTS).contains(&span) {
        return Err(AppError::invalid(
            "dates_out_of_range",
            format!("from {from} to {to}: ask for 1 to {MAX_NIGHTS} nights, from before to"),
            format!("{from} 至 {to}：须为 1 至 {MAX_NIGHTS} 晚，且开始不晚于结束"),
        )
        .with_field("to"));
    }
    let stays = facts::hotel_stays(&mut conn, hotel)?;
    drop(conn);
    let offset = app.config.handover.gates.utc_offset;
    let local = |t: NaiveDateTime| t.and_utc().with_timezone(&offset).date_naive();
    // Per night: the rooms (a family group's, or one traveler's) and whether each is accessible.
    let mut taken: BTreeMap<NaiveDate, BTreeMap<String, (bool, u32)>> = BTreeMap::new();
    for s in &stays {
        let first = local(s.handed_over_at.unwrap_or(s.due_at));
        let days = app
            .config
            .policy
            .in_force(s.arrived_on)
            .map_or(0, |p| i64::from(p.hotel_days));
        let mut end = first + TimeDelta::days(days);
        if let Some(l) = s.leaves_at {
            end = end.min(local(l));
        }
        let room = match &s.family_group {
            Some(g) if !g.trim().is_empty() => format!("family:{g}"),
            _ => format!("traveler:{}", s.traveler),
        };
        let wheelchair = s.special_needs.split(',').any(|n| n.trim() == "wheelchair");
        let mut night = first.max(from);
        while night < end && night <= to {
            let r = taken
                .entry(night)
                .or_default()
                .entry(room.clone())
                .or_default();
            r.0 |= wheelchair;
            r.1 += 1;
            night += TimeDelta::days(1);
        }
    }
    let nights = from
        .iter_days()
        .take_while(|d| *d <= to)
        .map(|date| {
            let rooms_on = taken.get(&date);
            Night {
                date,
                rooms_taken: rooms_on.map_or(0, |r| r.len() as u32),
                accessible_taken: rooms_on.map_or(0, |r| r.values().filter(|v| v.0).count() as u32),
                rooms,
                accessible_rooms,
                travelers: rooms_on.map_or(0, |r| r.values().map(|v| v.1).sum()),
            }
        })
        .collect();
    Ok(Occupancy {
        hotel: code.to_string(),
        rooms,
        accessible_rooms,
        nights,
    })
}
