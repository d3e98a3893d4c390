//! The fleet and its trips: vehicles and crew added, a trip (batch) planned with its stops,
//! and moved through the gates of `config/gates.toml` — approve, depart, complete. Every
//! gate decision is in the ledger, passed or refused.

use crate::context::App;
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use closedloop_domain::batch::BatchState;
use closedloop_domain::ids::{BatchId, CrewId, PortId, TravelerId, VehicleId};
use closedloop_store::custody;
use closedloop_store::desk::{self, PlannedStop, PlannedTrip};
use serde::Serialize;

/// `{"id": N}`: what was created.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Created {
    pub id: i64,
}

#[derive(Debug, Clone)]
pub struct AddVehicle {
    pub plate: String,
    pub seats: i64,
}

pub fn add_vehicle(app: &App, req: &AddVehicle) -> AppResult<VehicleId> {
    let plate = req.plate.trim();
    if plate.is_empty() {
        return Err(
            AppError::invalid("plate_empty", "the plate is empty", "车牌号为空")
                .with_field("plate"),
        );
    }
    if !(1..=100).contains(&req.seats) {
        return Err(AppError::invalid(
            "seats_out_of_range",
            format!("seats: {} is not between 1 and 100", req.seats),
            format!("座位数 {} 不在 1 到 100 之间", req.seats),
        )
        .with_field("seats"));
    }
    Ok(VehicleId(custody::add_vehicle(
        &mut *app.conn()?,
        plate,
        req.seats,
    )?))
}

#[derive(Debug, Clone)]
pub struct AddCrew {
    pub staff_no: String,
    pub name: String,
    /// driver, escort, …
    pub role: String,
}

pub fn add_crew(app: &App, req: &AddCrew) -> AppResult<CrewId> {
    for (field, v, zh) in [
        ("staff_no", &req.staff_no, "工号"),
        ("name", &req.name, "姓名"),
    ] {
        if v.trim().is_empty() {
            return Err(AppError::invalid(
                "field_empty",
                format!("{field} is empty"),
                format!("{zh}为空"),
            )
            .with_field(field));
        }
    }
    let id = custody::add_crew(
        &mut *app.conn()?,
        req.staff_no.trim(),
        req.name.trim(),
        req.role.trim(),
    )?;
    Ok(CrewId(id))
}

/// A trip from a port: its vehicle, crew and stops in calling order.
#[derive(Debug, Clone)]
pub struct PlanTrip {
    pub vehicle: VehicleId,
    pub crew: Vec<CrewId>,
    pub stops: Vec<PlannedStop>,
    /// The port by code (PVG) or name, as configured.
    pub port: String,
    pub depart_at: DateTime<Utc>,
    pub arrive_by: DateTime<Utc>,
}

impl PlanTrip {
    /// One stop whose place is not named, for `travelers`.
    pub fn one_stop(travelers: &[TravelerId]) -> Vec<PlannedStop> {
        vec![PlannedStop {
            destination: None,
            travelers: travelers.to_vec(),
        }]
    }
}

pub fn plan_trip(app: &App, req: &PlanTrip) -> AppResult<BatchId> {
    let port = app.config.ports.find(&req.port).ok_or_else(|| {
        AppError::not_found(
            "unknown_port",
            format!("unknown port {:?}", req.port),
            format!("未知口岸 {:?}", req.port),
        )
        .with_field("port")
    })?;
    let store = app.store()?;
    let port_id = store
        .ports()?
        .into_iter()
        .find(|p| p.code == port.code)
        .map(|p| p.id)
        .ok_or_else(|| {
            AppError::not_found(
                "unknown_port",
                format!("port {} is not in the database", port.code),
                format!("数据库中没有口岸 {}", port.code),
            )
        })?;
    let plan = PlannedTrip {
        vehicle_id: req.vehicle,
        port_id: PortId(port_id),
        crew: req.crew.clone(),
        stops: req.stops.clone(),
        depart_at: req.depart_at,
        arrive_by: req.arrive_by,
    };
    Ok(desk::plan_trip(&mut *app.conn()?, &plan)?)
}

/// A move through a gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TripMove {
    Approve,
    Depart,
    Complete,
}

/// `{"trip", "state", "at", "ledger_seqs"}`.
#[derive(Debug, Clone, Serialize)]
pub struct TripMoved {
    pub trip: i64,
    pub state: BatchState,
    pub at: DateTime<Utc>,
    pub ledger_seqs: Vec<i64>,
}

/// Moves a trip through its gate at `at`; a refusal names every missing item and is in the
/// ledger all the same.
pub fn move_trip(app: &App, trip: BatchId, m: TripMove, at: DateTime<Utc>) -> AppResult<TripMoved> {
    let done = app.with_desk(|conn, desk| match m {
        TripMove::Approve => desk.approve(conn, trip, at),
        TripMove::Depart => desk.depart(conn, trip, at),
        TripMove::Complete => desk.complete_trip(conn, trip, at),
    })?;
    Ok(TripMoved {
        trip: done.trip.0,
        state: done.state,
        at,
        ledger_seqs: done.ledger_seqs,
    })
}
