//! The demo's day of routes: each imported arrival's travelers planned onto a small fleet over
//! the road matrix of the demo city (`closedloop_app::planning`), every plan re-checked by
//! the independent checker, printed as a table.
//!
//! The demo's road extract holds one port, so every arrival is collected there.

use super::Ctx;
use crate::output::table;
use anyhow::Result;
use closedloop_app::planning::{Places, plan_arrivals};
use closedloop_roads::model::Matrix as RoadMatrix;
use std::time::Duration;

/// The demo places after the port: three hotels, then the hospital.
const PLACES: Places = Places {
    hotels: 3,
    hospital: 4,
};

/// Plans and prints each arrival's routes over `m` (port first, then `names`' places).
pub fn print(ctx: &Ctx, m: &RoadMatrix, names: &[String]) -> Result<()> {
    let plans = plan_arrivals(ctx, m, PLACES, Duration::from_millis(300), ctx.lang)?;
    println!(
        "\n$ {}",
        ctx.t(
            "plan each arrival's routes (travelers collected at the demo port)",
            "规划各航班/车次的转运路线（旅客在示例口岸集中）"
        )
    );
    let mut rows = Vec::new();
    for plan in &plans {
        let label = format!("{} {}", plan.arrival, plan.day);
        if plan.runs.is_empty() {
            rows.push(vec![
                label,
                "-".into(),
                plan.home.to_string(),
                String::new(),
            ]);
            continue;
        }
        for (i, run) in plan.runs.iter().enumerate() {
            let stops = run
                .stops
                .iter()
                .map(|&(place, n)| {
                    let place = names.get(place).map_or("?", String::as_str);
                    format!("{place} ({n})")
                })
                .collect::<Vec<_>>()
                .join(" → ");
            let first = i == 0;
            rows.push(vec![
                if first { label.clone() } else { String::new() },
                format!(
                    "{} {} +{:.0} min",
                    run.vehicle_type, run.vehicle, run.departure_min
                ),
                if first {
                    plan.home.to_string()
                } else {
                    String::new()
                },
                stops,
            ]);
        }
        let verdict = if plan.violations == 0 {
            ctx.t("checked: no violation", "复核：无违规").to_string()
        } else {
            format!("{} {}", plan.violations, ctx.t("violation(s)", "项违规"))
        };
        rows.push(vec![
            String::new(),
            format!("{:.1} km", plan.distance_km),
            String::new(),
            verdict,
        ]);
    }
    let header = [
        ctx.t("arrival", "航班/车次"),
        ctx.t("vehicle, leaves", "车辆、出发"),
        ctx.t("home (not routed)", "居家（未规划）"),
        ctx.t("stops (travelers)", "站点（人数）"),
    ];
    print!("{}", table(&header, &rows));
    Ok(())
}
