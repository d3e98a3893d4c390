//! Rules about vehicles and crew across the day.
//!
//! A batch occupies its vehicle and crew from `start` (leaving the vehicle's base: `depart`
//! less the drive from the base to the origin) until `ready_again` (back at base and
//! disinfected). Availability and shifts must cover `start` to `back` (the return to base;
//! disinfection is the depot's work, not the crew's). A vehicle's next batch starts no earlier
//! than its previous `ready_again`; a crew member's no earlier than their previous
//! `ready_again` plus the policy's rest.

use super::{Ctx, TOLERANCE_MIN, Trip, Violation, hm, minutes};
use crate::ids::{CrewCode, VehicleCode};
use std::collections::BTreeMap;

pub(super) fn check(ctx: &Ctx, out: &mut Vec<Violation>) {
    vehicles(ctx, out);
    crew(ctx, out);
}

fn vehicles(ctx: &Ctx, out: &mut Vec<Violation>) {
    let mut by_vehicle: BTreeMap<&VehicleCode, Vec<&Trip>> = BTreeMap::new();
    for trip in &ctx.trips {
        let b = trip.batch;
        let code = &b.vehicle;
        let Some(v) = trip.vehicle else {
            out.push(Violation::new(
                "unknown_vehicle",
                code,
                format!(
                    "batch {} names vehicle {code}, which the day does not have",
                    b.code
                ),
                format!("批次 {} 指定的车辆 {code} 不在计划日中", b.code),
            ));
            continue;
        };
        if let Some(why) = &v.blocked {
            out.push(Violation::new(
                "vehicle_blocked",
                code,
                format!(
                    "vehicle {code} is blocked ({why}) but drives batch {}",
                    b.code
                ),
                format!(
                    "车辆 {code} 未通过检查（{why}），却被安排执行批次 {}",
                    b.code
                ),
            ));
        }
        if minutes(v.available_from, trip.start) < -TOLERANCE_MIN
            || minutes(trip.back, v.available_until) < -TOLERANCE_MIN
        {
            out.push(Violation::new(
                "vehicle_unavailable",
                code,
                format!(
                    "vehicle {code} is available {} to {}; batch {} needs it {} to {}",
                    hm(v.available_from),
                    hm(v.available_until),
                    b.code,
                    hm(trip.start),
                    hm(trip.back)
                ),
                format!(
                    "车辆 {code} 的可用时间为 {} 至 {}；批次 {} 需用车 {} 至 {}",
                    hm(v.available_from),
                    hm(v.available_until),
                    b.code,
                    hm(trip.start),
                    hm(trip.back)
                ),
            ));
        }
        by_vehicle.entry(code).or_default().push(trip);
    }
    for (code, mut trips) in by_vehicle {
        trips.sort_by(|a, b| {
            a.start
                .cmp(&b.start)
                .then_with(|| a.batch.code.cmp(&b.batch.code))
        });
        let mut busy: Option<&Trip> = None;
        for trip in trips {
            if let Some(prev) = busy {
                if minutes(prev.batch.ready_again, trip.start) < -TOLERANCE_MIN {
                    out.push(Violation::new(
                        "vehicle_overlap",
                        code,
                        format!(
                            "vehicle {code} starts batch {} at {}, before batch {} has it ready again at {}",
                            trip.batch.code,
                            hm(trip.start),
                            prev.batch.code,
                            hm(prev.batch.ready_again)
                        ),
                        format!(
                            "车辆 {code} 于 {} 开始批次 {}，而批次 {} 完成消毒待命要到 {}",
                            hm(trip.start),
                            trip.batch.code,
                            prev.batch.code,
                            hm(prev.batch.ready_again)
                        ),
                    ));
                }
                if trip.batch.ready_again <= prev.batch.ready_again {
                    continue;
                }
            }
            busy = Some(trip);
        }
    }
}

fn crew(ctx: &Ctx, out: &mut Vec<Violation>) {
    let rest = f64::from(ctx.day.policy.crew_rest);
    let mut by_member: BTreeMap<&CrewCode, Vec<&Trip>> = BTreeMap::new();
    for trip in &ctx.trips {
        let b = trip.batch;
        for code in &b.crew {
            let Some(m) = ctx.crew.get(code) else {
                out.push(Violation::new(
                    "unknown_crew",
                    code,
                    format!(
                        "batch {} names crew member {code}, whom the day does not have",
                        b.code
                    ),
                    format!("批次 {} 指定的工作人员 {code} 不在计划日中", b.code),
                ));
                continue;
            };
            if let Some(why) = &m.blocked {
                out.push(Violation::new(
                    "crew_blocked",
                    code,
                    format!(
                        "crew member {code} is blocked ({why}) but works batch {}",
                        b.code
                    ),
                    format!(
                        "工作人员 {code} 未通过检查（{why}），却被安排执行批次 {}",
                        b.code
                    ),
                ));
            }
            if minutes(m.shift_start, trip.start) < -TOLERANCE_MIN
                || minutes(trip.back, m.shift_end) < -TOLERANCE_MIN
            {
                out.push(Violation::new(
                    "crew_off_shift",
                    code,
                    format!(
                        "crew member {code} works {} to {}; batch {} needs them {} to {}",
                        hm(m.shift_start),
                        hm(m.shift_end),
                        b.code,
                        hm(trip.start),
                        hm(trip.back)
                    ),
                    format!(
                        "工作人员 {code} 的班次为 {} 至 {}；批次 {} 需其 {} 至 {} 在岗",
                        hm(m.shift_start),
                        hm(m.shift_end),
                        b.code,
                        hm(trip.start),
                        hm(trip.back)
                    ),
                ));
            }
            let list = by_member.entry(code).or_default();
            // Named twice on one batch counts once.
            if !list.iter().any(|t| std::ptr::eq(*t, trip)) {
                list.push(trip);
            }
        }
    }
    for (code, mut trips) in by_member {
        trips.sort_by(|a, b| {
            a.start
                .cmp(&b.start)
                .then_with(|| a.batch.code.cmp(&b.batch.code))
        });
        let mut busy: Option<&Trip> = None;
        for trip in trips {
            if let Some(prev) = busy {
                let gap = minutes(prev.batch.ready_again, trip.start);
                let (p, n) = (&prev.batch.code, &trip.batch.code);
                if gap < -TOLERANCE_MIN {
                    out.push(Violation::new(
                        "crew_overlap",
                        code,
                        format!("crew member {code} is on batch {n} at {}, while batch {p} still holds them until {}", hm(trip.start), hm(prev.batch.ready_again)),
                        format!("工作人员 {code} 于 {} 执行批次 {n}，而批次 {p} 要到 {} 才结束", hm(trip.start), hm(prev.batch.ready_again)),
                    ));
                } else if gap + TOLERANCE_MIN < rest {
                    out.push(Violation::new(
                        "crew_rest_short",
                        code,
                        format!("crew member {code} rests {gap:.0} min between batches {p} and {n}; the policy asks {rest:.0} min"),
                        format!("工作人员 {code} 在批次 {p} 与 {n} 之间仅休息 {gap:.0} 分钟，政策要求 {rest:.0} 分钟"),
                    ));
                }
                if trip.batch.ready_again <= prev.batch.ready_again {
                    continue;
                }
            }
            busy = Some(trip);
        }
    }
}
