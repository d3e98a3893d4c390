//! A planned batch changed before it is approved: its vehicle, crew and times rewritten in
//! place. Only a trip still `planned` is touched — no ledger entry names it yet, so nothing the
//! ledger recorded changes; from approval on, a batch changes through a re-plan.

use crate::schema::{crew_members, trip_crew, trips, vehicles};
use crate::{DbConnection, StoreError};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A vehicle's seats, if it exists.
pub fn vehicle_seats(conn: &mut DbConnection, id: i64) -> Result<Option<i64>, StoreError> {
    Ok(vehicles::table
        .find(id)
        .select(vehicles::seats)
        .first(conn)
        .optional()?)
}

/// Which of `ids` name no crew member.
pub fn missing_crew(conn: &mut DbConnection, ids: &[i64]) -> Result<Vec<i64>, StoreError> {
    let found: Vec<i64> = crew_members::table
        .filter(crew_members::id.eq_any(ids))
        .select(crew_members::id)
        .load(conn)?;
    Ok(ids.iter().filter(|i| !found.contains(i)).copied().collect())
}

/// What a planned trip becomes.
#[derive(Debug, Clone)]
pub struct Replanned<'a> {
    pub vehicle: i64,
    pub crew: &'a [i64],
    pub started_at: NaiveDateTime,
    pub ended_at: NaiveDateTime,
}

/// Rewrites trip `id` if it is still planned; whether it was.
pub fn rewrite_planned(
    conn: &mut DbConnection,
    id: i64,
    to: &Replanned<'_>,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        trips::table
            .filter(trips::id.eq(id))
            .filter(trips::state.eq("planned")),
    )
    .set((
        trips::vehicle_id.eq(to.vehicle),
        trips::started_at.eq(to.started_at),
        trips::ended_at.eq(to.ended_at),
        trips::planned_arrival.eq(Some(to.ended_at)),
    ))
    .execute(conn)?;
    if n == 0 {
        return Ok(false);
    }
    diesel::delete(trip_crew::table.filter(trip_crew::trip_id.eq(id))).execute(conn)?;
    let mut crew = to.crew.to_vec();
    crew.sort_unstable();
    crew.dedup();
    for c in crew {
        diesel::insert_into(trip_crew::table)
            .values((trip_crew::trip_id.eq(id), trip_crew::crew_id.eq(c)))
            .execute(conn)?;
    }
    Ok(true)
}
