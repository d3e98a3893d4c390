//! `closedloop loops` (open loops: travelers in custody, not yet delivered, with who holds them
//! and whether they are overdue) and `closedloop record` (the per-day and cumulative record).

use super::Ctx;
use super::desk::show;
use crate::output::table;
use anyhow::Result;
use chrono::{NaiveDate, Utc};
use clap::Args;
use closedloop_domain::Lang;
use closedloop_store::desk;
use serde_json::json;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct LoopsArgs {
    /// Only loops open past their trip's planned arrival plus the configured margin.
    #[arg(long)]
    pub overdue: bool,
    /// Delivered travelers too (closed loops).
    #[arg(long, conflicts_with = "overdue")]
    pub all: bool,
    /// Print [{"traveler", "status", "party", "party_id", "since", "trip", "planned_arrival",
    /// "overdue"}].
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RecordArgs {
    /// First local day (default: the first day with a delivery or an incident).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub from: Option<NaiveDate>,
    /// Last local day (default: today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub to: Option<NaiveDate>,
    /// Print {"from", "to", "summary": {"en", "zh-CN"}, "totals": {…}, "days": [...]}.
    #[arg(long)]
    pub json: bool,
}

fn party(lang: Lang, code: &str, id: i64) -> String {
    let role = match code {
        "port_staff" => lang.pick("port staff, port", "口岸工作人员，口岸"),
        "crew" => lang.pick("crew of trip", "车次专班"),
        "hotel_staff" => lang.pick("hotel", "隔离酒店"),
        "community_staff" => lang.pick("community", "社区"),
        "hospital_staff" => lang.pick("hospital", "定点医院"),
        other => other,
    };
    format!("{role} {id}")
}

pub fn loops(ctx: &Ctx, a: &LoopsArgs) -> Result<ExitCode> {
    let store = ctx.store()?;
    let mut rows = desk::loops(
        &mut *store.conn()?,
        Utc::now(),
        ctx.config.handover.overdue_margin,
        a.all,
    )?;
    if a.overdue {
        rows.retain(|r| r.overdue);
    }
    if a.json {
        println!("{}", serde_json::to_string(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    let now = Utc::now().naive_utc();
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let minutes = (now - r.since).num_minutes();
            vec![
                r.traveler.to_string(),
                match r.status.as_str() {
                    "delivered" => ctx.t("delivered", "已交付").to_string(),
                    _ => ctx.t("in custody", "在途").to_string(),
                },
                party(ctx.lang, &r.party, r.party_id),
                show(r.since),
                format!("{}:{:02}", minutes / 60, minutes % 60),
                r.planned_arrival.map(show).unwrap_or_default(),
                if r.overdue {
                    ctx.t("OVERDUE", "已超时").to_string()
                } else {
                    String::new()
                },
            ]
        })
        .collect();
    println!(
        "{}: {}",
        if a.overdue {
            ctx.t("overdue loops", "超时未闭环")
        } else {
            ctx.t("open loops", "未闭环")
        },
        rows.iter().filter(|r| r.status == "in_custody").count()
    );
    print!(
        "{}",
        table(
            &[
                ctx.t("traveler", "旅客"),
                ctx.t("status", "状态"),
                ctx.t("held by / delivered to", "负责方/交付方"),
                ctx.t("since (UTC)", "起始（UTC）"),
                ctx.t("elapsed h:mm", "已历时"),
                ctx.t("planned arrival", "计划抵达"),
                "",
            ],
            &body
        )
    );
    Ok(ExitCode::SUCCESS)
}

pub fn record(ctx: &Ctx, a: &RecordArgs) -> Result<ExitCode> {
    let gates = &ctx.config.handover.gates;
    let to = a.to.unwrap_or_else(|| gates.local_day(Utc::now()));
    let store = ctx.store()?;
    let record = desk::record(&mut *store.conn()?, gates.utc_offset, a.from, to)?;
    if a.json {
        let last = record.last();
        println!(
            "{}",
            json!({
                "from": record.from,
                "to": record.to,
                "summary": {"en": record.summary(Lang::En), "zh-CN": record.summary(Lang::ZhCn)},
                "totals": {
                    "batches": last.map_or(0, |d| d.total_batches),
                    "person_trips": last.map_or(0, |d| d.total_person_trips),
                    "incidents": last.map_or(0, |d| d.total_incidents),
                    "staff_infections": last.map_or(0, |d| d.total_staff_infections),
                    "days_since_last_incident": last.and_then(|d| d.days_since_last_incident),
                },
                "days": record.days,
            })
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!("{}", record.summary(ctx.lang));
    let body: Vec<Vec<String>> = record
        .days
        .iter()
        .filter(|d| d.batches + d.person_trips + d.incidents + d.staff_infections > 0)
        .map(|d| {
            vec![
                d.day.to_string(),
                d.batches.to_string(),
                d.person_trips.to_string(),
                d.incidents.to_string(),
                d.staff_infections.to_string(),
                d.total_batches.to_string(),
                d.total_person_trips.to_string(),
            ]
        })
        .collect();
    if !body.is_empty() {
        print!(
            "{}",
            table(
                &[
                    ctx.t("day", "日期"),
                    ctx.t("batches", "批次"),
                    ctx.t("person-trips", "人次"),
                    ctx.t("incidents", "事故"),
                    ctx.t("staff infections", "工作人员感染"),
                    ctx.t("total batches", "累计批次"),
                    ctx.t("total person-trips", "累计人次"),
                ],
                &body
            )
        );
    }
    Ok(ExitCode::SUCCESS)
}
