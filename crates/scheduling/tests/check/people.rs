//! Everyone due once, destinations, stays and the hotels' calendars.

use super::*;

#[test]
fn plan_header() {
    expect(
        &broken(|_, p| p.policy = "2022-06 7+3".into()),
        &[("plan_header", "plan")],
    );
}

#[test]
fn traveler_missing() {
    let found = broken(|_, p| {
        p.assignments.remove(ai(p, "T5"));
        let b = bi(p, "B3");
        p.batches[b].stops.clear();
    });
    expect(&found, &[("traveler_missing", "T5")]);
}

#[test]
fn a_stay_released_today_must_be_planned_under_home_days() {
    let found = broken(|_, p| {
        p.assignments.remove(ai(p, "T9"));
        let b = bi(p, "B4");
        p.batches.remove(b);
    });
    expect(&found, &[("traveler_missing", "T9")]);
}

#[test]
fn traveler_not_due() {
    expect(
        &broken(|_, p| p.unplaced.push(unplaced("T8", None))),
        &[("traveler_not_due", "T8")],
    );
}

#[test]
fn no_second_transfer_without_home_days() {
    // Under a policy without home days T9 leaves on their own: B4 is not due.
    let found = broken(|d, _| d.policy.home_days = 0);
    expect(&found, &[("traveler_not_due", "T9")]);
}

#[test]
fn traveler_duplicated() {
    expect(
        &broken(|_, p| p.unplaced.push(unplaced("T1", Some("MU1")))),
        &[("traveler_duplicated", "T1")],
    );
}

#[test]
fn unknown_traveler() {
    expect(
        &broken(|_, p| p.unplaced.push(unplaced("GHOST", None))),
        &[("unknown_traveler", "GHOST")],
    );
}

#[test]
fn unknown_hotel() {
    let found = broken(|d, p| {
        for a in p.assignments.iter_mut().filter(|a| a.place == hotel("H1")) {
            a.place = hotel("H-X");
        }
        for s in &mut p.stays {
            s.hotel = "H-X".into();
        }
        let b = bi(p, "B1");
        restop(
            d,
            p,
            "B1",
            vec![(hotel("H1"), vec!["T1", "T2", "T3", "T6"])],
        );
        p.batches[b].stops[0].place = hotel("H-X");
    });
    expect(&found, &[("unknown_hotel", "H-X")]);
}

#[test]
fn unknown_hospital() {
    let found = broken(|_, p| {
        let a = ai(p, "T4");
        p.assignments[a].place = hospital("HOSP-X");
        let b = bi(p, "B2");
        p.batches[b].stops[0].place = hospital("HOSP-X");
    });
    expect(&found, &[("unknown_hospital", "HOSP-X")]);
}

#[test]
fn unknown_port() {
    let found = broken(|_, p| {
        let b = bi(p, "B3");
        let last = p.batches[b].stops[0].clone();
        p.batches[b].stops.push(Stop {
            place: port("XXX"),
            eta: last.eta,
            travelers: vec![],
        });
    });
    expect(&found, &[("unknown_port", "XXX")]);
}

#[test]
fn wrong_destination() {
    let found = broken(|d, _| d.arrivals[0].travelers[4].destination = DestinationKind::Hotel);
    expect(&found, &[("wrong_destination", "T5")]);
}

#[test]
fn the_sick_go_to_hospital_whatever_they_declared() {
    let found = broken(|d, p| {
        let a = ai(p, "T4");
        p.assignments[a].place = hotel("H2");
        let b = bi(p, "B2");
        restop(d, p, "B2", vec![(hotel("H2"), vec!["T4"])]);
        p.stays.push(stay("T4", "H2", false, None));
        let _ = b;
    });
    expect(&found, &[("wrong_destination", "T4")]);
}

#[test]
fn home_not_located() {
    let found = broken(|d, _| {
        if let Some(h) = d.arrivals[0].travelers[4].home.as_mut() {
            h.location = None;
        }
    });
    expect(&found, &[("home_not_located", "T5")]);
}

#[test]
fn stay_missing() {
    expect(
        &broken(|_, p| p.stays.retain(|s| s.traveler.as_str() != "T1")),
        &[("stay_missing", "T1")],
    );
}

#[test]
fn stay_mismatch() {
    expect(
        &broken(|_, p| p.stays[0].hotel = "H2".into()),
        &[("stay_mismatch", "T1")],
    );
}

#[test]
fn stay_nights() {
    expect(
        &broken(|_, p| p.stays[0].release = date("2026-12-17")),
        &[("stay_nights", "T1")],
    );
}

#[test]
fn accessible_room_missing() {
    expect(
        &broken(|_, p| p.stays[3].accessible = false),
        &[("accessible_room_missing", "T6")],
    );
}

#[test]
fn hotel_closed() {
    expect(
        &broken(|d, _| d.hotels[0].open = false),
        &[("hotel_closed", "H1")],
    );
}

#[test]
fn hotel_over_capacity() {
    // H1: T8's running stay (to 12-09), T1, the family F1 in one shared room, T6: 4 rooms.
    let found = broken(|d, _| d.hotels[0].rooms = 3);
    expect(&found, &[("hotel_over_capacity", "H1")]);
    assert!(found.iter().any(|v| v.en.contains("2026-12-08")));
    assert!(
        !found.iter().any(|v| v.en.contains("2026-12-09")),
        "{found:#?}"
    );
}

#[test]
fn held_rooms_count_on_their_night() {
    let found = broken(|d, _| {
        d.hotels[0].held.push(Held {
            night: date("2026-12-05"),
            rooms: 7,
            accessible_rooms: 0,
        })
    });
    expect(&found, &[("hotel_over_capacity", "H1")]);
    assert_eq!(found.len(), 1, "only the night of 12-05: {found:#?}");
    assert!(found[0].en.contains("2026-12-05"));
}

#[test]
fn accessible_rooms_over_capacity() {
    expect(
        &broken(|d, _| d.hotels[0].accessible_rooms = 0),
        &[("accessible_rooms_over_capacity", "H1")],
    );
}

#[test]
fn group_split_hotels() {
    let found = broken(|d, p| {
        let a = ai(p, "T3");
        p.assignments[a].place = hotel("H2");
        p.stays[2].hotel = "H2".into();
        restop(
            d,
            p,
            "B1",
            vec![
                (hotel("H2"), vec!["T3"]),
                (hotel("H1"), vec!["T1", "T2", "T6"]),
            ],
        );
    });
    expect(&found, &[("group_split_hotels", "MU1:F1")]);
}

#[test]
fn unplaced_reason_false() {
    let found = broken(|_, p| {
        // T5's home is on the map, yet the plan says it is not.
        p.assignments.remove(ai(p, "T5"));
        let b = bi(p, "B3");
        p.batches[b].stops.clear();
        p.unplaced.push(Unplaced {
            traveler: "T5".into(),
            arrival: Some("MU1".into()),
            reason: Reason::HomeNotLocated,
        });
    });
    expect(&found, &[("unplaced_reason_false", "T5")]);
}

#[test]
fn a_hotel_night_outside_the_stay_is_a_false_reason() {
    let night = |n: &str| {
        broken(move |_, p| {
            p.assignments.remove(ai(p, "T1"));
            p.stays.retain(|s| s.traveler.as_str() != "T1");
            let b = bi(p, "B1");
            p.batches[b].stops[0]
                .travelers
                .retain(|t| t.as_str() != "T1");
            p.unplaced.push(Unplaced {
                traveler: "T1".into(),
                arrival: Some("MU1".into()),
                reason: Reason::NoCapacity { night: date(n) },
            });
        })
    };
    expect(&night("2026-12-16"), &[("unplaced_reason_false", "T1")]);
    expect(&night("2026-12-15"), &[]);
}
