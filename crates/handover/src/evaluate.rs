//! Completed check-lists: what an instance is bound to, its answers, and whether it passed —
//! naming every item that failed or is missing, so a driver fixes them all in one go.

use crate::ids::InstanceId;
use crate::template::{ChecklistKind, ItemKind, SubjectKind, Template};
use crate::text::{Bilingual, both};
use chrono::{DateTime, NaiveDate, Utc};
use closedloop_domain::Lang;
use closedloop_domain::ids::{BatchId, CrewId, VehicleId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// One answer, as the phone sends it: `{"yes_no": true}`, `{"number": 36.5}`, …
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    YesNo(bool),
    Number(f64),
    Text(String),
    /// The storage key of an uploaded photo.
    Photo(String),
}

impl Answer {
    fn type_code(&self) -> &'static str {
        match self {
            Answer::YesNo(_) => "yes_no",
            Answer::Number(_) => "number",
            Answer::Text(_) => "text",
            Answer::Photo(_) => "photo",
        }
    }
}

/// Answers by item key.
pub type Answers = BTreeMap<String, Answer>;

/// What one completed check-list is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "subject", rename_all = "snake_case")]
pub enum Subject {
    /// Pre-trip training (valid for some days) and the daily health check.
    CrewMember { crew: CrewId },
    /// A rotation handover: the outgoing shift of a vehicle briefs the incoming one.
    ShiftChange {
        vehicle: VehicleId,
        outgoing: Vec<CrewId>,
        incoming: Vec<CrewId>,
    },
    /// The daily inspection of one vehicle on one (local) day.
    VehicleDay { vehicle: VehicleId, day: NaiveDate },
    /// Disinfection of a vehicle after the trip of a batch.
    VehicleAfterTrip { vehicle: VehicleId, batch: BatchId },
    /// The pre-departure reminder of a batch.
    Batch { batch: BatchId },
    /// The personnel hand-over at one stop (0-based, in the batch's order).
    Stop { batch: BatchId, stop: u32 },
}

impl Subject {
    /// The day a completed check-list counts for: a vehicle inspection's own day, else the
    /// local day it was completed.
    pub fn counts_for(&self, local_day_completed: NaiveDate) -> NaiveDate {
        match self {
            Subject::VehicleDay { day, .. } => *day,
            _ => local_day_completed,
        }
    }

    /// The vehicle a passed check-list disinfects: a sanitation after a trip is the
    /// disinfection the custody record and contact tracing count.
    pub fn disinfects(&self, outcome: &Outcome) -> Option<VehicleId> {
        match self {
            Subject::VehicleAfterTrip { vehicle, .. } if outcome.passed => Some(*vehicle),
            _ => None,
        }
    }

    pub fn kind(&self) -> SubjectKind {
        match self {
            Subject::CrewMember { .. } => SubjectKind::CrewMember,
            Subject::ShiftChange { .. } => SubjectKind::ShiftChange,
            Subject::VehicleDay { .. } => SubjectKind::VehicleDay,
            Subject::VehicleAfterTrip { .. } => SubjectKind::VehicleAfterTrip,
            Subject::Batch { .. } => SubjectKind::Batch,
            Subject::Stop { .. } => SubjectKind::Stop,
        }
    }
}

/// Why an instance cannot be recorded against its subject.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InstanceError {
    WrongSubject {
        kind: ChecklistKind,
        expected: SubjectKind,
        got: SubjectKind,
    },
    BadShift,
}

impl InstanceError {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (
                InstanceError::WrongSubject {
                    kind,
                    expected,
                    got,
                },
                Lang::En,
            ) => format!(
                "a {kind} check-list is about a {expected:?}, not a {got:?}: record it against the right subject"
            ),
            (
                InstanceError::WrongSubject {
                    kind,
                    expected,
                    got,
                },
                Lang::ZhCn,
            ) => format!("{kind} 清单的对象应为 {expected:?}，而不是 {got:?}"),
            (InstanceError::BadShift, Lang::En) => {
                "rotation handover: name both the outgoing and the incoming crew, with nobody in both"
                    .into()
            }
            (InstanceError::BadShift, Lang::ZhCn) => {
                "轮换交接：须写明交班与接班人员，且不得有人同时在两班".into()
            }
        }
    }
}

impl fmt::Display for InstanceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        both(f, |lang| self.message(lang))
    }
}

/// One completed check-list, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    pub id: InstanceId,
    pub kind: ChecklistKind,
    /// The template version answered; kept so an edited template never changes a past result.
    pub version: String,
    pub subject: Subject,
    pub completed_at: DateTime<Utc>,
    /// Who filled it in (a crew member, or desk staff when absent).
    pub completed_by: Option<CrewId>,
    pub answers: Answers,
}

impl Instance {
    /// Binds answers to a subject, refusing a subject the template's kind is not about.
    pub fn new(
        id: InstanceId,
        template: &Template,
        subject: Subject,
        completed_at: DateTime<Utc>,
        completed_by: Option<CrewId>,
        answers: Answers,
    ) -> Result<Self, InstanceError> {
        let expected = template.kind.subject();
        if subject.kind() != expected {
            return Err(InstanceError::WrongSubject {
                kind: template.kind,
                expected,
                got: subject.kind(),
            });
        }
        if let Subject::ShiftChange {
            outgoing, incoming, ..
        } = &subject
            && (outgoing.is_empty()
                || incoming.is_empty()
                || outgoing.iter().any(|c| incoming.contains(c)))
        {
            return Err(InstanceError::BadShift);
        }
        Ok(Instance {
            id,
            kind: template.kind,
            version: template.version.clone(),
            subject,
            completed_at,
            completed_by,
            answers,
        })
    }

    /// Evaluates against its template (which must be the one of its kind and version).
    pub fn evaluate(&self, template: &Template) -> Outcome {
        debug_assert!(template.kind == self.kind && template.version == self.version);
        evaluate(template, &self.answers)
    }
}

/// Why one item did not pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum FailureReason {
    /// A required item has no answer.
    Missing,
    WrongType {
        expected: String,
        got: String,
    },
    /// A yes/no item answered the other way (e.g. "protective kit complete?" — no).
    Unexpected {
        expected: bool,
    },
    OutOfRange {
        value: f64,
        min: Option<f64>,
        max: Option<f64>,
        unit: Option<String>,
    },
    TooShort {
        min_chars: u32,
    },
    EmptyPhoto,
    /// An answer for a key the template does not have: a phone on another template version.
    UnknownItem,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemFailure {
    pub item: String,
    /// The item's label; for an unknown item, its key in both languages.
    pub label: Bilingual,
    pub reason: FailureReason,
}

fn yes_no(b: bool, lang: Lang) -> &'static str {
    match b {
        true => lang.pick("yes", "是"),
        false => lang.pick("no", "否"),
    }
}

impl ItemFailure {
    pub fn message(&self, lang: Lang) -> String {
        use FailureReason::*;
        let label = self.label.get(lang);
        let what = match (&self.reason, lang) {
            (Missing, Lang::En) => "not answered; it is required".to_string(),
            (Missing, Lang::ZhCn) => "未填写（必填项）".to_string(),
            (WrongType { expected, got }, Lang::En) => {
                format!("answered as {got}, but this item takes {expected}")
            }
            (WrongType { expected, got }, Lang::ZhCn) => {
                format!("答案类型为 {got}，此项应为 {expected}")
            }
            (Unexpected { expected }, _) => match lang {
                Lang::En => format!(
                    "answered {}, must be {}",
                    yes_no(!expected, lang),
                    yes_no(*expected, lang)
                ),
                Lang::ZhCn => format!(
                    "答为“{}”，须为“{}”",
                    yes_no(!expected, lang),
                    yes_no(*expected, lang)
                ),
            },
            (
                OutOfRange {
                    value,
                    min,
                    max,
                    unit,
                },
                _,
            ) => {
                let u = unit.as_deref().map(|u| format!(" {u}")).unwrap_or_default();
                let range = match (min, max) {
                    (Some(lo), Some(hi)) => format!("{lo}–{hi}{u}"),
                    (Some(lo), None) => format!("≥ {lo}{u}"),
                    (None, Some(hi)) => format!("≤ {hi}{u}"),
                    (None, None) => lang.pick("a finite number", "有限数值").to_string(),
                };
                match lang {
                    Lang::En => format!("{value}{u} is outside {range}"),
                    Lang::ZhCn => format!("{value}{u} 不在 {range} 范围内"),
                }
            }
            (TooShort { min_chars }, Lang::En) => {
                format!("write at least {min_chars} characters")
            }
            (TooShort { min_chars }, Lang::ZhCn) => format!("请至少填写 {min_chars} 个字"),
            (EmptyPhoto, Lang::En) => "no photo attached; take the photo".to_string(),
            (EmptyPhoto, Lang::ZhCn) => "未附照片：请拍照上传".to_string(),
            (UnknownItem, Lang::En) => {
                "not in this template version; refresh the check-list on the phone".to_string()
            }
            (UnknownItem, Lang::ZhCn) => "不属于此版本清单：请在手机上刷新清单".to_string(),
        };
        format!("{label}{}{what}", lang.pick(": ", "："))
    }
}

impl fmt::Display for ItemFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        both(f, |lang| self.message(lang))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub passed: bool,
    /// Every failing, missing or unknown item, in template order (unknown ones last).
    pub failures: Vec<ItemFailure>,
}

/// Checks answers against a template: every required item answered, every answer of the right
/// type and within its limits, no answer for an item the template lacks.
pub fn evaluate(template: &Template, answers: &Answers) -> Outcome {
    let mut failures = Vec::new();
    for item in &template.items {
        let reason = match (answers.get(&item.key), &item.kind) {
            (None, _) if item.required => Some(FailureReason::Missing),
            (None, _) => None,
            (Some(Answer::YesNo(b)), ItemKind::YesNo { expect }) => match expect {
                Some(e) if e != b => Some(FailureReason::Unexpected { expected: *e }),
                _ => None,
            },
            (Some(Answer::Number(v)), ItemKind::Number { min, max, unit }) => {
                let inside =
                    v.is_finite() && min.is_none_or(|lo| *v >= lo) && max.is_none_or(|hi| *v <= hi);
                (!inside).then(|| FailureReason::OutOfRange {
                    value: *v,
                    min: *min,
                    max: *max,
                    unit: unit.clone(),
                })
            }
            (Some(Answer::Text(t)), ItemKind::Text { min_chars }) => (t.trim().chars().count()
                < *min_chars as usize)
                .then_some(FailureReason::TooShort {
                    min_chars: *min_chars,
                }),
            (Some(Answer::Photo(p)), ItemKind::Photo) => {
                p.trim().is_empty().then_some(FailureReason::EmptyPhoto)
            }
            (Some(other), kind) => Some(FailureReason::WrongType {
                expected: kind.type_code().to_string(),
                got: other.type_code().to_string(),
            }),
        };
        if let Some(reason) = reason {
            failures.push(ItemFailure {
                item: item.key.clone(),
                label: item.label.clone(),
                reason,
            });
        }
    }
    for key in answers.keys() {
        if template.item(key).is_none() {
            failures.push(ItemFailure {
                item: key.clone(),
                label: Bilingual::new(key.clone(), key.clone()),
                reason: FailureReason::UnknownItem,
            });
        }
    }
    Outcome {
        passed: failures.is_empty(),
        failures,
    }
}
