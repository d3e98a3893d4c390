//! Importing a manifest: the file read and checked on its own thread a chunk ahead of the
//! store's one transaction, the stored arrival standing in for what the file leaves out,
//! conflicts with stored travelers as row errors, and the rejected-rows file — written before
//! the transaction commits, so that an import whose rejected rows cannot be written stores
//! nothing.

use crate::context::App;
use crate::error::{AppError, AppResult};
use closedloop_domain::Lang;
use closedloop_domain::arrival::Arrival;
use closedloop_domain::manifest::ManifestChunk;
use closedloop_intake::columns::Field;
use closedloop_intake::manifest::{IntakeError, IntakeOptions, Manifest, read_manifest_in_chunks};
use closedloop_intake::problem::{Problem, RowError, summarize};
use closedloop_intake::rejected::{rejected_path, write_rejected};
use closedloop_store::intake::{Conflict, Totals};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Import one manifest file.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub file: PathBuf,
    /// Store the valid rows even if some are refused; the refused go to `FILE.rejected.csv`.
    pub accept_valid: bool,
    /// The flight or train number of the whole file (overrides any in it).
    pub arrival: Option<String>,
    /// The language of the error lines and of the rejected-rows file.
    pub lang: Lang,
}

/// What `import --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct ImportSummary {
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

/// The summary, and whether the file was accepted (nothing is stored when it is not).
#[derive(Debug, Clone, Serialize)]
pub struct ImportOutcome {
    #[serde(flatten)]
    pub summary: ImportSummary,
    #[serde(skip)]
    pub accepted: bool,
}

/// Reads, checks and stores one manifest, all rows or none (or the valid ones with
/// `accept_valid`). `progress` hears the number of rows stored so far.
pub fn import(
    app: &App,
    req: &ImportRequest,
    progress: &mut dyn FnMut(usize),
) -> AppResult<ImportOutcome> {
    let store = app.store()?;
    let opts = intake_options(app, req.arrival.as_deref())?;
    let file_name = req
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let started = std::time::Instant::now();
    let mut read: Option<Result<Manifest, IntakeError>> = None;
    let rejected_file = rejected_path(&req.file);
    let mut written = false;
    // Reading and checking run on their own thread, a chunk ahead of the storing: the
    // transaction commits only after the whole file has been judged.
    let (outcome, verdict) = std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<ManifestChunk>(2);
        let reader = s.spawn(move || {
            read_manifest_in_chunks(&req.file, &opts, &mut |chunk| {
                // A closed channel means the store gave up; its error is reported instead.
                let _ = tx.send(chunk);
            })
        });
        let close = |conflicts: &[Conflict]| {
            let result = reader
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            let verdict = match &result {
                Ok(m) if m.rejected.is_empty() || req.accept_valid => {
                    if req.accept_valid && !(m.rejected.is_empty() && conflicts.is_empty()) {
                        let extra: Vec<(usize, String)> = conflict_errors(m, conflicts)
                            .iter()
                            .map(|e| (e.row, e.problem.message(req.lang)))
                            .collect();
                        write_rejected(&rejected_file, m, &extra, req.lang).map_err(Some)?;
                        written = true;
                    }
                    Ok(Totals {
                        format: m.format.clone(),
                        rows_total: m.data_rows,
                        rows_rejected: m.rejected.len(),
                    })
                }
                _ => Err(None),
            };
            read = Some(result);
            verdict
        };
        store.import_stream(&file_name, req.accept_valid, rx.iter(), close, progress)
    })
    .inspect_err(|_| {
        // The commit failed after the file was written: it describes an import that did not
        // happen.
        if written {
            let _ = std::fs::remove_file(&rejected_file);
        }
    })?;
    if let Err(Some(e)) = verdict {
        return Err(unwritable(&rejected_file, &e));
    }
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        rows = outcome.inserted,
        "imported"
    );
    let manifest = match read {
        Some(Ok(m)) => m,
        Some(Err(e)) => return Err(e.into()),
        None => {
            return Err(AppError::invalid(
                "manifest_unreadable",
                "the manifest was not read to its end",
                "清单未能读完",
            ));
        }
    };

    let conflicts = conflict_errors(&manifest, &outcome.conflicts);
    // Forty rows with one problem read as one line naming the rows.
    let all: Vec<RowError> = manifest
        .errors()
        .cloned()
        .chain(conflicts.iter().cloned())
        .collect();
    let errors = summarize(&all, req.lang);
    let mut summary = ImportSummary {
        file: req.file.display().to_string(),
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
    if summary.rejected > 0 && !req.accept_valid {
        summary.imported = 0;
        summary.arrivals_created = 0;
        return Ok(ImportOutcome {
            summary,
            accepted: false,
        });
    }
    if written {
        summary.rejected_file = Some(rejected_file.display().to_string());
    }
    Ok(ImportOutcome {
        summary,
        accepted: true,
    })
}

/// What intake needs besides the file, from the configuration and the store: `arrival` (the
/// flight or train of the whole file) and, when exactly one such arrival is stored, its port
/// and time standing in for what the file leaves out. One place for the file and the upload.
pub(crate) fn intake_options<'a>(
    app: &'a App,
    arrival: Option<&str>,
) -> AppResult<IntakeOptions<'a>> {
    let store = app.store()?;
    let config = &app.config;
    let transport = crate::parse::transport("arrival", arrival)?;
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
    Ok(IntakeOptions {
        ports: &config.ports,
        policy: Some(&config.policy),
        default_country_code: config.default_country_code.clone(),
        transport_override: transport,
        fallback_arrival,
        limits: config.intake.limits(chrono::Utc::now().date_naive()),
    })
}

/// The rejected-rows file could not be written: the import was rolled back.
fn unwritable(path: &Path, e: &std::io::Error) -> AppError {
    let path = path.display();
    AppError::invalid(
        "rejected_file_unwritable",
        format!("the rejected rows cannot be written to {path} ({e}); nothing was imported"),
        format!("无法将被拒绝的行写入 {path}（{e}）；未导入任何数据"),
    )
}

/// Conflicts with stored travelers, as errors of the document number column.
pub(crate) fn conflict_errors(manifest: &Manifest, conflicts: &[Conflict]) -> Vec<RowError> {
    let column = manifest
        .header
        .iter()
        .find(|h| Field::recognise(h) == Some(Field::DocumentNumber))
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
