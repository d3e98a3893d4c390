//! Completed check-lists: evaluated against the template version in force on the day, stored
//! with their answers and failures, and appended to the ledger as a ChecklistCompleted entry in
//! the same transaction. A failed check-list is recorded too — it is a fact — but proves
//! nothing to a gate. A passed sanitation check-list is also a disinfection of the custody
//! record, which contact tracing reads.

use super::{
    AnswersProblem, Desk, DeskError, crew_party, desk_party, millis, naive, require_crew,
    require_vehicle, to_json, trip_traveler_ids,
};
use crate::schema::{checklist_instances, disinfections};
use crate::{DbConnection, StoreError};
use chrono::{DateTime, Datelike, Utc};
use closedloop_handover::evaluate::{FailureReason, ItemFailure};
use closedloop_handover::ids::InstanceId;
use closedloop_handover::template::ItemKind;
use closedloop_handover::{Answer, Answers, ChecklistKind, Instance, Outcome, Subject, Template};
use closedloop_ledger::entry::{
    ChecklistCompleted, ChecklistKind as LedgerKind, Id, Party as LedgerParty,
    Subject as LedgerSubject, SubjectKind,
};
use closedloop_ledger::{Body, TravelerRef};
use diesel::prelude::*;
use serde_json::Value;

/// A check-list as a phone or the desk submits it.
#[derive(Debug, Clone)]
pub struct NewChecklist {
    pub kind: ChecklistKind,
    pub subject: Subject,
    pub completed_at: DateTime<Utc>,
    /// The crew member who filled it in; none when the desk entered it.
    pub completed_by: Option<i64>,
    pub answers: Answers,
}

#[derive(Debug, Clone)]
pub struct RecordedChecklist {
    pub id: i64,
    pub version: String,
    pub outcome: Outcome,
    pub ledger_seq: i64,
}

/// Reads answers as a phone sends them — `{"brakes": {"yes_no": true}}` — or as a person
/// writes them — `{"brakes": true, "fuel_level": 80, "assessor": "Li"}`: a bare value takes
/// the type of the template's item (a string for a photo item is its storage key). Keys the
/// template lacks are kept, so evaluation names them.
pub fn parse_answers(template: &Template, json: &Value) -> Result<Answers, DeskError> {
    let Value::Object(map) = json else {
        return Err(DeskError::BadAnswers(AnswersProblem::NotAnObject));
    };
    let mut out = Answers::new();
    for (key, v) in map {
        let photo = matches!(template.item(key).map(|i| &i.kind), Some(ItemKind::Photo));
        let answer = match v {
            Value::Bool(b) => Answer::YesNo(*b),
            Value::Number(n) => Answer::Number(n.as_f64().unwrap_or(f64::NAN)),
            Value::String(s) if photo => Answer::Photo(s.clone()),
            Value::String(s) => Answer::Text(s.clone()),
            Value::Object(_) => serde_json::from_value(v.clone()).map_err(|e| {
                DeskError::BadAnswers(AnswersProblem::Unreadable {
                    key: key.clone(),
                    detail: e.to_string(),
                })
            })?,
            Value::Null => continue,
            Value::Array(_) => {
                return Err(DeskError::BadAnswers(AnswersProblem::List {
                    key: key.clone(),
                }));
            }
        };
        out.insert(key.clone(), answer);
    }
    Ok(out)
}

pub(crate) fn ledger_kind(k: ChecklistKind) -> LedgerKind {
    match k {
        ChecklistKind::PreTripTraining => LedgerKind::PreTripTraining,
        ChecklistKind::RotationHandover => LedgerKind::RotationHandover,
        ChecklistKind::VehicleInspection => LedgerKind::VehicleDaily,
        ChecklistKind::Sanitation => LedgerKind::Sanitation,
        ChecklistKind::PreDepartureReminder => LedgerKind::PreDepartureReminder,
        ChecklistKind::PersonnelHandover => LedgerKind::PersonHandover,
        ChecklistKind::CrewHealth => LedgerKind::CrewHealth,
    }
}

/// Columns of a subject: (code, crew, vehicle, trip, stop); trip 0 means none.
pub(crate) type SubjectColumns = (
    &'static str,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

pub(crate) fn columns(s: &Subject) -> SubjectColumns {
    let trip = |b: i64| (b != 0).then_some(b);
    match s {
        Subject::CrewMember { crew } => ("crew", Some(crew.0), None, None, None),
        Subject::ShiftChange { vehicle, .. } => ("shift", None, Some(vehicle.0), None, None),
        Subject::VehicleDay { vehicle, .. } => ("vehicle_day", None, Some(vehicle.0), None, None),
        Subject::VehicleAfterTrip { vehicle, batch } => (
            "vehicle_after_trip",
            None,
            Some(vehicle.0),
            trip(batch.0),
            None,
        ),
        Subject::Batch { batch } => ("trip", None, None, Some(batch.0), None),
        Subject::Stop { batch, stop } => {
            ("stop", None, None, Some(batch.0), Some(i64::from(*stop)))
        }
    }
}

pub(crate) fn ledger_subject(s: &Subject) -> Result<LedgerSubject, StoreError> {
    let (kind, id) = match s {
        Subject::CrewMember { crew } => (SubjectKind::Crew, Id::from_key(crew.0)),
        Subject::ShiftChange { vehicle, .. } => (SubjectKind::Shift, Id::from_key(vehicle.0)),
        Subject::VehicleDay { vehicle, .. } | Subject::VehicleAfterTrip { vehicle, .. } => {
            (SubjectKind::Vehicle, Id::from_key(vehicle.0))
        }
        Subject::Batch { batch } => (SubjectKind::Batch, Id::from_key(batch.0)),
        Subject::Stop { batch, stop } => (SubjectKind::Batch, Id::new(format!("{batch}:{stop}"))?),
    };
    Ok(LedgerSubject { kind, id })
}

/// Checks that what the subject names exists.
fn require_subject(conn: &mut DbConnection, s: &Subject) -> Result<(), StoreError> {
    let (_, crew, vehicle, trip, _) = columns(s);
    if let Some(v) = vehicle {
        require_vehicle(conn, v)?;
    }
    if let Some(c) = crew {
        require_crew(conn, &[c])?;
    }
    if let Subject::ShiftChange {
        outgoing, incoming, ..
    } = s
    {
        let all: Vec<i64> = outgoing.iter().chain(incoming).map(|c| c.0).collect();
        require_crew(conn, &all)?;
    }
    if let Some(t) = trip {
        super::load_trip(conn, t)?;
    }
    if let Subject::Stop { batch, stop } = s {
        let stops = super::trip_stops(conn, batch.0)?.len();
        if *stop as usize >= stops {
            return Err(DeskError::NoSuchStop {
                trip: batch.0,
                stop: *stop,
                stops,
            }
            .into());
        }
    }
    Ok(())
}

/// A template as the ledger names it: `kind:version`, else the kind alone.
pub(crate) fn template_id(kind: ChecklistKind, version: &str) -> Result<Id, StoreError> {
    Ok(Id::new(format!("{}:{}", kind.code(), version)).or_else(|_| Id::new(kind.code()))?)
}

/// Who completed a check-list, as the ledger names them: the crew member, else the desk.
pub(crate) fn completed_by(crew: Option<i64>) -> LedgerParty {
    match crew {
        Some(c) => crew_party(c),
        None => desk_party(),
    }
}

/// The failed items the ledger names, sorted: those of the template (`items` are the keys of
/// failures other than an unknown item) whose key is an id.
pub(crate) fn failed_ids<'a>(items: impl IntoIterator<Item = &'a str>) -> Vec<Id> {
    let mut ids: Vec<Id> = items.into_iter().filter_map(|i| Id::new(i).ok()).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The ChecklistCompleted entry of a check-list of `template` about `subject`, completed by
/// crew member `by` (none: the desk) with `failures`, naming `travelers`.
pub(crate) fn checklist_body(
    template: &Template,
    subject: &Subject,
    by: Option<i64>,
    failures: &[ItemFailure],
    travelers: Vec<TravelerRef>,
) -> Result<Body, StoreError> {
    let failed = failed_ids(
        failures
            .iter()
            .filter(|f| f.reason != FailureReason::UnknownItem)
            .map(|f| f.item.as_str()),
    );
    let mut failed_keys: Vec<&str> = failures
        .iter()
        .filter(|f| f.reason != FailureReason::UnknownItem)
        .map(|f| f.item.as_str())
        .collect();
    failed_keys.sort_unstable();
    failed_keys.dedup();
    let total = template.items.len() as u32;
    let version = template_id(template.kind, &template.version)?;
    let from = template.effective_from;
    let mut b = Body::ChecklistCompleted(ChecklistCompleted {
        checklist: ledger_kind(template.kind),
        template: version,
        template_version: from.year() as u32 * 10_000 + from.month() * 100 + from.day(),
        subject: ledger_subject(subject)?,
        completed_by: completed_by(by),
        items_total: total,
        items_passed: total.saturating_sub(failed_keys.len() as u32),
        failed_items: failed,
        travelers,
    });
    b.normalize();
    Ok(b)
}

impl Desk<'_> {
    /// Evaluates and records a completed check-list with its ledger entry; see the module docs.
    pub fn complete_checklist(
        &mut self,
        conn: &mut DbConnection,
        c: &NewChecklist,
    ) -> Result<RecordedChecklist, StoreError> {
        let local_today = self.gates().local_day(c.completed_at);
        let day = c.subject.counts_for(local_today);
        let template = self
            .templates()
            .in_force(c.kind, local_today)
            .ok_or(DeskError::NoTemplate {
                kind: c.kind,
                day: local_today,
            })?
            .clone();
        let instance = Instance::new(
            InstanceId(0),
            &template,
            c.subject.clone(),
            c.completed_at,
            c.completed_by.map(closedloop_domain::ids::CrewId),
            c.answers.clone(),
        )
        .map_err(DeskError::Instance)?;
        let outcome = instance.evaluate(&template);
        self.transact(conn, |conn, pending| {
            require_subject(conn, &c.subject)?;
            if let Some(by) = c.completed_by {
                require_crew(conn, &[by])?;
            }
            let (code, crew, vehicle, trip, stop) = columns(&c.subject);
            let travelers = match (&c.subject, trip) {
                (Subject::Batch { .. } | Subject::Stop { .. }, Some(t)) => {
                    trip_traveler_ids(conn, t)?
                }
                _ => Vec::new(),
            };
            let entry = checklist_body(
                &template,
                &instance.subject,
                instance.completed_by.map(|c| c.0),
                &outcome.failures,
                pending.refs(&travelers),
            )?;
            let seq = pending.append(conn, vec![(millis(c.completed_at)?, entry)])?;
            let id = diesel::insert_into(checklist_instances::table)
                .values((
                    checklist_instances::kind.eq(c.kind.code()),
                    checklist_instances::template_version.eq(&template.version),
                    checklist_instances::subject.eq(code),
                    checklist_instances::crew_id.eq(crew),
                    checklist_instances::vehicle_id.eq(vehicle),
                    checklist_instances::trip_id.eq(trip),
                    checklist_instances::stop.eq(stop),
                    checklist_instances::day.eq(day),
                    checklist_instances::subject_json.eq(to_json(&c.subject)),
                    checklist_instances::answers.eq(to_json(&c.answers)),
                    checklist_instances::passed.eq(outcome.passed),
                    checklist_instances::failures.eq(to_json(&outcome.failures)),
                    checklist_instances::completed_at.eq(naive(c.completed_at)),
                    checklist_instances::completed_by.eq(c.completed_by),
                    checklist_instances::ledger_seq.eq(seq),
                ))
                .returning(checklist_instances::id)
                .get_result::<i64>(conn)?;
            if let Some(vehicle) = c.subject.disinfects(&outcome) {
                diesel::insert_into(disinfections::table)
                    .values((
                        disinfections::vehicle_id.eq(vehicle.0),
                        disinfections::at.eq(naive(c.completed_at)),
                    ))
                    .execute(conn)?;
            }
            Ok(RecordedChecklist {
                id,
                version: template.version.clone(),
                outcome: outcome.clone(),
                ledger_seq: seq,
            })
        })
    }
}
