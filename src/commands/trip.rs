//! `closedloop vehicles add`, `crew add` and `trip create|approve|depart|complete`: the minimal
//! entities of the desk flow, and a trip's transitions through the gates of config/gates.toml.

use super::Ctx;
use super::desk::{Open, at, finish, show};
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use closedloop_store::custody;
use closedloop_store::desk::{self, PlannedStop, PlannedTrip};
use serde_json::json;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum VehiclesCommand {
    /// Add a transfer vehicle; prints its id.
    Add(VehicleArgs),
}

#[derive(Debug, Args)]
pub struct VehicleArgs {
    /// Licence plate, e.g. 沪A12345.
    #[arg(long)]
    pub plate: String,
    /// Passenger seats.
    #[arg(long)]
    pub seats: i64,
    /// Print {"id": N}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum CrewCommand {
    /// Add a driver or escort; prints their id.
    Add(CrewArgs),
}

#[derive(Debug, Args)]
pub struct CrewArgs {
    /// Staff number, unique.
    #[arg(long)]
    pub staff_no: String,
    #[arg(long)]
    pub name: String,
    /// driver, escort, …
    #[arg(long, default_value = "escort")]
    pub role: String,
    /// Print {"id": N}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum TripCommand {
    /// Plan a trip: vehicle, crew, travelers (one stop) or stops in order, port, planned
    /// departure and arrival.
    Create(CreateArgs),
    /// Planned → approved, through the approval gate (crew training).
    Approve(MoveArgs),
    /// Mark a trip departed: exit 1 naming every missing check-list item (inspection,
    /// disinfection after the previous trip, training, today's health check, reminder). The
    /// decision is recorded in the ledger either way.
    Depart(MoveArgs),
    /// Mark a departed trip completed, once its crew holds nobody (completion gate).
    Complete(MoveArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    #[arg(long, value_name = "ID")]
    pub vehicle: i64,
    /// Crew member ids, comma-separated.
    #[arg(long, value_name = "IDS", value_delimiter = ',', required = true)]
    pub crew: Vec<i64>,
    /// Traveler ids, comma-separated: a trip of one stop whose place is not named.
    #[arg(
        long,
        value_name = "IDS",
        value_delimiter = ',',
        required_unless_present = "stop",
        conflicts_with = "stop"
    )]
    pub travelers: Vec<i64>,
    /// A stop, in calling order: the destination id its receiver's hand-over names, a colon,
    /// and the ids of the travelers getting off there, e.g. --stop 12:1,2,3 --stop 15:4,5.
    /// Repeat for each stop; a hand-over at a stop takes only that stop's travelers.
    #[arg(long, value_name = "DEST:IDS", value_parser = parse_stop)]
    pub stop: Vec<PlannedStop>,
    /// The port of departure, by code (PVG) or name.
    #[arg(long)]
    pub port: String,
    /// Planned departure (see --at of `trip depart` for the forms).
    #[arg(long, value_name = "TIME")]
    pub depart_at: String,
    /// Planned arrival: an open loop past it (plus the configured margin) is overdue.
    #[arg(long, value_name = "TIME")]
    pub arrive_by: String,
    /// Print {"id": N}.
    #[arg(long)]
    pub json: bool,
}

/// `DEST:IDS` of `--stop`; the error names the part that is wrong.
fn parse_stop(s: &str) -> Result<PlannedStop, String> {
    let (dest, ids) = s.split_once(':').ok_or_else(|| {
        format!("{s:?}: write the destination id, a colon and traveler ids, e.g. 12:1,2,3 / 写作 目的地编号:旅客编号，如 12:1,2,3")
    })?;
    let destination = dest
        .trim()
        .parse::<i64>()
        .map_err(|_| format!("{s:?}: destination {dest:?} is not a number / 目的地编号不是数字"))?;
    let travelers = ids
        .split(',')
        .map(|t| {
            t.trim()
                .parse::<i64>()
                .map_err(|_| format!("{s:?}: traveler {t:?} is not a number / 旅客编号不是数字"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PlannedStop {
        destination: Some(destination),
        travelers,
    })
}

#[derive(Debug, Args)]
pub struct MoveArgs {
    #[arg(long, value_name = "ID")]
    pub trip: i64,
    /// When (RFC 3339, "2021-07-01 09:30" UTC, or a day); default now. "Today" for the gates is
    /// the local day of this time in the offset of config/gates.toml.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Print the outcome, or the refusal with every missing item, as JSON.
    #[arg(long)]
    pub json: bool,
}

fn print_id(ctx: &Ctx, json: bool, what: (&str, &str), id: i64) -> Result<ExitCode> {
    if json {
        println!("{}", json!({ "id": id }));
    } else {
        println!("{} {id}", ctx.t(what.0, what.1));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn vehicles(ctx: &Ctx, cmd: VehiclesCommand) -> Result<ExitCode> {
    let VehiclesCommand::Add(a) = cmd;
    let store = ctx.store()?;
    let id = custody::add_vehicle(&mut *store.conn()?, &a.plate, a.seats)?;
    print_id(ctx, a.json, ("vehicle added:", "已添加车辆："), id)
}

pub fn crew(ctx: &Ctx, cmd: CrewCommand) -> Result<ExitCode> {
    let CrewCommand::Add(a) = cmd;
    let store = ctx.store()?;
    let id = custody::add_crew(&mut *store.conn()?, &a.staff_no, &a.name, &a.role)?;
    print_id(ctx, a.json, ("crew member added:", "已添加工作人员："), id)
}

pub fn run(ctx: &Ctx, cmd: TripCommand) -> Result<ExitCode> {
    match cmd {
        TripCommand::Create(a) => create(ctx, &a),
        TripCommand::Approve(a) => transition(ctx, &a, Move::Approve),
        TripCommand::Depart(a) => transition(ctx, &a, Move::Depart),
        TripCommand::Complete(a) => transition(ctx, &a, Move::Complete),
    }
}

fn create(ctx: &Ctx, a: &CreateArgs) -> Result<ExitCode> {
    let port = ctx
        .config
        .ports
        .find(&a.port)
        .with_context(|| format!("{}: {:?}", ctx.t("unknown port", "未知口岸"), a.port))?;
    let store = ctx.store()?;
    let port_id = store
        .ports()?
        .into_iter()
        .find(|p| p.code == port.code)
        .map(|p| p.id)
        .with_context(|| format!("port {} is not in the database", port.code))?;
    let plan = PlannedTrip {
        vehicle_id: a.vehicle,
        port_id,
        crew: a.crew.clone(),
        stops: if a.stop.is_empty() {
            vec![PlannedStop {
                destination: None,
                travelers: a.travelers.clone(),
            }]
        } else {
            a.stop.clone()
        },
        depart_at: at(Some(&a.depart_at))?,
        arrive_by: at(Some(&a.arrive_by))?,
    };
    let r = desk::plan_trip(&mut *store.conn()?, &plan);
    finish(ctx, a.json, r, |id| {
        print_id(ctx, a.json, ("trip planned:", "已编排车次："), id)
    })
}

#[derive(Clone, Copy)]
enum Move {
    Approve,
    Depart,
    Complete,
}

fn transition(ctx: &Ctx, a: &MoveArgs, m: Move) -> Result<ExitCode> {
    let when = at(a.at.as_deref())?;
    let open = Open::new(ctx)?;
    let mut conn = open.store.conn()?;
    let mut desk = open.desk(ctx, &mut conn)?;
    let r = match m {
        Move::Approve => desk.approve(&mut conn, a.trip, when),
        Move::Depart => desk.depart(&mut conn, a.trip, when),
        Move::Complete => desk.complete_trip(&mut conn, a.trip, when),
    };
    finish(ctx, a.json, r, |done| {
        if a.json {
            println!(
                "{}",
                json!({"trip": done.trip, "state": done.state, "at": when, "ledger_seqs": done.ledger_seqs})
            );
        } else {
            let state = match m {
                Move::Approve => ctx.t("approved", "已审批"),
                Move::Depart => ctx.t("departed", "已发车"),
                Move::Complete => ctx.t("completed", "已完成"),
            };
            println!(
                "{} {}: {state} ({}; {} {:?})",
                ctx.t("trip", "车次"),
                done.trip,
                show(when.naive_utc()),
                ctx.t("ledger entries", "账本记录"),
                done.ledger_seqs
            );
        }
        Ok(ExitCode::SUCCESS)
    })
}
