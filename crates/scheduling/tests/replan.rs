//! Re-planning: for each kind of event, the batches departing before the freeze are kept as
//! they were, nothing new leaves before the freeze, the checker passes on the new plan against
//! the changed day, and the event's own effect is there.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use closedloop_domain::traveler::{DestinationKind, HealthStatus, SpecialNeeds};
use closedloop_scheduling::check::check;
use closedloop_scheduling::day::{PlanOptions, plan_day};
use closedloop_scheduling::event::{EVENT_FORMAT, Event, What};
use closedloop_scheduling::ids::TravelerCode;
use closedloop_scheduling::plan::{Place, Plan};
use closedloop_scheduling::problem::{Day, Point, Traveler};
use closedloop_scheduling::replan::{ReplanOptions, Replanned, replan};
use closedloop_scheduling::scenario::{
    NamedSite, PortKind, PortSite, ScenarioOptions, Sites, default_rules, generate,
};
use closedloop_scheduling::travel::StraightLines;

fn grid(n: usize, lat: f64, lon: f64) -> Vec<Point> {
    (0..n)
        .map(|i| Point {
            lat: lat + (i / 10) as f64 * 0.004,
            lon: lon + (i % 10) as f64 * 0.004,
        })
        .collect()
}

fn day() -> Day {
    let sites = Sites {
        ports: vec![PortSite {
            kind: PortKind::Station,
            name: "Station".into(),
            location: Point {
                lat: 31.25,
                lon: 121.45,
            },
        }],
        hotels: vec![
            NamedSite {
                name: "North hotel".into(),
                location: Point {
                    lat: 31.27,
                    lon: 121.46,
                },
                rooms: Some(150),
            },
            NamedSite {
                name: "South hotel".into(),
                location: Point {
                    lat: 31.21,
                    lon: 121.44,
                },
                rooms: Some(150),
            },
        ],
        hospitals: vec![],
        homes: grid(60, 31.20, 121.40),
        main_roads: grid(30, 31.22, 121.44),
    };
    let options = ScenarioOptions {
        travelers: 150,
        seed: 9,
        date: NaiveDate::from_ymd_opt(2021, 3, 1).unwrap(),
        policy: default_rules("2021-01 14+7", 14, 7, 2.0),
    };
    generate(&sites, &options).unwrap()
}

fn options() -> PlanOptions {
    PlanOptions {
        seed: 1,
        time_limit: None,
        iterations: Some(150),
    }
}

fn published(day: &Day) -> Plan {
    let plan = plan_day(day, &StraightLines::default(), &options()).unwrap();
    let v = check(day, &plan, &StraightLines::default());
    assert!(v.is_empty(), "the published plan breaks rules: {v:?}");
    plan
}

/// A moment in the middle of the day's batches.
/// The desk's moment of the event: 40 minutes before the first departure of the arrival that
/// leaves last, so that earlier arrivals' batches have left (and must stay as they were) and
/// that arrival is still to be carried.
fn midday(plan: &Plan) -> NaiveDateTime {
    let mut first: std::collections::BTreeMap<_, NaiveDateTime> = Default::default();
    for b in &plan.batches {
        if let Some(a) = &b.arrival {
            let e = first.entry(a.clone()).or_insert(b.depart);
            *e = (*e).min(b.depart);
        }
    }
    let last = first
        .values()
        .max()
        .copied()
        .expect("batches from arrivals");
    last - Duration::minutes(40)
}

fn event(at: NaiveDateTime, what: What) -> Event {
    Event {
        format: EVENT_FORMAT.into(),
        at,
        what,
    }
}

/// Re-plans and checks what every re-plan must keep.
fn replanned(day: &Day, plan: &Plan, e: &Event) -> Replanned {
    let opts = ReplanOptions {
        freeze_minutes: 30,
        plan: options(),
        thorough: true,
    };
    let r = replan(day, plan, e, &StraightLines::default(), &opts).unwrap();
    let freeze = e.at + Duration::minutes(30);
    assert_eq!(r.plan.version, plan.version + 1);
    for b in plan.batches.iter().filter(|b| b.depart < e.at) {
        assert!(
            r.plan.batches.contains(b),
            "departed batch {} changed",
            b.code
        );
    }
    for b in r.plan.batches.iter().filter(|b| !plan.batches.contains(b)) {
        assert!(
            b.depart >= freeze,
            "new batch {} leaves at {} before the freeze",
            b.code,
            b.depart
        );
    }
    let v = check(&r.day, &r.plan, &StraightLines::default());
    assert!(
        v.is_empty(),
        "{}: the re-plan breaks rules: {v:?}",
        e.what.code()
    );
    r
}

fn later_arrival(
    day: &Day,
    plan: &Plan,
    at: NaiveDateTime,
) -> closedloop_scheduling::ids::ArrivalCode {
    day.arrivals
        .iter()
        .find(|a| {
            plan.batches
                .iter()
                .filter(|b| b.arrival.as_ref() == Some(&a.code))
                .all(|b| b.depart > at + Duration::minutes(30))
                && plan
                    .batches
                    .iter()
                    .any(|b| b.arrival.as_ref() == Some(&a.code))
        })
        .expect("an arrival not yet carried")
        .code
        .clone()
}

#[test]
fn an_arrival_delayed_leaves_later() {
    let d = day();
    let p = published(&d);
    let at = midday(&p);
    let arrival = later_arrival(&d, &p, at);
    let old = d.arrivals.iter().find(|a| a.code == arrival).unwrap().at;
    let r = replanned(
        &d,
        &p,
        &event(
            at,
            What::ArrivalMoved {
                arrival: arrival.clone(),
                to: old + Duration::hours(2),
            },
        ),
    );
    let ready = r
        .day
        .ready_at(r.day.arrivals.iter().find(|a| a.code == arrival).unwrap())
        .unwrap();
    for b in r
        .plan
        .batches
        .iter()
        .filter(|b| b.arrival.as_ref() == Some(&arrival))
    {
        assert!(
            b.depart >= ready - Duration::minutes(1),
            "{} leaves before its travelers are ready",
            b.code
        );
    }
}

#[test]
fn travelers_added_and_removed() {
    let d = day();
    let p = published(&d);
    let at = midday(&p);
    let arrival = later_arrival(&d, &p, at);
    let newcomer = Traveler {
        code: TravelerCode::new("LATE-1"),
        health: HealthStatus::Normal,
        special_needs: SpecialNeeds::default(),
        destination: DestinationKind::Hotel,
        home: None,
        language: Some("en".into()),
        group: None,
    };
    let r = replanned(
        &d,
        &p,
        &event(
            at,
            What::TravelersAdded {
                arrival: arrival.clone(),
                travelers: vec![newcomer],
            },
        ),
    );
    assert!(
        r.plan
            .assignments
            .iter()
            .any(|a| a.traveler.as_str() == "LATE-1")
            || r.plan
                .unplaced
                .iter()
                .any(|u| u.traveler.as_str() == "LATE-1")
    );

    let gone: Vec<TravelerCode> = d
        .arrivals
        .iter()
        .find(|a| a.code == arrival)
        .unwrap()
        .travelers
        .iter()
        .take(2)
        .map(|t| t.code.clone())
        .collect();
    let r = replanned(
        &d,
        &p,
        &event(
            at,
            What::TravelersRemoved {
                travelers: gone.clone(),
            },
        ),
    );
    assert!(
        !r.plan
            .batches
            .iter()
            .any(|b| b.travelers().any(|t| gone.contains(t)))
    );
    assert!(
        !r.plan
            .assignments
            .iter()
            .any(|a| gone.contains(&a.traveler))
    );
}

#[test]
fn a_traveler_symptomatic_before_departure_goes_to_hospital_apart() {
    let d = day();
    let p = published(&d);
    let at = midday(&p);
    let arrival = later_arrival(&d, &p, at);
    let who = d
        .arrivals
        .iter()
        .find(|a| a.code == arrival)
        .unwrap()
        .travelers
        .iter()
        .find(|t| t.group.is_none() && !t.is_sick())
        .unwrap()
        .code
        .clone();
    let r = replanned(
        &d,
        &p,
        &event(
            at,
            What::Symptomatic {
                traveler: who.clone(),
            },
        ),
    );
    let placed = r.plan.assignments.iter().find(|a| a.traveler == who);
    match placed {
        Some(a) => {
            assert!(matches!(a.place, Place::Hospital { .. }), "{:?}", a.place);
            let b = r.plan.batches.iter().find(|b| b.code == a.batch).unwrap();
            let v = r.day.vehicles.iter().find(|v| v.code == b.vehicle).unwrap();
            assert!(v.negative_pressure(), "{}", v.code);
            assert_eq!(b.head_count(), 1, "rides alone");
        }
        None => assert!(r.plan.unplaced.iter().any(|u| u.traveler == who)),
    }
}

#[test]
fn a_vehicle_broken_down_or_a_crew_member_missing_is_not_planned_again() {
    let d = day();
    let p = published(&d);
    let at = midday(&p);
    // A vehicle with a batch still to come and none on the road at the event.
    let on_road = |v: &closedloop_scheduling::ids::VehicleCode| {
        p.batches
            .iter()
            .any(|b| &b.vehicle == v && b.depart < at && b.ready_again > at)
    };
    let vehicle = p
        .batches
        .iter()
        .filter(|b| b.depart > at + Duration::minutes(30))
        .map(|b| b.vehicle.clone())
        .find(|v| !on_road(v))
        .expect("an idle vehicle with work to come");
    let r = replanned(
        &d,
        &p,
        &event(
            at,
            What::VehicleBreakdown {
                vehicle: vehicle.clone(),
                position: None,
            },
        ),
    );
    assert!(
        !r.plan
            .batches
            .iter()
            .any(|b| b.vehicle == vehicle && b.depart >= at)
    );

    let crew = p
        .batches
        .iter()
        .find(|b| b.depart > at + Duration::minutes(30))
        .unwrap()
        .crew[0]
        .clone();
    let r = replanned(
        &d,
        &p,
        &event(at, What::CrewUnavailable { crew: crew.clone() }),
    );
    assert!(
        !r.plan
            .batches
            .iter()
            .any(|b| b.crew.contains(&crew) && b.depart >= at)
    );
}

#[test]
fn a_hotel_closing_takes_no_one_new() {
    let d = day();
    let p = published(&d);
    let at = midday(&p);
    let hotel = p
        .batches
        .iter()
        .filter(|b| b.depart > at + Duration::minutes(30))
        .flat_map(|b| &b.stops)
        .find_map(|s| match &s.place {
            Place::Hotel { code } => Some(code.clone()),
            _ => None,
        })
        .expect("a later batch to a hotel");
    let r = replanned(
        &d,
        &p,
        &event(
            at,
            What::HotelClosed {
                hotel: hotel.clone(),
            },
        ),
    );
    for b in r
        .plan
        .batches
        .iter()
        .filter(|b| b.depart >= at + Duration::minutes(30))
    {
        assert!(
            !b.stops
                .iter()
                .any(|s| matches!(&s.place, Place::Hotel { code } if code == &hotel)),
            "{}",
            b.code
        );
    }
}

#[test]
fn the_same_event_gives_the_same_plan_and_an_unknown_code_is_refused() {
    let d = day();
    let p = published(&d);
    let at = midday(&p);
    let e = event(
        at,
        What::HotelClosed {
            hotel: d.hotels[0].code.clone(),
        },
    );
    let a = replan(
        &d,
        &p,
        &e,
        &StraightLines::default(),
        &ReplanOptions::default(),
    )
    .unwrap();
    let b = replan(
        &d,
        &p,
        &e,
        &StraightLines::default(),
        &ReplanOptions::default(),
    )
    .unwrap();
    assert!(a.plan == b.plan);
    let bad = event(
        at,
        What::CrewUnavailable {
            crew: "NOBODY".into(),
        },
    );
    let err = replan(
        &d,
        &p,
        &bad,
        &StraightLines::default(),
        &ReplanOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "day_code_unknown", "{err}");
    assert!(err.to_string().contains("NOBODY"));
}

#[path = "batches_days/mod.rs"]
mod days;

/// One vehicle and one driver for the day: a repair of the morning keeps the afternoon's
/// batch, and that batch's vehicle and driver carry the morning in the gap of their day (a
/// repair that set aside every vehicle of a kept batch left the morning unplaced).
#[test]
fn a_repair_uses_a_kept_batchs_vehicle_and_crew_in_the_gaps_of_their_day() {
    use serde_json::json;
    let d = days::day(|v| {
        v["vehicles"] = json!([days::vehicle("V1", "coach", 20, false)]);
        v["crew"] = json!([days::crew("D1", "driver", &["zh"])]);
        v["arrivals"] = json!([
            days::arrival("MU1", "2026-12-02T08:00:00", vec![days::traveler("a1")]),
            days::arrival("MU2", "2026-12-02T15:00:00", vec![days::traveler("b1")]),
        ]);
    });
    let plan = plan_day(&d, &days::TRAVEL, &days::options()).unwrap();
    assert!(plan.unplaced.is_empty(), "{:#?}", plan.unplaced);
    let afternoon = plan
        .batches
        .iter()
        .find(|b| b.arrival.as_ref().is_some_and(|a| a.as_str() == "MU2"))
        .expect("the afternoon's batch")
        .clone();
    let newcomer: Traveler = serde_json::from_value(days::traveler("a2")).unwrap();
    let at = NaiveDate::from_ymd_opt(2026, 12, 2)
        .unwrap()
        .and_hms_opt(7, 0, 0)
        .unwrap();
    let e = event(
        at,
        What::TravelersAdded {
            arrival: closedloop_scheduling::ids::ArrivalCode::new("MU1"),
            travelers: vec![newcomer],
        },
    );
    let opts = ReplanOptions {
        freeze_minutes: 30,
        plan: days::options(),
        thorough: false,
    };
    let r = replan(&d, &plan, &e, &days::TRAVEL, &opts).unwrap();
    assert!(r.plan.unplaced.is_empty(), "{:#?}", r.plan.unplaced);
    assert_eq!(r.chosen, "repair");
    assert!(r.plan.batches.contains(&afternoon), "{:#?}", r.plan.batches);
    let morning: Vec<&str> = r
        .plan
        .batches
        .iter()
        .filter(|b| b.code != afternoon.code)
        .flat_map(|b| b.travelers().map(|t| t.as_str()))
        .collect();
    assert_eq!(morning.len(), 2, "{:#?}", r.plan.batches);
    let v = check(&r.day, &r.plan, &days::TRAVEL);
    assert!(v.is_empty(), "{v:?}");
}
