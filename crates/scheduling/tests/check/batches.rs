//! Each batch on its own, and who rides which batch.

use super::*;

#[test]
fn duplicate_batch() {
    let found = broken(|d, p| {
        let extra = batch(
            d,
            "B2",
            "V4",
            &["D4"],
            port("PVG"),
            at("2026-12-02 15:00"),
            vec![],
        );
        p.batches.push(extra);
    });
    expect(&found, &[("duplicate_batch", "B2")]);
}

#[test]
fn unknown_batch() {
    let found = broken(|_, p| {
        let a = ai(p, "T5");
        p.assignments[a].batch = "B-NONE".into();
        let b = bi(p, "B3");
        p.batches[b].stops.clear();
    });
    expect(&found, &[("unknown_batch", "T5")]);
}

#[test]
fn not_on_batch() {
    let found = broken(|_, p| {
        let b = bi(p, "B3");
        p.batches[b].stops.clear();
    });
    expect(&found, &[("not_on_batch", "T5")]);
}

#[test]
fn wrong_drop_off() {
    let found = broken(|d, p| {
        restop(
            d,
            p,
            "B1",
            vec![
                (hotel("H1"), vec!["T2", "T3", "T6"]),
                (hotel("H2"), vec!["T1"]),
            ],
        );
    });
    expect(&found, &[("wrong_drop_off", "T1")]);
}

#[test]
fn rides_twice() {
    let found = broken(|_, p| {
        let b = bi(p, "B1");
        p.batches[b].stops[0].travelers.push("T1".into());
    });
    expect(&found, &[("rides_twice", "T1")]);
}

#[test]
fn rider_not_assigned() {
    let found = broken(|_, p| {
        p.assignments.remove(ai(p, "T1"));
        p.stays.retain(|s| s.traveler.as_str() != "T1");
        p.unplaced.push(unplaced("T1", Some("MU1")));
    });
    expect(&found, &[("rider_not_assigned", "B1")]);
}

#[test]
fn group_split_batches() {
    let found = broken(|d, p| {
        restop(d, p, "B1", vec![(hotel("H1"), vec!["T1", "T2", "T6"])]);
        let b5 = batch(
            d,
            "B5",
            "V4",
            &["D4", "E2"],
            port("PVG"),
            at("2026-12-02 09:10"),
            vec![(hotel("H1"), vec!["T3"])],
        );
        p.batches.push(b5);
        let a = ai(p, "T3");
        p.assignments[a].batch = "B5".into();
    });
    expect(&found, &[("group_split_batches", "MU1:F1")]);
}

#[test]
fn sick_shares_vehicle() {
    let found = broken(|d, p| {
        restop(
            d,
            p,
            "B2",
            vec![(hospital("HOSP1"), vec!["T4"]), (home("T5"), vec!["T5"])],
        );
        let a = ai(p, "T5");
        p.assignments[a].batch = "B2".into();
        let b = bi(p, "B3");
        p.batches[b].stops.clear();
    });
    expect(&found, &[("sick_shares_vehicle", "B2")]);
}

#[test]
fn sick_not_negative_pressure() {
    expect(
        &broken(|d, _| d.vehicles[1].kind = VehicleKind::Van),
        &[("sick_not_negative_pressure", "B2")],
    );
}

#[test]
fn special_not_accessible() {
    expect(
        &broken(|d, _| d.vehicles[0].wheelchair_access = false),
        &[("special_not_accessible", "B1")],
    );
}

#[test]
fn no_escort() {
    expect(
        &broken(|_, p| p.batches[0].crew.truncate(1)),
        &[("no_escort", "B1")],
    );
}

#[test]
fn special_ride_too_long() {
    expect(
        &broken(|d, _| d.policy.special_max_ride = 10),
        &[("special_ride_too_long", "B1")],
    );
}

#[test]
fn ride_too_long() {
    // B2's 19 minutes to the hospital; everyone else rides less than 17.
    let found = broken(|d, _| {
        d.policy.max_ride = 17;
        d.policy.special_max_ride = 17;
    });
    expect(&found, &[("ride_too_long", "B2")]);
}

#[test]
fn over_seats() {
    expect(
        &broken(|d, _| d.vehicles[1].seats = 1),
        &[("over_seats", "B2")],
    );
}

#[test]
fn eta_too_early() {
    let found = broken(|_, p| {
        let b = bi(p, "B3");
        p.batches[b].stops[0].eta -= Duration::minutes(5);
    });
    expect(&found, &[("eta_too_early", "B3")]);
}

#[test]
fn ready_again_too_early() {
    let found = broken(|_, p| {
        let b = bi(p, "B2");
        p.batches[b].ready_again -= Duration::minutes(10);
    });
    expect(&found, &[("ready_again_too_early", "B2")]);
}

#[test]
fn no_driver() {
    expect(
        &broken(|_, p| {
            let b = bi(p, "B3");
            p.batches[b].crew = vec!["E2".into()];
        }),
        &[("no_driver", "B3")],
    );
}

#[test]
fn wrong_origin() {
    let found = broken(|d, p| {
        let b = bi(p, "B3");
        p.batches[b].origin = port("SHA");
        let _ = d;
    });
    expect(&found, &[("wrong_origin", "B3")]);
}

#[test]
fn a_batch_names_its_arrival() {
    let found = broken(|_, p| {
        let b = bi(p, "B3");
        p.batches[b].arrival = Some("CA2".into());
    });
    expect(&found, &[("wrong_origin", "B3")]);
}

#[test]
fn mixed_arrivals() {
    let mix = |d: &mut Day, p: &mut Plan| {
        restop(
            d,
            p,
            "B3",
            vec![(home("T5"), vec!["T5"]), (home("T7"), vec!["T7"])],
        );
        let a = ai(p, "T7");
        p.assignments[a].batch = "B3".into();
        let b = bi(p, "B6");
        p.batches.remove(b);
        // B3 is back later now: B4 takes another driver, so D3's rest is not the point.
        let b = bi(p, "B4");
        p.batches[b].crew = vec!["D4".into()];
    };
    expect(&broken(mix), &[("mixed_arrivals", "B3")]);
    // The policy may allow it.
    let allowed = broken(|d, p| {
        d.policy.mix_arrivals = true;
        mix(d, p);
    });
    expect(&allowed, &[]);
}

#[test]
fn departs_before_ready() {
    let found = broken(|_, p| {
        let b = bi(p, "B3");
        p.batches[b].depart = at("2026-12-02 08:50");
    });
    expect(&found, &[("departs_before_ready", "B3")]);
}

#[test]
fn port_wait_too_long() {
    let found = broken(|d, _| d.policy.max_port_wait = 5);
    expect(&found, &[("port_wait_too_long", "B3")]);
    assert!(
        !found.iter().any(|v| v.subject == "B2"),
        "B2 waits 5 min: {found:#?}"
    );
}

/// B1 broken down on its way to H1, at the roadside half way; V4 (D4, E2) reaches the roadside
/// `gap` minutes after it and takes its riders on to H1.
fn rescued(d: &Day, p: &mut Plan, names: &str, gap: i64) {
    use closedloop_scheduling::plan::Place;
    use closedloop_scheduling::problem::Point;
    let i = bi(p, "B1");
    let b1 = p.batches[i].clone();
    let (a, z) = (
        d.port(&"PVG".into()).unwrap().location,
        d.hotel(&"H1".into()).unwrap().location,
    );
    let mid = Point {
        lat: (a.lat + z.lat) / 2.0,
        lon: (a.lon + z.lon) / 2.0,
    };
    let crew = ["D1", "E1"];
    p.batches[i] = batch(
        d,
        "B1",
        "V1",
        &crew,
        port("PVG"),
        b1.depart,
        vec![(Place::roadside("B1".into(), mid), vec![])],
    );
    p.batches[i].arrival = b1.arrival.clone();
    let broke = p.batches[i].stops[0].eta;
    let mut r = batch(
        d,
        "B1-R2",
        "V4",
        &["D4", "E2"],
        Place::roadside(names.into(), mid),
        broke + Duration::minutes(gap),
        vec![(hotel("H1"), vec!["T1", "T2", "T3", "T6"])],
    );
    r.arrival = b1.arrival;
    p.batches.push(r);
    for t in ["T1", "T2", "T3", "T6"] {
        let a = ai(p, t);
        p.assignments[a].batch = "B1-R2".into();
    }
}

#[test]
fn a_replacement_from_the_roadside_keeps_every_rule() {
    // Rides, waits and the origin are the broken batch's: nothing breaks.
    let found = broken(|d, p| rescued(d, p, "B1", 5));
    expect(&found, &[]);
}

#[test]
fn a_replacement_is_judged_by_every_rule() {
    // Ten hours on the roadside: the rides, measured from boarding at the port, are too long.
    let found = broken(|d, p| rescued(d, p, "B1", 600));
    assert!(
        found
            .iter()
            .any(|v| v.code == "special_ride_too_long" && v.subject == "B1-R2"),
        "{found:#?}"
    );
}

#[test]
fn roadside_mismatch() {
    let found = broken(|d, p| rescued(d, p, "B9", 5));
    expect(&found, &[("roadside_mismatch", "B1-R2")]);
}

#[test]
fn replacement_too_early() {
    let found = broken(|d, p| rescued(d, p, "B1", -10));
    expect(&found, &[("replacement_too_early", "B1-R2")]);
}
