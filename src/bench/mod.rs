//! `closedloop bench …`: benchmarks of the paths users take, each printing a table, with the
//! peers side by side where there are peers (built with the `bench` feature; not in the
//! shipped core). `bench import` (here): a generated manifest into a fresh embedded SQLite,
//! timed against the `sqlite3` shell's `.import` of the same CSV into one table, in the same
//! run.

mod day;
mod http;
mod ledger;
mod ledger_verify;
mod plan;
mod roads;
mod trace;
mod vrptw;
mod vrptw_peers;

use crate::commands::Ctx;
use crate::commands::import::import_quiet;
use crate::output::table;
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use closedloop_store::{DatabaseUrl, Store};
use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::Instant;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Import a generated CSV manifest into a fresh SQLite database; compare with sqlite3 .import.
    Import(BenchImportArgs),
    /// Road network: load, preprocessing, single routes, matrices; networkx side by side.
    Roads(roads::BenchRoadsArgs),
    /// Custody ledger: hand-overs started and confirmed through the desk path into a fresh
    /// SQLite, then verify.
    Ledger(ledger::BenchLedgerArgs),
    /// Hand-overs through the web service: phones start and confirm them over HTTP (bearer
    /// tokens, Idempotency-Keys) while live-event streams count every event.
    Http(http::BenchHttpArgs),
    /// Custody ledger: `ledger verify` — the log's audit and the cross-check of every custody
    /// row — over a generated year in a fresh SQLite.
    LedgerVerify(ledger_verify::BenchLedgerVerifyArgs),
    /// Contact tracing over a generated year: graph build time, mean and worst query time.
    Trace(trace::BenchTraceArgs),
    /// Route planning on the Solomon / Gehring–Homberger VRPTW sets: gaps to best-known
    /// distances, every plan checked; peers side by side with --peers and --vrp-cli.
    Vrptw(vrptw::BenchVrptwArgs),
    /// Whole days generated over an extract (500, 5,000, 20,000 travelers) planned as the desk
    /// plans them: first plan, checker, KPIs beside the baseline, re-plan per event, best fit.
    Plan(day::BenchDayArgs),
    /// The route planner alone on generated arrival problems (300 travelers, cohorts, skills,
    /// ride limits, multi-trip): time to the first plan within every rule, the plan at the limit.
    PlanRoutes(plan::BenchPlanArgs),
}

#[derive(Debug, Args)]
pub struct BenchImportArgs {
    /// Rows in the generated manifest.
    #[arg(long, default_value_t = 100_000)]
    pub rows: usize,
    /// Runs of each side; the median is reported.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Also write the generated manifest here, to inspect or profile it.
    #[arg(long, value_name = "FILE")]
    pub keep_csv: Option<std::path::PathBuf>,
    /// The sqlite3 shell to compare with.
    #[arg(long, default_value = "sqlite3")]
    pub sqlite3: String,
}

pub fn run(ctx: &Ctx, cmd: BenchCommand) -> Result<ExitCode> {
    let args = match cmd {
        BenchCommand::Import(a) => a,
        BenchCommand::Roads(a) => return roads::run(ctx, &a),
        BenchCommand::Ledger(a) => return ledger::run(ctx, &a),
        BenchCommand::Http(a) => return http::run(ctx, &a),
        BenchCommand::LedgerVerify(a) => return ledger_verify::run(ctx, &a),
        BenchCommand::Trace(a) => return trace::run(ctx, &a),
        BenchCommand::Vrptw(a) => return vrptw::run(ctx, &a),
        BenchCommand::Plan(a) => return day::run(ctx, &a),
        BenchCommand::PlanRoutes(a) => return plan::run(ctx, &a),
    };
    let dir = tempfile::tempdir()?;
    let csv = dir.path().join("manifest.csv");
    std::fs::write(&csv, generate_manifest(args.rows))?;
    if let Some(keep) = &args.keep_csv {
        std::fs::copy(&csv, keep).with_context(|| format!("cannot write {}", keep.display()))?;
    }
    let runs = args.runs.max(1);

    let mut ours = Vec::with_capacity(runs);
    for i in 0..runs {
        let db = dir.path().join(format!("closedloop-{i}.db"));
        let store = Store::open(&DatabaseUrl::Sqlite(db))?;
        store.sync_ports(&ctx.config.ports.ports)?;
        let start = Instant::now();
        let (summary, ok) = import_quiet(ctx, &store, &csv, false)?;
        let secs = start.elapsed().as_secs_f64();
        if !ok || summary.imported != args.rows {
            bail!(
                "benchmark import failed: {} of {} rows imported; {:?}",
                summary.imported,
                args.rows,
                summary.errors.first()
            );
        }
        ours.push(secs);
    }
    let mut theirs = Vec::with_capacity(runs);
    for i in 0..runs {
        let db = dir.path().join(format!("sqlite3-{i}.db"));
        let start = Instant::now();
        let status = Command::new(&args.sqlite3)
            .arg(&db)
            .args([".mode csv", &format!(".import {} manifest", csv.display())])
            .status()
            .with_context(|| {
                format!(
                    "cannot run {:?}: install the sqlite3 shell (Debian: apt-get install sqlite3)",
                    args.sqlite3
                )
            })?;
        theirs.push(start.elapsed().as_secs_f64());
        if !status.success() {
            bail!("{} .import failed ({status})", args.sqlite3);
        }
        check_count(&args.sqlite3, &db, args.rows)?;
    }
    let (o, t) = (median(&mut ours), median(&mut theirs));
    let rows = vec![
        vec![
            "closedloop import".to_string(),
            format!("{o:.3}"),
            format!("{:.0}", args.rows as f64 / o),
        ],
        vec![
            "sqlite3 .import".to_string(),
            format!("{t:.3}"),
            format!("{:.0}", args.rows as f64 / t),
        ],
    ];
    let mut out = format!(
        "bench import: {} rows, median of {runs} run(s), fresh SQLite file each run\n",
        args.rows
    );
    out.push_str(&table(&["import", "seconds", "rows/s"], &rows));
    let _ = writeln!(out, "ratio closedloop / sqlite3: {:.2}", o / t);
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

fn check_count(sqlite3: &str, db: &Path, rows: usize) -> Result<()> {
    let out = Command::new(sqlite3)
        .arg(db)
        .arg("SELECT count(*) FROM manifest")
        .output()?;
    let n: usize = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0);
    anyhow::ensure!(n == rows, "sqlite3 imported {n} rows, expected {rows}");
    Ok(())
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// A desk-like manifest: Chinese headers, 500 travelers per flight, every field filled.
pub fn generate_manifest(rows: usize) -> String {
    const SURNAMES: [&str; 12] = [
        "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙",
    ];
    const GIVEN: [&str; 10] = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "杰"];
    const NATIONS: [&str; 6] = ["中国", "CHN", "美国", "GBR", "日本", "KOR"];
    const HEALTH: [&str; 4] = ["正常", "正常", "正常", "密接"];
    const PORTS: [&str; 3] = ["PVG", "SHA", "上海站"];
    let mut s = String::with_capacity(rows * 160);
    s.push_str("姓名,性别,国籍,证件类型,证件号码,出生日期,联系电话,航班号,入境口岸,抵达时间,目的地类型,目的地地址,健康状况,备注\n");
    for i in 0..rows {
        let flight = i / 500;
        let dest = if i % 5 == 0 {
            ("居家隔离", "上海市黄浦区南京东路100号")
        } else {
            ("集中隔离", "")
        };
        let _ = writeln!(
            s,
            "{}{}{},{},{},护照,E{:08},{}-{:02}-{:02},138{:08},MU{},{},2021-03-{:02} {:02}:30,{},{},{},{}",
            SURNAMES[i % 12],
            GIVEN[(i / 12) % 10],
            GIVEN[(i / 120) % 10],
            if i % 2 == 0 { "男" } else { "女" },
            NATIONS[i % 6],
            i,
            1940 + i % 75,
            1 + i % 12,
            1 + i % 28,
            i,
            5000 + flight,
            PORTS[flight % 3],
            1 + flight % 28,
            flight % 24,
            dest.0,
            dest.1,
            HEALTH[i % 4],
            if i % 50 == 0 {
                "老人，需陪同"
            } else {
                ""
            },
        );
    }
    s
}
