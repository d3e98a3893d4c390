//! `closedloop roads …`: the road network from the command line.

use super::Ctx;
use super::desk::point;
use crate::output::table;
use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use closedloop_app::roads::{self, RoadsSource};
use closedloop_roads::model::{Metric, Point};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct RoadsArgs {
    /// The OpenStreetMap extract (.osm.pbf). Default: [roads] osm of the configuration.
    #[arg(long, global = true, value_name = "FILE")]
    pub osm: Option<PathBuf>,
    /// An OSRM server (http://HOST:PORT) to ask instead of an extract. Default: [roads] osrm.
    #[arg(long, global = true, value_name = "URL", conflicts_with = "osm")]
    pub osrm: Option<String>,
    #[command(subcommand)]
    pub command: RoadsCommand,
}

#[derive(Debug, Subcommand)]
pub enum RoadsCommand {
    /// Nodes, edges, components, bounding box, and how the preprocessing was obtained.
    Info,
    /// Fastest route between two points.
    Route(RouteArgs),
    /// Time and distance matrix between the points of a CSV file.
    Matrix(MatrixArgs),
    /// Write the graph exactly as the engine sees it, for others to check.
    Export(ExportArgs),
}

#[derive(Debug, Args)]
pub struct RouteArgs {
    /// Start, as LAT,LON.
    #[arg(long, value_parser = point, allow_hyphen_values = true)]
    pub from: Point,
    /// End, as LAT,LON.
    #[arg(long, value_parser = point, allow_hyphen_values = true)]
    pub to: Point,
    /// Print the route as a GeoJSON Feature (LineString with time_s and length_m).
    #[arg(long)]
    pub geojson: bool,
    /// What the route minimises: time (the fastest) or distance (the shortest).
    #[arg(long, value_enum, default_value = "time")]
    pub by: By,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum By {
    Time,
    Distance,
}

#[derive(Debug, Args)]
pub struct MatrixArgs {
    /// CSV with a header naming `lat` and `lon` columns (others are ignored).
    #[arg(long, value_name = "FILE.csv")]
    pub points: PathBuf,
    /// Output CSV: `from,to,time_s,length_m`, one row per ordered pair of 0-based point
    /// indices, values empty when unreachable.
    #[arg(long, value_name = "FILE.csv")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Edges CSV: `from,to,length_m,time_s`.
    #[arg(long, value_name = "FILE.csv")]
    pub edges: PathBuf,
    /// Nodes CSV: `id,lat,lon`.
    #[arg(long, value_name = "FILE.csv")]
    pub nodes: PathBuf,
}

impl RoadsArgs {
    fn source(&self) -> RoadsSource {
        RoadsSource {
            osm: self.osm.clone(),
            osrm: self.osrm.clone(),
        }
    }
}

pub fn run(ctx: &Ctx, args: RoadsArgs) -> Result<ExitCode> {
    let source = args.source();
    match &args.command {
        RoadsCommand::Info => info(ctx, &source)?,
        RoadsCommand::Route(r) => {
            let metric = match r.by {
                By::Time => Metric::Time,
                By::Distance => Metric::Distance,
            };
            let route = roads::route(ctx, &source, r.from, r.to, metric)?;
            if r.geojson {
                println!("{}", serde_json::to_string_pretty(&route.to_geojson())?);
            } else {
                println!(
                    "{}: {:.1} s ({:.1} min), {:.1} m, {} {}",
                    ctx.t("route", "路线"),
                    route.leg.time_s,
                    route.leg.time_s / 60.0,
                    route.leg.length_m,
                    route.geometry.0.len(),
                    ctx.t("points", "个点")
                );
            }
        }
        RoadsCommand::Matrix(a) => {
            let points = roads::read_points(&a.points)?;
            let matrix = roads::matrix(ctx, &source, &points)?;
            roads::write_matrix(&matrix, &a.out)?;
            eprintln!(
                "{} {}×{} → {}",
                ctx.t("matrix", "矩阵"),
                matrix.size,
                matrix.size,
                a.out.display()
            );
        }
        RoadsCommand::Export(a) => {
            let Some(osm) = source.extract(ctx) else {
                bail!(
                    "{}",
                    ctx.t(
                        "roads export needs an extract: give --osm FILE or set [roads] osm in the configuration",
                        "roads export 需要路网数据：请用 --osm FILE 指定，或在配置的 [roads] osm 中设置"
                    )
                );
            };
            let (net, _) = roads::open_network(ctx, &osm)?;
            roads::export(net.graph(), &a.edges, &a.nodes)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn info(ctx: &Ctx, source: &RoadsSource) -> Result<()> {
    let osm = source.extract(ctx).filter(|_| source.osrm(ctx).is_none());
    let Some(osm) = osm else {
        let m = roads::travel_model(ctx, source)?;
        println!("{}", m.describe());
        return Ok(());
    };
    let (net, report) = roads::open_network(ctx, &osm)?;
    let g = net.graph();
    let (mut s, mut w, mut n, mut e) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for p in g.nodes() {
        (s, w, n, e) = (s.min(p.lat), w.min(p.lon), n.max(p.lat), e.max(p.lon));
    }
    let st = &report.load;
    let rows = vec![
        vec![
            ctx.t("extract", "数据文件").into(),
            osm.display().to_string(),
        ],
        vec![ctx.t("nodes", "节点").into(), g.num_nodes().to_string()],
        vec![ctx.t("edges", "边").into(), g.num_edges().to_string()],
        vec![
            ctx.t(
                "before SCC (nodes / edges / components)",
                "强连通前（节点/边/分量）",
            )
            .into(),
            format!(
                "{} / {} / {}",
                st.nodes_before_scc, st.edges_before_scc, st.components
            ),
        ],
        vec![
            ctx.t("bounding box (S,W,N,E)", "范围（南,西,北,东）")
                .into(),
            format!("{s:.5},{w:.5},{n:.5},{e:.5}"),
        ],
        vec![
            ctx.t("load", "加载").into(),
            format!("{:.3} s", report.load_seconds),
        ],
        vec![
            ctx.t("preprocessing", "预处理").into(),
            format!(
                "{:.3} s ({}, {} {})",
                report.preprocessing_seconds,
                if report.reused_preprocessing {
                    ctx.t("reused", "已复用")
                } else {
                    ctx.t("built", "新建")
                },
                net.hierarchy().num_shortcuts(),
                ctx.t("shortcuts", "条捷径")
            ),
        ],
        vec![
            ctx.t("attribution", "版权").into(),
            "© OpenStreetMap contributors, ODbL".into(),
        ],
    ];
    print!("{}", table(&[ctx.t("road network", "路网"), ""], &rows));
    Ok(())
}
