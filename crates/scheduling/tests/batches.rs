//! Batch forming on small hand-made days: every rule of item 3 of issue 16, one test each,
//! and the whole day through `plan_day`.

#[path = "batches_days/mod.rs"]
mod days;

use closedloop_scheduling::baseline;
use closedloop_scheduling::batches::{HANDOVER_MINUTES, form};
use closedloop_scheduling::check::check;
use closedloop_scheduling::day::plan_day;
use closedloop_scheduling::ids::HospitalCode;
use closedloop_scheduling::kpis;
use closedloop_scheduling::plan::{Place, Reason};
use closedloop_scheduling::travel::TravelTimes;
use days::*;
use serde_json::{Value, json};

#[test]
fn travelers_of_different_arrivals_never_share_a_vehicle() {
    let d = day(|v| {
        v["arrivals"] = json!([
            arrival(
                "MU1",
                "2026-12-02T08:00:00",
                vec![traveler("a1"), traveler("a2")]
            ),
            arrival(
                "CA2",
                "2026-12-02T08:00:00",
                vec![traveler("b1"), traveler("b2")]
            ),
        ])
    });
    let f = form(&d, &all_to(&d, "H-A"), &TRAVEL, &options());
    assert!(f.unplaced.is_empty(), "{f:#?}");
    assert_sound(&d, &f);
    for b in &f.batches {
        let prefixes: std::collections::BTreeSet<char> = b
            .travelers()
            .map(|t| t.as_str().chars().next().unwrap())
            .collect();
        assert_eq!(prefixes.len(), 1, "{} mixes arrivals: {b:?}", b.code);
        assert!(b.arrival.is_some());
    }
    assert!(f.batches.len() >= 2);
}

#[test]
fn a_sick_traveler_rides_alone_with_their_family_in_a_negative_pressure_vehicle() {
    let d = day(|v| {
        v["arrivals"] = json!([arrival(
            "MU1",
            "2026-12-02T08:00:00",
            vec![
                json!({"code": "s1", "health": "symptomatic", "destination": "hospital", "group": "F"}),
                json!({"code": "s2", "health": "normal", "destination": "hospital", "group": "F"}),
                json!({"code": "p1", "health": "positive", "destination": "hospital"}),
                json!({"code": "n1", "health": "normal", "destination": "hospital"}),
            ]
        )])
    });
    let hospital = Place::Hospital {
        code: HospitalCode::new("HOS"),
    };
    let placed: Vec<_> = ["s1", "s2", "p1", "n1"]
        .iter()
        .map(|t| placement(t, "MU1", hospital.clone()))
        .collect();
    let f = form(&d, &placed, &TRAVEL, &options());
    assert!(f.unplaced.is_empty(), "{f:#?}");
    assert_sound(&d, &f);
    let family = batch_of(&f, "s1");
    let mut on: Vec<_> = family.travelers().map(|t| t.as_str()).collect();
    on.sort();
    assert_eq!(on, ["s1", "s2"], "the sick ride with their family only");
    assert_eq!(family.vehicle.as_str(), "V4");
    let alone = batch_of(&f, "p1");
    assert_eq!(alone.head_count(), 1);
    assert_eq!(alone.vehicle.as_str(), "V4");
    assert_ne!(
        batch_of(&f, "n1").vehicle.as_str(),
        "V4",
        "the ambulance is kept for the sick"
    );
    // One ambulance: its second trip leaves after the first one's disinfection.
    assert!(alone.depart >= family.ready_again || family.depart >= alone.ready_again);
}

#[test]
fn special_groups_ride_accessible_vehicles_within_their_ride_limit_with_an_escort() {
    let d = day(|v| {
        v["policy"]["special_max_ride"] = json!(25);
        v["vehicles"]
            .as_array_mut()
            .unwrap()
            .push(vehicle("V5", "van", 6, true));
        v["arrivals"] = json!([arrival(
            "MU1",
            "2026-12-02T08:00:00",
            vec![
                json!({"code": "w1", "health": "normal", "destination": "hotel", "special_needs": "wheelchair"}),
                json!({"code": "e1", "health": "normal", "destination": "hotel", "special_needs": "elderly"}),
                traveler("n1"),
                traveler("n2"),
            ]
        )])
    });
    let placed = vec![
        placement("w1", "MU1", hotel("H-A")),
        placement("e1", "MU1", hotel("H-B")),
        placement("n1", "MU1", hotel("H-A")),
        placement("n2", "MU1", hotel("H-B")),
    ];
    let f = form(&d, &placed, &TRAVEL, &options());
    assert!(f.unplaced.is_empty(), "{f:#?}");
    assert_sound(&d, &f);
    for t in ["w1", "e1"] {
        let b = batch_of(&f, t);
        let v = d.vehicles.iter().find(|v| v.code == b.vehicle).unwrap();
        assert!(v.accessible(), "{t} rides {}", b.vehicle);
        let stop = b
            .stops
            .iter()
            .find(|s| s.travelers.iter().any(|c| c.as_str() == t))
            .unwrap();
        assert!(
            minutes(b.depart, stop.eta) <= 25.02,
            "{t} rides too long: {b:?}"
        );
        assert_eq!(
            b.crew.len(),
            2,
            "an escort rides with special groups: {b:?}"
        );
        assert!(b.crew[1].as_str().starts_with('E'));
    }
    let plain = batch_of(&f, "n1");
    if !plain
        .travelers()
        .any(|t| t.as_str() == "w1" || t.as_str() == "e1")
    {
        assert_eq!(plain.crew.len(), 1, "no escort without special groups");
    }
}

#[test]
fn seats_are_counted_after_distancing() {
    let d = day(|v| {
        v["vehicles"] = json!([
            vehicle("V1", "coach", 10, false),
            vehicle("V2", "coach", 10, false)
        ]);
        v["arrivals"] = json!([arrival(
            "MU1",
            "2026-12-02T08:00:00",
            (1..=8).map(|i| traveler(&format!("t{i}"))).collect()
        )])
    });
    let f = form(&d, &all_to(&d, "H-A"), &TRAVEL, &options());
    assert!(f.unplaced.is_empty(), "{f:#?}");
    assert_sound(&d, &f);
    assert!(f.batches.iter().all(|b| b.head_count() <= 5), "{f:#?}");
    assert_eq!(f.batches.iter().map(|b| b.head_count()).sum::<usize>(), 8);
}

#[test]
fn a_vehicle_is_reused_after_its_disinfection() {
    let d = day(|v| {
        v["vehicles"] = json!([vehicle("V1", "coach", 20, false)]);
        v["arrivals"] = json!([
            arrival("MU1", "2026-12-02T08:00:00", vec![traveler("a1")]),
            arrival("MU2", "2026-12-02T08:40:00", vec![traveler("b1")]),
        ])
    });
    let f = form(&d, &all_to(&d, "H-A"), &TRAVEL, &options());
    assert!(f.unplaced.is_empty(), "{f:#?}");
    assert_sound(&d, &f);
    assert_eq!(f.batches.len(), 2);
    let (first, second) = (&f.batches[0], &f.batches[1]);
    assert_eq!(first.vehicle, second.vehicle);
    let back = first.stops[0].eta + chrono::Duration::minutes(0);
    assert!(
        first.ready_again >= back + chrono::Duration::minutes(30),
        "disinfection counted"
    );
    assert!(second.depart >= first.ready_again, "{f:#?}");
    assert_eq!(first.code.as_str(), "B-PVG-001");
    assert_eq!(second.code.as_str(), "B-PVG-002");
}

#[test]
fn crews_keep_their_shifts_and_rest_and_a_batch_without_crew_is_reported() {
    let two = |rest: u32, drivers: Vec<Value>| {
        day(|v| {
            v["policy"]["crew_rest"] = json!(rest);
            v["crew"] = json!(drivers);
            v["vehicles"] = json!([
                vehicle("V1", "coach", 20, false),
                vehicle("V2", "coach", 20, false)
            ]);
            v["arrivals"] = json!([
                arrival("MU1", "2026-12-02T08:00:00", vec![traveler("a1")]),
                arrival("MU2", "2026-12-02T10:00:00", vec![traveler("b1")]),
            ])
        })
    };
    // One driver, rested in time: both batches.
    let d = two(20, vec![crew("D1", "driver", &[])]);
    let f = form(&d, &all_to(&d, "H-A"), &TRAVEL, &options());
    assert!(f.unplaced.is_empty(), "{f:#?}");
    assert_eq!(f.batches.len(), 2);
    assert!(f.batches[1].depart >= f.batches[0].ready_again + chrono::Duration::minutes(20));
    // The same driver needs six hours' rest: the second batch has no crew.
    let d = two(360, vec![crew("D1", "driver", &[])]);
    let f = form(&d, &all_to(&d, "H-A"), &TRAVEL, &options());
    assert_eq!(f.batches.len(), 1);
    assert_eq!(reason_of(&f, "b1"), Reason::NoCrew);
    // A second driver whose shift starts at nine takes it.
    let mut late = crew("D2", "driver", &[]);
    late["shift_start"] = json!("2026-12-02T09:00:00");
    let d = two(360, vec![crew("D1", "driver", &[]), late]);
    let f = form(&d, &all_to(&d, "H-A"), &TRAVEL, &options());
    assert!(f.unplaced.is_empty(), "{f:#?}");
    assert_eq!(batch_of(&f, "a1").crew[0].as_str(), "D1");
    assert_eq!(batch_of(&f, "b1").crew[0].as_str(), "D2");
}

#[test]
fn the_escort_speaks_the_travelers_language_when_one_is_free() {
    let d = day(|v| {
        v["arrivals"] = json!([arrival(
            "NH9",
            "2026-12-02T08:00:00",
            vec![
                json!({"code": "j1", "health": "normal", "destination": "hotel",
                        "special_needs": "elderly", "language": "ja"})
            ]
        )])
    });
    let f = form(&d, &all_to(&d, "H-A"), &TRAVEL, &options());
    assert_eq!(
        batch_of(&f, "j1").crew[1].as_str(),
        "E2",
        "E2 speaks Japanese"
    );
    let d = day(|v| {
        v["arrivals"] = json!([arrival(
            "BA1",
            "2026-12-02T08:00:00",
            vec![
                json!({"code": "g1", "health": "normal", "destination": "hotel",
                        "special_needs": "pregnant", "language": "en"})
            ]
        )])
    });
    let f = form(&d, &all_to(&d, "H-A"), &TRAVEL, &options());
    assert_eq!(
        batch_of(&f, "g1").crew[1].as_str(),
        "E1",
        "E1 speaks English"
    );
}

#[test]
fn who_cannot_be_carried_is_reported_with_the_reason() {
    let d = day(|v| {
        v["vehicles"] = json!([vehicle("V1", "coach", 20, false)]);
        v["hotels"][1]["location"] = json!({"lat": 32.5, "lon": 121.0});
        v["arrivals"] = json!([arrival(
            "MU1",
            "2026-12-02T08:00:00",
            vec![
                traveler("far"),
                traveler("ok"),
                json!({"code": "sick", "health": "positive", "destination": "hospital"}),
            ]
        )])
    });
    let placed = vec![
        placement("far", "MU1", hotel("H-B")),
        placement("ok", "MU1", hotel("H-A")),
        placement(
            "sick",
            "MU1",
            Place::Hospital {
                code: HospitalCode::new("HOS"),
            },
        ),
    ];
    let f = form(&d, &placed, &TRAVEL, &options());
    assert!(
        matches!(reason_of(&f, "far"), Reason::RideTooLong { limit: 90, minutes } if minutes > 90)
    );
    assert_eq!(
        reason_of(&f, "sick"),
        Reason::NoVehicle,
        "no ambulance in the fleet"
    );
    batch_of(&f, "ok");
    // No driver at all: every batch dropped, nobody lost silently.
    let d = day(|v| {
        v["crew"] = json!([crew("E1", "escort", &[])]);
        v["arrivals"] = json!([arrival("MU1", "2026-12-02T08:00:00", vec![traveler("x")])]);
    });
    let f = form(&d, &all_to(&d, "H-A"), &TRAVEL, &options());
    assert!(f.batches.is_empty());
    assert_eq!(reason_of(&f, "x"), Reason::NoCrew);
}

#[test]
fn a_blocked_vehicle_or_crew_member_is_not_planned() {
    let d = day(|v| {
        v["vehicles"][0]["blocked"] = json!("failed inspection");
        v["crew"][0]["blocked"] = json!("health declaration missing");
        v["arrivals"] = json!([arrival(
            "MU1",
            "2026-12-02T08:00:00",
            (1..=12).map(|i| traveler(&format!("t{i:02}"))).collect()
        )]);
    });
    let f = form(&d, &all_to(&d, "H-A"), &TRAVEL, &options());
    assert!(f.unplaced.is_empty(), "{f:#?}");
    assert!(f.batches.iter().all(|b| b.vehicle.as_str() != "V1"));
    assert!(
        f.batches
            .iter()
            .all(|b| b.crew.iter().all(|c| c.as_str() != "D1"))
    );
}

#[test]
fn a_whole_day_plans_every_traveler_or_reports_them_and_the_same_seed_gives_the_same_plan() {
    let d = busy_day();
    let plan = plan_day(&d, &TRAVEL, &options()).unwrap();
    let again = plan_day(&d, &TRAVEL, &options()).unwrap();
    assert_eq!(plan, again, "same day, same seed: same plan");
    let violations = check(&d, &plan, &TRAVEL);
    assert!(violations.is_empty(), "{violations:#?}");
    let total = d.arrivals.iter().map(|a| a.travelers.len()).sum::<usize>() + 1;
    let mut seen: Vec<&str> = plan
        .assignments
        .iter()
        .map(|a| a.traveler.as_str())
        .chain(plan.unplaced.iter().map(|u| u.traveler.as_str()))
        .collect();
    seen.sort();
    let n = seen.len();
    seen.dedup();
    assert_eq!(
        (n, seen.len()),
        (total, total),
        "each traveler once: {plan:#?}"
    );
    assert_eq!(plan.kpis, kpis::compute(&d, &plan));
    assert_eq!(plan.kpis.travelers, total);
    // The second transfer starts at the hotel and ends at the traveler's home.
    let home = plan
        .batches
        .iter()
        .find(|b| b.travelers().any(|t| t.as_str() == "r1"))
        .unwrap_or_else(|| panic!("the released traveler is collected: {:?}", plan.unplaced));
    assert_eq!(home.origin, hotel("H-A"));
    assert!(home.code.as_str().starts_with("B-H-A-"));
    // Every batch's assignment names it.
    for a in &plan.assignments {
        let b = plan.batches.iter().find(|b| b.code == a.batch).unwrap();
        assert!(
            b.stops
                .iter()
                .any(|s| s.place == a.place && s.travelers.contains(&a.traveler))
        );
    }
}

#[test]
fn the_baseline_keeps_the_rules_and_costs_at_least_as_many_trips() {
    let d = busy_day();
    let plan = plan_day(&d, &TRAVEL, &options()).unwrap();
    let naive = baseline::plan(&d, &TRAVEL).unwrap();
    assert_eq!(naive.kpis, kpis::compute(&d, &naive));
    let violations = check(&d, &naive, &TRAVEL);
    assert!(
        violations.is_empty(),
        "the baseline keeps the rules: {violations:#?}"
    );
    assert_eq!(naive.kpis.travelers, plan.kpis.travelers);
    for b in &naive.batches {
        assert_eq!(b.stops.len(), 1, "one destination per trip");
    }
    assert!(
        naive.kpis.trips >= plan.kpis.trips,
        "baseline {:?} vs plan {:?}",
        naive.kpis,
        plan.kpis
    );
    assert!(naive.kpis.vehicle_km + 1e-6 >= plan.kpis.vehicle_km * 0.999);
}

#[test]
fn stop_etas_follow_the_drives_and_hand_overs() {
    let d = busy_day();
    let plan = plan_day(&d, &TRAVEL, &options()).unwrap();
    for b in &plan.batches {
        let mut at = closedloop_scheduling::batches::locate(&d, &b.origin).unwrap();
        let mut t = b.depart;
        for s in &b.stops {
            let to = closedloop_scheduling::batches::locate(&d, &s.place).unwrap();
            let drive = TRAVEL.leg(at, to).minutes;
            assert!(
                minutes(t, s.eta) >= drive - 0.02,
                "{}: faster than driving",
                b.code
            );
            t = s.eta + chrono::Duration::seconds((HANDOVER_MINUTES * 60.0) as i64);
            at = to;
        }
    }
}

#[test]
fn a_family_rides_one_batch_wherever_its_members_go() {
    let home = json!({"address": "幸福路12号305室", "location": {"lat": 31.22, "lon": 121.70}});
    let d = day(|v| {
        v["arrivals"] = json!([arrival(
            "MU1",
            "2026-12-02T08:00:00",
            vec![
                json!({"code": "h1", "health": "normal", "destination": "home", "group": "H", "home": home}),
                json!({"code": "h2", "health": "normal", "destination": "home", "group": "H", "home": home}),
                json!({"code": "s1", "health": "symptomatic", "destination": "hospital", "group": "S"}),
                json!({"code": "s2", "health": "normal", "destination": "hotel", "group": "S"}),
                traveler("n1"),
            ]
        )])
    });
    let at_home = |t: &str| Place::Home {
        traveler: closedloop_scheduling::ids::TravelerCode::new(t),
    };
    let placed = vec![
        placement("h1", "MU1", at_home("h1")),
        placement("h2", "MU1", at_home("h2")),
        placement(
            "s1",
            "MU1",
            Place::Hospital {
                code: HospitalCode::new("HOS"),
            },
        ),
        placement("s2", "MU1", hotel("H-A")),
        placement("n1", "MU1", hotel("H-A")),
    ];
    let f = form(&d, &placed, &TRAVEL, &options());
    assert!(f.unplaced.is_empty(), "{f:#?}");
    assert_sound(&d, &f);
    // One door, two homes: one batch, a stop for each, at the same time.
    let b = batch_of(&f, "h1");
    assert_eq!(b.code, batch_of(&f, "h2").code);
    let homes: Vec<_> = b
        .stops
        .iter()
        .filter(|s| matches!(s.place, Place::Home { .. }))
        .collect();
    assert_eq!(homes.len(), 2);
    assert_eq!(homes[0].eta, homes[1].eta);
    // The sick member and their family: one ambulance, the hospital and the hotel, no one else.
    let sick = batch_of(&f, "s1");
    assert_eq!(sick.code, batch_of(&f, "s2").code);
    assert_eq!(sick.vehicle.as_str(), "V4");
    let mut on: Vec<_> = sick.travelers().map(|t| t.as_str()).collect();
    on.sort();
    assert_eq!(on, ["s1", "s2"]);
    assert_eq!(sick.stops.len(), 2);
}
