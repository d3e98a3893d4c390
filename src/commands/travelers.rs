use super::Ctx;
use crate::output::table;
use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use closedloop_app::Viewer;
use closedloop_app::travelers::{ListTravelers, list_travelers};
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum TravelersCommand {
    /// List travelers. Names, document numbers, phones, birth dates, addresses, health,
    /// special needs, family groups and notes are masked unless --reveal is given.
    List(ListArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ListFormat {
    Table,
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only travelers of this flight or train number.
    #[arg(long, value_name = "FLIGHT")]
    pub arrival: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
    /// Show personal data unmasked (for roles that need it).
    #[arg(long)]
    pub reveal: bool,
}

pub fn run(ctx: &Ctx, cmd: TravelersCommand) -> Result<ExitCode> {
    let TravelersCommand::List(args) = cmd;
    let req = ListTravelers {
        arrival: args.arrival.clone(),
        viewer: if args.reveal {
            Viewer::SHELL_REVEAL
        } else {
            Viewer::ANONYMOUS
        },
    };
    let records = list_travelers(ctx, &req)?;
    match args.format {
        ListFormat::Json => println!("{}", serde_json::to_string_pretty(&records)?),
        ListFormat::Csv => {
            // Cells a spreadsheet would run as formulas are written with a quote in front.
            let mut w = closedloop_intake::export::SafeCsv::from_writer(std::io::stdout().lock());
            for r in &records {
                w.serialize(r)?;
            }
            w.flush()?;
        }
        ListFormat::Table => {
            let header = [
                ctx.t("arrival", "航班/车次"),
                ctx.t("date", "日期"),
                ctx.t("port", "口岸"),
                ctx.t("name", "姓名"),
                ctx.t("sex", "性别"),
                ctx.t("nationality", "国籍"),
                ctx.t("document", "证件号码"),
                ctx.t("phone", "电话"),
                ctx.t("health", "健康状况"),
                ctx.t("destination", "去向"),
                ctx.t("needs", "特殊需求"),
            ];
            let rows: Vec<Vec<String>> = records
                .iter()
                .map(|r| {
                    vec![
                        r.transport_no.clone(),
                        r.service_date.to_string(),
                        r.port_code.clone(),
                        r.full_name.to_string(),
                        r.sex.to_string(),
                        r.nationality.clone(),
                        r.document_number.to_string(),
                        r.phone
                            .as_ref()
                            .map(ToString::to_string)
                            .unwrap_or_default(),
                        r.health
                            .as_ref()
                            .map(ToString::to_string)
                            .unwrap_or_default(),
                        r.destination_kind.to_string(),
                        r.special_needs.to_string(),
                    ]
                })
                .collect();
            print!("{}", table(&header, &rows));
            eprintln!("{} {}", records.len(), ctx.t("traveler(s)", "名旅客"));
        }
    }
    Ok(ExitCode::SUCCESS)
}
