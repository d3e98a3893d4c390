//! The naive baseline a desk would draw by hand, to show what the optimisation buys: one trip
//! per destination per arrival, first come first served.
//!
//! Arrivals are served in order of their ready time. For each destination of an arrival the
//! first vehicle in code order that may carry them (seats after distancing, the ambulance for
//! the sick, an accessible vehicle for special groups) and can leave within the port wait
//! takes as many as fit and drives there directly; the rest take the next such vehicle. Crews
//! likewise: the first free driver (and escort) in code order. The same rules are kept —
//! cohorts, the sick alone with their family, ride limits, disinfection, shifts, rest — and who
//! cannot be carried under them is reported, as in the optimised plan.

use crate::batches::{
    CrewPick, Ctx, Draft, HANDOVER_MINUTES, TOL, draft::DraftStop, finish, fleet::Fleet, locate,
    unplaced,
};
use crate::day::assemble;
use crate::error::DayError;
use crate::hotels;
use crate::ids::TravelerCode;
use crate::placement::Placement;
use crate::plan::{Batch, Place, Plan, Reason, Unplaced};
use crate::problem::{Day, Point, Vehicle};
use crate::travel::TravelTimes;
use closedloop_planner::Skills;
use std::collections::BTreeMap;

/// The baseline plan of `day`, with its KPIs.
pub fn plan(day: &Day, travel: &dyn TravelTimes) -> Result<Plan, DayError> {
    day.validate()?;
    let placements = hotels::assign(day, travel);
    let (batches, lost) = naive(day, &placements.placed, travel);
    Ok(assemble(day, placements, batches, lost))
}

/// Travelers who board together: a family or group, or one traveler.
struct Piece<'a> {
    travelers: Vec<&'a TravelerCode>,
    sick: bool,
    special: bool,
}

fn naive(day: &Day, placed: &[Placement], travel: &dyn TravelTimes) -> (Vec<Batch>, Vec<Unplaced>) {
    let ctx = Ctx::new(day, travel);
    let mut fleet = Fleet::new(&ctx);
    let mut lost = Vec::new();
    // (ready, origin, arrival, destination) → that destination's pieces, groups kept whole.
    type Key = (i64, (u8, String), String, (u8, String));
    type Groups<'a> = BTreeMap<String, Vec<&'a TravelerCode>>;
    let mut trips: BTreeMap<Key, (Place, Place, f64, Groups)> = BTreeMap::new();
    for p in placed {
        let ready = ctx.ready(&p.traveler, &p.from);
        let arrival = p
            .arrival
            .as_ref()
            .map_or_else(String::new, |a| a.to_string());
        let key = (
            (ready * 60.0).round() as i64,
            crate::batches::origin_key(&p.from),
            arrival,
            crate::batches::origin_key(&p.to),
        );
        let group = ctx
            .people
            .get(&p.traveler)
            .and_then(|x| x.traveler.group.clone())
            .unwrap_or_else(|| format!("\u{0}{}", p.traveler));
        trips
            .entry(key)
            .or_insert_with(|| (p.from.clone(), p.to.clone(), ready, BTreeMap::new()))
            .3
            .entry(group)
            .or_default()
            .push(&p.traveler);
    }
    let mut drafts = Vec::new();
    for (_, (from, to, ready, groups)) in trips {
        let pieces: Vec<Piece> = groups
            .into_values()
            .map(|mut travelers| {
                travelers.sort();
                let any = |f: fn(&crate::problem::Traveler) -> bool| {
                    travelers
                        .iter()
                        .any(|t| ctx.people.get(*t).is_some_and(|p| f(p.traveler)))
                };
                let (sick, special) = (any(|t| t.is_sick()), any(|t| t.is_special()));
                Piece {
                    travelers,
                    sick,
                    special,
                }
            })
            .collect();
        let (Some(a), Some(b)) = (locate(day, &from), locate(day, &to)) else {
            for p in &pieces {
                let reason = match to {
                    Place::Home { .. } => Reason::HomeNotLocated,
                    _ => Reason::NoVehicle,
                };
                lost.extend(
                    p.travelers
                        .iter()
                        .map(|t| unplaced(&ctx, t, reason.clone())),
                );
            }
            continue;
        };
        // The sick each alone; special groups apart from the others (the accessible vehicles
        // are few); everyone else together.
        let (sick, rest): (Vec<Piece>, Vec<Piece>) = pieces.into_iter().partition(|p| p.sick);
        let (special, plain): (Vec<Piece>, Vec<Piece>) = rest.into_iter().partition(|p| p.special);
        let mut classes: Vec<Vec<Piece>> = sick.into_iter().map(|p| vec![p]).collect();
        classes.push(special);
        classes.push(plain);
        for class in classes.into_iter().filter(|c| !c.is_empty()) {
            let leg = Leg {
                from: &from,
                to: &to,
                a,
                b,
                ready,
            };
            serve(&ctx, &mut fleet, &leg, class, &mut drafts, &mut lost);
        }
    }
    let (batches, mut no_crew) = finish(&ctx, drafts, CrewPick::FirstFree);
    lost.append(&mut no_crew);
    lost.sort_by(|a, b| a.traveler.cmp(&b.traveler));
    (batches, lost)
}

struct Leg<'p> {
    from: &'p Place,
    to: &'p Place,
    a: Point,
    b: Point,
    ready: f64,
}

/// Carries one class of one destination: vehicle after vehicle in code order.
fn serve(
    ctx: &Ctx,
    fleet: &mut Fleet,
    leg: &Leg,
    mut pieces: Vec<Piece>,
    drafts: &mut Vec<Draft>,
    lost: &mut Vec<Unplaced>,
) {
    let policy = &ctx.day.policy;
    let special = pieces.iter().any(|p| p.special);
    let sick = pieces.iter().any(|p| p.sick);
    let limit = if special {
        policy.special_max_ride
    } else {
        policy.max_ride
    };
    let out = ctx.travel.leg(leg.a, leg.b);
    let home = ctx.travel.leg(leg.b, leg.a);
    let reason = if !(out.minutes.is_finite() && home.minutes.is_finite()) {
        Some(Reason::NoVehicle)
    } else if out.minutes > f64::from(limit) + TOL {
        Some(Reason::RideTooLong {
            minutes: out.minutes.ceil().min(f64::from(u32::MAX)) as u32,
            limit,
        })
    } else {
        None
    };
    if let Some(r) = reason {
        for p in &pieces {
            lost.extend(p.travelers.iter().map(|t| unplaced(ctx, t, r.clone())));
        }
        return;
    }
    let needs = if sick {
        Skills::NEGATIVE_PRESSURE
    } else if special {
        Skills::WHEELCHAIR
    } else {
        Skills::NONE
    };
    let wait = f64::from(policy.max_port_wait);
    let disinfection = f64::from(policy.disinfection);
    while !pieces.is_empty() {
        let smallest = pieces.iter().map(|p| p.travelers.len()).min().unwrap_or(1) as u32;
        // The first vehicle in code order that may take at least the smallest piece in time.
        let found = (0..fleet.vehicles.len()).find_map(|v| {
            let veh = fleet.vehicles[v];
            let ok = crate::batches::fleet::skills(veh).covers(needs)
                && fleet.capacity(v) >= smallest
                && (matches!(leg.from, Place::Hotel { .. }) || &veh.base == port_of(leg.from)?);
            if !ok {
                return None;
            }
            timing(
                ctx,
                veh,
                fleet.free_from[v],
                leg,
                (out.minutes, home.minutes),
                disinfection,
            )
            .filter(|t| t.depart <= leg.ready + wait + TOL)
            .map(|t| (v, t))
        });
        let Some((v, t)) = found else {
            for p in &pieces {
                lost.extend(
                    p.travelers
                        .iter()
                        .map(|c| unplaced(ctx, c, Reason::NoVehicle)),
                );
            }
            return;
        };
        // As many pieces as fit, in order; a sick traveler's piece rides alone.
        let cap = fleet.capacity(v) as usize;
        let (mut load, mut on_board, mut left) = (0usize, Vec::new(), Vec::new());
        for p in pieces {
            if load + p.travelers.len() <= cap && (!sick || on_board.is_empty()) {
                load += p.travelers.len();
                on_board.extend(p.travelers.iter().map(|c| (*c).clone()));
            } else {
                left.push(p);
            }
        }
        pieces = left;
        on_board.sort();
        let veh = fleet.vehicles[v];
        let km = out.km + home.km + t.approach_km;
        fleet.free_from[v] = t.ready_again;
        drafts.push(draft(ctx, veh, leg, &t, km, special, on_board));
    }
}

fn port_of(p: &Place) -> Option<&crate::ids::PortCode> {
    match p {
        Place::Port { code } => Some(code),
        _ => None,
    }
}

struct Timing {
    leave_base: f64,
    depart: f64,
    eta: f64,
    ready_again: f64,
    approach_km: f64,
}

/// When `veh`, free from `free`, can do the trip; none if not within its availability.
fn timing(
    ctx: &Ctx,
    veh: &Vehicle,
    free: f64,
    leg: &Leg,
    (out, home): (f64, f64),
    disinfection: f64,
) -> Option<Timing> {
    let base = ctx.day.port(&veh.base)?.location;
    // From a port the vehicle is at its base; from a hotel it drives there first and back after.
    let none = crate::travel::Leg {
        minutes: 0.0,
        km: 0.0,
    };
    let (there, back) = match leg.from {
        Place::Port { .. } => (none, none),
        _ => (ctx.travel.leg(base, leg.a), ctx.travel.leg(leg.a, base)),
    };
    let (there_m, back_m) = (there.minutes, back.minutes);
    let depart = leg.ready.max(free + there_m);
    let eta = depart + out;
    let ready_again = eta + HANDOVER_MINUTES + home + back_m + disinfection;
    (ready_again <= ctx.clock(veh.available_until) + TOL).then_some(Timing {
        leave_base: depart - there_m,
        depart,
        eta,
        ready_again,
        approach_km: there.km + back.km,
    })
}

fn draft(
    ctx: &Ctx,
    veh: &Vehicle,
    leg: &Leg,
    t: &Timing,
    km: f64,
    special: bool,
    travelers: Vec<TravelerCode>,
) -> Draft {
    let people: Vec<_> = travelers.iter().filter_map(|c| ctx.people.get(c)).collect();
    let arrival = people
        .first()
        .and_then(|p| p.arrival)
        .map(|a| a.code.clone());
    Draft {
        origin: leg.from.clone(),
        arrival: arrival.filter(|_| matches!(leg.from, Place::Port { .. })),
        vehicle: veh.code.clone(),
        base: veh.base.clone(),
        leave_base: t.leave_base,
        depart: t.depart,
        back: t.ready_again - f64::from(ctx.day.policy.disinfection),
        ready_again: t.ready_again,
        km,
        special,
        languages: people
            .iter()
            .filter_map(|p| p.traveler.language.clone())
            .collect(),
        stops: vec![DraftStop {
            place: leg.to.clone(),
            eta: t.eta,
            travelers,
        }],
    }
}
