//! Where one more traveler fits best (`closedloop plan fit`): the desk's quick answer when a
//! late traveler turns up, in milliseconds, without re-planning the day.
//!
//! Their place comes from hotel assignment over the plan's bookings (the same rules as the
//! day's). Then every way to carry them is priced in extra driving minutes: joining a stop a
//! batch of their arrival already makes, a new stop inserted into such a batch (every later
//! stop and the vehicle's return delayed by the detour, every ride limit, seat, vehicle and
//! crew turnaround kept), or a batch of its own with a free vehicle and crew. The three
//! cheapest are returned; the checker is the judge of the plan once one is taken.

use crate::batches::fleet::capacity;
use crate::batches::{HANDOVER_MINUTES, locate};
use crate::hotels;
use crate::ids::{ArrivalCode, BatchCode, TravelerCode, VehicleCode};
use crate::plan::{Batch, Place, Plan, Reason};
use crate::problem::{CrewRole, Day, Point, Port, Traveler};
use crate::replan::hold_rooms;
use crate::travel::TravelTimes;
use chrono::{Duration, NaiveDateTime};
use serde::Serialize;
use std::collections::BTreeSet;

/// A way to carry the traveler.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FitOption {
    /// `join_stop`, `new_stop` or `new_batch`.
    pub how: &'static str,
    /// The batch they join; none for a batch of their own.
    pub batch: Option<BatchCode>,
    pub vehicle: VehicleCode,
    /// The stop's position in the batch, from 0.
    pub stop: usize,
    pub eta: NaiveDateTime,
    /// Driving the option adds to the plan.
    pub extra_minutes: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fit {
    /// Where they go; none when they cannot be placed (then `reason`).
    pub place: Option<Place>,
    pub reason: Option<Reason>,
    pub options: Vec<FitOption>,
}

/// The best three ways to carry `traveler` of `arrival`. See the module docs.
pub fn best_fit(
    day: &Day,
    plan: &Plan,
    arrival: &ArrivalCode,
    traveler: &Traveler,
    travel: &dyn TravelTimes,
) -> Option<Fit> {
    let a = day.arrivals.iter().find(|a| &a.code == arrival)?;
    let ready = day.ready_at(a)?;
    let port = day.port(&a.port)?;
    // Their place, with the plan's bookings holding their rooms.
    // The day with this one traveler as its only arrival (not a copy of every arrival's
    // travelers first: on a day of 20,000 that copy was most of the answer's time).
    let mut alone = Day {
        format: day.format.clone(),
        date: day.date,
        policy: day.policy.clone(),
        ports: day.ports.clone(),
        arrivals: vec![crate::problem::Arrival {
            code: a.code.clone(),
            port: a.port.clone(),
            at: a.at,
            travelers: vec![traveler.clone()],
        }],
        hotels: day.hotels.clone(),
        hospitals: day.hospitals.clone(),
        vehicles: Vec::new(),
        crew: Vec::new(),
        stays: day.stays.clone(),
    };
    hold_rooms(&mut alone, plan.stays.iter());
    let placed = hotels::assign(&alone, travel);
    let Some(p) = placed
        .placed
        .into_iter()
        .find(|p| p.traveler == traveler.code)
    else {
        let reason = placed
            .unplaced
            .into_iter()
            .find(|u| u.traveler == traveler.code)
            .map(|u| u.reason);
        return Some(Fit {
            place: None,
            reason,
            options: vec![],
        });
    };
    let to = locate(day, &p.to)?;
    let limit = f64::from(if traveler.is_special() {
        day.policy.special_max_ride
    } else {
        day.policy.max_ride
    });
    let mut options = Vec::new();
    let riders = Riders::of(day);
    if !traveler.is_sick() {
        for b in plan.batches.iter().filter(|b| {
            b.origin
                == Place::Port {
                    code: a.port.clone(),
                }
                && (day.policy.mix_arrivals || b.arrival.as_ref() == Some(arrival))
                && b.depart >= ready - Duration::minutes(1)
        }) {
            joins(
                day,
                plan,
                &riders,
                b,
                traveler,
                &p.to,
                to,
                limit,
                travel,
                &mut options,
            );
        }
    }
    if let Some(o) = own_batch(day, plan, traveler, port, to, ready, limit, travel) {
        options.push(o);
    }
    options.sort_by(|x, y| {
        x.extra_minutes
            .total_cmp(&y.extra_minutes)
            .then(x.eta.cmp(&y.eta))
    });
    options.truncate(3);
    Some(Fit {
        place: Some(p.to),
        reason: None,
        options,
    })
}

fn minutes(m: f64) -> Duration {
    Duration::seconds((m * 60.0).round() as i64)
}

/// Joining batch `b`: at a stop it already makes, or a new one at each position.
#[allow(clippy::too_many_arguments)]
fn joins(
    day: &Day,
    plan: &Plan,
    riders: &Riders,
    b: &Batch,
    t: &Traveler,
    place: &Place,
    to: Point,
    limit: f64,
    travel: &dyn TravelTimes,
    out: &mut Vec<FitOption>,
) {
    let Some(v) = day.vehicles.iter().find(|v| v.code == b.vehicle) else {
        return;
    };
    let sick_aboard = b.travelers().any(|c| riders.sick.contains(c));
    if sick_aboard
        || b.head_count() as u32 >= capacity(v, day.policy.seat_factor)
        || (t.is_special() && !v.accessible())
        || (t.is_special() && !has_escort(day, b))
    {
        return;
    }
    let ride = |eta: NaiveDateTime| (eta - b.depart).num_seconds() as f64 / 60.0;
    if let Some((k, s)) = b.stops.iter().enumerate().find(|(_, s)| &s.place == place) {
        if ride(s.eta) <= limit {
            out.push(FitOption {
                how: "join_stop",
                batch: Some(b.code.clone()),
                vehicle: b.vehicle.clone(),
                stop: k,
                eta: s.eta,
                extra_minutes: 0.0,
            });
        }
        return;
    }
    let Some(origin) = locate(day, &b.origin) else {
        return;
    };
    let base = day.port(&v.base).map_or(origin, |p| p.location);
    let points: Vec<Option<Point>> = b.stops.iter().map(|s| locate(day, &s.place)).collect();
    if points.iter().any(Option::is_none) {
        return;
    }
    let points: Vec<Point> = points.into_iter().flatten().collect();
    for k in 0..=b.stops.len() {
        let (prev, leave) = if k == 0 {
            (origin, b.depart)
        } else {
            (
                points[k - 1],
                b.stops[k - 1].eta + minutes(HANDOVER_MINUTES),
            )
        };
        let next = points.get(k).copied().unwrap_or(base);
        let there = travel.leg(prev, to).minutes;
        let detour = there + HANDOVER_MINUTES + travel.leg(to, next).minutes
            - travel.leg(prev, next).minutes;
        if !detour.is_finite() {
            continue;
        }
        let eta = leave + minutes(there);
        // Everyone dropped later rides the detour longer.
        let later_ok = b.stops[k..]
            .iter()
            .all(|s| ride(s.eta) + detour <= ride_limit(day, riders, s));
        if ride(eta) > limit || !later_ok || !turnaround_ok(day, plan, b, detour) {
            continue;
        }
        out.push(FitOption {
            how: "new_stop",
            batch: Some(b.code.clone()),
            vehicle: b.vehicle.clone(),
            stop: k,
            eta,
            extra_minutes: detour.max(0.0),
        });
    }
}

/// Who of the day is sick or of the special groups, looked up once per answer rather than
/// once per rider of every batch.
struct Riders<'a> {
    sick: BTreeSet<&'a TravelerCode>,
    special: BTreeSet<&'a TravelerCode>,
}

impl<'a> Riders<'a> {
    fn of(day: &'a Day) -> Self {
        let (mut sick, mut special) = (BTreeSet::new(), BTreeSet::new());
        for (_, t) in day.arriving() {
            if t.is_sick() {
                sick.insert(&t.code);
            }
            if t.is_special() {
                special.insert(&t.code);
            }
        }
        Riders { sick, special }
    }
}

fn ride_limit(day: &Day, riders: &Riders, s: &crate::plan::Stop) -> f64 {
    let special = s.travelers.iter().any(|c| riders.special.contains(c));
    f64::from(if special {
        day.policy.special_max_ride
    } else {
        day.policy.max_ride
    })
}

fn has_escort(day: &Day, b: &Batch) -> bool {
    b.crew.iter().any(|c| {
        day.crew
            .iter()
            .any(|m| &m.code == c && m.role == CrewRole::Escort)
    })
}

/// The vehicle's and crew's next batches still start after this one, delayed by `detour`.
fn turnaround_ok(day: &Day, plan: &Plan, b: &Batch, detour: f64) -> bool {
    let back = b.ready_again + minutes(detour);
    let rest = Duration::minutes(i64::from(day.policy.crew_rest));
    let vehicle_ok = day
        .vehicles
        .iter()
        .find(|v| v.code == b.vehicle)
        .is_some_and(|v| back <= v.available_until);
    vehicle_ok
        && plan
            .batches
            .iter()
            .filter(|o| o.depart > b.depart)
            .all(|o| {
                (o.vehicle != b.vehicle || o.depart >= back)
                    && (!o.crew.iter().any(|c| b.crew.contains(c)) || o.depart >= back + rest)
            })
        && b.crew.iter().all(|c| {
            day.crew
                .iter()
                .find(|m| &m.code == c)
                .is_some_and(|m| back <= m.shift_end)
        })
}

/// A batch of their own: the first vehicle (by code) based at the port that may carry them and
/// is free for the round trip, with a free driver (and escort for the special groups).
#[allow(clippy::too_many_arguments)]
fn own_batch(
    day: &Day,
    plan: &Plan,
    t: &Traveler,
    port: &Port,
    to: Point,
    ready: NaiveDateTime,
    limit: f64,
    travel: &dyn TravelTimes,
) -> Option<FitOption> {
    let there = travel.leg(port.location, to).minutes;
    let back = travel.leg(to, port.location).minutes;
    if !(there.is_finite() && back.is_finite()) || there > limit {
        return None;
    }
    let end = ready
        + minutes(there + HANDOVER_MINUTES + back)
        + Duration::minutes(i64::from(day.policy.disinfection));
    let free = |busy: &dyn Fn(&Batch) -> bool, rest: i64| {
        plan.batches
            .iter()
            .filter(|b| busy(b))
            .all(|b| b.ready_again + Duration::minutes(rest) <= ready || b.depart >= end)
    };
    let mut vehicles: Vec<_> = day
        .vehicles
        .iter()
        .filter(|v| {
            v.base == port.code
                && v.blocked.is_none()
                && v.available_from <= ready
                && end <= v.available_until
                && (!t.is_sick() || v.negative_pressure())
                && (!t.is_special() || v.accessible())
                && free(&|b: &Batch| b.vehicle == v.code, 0)
        })
        .collect();
    vehicles.sort_by(|a, b| (a.seats, &a.code).cmp(&(b.seats, &b.code)));
    let v = vehicles.first()?;
    let rest = i64::from(day.policy.crew_rest);
    let crew_free = |role: CrewRole| {
        day.crew.iter().any(|m| {
            m.role == role
                && m.base == port.code
                && m.blocked.is_none()
                && m.shift_start <= ready
                && end <= m.shift_end
                && free(&|b: &Batch| b.crew.contains(&m.code), rest)
        })
    };
    if !crew_free(CrewRole::Driver) || (t.is_special() && !crew_free(CrewRole::Escort)) {
        return None;
    }
    Some(FitOption {
        how: "new_batch",
        batch: None,
        vehicle: v.code.clone(),
        stop: 0,
        eta: ready + minutes(there),
        extra_minutes: there + HANDOVER_MINUTES + back,
    })
}
