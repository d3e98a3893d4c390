use super::Ctx;
use crate::output::progress_bar;
use anyhow::{Context, Result};
use clap::Args;
use closedloop_domain::arrival::{Arrival, TransportNumber};
use closedloop_domain::manifest::ManifestChunk;
use closedloop_intake::manifest::{IntakeError, IntakeOptions, Manifest, read_manifest_in_chunks};
use closedloop_intake::problem::{Problem, RowError};
use closedloop_intake::rejected::{rejected_path, write_rejected};
use closedloop_store::Store;
use closedloop_store::intake::{Conflict, Totals};
use serde::Serialize;
use std::path::{Path, PathBuf};
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

/// What `import --json` prints.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub file: String,
    pub format: String,
    pub rows: usize,
    pub imported: usize,
    pub unchanged: usize,
    pub rejected: usize,
    pub arrivals: usize,
    pub arrivals_created: usize,
    pub rejected_file: Option<String>,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

pub fn run(ctx: &Ctx, args: &ImportArgs) -> Result<ExitCode> {
    let store = ctx.store()?;
    let (summary, ok) = import_file(ctx, &store, args)?;
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

fn print_summary(ctx: &Ctx, s: &Summary, ok: bool) {
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

/// Reads, validates and stores one manifest. Returns the summary and whether it was accepted.
pub fn import_file(ctx: &Ctx, store: &Store, args: &ImportArgs) -> Result<(Summary, bool)> {
    let transport = args
        .arrival
        .as_deref()
        .map(TransportNumber::parse)
        .transpose()
        .context("--arrival")?;
    let fallback_arrival = match &transport {
        Some(t) => {
            let found = store.arrivals_by_transport(t.as_str())?;
            // Only an unambiguous stored arrival may stand in for what the file leaves out.
            (found.len() == 1).then(|| Arrival {
                transport: t.clone(),
                port_code: found[0].port_code.clone(),
                scheduled_at: found[0].scheduled_at,
                actual_at: None,
            })
        }
        None => None,
    };
    let opts = IntakeOptions {
        ports: &ctx.config.ports,
        policy: Some(&ctx.config.policy),
        default_country_code: ctx.config.default_country_code.clone(),
        transport_override: transport,
        fallback_arrival,
    };
    let file_name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let started = std::time::Instant::now();
    let bar = progress_bar(None, ctx.t("importing", "导入中"));
    let mut read: Option<Result<Manifest, IntakeError>> = None;
    // Reading and checking run on their own thread, a chunk ahead of the storing: the
    // transaction commits only after the whole file has been judged.
    let (outcome, _) = std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<ManifestChunk>(2);
        let reader = s.spawn(move || {
            read_manifest_in_chunks(&args.file, &opts, &mut |chunk| {
                // A closed channel means the store gave up; its error is reported instead.
                let _ = tx.send(chunk);
            })
        });
        let close = || {
            let result = reader
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            let verdict = match &result {
                Ok(m) if m.rejected.is_empty() || args.accept_valid => Ok(Totals {
                    format: m.format.clone(),
                    rows_total: m.data_rows,
                    rows_rejected: m.rejected.len(),
                }),
                _ => Err(()),
            };
            read = Some(result);
            verdict
        };
        store.import_stream(&file_name, args.accept_valid, rx.iter(), close, &mut |n| {
            bar.set_position(n as u64)
        })
    })?;
    bar.finish_and_clear();
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        rows = outcome.inserted,
        "imported"
    );
    let manifest = match read.expect("the reader was joined") {
        Ok(m) => m,
        Err(e) => anyhow::bail!(e.message(ctx.lang)),
    };

    let conflicts = conflict_errors(&manifest, &outcome.conflicts);
    let mut errors: Vec<String> = manifest.errors().map(|e| e.message(ctx.lang)).collect();
    errors.extend(conflicts.iter().map(|e| e.message(ctx.lang)));
    let mut summary = Summary {
        file: args.file.display().to_string(),
        format: manifest.format.clone(),
        rows: manifest.data_rows,
        imported: outcome.inserted,
        unchanged: outcome.unchanged,
        rejected: manifest.rejected.len() + outcome.conflicts.len(),
        arrivals: manifest.arrivals.len(),
        arrivals_created: outcome.arrivals_created,
        rejected_file: None,
        errors,
        warnings: manifest.warnings.clone(),
    };
    let refused = summary.rejected > 0 && !args.accept_valid;
    if refused {
        summary.imported = 0;
        summary.arrivals_created = 0;
        return Ok((summary, false));
    }
    if summary.rejected > 0 {
        let path = rejected_path(&args.file);
        let extra: Vec<(usize, String)> = conflicts
            .iter()
            .map(|e| (e.row, e.problem.message(ctx.lang)))
            .collect();
        write_rejected(&path, &manifest, &extra, ctx.lang)
            .with_context(|| format!("cannot write the rejected rows to {}", path.display()))?;
        summary.rejected_file = Some(path.display().to_string());
    }
    Ok((summary, true))
}

fn conflict_errors(manifest: &Manifest, conflicts: &[Conflict]) -> Vec<RowError> {
    let column = manifest
        .header
        .iter()
        .find(|h| {
            closedloop_intake::columns::Field::recognise(h)
                == Some(closedloop_intake::columns::Field::DocumentNumber)
        })
        .cloned()
        .unwrap_or_else(|| "document number".into());
    conflicts
        .iter()
        .map(|c| RowError {
            sheet: None,
            row: c.row,
            column: column.clone(),
            problem: Problem::Conflict {
                transport: c.existing_transport.clone(),
                date: c.existing_date,
                row: c.existing_row,
            },
        })
        .collect()
}

/// For `bench` and `demo`: import without printing.
pub fn import_quiet(
    ctx: &Ctx,
    store: &Store,
    file: &Path,
    accept_valid: bool,
) -> Result<(Summary, bool)> {
    let args = ImportArgs {
        file: file.to_path_buf(),
        accept_valid,
        arrival: None,
        json: false,
    };
    import_file(ctx, store, &args)
}
