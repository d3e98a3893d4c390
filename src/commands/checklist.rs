//! `closedloop checklist complete`: one completed check-list, evaluated against the template
//! version in force (config/checklists.toml), stored with its ledger entry. Exit 1 when it did
//! not pass (it is recorded all the same, naming every failing item).

use super::Ctx;
use super::desk::{at, finish};
use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use closedloop_app::checklist::{self, CompleteChecklist, SubjectIds};
use closedloop_domain::ids::{BatchId, CrewId, VehicleId};
use closedloop_handover::ChecklistKind;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum ChecklistCommand {
    /// Record a completed check-list. What it is about depends on the kind:
    /// pre_trip_training and crew_health --crew; vehicle_inspection --vehicle [--day];
    /// sanitation --vehicle [--trip, the trip after which]; rotation_handover --vehicle
    /// --outgoing --incoming; pre_departure_reminder --trip; personnel_handover --trip [--stop].
    Complete(CompleteArgs),
}

#[derive(Debug, Args)]
pub struct CompleteArgs {
    /// pre_trip_training, rotation_handover, vehicle_inspection, sanitation,
    /// pre_departure_reminder, personnel_handover or crew_health (or their Chinese names).
    #[arg(long)]
    pub kind: ChecklistKind,
    #[arg(long, value_name = "ID")]
    pub crew: Option<i64>,
    #[arg(long, value_name = "ID")]
    pub vehicle: Option<i64>,
    /// The day a vehicle inspection is for (default: the local day of --at).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub day: Option<NaiveDate>,
    #[arg(long, value_name = "ID")]
    pub trip: Option<i64>,
    /// The stop of a personnel hand-over, from 0.
    #[arg(long, default_value_t = 0)]
    pub stop: u32,
    /// Rotation handover: the outgoing shift's crew ids.
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub outgoing: Vec<i64>,
    /// Rotation handover: the incoming shift's crew ids.
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub incoming: Vec<i64>,
    /// The answers by item key, as JSON: {"brakes": true, "fuel_level": 80, "assessor": "Li"}
    /// (or the phone's form {"brakes": {"yes_no": true}}).
    #[arg(long, value_name = "FILE.json")]
    pub answers: PathBuf,
    /// The crew member who filled it in (default: the desk).
    #[arg(long, value_name = "ID")]
    pub by: Option<i64>,
    /// When it was completed (default now).
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Print {"id", "kind", "version", "passed", "failures": [...], "ledger_seq"}.
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, cmd: ChecklistCommand) -> Result<ExitCode> {
    let ChecklistCommand::Complete(a) = cmd;
    complete(ctx, &a)
}

fn complete(ctx: &Ctx, a: &CompleteArgs) -> Result<ExitCode> {
    let text = std::fs::read_to_string(&a.answers)
        .with_context(|| format!("cannot read {}", a.answers.display()))?;
    let answers: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not JSON", a.answers.display()))?;
    let req = CompleteChecklist {
        kind: a.kind,
        subject: SubjectIds {
            crew: a.crew.map(CrewId),
            vehicle: a.vehicle.map(VehicleId),
            day: a.day,
            trip: a.trip.map(BatchId),
            stop: a.stop,
            outgoing: a.outgoing.iter().map(|&c| CrewId(c)).collect(),
            incoming: a.incoming.iter().map(|&c| CrewId(c)).collect(),
        },
        answers,
        by: a.by.map(CrewId),
        at: at("--at", a.at.as_deref())?,
    };
    let r = checklist::complete(ctx, &req, ctx.lang);
    finish(ctx, a.json, r, |done| {
        if a.json {
            println!("{}", serde_json::to_string(&done)?);
        } else {
            println!(
                "{} {} {} ({} {}): {}",
                ctx.t("check-list", "清单"),
                done.id,
                ctx.t("recorded", "已记录"),
                a.kind.label(ctx.lang),
                done.version,
                if done.passed {
                    ctx.t("passed", "通过")
                } else {
                    ctx.t("did NOT pass", "未通过")
                }
            );
            for f in &done.failures {
                println!("  - {}", f.message);
            }
        }
        Ok(if done.passed {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        })
    })
}
