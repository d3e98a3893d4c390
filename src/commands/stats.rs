use super::Ctx;
use crate::output::table;
use anyhow::Result;
use clap::Args;
use closedloop_domain::traveler::{DestinationKind, HealthStatus};
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Print {"travelers": N, "arrivals": N, "by_destination": {…}, "by_health": {…}}.
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, args: &StatsArgs) -> Result<ExitCode> {
    let stats = closedloop_app::travelers::stats(ctx)?;
    if args.json {
        println!("{}", serde_json::to_string(&stats)?);
        return Ok(ExitCode::SUCCESS);
    }
    let mut rows = vec![
        vec![
            ctx.t("travelers", "旅客").to_string(),
            stats.travelers.to_string(),
        ],
        vec![
            ctx.t("arrivals", "航班/车次").to_string(),
            stats.arrivals.to_string(),
        ],
    ];
    for (code, n) in &stats.by_destination {
        let label = code
            .parse::<DestinationKind>()
            .map(|k| k.label(ctx.lang))
            .unwrap_or(code);
        rows.push(vec![
            format!("{}: {label}", ctx.t("destination", "去向")),
            n.to_string(),
        ]);
    }
    for (code, n) in &stats.by_health {
        let label = code
            .parse::<HealthStatus>()
            .map(|k| k.label(ctx.lang))
            .unwrap_or(code);
        rows.push(vec![
            format!("{}: {label}", ctx.t("health", "健康状况")),
            n.to_string(),
        ]);
    }
    print!(
        "{}",
        table(&[ctx.t("count", "统计项"), ctx.t("number", "数量")], &rows)
    );
    Ok(ExitCode::SUCCESS)
}
