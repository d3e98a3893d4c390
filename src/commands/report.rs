//! `closedloop report daily`: the daily report (日通报) of one local day — arrivals, batches,
//! person-trips, releases, how many are in hotel quarantine, at home and in hospital,
//! incidents, zero infection — after `ledger verify` passed, as a table, JSON or an XLSX
//! workbook in the desk's language (`--lang`).

use super::Ctx;
use crate::output::table;
use anyhow::Result;
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use closedloop_app::AppError;
use closedloop_app::report::{self, DailyReport, labels, xlsx};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The daily report (日通报) of one local day: counts only, no personal data. Refused if
    /// `ledger verify` fails. An XLSX workbook needs --out FILE, or standard output redirected
    /// to a file or a pipe: it is never written to a terminal.
    Daily(DailyArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Table,
    Json,
    Xlsx,
}

#[derive(Debug, Args)]
pub struct DailyArgs {
    /// The local day (default: yesterday, the day whose counts are due this morning).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<NaiveDate>,
    /// table (default), json ({"date", "arrivals", "batches", "person_trips", "standing", …};
    /// docs/report.md) or xlsx (a workbook in the language of --lang).
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
    /// Write to FILE (replaced whole, never half-written) instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub fn run(ctx: &Ctx, cmd: ReportCommand) -> Result<ExitCode> {
    let ReportCommand::Daily(a) = cmd;
    // Refused before anything is read: binary bytes would garble the terminal.
    if a.format == ReportFormat::Xlsx && a.out.is_none() && std::io::stdout().is_terminal() {
        return Err(AppError::invalid(
            "binary_to_terminal",
            "the XLSX workbook is binary: give --out FILE, or redirect standard output to a file",
            "XLSX 工作簿是二进制文件：请用 --out FILE 指定文件，或将标准输出重定向到文件",
        )
        .with_field("out")
        .into());
    }
    let r = match report::daily(ctx, a.date) {
        Ok(r) => r,
        Err(e) if e.code() == report::LEDGER_MISMATCH => {
            let code = crate::fail::report(&anyhow::Error::from(e), ctx.lang);
            eprintln!(
                "{}",
                ctx.t(
                    "run `closedloop ledger verify`: it names what was edited",
                    "请运行 `closedloop ledger verify`：它会指出被改动的记录",
                )
            );
            return Ok(code);
        }
        Err(e) => return Err(e.into()),
    };
    let bytes = match a.format {
        ReportFormat::Table => text(ctx, &r).into_bytes(),
        ReportFormat::Json => {
            let mut j = serde_json::to_vec_pretty(&r)?;
            j.push(b'\n');
            j
        }
        ReportFormat::Xlsx => xlsx::to_xlsx(&r, ctx.lang)?,
    };
    match &a.out {
        Some(out) => {
            write_whole(out, &bytes)?;
            eprintln!(
                "{} {}",
                ctx.t("daily report written to", "日通报已写入"),
                out.display()
            );
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(&bytes)?;
            stdout.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The report's tables as the terminal shows them.
fn text(ctx: &Ctx, r: &DailyReport) -> String {
    let mut out = String::new();
    for sheet in labels::sheets(r, ctx.lang) {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&sheet.title);
        out.push('\n');
        let rows: Vec<Vec<String>> = sheet
            .rows
            .iter()
            .map(|cells| cells.iter().map(labels::Cell::text).collect())
            .collect();
        out.push_str(&table(&sheet.header, &rows));
    }
    out
}

/// Writes `bytes` to a temporary file beside `out`, then renames it over `out`: a reader sees
/// the old file or the new one, never part of one.
fn write_whole(out: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let io = |e: std::io::Error| AppError::io(out, e);
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(out).map_err(|e| io(e.error))?;
    Ok(())
}
