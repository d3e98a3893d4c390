//! A generated year of custody records, written as the desk path writes them — every row with
//! its ledger entry, the entries built by the desk's own builders — but in large batches, for
//! `closedloop bench ledger-verify` (feature `testing`; not in the shipped core). The desk path
//! itself (codes, head-counts, gates decided from the tables) is `bench ledger`'s subject; here
//! only the result matters: a database `ledger verify` must pass, as large as a year.
//!
//! The year ([`YearShape`]): trips spread over 365 days from 2022-01-01 (the shipped check-lists
//! are in force all year), each with two crew members, one vehicle and about 3.3 travelers.
//! Before it departs, the crew's health checks, the vehicle's daily inspection and the
//! pre-departure reminder are completed; port staff hand each traveler over to the crew one by
//! one; the trip departs (two gate decisions and its state change). One trip in ten hands all
//! its riders to the crew of a relief trip on the road, which carries on. Each traveler is
//! delivered one by one (seven in ten to a hotel, a quarter home, the rest to hospital), the
//! personnel hand-over check-list of the stop is completed and the trip completes. One trip in
//! a hundred has an incident, four in five of them resolved. At the end of the year the
//! travelers of the first quarter are purged.

use crate::custody::{self, LedgerKeys, NewHandover, PartyKey, PartyRole, insert_handover};
use crate::desk::checklist::{checklist_body, columns};
use crate::desk::incident::{ledger_kind, ledger_place, ledger_subject};
use crate::desk::trip::trip_state_body;
use crate::desk::{desk_party, to_json};
use crate::ledger::{append_in_transaction, load_appender};
use crate::schema::{
    gate_decisions, incident_crew, incident_travelers, incidents, traveler_loops, travelers,
    trip_crew, trip_travelers, trips,
};
use crate::{DbConnection, StoreError, write_transaction};
use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use closedloop_domain::batch::BatchState;
use closedloop_domain::hash::SplitMix64;
use closedloop_domain::ids::{BatchId, CrewId, VehicleId};
use closedloop_handover::{ChecklistKind, IncidentKind, Severity, Subject, TemplateBook};
use closedloop_ledger::entry::{
    Decision, GateDecision, Id, Incident as LedgerIncident, IncidentResolved, Party, Purge,
    PurgeReason, Role, Subject as LedgerSubject, SubjectKind,
};
use closedloop_ledger::{Body, TravelerRef, UtcMillis};
use diesel::prelude::*;
use std::collections::HashMap;

/// Entries per append batch (one signed head each).
const BATCH: usize = 5_000;
/// Travelers per Purge entry, as the purge writes them.
const PURGE_CHUNK: usize = 1_000;

/// The size of a generated year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearShape {
    pub trips: usize,
    pub vehicles: usize,
    pub crew: usize,
    /// One trip in this many hands its riders to a relief trip.
    pub relief_every: usize,
    /// One trip in this many has an incident.
    pub incident_every: usize,
}

impl YearShape {
    /// Three trips for ten travelers, 500 vehicles, 1,500 crew.
    pub fn for_travelers(travelers: usize) -> YearShape {
        YearShape {
            trips: (travelers * 3 / 10).max(1),
            vehicles: 500,
            crew: 1_500,
            relief_every: 10,
            incident_every: 100,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GeneratedYear {
    pub trips: usize,
    pub relief_trips: usize,
    pub hand_overs: usize,
    pub checklists: usize,
    pub gate_decisions: usize,
    pub incidents: usize,
    pub purged: usize,
    pub entries: u64,
}

/// 2022-01-01T00:00:00Z.
fn year_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2022, 1, 1, 0, 0, 0).unwrap()
}

/// One thing that happens, with its entry and its rows.
enum Ev {
    Checklist {
        kind: ChecklistKind,
        subject: Subject,
        travelers: Vec<i64>,
    },
    Gate {
        trip: i64,
        gate: BatchState,
        travelers: Vec<i64>,
    },
    State {
        trip: i64,
        from: BatchState,
        to: BatchState,
        times: (DateTime<Utc>, DateTime<Utc>),
        travelers: Vec<i64>,
    },
    HandOver(NewHandover),
    Incident {
        key: usize,
        trip: i64,
        vehicle: i64,
        crew: i64,
        traveler: i64,
    },
    Resolve {
        key: usize,
        traveler: i64,
    },
    Purge(Vec<i64>),
}

/// A trip as planned here.
struct Trip {
    id: i64,
    vehicle: i64,
    crew: [i64; 2],
    riders: Vec<i64>,
}

/// A traveler's loop as their last hand-over leaves it.
struct Loop {
    delivered: bool,
    party: PartyRole,
    party_id: i64,
    since: DateTime<Utc>,
    handover: i64,
    trip: i64,
}

fn party(role: PartyRole, id: i64) -> PartyKey {
    PartyKey { role, id }
}

/// Writes a generated year over `travelers` (stored already, in arrival order) at `port`, with
/// the check-lists of `templates`. See the module docs.
pub fn year(
    conn: &mut DbConnection,
    keys: LedgerKeys<'_>,
    templates: &TemplateBook,
    port: i64,
    travelers: &[i64],
    shape: YearShape,
    seed: u64,
) -> Result<GeneratedYear, StoreError> {
    let mut rng = SplitMix64::new(seed);
    let mut out = GeneratedYear::default();
    let vehicles: Vec<i64> = (0..shape.vehicles.max(1))
        .map(|i| custody::add_vehicle(conn, &format!("沪G{i:05}"), 20))
        .collect::<Result<_, _>>()?;
    let crew: Vec<i64> = (0..shape.crew.max(2))
        .map(|i| custody::add_crew(conn, &format!("G{i:05}"), &format!("crew {i}"), "escort"))
        .collect::<Result<_, _>>()?;
    let trips_n = shape.trips.clamp(1, travelers.len().max(1));
    let start = year_start();
    let mut events: Vec<(DateTime<Utc>, Ev)> = Vec::new();
    let mut incidents = 0;
    let mut plans: Vec<(Trip, DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    let mut next_rider = 0;
    write_transaction(conn, |conn| {
        for k in 0..trips_n {
            let left = travelers.len() - next_rider;
            let size = left.div_ceil(trips_n - k);
            let riders = travelers[next_rider..next_rider + size].to_vec();
            next_rider += size;
            let day = (k * 365 / trips_n) as i64;
            let depart = start
                + Duration::days(day)
                + Duration::hours(6)
                + Duration::minutes(rng.below(16 * 60) as i64);
            let arrive = depart + Duration::minutes(40 + rng.below(100) as i64);
            let trip = plan(
                conn,
                port,
                vehicles[k % vehicles.len()],
                pair(&crew, 2 * k),
                &riders,
                depart,
                arrive,
            )?;
            let relief = (shape.relief_every > 0 && k % shape.relief_every == 0).then(|| {
                let r = depart + Duration::minutes(15);
                (r, arrive + Duration::minutes(20))
            });
            let relief = match relief {
                Some((r_depart, r_arrive)) => {
                    let t = plan(
                        conn,
                        port,
                        vehicles[(k + 1) % vehicles.len()],
                        pair(&crew, 2 * k + 7),
                        &riders,
                        r_depart,
                        r_arrive,
                    )?;
                    Some((t, r_depart, r_arrive))
                }
                None => None,
            };
            let incident =
                shape.incident_every > 0 && k % shape.incident_every == shape.incident_every / 2;
            events_of_trip(
                &mut events,
                &mut rng,
                (&trip, depart, arrive),
                relief.as_ref().map(|(t, d, a)| (t, *d, *a)),
                incident.then(|| {
                    incidents += 1;
                    incidents
                }),
            );
            plans.push((trip, depart, arrive));
            if let Some(r) = relief {
                plans.push(r);
                out.relief_trips += 1;
            }
        }
        Ok::<_, StoreError>(())
    })?;
    out.trips = plans.len();
    // The first quarter of the travelers purged after the year.
    let purged: Vec<i64> = travelers[..travelers.len() / 4].to_vec();
    let purge_at = start + Duration::days(366);
    for chunk in purged.chunks(PURGE_CHUNK) {
        events.push((purge_at, Ev::Purge(chunk.to_vec())));
    }
    out.purged = purged.len();
    // In time order; events at the same instant in the order they were made.
    events.sort_by_key(|(at, _)| *at);

    let mut appender = load_appender(conn)?;
    let mut loops: HashMap<i64, Loop> = HashMap::with_capacity(travelers.len());
    let mut incident_rows: HashMap<usize, (i64, u64)> = HashMap::new();
    let offset = FixedOffset::east_opt(8 * 3600).expect("a valid offset");
    for batch in events.chunks(BATCH) {
        let base = appender.size();
        let mut bodies = Vec::with_capacity(batch.len());
        for (i, (at, ev)) in batch.iter().enumerate() {
            let seq = base + i as u64;
            let entry = body(ev, *at, keys, templates, offset, &incident_rows)?;
            bodies.push((UtcMillis::from_datetime(*at)?, entry));
            if let Ev::Incident { key, .. } = ev {
                incident_rows.insert(*key, (0, seq));
            }
        }
        let head_at = UtcMillis::from_datetime(batch.last().expect("a batch").0)?;
        let done = write_transaction(conn, |conn| {
            let done = append_in_transaction(conn, &appender, bodies, keys.signer, head_at)?;
            for (i, (at, ev)) in batch.iter().enumerate() {
                let seq = (base + i as u64) as i64;
                rows(
                    conn,
                    ev,
                    *at,
                    seq,
                    templates,
                    offset,
                    &mut loops,
                    &mut incident_rows,
                    &mut out,
                )?;
            }
            Ok::<_, StoreError>(done)
        })?;
        appender = done.appender;
    }
    write_transaction(conn, |conn| {
        let mut all: Vec<(&i64, &Loop)> = loops.iter().collect();
        all.sort_unstable_by_key(|(t, _)| **t);
        for (&t, l) in all {
            diesel::insert_into(traveler_loops::table)
                .values((
                    traveler_loops::traveler_id.eq(t),
                    traveler_loops::status.eq(if l.delivered {
                        "delivered"
                    } else {
                        "in_custody"
                    }),
                    traveler_loops::party.eq(l.party.code()),
                    traveler_loops::party_id.eq(l.party_id),
                    traveler_loops::since.eq(l.since.naive_utc()),
                    traveler_loops::handover_id.eq(Some(l.handover)),
                    traveler_loops::trip_id.eq(Some(l.trip)),
                ))
                .execute(conn)?;
        }
        let now = Utc::now().naive_utc();
        for chunk in purged.chunks(PURGE_CHUNK) {
            diesel::update(travelers::table.filter(travelers::id.eq_any(chunk)))
                .set(travelers::purged_at.eq(Some(now)))
                .execute(conn)?;
        }
        Ok::<_, StoreError>(())
    })?;
    out.entries = appender.size();
    out.incidents = incidents;
    Ok(out)
}

/// Two distinct crew members from `i` on.
fn pair(crew: &[i64], i: usize) -> [i64; 2] {
    [crew[i % crew.len()], crew[(i + 1) % crew.len()]]
}

/// Stores a trip as it ends the year (completed, at the times its last state entry gives),
/// with its crew and riders; returns it.
fn plan(
    conn: &mut DbConnection,
    port: i64,
    vehicle: i64,
    crew: [i64; 2],
    riders: &[i64],
    depart: DateTime<Utc>,
    arrive: DateTime<Utc>,
) -> Result<Trip, StoreError> {
    let id = diesel::insert_into(trips::table)
        .values((
            trips::vehicle_id.eq(vehicle),
            trips::port_id.eq(port),
            trips::started_at.eq(depart.naive_utc()),
            trips::ended_at.eq(completed_at(arrive).naive_utc()),
            trips::state.eq(BatchState::Completed.code()),
            trips::planned_arrival.eq(Some(arrive.naive_utc())),
        ))
        .returning(trips::id)
        .get_result::<i64>(conn)?;
    for c in crew {
        diesel::insert_into(trip_crew::table)
            .values((trip_crew::trip_id.eq(id), trip_crew::crew_id.eq(c)))
            .execute(conn)?;
    }
    for &t in riders {
        diesel::insert_into(trip_travelers::table)
            .values((
                trip_travelers::trip_id.eq(id),
                trip_travelers::traveler_id.eq(t),
                trip_travelers::stop.eq(0),
            ))
            .execute(conn)?;
    }
    Ok(Trip {
        id,
        vehicle,
        crew,
        riders: riders.to_vec(),
    })
}

/// When a trip arriving at `arrive` completes.
fn completed_at(arrive: DateTime<Utc>) -> DateTime<Utc> {
    arrive + Duration::minutes(5)
}

/// Everything that happens to one trip (and its relief, when it has one).
fn events_of_trip(
    events: &mut Vec<(DateTime<Utc>, Ev)>,
    rng: &mut SplitMix64,
    (trip, depart, arrive): (&Trip, DateTime<Utc>, DateTime<Utc>),
    relief: Option<(&Trip, DateTime<Utc>, DateTime<Utc>)>,
    incident: Option<usize>,
) {
    let mut push = |at: DateTime<Utc>, ev: Ev| events.push((at, ev));
    let before = |t: &Trip, at: DateTime<Utc>, push: &mut dyn FnMut(DateTime<Utc>, Ev)| {
        let day = at
            .with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap())
            .date_naive();
        for c in t.crew {
            push(
                at - Duration::minutes(40),
                Ev::Checklist {
                    kind: ChecklistKind::CrewHealth,
                    subject: Subject::CrewMember { crew: CrewId(c) },
                    travelers: vec![],
                },
            );
        }
        push(
            at - Duration::minutes(35),
            Ev::Checklist {
                kind: ChecklistKind::VehicleInspection,
                subject: Subject::VehicleDay {
                    vehicle: VehicleId(t.vehicle),
                    day,
                },
                travelers: vec![],
            },
        );
        push(
            at - Duration::minutes(30),
            Ev::Checklist {
                kind: ChecklistKind::PreDepartureReminder,
                subject: Subject::Batch {
                    batch: BatchId(t.id),
                },
                travelers: t.riders.clone(),
            },
        );
    };
    let depart_ev = |t: &Trip,
                     at: DateTime<Utc>,
                     end: DateTime<Utc>,
                     push: &mut dyn FnMut(DateTime<Utc>, Ev)| {
        for gate in [BatchState::Approved, BatchState::Departed] {
            push(
                at,
                Ev::Gate {
                    trip: t.id,
                    gate,
                    travelers: t.riders.clone(),
                },
            );
        }
        push(
            at,
            Ev::State {
                trip: t.id,
                from: BatchState::Planned,
                to: BatchState::Departed,
                times: (at, end.max(at)),
                travelers: t.riders.clone(),
            },
        );
    };
    let complete_ev = |t: &Trip,
                       start: DateTime<Utc>,
                       at: DateTime<Utc>,
                       push: &mut dyn FnMut(DateTime<Utc>, Ev)| {
        push(
            at,
            Ev::Gate {
                trip: t.id,
                gate: BatchState::Completed,
                travelers: t.riders.clone(),
            },
        );
        push(
            at,
            Ev::State {
                trip: t.id,
                from: BatchState::Departed,
                to: BatchState::Completed,
                times: (start, start.max(at)),
                travelers: t.riders.clone(),
            },
        );
    };
    before(trip, depart, &mut push);
    let lead = party(PartyRole::Crew, trip.crew[0]);
    let desk = party(PartyRole::PortStaff, 1 + rng.below(20) as i64);
    for (i, &t) in trip.riders.iter().enumerate() {
        push(
            depart - Duration::minutes(10) + Duration::seconds(i as i64 * 20),
            Ev::HandOver(NewHandover {
                trip_id: Some(trip.id),
                giver: desk,
                receiver: lead,
                at: (depart - Duration::minutes(10) + Duration::seconds(i as i64 * 20)).naive_utc(),
                position: Some((31.1443, 121.8083)),
                expected: 1,
                counted: 1,
                travelers: vec![t],
                to_trip: None,
            }),
        );
    }
    depart_ev(trip, depart, arrive, &mut push);
    if let Some(key) = incident {
        push(
            depart + Duration::minutes(12),
            Ev::Incident {
                key,
                trip: trip.id,
                vehicle: trip.vehicle,
                crew: trip.crew[0],
                traveler: trip.riders[0],
            },
        );
        if rng.below(5) != 0 {
            push(
                depart + Duration::minutes(50),
                Ev::Resolve {
                    key,
                    traveler: trip.riders[0],
                },
            );
        }
    }
    // Who delivers: the trip's crew, or the relief's after the hand-over on the road.
    let (carrier, carrier_arrive, carrier_depart) = match relief {
        Some((r, r_depart, r_arrive)) => {
            before(r, r_depart, &mut push);
            depart_ev(r, r_depart, r_arrive, &mut push);
            let at = r_depart + Duration::minutes(5);
            push(
                at,
                Ev::HandOver(NewHandover {
                    trip_id: Some(trip.id),
                    giver: lead,
                    receiver: party(PartyRole::Crew, r.crew[0]),
                    at: at.naive_utc(),
                    position: Some((31.2, 121.6)),
                    expected: trip.riders.len() as i64,
                    counted: trip.riders.len() as i64,
                    travelers: trip.riders.clone(),
                    to_trip: Some(r.id),
                }),
            );
            // The first trip's crew holds nobody now.
            complete_ev(trip, depart, completed_at(arrive), &mut push);
            (r, r_arrive, r_depart)
        }
        None => (trip, arrive, depart),
    };
    let giver = party(PartyRole::Crew, carrier.crew[0]);
    let n = carrier.riders.len() as i64;
    for (i, &t) in carrier.riders.iter().enumerate() {
        let role = match rng.below(100) {
            0..70 => PartyRole::HotelStaff,
            70..95 => PartyRole::CommunityStaff,
            _ => PartyRole::HospitalStaff,
        };
        let at = carrier_arrive - Duration::minutes(2 * (n - i as i64));
        push(
            at,
            Ev::HandOver(NewHandover {
                trip_id: Some(carrier.id),
                giver,
                receiver: party(role, 1 + rng.below(400) as i64),
                at: at.naive_utc(),
                position: Some((31.2304, 121.4737)),
                expected: 1,
                counted: 1,
                travelers: vec![t],
                to_trip: None,
            }),
        );
    }
    push(
        carrier_arrive,
        Ev::Checklist {
            kind: ChecklistKind::PersonnelHandover,
            subject: Subject::Stop {
                batch: BatchId(carrier.id),
                stop: 0,
            },
            travelers: carrier.riders.clone(),
        },
    );
    complete_ev(
        carrier,
        carrier_depart,
        completed_at(carrier_arrive),
        &mut push,
    );
}

fn refs(keys: LedgerKeys<'_>, travelers: &[i64]) -> Vec<TravelerRef> {
    travelers
        .iter()
        .map(|&t| TravelerRef::from_key(keys.pepper, t))
        .collect()
}

/// The entry of `ev`, built as the desk path builds it.
fn body(
    ev: &Ev,
    at: DateTime<Utc>,
    keys: LedgerKeys<'_>,
    templates: &TemplateBook,
    offset: FixedOffset,
    incidents: &HashMap<usize, (i64, u64)>,
) -> Result<Body, StoreError> {
    let mut body = match ev {
        Ev::Checklist {
            kind,
            subject,
            travelers,
        } => {
            let day = at.with_timezone(&offset).date_naive();
            let template = templates.in_force(*kind, day).ok_or_else(|| {
                StoreError::Corrupt(format!("no {} check-list in force on {day}", kind.code()))
            })?;
            checklist_body(template, subject, None, &[], refs(keys, travelers))?
        }
        Ev::Gate {
            trip,
            gate,
            travelers,
        } => Body::GateDecision(GateDecision {
            gate: Id::new(gate.code())?,
            subject: LedgerSubject {
                kind: SubjectKind::Batch,
                id: Id::from_key(*trip),
            },
            decision: Decision::Pass,
            missing: vec![],
            decided_by: desk_party(),
            travelers: refs(keys, travelers),
        }),
        Ev::State {
            trip,
            from,
            to,
            times,
            travelers,
        } => trip_state_body(*trip, *from, *to, *times, refs(keys, travelers))?,
        Ev::HandOver(h) => custody::handover_body(h, keys.pepper)?,
        Ev::Incident {
            trip,
            vehicle,
            crew,
            traveler,
            ..
        } => Body::Incident(LedgerIncident {
            incident: ledger_kind(IncidentKind::SymptomaticEnRoute),
            severity: Severity::Serious,
            subject: ledger_subject(Some(*trip), Some(*vehicle), &[*crew]),
            place: ledger_place(Some(*trip), Some((31.18, 121.7)))?,
            reported_by: desk_party(),
            travelers: refs(keys, &[*traveler]),
        }),
        Ev::Resolve { key, traveler } => Body::IncidentResolved(IncidentResolved {
            report: incidents
                .get(key)
                .map(|(_, s)| *s)
                .ok_or_else(|| StoreError::Corrupt("a resolution before its report".into()))?,
            resolved_by: desk_party(),
            travelers: refs(keys, &[*traveler]),
        }),
        Ev::Purge(travelers) => Body::Purge(Purge {
            reason: PurgeReason::RetentionEnded,
            by: Party {
                role: Role::System,
                id: Id::new("purge")?,
            },
            travelers: refs(keys, travelers),
        }),
    };
    body.normalize();
    Ok(body)
}

/// The rows of `ev`, under entry `seq`.
#[allow(clippy::too_many_arguments)]
fn rows(
    conn: &mut DbConnection,
    ev: &Ev,
    at: DateTime<Utc>,
    seq: i64,
    templates: &TemplateBook,
    offset: FixedOffset,
    loops: &mut HashMap<i64, Loop>,
    incident_rows: &mut HashMap<usize, (i64, u64)>,
    out: &mut GeneratedYear,
) -> Result<(), StoreError> {
    use crate::schema::checklist_instances as ci;
    match ev {
        Ev::Checklist { kind, subject, .. } => {
            let local = at.with_timezone(&offset).date_naive();
            let template = templates
                .in_force(*kind, local)
                .expect("checked when the entry was built");
            let (code, crew, vehicle, trip, stop) = columns(subject);
            diesel::insert_into(ci::table)
                .values((
                    ci::kind.eq(kind.code()),
                    ci::template_version.eq(&template.version),
                    ci::subject.eq(code),
                    ci::crew_id.eq(crew),
                    ci::vehicle_id.eq(vehicle),
                    ci::trip_id.eq(trip),
                    ci::stop.eq(stop),
                    ci::day.eq(subject.counts_for(local)),
                    ci::subject_json.eq(to_json(subject)),
                    ci::answers.eq("{}"),
                    ci::passed.eq(true),
                    ci::failures.eq("[]"),
                    ci::completed_at.eq(at.naive_utc()),
                    ci::completed_by.eq(None::<i64>),
                    ci::ledger_seq.eq(seq),
                ))
                .execute(conn)?;
            out.checklists += 1;
        }
        Ev::Gate { trip, gate, .. } => {
            diesel::insert_into(gate_decisions::table)
                .values((
                    gate_decisions::trip_id.eq(trip),
                    gate_decisions::transition.eq(gate.code()),
                    gate_decisions::passed.eq(true),
                    gate_decisions::missing.eq("[]"),
                    gate_decisions::decided_at.eq(at.naive_utc()),
                    gate_decisions::ledger_seq.eq(seq),
                ))
                .execute(conn)?;
            out.gate_decisions += 1;
        }
        Ev::State { .. } | Ev::Purge(_) => {}
        Ev::HandOver(h) => {
            let id = insert_handover(conn, h, seq)?;
            out.hand_overs += 1;
            let to = h.receiver;
            let delivered = to.role.closes_loop();
            for &t in &h.travelers {
                let trip = h
                    .to_trip
                    .or(h.trip_id)
                    .expect("every generated hand-over has a trip");
                loops.insert(
                    t,
                    Loop {
                        delivered,
                        party: to.role,
                        party_id: if delivered { to.id } else { trip },
                        since: at,
                        handover: id,
                        trip,
                    },
                );
            }
        }
        Ev::Incident {
            key,
            trip,
            vehicle,
            crew,
            traveler,
        } => {
            let (lat, lon) = (31.18, 121.7);
            let id = diesel::insert_into(incidents::table)
                .values((
                    incidents::kind.eq(IncidentKind::SymptomaticEnRoute.code()),
                    incidents::severity.eq(Severity::Serious.code()),
                    incidents::at.eq(at.naive_utc()),
                    incidents::lat.eq(Some(lat)),
                    incidents::lon.eq(Some(lon)),
                    incidents::trip_id.eq(Some(trip)),
                    incidents::vehicle_id.eq(Some(vehicle)),
                    incidents::description.eq("generated: fever on board"),
                    incidents::ledger_seq.eq(seq),
                ))
                .returning(incidents::id)
                .get_result::<i64>(conn)?;
            diesel::insert_into(incident_travelers::table)
                .values((
                    incident_travelers::incident_id.eq(id),
                    incident_travelers::traveler_id.eq(traveler),
                ))
                .execute(conn)?;
            diesel::insert_into(incident_crew::table)
                .values((
                    incident_crew::incident_id.eq(id),
                    incident_crew::crew_id.eq(crew),
                ))
                .execute(conn)?;
            incident_rows.insert(*key, (id, seq as u64));
        }
        Ev::Resolve { key, .. } => {
            let (id, _) = incident_rows[key];
            diesel::update(incidents::table.find(id))
                .set((
                    incidents::status.eq("resolved"),
                    incidents::resolved_at.eq(Some(at.naive_utc())),
                    incidents::resolution.eq(Some("generated: taken to hospital")),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}
