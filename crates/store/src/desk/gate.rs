//! A trip's transitions through the gates of `config/gates.toml`: the facts come from the
//! tables, `closedloop_handover::transition` decides (which gates, whether the trip may leave
//! its state, what each gate is missing, the trip's times afterwards), and each gate's
//! decision — passed or refused with every missing item — is stored with a GateDecision ledger
//! entry either way. A refusal is committed, then returned as [`DeskError::GateRefused`].

use super::trip::{TripRow, batch_of, load_trip, trip_state_body, trip_stops};
use super::{
    Desk, DeskError, desk_party, millis, naive, to_json, trip_crew_ids, trip_traveler_ids,
};
use crate::custody::PartyRole;
use crate::schema::{
    checklist_instances, crew_members, disinfections, gate_decisions, traveler_loops, trips,
    vehicles,
};
use crate::{DbConnection, StoreError};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use closedloop_domain::batch::BatchState;
use closedloop_domain::fleet::Plate;
use closedloop_domain::ids::{BatchId, CrewId, TravelerId, VehicleId};
use closedloop_handover::transition::{self, TransitionRefusal};
use closedloop_handover::{ChecklistKind, GateFacts, Missing};
use closedloop_ledger::Body;
use closedloop_ledger::entry::{Decision, GateDecision, Id, Subject, SubjectKind};
use diesel::dsl::max;
use diesel::prelude::*;

/// A transition that passed its gates: the trip's new state and the ledger entries written.
#[derive(Debug, Clone)]
pub struct GatePassed {
    pub trip: BatchId,
    pub state: BatchState,
    pub ledger_seqs: Vec<i64>,
}

fn passed_days(
    conn: &mut DbConnection,
    kind: ChecklistKind,
    crew: i64,
) -> Result<Vec<NaiveDate>, StoreError> {
    Ok(checklist_instances::table
        .filter(checklist_instances::kind.eq(kind.code()))
        .filter(checklist_instances::crew_id.eq(crew))
        .filter(checklist_instances::passed.eq(true))
        .select(checklist_instances::day)
        .load(conn)?)
}

fn passed_for_trip(
    conn: &mut DbConnection,
    kind: ChecklistKind,
    trip: i64,
) -> Result<Vec<Option<i64>>, StoreError> {
    Ok(checklist_instances::table
        .filter(checklist_instances::kind.eq(kind.code()))
        .filter(checklist_instances::trip_id.eq(trip))
        .filter(checklist_instances::passed.eq(true))
        .select(checklist_instances::stop)
        .load(conn)?)
}

/// What the gates ask about one trip, read from the tables: passed check-lists, the vehicle's
/// last disinfection (the custody record's, which a passed sanitation check-list adds to) and
/// the end of its previous completed trip.
pub fn gate_facts(conn: &mut DbConnection, trip: &TripRow) -> Result<GateFacts, StoreError> {
    let v = trip.vehicle_id;
    let mut f = GateFacts::default();
    let plate: String = vehicles::table
        .find(v)
        .select(vehicles::plate)
        .first(conn)?;
    if let Ok(p) = Plate::parse(&plate) {
        f.plates.insert(VehicleId(v), p);
    }
    let days: Vec<NaiveDate> = checklist_instances::table
        .filter(checklist_instances::kind.eq(ChecklistKind::VehicleInspection.code()))
        .filter(checklist_instances::vehicle_id.eq(v))
        .filter(checklist_instances::passed.eq(true))
        .select(checklist_instances::day)
        .load(conn)?;
    f.inspections.insert(VehicleId(v), days);
    let last: Option<NaiveDateTime> = disinfections::table
        .filter(disinfections::vehicle_id.eq(v))
        .select(max(disinfections::at))
        .first(conn)?;
    if let Some(t) = last {
        f.last_disinfection.insert(VehicleId(v), t.and_utc());
    }
    let end: Option<NaiveDateTime> = trips::table
        .filter(trips::vehicle_id.eq(v))
        .filter(trips::id.ne(trip.id))
        .filter(trips::state.eq("completed"))
        .select(max(trips::ended_at))
        .first(conn)?;
    if let Some(t) = end {
        f.last_trip_end.insert(VehicleId(v), t.and_utc());
    }
    for c in trip_crew_ids(conn, trip.id)? {
        let name: String = crew_members::table
            .find(c)
            .select(crew_members::name)
            .first(conn)?;
        f.crew_names.insert(CrewId(c), name);
        f.trainings.insert(
            CrewId(c),
            passed_days(conn, ChecklistKind::PreTripTraining, c)?,
        );
        f.health_checks
            .insert(CrewId(c), passed_days(conn, ChecklistKind::CrewHealth, c)?);
    }
    if !passed_for_trip(conn, ChecklistKind::PreDepartureReminder, trip.id)?.is_empty() {
        f.reminders.insert(BatchId(trip.id));
    }
    let stops = passed_for_trip(conn, ChecklistKind::PersonnelHandover, trip.id)?;
    f.stop_handovers.insert(
        BatchId(trip.id),
        stops
            .into_iter()
            .filter_map(|s| s.and_then(|s| u32::try_from(s).ok()))
            .collect(),
    );
    Ok(f)
}

/// The id a missing item has in the ledger: what is missing and whose.
pub(crate) fn missing_id(m: &Missing) -> Result<Id, StoreError> {
    let text = match m {
        Missing::VehicleInspection { vehicle, .. } => format!("vehicle_inspection:{vehicle}"),
        Missing::VehicleDisinfection { vehicle, .. } => format!("vehicle_disinfected:{vehicle}"),
        Missing::CrewTraining { crew, .. } => format!("crew_training:{crew}"),
        Missing::CrewHealth { crew, .. } => format!("crew_health:{crew}"),
        Missing::PreDepartureReminder { .. } => "pre_departure_reminder".into(),
        Missing::StopHandover { stop, .. } => format!("stop_handover:{stop}"),
    };
    Ok(Id::new(text)?)
}

impl Desk<'_> {
    /// Planned → approved, through the approval gate.
    pub fn approve(
        &mut self,
        conn: &mut DbConnection,
        trip: BatchId,
        at: DateTime<Utc>,
    ) -> Result<GatePassed, StoreError> {
        self.transition(conn, trip, BatchState::Approved, at)
    }

    /// Planned or approved → departed: every gate on the way checked, the decision recorded
    /// either way, and a refusal naming every missing item.
    pub fn depart(
        &mut self,
        conn: &mut DbConnection,
        trip: BatchId,
        at: DateTime<Utc>,
    ) -> Result<GatePassed, StoreError> {
        self.transition(conn, trip, BatchState::Departed, at)
    }

    /// Departed → completed, once its crew holds nobody, through the completion gate.
    pub fn complete_trip(
        &mut self,
        conn: &mut DbConnection,
        trip: BatchId,
        at: DateTime<Utc>,
    ) -> Result<GatePassed, StoreError> {
        self.transition(conn, trip, BatchState::Completed, at)
    }

    fn transition(
        &mut self,
        conn: &mut DbConnection,
        trip: BatchId,
        target: BatchState,
        at: DateTime<Utc>,
    ) -> Result<GatePassed, StoreError> {
        let trip_id = trip.0;
        let book = self.gates().clone();
        let decided = self.transact(conn, |conn, pending| {
            let trip = load_trip(conn, trip_id)?;
            let held: Vec<i64> = traveler_loops::table
                .filter(traveler_loops::status.eq("in_custody"))
                .filter(traveler_loops::party.eq(PartyRole::Crew.code()))
                .filter(traveler_loops::party_id.eq(trip_id))
                .select(traveler_loops::traveler_id)
                .order(traveler_loops::traveler_id)
                .load(conn)?;
            let held: Vec<TravelerId> = held.into_iter().map(TravelerId).collect();
            let gates = transition::route(trip.state, target, &held).map_err(|r| match r {
                TransitionRefusal::TripState { action, .. } => DeskError::TripState {
                    trip: trip_id,
                    state: trip.state.code().to_string(),
                    action,
                },
                TransitionRefusal::OpenLoops { travelers } => DeskError::OpenLoops {
                    trip: trip_id,
                    travelers: travelers.into_iter().map(|t| t.0).collect(),
                },
            })?;
            let crew = trip_crew_ids(conn, trip_id)?;
            let stops = trip_stops(conn, trip_id)?;
            let batch = batch_of(&trip, &crew, &stops)?;
            let travelers = trip_traveler_ids(conn, trip_id)?;
            let facts = gate_facts(conn, &trip)?;
            let decided = transition::decide_gates(&book, &gates, target, &batch, &facts, at);
            let times = transition::times_after(
                target,
                trip.started_at.and_utc(),
                trip.ended_at.and_utc(),
                at,
            );
            let mut entries = Vec::new();
            let mut rows = Vec::new();
            for check in &decided.checks {
                let mut ids = check
                    .missing
                    .iter()
                    .map(missing_id)
                    .collect::<Result<Vec<_>, _>>()?;
                ids.sort_unstable();
                ids.dedup();
                let passed = check.missing.is_empty();
                let mut body = Body::GateDecision(GateDecision {
                    gate: Id::new(check.gate.code())?,
                    subject: Subject {
                        kind: SubjectKind::Batch,
                        id: Id::from_key(trip_id),
                    },
                    decision: if passed {
                        Decision::Pass
                    } else {
                        Decision::Block
                    },
                    missing: ids,
                    decided_by: desk_party(),
                    travelers: pending.refs(&travelers),
                });
                body.normalize();
                entries.push((millis(at)?, body));
                rows.push((check.gate, to_json(&check.missing), passed));
            }
            if decided.refusal.is_none() {
                // The state change itself, after the gates it passed.
                let refs = pending.refs(&travelers);
                let body = trip_state_body(trip_id, trip.state, target, times, refs)?;
                entries.push((millis(at)?, body));
            }
            let written = entries.len();
            let first = pending.append(conn, entries)?;
            let mut seqs = Vec::new();
            for (i, (gate, json, passed)) in rows.into_iter().enumerate() {
                let seq = first + i as i64;
                seqs.push(seq);
                diesel::insert_into(gate_decisions::table)
                    .values((
                        gate_decisions::trip_id.eq(trip_id),
                        gate_decisions::transition.eq(gate.code()),
                        gate_decisions::passed.eq(passed),
                        gate_decisions::missing.eq(json),
                        gate_decisions::decided_at.eq(naive(at)),
                        gate_decisions::ledger_seq.eq(seq),
                    ))
                    .execute(conn)?;
            }
            if let Some(refusal) = decided.refusal {
                return Ok(Err(refusal));
            }
            seqs.push(first + written as i64 - 1);
            let (started, ended) = times;
            diesel::update(trips::table.find(trip_id))
                .set((
                    trips::state.eq(target.code()),
                    trips::started_at.eq(naive(started)),
                    trips::ended_at.eq(naive(ended)),
                ))
                .execute(conn)?;
            Ok(Ok(seqs))
        })?;
        match decided {
            Ok(ledger_seqs) => Ok(GatePassed {
                trip,
                state: target,
                ledger_seqs,
            }),
            Err(refusal) => Err(DeskError::GateRefused(Box::new(refusal)).into()),
        }
    }
}
