//! `closedloop bench ledger`: hand-overs through the desk's real path into a fresh embedded
//! SQLite database — trips planned and passed through their gates (check-lists completed),
//! then every hand-over started by the giver and confirmed by the receiver with the one-time
//! code and the head-count: custody rules, loops, the `handovers` rows and the ledger entry
//! with its signed head, one durable transaction for the start and one for the confirmation —
//! then `ledger verify` of the result.

use super::generate_manifest;
use crate::commands::Ctx;
use crate::commands::import::import_quiet;
use crate::output::table;
use anyhow::{Result, bail, ensure};
use chrono::{DateTime, Duration, TimeZone, Utc};
use clap::Args;
use closedloop_app::keys::LedgerKeys;
use closedloop_domain::ids::{BatchId, CrewId, DestinationId, PortId, TravelerId, VehicleId};
use closedloop_handover::{ChecklistKind, Subject};
use closedloop_store::custody::{self, PartyKey, PartyRole};
use closedloop_store::desk::{
    self, ConfirmHandover, Desk, NewChecklist, PlannedStop, PlannedTrip, StartHandover,
};
use closedloop_store::{DatabaseUrl, DbConnection, Store, ledger};
use serde_json::{Value, json};
use std::process::ExitCode;
use std::time::Instant;

/// Travelers per hand-over; each traveler is handed over twice (port staff → crew at the start
/// of the trip, crew → hotel staff at its end).
pub(super) const GROUP: usize = 3;
/// Travelers per trip.
const TRIP_SEATS: usize = 15;
const VEHICLES: i64 = 50;
const CREW: i64 = 100;
const HOTELS: i64 = 40;

#[derive(Debug, Args)]
pub struct BenchLedgerArgs {
    /// Hand-overs to record.
    #[arg(long, default_value_t = 20_000)]
    pub handovers: usize,
    /// Hand-overs per round: the givers start them all, then the receivers confirm them one by
    /// one (each start and each confirmation is its own durable transaction).
    #[arg(long, default_value_t = 100)]
    pub batch: usize,
}

/// One hand-over of the benchmark, before it is started.
pub(super) struct Planned {
    pub(super) trip: BatchId,
    pub(super) giver: PartyKey,
    pub(super) receiver: PartyKey,
    pub(super) travelers: Vec<i64>,
    pub(super) at: DateTime<Utc>,
    pub(super) position: (f64, f64),
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
    let travelers: Vec<i64> = store.travelers(None)?.iter().map(|t| t.id.0).collect();
    let port = store
        .ports()?
        .first()
        .map(|p| p.id)
        .expect("configured ports");
    let mut conn = store.conn()?;
    let keys = LedgerKeys::generate("closedloop.bench/ledger")?;
    let mut desk = Desk::open(
        &mut conn,
        keys.for_store(),
        &ctx.config.handover.templates,
        &ctx.config.handover.gates,
    )?;
    let t = Instant::now();
    let mut planned = setup_trips(&mut conn, &mut desk, port, &travelers)?;
    let setup_s = t.elapsed().as_secs_f64();
    planned.truncate(args.handovers);

    let mut latencies = Vec::new();
    let start = Instant::now();
    for round in rounds(&planned, args.batch) {
        let t = Instant::now();
        let mut started = Vec::with_capacity(round.len());
        for h in round {
            let s = desk::start_handover(
                &mut conn,
                &StartHandover {
                    trip_id: h.trip,
                    to_trip_id: None,
                    giver: h.giver,
                    receiver: h.receiver,
                    giver_signer: "Giver".into(),
                    travelers: h.travelers.iter().map(|&t| TravelerId(t)).collect(),
                    expected: None,
                    at: h.at,
                },
            )?;
            started.push((h, s));
        }
        for (h, s) in started {
            desk.confirm_handover(
                &mut conn,
                &ConfirmHandover {
                    id: s.id,
                    code: s.code.to_string(),
                    counted: h.travelers.len() as i64,
                    receiver_signer: "Receiver".into(),
                    at: h.at,
                    position: Some(h.position),
                },
            )?;
        }
        latencies.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let append_s = start.elapsed().as_secs_f64();

    let t = Instant::now();
    let verified = ledger::verify(&mut conn, &keys.signer.verifier(), &keys.pepper, &[])?;
    let verify_s = t.elapsed().as_secs_f64();
    let summary = match verified {
        Ok(s) => s.log,
        Err(p) => bail!("the benchmark's own ledger does not verify: {p}"),
    };
    let open = desk::loops(&mut conn, Utc::now(), Duration::zero(), true)?;
    let delivered = open
        .iter()
        .filter(|l| l.status == desk::LoopState::Delivered)
        .count();
    drop(conn);
    let db_bytes: u64 = ["", "-wal"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{}{s}", db.display())).ok())
        .map(|m| m.len())
        .sum();

    latencies.sort_by(f64::total_cmp);
    let n = planned.len();
    let rate = n as f64 / append_s;
    let rows = vec![
        row(
            "hand-overs started and confirmed",
            format!(
                "{n} in {} rounds of up to {} ({delivered} travelers delivered)",
                latencies.len(),
                args.batch
            ),
            "",
        ),
        row("start + confirm time", format!("{append_s:.3} s"), ""),
        row("hand-overs/s", format!("{rate:.0}"), ">= 2,000"),
        row(
            "round, median / max",
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
                "{verify_s:.3} s ({} entries, {:.0} entries/s, {} heads)",
                summary.entries,
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
        "bench ledger: fresh SQLite (WAL, synchronous=FULL), {} travelers, {n} hand-overs of {GROUP} \
         through the desk path (start, then confirm with the code and the head-count: custody, \
         loops, ledger entry and signed head; one durable transaction each); setup outside the \
         timing — trips planned, check-lists completed, gates passed — {setup_s:.1} s",
        travelers.len(),
    );
    print!("{}", table(&["measure", "value", "target"], &rows));
    println!("target met: {}", if rate >= 2_000.0 { "yes" } else { "no" });
    Ok(ExitCode::SUCCESS)
}

fn row(a: &str, b: String, c: &str) -> Vec<String> {
    vec![a.to_string(), b, c.to_string()]
}

/// Consecutive hand-overs, at most `size` a round, never a trip's crew → hotel hand-over in
/// the round that starts its port → crew one (the crew must hold the travelers first).
fn rounds(planned: &[Planned], size: usize) -> Vec<&[Planned]> {
    let mut out = Vec::new();
    let mut first = 0;
    for (i, h) in planned.iter().enumerate() {
        let full = i - first == size;
        let after_own_port = h.giver.role == PartyRole::Crew
            && planned[first..i]
                .iter()
                .any(|p| p.trip == h.trip && p.giver.role == PartyRole::PortStaff);
        if full || after_own_port {
            out.push(&planned[first..i]);
            first = i;
        }
    }
    if first < planned.len() {
        out.push(&planned[first..]);
    }
    out
}

fn answers(kind: ChecklistKind) -> Value {
    match kind {
        ChecklistKind::PreTripTraining => json!({"epidemic_protection_passed": true,
            "ppe_donning_doffing": true, "traffic_safety_passed": true, "assessment_score": 92,
            "emergency_plan_known": true, "assessor": "Bench Assessor"}),
        ChecklistKind::CrewHealth => json!({"body_temperature": 36.6, "no_symptoms": true,
            "health_code_green": true, "nucleic_acid_negative": true,
            "hours_since_last_test": 20, "vaccinated": true}),
        ChecklistKind::VehicleInspection => json!({"brakes": true, "lights_and_horn": true,
            "tyres": true, "fuel_level": 80, "cab_partition": true, "safety_kit": true,
            "odometer": 120345, "dashboard_photo": "photos/dash.jpg"}),
        _ => json!({"crew_briefed": true, "no_stopping": true, "crew_ppe_on": true,
            "travelers_notified": true, "notice_languages": "zh, en",
            "travelers_masked_and_spaced": true}),
    }
}

fn checklist(
    conn: &mut DbConnection,
    desk: &mut Desk<'_>,
    kind: ChecklistKind,
    subject: Subject,
    at: DateTime<Utc>,
) -> Result<()> {
    let day = desk.gates().local_day(at);
    let Some(template) = desk.templates().in_force(kind, day) else {
        bail!(
            "bench setup: no {} check-list in force on {day}",
            kind.code()
        );
    };
    let answers = desk::parse_answers(template, &answers(kind))?;
    let done = desk.complete_checklist(
        conn,
        &NewChecklist {
            kind,
            subject,
            completed_at: at,
            completed_by: None,
            answers,
        },
    )?;
    ensure!(
        done.outcome.passed,
        "bench setup: the {} check-list failed",
        kind.code()
    );
    Ok(())
}

/// Outside the timing: vehicles, crew and their check-lists of the day, one trip per
/// `TRIP_SEATS` travelers planned to one hotel with its pre-departure reminder, every trip
/// departed through its gates; returns every trip's hand-overs in time order (port staff →
/// crew when it leaves, crew → hotel staff 90 minutes later).
pub(super) fn setup_trips(
    conn: &mut DbConnection,
    desk: &mut Desk<'_>,
    port: i64,
    travelers: &[i64],
) -> Result<Vec<Planned>> {
    // 1 July 2021, 08:00 in Beijing: every departure falls on this local day.
    let day0 = Utc.with_ymd_and_hms(2021, 7, 1, 0, 0, 0).unwrap();
    let trips_n = travelers.len().div_ceil(TRIP_SEATS).max(1) as i64;
    let spacing = Duration::milliseconds((11 * 3_600_000 / trips_n).min(20_000));
    let vehicles: Vec<i64> = (0..VEHICLES)
        .map(|i| custody::add_vehicle(conn, &format!("沪B{i:05}"), 20))
        .collect::<Result<_, _>>()?;
    let crew: Vec<i64> = (0..CREW)
        .map(|i| custody::add_crew(conn, &format!("S{i:04}"), &format!("crew {i}"), "escort"))
        .collect::<Result<_, _>>()?;
    for &c in &crew {
        for kind in [ChecklistKind::PreTripTraining, ChecklistKind::CrewHealth] {
            let subject = Subject::CrewMember { crew: CrewId(c) };
            checklist(conn, desk, kind, subject, day0)?;
        }
    }
    for &v in &vehicles {
        let subject = Subject::VehicleDay {
            vehicle: VehicleId(v),
            day: desk.gates().local_day(day0),
        };
        checklist(conn, desk, ChecklistKind::VehicleInspection, subject, day0)?;
    }
    let mut out = Vec::with_capacity(travelers.len() / GROUP * 2);
    for (k, seats) in travelers.chunks(TRIP_SEATS).enumerate() {
        let k64 = k as i64;
        let start = day0 + Duration::hours(1) + spacing * k as i32;
        let end = start + Duration::minutes(90);
        let c = [crew[k % crew.len()], crew[(k + 1) % crew.len()]];
        let hotel = 1 + k64 % HOTELS;
        let trip = desk::plan_trip(
            conn,
            &PlannedTrip {
                vehicle_id: VehicleId(vehicles[k % vehicles.len()]),
                port_id: PortId(port),
                crew: c.iter().map(|&x| CrewId(x)).collect(),
                stops: vec![PlannedStop {
                    destination: Some(DestinationId(hotel)),
                    travelers: seats.iter().map(|&t| TravelerId(t)).collect(),
                }],
                depart_at: start,
                arrive_by: end,
            },
        )?;
        let subject = Subject::Batch { batch: trip };
        let reminded = start - Duration::minutes(10);
        checklist(
            conn,
            desk,
            ChecklistKind::PreDepartureReminder,
            subject,
            reminded,
        )?;
        desk.depart(conn, trip, start)?;
        let escort = PartyKey {
            role: PartyRole::Crew,
            id: c[0],
        };
        let sides = [
            (
                start,
                PartyKey {
                    role: PartyRole::PortStaff,
                    id: 1 + k64 % 20,
                },
                escort,
                (31.1443, 121.8083),
            ),
            (
                end,
                escort,
                PartyKey {
                    role: PartyRole::HotelStaff,
                    id: hotel,
                },
                (31.2304, 121.4737),
            ),
        ];
        for (at, giver, receiver, position) in sides {
            for group in seats.chunks(GROUP) {
                out.push(Planned {
                    trip,
                    giver,
                    receiver,
                    travelers: group.to_vec(),
                    at,
                    position,
                });
            }
        }
    }
    // Port hand-overs of a trip come before its hotel ones, trips in departure order.
    out.sort_by_key(|h| h.at);
    Ok(out)
}
