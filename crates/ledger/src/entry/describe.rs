//! One line per entry for people reading an audit bundle: ids and counts only, as the log
//! holds them, in the reader's language.

use super::{Body, Party, Role};
use closedloop_domain::Lang;

impl Role {
    /// The wire name (`transfer_crew`, `hotel_staff`, …).
    pub fn code(self) -> &'static str {
        match self {
            Role::PortStaff => "port_staff",
            Role::TransferCrew => "transfer_crew",
            Role::Driver => "driver",
            Role::Escort => "escort",
            Role::HotelStaff => "hotel_staff",
            Role::HospitalStaff => "hospital_staff",
            Role::CommunityStaff => "community_staff",
            Role::DispatchDesk => "dispatch_desk",
            Role::CommandCentre => "command_centre",
            Role::System => "system",
        }
    }
}

impl Party {
    /// `hotel_staff 12`.
    pub fn describe(&self) -> String {
        format!("{} {}", self.role.code(), self.id)
    }
}

impl Body {
    pub fn describe(&self, lang: Lang) -> String {
        let en = lang == Lang::En;
        match self {
            Body::HandOver(h) => {
                let (from, to) = (h.from.describe(), h.to.describe());
                if en {
                    format!(
                        "{from} → {to}, batch {}, head count {}",
                        h.batch, h.head_count
                    )
                } else {
                    format!("{from} → {to}，批次 {}，清点人数 {}", h.batch, h.head_count)
                }
            }
            Body::ChecklistCompleted(c) => {
                let (t, v, by) = (&c.template, &c.template_version, c.completed_by.describe());
                if en {
                    format!(
                        "{t} v{v}: {}/{} passed, by {by}",
                        c.items_passed, c.items_total
                    )
                } else {
                    format!(
                        "{t} v{v}：{}/{} 项通过，填写方 {by}",
                        c.items_passed, c.items_total
                    )
                }
            }
            Body::GateDecision(g) => {
                let by = g.decided_by.describe();
                if en {
                    format!("gate {}: {:?}, by {by}", g.gate, g.decision)
                } else {
                    format!("关卡 {}：{:?}，决定方 {by}", g.gate, g.decision)
                }
            }
            Body::Incident(i) => {
                let by = i.reported_by.describe();
                let severity = i.severity.label(lang);
                if en {
                    format!("{:?} ({severity}), reported by {by}", i.incident)
                } else {
                    format!("{:?}（{severity}），上报方 {by}", i.incident)
                }
            }
            Body::Purge(p) => {
                let by = p.by.describe();
                if en {
                    format!("{:?}: {} traveler(s), by {by}", p.reason, p.travelers.len())
                } else {
                    format!("{:?}：{} 名旅客，执行方 {by}", p.reason, p.travelers.len())
                }
            }
            Body::IncidentResolved(r) => {
                let by = r.resolved_by.describe();
                if en {
                    format!("incident of entry {} resolved, by {by}", r.report)
                } else {
                    format!("记录 {} 的事件已办结，办结方 {by}", r.report)
                }
            }
            Body::CodeRejected(c) => {
                let (r, b, n) = (&c.request, &c.batch, c.attempt);
                match (en, c.locked) {
                    (true, false) => {
                        format!("hand-over {r}, batch {b}: confirmation code refused (attempt {n})")
                    }
                    (true, true) => format!(
                        "hand-over {r}, batch {b}: confirmation code refused (attempt {n}); hand-over locked"
                    ),
                    (false, false) => format!("交接 {r}，批次 {b}：确认码错误（第 {n} 次）"),
                    (false, true) => {
                        format!("交接 {r}，批次 {b}：确认码错误（第 {n} 次），交接已锁定")
                    }
                }
            }
            Body::TripState(t) => {
                let by = t.decided_by.describe();
                let (from, to) = (t.from.code(), t.to.code());
                if en {
                    format!(
                        "batch {}: {from} → {to} (departure {}, arrival {}), by {by}",
                        t.batch, t.started, t.ended
                    )
                } else {
                    format!(
                        "批次 {}：{from} → {to}（出发 {}，到达 {}），决定方 {by}",
                        t.batch, t.started, t.ended
                    )
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_code_is_its_wire_name() {
        for r in [
            Role::PortStaff,
            Role::TransferCrew,
            Role::Driver,
            Role::Escort,
            Role::HotelStaff,
            Role::HospitalStaff,
            Role::CommunityStaff,
            Role::DispatchDesk,
            Role::CommandCentre,
            Role::System,
        ] {
            assert_eq!(serde_json::to_value(r).unwrap(), r.code());
        }
    }
}
