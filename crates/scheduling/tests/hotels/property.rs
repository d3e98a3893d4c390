//! For random small days: everyone due is placed or unplaced exactly once, no hotel night the
//! plan books is over its rooms or accessible rooms (counted here, independently of the
//! calendar), groups stay in one hotel, every hotel placement has its stay of the policy's
//! nights, and the same day gives the same placements.

use super::fixture::{date, travel};
use closedloop_scheduling::Day;
use closedloop_scheduling::hotels::assign;
use closedloop_scheduling::placement::Placements;
use closedloop_scheduling::plan::Place;
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
struct GenTraveler {
    health: usize,
    destination: usize,
    wheelchair: bool,
    group: usize,
    located: bool,
    language: usize,
}

fn gen_traveler() -> impl Strategy<Value = GenTraveler> {
    (
        0..4usize,
        0..3usize,
        proptest::bool::weighted(0.2),
        0..4usize,
        proptest::bool::weighted(0.8),
        0..3usize,
    )
        .prop_map(
            |(health, destination, wheelchair, group, located, language)| GenTraveler {
                health,
                destination,
                wheelchair,
                group,
                located,
                language,
            },
        )
}

fn traveler_json(code: String, g: &GenTraveler) -> Value {
    let health = ["normal", "symptomatic", "positive", "close_contact"][g.health];
    let destination = ["hotel", "home", "hospital"][g.destination];
    let mut v = json!({"code": code, "health": health, "destination": destination});
    if g.wheelchair {
        v["special_needs"] = json!("wheelchair");
    }
    if g.group > 0 {
        v["group"] = json!(format!("G{}", g.group));
    }
    if g.located {
        v["home"] = json!({"address": "a", "location": {"lat": 31.2, "lon": 121.7}});
    }
    if g.language > 0 {
        let language = ["", "zh", "en"][g.language];
        v["language"] = json!(language);
    }
    v
}

type GenHotel = (u32, u32, bool, Vec<(u8, u32)>, f64);

fn gen_day() -> impl Strategy<Value = Day> {
    let hotel = (
        0..6u32,
        0..3u32,
        proptest::bool::weighted(0.85),
        proptest::collection::vec((0..6u8, 0..3u32), 0..3),
        0.0..0.5f64,
    );
    let arrival = (0..3u8, proptest::collection::vec(gen_traveler(), 0..8));
    let stay = (0..3usize, 0..10u8, 1..12u8, gen_traveler());
    (
        proptest::collection::vec(hotel, 0..4),
        proptest::collection::vec(arrival, 1..4),
        proptest::collection::vec(stay, 0..5),
        1..6u16,
        0..3u16,
        1..4u32,
        proptest::bool::ANY,
    )
        .prop_map(|(hotels, arrivals, stays, hotel_days, home_days, share, hospital)| {
            let hotels: Vec<GenHotel> = hotels;
            let hotel_json: Vec<Value> = hotels
                .iter()
                .enumerate()
                .map(|(i, (rooms, acc, open, held, east))| {
                    let held: Vec<Value> = held
                        .iter()
                        .map(|(n, r)| json!({"night": format!("2026-12-{:02}", 2 + n), "rooms": r}))
                        .collect();
                    json!({"code": format!("H{i}"), "name": "h",
                           "location": {"lat": 31.15, "lon": 121.8 + east},
                           "rooms": rooms, "accessible_rooms": (*acc).min(*rooms),
                           "languages": if i % 2 == 0 { vec!["zh"] } else { vec!["en"] },
                           "open": open, "held": held})
                })
                .collect();
            let mut n = 0;
            let arrival_json: Vec<Value> = arrivals
                .iter()
                .enumerate()
                .map(|(i, (hour, ts))| {
                    let travelers: Vec<Value> = ts
                        .iter()
                        .map(|g| {
                            n += 1;
                            traveler_json(format!("T{n:03}"), g)
                        })
                        .collect();
                    // Hour 2 is after midnight: that arrival belongs to 12-03.
                    let at = if *hour == 2 { "2026-12-03T01:30:00".to_string() } else { format!("2026-12-02T{:02}:00:00", 8 + 6 * hour) };
                    json!({"code": format!("A{i}"), "port": "PVG", "at": at, "travelers": travelers})
                })
                .collect();
            let stay_json: Vec<Value> = if hotels.is_empty() {
                vec![]
            } else {
                stays
                    .iter()
                    .enumerate()
                    .map(|(i, (h, back, len, g))| {
                        let check_in = date("2026-11-25") + chrono::Duration::days(i64::from(*back));
                        let release = check_in + chrono::Duration::days(i64::from(*len));
                        json!({"traveler": traveler_json(format!("S{i}"), g),
                               "hotel": format!("H{}", h % hotels.len()),
                               "check_in": check_in, "release": release})
                    })
                    .collect()
            };
            let hospitals = if hospital {
                json!([{"code": "HOSP", "name": "x", "location": {"lat": 31.1, "lon": 121.7}}])
            } else {
                json!([])
            };
            let v = json!({
                "format": "closedloop-day/1", "date": "2026-12-02",
                "policy": {"version": "p", "hotel_days": hotel_days, "home_days": home_days,
                           "seat_factor": 1.0, "max_port_wait": 120, "max_ride": 90,
                           "special_max_ride": 60, "disinfection": 30, "crew_rest": 30,
                           "family_room_size": share},
                "ports": [{"code": "PVG", "name": "P", "location": {"lat": 31.15, "lon": 121.80}, "processing": 60}],
                "arrivals": arrival_json, "hotels": hotel_json, "hospitals": hospitals, "stays": stay_json,
            });
            Day::from_json(&v.to_string()).expect("a generated day is valid")
        })
}

/// Rooms in use per (hotel, night), computed here from the day and the placements alone.
fn occupancy(day: &Day, p: &Placements) -> BTreeMap<(String, chrono::NaiveDate), (u64, u64)> {
    let share = u64::from(day.policy.family_room_size);
    let group_of: BTreeMap<String, (String, Option<String>)> = day
        .arrivals
        .iter()
        .flat_map(|a| {
            a.travelers
                .iter()
                .map(move |t| (t.code.to_string(), (a.code.to_string(), t.group.clone())))
        })
        .collect();
    // People per (hotel, night, who shares): grouped share, others one each.
    let mut people: BTreeMap<(String, chrono::NaiveDate, String), (u64, u64, bool)> =
        BTreeMap::new();
    for s in &p.stays {
        let (arrival, group) = group_of
            .get(s.traveler.as_str())
            .cloned()
            .unwrap_or_default();
        let key = match &group {
            Some(g) => format!("plan {arrival} {g}"),
            None => format!("alone {}", s.traveler),
        };
        for night in s.check_in.iter_days().take_while(|n| *n < s.release) {
            let e = people
                .entry((s.hotel.to_string(), night, key.clone()))
                .or_default();
            e.0 += 1;
            e.1 += u64::from(s.accessible);
            e.2 = group.is_some();
        }
    }
    for s in &day.stays {
        let key = match &s.traveler.group {
            Some(g) => format!("stay {} {g}", s.check_in),
            None => format!("alone {}", s.traveler.code),
        };
        for night in s.check_in.iter_days().take_while(|n| *n < s.release) {
            let e = people
                .entry((s.hotel.to_string(), night, key.clone()))
                .or_default();
            e.0 += 1;
            e.1 += u64::from(s.traveler.uses_wheelchair());
            e.2 = s.traveler.group.is_some();
        }
    }
    let mut out: BTreeMap<(String, chrono::NaiveDate), (u64, u64)> = BTreeMap::new();
    for ((hotel, night, _), (n, w, grouped)) in people {
        let e = out.entry((hotel, night)).or_default();
        if grouped {
            e.0 += n.div_ceil(share);
            e.1 += w.div_ceil(share);
        } else {
            e.0 += n;
            e.1 += w;
        }
    }
    for h in &day.hotels {
        for held in &h.held {
            let e = out.entry((h.code.to_string(), held.night)).or_default();
            e.0 += u64::from(held.rooms.max(held.accessible_rooms));
            e.1 += u64::from(held.accessible_rooms);
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn everyone_once_and_no_night_over_capacity(day in gen_day()) {
        let p = assign(&day, &travel());
        let mut count: BTreeMap<String, usize> = BTreeMap::new();
        for c in p.placed.iter().map(|x| &x.traveler).chain(p.unplaced.iter().map(|x| &x.traveler)) {
            *count.entry(c.to_string()).or_default() += 1;
        }
        let mut due: Vec<String> = day.arriving().map(|(_, t)| t.code.to_string()).collect();
        if day.policy.home_days > 0 {
            due.extend(day.stays.iter().filter(|s| s.release == day.date).map(|s| s.traveler.code.to_string()));
        }
        due.sort();
        let seen: Vec<String> = count.keys().cloned().collect();
        prop_assert_eq!(&seen, &due);
        prop_assert!(count.values().all(|n| *n == 1));
        // The nights the plan books are within every hotel's rooms.
        let booked: std::collections::BTreeSet<(String, chrono::NaiveDate)> = p
            .stays
            .iter()
            .flat_map(|s| s.check_in.iter_days().take_while(move |n| *n < s.release).map(move |n| (s.hotel.to_string(), n)))
            .collect();
        let used = occupancy(&day, &p);
        for key in booked {
            let h = day.hotel(&key.0.as_str().into()).expect("a hotel of the day");
            prop_assert!(h.open, "booked into closed {}", h.code);
            let (rooms, acc) = used.get(&key).copied().unwrap_or_default();
            prop_assert!(rooms <= u64::from(h.rooms), "{:?}: {} rooms of {}", key, rooms, h.rooms);
            prop_assert!(acc <= u64::from(h.accessible_rooms), "{:?}: {} accessible of {}", key, acc, h.accessible_rooms);
        }
        // A stay for each hotel placement, at that hotel; groups in one hotel.
        let mut group_hotel: BTreeMap<(String, String), String> = BTreeMap::new();
        for x in &p.placed {
            if let Place::Hotel { code } = &x.to {
                let s = p.stays.iter().find(|s| s.traveler == x.traveler);
                prop_assert_eq!(s.map(|s| &s.hotel), Some(code));
                let s = s.expect("checked");
                prop_assert_eq!(s.release - s.check_in, chrono::Duration::days(i64::from(day.policy.hotel_days)));
                if let (Some(a), Some(g)) = (&x.arrival, &s.group) {
                    let prev = group_hotel.insert((a.to_string(), g.clone()), code.to_string());
                    prop_assert!(prev.is_none_or(|h| h == code.as_str()));
                }
            }
        }
        prop_assert_eq!(p.stays.len(), p.placed.iter().filter(|x| matches!(x.to, Place::Hotel { .. })).count());
        // Deterministic.
        prop_assert_eq!(assign(&day, &travel()), p);
    }
}
