//! `closedloop bench vrptw`: the planner on the Solomon / Gehring–Homberger VRPTW sets, every
//! plan replayed by the independent checker, gaps to the best-known distances; optionally the
//! peers (PyVRP, VROOM, OR-Tools through `vrptw_peers.py`, and vrp-cli) in the same run, their
//! distances recomputed here from their routes.

use super::vrptw_peers as peers;
use crate::commands::Ctx;
use crate::output::{progress_bar, table};
use anyhow::{Context, Result, ensure};
use clap::Args;
use closedloop_planner::check::check;
use closedloop_planner::formats::{bks, sol, solomon};
use closedloop_planner::{Problem, Solution, SolveOptions, solve};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Debug, Args)]
pub struct BenchVrptwArgs {
    /// Folder of Solomon-format instances; every `*.txt` in it is solved, in name order.
    #[arg(long, value_name = "DIR")]
    pub instances: PathBuf,
    /// Seconds per instance, for the planner and for every peer.
    #[arg(long, value_name = "SECONDS")]
    pub time_limit: f64,
    /// Best-known results (instance,vehicles,distance,source). Default: DIR/bks.csv if present.
    #[arg(long, value_name = "FILE")]
    pub bks: Option<PathBuf>,
    /// Also write instance,vehicles,distance,bks,gap_pct,seconds,feasible here.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Write each plan as DIR/INSTANCE.sol (`Route #k: …` lines, then `Cost …`).
    #[arg(long, value_name = "DIR")]
    pub solutions: Option<PathBuf>,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Solver threads. Default: all cores.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Only these instances (file names without .txt), e.g. C101,R101.
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub only: Vec<String>,
    /// Also run the peer script with these peers (alone: pyvrp,vroom,ortools).
    #[arg(long, value_name = "PEERS", num_args = 0..=1,
          default_missing_value = "pyvrp,vroom,ortools")]
    pub peers: Option<String>,
    /// Python with the peers installed (pip install pyvrp pyvroom ortools).
    #[arg(long, default_value = "python3")]
    pub python: String,
    /// The peers' runner (`vrptw_peers.py` of the shared bench folder); needed with --peers.
    #[arg(long, value_name = "FILE")]
    pub peer_script: Option<PathBuf>,
    /// Also run vrp-cli (cargo install vrp-cli) on every instance.
    #[arg(long, value_name = "PATH")]
    pub vrp_cli: Option<PathBuf>,
}

/// One instance's result, ours or a peer's. `distance` is `None` when not every customer was
/// served (a peer) — ours always has one, and `feasible` says whether the checker agreed.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub instance: String,
    pub vehicles: usize,
    pub distance: Option<f64>,
    pub bks: Option<f64>,
    pub seconds: f64,
    pub feasible: bool,
}

pub fn gap_pct(distance: f64, bks: f64) -> f64 {
    (distance - bks) / bks * 100.0
}

impl Row {
    /// Only for a feasible plan: a plan that skips customers would look better than it is.
    pub fn gap(&self) -> Option<f64> {
        match (self.distance, self.bks) {
            (Some(d), Some(b)) if self.feasible => Some(gap_pct(d, b)),
            _ => None,
        }
    }
}

pub(super) fn mean(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let (mut sum, mut n) = (0.0, 0usize);
    for v in values {
        sum += v;
        n += 1;
    }
    (n > 0).then(|| sum / n as f64)
}

/// Empty when absent; no "-0.00" for a value that only rounds to zero.
pub(super) fn opt(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(String::new, |v| {
        let s = format!("{v:.decimals$}");
        match s.strip_prefix('-') {
            Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
            _ => s,
        }
    })
}

/// The `--csv` file: exactly `instance,vehicles,distance,bks,gap_pct,seconds,feasible`.
pub fn write_csv<W: std::io::Write>(rows: &[Row], out: W) -> Result<()> {
    let mut w = closedloop_intake::export::SafeCsv::from_writer(out);
    w.write_record([
        "instance", "vehicles", "distance", "bks", "gap_pct", "seconds", "feasible",
    ])?;
    for r in rows {
        w.write_record([
            r.instance.clone(),
            r.vehicles.to_string(),
            opt(r.distance, 3),
            opt(r.bks, 3),
            opt(r.gap(), 3),
            format!("{:.2}", r.seconds),
            r.feasible.to_string(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// The instance files to run: `*.txt` in `dir` by name, narrowed to `only` if given.
fn instances(dir: &Path, only: &[String]) -> Result<Vec<(String, PathBuf)>> {
    let mut found = Vec::new();
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    for e in entries {
        let path = e?.path();
        if path.extension().is_some_and(|x| x == "txt")
            && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
        {
            found.push((stem.to_string(), path.clone()));
        }
    }
    found.sort();
    if !only.is_empty() {
        let names: BTreeSet<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
        let unknown: Vec<&str> = only
            .iter()
            .map(String::as_str)
            .filter(|n| !names.contains(n))
            .collect();
        ensure!(
            unknown.is_empty(),
            "--only: no {} in {}",
            unknown.join(", "),
            dir.display()
        );
        found.retain(|(n, _)| only.contains(n));
    }
    ensure!(!found.is_empty(), "no *.txt instances in {}", dir.display());
    Ok(found)
}

pub fn run(ctx: &Ctx, args: &BenchVrptwArgs) -> Result<ExitCode> {
    run_with(ctx, args, &|p, o| solve(p, o).solution)
}

/// A plan maker for one instance: the planner, or a stand-in in tests.
type Solver<'a> = &'a dyn Fn(&Problem, &SolveOptions) -> Solution;

fn run_with(ctx: &Ctx, args: &BenchVrptwArgs, solver: Solver) -> Result<ExitCode> {
    ensure!(
        args.time_limit.is_finite() && args.time_limit > 0.0,
        "--time-limit must be a positive number of seconds"
    );
    let files = instances(&args.instances, &args.only)?;
    let bks_path = args
        .bks
        .clone()
        .or_else(|| Some(args.instances.join("bks.csv")).filter(|p| p.exists()));
    let best = match &bks_path {
        Some(p) => bks::read(p)?,
        None => BTreeMap::new(),
    };
    if let Some(dir) = &args.solutions {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let options = SolveOptions {
        seed: args.seed,
        time_limit: Some(Duration::from_secs_f64(args.time_limit)),
        threads: args
            .threads
            .unwrap_or_else(|| SolveOptions::default().threads)
            .max(1),
        ..SolveOptions::default()
    };

    let bar = progress_bar(Some(files.len() as u64), "vrptw");
    let mut rows = Vec::with_capacity(files.len());
    for (name, path) in &files {
        bar.set_message(name.clone());
        let problem = solomon::read(path)?;
        let started = Instant::now();
        let solution = solver(&problem, &options);
        let seconds = started.elapsed().as_secs_f64();
        let report = check(&problem, &solution);
        for v in report.violations.iter().take(5) {
            bar.suspend(|| eprintln!("{name}: {v}"));
        }
        if report.violations.len() > 5 {
            let more = report.violations.len() - 5;
            bar.suspend(|| eprintln!("{name}: … and {more} more violations"));
        }
        if let Some(dir) = &args.solutions {
            let file = dir.join(format!("{name}.sol"));
            sol::write_file(&file, &problem, &solution, Some(report.distance))?;
        }
        rows.push(Row {
            instance: name.clone(),
            vehicles: report.vehicles,
            distance: Some(report.distance),
            bks: best.get(name).map(|b| b.distance),
            seconds,
            feasible: report.is_feasible(),
        });
        bar.inc(1);
    }
    bar.finish_and_clear();

    let yes_no = |b: bool| ctx.t(if b { "yes" } else { "NO" }, if b { "是" } else { "否" });
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.instance.clone(),
                r.vehicles.to_string(),
                opt(r.distance, 2),
                opt(r.bks, 2),
                opt(r.gap(), 2),
                format!("{:.1}", r.seconds),
                yes_no(r.feasible).to_string(),
            ]
        })
        .collect();
    let threads = options.threads;
    println!(
        "bench vrptw: {}, {} {}, {} s {}, seed {}, {threads} {}",
        args.instances.display(),
        rows.len(),
        ctx.t("instance(s)", "个算例"),
        args.time_limit,
        ctx.t("each", "每个"),
        args.seed,
        ctx.t("thread(s)", "线程"),
    );
    let header = [
        ctx.t("instance", "算例"),
        ctx.t("vehicles", "车辆"),
        ctx.t("distance", "距离"),
        ctx.t("best-known", "已知最优"),
        ctx.t("gap %", "差距 %"),
        ctx.t("seconds", "秒"),
        ctx.t("feasible", "可行"),
    ];
    print!("{}", table(&header, &body));
    let feasible = rows.iter().filter(|r| r.feasible).count();
    let gaps: Vec<f64> = rows.iter().filter_map(Row::gap).collect();
    println!(
        "{}: {} ({} {}); {} {feasible}/{}",
        ctx.t("mean gap %", "平均差距 %"),
        opt(mean(gaps.iter().copied()), 2),
        gaps.len(),
        ctx.t(
            "instance(s) with a best-known distance",
            "个有已知最优的算例"
        ),
        ctx.t("feasible", "可行"),
        rows.len(),
    );
    if let Some(file) = &args.csv {
        let f = std::fs::File::create(file)
            .with_context(|| format!("cannot write {}", file.display()))?;
        write_csv(&rows, f)?;
    }

    let mut peers: Vec<(String, Vec<Row>)> = Vec::new();
    if let Some(list) = &args.peers {
        match peers::run_peer_script(args, list, &best) {
            Ok(found) => peers.extend(found),
            Err(e) => eprintln!("{}: {e:#}", ctx.t("peers not run", "未运行对比求解器")),
        }
    }
    if let Some(exe) = &args.vrp_cli {
        let found = peers::run_vrp_cli(exe, args.time_limit, &files, &best);
        peers.push(("vrp-cli".into(), found));
    }
    if !peers.is_empty() {
        let header = [
            ctx.t("solver", "求解器"),
            ctx.t("all served", "全部服务"),
            ctx.t("mean distance", "平均距离"),
            ctx.t("mean gap %", "平均差距 %"),
            ctx.t("closedloop mean distance", "closedloop 平均距离"),
            ctx.t("closedloop mean gap %", "closedloop 平均差距 %"),
        ];
        println!(
            "\n{}",
            ctx.t(
                "peers, same run, same time limit; means over the instances both solved:",
                "对比求解器（同一次运行、相同时限）；平均值取双方都解出的算例："
            )
        );
        print!("{}", table(&header, &peers::peer_table(&rows, &peers)));
    }
    Ok(if feasible == rows.len() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A result row with only what the comparisons look at.
    pub(in crate::bench) fn row(
        instance: &str,
        distance: Option<f64>,
        bks: Option<f64>,
        feasible: bool,
    ) -> Row {
        Row {
            instance: instance.into(),
            vehicles: 10,
            distance,
            bks,
            seconds: 1.234,
            feasible,
        }
    }

    #[test]
    fn gap_is_relative_to_the_best_known_and_only_for_feasible_plans() {
        assert_eq!(gap_pct(110.0, 100.0), 10.0);
        assert_eq!(gap_pct(95.0, 100.0), -5.0);
        assert_eq!(row("a", Some(101.0), Some(100.0), true).gap(), Some(1.0));
        assert_eq!(row("a", Some(90.0), Some(100.0), false).gap(), None);
        assert_eq!(row("a", Some(90.0), None, true).gap(), None);
    }

    #[test]
    fn csv_has_exactly_the_contract_columns() {
        let rows = [
            row("C101", Some(828.9368), Some(828.937), true),
            row("R101", Some(1600.0), None, false),
        ];
        let mut out = Vec::new();
        write_csv(&rows, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "instance,vehicles,distance,bks,gap_pct,seconds,feasible\n\
             C101,10,828.937,828.937,0.000,1.23,true\n\
             R101,10,1600.000,,,1.23,false\n"
        );
    }

    #[test]
    fn runs_checks_and_writes_the_csv_and_plans() {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/planner/data/vrptw/solomon");
        let fixture =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/planner/tests/fixtures/C101.sol");
        let out = tempfile::tempdir().unwrap();
        let args = BenchVrptwArgs {
            instances: data,
            time_limit: 0.1,
            bks: None,
            csv: Some(out.path().join("run.csv")),
            solutions: Some(out.path().join("plans")),
            seed: 1,
            threads: Some(1),
            only: vec!["C101".into()],
            peers: None,
            python: "python3".into(),
            peer_script: None,
            vrp_cli: None,
        };
        let ctx = Ctx {
            app: closedloop_app::App::load(None, None).unwrap(),
            lang: closedloop_domain::Lang::En,
        };
        // The literature's plan stands in for the planner.
        let known = |p: &Problem, _: &SolveOptions| sol::read(&fixture, p).unwrap().solution;
        assert_eq!(run_with(&ctx, &args, &known).unwrap(), ExitCode::SUCCESS);
        let csv = std::fs::read_to_string(out.path().join("run.csv")).unwrap();
        let line = csv.lines().nth(1).unwrap();
        assert!(line.starts_with("C101,10,828.937,828.937,0.000,"), "{line}");
        assert!(line.ends_with(",true"), "{line}");
        let plan = std::fs::read_to_string(out.path().join("plans/C101.sol")).unwrap();
        assert_eq!(plan, std::fs::read_to_string(&fixture).unwrap());
        // A plan that drops a customer fails the run.
        let short = |p: &Problem, o: &SolveOptions| {
            let mut s = known(p, o);
            s.trips[0].jobs.pop();
            s
        };
        assert_eq!(run_with(&ctx, &args, &short).unwrap(), ExitCode::FAILURE);
    }

    #[test]
    fn instances_are_sorted_and_filtered() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["R101.txt", "C101.txt", "bks.csv", "C102.txt"] {
            std::fs::write(dir.path().join(f), "").unwrap();
        }
        let names = |only: &[&str]| -> Vec<String> {
            let only: Vec<String> = only.iter().map(|s| s.to_string()).collect();
            instances(dir.path(), &only)
                .unwrap()
                .into_iter()
                .map(|(n, _)| n)
                .collect()
        };
        assert_eq!(names(&[]), ["C101", "C102", "R101"]);
        assert_eq!(names(&["R101", "C101"]), ["C101", "R101"]);
        let only = vec!["X1".to_string()];
        assert!(
            instances(dir.path(), &only)
                .unwrap_err()
                .to_string()
                .contains("no X1")
        );
    }
}
