//! A whole day planned: the day checked, hotels assigned ([`crate::hotels::assign`]), batches
//! formed ([`crate::batches::form`]), each carried traveler's assignment, the KPIs.

use crate::batches;
use crate::error::DayError;
use crate::hotels;
use crate::placement::Placements;
use crate::plan::{Assignment, Batch, PLAN_FORMAT, Plan, Unplaced};
use crate::problem::Day;
use crate::travel::TravelTimes;
use closedloop_planner::SolveOptions;
use std::collections::BTreeMap;
use std::time::Duration;

/// How hard the planner works. With `iterations` and no `time_limit` a run is reproducible:
/// same day, same seed, same plan (one thread per origin).
#[derive(Debug, Clone, PartialEq)]
pub struct PlanOptions {
    pub seed: u64,
    /// For the whole day, shared among the origins by their number of travelers.
    pub time_limit: Option<Duration>,
    /// Search iterations per origin.
    pub iterations: Option<u64>,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            seed: 1,
            time_limit: None,
            iterations: Some(DEFAULT_ITERATIONS),
        }
    }
}

/// Iterations per planning problem (an origin's ready time: see [`crate::batches::form`]) when
/// neither a limit nor a count is given. On a generated day of 5,000 travelers over Malta
/// (straight lines, 2 cores) 100 iterations planned in 9.8 s with 1,004 trips where 300 took
/// 27 s for 980; a desk wanting more gives a limit.
pub const DEFAULT_ITERATIONS: u64 = 100;

impl PlanOptions {
    /// The planner's options for the `n`-th origin, which has `share` of the day's travelers.
    pub(crate) fn for_origin(&self, n: u64, share: f64) -> SolveOptions {
        let time_limit = self.time_limit.map(|t| {
            let s = t.as_secs_f64() * share.clamp(0.0, 1.0);
            Duration::from_secs_f64(s.max(0.05))
        });
        let iterations = match (self.iterations, time_limit) {
            (None, None) => Some(DEFAULT_ITERATIONS),
            (i, _) => i,
        };
        // Threads trade plans at moments the clock decides: reproducible only on one thread.
        let threads = if time_limit.is_some() {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            1
        };
        SolveOptions {
            seed: self
                .seed
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .wrapping_add(n),
            time_limit,
            iterations,
            threads,
            cancel: None,
        }
    }
}

/// Plans `day`: every traveler carried to their place or reported unplaced with the reason.
pub fn plan_day(
    day: &Day,
    travel: &dyn TravelTimes,
    options: &PlanOptions,
) -> Result<Plan, DayError> {
    plan_around(day, &batches::NOTHING_BOOKED, travel, options)
}

/// Plans `day` around work its vehicles and crew already have (a re-plan's kept batches).
pub(crate) fn plan_around(
    day: &Day,
    booked: &batches::Booked,
    travel: &dyn TravelTimes,
    options: &PlanOptions,
) -> Result<Plan, DayError> {
    day.validate()?;
    let placements = hotels::assign(day, travel);
    let formed = batches::form_around(day, &placements.placed, travel, options, booked);
    Ok(assemble(day, placements, formed.batches, formed.unplaced))
}

/// The plan from placements and the batches carrying them: assignments for the carried,
/// stays of the carried only (a room is not held for someone no vehicle brings), every
/// unplaced traveler once, KPIs.
pub(crate) fn assemble(
    day: &Day,
    placements: Placements,
    batches: Vec<Batch>,
    mut unplaced: Vec<Unplaced>,
) -> Plan {
    let mut carried: BTreeMap<&crate::ids::TravelerCode, &crate::ids::BatchCode> = BTreeMap::new();
    for b in &batches {
        for t in b.travelers() {
            carried.insert(t, &b.code);
        }
    }
    let mut assignments: Vec<Assignment> = placements
        .placed
        .iter()
        .filter_map(|p| {
            carried.get(&p.traveler).map(|b| Assignment {
                traveler: p.traveler.clone(),
                arrival: p.arrival.clone(),
                place: p.to.clone(),
                batch: (*b).clone(),
            })
        })
        .collect();
    assignments.sort_by(|a, b| a.traveler.cmp(&b.traveler));
    let mut stays: Vec<_> = placements
        .stays
        .into_iter()
        .filter(|s| carried.contains_key(&s.traveler))
        .collect();
    stays.sort_by(|a, b| a.traveler.cmp(&b.traveler));
    unplaced.extend(placements.unplaced);
    unplaced.sort_by(|a, b| a.traveler.cmp(&b.traveler));
    unplaced.dedup_by(|a, b| a.traveler == b.traveler);
    let mut plan = Plan {
        format: PLAN_FORMAT.to_string(),
        date: day.date,
        policy: day.policy.version.clone(),
        version: 1,
        assignments,
        stays,
        batches,
        unplaced,
        kpis: Default::default(),
    };
    plan.kpis = crate::kpis::compute(day, &plan);
    plan
}
