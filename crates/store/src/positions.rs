//! Vehicle positions as the crews' phones report them, in batches: a batch is stored in one
//! transaction, a position already stored (the same vehicle at the same instant, a batch sent
//! again over a bad network) is skipped, and the latest position of each vehicle is read back
//! for the live map.

use crate::connection::DbConnection;
use crate::error::StoreError;
use chrono::NaiveDateTime;
use diesel::prelude::*;

diesel::table! {
    vehicle_positions (id) {
        id -> BigInt,
        vehicle_id -> BigInt,
        trip_id -> Nullable<BigInt>,
        at -> Timestamp,
        lat -> Double,
        lon -> Double,
        speed_kmh -> Nullable<Double>,
        heading_deg -> Nullable<Double>,
        accuracy_m -> Nullable<Double>,
        received_at -> Timestamp,
    }
}

/// One position of a vehicle.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = vehicle_positions)]
pub struct PositionRow {
    pub id: i64,
    pub vehicle_id: i64,
    pub trip_id: Option<i64>,
    pub at: NaiveDateTime,
    pub lat: f64,
    pub lon: f64,
    pub speed_kmh: Option<f64>,
    pub heading_deg: Option<f64>,
    pub accuracy_m: Option<f64>,
    pub received_at: NaiveDateTime,
}

/// A position to store.
#[derive(Debug, Clone, PartialEq, Insertable)]
#[diesel(table_name = vehicle_positions)]
pub struct NewPosition {
    pub vehicle_id: i64,
    pub trip_id: Option<i64>,
    pub at: NaiveDateTime,
    pub lat: f64,
    pub lon: f64,
    pub speed_kmh: Option<f64>,
    pub heading_deg: Option<f64>,
    pub accuracy_m: Option<f64>,
    pub received_at: NaiveDateTime,
}

/// Stores a batch in one transaction; returns how many positions were new (the rest were
/// stored already, or repeated in the batch).
pub fn insert_batch(conn: &mut DbConnection, batch: &[NewPosition]) -> Result<usize, StoreError> {
    use std::collections::HashSet;
    use vehicle_positions::dsl as p;
    crate::write_transaction(conn, |conn| {
        // Looked up first rather than caught: a unique violation would abort the whole
        // PostgreSQL transaction. One query per vehicle of the batch (a phone sends one).
        let mut seen: HashSet<(i64, NaiveDateTime)> = HashSet::new();
        let vehicles: HashSet<i64> = batch.iter().map(|pos| pos.vehicle_id).collect();
        for v in vehicles {
            let ats: Vec<NaiveDateTime> = batch
                .iter()
                .filter(|pos| pos.vehicle_id == v)
                .map(|pos| pos.at)
                .collect();
            let stored: Vec<NaiveDateTime> = p::vehicle_positions
                .filter(p::vehicle_id.eq(v))
                .filter(p::at.eq_any(ats))
                .select(p::at)
                .load(conn)?;
            seen.extend(stored.into_iter().map(|at| (v, at)));
        }
        let mut new = 0;
        for pos in batch {
            if seen.insert((pos.vehicle_id, pos.at)) {
                diesel::insert_into(p::vehicle_positions)
                    .values(pos)
                    .execute(conn)?;
                new += 1;
            }
        }
        Ok::<_, StoreError>(new)
    })
}

/// The latest position of every vehicle that reported one, by vehicle id.
pub fn latest(conn: &mut DbConnection) -> Result<Vec<PositionRow>, StoreError> {
    use vehicle_positions::dsl as p;
    let newest = diesel::alias!(vehicle_positions as newest);
    let rows = p::vehicle_positions
        .filter(diesel::dsl::not(diesel::dsl::exists(
            newest
                .filter(newest.field(p::vehicle_id).eq(p::vehicle_id))
                .filter(newest.field(p::at).gt(p::at)),
        )))
        .order(p::vehicle_id)
        .select(PositionRow::as_select())
        .load(conn)?;
    Ok(rows)
}

/// Up to `limit` positions stored after the one with id `after`, in id order: the live map's
/// feed.
pub fn after(
    conn: &mut DbConnection,
    after: i64,
    limit: i64,
) -> Result<Vec<PositionRow>, StoreError> {
    use vehicle_positions::dsl as p;
    Ok(p::vehicle_positions
        .filter(p::id.gt(after))
        .order(p::id)
        .limit(limit)
        .select(PositionRow::as_select())
        .load(conn)?)
}

/// The id of the last position stored (0 when none is).
pub fn last_id(conn: &mut DbConnection) -> Result<i64, StoreError> {
    use vehicle_positions::dsl as p;
    let last: Option<i64> = p::vehicle_positions
        .select(diesel::dsl::max(p::id))
        .first(conn)?;
    Ok(last.unwrap_or(0))
}

/// Whether a vehicle with this id is stored.
pub fn vehicle_exists(conn: &mut DbConnection, id: i64) -> Result<bool, StoreError> {
    use crate::schema::vehicles;
    let n: i64 = vehicles::table
        .filter(vehicles::id.eq(id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The vehicle of a trip, if the trip is stored.
pub fn trip_vehicle(conn: &mut DbConnection, trip: i64) -> Result<Option<i64>, StoreError> {
    use crate::schema::trips;
    Ok(trips::table
        .filter(trips::id.eq(trip))
        .select(trips::vehicle_id)
        .first(conn)
        .optional()?)
}
