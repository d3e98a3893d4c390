//! Rules about each batch on its own, and about who rides which batch.
//!
//! A traveler's ride is from the batch's `depart` to their stop's ETA; their port wait is from
//! their arrival's ready time (arrival plus the port's processing) to `depart`. ETAs must allow
//! the drive from the previous stop (the origin for the first), and `ready_again` the drive
//! back to the vehicle's base plus the disinfection.

use super::people::{unknown_place, unknown_traveler};
use super::{Ctx, Source, TOLERANCE_MIN, Trip, Violation, group_name, hm, minutes};
use crate::ids::{ArrivalCode, BatchCode, TravelerCode};
use crate::plan::{Batch, Place};
use crate::problem::CrewRole;
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn check(ctx: &Ctx, out: &mut Vec<Violation>) {
    riders(ctx, out);
    let mut seen = BTreeSet::new();
    for trip in &ctx.trips {
        if !seen.insert(&trip.batch.code) {
            let code = &trip.batch.code;
            out.push(Violation::new(
                "duplicate_batch",
                code,
                format!("two batches have the code {code}"),
                format!("有两个批次的编码都是 {code}"),
            ));
        }
        batch(ctx, trip, out);
    }
}

/// Assignments and batches agree: each assigned traveler rides the batch named, once, and is
/// dropped at their place; no one rides unassigned; a group rides one batch.
fn riders(ctx: &Ctx, out: &mut Vec<Violation>) {
    let mut rides: BTreeMap<&TravelerCode, Vec<(&BatchCode, &Place)>> = BTreeMap::new();
    for b in &ctx.plan.batches {
        for stop in &b.stops {
            for t in &stop.travelers {
                rides.entry(t).or_default().push((&b.code, &stop.place));
            }
        }
    }
    let mut assigned: BTreeMap<&TravelerCode, Vec<&BatchCode>> = BTreeMap::new();
    for a in &ctx.plan.assignments {
        assigned.entry(&a.traveler).or_default().push(&a.batch);
        let code = &a.traveler;
        if !ctx.batches.contains_key(&a.batch) {
            out.push(Violation::new(
                "unknown_batch",
                code,
                format!(
                    "traveler {code} is assigned to batch {}, which the plan does not have",
                    a.batch
                ),
                format!("旅客 {code} 被安排在批次 {}，但计划中没有该批次", a.batch),
            ));
            continue;
        }
        let on: Vec<&Place> = rides
            .get(code)
            .into_iter()
            .flatten()
            .filter(|(b, _)| *b == &a.batch)
            .map(|(_, p)| *p)
            .collect();
        if on.is_empty() {
            out.push(Violation::new(
                "not_on_batch",
                code,
                format!(
                    "traveler {code} is assigned to batch {}, which does not carry them",
                    a.batch
                ),
                format!("旅客 {code} 被安排在批次 {}，但该批次未载运其本人", a.batch),
            ));
        }
        for place in on {
            if place != &a.place {
                out.push(Violation::new(
                    "wrong_drop_off",
                    code,
                    format!(
                        "traveler {code} is dropped at a stop that is not their assigned place"
                    ),
                    format!("旅客 {code} 下车的站点不是为其安排的目的地"),
                ));
            }
        }
    }
    let mut group_batches: BTreeMap<String, BTreeSet<&BatchCode>> = BTreeMap::new();
    for (code, list) in &rides {
        if !ctx.people.contains_key(code) {
            out.push(unknown_traveler(code));
        }
        if list.len() > 1 {
            out.push(Violation::new(
                "rides_twice",
                *code,
                format!(
                    "traveler {code} is on {} stops of the plan's batches",
                    list.len()
                ),
                format!("旅客 {code} 出现在计划中 {} 个下车点", list.len()),
            ));
        }
        let named = assigned.get(code).map(Vec::as_slice).unwrap_or(&[]);
        for (b, _) in list {
            if !named.contains(b) {
                out.push(Violation::new(
                    "rider_not_assigned",
                    *b,
                    format!("batch {b} carries traveler {code}, whom no assignment puts on it"),
                    format!("批次 {b} 载有旅客 {code}，但没有任何安排指定其乘坐该批次"),
                ));
            }
        }
        if let Some(key) = ctx.people.get(code).and_then(|w| w.group_key()) {
            let set = group_batches.entry(group_name(&key)).or_default();
            set.extend(list.iter().map(|(b, _)| *b));
        }
    }
    for (group, set) in group_batches {
        if set.len() > 1 {
            let list = set
                .iter()
                .map(|b| b.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            out.push(Violation::new(
                "group_split_batches",
                &group,
                format!("group {group} rides more than one batch: {list}"),
                format!("同行组 {group} 被分在多个批次：{list}"),
            ));
        }
    }
}

fn batch(ctx: &Ctx, trip: &Trip, out: &mut Vec<Violation>) {
    let b = trip.batch;
    let code = &b.code;
    let policy = &ctx.day.policy;
    if let Some(v) = unknown_place(ctx, &b.origin) {
        out.push(v);
    }
    for stop in &b.stops {
        if let Some(v) = unknown_place(ctx, &stop.place) {
            out.push(v);
        }
    }
    // A replacement's riders boarded the broken batch: their rides run from its departure.
    let boarded = ctx.boarded(b);
    let board = boarded.map_or(b.depart, |x| x.depart);
    let riders: Vec<(&TravelerCode, f64)> = b
        .stops
        .iter()
        .flat_map(|s| s.travelers.iter().map(move |t| (t, minutes(board, s.eta))))
        .collect();
    let known: Vec<_> = riders
        .iter()
        .filter_map(|(t, ride)| ctx.people.get(t).map(|w| (w, *ride)))
        .collect();
    origin(
        ctx,
        b,
        boarded,
        &known.iter().map(|(w, _)| *w).collect::<Vec<_>>(),
        out,
    );

    // The sick ride only with their own group, in a negative-pressure vehicle.
    for (sick, _) in known.iter().filter(|(w, _)| w.t.is_sick()) {
        let key = sick.group_key();
        let strangers = known
            .iter()
            .filter(|(o, _)| o.t.code != sick.t.code && (key.is_none() || o.group_key() != key))
            .count();
        let s = &sick.t.code;
        if strangers > 0 {
            out.push(Violation::new(
                "sick_shares_vehicle",
                code,
                format!("batch {code} carries sick traveler {s} with {strangers} travelers outside their group"),
                format!("批次 {code} 载有病患旅客 {s}，同车另有 {strangers} 名非同组旅客"),
            ));
        }
        if trip.vehicle.is_some_and(|v| !v.negative_pressure()) {
            out.push(Violation::new(
                "sick_not_negative_pressure",
                code,
                format!(
                    "batch {code} carries sick traveler {s} in {}, not a negative-pressure vehicle",
                    b.vehicle
                ),
                format!("批次 {code} 用非负压车辆 {} 载运病患旅客 {s}", b.vehicle),
            ));
        }
    }

    // Special groups: an accessible vehicle, an escort, the shorter ride.
    let special: Vec<_> = known.iter().filter(|(w, _)| w.t.is_special()).collect();
    if !special.is_empty() {
        if trip.vehicle.is_some_and(|v| !v.accessible()) {
            out.push(Violation::new(
                "special_not_accessible",
                code,
                format!(
                    "batch {code} carries special groups in {}, which is not accessible",
                    b.vehicle
                ),
                format!("批次 {code} 用非无障碍车辆 {} 载运特殊人群", b.vehicle),
            ));
        }
        let escort = b
            .crew
            .iter()
            .skip(1)
            .any(|c| ctx.crew.get(c).is_some_and(|m| m.role == CrewRole::Escort));
        if !escort {
            out.push(Violation::new(
                "no_escort",
                code,
                format!("batch {code} carries special groups with no escort"),
                format!("批次 {code} 载运特殊人群，却没有随车人员"),
            ));
        }
    }
    for (w, ride) in &special {
        if *ride > f64::from(policy.special_max_ride) + TOLERANCE_MIN {
            let t = &w.t.code;
            out.push(Violation::new(
                "special_ride_too_long",
                code,
                format!("traveler {t} of a special group rides {ride:.0} min on batch {code}, over the {} min limit", policy.special_max_ride),
                format!("特殊人群旅客 {t} 在批次 {code} 上车程 {ride:.0} 分钟，超过 {} 分钟的上限", policy.special_max_ride),
            ));
        }
    }
    for (t, ride) in &riders {
        if *ride > f64::from(policy.max_ride) + TOLERANCE_MIN {
            out.push(Violation::new(
                "ride_too_long",
                code,
                format!(
                    "traveler {t} rides {ride:.0} min on batch {code}, over the {} min limit",
                    policy.max_ride
                ),
                format!(
                    "旅客 {t} 在批次 {code} 上车程 {ride:.0} 分钟，超过 {} 分钟的上限",
                    policy.max_ride
                ),
            ));
        }
    }

    // Seats after distancing.
    if let Some(v) = trip.vehicle {
        let factor = if policy.seat_factor.is_finite() && policy.seat_factor >= 1.0 {
            policy.seat_factor
        } else {
            1.0
        };
        let seats = (f64::from(v.seats) / factor).floor() as usize;
        if b.head_count() > seats {
            out.push(Violation::new(
                "over_seats",
                code,
                format!(
                    "batch {code} carries {} travelers; {} has {seats} seats after distancing",
                    b.head_count(),
                    v.code
                ),
                format!(
                    "批次 {code} 载客 {} 人；车辆 {} 按间隔就座仅有 {seats} 个座位",
                    b.head_count(),
                    v.code
                ),
            ));
        }
    }

    // ETAs the roads allow, and the turnaround.
    let mut at = b.depart;
    let mut here = ctx.location(&b.origin);
    for (i, stop) in b.stops.iter().enumerate() {
        let there = ctx.location(&stop.place);
        let need = ctx.drive(here, there);
        let got = minutes(at, stop.eta);
        if got + TOLERANCE_MIN < need {
            out.push(Violation::new(
                "eta_too_early",
                code,
                format!("batch {code} reaches stop {i} at {}, {got:.0} min after the previous, but the drive takes {need:.0} min", hm(stop.eta)),
                format!("批次 {code} 于 {} 到达第 {i} 站，距上一站仅 {got:.0} 分钟，而车程需 {need:.0} 分钟", hm(stop.eta)),
            ));
        }
        at = stop.eta;
        here = there;
    }
    let turnaround = minutes(trip.back, b.ready_again);
    if turnaround + TOLERANCE_MIN < f64::from(policy.disinfection) {
        out.push(Violation::new(
            "ready_again_too_early",
            code,
            format!(
                "batch {code} is ready again at {}, {turnaround:.0} min after its vehicle is back at base; disinfection takes {} min",
                hm(b.ready_again),
                policy.disinfection
            ),
            format!(
                "批次 {code} 的车辆回到基地后 {turnaround:.0} 分钟即于 {} 再次待命，而消毒需 {} 分钟",
                hm(b.ready_again),
                policy.disinfection
            ),
        ));
    }

    // A driver first.
    let driver = b
        .crew
        .first()
        .and_then(|c| ctx.crew.get(c))
        .map(|m| m.role == CrewRole::Driver);
    if driver == Some(false) || b.crew.is_empty() {
        out.push(Violation::new(
            "no_driver",
            code,
            format!("batch {code} has no driver first in its crew"),
            format!("批次 {code} 的工作组首位不是司机"),
        ));
    }
}

/// The origin is where its travelers board; one arrival to a batch unless the policy mixes
/// them; and from the port no earlier than ready, no later than the longest wait.
/// For a replacement, where and when its riders boarded the batch that broke down (none when
/// its roadside leads nowhere: `roadside_mismatch`, and these rules are not judged).
fn origin(
    ctx: &Ctx,
    b: &Batch,
    boarded: Option<&Batch>,
    riders: &[&super::Who],
    out: &mut Vec<Violation>,
) {
    let Some(boarded) = boarded else {
        return;
    };
    let code = &b.code;
    let policy = &ctx.day.policy;
    let mut cohorts: BTreeSet<Option<&ArrivalCode>> = BTreeSet::new();
    let mut arrivals = BTreeMap::new();
    for who in riders {
        let t = &who.t.code;
        let (boards, cohort) = match who.source {
            Source::Arrival(a) => {
                arrivals.insert(&a.code, a);
                (
                    Place::Port {
                        code: a.port.clone(),
                    },
                    Some(&a.code),
                )
            }
            Source::Stay(s) => (
                Place::Hotel {
                    code: s.hotel.clone(),
                },
                None,
            ),
        };
        cohorts.insert(cohort);
        if boards != boarded.origin {
            out.push(Violation::new(
                "wrong_origin",
                code,
                format!("batch {code} does not start where traveler {t} boards"),
                format!("批次 {code} 的出发地不是旅客 {t} 的上车地点"),
            ));
        }
    }
    // One cohort: the batch names its arrival (none from a hotel). Several are
    // `mixed_arrivals`, or allowed by the policy, and then any one may be named.
    if let [only] = cohorts.iter().collect::<Vec<_>>()[..]
        && b.arrival.as_ref() != *only
    {
        let named = b.arrival.as_ref().map_or("none", |a| a.as_str());
        out.push(Violation::new(
            "wrong_origin",
            code,
            format!("batch {code} names arrival {named}, not the one its travelers come with"),
            format!("批次 {code} 所列航班（车次）{named} 与所载旅客的不符"),
        ));
    }
    // The policy may mix arrivals, never arrivals with second transfers.
    let allowed = policy.mix_arrivals && !cohorts.contains(&None);
    if cohorts.len() > 1 && !allowed {
        let list = cohorts
            .iter()
            .map(|c| c.map_or("hotel", |a| a.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        out.push(Violation::new(
            "mixed_arrivals",
            code,
            format!("batch {code} mixes travelers of {list}"),
            format!("批次 {code} 混载了不同来源的旅客：{list}"),
        ));
    }
    for (a, arrival) in arrivals {
        let Some(ready) = ctx.ready(arrival) else {
            continue;
        };
        let wait = minutes(ready, boarded.depart);
        if wait < -TOLERANCE_MIN {
            out.push(Violation::new(
                "departs_before_ready",
                code,
                format!(
                    "batch {code} departs at {}, before the travelers of {a} are ready at {}",
                    hm(boarded.depart),
                    hm(ready)
                ),
                format!(
                    "批次 {code} 于 {} 出发，早于 {a} 旅客的就绪时间 {}",
                    hm(boarded.depart),
                    hm(ready)
                ),
            ));
        } else if wait > f64::from(policy.max_port_wait) + TOLERANCE_MIN {
            out.push(Violation::new(
                "port_wait_too_long",
                code,
                format!("the travelers of {a} wait {wait:.0} min at the port for batch {code}, over the {} min limit", policy.max_port_wait),
                format!("{a} 的旅客在口岸等候批次 {code} 达 {wait:.0} 分钟，超过 {} 分钟的上限", policy.max_port_wait),
            ));
        }
    }
}
