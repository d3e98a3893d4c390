//! `closedloop plan approve`: a checked plan becomes the day's next plan version, and its
//! batches from the ports become trips in the store — vehicle, crew, stops with their places,
//! travelers — so the gates, hand-overs, loops and ledger take over. Each trip keeps a link to
//! the version and its batch code.
//!
//! The day file names everything by the desk's codes; approval resolves them against the
//! store: travelers by their store id (the day file's traveler code), vehicles by plate, crew
//! by staff number, ports, hotels and hospitals by code. A code the store does not know refuses
//! the whole approval, naming the batch. Times without an offset are UTC, as every desk time.

use crate::context::App;
use crate::error::{AppError, AppResult, Fault};
use crate::schedule::{read_day, read_plan, travel_times};
use closedloop_domain::ids::{CrewId, DestinationId, PortId, TravelerId, VehicleId};
use closedloop_scheduling::plan::{Batch, Place, Plan};
use closedloop_scheduling::{Day, check::check};
use closedloop_store::desk::{PlannedStop, PlannedTrip};
use closedloop_store::plans::{ApprovedTrip, NewPlanVersion, PlanVersion};
use serde::Serialize;
use std::collections::HashMap;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct ApproveRequest {
    pub problem: PathBuf,
    pub plan: PathBuf,
}

/// `{"version", "trips", "second_transfers_left"}`.
#[derive(Debug, Clone, Serialize)]
pub struct Approved {
    pub version: PlanVersion,
    pub trips: Vec<ApprovedTrip>,
    /// Batches that start at a hotel (second transfers): not created as trips yet, since a
    /// trip starts at a port in the store.
    pub second_transfers_left: usize,
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
    let codes = Codes {
        ports,
        hotels,
        hospitals,
        vehicles,
        crew,
    };
    let mut trips = Vec::new();
    let mut left = 0;
    for b in &plan.batches {
        match codes.trip(b)? {
            Some(t) => trips.push((b.code.to_string(), t)),
            None => left += 1,
        }
    }
    let plan_json = serde_json::to_string(plan).map_err(|e| {
        AppError::invalid(
            "plan_unwritable",
            e.to_string(),
            format!("计划无法写出：{e}"),
        )
    })?;
    let (version, trips) = closedloop_store::plans::approve(
        &mut conn,
        &NewPlanVersion {
            service_date: plan.date,
            policy: plan.policy.clone(),
            plan_json,
            trips,
        },
    )?;
    Ok(Approved {
        version,
        trips,
        second_transfers_left: left,
    })
}

struct Codes {
    ports: HashMap<String, i64>,
    hotels: HashMap<String, i64>,
    hospitals: HashMap<String, i64>,
    vehicles: HashMap<String, i64>,
    crew: HashMap<String, i64>,
}

impl Codes {
    fn find(
        map: &HashMap<String, i64>,
        code: &str,
        batch: &Batch,
        what: (&str, &str),
    ) -> AppResult<i64> {
        map.get(code).copied().ok_or_else(|| {
            refused(
                "plan_code_unknown",
                format!("batches[{}]", batch.code),
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

    /// The trip a batch from a port becomes; `None` for a batch from a hotel.
    fn trip(&self, b: &Batch) -> AppResult<Option<PlannedTrip>> {
        let port = match &b.origin {
            Place::Port { code } => Self::find(&self.ports, code.as_str(), b, ("port", "口岸"))?,
            _ => return Ok(None),
        };
        let vehicle = Self::find(&self.vehicles, b.vehicle.as_str(), b, ("vehicle", "车辆"))?;
        let crew = b
            .crew
            .iter()
            .map(|c| Self::find(&self.crew, c.as_str(), b, ("crew member", "工作人员")).map(CrewId))
            .collect::<AppResult<Vec<_>>>()?;
        let mut stops = Vec::with_capacity(b.stops.len());
        for s in &b.stops {
            let destination = match &s.place {
                Place::Hotel { code } => Some(Self::find(
                    &self.hotels,
                    code.as_str(),
                    b,
                    ("hotel", "隔离酒店"),
                )?),
                Place::Hospital { code } => Some(Self::find(
                    &self.hospitals,
                    code.as_str(),
                    b,
                    ("hospital", "定点医院"),
                )?),
                // A home is received by its community's staff, whom the store does not list yet.
                Place::Home { .. } | Place::Port { .. } => None,
            };
            let travelers = s
                .travelers
                .iter()
                .map(|t| {
                    t.as_str().parse::<i64>().map(TravelerId).map_err(|_| {
                        refused(
                            "plan_code_unknown",
                            format!("batches[{}]", b.code),
                            format!(
                                "batch {}: traveler {:?} is not a stored traveler's id",
                                b.code,
                                closedloop_domain::excerpt::excerpt(t.as_str())
                            ),
                            format!(
                                "车次 {}：旅客 {:?} 不是已存储旅客的编号",
                                b.code,
                                closedloop_domain::excerpt::excerpt(t.as_str())
                            ),
                        )
                    })
                })
                .collect::<AppResult<Vec<_>>>()?;
            stops.push(PlannedStop {
                destination: destination.map(DestinationId),
                travelers,
            });
        }
        let arrive = b.stops.last().map_or(b.depart, |s| s.eta);
        Ok(Some(PlannedTrip {
            vehicle_id: VehicleId(vehicle),
            port_id: PortId(port),
            crew,
            stops,
            depart_at: b.depart.and_utc(),
            arrive_by: arrive.and_utc(),
        }))
    }
}
