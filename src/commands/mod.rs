//! The command line: one sub-module per command.

mod checklist;
mod db;
#[cfg(feature = "demo")]
mod demo;
mod desk;
mod geocode;
mod handover;
pub(crate) mod import;
mod incident;
mod ledger;
mod loops;
mod places;
mod plan;
mod plan_more;
mod purge;
mod replan;
mod report;
mod roads;
mod scenario;
mod serve;
mod stats;
mod trace;
mod travelers;
mod trip;
mod users;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use closedloop_app::{App, Notice};
use closedloop_domain::Lang;
use std::path::PathBuf;
use std::process::ExitCode;

/// closedloop — dispatcher for the closed-loop transfer of inbound travelers
/// (闭环转运调度): manifests, travelers, roads, trips through their check-list gates, custody
/// hand-overs, incidents and the record, in a tamper-evident ledger.
#[derive(Debug, Parser)]
#[command(name = "closedloop", version, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Database: postgres://user:password@host/db for PostgreSQL, otherwise a SQLite file path
    /// (sqlite:// prefix allowed). Default: the embedded SQLite file in the data directory.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Configuration file. Default: config/closedloop.toml if present, else built-in settings.
    #[arg(long, env = "CLOSEDLOOP_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Language of messages and tables: en or zh-CN. Default: from LANG.
    #[arg(long, env = "CLOSEDLOOP_LANG", global = true)]
    pub lang: Option<Lang>,
    /// More log output on stderr (-v info, -vv debug); CLOSEDLOOP_LOG takes a tracing filter.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Database schema: apply migrations, show status.
    #[command(subcommand)]
    Db(db::DbCommand),
    /// Import a manifest (CSV in UTF-8 or GB18030, XLSX, JSON lines): all rows or none.
    Import(import::ImportArgs),
    /// Counts of travelers and arrivals, by destination and by health status.
    Stats(stats::StatsArgs),
    /// Stored travelers.
    #[command(subcommand)]
    Travelers(travelers::TravelersCommand),
    /// Road network: info, routes, matrices, export.
    Roads(roads::RoadsArgs),
    /// Home addresses on the map: coordinates, precision and the name matched, or why not.
    Geocode(geocode::GeocodeArgs),
    /// Quarantine hotels: import from CSV, list, open, close, set rooms.
    #[command(subcommand)]
    Hotels(places::HotelsCommand),
    /// Designated hospitals: import from CSV, list.
    #[command(subcommand)]
    Hospitals(places::HospitalsCommand),
    /// Ports of entry: list with their processing times, set one.
    #[command(subcommand)]
    Ports(places::PortsCommand),
    /// Generated days for the planner: `scenario generate` over an OpenStreetMap extract.
    #[command(subcommand)]
    Scenario(scenario::ScenarioCommand),
    /// A day planned from files: plan --problem day.json --out plan.json; plan check.
    Plan(plan::PlanArgs),
    /// Re-plan a published plan after an event: the past pinned, changes penalised.
    Replan(replan::ReplanArgs),
    /// The custody ledger: key, verify, audit bundles (proof / check), checkpoints.
    #[command(subcommand)]
    Ledger(ledger::LedgerCommand),
    /// Erase the personal data of travelers who arrived more than DAYS days ago.
    Purge(purge::PurgeArgs),
    /// Contact tracing: everyone exposed to a positive traveler or crew member, why and when.
    Trace(trace::TraceArgs),
    /// Transfer vehicles: add.
    #[command(subcommand)]
    Vehicles(trip::VehiclesCommand),
    /// Drivers and escorts: add.
    #[command(subcommand)]
    Crew(trip::CrewCommand),
    /// Trips (batches): plan, approve, depart through the gates, complete.
    #[command(subcommand)]
    Trip(trip::TripCommand),
    /// Check-lists (六项清单 and the crew's health check): record a completed one.
    #[command(subcommand)]
    Checklist(checklist::ChecklistCommand),
    /// Custody hand-overs: start (the giver's code), code, confirm (code and head-count).
    #[command(subcommand)]
    Handover(handover::HandoverCommand),
    /// Incidents: open, resolve, list.
    #[command(subcommand)]
    Incident(incident::IncidentCommand),
    /// Open loops (travelers in custody, not yet delivered); --overdue for the late ones.
    Loops(loops::LoopsArgs),
    /// The record: batches, person-trips, incidents, staff infections, per day and in total.
    Record(loops::RecordArgs),
    /// Reports: `report daily`, the daily report (日通报) as a table, JSON or XLSX.
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// The web service: JSON API, OpenAPI document, health and metrics (loopback by default).
    Serve(serve::ServeArgs),
    /// The web service's accounts: add, list, disable, reset-totp, token, revoke-token.
    #[command(subcommand)]
    Users(users::UsersCommand),
    /// Benchmarks that print a table.
    #[cfg(feature = "bench")]
    #[command(subcommand)]
    Bench(crate::bench::BenchCommand),
    /// The demo city: a day prepared in data/demo (its morning played), then served while
    /// simulated drivers play the rest through the API; `demo code LOGIN` for TOTP codes.
    #[cfg(feature = "demo")]
    Demo(demo::DemoArgs),
}

/// What every command needs: the application (settings, database, ledger keys) and the
/// language. Commands read settings as `ctx.config`.
pub struct Ctx {
    pub app: App,
    pub lang: Lang,
}

impl std::ops::Deref for Ctx {
    type Target = App;
    fn deref(&self) -> &App {
        &self.app
    }
}

impl Ctx {
    pub fn t<'a>(&self, en: &'a str, zh: &'a str) -> &'a str {
        self.lang.pick(en, zh)
    }

    /// Tells the operator, once, what happened on the way (a key file created).
    pub fn show_notices(&self) {
        for n in self.app.take_notices() {
            match n {
                Notice::KeyFileCreated(path) => eprintln!(
                    "{} {}",
                    self.t(
                        "created the ledger key file (keep a copy off the server):",
                        "已创建账本密钥文件（请在服务器以外另存一份）：",
                    ),
                    path.display()
                ),
            }
        }
    }
}

/// The language: `--lang`, else the locale.
pub fn lang(flag: Option<Lang>) -> Lang {
    flag.unwrap_or_else(|| {
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
            .unwrap_or_default();
        Lang::from_locale(&locale)
    })
}

impl Command {
    /// Whether this is the long-running server, whose request logs are wanted by default.
    pub fn is_serve(&self) -> bool {
        matches!(self, Command::Serve(_))
    }

    /// Whether the command only reads the database: it then opens it read-only, never
    /// migrating or writing it ([`App::read_only`]), so it works on a file nobody may write.
    fn reads_only(&self) -> bool {
        match self {
            Command::Stats(_)
            | Command::Travelers(_)
            | Command::Trace(_)
            | Command::Loops(_)
            | Command::Record(_)
            | Command::Report(_) => true,
            Command::Db(c) => matches!(c, db::DbCommand::Status),
            Command::Ledger(c) => matches!(
                c,
                ledger::LedgerCommand::Verify(_)
                    | ledger::LedgerCommand::Proof(_)
                    | ledger::LedgerCommand::Check(_)
                    | ledger::LedgerCommand::Checkpoint(_)
            ),
            Command::Incident(c) => matches!(c, incident::IncidentCommand::List(_)),
            Command::Hotels(c) => matches!(c, places::HotelsCommand::List(_)),
            Command::Hospitals(c) => matches!(c, places::HospitalsCommand::List(_)),
            Command::Ports(c) => matches!(c, places::PortsCommand::List(_)),
            Command::Users(c) => matches!(c, users::UsersCommand::List(_)),
            _ => false,
        }
    }
}

pub fn run(cli: Cli, lang: Lang) -> Result<ExitCode> {
    let app = App::load(cli.global.config.as_deref(), cli.global.database_url)?;
    let app = if cli.command.reads_only() {
        app.read_only()
    } else {
        app
    };
    // The server keeps the application for its whole life, shared by its workers.
    if let Command::Serve(a) = &cli.command {
        return serve::run(app, lang, a);
    }
    let ctx = Ctx { app, lang };
    let out = dispatch(&ctx, cli.command);
    ctx.show_notices();
    out
}

fn dispatch(ctx: &Ctx, command: Command) -> Result<ExitCode> {
    match command {
        Command::Db(c) => db::run(ctx, c),
        Command::Import(a) => import::run(ctx, &a),
        Command::Stats(a) => stats::run(ctx, &a),
        Command::Travelers(c) => travelers::run(ctx, c),
        Command::Roads(a) => roads::run(ctx, a),
        Command::Geocode(a) => geocode::run(ctx, &a),
        Command::Hotels(c) => places::hotels(ctx, c),
        Command::Hospitals(c) => places::hospitals(ctx, c),
        Command::Ports(c) => places::ports(ctx, c),
        Command::Scenario(c) => scenario::run(ctx, c),
        Command::Plan(a) => plan::run(ctx, a),
        Command::Replan(a) => replan::run(ctx, &a),
        Command::Ledger(c) => ledger::run(ctx, c),
        Command::Purge(a) => purge::run(ctx, &a),
        Command::Trace(a) => trace::run(ctx, &a),
        Command::Vehicles(c) => trip::vehicles(ctx, c),
        Command::Crew(c) => trip::crew(ctx, c),
        Command::Trip(c) => trip::run(ctx, c),
        Command::Checklist(c) => checklist::run(ctx, c),
        Command::Handover(c) => handover::run(ctx, c),
        Command::Incident(c) => incident::run(ctx, c),
        Command::Loops(a) => loops::loops(ctx, &a),
        Command::Record(a) => loops::record(ctx, &a),
        Command::Report(c) => report::run(ctx, c),
        Command::Users(c) => users::run(ctx, c),
        Command::Serve(_) => unreachable!("run() serves before dispatching"),
        #[cfg(feature = "bench")]
        Command::Bench(c) => crate::bench::run(ctx, c),
        #[cfg(feature = "demo")]
        Command::Demo(a) => demo::run(ctx, &a),
    }
}
