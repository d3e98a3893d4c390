//! Trips the desk plans ahead: vehicle, crew, stops with their travelers, planned departure and
//! arrival. A trip boards at a port, or at a hotel for the second transfer of "14+7"
//! (`origin_hotel_id`; its `port_id` then names the port the vehicle is based at).
//! A planned trip's `started_at` and `ended_at` hold the plan until it departs and completes;
//! `planned_arrival` keeps the plan for overdue loops.

use super::{
    Desk, DeskError, Thing, desk_party, millis, not_found, require_crew, require_travelers,
    require_vehicle,
};
use crate::custody::NewTrip;
use crate::schema::{hotels, ports, trip_crew, trip_travelers, trips, vehicles};
use crate::{DbConnection, StoreError};
use chrono::{DateTime, NaiveDateTime, Utc};
use closedloop_domain::batch::{Batch, BatchState, Stop};
use closedloop_domain::ids::{BatchId, CrewId, DestinationId, PortId, TravelerId, VehicleId};
use closedloop_handover::request::Origin;
use closedloop_handover::transition::{PlanProblem, TripPlan, check_plan};
use closedloop_ledger::entry::{Id, TripState};
use closedloop_ledger::{Body, TravelerRef};
use diesel::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct PlannedTrip {
    pub vehicle_id: VehicleId,
    pub port_id: PortId,
    pub crew: Vec<CrewId>,
    /// In the order the vehicle calls at them.
    pub stops: Vec<PlannedStop>,
    pub depart_at: DateTime<Utc>,
    pub arrive_by: DateTime<Utc>,
}

/// One stop of a trip: where (the id a hand-over to its staff names; `None` when the desk does
/// not say) and who gets off there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedStop {
    pub destination: Option<DestinationId>,
    pub travelers: Vec<TravelerId>,
}

impl PlannedTrip {
    pub fn travelers(&self) -> Vec<TravelerId> {
        self.stops
            .iter()
            .flat_map(|s| s.travelers.iter().copied())
            .collect()
    }
}

/// A stored trip.
#[derive(Debug, Clone, Serialize)]
pub struct TripRow {
    pub id: i64,
    pub vehicle_id: i64,
    /// The port it boards at; for a trip from a hotel, the port its vehicle is based at.
    pub port_id: i64,
    /// The hotel it boards at, for a second transfer; none for a trip from a port.
    pub origin_hotel_id: Option<i64>,
    pub started_at: NaiveDateTime,
    pub ended_at: NaiveDateTime,
    pub state: BatchState,
    pub planned_arrival: Option<NaiveDateTime>,
}

impl TripRow {
    /// Where it boards its travelers: the hotel of a second transfer, else its port.
    pub fn origin(&self) -> Origin {
        match self.origin_hotel_id {
            Some(h) => Origin::Hotel(DestinationId(h)),
            None => Origin::Port(PortId(self.port_id)),
        }
    }
}

type StoredTrip = (
    i64,
    i64,
    i64,
    Option<i64>,
    NaiveDateTime,
    NaiveDateTime,
    String,
    Option<NaiveDateTime>,
);

pub fn load_trip(conn: &mut DbConnection, id: i64) -> Result<TripRow, StoreError> {
    let row = trips::table
        .find(id)
        .select((
            trips::id,
            trips::vehicle_id,
            trips::port_id,
            trips::origin_hotel_id,
            trips::started_at,
            trips::ended_at,
            trips::state,
            trips::planned_arrival,
        ))
        .first::<StoredTrip>(conn)
        .optional()?
        .ok_or_else(|| not_found(Thing::Trip, id))?;
    let (id, vehicle_id, port_id, origin_hotel_id, started_at, ended_at, state, planned_arrival) =
        row;
    Ok(TripRow {
        id,
        vehicle_id,
        port_id,
        origin_hotel_id,
        started_at,
        ended_at,
        state: stored_state(id, &state)?,
        planned_arrival,
    })
}

/// A trip's stops as stored, in order.
pub fn trip_stops(conn: &mut DbConnection, trip: i64) -> Result<Vec<PlannedStop>, StoreError> {
    let rows: Vec<(i64, i64, Option<i64>)> = trip_travelers::table
        .filter(trip_travelers::trip_id.eq(trip))
        .select((
            trip_travelers::stop,
            trip_travelers::traveler_id,
            trip_travelers::destination_id,
        ))
        .order((trip_travelers::stop, trip_travelers::traveler_id))
        .load(conn)?;
    let mut stops: Vec<(i64, PlannedStop)> = Vec::new();
    for (stop, traveler, destination) in rows {
        let traveler = TravelerId(traveler);
        match stops.last_mut() {
            Some((n, s)) if *n == stop => s.travelers.push(traveler),
            _ => stops.push((
                stop,
                PlannedStop {
                    destination: destination.map(DestinationId),
                    travelers: vec![traveler],
                },
            )),
        }
    }
    Ok(stops.into_iter().map(|(_, s)| s).collect())
}

/// A stored trip's state; one that is not a state is damage, named.
fn stored_state(trip: i64, state: &str) -> Result<BatchState, StoreError> {
    parse_state(state)
        .ok_or_else(|| StoreError::Corrupt(format!("trip {trip} has state {state:?}")))
}

/// The state a stored code names, if it names one.
pub(crate) fn parse_state(code: &str) -> Option<BatchState> {
    use BatchState::*;
    [Planned, Approved, Departed, Completed, Cancelled]
        .into_iter()
        .find(|s| s.code() == code)
}

/// The TripState entry of a trip that passed from `from` to `to`, with the times the trip keeps
/// afterwards (departure, arrival) and who rode it (by reference).
pub(crate) fn trip_state_body(
    trip: i64,
    from: BatchState,
    to: BatchState,
    (started, ended): (DateTime<Utc>, DateTime<Utc>),
    travelers: Vec<TravelerRef>,
) -> Result<Body, StoreError> {
    let mut body = Body::TripState(TripState {
        batch: Id::from_key(trip),
        from: from.into(),
        to: to.into(),
        started: millis(started)?,
        ended: millis(ended)?,
        decided_by: desk_party(),
        travelers,
    });
    body.normalize();
    Ok(body)
}

/// The trip as the hand-over rules see a batch: its stops in order (destination 0 stands for
/// a stop whose place the desk did not name).
pub(crate) fn batch_of(
    trip: &TripRow,
    crew: &[i64],
    stops: &[PlannedStop],
) -> Result<Batch, StoreError> {
    Batch::plan(
        BatchId(trip.id),
        PortId(trip.port_id),
        VehicleId(trip.vehicle_id),
        crew.iter().map(|&c| CrewId(c)).collect(),
        domain_stops(stops),
        u32::MAX,
    )
    .map_err(|e| DeskError::BadPlan(PlanProblem::Batch(e)).into())
}

fn domain_stops(stops: &[PlannedStop]) -> Vec<Stop> {
    stops
        .iter()
        .map(|s| Stop {
            destination: s.destination.unwrap_or(DestinationId(0)),
            travelers: s.travelers.clone(),
        })
        .collect()
}

/// Stores a planned trip from its port; returns its id. Checks the vehicle, crew and
/// travelers exist; the plan itself is checked by `closedloop_handover::transition::check_plan`
/// (a crew and at least one stop, travelers at every stop and each at one, within the
/// vehicle's seats, arriving no earlier than it departs).
pub fn plan_trip(conn: &mut DbConnection, t: &PlannedTrip) -> Result<BatchId, StoreError> {
    plan_trip_from(conn, t, None)
}

/// Stores a planned trip that boards at `origin_hotel` (a second transfer: its staff hand the
/// travelers to the crew) when one is given, else at its port; `t.port_id` is then the port
/// the vehicle is based at. Checked as [`plan_trip`], and the hotel must exist.
pub fn plan_trip_from(
    conn: &mut DbConnection,
    t: &PlannedTrip,
    origin_hotel: Option<DestinationId>,
) -> Result<BatchId, StoreError> {
    let crew_ids: Vec<i64> = t.crew.iter().map(|c| c.0).collect();
    let traveler_ids: Vec<i64> = t.travelers().iter().map(|x| x.0).collect();
    crate::write_transaction(conn, |conn| {
        require_vehicle(conn, t.vehicle_id.0)?;
        let port: i64 = ports::table
            .filter(ports::id.eq(t.port_id.0))
            .count()
            .get_result(conn)?;
        if port == 0 {
            return Err(not_found(Thing::Port, t.port_id.0));
        }
        if let Some(h) = origin_hotel {
            let n: i64 = hotels::table
                .filter(hotels::id.eq(h.0))
                .count()
                .get_result(conn)?;
            if n == 0 {
                return Err(not_found(Thing::Hotel, h.0));
            }
        }
        require_crew(conn, &crew_ids)?;
        require_travelers(conn, &traveler_ids)?;
        let seats: i64 = vehicles::table
            .find(t.vehicle_id.0)
            .select(vehicles::seats)
            .first(conn)?;
        check_plan(&TripPlan {
            port: t.port_id,
            vehicle: t.vehicle_id,
            seats: u32::try_from(seats).unwrap_or(0),
            crew: t.crew.clone(),
            stops: domain_stops(&t.stops),
            depart: t.depart_at,
            arrive: t.arrive_by,
        })
        .map_err(DeskError::BadPlan)?;
        let id = diesel::insert_into(trips::table)
            .values((
                trips::vehicle_id.eq(t.vehicle_id.0),
                trips::port_id.eq(t.port_id.0),
                trips::origin_hotel_id.eq(origin_hotel.map(|h| h.0)),
                trips::started_at.eq(t.depart_at.naive_utc()),
                trips::ended_at.eq(t.arrive_by.naive_utc()),
                trips::state.eq("planned"),
                trips::planned_arrival.eq(Some(t.arrive_by.naive_utc())),
            ))
            .returning(trips::id)
            .get_result::<i64>(conn)?;
        let mut crew = crew_ids.clone();
        crew.sort_unstable();
        crew.dedup();
        for c in crew {
            diesel::insert_into(trip_crew::table)
                .values((trip_crew::trip_id.eq(id), trip_crew::crew_id.eq(c)))
                .execute(conn)?;
        }
        for (k, stop) in t.stops.iter().enumerate() {
            for &x in &stop.travelers {
                diesel::insert_into(trip_travelers::table)
                    .values((
                        trip_travelers::trip_id.eq(id),
                        trip_travelers::traveler_id.eq(x.0),
                        trip_travelers::stop.eq(k as i64),
                        trip_travelers::destination_id.eq(stop.destination.map(|d| d.0)),
                    ))
                    .execute(conn)?;
            }
        }
        Ok(BatchId(id))
    })
}

impl Desk<'_> {
    /// Records a trip after the fact (one the desk did not drive through its gates, e.g. from
    /// before the desk path): the trip, its crew and riders, completed, with the TripState
    /// entry that says so (planned → completed, at its times), in one transaction; returns its
    /// id. Vehicle, crew and travelers must exist.
    pub fn record_trip(&mut self, conn: &mut DbConnection, t: &NewTrip) -> Result<i64, StoreError> {
        self.transact(conn, |conn, pending| {
            require_vehicle(conn, t.vehicle_id)?;
            require_crew(conn, &t.crew)?;
            require_travelers(conn, &t.travelers)?;
            let id = diesel::insert_into(trips::table)
                .values((
                    trips::vehicle_id.eq(t.vehicle_id),
                    trips::port_id.eq(t.port_id),
                    trips::started_at.eq(t.started_at),
                    trips::ended_at.eq(t.ended_at),
                    trips::state.eq(BatchState::Completed.code()),
                ))
                .returning(trips::id)
                .get_result::<i64>(conn)?;
            let mut crew = t.crew.clone();
            crew.sort_unstable();
            crew.dedup();
            for c in crew {
                diesel::insert_into(trip_crew::table)
                    .values((trip_crew::trip_id.eq(id), trip_crew::crew_id.eq(c)))
                    .execute(conn)?;
            }
            let mut riders = t.travelers.clone();
            riders.sort_unstable();
            riders.dedup();
            for &x in &riders {
                diesel::insert_into(trip_travelers::table)
                    .values((
                        trip_travelers::trip_id.eq(id),
                        trip_travelers::traveler_id.eq(x),
                    ))
                    .execute(conn)?;
            }
            let times = (t.started_at.and_utc(), t.ended_at.and_utc());
            let body = trip_state_body(
                id,
                BatchState::Planned,
                BatchState::Completed,
                times,
                pending.refs(&riders),
            )?;
            pending.append(conn, vec![(millis(times.1)?, body)])?;
            Ok(id)
        })
    }
}
