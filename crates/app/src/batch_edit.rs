//! A planned batch changed by the desk before it is approved: another vehicle, another crew,
//! other times — from the version the desk read (HTTP's If-Match), checked inside the edit's
//! transaction. The batch must still be planned: no ledger entry names it yet, so nothing
//! recorded changes; from approval on, a batch changes through a re-plan. The changed batch
//! passes the same plan rules as a new one (a crew, the riders within the seats, arriving no
//! earlier than it departs).

use crate::accounts::rules::{BatchView, batch_view};
use crate::accounts::{Action, Caller};
use crate::context::App;
use crate::error::{AppError, AppResult, Fault};
use crate::version::{Expect, Version};
use chrono::{DateTime, Utc};
use closedloop_domain::batch::{BatchState, Stop};
use closedloop_domain::ids::{CrewId, DestinationId, PortId, TravelerId, VehicleId};
use closedloop_handover::transition::{TripPlan, check_plan};
use closedloop_store::batch_edit::{self, Replanned};
use closedloop_store::desk::{self, DeskError};

/// What changes of a batch: at least one.
#[derive(Debug, Clone, Default)]
pub struct BatchChange {
    pub vehicle: Option<i64>,
    pub crew: Option<Vec<i64>>,
    pub depart_at: Option<DateTime<Utc>>,
    pub arrive_by: Option<DateTime<Utc>>,
}

/// The version of a batch as shown: its `ETag`.
pub fn batch_version(view: &BatchView) -> Version {
    Version::of(view)
}

fn invalid(code: &'static str, field: &str, en: String, zh: String) -> AppError {
    AppError::Invalid(Fault::new(code, en, zh).at(field.to_string()))
}

/// Changes batch `id` from the version `expect` names; the batch as it now is.
pub fn edit_batch(
    app: &App,
    caller: &Caller,
    id: i64,
    change: &BatchChange,
    expect: &Expect,
) -> AppResult<BatchView> {
    caller.require(Action::EditBatch)?;
    let BatchChange {
        vehicle,
        crew,
        depart_at,
        arrive_by,
    } = change;
    if vehicle.is_none() && crew.is_none() && depart_at.is_none() && arrive_by.is_none() {
        return Err(AppError::invalid(
            "batch_change_empty",
            "say what changes: vehicle, crew, depart_at or arrive_by",
            "请指明要修改的内容：vehicle、crew、depart_at 或 arrive_by",
        ));
    }
    let mut conn = app.conn()?;
    closedloop_store::guarded::write(&mut conn, |conn| -> AppResult<BatchView> {
        let trip = desk::load_trip(conn, id)?;
        let view = batch_view(conn, trip)?;
        expect.check((&format!("batch {id}"), &format!("批次 {id}")), &view)?;
        if view.state != BatchState::Planned {
            return Err(AppError::Conflict(
                Fault::new(
                    "batch_not_editable",
                    format!(
                        "batch {id} is {:?}: only a planned batch is edited; re-plan an approved one",
                        view.state
                    ),
                    format!("车次 {id} 已不是待批准状态：只能修改已编排未批准的车次；已批准的请重新编排"),
                )
                .at("state"),
            ));
        }
        let vehicle = vehicle.unwrap_or(view.vehicle);
        let seats = batch_edit::vehicle_seats(conn, vehicle)?.ok_or_else(|| {
            AppError::NotFound(
                Fault::new(
                    "vehicle_not_found",
                    format!("no vehicle {vehicle}"),
                    format!("没有编号为 {vehicle} 的车辆"),
                )
                .at("vehicle"),
            )
        })?;
        let crew = crew.clone().unwrap_or_else(|| view.crew.clone());
        if let Some(c) = batch_edit::missing_crew(conn, &crew)?.first() {
            return Err(AppError::NotFound(
                Fault::new(
                    "crew_not_found",
                    format!("no crew member {c}"),
                    format!("没有编号为 {c} 的工作人员"),
                )
                .at("crew"),
            ));
        }
        let depart = depart_at.unwrap_or_else(|| view.started_at.and_utc());
        let arrive = arrive_by.unwrap_or_else(|| view.ended_at.and_utc());
        let plan = TripPlan {
            port: PortId(view.port),
            vehicle: VehicleId(vehicle),
            seats: u32::try_from(seats).unwrap_or(0),
            crew: crew.iter().copied().map(CrewId).collect(),
            stops: view
                .stops
                .iter()
                .map(|s| Stop {
                    destination: DestinationId(s.destination.unwrap_or(0)),
                    travelers: s.travelers.iter().copied().map(TravelerId).collect(),
                })
                .collect(),
            depart,
            arrive,
        };
        check_plan(&plan).map_err(|p| AppError::from(DeskError::BadPlan(p)))?;
        let to = Replanned {
            vehicle,
            crew: &crew,
            started_at: depart.naive_utc(),
            ended_at: arrive.naive_utc(),
        };
        if !batch_edit::rewrite_planned(conn, id, &to)? {
            return Err(invalid(
                "batch_not_editable",
                "state",
                format!("batch {id} left the planned state meanwhile"),
                format!("车次 {id} 已离开待批准状态"),
            ));
        }
        let trip = desk::load_trip(conn, id)?;
        batch_view(conn, trip)
    })
}
