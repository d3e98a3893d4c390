//! What the people in the field write from a phone, for a signed-in caller: check-lists
//! completed and incidents opened (and resolved by the desk or the command centre). The role
//! rule is [`Action`]'s; the object rules are here: a driver or escort fills in check-lists
//! only for themselves, their own batches (a trip or one of its stops) and the vehicles of
//! their batches, and opens incidents only on their own batches; hotel and port staff only on
//! the batches and travelers of their scope; the desk anything. The templates in force are
//! served so a phone can render the form.

use crate::accounts::rules::{self, Scope};
use crate::accounts::{Action, Caller};
use crate::checklist::{self, ChecklistRecorded, CompleteChecklist, SubjectIds};
use crate::context::App;
use crate::error::{AppError, AppResult, Fault};
use crate::incidents::{self, OpenIncident, Resolved};
use crate::mask::AccessRole;
use crate::phone::own_party;
use chrono::{DateTime, NaiveDate, Utc};
use closedloop_domain::Lang;
use closedloop_domain::ids::{BatchId, CrewId, VehicleId};
pub use closedloop_handover::ids::IncidentId;
use closedloop_handover::template::{ItemKind, Template};
/// The vocabularies a phone's requests name, for the adapters.
pub use closedloop_handover::{ChecklistKind, IncidentKind, Severity};
use closedloop_store::desk::{self, NewIncident};
use serde::Serialize;
use std::collections::BTreeSet;

fn not_yours(what: String, zh: String) -> AppError {
    AppError::Forbidden(Fault::new("forbidden_object", what, zh))
}

fn crew_role(caller: &Caller) -> bool {
    matches!(caller.role, AccessRole::Driver | AccessRole::Escort)
}

/// The vehicles of the batches a scope takes in (none for the whole scope: everything is).
fn vehicles_of(app: &App, scope: &Scope) -> AppResult<Option<BTreeSet<i64>>> {
    let Scope::Only { trips, .. } = scope else {
        return Ok(None);
    };
    let mut conn = app.conn()?;
    let mut out = BTreeSet::new();
    for &t in trips {
        out.insert(desk::load_trip(&mut conn, t)?.vehicle_id);
    }
    Ok(Some(out))
}

fn check_trip(scope: &Scope, trip: Option<BatchId>) -> AppResult<()> {
    match trip {
        Some(t) if !scope.trip(t.0) => Err(not_yours(
            format!("batch {} is not one this account works on", t.0),
            format!("批次 {} 不属于此账号的工作范围", t.0),
        )),
        _ => Ok(()),
    }
}

fn check_vehicle(app: &App, scope: &Scope, vehicle: Option<VehicleId>) -> AppResult<()> {
    let Some(v) = vehicle else { return Ok(()) };
    match vehicles_of(app, scope)? {
        Some(own) if !own.contains(&v.0) => Err(not_yours(
            format!("vehicle {} runs none of this account's batches", v.0),
            format!("车辆 {} 不承担此账号的任何批次", v.0),
        )),
        _ => Ok(()),
    }
}

/// A check-list as a phone sends it: the subject's ids, the answers by item key.
#[derive(Debug, Clone)]
pub struct PhoneChecklist {
    pub kind: ChecklistKind,
    pub subject: SubjectIds,
    pub answers: serde_json::Value,
    pub at: DateTime<Utc>,
}

/// Completes a check-list as the calling crew member (the desk: as the desk). A crew member's
/// own check-lists (training, health) default to them; anyone else's, another crew's batch or
/// a vehicle of none of their batches is refused. One that does not pass is recorded all the
/// same.
pub fn complete_checklist(
    app: &App,
    caller: &Caller,
    req: &PhoneChecklist,
    lang: Lang,
) -> AppResult<ChecklistRecorded> {
    caller.require(Action::CompleteChecklist)?;
    let mut subject = req.subject.clone();
    if crew_role(caller) {
        let Some(me) = caller.crew.map(CrewId) else {
            return Err(not_yours(
                "this account is no crew member's".into(),
                "此账号未关联乘务人员".into(),
            ));
        };
        match subject.crew {
            None if matches!(
                req.kind,
                ChecklistKind::PreTripTraining | ChecklistKind::CrewHealth
            ) =>
            {
                subject.crew = Some(me)
            }
            Some(c) if c != me => {
                return Err(not_yours(
                    format!(
                        "crew member {} fills in their own check-lists (you are {})",
                        c.0, me.0
                    ),
                    format!("乘务人员 {} 的清单须由其本人填写（您是 {}）", c.0, me.0),
                )
                .with_field("crew"));
            }
            _ => {}
        }
        let scope = rules::scope_of(app, caller)?;
        check_trip(&scope, subject.trip).map_err(|e| e.with_field("trip"))?;
        check_vehicle(app, &scope, subject.vehicle).map_err(|e| e.with_field("vehicle"))?;
    }
    checklist::complete(
        app,
        &CompleteChecklist {
            kind: req.kind,
            subject,
            answers: req.answers.clone(),
            by: if crew_role(caller) {
                caller.crew.map(CrewId)
            } else {
                None
            },
            at: req.at,
        },
        lang,
    )
}

/// One item of a template, as a phone renders it: `type` and its limits flattened in
/// (`yes_no` with `expect`; `number` with `min`, `max`, `unit`; `text` with `min_chars`;
/// `photo`).
#[derive(Debug, Clone, Serialize)]
pub struct ItemView {
    pub key: String,
    pub label_en: String,
    pub label_zh: String,
    pub required: bool,
    #[serde(flatten)]
    pub kind: ItemKind,
}

/// The template in force for one kind.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateView {
    pub kind: &'static str,
    /// What the check-list is about: crew_member, shift_change, vehicle_day, …
    pub subject: closedloop_handover::template::SubjectKind,
    pub version: String,
    pub effective_from: NaiveDate,
    pub title_en: String,
    pub title_zh: String,
    pub items: Vec<ItemView>,
}

impl From<&Template> for TemplateView {
    fn from(t: &Template) -> Self {
        TemplateView {
            kind: t.kind.code(),
            subject: t.kind.subject(),
            version: t.version.clone(),
            effective_from: t.effective_from,
            title_en: t.title.en.clone(),
            title_zh: t.title.zh.clone(),
            items: t
                .items
                .iter()
                .map(|i| ItemView {
                    key: i.key.clone(),
                    label_en: i.label.en.clone(),
                    label_zh: i.label.zh.clone(),
                    required: i.required,
                    kind: i.kind.clone(),
                })
                .collect(),
        }
    }
}

/// The template in force on the local day of `at`, for every kind that has one.
pub fn templates(app: &App, caller: &Caller, at: DateTime<Utc>) -> AppResult<Vec<TemplateView>> {
    caller.require(Action::ChecklistTemplates)?;
    let settings = &app.config.handover;
    let day = settings.gates.local_day(at);
    Ok(ChecklistKind::ALL
        .iter()
        .filter_map(|&k| settings.templates.in_force(k, day))
        .map(TemplateView::from)
        .collect())
}

/// Opens an incident, reported by the caller's own party. The scoped roles name a batch or
/// travelers of their scope (and only those): a crew member reports on their own batches.
pub fn open_incident(app: &App, caller: &Caller, req: &OpenIncident) -> AppResult<IncidentId> {
    caller.require(Action::OpenIncident)?;
    let scope = rules::scope_of(app, caller)?;
    if scope != Scope::All {
        if req.trip.is_none() && req.travelers.is_empty() {
            return Err(AppError::invalid(
                "incident_unbound",
                "name the batch (trip) or the travelers the incident concerns",
                "请写明事件涉及的批次（trip）或转运对象",
            )
            .with_field("trip"));
        }
        check_trip(&scope, req.trip).map_err(|e| e.with_field("trip"))?;
        if let Some(t) = req.travelers.iter().find(|t| !scope.traveler(t.0)) {
            return Err(not_yours(
                format!("traveler {} is not one this account may report on", t.0),
                format!("此账号无权报告转运对象 {}", t.0),
            )
            .with_field("travelers"));
        }
        check_vehicle(app, &scope, req.vehicle).map_err(|e| e.with_field("vehicle"))?;
    }
    if let Some((lat, lon)) = req.position
        && !((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon))
    {
        return Err(AppError::invalid(
            "position_invalid",
            format!("({lat}, {lon}) is no position on Earth"),
            format!("（{lat}, {lon}）不是有效的经纬度"),
        )
        .with_field("lat"));
    }
    if req.description.trim().is_empty() {
        return Err(AppError::invalid(
            "description_required",
            "say what happened (description)",
            "请填写事件经过（description）",
        )
        .with_field("description"));
    }
    let i = NewIncident {
        kind: req.kind,
        severity: req.severity,
        at: req.at,
        position: req.position,
        trip_id: req.trip,
        vehicle_id: req.vehicle,
        travelers: req.travelers.clone(),
        crew: req.crew.clone(),
        description: req.description.clone(),
        reported_by: own_party(caller),
    };
    app.with_desk(|conn, desk| desk.open_incident(conn, &i))
}

/// Resolves an incident with a note: the desk or the command centre.
pub fn resolve_incident(
    app: &App,
    caller: &Caller,
    id: IncidentId,
    note: &str,
    at: DateTime<Utc>,
) -> AppResult<Resolved> {
    caller.require(Action::ResolveIncident)?;
    incidents::resolve(app, id, note, at)
}
