//! Vehicle positions over the real server and database: a driver's phone reports GPS fixes in
//! batches on the batch it crews (a batch sent again stores nothing twice), a bad fix refuses
//! the whole report naming it, and the desk's live map reads each vehicle's latest position.

mod common;

use chrono::{TimeDelta, Utc};
use closedloop_app::AccessRole;
use closedloop_domain::ids::TravelerId;
use common::{Account, problem, start_with};
use serde_json::{Value, json};

struct Seeded {
    s: common::Server,
    vehicle: i64,
    trip: i64,
    crew: i64,
    other_trip: i64,
}

fn seeded() -> Seeded {
    let mut ids = None;
    let s = start_with(|app, dir| {
        common::import_travelers(app, dir, 2);
        let mut fleet = Vec::new();
        for (plate, staff) in [("沪A·P0001", "D-1"), ("沪A·P0002", "D-2")] {
            let rider = [TravelerId(fleet.len() as i64 + 1)];
            let common::Planned {
                vehicle,
                crew,
                trip,
            } = common::plan_batch(app, plate, staff, &rider);
            fleet.push((vehicle.0, trip.0, crew.0));
        }
        ids = Some(fleet);
    });
    let fleet = ids.unwrap();
    Seeded {
        s,
        vehicle: fleet[0].0,
        trip: fleet[0].1,
        crew: fleet[0].2,
        other_trip: fleet[1].1,
    }
}

fn fixes(minutes_ago: &[i64]) -> Vec<Value> {
    minutes_ago
        .iter()
        .map(|m| {
            json!({
                "at": (Utc::now() - TimeDelta::minutes(*m)).to_rfc3339(),
                "lat": 31.15 + *m as f64 * 0.001, "lon": 121.80, "speed_kmh": 40.0,
            })
        })
        .collect()
}

#[test]
fn a_drivers_batches_of_fixes_are_stored_once_and_the_map_shows_the_latest() {
    let Seeded {
        mut s,
        vehicle,
        trip,
        crew,
        other_trip,
    } = seeded();
    let driver = s
        .login_as(&Account::of(AccessRole::Driver).crew(crew))
        .client();
    let batch = fixes(&[3, 2, 1]);
    let body = json!({"vehicle": vehicle, "trip": trip, "fixes": batch});
    let url = s.url("/api/positions");
    let post =
        |c: &reqwest::blocking::Client, body: &Value| c.post(&url).json(body).send().unwrap();

    let r = post(&driver, &body);
    assert_eq!(r.status(), 200, "{:?}", r.text());
    assert_eq!(
        r.json::<Value>().unwrap(),
        json!({"received": 3, "stored": 3})
    );
    // Sent again after a bad network: nothing stored twice.
    let r = post(&driver, &body);
    assert_eq!(
        r.json::<Value>().unwrap(),
        json!({"received": 3, "stored": 0})
    );

    // A crew member reports on the batch they crew only.
    problem(
        post(&driver, &json!({"vehicle": vehicle, "fixes": fixes(&[0])})),
        403,
        "forbidden_object",
    );
    problem(
        post(
            &driver,
            &json!({"vehicle": vehicle, "trip": other_trip, "fixes": fixes(&[0])}),
        ),
        403,
        "forbidden_object",
    );

    // One bad fix refuses the report, naming it; nothing of it is stored.
    let mut bad = fixes(&[0, 0]);
    bad[1]["lat"] = json!(91.0);
    let p = problem(
        post(
            &driver,
            &json!({"vehicle": vehicle, "trip": trip, "fixes": bad}),
        ),
        422,
        "invalid_value",
    );
    assert_eq!(p["field"], "fixes[1].lat");
    let mut late = fixes(&[0]);
    late[0]["at"] = json!((Utc::now() + TimeDelta::hours(1)).to_rfc3339());
    let p = problem(
        post(
            &driver,
            &json!({"vehicle": vehicle, "trip": trip, "fixes": late}),
        ),
        422,
        "fix_time_out_of_range",
    );
    assert_eq!(p["field"], "fixes[0].at");
    problem(
        post(
            &driver,
            &json!({"vehicle": vehicle, "trip": trip, "fixes": []}),
        ),
        422,
        "positions_batch_size",
    );

    // The map: the latest fix of each vehicle, for the desk and the command centre only.
    problem(
        driver.get(s.url("/api/positions")).send().unwrap(),
        403,
        "forbidden",
    );
    s.login(AccessRole::Commander);
    let map = s.get_json("/api/positions", 200);
    let items = map["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{map}");
    assert_eq!(items[0]["vehicle"], vehicle);
    assert_eq!(items[0]["trip"], trip);
    assert_eq!(
        items[0]["lat"], batch[2]["lat"],
        "the newest fix, not the last sent"
    );

    // The desk reports for any vehicle; an unknown one is named.
    let desk = s.login(AccessRole::Dispatcher).client();
    let r = post(&desk, &json!({"vehicle": vehicle, "fixes": fixes(&[0])}));
    assert_eq!(r.json::<Value>().unwrap()["stored"], 1);
    let p = problem(
        post(&desk, &json!({"vehicle": 999, "fixes": fixes(&[0])})),
        404,
        "unknown_vehicle",
    );
    assert_eq!(p["field"], "vehicle");
}
