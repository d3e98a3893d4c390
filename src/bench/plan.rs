//! `closedloop bench plan`: generated arrival days (300 travelers to 25 destinations by
//! default: cohorts by flight, wheelchair users, symptomatic travelers riding alone, 90-minute
//! ride limits, multi-trip vehicles) planned under a time limit; per day the time to the first
//! plan that serves everyone within every rule, and the plan at the limit as the independent
//! checker sees it.

use crate::commands::Ctx;
use crate::output::table;
use anyhow::{Result, ensure};
use clap::Args;
use closedloop_planner::check::check;
use closedloop_planner::generate::ArrivalDay;
use closedloop_planner::{SolveOptions, solve};
use std::process::ExitCode;
use std::time::Duration;

/// The bar of issue 4: a 300-traveler day solves in under 2 s with no violation.
const TARGET_S: f64 = 2.0;

#[derive(Debug, Args)]
pub struct BenchPlanArgs {
    /// Generated days (seeds 1..=N).
    #[arg(long, default_value_t = 5)]
    pub days: u64,
    /// Seconds the solver may spend on each day.
    #[arg(long, default_value_t = TARGET_S, value_name = "SECONDS")]
    pub time_limit: f64,
    /// Travelers per day.
    #[arg(long, default_value_t = 300)]
    pub travelers: u32,
    /// Destinations (hotels and two hospitals) per day.
    #[arg(long, default_value_t = 25)]
    pub destinations: usize,
    /// Solver threads. Default: all cores.
    #[arg(long)]
    pub threads: Option<usize>,
}

pub fn run(_ctx: &Ctx, args: &BenchPlanArgs) -> Result<ExitCode> {
    ensure!(
        args.time_limit > 0.0 && args.time_limit.is_finite(),
        "--time-limit must be a positive number of seconds, not {}",
        args.time_limit
    );
    let day = ArrivalDay {
        travelers: args.travelers,
        destinations: args.destinations,
    };
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let mut rows = Vec::new();
    let mut met = true;
    let mut firsts = Vec::new();
    for seed in 1..=args.days.max(1) {
        let p = day.problem(seed)?;
        let out = solve(
            &p,
            &SolveOptions {
                seed,
                time_limit: Some(Duration::from_secs_f64(args.time_limit)),
                iterations: None,
                threads,
                cancel: None,
            },
        );
        let report = check(&p, &out.solution);
        let first = out.first_feasible;
        met &= first.is_some_and(|s| s < TARGET_S)
            && report.violations.is_empty()
            && out.unassigned.is_empty();
        firsts.extend(first);
        rows.push(vec![
            seed.to_string(),
            p.jobs.len().to_string(),
            first.map_or("none".into(), |s| format!("{s:.3}")),
            report.vehicles.to_string(),
            report.trips.to_string(),
            format!("{:.1}", report.distance / 1000.0),
            format!("{:.1}", report.duration / 3600.0),
            report.violations.len().to_string(),
            out.unassigned.len().to_string(),
            out.iterations.to_string(),
            format!("{:.2}", out.seconds),
        ]);
    }
    println!(
        "bench plan: {} generated arrival days of {} travelers to {} destinations, {} s each, {threads} threads",
        rows.len(),
        args.travelers,
        args.destinations,
        args.time_limit
    );
    let header = [
        "day",
        "jobs",
        "first_plan_s",
        "vehicles",
        "trips",
        "km",
        "hours",
        "violations",
        "unassigned",
        "iterations",
        "seconds",
    ];
    print!("{}", table(&header, &rows));
    if let Some(worst) = firsts.iter().copied().reduce(f64::max) {
        println!("first plan within every rule: worst {worst:.3} s (target < {TARGET_S} s)");
    }
    println!("target met: {}", if met { "yes" } else { "no" });
    Ok(ExitCode::SUCCESS)
}
