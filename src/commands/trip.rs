//! `closedloop vehicles add`, `crew add` and `trip create|approve|depart|complete`: the minimal
//! entities of the desk flow, and a trip's transitions through the gates of config/gates.toml.

use super::Ctx;
use super::desk::{at, finish, print_id, show, stop};
use anyhow::Result;
use clap::{Args, Subcommand};
use closedloop_app::parse;
use closedloop_app::trips::{self, PlanTrip, TripMove};
use closedloop_domain::ids::{BatchId, CrewId, TravelerId, VehicleId};
use closedloop_store::desk::PlannedStop;
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
    #[arg(long, value_name = "DEST:IDS", value_parser = stop)]
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

pub fn vehicles(ctx: &Ctx, cmd: VehiclesCommand) -> Result<ExitCode> {
    let VehiclesCommand::Add(a) = cmd;
    let req = trips::AddVehicle {
        plate: a.plate.clone(),
        seats: a.seats,
    };
    let id = trips::add_vehicle(ctx, &req)?;
    print_id(ctx, a.json, ("vehicle added:", "已添加车辆："), id.0)
}

pub fn crew(ctx: &Ctx, cmd: CrewCommand) -> Result<ExitCode> {
    let CrewCommand::Add(a) = cmd;
    let req = trips::AddCrew {
        staff_no: a.staff_no.clone(),
        name: a.name.clone(),
        role: a.role.clone(),
    };
    let id = trips::add_crew(ctx, &req)?;
    print_id(
        ctx,
        a.json,
        ("crew member added:", "已添加工作人员："),
        id.0,
    )
}

pub fn run(ctx: &Ctx, cmd: TripCommand) -> Result<ExitCode> {
    match cmd {
        TripCommand::Create(a) => create(ctx, &a),
        TripCommand::Approve(a) => transition(ctx, &a, TripMove::Approve),
        TripCommand::Depart(a) => transition(ctx, &a, TripMove::Depart),
        TripCommand::Complete(a) => transition(ctx, &a, TripMove::Complete),
    }
}

fn create(ctx: &Ctx, a: &CreateArgs) -> Result<ExitCode> {
    let req = trips::PlanTrip {
        vehicle: VehicleId(a.vehicle),
        crew: a.crew.iter().map(|&c| CrewId(c)).collect(),
        stops: if a.stop.is_empty() {
            PlanTrip::one_stop(
                &a.travelers
                    .iter()
                    .map(|&t| TravelerId(t))
                    .collect::<Vec<_>>(),
            )
        } else {
            a.stop.clone()
        },
        port: a.port.clone(),
        depart_at: parse::time("--depart-at", &a.depart_at)?,
        arrive_by: parse::time("--arrive-by", &a.arrive_by)?,
    };
    let r = trips::plan_trip(ctx, &req);
    finish(ctx, a.json, r, |id| {
        print_id(ctx, a.json, ("trip planned:", "已编排车次："), id.0)
    })
}

fn transition(ctx: &Ctx, a: &MoveArgs, m: TripMove) -> Result<ExitCode> {
    let when = at("--at", a.at.as_deref())?;
    let r = trips::move_trip(ctx, BatchId(a.trip), m, when);
    finish(ctx, a.json, r, |done| {
        if a.json {
            println!("{}", serde_json::to_string(&done)?);
        } else {
            let state = match m {
                TripMove::Approve => ctx.t("approved", "已审批"),
                TripMove::Depart => ctx.t("departed", "已发车"),
                TripMove::Complete => ctx.t("completed", "已完成"),
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
