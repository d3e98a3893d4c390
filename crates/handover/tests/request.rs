//! The desk path's hand-over rules, moved out of the store: a request checked against its
//! trips (travelers on the trip, a stop's receiver, the crew, the trip states), the custody dry
//! run at the start, and what a confirmation decides — the loops, the trip they follow, the
//! riders a relief crew takes on, or the incident a head-count mismatch opens.

mod common;

use closedloop_domain::Lang;
use closedloop_domain::batch::BatchState;
use closedloop_domain::geo::Coordinates;
use closedloop_domain::ids::{BatchId, CrewId, DestinationId, PortId, TravelerId, VehicleId};
use closedloop_domain::role::{PartyKey, PartyRole};
use closedloop_handover::handover::RefusalReason;
use closedloop_handover::ids::HandoverId;
use closedloop_handover::otp::{self, HandoverSecret, MAX_WRONG_CODES, WrongCodes};
use closedloop_handover::request::{
    Confirmation, Decision, Origin, Request, RequestRefusal, TripAction, TripFacts, check_request,
    check_start, decide_confirmation,
};
use closedloop_handover::{Custody, IncidentKind, LoopError, LoopStatus, Party, Severity};
use common::{place, utc};

const AT: &str = "2021-07-01T03:00:10Z";

fn t(ids: &[i64]) -> Vec<TravelerId> {
    ids.iter().map(|&i| TravelerId(i)).collect()
}

fn key(role: PartyRole, id: i64) -> PartyKey {
    PartyKey { role, id }
}

/// Trip 7 from port 1 in vehicle 3, crew 1 and 2: travelers 1–2 to hotel 10, 3 to home 11,
/// 4 to a stop the plan does not name.
fn trip(state: BatchState) -> TripFacts {
    TripFacts {
        id: BatchId(7),
        origin: Origin::Port(PortId(1)),
        vehicle: VehicleId(3),
        state,
        crew: vec![CrewId(1), CrewId(2)],
        riders: vec![
            (TravelerId(1), Some(DestinationId(10))),
            (TravelerId(2), Some(DestinationId(10))),
            (TravelerId(3), Some(DestinationId(11))),
            (TravelerId(4), None),
        ],
    }
}

/// The relief trip 8 (vehicle 5, crew 5), already carrying traveler 9.
fn relief(state: BatchState) -> TripFacts {
    TripFacts {
        id: BatchId(8),
        origin: Origin::Port(PortId(1)),
        vehicle: VehicleId(5),
        state,
        crew: vec![CrewId(5)],
        riders: vec![(TravelerId(9), None), (TravelerId(1), None)],
    }
}

fn request(giver: PartyKey, receiver: PartyKey, travelers: &[i64]) -> Request {
    Request {
        giver,
        receiver,
        travelers: t(travelers),
    }
}

fn crew_holds(batch: i64, travelers: &[i64]) -> Custody {
    Custody::from_statuses(t(travelers).into_iter().map(|t| {
        (
            t,
            LoopStatus::InCustody {
                holder: Party::Crew {
                    batch: BatchId(batch),
                },
                since: utc("2021-07-01T02:00:00Z"),
                handover: Some(HandoverId(1)),
            },
        )
    }))
}

#[test]
fn port_staff_hand_to_the_trip_s_crew_and_register_at_the_trip_s_port() {
    let r = request(
        key(PartyRole::PortStaff, 77),
        key(PartyRole::Crew, 2),
        &[1, 2],
    );
    let sides = check_request(&r, &trip(BatchState::Planned), None).unwrap();
    // Port staff stand for the trip's port, whatever staff id the desk typed.
    assert_eq!(sides.giver, Party::PortStaff { port: PortId(1) });
    assert_eq!(sides.receiver, Party::Crew { batch: BatchId(7) });
    assert_eq!(sides.receiving_trip, BatchId(7));
    // Nobody holds them yet: the start registers them at the port, so it may go ahead.
    check_start(
        &r,
        &trip(BatchState::Planned),
        None,
        &Custody::new(),
        utc(AT),
    )
    .unwrap();
    // A completed trip's crew takes nobody over.
    assert_eq!(
        check_request(&r, &trip(BatchState::Completed), None),
        Err(RequestRefusal::TripState {
            trip: BatchId(7),
            state: BatchState::Completed,
            action: TripAction::HandOverToCrew,
        })
    );
}

/// Trip 9, a second transfer from hotel 10 (vehicle 3, crew 1): travelers 1–2 home.
fn from_hotel(state: BatchState) -> TripFacts {
    TripFacts {
        id: BatchId(9),
        origin: Origin::Hotel(DestinationId(10)),
        vehicle: VehicleId(3),
        state,
        crew: vec![CrewId(1)],
        riders: vec![(TravelerId(1), None), (TravelerId(2), None)],
    }
}

#[test]
fn the_origin_hotel_s_staff_hand_a_second_transfer_to_its_crew_and_nobody_else_does() {
    let hotel = Party::HotelStaff {
        destination: DestinationId(10),
    };
    let r = request(
        key(PartyRole::HotelStaff, 10),
        key(PartyRole::Crew, 1),
        &[1, 2],
    );
    let sides = check_request(&r, &from_hotel(BatchState::Approved), None).unwrap();
    assert_eq!(sides.giver, hotel);
    assert_eq!(sides.receiver, Party::Crew { batch: BatchId(9) });
    // Traveler 1 was delivered to this hotel by the desk; traveler 2 was carried there before
    // the desk path and is registered at the hotel by this hand-over.
    let custody = Custody::from_statuses([(
        TravelerId(1),
        LoopStatus::Delivered {
            to: hotel,
            at: utc("2021-06-17T05:00:00Z"),
            handover: HandoverId(3),
        },
    )]);
    check_start(
        &r,
        &from_hotel(BatchState::Approved),
        None,
        &custody,
        utc(AT),
    )
    .unwrap();
    let d = decide_confirmation(
        &confirmation(r.clone(), 2, true),
        &from_hotel(BatchState::Approved),
        None,
        custody.clone(),
        &secret(),
    )
    .unwrap();
    let Decision::Transfer(x) = d else {
        panic!("{d:?}")
    };
    let crew = Party::Crew { batch: BatchId(9) };
    assert!(
        x.loops.iter().all(|(_, s)| s.holder() == Some(crew)),
        "{x:?}"
    );

    // Another hotel's staff, port staff, and this hotel's staff on a trip from a port: refused.
    for (giver, facts) in [
        (
            key(PartyRole::HotelStaff, 11),
            from_hotel(BatchState::Approved),
        ),
        (
            key(PartyRole::PortStaff, 1),
            from_hotel(BatchState::Approved),
        ),
        (key(PartyRole::HotelStaff, 10), trip(BatchState::Approved)),
    ] {
        let r = request(giver, key(PartyRole::Crew, 1), &[1]);
        let refusal = RequestRefusal::NotTripOrigin {
            trip: facts.id,
            giver,
            origin: facts.origin,
        };
        assert_eq!(check_request(&r, &facts, None), Err(refusal));
    }
    // Someone delivered to another hotel is not this hotel's to hand over.
    let elsewhere = Custody::from_statuses([(
        TravelerId(1),
        LoopStatus::Delivered {
            to: Party::HotelStaff {
                destination: DestinationId(12),
            },
            at: utc("2021-06-17T05:00:00Z"),
            handover: HandoverId(3),
        },
    )]);
    let one = request(
        key(PartyRole::HotelStaff, 10),
        key(PartyRole::Crew, 1),
        &[1],
    );
    assert!(matches!(
        check_start(
            &one,
            &from_hotel(BatchState::Approved),
            None,
            &elsewhere,
            utc(AT)
        ),
        Err(RequestRefusal::Custody(_))
    ));
}

#[test]
fn travelers_must_ride_the_trip_and_a_stop_s_receiver_takes_only_its_own() {
    let crew = key(PartyRole::Crew, 1);
    let departed = trip(BatchState::Departed);
    assert_eq!(
        check_request(
            &request(crew, key(PartyRole::HotelStaff, 10), &[1, 5, 6]),
            &departed,
            None
        ),
        Err(RequestRefusal::NotOnTrip {
            trip: BatchId(7),
            travelers: t(&[5, 6]),
        })
    );
    assert_eq!(
        check_request(
            &request(crew, key(PartyRole::HotelStaff, 10), &[3, 1, 4]),
            &departed,
            None
        ),
        Err(RequestRefusal::WrongStop {
            trip: BatchId(7),
            destination: DestinationId(10),
            travelers: vec![(TravelerId(3), DestinationId(11))],
        })
    );
    // A destination that is none of the trip's stops, or no destination at all.
    for (travelers, to) in [(&[1, 3][..], 99), (&[4][..], 0), (&[4][..], -3)] {
        assert_eq!(
            check_request(
                &request(crew, key(PartyRole::HotelStaff, to), travelers),
                &departed,
                None
            ),
            Err(RequestRefusal::NoSuchDestination {
                trip: BatchId(7),
                destination: DestinationId(to),
                stops: vec![DestinationId(10), DestinationId(11)],
            }),
            "{travelers:?} to {to}"
        );
    }
    // Traveler 4's stop names no place: any receiver may take them.
    let sides = check_request(
        &request(crew, key(PartyRole::HospitalStaff, 12), &[4]),
        &departed,
        None,
    )
    .unwrap();
    assert_eq!(
        sides.receiver,
        Party::HospitalStaff {
            destination: DestinationId(12)
        }
    );
}

#[test]
fn a_crew_hands_over_only_its_own_trip_once_departed() {
    let hotel = key(PartyRole::HotelStaff, 10);
    assert_eq!(
        check_request(
            &request(key(PartyRole::Crew, 9), hotel, &[1]),
            &trip(BatchState::Departed),
            None
        ),
        Err(RequestRefusal::NotTripCrew {
            trip: BatchId(7),
            crew: CrewId(9),
        })
    );
    assert_eq!(
        check_request(
            &request(key(PartyRole::Crew, 1), hotel, &[1]),
            &trip(BatchState::Approved),
            None
        ),
        Err(RequestRefusal::TripState {
            trip: BatchId(7),
            state: BatchState::Approved,
            action: TripAction::HandOverFromCrew,
        })
    );
}

#[test]
fn crew_to_crew_needs_the_departed_receiving_trip_and_its_crew() {
    let r = request(key(PartyRole::Crew, 1), key(PartyRole::Crew, 5), &[1, 2]);
    let departed = trip(BatchState::Departed);
    assert_eq!(
        check_request(&r, &departed, None),
        Err(RequestRefusal::NeedsReceivingTrip)
    );
    assert!(matches!(
        check_request(&r, &departed, Some(&relief(BatchState::Planned))),
        Err(RequestRefusal::TripState {
            trip: BatchId(8),
            action: TripAction::HandOverToCrew,
            ..
        })
    ));
    let wrong = request(key(PartyRole::Crew, 1), key(PartyRole::Crew, 2), &[1]);
    assert_eq!(
        check_request(&wrong, &departed, Some(&relief(BatchState::Departed))),
        Err(RequestRefusal::NotTripCrew {
            trip: BatchId(8),
            crew: CrewId(2),
        })
    );
    let sides = check_request(&r, &departed, Some(&relief(BatchState::Departed))).unwrap();
    assert_eq!(sides.receiver, Party::Crew { batch: BatchId(8) });
    assert_eq!(sides.receiving_trip, BatchId(8));
}

#[test]
fn the_start_refuses_travelers_the_giver_does_not_hold() {
    let r = request(
        key(PartyRole::Crew, 1),
        key(PartyRole::HotelStaff, 10),
        &[1, 2],
    );
    let e = check_start(
        &r,
        &trip(BatchState::Departed),
        None,
        &crew_holds(7, &[1]),
        utc(AT),
    )
    .unwrap_err();
    let RequestRefusal::Custody(e) = e else {
        panic!("{e:?}")
    };
    assert_eq!(e.problems, vec![(TravelerId(2), LoopError::NotInCustody)]);
}

fn secret() -> HandoverSecret {
    HandoverSecret::from_bytes(*b"0123456789abcdef0123456789abcdef")
}

fn confirmation(r: Request, counted: u32, right_code: bool) -> Confirmation {
    let id = HandoverId(41);
    let at = utc(AT);
    let code = otp::code_at(&secret(), id, at).to_string();
    let code = if right_code {
        code
    } else {
        format!(
            "{:06}",
            (code.parse::<u32>().unwrap() + 500_000) % 1_000_000
        )
    };
    Confirmation {
        handover: id,
        expected: r.travelers.len() as u32,
        request: r,
        giver_signer: "周敏".into(),
        receiver_signer: "陈刚".into(),
        code,
        counted,
        at,
        position: None,
        origin_place: place(),
        wrong_codes: WrongCodes::default(),
    }
}

#[test]
fn a_confirmed_hand_over_moves_every_loop_and_says_which_trip_they_follow() {
    let r = request(
        key(PartyRole::PortStaff, 77),
        key(PartyRole::Crew, 2),
        &[2, 1],
    );
    let d = decide_confirmation(
        &confirmation(r, 2, true),
        &trip(BatchState::Approved),
        None,
        Custody::new(),
        &secret(),
    )
    .unwrap();
    let Decision::Transfer(x) = d else {
        panic!("{d:?}")
    };
    let crew = Party::Crew { batch: BatchId(7) };
    assert_eq!(
        x.loops
            .iter()
            .map(|(t, s)| (t.0, s.holder()))
            .collect::<Vec<_>>(),
        vec![(2, Some(crew)), (1, Some(crew))]
    );
    assert_eq!(x.loop_trip, BatchId(7));
    assert_eq!(x.new_riders, None);
    assert_eq!(x.handover.handover().place, place());
}

#[test]
fn a_relief_crew_takes_on_the_travelers_not_yet_riding_its_trip() {
    let r = request(key(PartyRole::Crew, 1), key(PartyRole::Crew, 5), &[1, 2]);
    let d = decide_confirmation(
        &confirmation(r, 2, true),
        &trip(BatchState::Departed),
        Some(&relief(BatchState::Departed)),
        crew_holds(7, &[1, 2]),
        &secret(),
    )
    .unwrap();
    let Decision::Transfer(x) = d else {
        panic!("{d:?}")
    };
    assert_eq!(x.loop_trip, BatchId(8));
    assert_eq!(x.new_riders, Some((BatchId(8), t(&[2]))));
    assert!(
        x.loops
            .iter()
            .all(|(_, s)| s.holder() == Some(Party::Crew { batch: BatchId(8) }))
    );
}

#[test]
fn a_miscount_with_the_right_code_opens_an_incident_a_wrong_code_does_not() {
    let r = || {
        request(
            key(PartyRole::Crew, 1),
            key(PartyRole::HotelStaff, 10),
            &[1, 2],
        )
    };
    let mut c = confirmation(r(), 1, true);
    c.position = Some(Coordinates::new(31.2304, 121.4737).unwrap());
    let d = decide_confirmation(
        &c,
        &trip(BatchState::Departed),
        None,
        crew_holds(7, &[1, 2]),
        &secret(),
    )
    .unwrap();
    let Decision::Refused {
        refusal,
        incident: Some(i),
        wrong_codes: None,
    } = d
    else {
        panic!("{d:?}")
    };
    assert!(refusal.reasons.contains(&RefusalReason::HeadCountMismatch {
        expected: 2,
        counted: 1
    }));
    assert_eq!(i.report.kind, IncidentKind::HeadCountMismatch);
    // Fewer counted than listed: someone may be missing.
    assert_eq!(i.report.severity, Severity::Serious);
    assert_eq!(i.report.batch, Some(BatchId(7)));
    assert_eq!(i.report.vehicle, Some(VehicleId(3)));
    assert_eq!(i.report.travelers, t(&[1, 2]));
    // Only the trip's crew members who took part: crew 1 handed over, crew 2 did not.
    assert_eq!(i.report.crew, vec![CrewId(1)]);
    assert_eq!(i.reported_by, key(PartyRole::HotelStaff, 10));
    assert_eq!(i.position, c.position);
    assert!(i.report.description.contains("应交接 2 人，实点 1 人"));

    let d = decide_confirmation(
        &confirmation(r(), 1, false),
        &trip(BatchState::Departed),
        None,
        crew_holds(7, &[1, 2]),
        &secret(),
    )
    .unwrap();
    let Decision::Refused {
        refusal,
        incident: None,
        wrong_codes: Some(w),
    } = d
    else {
        panic!("{d:?}")
    };
    assert_eq!(w.count(), 1, "a wrong code is a failed attempt");
    assert!(refusal.incident.is_some() && refusal.incident_to_open().is_none());
    assert!(refusal.message(Lang::ZhCn).contains("人数不符"));
}

#[test]
fn five_wrong_codes_lock_the_request_until_the_giver_starts_it_again() {
    let r = || {
        request(
            key(PartyRole::Crew, 1),
            key(PartyRole::HotelStaff, 10),
            &[1, 2],
        )
    };
    let decide = |c: &Confirmation| {
        decide_confirmation(
            c,
            &trip(BatchState::Departed),
            None,
            crew_holds(7, &[1, 2]),
            &secret(),
        )
    };
    let mut wrong = confirmation(r(), 2, false);
    for n in 1..=MAX_WRONG_CODES {
        let Ok(Decision::Refused {
            wrong_codes: Some(w),
            ..
        }) = decide(&wrong)
        else {
            panic!("attempt {n}")
        };
        assert_eq!((w.count(), w.is_locked()), (n, n == MAX_WRONG_CODES));
        wrong.wrong_codes = w;
    }
    // Locked: even the right code confirms nothing, and no further attempt is counted.
    let mut right = confirmation(r(), 2, true);
    right.wrong_codes = wrong.wrong_codes;
    assert_eq!(
        decide(&right),
        Err(RequestRefusal::Locked {
            handover: HandoverId(41),
            wrong_codes: WrongCodes::new(MAX_WRONG_CODES),
        })
    );
    // A code that is not six digits is a failed attempt too.
    let mut typo = confirmation(r(), 2, true);
    typo.code = "12345".into();
    assert!(matches!(
        decide(&typo),
        Ok(Decision::Refused { wrong_codes: Some(w), .. }) if w.count() == 1
    ));
    // Started again, a request begins with no failed attempt and the right code confirms it.
    assert!(matches!(
        decide(&confirmation(r(), 2, true)),
        Ok(Decision::Transfer(_))
    ));
}

#[test]
fn custody_that_cannot_move_is_refused_naming_the_hand_over() {
    let r = request(
        key(PartyRole::Crew, 1),
        key(PartyRole::HotelStaff, 10),
        &[1, 2],
    );
    let e = decide_confirmation(
        &confirmation(r, 2, true),
        &trip(BatchState::Departed),
        None,
        crew_holds(8, &[1, 2]),
        &secret(),
    )
    .unwrap_err();
    let RequestRefusal::Custody(e) = e else {
        panic!("{e:?}")
    };
    assert_eq!(e.handover, Some(HandoverId(41)));
    assert_eq!(e.problems.len(), 2);
}

#[test]
fn parties_speak_the_one_role_vocabulary() {
    for role in PartyRole::ALL {
        assert_eq!(Party::new(*role, 4).role(), *role);
        assert_eq!(Party::new(*role, 4).id(), 4);
        assert_eq!(Party::new(*role, 4).closes_loop(), role.closes_loop());
    }
    let h = Party::new(PartyRole::HospitalStaff, 12);
    let json = serde_json::to_string(&h).unwrap();
    assert_eq!(json, r#"{"party":"hospital_staff","destination":12}"#);
    let old: Party = serde_json::from_str(r#"{"party":"hospital","destination":12}"#).unwrap();
    assert_eq!(old, h);
}
