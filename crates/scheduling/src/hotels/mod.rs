//! Hotel assignment over the stay: where every traveler of the day goes, and the hotel nights
//! it books.
//!
//! - Symptomatic or positive travelers, and those the policy sends to hospital, go to the
//!   nearest designated hospital from their port ([`Reason::NoHospital`] when the day has
//!   none).
//! - Home quarantine goes home, to the location geocoded or pinned by the desk; a home that is
//!   not on the map is [`Reason::HomeNotLocated`], never guessed.
//! - Everyone else (close contacts always, whatever their declared destination) goes to a hotel
//!   for the policy's `hotel_days` nights from their arrival's date (an arrival after midnight
//!   belongs to its own date). Occupancy is a calendar ([`calendar`]): every night must have
//!   room. A family or declared group (the same `group` within one arrival) stays in one hotel,
//!   sharing rooms `family_room_size` to a room; a wheelchair user has an accessible room.
//!   Closed hotels take no one. Among the hotels with room on every night, one whose staff
//!   speak more of the travelers' languages comes first, then the nearest from the port.
//! - Who cannot be placed is unplaced with the first night that fails in the hotel that could
//!   hold them longest ([`Reason::NoCapacity`] / [`Reason::NoAccessibleRoom`]), never dropped.
//! - Second transfers: a running stay released on the day's date, under a policy with home
//!   days, is collected from its hotel and taken home. Under a policy without home days the
//!   traveler leaves on their own: no transfer, so they are neither placed nor unplaced. A stay
//!   released today no longer holds a room on today's night.
//!
//! Order decides who gets the last rooms, so it is fixed: second transfers first (by hotel,
//! then traveler), then arrivals by time then code; within an arrival the hardest first —
//! wheelchair users' units, then larger groups, then other special needs — then by code.

mod calendar;

use crate::ids::{HospitalCode, TravelerCode};
use crate::placement::{Placement, Placements};
use crate::plan::{Place, PlannedStay, Reason, Unplaced};
use crate::problem::{Arrival, Day, Point, Traveler};
use crate::travel::TravelTimes;
use calendar::{Calendar, Rooms, failing_night, rooms_for};
use chrono::{Days, NaiveDate};
use closedloop_domain::traveler::{DestinationKind, HealthStatus};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

/// Where one traveler goes, before any hotel is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Hospital,
    Home,
    Hotel,
}

/// The policy's routing: sickness first, then close contacts (always centralised), then the
/// declared destination.
fn route(t: &Traveler) -> Route {
    if t.is_sick() {
        return Route::Hospital;
    }
    if t.health == HealthStatus::CloseContact {
        return Route::Hotel;
    }
    match t.destination {
        DestinationKind::Hospital => Route::Hospital,
        DestinationKind::Home => Route::Home,
        DestinationKind::Hotel => Route::Hotel,
    }
}

/// A language code as staff lists and manifests write it: `zh-CN`, `ZH` and `zh` are one.
fn language(code: &str) -> String {
    code.trim()
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_lowercase()
}

/// Who must stay together: a declared group of one arrival, or one traveler alone.
struct Unit<'a> {
    members: Vec<&'a Traveler>,
    group: Option<&'a str>,
}

impl Unit<'_> {
    fn need(&self, share: u32) -> Rooms {
        let wheel = self.members.iter().filter(|t| t.uses_wheelchair()).count();
        rooms_for(
            self.members.len() as u64,
            wheel as u64,
            self.group.is_some(),
            share,
        )
    }

    /// Hardest first: accessible rooms, then more rooms, then special needs, then the code.
    fn order_key(&self, share: u32) -> (Reverse<u64>, Reverse<u64>, bool, TravelerCode) {
        let need = self.need(share);
        let special = self.members.iter().any(|t| t.is_special());
        let first = self.members.iter().map(|t| t.code.clone()).min();
        (
            Reverse(need.accessible),
            Reverse(self.members.len() as u64),
            !special,
            first.unwrap_or_else(|| TravelerCode::new("")),
        )
    }
}

/// From one port: the hotels in order of distance and the hospitals' drives (minutes, km),
/// computed once per port.
struct Distances {
    hospitals: Vec<(f64, f64)>,
    /// Each hotel's staff languages, normalised once rather than per traveler.
    spoken: Vec<Vec<String>>,
    /// The open hotels, nearest first (ties: the shorter road, then the code).
    nearest: Vec<usize>,
}

fn distances(day: &Day, from: Option<Point>, travel: &dyn TravelTimes) -> Distances {
    let leg = |to: Point| match from {
        Some(p) => {
            let l = travel.leg(p, to);
            // A travel model that cannot say (NaN) ranks the place last, not first.
            let m = if l.minutes.is_finite() {
                l.minutes
            } else {
                f64::MAX
            };
            let k = if l.km.is_finite() { l.km } else { f64::MAX };
            (m, k)
        }
        None => (0.0, 0.0),
    };
    let hotels: Vec<(f64, f64)> = day.hotels.iter().map(|h| leg(h.location)).collect();
    let mut nearest: Vec<usize> = (0..day.hotels.len())
        .filter(|&i| day.hotels[i].open)
        .collect();
    nearest.sort_by(|&a, &b| {
        hotels[a]
            .0
            .total_cmp(&hotels[b].0)
            .then(hotels[a].1.total_cmp(&hotels[b].1))
            .then_with(|| day.hotels[a].code.cmp(&day.hotels[b].code))
    });
    Distances {
        nearest,
        hospitals: day.hospitals.iter().map(|h| leg(h.location)).collect(),
        spoken: day
            .hotels
            .iter()
            .map(|h| h.languages.iter().map(|l| language(l)).collect())
            .collect(),
    }
}

/// The nights a stay from `check_in` covers under the policy.
fn nights(check_in: NaiveDate, hotel_days: u16) -> Vec<NaiveDate> {
    (0..u64::from(hotel_days))
        .map_while(|d| check_in.checked_add_days(Days::new(d)))
        .collect()
}

/// Every traveler of the day placed (with the stays booked) or unplaced with the reason.
pub fn assign(day: &Day, travel: &dyn TravelTimes) -> Placements {
    let mut out = Placements::default();
    second_transfers(day, &mut out);

    let mut arrivals: Vec<&Arrival> = day.arrivals.iter().collect();
    arrivals.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.code.cmp(&b.code)));
    // Every night any arrival's stay may cover: the calendar keeps those, and no others.
    let mut all_nights = BTreeSet::new();
    for a in &arrivals {
        all_nights.extend(nights(a.at.date(), day.policy.hotel_days));
    }
    let mut calendar = Calendar::new(day, all_nights);
    let mut by_port = BTreeMap::new();
    for arrival in arrivals {
        let d = by_port
            .entry(&arrival.port)
            .or_insert_with(|| distances(day, day.port(&arrival.port).map(|p| p.location), travel));
        place_arrival(day, arrival, d, &mut calendar, &mut out);
    }
    out
}

/// Stays released today, under a policy with home days: collected from the hotel, taken home.
fn second_transfers(day: &Day, out: &mut Placements) {
    if day.policy.home_days == 0 {
        return;
    }
    let mut due: Vec<_> = day.stays.iter().filter(|s| s.release == day.date).collect();
    due.sort_by(|a, b| (&a.hotel, &a.traveler.code).cmp(&(&b.hotel, &b.traveler.code)));
    for stay in due {
        let t = &stay.traveler;
        if home_location(t).is_some() {
            out.placed.push(Placement {
                traveler: t.code.clone(),
                arrival: None,
                from: Place::Hotel {
                    code: stay.hotel.clone(),
                },
                to: Place::Home {
                    traveler: t.code.clone(),
                },
            });
        } else {
            out.unplaced.push(Unplaced {
                traveler: t.code.clone(),
                arrival: None,
                reason: Reason::HomeNotLocated,
            });
        }
    }
}

fn home_location(t: &Traveler) -> Option<Point> {
    t.home.as_ref()?.location
}

fn place_arrival(
    day: &Day,
    arrival: &Arrival,
    d: &Distances,
    calendar: &mut Calendar,
    out: &mut Placements,
) {
    let from = Place::Port {
        code: arrival.port.clone(),
    };
    let mut travelers: Vec<&Traveler> = arrival.travelers.iter().collect();
    travelers.sort_by(|a, b| a.code.cmp(&b.code));
    let hospital = nearest_hospital(day, d);
    let mut units: BTreeMap<Option<&str>, Vec<&Traveler>> = BTreeMap::new();
    let mut singles = Vec::new();
    for t in travelers {
        let to = match route(t) {
            Route::Hotel => {
                match t.group.as_deref() {
                    Some(g) => units.entry(Some(g)).or_default().push(t),
                    None => singles.push(t),
                }
                continue;
            }
            Route::Hospital => hospital
                .clone()
                .map(|code| Place::Hospital { code })
                .ok_or(Reason::NoHospital),
            Route::Home => home_location(t)
                .map(|_| Place::Home {
                    traveler: t.code.clone(),
                })
                .ok_or(Reason::HomeNotLocated),
        };
        settle(out, arrival, &from, t, to);
    }
    let share = day.policy.family_room_size;
    let mut all: Vec<Unit> = units
        .into_iter()
        .map(|(group, members)| Unit { members, group })
        .chain(singles.into_iter().map(|t| Unit {
            members: vec![t],
            group: None,
        }))
        .collect();
    all.sort_by_cached_key(|u| u.order_key(share));
    let check_in = arrival.at.date();
    let nights = nights(check_in, day.policy.hotel_days);
    let release = check_in
        .checked_add_days(Days::new(u64::from(day.policy.hotel_days)))
        .unwrap_or(check_in);
    for unit in all {
        let need = unit.need(share);
        match choose_hotel(day, &unit, need, check_in, &nights, d, calendar) {
            Ok(h) => {
                calendar.book(h, need, &nights);
                let hotel = &day.hotels[h];
                for t in &unit.members {
                    out.stays.push(PlannedStay {
                        traveler: t.code.clone(),
                        hotel: hotel.code.clone(),
                        check_in,
                        release,
                        accessible: t.uses_wheelchair(),
                        group: unit.group.map(str::to_string),
                    });
                    let to = Place::Hotel {
                        code: hotel.code.clone(),
                    };
                    settle(out, arrival, &from, t, Ok(to));
                }
            }
            Err(reason) => {
                for t in &unit.members {
                    settle(out, arrival, &from, t, Err(reason.clone()));
                }
            }
        }
    }
}

fn settle(
    out: &mut Placements,
    arrival: &Arrival,
    from: &Place,
    t: &Traveler,
    to: Result<Place, Reason>,
) {
    match to {
        Ok(to) => out.placed.push(Placement {
            traveler: t.code.clone(),
            arrival: Some(arrival.code.clone()),
            from: from.clone(),
            to,
        }),
        Err(reason) => out.unplaced.push(Unplaced {
            traveler: t.code.clone(),
            arrival: Some(arrival.code.clone()),
            reason,
        }),
    }
}

/// The nearest designated hospital from the port (ties: the shorter road, then the code).
fn nearest_hospital(day: &Day, d: &Distances) -> Option<HospitalCode> {
    day.hospitals
        .iter()
        .zip(&d.hospitals)
        .min_by(|(a, da), (b, db)| {
            da.0.total_cmp(&db.0)
                .then(da.1.total_cmp(&db.1))
                .then_with(|| a.code.cmp(&b.code))
        })
        .map(|(h, _)| h.code.clone())
}

/// The open hotel with room on every night, by language then distance; or why none has.
fn choose_hotel(
    day: &Day,
    unit: &Unit,
    need: Rooms,
    check_in: NaiveDate,
    nights: &[NaiveDate],
    d: &Distances,
    calendar: &Calendar,
) -> Result<usize, Reason> {
    let wanted: Vec<String> = unit
        .members
        .iter()
        .filter_map(|t| t.language.as_deref().map(language))
        .filter(|l| !l.is_empty())
        .collect();
    // Distance order, then (stable) more of their languages first.
    let mut order = d.nearest.clone();
    if !wanted.is_empty() {
        order.sort_by_cached_key(|&i| {
            let spoken = d.spoken.get(i).map(Vec::as_slice).unwrap_or(&[]);
            Reverse(wanted.iter().filter(|l| spoken.contains(l)).count())
        });
    }
    let mut best: Option<Reason> = None;
    for h in order {
        let Some(spec) = day.hotels.get(h) else {
            continue;
        };
        match calendar.fits(h, spec, need, nights) {
            Ok(()) => return Ok(h),
            Err(reason) => {
                let later = match &best {
                    None => true,
                    Some(b) => failing_night(&reason) > failing_night(b),
                };
                if later {
                    best = Some(reason);
                }
            }
        }
    }
    // No open hotel at all: the first night already has no room.
    Err(best.unwrap_or(Reason::NoCapacity { night: check_in }))
}
