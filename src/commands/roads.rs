//! `closedloop roads …`: the road network from the command line.

use super::Ctx;
use crate::output::table;
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use closedloop_roads::model::{Metric, Point, RoadNetwork, StraightLine, TravelModel};
use closedloop_roads::osrm::Osrm;
use closedloop_roads::speeds::SpeedTable;
use std::io::Write;
use std::path::{Path, PathBuf};
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
    #[arg(long, value_parser = parse_point, allow_hyphen_values = true)]
    pub from: Point,
    /// End, as LAT,LON.
    #[arg(long, value_parser = parse_point, allow_hyphen_values = true)]
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

fn parse_point(s: &str) -> Result<Point, String> {
    let (lat, lon) = s
        .split_once(',')
        .ok_or_else(|| format!("{s:?}: expected LAT,LON such as 31.2497,121.4555"))?;
    let lat: f64 = lat
        .trim()
        .parse()
        .map_err(|_| format!("{s:?}: latitude {lat:?} is not a number"))?;
    let lon: f64 = lon
        .trim()
        .parse()
        .map_err(|_| format!("{s:?}: longitude {lon:?} is not a number"))?;
    if lat.abs() > 90.0 || lon.abs() > 180.0 {
        return Err(format!(
            "{s:?}: latitude must be within ±90 and longitude within ±180 (LAT,LON order)"
        ));
    }
    Ok(Point { lat, lon })
}

/// The extract named by `--osm` or the configuration, if any.
fn extract(ctx: &Ctx, args: &RoadsArgs) -> Option<PathBuf> {
    args.osm.clone().or_else(|| ctx.config.roads.osm.clone())
}

pub fn speeds(ctx: &Ctx) -> Result<SpeedTable> {
    match &ctx.config.roads.speeds {
        Some(text) => SpeedTable::from_toml(text).map_err(|e| anyhow::anyhow!("speed table: {e}")),
        None => Ok(SpeedTable::default()),
    }
}

pub fn open_network(
    ctx: &Ctx,
    osm: &Path,
) -> Result<(RoadNetwork, closedloop_roads::model::OpenReport)> {
    Ok(RoadNetwork::open(
        osm,
        &speeds(ctx)?,
        ctx.config.roads.max_snap_m,
    )?)
}

/// The OSRM server to ask: `--osrm`, else the configured one unless `--osm` names an extract.
fn osrm_url(ctx: &Ctx, args: &RoadsArgs) -> Option<String> {
    match (&args.osrm, &args.osm) {
        (Some(url), _) => Some(url.clone()),
        (None, Some(_)) => None,
        (None, None) => ctx.config.roads.osrm.clone(),
    }
}

/// The model commands use: an OSRM server when one is named, the road network when an extract
/// is configured, else straight lines.
fn model(ctx: &Ctx, args: &RoadsArgs) -> Result<Box<dyn TravelModel>> {
    if let Some(url) = osrm_url(ctx, args) {
        return Ok(Box::new(Osrm::new(
            &url,
            &ctx.config.roads.osrm_profile,
            std::time::Duration::from_secs(600),
        )?));
    }
    Ok(match extract(ctx, args) {
        Some(osm) => Box::new(open_network(ctx, &osm)?.0),
        None => Box::new(StraightLine {
            detour_factor: ctx.config.roads.detour_factor,
            kmh: ctx.config.roads.straight_line_kmh,
        }),
    })
}

pub fn run(ctx: &Ctx, args: RoadsArgs) -> Result<ExitCode> {
    match &args.command {
        RoadsCommand::Info => info(ctx, &args)?,
        RoadsCommand::Route(r) => {
            let m = model(ctx, &args)?;
            let metric = match r.by {
                By::Time => Metric::Time,
                By::Distance => Metric::Distance,
            };
            let route = m.route_by(r.from, r.to, metric)?;
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
            let points = read_points(&a.points)?;
            let m = model(ctx, &args)?;
            let matrix = m.matrix(&points)?;
            let mut w = std::io::BufWriter::new(
                std::fs::File::create(&a.out)
                    .with_context(|| format!("cannot write {}", a.out.display()))?,
            );
            writeln!(w, "from,to,time_s,length_m")?;
            for i in 0..matrix.size {
                for j in 0..matrix.size {
                    match matrix.get(i, j) {
                        Some(l) => writeln!(w, "{i},{j},{:.6},{:.3}", l.time_s, l.length_m)?,
                        None => writeln!(w, "{i},{j},,")?,
                    }
                }
            }
            w.flush()?;
            eprintln!(
                "{} {}×{} → {}",
                ctx.t("matrix", "矩阵"),
                matrix.size,
                matrix.size,
                a.out.display()
            );
        }
        RoadsCommand::Export(a) => {
            let Some(osm) = extract(ctx, &args) else {
                bail!(
                    "roads export needs an extract: give --osm FILE or set [roads] osm in the configuration"
                );
            };
            let (net, _) = open_network(ctx, &osm)?;
            export(net.graph(), &a.edges, &a.nodes)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn info(ctx: &Ctx, args: &RoadsArgs) -> Result<()> {
    let osm = extract(ctx, args).filter(|_| osrm_url(ctx, args).is_none());
    let Some(osm) = osm else {
        let m = model(ctx, args)?;
        println!("{}", m.describe());
        return Ok(());
    };
    let (net, report) = open_network(ctx, &osm)?;
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

/// Reads `lat` and `lon` columns by header name; other columns are ignored.
pub fn read_points(path: &Path) -> Result<Vec<Point>> {
    let mut r = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let headers = r.headers()?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}').eq_ignore_ascii_case(name))
    };
    let (Some(lat), Some(lon)) = (col("lat"), col("lon")) else {
        bail!(
            "{}: the header must name `lat` and `lon` columns",
            path.display()
        );
    };
    let mut points = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec.with_context(|| format!("{}: row {}", path.display(), i + 2))?;
        let num = |c: usize, name: &str| -> Result<f64> {
            rec.get(c).and_then(|v| v.parse().ok()).with_context(|| {
                format!(
                    "{}, row {}, column {name:?}: not a number",
                    path.display(),
                    i + 2
                )
            })
        };
        points.push(Point {
            lat: num(lat, "lat")?,
            lon: num(lon, "lon")?,
        });
    }
    Ok(points)
}

/// Values are exact decimal forms of the engine's integer milliseconds and millimetres.
pub fn export(g: &closedloop_roads::RoadGraph, edges: &Path, nodes: &Path) -> Result<()> {
    let mut w = std::io::BufWriter::new(
        std::fs::File::create(edges)
            .with_context(|| format!("cannot write {}", edges.display()))?,
    );
    writeln!(w, "from,to,length_m,time_s")?;
    for e in g.edges() {
        writeln!(
            w,
            "{},{},{:.3},{:.6}",
            e.from,
            e.to,
            f64::from(e.length_mm) / 1000.0,
            f64::from(e.time_us) / 1_000_000.0
        )?;
    }
    w.flush()?;
    let mut w = std::io::BufWriter::new(
        std::fs::File::create(nodes)
            .with_context(|| format!("cannot write {}", nodes.display()))?,
    );
    writeln!(w, "id,lat,lon")?;
    for (i, n) in g.nodes().iter().enumerate() {
        writeln!(w, "{i},{},{}", n.lat, n.lon)?;
    }
    w.flush()?;
    Ok(())
}
