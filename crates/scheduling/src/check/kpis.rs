//! The plan's KPIs are what its batches give, recomputed here from the plan alone:
//!
//! - `travelers`: everyone carried plus the unplaced; `trips`: batches; `unplaced`: the
//!   unplaced;
//! - `vehicle_km`: the batches' `km` summed;
//! - `crew_hours`: for each batch, its crew's number times the hours from `depart` to
//!   `ready_again`;
//! - `mean_port_wait` / `max_port_wait`: minutes from ready (arrival plus processing) to
//!   `depart` (never below 0), over every traveler carried from a port (0 when none);
//! - `max_ride`: minutes from `depart` to a traveler's stop, the longest over every traveler
//!   carried (0 when none);
//! - a replacement's riders wait and ride from the batch they boarded (its origin, its
//!   `depart`).
//!
//! Counts must be equal; figures may differ by 0.1 or 1 %, whichever is larger, since they are
//! reported numbers a plan may round.

use super::{Ctx, Source, Violation, minutes};
use crate::plan::Place;

pub(super) fn check(ctx: &Ctx, out: &mut Vec<Violation>) {
    let plan = ctx.plan;
    let k = &plan.kpis;
    let counts = [
        (
            "travelers",
            k.travelers,
            plan.batches.iter().map(|b| b.head_count()).sum::<usize>() + plan.unplaced.len(),
        ),
        ("trips", k.trips, plan.batches.len()),
        ("unplaced", k.unplaced, plan.unplaced.len()),
    ];
    for (name, got, want) in counts {
        if got != want {
            out.push(mismatch(name, got.to_string(), want.to_string()));
        }
    }
    let vehicle_km: f64 = plan.batches.iter().map(|b| b.km).sum();
    let crew_hours: f64 = ctx
        .trips
        .iter()
        .map(|t| {
            let hours = minutes(t.batch.depart, t.batch.ready_again).max(0.0) / 60.0;
            t.batch.crew.len() as f64 * hours
        })
        .sum();
    let mut waits = Vec::new();
    let mut max_ride: f64 = 0.0;
    for b in &plan.batches {
        // A replacement's riders count from the batch they boarded.
        let boarded = ctx.boarded(b).unwrap_or(b);
        for stop in &b.stops {
            for t in &stop.travelers {
                max_ride = max_ride.max(minutes(boarded.depart, stop.eta));
                let Some(who) = ctx.people.get(t) else {
                    continue;
                };
                if let (Place::Port { .. }, Source::Arrival(a)) = (&boarded.origin, who.source)
                    && let Some(ready) = ctx.ready(a)
                {
                    waits.push(minutes(ready, boarded.depart).max(0.0));
                }
            }
        }
    }
    let mean_wait = if waits.is_empty() {
        0.0
    } else {
        waits.iter().sum::<f64>() / waits.len() as f64
    };
    let max_wait = waits.iter().copied().fold(0.0, f64::max);
    let figures = [
        ("vehicle_km", k.vehicle_km, vehicle_km),
        ("crew_hours", k.crew_hours, crew_hours),
        ("mean_port_wait", k.mean_port_wait, mean_wait),
        ("max_port_wait", k.max_port_wait, max_wait),
        ("max_ride", k.max_ride, max_ride),
    ];
    for (name, got, want) in figures {
        let slack = (want.abs() * 0.01).max(0.1);
        // NaN is never within the slack.
        let close = (got - want).abs() <= slack;
        if !close {
            out.push(mismatch(name, format!("{got:.2}"), format!("{want:.2}")));
        }
    }
}

fn mismatch(name: &str, got: String, want: String) -> Violation {
    Violation::new(
        "kpis_mismatch",
        name,
        format!("the plan reports {name} = {got}; its batches give {want}"),
        format!("计划报告的 {name} 为 {got}，按其批次计算应为 {want}"),
    )
}
