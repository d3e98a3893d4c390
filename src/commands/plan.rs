//! `closedloop plan --problem day.json --out plan.json` and `closedloop plan check --problem
//! day.json --plan plan.json`: a day planned from files, and a plan checked, with no database.

use super::Ctx;
use crate::output::table;
use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use closedloop_app::schedule::{self, CheckRequest, PlanRequest};
use closedloop_scheduling::plan::Kpis;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// `plan` takes its flags itself, or the `check` subcommand with its own; the two never mix.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct PlanArgs {
    #[command(subcommand)]
    pub command: Option<PlanCommand>,
    /// The day to plan (format closedloop-day/1, schema docs/schemas/day.schema.json).
    #[arg(long, value_name = "day.json", required = true)]
    pub problem: Option<PathBuf>,
    /// Where to write the plan (format closedloop-plan/1); replaced whole.
    #[arg(long, value_name = "plan.json", required = true)]
    pub out: Option<PathBuf>,
    /// Seconds the planner may search, for the whole day. Without it a fixed number of
    /// iterations runs, so the same day and seed always give the same plan.
    #[arg(long, value_name = "S")]
    pub time_limit: Option<f64>,
    /// Seed of the search: same day, same seed, same plan.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Search iterations per origin (port or hotel) instead of the default.
    #[arg(long, value_name = "N")]
    pub iterations: Option<u64>,
    /// Print {"out", "travel", "kpis", "baseline", "seconds"} instead of the table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Check a plan against its day: every rule broken, named (exit 1 if any).
    Check(CheckArgs),
    /// What changed between two plans: who moved where, and each batch's changes.
    Diff(super::plan_more::DiffArgs),
    /// Where one more traveler fits best: the three cheapest ways to carry them.
    Fit(super::plan_more::FitArgs),
    /// Approve a checked plan: the day's next plan version, its batches made trips.
    Approve(super::plan_more::ApproveArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The day the plan is for.
    #[arg(long, value_name = "day.json")]
    pub problem: PathBuf,
    /// The plan to check.
    #[arg(long, value_name = "plan.json")]
    pub plan: PathBuf,
    /// Print {"travel", "violations": [{code, subject, en, zh}]}.
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, args: PlanArgs) -> Result<ExitCode> {
    match args.command {
        Some(PlanCommand::Check(c)) => return check(ctx, &c),
        Some(PlanCommand::Diff(a)) => return super::plan_more::run_diff(ctx, &a),
        Some(PlanCommand::Fit(a)) => return super::plan_more::run_fit(ctx, &a),
        Some(PlanCommand::Approve(a)) => return super::plan_more::run_approve(ctx, &a),
        None => {}
    }
    let (Some(problem), Some(out)) = (args.problem, args.out) else {
        bail!(
            "{}",
            ctx.t(
                "plan needs --problem day.json and --out plan.json",
                "plan 需要 --problem day.json 与 --out plan.json"
            )
        );
    };
    let time_limit = match args.time_limit {
        None => None,
        Some(s) if s.is_finite() && s > 0.0 && s <= 86_400.0 => Some(Duration::from_secs_f64(s)),
        Some(s) => bail!(
            "{} {s}",
            ctx.t(
                "--time-limit must be seconds between 0 and 86400, not",
                "--time-limit 须为 0 到 86400 之间的秒数，而不是"
            )
        ),
    };
    let planned = schedule::plan(
        ctx,
        &PlanRequest {
            problem,
            out,
            seed: args.seed,
            time_limit,
            iterations: args.iterations,
        },
    )?;
    if args.json {
        println!("{}", serde_json::to_string(&planned)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{}", kpi_table(ctx, &planned.kpis, &planned.baseline));
    eprintln!(
        "{} {} ({:.1} s; {} {})",
        ctx.t("plan written to", "计划已写入"),
        planned.out,
        planned.seconds,
        ctx.t("travel times:", "行程时间："),
        planned.travel
    );
    Ok(ExitCode::SUCCESS)
}

/// The KPIs of the plan beside the baseline's, with what the optimisation saves.
fn kpi_table(ctx: &Ctx, plan: &Kpis, base: &Kpis) -> String {
    let row = |label: &str, p: f64, b: f64, digits: usize| {
        let diff = p - b;
        let sign = if diff > 0.0 { "+" } else { "" };
        vec![
            label.to_string(),
            format!("{p:.digits$}"),
            format!("{b:.digits$}"),
            format!("{sign}{diff:.digits$}"),
        ]
    };
    let rows = vec![
        row(
            ctx.t("travelers", "旅客"),
            plan.travelers as f64,
            base.travelers as f64,
            0,
        ),
        row(
            ctx.t("trips", "车次"),
            plan.trips as f64,
            base.trips as f64,
            0,
        ),
        row(
            ctx.t("vehicle-km", "车辆公里"),
            plan.vehicle_km,
            base.vehicle_km,
            1,
        ),
        row(
            ctx.t("crew-hours", "工作人员工时"),
            plan.crew_hours,
            base.crew_hours,
            1,
        ),
        row(
            ctx.t("mean port wait (min)", "口岸平均等候（分钟）"),
            plan.mean_port_wait,
            base.mean_port_wait,
            1,
        ),
        row(
            ctx.t("max port wait (min)", "口岸最长等候（分钟）"),
            plan.max_port_wait,
            base.max_port_wait,
            1,
        ),
        row(
            ctx.t("max ride (min)", "最长车程（分钟）"),
            plan.max_ride,
            base.max_ride,
            1,
        ),
        row(
            ctx.t("unplaced", "未安排"),
            plan.unplaced as f64,
            base.unplaced as f64,
            0,
        ),
    ];
    table(
        &[
            ctx.t("KPI", "指标"),
            ctx.t("plan", "优化计划"),
            ctx.t("baseline", "简单基线"),
            ctx.t("difference", "差值"),
        ],
        &rows,
    )
}

fn check(ctx: &Ctx, args: &CheckArgs) -> Result<ExitCode> {
    let checked = schedule::check(
        ctx,
        &CheckRequest {
            problem: args.problem.clone(),
            plan: args.plan.clone(),
        },
    )?;
    let broken = !checked.violations.is_empty();
    if args.json {
        println!("{}", serde_json::to_string(&checked)?);
    } else if !broken {
        println!(
            "{}",
            ctx.t(
                "the plan keeps every rule: no violations",
                "计划符合全部规则：没有违规"
            )
        );
    } else {
        let rows: Vec<Vec<String>> = checked
            .violations
            .iter()
            .map(|v| {
                vec![
                    v.code.to_string(),
                    v.subject.clone(),
                    ctx.t(&v.en, &v.zh).to_string(),
                ]
            })
            .collect();
        print!(
            "{}",
            table(
                &[
                    ctx.t("rule", "规则"),
                    ctx.t("subject", "对象"),
                    ctx.t("violation", "违规")
                ],
                &rows
            )
        );
        eprintln!(
            "{} {}",
            checked.violations.len(),
            ctx.t("violations", "处违规")
        );
    }
    Ok(if broken {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Every change of a diff, one line each, in the desk's language.
pub fn print_diff(ctx: &Ctx, d: &closedloop_scheduling::diff::PlanDiff) {
    let zh = ctx.lang == closedloop_domain::Lang::ZhCn;
    for c in &d.batches {
        println!("  {}", if zh { c.zh() } else { c.en() });
    }
    for c in &d.travelers {
        println!("  {}", if zh { c.zh() } else { c.en() });
    }
    if d.is_empty() {
        println!("  {}", ctx.t("no change", "无变化"));
    }
}
