//! `closedloop bench ledger`: hand-overs recorded through the real store path — the
//! `handovers` rows, their travelers, the ledger entries with their traveler index, a signed
//! head and the appender state, one durable transaction per batch — into a fresh embedded
//! SQLite database; then `ledger verify` of the result.

use super::generate_manifest;
use crate::commands::Ctx;
use crate::commands::import::import_quiet;
use crate::output::table;
use anyhow::{Result, bail, ensure};
use chrono::{Duration, NaiveDate};
use clap::Args;
use closedloop_app::keys::LedgerKeys;
use closedloop_ledger::UtcMillis;
use closedloop_store::custody::{self, NewHandover, NewTrip, PartyKey, PartyRole};
use closedloop_store::{DatabaseUrl, DbConnection, Store, StoreError, in_transaction, ledger};
use std::process::ExitCode;
use std::time::Instant;

/// Travelers per hand-over; each traveler is handed over twice (port desk → crew at the start
/// of the trip, crew → hotel desk at its end).
const GROUP: usize = 3;
/// Travelers per trip.
const TRIP_SEATS: usize = 15;
const VEHICLES: i64 = 50;
const CREW: i64 = 100;

#[derive(Debug, Args)]
pub struct BenchLedgerArgs {
    /// Hand-overs to record.
    #[arg(long, default_value_t = 20_000)]
    pub handovers: usize,
    /// Hand-overs per append batch (one transaction and one signed head each).
    #[arg(long, default_value_t = 100)]
    pub batch: usize,
}

pub fn run(ctx: &Ctx, args: &BenchLedgerArgs) -> Result<ExitCode> {
    ensure!(
        args.handovers > 0 && args.batch > 0,
        "--handovers and --batch must be positive"
    );
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("ledger-bench.db");
    let store = Store::open(&DatabaseUrl::Sqlite(db.clone()))?;
    store.sync_ports(&ctx.config.ports.ports)?;

    let travelers_n = args.handovers.div_ceil(2) * GROUP;
    let csv = dir.path().join("manifest.csv");
    std::fs::write(&csv, generate_manifest(travelers_n))?;
    let (summary, ok) = import_quiet(ctx, &store, &csv, false)?;
    if !ok || summary.imported != travelers_n {
        bail!(
            "bench setup: {} of {travelers_n} travelers imported",
            summary.imported
        );
    }
    let travelers: Vec<i64> = store.travelers(None)?.iter().map(|t| t.id).collect();
    let port = store
        .ports()?
        .first()
        .map(|p| p.id)
        .expect("configured ports");
    let mut conn = store.conn()?;
    let handovers = setup_trips(&mut conn, port, &travelers)?;
    let handovers = &handovers[..args.handovers.min(handovers.len())];

    let keys = LedgerKeys::generate("closedloop.bench/ledger")?;
    let mut appender = ledger::load_appender(&mut conn)?;
    let mut latencies = Vec::new();
    let start = Instant::now();
    for batch in handovers.chunks(args.batch) {
        let t = Instant::now();
        custody::record_handovers(
            &mut conn,
            &mut appender,
            batch,
            keys.for_store(),
            UtcMillis::now(),
        )?;
        latencies.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let append_s = start.elapsed().as_secs_f64();

    let t = Instant::now();
    let verified = ledger::verify(&mut conn, &keys.signer.verifier(), &[])?;
    let verify_s = t.elapsed().as_secs_f64();
    let summary = match verified {
        Ok(s) => s,
        Err(p) => bail!("the benchmark's own ledger does not verify: {p}"),
    };
    drop(conn);
    let db_bytes: u64 = ["", "-wal"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{}{s}", db.display())).ok())
        .map(|m| m.len())
        .sum();

    latencies.sort_by(f64::total_cmp);
    let n = handovers.len();
    let rate = n as f64 / append_s;
    let rows = vec![
        row(
            "hand-overs recorded",
            format!("{n} in {} batches of {}", latencies.len(), args.batch),
            "",
        ),
        row("append time", format!("{append_s:.3} s"), ""),
        row("hand-overs/s", format!("{rate:.0}"), ">= 2,000"),
        row(
            "batch commit, median / max",
            format!(
                "{:.1} / {:.1} ms",
                latencies[latencies.len() / 2],
                latencies[latencies.len() - 1]
            ),
            "",
        ),
        row(
            "ledger verify",
            format!(
                "{verify_s:.3} s ({:.0} entries/s, {} heads)",
                summary.entries as f64 / verify_s,
                summary.heads_checked
            ),
            "",
        ),
        row(
            "database + WAL",
            format!("{:.1} MB", db_bytes as f64 / 1e6),
            "",
        ),
    ];
    println!(
        "bench ledger: fresh SQLite (WAL, synchronous=FULL), {} travelers, {} hand-overs of {GROUP}; \
         each batch one durable transaction with its signed head",
        travelers.len(),
        n
    );
    print!("{}", table(&["measure", "value", "target"], &rows));
    println!("target met: {}", if rate >= 2_000.0 { "yes" } else { "no" });
    Ok(ExitCode::SUCCESS)
}

fn row(a: &str, b: String, c: &str) -> Vec<String> {
    vec![a.to_string(), b, c.to_string()]
}

/// Vehicles, crew and one trip per `TRIP_SEATS` travelers (in one transaction, outside the
/// timing), and the hand-overs of every trip: port desk → crew, then crew → hotel desk.
fn setup_trips(
    conn: &mut DbConnection,
    port: i64,
    travelers: &[i64],
) -> Result<Vec<NewHandover>, StoreError> {
    let day0 = NaiveDate::from_ymd_opt(2021, 3, 1)
        .and_then(|d| d.and_hms_opt(6, 0, 0))
        .expect("valid date");
    in_transaction(conn, |conn| {
        let vehicles: Vec<i64> = (0..VEHICLES)
            .map(|i| custody::add_vehicle(conn, &format!("沪B{:05}", i), 20))
            .collect::<Result<_, _>>()?;
        let crew: Vec<i64> = (0..CREW)
            .map(|i| custody::add_crew(conn, &format!("S{i:04}"), &format!("crew {i}"), "escort"))
            .collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(travelers.len() / GROUP * 2);
        for (k, seats) in travelers.chunks(TRIP_SEATS).enumerate() {
            let k64 = k as i64;
            let start = day0 + Duration::minutes(20 * k64);
            let end = start + Duration::minutes(90);
            let c = [crew[k % crew.len()], crew[(k + 1) % crew.len()]];
            let trip = custody::add_trip(
                conn,
                &NewTrip {
                    vehicle_id: vehicles[k % vehicles.len()],
                    port_id: port,
                    started_at: start,
                    ended_at: end,
                    crew: c.to_vec(),
                    travelers: seats.to_vec(),
                },
            )?;
            let escort = PartyKey {
                role: PartyRole::Crew,
                id: c[0],
            };
            for (at, giver, receiver, position) in [
                (
                    start,
                    PartyKey {
                        role: PartyRole::PortStaff,
                        id: 1 + k64 % 20,
                    },
                    escort,
                    Some((31.1443, 121.8083)),
                ),
                (
                    end,
                    escort,
                    PartyKey {
                        role: PartyRole::HotelStaff,
                        id: 1 + k64 % 40,
                    },
                    Some((31.2304, 121.4737)),
                ),
            ] {
                for group in seats.chunks(GROUP) {
                    out.push(NewHandover {
                        trip_id: Some(trip),
                        giver,
                        receiver,
                        at,
                        position,
                        expected: group.len() as i64,
                        counted: group.len() as i64,
                        travelers: group.to_vec(),
                    });
                }
            }
        }
        // Port hand-overs of a trip come before its hotel ones, trips in departure order.
        out.sort_by_key(|h| h.at);
        Ok(out)
    })
}
