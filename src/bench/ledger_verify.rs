//! `closedloop bench ledger-verify`: `ledger verify` over a generated year in a fresh embedded
//! SQLite database — the log's own audit (every leaf hash, the chain, every signed head, the
//! appender state, the traveler index) and the cross-check of every custody row against the
//! entries — timed, with the rows checked per table and the audit alone beside it.
//!
//! The year (`closedloop_store::generate`, outside the timing): travelers imported from a
//! generated manifest, about three trips for ten travelers over 365 days, each traveler handed
//! over at the port and at their destination one by one, one trip in ten relieved on the road,
//! check-lists, gate decisions and state changes per trip, incidents, a quarter purged.

use super::generate_manifest;
use crate::commands::Ctx;
use crate::commands::import::import_quiet;
use crate::output::table;
use anyhow::{Result, bail, ensure};
use clap::Args;
use closedloop_app::keys::LedgerKeys;
use closedloop_store::generate::{self, YearShape};
use closedloop_store::{DatabaseUrl, Store, ledger};
use std::process::ExitCode;
use std::time::Instant;

/// The bar: a year verifies in seconds.
const TARGET_S: f64 = 10.0;

#[derive(Debug, Args)]
pub struct BenchLedgerVerifyArgs {
    /// Travelers in the generated year (about 2 hand-overs each, 3 trips for 10 travelers).
    #[arg(long, default_value_t = 100_000)]
    pub travelers: usize,
    /// Runs of `ledger verify`; the median is reported, with the fastest.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Seed of the generated year.
    #[arg(long, default_value_t = 2022)]
    pub seed: u64,
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

pub fn run(ctx: &Ctx, args: &BenchLedgerVerifyArgs) -> Result<ExitCode> {
    ensure!(args.travelers > 0, "--travelers must be positive");
    let runs = args.runs.max(1);
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("ledger-verify-bench.db");
    let store = Store::open(&DatabaseUrl::Sqlite(db.clone()))?;
    store.sync_ports(&ctx.config.ports.ports)?;

    let t = Instant::now();
    let csv = dir.path().join("manifest.csv");
    std::fs::write(&csv, generate_manifest(args.travelers))?;
    let (summary, ok) = import_quiet(ctx, &store, &csv, false)?;
    if !ok || summary.imported != args.travelers {
        bail!(
            "bench setup: {} of {} travelers imported",
            summary.imported,
            args.travelers
        );
    }
    let mut conn = store.conn()?;
    let travelers: Vec<i64> = store.travelers(None)?.iter().map(|t| t.id.0).collect();
    let port = store
        .ports()?
        .first()
        .map(|p| p.id)
        .expect("configured ports");
    let keys = LedgerKeys::generate("closedloop.bench/ledger-verify")?;
    let year = generate::year(
        &mut conn,
        keys.for_store(),
        &ctx.config.handover.templates,
        port,
        &travelers,
        YearShape::for_travelers(travelers.len()),
        args.seed,
    )?;
    let setup_s = t.elapsed().as_secs_f64();

    let verifier = keys.signer.verifier();
    let mut full = Vec::with_capacity(runs);
    let mut checked = None;
    for _ in 0..runs {
        let t = Instant::now();
        let done = match ledger::verify(&mut conn, &verifier, &keys.pepper, &[])? {
            Ok(done) => done,
            Err(p) => bail!("the generated year does not verify: {p}"),
        };
        full.push(t.elapsed().as_secs_f64());
        checked = Some(done);
    }
    let mut log_only = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        if let Err(p) = ledger::audit(&mut conn, &verifier, &[])? {
            bail!("the generated year does not audit: {p}");
        }
        log_only.push(t.elapsed().as_secs_f64());
    }
    let checked = checked.expect("at least one run");
    drop(conn);
    let db_bytes: u64 = ["", "-wal"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{}{s}", db.display())).ok())
        .map(|m| m.len())
        .sum();

    let fastest = full.iter().copied().fold(f64::INFINITY, f64::min);
    let (verify_s, audit_s) = (median(&mut full), median(&mut log_only));
    let rows_total = checked.custody.total();
    let row = |a: &str, b: String, c: &str| vec![a.to_string(), b, c.to_string()];
    let mut rows = vec![
        row(
            "generated year",
            format!(
                "{} travelers, {} trips ({} relief), {} hand-overs, {} check-lists, {} gate decisions, {} incidents, {} purged",
                travelers.len(),
                year.trips,
                year.relief_trips,
                year.hand_overs,
                year.checklists,
                year.gate_decisions,
                year.incidents,
                year.purged
            ),
            "",
        ),
        row(
            "ledger",
            format!(
                "{} entries, {} signed heads",
                checked.log.entries, checked.log.heads_checked
            ),
            "",
        ),
    ];
    for (t, n) in &checked.custody.rows {
        rows.push(row(&format!("  rows of {t}"), format!("{n}"), ""));
    }
    rows.extend([
        row(
            "ledger verify (audit + cross-check), median / fastest",
            format!(
                "{verify_s:.3} / {fastest:.3} s ({rows_total} custody rows, {:.0} rows/s)",
                rows_total as f64 / verify_s
            ),
            "seconds",
        ),
        row(
            "the log's audit alone, median",
            format!("{audit_s:.3} s"),
            "",
        ),
        row(
            "the cross-check's share (load rows, compare)",
            format!("{:.3} s", (verify_s - audit_s).max(0.0)),
            "",
        ),
        row(
            "database + WAL",
            format!("{:.1} MB", db_bytes as f64 / 1e6),
            "",
        ),
    ]);
    println!(
        "bench ledger-verify: fresh SQLite (WAL), a generated year written with its ledger entries \
         in batches of 5,000 (setup outside the timing: {setup_s:.1} s); {runs} run(s) of each"
    );
    print!("{}", table(&["measure", "value", "target"], &rows));
    println!(
        "target met: {}",
        if verify_s <= TARGET_S { "yes" } else { "no" }
    );
    Ok(ExitCode::SUCCESS)
}
