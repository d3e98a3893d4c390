//! `closedloop incident open|resolve|list`: incidents with their links, recorded in the custody
//! ledger when opened; resolved once with a note.

use super::Ctx;
use super::desk::{at, finish, print_id, show};
use crate::output::table;
use anyhow::Result;
use clap::{Args, Subcommand};
use closedloop_app::incidents::IncidentStatus;
use closedloop_app::{Viewer, incidents};

use closedloop_domain::Lang;
use closedloop_domain::ids::{BatchId, CrewId, TravelerId, VehicleId};
use closedloop_handover::ids::IncidentId;
use closedloop_handover::{IncidentKind, Severity};
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum IncidentCommand {
    /// Open an incident; prints its id.
    Open(OpenArgs),
    /// Resolve an open incident with a note of what was done (final).
    Resolve(ResolveArgs),
    /// Incidents, oldest first.
    List(ListArgs),
}

#[derive(Debug, Args)]
pub struct OpenArgs {
    /// traffic_accident, vehicle_breakdown, symptomatic_en_route, escape_or_refusal,
    /// protection_breach, staff_infection or head_count_mismatch (or the Chinese words).
    #[arg(long)]
    pub kind: IncidentKind,
    /// minor/一般, serious/较大, major/重大 or critical/特别重大.
    #[arg(long)]
    pub severity: Severity,
    #[arg(long, value_name = "ID")]
    pub trip: Option<i64>,
    /// Default: the trip's vehicle.
    #[arg(long, value_name = "ID")]
    pub vehicle: Option<i64>,
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub travelers: Vec<i64>,
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub crew: Vec<i64>,
    /// What happened (kept in the database, not in the ledger).
    #[arg(long)]
    pub description: String,
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    #[arg(long, requires = "lon", allow_hyphen_values = true)]
    pub lat: Option<f64>,
    #[arg(long, requires = "lat", allow_hyphen_values = true)]
    pub lon: Option<f64>,
    /// Print {"id": N}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ResolveArgs {
    #[arg(long, value_name = "ID")]
    pub incident: i64,
    #[arg(long)]
    pub note: String,
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only the open ones.
    #[arg(long)]
    pub open: bool,
    /// Show descriptions and resolution notes (they name people) unmasked.
    #[arg(long)]
    pub reveal: bool,
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, cmd: IncidentCommand) -> Result<ExitCode> {
    match cmd {
        IncidentCommand::Open(a) => open(ctx, &a),
        IncidentCommand::Resolve(a) => resolve(ctx, &a),
        IncidentCommand::List(a) => list(ctx, &a),
    }
}

fn open(ctx: &Ctx, a: &OpenArgs) -> Result<ExitCode> {
    let req = incidents::OpenIncident {
        kind: a.kind,
        severity: a.severity,
        trip: a.trip.map(BatchId),
        vehicle: a.vehicle.map(VehicleId),
        travelers: a.travelers.iter().map(|&t| TravelerId(t)).collect(),
        crew: a.crew.iter().map(|&c| CrewId(c)).collect(),
        description: a.description.clone(),
        at: at("--at", a.at.as_deref())?,
        position: a.lat.zip(a.lon),
    };
    finish(ctx, a.json, incidents::open(ctx, &req), |id| {
        print_id(ctx, a.json, ("incident opened:", "已上报事件："), id.0)
    })
}

fn resolve(ctx: &Ctx, a: &ResolveArgs) -> Result<ExitCode> {
    let when = at("--at", a.at.as_deref())?;
    let r = incidents::resolve(ctx, IncidentId(a.incident), &a.note, when);
    finish(ctx, a.json, r, |done| {
        if a.json {
            println!("{}", serde_json::to_string(&done)?);
        } else {
            println!(
                "{} {}",
                ctx.t("incident resolved:", "事件已办结："),
                done.id
            );
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn list(ctx: &Ctx, a: &ListArgs) -> Result<ExitCode> {
    let viewer = if a.reveal {
        Viewer::SHELL_REVEAL
    } else {
        Viewer::ANONYMOUS
    };
    let rows = incidents::list(ctx, a.open, viewer)?;
    if a.json {
        println!("{}", serde_json::to_string(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    let lang: Lang = ctx.lang;
    let ids = |v: &[TravelerId]| {
        v.iter()
            .map(TravelerId::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.id.to_string(),
                show(r.at),
                r.kind.label(lang).to_string(),
                r.severity.label(lang).to_string(),
                r.trip.map(|t| t.to_string()).unwrap_or_default(),
                ids(&r.travelers),
                match r.status {
                    IncidentStatus::Open => ctx.t("open", "处置中").to_string(),
                    IncidentStatus::Resolved => format!(
                        "{} {}",
                        ctx.t("resolved", "已办结"),
                        r.resolved_at.map(show).unwrap_or_default()
                    ),
                },
            ]
        })
        .collect();
    print!(
        "{}",
        table(
            &[
                ctx.t("incident", "事件"),
                ctx.t("time (UTC)", "时间（UTC）"),
                ctx.t("kind", "类型"),
                ctx.t("severity", "等级"),
                ctx.t("trip", "车次"),
                ctx.t("travelers", "旅客"),
                ctx.t("status", "状态"),
            ],
            &body
        )
    );
    Ok(ExitCode::SUCCESS)
}
