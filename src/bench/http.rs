//! `closedloop bench http`: hand-overs the way the phones make them, through the web service —
//! the real server (`closedloop_server::start` on a loopback port) over a fresh database (an
//! embedded SQLite in a temporary directory, or a new PostgreSQL database under
//! `--database-url`), trips departed through their gates, a port-staff account and one account
//! per crew member with bearer tokens (added through the app layer); then C concurrent phones
//! each start a hand-over (`POST /api/handovers`, the giver gets the code) and confirm it
//! (`POST /api/handovers/{id}/confirm`, the receiver with the code and the head-count), each
//! POST with its own `Idempotency-Key`, while S wall clients follow `GET /api/events` and count
//! that every hand-over event reached them, ids contiguous. Afterwards the stored hand-overs are
//! counted and the ledger verified.

use super::generate_manifest;
use super::ledger::{GROUP, setup_trips};
use crate::commands::Ctx;
use crate::commands::import::import_quiet;
use crate::output::table;
use anyhow::{Context, Result, bail, ensure};
use chrono::Utc;
use clap::Args;
use closedloop_app::AccessRole;
use closedloop_app::App;
use closedloop_app::accounts::{self, AddAccount};
use closedloop_store::custody::PartyRole;
use closedloop_store::desk::Desk;
use closedloop_store::ledger;
use closedloop_store::testing::TestDatabase;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::TcpListener;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[derive(Debug, Args)]
pub struct BenchHttpArgs {
    /// Hand-overs started and confirmed over HTTP.
    #[arg(long, default_value_t = 5_000)]
    pub confirmations: usize,
    /// Phones at once, each starting and confirming one hand-over after another.
    #[arg(long, default_value_t = 64)]
    pub clients: usize,
    /// Live-event streams (`GET /api/events`) open during the run, each checked to receive
    /// every hand-over event.
    #[arg(long, default_value_t = 500)]
    pub subscribers: usize,
    /// The server's worker threads (default: actix's, one per physical core).
    #[arg(long)]
    pub workers: Option<usize>,
    /// Use cases running at once on the server's blocking pool (default: the server's).
    #[arg(long)]
    pub max_blocking: Option<usize>,
    /// A PostgreSQL server to run against instead of the embedded SQLite: a fresh database is
    /// created on it for the run and dropped afterwards.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
}

/// One phone's hand-over: the trip, the crew member receiving, the travelers.
#[derive(Clone)]
struct Job {
    trip: i64,
    crew: i64,
    travelers: Vec<i64>,
}

pub fn run(ctx: &Ctx, args: &BenchHttpArgs) -> Result<ExitCode> {
    ensure!(
        args.confirmations > 0 && args.clients > 0,
        "--confirmations and --clients must be positive"
    );
    let db = match &args.database_url {
        Some(url) => TestDatabase::postgres(url)?,
        None => TestDatabase::sqlite(),
    };
    let dir = tempfile::tempdir()?;
    let mut config = ctx.config.clone();
    config.ledger.key_file = dir.path().join("ledger.key");
    config.roads.osm = None;
    config.database_url = None;
    let app = App::new(config.clone(), Some(db.url_string()));

    let t = Instant::now();
    let (jobs, port_code) = setup(ctx, &app, dir.path(), args.confirmations)?;
    let tokens = add_accounts(&app, &jobs, &port_code)?;
    let base = ledger::entry_count(&mut *app.conn()?)?;
    let setup_s = t.elapsed().as_secs_f64();

    let served = App::new(config, Some(db.url_string()));
    // The server's own store (its group commit's counts are read after the run).
    let group = Arc::clone(served.store()?.group());
    let (addr, handle, server) = serve(served, args.workers, args.max_blocking)?;
    let grouped = group.stats();
    let url = format!("http://{addr}");
    let outcome = actix_web::rt::System::new().block_on(drive(url, args, jobs, tokens, base));
    actix_web::rt::System::new().block_on(handle.stop(true));
    let _ = server.join();
    let outcome = outcome?;
    let grouped = {
        let now = group.stats();
        (now.units - grouped.units, now.commits - grouped.commits)
    };

    // What the database holds afterwards: one hand-over per 2xx, and a log that verifies.
    let mut conn = app.conn()?;
    let stored = ledger::entry_count(&mut conn)? - base;
    let keys = app.keys()?;
    let verified = ledger::verify(&mut conn, &keys.signer.verifier(), &keys.pepper, &[])?;
    drop(conn);
    print_report(
        args,
        &db,
        setup_s,
        &outcome,
        stored,
        verified.is_ok(),
        grouped,
    );
    Ok(ExitCode::SUCCESS)
}

/// Outside the timing: travelers imported, trips planned and departed through their gates;
/// the port → crew hand-overs to make, and the port's code.
fn setup(ctx: &Ctx, app: &App, dir: &std::path::Path, n: usize) -> Result<(Vec<Job>, String)> {
    let store = app.store()?;
    store.sync_ports(&app.config.ports.ports)?;
    let travelers_n = n * GROUP;
    let csv = dir.join("manifest.csv");
    std::fs::write(&csv, generate_manifest(travelers_n))?;
    let (summary, ok) = import_quiet(ctx, store, &csv, false)?;
    if !ok || summary.imported != travelers_n {
        bail!(
            "bench setup: {} of {travelers_n} travelers imported",
            summary.imported
        );
    }
    let travelers: Vec<i64> = store.travelers(None)?.iter().map(|t| t.id.0).collect();
    let port = store
        .ports()?
        .into_iter()
        .next()
        .context("no configured ports")?;
    let keys = app.keys()?;
    let mut conn = store.conn()?;
    let mut desk = Desk::open(
        &mut conn,
        keys.for_store(),
        &app.config.handover.templates,
        &app.config.handover.gates,
    )?;
    let planned = setup_trips(&mut conn, &mut desk, port.id, &travelers)?;
    let jobs: Vec<Job> = planned
        .into_iter()
        .filter(|h| h.giver.role == PartyRole::PortStaff)
        .take(n)
        .map(|h| Job {
            trip: h.trip.0,
            crew: h.receiver.id,
            travelers: h.travelers,
        })
        .collect();
    ensure!(
        jobs.len() == n,
        "bench setup: {} of {n} hand-overs",
        jobs.len()
    );
    Ok((jobs, port.code))
}

/// Bearer tokens: the port's staff (the givers), each receiving crew member, the wall.
struct Tokens {
    port: String,
    crew: BTreeMap<i64, String>,
    wall: String,
}

fn add_accounts(app: &App, jobs: &[Job], port: &str) -> Result<Tokens> {
    let now = Utc::now();
    let add = |login: String, role: AccessRole, crew: Option<i64>, port: Option<String>| {
        accounts::add(
            app,
            &AddAccount {
                login: login.clone(),
                name: None,
                role,
                hotel: None,
                crew,
                port,
                password: "bench password, not for use".into(),
            },
            now,
        )?;
        Ok::<_, anyhow::Error>(accounts::issue_token(app, &login, "bench", now)?.token)
    };
    let mut crew = BTreeMap::new();
    for j in jobs {
        if let std::collections::btree_map::Entry::Vacant(slot) = crew.entry(j.crew) {
            slot.insert(add(
                format!("bench-crew-{}", j.crew),
                AccessRole::Escort,
                Some(j.crew),
                None,
            )?);
        }
    }
    Ok(Tokens {
        port: add(
            "bench-port".into(),
            AccessRole::PortStaff,
            None,
            Some(port.to_string()),
        )?,
        crew,
        wall: add("bench-wall".into(), AccessRole::Commander, None, None)?,
    })
}

type Running = std::thread::JoinHandle<std::io::Result<()>>;

/// The server on a random loopback port in its own thread, as `closedloop serve` runs it.
fn serve(
    app: App,
    workers: Option<usize>,
    max_blocking: Option<usize>,
) -> Result<(std::net::SocketAddr, actix_web::dev::ServerHandle, Running)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let opts = closedloop_server::Options {
        workers,
        max_blocking,
        shutdown_timeout: Duration::from_secs(5),
        ..Default::default()
    };
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let started = closedloop_server::start(app, listener, &opts)?;
            let _ = tx.send((started.addr, started.handle.clone()));
            started.server.await
        })
    });
    let (addr, handle) = rx.recv().context("the server did not start")?;
    Ok((addr, handle, thread))
}

/// What the phones and the wall saw.
struct Outcome {
    confirmed: usize,
    wall_s: f64,
    start_ms: Vec<f64>,
    confirm_ms: Vec<f64>,
    streams: Vec<Stream>,
    /// From the last confirmation to the last stream having every event.
    drain_s: f64,
}

/// One live-event stream: events received, gaps and repeats in their ids.
#[derive(Debug, Default, Clone, Copy)]
struct Stream {
    received: usize,
    gaps: usize,
    repeats: usize,
    last: u64,
}

async fn drive(
    url: String,
    args: &BenchHttpArgs,
    jobs: Vec<Job>,
    tokens: Tokens,
    base: u64,
) -> Result<Outcome> {
    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(args.clients + 8)
        .build()?;
    // The wall: every stream from the same starting point, on a thread of its own so reading
    // them does not slow the phones' client.
    let target = Arc::new(AtomicU64::new(0));
    let connected = Arc::new(AtomicUsize::new(0));
    let wall = {
        let (url, token, target, connected) = (
            url.clone(),
            tokens.wall.clone(),
            target.clone(),
            connected.clone(),
        );
        let s = args.subscribers;
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(watch(url, token, s, base, target, connected))
        })
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while connected.load(Ordering::Relaxed) < args.subscribers {
        ensure!(
            Instant::now() < deadline,
            "only {} of {} event streams opened",
            connected.load(Ordering::Relaxed),
            args.subscribers
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }

    let jobs = Arc::new(jobs);
    let tokens = Arc::new(tokens);
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut phones = Vec::with_capacity(args.clients);
    for _ in 0..args.clients {
        let (client, url, jobs, tokens, next) = (
            client.clone(),
            url.clone(),
            jobs.clone(),
            tokens.clone(),
            next.clone(),
        );
        phones.push(actix_web::rt::spawn(async move {
            let mut times = Vec::new();
            let mut last_seq = 0u64;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(job) = jobs.get(i) else { break };
                let (start_ms, confirm_ms, seq) = handover(&client, &url, &tokens, i, job).await?;
                times.push((start_ms, confirm_ms));
                last_seq = last_seq.max(seq);
            }
            Ok::<_, anyhow::Error>((times, last_seq))
        }));
    }
    let (mut start_ms, mut confirm_ms) = (Vec::new(), Vec::new());
    let mut last_seq = 0;
    for p in phones {
        let (times, seq) = p.await??;
        for (s, c) in times {
            start_ms.push(s);
            confirm_ms.push(c);
        }
        last_seq = last_seq.max(seq);
    }
    let wall_s = start.elapsed().as_secs_f64();
    // Event ids are ledger sequence numbers plus one.
    target.store(last_seq + 1, Ordering::Relaxed);
    let drained = Instant::now();
    let streams = wall
        .join()
        .map_err(|_| anyhow::anyhow!("the event streams' thread panicked"))??;
    Ok(Outcome {
        confirmed: confirm_ms.len(),
        wall_s,
        start_ms,
        confirm_ms,
        streams,
        drain_s: drained.elapsed().as_secs_f64(),
    })
}

async fn post(
    client: &reqwest::Client,
    url: String,
    token: &str,
    key: String,
    body: Value,
) -> Result<(u16, Value)> {
    let r = client
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .body(serde_json::to_vec(&body)?)
        .send()
        .await?;
    let status = r.status().as_u16();
    let bytes = r.bytes().await?;
    Ok((
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    ))
}

/// One hand-over as the phones make it: the giver starts it and reads the code, the receiver
/// confirms with the code and the head-count. Times of both, in ms, and the ledger entry.
async fn handover(
    client: &reqwest::Client,
    url: &str,
    tokens: &Tokens,
    i: usize,
    job: &Job,
) -> Result<(f64, f64, u64)> {
    let t = Instant::now();
    let (status, code) = post(
        client,
        format!("{url}/api/handovers"),
        &tokens.port,
        format!("bench-{i}-start"),
        json!({"trip": job.trip, "to": format!("crew:{}", job.crew), "travelers": job.travelers}),
    )
    .await?;
    ensure!(status == 201, "start of hand-over {i}: {status} {code}");
    let start_ms = t.elapsed().as_secs_f64() * 1e3;
    let id = code["handover"].as_i64().context("no hand-over id")?;
    let t = Instant::now();
    let (status, done) = post(
        client,
        format!("{url}/api/handovers/{id}/confirm"),
        &tokens.crew[&job.crew],
        format!("bench-{i}-confirm"),
        json!({"code": code["code"], "counted": job.travelers.len(),
               "lat": 31.1443, "lon": 121.8083}),
    )
    .await?;
    ensure!(
        status == 200,
        "confirmation of hand-over {id}: {status} {done}"
    );
    let confirm_ms = t.elapsed().as_secs_f64() * 1e3;
    let seq = done["ledger_seq"].as_u64().context("no ledger_seq")?;
    Ok((start_ms, confirm_ms, seq))
}

/// `streams` live-event streams from event `base` on, each read until it has the event
/// `target` names (set once the phones are done), or a minute after that.
async fn watch(
    url: String,
    token: String,
    streams: usize,
    base: u64,
    target: Arc<AtomicU64>,
    connected: Arc<AtomicUsize>,
) -> Result<Vec<Stream>> {
    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(streams + 1)
        .build()?;
    let mut tasks = Vec::with_capacity(streams);
    for _ in 0..streams {
        let (client, url, token, target, connected) = (
            client.clone(),
            url.clone(),
            token.clone(),
            target.clone(),
            connected.clone(),
        );
        tasks.push(actix_web::rt::spawn(async move {
            follow(client, url, token, base, target, connected).await
        }));
    }
    let mut out = Vec::with_capacity(streams);
    for t in tasks {
        out.push(t.await??);
    }
    Ok(out)
}

async fn follow(
    client: reqwest::Client,
    url: String,
    token: String,
    base: u64,
    target: Arc<AtomicU64>,
    connected: Arc<AtomicUsize>,
) -> Result<Stream> {
    let mut r = client
        .get(format!("{url}/api/events?after={base}"))
        .bearer_auth(token)
        .send()
        .await?;
    ensure!(r.status() == 200, "GET /api/events: {}", r.status());
    connected.fetch_add(1, Ordering::Relaxed);
    let mut s = Stream {
        last: base,
        ..Default::default()
    };
    let mut line = Vec::new();
    let mut done_at: Option<Instant> = None;
    loop {
        let goal = target.load(Ordering::Relaxed);
        if goal > 0 {
            if s.last >= goal {
                break;
            }
            let since = *done_at.get_or_insert_with(Instant::now);
            if since.elapsed() > Duration::from_secs(60) {
                break;
            }
        }
        let chunk = match actix_web::rt::time::timeout(Duration::from_millis(200), r.chunk()).await
        {
            Err(_) => continue,
            Ok(c) => match c? {
                Some(c) => c,
                None => break,
            },
        };
        for &b in chunk.iter() {
            if b != b'\n' {
                line.push(b);
                continue;
            }
            if let Some(id) = line.strip_prefix(b"id: ") {
                let id: u64 = std::str::from_utf8(id)?.trim().parse()?;
                if id <= s.last {
                    s.repeats += 1;
                } else {
                    if id != s.last + 1 {
                        s.gaps += 1;
                    }
                    s.received += 1;
                    s.last = id;
                }
            }
            line.clear();
        }
    }
    Ok(s)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn print_report(
    args: &BenchHttpArgs,
    db: &TestDatabase,
    setup_s: f64,
    o: &Outcome,
    stored: u64,
    verified: bool,
    (units, commits): (u64, u64),
) {
    let mut confirm = o.confirm_ms.clone();
    confirm.sort_by(f64::total_cmp);
    let mut start = o.start_ms.clone();
    start.sort_by(f64::total_cmp);
    let rate = o.confirmed as f64 / o.wall_s;
    let p99 = percentile(&confirm, 0.99);
    let lat = |v: &[f64]| {
        format!(
            "{:.1} / {:.1} / {:.1} / {:.1} ms",
            percentile(v, 0.5),
            percentile(v, 0.95),
            percentile(v, 0.99),
            v.last().copied().unwrap_or(f64::NAN)
        )
    };
    let complete = o
        .streams
        .iter()
        .filter(|s| s.received == o.confirmed && s.gaps == 0)
        .count();
    let fewest = o.streams.iter().map(|s| s.received).min().unwrap_or(0);
    let gaps: usize = o.streams.iter().map(|s| s.gaps).sum();
    let repeats: usize = o.streams.iter().map(|s| s.repeats).sum();
    let row = |a: &str, b: String, c: &str| vec![a.to_string(), b, c.to_string()];
    let mut rows = vec![
        row(
            "hand-overs started and confirmed",
            format!("{} in {:.2} s", o.confirmed, o.wall_s),
            "",
        ),
        row("confirmations/s", format!("{rate:.0}"), ">= 1,000"),
        row(
            "confirm p50 / p95 / p99 / max",
            lat(&confirm),
            "p99 < 50 ms",
        ),
        row("start p50 / p95 / p99 / max", lat(&start), ""),
        row(
            "server write transactions / durable commits",
            format!(
                "{units} / {commits} ({:.1} a commit)",
                units as f64 / commits.max(1) as f64
            ),
            "",
        ),
        row(
            "stored hand-over entries / ledger verify",
            format!("{stored} / {}", if verified { "passes" } else { "FAILS" }),
            "= confirmations",
        ),
    ];
    if args.subscribers > 0 {
        rows.push(row(
            "event streams with every event, ids contiguous",
            format!(
                "{complete} of {} (fewest received {fewest}; gaps {gaps}, repeats {repeats})",
                o.streams.len()
            ),
            "all",
        ));
        rows.push(row(
            "last event on every stream after the last confirmation",
            format!("{:.2} s", o.drain_s),
            "",
        ));
    }
    println!(
        "bench http: {} over loopback, {} phones (start, then confirm with the code and the \
         head-count, Idempotency-Key on each POST), {} event streams; server workers {}, \
         blocking bound {}; setup outside the timing {setup_s:.1} s",
        if db.is_postgres() {
            "fresh PostgreSQL database"
        } else {
            "fresh SQLite (WAL, synchronous=FULL)"
        },
        args.clients,
        args.subscribers,
        args.workers
            .map_or("default".to_string(), |w| w.to_string()),
        args.max_blocking
            .map_or("default".to_string(), |w| w.to_string()),
    );
    print!("{}", table(&["measure", "value", "target"], &rows));
    let met = rate >= 1_000.0
        && p99 < 50.0
        && stored == o.confirmed as u64
        && verified
        && complete == o.streams.len();
    println!("target met: {}", if met { "yes" } else { "no" });
}
