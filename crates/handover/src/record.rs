//! The record the office reports — "266 batches, 818 person-trips, zero infection, zero
//! incident" — computed per day and cumulatively from what was delivered and what went wrong,
//! so the claim is provable from the custody record rather than typed into a report.
//!
//! Beside the claims, the record counts alerts: confirmation codes refused at a hand-over
//! (someone typed a wrong code, perhaps guessing) and the hand-overs they locked
//! ([`crate::otp::MAX_WRONG_CODES`]). They break neither claim; they are what an office checks.

use crate::incident::{Incident, IncidentKind};
use chrono::{FixedOffset, NaiveDate};
use closedloop_domain::Lang;
use closedloop_domain::ids::BatchId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Travelers delivered (loops closed) by one batch on one local day — one row per stop is
/// fine; a batch counts once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub batch: BatchId,
    pub day: NaiveDate,
    pub persons: u32,
}

impl Delivery {
    /// The delivery of a hand-over that closed `persons` loops on `day`; a hand-over without
    /// a trip counts as a batch of its own (its id, negated, cannot meet a trip's).
    pub fn of_handover(
        handover: i64,
        trip: Option<BatchId>,
        day: NaiveDate,
        persons: u32,
    ) -> Delivery {
        Delivery {
            batch: trip.unwrap_or(BatchId(-handover)),
            day,
            persons,
        }
    }
}

/// One incident on the local day it happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentEntry {
    pub day: NaiveDate,
    pub kind: IncidentKind,
}

impl Incident {
    pub fn entry(&self, offset: FixedOffset) -> IncidentEntry {
        IncidentEntry {
            day: self.report.at.with_timezone(&offset).date_naive(),
            kind: self.report.kind,
        }
    }
}

/// One confirmation refused for its code, on the local day it was typed; `locked` when it was
/// the attempt that locked its hand-over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeAlert {
    pub day: NaiveDate,
    pub locked: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayFigures {
    pub day: NaiveDate,
    /// Batches whose last delivery fell on this day.
    pub batches: u32,
    pub person_trips: u32,
    /// Incidents other than staff infections: "zero incident" and "zero infection" are two
    /// claims, and one event should not break both.
    pub incidents: u32,
    pub staff_infections: u32,
    pub total_batches: u32,
    pub total_person_trips: u32,
    pub total_incidents: u32,
    pub total_staff_infections: u32,
    /// 0 on a day with an incident; `None` while no incident was ever recorded (including
    /// before the range).
    pub days_since_last_incident: Option<u32>,
    /// Alerts: confirmation codes refused, and hand-overs locked by them.
    pub wrong_codes: u32,
    pub locked_handovers: u32,
    pub total_wrong_codes: u32,
    pub total_locked_handovers: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Every day of the range, empty days included, so a dashboard can draw it directly.
    pub days: Vec<DayFigures>,
}

/// Computes the record for the days `from..=to`. Deliveries and incidents outside the range
/// do not count in it, except that an earlier incident still ends a "days since" streak.
pub fn compute(
    deliveries: &[Delivery],
    incidents: &[IncidentEntry],
    from: NaiveDate,
    to: NaiveDate,
) -> Record {
    // A batch that crosses midnight is delivered when its last stop is.
    let mut batch_day: BTreeMap<BatchId, NaiveDate> = BTreeMap::new();
    for d in deliveries {
        let e = batch_day.entry(d.batch).or_insert(d.day);
        *e = (*e).max(d.day);
    }
    let mut batches: BTreeMap<NaiveDate, u32> = BTreeMap::new();
    for day in batch_day.values() {
        *batches.entry(*day).or_default() += 1;
    }
    let mut persons: BTreeMap<NaiveDate, u32> = BTreeMap::new();
    for d in deliveries {
        *persons.entry(d.day).or_default() += d.persons;
    }
    let mut last_incident = incidents
        .iter()
        .filter(|i| i.kind != IncidentKind::StaffInfection && i.day < from)
        .map(|i| i.day)
        .max();

    let mut days = Vec::new();
    let mut totals = (0, 0, 0, 0);
    let mut day = from;
    while day <= to {
        let on_day = incidents.iter().filter(|i| i.day == day);
        let infections = on_day
            .clone()
            .filter(|i| i.kind == IncidentKind::StaffInfection)
            .count() as u32;
        let other = on_day.count() as u32 - infections;
        if other > 0 {
            last_incident = Some(day);
        }
        let b = batches.get(&day).copied().unwrap_or(0);
        let p = persons.get(&day).copied().unwrap_or(0);
        totals = (
            totals.0 + b,
            totals.1 + p,
            totals.2 + other,
            totals.3 + infections,
        );
        days.push(DayFigures {
            day,
            batches: b,
            person_trips: p,
            incidents: other,
            staff_infections: infections,
            total_batches: totals.0,
            total_person_trips: totals.1,
            total_incidents: totals.2,
            total_staff_infections: totals.3,
            days_since_last_incident: last_incident.map(|l| (day - l).num_days() as u32),
            wrong_codes: 0,
            locked_handovers: 0,
            total_wrong_codes: 0,
            total_locked_handovers: 0,
        });
        day = match day.succ_opt() {
            Some(d) => d,
            None => break,
        };
    }
    Record { from, to, days }
}

impl Record {
    /// Counts the alerts of the range's days, per day and cumulatively (alerts outside the
    /// range do not count).
    pub fn count_alerts(&mut self, alerts: &[CodeAlert]) {
        let mut totals = (0, 0);
        for d in &mut self.days {
            let on_day = alerts.iter().filter(|a| a.day == d.day);
            d.wrong_codes = on_day.clone().count() as u32;
            d.locked_handovers = on_day.filter(|a| a.locked).count() as u32;
            totals = (totals.0 + d.wrong_codes, totals.1 + d.locked_handovers);
            (d.total_wrong_codes, d.total_locked_handovers) = totals;
        }
    }

    /// "3 wrong confirmation codes (1 hand-over locked)", or none when there were none.
    pub fn alerts(&self, lang: Lang) -> Option<String> {
        let (w, l) = self
            .last()
            .map_or((0, 0), |d| (d.total_wrong_codes, d.total_locked_handovers));
        if w == 0 {
            return None;
        }
        Some(match lang {
            Lang::En => format!(
                "alerts: {w} wrong confirmation code{} ({l} hand-over{} locked)",
                if w == 1 { "" } else { "s" },
                if l == 1 { "" } else { "s" }
            ),
            Lang::ZhCn => format!("警示：确认码错误 {w} 次（{l} 次交接因此锁定）"),
        })
    }

    /// The cumulative figures at the end of the range.
    pub fn last(&self) -> Option<&DayFigures> {
        self.days.last()
    }

    /// "2021-06-01 to 2021-06-07: 12 batches, 35 person-trips, zero infection, zero incident",
    /// then the alerts when there were any.
    pub fn summary(&self, lang: Lang) -> String {
        let claims = self.claims(lang);
        match (self.alerts(lang), lang) {
            (None, _) => claims,
            (Some(a), Lang::En) => format!("{claims}; {a}"),
            (Some(a), Lang::ZhCn) => format!("{claims}；{a}"),
        }
    }

    fn claims(&self, lang: Lang) -> String {
        let (b, p, i, s, since) = self.last().map_or((0, 0, 0, 0, None), |d| {
            (
                d.total_batches,
                d.total_person_trips,
                d.total_incidents,
                d.total_staff_infections,
                d.days_since_last_incident,
            )
        });
        match lang {
            Lang::En => {
                let infections = match s {
                    0 => "zero infection".to_string(),
                    1 => "1 staff infection".to_string(),
                    n => format!("{n} staff infections"),
                };
                let incidents = match (i, since) {
                    (0, _) => "zero incident".to_string(),
                    (n, Some(d)) => format!(
                        "{n} incident{} (last {d} day{} ago)",
                        if n == 1 { "" } else { "s" },
                        if d == 1 { "" } else { "s" }
                    ),
                    (n, None) => format!("{n} incidents"),
                };
                format!(
                    "{} to {}: {b} batch{}, {p} person-trip{}, {infections}, {incidents}",
                    self.from,
                    self.to,
                    if b == 1 { "" } else { "es" },
                    if p == 1 { "" } else { "s" },
                )
            }
            Lang::ZhCn => {
                let infections = match s {
                    0 => "零感染".to_string(),
                    n => format!("工作人员感染 {n} 例"),
                };
                let incidents = match (i, since) {
                    (0, _) => "零事故".to_string(),
                    (n, Some(d)) => format!("事故 {n} 起（距上次事故 {d} 天）"),
                    (n, None) => format!("事故 {n} 起"),
                };
                format!(
                    "{} 至 {}：转运 {b} 批次、{p} 人次，{infections}、{incidents}",
                    self.from, self.to
                )
            }
        }
    }
}
