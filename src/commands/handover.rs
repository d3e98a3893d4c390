//! `closedloop handover start|code|confirm`: a custody hand-over in the two steps the phones
//! take. The giver starts it and shows the six-digit code (the desk prints what the giver's
//! phone would show); the receiver confirms it with that code and the head-count both counted.
//! A wrong code is refused and changes nothing; a head-count mismatch stores nothing of the
//! hand-over but opens an incident.

use super::Ctx;
use super::desk::{at, finish, party};
use anyhow::Result;
use clap::{Args, Subcommand};
use closedloop_app::handover;
use closedloop_domain::ids::{BatchId, TravelerId};
use closedloop_handover::LoopStatus;
use closedloop_handover::ids::HandoverId;
use closedloop_store::custody::PartyKey;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum HandoverCommand {
    /// The giver starts a hand-over: checks the parties, the trip and every traveler's loop,
    /// and prints its id and the code the giver's phone shows.
    Start(StartArgs),
    /// The code the giver's phone shows for a started hand-over (it changes every 30 s).
    Code(CodeArgs),
    /// The receiver confirms with the giver's code and the head-count: custody moves for every
    /// traveler or none, recorded in the ledger.
    Confirm(ConfirmArgs),
}

#[derive(Debug, Args)]
pub struct StartArgs {
    /// The crew side's trip: the receiving crew's from port staff, else the giving crew's.
    #[arg(long, value_name = "ID")]
    pub trip: i64,
    /// Crew to crew (a relief vehicle): the receiving crew's trip.
    #[arg(long, value_name = "ID")]
    pub to_trip: Option<i64>,
    /// The giver, ROLE:ID — port_staff:ID, crew:CREW_MEMBER_ID.
    #[arg(long, value_name = "ROLE:ID", value_parser = party)]
    pub from: PartyKey,
    /// The receiver, ROLE:ID — crew:CREW_MEMBER_ID, hotel_staff:DEST, community_staff:DEST,
    /// hospital_staff:DEST.
    #[arg(long, value_name = "ROLE:ID", value_parser = party)]
    pub to: PartyKey,
    /// Traveler ids, comma-separated.
    #[arg(long, value_name = "IDS", value_delimiter = ',', required = true)]
    pub travelers: Vec<i64>,
    /// The head-count planned for this hand-over (default: as many as listed).
    #[arg(long)]
    pub expected: Option<i64>,
    /// The name of the person handing over.
    #[arg(long)]
    pub signer: String,
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Print {"handover": ID, "code": "123456", "seconds_left": N}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CodeArgs {
    #[arg(long, value_name = "ID")]
    pub handover: i64,
    /// The instant to show the code for (default now).
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ConfirmArgs {
    #[arg(long, value_name = "ID")]
    pub handover: i64,
    /// The six digits shown on the giver's phone.
    #[arg(long)]
    pub code: String,
    /// How many travelers both parties counted.
    #[arg(long)]
    pub counted: i64,
    /// The name of the person taking over.
    #[arg(long)]
    pub signer: String,
    /// When the receiver confirmed (default now); the code is checked at this instant.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    #[arg(long, requires = "lon", allow_hyphen_values = true)]
    pub lat: Option<f64>,
    #[arg(long, requires = "lat", allow_hyphen_values = true)]
    pub lon: Option<f64>,
    /// Print {"handover", "ledger_seq", "travelers": [{"traveler", "status"}]} or the refusal.
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, cmd: HandoverCommand) -> Result<ExitCode> {
    match cmd {
        HandoverCommand::Start(a) => start(ctx, &a),
        HandoverCommand::Code(a) => code(ctx, &a),
        HandoverCommand::Confirm(a) => confirm(ctx, &a),
    }
}

fn print_code(ctx: &Ctx, json: bool, h: &handover::CodeShown, started: bool) -> Result<ExitCode> {
    if json {
        println!("{}", serde_json::to_string(h)?);
    } else if started {
        println!(
            "{} {}: {} {} ({} {} s)",
            ctx.t("hand-over started", "交接已发起"),
            h.handover,
            ctx.t("code on the giver's phone", "交出方手机显示确认码"),
            h.code,
            ctx.t("changes in", "更新倒计时"),
            h.seconds_left
        );
    } else {
        println!(
            "{} ({} {} s)",
            h.code,
            ctx.t("changes in", "更新倒计时"),
            h.seconds_left
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn start(ctx: &Ctx, a: &StartArgs) -> Result<ExitCode> {
    let req = handover::StartRequest {
        trip: BatchId(a.trip),
        to_trip: a.to_trip.map(BatchId),
        from: a.from,
        to: a.to,
        travelers: a.travelers.iter().map(|&t| TravelerId(t)).collect(),
        expected: a.expected,
        signer: a.signer.clone(),
        at: at("--at", a.at.as_deref())?,
    };
    finish(ctx, a.json, handover::start(ctx, &req), |h| {
        print_code(ctx, a.json, &h, true)
    })
}

fn code(ctx: &Ctx, a: &CodeArgs) -> Result<ExitCode> {
    let when = at("--at", a.at.as_deref())?;
    let r = handover::code(ctx, HandoverId(a.handover), when);
    finish(ctx, a.json, r, |h| print_code(ctx, a.json, &h, false))
}

fn confirm(ctx: &Ctx, a: &ConfirmArgs) -> Result<ExitCode> {
    let req = handover::ConfirmRequest {
        handover: HandoverId(a.handover),
        code: a.code.clone(),
        counted: a.counted,
        signer: a.signer.clone(),
        at: at("--at", a.at.as_deref())?,
        position: a.lat.zip(a.lon),
    };
    finish(ctx, a.json, handover::confirm(ctx, &req), |done| {
        if a.json {
            println!("{}", serde_json::to_string(&done)?);
            return Ok(ExitCode::SUCCESS);
        }
        println!(
            "{} {} ({} {})",
            ctx.t("hand-over confirmed and recorded:", "交接已确认并记录："),
            done.handover,
            ctx.t("ledger entry", "账本记录"),
            done.ledger_seq
        );
        for t in &done.travelers {
            let what = match &t.state {
                LoopStatus::InCustody { holder, .. } => format!(
                    "{} {}",
                    ctx.t("in the custody of", "现由"),
                    holder.label(ctx.lang)
                ),
                LoopStatus::Delivered { to, .. } => {
                    format!("{} {}", ctx.t("delivered to", "已交付"), to.label(ctx.lang))
                }
                LoopStatus::NotInCustody => String::new(),
            };
            println!("  {} {}: {what}", ctx.t("traveler", "旅客"), t.traveler);
        }
        Ok(ExitCode::SUCCESS)
    })
}
