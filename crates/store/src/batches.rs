//! The facts the web service's batch lists, route maps and hotel occupancy read: trips with
//! their codes and plates, the places a trip calls at, which travelers its crew handed over,
//! and every stay a hotel's rows imply (bound for it, handed over to it, leaving it). Reads
//! only; what they mean is the app layer's.

use crate::schema::{
    arrivals, handover_travelers, handovers, hospitals, hotels, ports, travelers, trip_travelers,
    trips, vehicles,
};
use crate::{DbConnection, StoreError};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Every trip's id, in order.
pub fn trip_ids(conn: &mut DbConnection) -> Result<Vec<i64>, StoreError> {
    Ok(trips::table.select(trips::id).order(trips::id).load(conn)?)
}

/// The batch code (of an approved plan; none for a trip the desk planned by hand) and the
/// vehicle's plate of each trip.
pub fn labels(
    conn: &mut DbConnection,
    ids: &[i64],
) -> Result<HashMap<i64, (Option<String>, String)>, StoreError> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(i64, Option<String>, String)> = trips::table
            .inner_join(vehicles::table)
            .filter(trips::id.eq_any(chunk))
            .select((trips::id, trips::batch_code, vehicles::plate))
            .load(conn)?;
        out.extend(rows.into_iter().map(|(id, c, p)| (id, (c, p))));
    }
    Ok(out)
}

/// A place a trip boards at or calls at, with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceRow {
    /// port, hotel or hospital.
    pub kind: &'static str,
    pub id: i64,
    pub code: String,
    pub name_en: String,
    pub name_zh: String,
    pub lat: f64,
    pub lon: f64,
}

type PlaceCols = (i64, String, String, String, f64, f64);

fn place(kind: &'static str, row: Option<PlaceCols>) -> Option<PlaceRow> {
    row.map(|(id, code, name_en, name_zh, lat, lon)| PlaceRow {
        kind,
        id,
        code,
        name_en,
        name_zh,
        lat,
        lon,
    })
}

pub fn port(conn: &mut DbConnection, id: i64) -> Result<Option<PlaceRow>, StoreError> {
    let row = ports::table
        .find(id)
        .select((
            ports::id,
            ports::code,
            ports::name_en,
            ports::name_zh,
            ports::lat,
            ports::lon,
        ))
        .first::<PlaceCols>(conn)
        .optional()?;
    Ok(place("port", row))
}

pub fn hotel(conn: &mut DbConnection, id: i64) -> Result<Option<PlaceRow>, StoreError> {
    let row = hotels::table
        .find(id)
        .select((
            hotels::id,
            hotels::code,
            hotels::name_en,
            hotels::name_zh,
            hotels::lat,
            hotels::lon,
        ))
        .first::<PlaceCols>(conn)
        .optional()?;
    Ok(place("hotel", row))
}

pub fn hospital(conn: &mut DbConnection, id: i64) -> Result<Option<PlaceRow>, StoreError> {
    let row = hospitals::table
        .find(id)
        .select((
            hospitals::id,
            hospitals::code,
            hospitals::name_en,
            hospitals::name_zh,
            hospitals::lat,
            hospitals::lon,
        ))
        .first::<PlaceCols>(conn)
        .optional()?;
    Ok(place("hospital", row))
}

/// Where each traveler of a trip is going (hotel, home, hospital), by traveler id.
pub fn destination_kinds(
    conn: &mut DbConnection,
    trip: i64,
) -> Result<HashMap<i64, String>, StoreError> {
    let rows: Vec<(i64, String)> = trip_travelers::table
        .inner_join(travelers::table)
        .filter(trip_travelers::trip_id.eq(trip))
        .select((trip_travelers::traveler_id, travelers::destination_kind))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// The travelers the crew of `trip` handed over to someone (delivered at a stop).
pub fn handed_over(conn: &mut DbConnection, trip: i64) -> Result<BTreeSet<i64>, StoreError> {
    Ok(handover_travelers::table
        .inner_join(handovers::table)
        .filter(handovers::trip_id.eq(trip))
        .filter(handovers::giver_role.eq("crew"))
        .filter(handovers::receiver_role.ne("crew"))
        .select(handover_travelers::traveler_id)
        .load::<i64>(conn)?
        .into_iter()
        .collect())
}

/// One traveler's stay at a hotel as the rows imply it.
#[derive(Debug, Clone, PartialEq)]
pub struct StayFacts {
    pub traveler: i64,
    pub family_group: Option<String>,
    /// Comma-separated codes (`wheelchair` needs an accessible room).
    pub special_needs: String,
    /// The arrival's service day (the policy in force is that day's).
    pub arrived_on: NaiveDate,
    /// When the trip bound for the hotel is planned to arrive (else when it ends).
    pub due_at: NaiveDateTime,
    /// When the hotel's staff took them over, if they did.
    pub handed_over_at: Option<NaiveDateTime>,
    /// When a trip from the hotel (a second transfer) takes them away, if one is planned.
    pub leaves_at: Option<NaiveDateTime>,
}

/// The stays at hotel `hotel`: every traveler bound for it on a trip not cancelled, or handed
/// over to its staff.
pub fn hotel_stays(conn: &mut DbConnection, hotel: i64) -> Result<Vec<StayFacts>, StoreError> {
    let bound: Vec<(i64, NaiveDateTime, Option<NaiveDateTime>)> = trip_travelers::table
        .inner_join(trips::table)
        .inner_join(travelers::table)
        .filter(trip_travelers::destination_id.eq(hotel))
        .filter(travelers::destination_kind.eq("hotel"))
        .filter(trips::state.ne("cancelled"))
        .select((
            trip_travelers::traveler_id,
            trips::ended_at,
            trips::planned_arrival,
        ))
        .load(conn)?;
    let received: Vec<(i64, NaiveDateTime)> = handover_travelers::table
        .inner_join(handovers::table)
        .filter(handovers::receiver_role.eq("hotel_staff"))
        .filter(handovers::receiver_id.eq(hotel))
        .select((handover_travelers::traveler_id, handovers::at))
        .load(conn)?;
    let leaving: Vec<(i64, NaiveDateTime)> = trip_travelers::table
        .inner_join(trips::table)
        .filter(trips::origin_hotel_id.eq(hotel))
        .filter(trips::state.ne("cancelled"))
        .select((trip_travelers::traveler_id, trips::started_at))
        .load(conn)?;
    let mut due: BTreeMap<i64, NaiveDateTime> = BTreeMap::new();
    for (t, ended, planned) in bound {
        let at = planned.unwrap_or(ended);
        due.entry(t).and_modify(|d| *d = (*d).min(at)).or_insert(at);
    }
    let mut took: BTreeMap<i64, NaiveDateTime> = BTreeMap::new();
    for (t, at) in received {
        took.entry(t)
            .and_modify(|d| *d = (*d).min(at))
            .or_insert(at);
        due.entry(t).or_insert(at);
    }
    let mut leaves: BTreeMap<i64, NaiveDateTime> = BTreeMap::new();
    for (t, at) in leaving {
        leaves
            .entry(t)
            .and_modify(|d| *d = (*d).max(at))
            .or_insert(at);
    }
    let ids: Vec<i64> = due.keys().copied().collect();
    let mut facts: HashMap<i64, (Option<String>, String, NaiveDate)> = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(i64, Option<String>, String, NaiveDate)> = travelers::table
            .inner_join(arrivals::table)
            .filter(travelers::id.eq_any(chunk))
            .select((
                travelers::id,
                travelers::family_group,
                travelers::special_needs,
                arrivals::service_date,
            ))
            .load(conn)?;
        facts.extend(rows.into_iter().map(|(id, f, s, d)| (id, (f, s, d))));
    }
    Ok(due
        .into_iter()
        .filter_map(|(t, due_at)| {
            let (family_group, special_needs, arrived_on) = facts.remove(&t)?;
            Some(StayFacts {
                traveler: t,
                family_group,
                special_needs,
                arrived_on,
                due_at,
                handed_over_at: took.get(&t).copied(),
                leaves_at: leaves.get(&t).copied(),
            })
        })
        .collect())
}

/// A hotel's id, rooms and accessible rooms, by its code.
pub fn hotel_rooms(
    conn: &mut DbConnection,
    code: &str,
) -> Result<Option<(i64, i64, i64)>, StoreError> {
    Ok(hotels::table
        .filter(hotels::code.eq(code))
        .select((hotels::id, hotels::rooms, hotels::accessible_rooms))
        .first(conn)
        .optional()?)
}
