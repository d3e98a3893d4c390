//! Batches for the phones and the wall over the real server and database: each caller lists
//! their own batches (a page at a time, by state and day) with plate, crew, stops, places and
//! head-counts; a batch's route as GeoJSON over the travel model in force (straight lines
//! here: the road network has its own tests); a hotel's rooms taken per night, for its own
//! staff only.

mod common;

use closedloop_app::AccessRole::*;
use closedloop_domain::ids::{CrewId, DestinationId, TravelerId, VehicleId};
use closedloop_store::desk::PlannedStop;
use common::{Account, Server, problem, repo};
use reqwest::blocking::Client;
use serde_json::{Value, json};

/// Hotels H-PD01 (1) and H-PD02 (2); five travelers off CA936 at PVG, 1 and 2 one family, 3 in
/// a wheelchair. Batch 1 (vehicle 1, driver 1) leaves on 1 July with 1, 2, 3 for H-PD01 and 4
/// for H-PD02; batch 2 (vehicle 2, driver 2) on 2 July with 5 for H-PD02.
fn world() -> Server {
    common::start_with(|app, dir| {
        let places = closedloop_app::places::ImportPlaces {
            file: repo().join("tests/data/places/hotels.csv"),
            lang: closedloop_domain::Lang::En,
        };
        closedloop_app::places::import_hotels(app, &places).unwrap();
        let mut csv = String::from(
            "Full Name,Passport No.,Nationality,Phone,Flight,Port,Arrival,Destination Type,Family Group,Special Needs\n",
        );
        for (i, (family, needs)) in [
            ("F1", ""),
            ("F1", ""),
            ("", "wheelchair"),
            ("", ""),
            ("", ""),
        ]
        .iter()
        .enumerate()
        {
            let n = i + 1;
            csv.push_str(&format!(
                "Traveler Number{n},BT{n:04},CHN,1381234{n:04},CA936,PVG,2021-07-01 08:00,hotel,{family},{needs}\n"
            ));
        }
        let file = dir.join("manifest.csv");
        std::fs::write(&file, csv).unwrap();
        let req = closedloop_app::import::ImportRequest {
            file,
            accept_valid: false,
            arrival: None,
            lang: closedloop_domain::Lang::En,
        };
        let out = closedloop_app::import::import(app, &req, &mut |_| {}).unwrap();
        assert!(out.accepted, "{:?}", out.summary);
        use closedloop_app::trips::{self, AddCrew, AddVehicle, PlanTrip};
        for staff_no in ["D-A", "D-B"] {
            let c = AddCrew {
                staff_no: staff_no.into(),
                name: format!("Crew {staff_no}"),
                role: "driver".into(),
            };
            trips::add_crew(app, &c).unwrap();
        }
        let at = |s: &str| closedloop_app::parse::time("at", s).unwrap();
        let stop = |hotel: i64, riders: &[i64]| PlannedStop {
            destination: Some(DestinationId(hotel)),
            travelers: riders.iter().map(|&t| TravelerId(t)).collect(),
        };
        let plans = [
            (
                1,
                vec![stop(1, &[1, 2, 3]), stop(2, &[4])],
                "2021-07-01 10:00",
            ),
            (2, vec![stop(2, &[5])], "2021-07-02 09:00"),
        ];
        for (n, stops, depart) in plans {
            let plate = format!("沪A·0000{n}");
            let v = trips::add_vehicle(app, &AddVehicle { plate, seats: 7 }).unwrap();
            let depart = at(depart);
            let batch = trips::plan_trip(
                app,
                &PlanTrip {
                    vehicle: VehicleId(v.0),
                    crew: vec![CrewId(n)],
                    stops,
                    port: "PVG".into(),
                    depart_at: depart,
                    arrive_by: depart + chrono::TimeDelta::hours(1),
                },
            )
            .unwrap();
            assert_eq!(batch.0, n);
        }
    })
}

fn ids(s: &Server, c: &Client, path: &str) -> Vec<i64> {
    let r = c.get(s.url(path)).send().unwrap();
    assert_eq!(r.status(), 200, "{path}");
    let page: Value = r.json().unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

#[test]
fn each_caller_lists_their_own_batches_with_stops_places_and_head_counts() {
    let mut s = world();
    let a = s
        .login_as(&Account::of(Driver).named("driver-a").crew(1))
        .client();
    let b = s
        .login_as(&Account::of(Driver).named("driver-b").crew(2))
        .client();
    let hotel_a = s
        .login_as(&Account::of(HotelStaff).named("hotel-a").hotel("H-PD01"))
        .client();
    let hotel_b = s
        .login_as(&Account::of(HotelStaff).named("hotel-b").hotel("H-PD02"))
        .client();
    let port = s.login(PortStaff).client();
    let desk = s.login(Dispatcher).client();
    assert_eq!(ids(&s, &a, "/api/batches"), [1]);
    assert_eq!(ids(&s, &b, "/api/batches"), [2]);
    assert_eq!(ids(&s, &hotel_a, "/api/batches"), [1]);
    assert_eq!(ids(&s, &hotel_b, "/api/batches"), [1, 2]);
    assert_eq!(ids(&s, &port, "/api/batches"), [1, 2]);
    for role in [Dispatcher, Commander, Auditor, Admin] {
        let c = s.login(role).client();
        assert_eq!(ids(&s, &c, "/api/batches"), [1, 2], "{role:?}");
    }
    assert_eq!(ids(&s, &desk, "/api/batches?date=2021-07-02"), [2]);
    assert_eq!(ids(&s, &desk, "/api/batches?state=planned"), [1, 2]);
    assert!(ids(&s, &desk, "/api/batches?state=departed").is_empty());
    assert!(ids(&s, &a, "/api/batches?date=2021-07-02").is_empty());

    // A page at a time; a cursor of another list is refused; so is a state that is none.
    let first: Value = desk
        .get(s.url("/api/batches?limit=1"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let cursor = first["next_cursor"].as_str().unwrap();
    assert_eq!(first["items"][0]["id"], 1);
    let next = format!("/api/batches?limit=1&cursor={cursor}");
    assert_eq!(ids(&s, &desk, &next), [2]);
    let loops_cursor = format!("/api/loops?cursor={cursor}");
    problem(
        desk.get(s.url(&loops_cursor)).send().unwrap(),
        422,
        "invalid_cursor",
    );
    let r = desk.get(s.url("/api/batches?state=lost")).send().unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());

    // What a phone shows of batch 1, every field the document describes.
    let page: Value = a.get(s.url("/api/batches")).send().unwrap().json().unwrap();
    let one = &page["items"][0];
    let doc = s.get_json("/api/openapi.json", 200);
    assert_eq!(common::keys(one), common::properties(&doc, "BatchListed"));
    assert_eq!(
        common::keys(&one["stops"][0]),
        common::properties(&doc, "StopSummary")
    );
    assert_eq!(
        (&one["plate"], &one["crew"], &one["state"], &one["code"]),
        (
            &json!("沪A·00001"),
            &json!([1]),
            &json!("planned"),
            &Value::Null
        )
    );
    assert_eq!(one["origin"]["code"], "PVG", "{one}");
    assert_eq!(one["origin"]["kind"], "port");
    let stops = one["stops"].as_array().unwrap();
    assert_eq!(stops.len(), 2);
    assert_eq!(stops[0]["place"]["code"], "H-PD01");
    assert_eq!(stops[0]["place"]["kind"], "hotel");
    assert_eq!(stops[0]["place"]["name_en"], "Pudong Airport Hotel");
    assert_eq!(
        (&stops[0]["planned"], &stops[0]["handed_over"]),
        (&json!(3), &json!(0))
    );
    assert_eq!(stops[0]["travelers"], json!([1, 2, 3]));
    assert_eq!(stops[1]["place"]["code"], "H-PD02");
    assert_eq!(stops[1]["eta"], one["planned_arrival"]);
    assert!(stops[0]["eta"].is_null());
    // The same fields as the batch itself.
    let single: Value = a
        .get(s.url("/api/batches/1"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    for k in common::keys(&single) {
        if k != "stops" {
            assert_eq!(single[&k], one[&k], "{k}");
        }
    }
}

#[test]
fn a_batch_route_is_geojson_through_its_stops_for_those_who_may_read_the_batch() {
    let mut s = world();
    let a = s
        .login_as(&Account::of(Driver).named("driver-a").crew(1))
        .client();
    let r = a.get(s.url("/api/batches/1/route")).send().unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/geo+json");
    let f: Value = r.json().unwrap();
    assert_eq!(
        (&f["type"], &f["geometry"]["type"]),
        (&json!("Feature"), &json!("LineString"))
    );
    let coords = f["geometry"]["coordinates"].as_array().unwrap();
    let pvg = s.get_json("/api/batches/1", 200);
    assert_eq!(pvg["port"], f["properties"]["origin"]["id"]);
    // From the port, through H-PD01, to H-PD02 ([lon, lat], as GeoJSON has it).
    let last = coords.last().unwrap();
    assert_eq!(last, &json!([121.703, 31.192]), "{f}");
    assert!(coords.len() >= 3, "{f}");
    assert!(coords.contains(&json!([121.8, 31.151])), "{f}");
    let p = &f["properties"];
    assert_eq!(p["model"], "straight_line");
    let legs = p["legs"].as_array().unwrap();
    assert_eq!(legs.len(), 2);
    assert_eq!(legs[0]["to"]["code"], "H-PD01");
    assert_eq!(legs[1]["to"]["code"], "H-PD02");
    let secs: f64 = legs.iter().map(|l| l["seconds"].as_f64().unwrap()).sum();
    assert!(
        legs.iter()
            .all(|l| l["seconds"].as_f64().unwrap() > 0.0 && l["metres"].as_f64().unwrap() > 0.0),
        "{p}"
    );
    assert!((p["seconds"].as_f64().unwrap() - secs).abs() < 1e-6);
    let doc = s.get_json("/api/openapi.json", 200);
    assert_eq!(common::keys(p), common::properties(&doc, "RouteProperties"));

    // Another driver's batch is not theirs; no batch is no batch.
    problem(
        a.get(s.url("/api/batches/2/route")).send().unwrap(),
        403,
        "forbidden_object",
    );
    let desk = s.login(Dispatcher).client();
    problem(
        desk.get(s.url("/api/batches/99/route")).send().unwrap(),
        404,
        "trip_not_found",
    );
    assert_eq!(
        desk.get(s.url("/api/batches/2/route"))
            .send()
            .unwrap()
            .status(),
        200
    );
}

#[test]
fn a_hotel_sees_its_rooms_taken_per_night_and_no_other_hotels() {
    let mut s = world();
    let hotel_a = s
        .login_as(&Account::of(HotelStaff).named("hotel-a").hotel("H-PD01"))
        .client();
    let days = common::config(s.dir.path())
        .policy
        .in_force(chrono::NaiveDate::from_ymd_opt(2021, 7, 1).unwrap())
        .unwrap()
        .hotel_days as usize;
    let r = hotel_a
        .get(s.url("/api/hotels/H-PD01/occupancy?from=2021-06-30&to=2021-07-20"))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let o: Value = r.json().unwrap();
    assert_eq!(
        (&o["rooms"], &o["accessible_rooms"]),
        (&json!(120), &json!(6))
    );
    let nights = o["nights"].as_array().unwrap();
    assert_eq!(nights.len(), 21);
    assert_eq!(nights[0]["date"], "2021-06-30");
    assert_eq!(nights[0]["rooms_taken"], 0);
    // The family shares a room, the wheelchair user takes an accessible one: 3 travelers, 2
    // rooms, from the night they arrive for the policy's hotel days.
    let taken: Vec<&Value> = nights.iter().filter(|n| n["rooms_taken"] != 0).collect();
    assert_eq!(taken.len(), days, "{o}");
    assert_eq!(taken[0]["date"], "2021-07-01");
    for n in &taken {
        assert_eq!(
            (&n["rooms_taken"], &n["accessible_taken"], &n["travelers"]),
            (&json!(2), &json!(1), &json!(3)),
            "{n}"
        );
    }
    let doc = s.get_json("/api/openapi.json", 200);
    assert_eq!(common::keys(&nights[0]), common::properties(&doc, "Night"));

    // H-PD02: traveler 4 from 1 July, traveler 5 from 2 July; the desk reads it, hotel A not.
    problem(
        hotel_a
            .get(s.url("/api/hotels/H-PD02/occupancy?from=2021-07-01&to=2021-07-02"))
            .send()
            .unwrap(),
        403,
        "forbidden_object",
    );
    let desk = s.login(Dispatcher).client();
    let o: Value = desk
        .get(s.url("/api/hotels/H-PD02/occupancy?from=2021-07-01&to=2021-07-02"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let taken: Vec<&Value> = o["nights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| &n["rooms_taken"])
        .collect();
    assert_eq!(taken, [&json!(1), &json!(2)], "{o}");
    problem(
        desk.get(s.url("/api/hotels/H-XX99/occupancy"))
            .send()
            .unwrap(),
        404,
        "hotel_not_found",
    );
    let p = problem(
        desk.get(s.url("/api/hotels/H-PD01/occupancy?from=2021-07-02&to=2021-07-01"))
            .send()
            .unwrap(),
        422,
        "dates_out_of_range",
    );
    assert_eq!(p["field"], "to");
    let driver = s
        .login_as(&Account::of(Driver).named("driver-a").crew(1))
        .client();
    problem(
        driver
            .get(s.url("/api/hotels/H-PD01/occupancy"))
            .send()
            .unwrap(),
        403,
        "forbidden",
    );
    // Every role the table lets in reads the desk's view.
    for role in [Commander, Auditor, Admin] {
        let c = s.login(role).client();
        let r = c.get(s.url("/api/hotels/H-PD01/occupancy")).send().unwrap();
        assert_eq!(r.status(), 200, "{role:?}");
    }
}
