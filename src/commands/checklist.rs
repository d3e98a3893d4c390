//! `closedloop checklist complete`: one completed check-list, evaluated against the template
//! version in force (config/checklists.toml), stored with its ledger entry. Exit 1 when it did
//! not pass (it is recorded all the same, naming every failing item).

use super::Ctx;
use super::desk::{Open, at, finish};
use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use closedloop_domain::ids::{BatchId, CrewId, VehicleId};
use closedloop_handover::{ChecklistKind, Subject};
use closedloop_store::desk::{DeskError, NewChecklist, parse_answers};
use serde_json::json;
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

fn need<T>(ctx: &Ctx, v: Option<T>, flag: &str, kind: ChecklistKind) -> Result<T> {
    match v {
        Some(v) => Ok(v),
        None => bail!(
            "{} {flag} ({})",
            ctx.t("this check-list needs", "此清单须写明"),
            kind.label(ctx.lang)
        ),
    }
}

fn subject(ctx: &Ctx, a: &CompleteArgs, local_day: NaiveDate) -> Result<Subject> {
    let k = a.kind;
    Ok(match k {
        ChecklistKind::PreTripTraining | ChecklistKind::CrewHealth => Subject::CrewMember {
            crew: CrewId(need(ctx, a.crew, "--crew", k)?),
        },
        ChecklistKind::RotationHandover => Subject::ShiftChange {
            vehicle: VehicleId(need(ctx, a.vehicle, "--vehicle", k)?),
            outgoing: a.outgoing.iter().map(|&c| CrewId(c)).collect(),
            incoming: a.incoming.iter().map(|&c| CrewId(c)).collect(),
        },
        ChecklistKind::VehicleInspection => Subject::VehicleDay {
            vehicle: VehicleId(need(ctx, a.vehicle, "--vehicle", k)?),
            day: a.day.unwrap_or(local_day),
        },
        ChecklistKind::Sanitation => Subject::VehicleAfterTrip {
            vehicle: VehicleId(need(ctx, a.vehicle, "--vehicle", k)?),
            batch: BatchId(a.trip.unwrap_or(0)),
        },
        ChecklistKind::PreDepartureReminder => Subject::Batch {
            batch: BatchId(need(ctx, a.trip, "--trip", k)?),
        },
        ChecklistKind::PersonnelHandover => Subject::Stop {
            batch: BatchId(need(ctx, a.trip, "--trip", k)?),
            stop: a.stop,
        },
    })
}

fn complete(ctx: &Ctx, a: &CompleteArgs) -> Result<ExitCode> {
    let when = at(a.at.as_deref())?;
    let settings = &ctx.config.handover;
    let local_day = settings.gates.local_day(when);
    let text = std::fs::read_to_string(&a.answers)
        .with_context(|| format!("cannot read {}", a.answers.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not JSON", a.answers.display()))?;
    let Some(template) = settings.templates.in_force(a.kind, local_day) else {
        let e = DeskError::NoTemplate {
            kind: a.kind,
            day: local_day,
        };
        return super::desk::refused(ctx, a.json, e.into());
    };
    let answers = match parse_answers(template, &value) {
        Ok(x) => x,
        Err(e) => return super::desk::refused(ctx, a.json, e.into()),
    };
    let c = NewChecklist {
        kind: a.kind,
        subject: subject(ctx, a, local_day)?,
        completed_at: when,
        completed_by: a.by,
        answers,
    };
    let open = Open::new(ctx)?;
    let mut conn = open.store.conn()?;
    let mut desk = open.desk(ctx, &mut conn)?;
    let r = desk.complete_checklist(&mut conn, &c);
    finish(ctx, a.json, r, |done| {
        let messages: Vec<String> = done
            .outcome
            .failures
            .iter()
            .map(|f| f.message(ctx.lang))
            .collect();
        if a.json {
            let failures: Vec<_> = done
                .outcome
                .failures
                .iter()
                .zip(&messages)
                .map(|(f, m)| json!({"item": f.item, "reason": f.reason, "message": m}))
                .collect();
            println!(
                "{}",
                json!({
                    "id": done.id,
                    "kind": a.kind.code(),
                    "version": done.version,
                    "passed": done.outcome.passed,
                    "failures": failures,
                    "ledger_seq": done.ledger_seq,
                })
            );
        } else {
            println!(
                "{} {} {} ({} {}): {}",
                ctx.t("check-list", "清单"),
                done.id,
                ctx.t("recorded", "已记录"),
                a.kind.label(ctx.lang),
                done.version,
                if done.outcome.passed {
                    ctx.t("passed", "通过")
                } else {
                    ctx.t("did NOT pass", "未通过")
                }
            );
            for m in &messages {
                println!("  - {m}");
            }
        }
        Ok(if done.outcome.passed {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        })
    })
}
