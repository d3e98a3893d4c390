//! `closedloop replan` and `closedloop plan diff`: a published plan repaired after an event,
//! written as the next version with the day as it now is; and what changed between two plans.

use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::schedule::{day_error, read_day, read_plan, travel_times, write_whole};
use closedloop_scheduling::day::PlanOptions;
use closedloop_scheduling::diff::{PlanDiff, diff as plan_diff};
use closedloop_scheduling::event::Event;
use closedloop_scheduling::plan::Kpis;
use closedloop_scheduling::replan::{ReplanOptions, replan as replan_day};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct ReplanRequest {
    pub problem: PathBuf,
    pub plan: PathBuf,
    pub event: PathBuf,
    pub out: PathBuf,
    /// Where to write the day as it is after the event (default: beside `out`).
    pub day_out: Option<PathBuf>,
    pub freeze_minutes: u32,
    pub seed: u64,
    /// Weigh a whole new plan against the repair even when the repair carries everyone.
    pub thorough: bool,
}

/// `{"out", "day_out", "event", "version", "pinned", "chosen", "changed", "kpis", "diff"}`.
#[derive(Debug, Clone, Serialize)]
pub struct Replanned {
    pub out: String,
    pub day_out: String,
    pub event: &'static str,
    pub version: u32,
    pub pinned: usize,
    pub chosen: &'static str,
    pub changed: usize,
    pub kpis: Kpis,
    pub diff: PlanDiff,
    pub seconds: f64,
}

fn unwritable(e: serde_json::Error) -> AppError {
    AppError::invalid(
        "plan_unwritable",
        e.to_string(),
        format!("计划无法写出：{e}"),
    )
}

pub fn replan(app: &App, req: &ReplanRequest) -> AppResult<Replanned> {
    let started = std::time::Instant::now();
    let day = read_day(&req.problem)?;
    let plan = read_plan(&req.plan)?;
    let text = std::fs::read_to_string(&req.event).map_err(|e| AppError::io(&req.event, e))?;
    let event = Event::from_json(&text).map_err(|e| day_error(&req.event, e))?;
    let (travel, _) = travel_times(app)?;
    let options = ReplanOptions {
        freeze_minutes: req.freeze_minutes,
        thorough: req.thorough,
        plan: PlanOptions {
            seed: req.seed,
            ..PlanOptions::default()
        },
    };
    let r = replan_day(&day, &plan, &event, travel.as_ref(), &options)
        .map_err(|e| day_error(&req.event, e))?;
    let day_out = req.day_out.clone().unwrap_or_else(|| {
        let stem = req
            .out
            .file_stem()
            .map_or_else(|| "plan".into(), |s| s.to_string_lossy().into_owned());
        req.out.with_file_name(format!("{stem}.day.json"))
    });
    let day_json = serde_json::to_string_pretty(&r.day).map_err(unwritable)? + "\n";
    let plan_json = serde_json::to_string_pretty(&r.plan).map_err(unwritable)? + "\n";
    write_whole(&day_out, day_json.as_bytes())?;
    write_whole(&req.out, plan_json.as_bytes())?;
    Ok(Replanned {
        out: req.out.display().to_string(),
        day_out: day_out.display().to_string(),
        event: event.what.code(),
        version: r.plan.version,
        pinned: r.pinned,
        chosen: r.chosen,
        changed: r.changed,
        kpis: r.plan.kpis.clone(),
        diff: plan_diff(&plan, &r.plan),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// What changed from plan `a` to plan `b`.
pub fn diff(a: &std::path::Path, b: &std::path::Path) -> AppResult<PlanDiff> {
    Ok(plan_diff(&read_plan(a)?, &read_plan(b)?))
}

#[derive(Debug, Clone)]
pub struct FitRequest {
    pub problem: PathBuf,
    pub plan: PathBuf,
    pub arrival: String,
    /// The traveler as the day file writes one (closedloop-day/1's `Traveler`).
    pub traveler: String,
}

/// Where one more traveler fits best: the three cheapest ways to carry them.
pub fn fit(app: &App, req: &FitRequest) -> AppResult<closedloop_scheduling::fit::Fit> {
    let day = read_day(&req.problem)?;
    let plan = read_plan(&req.plan)?;
    let traveler: closedloop_scheduling::problem::Traveler = serde_json::from_str(&req.traveler)
        .map_err(|e| {
            AppError::Invalid(
                crate::error::Fault::new(
                    "traveler_invalid",
                    format!("--traveler: {e}"),
                    format!("--traveler：{e}"),
                )
                .at("traveler"),
            )
        })?;
    let (travel, _) = travel_times(app)?;
    let arrival = closedloop_scheduling::ids::ArrivalCode::new(req.arrival.clone());
    closedloop_scheduling::fit::best_fit(&day, &plan, &arrival, &traveler, travel.as_ref())
        .ok_or_else(|| {
            let shown = closedloop_domain::excerpt::excerpt(&req.arrival);
            AppError::not_found(
                "arrival_not_found",
                format!("the day has no arrival {shown} (or its port is not in the day)"),
                format!("计划日中没有航班/车次 {shown}（或其口岸不在计划日中）"),
            )
            .with_field("arrival")
        })
}
