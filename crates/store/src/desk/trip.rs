//! Trips the desk plans ahead: vehicle, crew and travelers, planned departure and arrival.
//! A planned trip's `started_at` and `ended_at` hold the plan until it departs and completes;
//! `planned_arrival` keeps the plan for overdue loops.

use super::{DeskError, Thing, not_found, require_crew, require_travelers, require_vehicle};
use crate::schema::{ports, trip_crew, trip_travelers, trips, vehicles};
use crate::{DbConnection, StoreError};
use chrono::{DateTime, NaiveDateTime, Utc};
use closedloop_domain::batch::{Batch, Stop};
use closedloop_domain::ids::{BatchId, CrewId, DestinationId, PortId, TravelerId, VehicleId};
use diesel::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct PlannedTrip {
    pub vehicle_id: i64,
    pub port_id: i64,
    pub crew: Vec<i64>,
    pub travelers: Vec<i64>,
    pub depart_at: DateTime<Utc>,
    pub arrive_by: DateTime<Utc>,
}

/// A stored trip.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct TripRow {
    pub id: i64,
    pub vehicle_id: i64,
    pub port_id: i64,
    pub started_at: NaiveDateTime,
    pub ended_at: NaiveDateTime,
    pub state: String,
    pub planned_arrival: Option<NaiveDateTime>,
}

pub fn load_trip(conn: &mut DbConnection, id: i64) -> Result<TripRow, StoreError> {
    trips::table
        .find(id)
        .select((
            trips::id,
            trips::vehicle_id,
            trips::port_id,
            trips::started_at,
            trips::ended_at,
            trips::state,
            trips::planned_arrival,
        ))
        .first::<TripRow>(conn)
        .optional()?
        .ok_or_else(|| not_found(Thing::Trip, id))
}

/// The trip as the hand-over rules see a batch: one stop with all its travelers (the store
/// does not yet split a trip into stops; destination 0 stands for "the trip's destinations").
pub(crate) fn batch_of(
    trip: &TripRow,
    crew: &[i64],
    travelers: &[i64],
) -> Result<Batch, StoreError> {
    Batch::plan(
        BatchId(trip.id),
        PortId(trip.port_id),
        VehicleId(trip.vehicle_id),
        crew.iter().map(|&c| CrewId(c)).collect(),
        vec![Stop {
            destination: DestinationId(0),
            travelers: travelers.iter().map(|&t| TravelerId(t)).collect(),
        }],
        u32::MAX,
    )
    .map_err(|e| DeskError::BadPlan(e.to_string()).into())
}

/// Stores a planned trip; returns its id. Checks the vehicle, crew and travelers exist, that
/// it has a crew and travelers, that they fit the vehicle's seats, and that it arrives after
/// it departs.
pub fn plan_trip(conn: &mut DbConnection, t: &PlannedTrip) -> Result<i64, StoreError> {
    conn.transaction(|conn| {
        require_vehicle(conn, t.vehicle_id)?;
        let port: i64 = ports::table
            .filter(ports::id.eq(t.port_id))
            .count()
            .get_result(conn)?;
        if port == 0 {
            return Err(not_found(Thing::Port, t.port_id));
        }
        require_crew(conn, &t.crew)?;
        require_travelers(conn, &t.travelers)?;
        let seats: i64 = vehicles::table
            .find(t.vehicle_id)
            .select(vehicles::seats)
            .first(conn)?;
        let stops = vec![Stop {
            destination: DestinationId(0),
            travelers: t.travelers.iter().map(|&x| TravelerId(x)).collect(),
        }];
        Batch::plan(
            BatchId(0),
            PortId(t.port_id),
            VehicleId(t.vehicle_id),
            t.crew.iter().map(|&c| CrewId(c)).collect(),
            stops,
            u32::try_from(seats).unwrap_or(0),
        )
        .map_err(|e| DeskError::BadPlan(e.to_string()))?;
        if t.arrive_by < t.depart_at {
            return Err(DeskError::BadPlan(format!(
                "arrival {} is before departure {}",
                t.arrive_by, t.depart_at
            ))
            .into());
        }
        let id = diesel::insert_into(trips::table)
            .values((
                trips::vehicle_id.eq(t.vehicle_id),
                trips::port_id.eq(t.port_id),
                trips::started_at.eq(t.depart_at.naive_utc()),
                trips::ended_at.eq(t.arrive_by.naive_utc()),
                trips::state.eq("planned"),
                trips::planned_arrival.eq(Some(t.arrive_by.naive_utc())),
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
        for &x in &t.travelers {
            diesel::insert_into(trip_travelers::table)
                .values((
                    trip_travelers::trip_id.eq(id),
                    trip_travelers::traveler_id.eq(x),
                ))
                .execute(conn)?;
        }
        Ok(id)
    })
}
