//! A hand-over as the desk path runs it, from the facts the store loads to what it writes. The
//! giver starts a [`Request`]: [`check_start`] checks it against its trips (the travelers ride
//! the trip, a stop's receiver takes only its own travelers, the crew is the trip's and its
//! trip is in a state that allows it) and every traveler's loop. The receiver confirms it:
//! [`decide_confirmation`] checks it all again with the code and the head-count and returns the
//! [`Decision`] — the [`Transfer`] to write (the hand-over, every traveler's loop, the trip the
//! loops follow, the travelers a relief crew takes on), or the refusal with the incident to
//! open first, or the failed attempt to count when the code was wrong ([`crate::otp`]'s
//! lockout: a request locked by five wrong codes confirms nothing).
//!
//! A hand-over to a destination names one of the trip's stops: a destination id is the id a
//! stop of the plan gives it, so one that no stop names does not exist for the trip (there is
//! no register of destinations beyond the plans), and no destination has an id below 1. Only
//! travelers whose stop the desk did not name may go to a destination the plan does not name:
//! their hand-over names it.
//!
//! A trip boards its travelers at its [`Origin`]: a port, whose staff hand them to the crew,
//! or a hotel for the second transfer of "14+7", whose staff do. Staff hand travelers only to
//! a crew whose trip starts where they work.

use crate::custody::{Change, Custody, CustodyError, Party};
use crate::handover::{ConfirmedHandover, Handover, HandoverRefusal};
use crate::ids::HandoverId;
use crate::incident::IncidentReport;
use crate::otp::{HandoverSecret, WrongCodes};
use chrono::{DateTime, Utc};
use closedloop_domain::Lang;
use closedloop_domain::batch::BatchState;
use closedloop_domain::geo::Coordinates;
use closedloop_domain::ids::{BatchId, CrewId, DestinationId, PortId, TravelerId, VehicleId};
use closedloop_domain::role::{PartyKey, PartyRole};

/// Where a trip boards its travelers, and so who hands them to its crew there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A port of entry: its staff register the travelers and hand them over.
    Port(PortId),
    /// A hotel, for the second transfer of "14+7": its staff hand over the travelers whose
    /// hotel days ended (the destination id, as the hotel's stops name it).
    Hotel(DestinationId),
}

impl Origin {
    /// Whether `giver` is the staff of this origin: the port's for a port, that hotel's for a
    /// hotel. Staff of anywhere else hand nobody to this trip's crew.
    fn staffed_by(self, giver: PartyKey) -> bool {
        match (self, giver.role) {
            (Origin::Port(_), PartyRole::PortStaff) => true,
            (Origin::Hotel(h), PartyRole::HotelStaff) => h.0 == giver.id,
            _ => false,
        }
    }
}

/// A trip as the hand-over rules need it, loaded by the store.
#[derive(Debug, Clone, PartialEq)]
pub struct TripFacts {
    pub id: BatchId,
    pub origin: Origin,
    pub vehicle: VehicleId,
    pub state: BatchState,
    pub crew: Vec<CrewId>,
    /// Every traveler on the trip with the destination of their stop, when the plan names one.
    pub riders: Vec<(TravelerId, Option<DestinationId>)>,
}

impl TripFacts {
    fn rides(&self, t: TravelerId) -> bool {
        self.riders.iter().any(|(r, _)| *r == t)
    }

    fn has_crew(&self, id: i64) -> bool {
        self.crew.contains(&CrewId(id))
    }
}

/// What the giver starts: who hands whom to whom. For a crew party the id is the crew member
/// who signs; for hotel, community or hospital staff it is the destination.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub giver: PartyKey,
    pub receiver: PartyKey,
    pub travelers: Vec<TravelerId>,
}

/// What was attempted on a trip in a state that does not allow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TripAction {
    Approve,
    Depart,
    Complete,
    /// Its crew hands travelers over: only once it has departed.
    HandOverFromCrew,
    /// Its crew takes travelers over: not once it is completed or cancelled.
    HandOverToCrew,
}

impl TripAction {
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            TripAction::Approve => lang.pick("be approved", "审批"),
            TripAction::Depart => lang.pick("depart", "发车"),
            TripAction::Complete => lang.pick("be completed", "完成"),
            TripAction::HandOverFromCrew => lang.pick(
                "hand travelers over (it has not departed)",
                "交出旅客（尚未发车）",
            ),
            TripAction::HandOverToCrew => lang.pick("take travelers over", "接收旅客"),
        }
    }
}

/// Why a hand-over cannot go ahead as asked. The store turns each into its desk error.
#[derive(Debug, Clone, PartialEq)]
pub enum RequestRefusal {
    NotOnTrip {
        trip: BatchId,
        travelers: Vec<TravelerId>,
    },
    /// Travelers handed to a destination that is not their stop's: (traveler, planned).
    WrongStop {
        trip: BatchId,
        destination: DestinationId,
        travelers: Vec<(TravelerId, DestinationId)>,
    },
    NotTripCrew {
        trip: BatchId,
        crew: CrewId,
    },
    TripState {
        trip: BatchId,
        state: BatchState,
        action: TripAction,
    },
    /// Travelers handed to a destination that is none of the trip's stops (`stops`: those the
    /// plan names), or to an id no destination can have.
    NoSuchDestination {
        trip: BatchId,
        destination: DestinationId,
        stops: Vec<DestinationId>,
    },
    /// Crew to crew needs the receiving crew's trip.
    NeedsReceivingTrip,
    /// Staff handing travelers to a crew at a place that is not its trip's origin: port staff
    /// on a trip from a hotel, or the staff of another hotel (or of a port) on one from a hotel.
    NotTripOrigin {
        trip: BatchId,
        giver: PartyKey,
        origin: Origin,
    },
    /// Custody cannot move as asked (not held by the giver, already delivered, …).
    Custody(CustodyError),
    /// The request took [`crate::otp::MAX_WRONG_CODES`] wrong codes: the giver must start the
    /// hand-over again for a new code.
    Locked {
        handover: HandoverId,
        wrong_codes: WrongCodes,
    },
}

/// The two parties as the custody rules know them, and the trip the receiver's side is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sides {
    pub giver: Party,
    pub receiver: Party,
    /// The receiving crew's trip from one crew to another, else the request's trip.
    pub receiving_trip: BatchId,
}

/// The custody rules' party for one side: port staff at the trip's port, the crew of
/// `side_trip`, or the hotel or destination the staff's id names.
fn side(key: PartyKey, side_trip: BatchId, origin: Origin) -> Party {
    match (key.role, origin) {
        (PartyRole::PortStaff, Origin::Port(port)) => Party::PortStaff { port },
        (PartyRole::Crew, _) => Party::Crew { batch: side_trip },
        (role, _) => Party::new(role, key.id),
    }
}

fn state_refusal(trip: &TripFacts, action: TripAction) -> RequestRefusal {
    RequestRefusal::TripState {
        trip: trip.id,
        state: trip.state,
        action,
    }
}

/// Checks a request against its trips as they are now: `trip` is the crew side's (the
/// receiving crew's from port staff, else the giver's), `to_trip` the receiving crew's from
/// one crew to another. The first problem found is returned, in this order: travelers not on
/// the trip; a destination that is none of the trip's stops (see the module docs); travelers
/// handed to another stop's receiver; a giving crew member not of the trip,
/// or its trip not departed; a missing or undeparted receiving trip, or a receiving trip that
/// is over; a receiving crew member not of their trip.
pub fn check_request(
    req: &Request,
    trip: &TripFacts,
    to_trip: Option<&TripFacts>,
) -> Result<Sides, RequestRefusal> {
    let off: Vec<TravelerId> = req
        .travelers
        .iter()
        .copied()
        .filter(|t| !trip.rides(*t))
        .collect();
    if !off.is_empty() {
        return Err(RequestRefusal::NotOnTrip {
            trip: trip.id,
            travelers: off,
        });
    }
    if req.receiver.role.closes_loop() {
        // Delivered where the plan sends them: a stop's receiver takes only its own travelers.
        let here = DestinationId(req.receiver.id);
        let mut stops: Vec<DestinationId> = trip.riders.iter().filter_map(|(_, d)| *d).collect();
        stops.sort_unstable();
        stops.dedup();
        let all_planned = trip
            .riders
            .iter()
            .filter(|(t, _)| req.travelers.contains(t))
            .all(|(_, d)| d.is_some());
        if here.0 <= 0 || (all_planned && !stops.contains(&here)) {
            return Err(RequestRefusal::NoSuchDestination {
                trip: trip.id,
                destination: here,
                stops,
            });
        }
        let mut elsewhere: Vec<(TravelerId, DestinationId)> = trip
            .riders
            .iter()
            .filter(|(t, _)| req.travelers.contains(t))
            .filter_map(|&(t, d)| d.filter(|&d| d != here).map(|d| (t, d)))
            .collect();
        if !elsewhere.is_empty() {
            elsewhere.sort_unstable();
            return Err(RequestRefusal::WrongStop {
                trip: trip.id,
                destination: here,
                travelers: elsewhere,
            });
        }
    }
    let giver_crew = req.giver.role == PartyRole::Crew;
    // Staff hand travelers to a crew only where its trip boards them. Other pairs of parties
    // (staff to staff, a crew back to a port) are the custody rules' to refuse.
    let staff = matches!(req.giver.role, PartyRole::PortStaff | PartyRole::HotelStaff);
    if staff && req.receiver.role == PartyRole::Crew && !trip.origin.staffed_by(req.giver) {
        return Err(RequestRefusal::NotTripOrigin {
            trip: trip.id,
            giver: req.giver,
            origin: trip.origin,
        });
    }
    if giver_crew {
        if !trip.has_crew(req.giver.id) {
            return Err(RequestRefusal::NotTripCrew {
                trip: trip.id,
                crew: CrewId(req.giver.id),
            });
        }
        if trip.state != BatchState::Departed {
            return Err(state_refusal(trip, TripAction::HandOverFromCrew));
        }
    }
    let receiving = match (req.receiver.role, giver_crew) {
        (PartyRole::Crew, true) => {
            let to = to_trip.ok_or(RequestRefusal::NeedsReceivingTrip)?;
            if to.state != BatchState::Departed {
                return Err(state_refusal(to, TripAction::HandOverToCrew));
            }
            to
        }
        (PartyRole::Crew, false) => {
            if !matches!(
                trip.state,
                BatchState::Planned | BatchState::Approved | BatchState::Departed
            ) {
                return Err(state_refusal(trip, TripAction::HandOverToCrew));
            }
            trip
        }
        _ => trip,
    };
    if req.receiver.role == PartyRole::Crew && !receiving.has_crew(req.receiver.id) {
        return Err(RequestRefusal::NotTripCrew {
            trip: receiving.id,
            crew: CrewId(req.receiver.id),
        });
    }
    Ok(Sides {
        giver: side(req.giver, trip.id, trip.origin),
        receiver: side(req.receiver, receiving.id, trip.origin),
        receiving_trip: receiving.id,
    })
}

/// Checks a hand-over the giver starts could go through now: the request against its trips,
/// then every traveler's loop under the rules the confirmation applies (port staff register
/// those nobody holds yet, hotel staff those of a second transfer). `custody` holds the
/// travelers' stored loops.
pub fn check_start(
    req: &Request,
    trip: &TripFacts,
    to_trip: Option<&TripFacts>,
    custody: &Custody,
    at: DateTime<Utc>,
) -> Result<Sides, RequestRefusal> {
    let sides = check_request(req, trip, to_trip)?;
    let mut custody = custody.clone();
    custody
        .admit_unregistered(sides.giver, &req.travelers, at)
        .and_then(|_| custody.check_hand_over(sides.giver, sides.receiver, &req.travelers, at))
        .map_err(RequestRefusal::Custody)?;
    Ok(sides)
}

/// The receiver's confirmation of a started request.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirmation {
    pub handover: HandoverId,
    pub request: Request,
    pub giver_signer: String,
    /// The head-count planned when it was started.
    pub expected: u32,
    pub receiver_signer: String,
    /// The six digits the receiver typed.
    pub code: String,
    /// How many both parties counted.
    pub counted: u32,
    pub at: DateTime<Utc>,
    /// Where the receiver's phone says it happened, if it says.
    pub position: Option<Coordinates>,
    /// The trip's origin (its port, or its hotel for a second transfer), where it happened
    /// when the phone does not say.
    pub origin_place: Coordinates,
    /// The confirmations of this request refused for their code so far.
    pub wrong_codes: WrongCodes,
}

/// What a confirmation decided: the transfer to write, or a refusal.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Transfer(Box<Transfer>),
    /// Nothing of the hand-over is written; it stays pending. `incident` is the incident to
    /// open (and commit) first: a head-count that differs, confirmed with the right code.
    /// `wrong_codes` is the request's new count when the code was refused (wrong or not six
    /// digits): a failed attempt to record (and commit) first; locked once it reaches
    /// [`crate::otp::MAX_WRONG_CODES`].
    Refused {
        refusal: Box<HandoverRefusal>,
        incident: Option<Box<IncidentToOpen>>,
        wrong_codes: Option<WrongCodes>,
    },
}

/// A confirmed hand-over and everything it changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Transfer {
    pub handover: ConfirmedHandover,
    /// Every listed traveler's loop afterwards, in the order listed.
    pub loops: Vec<Change>,
    /// The trip the travelers' loops follow now: the receiving crew's after a relief, else the
    /// request's trip.
    pub loop_trip: BatchId,
    /// From one crew to another: the receiving trip, and the travelers it takes on (those not
    /// riding it yet).
    pub new_riders: Option<(BatchId, Vec<TravelerId>)>,
}

/// The incident a head-count mismatch opens: the report, on the trip and its vehicle, with the
/// travelers listed and the crew members who took part, reported by the receiver.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentToOpen {
    pub report: IncidentReport,
    /// The receiver's position as the phone gave it (none when it did not).
    pub position: Option<Coordinates>,
    pub reported_by: PartyKey,
}

/// Decides a confirmation (see the module docs). `trip` and `to_trip` are as for
/// [`check_request`], which runs again since the trips may have changed since the start;
/// `custody` holds the listed travelers' stored loops. An `Err` is a refusal that writes
/// nothing; a locked request is refused first, whatever the code.
pub fn decide_confirmation(
    c: &Confirmation,
    trip: &TripFacts,
    to_trip: Option<&TripFacts>,
    mut custody: Custody,
    secret: &HandoverSecret,
) -> Result<Decision, RequestRefusal> {
    if c.wrong_codes.is_locked() {
        return Err(RequestRefusal::Locked {
            handover: c.handover,
            wrong_codes: c.wrong_codes,
        });
    }
    let sides = check_request(&c.request, trip, to_trip)?;
    let handover = Handover {
        id: c.handover,
        batch: Some(trip.id),
        giver: sides.giver,
        giver_signer: c.giver_signer.clone(),
        receiver: sides.receiver,
        receiver_signer: c.receiver_signer.clone(),
        travelers: c.request.travelers.clone(),
        expected: c.expected,
        counted: c.counted,
        at: c.at,
        place: c.position.unwrap_or(c.origin_place),
        code: c.code.clone(),
    };
    let confirmed = match handover.confirm(secret) {
        Ok(h) => h,
        Err(refusal) => {
            let incident = refusal
                .incident_to_open()
                .map(|report| Box::new(mismatch_incident(c, trip, report.clone())));
            let wrong_codes = refusal.code_refused().then(|| c.wrong_codes.after_wrong());
            return Ok(Decision::Refused {
                refusal: Box::new(refusal),
                incident,
                wrong_codes,
            });
        }
    };
    custody
        .admit_unregistered(sides.giver, &c.request.travelers, c.at)
        .and_then(|_| custody.apply(&confirmed))
        .map_err(|mut e| {
            e.handover = Some(c.handover);
            RequestRefusal::Custody(e)
        })?;
    let loops = c
        .request
        .travelers
        .iter()
        .map(|&t| (t, custody.status(t)))
        .collect();
    let new_riders = match to_trip {
        Some(to) if to.id == sides.receiving_trip && to.id != trip.id => {
            let mut taken: Vec<TravelerId> = Vec::new();
            for &t in &c.request.travelers {
                if !to.rides(t) && !taken.contains(&t) {
                    taken.push(t);
                }
            }
            Some((to.id, taken))
        }
        _ => None,
    };
    Ok(Decision::Transfer(Box::new(Transfer {
        handover: confirmed,
        loops,
        loop_trip: sides.receiving_trip,
        new_riders,
    })))
}

fn mismatch_incident(c: &Confirmation, trip: &TripFacts, report: IncidentReport) -> IncidentToOpen {
    let parties = [c.request.giver, c.request.receiver];
    let crew = trip
        .crew
        .iter()
        .copied()
        .filter(|m| {
            parties
                .iter()
                .any(|p| p.role == PartyRole::Crew && p.id == m.0)
        })
        .collect();
    IncidentToOpen {
        report: IncidentReport {
            batch: Some(trip.id),
            vehicle: Some(trip.vehicle),
            crew,
            ..report
        },
        position: c.position,
        reported_by: c.request.receiver,
    }
}
