//! Sample entries for tests, examples and benchmarks (here and in crates that use the ledger).
//! Deterministic: the same `i` always gives the same body.

use crate::entry::{
    Body, ChecklistCompleted, ChecklistKind, Coords, Decision, GateDecision, HandOver, Id,
    Incident, IncidentKind, Party, Place, PlaceKind, Role, Severity, Subject, SubjectKind,
    TravelerRef,
};
use crate::keys::Pepper;

/// The pepper samples use.
pub fn sample_pepper() -> Pepper {
    Pepper::from_bytes([0x5a; 32])
}

/// The reference of sample traveler `key`.
pub fn sample_traveler(key: i64) -> TravelerRef {
    TravelerRef::from_key(&sample_pepper(), key)
}

fn party(role: Role, key: u64) -> Party {
    Party {
        role,
        id: Id::from_key(key as i64),
    }
}

/// Body number `i`: mostly hand-overs of three travelers of batch `i / 4`, with a check-list,
/// a gate decision and an incident in the mix.
pub fn sample_body(i: u64) -> Body {
    let batch = Id::from_key((i / 4) as i64);
    let travelers: Vec<TravelerRef> = (0..3)
        .map(|t| sample_traveler(((i / 4) * 3 + t) as i64))
        .collect();
    let subject = Subject {
        kind: SubjectKind::Batch,
        id: batch.clone(),
    };
    match i % 7 {
        3 => Body::ChecklistCompleted(ChecklistCompleted {
            checklist: ChecklistKind::VehicleDaily,
            template: Id::new("vehicle-daily").expect("valid id"),
            template_version: 3,
            subject,
            completed_by: party(Role::Driver, i % 50),
            items_total: 12,
            items_passed: 12,
            failed_items: vec![],
            travelers: vec![],
        }),
        5 => Body::GateDecision(GateDecision {
            gate: Id::new("departure").expect("valid id"),
            subject,
            decision: Decision::Pass,
            missing: vec![],
            decided_by: party(Role::DispatchDesk, 1),
            travelers,
        }),
        6 if i % 70 == 6 => Body::Incident(Incident {
            incident: IncidentKind::Delay,
            severity: Severity::Minor,
            subject: Some(subject),
            place: None,
            reported_by: party(Role::Escort, i % 40),
            travelers,
        }),
        _ => Body::HandOver(HandOver {
            batch,
            from: party(Role::PortStaff, i % 30),
            to: party(Role::TransferCrew, 100 + i % 30),
            place: Place {
                kind: PlaceKind::Port,
                id: Some(Id::new("port-1").expect("valid id")),
                coords: Some(Coords {
                    lat_e6: 33_963_000,
                    lon_e6: 118_275_000,
                }),
            },
            head_count: 3,
            travelers,
            to_batch: None,
        }),
    }
}
