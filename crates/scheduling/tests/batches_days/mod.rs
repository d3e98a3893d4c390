//! Hand-made small days for the batch tests, and the rules every batch must keep.

#![allow(dead_code)]

use closedloop_scheduling::batches::Formed;
use closedloop_scheduling::day::PlanOptions;
use closedloop_scheduling::ids::{ArrivalCode, HotelCode, PortCode, TravelerCode};
use closedloop_scheduling::placement::Placement;
use closedloop_scheduling::plan::{Batch, Place, Reason};
use closedloop_scheduling::problem::Day;
use closedloop_scheduling::travel::StraightLines;
use serde_json::{Value, json};

pub const TRAVEL: StraightLines = StraightLines {
    speed_kmh: 40.0,
    detour: 1.3,
};

pub fn options() -> PlanOptions {
    PlanOptions {
        seed: 7,
        time_limit: None,
        iterations: Some(1000),
    }
}

pub fn traveler(code: &str) -> Value {
    json!({"code": code, "health": "normal", "destination": "hotel"})
}

pub fn vehicle(code: &str, kind: &str, seats: u16, wheelchair: bool) -> Value {
    json!({
        "code": code, "kind": kind, "seats": seats, "wheelchair_access": wheelchair,
        "base": "PVG", "available_from": "2026-12-02T06:00:00",
        "available_until": "2026-12-02T23:00:00"
    })
}

pub fn crew(code: &str, role: &str, languages: &[&str]) -> Value {
    json!({
        "code": code, "role": role, "languages": languages, "base": "PVG",
        "shift_start": "2026-12-02T06:00:00", "shift_end": "2026-12-02T23:00:00"
    })
}

/// A day at one port (PVG) with two hotels ~10 km away and a hospital; `edit` changes it.
pub fn day(edit: impl FnOnce(&mut Value)) -> Day {
    let mut v = json!({
        "format": "closedloop-day/1",
        "date": "2026-12-02",
        "policy": {
            "version": "test 14+7", "hotel_days": 14, "home_days": 7, "seat_factor": 2.0,
            "max_port_wait": 60, "max_ride": 90, "special_max_ride": 60,
            "disinfection": 30, "crew_rest": 30
        },
        "ports": [{"code": "PVG", "name": "Pudong", "location": {"lat": 31.15, "lon": 121.80}, "processing": 60}],
        "arrivals": [],
        "hotels": [
            {"code": "H-A", "name": "A", "location": {"lat": 31.20, "lon": 121.72}, "rooms": 200, "accessible_rooms": 20},
            {"code": "H-B", "name": "B", "location": {"lat": 31.10, "lon": 121.72}, "rooms": 200, "accessible_rooms": 20}
        ],
        "hospitals": [{"code": "HOS", "name": "Hospital", "location": {"lat": 31.18, "lon": 121.75}}],
        "vehicles": [
            vehicle("V1", "coach", 20, false),
            vehicle("V2", "coach", 20, false),
            vehicle("V3", "wheelchair_van", 8, true),
            vehicle("V4", "negative_pressure_ambulance", 4, false)
        ],
        "crew": [
            crew("D1", "driver", &["zh"]), crew("D2", "driver", &["zh"]),
            crew("D3", "driver", &["zh"]), crew("D4", "driver", &["zh"]),
            crew("E1", "escort", &["zh", "en"]), crew("E2", "escort", &["zh", "ja"])
        ]
    });
    edit(&mut v);
    Day::from_json(&v.to_string()).expect("a valid test day")
}

pub fn arrival(code: &str, at: &str, travelers: Vec<Value>) -> Value {
    json!({"code": code, "port": "PVG", "at": at, "travelers": travelers})
}

pub fn port() -> Place {
    Place::Port {
        code: PortCode::new("PVG"),
    }
}

pub fn hotel(code: &str) -> Place {
    Place::Hotel {
        code: HotelCode::new(code),
    }
}

pub fn placement(t: &str, arrival: &str, to: Place) -> Placement {
    Placement {
        traveler: TravelerCode::new(t),
        arrival: Some(ArrivalCode::new(arrival)),
        from: port(),
        to,
    }
}

/// Every placement of `d`'s arrivals to hotel `to`.
pub fn all_to(d: &Day, to: &str) -> Vec<Placement> {
    d.arriving()
        .map(|(a, t)| placement(t.code.as_str(), a.code.as_str(), hotel(to)))
        .collect()
}

pub fn minutes(a: chrono::NaiveDateTime, b: chrono::NaiveDateTime) -> f64 {
    (b - a).num_seconds() as f64 / 60.0
}

pub fn batch_of<'a>(f: &'a Formed, t: &str) -> &'a Batch {
    f.batches
        .iter()
        .find(|b| b.travelers().any(|c| c.as_str() == t))
        .unwrap_or_else(|| panic!("{t} is in no batch: {f:#?}"))
}

pub fn reason_of(f: &Formed, t: &str) -> Reason {
    f.unplaced
        .iter()
        .find(|u| u.traveler.as_str() == t)
        .unwrap_or_else(|| panic!("{t} is not unplaced"))
        .reason
        .clone()
}

/// The rules every batch must keep, whatever the test is about.
pub fn assert_sound(d: &Day, f: &Formed) {
    for b in &f.batches {
        let v = d.vehicles.iter().find(|v| v.code == b.vehicle).unwrap();
        let cap = (f64::from(v.seats) / d.policy.seat_factor).floor() as usize;
        assert!(
            b.head_count() <= cap,
            "{}: {} over {cap} seats",
            b.code,
            b.head_count()
        );
        assert!(!b.crew.is_empty(), "{}: no driver", b.code);
        let mut prev = b.depart;
        for s in &b.stops {
            assert!(s.eta >= prev, "{}: stops out of time order", b.code);
            prev = s.eta;
        }
        assert!(
            b.ready_again >= prev,
            "{}: ready again before its last stop",
            b.code
        );
        for t in b.travelers() {
            let (a, _) = d.arriving().find(|(_, x)| &x.code == t).unwrap();
            let ready = d.ready_at(a).unwrap();
            let wait = minutes(ready, b.depart);
            assert!(wait >= -0.02, "{}: {t} leaves before ready", b.code);
            assert!(
                wait <= f64::from(d.policy.max_port_wait) + 0.02,
                "{}: {t} waits {wait}",
                b.code
            );
        }
    }
}

pub fn busy_day() -> Day {
    day(|v| {
        let mut arrivals = Vec::new();
        for (k, at) in ["07:10", "07:40", "09:05", "12:30"].iter().enumerate() {
            let mut ts = Vec::new();
            for i in 0..9 {
                let mut t = traveler(&format!("a{k}-{i}"));
                if i == 0 {
                    t["special_needs"] = json!("elderly");
                }
                if i == 1 && k == 2 {
                    t["health"] = json!("symptomatic");
                }
                if i >= 6 {
                    t["group"] = json!(format!("fam{k}"));
                }
                if i == 5 {
                    t["destination"] = json!("home");
                    t["home"] =
                        json!({"address": "幸福路12号", "location": {"lat": 31.22, "lon": 121.60}});
                }
                ts.push(t);
            }
            arrivals.push(arrival(
                &format!("MU{k}"),
                &format!("2026-12-02T{at}:00"),
                ts,
            ));
        }
        v["arrivals"] = json!(arrivals);
        let fleet = v["vehicles"].as_array_mut().unwrap();
        fleet.push(vehicle("V5", "van", 8, false));
        fleet.push(vehicle("V6", "van", 8, true));
        let crews = v["crew"].as_array_mut().unwrap();
        for c in ["D5", "D6", "D7"] {
            crews.push(crew(c, "driver", &["zh"]));
        }
        crews.push(crew("E3", "escort", &["zh"]));
        v["stays"] = json!([{
            "traveler": {"code": "r1", "health": "normal", "destination": "home",
                         "home": {"address": "x", "location": {"lat": 31.25, "lon": 121.65}}},
            "hotel": "H-A", "check_in": "2026-11-18", "release": "2026-12-02"
        }]);
    })
}
