//! `closedloop replan --problem day.json --plan plan.json --event event.json --out plan2.json`:
//! the plan repaired after an event, the past pinned, and what changed.

use super::Ctx;
use anyhow::Result;
use clap::Args;
use closedloop_app::replan::{ReplanRequest, replan};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ReplanArgs {
    /// The day the plan is for (closedloop-day/1).
    #[arg(long, value_name = "day.json")]
    pub problem: PathBuf,
    /// The published plan (closedloop-plan/1).
    #[arg(long, value_name = "plan.json")]
    pub plan: PathBuf,
    /// What happened (closedloop-event/1, schema docs/schemas/event.schema.json).
    #[arg(long, value_name = "event.json")]
    pub event: PathBuf,
    /// Where to write the next version of the plan.
    #[arg(long, value_name = "plan2.json")]
    pub out: PathBuf,
    /// Where to write the day as it is after the event (default: OUT's name with .day.json).
    #[arg(long, value_name = "day2.json")]
    pub day_out: Option<PathBuf>,
    /// Batches departing within this many minutes of the event are kept as they are.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(0..=1440))]
    pub freeze: u32,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Also plan every unpinned traveler again and keep that if it costs less (slower).
    #[arg(long)]
    pub thorough: bool,
    /// Print the result and the diff as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, args: &ReplanArgs) -> Result<ExitCode> {
    let r = replan(
        ctx,
        &ReplanRequest {
            problem: args.problem.clone(),
            plan: args.plan.clone(),
            event: args.event.clone(),
            out: args.out.clone(),
            day_out: args.day_out.clone(),
            freeze_minutes: args.freeze,
            seed: args.seed,
            thorough: args.thorough,
        },
    )?;
    if args.json {
        println!("{}", serde_json::to_string(&r)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} {} ({}): {} {}, {} {}, {} {} ({})",
        ctx.t("version", "版本"),
        r.version,
        r.event,
        r.pinned,
        ctx.t("batches kept as they were", "个车次保持不变"),
        r.changed,
        ctx.t("travelers moved", "名旅客有调整"),
        r.kpis.unplaced,
        ctx.t("unplaced", "名未安排"),
        ctx.t(
            if r.chosen == "repair" {
                "repaired"
            } else {
                "re-planned"
            },
            if r.chosen == "repair" {
                "局部修复"
            } else {
                "整体重排"
            }
        ),
    );
    super::plan::print_diff(ctx, &r.diff);
    eprintln!(
        "{} {}, {} {} ({:.1} s)",
        ctx.t("plan written to", "计划已写入"),
        r.out,
        ctx.t("the day after the event to", "事件后的计划日已写入"),
        r.day_out,
        r.seconds
    );
    Ok(ExitCode::SUCCESS)
}
