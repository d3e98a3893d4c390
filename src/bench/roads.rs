//! `closedloop bench roads`: load, preprocessing, single routes and matrices on the shipped
//! extract, with networkx's Dijkstra over the exported graph run in the same run as the peer.

use crate::commands::Ctx;
use crate::output::table;
use anyhow::{Context, Result, bail};
use clap::Args;
use closedloop_app::roads::{export, open_network, speeds};
use closedloop_domain::hash::SplitMix64;
use closedloop_roads::NodeId;
use closedloop_roads::model::{RoadNetwork, preprocessed_path};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

#[derive(Debug, Args)]
pub struct BenchRoadsArgs {
    /// The extract. Default: [roads] osm of the configuration.
    #[arg(long, value_name = "FILE")]
    pub osm: Option<PathBuf>,
    /// Matrix sizes to time.
    #[arg(long, value_delimiter = ',', default_values_t = [100, 500, 1000])]
    pub sizes: Vec<usize>,
    /// Single route queries to average.
    #[arg(long, default_value_t = 1000)]
    pub routes: usize,
    /// The peer runner (`roads_networkx.py` of the shared bench folder: networkx Dijkstra over
    /// `roads export`), run on the largest matrix. Without it, no peer runs.
    #[arg(long, value_name = "FILE")]
    pub peer: Option<PathBuf>,
    /// Python with networkx installed (e.g. a virtual environment's).
    #[arg(long, default_value = "python3")]
    pub python: String,
    /// Seed for the random points.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

pub fn run(ctx: &Ctx, args: &BenchRoadsArgs) -> Result<ExitCode> {
    let Some(osm) = args.osm.clone().or_else(|| ctx.config.roads.osm.clone()) else {
        bail!("bench roads needs an extract: give --osm FILE or set [roads] osm");
    };
    let pre = preprocessed_path(&osm);
    let _ = std::fs::remove_file(&pre);
    let (net, cold) = open_network(ctx, &osm)?;
    let (_, warm) = RoadNetwork::open(&osm, &speeds(ctx)?, ctx.config.roads.max_snap_m)?;
    let g = net.graph();
    let n = g.num_nodes();
    let mut rng = SplitMix64::new(args.seed);
    let mut rows = vec![
        vec![
            "graph".into(),
            format!(
                "{} nodes, {} edges, {} shortcuts",
                n,
                g.num_edges(),
                net.hierarchy().num_shortcuts()
            ),
        ],
        vec!["load extract".into(), format!("{:.3} s", cold.load_seconds)],
        vec![
            "preprocessing (contraction)".into(),
            format!("{:.3} s", cold.preprocessing_seconds),
        ],
        vec![
            "restart: reuse preprocessed file".into(),
            format!(
                "{:.3} s (reused: {})",
                warm.preprocessing_seconds, warm.reused_preprocessing
            ),
        ],
    ];

    let pairs: Vec<(NodeId, NodeId)> = (0..args.routes.max(1))
        .map(|_| (rng.below(n as u64) as NodeId, rng.below(n as u64) as NodeId))
        .collect();
    let started = Instant::now();
    let mut found = 0;
    for (s, t) in &pairs {
        found += usize::from(net.hierarchy().route(*s, *t).is_some());
    }
    let per = started.elapsed().as_secs_f64() / pairs.len() as f64;
    rows.push(vec![
        "single route (with path)".into(),
        format!(
            "{:.3} ms mean over {} ({found} found)",
            per * 1e3,
            pairs.len()
        ),
    ]);

    let mut largest: Option<(Vec<NodeId>, closedloop_roads::model::Matrix, f64)> = None;
    for &size in &args.sizes {
        let nodes: Vec<NodeId> = (0..size).map(|_| rng.below(n as u64) as NodeId).collect();
        let started = Instant::now();
        let m = net.node_matrix(&nodes);
        let secs = started.elapsed().as_secs_f64();
        rows.push(vec![
            format!("{size}×{size} matrix"),
            format!("{secs:.3} s"),
        ]);
        if largest.as_ref().is_none_or(|(l, _, _)| l.len() < size) {
            largest = Some((nodes, m, secs));
        }
    }
    if let (Some((nodes, matrix, secs)), Some(script)) = (&largest, &args.peer) {
        match peer(args, script, &net, nodes) {
            Ok((peer_secs, peer_cells, line)) => {
                let (mut dt, mut dl, mut mismatch, mut over) = (0f64, 0f64, 0usize, 0usize);
                for (i, peer) in peer_cells.iter().enumerate() {
                    match (matrix.cells[i], peer) {
                        (Some(a), Some((t, l))) => {
                            let (rt, rl) = (rel(a.time_s, *t), rel(a.length_m, *l));
                            over += usize::from(rt > 1e-6 || rl > 1e-6);
                            dt = dt.max(rt);
                            dl = dl.max(rl);
                        }
                        (None, None) => {}
                        _ => mismatch += 1,
                    }
                }
                rows.push(vec![
                    format!("networkx {}×{}", nodes.len(), nodes.len()),
                    format!("{peer_secs:.3} s ({line})"),
                ]);
                rows.push(vec![
                    "ratio networkx / closedloop".into(),
                    format!("{:.0}×", peer_secs / secs),
                ]);
                rows.push(vec![
                    "largest relative difference".into(),
                    format!(
                        "time {dt:.2e}, length {dl:.2e}; pairs over 1e-6: {over}; \
                         reachability mismatches: {mismatch}"
                    ),
                ]);
            }
            Err(e) => rows.push(vec!["networkx".into(), format!("not run: {e:#}")]),
        }
    }
    println!(
        "bench roads: {} (© OpenStreetMap contributors, ODbL)",
        osm.display()
    );
    print!("{}", table(&["measure", "value"], &rows));
    Ok(ExitCode::SUCCESS)
}

fn rel(a: f64, b: f64) -> f64 {
    if a == b {
        0.0
    } else {
        (a - b).abs() / a.abs().max(b.abs())
    }
}

type PeerCells = Vec<Option<(f64, f64)>>;

/// Runs the peer on the exported graph; returns its matrix time (as it reports it) and values.
fn peer(
    args: &BenchRoadsArgs,
    script: &Path,
    net: &RoadNetwork,
    nodes: &[NodeId],
) -> Result<(f64, PeerCells, String)> {
    anyhow::ensure!(script.exists(), "{} not found", script.display());
    let dir = tempfile::tempdir()?;
    let (edges, nodes_csv, points, out) = (
        dir.path().join("edges.csv"),
        dir.path().join("nodes.csv"),
        dir.path().join("points.csv"),
        dir.path().join("out.csv"),
    );
    export(net.graph(), &edges, &nodes_csv)?;
    let mut w = std::fs::File::create(&points)?;
    writeln!(w, "node")?;
    for u in nodes {
        writeln!(w, "{u}")?;
    }
    let output = Command::new(&args.python)
        .arg(script)
        .args([&edges, &points, &out])
        .output()
        .with_context(|| format!("cannot run {}", args.python))?;
    let stdout = String::from_utf8_lossy(&output.stdout).trim().to_string();
    anyhow::ensure!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
            .lines()
            .last()
            .unwrap_or("failed")
    );
    // "…, 1000x1000 time matrix 12.345 s"
    let secs: f64 = stdout
        .rsplit("matrix ")
        .next()
        .and_then(|s| s.trim_end_matches(" s").trim().parse().ok())
        .with_context(|| format!("cannot read the peer's timing from {stdout:?}"))?;
    let mut cells = Vec::with_capacity(nodes.len() * nodes.len());
    let mut r = csv::Reader::from_path(&out)?;
    for rec in r.records() {
        let rec = rec?;
        let t: Option<f64> = rec.get(2).and_then(|v| v.parse().ok());
        let l: Option<f64> = rec.get(3).and_then(|v| v.parse().ok());
        cells.push(t.zip(l));
    }
    anyhow::ensure!(
        cells.len() == nodes.len() * nodes.len(),
        "peer wrote {} cells",
        cells.len()
    );
    Ok((
        secs,
        cells,
        stdout.split(':').next().unwrap_or("networkx").to_string(),
    ))
}
