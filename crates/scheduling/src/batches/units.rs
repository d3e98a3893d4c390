//! Travelers into the planner's jobs ("units"): who may ride together, what vehicle they
//! need, how long they may ride.
//!
//! - One arrival's travelers to one place form units; travelers of different arrivals never
//!   share one (and, through the cohort, never share a trip) unless the policy mixes arrivals.
//! - A family or declared group is always one unit, whatever its size and wherever its
//!   members go: members bound for one address (a family going home: one home each, one
//!   door) share a stop; a group whose members go to different addresses (a sick member to
//!   the hospital, the others to the hotel) is a tour, driven outside the planner.
//! - A sick (symptomatic or positive) traveler rides alone with their own group only, in a
//!   negative-pressure vehicle (`alone`).
//! - A unit with anyone of 老弱病残孕 needs an accessible vehicle and keeps the shorter ride
//!   limit — the whole group with them.
//! - Everyone else going to the same place is split into units of at most the median
//!   capacity of the vehicles that may carry them: small enough that more than the largest
//!   vehicle can take them, large enough to keep the problem small.

use super::{Ctx, unplaced};
use crate::ids::{ArrivalCode, TravelerCode};
use crate::placement::Placement;
use crate::plan::{Place, Reason, Unplaced};
use crate::problem::Point;
use closedloop_planner::Skills;
use std::collections::BTreeMap;

/// One job of the planner: travelers boarding together and leaving together at one stop.
#[derive(Debug, Clone)]
pub(crate) struct Unit<'a> {
    /// In code order.
    pub travelers: Vec<&'a TravelerCode>,
    pub arrival: Option<ArrivalCode>,
    /// Where they leave the vehicle: by place, in the places' code order.
    pub stops: Vec<(Place, Point, Vec<&'a TravelerCode>)>,
    /// Minutes from midnight: when they are ready to board.
    pub ready: f64,
    pub cohort: u32,
    pub sick: bool,
    pub special: bool,
}

impl Unit<'_> {
    /// The one location of its stops, if they share one (the planner's job location); none
    /// for a tour.
    pub fn point(&self) -> Option<Point> {
        let first = self.stops.first()?.1;
        self.stops
            .iter()
            .all(|s| same_point(s.1, first))
            .then_some(first)
    }

    pub fn skills(&self) -> Skills {
        if self.sick {
            // The ambulance takes the sick whatever their other needs: it carries a stretcher.
            Skills::NEGATIVE_PRESSURE
        } else if self.special {
            Skills::WHEELCHAIR
        } else {
            Skills::NONE
        }
    }

    /// The ride limit in minutes.
    pub fn max_ride(&self, ctx: &Ctx) -> u32 {
        if self.special {
            ctx.day.policy.special_max_ride
        } else {
            ctx.day.policy.max_ride
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Group(String),
    Alone(TravelerCode),
    Others { special: bool },
}

/// The units of one origin's placements, and who cannot be one (their stop is not on the
/// map). `capacities` are the travelers each vehicle of the origin may carry, with its skills.
pub(crate) fn units<'a>(
    ctx: &Ctx<'a>,
    origin: &Place,
    placed: &[&'a Placement],
    capacities: &[(Skills, u32)],
) -> (Vec<Unit<'a>>, Vec<Unplaced>) {
    let mut lost = Vec::new();
    // Under mixing, arrivals ready at the same minute share a cohort: the planner's stop
    // windows hold the departure after everyone's ready time only within one ready time.
    let mut ready_cohorts: BTreeMap<i64, u32> = BTreeMap::new();
    type Key = (u32, (u8, String), Kind);
    type Riders<'a> = Vec<(&'a TravelerCode, Place, Point)>;
    let mut groups: BTreeMap<Key, (Riders<'a>, f64)> = BTreeMap::new();
    for p in placed {
        let Some(person) = ctx.people.get(&p.traveler) else {
            lost.push(unplaced(ctx, &p.traveler, Reason::NoVehicle));
            continue;
        };
        let Some(point) = ctx.locate(&p.to) else {
            let reason = match p.to {
                Place::Home { .. } => Reason::HomeNotLocated,
                _ => Reason::NoVehicle,
            };
            lost.push(unplaced(ctx, &p.traveler, reason));
            continue;
        };
        let ready = ctx.ready(&p.traveler, origin);
        let cohort = if ctx.day.policy.mix_arrivals {
            let n = ready_cohorts.len() as u32;
            *ready_cohorts
                .entry((ready * 60.0).round() as i64)
                .or_insert(n)
        } else {
            p.arrival
                .as_ref()
                .and_then(|a| ctx.arrival_index.get(a))
                .map_or(u32::MAX, |&i| i as u32)
        };
        let t = person.traveler;
        let kind = match &t.group {
            Some(g) => Kind::Group(g.clone()),
            None if t.is_sick() => Kind::Alone(t.code.clone()),
            None => Kind::Others {
                special: t.is_special(),
            },
        };
        // A group is one unit wherever its members go; the others by place.
        let place_key = match kind {
            Kind::Group(_) => (u8::MAX, String::new()),
            _ => super::origin_key(&p.to),
        };
        groups
            .entry((cohort, place_key, kind))
            .or_insert_with(|| (Vec::new(), ready))
            .0
            .push((&p.traveler, p.to.clone(), point));
    }
    let mut out = Vec::new();
    for ((cohort, _, kind), (mut riders, ready)) in groups {
        riders.sort_by(|a, b| a.0.cmp(b.0));
        let travelers: Vec<&'a TravelerCode> = riders.iter().map(|r| r.0).collect();
        let of = |ts: &[&TravelerCode], pick: fn(&crate::problem::Traveler) -> bool| {
            ts.iter()
                .any(|t| ctx.people.get(*t).is_some_and(|p| pick(p.traveler)))
        };
        let sick = of(&travelers, |t| t.is_sick());
        let special = of(&travelers, |t| t.is_special());
        let arrival = {
            let mut codes = travelers
                .iter()
                .filter_map(|t| ctx.people.get(*t).and_then(|p| p.arrival))
                .map(|a| &a.code);
            let first = codes.next().cloned();
            if codes.all(|c| Some(c) == first.as_ref()) {
                first
            } else {
                None
            }
        };
        let unit = |travelers: Vec<&'a TravelerCode>| Unit {
            stops: stops_of(&riders, &travelers),
            travelers,
            arrival: arrival.clone(),
            ready,
            cohort,
            sick,
            special,
        };
        match kind {
            Kind::Group(_) | Kind::Alone(_) => out.push(unit(travelers)),
            Kind::Others { .. } => {
                let needs = unit(Vec::new()).skills();
                let Some(chunk) = chunk_size(capacities, needs) else {
                    // The planner would leave them unserved anyway; no job is cheaper.
                    lost.extend(
                        travelers
                            .iter()
                            .map(|t| unplaced(ctx, t, Reason::NoVehicle)),
                    );
                    continue;
                };
                for part in travelers.chunks(chunk) {
                    out.push(unit(part.to_vec()));
                }
            }
        }
    }
    (out, lost)
}

/// The stops of `travelers` among `riders`, by place.
fn stops_of<'a>(
    riders: &[(&'a TravelerCode, Place, Point)],
    travelers: &[&'a TravelerCode],
) -> Vec<(Place, Point, Vec<&'a TravelerCode>)> {
    let mut by_place: BTreeMap<(u8, String), (Place, Point, Vec<&'a TravelerCode>)> =
        BTreeMap::new();
    for (t, place, point) in riders {
        if travelers.contains(t) {
            by_place
                .entry(super::origin_key(place))
                .or_insert_with(|| (place.clone(), *point, Vec::new()))
                .2
                .push(*t);
        }
    }
    by_place.into_values().collect()
}

/// Two points the same place on the map (one address geocoded once).
pub(crate) fn same_point(a: Point, b: Point) -> bool {
    a.lat.to_bits() == b.lat.to_bits() && a.lon.to_bits() == b.lon.to_bits()
}

/// The median capacity of the vehicles offering `needs`; none if no vehicle does.
fn chunk_size(capacities: &[(Skills, u32)], needs: Skills) -> Option<usize> {
    let mut caps: Vec<u32> = capacities
        .iter()
        .filter(|(s, c)| s.covers(needs) && *c > 0)
        .map(|(_, c)| *c)
        .collect();
    caps.sort_unstable();
    caps.get(caps.len() / 2).map(|&c| c as usize)
}
