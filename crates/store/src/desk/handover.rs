//! Hand-overs in two steps, as the phones do them. The giver starts one ([`start_handover`]):
//! the store loads the trips and every traveler's loop, `closedloop_handover::request` checks
//! them, and the store keeps a fresh 32-byte secret and returns the six-digit code the giver's
//! phone shows ([`handover_code`] shows it again, for any instant). The receiver confirms it
//! ([`Desk::confirm_handover`]) with that code and the head-count both counted; the rules
//! decide, and the store writes what they return — the hand-over row, its travelers, their
//! loops and the HandOver ledger entry together, or the incident a refusal opens.
//!
//! A wrong code moves nobody, but it is a failed attempt: the request's count of wrong codes
//! goes up and a CodeRejected ledger entry says so, committed before the refusal is returned;
//! at five the rules lock the request (`closedloop_handover::otp`) and only a new start gives a
//! new code. A head-count that differs from the list, confirmed with the right code, stores
//! nothing of the hand-over but opens an incident (with its ledger entry); the hand-over stays
//! pending for a recount. A hand-over from port staff also registers its travelers at the
//! port: their loop opens there. On a trip from a hotel (a second transfer) that hotel's staff
//! hand the travelers to the crew instead: the hotel that closed their first loop opens their
//! second, or registers them if the desk never recorded their first. A crew member named as a party must exist, and a destination
//! must be one of the trip's stops (`closedloop_handover::request`): otherwise nothing is
//! stored.

use super::incident::{NewIncident, open_in};
use super::trip::{TripRow, load_trip};
use super::{
    Desk, DeskError, Thing, millis, naive, not_found, party_code, party_from_code, require_crew,
    to_json, trip_crew_ids,
};
use crate::custody::{
    NewHandover, PartyKey, PartyRole, handover_body, insert_handover, stored_role,
};
use crate::schema::trip_travelers;
use crate::schema::{handover_requests, hotels, ports, traveler_loops};
use crate::{DbConnection, StoreError};
use chrono::{DateTime, Utc};
use closedloop_domain::geo::Coordinates;
use closedloop_domain::ids::{BatchId, CrewId, DestinationId, TravelerId, VehicleId};
use closedloop_handover::ids::HandoverId;
use closedloop_handover::otp::{self, HandoverSecret, OneTimeCode, WrongCodes};
use closedloop_handover::request::{
    self, Confirmation, Decision, IncidentToOpen, Origin, Request, TripFacts,
};
use closedloop_handover::{Custody, LoopStatus};
use closedloop_ledger::Body;
use closedloop_ledger::entry::{CodeRejected, Id};
use diesel::prelude::*;

/// What the giver starts: who hands whom to whom, on which trip.
#[derive(Debug, Clone)]
pub struct StartHandover {
    /// The crew side's trip: the receiving crew's for port staff → crew, else the giver's.
    pub trip_id: BatchId,
    /// Crew → crew only: the receiving crew's trip.
    pub to_trip_id: Option<BatchId>,
    /// For a crew party the id is the crew member who signs, one of the trip's crew; for
    /// hotel, community or hospital staff it names the destination.
    pub giver: PartyKey,
    pub receiver: PartyKey,
    pub giver_signer: String,
    pub travelers: Vec<TravelerId>,
    /// The head-count planned for this hand-over; by default, as many as listed.
    pub expected: Option<i64>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct StartedHandover {
    pub id: HandoverId,
    pub code: OneTimeCode,
    /// Until the code shown changes.
    pub seconds_left: i64,
}

#[derive(Debug, Clone)]
pub struct ConfirmHandover {
    pub id: HandoverId,
    pub code: String,
    pub counted: i64,
    pub receiver_signer: String,
    pub at: DateTime<Utc>,
    pub position: Option<(f64, f64)>,
}

#[derive(Debug, Clone)]
pub struct ConfirmedHandover {
    /// The stored hand-over (`handovers.id`).
    pub handover_id: i64,
    pub ledger_seq: i64,
    /// Each traveler's new loop status.
    pub changes: Vec<(TravelerId, LoopStatus)>,
}

struct Stored {
    s: StartHandover,
    secret: String,
    status: String,
    wrong_codes: WrongCodes,
}

fn load_request(conn: &mut DbConnection, id: HandoverId) -> Result<Stored, StoreError> {
    type Row = (
        i64,
        Option<i64>,
        String,
        i64,
        String,
        i64,
        String,
        i64,
        String,
        String,
        chrono::NaiveDateTime,
        String,
        i64,
    );
    let r: Row = handover_requests::table
        .find(id.0)
        .select((
            handover_requests::trip_id,
            handover_requests::to_trip_id,
            handover_requests::giver_role,
            handover_requests::giver_id,
            handover_requests::receiver_role,
            handover_requests::receiver_id,
            handover_requests::giver_signer,
            handover_requests::expected,
            handover_requests::travelers,
            handover_requests::secret,
            handover_requests::created_at,
            handover_requests::status,
            handover_requests::wrong_codes,
        ))
        .first(conn)
        .optional()?
        .ok_or_else(|| not_found(Thing::Handover, id.0))?;
    let travelers: Vec<i64> = serde_json::from_str(&r.8)
        .map_err(|e| StoreError::LedgerState(format!("handover_requests {id}: {e}")))?;
    Ok(Stored {
        s: StartHandover {
            trip_id: BatchId(r.0),
            to_trip_id: r.1.map(BatchId),
            giver: PartyKey {
                role: stored_role(&r.2)?,
                id: r.3,
            },
            receiver: PartyKey {
                role: stored_role(&r.4)?,
                id: r.5,
            },
            giver_signer: r.6,
            travelers: travelers.into_iter().map(TravelerId).collect(),
            expected: Some(r.7),
            at: r.10.and_utc(),
        },
        secret: r.9,
        status: r.11,
        wrong_codes: WrongCodes::new(u32::try_from(r.12).unwrap_or(u32::MAX)),
    })
}

/// A started hand-over as it was started (who gives whom to whom, on which trip), for the
/// object rules of the web service: the giver's phone reads its code, the receiver's confirms.
pub fn started_handover(
    conn: &mut DbConnection,
    id: HandoverId,
) -> Result<StartHandover, StoreError> {
    Ok(load_request(conn, id)?.s)
}

/// A trip as the hand-over rules see it: its origin (port or hotel), vehicle, state, crew, and
/// every rider with the destination of their stop.
fn trip_facts(conn: &mut DbConnection, trip: &TripRow) -> Result<TripFacts, StoreError> {
    let riders: Vec<(i64, Option<i64>)> = trip_travelers::table
        .filter(trip_travelers::trip_id.eq(trip.id))
        .select((trip_travelers::traveler_id, trip_travelers::destination_id))
        .order(trip_travelers::traveler_id)
        .load(conn)?;
    Ok(TripFacts {
        id: BatchId(trip.id),
        origin: trip.origin(),
        vehicle: VehicleId(trip.vehicle_id),
        state: trip.state,
        crew: trip_crew_ids(conn, trip.id)?
            .into_iter()
            .map(CrewId)
            .collect(),
        riders: riders
            .into_iter()
            .map(|(t, d)| (TravelerId(t), d.map(DestinationId)))
            .collect(),
    })
}

/// The trips a request names, as they are now: the crew side's, and the receiving crew's when
/// one is named.
fn request_facts(
    conn: &mut DbConnection,
    s: &StartHandover,
) -> Result<(TripRow, TripFacts, Option<TripFacts>), StoreError> {
    let trip = load_trip(conn, s.trip_id.0)?;
    let facts = trip_facts(conn, &trip)?;
    let to = match s.to_trip_id {
        Some(id) => {
            let to = load_trip(conn, id.0)?;
            Some(trip_facts(conn, &to)?)
        }
        None => None,
    };
    Ok((trip, facts, to))
}

fn rules_request(s: &StartHandover) -> Request {
    Request {
        giver: s.giver,
        receiver: s.receiver,
        travelers: s.travelers.clone(),
    }
}

/// The crew members a request names as parties exist (a hand-over to a crew member nobody
/// registered is refused as such, not as someone else's crew).
fn require_parties(conn: &mut DbConnection, s: &StartHandover) -> Result<(), StoreError> {
    let crew: Vec<i64> = [s.giver, s.receiver]
        .iter()
        .filter(|p| p.role == PartyRole::Crew)
        .map(|p| p.id)
        .collect();
    require_crew(conn, &crew)
}

fn load_custody(conn: &mut DbConnection, travelers: &[TravelerId]) -> Result<Custody, StoreError> {
    let travelers: Vec<i64> = travelers.iter().map(|t| t.0).collect();
    type Row = (i64, String, String, i64, chrono::NaiveDateTime, Option<i64>);
    let rows: Vec<Row> = traveler_loops::table
        .filter(traveler_loops::traveler_id.eq_any(travelers))
        .select((
            traveler_loops::traveler_id,
            traveler_loops::status,
            traveler_loops::party,
            traveler_loops::party_id,
            traveler_loops::since,
            traveler_loops::handover_id,
        ))
        .load(conn)?;
    let mut statuses = Vec::with_capacity(rows.len());
    for (t, status, party, id, since, handover) in rows {
        statuses.push((
            TravelerId(t),
            row_status(&status, &party, id, since, handover)?,
        ));
    }
    Ok(Custody::from_statuses(statuses))
}

/// A `traveler_loops` row as the rules' status.
pub(crate) fn row_status(
    status: &str,
    party: &str,
    id: i64,
    since: chrono::NaiveDateTime,
    handover: Option<i64>,
) -> Result<LoopStatus, StoreError> {
    let p = party_from_code(party, id)?;
    Ok(match status {
        "delivered" => LoopStatus::Delivered {
            to: p,
            at: since.and_utc(),
            handover: HandoverId(handover.unwrap_or(0)),
        },
        _ => LoopStatus::InCustody {
            holder: p,
            since: since.and_utc(),
            handover: handover.map(HandoverId),
        },
    })
}

/// Starts a hand-over (see the module docs): checks it could go through now, stores it with a
/// fresh secret, returns its id and the code the giver's phone shows.
pub fn start_handover(
    conn: &mut DbConnection,
    s: &StartHandover,
) -> Result<StartedHandover, StoreError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| StoreError::LedgerState(format!("no system randomness: {e}")))?;
    let secret = HandoverSecret::from_bytes(bytes);
    let id = crate::write_transaction(conn, |conn| {
        require_parties(conn, s)?;
        let (_, trip, to_trip) = request_facts(conn, s)?;
        let custody = load_custody(conn, &s.travelers)?;
        request::check_start(&rules_request(s), &trip, to_trip.as_ref(), &custody, s.at)
            .map_err(DeskError::from)?;
        Ok::<_, StoreError>(
            diesel::insert_into(handover_requests::table)
                .values((
                    handover_requests::trip_id.eq(s.trip_id.0),
                    handover_requests::to_trip_id.eq(s.to_trip_id.map(|t| t.0)),
                    handover_requests::giver_role.eq(s.giver.role.code()),
                    handover_requests::giver_id.eq(s.giver.id),
                    handover_requests::receiver_role.eq(s.receiver.role.code()),
                    handover_requests::receiver_id.eq(s.receiver.id),
                    handover_requests::giver_signer.eq(s.giver_signer.trim()),
                    handover_requests::expected.eq(s.expected.unwrap_or(s.travelers.len() as i64)),
                    handover_requests::travelers.eq(to_json(&s.travelers)),
                    handover_requests::secret.eq(secret.to_hex()),
                    handover_requests::created_at.eq(naive(s.at)),
                ))
                .returning(handover_requests::id)
                .get_result::<i64>(conn)?,
        )
    })?;
    let id = HandoverId(id);
    Ok(StartedHandover {
        id,
        code: otp::code_at(&secret, id, s.at),
        seconds_left: otp::seconds_left(s.at),
    })
}

/// The code the giver's phone shows for a started hand-over at `at`, and the seconds until it
/// changes. A locked hand-over shows none: it needs a new start.
pub fn handover_code(
    conn: &mut DbConnection,
    id: HandoverId,
    at: DateTime<Utc>,
) -> Result<(OneTimeCode, i64), StoreError> {
    let r = load_request(conn, id)?;
    if r.status != "pending" {
        return Err(DeskError::AlreadyConfirmed { handover: id.0 }.into());
    }
    if r.wrong_codes.is_locked() {
        return Err(DeskError::HandoverLocked {
            handover: id.0,
            wrong_codes: r.wrong_codes.count(),
        }
        .into());
    }
    let secret = HandoverSecret::from_hex(&r.secret)
        .map_err(|e| StoreError::LedgerState(format!("handover_requests {id}: {e}")))?;
    Ok((otp::code_at(&secret, id, at), otp::seconds_left(at)))
}

/// What a confirmation decided inside its transaction.
enum Decided {
    Done(ConfirmedHandover),
    /// The refusal, the incident it opened, the request's count of wrong codes if it counted.
    Refused(
        Box<closedloop_handover::HandoverRefusal>,
        Option<i64>,
        Option<WrongCodes>,
    ),
}

fn coordinates((lat, lon): (f64, f64)) -> Result<Coordinates, StoreError> {
    Coordinates::new(lat, lon).map_err(|e| DeskError::BadPosition(e).into())
}

/// The incident a head-count mismatch opens, as the desk stores incidents.
fn new_incident(i: &IncidentToOpen) -> NewIncident {
    let r = &i.report;
    NewIncident {
        kind: r.kind,
        severity: r.severity,
        at: r.at,
        position: i.position.map(|p| (p.lat(), p.lon())),
        trip_id: r.batch,
        vehicle_id: r.vehicle,
        travelers: r.travelers.clone(),
        crew: r.crew.clone(),
        description: r.description.clone(),
        reported_by: Some(i.reported_by),
    }
}

impl Desk<'_> {
    /// Confirms a started hand-over with the receiver's code and the head-count (see the
    /// module docs).
    pub fn confirm_handover(
        &mut self,
        conn: &mut DbConnection,
        c: &ConfirmHandover,
    ) -> Result<ConfirmedHandover, StoreError> {
        let decided = self.transact(conn, |conn, pending| {
            let r = load_request(conn, c.id)?;
            if r.status != "pending" {
                return Err(DeskError::AlreadyConfirmed { handover: c.id.0 }.into());
            }
            let secret = HandoverSecret::from_hex(&r.secret)
                .map_err(|e| StoreError::LedgerState(format!("handover_requests {}: {e}", c.id)))?;
            let (trip, facts, to_trip) = request_facts(conn, &r.s)?;
            // Where the trip boards: the hand-over's place when the phone gives none.
            let origin: (f64, f64) = match trip.origin() {
                Origin::Port(p) => ports::table
                    .find(p.0)
                    .select((ports::lat, ports::lon))
                    .first(conn)?,
                Origin::Hotel(h) => hotels::table
                    .find(h.0)
                    .select((hotels::lat, hotels::lon))
                    .first(conn)?,
            };
            let expected = r.s.expected.unwrap_or(r.s.travelers.len() as i64);
            let confirmation = Confirmation {
                handover: c.id,
                request: rules_request(&r.s),
                giver_signer: r.s.giver_signer.clone(),
                expected: u32::try_from(expected).unwrap_or(u32::MAX),
                receiver_signer: c.receiver_signer.clone(),
                code: c.code.clone(),
                counted: u32::try_from(c.counted).unwrap_or(u32::MAX),
                at: c.at,
                position: c.position.map(coordinates).transpose()?,
                origin_place: coordinates(origin)?,
                wrong_codes: r.wrong_codes,
            };
            let custody = load_custody(conn, &r.s.travelers)?;
            let decision = request::decide_confirmation(
                &confirmation,
                &facts,
                to_trip.as_ref(),
                custody,
                &secret,
            )
            .map_err(DeskError::from)?;
            let transfer = match decision {
                Decision::Transfer(t) => t,
                Decision::Refused {
                    refusal,
                    incident: Some(incident),
                    wrong_codes,
                } => {
                    let id = open_in(conn, pending, &new_incident(&incident))?;
                    return Ok(Decided::Refused(refusal, Some(id), wrong_codes));
                }
                Decision::Refused {
                    refusal,
                    incident: None,
                    wrong_codes: Some(wrong),
                } => {
                    let body = Body::CodeRejected(CodeRejected {
                        request: Id::from_key(c.id.0),
                        batch: Id::from_key(trip.id),
                        attempt: wrong.count(),
                        locked: wrong.is_locked(),
                    });
                    pending.append(conn, vec![(millis(c.at)?, body)])?;
                    diesel::update(handover_requests::table.find(c.id.0))
                        .set(handover_requests::wrong_codes.eq(i64::from(wrong.count())))
                        .execute(conn)?;
                    return Ok(Decided::Refused(refusal, None, Some(wrong)));
                }
                Decision::Refused {
                    refusal,
                    incident: None,
                    wrong_codes: None,
                } => {
                    return Err(DeskError::HandoverRefused {
                        refusal,
                        incident: None,
                        wrong_codes: None,
                    }
                    .into());
                }
            };
            let stored = NewHandover {
                trip_id: Some(trip.id),
                giver: r.s.giver,
                receiver: r.s.receiver,
                at: naive(c.at),
                position: c.position,
                expected,
                counted: c.counted,
                travelers: r.s.travelers.iter().map(|t| t.0).collect(),
                // A relief: the loops follow the receiving crew's trip from now on.
                to_trip: (transfer.loop_trip.0 != trip.id).then_some(transfer.loop_trip.0),
            };
            let body = handover_body(&stored, pending.pepper)?;
            let seq = pending.append(conn, vec![(millis(c.at)?, body)])?;
            let id = insert_handover(conn, &stored, seq)?;
            let mut changes = Vec::with_capacity(transfer.loops.len());
            for &(t, status) in &transfer.loops {
                write_loop(conn, t.0, &status, id, transfer.loop_trip.0)?;
                changes.push((t, status));
            }
            if let Some((to, riders)) = &transfer.new_riders {
                for t in riders {
                    diesel::insert_into(trip_travelers::table)
                        .values((
                            trip_travelers::trip_id.eq(to.0),
                            trip_travelers::traveler_id.eq(t.0),
                        ))
                        .execute(conn)?;
                }
            }
            diesel::update(handover_requests::table.find(c.id.0))
                .set((
                    handover_requests::status.eq("confirmed"),
                    handover_requests::handover_id.eq(Some(id)),
                ))
                .execute(conn)?;
            Ok(Decided::Done(ConfirmedHandover {
                handover_id: id,
                ledger_seq: seq,
                changes,
            }))
        })?;
        match decided {
            Decided::Done(d) => Ok(d),
            Decided::Refused(refusal, incident, wrong_codes) => Err(DeskError::HandoverRefused {
                refusal,
                incident,
                wrong_codes,
            }
            .into()),
        }
    }
}

/// Replaces a traveler's loop row: one row per traveler, so one custody at a time.
fn write_loop(
    conn: &mut DbConnection,
    traveler: i64,
    status: &LoopStatus,
    handover: i64,
    trip: i64,
) -> Result<(), StoreError> {
    let (code, party, since) = match status {
        LoopStatus::InCustody { holder, since, .. } => ("in_custody", holder, since),
        LoopStatus::Delivered { to, at, .. } => ("delivered", to, at),
        LoopStatus::NotInCustody => return Ok(()),
    };
    let (party, party_id) = party_code(party);
    diesel::delete(traveler_loops::table.find(traveler)).execute(conn)?;
    diesel::insert_into(traveler_loops::table)
        .values((
            traveler_loops::traveler_id.eq(traveler),
            traveler_loops::status.eq(code),
            traveler_loops::party.eq(party),
            traveler_loops::party_id.eq(party_id),
            traveler_loops::since.eq(naive(*since)),
            traveler_loops::handover_id.eq(Some(handover)),
            traveler_loops::trip_id.eq(Some(trip)),
        ))
        .execute(conn)?;
    Ok(())
}
