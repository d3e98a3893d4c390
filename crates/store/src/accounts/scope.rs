//! The facts an object rule reads: the trips a crew member crews, the crew of a trip, and the
//! travelers of some trips, of a hotel and of a port. Which of these a role may see is
//! decided in `closedloop_app::accounts`.

use crate::schema::{arrivals, traveler_loops, travelers, trip_crew, trip_travelers, trips};
use crate::{DbConnection, StoreError};
use diesel::prelude::*;
use std::collections::BTreeSet;

/// The trips (batches) this crew member is on, in id order.
pub fn crew_trips(conn: &mut DbConnection, crew_id: i64) -> Result<Vec<i64>, StoreError> {
    Ok(trip_crew::table
        .filter(trip_crew::crew_id.eq(crew_id))
        .select(trip_crew::trip_id)
        .order(trip_crew::trip_id)
        .load(conn)?)
}

/// The crew of a trip, by id.
pub fn crew_of_trip(conn: &mut DbConnection, trip_id: i64) -> Result<Vec<i64>, StoreError> {
    crate::desk::trip_crew_ids(conn, trip_id)
}

/// The travelers riding any of `trips`.
pub fn riders(conn: &mut DbConnection, trips: &[i64]) -> Result<BTreeSet<i64>, StoreError> {
    if trips.is_empty() {
        return Ok(BTreeSet::new());
    }
    let ids: Vec<i64> = trip_travelers::table
        .filter(trip_travelers::trip_id.eq_any(trips))
        .select(trip_travelers::traveler_id)
        .load(conn)?;
    Ok(ids.into_iter().collect())
}

/// The travelers a hotel has to do with: bound for it (a stop of a trip whose destination is
/// the hotel, for a traveler going to a hotel), in its custody or delivered to it (their loop),
/// or leaving it on a second transfer (a trip that boards at the hotel).
pub fn hotel_travelers(
    conn: &mut DbConnection,
    hotel_id: i64,
) -> Result<BTreeSet<i64>, StoreError> {
    let mut ids: BTreeSet<i64> = trip_travelers::table
        .inner_join(travelers::table)
        .filter(trip_travelers::destination_id.eq(hotel_id))
        .filter(travelers::destination_kind.eq("hotel"))
        .select(trip_travelers::traveler_id)
        .load::<i64>(conn)?
        .into_iter()
        .collect();
    ids.extend(
        traveler_loops::table
            .filter(traveler_loops::party.eq("hotel_staff"))
            .filter(traveler_loops::party_id.eq(hotel_id))
            .select(traveler_loops::traveler_id)
            .load::<i64>(conn)?,
    );
    ids.extend(
        trip_travelers::table
            .inner_join(trips::table)
            .filter(trips::origin_hotel_id.eq(hotel_id))
            .select(trip_travelers::traveler_id)
            .load::<i64>(conn)?,
    );
    Ok(ids)
}

/// The travelers who arrived at this port.
pub fn port_travelers(conn: &mut DbConnection, port_id: i64) -> Result<BTreeSet<i64>, StoreError> {
    Ok(travelers::table
        .inner_join(arrivals::table)
        .filter(arrivals::port_id.eq(port_id))
        .select(travelers::id)
        .load::<i64>(conn)?
        .into_iter()
        .collect())
}

/// The trips that board at this port (not second transfers from a hotel).
pub fn port_trips(conn: &mut DbConnection, port_id: i64) -> Result<Vec<i64>, StoreError> {
    Ok(trips::table
        .filter(trips::port_id.eq(port_id))
        .filter(trips::origin_hotel_id.is_null())
        .select(trips::id)
        .order(trips::id)
        .load(conn)?)
}

/// The trips with a stop at this hotel (for a traveler going to a hotel) or boarding at it.
pub fn hotel_trips(conn: &mut DbConnection, hotel_id: i64) -> Result<Vec<i64>, StoreError> {
    let mut ids: BTreeSet<i64> = trip_travelers::table
        .inner_join(travelers::table)
        .filter(trip_travelers::destination_id.eq(hotel_id))
        .filter(travelers::destination_kind.eq("hotel"))
        .select(trip_travelers::trip_id)
        .load::<i64>(conn)?
        .into_iter()
        .collect();
    ids.extend(
        trips::table
            .filter(trips::origin_hotel_id.eq(hotel_id))
            .select(trips::id)
            .load::<i64>(conn)?,
    );
    Ok(ids.into_iter().collect())
}
