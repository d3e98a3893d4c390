//! What the daily report (日通报) counts, loaded as facts: the ports and hotels by name, the
//! arrivals of one service date per port, every hand-over with its parties and its travelers,
//! the trips' origins and every incident's times. Counts only — no name, document, phone or
//! free text is read. Everything is read in one transaction, so the facts are one snapshot;
//! what they add up to is `closedloop_app::report`'s to say.

use crate::custody::stored_role;
use crate::models::PortRow;
use crate::query::stored;
use crate::schema::{
    arrivals, handover_travelers, handovers, hotels, incidents, ports, travelers, trips,
};
use crate::{DbConnection, StoreError};
use chrono::{NaiveDate, NaiveDateTime};
use closedloop_domain::role::PartyRole;
use closedloop_handover::IncidentKind;
use diesel::dsl::count_star;
use diesel::prelude::*;

/// A quarantine hotel's code and names (hand-overs to hotel staff name it by id).
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct HotelName {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

/// Arrivals (flights, trains) of one service date at one port, and the travelers on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortArrivals {
    pub port_id: i64,
    pub arrivals: u32,
    pub travelers: u32,
}

/// One stored hand-over: who gave, who received, when, on which trip, how many travelers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandoverFact {
    pub id: i64,
    pub trip: Option<i64>,
    pub giver: PartyRole,
    pub giver_id: i64,
    pub receiver: PartyRole,
    pub receiver_id: i64,
    /// UTC.
    pub at: NaiveDateTime,
    pub travelers: u32,
}

/// Where a trip set out from: its port, or the hotel of a second transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TripOrigin {
    pub trip: i64,
    pub port_id: i64,
    pub origin_hotel: Option<i64>,
}

/// One incident's kind and times (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IncidentFact {
    pub id: i64,
    pub kind: IncidentKind,
    pub at: NaiveDateTime,
    pub resolved_at: Option<NaiveDateTime>,
}

/// Everything the daily report of `service_date` is computed from.
#[derive(Debug, Clone, Default)]
pub struct ReportFacts {
    pub ports: Vec<PortRow>,
    pub hotels: Vec<HotelName>,
    /// Only the ports with arrivals on the service date.
    pub arrivals: Vec<PortArrivals>,
    /// Every hand-over, in id order.
    pub handovers: Vec<HandoverFact>,
    /// (traveler, hand-over) for every traveler of every hand-over, by hand-over id.
    pub moves: Vec<(i64, i64)>,
    pub trips: Vec<TripOrigin>,
    pub incidents: Vec<IncidentFact>,
}

fn count(row: &str, n: i64) -> Result<u32, StoreError> {
    u32::try_from(n).map_err(|_| StoreError::Corrupt(format!("{row}: count {n} out of range")))
}

fn role(row: &str, code: &str) -> Result<PartyRole, StoreError> {
    stored_role(code).map_err(|_| StoreError::Corrupt(format!("{row} has role {code:?}")))
}

/// The facts of the daily report whose arrivals are those of `service_date`, in one snapshot.
pub fn load(conn: &mut DbConnection, service_date: NaiveDate) -> Result<ReportFacts, StoreError> {
    crate::snapshot::read_snapshot(conn, |conn| {
        Ok(ReportFacts {
            ports: ports::table
                .select(PortRow::as_select())
                .order(ports::code)
                .load(conn)?,
            hotels: hotels::table
                .select((hotels::id, hotels::code, hotels::name_zh, hotels::name_en))
                .order(hotels::code)
                .load(conn)?,
            arrivals: arrivals_on(conn, service_date)?,
            handovers: handover_facts(conn)?,
            moves: handover_travelers::table
                .select((
                    handover_travelers::traveler_id,
                    handover_travelers::handover_id,
                ))
                .order((
                    handover_travelers::handover_id,
                    handover_travelers::traveler_id,
                ))
                .load(conn)?,
            trips: trips::table
                .select((trips::id, trips::port_id, trips::origin_hotel_id))
                .order(trips::id)
                .load::<(i64, i64, Option<i64>)>(conn)?
                .into_iter()
                .map(|(trip, port_id, origin_hotel)| TripOrigin {
                    trip,
                    port_id,
                    origin_hotel,
                })
                .collect(),
            incidents: incident_facts(conn)?,
        })
    })
}

fn arrivals_on(conn: &mut DbConnection, day: NaiveDate) -> Result<Vec<PortArrivals>, StoreError> {
    let flights: Vec<(i64, i64)> = arrivals::table
        .filter(arrivals::service_date.eq(day))
        .group_by(arrivals::port_id)
        .select((arrivals::port_id, count_star()))
        .order(arrivals::port_id)
        .load(conn)?;
    let people: Vec<(i64, i64)> = travelers::table
        .inner_join(arrivals::table)
        .filter(arrivals::service_date.eq(day))
        .group_by(arrivals::port_id)
        .select((arrivals::port_id, count_star()))
        .load(conn)?;
    flights
        .into_iter()
        .map(|(port_id, n)| {
            let row = format!("arrivals of port {port_id}");
            let on_board = people
                .iter()
                .find(|(p, _)| *p == port_id)
                .map_or(0, |(_, k)| *k);
            Ok(PortArrivals {
                port_id,
                arrivals: count(&row, n)?,
                travelers: count(&row, on_board)?,
            })
        })
        .collect()
}

type HandoverRow = (
    i64,
    Option<i64>,
    String,
    i64,
    String,
    i64,
    NaiveDateTime,
    i64,
);

fn handover_facts(conn: &mut DbConnection) -> Result<Vec<HandoverFact>, StoreError> {
    let rows: Vec<HandoverRow> = handovers::table
        .inner_join(handover_travelers::table)
        .group_by((
            handovers::id,
            handovers::trip_id,
            handovers::giver_role,
            handovers::giver_id,
            handovers::receiver_role,
            handovers::receiver_id,
            handovers::at,
        ))
        .select((
            handovers::id,
            handovers::trip_id,
            handovers::giver_role,
            handovers::giver_id,
            handovers::receiver_role,
            handovers::receiver_id,
            handovers::at,
            count_star(),
        ))
        .order(handovers::id)
        .load(conn)?;
    rows.into_iter()
        .map(
            |(id, trip, giver, giver_id, receiver, receiver_id, at, n)| {
                let row = format!("handover {id}");
                Ok(HandoverFact {
                    id,
                    trip,
                    giver: role(&row, &giver)?,
                    giver_id,
                    receiver: role(&row, &receiver)?,
                    receiver_id,
                    at,
                    travelers: count(&row, n)?,
                })
            },
        )
        .collect()
}

fn incident_facts(conn: &mut DbConnection) -> Result<Vec<IncidentFact>, StoreError> {
    let rows: Vec<(i64, String, NaiveDateTime, Option<NaiveDateTime>)> = incidents::table
        .select((
            incidents::id,
            incidents::kind,
            incidents::at,
            incidents::resolved_at,
        ))
        .order(incidents::id)
        .load(conn)?;
    rows.into_iter()
        .map(|(id, kind, at, resolved_at)| {
            Ok(IncidentFact {
                id,
                kind: stored(&format!("incident {id}"), "kind", &kind)?,
                at,
                resolved_at,
            })
        })
        .collect()
}
