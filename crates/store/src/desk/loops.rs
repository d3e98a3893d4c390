//! Each traveler's loop as stored: not yet in custody (no row), in the custody of one party,
//! or delivered. Open loops past their trip's planned arrival plus a margin are overdue.

use super::handover::row_status;
use crate::custody::{PartyRole, stored_role};
use crate::query::stored;
use crate::schema::{traveler_loops, trips};
use crate::{DbConnection, StoreError};
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use closedloop_domain::ids::{BatchId, PartyId, TravelerId};
use closedloop_handover::{LoopStatus, due_at, overdue};
use diesel::prelude::*;
use serde::Serialize;

/// One traveler's loop, as `closedloop loops` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct LoopRow {
    pub traveler: TravelerId,
    pub status: LoopState,
    /// The holder, or the receiver that closed the loop: port_staff (id: the port), crew (id:
    /// the trip), hotel_staff, community_staff or hospital_staff (id: the destination). Rows
    /// stored as `hospital` before the one role vocabulary read as hospital_staff.
    pub party: PartyRole,
    pub party_id: PartyId,
    pub since: NaiveDateTime,
    pub trip: Option<BatchId>,
    /// When the traveler's trip is planned to arrive (its planned arrival, else its end).
    pub planned_arrival: Option<NaiveDateTime>,
    pub overdue: bool,
}

/// Where a stored loop stands; no row means not yet in custody. Stored and serialised as
/// `in_custody` / `delivered`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LoopState {
    InCustody,
    /// Final: the traveler is inside quarantine or care.
    Delivered,
}

impl LoopState {
    pub fn code(self) -> &'static str {
        match self {
            LoopState::InCustody => "in_custody",
            LoopState::Delivered => "delivered",
        }
    }
}

impl std::str::FromStr for LoopState {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "in_custody" => Ok(LoopState::InCustody),
            "delivered" => Ok(LoopState::Delivered),
            _ => Err(()),
        }
    }
}

type Row = (
    i64,
    String,
    String,
    i64,
    NaiveDateTime,
    Option<i64>,
    Option<i64>,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
);

/// Loops in custody (and delivered ones with `include_delivered`), by traveler; `overdue`
/// against `now` and `margin`.
pub fn loops(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    margin: TimeDelta,
    include_delivered: bool,
) -> Result<Vec<LoopRow>, StoreError> {
    let mut q = traveler_loops::table
        .left_join(trips::table)
        .select((
            traveler_loops::traveler_id,
            traveler_loops::status,
            traveler_loops::party,
            traveler_loops::party_id,
            traveler_loops::since,
            traveler_loops::handover_id,
            traveler_loops::trip_id,
            trips::planned_arrival.nullable(),
            trips::ended_at.nullable(),
        ))
        .order(traveler_loops::traveler_id)
        .into_boxed();
    if !include_delivered {
        q = q.filter(traveler_loops::status.eq(LoopState::InCustody.code()));
    }
    let rows: Vec<Row> = q.load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for (traveler, status, party, party_id, since, handover, trip, planned, ended) in rows {
        let row = format!("loop of traveler {traveler}");
        let state: LoopState = stored(&row, "status", &status)?;
        let s = row_status(state.code(), &party, party_id, since, handover)?;
        let due = due_at(planned.map(|p| p.and_utc()), ended.map(|e| e.and_utc()));
        out.push(LoopRow {
            traveler: TravelerId(traveler),
            status: state,
            party: stored_role(&party)?,
            party_id: PartyId(party_id),
            since,
            trip: trip.map(BatchId),
            planned_arrival: due.map(|d| d.naive_utc()),
            overdue: due.is_some_and(|d| overdue(&s, d, margin, now)),
        });
    }
    Ok(out)
}

/// One traveler's loop status.
pub fn loop_status(
    conn: &mut DbConnection,
    traveler: TravelerId,
) -> Result<LoopStatus, StoreError> {
    let row = traveler_loops::table
        .find(traveler.0)
        .select((
            traveler_loops::status,
            traveler_loops::party,
            traveler_loops::party_id,
            traveler_loops::since,
            traveler_loops::handover_id,
        ))
        .first::<(String, String, i64, NaiveDateTime, Option<i64>)>(conn)
        .optional()?;
    match row {
        None => Ok(LoopStatus::NotInCustody),
        Some((status, party, id, since, handover)) => {
            row_status(&status, &party, id, since, handover)
        }
    }
}
