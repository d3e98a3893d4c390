//! The small rules the store used to decide itself: the day a check-list counts for, which
//! check-list is a disinfection, and the batch a trip-less hand-over counts as.

use chrono::NaiveDate;
use closedloop_domain::ids::{BatchId, CrewId, VehicleId};
use closedloop_handover::record::Delivery;
use closedloop_handover::{Outcome, Subject};

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2021, 7, d).unwrap()
}

fn outcome(passed: bool) -> Outcome {
    Outcome {
        passed,
        failures: Vec::new(),
    }
}

#[test]
fn an_inspection_counts_for_its_own_day_others_for_the_day_they_were_done() {
    let inspection = Subject::VehicleDay {
        vehicle: VehicleId(1),
        day: day(2),
    };
    assert_eq!(inspection.counts_for(day(1)), day(2));
    let health = Subject::CrewMember { crew: CrewId(3) };
    assert_eq!(health.counts_for(day(1)), day(1));
}

#[test]
fn only_a_passed_sanitation_disinfects_its_vehicle() {
    let sanitation = Subject::VehicleAfterTrip {
        vehicle: VehicleId(4),
        batch: BatchId(9),
    };
    assert_eq!(sanitation.disinfects(&outcome(true)), Some(VehicleId(4)));
    assert_eq!(sanitation.disinfects(&outcome(false)), None);
    let inspection = Subject::VehicleDay {
        vehicle: VehicleId(4),
        day: day(1),
    };
    assert_eq!(inspection.disinfects(&outcome(true)), None);
}

#[test]
fn a_hand_over_without_a_trip_is_a_batch_of_its_own() {
    let on_trip = Delivery::of_handover(5, Some(BatchId(2)), day(1), 3);
    assert_eq!(on_trip.batch, BatchId(2));
    let alone = Delivery::of_handover(5, None, day(1), 3);
    assert_eq!((alone.batch, alone.persons), (BatchId(-5), 3));
    assert_ne!(alone.batch, Delivery::of_handover(6, None, day(1), 1).batch);
}

#[test]
fn an_incident_is_recorded_against_its_batch_else_its_vehicle_else_its_crew() {
    use closedloop_handover::incident::{IncidentSubject, happened_aboard, incident_vehicle};
    let crew = [CrewId(7), CrewId(3)];
    assert_eq!(
        IncidentSubject::of(Some(BatchId(1)), Some(VehicleId(2)), &crew),
        Some(IncidentSubject::Batch(BatchId(1)))
    );
    assert_eq!(
        IncidentSubject::of(None, Some(VehicleId(2)), &crew),
        Some(IncidentSubject::Vehicle(VehicleId(2)))
    );
    assert_eq!(
        IncidentSubject::of(None, None, &crew),
        Some(IncidentSubject::Crew(CrewId(7)))
    );
    assert_eq!(IncidentSubject::of(None, None, &[]), None);
    assert_eq!(
        incident_vehicle(None, Some(VehicleId(4))),
        Some(VehicleId(4))
    );
    assert_eq!(
        incident_vehicle(Some(VehicleId(5)), Some(VehicleId(4))),
        Some(VehicleId(5))
    );
    assert!(happened_aboard(Some(BatchId(1))) && !happened_aboard(None));
}
