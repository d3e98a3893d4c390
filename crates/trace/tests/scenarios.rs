//! Hand-built custody records, each asserting the exact exposed set.

use closedloop_trace::{
    Contact, CrewId, Disinfection, Exposure, HandOver, Party, PartyId, Reason, Record, Role,
    Subject, TraceError, TraceOptions, TravelerId, Trip, TripId, VehicleId,
};

const H: i64 = 3600;
const DAY: i64 = 24 * H;

fn trip(id: i64, vehicle: i64, crew: &[i64], travelers: &[i64], start: i64, end: i64) -> Trip {
    Trip {
        id: TripId(id),
        vehicle: VehicleId(vehicle),
        crew: crew.iter().map(|&c| CrewId(c)).collect(),
        travelers: travelers.iter().map(|&t| TravelerId(t)).collect(),
        start,
        end,
    }
}

fn party(role: Role, id: i64) -> Party {
    Party {
        role,
        id: PartyId(id),
        name_ref: format!("{role}-{id}"),
    }
}

fn hand_over(
    trip: Option<i64>,
    giver: Party,
    receiver: Party,
    travelers: &[i64],
    at: i64,
) -> HandOver {
    HandOver {
        trip: trip.map(TripId),
        giver,
        receiver,
        travelers: travelers.iter().map(|&t| TravelerId(t)).collect(),
        at,
    }
}

fn clean(vehicle: i64, at: i64) -> Disinfection {
    Disinfection {
        vehicle: VehicleId(vehicle),
        at,
    }
}

fn traveler(id: i64, reason: Reason, at: i64, via: Option<i64>) -> Exposure {
    Exposure {
        who: Contact::Traveler(TravelerId(id)),
        reason,
        at,
        via_trip: via.map(TripId),
    }
}

fn crew(id: i64, reason: Reason, at: i64, via: Option<i64>) -> Exposure {
    Exposure {
        who: Contact::Crew(CrewId(id)),
        reason,
        at,
        via_trip: via.map(TripId),
    }
}

fn other(p: Party, at: i64, via: Option<i64>) -> Exposure {
    Exposure {
        who: Contact::Party(p),
        reason: Reason::HandOver,
        at,
        via_trip: via.map(TripId),
    }
}

fn sorted(mut v: Vec<Exposure>) -> Vec<Exposure> {
    v.sort_by(|a, b| (a.at, a.reason, &a.who).cmp(&(b.at, b.reason, &b.who)));
    v
}

fn reversed<T: Clone>(v: &[T]) -> Vec<T> {
    v.iter().rev().cloned().collect()
}

fn trace(record: &Record, subject: Subject, options: TraceOptions) -> Vec<Exposure> {
    record
        .trace(subject, &options)
        .expect("index case is known")
}

const PORT: Role = Role::PortStaff;
const HOTEL: Role = Role::HotelStaff;

/// One trip from the port: three travelers, two crew, a port hand-over and two deliveries.
fn one_trip() -> (Vec<Trip>, Vec<Disinfection>, Vec<HandOver>) {
    let lead = party(Role::Crew, 10);
    (
        vec![trip(1, 1, &[10, 11], &[1, 2, 3], 0, 2 * H)],
        vec![clean(1, 2 * H + 600)],
        vec![
            hand_over(Some(1), party(PORT, 100), lead.clone(), &[1, 2, 3], 0),
            hand_over(Some(1), lead.clone(), party(HOTEL, 200), &[1, 3], H),
            hand_over(Some(1), lead, party(Role::CommunityStaff, 300), &[2], 2 * H),
        ],
    )
}

#[test]
fn traveler_exposes_co_passengers_crew_and_their_own_hand_over_parties() {
    let (trips, cleans, hand_overs) = one_trip();
    let record = Record::build(&trips, &cleans, &hand_overs).unwrap();
    let got = trace(
        &record,
        Subject::Traveler(TravelerId(1)),
        TraceOptions::default(),
    );
    let want = sorted(vec![
        traveler(2, Reason::SameTrip, 0, Some(1)),
        traveler(3, Reason::SameTrip, 0, Some(1)),
        crew(10, Reason::TripCrew, 0, Some(1)),
        crew(11, Reason::TripCrew, 0, Some(1)),
        other(party(PORT, 100), 0, Some(1)),
        other(party(HOTEL, 200), H, Some(1)),
    ]);
    // Not the community office that took traveler 2 over without traveler 1, and not traveler 1.
    assert_eq!(got, want);
}

#[test]
fn crew_exposes_everyone_on_their_trips_and_every_hand_over_of_them() {
    let (trips, cleans, hand_overs) = one_trip();
    let record = Record::build(&trips, &cleans, &hand_overs).unwrap();
    let got = trace(
        &record,
        Subject::Crew(CrewId(11)),
        TraceOptions {
            tested_at: Some(DAY),
            ..Default::default()
        },
    );
    let want = sorted(vec![
        traveler(1, Reason::SameTrip, 0, Some(1)),
        traveler(2, Reason::SameTrip, 0, Some(1)),
        traveler(3, Reason::SameTrip, 0, Some(1)),
        crew(10, Reason::TripCrew, 0, Some(1)),
        other(party(PORT, 100), 0, Some(1)),
        other(party(HOTEL, 200), H, Some(1)),
        other(party(Role::CommunityStaff, 300), 2 * H, Some(1)),
    ]);
    assert_eq!(got, want);
}

#[test]
fn later_trips_of_the_vehicle_before_its_next_disinfection_are_exposed_and_after_it_are_not() {
    let trips = vec![
        trip(1, 1, &[10], &[1, 2], 0, 2 * H),
        trip(2, 1, &[12], &[4], 3 * H, 4 * H),
        trip(3, 1, &[13], &[5], 6 * H, 7 * H),
        // Another vehicle at the same time: nothing to do with it.
        trip(4, 2, &[14], &[6], 3 * H, 4 * H),
    ];
    // Disinfected during trip 1 (the index case still aboard: does not count), then only after
    // trip 2.
    let cleans = vec![clean(1, H), clean(1, 5 * H), clean(2, 0)];
    let record = Record::build(&trips, &cleans, &[]).unwrap();
    let got = trace(
        &record,
        Subject::Traveler(TravelerId(1)),
        TraceOptions::default(),
    );
    let dirty = Reason::VehicleNotDisinfected {
        vehicle: VehicleId(1),
    };
    let want = sorted(vec![
        traveler(2, Reason::SameTrip, 0, Some(1)),
        crew(10, Reason::TripCrew, 0, Some(1)),
        traveler(4, dirty, 3 * H, Some(2)),
        crew(12, dirty, 3 * H, Some(2)),
    ]);
    assert_eq!(got, want);
}

#[test]
fn no_disinfection_at_all_exposes_every_later_trip_of_the_vehicle() {
    let trips = vec![
        trip(1, 1, &[10], &[1], 0, H),
        trip(2, 1, &[10], &[2], 100 * DAY, 100 * DAY + H),
        trip(3, 1, &[11], &[3], 200 * DAY, 200 * DAY + H),
    ];
    let record = Record::build(&trips, &[], &[]).unwrap();
    let got = trace(
        &record,
        Subject::Traveler(TravelerId(1)),
        TraceOptions::default(),
    );
    let dirty = Reason::VehicleNotDisinfected {
        vehicle: VehicleId(1),
    };
    let want = sorted(vec![
        crew(10, Reason::TripCrew, 0, Some(1)),
        traveler(2, dirty, 100 * DAY, Some(2)),
        traveler(3, dirty, 200 * DAY, Some(3)),
        crew(11, dirty, 200 * DAY, Some(3)),
    ]);
    assert_eq!(got, want);
}

#[test]
fn disinfection_boundaries() {
    let dirty = Reason::VehicleNotDisinfected {
        vehicle: VehicleId(1),
    };
    let trips = vec![
        trip(1, 1, &[], &[1], 0, 2 * H),
        trip(2, 1, &[], &[2], 3 * H, 4 * H),
    ];

    // Exactly at the end of the index trip: the vehicle was clean for trip 2.
    let record = Record::build(&trips, &[clean(1, 2 * H)], &[]).unwrap();
    assert_eq!(
        trace(
            &record,
            Subject::Traveler(TravelerId(1)),
            TraceOptions::default()
        ),
        vec![]
    );

    // Exactly at the start of trip 2: clean when they boarded.
    let record = Record::build(&trips, &[clean(1, 3 * H)], &[]).unwrap();
    assert_eq!(
        trace(
            &record,
            Subject::Traveler(TravelerId(1)),
            TraceOptions::default()
        ),
        vec![]
    );

    // One second after trip 2 started: too late.
    let record = Record::build(&trips, &[clean(1, 3 * H + 1)], &[]).unwrap();
    assert_eq!(
        trace(
            &record,
            Subject::Traveler(TravelerId(1)),
            TraceOptions::default()
        ),
        vec![traveler(2, dirty, 3 * H, Some(2))]
    );

    // Earlier trips of the vehicle are never exposed by a later index trip.
    let record = Record::build(&trips, &[], &[]).unwrap();
    assert_eq!(
        trace(
            &record,
            Subject::Traveler(TravelerId(2)),
            TraceOptions::default()
        ),
        vec![]
    );
}

/// Crew 20 works trips on days 0, 1, 10, 15 and 16; tested on day 15 at 02:00 with a 14-day
/// window, i.e. the window is [day 1 02:00, day 15 02:00].
fn crew_weeks() -> Record {
    let t0 = DAY + 2 * H;
    let trips = vec![
        trip(1, 1, &[20], &[30], 0, H),
        // Ends exactly when the window opens: inside.
        trip(2, 2, &[20], &[31], t0 - H, t0),
        trip(3, 3, &[20, 21], &[32], 10 * DAY, 10 * DAY + H),
        // Starts exactly when the window closes: inside.
        trip(4, 4, &[20], &[33], 15 * DAY + 2 * H, 15 * DAY + 3 * H),
        // Starts one second after: outside.
        trip(5, 5, &[20], &[34], 15 * DAY + 2 * H + 1, 15 * DAY + 4 * H),
    ];
    // Every vehicle disinfected straight after its trip, so only the crew rule is at work.
    let cleans: Vec<_> = trips.iter().map(|t| clean(t.vehicle.0, t.end)).collect();
    Record::build(&trips, &cleans, &[]).unwrap()
}

#[test]
fn crew_exposure_window_boundaries_are_inclusive() {
    let record = crew_weeks();
    let window = TraceOptions {
        tested_at: Some(15 * DAY + 2 * H),
        ..Default::default()
    };
    let got = trace(&record, Subject::Crew(CrewId(20)), window);
    let want = sorted(vec![
        traveler(31, Reason::SameTrip, DAY + H, Some(2)),
        traveler(32, Reason::SameTrip, 10 * DAY, Some(3)),
        crew(21, Reason::TripCrew, 10 * DAY, Some(3)),
        traveler(33, Reason::SameTrip, 15 * DAY + 2 * H, Some(4)),
    ]);
    assert_eq!(got, want);

    // `since` cuts the window further.
    let since = TraceOptions {
        since: Some(5 * DAY),
        ..window
    };
    let got = trace(&record, Subject::Crew(CrewId(20)), since);
    assert_eq!(got, want[1..].to_vec());

    // Without a test date the window ends with the crew member's last trip (trip 5, day 15
    // 04:00), so it opens at day 1 04:00, after trip 2.
    let got = trace(&record, Subject::Crew(CrewId(20)), TraceOptions::default());
    let ids: Vec<_> = got.iter().map(|e| e.who.clone()).collect();
    assert_eq!(
        ids,
        vec![
            Contact::Traveler(TravelerId(32)),
            Contact::Crew(CrewId(21)),
            Contact::Traveler(TravelerId(33)),
            Contact::Traveler(TravelerId(34)),
        ]
    );
}

#[test]
fn travelers_of_later_trips_of_the_same_crew_within_the_window_are_exposed() {
    let trips = vec![
        trip(1, 1, &[10], &[1], 0, H),
        // Crew 10 again, other vehicles: within 14 days of trip 1's end, and just past it.
        trip(2, 2, &[10, 15], &[2], 3 * DAY, 3 * DAY + H),
        trip(3, 3, &[10], &[3], H + 14 * DAY, 15 * DAY),
        trip(4, 4, &[10], &[4], H + 14 * DAY + 1, 16 * DAY),
        // Crew 10's earlier trip: not exposed.
        trip(5, 5, &[10], &[5], -DAY, -DAY + H),
    ];
    let cleans: Vec<_> = trips.iter().map(|t| clean(t.vehicle.0, t.end)).collect();
    let record = Record::build(&trips, &cleans, &[]).unwrap();
    let got = trace(
        &record,
        Subject::Traveler(TravelerId(1)),
        TraceOptions::default(),
    );
    let shared = Reason::SharedCrew { crew: CrewId(10) };
    let want = sorted(vec![
        crew(10, Reason::TripCrew, 0, Some(1)),
        traveler(2, shared, 3 * DAY, Some(2)),
        crew(15, shared, 3 * DAY, Some(2)),
        traveler(3, shared, H + 14 * DAY, Some(3)),
    ]);
    assert_eq!(got, want);

    // A zero window keeps only the trip itself.
    let zero = TraceOptions {
        crew_exposure_window_s: 0,
        ..Default::default()
    };
    assert_eq!(
        trace(&record, Subject::Traveler(TravelerId(1)), zero),
        vec![crew(10, Reason::TripCrew, 0, Some(1))]
    );
}

#[test]
fn each_person_once_with_the_earliest_exposure() {
    // Traveler 2 shares trip 1 with the index case and rides the unclean vehicle again on trip
    // 2; crew 10 crews trip 1 and signs its hand-over later.
    let trips = vec![
        trip(1, 1, &[10], &[1, 2], 0, H),
        trip(2, 1, &[11], &[2, 3], 2 * H, 3 * H),
    ];
    let hand_overs = vec![hand_over(
        Some(1),
        party(Role::Crew, 10),
        party(HOTEL, 200),
        &[1],
        H,
    )];
    let record = Record::build(&trips, &[], &hand_overs).unwrap();
    let got = trace(
        &record,
        Subject::Traveler(TravelerId(1)),
        TraceOptions::default(),
    );
    let dirty = Reason::VehicleNotDisinfected {
        vehicle: VehicleId(1),
    };
    let want = sorted(vec![
        traveler(2, Reason::SameTrip, 0, Some(1)),
        crew(10, Reason::TripCrew, 0, Some(1)),
        other(party(HOTEL, 200), H, Some(1)),
        traveler(3, dirty, 2 * H, Some(2)),
        crew(11, dirty, 2 * H, Some(2)),
    ]);
    assert_eq!(got, want);
    // Crew 10 appears as crew, never as a party with the crew role.
    assert!(
        got.iter()
            .all(|e| !matches!(&e.who, Contact::Party(p) if p.role == Role::Crew))
    );
}

#[test]
fn hand_overs_outside_trips_and_since() {
    let (trips, cleans, mut hand_overs) = one_trip();
    // Day 14: the hotel hands traveler 1 over to a hospital, outside any trip.
    hand_overs.push(hand_over(
        None,
        party(HOTEL, 200),
        party(Role::Hospital, 400),
        &[1],
        14 * DAY,
    ));
    let record = Record::build(&trips, &cleans, &hand_overs).unwrap();

    let got = trace(
        &record,
        Subject::Traveler(TravelerId(1)),
        TraceOptions::default(),
    );
    assert!(got.contains(&other(party(Role::Hospital, 400), 14 * DAY, None)));
    assert_eq!(got.len(), 7);

    let since = TraceOptions {
        since: Some(DAY),
        ..Default::default()
    };
    let got = trace(&record, Subject::Traveler(TravelerId(1)), since);
    assert_eq!(
        got,
        vec![
            other(party(HOTEL, 200), 14 * DAY, None),
            other(party(Role::Hospital, 400), 14 * DAY, None)
        ]
    );

    // A test date before the trip leaves nothing.
    let before = TraceOptions {
        tested_at: Some(-1),
        ..Default::default()
    };
    assert_eq!(
        trace(&record, Subject::Traveler(TravelerId(1)), before),
        vec![]
    );
}

#[test]
fn the_answer_does_not_depend_on_input_order() {
    let trips = vec![
        trip(1, 1, &[10, 11], &[1, 2], 0, H),
        trip(2, 1, &[11], &[3, 4], 2 * H, 3 * H),
        trip(3, 2, &[10], &[5], DAY, DAY + H),
        trip(4, 1, &[12], &[6], 4 * H, 5 * H),
    ];
    let cleans = vec![clean(1, 3 * H + 1), clean(2, 0)];
    let hand_overs = vec![
        hand_over(Some(1), party(PORT, 1), party(Role::Crew, 10), &[1, 2], 0),
        hand_over(
            Some(2),
            party(PORT, 2),
            party(Role::Crew, 11),
            &[3, 4],
            2 * H,
        ),
    ];
    let a = Record::build(&trips, &cleans, &hand_overs).unwrap();
    let b = Record::build(
        &reversed(&trips),
        &reversed(&cleans),
        &reversed(&hand_overs),
    )
    .unwrap();
    for subject in [
        Subject::Traveler(TravelerId(1)),
        Subject::Crew(CrewId(11)),
        Subject::Traveler(TravelerId(5)),
    ] {
        let options = TraceOptions {
            tested_at: Some(2 * DAY),
            ..Default::default()
        };
        let x = trace(&a, subject, options);
        assert_eq!(x, trace(&b, subject, options), "{subject}");
        assert!(!x.is_empty());
    }
}

#[test]
fn unknown_index_case_is_an_error_naming_the_id() {
    let (trips, cleans, hand_overs) = one_trip();
    let record = Record::build(&trips, &cleans, &hand_overs).unwrap();
    let err = record
        .trace(Subject::Traveler(TravelerId(999)), &TraceOptions::default())
        .unwrap_err();
    assert_eq!(err, TraceError::UnknownTraveler(TravelerId(999)));
    assert_eq!(err.to_string(), "traveler 999 is not in the custody record");
    let err = record
        .trace(Subject::Crew(CrewId(77)), &TraceOptions::default())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "crew member 77 is not in the custody record"
    );
    let negative = TraceOptions {
        crew_exposure_window_s: -1,
        ..Default::default()
    };
    assert!(matches!(
        record.trace(Subject::Crew(CrewId(10)), &negative),
        Err(TraceError::NegativeWindow(-1))
    ));
}

#[test]
fn inconsistent_records_are_refused_naming_the_id() {
    let twice = vec![trip(1, 1, &[], &[1], 0, H), trip(1, 2, &[], &[2], 0, H)];
    let err = Record::build(&twice, &[], &[]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "trip 1 appears twice in the custody record"
    );

    let backwards = vec![trip(7, 1, &[], &[1], H, 0)];
    assert!(matches!(
        Record::build(&backwards, &[], &[]),
        Err(TraceError::TripEndsBeforeStart {
            trip: TripId(7),
            ..
        })
    ));

    let orphan = vec![hand_over(Some(9), party(PORT, 1), party(HOTEL, 2), &[1], 5)];
    let err = Record::build(&[], &[], &orphan).unwrap_err();
    assert_eq!(
        err.to_string(),
        "a hand-over at 5 refers to trip 9, which is not in the custody record"
    );
}

#[test]
fn exposures_serialise_for_the_command_line() {
    let (trips, cleans, hand_overs) = one_trip();
    let record = Record::build(&trips, &cleans, &hand_overs).unwrap();
    let got = trace(
        &record,
        Subject::Traveler(TravelerId(1)),
        TraceOptions::default(),
    );
    let json = serde_json::to_string(&got[0]).unwrap();
    assert_eq!(
        json,
        r#"{"who":{"traveler":2},"reason":{"kind":"same_trip"},"at":0,"via_trip":1}"#
    );
    let back: Vec<Exposure> = serde_json::from_str(&serde_json::to_string(&got).unwrap()).unwrap();
    assert_eq!(back, got);
    assert_eq!(
        Reason::VehicleNotDisinfected {
            vehicle: VehicleId(3)
        }
        .to_string(),
        "vehicle 3 not disinfected since"
    );
}
