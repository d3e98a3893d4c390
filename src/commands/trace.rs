//! `closedloop trace --traveler ID | --crew ID`: everyone exposed to a positive traveler or crew
//! member, with the reason and the time, from the custody record in the database.

use super::Ctx;
use crate::output::table;
use anyhow::Result;
use chrono::DateTime;
use clap::{ArgGroup, Args};
use closedloop_app::parse;
use closedloop_app::trace::{self, TraceRequest};
use closedloop_domain::Lang;
use closedloop_trace::{Contact, CrewId, Reason, Role, Subject, TravelerId};
use std::process::ExitCode;

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("index").required(true).args(["traveler", "crew"])))]
pub struct TraceArgs {
    /// The traveler who tested positive (database id).
    #[arg(long, value_name = "ID")]
    pub traveler: Option<i64>,
    /// The crew member who tested positive (database id).
    #[arg(long, value_name = "ID")]
    pub crew: Option<i64>,
    /// When the test was positive (UTC: 2021-03-05T14:30:00Z, "2021-03-05 14:30" or 2021-03-05).
    #[arg(long, value_name = "TIME")]
    pub tested_at: Option<String>,
    /// Ignore the index case's trips and hand-overs before this time (UTC, as --tested-at).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// How long exposed crew carry infection on to later trips, and how far back a crew
    /// member's own trips count, in days (at most 3650).
    #[arg(long, default_value_t = 14, value_parser = clap::value_parser!(u32).range(..=3_650))]
    pub window_days: u32,
    /// Print {"index": …, "exposures": [{"who", "reason", "at", "via_trip"}]}.
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, args: &TraceArgs) -> Result<ExitCode> {
    let index = match (args.traveler, args.crew) {
        (Some(t), _) => Subject::Traveler(TravelerId(t)),
        (None, Some(c)) => Subject::Crew(CrewId(c)),
        (None, None) => anyhow::bail!("give --traveler ID or --crew ID"),
    };
    let req = TraceRequest {
        index,
        tested_at: args
            .tested_at
            .as_deref()
            .map(|s| parse::time("--tested-at", s))
            .transpose()?,
        since: args
            .since
            .as_deref()
            .map(|s| parse::time("--since", s))
            .transpose()?,
        window_days: args.window_days,
    };
    let report = trace::trace(ctx, &req)?;
    let exposures = &report.exposures;
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    let lang = ctx.lang;
    println!(
        "{} {}: {} {}",
        ctx.t("exposed to", "密切接触"),
        subject(index, lang),
        exposures.len(),
        ctx.t("people", "人")
    );
    let rows: Vec<Vec<String>> = exposures
        .iter()
        .map(|e| {
            vec![
                contact(&e.who, lang),
                reason(&e.reason, lang),
                time(e.at),
                e.via_trip.map(|t| t.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    print!(
        "{}",
        table(
            &[
                ctx.t("who", "人员"),
                ctx.t("reason", "原因"),
                ctx.t("time (UTC)", "时间（UTC）"),
                ctx.t("trip", "车次"),
            ],
            &rows
        )
    );
    Ok(ExitCode::SUCCESS)
}

fn time(unix: i64) -> String {
    DateTime::from_timestamp(unix, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| unix.to_string())
}

fn subject(s: Subject, lang: Lang) -> String {
    match s {
        Subject::Traveler(id) => format!("{} {id}", lang.pick("traveler", "旅客")),
        Subject::Crew(id) => format!("{} {id}", lang.pick("crew", "转运人员")),
    }
}

fn contact(c: &Contact, lang: Lang) -> String {
    match c {
        Contact::Traveler(id) => format!("{} {id}", lang.pick("traveler", "旅客")),
        Contact::Crew(id) => format!("{} {id}", lang.pick("crew", "转运人员")),
        Contact::Party(p) => {
            let role = match p.role {
                Role::PortStaff => lang.pick("port staff", "口岸工作人员"),
                Role::Crew => lang.pick("crew", "转运人员"),
                Role::HotelStaff => lang.pick("hotel staff", "酒店工作人员"),
                Role::CommunityStaff => lang.pick("community staff", "社区工作人员"),
                Role::Hospital => lang.pick("hospital", "医院"),
            };
            format!("{role} {}", p.id)
        }
    }
}

fn reason(r: &Reason, lang: Lang) -> String {
    match r {
        Reason::SameTrip => lang.pick("same trip", "同车").to_string(),
        Reason::TripCrew => lang.pick("crew of the trip", "该车次转运人员").to_string(),
        Reason::HandOver => lang.pick("same hand-over", "同一交接").to_string(),
        Reason::VehicleNotDisinfected { vehicle } => match lang {
            Lang::En => format!("vehicle {vehicle} not disinfected since"),
            Lang::ZhCn => format!("车辆 {vehicle} 此后未消毒"),
        },
        Reason::SharedCrew { crew } => match lang {
            Lang::En => format!("later trip of exposed crew {crew}"),
            Lang::ZhCn => format!("暴露转运人员 {crew} 的后续车次"),
        },
    }
}
