//! The bodies of the messages, Standard Webhooks style: `{"type", "timestamp", "data"}`.
//! What goes to the command centre carries ids, kinds and times, never a name or free text;
//! the departure reminder carries the traveler's phone, for the SMS gateway, and a text in
//! their language.

use chrono::{DateTime, FixedOffset, NaiveDateTime, SecondsFormat, Utc};
use closedloop_domain::Lang;
use closedloop_domain::severity::Severity;
use closedloop_ledger::entry::IncidentKind;
use closedloop_store::desk::LoopRow;
use closedloop_store::outbox::{Departure, Recipient};
use serde_json::{Value, json};

use super::Kind;

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn envelope(kind: Kind, at: DateTime<Utc>, data: Value) -> String {
    json!({"type": kind.code(), "timestamp": rfc3339(at), "data": data}).to_string()
}

/// Both languages of a line for a chat robot.
fn text(en: String, zh: String) -> Value {
    json!({"en": en, "zh-CN": zh})
}

/// An incident kind as the command centre reads it.
fn incident_label(kind: IncidentKind, lang: Lang) -> &'static str {
    use IncidentKind::*;
    let (en, zh) = match kind {
        HealthAlert => ("health alert", "健康警报"),
        StaffExposure => ("staff exposure", "工作人员暴露"),
        ProtectionBreach => ("protection breach", "防护失效或违规"),
        HeadCountMismatch => ("head-count mismatch", "交接人数不符"),
        Absconding => ("absconding", "人员脱逃"),
        VehicleBreakdown => ("vehicle breakdown", "车辆故障"),
        TrafficAccident => ("traffic accident", "交通事故"),
        RouteDeviation => ("route deviation", "偏离路线"),
        Delay => ("delay", "延误"),
        Other => ("other", "其他"),
    };
    match lang {
        Lang::En => en,
        Lang::ZhCn => zh,
    }
}

fn kind_code(kind: IncidentKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// An incident's facts as its ledger entry holds them.
pub struct IncidentFacts {
    /// The live event's id (the ledger entry's sequence number plus one).
    pub event: u64,
    pub kind: IncidentKind,
    pub severity: Severity,
    pub batch: Option<i64>,
    pub at: DateTime<Utc>,
}

pub fn incident(f: &IncidentFacts, offset: FixedOffset) -> String {
    let local = f.at.with_timezone(&offset).format("%Y-%m-%d %H:%M");
    let (batch_en, batch_zh) = match f.batch {
        Some(b) => (format!(", batch {b}"), format!("，批次 {b}")),
        None => (String::new(), String::new()),
    };
    envelope(
        Kind::Incident,
        f.at,
        json!({
            "event": f.event,
            "incident": kind_code(f.kind),
            "severity": f.severity.code(),
            "batch": f.batch,
            "at": rfc3339(f.at),
            "text": text(
                format!(
                    "Incident: {} ({}){batch_en}, at {local}",
                    incident_label(f.kind, Lang::En),
                    f.severity.label(Lang::En)
                ),
                format!(
                    "事故：{}（{}）{batch_zh}，{local}",
                    incident_label(f.kind, Lang::ZhCn),
                    f.severity.label(Lang::ZhCn)
                ),
            ),
        }),
    )
}

/// The dedupe key of a loop's overdue message: one per traveler and loop.
pub fn loop_key(l: &LoopRow) -> String {
    format!(
        "{}:{}:{}",
        Kind::LoopOverdue.code(),
        l.traveler.0,
        l.since
            .and_utc()
            .to_rfc3339_opts(SecondsFormat::Millis, true)
    )
}

/// An overdue loop: the traveler's id (no name), the batch, who holds them, since when they are
/// overdue.
pub fn loop_overdue(
    l: &LoopRow,
    overdue_since: NaiveDateTime,
    offset: FixedOffset,
    now: DateTime<Utc>,
) -> String {
    let since = overdue_since.and_utc();
    let local = since.with_timezone(&offset).format("%Y-%m-%d %H:%M");
    let batch = l.trip.map(|b| b.0);
    let (batch_en, batch_zh) = match batch {
        Some(b) => (format!(" on batch {b}"), format!("（批次 {b}）")),
        None => (String::new(), String::new()),
    };
    envelope(
        Kind::LoopOverdue,
        now,
        json!({
            "traveler": l.traveler.0,
            "batch": batch,
            "holder": {"role": l.party.code(), "id": l.party_id.0},
            "in_custody_since": rfc3339(l.since.and_utc()),
            "overdue_since": rfc3339(since),
            "text": text(
                format!(
                    "Loop overdue: traveler {}{batch_en}, held by {} {}, overdue since {local}",
                    l.traveler.0,
                    l.party.code(),
                    l.party_id.0
                ),
                format!(
                    "闭环超时：旅客 {}{batch_zh}，由 {} {} 负责，自 {local} 起超时",
                    l.traveler.0,
                    l.party.code(),
                    l.party_id.0
                ),
            ),
        }),
    )
}

/// The language a traveler reads: their `language` field when it is set (`zh…` is Chinese),
/// else Chinese for Chinese nationals, else English.
pub fn language(r: &Recipient) -> Lang {
    match r.language.as_deref() {
        Some(l) if !l.trim().is_empty() => Lang::from_locale(l.trim()),
        _ if r.nationality.eq_ignore_ascii_case("CHN") => Lang::ZhCn,
        _ => Lang::En,
    }
}

fn lang_code(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en",
        Lang::ZhCn => "zh-CN",
    }
}

/// The reminder one traveler gets when their trip is approved: when and where it leaves, in
/// their language, with the phone the gateway sends it to.
pub fn departure_reminder(
    d: &Departure,
    r: &Recipient,
    depart_at: DateTime<Utc>,
    offset: FixedOffset,
    now: DateTime<Utc>,
) -> String {
    let lang = language(r);
    let local = depart_at.with_timezone(&offset);
    let port = match lang {
        Lang::En => d.port_en.as_str(),
        Lang::ZhCn => d.port_zh.as_str(),
    };
    let batch = d.batch_code.clone().unwrap_or_else(|| d.trip.to_string());
    let message = match lang {
        Lang::En => format!(
            "closedloop transfer: your vehicle (batch {batch}) leaves {port} at {} on {}. Please be ready at the pick-up point 15 minutes before, with your documents, and wear your mask.",
            local.format("%H:%M"),
            local.format("%Y-%m-%d"),
        ),
        Lang::ZhCn => format!(
            "闭环转运提醒：您乘坐的车辆（批次 {batch}）将于 {} 从{port}出发。请提前 15 分钟携带证件到上车点等候，并全程佩戴口罩。",
            local.format("%Y年%m月%d日 %H:%M"),
        ),
    };
    envelope(
        Kind::DepartureReminder,
        now,
        json!({
            "traveler": r.traveler,
            "batch": d.trip,
            "batch_code": d.batch_code,
            "phone": r.phone,
            "lang": lang_code(lang),
            "depart_at": rfc3339(depart_at),
            "port": {"code": d.port_code, "name": port},
            "message": message,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn recipient(language: Option<&str>, nationality: &str) -> Recipient {
        Recipient {
            traveler: 7,
            phone: Some("+8613812340007".into()),
            language: language.map(str::to_string),
            nationality: nationality.into(),
        }
    }

    #[test]
    fn the_language_field_decides_then_the_nationality() {
        assert_eq!(language(&recipient(Some("zh"), "USA")), Lang::ZhCn);
        assert_eq!(language(&recipient(Some("en"), "CHN")), Lang::En);
        assert_eq!(language(&recipient(None, "CHN")), Lang::ZhCn);
        assert_eq!(language(&recipient(None, "JPN")), Lang::En);
        assert_eq!(language(&recipient(Some("ja"), "JPN")), Lang::En);
    }

    #[test]
    fn a_reminder_reads_in_the_travelers_language_with_local_time_and_port() {
        let d = Departure {
            trip: 3,
            batch_code: Some("B-0003".into()),
            depart_at: NaiveDateTime::default(),
            port_code: "PVG".into(),
            port_zh: "浦东机场".into(),
            port_en: "Pudong Airport".into(),
            travelers: Vec::new(),
        };
        let at = Utc.with_ymd_and_hms(2026, 12, 2, 6, 30, 0).unwrap();
        let east8 = FixedOffset::east_opt(8 * 3600).unwrap();
        let zh: Value = serde_json::from_str(&departure_reminder(
            &d,
            &recipient(None, "CHN"),
            at,
            east8,
            at,
        ))
        .unwrap();
        assert_eq!(zh["type"], "departure_reminder");
        assert_eq!(zh["data"]["lang"], "zh-CN");
        assert_eq!(zh["data"]["phone"], "+8613812340007");
        let m = zh["data"]["message"].as_str().unwrap();
        assert!(
            m.contains("2026年12月02日 14:30") && m.contains("浦东机场"),
            "{m}"
        );
        let en: Value = serde_json::from_str(&departure_reminder(
            &d,
            &recipient(Some("en"), "GBR"),
            at,
            east8,
            at,
        ))
        .unwrap();
        let m = en["data"]["message"].as_str().unwrap();
        assert!(
            m.contains("14:30 on 2026-12-02") && m.contains("Pudong Airport"),
            "{m}"
        );
        assert_eq!(en["data"]["port"]["code"], "PVG");
    }

    #[test]
    fn an_incident_carries_kind_severity_batch_and_time_only() {
        let at = Utc.with_ymd_and_hms(2026, 12, 2, 6, 30, 0).unwrap();
        let body = incident(
            &IncidentFacts {
                event: 12,
                kind: IncidentKind::VehicleBreakdown,
                severity: Severity::Serious,
                batch: Some(4),
                at,
            },
            FixedOffset::east_opt(8 * 3600).unwrap(),
        );
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["data"]["incident"], "vehicle_breakdown");
        assert_eq!(v["data"]["severity"], "serious");
        assert_eq!(v["data"]["batch"], 4);
        assert_eq!(v["data"]["at"], "2026-12-02T06:30:00Z");
        assert_eq!(
            v["data"]["text"]["zh-CN"],
            "事故：车辆故障（较大），批次 4，2026-12-02 14:30"
        );
    }
}
