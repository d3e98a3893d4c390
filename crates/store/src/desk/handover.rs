//! Hand-overs in two steps, as the phones do them. The giver starts one ([`start_handover`]):
//! the store checks the parties, the trip and every traveler's loop, keeps a fresh 32-byte
//! secret and returns the six-digit code the giver's phone shows ([`handover_code`] shows it
//! again, for any instant). The receiver confirms it ([`Desk::confirm_handover`]) with that
//! code and the head-count both counted; `closedloop_handover` validates it all, custody moves
//! for every traveler or none, and the hand-over row, its travelers, their loops and the
//! HandOver ledger entry commit together.
//!
//! A wrong code changes nothing. A head-count that differs from the list, confirmed with the
//! right code, stores nothing of the hand-over but opens an incident (with its ledger entry);
//! the hand-over stays pending for a recount. A hand-over from port staff also registers its
//! travelers at the port: their loop opens there.

use super::incident::{NewIncident, open_in};
use super::trip::{TripRow, load_trip};
use super::{
    Desk, DeskError, Thing, TripAction, naive, not_found, party_code, party_from_code, rules_party,
    to_json, trip_crew_ids, trip_traveler_ids,
};
use crate::custody::{NewHandover, PartyKey, PartyRole, handover_body, insert_handover};
use crate::schema::trip_travelers;
use crate::schema::{handover_requests, ports, traveler_loops};
use crate::{DbConnection, StoreError};
use chrono::{DateTime, Utc};
use closedloop_domain::geo::Coordinates;
use closedloop_domain::ids::{BatchId, TravelerId};
use closedloop_handover::handover::RefusalReason;
use closedloop_handover::ids::HandoverId;
use closedloop_handover::otp::{self, HandoverSecret, OneTimeCode};
use closedloop_handover::{Custody, CustodyError, Handover, LoopError, LoopStatus, Party};
use diesel::prelude::*;

/// What the giver starts: who hands whom to whom, on which trip.
#[derive(Debug, Clone)]
pub struct StartHandover {
    /// The crew side's trip: the receiving crew's for port staff → crew, else the giver's.
    pub trip_id: i64,
    /// Crew → crew only: the receiving crew's trip.
    pub to_trip_id: Option<i64>,
    /// For a crew party the id is the crew member who signs, one of the trip's crew; for
    /// hotel, community or hospital staff it names the destination.
    pub giver: PartyKey,
    pub receiver: PartyKey,
    pub giver_signer: String,
    pub travelers: Vec<i64>,
    /// The head-count planned for this hand-over; by default, as many as listed.
    pub expected: Option<i64>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct StartedHandover {
    pub id: i64,
    pub code: OneTimeCode,
    /// Until the code shown changes.
    pub seconds_left: i64,
}

#[derive(Debug, Clone)]
pub struct ConfirmHandover {
    pub id: i64,
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
    pub changes: Vec<(i64, LoopStatus)>,
}

/// A stored request, checked against the trips as they are now.
struct Checked {
    trip: TripRow,
    giver: Party,
    receiver: Party,
}

struct Request {
    s: StartHandover,
    secret: String,
    status: String,
}

fn load_request(conn: &mut DbConnection, id: i64) -> Result<Request, StoreError> {
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
    );
    let r: Row = handover_requests::table
        .find(id)
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
        ))
        .first(conn)
        .optional()?
        .ok_or_else(|| not_found(Thing::Handover, id))?;
    let travelers: Vec<i64> = serde_json::from_str(&r.8)
        .map_err(|e| StoreError::LedgerState(format!("handover_requests {id}: {e}")))?;
    Ok(Request {
        s: StartHandover {
            trip_id: r.0,
            to_trip_id: r.1,
            giver: PartyKey {
                role: r.2.parse()?,
                id: r.3,
            },
            receiver: PartyKey {
                role: r.4.parse()?,
                id: r.5,
            },
            giver_signer: r.6,
            travelers,
            expected: Some(r.7),
            at: r.10.and_utc(),
        },
        secret: r.9,
        status: r.11,
    })
}

fn state_error(trip: &TripRow, action: TripAction) -> StoreError {
    DeskError::TripState {
        trip: trip.id,
        state: trip.state.clone(),
        action,
    }
    .into()
}

fn require_trip_crew(conn: &mut DbConnection, trip: i64, crew: i64) -> Result<(), StoreError> {
    if trip_crew_ids(conn, trip)?.contains(&crew) {
        Ok(())
    } else {
        Err(DeskError::NotTripCrew { trip, crew }.into())
    }
}

/// The parties, trips and travelers of a hand-over, as they stand now.
fn check(conn: &mut DbConnection, s: &StartHandover) -> Result<Checked, StoreError> {
    let trip = load_trip(conn, s.trip_id)?;
    let on_trip = trip_traveler_ids(conn, trip.id)?;
    let off: Vec<i64> = s
        .travelers
        .iter()
        .copied()
        .filter(|t| !on_trip.contains(t))
        .collect();
    if !off.is_empty() {
        return Err(DeskError::NotOnTrip {
            trip: trip.id,
            travelers: off,
        }
        .into());
    }
    if matches!(
        s.receiver.role,
        PartyRole::HotelStaff | PartyRole::CommunityStaff | PartyRole::HospitalStaff
    ) {
        // Delivered where the plan sends them: a stop's receiver takes only its own travelers.
        let planned: Vec<(i64, Option<i64>)> = trip_travelers::table
            .filter(trip_travelers::trip_id.eq(trip.id))
            .filter(trip_travelers::traveler_id.eq_any(&s.travelers))
            .select((trip_travelers::traveler_id, trip_travelers::destination_id))
            .order(trip_travelers::traveler_id)
            .load(conn)?;
        let elsewhere: Vec<(i64, i64)> = planned
            .into_iter()
            .filter_map(|(t, d)| d.filter(|&d| d != s.receiver.id).map(|d| (t, d)))
            .collect();
        if !elsewhere.is_empty() {
            return Err(DeskError::WrongStop {
                trip: trip.id,
                destination: s.receiver.id,
                travelers: elsewhere,
            }
            .into());
        }
    }
    let giver_crew = s.giver.role == PartyRole::Crew;
    if giver_crew {
        require_trip_crew(conn, trip.id, s.giver.id)?;
        if trip.state != "departed" {
            return Err(state_error(&trip, TripAction::HandOverFromCrew));
        }
    }
    let receiver_trip = match (s.receiver.role, giver_crew) {
        (PartyRole::Crew, true) => {
            let to = s.to_trip_id.ok_or(DeskError::NeedsReceivingTrip)?;
            let to = load_trip(conn, to)?;
            if to.state != "departed" {
                return Err(state_error(&to, TripAction::HandOverToCrew));
            }
            to.id
        }
        (PartyRole::Crew, false) => {
            if !matches!(trip.state.as_str(), "planned" | "approved" | "departed") {
                return Err(state_error(&trip, TripAction::HandOverToCrew));
            }
            trip.id
        }
        _ => trip.id,
    };
    if s.receiver.role == PartyRole::Crew {
        require_trip_crew(conn, receiver_trip, s.receiver.id)?;
    }
    Ok(Checked {
        giver: rules_party(s.giver, trip.id, trip.port_id),
        receiver: rules_party(s.receiver, receiver_trip, trip.port_id),
        trip,
    })
}

fn load_custody(conn: &mut DbConnection, travelers: &[i64]) -> Result<Custody, StoreError> {
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

/// Registers at the port the travelers port staff hand over who are not yet in custody.
fn admit_at_port(
    custody: &mut Custody,
    c: &Checked,
    travelers: &[i64],
    at: DateTime<Utc>,
) -> Result<(), CustodyError> {
    if let Party::PortStaff { port } = c.giver {
        let new: Vec<TravelerId> = travelers
            .iter()
            .map(|&t| TravelerId(t))
            .filter(|t| custody.status(*t) == LoopStatus::NotInCustody)
            .collect();
        custody.admit(port, &new, at)?;
    }
    Ok(())
}

/// Checks every traveler could move now: the same rules the confirmation applies.
fn dry_run(conn: &mut DbConnection, c: &Checked, s: &StartHandover) -> Result<(), StoreError> {
    let mut custody = load_custody(conn, &s.travelers)?;
    admit_at_port(&mut custody, c, &s.travelers, s.at).map_err(DeskError::Custody)?;
    let mut problems = Vec::new();
    let mut seen = Vec::new();
    for &t in &s.travelers {
        if seen.contains(&t) {
            problems.push((TravelerId(t), LoopError::Duplicate));
            continue;
        }
        seen.push(t);
        if let Err(e) =
            custody
                .status(TravelerId(t))
                .hand_over(c.giver, c.receiver, s.at, HandoverId(0))
        {
            problems.push((TravelerId(t), e));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(DeskError::Custody(CustodyError {
            handover: None,
            problems,
        })
        .into())
    }
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
    let id = conn.transaction(|conn| {
        let c = check(conn, s)?;
        dry_run(conn, &c, s)?;
        Ok::<_, StoreError>(
            diesel::insert_into(handover_requests::table)
                .values((
                    handover_requests::trip_id.eq(s.trip_id),
                    handover_requests::to_trip_id.eq(s.to_trip_id),
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
    Ok(StartedHandover {
        id,
        code: otp::code_at(&secret, HandoverId(id), s.at),
        seconds_left: otp::seconds_left(s.at),
    })
}

/// The code the giver's phone shows for a started hand-over at `at`, and the seconds until it
/// changes.
pub fn handover_code(
    conn: &mut DbConnection,
    id: i64,
    at: DateTime<Utc>,
) -> Result<(OneTimeCode, i64), StoreError> {
    let r = load_request(conn, id)?;
    if r.status != "pending" {
        return Err(DeskError::AlreadyConfirmed { handover: id }.into());
    }
    let secret = HandoverSecret::from_hex(&r.secret)
        .map_err(|e| StoreError::LedgerState(format!("handover_requests {id}: {e}")))?;
    Ok((
        otp::code_at(&secret, HandoverId(id), at),
        otp::seconds_left(at),
    ))
}

/// What a confirmation decided inside its transaction.
enum Decided {
    Done(ConfirmedHandover),
    Refused(Box<closedloop_handover::HandoverRefusal>, Option<i64>),
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
                return Err(DeskError::AlreadyConfirmed { handover: c.id }.into());
            }
            let secret = HandoverSecret::from_hex(&r.secret)
                .map_err(|e| StoreError::LedgerState(format!("handover_requests {}: {e}", c.id)))?;
            let checked = check(conn, &r.s)?;
            let trip = &checked.trip;
            let port: (f64, f64) = ports::table
                .find(trip.port_id)
                .select((ports::lat, ports::lon))
                .first(conn)?;
            let (lat, lon) = c.position.unwrap_or(port);
            let place =
                Coordinates::new(lat, lon).map_err(|e| DeskError::BadPosition(e.to_string()))?;
            let expected = r.s.expected.unwrap_or(r.s.travelers.len() as i64);
            let handover = Handover {
                id: HandoverId(c.id),
                batch: Some(BatchId(trip.id)),
                giver: checked.giver,
                giver_signer: r.s.giver_signer.clone(),
                receiver: checked.receiver,
                receiver_signer: c.receiver_signer.clone(),
                travelers: r.s.travelers.iter().map(|&t| TravelerId(t)).collect(),
                expected: u32::try_from(expected).unwrap_or(u32::MAX),
                counted: u32::try_from(c.counted).unwrap_or(u32::MAX),
                at: c.at,
                place,
                code: c.code.clone(),
            };
            let confirmed = match handover.confirm(&secret) {
                Ok(h) => h,
                Err(refusal) => {
                    let code_ok = !refusal
                        .reasons
                        .iter()
                        .any(|r| matches!(r, RefusalReason::Code { .. }));
                    let incident = match (&refusal.incident, code_ok) {
                        (Some(report), true) => {
                            let mut crew = trip_crew_ids(conn, trip.id)?;
                            crew.retain(|&m| {
                                [r.s.giver, r.s.receiver]
                                    .iter()
                                    .any(|p| p.role == PartyRole::Crew && p.id == m)
                            });
                            let i = NewIncident {
                                kind: report.kind,
                                severity: report.severity,
                                at: report.at,
                                position: c.position,
                                trip_id: Some(trip.id),
                                vehicle_id: Some(trip.vehicle_id),
                                travelers: r.s.travelers.clone(),
                                crew,
                                description: report.description.clone(),
                                reported_by: Some(r.s.receiver),
                            };
                            Some(open_in(conn, pending, &i)?)
                        }
                        _ => None,
                    };
                    if incident.is_none() {
                        return Err(DeskError::HandoverRefused {
                            refusal: Box::new(refusal),
                            incident: None,
                        }
                        .into());
                    }
                    return Ok(Decided::Refused(Box::new(refusal), incident));
                }
            };
            let mut custody = load_custody(conn, &r.s.travelers)?;
            admit_at_port(&mut custody, &checked, &r.s.travelers, c.at)
                .and_then(|()| custody.apply(&confirmed))
                .map_err(|mut e| {
                    e.handover = Some(HandoverId(c.id));
                    DeskError::Custody(e)
                })?;
            let stored = NewHandover {
                trip_id: Some(trip.id),
                giver: r.s.giver,
                receiver: r.s.receiver,
                at: naive(c.at),
                position: c.position,
                expected,
                counted: c.counted,
                travelers: r.s.travelers.clone(),
            };
            let body = handover_body(&stored, pending.pepper)?;
            let seq = pending.append(conn, vec![(super::millis(c.at)?, body)])?;
            let id = insert_handover(conn, &stored, seq)?;
            let mut changes = Vec::new();
            for &t in &r.s.travelers {
                let status = custody.status(TravelerId(t));
                write_loop(conn, t, &status, id, r.s.to_trip_id.unwrap_or(trip.id))?;
                changes.push((t, status));
            }
            if let Some(to) = r.s.to_trip_id {
                let riding = trip_traveler_ids(conn, to)?;
                for &t in r.s.travelers.iter().filter(|t| !riding.contains(t)) {
                    diesel::insert_into(trip_travelers::table)
                        .values((
                            trip_travelers::trip_id.eq(to),
                            trip_travelers::traveler_id.eq(t),
                        ))
                        .execute(conn)?;
                }
            }
            diesel::update(handover_requests::table.find(c.id))
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
            Decided::Refused(refusal, incident) => {
                Err(DeskError::HandoverRefused { refusal, incident }.into())
            }
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
