//! A realistic day over any extract, for tests, benchmarks and trying the planner out
//! (`closedloop scenario generate`).
//!
//! The ports are the extract's airports, stations and ferry terminals (or coordinates given);
//! arrivals come in banks through the day, as flights and trains do; a fifth of the travelers
//! travel as families of two to four; 5–10 % have special needs (老弱病残孕), 1–3 % are
//! symptomatic; a quarter go home, the sick to hospital, the rest to hotels — the extract's own
//! hotels where it maps them, else hotels sampled on its main roads; homes lie on its
//! residential streets. Hotels already hold half a day's worth of earlier arrivals, a tenth of
//! whom end their hotel days today and go home (the second transfer). The fleet and the crew are
//! sized from the day, with negative-pressure ambulances for the sick and accessible vans for
//! the special groups. The same sites, options and seed give the same day.

use crate::ids::{
    ArrivalCode, CrewCode, HospitalCode, HotelCode, PortCode, TravelerCode, VehicleCode,
};
use crate::problem::{
    Arrival, CrewMember, CrewRole, DAY_FORMAT, Day, Home, Hospital, Hotel, Point, Policy, Port,
    Stay, Traveler, Vehicle,
};
use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use closedloop_domain::fleet::VehicleKind;
use closedloop_domain::hash::SplitMix64;
use closedloop_domain::traveler::{DestinationKind, HealthStatus, SpecialNeed, SpecialNeeds};

/// What kind of port of entry a site is; it decides the processing time and the arrivals' size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PortKind {
    Airport,
    Station,
    Seaport,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PortSite {
    pub kind: PortKind,
    pub name: String,
    pub location: Point,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NamedSite {
    pub name: String,
    pub location: Point,
    /// Rooms (hotels) where the map says.
    pub rooms: Option<u32>,
}

/// The places of an extract a day is generated over.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sites {
    pub ports: Vec<PortSite>,
    pub hotels: Vec<NamedSite>,
    pub hospitals: Vec<NamedSite>,
    /// Points on residential streets.
    pub homes: Vec<Point>,
    /// Points on main roads, where hotels and hospitals are sampled when the map has too few.
    pub main_roads: Vec<Point>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioOptions {
    pub travelers: usize,
    pub seed: u64,
    pub date: NaiveDate,
    pub policy: Policy,
}

/// Why a day cannot be generated over these sites.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioError {
    #[error(
        "the extract has no airport, railway station or ferry terminal: give the ports' coordinates"
    )]
    NoPort,
    #[error("the extract has no residential street for the travelers' homes")]
    NoHomes,
    #[error("the extract has no main road to place hotels and hospitals on")]
    NoMainRoads,
    #[error("{0} travelers is more than a generated day holds (1 to 1,000,000)")]
    Size(usize),
}

impl ScenarioError {
    pub fn code(&self) -> &'static str {
        match self {
            ScenarioError::NoPort => "scenario_no_port",
            ScenarioError::NoHomes => "scenario_no_homes",
            ScenarioError::NoMainRoads => "scenario_no_main_roads",
            ScenarioError::Size(_) => "scenario_size",
        }
    }

    pub fn zh(&self) -> String {
        match self {
            ScenarioError::NoPort => "地图中没有机场、火车站或客运码头：请给出口岸坐标".into(),
            ScenarioError::NoHomes => "地图中没有可作为住址的居民区道路".into(),
            ScenarioError::NoMainRoads => "地图中没有可放置酒店和医院的主干道".into(),
            ScenarioError::Size(n) => format!("{n} 名旅客超出生成范围（1 至 1,000,000）"),
        }
    }
}

/// The rules of a generated day, for a policy version's durations and seat factor.
pub fn default_rules(version: &str, hotel_days: u16, home_days: u16, seat_factor: f64) -> Policy {
    Policy {
        version: version.to_string(),
        hotel_days,
        home_days,
        seat_factor,
        mix_arrivals: false,
        max_port_wait: 180,
        max_ride: 120,
        special_max_ride: 90,
        disinfection: 30,
        crew_rest: 30,
        family_room_size: 2,
        change_penalty: 30.0,
    }
}

struct Rng(SplitMix64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0.below(n.max(1) as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        self.0.unit() < p
    }
    fn between(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below((hi - lo + 1) as usize) as u32
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

const BANKS: [u32; 6] = [7 * 60, 10 * 60, 13 * 60, 16 * 60, 19 * 60, 21 * 60];

fn at(date: NaiveDate, minutes: u32) -> NaiveDateTime {
    date.and_time(NaiveTime::MIN) + Duration::minutes(i64::from(minutes))
}

/// Generates the day. See the module docs for its shape.
pub fn generate(sites: &Sites, opts: &ScenarioOptions) -> Result<Day, ScenarioError> {
    let n = opts.travelers;
    if !(1..=1_000_000).contains(&n) {
        return Err(ScenarioError::Size(n));
    }
    if sites.homes.is_empty() {
        return Err(ScenarioError::NoHomes);
    }
    let mut rng = Rng(SplitMix64::new(opts.seed));
    let ports = pick_ports(sites)?;
    let arrivals = arrivals(&mut rng, &ports, opts, sites);
    let day_travelers: Vec<&Traveler> = arrivals.iter().flat_map(|a| &a.travelers).collect();
    let stays = stays(&mut rng, n, opts, sites);
    let to_hotel = day_travelers
        .iter()
        .filter(|t| t.destination == DestinationKind::Hotel)
        .count();
    let hotels = hotels(&mut rng, sites, to_hotel + stays.len())?;
    let stays = place_stays(stays, &hotels);
    let hospitals = hospitals(&mut rng, sites)?;
    let released = stays.iter().filter(|s| s.release <= opts.date).count();
    let (vehicles, crew) = fleet(&mut rng, &ports, &arrivals, released, sites, opts);
    Ok(Day {
        format: DAY_FORMAT.to_string(),
        date: opts.date,
        policy: opts.policy.clone(),
        ports,
        arrivals,
        hotels,
        hospitals,
        vehicles,
        crew,
        stays,
    })
}

fn pick_ports(sites: &Sites) -> Result<Vec<Port>, ScenarioError> {
    let mut by_kind: Vec<&PortSite> = sites.ports.iter().collect();
    by_kind.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
    let mut ports = Vec::new();
    // At most two of a kind and four in all: a city's main airport and station, not every halt.
    // One port per place: an airport mapped both as a node and as an area, or two terminals
    // of one station, is one port.
    let mut distinct: Vec<&PortSite> = Vec::new();
    for s in by_kind {
        let same = |d: &&PortSite| {
            d.kind == s.kind
                && (d.name == s.name
                    || crate::travel::great_circle_km(d.location, s.location) < 2.0)
        };
        if !distinct.iter().any(same) {
            distinct.push(s);
        }
    }
    for kind in [PortKind::Airport, PortKind::Station, PortKind::Seaport] {
        for (i, s) in distinct
            .iter()
            .filter(|s| s.kind == kind)
            .take(2)
            .enumerate()
        {
            let (prefix, processing) = match kind {
                PortKind::Airport => ("AIR", 120),
                PortKind::Station => ("RAIL", 60),
                PortKind::Seaport => ("SEA", 90),
            };
            ports.push(Port {
                code: PortCode::new(format!("{prefix}{}", i + 1)),
                name: s.name.clone(),
                location: s.location,
                processing,
            });
        }
    }
    ports.truncate(4);
    if ports.is_empty() {
        return Err(ScenarioError::NoPort);
    }
    Ok(ports)
}

fn port_kind(p: &Port) -> PortKind {
    match p.code.as_str().as_bytes().first() {
        Some(b'A') => PortKind::Airport,
        Some(b'R') => PortKind::Station,
        _ => PortKind::Seaport,
    }
}

fn arrivals(rng: &mut Rng, ports: &[Port], opts: &ScenarioOptions, sites: &Sites) -> Vec<Arrival> {
    let mut out: Vec<Arrival> = Vec::new();
    let mut left = opts.travelers;
    let mut families = 0usize;
    let mut serial = 0usize;
    while left > 0 {
        let port = rng.pick(ports);
        let (size, code) = match port_kind(port) {
            PortKind::Airport => (rng.between(80, 250), format!("MU{}", 5000 + out.len())),
            PortKind::Station => (rng.between(20, 80), format!("G{}", 7000 + out.len())),
            PortKind::Seaport => (rng.between(30, 120), format!("FERRY{}", out.len() + 1)),
        };
        let size = (size as usize).min(left);
        // Around a bank, ±45 minutes.
        let minutes = rng.pick(&BANKS) + rng.between(0, 90) - 45;
        let mut travelers = Vec::with_capacity(size);
        while travelers.len() < size {
            let family = size - travelers.len() >= 2 && rng.chance(0.08);
            let members = if family {
                (rng.between(2, 4) as usize).min(size - travelers.len())
            } else {
                1
            };
            let group = family.then(|| {
                families += 1;
                format!("F{families}")
            });
            let home = *rng.pick(&sites.homes);
            let goes_home = rng.chance(0.25);
            let language = language(rng);
            for m in 0..members {
                serial += 1;
                let mut t = traveler(rng, serial, home, goes_home, language.clone());
                t.group = group.clone();
                if group.is_some() {
                    t.special_needs.insert(SpecialNeed::FamilyGroup);
                    if m > 0 && rng.chance(0.25) {
                        t.special_needs.insert(SpecialNeed::Child);
                    }
                }
                travelers.push(t);
            }
        }
        left -= travelers.len();
        out.push(Arrival {
            code: ArrivalCode::new(code),
            port: port.code.clone(),
            at: at(opts.date, minutes),
            travelers,
        });
    }
    out.sort_by(|a, b| (a.at, &a.code).cmp(&(b.at, &b.code)));
    out
}

fn language(rng: &mut Rng) -> Option<String> {
    let r = rng.below(100);
    let code = match r {
        0..70 => "zh",
        70..85 => "en",
        85..90 => "ja",
        90..95 => "ko",
        _ => return None,
    };
    Some(code.to_string())
}

fn traveler(
    rng: &mut Rng,
    serial: usize,
    home: Point,
    goes_home: bool,
    language: Option<String>,
) -> Traveler {
    let mut needs = SpecialNeeds::default();
    // With the children of families (below) 5–10 % in all.
    if rng.chance(0.045) {
        let need = match rng.below(100) {
            0..40 => SpecialNeed::Elderly,
            40..60 => SpecialNeed::Child,
            60..72 => SpecialNeed::Pregnant,
            72..90 => SpecialNeed::Wheelchair,
            _ => SpecialNeed::NeedsEscort,
        };
        needs.insert(need);
    }
    let health = match rng.below(1000) {
        0..18 => HealthStatus::Symptomatic,
        18..22 => HealthStatus::Positive,
        22..52 => HealthStatus::CloseContact,
        _ => HealthStatus::Normal,
    };
    let destination = if matches!(health, HealthStatus::Symptomatic | HealthStatus::Positive) {
        DestinationKind::Hospital
    } else if goes_home && health == HealthStatus::Normal {
        DestinationKind::Home
    } else {
        DestinationKind::Hotel
    };
    Traveler {
        code: TravelerCode::new(format!("T{serial:06}")),
        health,
        special_needs: needs,
        destination,
        home: Some(Home {
            address: format!("home of T{serial:06}"),
            location: Some(home),
        }),
        language,
        group: None,
    }
}

type RawStay = (Traveler, NaiveDate, NaiveDate);

fn stays(rng: &mut Rng, n: usize, opts: &ScenarioOptions, sites: &Sites) -> Vec<RawStay> {
    let nights = i64::from(opts.policy.hotel_days.max(1));
    (0..n / 2)
        .map(|i| {
            let home = *rng.pick(&sites.homes);
            let lang = language(rng);
            let mut t = traveler(rng, 900_000 + i, home, false, lang);
            t.code = TravelerCode::new(format!("S{:06}", i + 1));
            if let Some(h) = &mut t.home {
                h.address = format!("home of {}", t.code);
            }
            t.health = HealthStatus::Normal;
            t.destination = DestinationKind::Hotel;
            // One in five of them ends their hotel days today.
            let elapsed = if i % 5 == 0 {
                nights
            } else {
                1 + rng.below(nights.max(2) as usize - 1) as i64
            };
            let check_in = opts.date - Duration::days(elapsed);
            (t, check_in, check_in + Duration::days(nights))
        })
        .collect()
}

fn hotels(rng: &mut Rng, sites: &Sites, guests: usize) -> Result<Vec<Hotel>, ScenarioError> {
    // Rooms for everyone with a margin of a third, so a good plan places all and a naive one
    // may not.
    let needed = guests + guests / 3 + 10;
    let mut hotels = Vec::new();
    let mut rooms = 0usize;
    let mut mapped: Vec<&NamedSite> = sites.hotels.iter().collect();
    mapped.sort_by(|a, b| a.name.cmp(&b.name));
    let mut sampled = 0usize;
    while rooms < needed {
        let (name, location, given) = if let Some(s) = mapped.get(hotels.len()) {
            (s.name.clone(), s.location, s.rooms)
        } else {
            if sites.main_roads.is_empty() {
                return Err(ScenarioError::NoMainRoads);
            }
            sampled += 1;
            (
                format!("Quarantine hotel {sampled}"),
                *rng.pick(&sites.main_roads),
                None,
            )
        };
        let r = given
            .filter(|r| (10..=2_000).contains(r))
            .unwrap_or_else(|| rng.between(60, 240));
        let mut languages = vec!["zh".to_string()];
        if rng.chance(0.5) {
            languages.push("en".into());
        }
        if rng.chance(0.1) {
            languages.push((*rng.pick(&["ja", "ko"])).to_string());
        }
        hotels.push(Hotel {
            code: HotelCode::new(format!("H{:03}", hotels.len() + 1)),
            name,
            location,
            rooms: r,
            accessible_rooms: (r / 20).max(1),
            languages,
            open: true,
            held: Vec::new(),
            closed_since: None,
        });
        rooms += r as usize;
    }
    Ok(hotels)
}

/// Earlier guests go to the least full hotel, so no hotel starts the day over its rooms.
fn place_stays(stays: Vec<RawStay>, hotels: &[Hotel]) -> Vec<Stay> {
    let mut guests = vec![0u32; hotels.len()];
    stays
        .into_iter()
        .map(|(traveler, check_in, release)| {
            let h = (0..hotels.len())
                .min_by(|&a, &b| {
                    let fill = |i: usize| f64::from(guests[i]) / f64::from(hotels[i].rooms);
                    fill(a).total_cmp(&fill(b)).then(a.cmp(&b))
                })
                .unwrap_or(0);
            guests[h] += 1;
            Stay {
                traveler,
                hotel: hotels[h].code.clone(),
                check_in,
                release,
            }
        })
        .collect()
}

fn hospitals(rng: &mut Rng, sites: &Sites) -> Result<Vec<Hospital>, ScenarioError> {
    let mut mapped: Vec<&NamedSite> = sites.hospitals.iter().collect();
    mapped.sort_by(|a, b| a.name.cmp(&b.name));
    let mut places: Vec<(String, Point)> = mapped
        .into_iter()
        .take(2)
        .map(|s| (s.name.clone(), s.location))
        .collect();
    if places.is_empty() {
        if sites.main_roads.is_empty() {
            return Err(ScenarioError::NoMainRoads);
        }
        places.push(("Designated hospital".into(), *rng.pick(&sites.main_roads)));
    }
    Ok(places
        .into_iter()
        .enumerate()
        .map(|(i, (name, location))| Hospital {
            code: HospitalCode::new(format!("HOSP{}", i + 1)),
            name,
            location,
        })
        .collect())
}

/// Minutes a vehicle needs to drive from `port` to a typical home and back and be disinfected.
fn round_trip_minutes(port: Point, sites: &Sites, policy: &Policy) -> f64 {
    let lines = crate::travel::StraightLines::default();
    let km: f64 = if sites.homes.is_empty() {
        10.0
    } else {
        let sum: f64 = sites
            .homes
            .iter()
            .map(|h| crate::travel::great_circle_km(port, *h))
            .sum();
        sum / sites.homes.len() as f64
    };
    2.0 * km * lines.detour / lines.speed_kmh * 60.0 + f64::from(policy.disinfection) + 15.0
}

fn fleet(
    rng: &mut Rng,
    ports: &[Port],
    arrivals: &[Arrival],
    released: usize,
    sites: &Sites,
    opts: &ScenarioOptions,
) -> (Vec<Vehicle>, Vec<CrewMember>) {
    let (mut vehicles, mut crew) = (Vec::new(), Vec::new());
    let from = at(opts.date, 5 * 60);
    let until = at(opts.date, 26 * 60);
    for port in ports {
        let here = arrivals
            .iter()
            .filter(|a| a.port == port.code)
            .flat_map(|a| &a.travelers);
        let (mut total, mut sick, mut special) = (0usize, 0usize, 0usize);
        for t in here {
            total += 1;
            sick += usize::from(t.is_sick());
            special += usize::from(t.is_special());
        }
        // Sized for the busiest window of the port's day: within the longest wait a vehicle
        // makes about two trips, and seats shrink with distancing.
        let window = Duration::minutes(i64::from(opts.policy.max_port_wait.max(60)));
        let at_port: Vec<&Arrival> = arrivals.iter().filter(|a| a.port == port.code).collect();
        let peak = at_port
            .iter()
            .map(|a| {
                at_port
                    .iter()
                    .filter(|b| b.at >= a.at && b.at < a.at + window)
                    .map(|b| b.travelers.len())
                    .sum::<usize>()
            })
            .max()
            .unwrap_or(total);
        // A round trip to the day's places and back, disinfection included, by straight lines.
        let round = round_trip_minutes(port.location, sites, &opts.policy);
        let trips = (window.num_minutes() as f64 / round).floor().max(1.0);
        let seats_needed = (peak as f64 * opts.policy.seat_factor / trips).ceil() as usize;
        let coaches = seats_needed / 45 + 1;
        // The releases of the morning go home in vans from every base, one trip each (to the
        // hotel, its guests' homes, back): this port's share of them.
        let going_home = released.div_ceil(ports.len().max(1));
        let release_seats = going_home as f64 * opts.policy.seat_factor / (trips / 2.0).max(1.0);
        let vans = coaches + (release_seats / 14.0).ceil() as usize;
        let kinds = [
            (VehicleKind::Coach, coaches, 45, false),
            (VehicleKind::Van, vans, 14, false),
            (VehicleKind::WheelchairVan, special / 12 + 1, 8, true),
            (
                VehicleKind::NegativePressureAmbulance,
                sick / 6 + 1,
                4,
                false,
            ),
        ];
        for (kind, count, seats, wheelchair) in kinds {
            for _ in 0..count {
                vehicles.push(Vehicle {
                    code: VehicleCode::new(format!("{}-V{:03}", port.code, vehicles.len() + 1)),
                    kind,
                    seats,
                    wheelchair_access: wheelchair,
                    base: port.code.clone(),
                    available_from: from,
                    available_until: until,
                    blocked: None,
                });
            }
        }
        let here_vehicles = coaches + vans + special / 12 + 1 + sick / 6 + 1;

        // A member rests `crew_rest` after a duty that ends with the disinfection, while the
        // vehicle is ready at once: at the peak a vehicle out trip after trip needs a second
        // driver (and escort) for every other trip.
        let escorts = (special / 3 + sick / 2 + 2) * 3 / 2;
        for (role, count) in [
            (CrewRole::Driver, here_vehicles * 3 / 2 + 1),
            (CrewRole::Escort, escorts),
        ] {
            // Three 12-hour shifts, each starting while the one before is on duty: a duty
            // (base to base, disinfection included) of up to seven and a half hours fits
            // one whenever it starts; with two, a duty crossing both hand-over hours
            // (14:00 and 17:00) fitted none and its batch went without a crew.
            for shift_start in [5 * 60, 9 * 60 + 30, 14 * 60] {
                for _ in 0..count {
                    let start = at(opts.date, shift_start);
                    let mut languages = vec!["zh".to_string()];
                    if rng.chance(0.3) {
                        languages.push("en".into());
                    }
                    crew.push(CrewMember {
                        code: CrewCode::new(format!("{}-C{:03}", port.code, crew.len() + 1)),
                        role,
                        languages,
                        base: port.code.clone(),
                        shift_start: start,
                        shift_end: start + Duration::hours(12),
                        blocked: None,
                    });
                }
            }
        }
    }
    (vehicles, crew)
}
