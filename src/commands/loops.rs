//! `closedloop loops` (open loops: travelers in custody, not yet delivered, with who holds them
//! and whether they are overdue) and `closedloop record` (the per-day and cumulative record).

use super::Ctx;
use super::desk::show;
use crate::output::table;
use anyhow::Result;
use chrono::{NaiveDate, Utc};
use clap::Args;
use closedloop_app::custody::{self, LoopFilter, LoopState};
use closedloop_domain::Lang;
use closedloop_domain::ids::PartyId;
use closedloop_domain::role::PartyRole;

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

fn party(lang: Lang, role: PartyRole, id: PartyId) -> String {
    let role = match role {
        PartyRole::PortStaff => lang.pick("port staff, port", "口岸工作人员，口岸"),
        PartyRole::Crew => lang.pick("crew of trip", "车次专班"),
        PartyRole::HotelStaff => lang.pick("hotel", "隔离酒店"),
        PartyRole::CommunityStaff => lang.pick("community", "社区"),
        PartyRole::HospitalStaff => lang.pick("hospital", "定点医院"),
    };
    format!("{role} {id}")
}

pub fn loops(ctx: &Ctx, a: &LoopsArgs) -> Result<ExitCode> {
    let filter = match (a.overdue, a.all) {
        (true, _) => LoopFilter::Overdue,
        (false, true) => LoopFilter::All,
        (false, false) => LoopFilter::Open,
    };
    let rows = custody::loops(ctx, filter, Utc::now())?;
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
                match r.status {
                    LoopState::Delivered => ctx.t("delivered", "已交付").to_string(),
                    LoopState::InCustody => ctx.t("in custody", "在途").to_string(),
                },
                party(ctx.lang, r.party, r.party_id),
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
        rows.iter()
            .filter(|r| r.status == LoopState::InCustody)
            .count()
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
    let record = custody::record(ctx, a.from, a.to)?;
    if a.json {
        println!("{}", serde_json::to_string(&record)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{}", ctx.lang.pick(&record.summary.en, &record.summary.zh));
    let body: Vec<Vec<String>> = record
        .days
        .iter()
        .filter(|d| {
            d.batches + d.person_trips + d.incidents + d.staff_infections + d.wrong_codes > 0
        })
        .map(|d| {
            vec![
                d.day.to_string(),
                d.batches.to_string(),
                d.person_trips.to_string(),
                d.incidents.to_string(),
                d.staff_infections.to_string(),
                d.wrong_codes.to_string(),
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
                    ctx.t("wrong codes", "确认码错误"),
                    ctx.t("total batches", "累计批次"),
                    ctx.t("total person-trips", "累计人次"),
                ],
                &body
            )
        );
    }
    Ok(ExitCode::SUCCESS)
}
