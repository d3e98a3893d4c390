//! What the desk path refuses, in both languages: a refused gate or hand-over carries the
//! hand-over crate's own report (every missing item, every reason), the rest name the row.
//! Each refusal has a stable code ([`DeskError::code`]); the texts name what to fix, never a
//! command or a flag to type.
//!
//! | code | variant |
//! |---|---|
//! | `gate_refused` | [`DeskError::GateRefused`] |
//! | `handover_refused` | [`DeskError::HandoverRefused`] |
//! | `handover_locked` | [`DeskError::HandoverLocked`], and [`DeskError::HandoverRefused`] by the wrong code that locked it |
//! | `destination_not_found` | [`DeskError::NoSuchDestination`] |
//! | `custody_refused` | [`DeskError::Custody`] |
//! | `trip_not_found`, `vehicle_not_found`, `crew_member_not_found`, `traveler_not_found`, `port_not_found`, `hotel_not_found`, `handover_not_found`, `incident_not_found` | [`DeskError::NotFound`] |
//! | `trip_state` | [`DeskError::TripState`] |
//! | `no_checklist_template` | [`DeskError::NoTemplate`] |
//! | `checklist_wrong_subject`, `checklist_bad_shift` | [`DeskError::Instance`] |
//! | `incident_already_resolved`, `incident_empty_note`, `incident_before_report` | [`DeskError::Incident`] |
//! | `not_on_trip` | [`DeskError::NotOnTrip`] |
//! | `not_trip_crew` | [`DeskError::NotTripCrew`] |
//! | `not_trip_origin` | [`DeskError::NotTripOrigin`] |
//! | `wrong_stop` | [`DeskError::WrongStop`] |
//! | `no_such_stop` | [`DeskError::NoSuchStop`] |
//! | `needs_receiving_trip` | [`DeskError::NeedsReceivingTrip`] |
//! | `handover_already_confirmed` | [`DeskError::AlreadyConfirmed`] |
//! | `open_loops` | [`DeskError::OpenLoops`] |
//! | `bad_answers` | [`DeskError::BadAnswers`] |
//! | `bad_plan` | [`DeskError::BadPlan`] |
//! | `bad_position` | [`DeskError::BadPosition`] |
//! | `empty_description` | [`DeskError::EmptyDescription`] |

use chrono::NaiveDate;
use closedloop_domain::{DomainError, Lang};
use closedloop_handover::evaluate::InstanceError;
use closedloop_handover::incident::IncidentError;
use closedloop_handover::otp::{MAX_WRONG_CODES, WrongCodes};
use closedloop_handover::request::{Origin, RequestRefusal};
use closedloop_handover::transition::PlanProblem;
use closedloop_handover::{ChecklistKind, CustodyError, GateRefusal, HandoverRefusal};
use std::fmt;

/// What was attempted on a trip in a state that does not allow it (the hand-over rules').
pub use closedloop_handover::request::TripAction;

/// A kind of row a command names by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Thing {
    Trip,
    Vehicle,
    CrewMember,
    Traveler,
    Port,
    Hotel,
    Handover,
    Incident,
}

impl Thing {
    fn label(self, lang: Lang) -> &'static str {
        match self {
            Thing::Trip => lang.pick("trip", "车次"),
            Thing::Vehicle => lang.pick("vehicle", "车辆"),
            Thing::CrewMember => lang.pick("crew member", "工作人员"),
            Thing::Traveler => lang.pick("traveler", "旅客"),
            Thing::Port => lang.pick("port", "口岸"),
            Thing::Hotel => lang.pick("hotel", "隔离酒店"),
            Thing::Handover => lang.pick("hand-over", "交接"),
            Thing::Incident => lang.pick("incident", "事件"),
        }
    }
}

impl Thing {
    fn code(self) -> &'static str {
        match self {
            Thing::Trip => "trip_not_found",
            Thing::Vehicle => "vehicle_not_found",
            Thing::CrewMember => "crew_member_not_found",
            Thing::Traveler => "traveler_not_found",
            Thing::Port => "port_not_found",
            Thing::Hotel => "hotel_not_found",
            Thing::Handover => "handover_not_found",
            Thing::Incident => "incident_not_found",
        }
    }
}

/// Why the answers of a check-list cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswersProblem {
    NotAnObject,
    /// An answer given as an object that is not one (the JSON reader's detail).
    Unreadable {
        key: String,
        detail: String,
    },
    List {
        key: String,
    },
}

impl AnswersProblem {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (AnswersProblem::NotAnObject, Lang::En) => {
                "expected a JSON object of answers by item key".into()
            }
            (AnswersProblem::NotAnObject, Lang::ZhCn) => {
                "应为按检查项 key 给出答案的 JSON 对象".into()
            }
            (AnswersProblem::Unreadable { key, detail }, Lang::En) => format!("{key:?}: {detail}"),
            (AnswersProblem::Unreadable { key, detail }, Lang::ZhCn) => {
                format!("{key:?}：{detail}")
            }
            (AnswersProblem::List { key }, Lang::En) => {
                format!("{key:?}: a list is not an answer; give yes/no, a number or a text")
            }
            (AnswersProblem::List { key }, Lang::ZhCn) => {
                format!("{key:?}：列表不是答案，请填写是/否、数值或文字")
            }
        }
    }
}

fn ids(v: &[i64]) -> String {
    v.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DeskError {
    /// A gate refused a transition; it was recorded (gate decision and ledger entry).
    GateRefused(Box<GateRefusal>),
    /// A hand-over was refused and not stored. `incident` is the incident opened for a
    /// head-count mismatch, if one was; `wrong_codes` the request's count of failed attempts
    /// when the code was refused (recorded, with its ledger entry).
    HandoverRefused {
        refusal: Box<HandoverRefusal>,
        incident: Option<i64>,
        wrong_codes: Option<WrongCodes>,
    },
    /// A started hand-over locked by wrong codes: nothing confirms it; it needs a new start.
    HandoverLocked {
        handover: i64,
        wrong_codes: u32,
    },
    /// A hand-over to a destination that is none of the trip's stops (those it names), or to
    /// an id no destination has.
    NoSuchDestination {
        trip: i64,
        destination: i64,
        stops: Vec<i64>,
    },
    /// Custody cannot move as asked (not held by the giver, already delivered, …).
    Custody(CustodyError),
    NotFound {
        thing: Thing,
        id: i64,
    },
    TripState {
        trip: i64,
        state: String,
        action: TripAction,
    },
    NoTemplate {
        kind: ChecklistKind,
        day: NaiveDate,
    },
    Instance(InstanceError),
    Incident(IncidentError),
    NotOnTrip {
        trip: i64,
        travelers: Vec<i64>,
    },
    NotTripCrew {
        trip: i64,
        crew: i64,
    },
    /// Staff handing travelers to a crew whose trip does not start where they work: `origin`
    /// is the trip's (its port or hotel), `giver` who tried.
    NotTripOrigin {
        trip: i64,
        giver: closedloop_domain::role::PartyKey,
        origin: Origin,
    },
    /// Travelers handed to a destination that is not their stop's: (traveler, planned).
    WrongStop {
        trip: i64,
        destination: i64,
        travelers: Vec<(i64, i64)>,
    },
    /// A check-list names a stop the trip does not have.
    NoSuchStop {
        trip: i64,
        stop: u32,
        stops: usize,
    },
    /// Crew to crew needs the receiving crew's trip.
    NeedsReceivingTrip,
    AlreadyConfirmed {
        handover: i64,
    },
    /// A trip cannot complete while its crew still holds travelers.
    OpenLoops {
        trip: i64,
        travelers: Vec<i64>,
    },
    BadAnswers(AnswersProblem),
    BadPlan(PlanProblem),
    BadPosition(DomainError),
    EmptyDescription,
}

impl From<IncidentError> for DeskError {
    fn from(e: IncidentError) -> Self {
        DeskError::Incident(e)
    }
}

/// A hand-over rule's refusal as the desk reports it.
impl From<RequestRefusal> for DeskError {
    fn from(r: RequestRefusal) -> Self {
        match r {
            RequestRefusal::NotOnTrip { trip, travelers } => DeskError::NotOnTrip {
                trip: trip.0,
                travelers: travelers.into_iter().map(|t| t.0).collect(),
            },
            RequestRefusal::WrongStop {
                trip,
                destination,
                travelers,
            } => DeskError::WrongStop {
                trip: trip.0,
                destination: destination.0,
                travelers: travelers.into_iter().map(|(t, d)| (t.0, d.0)).collect(),
            },
            RequestRefusal::NotTripCrew { trip, crew } => DeskError::NotTripCrew {
                trip: trip.0,
                crew: crew.0,
            },
            RequestRefusal::TripState {
                trip,
                state,
                action,
            } => DeskError::TripState {
                trip: trip.0,
                state: state.code().to_string(),
                action,
            },
            RequestRefusal::NoSuchDestination {
                trip,
                destination,
                stops,
            } => DeskError::NoSuchDestination {
                trip: trip.0,
                destination: destination.0,
                stops: stops.into_iter().map(|d| d.0).collect(),
            },
            RequestRefusal::NotTripOrigin {
                trip,
                giver,
                origin,
            } => DeskError::NotTripOrigin {
                trip: trip.0,
                giver,
                origin,
            },
            RequestRefusal::NeedsReceivingTrip => DeskError::NeedsReceivingTrip,
            RequestRefusal::Custody(e) => DeskError::Custody(e),
            RequestRefusal::Locked {
                handover,
                wrong_codes,
            } => DeskError::HandoverLocked {
                handover: handover.0,
                wrong_codes: wrong_codes.count(),
            },
        }
    }
}

impl DeskError {
    /// The stable snake_case code of this refusal (see the module's table).
    pub fn code(&self) -> &'static str {
        use DeskError::*;
        match self {
            GateRefused(_) => "gate_refused",
            HandoverRefused {
                wrong_codes: Some(w),
                ..
            } if w.is_locked() => "handover_locked",
            HandoverRefused { .. } => "handover_refused",
            HandoverLocked { .. } => "handover_locked",
            NoSuchDestination { .. } => "destination_not_found",
            Custody(_) => "custody_refused",
            NotFound { thing, .. } => thing.code(),
            TripState { .. } => "trip_state",
            NoTemplate { .. } => "no_checklist_template",
            Instance(InstanceError::WrongSubject { .. }) => "checklist_wrong_subject",
            Instance(InstanceError::BadShift) => "checklist_bad_shift",
            Incident(IncidentError::AlreadyResolved { .. }) => "incident_already_resolved",
            Incident(IncidentError::EmptyNote { .. }) => "incident_empty_note",
            Incident(IncidentError::BeforeReport { .. }) => "incident_before_report",
            NotOnTrip { .. } => "not_on_trip",
            NotTripCrew { .. } => "not_trip_crew",
            NotTripOrigin { .. } => "not_trip_origin",
            WrongStop { .. } => "wrong_stop",
            NoSuchStop { .. } => "no_such_stop",
            NeedsReceivingTrip => "needs_receiving_trip",
            AlreadyConfirmed { .. } => "handover_already_confirmed",
            OpenLoops { .. } => "open_loops",
            BadAnswers(_) => "bad_answers",
            BadPlan(_) => "bad_plan",
            BadPosition(_) => "bad_position",
            EmptyDescription => "empty_description",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        use DeskError::*;
        match (self, lang) {
            (GateRefused(r), _) => r.message(lang),
            (
                HandoverRefused {
                    refusal,
                    incident,
                    wrong_codes,
                },
                _,
            ) => {
                let mut m = refusal.message(lang);
                if let Some(w) = wrong_codes {
                    m.push('\n');
                    m.push_str(&wrong_codes_note(*w, lang));
                }
                match incident {
                    Some(i) => m.push_str(&match lang {
                        Lang::En => format!("\nincident {i} opened"),
                        Lang::ZhCn => format!("\n已上报事件 {i}"),
                    }),
                    None if refusal.incident.is_some() => m.push_str(lang.pick(
                        "\nno incident was opened: with a wrong code the count is not confirmed by both parties; enter the code again",
                        "\n确认码错误，人数未经双方确认，未上报事件：请重新输入确认码",
                    )),
                    None => {}
                }
                m
            }
            (
                HandoverLocked {
                    handover,
                    wrong_codes,
                },
                Lang::En,
            ) => format!(
                "hand-over {handover} is locked after {wrong_codes} wrong confirmation codes: no code confirms it now; the giver must start the hand-over again for a new code"
            ),
            (
                HandoverLocked {
                    handover,
                    wrong_codes,
                },
                Lang::ZhCn,
            ) => format!(
                "交接 {handover} 因确认码错误 {wrong_codes} 次已锁定，任何确认码均无效：须由交出方重新发起交接以获取新确认码"
            ),
            (
                NoSuchDestination {
                    trip,
                    destination,
                    stops,
                },
                Lang::En,
            ) => match (*destination, stops.is_empty()) {
                (d, _) if d <= 0 => {
                    format!("there is no destination {d}: destination ids start at 1")
                }
                (d, true) => format!("trip {trip} has no stop at destination {d}"),
                (d, false) => format!(
                    "trip {trip} has no stop at destination {d}: its stops are at destination(s) {}",
                    ids(stops)
                ),
            },
            (
                NoSuchDestination {
                    trip,
                    destination,
                    stops,
                },
                Lang::ZhCn,
            ) => match (*destination, stops.is_empty()) {
                (d, _) if d <= 0 => format!("目的地 {d} 不存在：目的地编号从 1 开始"),
                (d, true) => format!("车次 {trip} 没有前往目的地 {d} 的站点"),
                (d, false) => format!(
                    "车次 {trip} 没有前往目的地 {d} 的站点：其站点的目的地为 {}",
                    ids(stops)
                ),
            },
            (Custody(e), _) => e.message(lang),
            (NotFound { thing, id }, Lang::En) => {
                format!("{} {id} does not exist", thing.label(lang))
            }
            (NotFound { thing, id }, Lang::ZhCn) => format!("{} {id} 不存在", thing.label(lang)),
            (
                TripState {
                    trip,
                    state,
                    action,
                },
                Lang::En,
            ) => format!("trip {trip} is {state} and cannot {}", action.label(lang)),
            (
                TripState {
                    trip,
                    state,
                    action,
                },
                Lang::ZhCn,
            ) => format!("车次 {trip} 当前状态为 {state}，不能{}", action.label(lang)),
            (NoTemplate { kind, day }, Lang::En) => format!(
                "no version of the {} check-list is in force on {day}: add one to config/checklists.toml",
                kind.label(lang)
            ),
            (NoTemplate { kind, day }, Lang::ZhCn) => format!(
                "{day} 没有生效的“{}”清单版本：请在 config/checklists.toml 中添加",
                kind.label(lang)
            ),
            (Instance(e), _) => e.message(lang),
            (Incident(e), _) => e.message(lang),
            (NotOnTrip { trip, travelers }, Lang::En) => format!(
                "traveler(s) {} are not on trip {trip}: add them to the trip first",
                ids(travelers)
            ),
            (NotOnTrip { trip, travelers }, Lang::ZhCn) => {
                format!(
                    "旅客 {} 不在车次 {trip} 上：请先将其编入该车次",
                    ids(travelers)
                )
            }
            (NotTripCrew { trip, crew }, Lang::En) => {
                format!("crew member {crew} is not in the crew of trip {trip}")
            }
            (NotTripCrew { trip, crew }, Lang::ZhCn) => {
                format!("工作人员 {crew} 不属于车次 {trip} 的转运专班")
            }
            (
                NotTripOrigin {
                    trip,
                    giver,
                    origin,
                },
                Lang::En,
            ) => {
                let from = match origin {
                    Origin::Port(p) => format!("port {p}: its port staff hand travelers over"),
                    Origin::Hotel(h) => {
                        format!("hotel {h}: that hotel's staff hand travelers over")
                    }
                };
                format!(
                    "{} {} cannot hand travelers to the crew of trip {trip}, which starts at {from}",
                    giver.role.code(),
                    giver.id
                )
            }
            (
                NotTripOrigin {
                    trip,
                    giver,
                    origin,
                },
                Lang::ZhCn,
            ) => {
                let from = match origin {
                    Origin::Port(p) => format!("口岸 {p}：应由口岸工作人员交接"),
                    Origin::Hotel(h) => format!("酒店 {h}：应由该酒店工作人员交接"),
                };
                format!(
                    "{} {} 不能向车次 {trip} 的转运专班交接旅客，该车次出发地为{from}",
                    giver.role.code(),
                    giver.id
                )
            }
            (
                WrongStop {
                    trip,
                    destination,
                    travelers,
                },
                Lang::En,
            ) => format!(
                "trip {trip} does not take {} to destination {destination}: hand them over at their own stop",
                travelers
                    .iter()
                    .map(|(t, d)| format!("traveler {t} (planned for destination {d})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            (
                WrongStop {
                    trip,
                    destination,
                    travelers,
                },
                Lang::ZhCn,
            ) => format!(
                "车次 {trip} 未安排以下旅客前往目的地 {destination}：{}；请在其所属站点交接",
                travelers
                    .iter()
                    .map(|(t, d)| format!("旅客 {t}（计划目的地 {d}）"))
                    .collect::<Vec<_>>()
                    .join("，")
            ),
            (NoSuchStop { trip, stop, stops }, Lang::En) => {
                format!("trip {trip} has {stops} stop(s), numbered from 0: there is no stop {stop}")
            }
            (NoSuchStop { trip, stop, stops }, Lang::ZhCn) => {
                format!("车次 {trip} 共 {stops} 个站点（从 0 编号），没有站点 {stop}")
            }
            (NeedsReceivingTrip, Lang::En) => {
                "a hand-over from one crew to another names the receiving crew's trip".into()
            }
            (NeedsReceivingTrip, Lang::ZhCn) => "专班之间的交接须写明接收专班的车次".into(),
            (AlreadyConfirmed { handover }, Lang::En) => {
                format!("hand-over {handover} was already confirmed; start a new one")
            }
            (AlreadyConfirmed { handover }, Lang::ZhCn) => {
                format!("交接 {handover} 已确认：如需再次交接请重新发起")
            }
            (OpenLoops { trip, travelers }, Lang::En) => format!(
                "trip {trip} cannot be completed: its crew still holds traveler(s) {}; record their hand-over first",
                ids(travelers)
            ),
            (OpenLoops { trip, travelers }, Lang::ZhCn) => format!(
                "车次 {trip} 不能完成：专班仍负责旅客 {}，请先登记交接",
                ids(travelers)
            ),
            (BadAnswers(d), Lang::En) => format!("the answers cannot be read: {}", d.message(lang)),
            (BadAnswers(d), Lang::ZhCn) => format!("无法读取清单答案：{}", d.message(lang)),
            (BadPlan(d), Lang::En) => format!("the trip cannot be planned: {}", d.message(lang)),
            (BadPlan(d), Lang::ZhCn) => format!("车次无法编排：{}", d.message(lang)),
            (BadPosition(d), Lang::En) => {
                format!("the position is not on the globe: {}", d.message(lang))
            }
            (BadPosition(d), Lang::ZhCn) => format!("位置坐标无效：{}", d.message(lang)),
            (EmptyDescription, Lang::En) => {
                "describe the incident: what happened, who was involved".into()
            }
            (EmptyDescription, Lang::ZhCn) => "请填写事件经过：发生了什么、涉及哪些人员".into(),
        }
    }

    /// The gate refusal, for callers that print its items one by one or as JSON.
    pub fn gate_refusal(&self) -> Option<&GateRefusal> {
        match self {
            DeskError::GateRefused(r) => Some(r),
            _ => None,
        }
    }
}

/// What a refused code did to its hand-over: how many tries are left, or that it is locked.
fn wrong_codes_note(w: WrongCodes, lang: Lang) -> String {
    let (n, max) = (w.count(), MAX_WRONG_CODES);
    match (lang, w.is_locked()) {
        (Lang::En, false) => format!(
            "wrong code {n} of {max}: after {max} the hand-over locks and the giver must start it again"
        ),
        (Lang::En, true) => format!(
            "wrong code {n} of {max}: the hand-over is now locked; the giver must start it again for a new code"
        ),
        (Lang::ZhCn, false) => {
            format!(
                "确认码已错误 {n} 次（上限 {max} 次）：达到上限后交接将锁定，须由交出方重新发起"
            )
        }
        (Lang::ZhCn, true) => format!(
            "确认码已错误 {n} 次（上限 {max} 次）：交接已锁定，须由交出方重新发起交接以获取新确认码"
        ),
    }
}

impl fmt::Display for DeskError {
    /// English then Chinese, like the hand-over crate's reports.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}\n{}",
            self.message(Lang::En),
            self.message(Lang::ZhCn)
        )
    }
}
