//! Batch forming: the day's placements become vehicle trips, with the route planner
//! ([`closedloop_planner::solve`]) doing the routing.
//!
//! Every origin — a port, or a hotel for second transfers — is its own planning problem with
//! the origin as the depot ([`units`] turns travelers into jobs, [`fleet`] turns vehicles into
//! vehicle types); the planner's trips become [`Batch`]es ([`draft`]), and crews are then given
//! to them across all origins in order of departure ([`crew`]).
//!
//! Vehicles are shared over the day only through their base: a vehicle serves the port it is
//! based at, trip after trip with the disinfection turnaround between, and second transfers
//! from hotels take vehicles from any base, each for one trip, in a gap of its day. Origins
//! and ready times are planned in order of time. A vehicle moving its base from one port to
//! another during the day is not modelled.

mod crew;
pub(crate) mod draft;
pub(crate) mod fleet;
mod route;
mod units;

use crate::day::PlanOptions;
use crate::ids::{ArrivalCode, BatchCode, CrewCode, TravelerCode, VehicleCode};
use crate::placement::Placement;
use crate::plan::{Batch, Place, Reason, Unplaced};
use crate::problem::{Arrival, Day, Point, Traveler};
use crate::travel::TravelTimes;
use chrono::{NaiveDate, NaiveDateTime};
use std::collections::BTreeMap;

pub(crate) use crew::{CrewPick, assign_crew};
pub(crate) use draft::Draft;

/// Minutes at each stop for the hand-over (head-count, identities, signatures: check-list 6).
pub const HANDOVER_MINUTES: f64 = 5.0;

/// Travelers released from a hotel are ready in its lobby from this time of the day (minutes
/// from midnight): the release check-out happens in the morning.
pub const RELEASE_FROM_MINUTES: u32 = 9 * 60;

/// Tolerance of the rule checks on times, in minutes: ETAs are written to the second.
pub(crate) const TOL: f64 = 1.0 / 60.0 + 1e-9;

/// What batch forming hands back: the batches (coded, crewed) and who could not be carried.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Formed {
    pub batches: Vec<Batch>,
    pub unplaced: Vec<Unplaced>,
}

/// Work the day's vehicles and crew already have outside the plan being formed, which it must
/// fit around: the published batches a re-plan keeps. Each span runs from leaving the
/// vehicle's base to ready again.
#[derive(Debug, Clone, Default)]
pub(crate) struct Booked {
    pub vehicles: BTreeMap<VehicleCode, Vec<(NaiveDateTime, NaiveDateTime)>>,
    pub crew: BTreeMap<CrewCode, Vec<(NaiveDateTime, NaiveDateTime)>>,
}

/// Nothing booked: a first plan.
pub(crate) static NOTHING_BOOKED: Booked = Booked {
    vehicles: BTreeMap::new(),
    crew: BTreeMap::new(),
};

/// A traveler of the day and the arrival they come with (none for a second transfer).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Person<'a> {
    pub traveler: &'a Traveler,
    pub arrival: Option<&'a Arrival>,
}

/// Lookups over a day, built once: travelers, places' locations, the clock.
pub(crate) struct Ctx<'a> {
    pub day: &'a Day,
    pub travel: &'a dyn TravelTimes,
    pub people: BTreeMap<&'a TravelerCode, Person<'a>>,
    /// Arrival code → its position in the day file: the planner's cohort.
    pub arrival_index: BTreeMap<&'a ArrivalCode, usize>,
    pub booked: &'a Booked,
}

impl<'a> Ctx<'a> {
    pub fn new(day: &'a Day, travel: &'a dyn TravelTimes) -> Ctx<'a> {
        let mut people = BTreeMap::new();
        for a in &day.arrivals {
            for t in &a.travelers {
                people.insert(
                    &t.code,
                    Person {
                        traveler: t,
                        arrival: Some(a),
                    },
                );
            }
        }
        for s in &day.stays {
            people.entry(&s.traveler.code).or_insert(Person {
                traveler: &s.traveler,
                arrival: None,
            });
        }
        let arrival_index = day
            .arrivals
            .iter()
            .enumerate()
            .map(|(i, a)| (&a.code, i))
            .collect();
        Ctx {
            day,
            travel,
            people,
            arrival_index,
            booked: &NOTHING_BOOKED,
        }
    }

    /// Where a place is on the map; none for a home not yet pinned or a code the day lacks.
    pub fn locate(&self, place: &Place) -> Option<Point> {
        locate(self.day, place)
    }

    /// Minutes from the day's midnight.
    pub fn clock(&self, t: NaiveDateTime) -> f64 {
        clock(self.day.date, t)
    }

    pub fn stamp(&self, minutes: f64) -> NaiveDateTime {
        stamp(self.day.date, minutes)
    }

    /// When a traveler is ready to board at `from`: their arrival's ready time at a port, the
    /// release hour at a hotel.
    pub fn ready(&self, traveler: &TravelerCode, from: &Place) -> f64 {
        let arrival = self.people.get(traveler).and_then(|p| p.arrival);
        match (from, arrival.and_then(|a| self.day.ready_at(a))) {
            (Place::Port { .. }, Some(at)) => self.clock(at),
            _ => f64::from(RELEASE_FROM_MINUTES),
        }
    }
}

/// Where a place is on the map; none for a home not yet pinned or a code the day lacks.
pub fn locate(day: &Day, place: &Place) -> Option<Point> {
    match place {
        Place::Port { code } => day.port(code).map(|p| p.location),
        Place::Hotel { code } => day.hotel(code).map(|h| h.location),
        Place::Hospital { code } => day
            .hospitals
            .iter()
            .find(|h| &h.code == code)
            .map(|h| h.location),
        Place::Home { traveler } => day
            .arriving()
            .map(|(_, t)| t)
            .chain(day.stays.iter().map(|s| &s.traveler))
            .find(|t| &t.code == traveler)
            .and_then(|t| t.home.as_ref())
            .and_then(|h| h.location),
        Place::Roadside { lat, lon, .. } => Some(Point {
            lat: lat.0,
            lon: lon.0,
        }),
    }
}

/// Minutes from the midnight that begins `date`.
pub fn clock(date: NaiveDate, t: NaiveDateTime) -> f64 {
    (t - date.and_time(chrono::NaiveTime::MIN)).num_seconds() as f64 / 60.0
}

/// The time `minutes` after the midnight that begins `date`, to the second. Out-of-range
/// values (never produced from a validated day) saturate rather than panic.
pub fn stamp(date: NaiveDate, minutes: f64) -> NaiveDateTime {
    let midnight = date.and_time(chrono::NaiveTime::MIN);
    let secs = (minutes * 60.0).round();
    let secs = if secs.is_finite() {
        secs.clamp(-1e11, 1e11) as i64
    } else {
        0
    };
    chrono::TimeDelta::try_seconds(secs)
        .and_then(|d| midnight.checked_add_signed(d))
        .unwrap_or(midnight)
}

/// A stable key for an origin, so origins are planned in one order: ports, then hotels, each
/// by code.
pub(crate) fn origin_key(place: &Place) -> (u8, String) {
    match place {
        Place::Port { code } => (0, code.to_string()),
        Place::Hotel { code } => (1, code.to_string()),
        Place::Hospital { code } => (2, code.to_string()),
        Place::Home { traveler } => (3, traveler.to_string()),
        Place::Roadside { batch, .. } => (4, batch.to_string()),
    }
}

pub(crate) fn unplaced(ctx: &Ctx, traveler: &TravelerCode, reason: Reason) -> Unplaced {
    Unplaced {
        traveler: traveler.clone(),
        arrival: ctx
            .people
            .get(traveler)
            .and_then(|p| p.arrival)
            .map(|a| a.code.clone()),
        reason,
    }
}

/// Forms the day's batches from `placed` with the route planner, then crews them across all
/// origins in order of departure.
///
/// A trip carries travelers of one ready time only (one cohort, one ready time: see
/// [`route::On::draft`]), so the day splits without loss into one planning problem per origin
/// and ready time — a port's arrival, a hotel's release — coupled only through the vehicles.
/// The ports' come first, in order of time, each seeing a vehicle in the gap of its day
/// around then: first come, first served, as a desk works, and travelers waiting at a port
/// before those released from a hotel, who wait in their rooms (planned the other way round,
/// a morning's releases took the airport's vehicles in its morning bank). Many small
/// problems instead of one per port keep the search linear in the day's size (5,000
/// travelers: one problem per port took 137 s on 2 cores).
pub fn form(
    day: &Day,
    placed: &[Placement],
    travel: &dyn TravelTimes,
    options: &PlanOptions,
) -> Formed {
    form_around(day, placed, travel, options, &NOTHING_BOOKED)
}

/// [`form`] around work the vehicles and crew already have.
pub(crate) fn form_around(
    day: &Day,
    placed: &[Placement],
    travel: &dyn TravelTimes,
    options: &PlanOptions,
    booked: &Booked,
) -> Formed {
    let ctx = Ctx {
        booked,
        ..Ctx::new(day, travel)
    };
    type Key = (u8, i64, String);
    let mut chunks: BTreeMap<Key, (Place, Vec<&Placement>)> = BTreeMap::new();
    for p in placed {
        let ready = (ctx.ready(&p.traveler, &p.from) * 60.0).round() as i64;
        let (kind, code) = origin_key(&p.from);
        chunks
            .entry((kind, ready, code))
            .or_insert_with(|| (p.from.clone(), Vec::new()))
            .1
            .push(p);
    }
    let mut fleet = fleet::Fleet::new(&ctx);
    let mut drafts = Vec::new();
    let mut lost = Vec::new();
    let total_units: usize = placed.len().max(1);
    for (n, (origin, people)) in chunks.values().enumerate() {
        let share = people.len() as f64 / total_units as f64;
        let solve = options.for_origin(n as u64, share);
        let (mut d, mut u) = match origin {
            Place::Port { code } => draft::plan_port(&ctx, &mut fleet, code, people, &solve),
            Place::Hotel { .. } => draft::plan_hotel(&ctx, &mut fleet, origin, people, &solve),
            // Nobody boards at a hospital or a home in this plan: hotel assignment never
            // places anyone there, and if it did they are reported rather than dropped.
            _ => (
                Vec::new(),
                people
                    .iter()
                    .map(|p| unplaced(&ctx, &p.traveler, Reason::NoVehicle))
                    .collect(),
            ),
        };
        drafts.append(&mut d);
        lost.append(&mut u);
    }
    let (batches, mut no_crew) = finish(&ctx, drafts, CrewPick::BestFit);
    lost.append(&mut no_crew);
    lost.sort_by(|a, b| a.traveler.cmp(&b.traveler));
    Formed {
        batches,
        unplaced: lost,
    }
}

/// Crews the drafts in order of departure, drops the ones no crew can take (their travelers
/// unplaced with [`Reason::NoCrew`]), and codes the rest `B-<origin>-<nnn>` per origin in
/// order of departure.
pub(crate) fn finish(
    ctx: &Ctx,
    mut drafts: Vec<Draft>,
    pick: CrewPick,
) -> (Vec<Batch>, Vec<Unplaced>) {
    drafts.sort_by(|a, b| {
        a.leave_base
            .total_cmp(&b.leave_base)
            .then(a.depart.total_cmp(&b.depart))
            .then(a.vehicle.cmp(&b.vehicle))
    });
    let crews = assign_crew(ctx, &drafts, pick);
    let mut lost = Vec::new();
    let mut kept: Vec<(Draft, Vec<crate::ids::CrewCode>)> = Vec::new();
    for (d, crew) in drafts.into_iter().zip(crews) {
        match crew {
            Some(c) => kept.push((d, c)),
            None => lost.extend(
                d.travelers()
                    .map(|t| unplaced(ctx, t, Reason::NoCrew))
                    .collect::<Vec<_>>(),
            ),
        }
    }
    kept.sort_by(|a, b| {
        origin_key(&a.0.origin)
            .cmp(&origin_key(&b.0.origin))
            .then(a.0.depart.total_cmp(&b.0.depart))
            .then(a.0.vehicle.cmp(&b.0.vehicle))
    });
    let mut numbers: BTreeMap<(u8, String), usize> = BTreeMap::new();
    let batches = kept
        .into_iter()
        .map(|(d, crew)| {
            let key = origin_key(&d.origin);
            let n = numbers.entry(key.clone()).or_default();
            *n += 1;
            let code = BatchCode::new(format!("B-{}-{:03}", key.1, n));
            d.into_batch(ctx, code, crew)
        })
        .collect();
    (batches, lost)
}
