//! What a refused gate reports: every missing item, each naming the vehicle by plate, the crew
//! member by name, and the check-list, in both languages.

use crate::template::ChecklistKind;
use crate::text::both;
use chrono::{DateTime, FixedOffset, NaiveDate};
use closedloop_domain::Lang;
use closedloop_domain::batch::BatchState;
use closedloop_domain::ids::{BatchId, CrewId, DestinationId, VehicleId};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "missing", rename_all = "snake_case")]
pub enum Missing {
    VehicleInspection {
        vehicle: VehicleId,
        plate: Option<String>,
        /// The latest passed inspection, if any.
        last: Option<NaiveDate>,
        valid_days: u32,
    },
    VehicleDisinfection {
        vehicle: VehicleId,
        plate: Option<String>,
        trip_end: Option<DateTime<FixedOffset>>,
        last: Option<DateTime<FixedOffset>>,
        /// Set when the disinfection came after the trip but is older than this.
        within_hours: Option<u32>,
    },
    CrewTraining {
        crew: CrewId,
        name: Option<String>,
        last: Option<NaiveDate>,
        valid_days: u32,
    },
    CrewHealth {
        crew: CrewId,
        name: Option<String>,
        last: Option<NaiveDate>,
        valid_days: u32,
    },
    PreDepartureReminder {
        batch: BatchId,
    },
    StopHandover {
        batch: BatchId,
        /// Its number in the trip's order, from 0: the number a personnel hand-over
        /// check-list names it by.
        stop: u32,
        /// 0 for a stop whose place the desk did not name.
        destination: DestinationId,
    },
}

fn vehicle(lang: Lang, id: VehicleId, plate: &Option<String>) -> String {
    match plate {
        Some(p) => format!("{} {p}", lang.pick("vehicle", "车辆")),
        None => format!("{} #{id}", lang.pick("vehicle", "车辆")),
    }
}

fn person(lang: Lang, id: CrewId, name: &Option<String>) -> String {
    match name {
        Some(n) => format!("{} {n} (#{id})", lang.pick("crew member", "工作人员")),
        None => format!("{} #{id}", lang.pick("crew member", "工作人员")),
    }
}

fn window(lang: Lang, valid_days: u32) -> String {
    match (lang, valid_days) {
        (Lang::En, 1) => "today".into(),
        (Lang::En, n) => format!("within the last {n} days"),
        (Lang::ZhCn, 1) => "今日".into(),
        (Lang::ZhCn, n) => format!("近 {n} 天内"),
    }
}

fn last_day(lang: Lang, last: Option<NaiveDate>) -> String {
    match (lang, last) {
        (Lang::En, Some(d)) => format!(" (last passed {d})"),
        (Lang::En, None) => " (never passed)".into(),
        (Lang::ZhCn, Some(d)) => format!("（上次通过：{d}）"),
        (Lang::ZhCn, None) => "（从未通过）".into(),
    }
}

fn time(t: &DateTime<FixedOffset>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

impl Missing {
    /// The check-list that would supply this item, for a desk to open.
    pub fn checklist(&self) -> Option<ChecklistKind> {
        match self {
            Missing::VehicleInspection { .. } => Some(ChecklistKind::VehicleInspection),
            Missing::VehicleDisinfection { .. } => Some(ChecklistKind::Sanitation),
            Missing::CrewTraining { .. } => Some(ChecklistKind::PreTripTraining),
            Missing::CrewHealth { .. } => Some(ChecklistKind::CrewHealth),
            Missing::PreDepartureReminder { .. } => Some(ChecklistKind::PreDepartureReminder),
            Missing::StopHandover { .. } => Some(ChecklistKind::PersonnelHandover),
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        let sep = lang.pick(": ", "：");
        match self {
            Missing::VehicleInspection {
                vehicle: v,
                plate,
                last,
                valid_days,
            } => format!(
                "{}{sep}{}{}",
                vehicle(lang, *v, plate),
                match lang {
                    Lang::En => format!("no passed daily inspection {}", window(lang, *valid_days)),
                    Lang::ZhCn => format!("{}无通过的转运车辆日常检查", window(lang, *valid_days)),
                },
                last_day(lang, *last)
            ),
            Missing::VehicleDisinfection {
                vehicle: v,
                plate,
                trip_end,
                last,
                within_hours,
            } => {
                let what = match (lang, within_hours, trip_end) {
                    (Lang::En, Some(h), _) => format!(
                        "last disinfected {} — more than {h} hours ago; disinfect again",
                        last.as_ref().map(time).unwrap_or_default()
                    ),
                    (Lang::ZhCn, Some(h), _) => format!(
                        "上次消毒于 {}，已超过 {h} 小时，请重新消毒",
                        last.as_ref().map(time).unwrap_or_default()
                    ),
                    (Lang::En, None, end) => format!(
                        "not disinfected since its last trip ended{} (last disinfected {})",
                        end.as_ref()
                            .map(|e| format!(" at {}", time(e)))
                            .unwrap_or_default(),
                        last.as_ref().map_or("never".into(), time)
                    ),
                    (Lang::ZhCn, None, end) => format!(
                        "{}上一趟转运结束后未消毒（上次消毒：{}）",
                        end.as_ref()
                            .map(|e| format!("{} ", time(e)))
                            .unwrap_or_default(),
                        last.as_ref().map_or("无".into(), time)
                    ),
                };
                format!("{}{sep}{what}", vehicle(lang, *v, plate))
            }
            Missing::CrewTraining {
                crew,
                name,
                last,
                valid_days,
            } => format!(
                "{}{sep}{}{}",
                person(lang, *crew, name),
                match lang {
                    Lang::En => format!(
                        "pre-trip training not passed within the last {valid_days} days; retake the assessment"
                    ),
                    Lang::ZhCn => format!("近 {valid_days} 天内未通过行前培训考核，请重新考核"),
                },
                last_day(lang, *last)
            ),
            Missing::CrewHealth {
                crew,
                name,
                last,
                valid_days,
            } => format!(
                "{}{sep}{}{}",
                person(lang, *crew, name),
                match lang {
                    Lang::En => format!("no passed health check {}", window(lang, *valid_days)),
                    Lang::ZhCn => format!("{}无通过的健康监测记录", window(lang, *valid_days)),
                },
                last_day(lang, *last)
            ),
            Missing::PreDepartureReminder { batch } => match lang {
                Lang::En => format!(
                    "batch {batch}: pre-departure reminder not done (crew briefed, travelers notified in their language)"
                ),
                Lang::ZhCn => {
                    format!("批次 {batch}：未完成转运发车前提醒（向司乘人员交代、以旅客语言告知）")
                }
            },
            Missing::StopHandover {
                batch,
                stop,
                destination,
            } => {
                // Stops are numbered from 0, as the plan stores them and as a personnel
                // hand-over check-list names its stop; destination 0 is a stop whose place
                // the desk did not name.
                let place = match (lang, destination.0) {
                    (Lang::En, 0) => "place not named".to_string(),
                    (Lang::En, d) => format!("destination #{d}"),
                    (Lang::ZhCn, 0) => "未指定地点".to_string(),
                    (Lang::ZhCn, d) => format!("目的地 #{d}"),
                };
                match lang {
                    Lang::En => format!(
                        "batch {batch}, stop {stop} ({place}): no personnel hand-over recorded"
                    ),
                    Lang::ZhCn => {
                        format!("批次 {batch} 站点 {stop}（{place}）：无转运人员交接记录")
                    }
                }
            }
        }
    }
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        both(f, |lang| self.message(lang))
    }
}

/// A refused transition and every item missing for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub struct GateRefusal {
    pub batch: BatchId,
    pub transition: BatchState,
    pub missing: Vec<Missing>,
}

fn state_label(lang: Lang, s: BatchState) -> &'static str {
    match s {
        BatchState::Planned => lang.pick("planned", "已计划"),
        BatchState::Approved => lang.pick("approved", "已审批"),
        BatchState::Departed => lang.pick("departed", "已发车"),
        BatchState::Completed => lang.pick("completed", "已完成"),
        BatchState::Cancelled => lang.pick("cancelled", "已取消"),
    }
}

impl GateRefusal {
    /// One line per missing item after a heading line.
    pub fn message(&self, lang: Lang) -> String {
        let mut out = match lang {
            Lang::En => format!(
                "batch {} cannot be marked {}: {} item(s) missing",
                self.batch,
                state_label(lang, self.transition),
                self.missing.len()
            ),
            Lang::ZhCn => format!(
                "批次 {} 不能标记为“{}”：缺少 {} 项",
                self.batch,
                state_label(lang, self.transition),
                self.missing.len()
            ),
        };
        for m in &self.missing {
            out.push_str("\n  - ");
            out.push_str(&m.message(lang));
        }
        out
    }
}

impl fmt::Display for GateRefusal {
    /// English then Chinese, each complete, since a refusal is read aloud on the phone.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}\n{}",
            self.message(Lang::En),
            self.message(Lang::ZhCn)
        )
    }
}
