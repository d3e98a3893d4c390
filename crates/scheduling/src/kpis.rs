//! What a plan costs and how it treats travelers, computed from the plan itself (its batches,
//! assignments and unplaced) and the day's ready times — a pure function, so the checker
//! recomputes a plan's KPIs and compares them with what the plan file says.

use crate::batches::{RELEASE_FROM_MINUTES, clock};
use crate::ids::TravelerCode;
use crate::plan::{Kpis, Place, Plan};
use crate::problem::Day;
use std::collections::BTreeMap;

/// The KPIs of `plan` over `day`:
/// - `travelers`: everyone the plan accounts for, carried or unplaced;
/// - `trips` and `vehicle_km`: its batches and their km (base to base);
/// - `crew_hours`: per crew member of each batch, its duration from departure to
///   `ready_again`;
/// - port wait, in minutes from ready (the arrival's time plus its port's processing) to the
///   batch's departure, over every traveler carried from a port: mean and maximum;
/// - `max_ride`: the longest minutes from a batch's departure to a stop's ETA where someone
///   gets off (a roadside stop hands over no one);
/// - a replacement batch's riders boarded the broken batch: their waits and rides count from
///   its departure (and its origin);
/// - `unplaced`: travelers reported with a reason.
pub fn compute(day: &Day, plan: &Plan) -> Kpis {
    let mut ready: BTreeMap<&TravelerCode, f64> = BTreeMap::new();
    for a in &day.arrivals {
        if let Some(at) = day.ready_at(a) {
            let m = clock(day.date, at);
            for t in &a.travelers {
                ready.insert(&t.code, m);
            }
        }
    }
    let (mut waits, mut wait_sum, mut max_wait, mut max_ride) = (0usize, 0.0, 0.0f64, 0.0f64);
    let (mut km, mut crew_hours) = (0.0, 0.0);
    for b in &plan.batches {
        let depart = clock(day.date, b.depart);
        km += b.km;
        crew_hours +=
            b.crew.len() as f64 * (clock(day.date, b.ready_again) - depart).max(0.0) / 60.0;
        // A replacement's riders boarded the broken batch: rides and waits count from there.
        let boarded = crate::breakdown::boarding(plan, b);
        let board = clock(day.date, boarded.depart);
        for s in b.stops.iter().filter(|s| !s.travelers.is_empty()) {
            max_ride = max_ride.max(clock(day.date, s.eta) - board);
            if let Place::Port { .. } = boarded.origin {
                for t in &s.travelers {
                    let r = ready
                        .get(t)
                        .copied()
                        .unwrap_or(f64::from(RELEASE_FROM_MINUTES));
                    let w = (board - r).max(0.0);
                    waits += 1;
                    wait_sum += w;
                    max_wait = max_wait.max(w);
                }
            }
        }
    }
    let carried: usize = plan.batches.iter().map(|b| b.head_count()).sum();
    Kpis {
        travelers: carried + plan.unplaced.len(),
        trips: plan.batches.len(),
        vehicle_km: round(km, 1000.0),
        crew_hours: round(crew_hours, 100.0),
        mean_port_wait: if waits == 0 {
            0.0
        } else {
            round(wait_sum / waits as f64, 100.0)
        },
        max_port_wait: round(max_wait, 100.0),
        max_ride: round(max_ride, 100.0),
        unplaced: plan.unplaced.len(),
    }
}

/// Rounded to `1 / per` (a plan file need not carry float noise).
fn round(v: f64, per: f64) -> f64 {
    (v * per).round() / per
}
