//! What the desk path refuses, in both languages: a refused gate or hand-over carries the
//! hand-over crate's own report (every missing item, every reason), the rest name the row.

use chrono::NaiveDate;
use closedloop_domain::Lang;
use closedloop_handover::evaluate::InstanceError;
use closedloop_handover::incident::IncidentError;
use closedloop_handover::{ChecklistKind, CustodyError, GateRefusal, HandoverRefusal};
use std::fmt;

/// A kind of row a command names by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Thing {
    Trip,
    Vehicle,
    CrewMember,
    Traveler,
    Port,
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
            Thing::Handover => lang.pick("hand-over", "交接"),
            Thing::Incident => lang.pick("incident", "事件"),
        }
    }
}

/// What was attempted on a trip in a state that does not allow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TripAction {
    Approve,
    Depart,
    Complete,
    /// Its crew hands travelers over: only once it has departed.
    HandOverFromCrew,
    /// Its crew takes travelers over: not once it is completed or cancelled.
    HandOverToCrew,
}

impl TripAction {
    fn label(self, lang: Lang) -> &'static str {
        match self {
            TripAction::Approve => lang.pick("be approved", "审批"),
            TripAction::Depart => lang.pick("depart", "发车"),
            TripAction::Complete => lang.pick("be completed", "完成"),
            TripAction::HandOverFromCrew => lang.pick(
                "hand travelers over (it has not departed)",
                "交出旅客（尚未发车）",
            ),
            TripAction::HandOverToCrew => lang.pick("take travelers over", "接收旅客"),
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
    /// head-count mismatch, if one was.
    HandoverRefused {
        refusal: Box<HandoverRefusal>,
        incident: Option<i64>,
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
    BadAnswers(String),
    BadPlan(String),
    BadPosition(String),
    EmptyDescription,
}

impl From<IncidentError> for DeskError {
    fn from(e: IncidentError) -> Self {
        DeskError::Incident(e)
    }
}

impl DeskError {
    pub fn message(&self, lang: Lang) -> String {
        use DeskError::*;
        match (self, lang) {
            (GateRefused(r), _) => r.message(lang),
            (HandoverRefused { refusal, incident }, _) => {
                let mut m = refusal.message(lang);
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
            (Instance(e), _) => e.to_string(),
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
                "a hand-over from one crew to another names the receiving crew's trip (--to-trip)"
                    .into()
            }
            (NeedsReceivingTrip, Lang::ZhCn) => {
                "专班之间的交接须写明接收专班的车次（--to-trip）".into()
            }
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
            (BadAnswers(d), Lang::En) => format!("the answers cannot be read: {d}"),
            (BadAnswers(d), Lang::ZhCn) => format!("无法读取清单答案：{d}"),
            (BadPlan(d), Lang::En) => format!("the trip cannot be planned: {d}"),
            (BadPlan(d), Lang::ZhCn) => format!("车次无法编排：{d}"),
            (BadPosition(d), Lang::En) => format!("the position is not on the globe: {d}"),
            (BadPosition(d), Lang::ZhCn) => format!("位置坐标无效：{d}"),
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
