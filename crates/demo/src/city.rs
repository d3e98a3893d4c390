//! The demo city: a day generated over the shipped extract (`closedloop_app::scenario`), made
//! the demo's own, and stored through the app's use cases — hotels and the designated hospital
//! imported from CSV, vehicles and crew added, the arrivals' manifests imported as a desk
//! imports them — then planned and approved.
//!
//! The generated day is re-timed so that the demo's morning is already behind it when the
//! preparation ends: its first train arrived five hours before, the last ones are still to
//! come. Everyone the scenario sends home goes to a hotel instead: a home is received by its
//! community's staff, whom the store does not list yet. The second transfers (stays) are left
//! out for the same reason: their travelers would have to be stored in their hotels first.

use crate::error::{DemoError, Result};
use chrono::{DateTime, Duration, DurationRound, NaiveDateTime, Utc};
use closedloop_app::App;
use closedloop_app::approve::{Approved, approve_plan};
use closedloop_app::import::{self, ImportRequest};
use closedloop_app::places::{ImportPlaces, import_hospitals, import_hotels};
use closedloop_app::scenario::{ScenarioRequest, generate};
use closedloop_app::schedule::travel_times;
use closedloop_app::travelers::{ListTravelers, list_travelers};
use closedloop_app::trips::{self, AddCrew, AddVehicle};
use closedloop_domain::Lang;
use closedloop_domain::traveler::DestinationKind;
use closedloop_scheduling::Day;
use closedloop_scheduling::day::{PlanOptions, plan_day};
use closedloop_scheduling::ids::{ArrivalCode, CrewCode, PortCode, TravelerCode, VehicleCode};
use closedloop_scheduling::plan::Plan;
use closedloop_scheduling::problem::{Arrival, CrewRole, Point, Traveler};
use std::collections::HashMap;
use std::path::Path;

/// The port of the demo: Shanghai Railway Station, inside the shipped extract.
pub const PORT: &str = "SH-RAIL";
/// Trains of the day: the first arrived this long before the preparation.
const FIRST_ARRIVAL_BEFORE: Duration = Duration::hours(5);
const BETWEEN_TRAINS: Duration = Duration::minutes(75);

/// The stored city and its approved day.
pub struct City {
    pub day: Day,
    pub plan: Plan,
    pub approved: Approved,
    pub port: crate::script::Site,
    /// Code → (store id, name, location).
    pub hotels: Places,
    pub hospitals: Places,
    pub vehicles: HashMap<String, i64>,
    pub crew: Crew,
}

pub struct CityOptions {
    pub travelers: usize,
    pub seed: u64,
}

pub fn build(app: &App, dir: &Path, opts: &CityOptions, now: DateTime<Utc>) -> Result<City> {
    let osm = app.config.roads.osm.clone().ok_or(DemoError::NoExtract)?;
    let stored_port = app
        .store()?
        .ports()
        .map_err(closedloop_app::AppError::from)?
        .into_iter()
        .find(|p| p.code == PORT)
        .ok_or_else(|| DemoError::City(format!("the configured ports have no {PORT}")))?;
    let at = Point {
        lat: stored_port.lat,
        lon: stored_port.lon,
    };
    let first = (now - FIRST_ARRIVAL_BEFORE)
        .duration_trunc(Duration::minutes(5))
        .unwrap_or(now)
        .naive_utc();
    let generated = generate(
        app,
        &ScenarioRequest {
            osm,
            travelers: opts.travelers,
            seed: opts.seed,
            date: first.date(),
            ports: vec![at],
        },
    )?;
    let mut day = own_day(generated.day, first)?;
    let hotels = store_hotels(app, dir, &day)?;
    let hospitals = store_hospitals(app, dir, &day)?;
    let (vehicles, crew) = store_fleet(app, &mut day)?;
    import_arrivals(app, dir, &mut day)?;
    let (travel, _) = travel_times(app)?;
    let options = PlanOptions {
        seed: opts.seed,
        time_limit: None,
        iterations: Some(300),
    };
    let plan =
        plan_day(&day, travel.as_ref(), &options).map_err(|e| DemoError::City(e.to_string()))?;
    let approved = approve_plan(app, &day, &plan)?;
    Ok(City {
        day,
        plan,
        approved,
        port: crate::script::Site {
            id: stored_port.id,
            code: PORT.into(),
            lat: at.lat,
            lon: at.lon,
        },
        hotels,
        hospitals,
        vehicles,
        crew,
    })
}

/// The generated day as the demo's: one port (the station), trains of a dozen travelers every
/// seventy-five minutes from `first`, everyone to a hotel or the hospital, the fleet on duty all day.
fn own_day(mut day: Day, first: NaiveDateTime) -> Result<Day> {
    let port = day
        .ports
        .first()
        .cloned()
        .ok_or_else(|| DemoError::City("the scenario has no port".into()))?;
    let code = PortCode::new(PORT);
    day.ports = vec![closedloop_scheduling::problem::Port {
        code: code.clone(),
        name: "上海站 Shanghai Railway Station".into(),
        processing: 60,
        ..port
    }];
    day.stays.clear();
    let mut travelers: Vec<Traveler> = day.arrivals.drain(..).flat_map(|a| a.travelers).collect();
    for t in &mut travelers {
        if t.destination == DestinationKind::Home {
            t.destination = DestinationKind::Hotel;
        }
    }
    // Trains of about a dozen; a family never split across two.
    let mut trains: Vec<Vec<Traveler>> = vec![Vec::new()];
    for t in travelers {
        let current = trains.last_mut().expect("one train at least");
        let same_family = t.group.is_some() && current.last().is_some_and(|p| p.group == t.group);
        if current.len() >= 12 && !same_family {
            trains.push(Vec::new());
        }
        trains.last_mut().expect("one train").push(t);
    }
    day.arrivals = trains
        .into_iter()
        .enumerate()
        .map(|(k, travelers)| Arrival {
            code: ArrivalCode::new(format!("G{}", 7101 + 2 * k)),
            port: code.clone(),
            at: first + BETWEEN_TRAINS * k as i32,
            travelers,
        })
        .collect();
    let until = first + Duration::hours(20);
    let start = first - Duration::hours(1);
    for v in &mut day.vehicles {
        v.base = code.clone();
        v.available_from = start;
        v.available_until = until;
        v.blocked = None;
    }
    for c in &mut day.crew {
        c.base = code.clone();
        c.shift_start = start;
        c.shift_end = until;
        c.blocked = None;
    }
    Ok(day)
}

/// A CSV cell, quoted when it must be.
fn cell(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| DemoError::io(path, e))
}

type Places = HashMap<String, (i64, String, Point)>;
/// Crew code → (store id, driver?).
type Crew = HashMap<String, (i64, bool)>;

fn store_hotels(app: &App, dir: &Path, day: &Day) -> Result<Places> {
    let mut csv = String::from(
        "code,name_zh,name_en,address,lat,lon,rooms,accessible_rooms,languages,open\n",
    );
    for h in &day.hotels {
        let languages = if h.languages.is_empty() {
            "zh;en".to_string()
        } else {
            h.languages.join(";")
        };
        csv.push_str(&format!(
            "{},{},{},{},{:.6},{:.6},{},{},{},true\n",
            h.code,
            cell(&h.name),
            cell(&h.name),
            cell(&format!("{} (demo)", h.name)),
            h.location.lat,
            h.location.lon,
            h.rooms,
            h.accessible_rooms,
            languages
        ));
    }
    let file = dir.join("hotels.csv");
    write(&file, &csv)?;
    import_hotels(
        app,
        &ImportPlaces {
            file,
            lang: Lang::En,
        },
    )?;
    Ok(closedloop_app::places::list_hotels(app)?
        .into_iter()
        .map(|h| {
            let at = Point {
                lat: h.place.location.lat(),
                lon: h.place.location.lon(),
            };
            (h.place.code.clone(), (h.id, h.place.name_en.clone(), at))
        })
        .collect())
}

fn store_hospitals(app: &App, dir: &Path, day: &Day) -> Result<Places> {
    let mut csv = String::from("code,name_zh,name_en,address,lat,lon,designated\n");
    for h in &day.hospitals {
        csv.push_str(&format!(
            "{},{},{},{},{:.6},{:.6},true\n",
            h.code,
            cell(&h.name),
            cell(&h.name),
            cell(&format!("{} (demo)", h.name)),
            h.location.lat,
            h.location.lon,
        ));
    }
    let file = dir.join("hospitals.csv");
    write(&file, &csv)?;
    import_hospitals(
        app,
        &ImportPlaces {
            file,
            lang: Lang::En,
        },
    )?;
    Ok(closedloop_app::places::list_hospitals(app)?
        .into_iter()
        .map(|h| {
            let at = Point {
                lat: h.place.location.lat(),
                lon: h.place.location.lon(),
            };
            (h.place.code.clone(), (h.id, h.place.name_en.clone(), at))
        })
        .collect())
}

/// Vehicles by demo plates, crew by demo staff numbers, each added as the desk adds them; the
/// day renamed to match.
fn store_fleet(app: &App, day: &mut Day) -> Result<(HashMap<String, i64>, Crew)> {
    let mut vehicles = HashMap::new();
    for (k, v) in day.vehicles.iter_mut().enumerate() {
        let plate = format!("沪D{:05}", k + 1);
        let id = trips::add_vehicle(
            app,
            &AddVehicle {
                plate: plate.clone(),
                seats: i64::from(v.seats),
            },
        )?;
        v.code = VehicleCode::new(plate.clone());
        vehicles.insert(plate, id.0);
    }
    let mut crew = HashMap::new();
    let (mut drivers, mut escorts) = (0, 0);
    for c in &mut day.crew {
        let driver = c.role == CrewRole::Driver;
        let (no, name, role) = if driver {
            drivers += 1;
            (
                format!("D{drivers:03}"),
                format!("Demo driver {drivers} 演示司机"),
                "driver",
            )
        } else {
            escorts += 1;
            (
                format!("E{escorts:03}"),
                format!("Demo escort {escorts} 演示随车人员"),
                "escort",
            )
        };
        let id = trips::add_crew(
            app,
            &AddCrew {
                staff_no: no.clone(),
                name,
                role: role.into(),
            },
        )?;
        c.code = CrewCode::new(no.clone());
        crew.insert(no, (id.0, driver));
    }
    Ok((vehicles, crew))
}

/// Each train's manifest imported as the desk imports one; the day's travelers renamed to
/// their store ids (rows are stored in file order).
fn import_arrivals(app: &App, dir: &Path, day: &mut Day) -> Result<()> {
    let mut serial = 0;
    for a in &mut day.arrivals {
        let mut csv = String::from(
            "Full Name,Passport No.,Nationality,Phone,Flight,Port,Arrival,Health,Destination\n",
        );
        for t in &a.travelers {
            serial += 1;
            csv.push_str(&format!(
                "Demo Traveler {serial},DEMO{serial:05},CHN,139{serial:08},{},{PORT},{},{},{}\n",
                a.code,
                a.at.format("%Y-%m-%d %H:%M"),
                t.health.code(),
                t.destination.code(),
            ));
        }
        let file = dir.join(format!("manifest-{}.csv", a.code));
        write(&file, &csv)?;
        let req = ImportRequest {
            file,
            accept_valid: false,
            arrival: None,
            lang: Lang::En,
        };
        let summary = import::import(app, &req, &mut |_| {})?;
        if !summary.accepted {
            return Err(DemoError::City(format!(
                "the manifest of {} was refused: {:?}",
                a.code, summary.summary.errors
            )));
        }
        let mut ids: Vec<i64> = list_travelers(
            app,
            &ListTravelers {
                arrival: Some(a.code.to_string()),
                ..ListTravelers::default()
            },
        )?
        .iter()
        .map(|t| t.id.0)
        .collect();
        ids.sort_unstable();
        if ids.len() != a.travelers.len() {
            return Err(DemoError::City(format!(
                "{} stored {} travelers of {}",
                a.code,
                ids.len(),
                a.travelers.len()
            )));
        }
        for (t, id) in a.travelers.iter_mut().zip(ids) {
            t.code = TravelerCode::new(id.to_string());
        }
    }
    Ok(())
}
