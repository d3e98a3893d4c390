//! Incidents and their resolutions, gate decisions and check-lists.

use super::{
    ChecklistRow, Cx, GateRow, IncidentRow, Noun, Table, Unreadable, W, grouped, ids, key, opt,
    place, read, subject, time, verdict, word,
};
use crate::entry::{Body, Decision, Id, Place, Subject, SubjectKind, UtcMillis};
use std::collections::HashMap;

const INCIDENT: Noun = Noun("incident", "事件");
const GATE: Noun = Noun("gate decision", "关卡决定");
const CHECKLIST: Noun = Noun("check-list", "清单");

impl Cx<'_> {
    /// `incidents` and `incident_travelers`, and each incident's resolution.
    pub(super) fn incidents(&mut self, rows: &[IncidentRow], travelers: &[(i64, i64)]) {
        let entries = self.entries;
        // The resolution of each report, by the report's entry.
        let mut resolved: HashMap<u64, (u64, UtcMillis)> = HashMap::new();
        for e in entries {
            if let Body::IncidentResolved(r) = &e.body {
                resolved.entry(r.report).or_insert((e.seq, e.at));
            }
        }
        let mut taken: HashMap<u64, i64> = HashMap::with_capacity(rows.len());
        let mut rows: Vec<&IncidentRow> = rows.iter().collect();
        rows.sort_unstable_by_key(|r| r.id);
        let mut pairs = travelers.to_vec();
        pairs.sort_unstable();
        let mut next = 0;
        let (t, tt) = (Table::Incidents, Table::IncidentTravelers);
        for r in rows {
            let id = r.id;
            let listed: Vec<i64> = grouped(self, tt, INCIDENT, &pairs, &mut next, id)
                .iter()
                .map(|p| p.1)
                .collect();
            let Some((seq, e)) =
                self.entry_of(t, INCIDENT, id, r.ledger_seq, "incident", &mut taken)
            else {
                continue;
            };
            let Body::Incident(i) = &e.body else { continue };
            if r.kind != Ok(i.incident) {
                let what = Noun("kind", "类型");
                let stored = read(&r.kind, |k| word(k).into());
                self.differs(t, INCIDENT, id, seq, what, word(&i.incident), stored);
            }
            if r.severity != Ok(i.severity) {
                let what = Noun("severity", "严重程度");
                let stored = read(&r.severity, |s| word(s).into());
                self.differs(t, INCIDENT, id, seq, what, word(&i.severity), stored);
            }
            if r.at != e.at.unix_ms() {
                let what = Noun("time", "时间");
                self.differs(t, INCIDENT, id, seq, what, e.at.to_string(), time(r.at));
            }
            if r.subject != i.subject {
                let s = |s: &Option<Subject>| {
                    s.as_ref().map_or_else(|| W::two("nothing", "无"), subject)
                };
                let what = Noun("subject", "对象");
                self.differs(t, INCIDENT, id, seq, what, s(&i.subject), s(&r.subject));
            }
            if r.place != Ok(i.place.clone()) {
                let p =
                    |p: &Option<Place>| p.as_ref().map_or_else(|| W::two("nowhere", "无"), place);
                let what = Noun("place", "地点");
                self.differs(t, INCIDENT, id, seq, what, p(&i.place), read(&r.place, p));
            }
            self.named_travelers(tt, INCIDENT, id, seq, &i.travelers, &listed);
            let resolution = resolved.get(&seq).copied();
            match (r.resolved, resolution) {
                (Ok(true), None) => self.changed(
                    t,
                    id,
                    seq,
                    format!(
                        "incident {id} says resolved, but no entry resolves it (its report is entry seq {seq})"
                    ),
                    format!("事件 {id} 的状态为已办结，但没有账本记录办结该事件（其报告为序号 {seq}）"),
                ),
                (Ok(false), Some((by, _))) => self.changed(
                    t,
                    id,
                    by,
                    format!("incident {id} says open, but entry seq {by} resolved it"),
                    format!("事件 {id} 的状态为处理中，但账本记录（序号 {by}）已办结该事件"),
                ),
                (Err(Unreadable), _) => self.changed(
                    t,
                    id,
                    seq,
                    format!("incident {id}'s status is unreadable"),
                    format!("事件 {id} 的状态无法识别"),
                ),
                _ => {}
            }
            let entry_at = resolution.map(|(_, at)| at.unix_ms());
            if r.resolved == Ok(resolution.is_some()) && r.resolved_at != entry_at {
                let by = resolution.map_or(seq, |(s, _)| s);
                let s = r.resolved_at.map_or_else(W::none, |ms| time(ms).into());
                let e = resolution.map_or_else(W::none, |(_, at)| at.to_string().into());
                self.changed(
                    t,
                    id,
                    by,
                    format!("incident {id} was resolved at {s}, its resolution entry says {e}"),
                    format!("事件 {id} 的办结时间为 {}，其办结记录为 {}", s.zh, e.zh),
                );
            }
        }
        self.orphans(tt, INCIDENT, &pairs[next..]);
        self.unclaimed(t, "incident", &taken, |e| match &e.body {
            Body::Incident(i) => {
                let (k, s) = (word(&i.incident), word(&i.severity));
                W::two(
                    format!("the incident ({k}, {s})"),
                    format!("事件（{k}，{s}）"),
                )
            }
            _ => unreachable!("filtered by kind"),
        });
    }

    /// `gate_decisions`: one row per GateDecision entry, saying what it says.
    pub(super) fn gate_decisions(&mut self, rows: &[GateRow]) {
        let mut taken: HashMap<u64, i64> = HashMap::with_capacity(rows.len());
        let mut rows: Vec<&GateRow> = rows.iter().collect();
        rows.sort_unstable_by_key(|r| r.id);
        let t = Table::GateDecisions;
        for r in rows {
            let id = r.id;
            let Some((seq, e)) =
                self.entry_of(t, GATE, id, r.ledger_seq, "gate_decision", &mut taken)
            else {
                continue;
            };
            let Body::GateDecision(g) = &e.body else {
                continue;
            };
            let trip = Subject {
                kind: SubjectKind::Batch,
                id: Id::from_key(r.trip),
            };
            if g.subject != trip {
                let what = Noun("subject", "对象");
                self.differs(t, GATE, id, seq, what, subject(&g.subject), subject(&trip));
            }
            if r.gate.as_ref() != Ok(&g.gate) {
                let what = Noun("gate", "关卡");
                let stored = read(&r.gate, |g| g.to_string().into());
                self.differs(t, GATE, id, seq, what, g.gate.to_string(), stored);
            }
            let passed = g.decision != Decision::Block;
            if r.passed != passed {
                let what = Noun("verdict", "结论");
                let v = |p: bool| {
                    if p {
                        verdict(true)
                    } else {
                        W::two("refused", "拒绝")
                    }
                };
                self.differs(t, GATE, id, seq, what, v(passed), v(r.passed));
            }
            if r.missing.as_ref() != Ok(&g.missing) {
                let what = Noun("missing items", "缺项");
                let stored = read(&r.missing, |m| ids(m));
                self.differs(t, GATE, id, seq, what, ids(&g.missing), stored);
            }
            if r.at != e.at.unix_ms() {
                let what = Noun("time", "时间");
                self.differs(t, GATE, id, seq, what, e.at.to_string(), time(r.at));
            }
        }
        self.unclaimed(t, "gate_decision", &taken, |e| match &e.body {
            Body::GateDecision(g) => {
                let s = subject(&g.subject);
                W::two(
                    format!("the decision of gate {} on {s}", g.gate),
                    format!("关卡 {} 对 {s} 的决定", g.gate),
                )
            }
            _ => unreachable!("filtered by kind"),
        });
    }

    /// `checklist_instances`: one row per ChecklistCompleted entry, saying what it says, the
    /// columns the gates read included.
    pub(super) fn checklists(&mut self, rows: &[ChecklistRow]) {
        let mut taken: HashMap<u64, i64> = HashMap::with_capacity(rows.len());
        let mut rows: Vec<&ChecklistRow> = rows.iter().collect();
        rows.sort_unstable_by_key(|r| r.id);
        let t = Table::ChecklistInstances;
        for r in rows {
            let id = r.id;
            let Some((seq, e)) = self.entry_of(
                t,
                CHECKLIST,
                id,
                r.ledger_seq,
                "checklist_completed",
                &mut taken,
            ) else {
                continue;
            };
            let Body::ChecklistCompleted(c) = &e.body else {
                continue;
            };
            if r.checklist != Ok(c.checklist) {
                let what = Noun("kind", "类型");
                let stored = read(&r.checklist, |k| word(k).into());
                self.differs(t, CHECKLIST, id, seq, what, word(&c.checklist), stored);
            }
            if r.template.as_ref() != Ok(&c.template) {
                let what = Noun("template", "模板");
                let stored = read(&r.template, |v| v.to_string().into());
                self.differs(t, CHECKLIST, id, seq, what, c.template.to_string(), stored);
            }
            let what = Noun("subject", "对象");
            if r.subject.as_ref() != Ok(&c.subject) {
                let stored = read(&r.subject, subject);
                self.differs(t, CHECKLIST, id, seq, what, subject(&c.subject), stored);
            }
            if !columns_match(&c.subject, r) {
                let (crew, vehicle, trip, stop) =
                    (opt(r.crew), opt(r.vehicle), opt(r.trip), opt(r.stop));
                let stored = W::two(
                    format!("crew {crew}, vehicle {vehicle}, trip {trip}, stop {stop}"),
                    format!(
                        "工作人员 {}，车辆 {}，车次 {}，站点 {}",
                        crew.zh, vehicle.zh, trip.zh, stop.zh
                    ),
                );
                self.differs(t, CHECKLIST, id, seq, what, subject(&c.subject), stored);
            }
            if r.completed_by != c.completed_by {
                let what = Noun("completed by", "填写方");
                let (e, s) = (c.completed_by.describe(), r.completed_by.describe());
                self.differs(t, CHECKLIST, id, seq, what, e, s);
            }
            if r.failed_items.as_ref() != Ok(&c.failed_items) {
                let what = Noun("failed items", "未通过项");
                let stored = read(&r.failed_items, |f| ids(f));
                self.differs(t, CHECKLIST, id, seq, what, ids(&c.failed_items), stored);
            }
            // Passed means no failure at all: none the entry names, and no answer to an item
            // the template lacks (which the entry cannot name).
            let clean = c.failed_items.is_empty() && c.items_passed == c.items_total;
            if r.passed != (clean && !r.unknown_items) {
                let what = Noun("verdict", "结论");
                let (p, n) = (c.items_passed, c.items_total);
                let entry = W::two(format!("{p}/{n} items passed"), format!("{p}/{n} 项通过"));
                self.differs(t, CHECKLIST, id, seq, what, entry, verdict(r.passed));
            }
            if r.at != e.at.unix_ms() {
                let what = Noun("time", "时间");
                self.differs(t, CHECKLIST, id, seq, what, e.at.to_string(), time(r.at));
            }
        }
        self.unclaimed(t, "checklist_completed", &taken, |e| match &e.body {
            Body::ChecklistCompleted(c) => {
                let (k, s) = (word(&c.checklist), subject(&c.subject));
                W::two(
                    format!("the {k} check-list of {s}"),
                    format!("{s} 的 {k} 清单"),
                )
            }
            _ => unreachable!("filtered by kind"),
        });
    }
}

/// Whether the columns the gates read say what the entry's subject says (the store's
/// check-list writer: crew, shift and vehicle subjects fill `crew_id` / `vehicle_id`, batch
/// subjects `trip_id`, a stop's `trip:stop` also `stop`; a vehicle's check after a trip may
/// name the trip too).
fn columns_match(s: &Subject, r: &ChecklistRow) -> bool {
    let id = key(&s.id);
    let none = |v: Option<i64>| v.is_none();
    match s.kind {
        SubjectKind::Crew => {
            id.is_some() && r.crew == id && none(r.vehicle) && none(r.trip) && none(r.stop)
        }
        SubjectKind::Shift => {
            id.is_some() && r.vehicle == id && none(r.crew) && none(r.trip) && none(r.stop)
        }
        SubjectKind::Vehicle => id.is_some() && r.vehicle == id && none(r.crew) && none(r.stop),
        SubjectKind::Batch => {
            let (trip, stop) = match s.id.as_str().split_once(':') {
                Some((t, k)) => (t.parse().ok(), k.parse().ok()),
                None => (id, None),
            };
            trip.is_some() && r.trip == trip && r.stop == stop && none(r.crew) && none(r.vehicle)
        }
        SubjectKind::Place => none(r.crew) && none(r.vehicle) && none(r.trip),
    }
}
