//! A trip as the desk plans it and drives it through its states: the checks of a planned trip
//! ([`check_plan`]); which gates a transition passes and whether the trip may leave its state
//! at all ([`route`]); every gate's decision, to record whether passed or refused
//! ([`decide_gates`]); and the trip's times once it departs or completes ([`times_after`]).

use crate::gate::{GateBook, GateFacts, check_gate};
use crate::missing::{GateRefusal, Missing};
use crate::request::TripAction;
use chrono::{DateTime, Utc};
use closedloop_domain::batch::{Batch, BatchState, Stop};
use closedloop_domain::ids::{BatchId, CrewId, PortId, TravelerId, VehicleId};
use closedloop_domain::{DomainError, Lang};
use std::fmt;

/// Why a trip cannot be planned as asked.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanProblem {
    /// Stop `stop` (from 0) has no travelers.
    EmptyStop { stop: usize },
    /// The batch itself: no crew, no stop, a traveler on two stops, more travelers than seats.
    Batch(DomainError),
    ArrivesBeforeDeparture {
        depart: DateTime<Utc>,
        arrive: DateTime<Utc>,
    },
}

impl PlanProblem {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (PlanProblem::EmptyStop { stop }, Lang::En) => format!("stop {stop} has no travelers"),
            (PlanProblem::EmptyStop { stop }, Lang::ZhCn) => format!("站点 {stop} 没有旅客"),
            (PlanProblem::Batch(e), _) => e.message(lang),
            (PlanProblem::ArrivesBeforeDeparture { depart, arrive }, Lang::En) => {
                format!("arrival {arrive} is before departure {depart}")
            }
            (PlanProblem::ArrivesBeforeDeparture { depart, arrive }, Lang::ZhCn) => {
                format!("到达时间 {arrive} 早于出发时间 {depart}")
            }
        }
    }
}

impl fmt::Display for PlanProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::text::both(f, |lang| self.message(lang))
    }
}

/// What the desk plans: the vehicle and its seats, the crew, the stops in calling order, and
/// the planned departure and arrival.
#[derive(Debug, Clone, PartialEq)]
pub struct TripPlan {
    pub port: PortId,
    pub vehicle: VehicleId,
    pub seats: u32,
    pub crew: Vec<CrewId>,
    pub stops: Vec<Stop>,
    pub depart: DateTime<Utc>,
    pub arrive: DateTime<Utc>,
}

/// Checks a planned trip: every stop has travelers, the batch is valid (a crew, a stop, each
/// traveler on one stop, within the seats), and it arrives no earlier than it departs.
pub fn check_plan(plan: &TripPlan) -> Result<Batch, PlanProblem> {
    if let Some(stop) = plan.stops.iter().position(|s| s.travelers.is_empty()) {
        return Err(PlanProblem::EmptyStop { stop });
    }
    let batch = Batch::plan(
        BatchId(0),
        plan.port,
        plan.vehicle,
        plan.crew.clone(),
        plan.stops.clone(),
        plan.seats,
    )
    .map_err(PlanProblem::Batch)?;
    if plan.arrive < plan.depart {
        return Err(PlanProblem::ArrivesBeforeDeparture {
            depart: plan.depart,
            arrive: plan.arrive,
        });
    }
    Ok(batch)
}

/// Why a trip cannot leave its state as asked, before any gate is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransitionRefusal {
    /// The transition does not start from the trip's state.
    TripState {
        state: BatchState,
        action: TripAction,
    },
    /// A trip cannot complete while its crew still holds travelers.
    OpenLoops { travelers: Vec<TravelerId> },
}

/// What a transition to `target` is called when refused.
pub fn action(target: BatchState) -> TripAction {
    match target {
        BatchState::Approved => TripAction::Approve,
        BatchState::Completed => TripAction::Complete,
        _ => TripAction::Depart,
    }
}

/// The gates a trip passes from `from` to `target`, in order (a planned trip that departs
/// passes the approval gate too); refused when the transition does not start from `from`, or
/// when a trip would complete while its crew still holds `held_by_crew`.
pub fn route(
    from: BatchState,
    target: BatchState,
    held_by_crew: &[TravelerId],
) -> Result<Vec<BatchState>, TransitionRefusal> {
    use BatchState::*;
    let gates = match (from, target) {
        (Planned, Approved) => vec![Approved],
        (Planned, Departed) => vec![Approved, Departed],
        (Approved, Departed) => vec![Departed],
        (Departed, Completed) => vec![Completed],
        _ => {
            return Err(TransitionRefusal::TripState {
                state: from,
                action: action(target),
            });
        }
    };
    if target == Completed && !held_by_crew.is_empty() {
        let mut travelers = held_by_crew.to_vec();
        travelers.sort_unstable();
        travelers.dedup();
        return Err(TransitionRefusal::OpenLoops { travelers });
    }
    Ok(gates)
}

/// One gate checked: recorded whether it passed (no missing item) or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateCheck {
    pub gate: BatchState,
    pub missing: Vec<Missing>,
}

/// Every gate on the way checked, and the refusal naming every missing item once if any gate
/// failed (the trip then stays where it is).
#[derive(Debug, Clone, PartialEq)]
pub struct GateChecks {
    pub checks: Vec<GateCheck>,
    pub refusal: Option<GateRefusal>,
}

/// Checks each of `gates` (from [`route`]) for `batch`, towards `target`.
pub fn decide_gates(
    book: &GateBook,
    gates: &[BatchState],
    target: BatchState,
    batch: &Batch,
    facts: &GateFacts,
    at: DateTime<Utc>,
) -> GateChecks {
    let mut checks = Vec::with_capacity(gates.len());
    let mut missing: Vec<Missing> = Vec::new();
    for &gate in gates {
        let found = match check_gate(book, gate, batch, facts, at) {
            Ok(()) => Vec::new(),
            Err(r) => r.missing,
        };
        for m in &found {
            if !missing.contains(m) {
                missing.push(m.clone());
            }
        }
        checks.push(GateCheck {
            gate,
            missing: found,
        });
    }
    let refusal = (!missing.is_empty()).then_some(GateRefusal {
        batch: batch.id,
        transition: target,
        missing,
    });
    GateChecks { checks, refusal }
}

/// A trip's (start, end) once it has passed to `target` at `at`: departing starts it now (and
/// pushes a planned end that is already past to now); completing ends it now (never before its
/// start); approval changes neither.
pub fn times_after(
    target: BatchState,
    started: DateTime<Utc>,
    ended: DateTime<Utc>,
    at: DateTime<Utc>,
) -> (DateTime<Utc>, DateTime<Utc>) {
    match target {
        BatchState::Departed => (at, ended.max(at)),
        BatchState::Completed => (started, started.max(at)),
        _ => (started, ended),
    }
}
