//! The custody record: vehicles, crew, trips (batch runs), disinfections and hand-overs, and
//! the input contact tracing reads from them.
//!
//! Hand-overs are written only by the desk path (`desk::Desk::confirm_handover`: the code, the
//! head-count, the custody rules and the loops), each together with its ledger entry in one
//! transaction: the `handovers` row carries the entry's `ledger_seq`, so there is no hand-over
//! the ledger does not know and no entry without its row.

use crate::schema::{
    crew_members, disinfections, handover_travelers, handovers, trip_crew, trip_travelers, trips,
    vehicles,
};
use crate::{DbConnection, StoreError};
use chrono::NaiveDateTime;
use closedloop_handover::place::HandoverPlace;
use closedloop_ledger::entry::{Coords, HandOver as LedgerHandOver, Id, Party, Place, PlaceKind};
use closedloop_ledger::{Body, HeadSigner, Pepper, TravelerRef};
use closedloop_trace as trace;
use diesel::prelude::*;
use std::collections::HashMap;

/// Who takes part in a hand-over, as stored (`giver_role`, `receiver_role`): the one role
/// vocabulary of `closedloop_domain::role`. For [`Crew`] the party id is the `crew_members`
/// id, so a crew member who signs is the one who rode.
///
/// [`Crew`]: PartyRole::Crew
pub use closedloop_domain::role::{PartyKey, PartyRole};

/// A stored role code; `hospital`, as loops stored it before the one vocabulary, still reads.
pub(crate) fn stored_role(code: &str) -> Result<PartyRole, StoreError> {
    code.parse()
        .map_err(|_| StoreError::UnknownRole(code.to_string()))
}

fn trace_role(role: PartyRole) -> trace::Role {
    match role {
        PartyRole::PortStaff => trace::Role::PortStaff,
        PartyRole::Crew => trace::Role::Crew,
        PartyRole::HotelStaff => trace::Role::HotelStaff,
        PartyRole::CommunityStaff => trace::Role::CommunityStaff,
        PartyRole::HospitalStaff => trace::Role::Hospital,
    }
}

/// Where a hand-over between these roles happens, for the ledger's place.
/// The ledger's word for where the hand-over rules say it happened.
fn ledger_place(p: HandoverPlace) -> PlaceKind {
    match p {
        HandoverPlace::Port => PlaceKind::Port,
        HandoverPlace::Hotel => PlaceKind::Hotel,
        HandoverPlace::Hospital => PlaceKind::Hospital,
        HandoverPlace::Home => PlaceKind::Home,
        HandoverPlace::Vehicle => PlaceKind::Vehicle,
    }
}

pub fn add_vehicle(conn: &mut DbConnection, plate: &str, seats: i64) -> Result<i64, StoreError> {
    crate::write_transaction(conn, |conn| {
        Ok(diesel::insert_into(vehicles::table)
            .values((vehicles::plate.eq(plate), vehicles::seats.eq(seats)))
            .returning(vehicles::id)
            .get_result(conn)?)
    })
}

/// A driver or escort; `role` is free text for the desk (e.g. `driver`, `escort`).
pub fn add_crew(
    conn: &mut DbConnection,
    staff_no: &str,
    name: &str,
    role: &str,
) -> Result<i64, StoreError> {
    crate::write_transaction(conn, |conn| {
        Ok(diesel::insert_into(crew_members::table)
            .values((
                crew_members::staff_no.eq(staff_no),
                crew_members::name.eq(name),
                crew_members::role.eq(role),
            ))
            .returning(crew_members::id)
            .get_result(conn)?)
    })
}

/// One vehicle trip from a port, with who rode it, recorded after the fact
/// ([`crate::desk::Desk::record_trip`], which writes its TripState entry too). Times are UTC.
#[derive(Debug, Clone)]
pub struct NewTrip {
    pub vehicle_id: i64,
    pub port_id: i64,
    pub started_at: NaiveDateTime,
    pub ended_at: NaiveDateTime,
    pub crew: Vec<i64>,
    pub travelers: Vec<i64>,
}

pub fn add_disinfection(
    conn: &mut DbConnection,
    vehicle_id: i64,
    at: NaiveDateTime,
) -> Result<i64, StoreError> {
    crate::write_transaction(conn, |conn| {
        Ok(diesel::insert_into(disinfections::table)
            .values((
                disinfections::vehicle_id.eq(vehicle_id),
                disinfections::at.eq(at),
            ))
            .returning(disinfections::id)
            .get_result(conn)?)
    })
}

/// A hand-over of custody as a desk records it. `expected` is the head-count the giver's
/// list says, `counted` the one both parties confirmed.
#[derive(Debug, Clone)]
pub struct NewHandover {
    pub trip_id: Option<i64>,
    pub giver: PartyKey,
    pub receiver: PartyKey,
    pub at: NaiveDateTime,
    /// Where it happened; not stored in the ledger for a home (personal data).
    pub position: Option<(f64, f64)>,
    pub expected: i64,
    pub counted: i64,
    pub travelers: Vec<i64>,
    /// From one crew to another: the receiving crew's trip, which the travelers' loops follow
    /// from then on (the ledger's `to_batch`).
    pub to_trip: Option<i64>,
}

/// The keys an append needs: the head signer and the pepper of traveler references.
#[derive(Clone, Copy)]
pub struct LedgerKeys<'a> {
    pub signer: &'a HeadSigner,
    pub pepper: &'a Pepper,
}

/// A hand-over's party as the ledger names it.
pub(crate) fn ledger_party(p: PartyKey) -> Party {
    Party {
        role: p.role.into(),
        id: Id::from_key(p.id),
    }
}

/// A hand-over's batch as the ledger names it (`none` without a trip).
pub(crate) fn ledger_batch(trip: Option<i64>) -> Id {
    match trip {
        Some(t) => Id::from_key(t),
        None => Id::new("none").expect("a valid id"),
    }
}

/// Where a hand-over between these roles happened, as the ledger words it: the place the
/// hand-over rules say, with the position where that place keeps one.
pub(crate) fn handover_place(
    giver: PartyRole,
    receiver: PartyRole,
    position: Option<(f64, f64)>,
) -> Result<Place, StoreError> {
    let place = HandoverPlace::of(giver, receiver);
    let coords = match position {
        Some((lat, lon)) if place.keeps_position() => Some(Coords::from_degrees(lat, lon)?),
        _ => None,
    };
    Ok(Place {
        kind: ledger_place(place),
        id: None,
        coords,
    })
}

/// The ledger entry of a hand-over (no personal data: ids and keyed traveler references).
pub fn handover_body(h: &NewHandover, pepper: &Pepper) -> Result<Body, StoreError> {
    Ok(Body::HandOver(LedgerHandOver {
        batch: ledger_batch(h.trip_id),
        from: ledger_party(h.giver),
        to: ledger_party(h.receiver),
        place: handover_place(h.giver.role, h.receiver.role, h.position)?,
        head_count: u32::try_from(h.counted).unwrap_or(u32::MAX),
        travelers: h
            .travelers
            .iter()
            .map(|&t| TravelerRef::from_key(pepper, t))
            .collect(),
        to_batch: h.to_trip.map(Id::from_key),
    }))
}

/// Stores one hand-over and its travelers under ledger entry `seq`; returns its id.
pub(crate) fn insert_handover(
    conn: &mut DbConnection,
    h: &NewHandover,
    seq: i64,
) -> Result<i64, StoreError> {
    let id = diesel::insert_into(handovers::table)
        .values((
            handovers::trip_id.eq(h.trip_id),
            handovers::giver_role.eq(h.giver.role.code()),
            handovers::giver_id.eq(h.giver.id),
            handovers::receiver_role.eq(h.receiver.role.code()),
            handovers::receiver_id.eq(h.receiver.id),
            handovers::at.eq(h.at),
            handovers::lat.eq(h.position.map(|p| p.0)),
            handovers::lon.eq(h.position.map(|p| p.1)),
            handovers::expected.eq(h.expected),
            handovers::counted.eq(h.counted),
            handovers::ledger_seq.eq(seq),
        ))
        .returning(handovers::id)
        .get_result::<i64>(conn)?;
    for &t in &h.travelers {
        diesel::insert_into(handover_travelers::table)
            .values((
                handover_travelers::handover_id.eq(id),
                handover_travelers::traveler_id.eq(t),
            ))
            .execute(conn)?;
    }
    Ok(id)
}

/// What [`trace::Record::build`] takes, read from the custody tables.
#[derive(Debug, Clone, Default)]
pub struct TraceInput {
    pub trips: Vec<trace::Trip>,
    pub disinfections: Vec<trace::Disinfection>,
    pub hand_overs: Vec<trace::HandOver>,
}

impl TraceInput {
    pub fn build(&self) -> Result<trace::Record, trace::TraceError> {
        trace::Record::build(&self.trips, &self.disinfections, &self.hand_overs)
    }
}

fn unix(t: NaiveDateTime) -> i64 {
    t.and_utc().timestamp()
}

/// Reads the whole custody record for contact tracing.
pub fn load_trace_input(conn: &mut DbConnection) -> Result<TraceInput, StoreError> {
    let mut crew: HashMap<i64, Vec<trace::CrewId>> = HashMap::new();
    for (t, c) in trip_crew::table
        .select((trip_crew::trip_id, trip_crew::crew_id))
        .order((trip_crew::trip_id, trip_crew::crew_id))
        .load::<(i64, i64)>(conn)?
    {
        crew.entry(t).or_default().push(trace::CrewId(c));
    }
    let mut riders: HashMap<i64, Vec<trace::TravelerId>> = HashMap::new();
    for (t, r) in trip_travelers::table
        .select((trip_travelers::trip_id, trip_travelers::traveler_id))
        .order((trip_travelers::trip_id, trip_travelers::traveler_id))
        .load::<(i64, i64)>(conn)?
    {
        riders.entry(t).or_default().push(trace::TravelerId(r));
    }
    let trips = trips::table
        .select((
            trips::id,
            trips::vehicle_id,
            trips::started_at,
            trips::ended_at,
        ))
        .order(trips::id)
        .load::<(i64, i64, NaiveDateTime, NaiveDateTime)>(conn)?
        .into_iter()
        .map(|(id, vehicle, start, end)| trace::Trip {
            id: trace::TripId(id),
            vehicle: trace::VehicleId(vehicle),
            crew: crew.remove(&id).unwrap_or_default(),
            travelers: riders.remove(&id).unwrap_or_default(),
            start: unix(start),
            end: unix(end),
        })
        .collect();
    let disinfections = disinfections::table
        .select((disinfections::vehicle_id, disinfections::at))
        .order(disinfections::id)
        .load::<(i64, NaiveDateTime)>(conn)?
        .into_iter()
        .map(|(v, at)| trace::Disinfection {
            vehicle: trace::VehicleId(v),
            at: unix(at),
        })
        .collect();
    let mut handed: HashMap<i64, Vec<trace::TravelerId>> = HashMap::new();
    for (h, t) in handover_travelers::table
        .select((
            handover_travelers::handover_id,
            handover_travelers::traveler_id,
        ))
        .order((
            handover_travelers::handover_id,
            handover_travelers::traveler_id,
        ))
        .load::<(i64, i64)>(conn)?
    {
        handed.entry(h).or_default().push(trace::TravelerId(t));
    }
    type Row = (i64, Option<i64>, String, i64, String, i64, NaiveDateTime);
    let rows = handovers::table
        .select((
            handovers::id,
            handovers::trip_id,
            handovers::giver_role,
            handovers::giver_id,
            handovers::receiver_role,
            handovers::receiver_id,
            handovers::at,
        ))
        .order(handovers::id)
        .load::<Row>(conn)?;
    let party = |role: &str, id: i64| -> Result<trace::Party, StoreError> {
        Ok(trace::Party {
            role: trace_role(stored_role(role)?),
            id: trace::PartyId(id),
            name_ref: String::new(),
        })
    };
    let mut hand_overs = Vec::with_capacity(rows.len());
    for (id, trip, giver_role, giver_id, receiver_role, receiver_id, at) in rows {
        hand_overs.push(trace::HandOver {
            trip: trip.map(trace::TripId),
            giver: party(&giver_role, giver_id)?,
            receiver: party(&receiver_role, receiver_id)?,
            travelers: handed.remove(&id).unwrap_or_default(),
            at: unix(at),
        });
    }
    Ok(TraceInput {
        trips,
        disinfections,
        hand_overs,
    })
}
