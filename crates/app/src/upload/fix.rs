//! A refused row sent back corrected: judged again by the same rules under its sheet's head
//! and the upload's arrival, then stored and removed from the refused in one transaction.

use super::kept::{KeptCell, cells_of, grid_of, header_of};
use super::{RowFault, head_of, load_upload, not_found, rows_refused};
use crate::context::App;
use crate::error::{AppError, AppResult, Fault};
use crate::import::{conflict_errors, intake_options};
use closedloop_domain::manifest::ManifestChunk;
use closedloop_intake::manifest::{Manifest, parse_grids};
use closedloop_intake::source::{Cell, Row};
use closedloop_store::intake::{Conflict, Totals, import_stream_on};
use closedloop_store::uploads;
use serde::Serialize;
use std::collections::BTreeMap;

/// A refused row corrected: the values that change, by column header.
#[derive(Debug, Clone, Serialize)]
pub struct Fix {
    pub upload: i64,
    /// For a workbook of several sheets, the sheet of the row.
    pub sheet: Option<String>,
    pub row: i64,
    pub fields: BTreeMap<String, String>,
}

/// What a stored correction did.
#[derive(Debug, Clone, Serialize)]
pub struct Fixed {
    pub upload: i64,
    pub row: i64,
    pub imported: usize,
    pub unchanged: usize,
    /// Rows of the upload still refused.
    pub remaining: usize,
}

/// The corrected row judged, nothing stored: the manifest of one row, or its errors.
pub fn judge_fix(app: &App, fix: &Fix) -> AppResult<(Manifest, Vec<RowFault>)> {
    let mut conn = app.conn()?;
    let upload = load_upload(&mut conn, fix.upload)?;
    let sheet = fix.sheet.clone().unwrap_or_default();
    let stored = uploads::rejected(&mut conn, fix.upload)?
        .into_iter()
        .find(|r| r.sheet == sheet && r.row == fix.row)
        .ok_or_else(|| {
            not_found(
                format!("upload {} has no refused row {}", fix.upload, fix.row),
                format!("上传 {} 中没有被拒绝的第 {} 行", fix.upload, fix.row),
            )
        })?;
    drop(conn);
    let head = head_of(&upload, &sheet)?;
    let header = header_of(&head);
    let mut cells = cells_of(&stored)?;
    for (column, value) in &fix.fields {
        let Some(i) = header.iter().position(|h| h == column) else {
            return Err(AppError::Invalid(
                Fault::new(
                    "upload_column_unknown",
                    format!("the file has no column {column:?}"),
                    format!("该文件没有 {column:?} 列"),
                )
                .at(format!("fields.{column}")),
            ));
        };
        if cells.len() <= i {
            cells.resize(i + 1, KeptCell::Empty);
        }
        cells[i] = KeptCell::Text(value.clone());
    }
    let row = Row {
        number: fix.row as usize,
        cells: cells.iter().map(Cell::from).collect(),
    };
    let opts = intake_options(app, upload.transport.as_deref())?;
    let manifest = parse_grids(&upload.file_name, &[grid_of(&head, row)], &opts)?;
    // The rebuilt grid is one sheet: errors name the upload's sheet as the listing did.
    let errors = manifest
        .errors()
        .map(|e| RowFault {
            sheet: fix.sheet.clone(),
            ..RowFault::from(e)
        })
        .collect();
    Ok((manifest, errors))
}

/// Stores a corrected row and removes it from the refused, in one transaction; refused again
/// (nothing changed) while it still breaks a rule or names a traveler of another arrival.
pub fn store_fix(app: &App, fix: &Fix) -> AppResult<Fixed> {
    let (manifest, errors) = judge_fix(app, fix)?;
    if !errors.is_empty() {
        return Err(rows_refused(&errors));
    }
    let upload_name = {
        let mut conn = app.conn()?;
        load_upload(&mut conn, fix.upload)?.file_name
    };
    let sheet = fix.sheet.clone().unwrap_or_default();
    let mut conn = app.conn()?;
    closedloop_store::guarded::write(&mut conn, |conn| -> AppResult<_> {
        if !uploads::remove_rejected(conn, fix.upload, &sheet, fix.row)? {
            return Err(not_found(
                format!("upload {} has no refused row {}", fix.upload, fix.row),
                format!("上传 {} 中没有被拒绝的第 {} 行", fix.upload, fix.row),
            ));
        }
        let chunk = ManifestChunk {
            arrivals: manifest.arrivals.clone(),
            rows: manifest.rows.clone(),
            doomed: false,
        };
        let totals = Totals {
            format: manifest.format.clone(),
            rows_total: 1,
            rows_rejected: 0,
        };
        let name = format!("{upload_name} (row {})", fix.row);
        let (outcome, _) = import_stream_on(
            conn,
            &name,
            false,
            std::iter::once(chunk),
            |_: &[Conflict]| Ok::<_, ()>(totals.clone()),
            &mut |_| {},
        )?;
        let conflicts = conflict_errors(&manifest, &outcome.conflicts);
        if !conflicts.is_empty() {
            let faults: Vec<RowFault> = conflicts.iter().map(RowFault::from).collect();
            return Err(rows_refused(&faults));
        }
        let remaining = uploads::rejected(conn, fix.upload)?.len();
        Ok(Fixed {
            upload: fix.upload,
            row: fix.row,
            imported: outcome.inserted,
            unchanged: outcome.unchanged,
            remaining,
        })
    })
}
