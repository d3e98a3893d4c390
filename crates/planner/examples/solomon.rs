//! Solves Solomon-format VRPTW instances and compares with the best-known results.
//!
//! ```text
//! cargo run --release -p closedloop-planner --example solomon -- DIR_OR_FILE SECONDS [THREADS] [SEED]
//! ```
//!
//! `SOLVE_ITERATIONS=N` in the environment runs N iterations per thread instead of the time
//! limit; `SOLVE_OBJECTIVE=vehicles` minimises vehicles first (the literature's hierarchical
//! objective) instead of distance alone. Prints per instance the distance, vehicles, gap to `bks.csv` (next to the instances), the
//! checker's verdict and iterations; then the mean gap and the total distance.

use closedloop_planner::formats::{bks, solomon};
use closedloop_planner::{SolveOptions, check, solve};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: solomon DIR_OR_FILE SECONDS [THREADS] [SEED]");
        std::process::exit(2);
    }
    let target = PathBuf::from(&args[0]);
    let seconds: f64 = args[1].parse().expect("SECONDS is a number");
    let threads: usize = args.get(2).map_or(2, |t| t.parse().expect("THREADS"));
    let seed: u64 = args.get(3).map_or(1, |s| s.parse().expect("SEED"));
    let mut files: Vec<PathBuf> = if target.is_dir() {
        std::fs::read_dir(&target)
            .expect("readable directory")
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect()
    } else {
        vec![target.clone()]
    };
    files.sort();
    let dir = if target.is_dir() {
        target.clone()
    } else {
        target.parent().unwrap_or(Path::new(".")).to_path_buf()
    };
    let best = bks::read(&dir.join("bks.csv")).unwrap_or_default();
    let (mut gaps, mut total, mut total_bks, mut infeasible) = (Vec::new(), 0.0, 0.0, 0);
    println!(
        "{:<12} {:>10} {:>4} {:>10} {:>8} {:>9} {:>6}",
        "instance", "distance", "veh", "bks", "gap%", "iters", "ok"
    );
    for f in &files {
        let mut p = solomon::read(f).unwrap_or_else(|e| panic!("{e}"));
        if std::env::var("SOLVE_OBJECTIVE").is_ok_and(|v| v == "vehicles") {
            p.objective = closedloop_planner::Objective::VehiclesThenCost;
        }
        // SOLVE_ITERATIONS=N: a fixed number of iterations instead of the time limit (for
        // timing the engine itself on a busy machine, and for reproducible runs).
        let iterations = std::env::var("SOLVE_ITERATIONS")
            .ok()
            .map(|v| v.parse().expect("N"));
        let options = SolveOptions {
            seed,
            time_limit: iterations
                .is_none()
                .then(|| Duration::from_secs_f64(seconds)),
            iterations,
            threads,
            cancel: None,
        };
        let out = solve(&p, &options);
        let report = check::check(&p, &out.solution);
        let ok = report.is_feasible() && out.unassigned.is_empty();
        infeasible += !ok as usize;
        let dist = out.solution.distance(&p);
        let reference = best.get(&p.name).map(|b| b.distance);
        let gap = reference.map(|r| 100.0 * (dist - r) / r);
        if let (Some(g), Some(r)) = (gap, reference) {
            gaps.push(g);
            total_bks += r;
        }
        total += dist;
        println!(
            "{:<12} {:>10.3} {:>4} {:>10} {:>8} {:>9} {:>6}",
            p.name,
            dist,
            out.solution.vehicles(),
            reference.map_or("-".into(), |r| format!("{r:.3}")),
            gap.map_or("-".into(), |g| format!("{g:+.3}")),
            out.iterations,
            if ok { "yes" } else { "NO" }
        );
        if !ok {
            for v in report.violations.iter().take(5) {
                println!("    {v:?}");
            }
        }
    }
    let mean = gaps.iter().sum::<f64>() / gaps.len().max(1) as f64;
    println!(
        "instances {}  mean gap {mean:+.3}%  total distance {total:.1}  (bks total {total_bks:.1})  infeasible {infeasible}",
        files.len()
    );
}
