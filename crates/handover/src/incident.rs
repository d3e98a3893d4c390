//! Incidents (事故): anything that breaks "zero incident". Each is linked to what it involves
//! — batch, vehicle, travelers, crew — because the first question after a case is found is
//! "who shared the vehicle, the crew, the hand-over?". An incident is open until resolved with
//! a note; resolved is final.

use crate::ids::IncidentId;
use crate::text::both;
use chrono::{DateTime, Utc};
use closedloop_domain::Lang;
use closedloop_domain::geo::Coordinates;
use closedloop_domain::ids::{BatchId, CrewId, TravelerId, VehicleId};
use closedloop_domain::vocabulary;
use serde::{Deserialize, Serialize};
use std::fmt;

vocabulary! {
    IncidentKind, "incident kind", "traffic_accident, vehicle_breakdown, symptomatic_en_route, escape_or_refusal, protection_breach, staff_infection or head_count_mismatch" {
        TrafficAccident => "traffic_accident", "traffic accident", "交通事故";
        VehicleBreakdown => "vehicle_breakdown", "vehicle breakdown", "车辆故障";
        SymptomaticEnRoute => "symptomatic_en_route", "traveler symptomatic en route", "旅客途中出现症状";
        EscapeOrRefusal => "escape_or_refusal", "escape or refusal", "人员脱逃或拒绝转运";
        ProtectionBreach => "protection_breach", "protection breach", "防护失效或违规";
        StaffInfection => "staff_infection", "staff infection", "工作人员感染";
        HeadCountMismatch => "head_count_mismatch", "head-count mismatch", "交接人数不符";
    }
}

/// How serious an incident is: the domain's one grading, which the ledger speaks too.
pub use closedloop_domain::severity::Severity;

/// What happened, as reported; the store gives it an id when it opens the incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentReport {
    pub kind: IncidentKind,
    pub severity: Severity,
    pub at: DateTime<Utc>,
    pub place: Option<Coordinates>,
    pub batch: Option<BatchId>,
    pub vehicle: Option<VehicleId>,
    pub travelers: Vec<TravelerId>,
    pub crew: Vec<CrewId>,
    pub description: String,
}

/// What an incident is recorded against, most specific first: its batch, else its vehicle,
/// else the first of its crew.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentSubject {
    Batch(BatchId),
    Vehicle(VehicleId),
    Crew(CrewId),
}

impl IncidentSubject {
    pub fn of(
        batch: Option<BatchId>,
        vehicle: Option<VehicleId>,
        crew: &[CrewId],
    ) -> Option<IncidentSubject> {
        batch
            .map(IncidentSubject::Batch)
            .or(vehicle.map(IncidentSubject::Vehicle))
            .or(crew.first().copied().map(IncidentSubject::Crew))
    }
}

/// The vehicle an incident concerns: the one named, else the batch's.
pub fn incident_vehicle(
    named: Option<VehicleId>,
    batch_vehicle: Option<VehicleId>,
) -> Option<VehicleId> {
    named.or(batch_vehicle)
}

/// Whether a reported position is aboard the batch's vehicle (an incident of a batch
/// happens on its run) or somewhere else.
pub fn happened_aboard(batch: Option<BatchId>) -> bool {
    batch.is_some()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum IncidentState {
    Open,
    Resolved { at: DateTime<Utc>, note: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub id: IncidentId,
    pub report: IncidentReport,
    state: IncidentState,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IncidentError {
    AlreadyResolved {
        id: IncidentId,
        at: DateTime<Utc>,
    },
    EmptyNote {
        id: IncidentId,
    },
    BeforeReport {
        id: IncidentId,
        reported: DateTime<Utc>,
    },
}

impl IncidentError {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (IncidentError::AlreadyResolved { id, at }, Lang::En) => {
                format!("incident {id} was already resolved at {at}; open a new incident instead")
            }
            (IncidentError::AlreadyResolved { id, at }, Lang::ZhCn) => {
                format!("事件 {id} 已于 {at} 办结：如有新情况请新建事件")
            }
            (IncidentError::EmptyNote { id }, Lang::En) => {
                format!("incident {id}: write a resolution note saying what was done")
            }
            (IncidentError::EmptyNote { id }, Lang::ZhCn) => {
                format!("事件 {id}：请填写处置说明")
            }
            (IncidentError::BeforeReport { id, reported }, Lang::En) => {
                format!("incident {id}: the resolution time is before the report at {reported}")
            }
            (IncidentError::BeforeReport { id, reported }, Lang::ZhCn) => {
                format!("事件 {id}：办结时间早于上报时间 {reported}")
            }
        }
    }
}

impl fmt::Display for IncidentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        both(f, |lang| self.message(lang))
    }
}

impl Incident {
    pub fn open(id: IncidentId, report: IncidentReport) -> Self {
        Incident {
            id,
            report,
            state: IncidentState::Open,
        }
    }

    pub fn state(&self) -> &IncidentState {
        &self.state
    }

    pub fn is_open(&self) -> bool {
        self.state == IncidentState::Open
    }

    /// Open → resolved, with a note of what was done. Resolving twice is an error: a record of
    /// what happened is never rewritten.
    pub fn resolve(&mut self, note: &str, at: DateTime<Utc>) -> Result<(), IncidentError> {
        if let IncidentState::Resolved { at, .. } = self.state {
            return Err(IncidentError::AlreadyResolved { id: self.id, at });
        }
        if note.trim().is_empty() {
            return Err(IncidentError::EmptyNote { id: self.id });
        }
        if at < self.report.at {
            return Err(IncidentError::BeforeReport {
                id: self.id,
                reported: self.report.at,
            });
        }
        self.state = IncidentState::Resolved {
            at,
            note: note.trim().to_string(),
        };
        Ok(())
    }

    /// "交通事故（较大）" / "traffic accident (serious)".
    pub fn title(&self, lang: Lang) -> String {
        match lang {
            Lang::En => format!(
                "{} ({})",
                self.report.kind.label(lang),
                self.report.severity.label(lang)
            ),
            Lang::ZhCn => format!(
                "{}（{}）",
                self.report.kind.label(lang),
                self.report.severity.label(lang)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> IncidentReport {
        IncidentReport {
            kind: IncidentKind::VehicleBreakdown,
            severity: Severity::Minor,
            at: "2021-06-01T02:00:00Z".parse().unwrap(),
            place: None,
            batch: Some(BatchId(1)),
            vehicle: Some(VehicleId(2)),
            travelers: vec![],
            crew: vec![CrewId(3)],
            description: "flat tyre".into(),
        }
    }

    #[test]
    fn open_then_resolved_once() {
        let mut i = Incident::open(IncidentId(9), report());
        let early = "2021-06-01T01:00:00Z".parse().unwrap();
        assert!(matches!(
            i.resolve("fixed", early),
            Err(IncidentError::BeforeReport { .. })
        ));
        let later = "2021-06-01T03:00:00Z".parse().unwrap();
        assert!(matches!(
            i.resolve("  ", later),
            Err(IncidentError::EmptyNote { .. })
        ));
        assert!(i.is_open());
        i.resolve("relief vehicle took over", later).unwrap();
        let before = i.clone();
        let e = i.resolve("again", later).unwrap_err();
        assert!(e.to_string().contains("already resolved"), "{e}");
        assert_eq!(i, before);
        assert_eq!(i.title(Lang::ZhCn), "车辆故障（一般）");
    }

    #[test]
    fn kinds_parse_from_either_language() {
        assert_eq!(
            "工作人员感染".parse::<IncidentKind>().unwrap(),
            IncidentKind::StaffInfection
        );
        assert_eq!(
            "Head-Count Mismatch".parse::<IncidentKind>().unwrap(),
            IncidentKind::HeadCountMismatch
        );
        assert!("meteor".parse::<IncidentKind>().is_err());
    }
}
