//! A vehicle breaking down en route: the stops it reached stand as driven, a replacement
//! fetches the riders still on board from the roadside, and the re-plan keeps every rule.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use closedloop_scheduling::check::check;
use closedloop_scheduling::day::{PlanOptions, plan_day};
use closedloop_scheduling::diff::{Moved, diff};
use closedloop_scheduling::event::{EVENT_FORMAT, Event, What};
use closedloop_scheduling::ids::TravelerCode;
use closedloop_scheduling::plan::{Batch, Place, Plan, Reason};
use closedloop_scheduling::problem::{Day, Point};
use closedloop_scheduling::replan::{ReplanOptions, Replanned, replan};
use closedloop_scheduling::scenario::{
    NamedSite, PortKind, PortSite, ScenarioOptions, Sites, default_rules, generate,
};
use closedloop_scheduling::travel::StraightLines;
use std::collections::BTreeSet;

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

/// A batch with two stops or more and the moment half way between its first and last: it has
/// delivered the first stop's riders and carries the rest.
fn on_the_road(plan: &Plan) -> (&Batch, NaiveDateTime) {
    plan.batches
        .iter()
        .filter(|b| b.stops.len() >= 2)
        .map(|b| {
            let (first, last) = (b.stops[0].eta, b.stops[b.stops.len() - 1].eta);
            // Whole minutes, as the desk types them.
            (
                b,
                first + Duration::minutes((last - first).num_minutes() / 2),
            )
        })
        .find(|(b, at)| *at > b.stops[0].eta && *at < b.stops[b.stops.len() - 1].eta)
        .expect("a batch with several stops")
}

fn breakdown(at: NaiveDateTime, b: &Batch, position: Option<Point>) -> Event {
    Event {
        format: EVENT_FORMAT.into(),
        at,
        what: What::VehicleBreakdown {
            vehicle: b.vehicle.clone(),
            position,
        },
    }
}

fn replanned(day: &Day, plan: &Plan, e: &Event) -> Replanned {
    let opts = ReplanOptions {
        freeze_minutes: 30,
        plan: options(),
        thorough: false,
    };
    replan(day, plan, e, &StraightLines::default(), &opts).expect("re-planned")
}

/// Everything a re-plan after a breakdown en route must keep.
fn kept_rules(plan: &Plan, broken: &Batch, e: &Event, r: &Replanned) {
    let freeze = e.at + Duration::minutes(30);
    // The driven part: the stops reached before the event unchanged, then the roadside.
    let driven = r
        .plan
        .batches
        .iter()
        .find(|b| b.code == broken.code)
        .expect("the broken batch stays as driven");
    let reached: Vec<_> = broken.stops.iter().filter(|s| s.eta < e.at).collect();
    assert!(!reached.is_empty());
    assert_eq!(driven.stops.len(), reached.len() + 1);
    for (a, b) in reached.iter().zip(&driven.stops) {
        assert_eq!(*a, b);
    }
    let roadside = driven.stops.last().unwrap();
    assert!(matches!(&roadside.place, Place::Roadside { batch, .. } if batch == &broken.code));
    assert!(roadside.travelers.is_empty());
    assert_eq!(
        (driven.depart, &driven.crew, &driven.vehicle),
        (broken.depart, &broken.crew, &broken.vehicle)
    );
    // Every rider still on board: on the replacement, at their stop, or reported.
    let on_board: BTreeSet<&TravelerCode> = broken
        .stops
        .iter()
        .filter(|s| s.eta >= e.at)
        .flat_map(|s| &s.travelers)
        .collect();
    assert!(!on_board.is_empty());
    for t in &on_board {
        let carried = r
            .plan
            .batches
            .iter()
            .find(|b| b.travelers().any(|x| x == *t));
        match carried {
            Some(b) => {
                assert_eq!(b.origin, roadside.place, "{t} on {}", b.code);
                assert_ne!(b.vehicle, broken.vehicle);
                assert!(b.depart >= roadside.eta);
            }
            None => assert!(
                r.plan.unplaced.iter().any(|u| &u.traveler == *t
                    && u.reason
                        == Reason::NoReplacement {
                            batch: broken.code.clone()
                        }),
                "{t} dropped"
            ),
        }
    }
    // The broken vehicle carries no one else today.
    assert!(
        r.plan
            .batches
            .iter()
            .all(|b| b.vehicle != broken.vehicle || b.depart < e.at)
    );
    // Departed batches intact; nothing else new leaves before the freeze.
    for b in plan
        .batches
        .iter()
        .filter(|b| b.depart < e.at && b.code != broken.code)
    {
        assert!(
            r.plan.batches.contains(b),
            "departed batch {} changed",
            b.code
        );
    }
    for b in r.plan.batches.iter().filter(|b| !plan.batches.contains(b)) {
        let rescue = b.code == broken.code || b.origin == roadside.place;
        assert!(
            rescue || b.depart >= freeze,
            "{} leaves before the freeze {freeze}: {b:#?}\nbroken {broken:#?}",
            b.code
        );
    }
    let v = check(&r.day, &r.plan, &StraightLines::default());
    assert!(v.is_empty(), "the re-plan breaks rules: {v:#?}");
}

#[test]
fn a_breakdown_en_route_sends_a_replacement_to_the_roadside() {
    let d = day();
    let p = published(&d);
    let (broken, at) = on_the_road(&p);
    let e = breakdown(at, broken, None);
    let r = replanned(&d, &p, &e);
    kept_rules(&p, broken, &e, &r);
    let replacement = r
        .plan
        .batches
        .iter()
        .find(|b| matches!(&b.origin, Place::Roadside { batch, .. } if batch == &broken.code))
        .expect("a replacement was free on this day");
    assert_eq!(r.plan.kpis.trips, r.plan.batches.len());
    // The plan says who moved, where to and why.
    let changes = diff(&p, &r.plan);
    for t in replacement.travelers() {
        let c = changes
            .travelers
            .iter()
            .find(|c| &c.traveler == t)
            .expect("a change for every rider fetched");
        assert_eq!(
            c.change,
            Moved::Replaced {
                from: broken.code.clone(),
                to: replacement.code.clone(),
                vehicle: replacement.vehicle.clone(),
                event: "vehicle_breakdown",
            }
        );
        assert!(c.en().contains("vehicle_breakdown") && c.zh().contains("抛锚"));
    }
    // The next re-plan keeps the replacement: its riders are on the road.
    let later = Event {
        format: EVENT_FORMAT.into(),
        at: at + Duration::minutes(1),
        what: What::HotelClosed {
            hotel: d.hotels[0].code.clone(),
        },
    };
    let again = replanned(&r.day, &r.plan, &later);
    assert!(again.plan.batches.contains(replacement));

    // The replacement's own vehicle breaking down on its way to the roadside: another one is
    // sent to the same roadside, whole.
    assert!(replacement.depart > at);
    let halfway = at + Duration::seconds((replacement.depart - at).num_seconds() / 2);
    let second = breakdown(halfway, replacement, None);
    let r2 = replanned(&r.day, &r.plan, &second);
    assert!(!r2.plan.batches.iter().any(|b| b.code == replacement.code));
    for t in replacement.travelers() {
        let on = r2
            .plan
            .batches
            .iter()
            .find(|b| b.travelers().any(|x| x == t));
        match on {
            Some(b) => {
                assert_eq!(b.origin, replacement.origin);
                assert_ne!(b.vehicle, replacement.vehicle);
            }
            None => assert!(r2.plan.unplaced.iter().any(|u| &u.traveler == t)),
        }
    }
    let v = check(&r2.day, &r2.plan, &StraightLines::default());
    assert!(v.is_empty(), "the second re-plan breaks rules: {v:#?}");
}

#[test]
fn a_breakdown_at_a_given_position_hands_over_there() {
    let d = day();
    let p = published(&d);
    let (broken, at) = on_the_road(&p);
    let position = Point {
        lat: 31.2345,
        lon: 121.4321,
    };
    let e = breakdown(at, broken, Some(position));
    let r = replanned(&d, &p, &e);
    kept_rules(&p, broken, &e, &r);
    let driven = r
        .plan
        .batches
        .iter()
        .find(|b| b.code == broken.code)
        .unwrap();
    assert_eq!(
        driven.stops.last().unwrap().place,
        Place::roadside(broken.code.clone(), position)
    );
}

#[test]
fn riders_no_vehicle_can_fetch_are_reported_not_dropped() {
    let mut d = day();
    let p = published(&d);
    let (broken, at) = on_the_road(&p);
    // No crew free for anyone: every crew member's shift ends with their last batch begun.
    for c in &mut d.crew {
        let on_duty = p
            .batches
            .iter()
            .any(|b| b.crew.contains(&c.code) && b.depart < at);
        if !on_duty {
            c.blocked = Some("off sick".into());
        }
    }
    let e = breakdown(at, broken, None);
    let r = replan(
        &d,
        &p,
        &e,
        &StraightLines::default(),
        &ReplanOptions::default(),
    )
    .expect("re-planned");
    let on_board: Vec<&TravelerCode> = broken
        .stops
        .iter()
        .filter(|s| s.eta >= at)
        .flat_map(|s| &s.travelers)
        .collect();
    let carried: BTreeSet<&TravelerCode> =
        r.plan.batches.iter().flat_map(|b| b.travelers()).collect();
    for t in on_board {
        if !carried.contains(t) {
            let u = r
                .plan
                .unplaced
                .iter()
                .find(|u| &u.traveler == t)
                .expect("reported");
            assert_eq!(u.reason.code(), "no_replacement");
        }
    }
    let v = check(&r.day, &r.plan, &StraightLines::default());
    assert!(
        !v.iter()
            .any(|v| v.code == "traveler_missing" || v.code == "traveler_duplicated"),
        "{v:#?}"
    );
}

#[test]
fn the_breakdown_event_round_trips_and_old_files_still_load() {
    let e = Event {
        format: EVENT_FORMAT.into(),
        at: "2021-03-01T10:30:00".parse().unwrap(),
        what: What::VehicleBreakdown {
            vehicle: "V-7".into(),
            position: Some(Point {
                lat: 31.2,
                lon: 121.5,
            }),
        },
    };
    let text = serde_json::to_string(&e).unwrap();
    assert_eq!(Event::from_json(&text).unwrap(), e);
    let old = r#"{"format":"closedloop-event/1","at":"2021-03-01T10:30:00",
        "what":{"kind":"vehicle_breakdown","vehicle":"V-7"}}"#;
    let read = Event::from_json(old).unwrap();
    assert_eq!(
        read.what,
        What::VehicleBreakdown {
            vehicle: "V-7".into(),
            position: None
        }
    );
    assert!(!serde_json::to_string(&read).unwrap().contains("position"));
    // A position off the globe is refused when the event is applied, naming the field.
    let bad = old.replace(r#""V-7""#, r#""V-7","position":{"lat":91.0,"lon":0.0}"#);
    let bad = Event::from_json(&bad).unwrap();
    let d = day();
    let p = published(&d);
    let err = bad.apply(&d, &p).unwrap_err();
    assert!(err.to_string().contains("event.what.position"), "{err}");
}
