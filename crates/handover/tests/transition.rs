//! A trip's plan and its passage through the gates, moved out of the store: which gates a
//! transition passes, when a trip may not leave its state, each gate's decision to record, and
//! the trip's times afterwards.

mod common;

use closedloop_domain::Lang;
use closedloop_domain::batch::{BatchState, Stop};
use closedloop_domain::ids::{BatchId, CrewId, DestinationId, PortId, TravelerId, VehicleId};
use closedloop_handover::request::TripAction;
use closedloop_handover::transition::{
    PlanProblem, TransitionRefusal, TripPlan, check_plan, decide_gates, route, times_after,
};
use closedloop_handover::{GateBook, GateFacts, Missing};
use common::{batch, utc};

use BatchState::*;

#[test]
fn a_planned_trip_that_departs_passes_the_approval_gate_too() {
    assert_eq!(route(Planned, Approved, &[]), Ok(vec![Approved]));
    assert_eq!(route(Planned, Departed, &[]), Ok(vec![Approved, Departed]));
    assert_eq!(route(Approved, Departed, &[]), Ok(vec![Departed]));
    assert_eq!(route(Departed, Completed, &[]), Ok(vec![Completed]));
    assert_eq!(
        route(Completed, Departed, &[]),
        Err(TransitionRefusal::TripState {
            state: Completed,
            action: TripAction::Depart,
        })
    );
    assert_eq!(
        route(Departed, Approved, &[]),
        Err(TransitionRefusal::TripState {
            state: Departed,
            action: TripAction::Approve,
        })
    );
}

#[test]
fn a_trip_completes_only_once_its_crew_holds_nobody() {
    let held = [TravelerId(3), TravelerId(1), TravelerId(3)];
    assert_eq!(
        route(Departed, Completed, &held),
        Err(TransitionRefusal::OpenLoops {
            travelers: vec![TravelerId(1), TravelerId(3)],
        })
    );
    // The state is checked first: a planned trip is refused for its state, not its loops.
    assert!(matches!(
        route(Planned, Completed, &held),
        Err(TransitionRefusal::TripState { .. })
    ));
    // Departing does not care who the crew holds.
    assert!(route(Approved, Departed, &held).is_ok());
}

#[test]
fn every_gate_is_decided_and_the_refusal_names_each_missing_item_once() {
    let book = GateBook::builtin();
    let at = utc("2021-06-15T01:30:00Z");
    let checks = decide_gates(
        &book,
        &[Approved, Departed],
        Departed,
        &batch(),
        &GateFacts::default(),
        at,
    );
    assert_eq!(
        checks.checks.iter().map(|c| c.gate).collect::<Vec<_>>(),
        [Approved, Departed]
    );
    // Training is required by both gates: each gate records it, the refusal names it once.
    let training = |m: &&Missing| matches!(m, Missing::CrewTraining { .. });
    assert_eq!(checks.checks[0].missing.iter().filter(training).count(), 2);
    assert_eq!(checks.checks[1].missing.iter().filter(training).count(), 2);
    let refusal = checks.refusal.unwrap();
    assert_eq!(refusal.transition, Departed);
    assert_eq!(refusal.batch, BatchId(7));
    assert_eq!(refusal.missing.iter().filter(training).count(), 2);
    assert_eq!(
        refusal.missing.len(),
        checks.checks[1].missing.len(),
        "{refusal}"
    );
    // Approving with every crew member trained passes.
    let mut f = GateFacts::default();
    f.trainings.insert(CrewId(1), vec![at.date_naive()]);
    f.trainings.insert(CrewId(2), vec![at.date_naive()]);
    let ok = decide_gates(&book, &[Approved], Approved, &batch(), &f, at);
    assert!(ok.refusal.is_none() && ok.checks[0].missing.is_empty());
}

#[test]
fn departing_starts_the_trip_now_and_completing_ends_it_now() {
    let start = utc("2021-07-01T02:00:00Z");
    let end = utc("2021-07-01T04:00:00Z");
    let late = utc("2021-07-01T05:00:00Z");
    let early = utc("2021-07-01T01:30:00Z");
    assert_eq!(times_after(Departed, start, end, early), (early, end));
    assert_eq!(times_after(Departed, start, end, late), (late, late));
    assert_eq!(times_after(Completed, start, end, late), (start, late));
    assert_eq!(times_after(Completed, start, end, early), (start, start));
    assert_eq!(times_after(Approved, start, end, late), (start, end));
}

fn plan(stops: Vec<Vec<i64>>, seats: u32) -> TripPlan {
    TripPlan {
        port: PortId(1),
        vehicle: VehicleId(3),
        seats,
        crew: vec![CrewId(1)],
        stops: stops
            .into_iter()
            .enumerate()
            .map(|(k, ts)| Stop {
                destination: DestinationId(10 + k as i64),
                travelers: ts.into_iter().map(TravelerId).collect(),
            })
            .collect(),
        depart: utc("2021-07-01T02:00:00Z"),
        arrive: utc("2021-07-01T04:00:00Z"),
    }
}

#[test]
fn a_plan_needs_travelers_at_every_stop_seats_for_them_and_time_forward() {
    let ok = check_plan(&plan(vec![vec![1, 2], vec![3]], 3)).unwrap();
    assert_eq!(ok.travelers().count(), 3);
    assert_eq!(
        check_plan(&plan(vec![vec![1], vec![]], 3)),
        Err(PlanProblem::EmptyStop { stop: 1 })
    );
    let full = check_plan(&plan(vec![vec![1, 2], vec![3]], 2)).unwrap_err();
    assert!(matches!(full, PlanProblem::Batch(_)), "{full}");
    let mut back = plan(vec![vec![1]], 3);
    back.arrive = utc("2021-07-01T01:00:00Z");
    let e = check_plan(&back).unwrap_err();
    assert!(matches!(e, PlanProblem::ArrivesBeforeDeparture { .. }));
    assert!(e.message(Lang::ZhCn).contains("早于出发时间"), "{e}");
    assert!(
        PlanProblem::EmptyStop { stop: 1 }
            .message(Lang::ZhCn)
            .contains("没有旅客")
    );
}
