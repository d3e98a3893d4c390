//! `closedloop plan approve`: a checked plan becomes the day's next plan version, and every
//! batch becomes a trip in the store — vehicle, crew, stops with their places, travelers — so
//! the gates, hand-overs, loops and ledger take over. Each trip keeps a link to the version and
//! its batch code. A batch from a port boards there; a batch from a hotel (the second transfer
//! of "14+7": travelers whose hotel days end, collected and taken home) boards at that hotel,
//! whose staff hand the travelers to the crew, and its trip's port is the vehicle's base.
//!
//! The day file names everything by the desk's codes; approval resolves them against the
//! store: travelers by their store id (the day file's traveler code, for an arrival's
//! travelers and a stay's alike), vehicles by plate, crew by staff number, ports, hotels and
//! hospitals by code. A code the store does not know refuses the whole approval, naming the
//! batch and the field, before anything is written. Times without an offset are UTC, as every
//! desk time.

use crate::context::App;
use crate::error::{AppError, AppResult, Fault};
use crate::schedule::{read_day, read_plan, travel_times};
use closedloop_domain::excerpt::excerpt;
use closedloop_domain::ids::{CrewId, DestinationId, PortId, TravelerId, VehicleId};
use closedloop_scheduling::ids::TravelerCode;
use closedloop_scheduling::plan::{Batch, Place, Plan};
use closedloop_scheduling::{Day, check::check};
use closedloop_store::desk::{PlannedStop, PlannedTrip};
/// Where an approved trip boards, as `trips[].origin` says it.
pub use closedloop_store::plans::TripOrigin;
use closedloop_store::plans::{ApprovedTrip, ApprovingTrip, NewPlanVersion, PlanVersion};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct ApproveRequest {
    pub problem: PathBuf,
    pub plan: PathBuf,
}

/// `{"version", "trips", "second_transfers"}`.
#[derive(Debug, Clone, Serialize)]
pub struct Approved {
    pub version: PlanVersion,
    /// Every batch of the plan, each with its trip and where it boards.
    pub trips: Vec<ApprovedTrip>,
    /// How many of them board at a hotel (second transfers).
    pub second_transfers: usize,
}

fn refused(code: &'static str, field: String, en: String, zh: String) -> AppError {
    AppError::Invalid(Fault::new(code, en, zh).at(field))
}

pub fn approve(app: &App, req: &ApproveRequest) -> AppResult<Approved> {
    let day = read_day(&req.problem)?;
    let plan = read_plan(&req.plan)?;
    approve_plan(app, &day, &plan)
}

/// Checks `plan` against `day` with the travel model in force, then stores it with its trips.
pub fn approve_plan(app: &App, day: &Day, plan: &Plan) -> AppResult<Approved> {
    let (new, second_transfers) = prepare(app, day, plan)?;
    let (version, trips) = closedloop_store::plans::approve(&mut *app.conn()?, &new)?;
    Ok(Approved {
        version,
        trips,
        second_transfers,
    })
}

/// The version `plan` would be stored as, its codes resolved against the store, and how many
/// of its batches board at a hotel; refused if it breaks a rule or names a code the store
/// does not know. Nothing is written.
pub(crate) fn prepare(app: &App, day: &Day, plan: &Plan) -> AppResult<(NewPlanVersion, usize)> {
    if plan.date != day.date {
        return Err(refused(
            "plan_other_day",
            "date".into(),
            format!(
                "the plan is for {}, the day file for {}",
                plan.date, day.date
            ),
            format!("计划日期为 {}，而计划日文件为 {}", plan.date, day.date),
        ));
    }
    let (travel, _) = travel_times(app)?;
    let violations = check(day, plan, travel.as_ref());
    if let Some(first) = violations.first() {
        let n = violations.len();
        return Err(refused(
            "plan_violates_rules",
            first.subject.clone(),
            format!(
                "the plan breaks {n} rule(s) and cannot be approved; the first: {}",
                first.en
            ),
            format!("计划违反 {n} 条规则，不能批准；第一条：{}", first.zh),
        ));
    }
    let store = app.store()?;
    let mut conn = app.conn()?;
    let ports: HashMap<String, i64> = store.ports()?.into_iter().map(|p| (p.code, p.id)).collect();
    let hotels: HashMap<String, i64> = closedloop_store::places::hotels(&mut conn)?
        .into_iter()
        .map(|h| (h.place.code, h.id))
        .collect();
    let hospitals: HashMap<String, i64> = closedloop_store::places::hospitals(&mut conn)?
        .into_iter()
        .map(|h| (h.place.code, h.id))
        .collect();
    let vehicles = closedloop_store::plans::vehicles_by_plate(&mut conn)?;
    let crew = closedloop_store::plans::crew_by_staff_no(&mut conn)?;
    // Every traveler code that is a number, looked up at once: the store's ids among them.
    let numbers: Vec<i64> = plan
        .batches
        .iter()
        .flat_map(Batch::travelers)
        .filter_map(|t| t.as_str().parse().ok())
        .collect();
    let travelers = closedloop_store::plans::known_travelers(&mut conn, &numbers)?;
    // The port each vehicle of the day is based at, by plate: a trip from a hotel belongs there.
    let bases: HashMap<&str, &str> = day
        .vehicles
        .iter()
        .map(|v| (v.code.as_str(), v.base.as_str()))
        .collect();
    let codes = Codes {
        ports,
        hotels,
        hospitals,
        vehicles,
        crew,
        travelers,
        bases,
    };
    let trips = plan
        .batches
        .iter()
        .map(|b| codes.trip(b))
        .collect::<AppResult<Vec<_>>>()?;
    let second_transfers = trips.iter().filter(|t| t.origin_hotel.is_some()).count();
    let plan_json = serde_json::to_string(plan).map_err(|e| {
        AppError::invalid(
            "plan_unwritable",
            e.to_string(),
            format!("计划无法写出：{e}"),
        )
    })?;
    Ok((
        NewPlanVersion {
            service_date: plan.date,
            policy: plan.policy.clone(),
            plan_json,
            trips,
        },
        second_transfers,
    ))
}

struct Codes<'d> {
    ports: HashMap<String, i64>,
    hotels: HashMap<String, i64>,
    hospitals: HashMap<String, i64>,
    vehicles: HashMap<String, i64>,
    crew: HashMap<String, i64>,
    travelers: HashSet<i64>,
    bases: HashMap<&'d str, &'d str>,
}

/// A roadside point (where `broken` broke down, its replacement's origin): the store has no
/// place for one yet, so a plan with a breakdown en route is refused whole rather than
/// approved without the batches that meet there.
fn roadside(batch: &Batch, field: &str, broken: &str) -> AppError {
    refused(
        "plan_roadside_unsupported",
        at(batch, field),
        format!(
            "batch {}: a roadside point (where batch {broken} broke down) cannot be approved into a trip",
            batch.code
        ),
        format!(
            "车次 {}：路边地点（车次 {broken} 抛锚处）不能批准为车次",
            batch.code
        ),
    )
}

/// `batches[B-PVG-001].field`: where in the plan a refusal points.
fn at(batch: &Batch, field: &str) -> String {
    format!("batches[{}].{field}", batch.code)
}

impl Codes<'_> {
    fn find(
        map: &HashMap<String, i64>,
        code: &str,
        batch: &Batch,
        field: &str,
        what: (&str, &str),
    ) -> AppResult<i64> {
        map.get(code).copied().ok_or_else(|| {
            refused(
                "plan_code_unknown",
                at(batch, field),
                format!(
                    "batch {}: no {} has the code {code:?} in the database",
                    batch.code, what.0
                ),
                format!(
                    "车次 {}：数据库中没有编码为 {code:?} 的{}",
                    batch.code, what.1
                ),
            )
        })
    }

    /// A traveler code as the store's id: a number the store has a traveler for.
    fn traveler(&self, t: &TravelerCode, batch: &Batch, field: &str) -> AppResult<TravelerId> {
        match t.as_str().parse::<i64>() {
            Ok(id) if self.travelers.contains(&id) => Ok(TravelerId(id)),
            _ => Err(refused(
                "plan_code_unknown",
                at(batch, field),
                format!(
                    "batch {}: traveler {:?} is not a stored traveler's id",
                    batch.code,
                    excerpt(t.as_str())
                ),
                format!(
                    "车次 {}：旅客 {:?} 不是已存储旅客的编号",
                    batch.code,
                    excerpt(t.as_str())
                ),
            )),
        }
    }

    /// Where the batch boards: (the trip's port, the hotel of a second transfer). A trip from a
    /// hotel keeps the port its vehicle is based at, where it returns to be disinfected.
    fn origin(&self, b: &Batch) -> AppResult<(i64, Option<i64>)> {
        match &b.origin {
            Place::Port { code } => Ok((
                Self::find(&self.ports, code.as_str(), b, "origin", ("port", "口岸"))?,
                None,
            )),
            Place::Hotel { code } => {
                let hotel = Self::find(
                    &self.hotels,
                    code.as_str(),
                    b,
                    "origin",
                    ("hotel", "隔离酒店"),
                )?;
                let base = self.bases.get(b.vehicle.as_str()).ok_or_else(|| {
                    refused(
                        "plan_code_unknown",
                        at(b, "vehicle"),
                        format!(
                            "batch {}: vehicle {:?} is not in the day file, so its base port is unknown",
                            b.code,
                            b.vehicle.as_str()
                        ),
                        format!(
                            "车次 {}：计划日文件中没有车辆 {:?}，无法确定其所属口岸",
                            b.code,
                            b.vehicle.as_str()
                        ),
                    )
                })?;
                let port = Self::find(
                    &self.ports,
                    base,
                    b,
                    "vehicle",
                    ("port (the vehicle's base)", "口岸（车辆所属）"),
                )?;
                Ok((port, Some(hotel)))
            }
            Place::Roadside { batch, .. } => Err(roadside(b, "origin", batch.as_str())),
            // Nothing in the practice boards at a hospital or a home: no staff there hand
            // travelers to a crew, so the desk could not start the trip's first hand-over.
            Place::Hospital { .. } | Place::Home { .. } => Err(refused(
                "plan_origin_unsupported",
                at(b, "origin"),
                format!(
                    "batch {}: a trip starts at a port or at a hotel (a second transfer), not at a hospital or a home",
                    b.code
                ),
                format!(
                    "车次 {}：车次只能自口岸或酒店（二次转运）出发，不能自医院或住家出发",
                    b.code
                ),
            )),
        }
    }

    /// The trip a batch becomes, from its port or its hotel.
    fn trip(&self, b: &Batch) -> AppResult<ApprovingTrip> {
        let (port, origin_hotel) = self.origin(b)?;
        let vehicle = Self::find(
            &self.vehicles,
            b.vehicle.as_str(),
            b,
            "vehicle",
            ("vehicle", "车辆"),
        )?;
        let crew = b
            .crew
            .iter()
            .map(|c| {
                Self::find(
                    &self.crew,
                    c.as_str(),
                    b,
                    "crew",
                    ("crew member", "工作人员"),
                )
                .map(CrewId)
            })
            .collect::<AppResult<Vec<_>>>()?;
        let mut stops = Vec::with_capacity(b.stops.len());
        for (k, s) in b.stops.iter().enumerate() {
            let place = format!("stops[{k}].place");
            let destination = match &s.place {
                Place::Hotel { code } => Some(Self::find(
                    &self.hotels,
                    code.as_str(),
                    b,
                    &place,
                    ("hotel", "隔离酒店"),
                )?),
                Place::Hospital { code } => Some(Self::find(
                    &self.hospitals,
                    code.as_str(),
                    b,
                    &place,
                    ("hospital", "定点医院"),
                )?),
                // A home is received by its community's staff, whom the store does not list yet.
                Place::Home { .. } | Place::Port { .. } => None,
                Place::Roadside { batch, .. } => {
                    return Err(roadside(b, &place, batch.as_str()));
                }
            };
            let field = format!("stops[{k}].travelers");
            let travelers = s
                .travelers
                .iter()
                .map(|t| self.traveler(t, b, &field))
                .collect::<AppResult<Vec<_>>>()?;
            stops.push(PlannedStop {
                destination: destination.map(DestinationId),
                travelers,
            });
        }
        let arrive = b.stops.last().map_or(b.depart, |s| s.eta);
        Ok(ApprovingTrip {
            batch_code: b.code.to_string(),
            trip: PlannedTrip {
                vehicle_id: VehicleId(vehicle),
                port_id: PortId(port),
                crew,
                stops,
                depart_at: b.depart.and_utc(),
                arrive_by: arrive.and_utc(),
            },
            origin_hotel: origin_hotel.map(DestinationId),
        })
    }
}
