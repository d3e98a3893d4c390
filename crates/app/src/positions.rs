//! Where the vehicles are: positions the crews' phones report in batches (a phone on a bad
//! network keeps its fixes and sends them when it can, perhaps twice), and the latest position
//! of each vehicle for the live map. A vehicle is not a person: positions are not masked.

use crate::accounts::{Action, Caller, rules};
use crate::context::App;
use crate::error::{AppError, AppResult, Fault};
use crate::mask::AccessRole;
use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use closedloop_domain::geo::Coordinates;
use closedloop_domain::ids::{BatchId, VehicleId};
use closedloop_store::positions::{self as store, NewPosition, PositionRow};
use serde::{Deserialize, Serialize};

/// The most fixes one report may carry (an hour of one fix every four seconds).
pub const MAX_BATCH: usize = 1000;
/// How far ahead of the server's clock a fix may be (phones' clocks drift).
pub const CLOCK_SLACK: TimeDelta = TimeDelta::minutes(5);
/// How old a fix may be: a phone offline longer sends what is recent.
pub const MAX_AGE: TimeDelta = TimeDelta::hours(24);

/// One fix of the phone's GPS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fix {
    pub at: DateTime<Utc>,
    pub lat: f64,
    pub lon: f64,
    #[serde(default)]
    pub speed_kmh: Option<f64>,
    #[serde(default)]
    pub heading_deg: Option<f64>,
    #[serde(default)]
    pub accuracy_m: Option<f64>,
}

/// A batch of fixes of one vehicle, on a trip or between trips.
#[derive(Debug, Clone)]
pub struct ReportPositions {
    pub vehicle: VehicleId,
    pub trip: Option<BatchId>,
    pub fixes: Vec<Fix>,
    /// The server's clock when the batch arrived.
    pub received_at: DateTime<Utc>,
}

/// `{"received", "stored"}`: fixes in the batch, and how many were new.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Reported {
    pub received: usize,
    pub stored: usize,
}

/// A stored position, as the live map reads it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Position {
    pub id: i64,
    pub vehicle: i64,
    pub trip: Option<i64>,
    pub at: DateTime<Utc>,
    pub lat: f64,
    pub lon: f64,
    pub speed_kmh: Option<f64>,
    pub heading_deg: Option<f64>,
    pub accuracy_m: Option<f64>,
}

impl From<PositionRow> for Position {
    fn from(r: PositionRow) -> Position {
        Position {
            id: r.id,
            vehicle: r.vehicle_id,
            trip: r.trip_id,
            at: r.at.and_utc(),
            lat: r.lat,
            lon: r.lon,
            speed_kmh: r.speed_kmh,
            heading_deg: r.heading_deg,
            accuracy_m: r.accuracy_m,
        }
    }
}

/// [`report`] for a signed-in caller: a crew member reports only on a batch they crew (the
/// vehicle of that batch); the desk for any vehicle.
pub fn report_as(app: &App, caller: &Caller, req: &ReportPositions) -> AppResult<Reported> {
    caller.require(Action::ReportPositions)?;
    if matches!(caller.role, AccessRole::Driver | AccessRole::Escort) {
        let scope = rules::scope_of(app, caller)?;
        if !req.trip.is_some_and(|t| scope.trip(t.0)) {
            return Err(AppError::Forbidden(
                Fault::new(
                    "forbidden_object",
                    "a crew member reports positions on a batch they crew: name it in `trip`",
                    "乘务人员只能为自己值乘的批次上报位置：请在 `trip` 中注明批次",
                )
                .at("trip"),
            ));
        }
    }
    report(app, req)
}

/// Stores a batch of fixes: all of them or, if one is wrong, none (the error names it).
pub fn report(app: &App, req: &ReportPositions) -> AppResult<Reported> {
    if req.fixes.is_empty() || req.fixes.len() > MAX_BATCH {
        return Err(AppError::invalid(
            "positions_batch_size",
            format!(
                "a report carries 1 to {MAX_BATCH} fixes, not {}",
                req.fixes.len()
            ),
            format!(
                "每次上报须含 1 至 {MAX_BATCH} 个定位点，而非 {} 个",
                req.fixes.len()
            ),
        )
        .with_field("fixes"));
    }
    let rows = req
        .fixes
        .iter()
        .enumerate()
        .map(|(i, f)| checked(i, f, req))
        .collect::<AppResult<Vec<_>>>()?;
    let mut conn = app.conn()?;
    if !store::vehicle_exists(&mut conn, req.vehicle.0)? {
        return Err(AppError::not_found(
            "unknown_vehicle",
            format!("no vehicle has the id {}", req.vehicle.0),
            format!("没有编号为 {} 的车辆", req.vehicle.0),
        )
        .with_field("vehicle"));
    }
    if let Some(trip) = req.trip {
        match store::trip_vehicle(&mut conn, trip.0)? {
            None => {
                return Err(AppError::not_found(
                    "unknown_trip",
                    format!("no batch has the id {}", trip.0),
                    format!("没有编号为 {} 的批次", trip.0),
                )
                .with_field("trip"));
            }
            Some(v) if v != req.vehicle.0 => {
                return Err(AppError::invalid(
                    "trip_of_another_vehicle",
                    format!("batch {} rides vehicle {v}, not {}", trip.0, req.vehicle.0),
                    format!("批次 {} 的车辆是 {v}，不是 {}", trip.0, req.vehicle.0),
                )
                .with_field("trip"));
            }
            Some(_) => {}
        }
    }
    let stored = store::insert_batch(&mut conn, &rows)?;
    Ok(Reported {
        received: rows.len(),
        stored,
    })
}

fn checked(i: usize, f: &Fix, req: &ReportPositions) -> AppResult<NewPosition> {
    let field = |name: &str| format!("fixes[{i}].{name}");
    Coordinates::new(f.lat, f.lon).map_err(|e| AppError::from(e).with_field(&field("lat")))?;
    if f.at > req.received_at + CLOCK_SLACK || f.at < req.received_at - MAX_AGE {
        return Err(AppError::invalid(
            "fix_time_out_of_range",
            format!(
                "fix {i} is dated {}: fixes are accepted from 24 hours before the server's clock to 5 minutes after",
                f.at
            ),
            format!("第 {i} 个定位点的时间 {} 超出范围：仅接受服务器时间前 24 小时至后 5 分钟内的定位", f.at),
        )
        .with_field(&field("at")));
    }
    let ranges = [
        ("speed_kmh", f.speed_kmh, 0.0, 400.0),
        ("heading_deg", f.heading_deg, 0.0, 360.0),
        ("accuracy_m", f.accuracy_m, 0.0, 100_000.0),
    ];
    for (name, value, lo, hi) in ranges {
        if let Some(v) = value
            && !(v.is_finite() && (lo..=hi).contains(&v))
        {
            return Err(AppError::invalid(
                "fix_value_out_of_range",
                format!("fix {i}: {name} {v} is not between {lo} and {hi}"),
                format!("第 {i} 个定位点：{name} {v} 不在 {lo} 至 {hi} 之间"),
            )
            .with_field(&field(name)));
        }
    }
    Ok(NewPosition {
        vehicle_id: req.vehicle.0,
        trip_id: req.trip.map(|t| t.0),
        // Microseconds, as both databases keep a timestamp: a fix sent again compares equal.
        at: f.at.trunc_subsecs(6).naive_utc(),
        lat: f.lat,
        lon: f.lon,
        speed_kmh: f.speed_kmh,
        heading_deg: f.heading_deg,
        accuracy_m: f.accuracy_m,
        received_at: req.received_at.naive_utc(),
    })
}

/// The latest position of every vehicle that reported one, for a caller who may see them.
pub fn latest_as(app: &App, caller: &Caller) -> AppResult<Vec<Position>> {
    caller.require(Action::ReadPositions)?;
    latest(app)
}

/// The latest position of every vehicle that reported one.
pub fn latest(app: &App) -> AppResult<Vec<Position>> {
    Ok(store::latest(&mut *app.conn()?)?
        .into_iter()
        .map(Position::from)
        .collect())
}

/// Up to `limit` positions stored after id `after`, in the order they were stored.
pub fn after(app: &App, after: i64, limit: i64) -> AppResult<Vec<Position>> {
    Ok(store::after(&mut *app.conn()?, after, limit)?
        .into_iter()
        .map(Position::from)
        .collect())
}

/// The id of the last position stored (0 when none is).
pub fn last_id(app: &App) -> AppResult<i64> {
    Ok(store::last_id(&mut *app.conn()?)?)
}
