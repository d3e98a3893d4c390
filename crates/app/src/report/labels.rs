//! The daily report as tables with headers in English or Chinese: the summary of the day, the
//! ports and the hotels. The command line prints them; the XLSX file is written from them, so
//! both say the same in the same words.

use super::DailyReport;
use chrono::{DateTime, Utc};
use closedloop_domain::Lang;
use closedloop_handover::IncidentKind;

/// One cell: text, or a count (a number in a spreadsheet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Count(u64),
}

impl Cell {
    /// As a terminal shows it.
    pub fn text(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Count(n) => n.to_string(),
        }
    }
}

impl From<u32> for Cell {
    fn from(n: u32) -> Cell {
        Cell::Count(u64::from(n))
    }
}

impl From<u64> for Cell {
    fn from(n: u64) -> Cell {
        Cell::Count(n)
    }
}

impl From<String> for Cell {
    fn from(t: String) -> Cell {
        Cell::Text(t)
    }
}

impl From<&str> for Cell {
    fn from(t: &str) -> Cell {
        Cell::Text(t.to_string())
    }
}

/// One table: a sheet of the workbook, a block of the terminal's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    /// The sheet's name (at most 31 characters, none of `[]:*?/\`).
    pub name: &'static str,
    /// A line above the table.
    pub title: String,
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

/// The report's three tables in `lang`: the day, the ports, the hotels.
pub fn sheets(r: &DailyReport, lang: Lang) -> Vec<Sheet> {
    vec![day(r, lang), ports(r, lang), hotels(r, lang)]
}

/// The title of the report: "Daily report 2021-07-01" / "日通报（2021-07-01）".
pub fn title(r: &DailyReport, lang: Lang) -> String {
    match lang {
        Lang::En => format!("Daily report {}", r.date),
        Lang::ZhCn => format!("日通报（{}）", r.date),
    }
}

fn yes_no(lang: Lang, b: bool) -> Cell {
    Cell::from(match b {
        true => lang.pick("yes", "是"),
        false => lang.pick("no", "否"),
    })
}

/// A UTC instant as the desk's local clock shows it.
fn local(r: &DailyReport, at: DateTime<Utc>) -> String {
    match r.utc_offset.parse::<chrono::FixedOffset>() {
        Ok(o) => at.with_timezone(&o).format("%Y-%m-%d %H:%M").to_string(),
        Err(_) => at.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

fn day(r: &DailyReport, lang: Lang) -> Sheet {
    let t = |en: &'static str, zh: &'static str| lang.pick(en, zh).to_string();
    let c = &r.cumulative;
    let mut rows: Vec<(String, Cell)> = vec![
        (t("reporting day", "通报日期"), r.date.to_string().into()),
        (
            match lang {
                Lang::En => format!("period (local time, UTC{})", r.utc_offset),
                Lang::ZhCn => format!("统计时段（当地时间 UTC{}）", r.utc_offset),
            },
            format!("{} – {}", local(r, r.from), local(r, r.to)).into(),
        ),
        (
            t("standing counts as of", "在册人数截至"),
            local(r, r.as_of).into(),
        ),
        (t("day over", "当日已截止"), yes_no(lang, r.complete)),
        (
            t("ledger verified: entries", "账本核验通过：条目数"),
            r.ledger.entries.into(),
        ),
        (
            t("ledger root", "账本根哈希"),
            r.ledger.root.clone().unwrap_or_else(|| "—".into()).into(),
        ),
        (
            t("arrivals (flights, trains, …)", "入境航班（车次）"),
            r.arrivals.arrivals.into(),
        ),
        (
            t("travelers arrived", "入境人数"),
            r.arrivals.travelers.into(),
        ),
        (t("batches", "转运批次"), r.batches.into()),
        (t("person-trips", "转运人次"), r.person_trips.into()),
        (
            t("delivered to quarantine hotels", "送达隔离酒店人数"),
            r.delivered.hotel.into(),
        ),
        (t("delivered home", "送达居家人数"), r.delivered.home.into()),
        (
            t("delivered to designated hospitals", "送达定点医院人数"),
            r.delivered.hospital.into(),
        ),
        (
            t("released from hotel quarantine", "解除集中隔离人数"),
            r.released.into(),
        ),
        (
            t("in hotel quarantine", "集中隔离在册人数"),
            r.standing.in_hotel_quarantine.into(),
        ),
        (
            t(
                "at home (quarantine or health monitoring)",
                "居家隔离（健康监测）人数",
            ),
            r.standing.at_home.into(),
        ),
        (
            t("in designated hospitals", "定点医院在院人数"),
            r.standing.in_hospital.into(),
        ),
        (
            t("in transit", "转运途中人数"),
            r.standing.in_transit.into(),
        ),
        (t("incidents opened", "新发事故"), r.incidents.opened.into()),
        (
            t("staff infections", "工作人员感染"),
            r.incidents.staff_infections.into(),
        ),
    ];
    for (code, n) in &r.incidents.by_kind {
        let kind = code
            .parse::<IncidentKind>()
            .map_or_else(|_| code.clone(), |k| k.label(lang).to_string());
        let label = match lang {
            Lang::En => format!("  of which {kind}"),
            Lang::ZhCn => format!("  其中：{kind}"),
        };
        rows.push((label, (*n).into()));
    }
    rows.extend([
        (
            t("incidents resolved", "事故处置完毕"),
            r.incidents.resolved.into(),
        ),
        (
            t("incidents still open", "未结事故"),
            r.incidents.open.into(),
        ),
        (
            t("zero infection (the day)", "当日零感染"),
            yes_no(lang, r.zero_infection),
        ),
        (
            t("zero incident (the day)", "当日零事故"),
            yes_no(lang, r.zero_incident),
        ),
        (t("cumulative batches", "累计转运批次"), c.batches.into()),
        (
            t("cumulative person-trips", "累计转运人次"),
            c.person_trips.into(),
        ),
        (t("cumulative incidents", "累计事故"), c.incidents.into()),
        (
            t("cumulative staff infections", "累计工作人员感染"),
            c.staff_infections.into(),
        ),
        (
            t(
                "cumulative releases from hotel quarantine",
                "累计解除集中隔离人数",
            ),
            c.released.into(),
        ),
        (
            t("zero infection (cumulative)", "累计零感染"),
            yes_no(lang, c.zero_infection),
        ),
        (
            t("zero incident (cumulative)", "累计零事故"),
            yes_no(lang, c.zero_incident),
        ),
        (
            t("days since the last incident", "距上次事故天数"),
            c.days_since_last_incident
                .map_or_else(|| Cell::from("—"), Cell::from),
        ),
    ]);
    Sheet {
        name: lang.pick("Daily report", "日通报"),
        title: format!(
            "{} — {}",
            title(r, lang),
            lang.pick(&r.summary.en, &r.summary.zh)
        ),
        header: vec![lang.pick("item", "项目"), lang.pick("count", "数量")],
        rows: rows.into_iter().map(|(l, v)| vec![l.into(), v]).collect(),
    }
}

fn ports(r: &DailyReport, lang: Lang) -> Sheet {
    let mut rows: Vec<Vec<Cell>> = r
        .ports
        .iter()
        .map(|p| -> Vec<Cell> {
            vec![
                p.code.clone().into(),
                lang.pick(&p.name_en, &p.name_zh).into(),
                p.arrivals.into(),
                p.travelers.into(),
                p.batches.into(),
                p.person_trips.into(),
            ]
        })
        .collect();
    for (label, f) in [
        (
            lang.pick("from hotels (second transfers)", "自隔离酒店（二次转运）"),
            r.second_transfers,
        ),
        (
            lang.pick("hand-overs without a trip", "无车次的交接"),
            r.without_trip,
        ),
    ] {
        rows.push(vec![
            "".into(),
            label.into(),
            "".into(),
            "".into(),
            f.batches.into(),
            f.person_trips.into(),
        ]);
    }
    rows.push(vec![
        "".into(),
        lang.pick("total", "合计").into(),
        r.arrivals.arrivals.into(),
        r.arrivals.travelers.into(),
        r.batches.into(),
        r.person_trips.into(),
    ]);
    Sheet {
        name: lang.pick("Ports", "口岸"),
        title: lang
            .pick(
                "Arrivals by port; batches and person-trips by where the batch set out",
                "各口岸入境情况；转运批次与人次按出发地统计",
            )
            .to_string(),
        header: vec![
            lang.pick("port code", "口岸代码"),
            lang.pick("port", "口岸"),
            lang.pick("arrivals", "入境航班（车次）"),
            lang.pick("travelers arrived", "入境人数"),
            lang.pick("batches", "转运批次"),
            lang.pick("person-trips", "转运人次"),
        ],
        rows,
    }
}

fn hotels(r: &DailyReport, lang: Lang) -> Sheet {
    let rows = r
        .hotels
        .iter()
        .map(|h| -> Vec<Cell> {
            let name = match (&h.name_en, &h.name_zh) {
                (Some(en), Some(zh)) => lang.pick(en, zh).to_string(),
                _ => match lang {
                    Lang::En => format!("hotel #{} (not in the hotel list)", h.id),
                    Lang::ZhCn => format!("酒店 #{}（不在酒店名录中）", h.id),
                },
            };
            vec![
                h.code.clone().unwrap_or_default().into(),
                name.into(),
                h.received.into(),
                h.released.into(),
                h.in_quarantine.into(),
            ]
        })
        .collect();
    Sheet {
        name: lang.pick("Hotels", "隔离酒店"),
        title: lang
            .pick(
                "Quarantine hotels with a delivery, a release or travelers in quarantine",
                "当日有接收、解除或在册隔离人员的隔离酒店",
            )
            .to_string(),
        header: vec![
            lang.pick("hotel code", "酒店代码"),
            lang.pick("hotel", "酒店"),
            lang.pick("received", "当日接收"),
            lang.pick("released", "当日解除"),
            lang.pick("in quarantine", "在册隔离"),
        ],
        rows,
    }
}
