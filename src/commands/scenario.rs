//! `closedloop scenario generate`: a realistic day over an extract, as a day file.

use super::Ctx;
use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use closedloop_app::scenario::{ScenarioRequest, generate};
use closedloop_scheduling::problem::Point;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum ScenarioCommand {
    /// Write a generated day (closedloop-day/1) over an OpenStreetMap extract: ports at its
    /// airports and stations, arrival banks, families, special needs, hotels and homes.
    Generate(GenerateArgs),
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Travelers arriving on the day.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub travelers: u32,
    /// Same extract, seed and day: same file.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The OpenStreetMap extract (.osm.pbf).
    #[arg(long)]
    pub osm: PathBuf,
    /// The service day (YYYY-MM-DD); the policy in force on it applies.
    #[arg(long, default_value = "2021-03-01")]
    pub date: NaiveDate,
    /// A port by its coordinates (LAT,LON), instead of the extract's airports and stations;
    /// repeat for several.
    #[arg(long = "port", value_name = "LAT,LON", value_parser = parse_point)]
    pub ports: Vec<Point>,
    /// Where to write the day file; standard output if absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

fn parse_point(s: &str) -> Result<Point, String> {
    let (lat, lon) = s
        .split_once(',')
        .ok_or_else(|| format!("{s:?}: expected LAT,LON"))?;
    let num = |v: &str| {
        v.trim()
            .parse::<f64>()
            .map_err(|_| format!("{v:?} is not a number"))
    };
    let p = Point {
        lat: num(lat)?,
        lon: num(lon)?,
    };
    p.coordinates("--port").map_err(|e| e.to_string())?;
    Ok(p)
}

pub fn run(ctx: &Ctx, command: ScenarioCommand) -> Result<ExitCode> {
    let ScenarioCommand::Generate(args) = command;
    let req = ScenarioRequest {
        osm: args.osm.clone(),
        travelers: args.travelers as usize,
        seed: args.seed,
        date: args.date,
        ports: args.ports.clone(),
    };
    let g = generate(&ctx.app, &req)?;
    let json = serde_json::to_string_pretty(&g.day)? + "\n";
    match &args.out {
        Some(path) => {
            if path.is_dir() {
                bail!("{} is a directory: give a file name", path.display());
            }
            std::fs::write(path, json)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let day = &g.day;
            eprintln!(
                "{} {}: {} {}, {} {}, {} {} ({} {}), {} {}, {} {}, {} {}",
                ctx.t("wrote", "已写入"),
                path.display(),
                day.arrivals
                    .iter()
                    .map(|a| a.travelers.len())
                    .sum::<usize>(),
                ctx.t("travelers", "名旅客"),
                day.arrivals.len(),
                ctx.t("arrivals", "个航班/车次"),
                day.hotels.len(),
                ctx.t("hotels", "家酒店"),
                g.mapped_hotels.min(day.hotels.len()),
                ctx.t("from the map", "来自地图"),
                day.stays.len(),
                ctx.t("guests already in hotels", "名在店旅客"),
                day.vehicles.len(),
                ctx.t("vehicles", "辆车"),
                day.crew.len(),
                ctx.t("crew", "名工作人员"),
            );
        }
        None => print!("{json}"),
    }
    Ok(ExitCode::SUCCESS)
}
