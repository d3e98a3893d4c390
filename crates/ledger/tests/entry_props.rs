//! Property tests of the canonical encoding: every entry round-trips exactly, and no edited
//! byte string is accepted as the same entry.

use closedloop_ledger::entry::{
    CodeRejected, Coords, HandOver, Incident, IncidentKind, IncidentResolved, Party, Place,
    PlaceKind, Role, Severity, Subject, SubjectKind, TripPhase, TripState,
};
use closedloop_ledger::{Appender, Body, Entry, Id, TravelerRef, UtcMillis};
use proptest::prelude::*;

fn id() -> impl Strategy<Value = Id> {
    "[A-Za-z0-9._:-]{1,64}".prop_map(|s| Id::new(s).unwrap())
}

fn travelers() -> impl Strategy<Value = Vec<TravelerRef>> {
    prop::collection::vec(any::<[u8; 32]>().prop_map(TravelerRef), 0..8)
}

fn place() -> impl Strategy<Value = Place> {
    (
        prop::sample::select(vec![
            PlaceKind::Port,
            PlaceKind::Vehicle,
            PlaceKind::Hotel,
            PlaceKind::Hospital,
            PlaceKind::Home,
            PlaceKind::Other,
        ]),
        prop::option::of(id()),
        prop::option::of((-90_000_000i32..=90_000_000, -180_000_000i32..=180_000_000)),
    )
        .prop_map(|(kind, id, c)| Place {
            kind,
            id,
            // A home never carries coordinates; the validator refuses them.
            coords: c
                .filter(|_| kind != PlaceKind::Home)
                .map(|(lat_e6, lon_e6)| Coords { lat_e6, lon_e6 }),
        })
}

fn body() -> impl Strategy<Value = Body> {
    let hand_over = (
        id(),
        id(),
        id(),
        place(),
        any::<u32>(),
        travelers(),
        prop::option::of(id()),
    )
        .prop_map(|(batch, a, b, place, head_count, travelers, to_batch)| {
            Body::HandOver(HandOver {
                batch,
                from: Party {
                    role: Role::PortStaff,
                    id: a,
                },
                to: Party {
                    role: Role::TransferCrew,
                    id: b,
                },
                place,
                head_count,
                travelers,
                to_batch,
            })
        });
    let incident = (id(), prop::option::of(place()), travelers(), 0u8..4).prop_map(
        |(who, place, travelers, sev)| {
            Body::Incident(Incident {
                incident: IncidentKind::HealthAlert,
                severity: [
                    Severity::Minor,
                    Severity::Serious,
                    Severity::Major,
                    Severity::Critical,
                ][sev as usize],
                subject: Some(Subject {
                    kind: SubjectKind::Vehicle,
                    id: who.clone(),
                }),
                place,
                reported_by: Party {
                    role: Role::Escort,
                    id: who,
                },
                travelers,
            })
        },
    );
    let resolved = (id(), any::<u64>(), travelers()).prop_map(|(who, report, travelers)| {
        Body::IncidentResolved(IncidentResolved {
            report,
            resolved_by: Party {
                role: Role::DispatchDesk,
                id: who,
            },
            travelers,
        })
    });
    let rejected =
        (id(), id(), 1u32.., any::<bool>()).prop_map(|(request, batch, attempt, locked)| {
            Body::CodeRejected(CodeRejected {
                request,
                batch,
                attempt,
                locked,
            })
        });
    let phases = [
        TripPhase::Planned,
        TripPhase::Approved,
        TripPhase::Departed,
        TripPhase::Completed,
        TripPhase::Cancelled,
    ];
    let trip_state = (
        id(),
        prop::sample::select(phases.to_vec()),
        prop::sample::select(phases[1..].to_vec()),
        0i64..4_000_000_000_000,
        0i64..86_400_000,
        travelers(),
    )
        .prop_map(|(batch, from, to, start, length, travelers)| {
            Body::TripState(TripState {
                batch,
                from,
                to,
                started: UtcMillis::from_unix_ms(start).unwrap(),
                ended: UtcMillis::from_unix_ms(start + length).unwrap(),
                decided_by: Party {
                    role: Role::DispatchDesk,
                    id: Id::new("desk").unwrap(),
                },
                travelers,
            })
        });
    prop_oneof![hand_over, incident, resolved, rejected, trip_state]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn canonical_bytes_round_trip_exactly(
        bodies in prop::collection::vec(body(), 1..6),
        ms in 0i64..4_000_000_000_000,
    ) {
        let mut a = Appender::new();
        for b in bodies {
            // Identical parties are refused (a hand-over needs two); skip those draws.
            let Ok(x) = a.append(UtcMillis::from_unix_ms(ms).unwrap(), b) else { continue };
            let parsed = Entry::from_canonical(&x.canonical).unwrap();
            prop_assert_eq!(&parsed, &x.entry);
            prop_assert_eq!(parsed.to_canonical(), x.canonical.clone());
            prop_assert!(!x.canonical.iter().any(|b| b.is_ascii_whitespace()));
            for t in parsed.body.travelers() {
                prop_assert!(parsed.mentions(t));
            }
        }
    }

    #[test]
    fn an_edited_byte_never_reads_as_the_same_entry(
        body in body(), pos: prop::sample::Index, new_byte: u8,
    ) {
        let mut a = Appender::new();
        let Ok(x) = a.append(UtcMillis::from_unix_ms(1).unwrap(), body) else { return Ok(()) };
        let mut edited = x.canonical.clone();
        let i = pos.index(edited.len());
        prop_assume!(edited[i] != new_byte);
        edited[i] = new_byte;
        if let Ok(other) = Entry::from_canonical(&edited) {
            prop_assert_ne!(other, x.entry);
        }
    }
}
