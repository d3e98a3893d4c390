//! Approved plans: each approval of a day's plan is stored as that day's next version (the
//! plan file as approved), and its batches become trips — planned, with their vehicle, crew,
//! stops and travelers — each keeping a link to the version and its batch code, all in one
//! transaction. A batch boards at a port, or at a hotel for the second transfer of "14+7"
//! (`trips.origin_hotel_id`, with `port_id` the port its vehicle is based at). From there the gates, hand-overs, loops and ledger take the trips over like
//! any other. The store resolves the desk's codes to its ids and writes; the plan's rules were
//! checked before (`closedloop_scheduling::check`).

use crate::connection::DbConnection;
use crate::desk::{PlannedTrip, plan_trip_from};
use crate::error::StoreError;
use crate::schema::{crew_members, plan_versions, travelers, trips, vehicles};
use chrono::{NaiveDate, Utc};
use closedloop_domain::ids::{BatchId, DestinationId};
use diesel::prelude::*;
use std::collections::{HashMap, HashSet};

/// A version to store with the trips it creates, each with its batch code.
#[derive(Debug, Clone)]
pub struct NewPlanVersion {
    pub service_date: NaiveDate,
    pub policy: String,
    /// The plan file as approved.
    pub plan_json: String,
    pub trips: Vec<ApprovingTrip>,
}

/// One batch to create as a trip.
#[derive(Debug, Clone)]
pub struct ApprovingTrip {
    pub batch_code: String,
    pub trip: PlannedTrip,
    /// The hotel it boards at (a second transfer); none for a batch from its port.
    pub origin_hotel: Option<DestinationId>,
}

/// Where a created trip boards: `{"kind": "port" | "hotel", "id": …}` (the store's id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TripOrigin {
    Port { id: i64 },
    Hotel { id: i64 },
}

impl TripOrigin {
    fn of(port: i64, hotel: Option<i64>) -> TripOrigin {
        match hotel {
            Some(id) => TripOrigin::Hotel { id },
            None => TripOrigin::Port { id: port },
        }
    }
}

/// A stored version.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlanVersion {
    pub id: i64,
    pub service_date: NaiveDate,
    pub version: i64,
    pub policy: String,
    pub approved_at: chrono::NaiveDateTime,
}

/// The trips a version created, by batch code.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ApprovedTrip {
    pub batch_code: String,
    pub trip: BatchId,
    pub origin: TripOrigin,
}

/// Stores the version as the day's next and creates its trips; nothing is stored if one trip
/// is refused (the error names it).
pub fn approve(
    conn: &mut DbConnection,
    v: &NewPlanVersion,
) -> Result<(PlanVersion, Vec<ApprovedTrip>), StoreError> {
    crate::write_transaction(conn, |conn| {
        let last: Option<i64> = plan_versions::table
            .filter(plan_versions::service_date.eq(v.service_date))
            .select(diesel::dsl::max(plan_versions::version))
            .first(conn)?;
        let version = last.unwrap_or(0) + 1;
        let approved_at = Utc::now().naive_utc();
        let id = diesel::insert_into(plan_versions::table)
            .values((
                plan_versions::service_date.eq(v.service_date),
                plan_versions::version.eq(version),
                plan_versions::policy.eq(&v.policy),
                plan_versions::plan.eq(&v.plan_json),
                plan_versions::approved_at.eq(approved_at),
            ))
            .returning(plan_versions::id)
            .get_result::<i64>(conn)?;
        let mut created = Vec::with_capacity(v.trips.len());
        for a in &v.trips {
            let trip = plan_trip_from(conn, &a.trip, a.origin_hotel)?;
            diesel::update(trips::table.find(trip.0))
                .set((
                    trips::plan_version_id.eq(Some(id)),
                    trips::batch_code.eq(Some(&a.batch_code)),
                ))
                .execute(conn)?;
            created.push(ApprovedTrip {
                batch_code: a.batch_code.clone(),
                trip,
                origin: TripOrigin::of(a.trip.port_id.0, a.origin_hotel.map(|h| h.0)),
            });
        }
        Ok((
            PlanVersion {
                id,
                service_date: v.service_date,
                version,
                policy: v.policy.clone(),
                approved_at,
            },
            created,
        ))
    })
}

/// Every approved version, oldest first.
pub fn versions(conn: &mut DbConnection) -> Result<Vec<PlanVersion>, StoreError> {
    Ok(plan_versions::table
        .order((plan_versions::service_date, plan_versions::version))
        .select((
            plan_versions::id,
            plan_versions::service_date,
            plan_versions::version,
            plan_versions::policy,
            plan_versions::approved_at,
        ))
        .load::<(i64, NaiveDate, i64, String, chrono::NaiveDateTime)>(conn)?
        .into_iter()
        .map(
            |(id, service_date, version, policy, approved_at)| PlanVersion {
                id,
                service_date,
                version,
                policy,
                approved_at,
            },
        )
        .collect())
}

/// The trips a version created, by batch code.
pub fn version_trips(
    conn: &mut DbConnection,
    version: i64,
) -> Result<Vec<ApprovedTrip>, StoreError> {
    Ok(trips::table
        .filter(trips::plan_version_id.eq(version))
        .order(trips::id)
        .select((
            trips::id,
            trips::batch_code,
            trips::port_id,
            trips::origin_hotel_id,
        ))
        .load::<(i64, Option<String>, i64, Option<i64>)>(conn)?
        .into_iter()
        .map(|(id, code, port, hotel)| ApprovedTrip {
            batch_code: code.unwrap_or_default(),
            trip: BatchId(id),
            origin: TripOrigin::of(port, hotel),
        })
        .collect())
}

/// Vehicles by plate, for resolving a plan's vehicle codes.
pub fn vehicles_by_plate(conn: &mut DbConnection) -> Result<HashMap<String, i64>, StoreError> {
    Ok(vehicles::table
        .select((vehicles::plate, vehicles::id))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect())
}

/// Crew members by staff number, for resolving a plan's crew codes.
pub fn crew_by_staff_no(conn: &mut DbConnection) -> Result<HashMap<String, i64>, StoreError> {
    Ok(crew_members::table
        .select((crew_members::staff_no, crew_members::id))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect())
}

/// Which of `ids` are stored travelers, for resolving a plan's traveler codes (an arrival's
/// and a stay's alike: both are the store's ids).
pub fn known_travelers(conn: &mut DbConnection, ids: &[i64]) -> Result<HashSet<i64>, StoreError> {
    let mut found = HashSet::with_capacity(ids.len());
    // Bounded lists: SQLite allows at most 32,766 bound parameters in one statement.
    for chunk in ids.chunks(10_000) {
        found.extend(
            travelers::table
                .filter(travelers::id.eq_any(chunk))
                .select(travelers::id)
                .load::<i64>(conn)?,
        );
    }
    Ok(found)
}

/// The day's latest approved version, with its plan as approved (JSON).
pub fn current(
    conn: &mut DbConnection,
    date: NaiveDate,
) -> Result<Option<(PlanVersion, String)>, StoreError> {
    let last: Option<i64> = plan_versions::table
        .filter(plan_versions::service_date.eq(date))
        .select(diesel::dsl::max(plan_versions::version))
        .first(conn)?;
    match last {
        Some(v) => version_of(conn, date, v),
        None => Ok(None),
    }
}

/// Version `version` of the day, with its plan as approved (JSON).
pub fn version_of(
    conn: &mut DbConnection,
    date: NaiveDate,
    version: i64,
) -> Result<Option<(PlanVersion, String)>, StoreError> {
    Ok(plan_versions::table
        .filter(plan_versions::service_date.eq(date))
        .filter(plan_versions::version.eq(version))
        .select((
            plan_versions::id,
            plan_versions::service_date,
            plan_versions::version,
            plan_versions::policy,
            plan_versions::approved_at,
            plan_versions::plan,
        ))
        .first::<(i64, NaiveDate, i64, String, chrono::NaiveDateTime, String)>(conn)
        .optional()?
        .map(|(id, service_date, version, policy, approved_at, plan)| {
            (
                PlanVersion {
                    id,
                    service_date,
                    version,
                    policy,
                    approved_at,
                },
                plan,
            )
        }))
}
