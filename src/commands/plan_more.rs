//! `closedloop plan diff`, `plan fit` and `plan approve`: what changed between two plans,
//! where one more traveler fits best, and a checked plan made the day's trips.

use super::Ctx;
use anyhow::Result;
use clap::Args;
use closedloop_app::approve::{ApproveRequest, TripOrigin, approve};
use closedloop_app::replan::{FitRequest, diff, fit};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier plan.
    pub a: PathBuf,
    /// The later plan.
    pub b: PathBuf,
    /// Print the changes as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct FitArgs {
    #[arg(long, value_name = "day.json")]
    pub problem: PathBuf,
    #[arg(long, value_name = "plan.json")]
    pub plan: PathBuf,
    /// The arrival they come with.
    #[arg(long)]
    pub arrival: String,
    /// The traveler as a day file writes one, e.g.
    /// '{"code":"T9","health":"normal","destination":"hotel"}'.
    #[arg(long, value_name = "JSON")]
    pub traveler: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ApproveArgs {
    #[arg(long, value_name = "day.json")]
    pub problem: PathBuf,
    #[arg(long, value_name = "plan.json")]
    pub plan: PathBuf,
    #[arg(long)]
    pub json: bool,
}

pub fn run_diff(ctx: &Ctx, args: &DiffArgs) -> Result<ExitCode> {
    let d = diff(&args.a, &args.b)?;
    if args.json {
        println!("{}", serde_json::to_string(&d)?);
    } else {
        println!(
            "{} {} → {}: {} {}, {} {}",
            ctx.t("version", "版本"),
            d.from_version,
            d.to_version,
            d.travelers.len(),
            ctx.t("travelers changed", "名旅客有变化"),
            d.batches.len(),
            ctx.t("batch changes", "项车次变化"),
        );
        super::plan::print_diff(ctx, &d);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run_fit(ctx: &Ctx, args: &FitArgs) -> Result<ExitCode> {
    let f = fit(
        ctx,
        &FitRequest {
            problem: args.problem.clone(),
            plan: args.plan.clone(),
            arrival: args.arrival.clone(),
            traveler: args.traveler.clone(),
        },
    )?;
    if args.json {
        println!("{}", serde_json::to_string(&f)?);
        return Ok(ExitCode::SUCCESS);
    }
    let zh = ctx.lang == closedloop_domain::Lang::ZhCn;
    if let Some(r) = &f.reason {
        println!(
            "{}: {}",
            ctx.t("cannot be placed", "无法安排"),
            if zh { r.zh() } else { r.en() }
        );
        return Ok(ExitCode::from(1));
    }
    if f.options.is_empty() {
        println!(
            "{}",
            ctx.t(
                "no batch can take them and no vehicle is free: re-plan the day",
                "没有车次能容纳，也没有空闲车辆：请重新排程"
            )
        );
        return Ok(ExitCode::from(1));
    }
    for (i, o) in f.options.iter().enumerate() {
        let how = match o.how {
            "join_stop" => ctx.t("join a stop of", "加入车次停靠点"),
            "new_stop" => ctx.t("a new stop on", "在车次上新增停靠点"),
            _ => ctx.t("a batch of their own with", "单独派车"),
        };
        println!(
            "{}. {how} {} ({} {}), {} {}, +{:.0} {}",
            i + 1,
            o.batch
                .as_ref()
                .map_or(o.vehicle.to_string(), |b| b.to_string()),
            ctx.t("stop", "停靠点"),
            o.stop,
            ctx.t("arrives", "到达"),
            o.eta.format("%H:%M"),
            o.extra_minutes,
            ctx.t("min of driving", "分钟车程"),
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run_approve(ctx: &Ctx, args: &ApproveArgs) -> Result<ExitCode> {
    let a = approve(
        ctx,
        &ApproveRequest {
            problem: args.problem.clone(),
            plan: args.plan.clone(),
        },
    )?;
    if args.json {
        println!("{}", serde_json::to_string(&a)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} {} {} {}: {} {}",
        ctx.t("approved as version", "已批准为"),
        a.version.version,
        ctx.t("of", "版本，日期"),
        a.version.service_date,
        a.trips.len(),
        ctx.t("trips created", "个车次已创建"),
    );
    for t in &a.trips {
        let from = match t.origin {
            TripOrigin::Port { id } => format!("{} #{id}", ctx.t("port", "口岸")),
            TripOrigin::Hotel { id } => format!(
                "{} #{id} ({})",
                ctx.t("hotel", "酒店"),
                ctx.t("second transfer", "二次转运")
            ),
        };
        println!(
            "  {} → {} {} {} {from}",
            t.batch_code,
            ctx.t("trip", "车次"),
            t.trip,
            ctx.t("from", "出发地"),
        );
    }
    Ok(ExitCode::SUCCESS)
}
