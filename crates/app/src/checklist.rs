//! A completed check-list: what it is about (its subject) from the kind, the template version
//! in force on the local day, the answers read as a phone or a person writes them, evaluated
//! and stored with its ledger entry — recorded even when it does not pass.

use crate::context::App;
use crate::error::{AppError, AppResult};
use chrono::{DateTime, NaiveDate, Utc};
use closedloop_domain::ids::{BatchId, CrewId, VehicleId};
use closedloop_handover::{ChecklistKind, Subject};
use closedloop_store::desk::{DeskError, NewChecklist, parse_answers};
use serde::Serialize;

/// What a check-list is about, as the desk names it; which of these a kind needs is the
/// kind's rule ([`subject`]).
#[derive(Debug, Clone, Default)]
pub struct SubjectIds {
    pub crew: Option<CrewId>,
    pub vehicle: Option<VehicleId>,
    /// The day of a vehicle inspection (default: the local day of completion).
    pub day: Option<NaiveDate>,
    pub trip: Option<BatchId>,
    /// The stop of a personnel hand-over, from 0.
    pub stop: u32,
    pub outgoing: Vec<CrewId>,
    pub incoming: Vec<CrewId>,
}

#[derive(Debug, Clone)]
pub struct CompleteChecklist {
    pub kind: ChecklistKind,
    pub subject: SubjectIds,
    /// The answers by item key: `{"brakes": true, …}` or `{"brakes": {"yes_no": true}}`.
    pub answers: serde_json::Value,
    /// The crew member who filled it in; none: the desk.
    pub by: Option<CrewId>,
    pub at: DateTime<Utc>,
}

/// `{"item", "reason", "message"}` of an item that failed.
#[derive(Debug, Clone, Serialize)]
pub struct ItemFailed {
    pub item: String,
    pub reason: serde_json::Value,
    pub message: String,
}

/// `{"id", "kind", "version", "passed", "failures", "ledger_seq"}`.
#[derive(Debug, Clone, Serialize)]
pub struct ChecklistRecorded {
    pub id: i64,
    pub kind: &'static str,
    pub version: String,
    pub passed: bool,
    pub failures: Vec<ItemFailed>,
    pub ledger_seq: i64,
}

/// The subject of a check-list of `kind`, or `subject_incomplete` naming what it needs.
pub fn subject(kind: ChecklistKind, ids: &SubjectIds, local_day: NaiveDate) -> AppResult<Subject> {
    fn need<T: Copy>(v: Option<T>, field: &str, kind: ChecklistKind) -> AppResult<T> {
        v.ok_or_else(|| {
            AppError::invalid(
                "subject_incomplete",
                format!(
                    "this check-list needs {field} ({})",
                    kind.label(closedloop_domain::Lang::En)
                ),
                format!(
                    "此清单须写明 {field}（{}）",
                    kind.label(closedloop_domain::Lang::ZhCn)
                ),
            )
            .with_field(field)
        })
    }
    Ok(match kind {
        ChecklistKind::PreTripTraining | ChecklistKind::CrewHealth => Subject::CrewMember {
            crew: need(ids.crew, "crew", kind)?,
        },
        ChecklistKind::RotationHandover => Subject::ShiftChange {
            vehicle: need(ids.vehicle, "vehicle", kind)?,
            outgoing: ids.outgoing.clone(),
            incoming: ids.incoming.clone(),
        },
        ChecklistKind::VehicleInspection => Subject::VehicleDay {
            vehicle: need(ids.vehicle, "vehicle", kind)?,
            day: ids.day.unwrap_or(local_day),
        },
        ChecklistKind::Sanitation => Subject::VehicleAfterTrip {
            vehicle: need(ids.vehicle, "vehicle", kind)?,
            batch: ids.trip.unwrap_or(BatchId(0)),
        },
        ChecklistKind::PreDepartureReminder => Subject::Batch {
            batch: need(ids.trip, "trip", kind)?,
        },
        ChecklistKind::PersonnelHandover => Subject::Stop {
            batch: need(ids.trip, "trip", kind)?,
            stop: ids.stop,
        },
    })
}

pub fn complete(
    app: &App,
    req: &CompleteChecklist,
    lang: closedloop_domain::Lang,
) -> AppResult<ChecklistRecorded> {
    let settings = &app.config.handover;
    let local_day = settings.gates.local_day(req.at);
    let Some(template) = settings.templates.in_force(req.kind, local_day) else {
        return Err(DeskError::NoTemplate {
            kind: req.kind,
            day: local_day,
        }
        .into());
    };
    let answers = parse_answers(template, &req.answers)?;
    let c = NewChecklist {
        kind: req.kind,
        subject: subject(req.kind, &req.subject, local_day)?,
        completed_at: req.at,
        completed_by: req.by.map(|c| c.0),
        answers,
    };
    let done = app.with_desk(|conn, desk| desk.complete_checklist(conn, &c))?;
    Ok(ChecklistRecorded {
        id: done.id,
        kind: req.kind.code(),
        version: done.version,
        passed: done.outcome.passed,
        failures: done
            .outcome
            .failures
            .iter()
            .map(|f| ItemFailed {
                item: f.item.clone(),
                reason: serde_json::to_value(&f.reason).unwrap_or_default(),
                message: f.message(lang),
            })
            .collect(),
        ledger_seq: done.ledger_seq,
    })
}
