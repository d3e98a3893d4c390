//! `closedloop demo`: what is built so far, on a fresh embedded database — the sample
//! manifests imported (one of them refused, to show the row-numbered errors), then the counts
//! and the masked traveler list, the road matrix of the demo city and a day of routes over it.

use super::Ctx;
use super::import::import_quiet;
use super::stats::StatsArgs;
use super::travelers::{ListArgs, ListFormat, TravelersCommand};
use anyhow::{Context, Result};
use clap::Args;
use closedloop_app::App;
use closedloop_app::roads;
use closedloop_store::{DatabaseUrl, Store};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder of sample manifests, imported in name order.
    #[arg(long, default_value = "examples/manifests")]
    pub manifests: PathBuf,
    /// Places (name,lat,lon; the port first) for the travel-time matrix over the road network.
    #[arg(long, default_value = "examples/hotels.csv")]
    pub places: PathBuf,
}

pub fn run(ctx: &Ctx, args: &DemoArgs) -> Result<ExitCode> {
    let url = match ctx.app.named_database_url() {
        Some(u) => DatabaseUrl::parse(u)?,
        None => {
            // The demo starts from nothing each time, in its own file next to the real one.
            let path = ctx.config.data_dir.join("demo.db");
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            DatabaseUrl::Sqlite(path)
        }
    };
    let store = Store::open(&url)?;
    let demo_ctx = Ctx {
        app: App::with_store(ctx.config.clone(), store.clone())?,
        lang: ctx.lang,
    };
    println!(
        "== closedloop demo — {} {url} ({})",
        ctx.t("database", "数据库"),
        store.backend().name()
    );

    let mut files: Vec<PathBuf> = std::fs::read_dir(&args.manifests)
        .with_context(|| {
            format!(
                "cannot read {}: run the demo from the repository root",
                args.manifests.display()
            )
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && !p.to_string_lossy().ends_with(".rejected.csv"))
        .collect();
    files.sort();
    for f in &files {
        println!("\n$ closedloop import {}", f.display());
        let (s, ok) = import_quiet(&demo_ctx, &store, f, false)?;
        if ok {
            println!(
                "  {} {} / {} {}, {} {}",
                ctx.t("imported", "导入"),
                s.imported,
                s.rows,
                ctx.t("rows", "行"),
                s.arrivals_created,
                ctx.t("new arrival(s)", "个新航班/车次")
            );
        } else {
            for e in &s.errors {
                println!("  {e}");
            }
            println!(
                "  {}",
                ctx.t(
                    "-> refused: nothing from this file was imported",
                    "-> 已拒绝：此文件的数据均未导入"
                )
            );
        }
    }
    println!("\n$ closedloop stats");
    super::stats::run(&demo_ctx, &StatsArgs { json: false })?;
    println!(
        "\n$ closedloop travelers list   ({})",
        ctx.t(
            "personal data masked; --reveal shows it",
            "个人信息已遮蔽；--reveal 可显示"
        )
    );
    super::travelers::run(
        &demo_ctx,
        TravelersCommand::List(ListArgs {
            arrival: None,
            format: ListFormat::Table,
            reveal: false,
        }),
    )?;
    if let Some(osm) = &ctx.config.roads.osm {
        let (m, names) = road_matrix(ctx, osm, &args.places)?;
        super::demo_routes::print(&demo_ctx, &m, &names)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Travel times from the port to the sample destinations over the real road network.
fn road_matrix(
    ctx: &Ctx,
    osm: &std::path::Path,
    places: &std::path::Path,
) -> Result<(closedloop_roads::model::Matrix, Vec<String>)> {
    use closedloop_roads::model::TravelModel;
    println!(
        "\n$ closedloop roads matrix --points {}   (© OpenStreetMap contributors, ODbL)",
        places.display()
    );
    let points = roads::read_points(places)?;
    let names: Vec<String> = csv::Reader::from_path(places)?
        .records()
        .filter_map(|r| r.ok().and_then(|r| r.get(0).map(str::to_string)))
        .collect();
    let (net, _) = roads::open_network(ctx, osm)?;
    let m = net.matrix(&points)?;
    let rows: Vec<Vec<String>> = (1..m.size)
        .map(|j| {
            let leg = m.get(0, j);
            vec![
                names.get(j).cloned().unwrap_or_default(),
                leg.map_or("-".into(), |l| format!("{:.1}", l.time_s / 60.0)),
                leg.map_or("-".into(), |l| format!("{:.2}", l.length_m / 1000.0)),
            ]
        })
        .collect();
    let header = [
        ctx.t("from the port to", "自口岸至"),
        ctx.t("minutes", "分钟"),
        "km",
    ];
    print!("{}", crate::output::table(&header, &rows));
    Ok((m, names))
}
