//! The kinds of entry and their kind-specific, non-personal fields.
//!
//! Field order here is part of the canonical encoding: never reorder, rename or insert fields
//! in a released version — add a new kind or a new encoding version instead. The one exception
//! keeps every earlier entry's bytes: an optional field added last and *omitted* when absent
//! (`HandOver::to_batch`), so an entry without it encodes as before, and `null` for it is
//! refused on re-encoding like any other non-canonical form.

use super::{EntryError, Id, TravelerRef, UtcMillis};
use closedloop_domain::batch::BatchState;
use closedloop_domain::role::PartyRole;
/// How serious an incident is, in the domain's one grading (minor/一般 … critical/特别重大);
/// written under the spellings of the first encoding (see [`Incident::severity`]).
pub use closedloop_domain::severity::Severity;
use serde::{Deserialize, Serialize};

/// What happened. The `kind` tag comes first in the JSON object.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Body {
    HandOver(HandOver),
    ChecklistCompleted(ChecklistCompleted),
    GateDecision(GateDecision),
    Incident(Incident),
    Purge(Purge),
    IncidentResolved(IncidentResolved),
    CodeRejected(CodeRejected),
    TripState(TripState),
}

/// Custody of `travelers` passes from one party to another (check-list 6, 转运人员交接).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct HandOver {
    pub batch: Id,
    pub from: Party,
    pub to: Party,
    pub place: Place,
    /// The head-count both parties confirmed; differing from `travelers.len()` is itself a
    /// fact worth keeping (and usually an incident).
    pub head_count: u32,
    pub travelers: Vec<TravelerRef>,
    /// From one crew to another (a relief vehicle, a shift change on the road): the receiving
    /// crew's batch, which the travelers ride from then on. Added after the first release, so
    /// omitted when absent (see the module docs); absent for every other hand-over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_batch: Option<Id>,
}

/// One of the six check-lists was completed.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ChecklistCompleted {
    pub checklist: ChecklistKind,
    /// The template's id and version in configuration: rules change, the record says which.
    pub template: Id,
    pub template_version: u32,
    pub subject: Subject,
    pub completed_by: Party,
    pub items_total: u32,
    pub items_passed: u32,
    /// Ids of the items that did not pass (sorted).
    pub failed_items: Vec<Id>,
    pub travelers: Vec<TravelerRef>,
}

/// A gate (e.g. "no departure before the vehicle and sanitation checks") let a subject through,
/// blocked it, or was overridden.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct GateDecision {
    pub gate: Id,
    pub subject: Subject,
    pub decision: Decision,
    /// Check-list items missing when decided (sorted); empty for `pass`.
    pub missing: Vec<Id>,
    pub decided_by: Party,
    pub travelers: Vec<TravelerRef>,
}

/// Something went wrong, or nearly did.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Incident {
    pub incident: IncidentKind,
    /// Written `low`, `medium`, `high` or `critical` for minor, serious, major and critical:
    /// the wire spellings predate the one grading and stay, so every entry keeps its bytes.
    #[serde(with = "severity_wire")]
    pub severity: Severity,
    pub subject: Option<Subject>,
    pub place: Option<Place>,
    pub reported_by: Party,
    pub travelers: Vec<TravelerRef>,
}

/// An incident was resolved (resolved is final). `report` is the sequence number of the
/// incident's own entry, so an auditor can pair them; the note of what was done stays in the
/// store, since free text may name people.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct IncidentResolved {
    pub report: u64,
    pub resolved_by: Party,
    pub travelers: Vec<TravelerRef>,
}

/// A confirmation of a started hand-over was refused for its one-time code (wrong, or not six
/// digits): a failed attempt, perhaps a guess. `request` is the started hand-over's store id
/// (the one its code is bound to), `batch` the crew side's trip, `attempt` the request's count
/// of failed attempts with this one (from 1), and `locked` whether this attempt locked the
/// request, so that no code confirms it any more. The code typed is not kept: a near miss
/// would tell the next guesser something. Names no traveler: the travelers' custody did not
/// move.
///
/// Canonical form: `{"kind":"code_rejected","request":…,"batch":…,"attempt":…,"locked":…}`,
/// fields in this order; `attempt` at least 1.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct CodeRejected {
    pub request: Id,
    pub batch: Id,
    pub attempt: u32,
    pub locked: bool,
}

/// The personal data behind `travelers` was erased from the store. The log itself holds none,
/// so it stays whole; this entry proves when and why the erasure happened.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Purge {
    pub reason: PurgeReason,
    pub by: Party,
    pub travelers: Vec<TravelerRef>,
}

/// A trip (batch) passed its gates into a new state — approved, departed, completed — or was
/// recorded after the fact. The gates' own decisions are GateDecision entries in the same
/// append batch, just before it; a refused transition writes those and no TripState.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct TripState {
    pub batch: Id,
    pub from: TripPhase,
    pub to: TripPhase,
    /// The trip's departure and arrival as the record keeps them afterwards: the plan's until
    /// it departs (resp. completes), then the times it did.
    pub started: UtcMillis,
    pub ended: UtcMillis,
    pub decided_by: Party,
    /// Who rode the trip when it changed state (sorted).
    pub travelers: Vec<TravelerRef>,
}

/// A trip's state, in the ledger's own wire names (`closedloop_domain::batch::BatchState`'s
/// codes).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TripPhase {
    Planned,
    Approved,
    Departed,
    Completed,
    Cancelled,
}

impl From<BatchState> for TripPhase {
    fn from(s: BatchState) -> TripPhase {
        match s {
            BatchState::Planned => TripPhase::Planned,
            BatchState::Approved => TripPhase::Approved,
            BatchState::Departed => TripPhase::Departed,
            BatchState::Completed => TripPhase::Completed,
            BatchState::Cancelled => TripPhase::Cancelled,
        }
    }
}

impl TripPhase {
    /// The wire name (`departed`), the same as the store's state code.
    pub fn code(self) -> &'static str {
        match self {
            TripPhase::Planned => "planned",
            TripPhase::Approved => "approved",
            TripPhase::Departed => "departed",
            TripPhase::Completed => "completed",
            TripPhase::Cancelled => "cancelled",
        }
    }
}

/// Someone acting in a role, by their store id (staff, never travelers).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Party {
    pub role: Role,
    pub id: Id,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    PortStaff,
    TransferCrew,
    Driver,
    Escort,
    HotelStaff,
    HospitalStaff,
    CommunityStaff,
    DispatchDesk,
    CommandCentre,
    System,
}

/// The ledger keeps its own wire names (`transfer_crew`); the hand-over roles map onto them.
impl From<PartyRole> for Role {
    fn from(r: PartyRole) -> Role {
        match r {
            PartyRole::PortStaff => Role::PortStaff,
            PartyRole::Crew => Role::TransferCrew,
            PartyRole::HotelStaff => Role::HotelStaff,
            PartyRole::CommunityStaff => Role::CommunityStaff,
            PartyRole::HospitalStaff => Role::HospitalStaff,
        }
    }
}

impl Role {
    /// The hand-over role this one acts in: a driver and an escort are crew; the desk, the
    /// command centre and the system hand nobody over.
    pub fn party_role(self) -> Option<PartyRole> {
        match self {
            Role::PortStaff => Some(PartyRole::PortStaff),
            Role::TransferCrew | Role::Driver | Role::Escort => Some(PartyRole::Crew),
            Role::HotelStaff => Some(PartyRole::HotelStaff),
            Role::HospitalStaff => Some(PartyRole::HospitalStaff),
            Role::CommunityStaff => Some(PartyRole::CommunityStaff),
            Role::DispatchDesk | Role::CommandCentre | Role::System => None,
        }
    }
}

/// Where a hand-over or incident happened.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Place {
    pub kind: PlaceKind,
    pub id: Option<Id>,
    /// Never for a home: a home's position is personal data that would outlive its erasure.
    pub coords: Option<Coords>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    Port,
    Vehicle,
    Hotel,
    Hospital,
    Home,
    Other,
}

/// WGS 84 position in integer micro-degrees (about 11 cm), so the encoding has no floats.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Coords {
    pub lat_e6: i32,
    pub lon_e6: i32,
}

impl Coords {
    /// Rounds degrees to micro-degrees; refuses positions off the globe.
    pub fn from_degrees(lat: f64, lon: f64) -> Result<Self, EntryError> {
        if !lat.is_finite() || !lon.is_finite() {
            return Err(EntryError::Invalid {
                field: "coords",
                problem: "latitude and longitude must be finite numbers".into(),
            });
        }
        // `as` saturates, so a wild value stays out of range and is refused below.
        let c = Coords {
            lat_e6: (lat * 1e6).round() as i32,
            lon_e6: (lon * 1e6).round() as i32,
        };
        c.validate()?;
        Ok(c)
    }

    fn validate(&self) -> Result<(), EntryError> {
        if !(-90_000_000..=90_000_000).contains(&self.lat_e6)
            || !(-180_000_000..=180_000_000).contains(&self.lon_e6)
        {
            return Err(EntryError::Invalid {
                field: "coords",
                problem: format!(
                    "({}, {}) micro-degrees is off the globe: latitude within ±90°, longitude within ±180°",
                    self.lat_e6, self.lon_e6
                ),
            });
        }
        Ok(())
    }
}

/// What a check-list or gate is about.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Subject {
    pub kind: SubjectKind,
    pub id: Id,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    Batch,
    Vehicle,
    Crew,
    Shift,
    Place,
}

/// The six check-lists (六项清单) of the practice the software models.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChecklistKind {
    /// 行前培训考核
    PreTripTraining,
    /// 轮换交接
    RotationHandover,
    /// 转运车辆日常检查
    VehicleDaily,
    /// 卫生防疫检查
    Sanitation,
    /// 转运发车前提醒
    PreDepartureReminder,
    /// 转运人员交接
    PersonHandover,
    /// 工作人员每日健康监测: front-line staff's daily health check, which the departure gate
    /// requires like a check-list (added after the first six; only its pass/fail is logged).
    CrewHealth,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Pass,
    Block,
    /// Let through despite missing items, by someone entitled to.
    Override,
}

/// Incident categories, deliberately coarse: `health_alert` says a traveler or staff member
/// needs medical attention, never what is wrong with them.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentKind {
    HealthAlert,
    StaffExposure,
    ProtectionBreach,
    HeadCountMismatch,
    Absconding,
    VehicleBreakdown,
    TrafficAccident,
    RouteDeviation,
    Delay,
    Other,
}

/// The wire spellings of [`Severity`], fixed by the first encoding; only these are read.
mod severity_wire {
    use super::Severity;
    use serde::{Deserialize, Deserializer, Serializer, de};

    const WIRE: [(Severity, &str); 4] = [
        (Severity::Minor, "low"),
        (Severity::Serious, "medium"),
        (Severity::Major, "high"),
        (Severity::Critical, "critical"),
    ];

    pub fn serialize<S: Serializer>(s: &Severity, out: S) -> Result<S::Ok, S::Error> {
        let (_, w) = WIRE
            .iter()
            .find(|(v, _)| v == s)
            .expect("every grade has a spelling");
        out.serialize_str(w)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Severity, D::Error> {
        let w = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        WIRE.iter()
            .find(|(_, x)| *x == w)
            .map(|(v, _)| *v)
            .ok_or_else(|| {
                de::Error::invalid_value(de::Unexpected::Str(&w), &"low, medium, high or critical")
            })
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PurgeReason {
    RetentionEnded,
    ErasureRequest,
}

fn sort_dedup<T: Ord>(v: &mut Vec<T>) {
    v.sort_unstable();
    v.dedup();
}

fn is_sorted_unique<T: Ord>(v: &[T]) -> bool {
    v.windows(2).all(|w| w[0] < w[1])
}

fn invalid(field: &'static str, problem: impl Into<String>) -> EntryError {
    EntryError::Invalid {
        field,
        problem: problem.into(),
    }
}

impl Place {
    fn validate(&self, field: &'static str) -> Result<(), EntryError> {
        if let Some(c) = &self.coords {
            if self.kind == PlaceKind::Home {
                return Err(invalid(
                    field,
                    "a home carries no coordinates (its position is personal data): give only the destination id",
                ));
            }
            c.validate()?;
        }
        Ok(())
    }
}

impl Body {
    /// The kind tag as written in the JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            Body::HandOver(_) => "hand_over",
            Body::ChecklistCompleted(_) => "checklist_completed",
            Body::GateDecision(_) => "gate_decision",
            Body::Incident(_) => "incident",
            Body::Purge(_) => "purge",
            Body::IncidentResolved(_) => "incident_resolved",
            Body::CodeRejected(_) => "code_rejected",
            Body::TripState(_) => "trip_state",
        }
    }

    /// The travelers this entry names, sorted (once normalized).
    pub fn travelers(&self) -> &[TravelerRef] {
        match self {
            Body::HandOver(b) => &b.travelers,
            Body::ChecklistCompleted(b) => &b.travelers,
            Body::GateDecision(b) => &b.travelers,
            Body::Incident(b) => &b.travelers,
            Body::Purge(b) => &b.travelers,
            Body::IncidentResolved(b) => &b.travelers,
            Body::CodeRejected(_) => &[],
            Body::TripState(b) => &b.travelers,
        }
    }

    /// Sorts and de-duplicates every list the canonical form keeps sorted.
    pub fn normalize(&mut self) {
        match self {
            Body::HandOver(b) => sort_dedup(&mut b.travelers),
            Body::ChecklistCompleted(b) => {
                sort_dedup(&mut b.travelers);
                sort_dedup(&mut b.failed_items);
            }
            Body::GateDecision(b) => {
                sort_dedup(&mut b.travelers);
                sort_dedup(&mut b.missing);
            }
            Body::Incident(b) => sort_dedup(&mut b.travelers),
            Body::Purge(b) => sort_dedup(&mut b.travelers),
            Body::IncidentResolved(b) => sort_dedup(&mut b.travelers),
            Body::CodeRejected(_) => {}
            Body::TripState(b) => sort_dedup(&mut b.travelers),
        }
    }

    /// Checks the rules types cannot express. Lists must already be normalized.
    pub fn validate(&self) -> Result<(), EntryError> {
        if !is_sorted_unique(self.travelers()) {
            return Err(invalid(
                "travelers",
                "must be sorted without duplicates: normalize the entry before encoding",
            ));
        }
        match self {
            Body::HandOver(b) => {
                b.place.validate("place")?;
                if b.from == b.to {
                    return Err(invalid(
                        "to",
                        format!(
                            "a hand-over needs two different parties; both are {:?} {}",
                            b.from.role, b.from.id
                        ),
                    ));
                }
            }
            Body::ChecklistCompleted(b) => {
                if !is_sorted_unique(&b.failed_items) {
                    return Err(invalid("failed_items", "must be sorted without duplicates"));
                }
                let failed = u32::try_from(b.failed_items.len()).unwrap_or(u32::MAX);
                if b.items_passed > b.items_total
                    || b.items_passed.saturating_add(failed) > b.items_total
                {
                    return Err(invalid(
                        "items_passed",
                        format!(
                            "{} passed and {} failed items exceed the template's {} items",
                            b.items_passed, failed, b.items_total
                        ),
                    ));
                }
            }
            Body::GateDecision(b) => {
                if !is_sorted_unique(&b.missing) {
                    return Err(invalid("missing", "must be sorted without duplicates"));
                }
                if b.decision == Decision::Pass && !b.missing.is_empty() {
                    return Err(invalid(
                        "decision",
                        format!(
                            "a gate cannot pass with {} missing item(s): record `block` or `override`",
                            b.missing.len()
                        ),
                    ));
                }
            }
            Body::Incident(b) => {
                if let Some(p) = &b.place {
                    p.validate("place")?;
                }
            }
            Body::Purge(b) => {
                if b.travelers.is_empty() {
                    return Err(invalid("travelers", "a purge names at least one traveler"));
                }
            }
            Body::IncidentResolved(_) => {}
            Body::CodeRejected(b) => {
                if b.attempt == 0 {
                    return Err(invalid("attempt", "failed attempts are counted from 1"));
                }
            }
            Body::TripState(b) => {
                if b.to == TripPhase::Planned || b.from == b.to {
                    return Err(invalid(
                        "to",
                        format!(
                            "a trip does not pass from {} to {}: a state change ends in another state than planned",
                            b.from.code(),
                            b.to.code()
                        ),
                    ));
                }
                if b.ended < b.started {
                    return Err(invalid(
                        "ended",
                        format!(
                            "the trip ends at {} before it starts at {}",
                            b.ended, b.started
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
