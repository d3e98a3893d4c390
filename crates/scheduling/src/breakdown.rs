//! A vehicle broken down en route: the riders still on board are fetched from the roadside by a
//! replacement batch (`vehicle_breakdown` with the vehicle on the road, [`crate::replan`]).
//!
//! The broken batch keeps the stops it reached before the event, as driven, and ends at a
//! [`Place::Roadside`] stop that hands over no one; its vehicle is towed back to its base and
//! disinfected (`ready_again`), and its crew stay with it until then. The replacement leaves
//! its base once the event is known and its vehicle and crew are free, drives to the roadside
//! (`depart` is when it gets there), takes five minutes for the hand-over, drives the
//! remaining stops in their order, and goes back to its base for disinfection.
//!
//! A replacement is any vehicle but the broken one — not blocked, available, with the seats
//! after distancing and the skills the riders need (negative pressure for the sick, accessible
//! for 老弱病残孕) — with a driver (and an escort for special riders) of its base, on shift and
//! rested. Batches departing before the freeze hold their vehicles and crew; a later batch it
//! would overlap is planned again (`displaced`). Among the candidates: one that keeps every
//! rider's ride limit (measured from boarding at the port) first, then one displacing nothing,
//! then the earliest at the roadside, then codes. None found: the riders are unplaced with
//! [`Reason::NoReplacement`], never dropped.

use crate::batches::{Ctx, HANDOVER_MINUTES, unplaced};
use crate::ids::{BatchCode, CrewCode, VehicleCode};
use crate::plan::{Batch, Place, Plan, Reason, Stop, Unplaced};
use crate::problem::{CrewRole, Day, Point, Vehicle};
use crate::travel::TravelTimes;
use chrono::{Duration, NaiveDateTime};
use std::collections::BTreeSet;

/// What a breakdown en route does to the published plan.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Rescue {
    /// The published batch the breakdown interrupts: it leaves the plan, replaced by `driven`.
    pub broken: BatchCode,
    /// Its stops before the event, ending at the roadside; none when it had not reached its
    /// riders (a replacement on its way to an earlier roadside: replaced whole).
    pub driven: Option<Batch>,
    /// The batch carrying the riders on, if a vehicle and crew were found.
    pub replacement: Option<Batch>,
    /// The riders when no replacement was found.
    pub unplaced: Vec<Unplaced>,
    /// Later published batches whose vehicle or crew the replacement takes: planned again.
    pub displaced: BTreeSet<BatchCode>,
    /// The broken vehicle's availability ends when it is towed back to its base.
    pub towed_back: Option<NaiveDateTime>,
}

/// The rescue of `vehicle`'s riders when it breaks down at `at` on the road; none when no
/// batch of it carries anyone then. `after` is the day after the event.
pub(crate) fn rescue(
    after: &Day,
    plan: &Plan,
    at: NaiveDateTime,
    vehicle: &VehicleCode,
    position: Option<Point>,
    freeze: NaiveDateTime,
    travel: &dyn TravelTimes,
) -> Option<Rescue> {
    let b = plan.batches.iter().find(|b| {
        &b.vehicle == vehicle
            && ((b.depart <= at && b.stops.last().is_some_and(|s| s.eta > at))
                || (b.depart > at && matches!(b.origin, Place::Roadside { .. })))
    })?;
    let ctx = Ctx::new(after, travel);
    let policy = &after.policy;
    let drive = |a: Option<Point>, z: Option<Point>| match (a, z) {
        (Some(a), Some(z)) => travel.leg(a, z),
        _ => crate::travel::Leg {
            minutes: 0.0,
            km: 0.0,
        },
    };
    let base_of = |v: &VehicleCode| {
        after
            .vehicles
            .iter()
            .find(|x| &x.code == v)
            .and_then(|x| after.port(&x.base))
            .map(|p| p.location)
    };
    let whole = b.depart > at;
    let (driven_stops, remaining): (Vec<Stop>, Vec<Stop>) = if whole {
        (Vec::new(), b.stops.clone())
    } else {
        b.stops.iter().cloned().partition(|s| s.eta < at)
    };

    // Where the riders wait, and from when.
    let (roadside, ready, driven, towed_back) = if whole {
        let ready = match &b.origin {
            Place::Roadside { batch, .. } => plan
                .batches
                .iter()
                .find(|x| &x.code == batch)
                .and_then(|x| x.stops.last())
                .map_or(at, |s| s.eta),
            _ => at,
        };
        (b.origin.clone(), ready.max(at), None, None)
    } else {
        let (prev, prev_eta, leaves) = match driven_stops.last() {
            Some(s) => (
                ctx.locate(&s.place),
                s.eta,
                s.eta + minutes(HANDOVER_MINUTES),
            ),
            None => (ctx.locate(&b.origin), b.depart, b.depart),
        };
        let next = ctx.locate(&remaining[0].place);
        let point = position.or_else(|| on_the_way(prev, leaves, next, remaining[0].eta, at))?;
        let place = Place::roadside(b.code.clone(), point);
        let p = ctx.locate(&place);
        let eta = at.max(prev_eta + minutes(drive(prev, p).minutes));
        let base = base_of(&b.vehicle);
        let mut stops = driven_stops.clone();
        stops.push(Stop {
            place: place.clone(),
            eta,
            travelers: Vec::new(),
        });
        let back = eta + minutes(drive(p, base).minutes);
        let ready_again = back + Duration::minutes(i64::from(policy.disinfection));
        let km = route_km(&ctx, &drive, base, &b.origin, &stops);
        let driven = Batch {
            stops,
            ready_again,
            km,
            ..b.clone()
        };
        (place, eta, Some(driven), Some(back.max(at)))
    };

    let riders: Vec<_> = remaining
        .iter()
        .flat_map(|s| &s.travelers)
        .filter_map(|t| ctx.people.get(t))
        .collect();
    let sick = riders.iter().any(|p| p.traveler.is_sick());
    let special = riders.iter().any(|p| p.traveler.is_special());
    let heads = remaining.iter().map(|s| s.travelers.len()).sum::<usize>();
    let boarded = boarding(plan, b).depart;

    let mut best: Option<(Key, Batch, BTreeSet<BatchCode>)> = None;
    // Batches leaving before the freeze hold their vehicle and crew (the broken batch's crew
    // stay with their vehicle until it is towed back).
    let holds = |x: &Batch| x.depart < freeze;
    let rest = Duration::minutes(i64::from(policy.crew_rest));
    let start_of =
        |x: &Batch| x.depart - minutes(drive(base_of(&x.vehicle), ctx.locate(&x.origin)).minutes);
    for v in after
        .vehicles
        .iter()
        .filter(|v| fits(v, vehicle, heads, sick, special, policy.seat_factor))
    {
        let base = after.port(&v.base).map(|p| p.location);
        let free_v = plan
            .batches
            .iter()
            .filter(|x| holds(x) && x.vehicle == v.code)
            .map(|x| x.ready_again)
            .fold(at.max(v.available_from), NaiveDateTime::max);
        let crew_free = |c: &CrewCode, from: NaiveDateTime| {
            plan.batches
                .iter()
                .filter(|x| holds(x) && x.crew.contains(c))
                .map(|x| x.ready_again + rest)
                .fold(from, NaiveDateTime::max)
        };
        let mut crew: Vec<CrewCode> = Vec::new();
        let mut leave = free_v;
        let roles: &[CrewRole] = if special {
            &[CrewRole::Driver, CrewRole::Escort]
        } else {
            &[CrewRole::Driver]
        };
        let mut found = true;
        for role in roles {
            // The one free soonest, then by code, whose shift covers the whole duty.
            let pick = after
                .crew
                .iter()
                .filter(|c| c.role == *role && c.base == v.base && c.blocked.is_none())
                .filter(|c| !crew.contains(&c.code))
                .filter_map(|c| {
                    let l = crew_free(&c.code, c.shift_start).max(leave);
                    let t = timed(&ctx, &drive, base, &roadside, ready, l, &remaining);
                    (t.back <= c.shift_end).then_some((l, c.code.clone()))
                })
                .min();
            match pick {
                Some((l, c)) => {
                    leave = l;
                    crew.push(c);
                }
                None => {
                    found = false;
                    break;
                }
            }
        }
        if !found {
            continue;
        }
        let t = timed(&ctx, &drive, base, &roadside, ready, leave, &remaining);
        // The escort may leave later than the driver was timed for: every shift covers the duty.
        let shifts_cover = crew.iter().all(|c| {
            after
                .crew
                .iter()
                .find(|m| &m.code == c)
                .is_some_and(|m| t.back <= m.shift_end)
        });
        if t.back > v.available_until || !shifts_cover {
            continue;
        }
        let ready_again = t.back + Duration::minutes(i64::from(policy.disinfection));
        let displaced: BTreeSet<BatchCode> = plan
            .batches
            .iter()
            .filter(|x| x.depart >= freeze && x.code != b.code)
            .filter(|x| {
                (x.vehicle == v.code && start_of(x) < ready_again)
                    || (x.crew.iter().any(|c| crew.contains(c)) && start_of(x) < ready_again + rest)
            })
            .map(|x| x.code.clone())
            .collect();
        let longest = t
            .stops
            .iter()
            .filter(|s| !s.travelers.is_empty())
            .map(|s| (s.eta - boarded).num_seconds() as f64 / 60.0)
            .fold(0.0, f64::max);
        let limit = if special {
            policy.special_max_ride
        } else {
            policy.max_ride
        };
        let key = Key {
            ride_too_long: longest > f64::from(limit),
            displaces: !displaced.is_empty(),
            depart: t.depart,
            vehicle: v.code.clone(),
        };
        if best.as_ref().is_some_and(|(k, _, _)| k <= &key) {
            continue;
        }
        let replacement = Batch {
            code: replacement_code(plan, &b.code),
            origin: roadside.clone(),
            arrival: b.arrival.clone(),
            vehicle: v.code.clone(),
            crew,
            depart: t.depart,
            stops: t.stops,
            ready_again,
            km: t.km,
        };
        best = Some((key, replacement, displaced));
    }
    let (replacement, unplaced, displaced) = match best {
        Some((_, r, d)) => (Some(r), Vec::new(), d),
        None => (
            None,
            remaining
                .iter()
                .flat_map(|s| &s.travelers)
                .map(|t| {
                    unplaced(
                        &ctx,
                        t,
                        Reason::NoReplacement {
                            batch: b.code.clone(),
                        },
                    )
                })
                .collect(),
            BTreeSet::new(),
        ),
    };
    Some(Rescue {
        broken: b.code.clone(),
        driven,
        replacement,
        unplaced,
        displaced,
        towed_back,
    })
}

/// The order of preference among replacements (smaller first).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    ride_too_long: bool,
    displaces: bool,
    depart: NaiveDateTime,
    vehicle: VehicleCode,
}

/// Whether `v` may fetch the riders: not the broken one, not blocked, seats and skills.
fn fits(
    v: &Vehicle,
    broken: &VehicleCode,
    heads: usize,
    sick: bool,
    special: bool,
    factor: f64,
) -> bool {
    let factor = if factor.is_finite() && factor >= 1.0 {
        factor
    } else {
        1.0
    };
    &v.code != broken
        && v.blocked.is_none()
        && (f64::from(v.seats) / factor).floor() as usize >= heads
        && (!sick || v.negative_pressure())
        && (!special || v.accessible())
}

/// A replacement's timetable when it leaves its base at `leave`.
struct Timed {
    depart: NaiveDateTime,
    stops: Vec<Stop>,
    back: NaiveDateTime,
    km: f64,
}

fn timed(
    ctx: &Ctx,
    drive: &dyn Fn(Option<Point>, Option<Point>) -> crate::travel::Leg,
    base: Option<Point>,
    roadside: &Place,
    ready: NaiveDateTime,
    leave: NaiveDateTime,
    remaining: &[Stop],
) -> Timed {
    let p = ctx.locate(roadside);
    let there = drive(base, p);
    // Never at the roadside before the broken vehicle (nor its riders) is.
    let depart = (leave + minutes(there.minutes)).max(ready);
    let mut km = there.km;
    let mut t = depart;
    let mut here = p;
    let mut stops = Vec::with_capacity(remaining.len());
    for s in remaining {
        let next = ctx.locate(&s.place);
        let leg = drive(here, next);
        t = t + minutes(HANDOVER_MINUTES) + minutes(leg.minutes);
        km += leg.km;
        stops.push(Stop {
            place: s.place.clone(),
            eta: t,
            travelers: s.travelers.clone(),
        });
        here = next;
    }
    let home = drive(here, base);
    Timed {
        depart,
        stops,
        back: t + minutes(HANDOVER_MINUTES) + minutes(home.minutes),
        km: round_km(km + home.km),
    }
}

/// Where a vehicle between `from` (left at `left`) and `to` (due at `due`) is at `at`, by the
/// timetable's share of the leg, on the straight line between the two.
fn on_the_way(
    from: Option<Point>,
    left: NaiveDateTime,
    to: Option<Point>,
    due: NaiveDateTime,
    at: NaiveDateTime,
) -> Option<Point> {
    let (a, z) = (from?, to.or(from)?);
    let span = (due - left).num_seconds() as f64;
    let share = if span > 0.0 {
        ((at - left).num_seconds() as f64 / span).clamp(0.0, 1.0)
    } else {
        0.0
    };
    Some(Point {
        lat: a.lat + (z.lat - a.lat) * share,
        lon: a.lon + (z.lon - a.lon) * share,
    })
}

/// Km from `base` through `origin` and `stops`, and back to `base`.
fn route_km(
    ctx: &Ctx,
    drive: &dyn Fn(Option<Point>, Option<Point>) -> crate::travel::Leg,
    base: Option<Point>,
    origin: &Place,
    stops: &[Stop],
) -> f64 {
    let mut here = ctx.locate(origin);
    let mut km = drive(base, here).km;
    for s in stops {
        let next = ctx.locate(&s.place);
        km += drive(here, next).km;
        here = next;
    }
    round_km(km + drive(here, base).km)
}

fn round_km(km: f64) -> f64 {
    (km * 1000.0).round() / 1000.0
}

fn minutes(m: f64) -> Duration {
    let secs = (m * 60.0).round();
    Duration::try_seconds(if secs.is_finite() { secs as i64 } else { 0 })
        .unwrap_or_else(Duration::zero)
}

/// The batch `b`'s riders boarded: `b` itself, or for a replacement the batch it took over
/// from, back to the one that left the port or hotel.
pub(crate) fn boarding<'a>(plan: &'a Plan, b: &'a Batch) -> &'a Batch {
    let mut at = b;
    for _ in 0..plan.batches.len() {
        let Place::Roadside { batch, .. } = &at.origin else {
            break;
        };
        match plan
            .batches
            .iter()
            .find(|x| &x.code == batch && x.code != at.code)
        {
            Some(x) => at = x,
            None => break,
        }
    }
    at
}

/// `<broken>-R<version>`: unlike any code the plan has, and unlike the re-plan's fresh codes
/// (`<code>.<version>`).
fn replacement_code(plan: &Plan, broken: &BatchCode) -> BatchCode {
    let base = format!("{broken}-R{}", plan.version + 1);
    let mut code = BatchCode::new(base.clone());
    let mut n = 1;
    while plan.batches.iter().any(|x| x.code == code) {
        n += 1;
        code = BatchCode::new(format!("{base}-{n}"));
    }
    code
}
