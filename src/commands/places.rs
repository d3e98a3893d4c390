//! `closedloop hotels import|list|open|close|set`, `hospitals import|list` and
//! `ports list|set`: the places the desk plans with.

use super::Ctx;
use crate::output::table;
use anyhow::Result;
use clap::{Args, Subcommand};
use closedloop_app::places::{
    self, HotelEdited, ImportPlaces, PlacesImported, PortView, ProcessingSource, SetProcessing,
    SetRooms,
};
use closedloop_domain::Lang;
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum HotelsCommand {
    /// Import hotels from CSV (columns code,name_zh,name_en,address,lat,lon,rooms,
    /// accessible_rooms,languages,open): every row valid or nothing stored; a code already
    /// stored is updated.
    Import(ImportArgs),
    /// List the hotels.
    List(ListArgs),
    /// Open a hotel: it takes travelers again.
    Open(CodeArgs),
    /// Close a hotel: it takes nobody new.
    Close(CodeArgs),
    /// Change a hotel's rooms or accessible rooms (the accessible ones never more than the
    /// rooms).
    Set(SetArgs),
}

#[derive(Debug, Subcommand)]
pub enum HospitalsCommand {
    /// Import designated hospitals from CSV (columns code,name_zh,name_en,address,lat,lon and
    /// optionally designated): every row valid or nothing stored; a code already stored is
    /// updated.
    Import(ImportArgs),
    /// List the hospitals.
    List(ListArgs),
}

#[derive(Debug, Subcommand)]
pub enum PortsCommand {
    /// List the ports with their processing time (minutes from arrival until travelers are
    /// ready to board).
    List(ListArgs),
    /// Set a port's processing time.
    Set(PortSetArgs),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The CSV file (UTF-8, with or without BOM).
    pub file: PathBuf,
    /// Print the outcome as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CodeArgs {
    /// The hotel's code.
    pub code: String,
    /// Print the hotel as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SetArgs {
    /// The hotel's code.
    pub code: String,
    #[arg(long, value_name = "N", required_unless_present = "accessible_rooms")]
    pub rooms: Option<u32>,
    /// Rooms for wheelchair users.
    #[arg(long, value_name = "M")]
    pub accessible_rooms: Option<u32>,
    /// Print the hotel as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PortSetArgs {
    /// The port's code (or a name or alias of config/ports.toml).
    pub code: String,
    /// Minutes from arrival until travelers are ready to board.
    #[arg(long, value_name = "N", required_unless_present = "default")]
    pub processing_minutes: Option<u32>,
    /// Back to the default of the port's kind.
    #[arg(long, conflicts_with = "processing_minutes")]
    pub default: bool,
    /// Print the port as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn hotels(ctx: &Ctx, cmd: HotelsCommand) -> Result<ExitCode> {
    match cmd {
        HotelsCommand::Import(a) => {
            let out = places::import_hotels(ctx, &import_request(ctx, &a))?;
            imported(ctx, a.json, &out)
        }
        HotelsCommand::List(a) => {
            let hotels = places::list_hotels(ctx)?;
            if a.json {
                return json(&hotels);
            }
            let header = [
                ctx.t("code", "代码"),
                ctx.t("name", "名称"),
                ctx.t("address", "地址"),
                ctx.t("rooms", "房间"),
                ctx.t("accessible", "无障碍"),
                ctx.t("languages", "语言"),
                ctx.t("open", "开放"),
            ];
            let rows: Vec<Vec<String>> = hotels
                .iter()
                .map(|h| {
                    let p = &h.place;
                    vec![
                        p.code.clone(),
                        ctx.t(&p.name_en, &p.name_zh).to_string(),
                        p.address.clone(),
                        p.rooms.to_string(),
                        p.accessible_rooms.to_string(),
                        p.languages.join(";"),
                        yes_no(ctx, p.open).to_string(),
                    ]
                })
                .collect();
            print!("{}", table(&header, &rows));
            eprintln!("{} {}", hotels.len(), ctx.t("hotel(s)", "家酒店"));
            Ok(ExitCode::SUCCESS)
        }
        HotelsCommand::Open(a) => {
            let out = places::set_hotel_open(ctx, &a.code, true)?;
            hotel_edited(ctx, a.json, &out)
        }
        HotelsCommand::Close(a) => {
            let out = places::set_hotel_open(ctx, &a.code, false)?;
            hotel_edited(ctx, a.json, &out)
        }
        HotelsCommand::Set(a) => {
            let req = SetRooms {
                code: a.code.clone(),
                rooms: a.rooms,
                accessible_rooms: a.accessible_rooms,
            };
            let out = places::set_hotel_rooms(ctx, &req)?;
            hotel_edited(ctx, a.json, &out)
        }
    }
}

pub fn hospitals(ctx: &Ctx, cmd: HospitalsCommand) -> Result<ExitCode> {
    match cmd {
        HospitalsCommand::Import(a) => {
            let out = places::import_hospitals(ctx, &import_request(ctx, &a))?;
            imported(ctx, a.json, &out)
        }
        HospitalsCommand::List(a) => {
            let hospitals = places::list_hospitals(ctx)?;
            if a.json {
                return json(&hospitals);
            }
            let header = [
                ctx.t("code", "代码"),
                ctx.t("name", "名称"),
                ctx.t("address", "地址"),
                ctx.t("designated", "定点"),
            ];
            let rows: Vec<Vec<String>> = hospitals
                .iter()
                .map(|h| {
                    let p = &h.place;
                    vec![
                        p.code.clone(),
                        ctx.t(&p.name_en, &p.name_zh).to_string(),
                        p.address.clone(),
                        yes_no(ctx, p.designated).to_string(),
                    ]
                })
                .collect();
            print!("{}", table(&header, &rows));
            eprintln!("{} {}", hospitals.len(), ctx.t("hospital(s)", "家医院"));
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn ports(ctx: &Ctx, cmd: PortsCommand) -> Result<ExitCode> {
    match cmd {
        PortsCommand::List(a) => {
            let ports = places::list_ports(ctx)?;
            if a.json {
                return json(&ports);
            }
            let header = [
                ctx.t("code", "代码"),
                ctx.t("name", "名称"),
                ctx.t("kind", "类型"),
                ctx.t("processing (min)", "处理时长（分钟）"),
                ctx.t("set by", "来源"),
            ];
            let rows: Vec<Vec<String>> = ports.iter().map(|p| port_row(ctx, p)).collect();
            print!("{}", table(&header, &rows));
            eprintln!("{} {}", ports.len(), ctx.t("port(s)", "个口岸"));
            Ok(ExitCode::SUCCESS)
        }
        PortsCommand::Set(a) => {
            let req = SetProcessing {
                port: a.code.clone(),
                minutes: if a.default {
                    None
                } else {
                    a.processing_minutes
                },
            };
            let p = places::set_processing_minutes(ctx, &req)?;
            if a.json {
                return json(&p);
            }
            match ctx.lang {
                Lang::En => println!(
                    "port {}: {} minutes from arrival until ready to board ({})",
                    p.code,
                    p.processing_minutes,
                    source(ctx, p.processing_source)
                ),
                Lang::ZhCn => println!(
                    "口岸 {}：抵达至可登车 {} 分钟（{}）",
                    p.code,
                    p.processing_minutes,
                    source(ctx, p.processing_source)
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn import_request(ctx: &Ctx, a: &ImportArgs) -> ImportPlaces {
    ImportPlaces {
        file: a.file.clone(),
        lang: ctx.lang,
    }
}

fn json<T: Serialize>(v: &T) -> Result<ExitCode> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(ExitCode::SUCCESS)
}

fn yes_no(ctx: &Ctx, b: bool) -> &'static str {
    if b {
        ctx.t("yes", "是")
    } else {
        ctx.t("no", "否")
    }
}

fn source(ctx: &Ctx, s: ProcessingSource) -> &'static str {
    match s {
        ProcessingSource::Desk => ctx.t("set by the desk", "调度台设定"),
        ProcessingSource::Default => ctx.t("default for its kind", "该类口岸的默认值"),
    }
}

fn port_row(ctx: &Ctx, p: &PortView) -> Vec<String> {
    vec![
        p.code.clone(),
        ctx.t(&p.name_en, &p.name_zh).to_string(),
        p.kind.label(ctx.lang).to_string(),
        p.processing_minutes.to_string(),
        source(ctx, p.processing_source).to_string(),
    ]
}

/// Prints an import's outcome; exit 1 when any row was refused (nothing was stored).
fn imported(ctx: &Ctx, as_json: bool, s: &PlacesImported) -> Result<ExitCode> {
    let code = if s.accepted {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    };
    if as_json {
        println!("{}", serde_json::to_string_pretty(s)?);
        return Ok(code);
    }
    for w in &s.warnings {
        eprintln!("{}: {w}", ctx.t("warning", "警告"));
    }
    for p in &s.problems {
        eprintln!("{}", p.message);
    }
    if !s.accepted {
        let refused = s.problems.iter().map(|p| p.row).collect::<BTreeSet<_>>();
        match ctx.lang {
            Lang::En => eprintln!(
                "{}: {} of {} rows refused; nothing was imported (fix them and import the file again)",
                s.file,
                refused.len(),
                s.rows
            ),
            Lang::ZhCn => eprintln!(
                "{}：{} 行中有 {} 行被拒绝；未导入任何数据（请更正后重新导入）",
                s.file,
                s.rows,
                refused.len()
            ),
        }
        return Ok(code);
    }
    match ctx.lang {
        Lang::En => println!(
            "{}: {} rows — created {}, updated {}, unchanged {}",
            s.file, s.rows, s.created, s.updated, s.unchanged
        ),
        Lang::ZhCn => println!(
            "{}：共 {} 行 — 新建 {}，更新 {}，未变 {}",
            s.file, s.rows, s.created, s.updated, s.unchanged
        ),
    }
    Ok(code)
}

/// Prints an edited hotel: one line, or the hotel as JSON.
fn hotel_edited(ctx: &Ctx, as_json: bool, e: &HotelEdited) -> Result<ExitCode> {
    if as_json {
        return json(e);
    }
    let h = &e.hotel.place;
    let state = if h.open {
        ctx.t("open", "开放")
    } else {
        ctx.t("closed", "关闭")
    };
    let unchanged = if e.changed {
        ""
    } else {
        ctx.t(" (unchanged)", "（未变）")
    };
    match ctx.lang {
        Lang::En => println!(
            "hotel {}: {state}, {} rooms, {} accessible{unchanged}",
            h.code, h.rooms, h.accessible_rooms
        ),
        Lang::ZhCn => println!(
            "酒店 {}：{state}，房间 {} 间，无障碍 {} 间{unchanged}",
            h.code, h.rooms, h.accessible_rooms
        ),
    }
    Ok(ExitCode::SUCCESS)
}
