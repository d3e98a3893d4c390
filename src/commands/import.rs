use super::Ctx;
use crate::output::progress_bar;
use anyhow::Result;
use clap::Args;
use closedloop_app::import::{self, ImportOutcome, ImportRequest, ImportSummary};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The manifest: .csv/.tsv/.txt (UTF-8 or GB18030), .xlsx/.xls/.ods, or .jsonl.
    pub file: PathBuf,
    /// Import the valid rows even if some are invalid; rejected rows and their reasons go to
    /// FILE.rejected.csv next to the input.
    #[arg(long)]
    pub accept_valid: bool,
    /// The flight or train number of the whole file (overrides any in the file). If the file
    /// gives no port or time, those of the stored arrival with this number are used.
    #[arg(long, value_name = "FLIGHT")]
    pub arrival: Option<String>,
    /// Print the outcome as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, args: &ImportArgs) -> Result<ExitCode> {
    let req = ImportRequest {
        file: args.file.clone(),
        accept_valid: args.accept_valid,
        arrival: args.arrival.clone(),
        lang: ctx.lang,
    };
    let bar = progress_bar(None, ctx.t("importing", "导入中"));
    let out = import::import(ctx, &req, &mut |n| bar.set_position(n as u64));
    bar.finish_and_clear();
    let ImportOutcome {
        summary,
        accepted: ok,
    } = out?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        for w in &summary.warnings {
            eprintln!("{}: {w}", ctx.t("warning", "警告"));
        }
        for e in &summary.errors {
            eprintln!("{e}");
        }
        print_summary(ctx, &summary, ok);
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn print_summary(ctx: &Ctx, s: &ImportSummary, ok: bool) {
    if !ok {
        eprintln!(
            "{}",
            match ctx.lang {
                closedloop_domain::Lang::En => format!(
                    "{}: {} of {} rows invalid; nothing was imported (fix them, or use --accept-valid)",
                    s.file, s.rejected, s.rows
                ),
                closedloop_domain::Lang::ZhCn => format!(
                    "{}：{} 行中有 {} 行无效；未导入任何数据（请更正，或使用 --accept-valid）",
                    s.file, s.rows, s.rejected
                ),
            }
        );
        return;
    }
    match ctx.lang {
        closedloop_domain::Lang::En => println!(
            "{}: {} rows — {} imported, {} already present, {} rejected; {} arrival(s), {} new",
            s.file, s.rows, s.imported, s.unchanged, s.rejected, s.arrivals, s.arrivals_created
        ),
        closedloop_domain::Lang::ZhCn => println!(
            "{}：共 {} 行 — 导入 {}，已存在 {}，拒绝 {}；航班/车次 {} 个，新增 {}",
            s.file, s.rows, s.imported, s.unchanged, s.rejected, s.arrivals, s.arrivals_created
        ),
    }
    if let Some(f) = &s.rejected_file {
        println!(
            "{}: {f}",
            ctx.t("rejected rows written to", "被拒绝的行已写入")
        );
    }
}

/// For `bench` and `demo`: import without printing.
#[cfg(any(feature = "bench", feature = "demo"))]
pub fn import_quiet(
    ctx: &Ctx,
    store: &closedloop_store::Store,
    file: &std::path::Path,
    accept_valid: bool,
) -> Result<(ImportSummary, bool)> {
    let app = closedloop_app::App::with_store(ctx.config.clone(), store.clone())?;
    let req = ImportRequest {
        file: file.to_path_buf(),
        accept_valid,
        arrival: None,
        lang: ctx.lang,
    };
    let out = import::import(&app, &req, &mut |_| {})?;
    Ok((out.summary, out.accepted))
}
