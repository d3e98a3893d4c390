//! A manifest uploaded as bytes (the web service's import): read by its format, judged by the
//! same intake rules as a file, stored all rows or none — or, with `accept_valid`, the valid
//! rows stored and the refused ones kept in the store (cells and errors) in the same
//! transaction, for the desk to correct one by one. A corrected row is judged again by the
//! same rules, under its sheet's own header and arrival block, and stored or refused again.

use crate::accounts::{Caller, audit};
use crate::context::App;
use crate::error::{AppError, AppResult, Fault};
use crate::import::{conflict_errors, intake_options};
use crate::mask::{PersonalField, Shown, Viewer};
use chrono::Utc;
use closedloop_domain::Lang;
use closedloop_domain::manifest::ManifestChunk;
use closedloop_intake::IntakeError;
use closedloop_intake::columns::Field;
use closedloop_intake::manifest::{Manifest, parse_grids};
use closedloop_intake::problem::RowError;
use closedloop_intake::source::{self, Cell, Grid, SourceError};
use closedloop_store::intake::{Conflict, Totals, import_stream_on};
use closedloop_store::uploads::{self, NewUpload};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

mod fix;
mod kept;

pub use fix::{Fix, Fixed, judge_fix, store_fix};
use kept::{Head, cells_of, header_of, heads, json, kept_row, original_cells};

/// The kinds of file an upload may be, as its `Content-Type` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadFormat {
    /// CSV in UTF-8 (a BOM or none), UTF-16 with a BOM, or GB18030.
    Csv,
    Xlsx,
    JsonLines,
}

/// An uploaded manifest.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The file's name, for messages and the import record.
    pub name: String,
    pub format: UploadFormat,
    pub bytes: Vec<u8>,
    pub accept_valid: bool,
    /// The flight or train of the whole file.
    pub arrival: Option<String>,
}

/// One problem of one row, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowFault {
    /// The sheet, for workbooks of several sheets.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sheet: Option<String>,
    pub row: usize,
    /// The column's header as the file wrote it.
    pub field: String,
    pub code: String,
    pub en: String,
    pub zh: String,
}

impl From<&RowError> for RowFault {
    fn from(e: &RowError) -> RowFault {
        RowFault {
            sheet: e.sheet.clone(),
            row: e.row,
            field: e.column.clone(),
            code: e.problem.code().to_string(),
            en: e.message(Lang::En),
            zh: e.message(Lang::ZhCn),
        }
    }
}

/// The upload read and judged, nothing stored yet.
pub struct Judged {
    upload: Upload,
    grids: Vec<Grid>,
    manifest: Manifest,
}

impl Judged {
    /// Every row error of the file (the store's conflicts come later).
    pub fn errors(&self) -> Vec<RowFault> {
        self.manifest.errors().map(RowFault::from).collect()
    }

    /// Whether the store may be asked: the file has no bad row, or the valid ones are wanted.
    pub fn acceptable(&self) -> bool {
        self.manifest.rejected.is_empty() || self.upload.accept_valid
    }
}

/// What an upload did.
#[derive(Debug, Clone, Serialize)]
pub struct UploadSummary {
    /// The upload, whose refused rows `GET /api/imports/{id}/rejected` lists.
    pub id: i64,
    pub file: String,
    pub format: String,
    pub rows: usize,
    pub imported: usize,
    pub unchanged: usize,
    pub rejected: usize,
    pub arrivals_created: usize,
    pub errors: Vec<RowFault>,
    pub warnings: Vec<String>,
}

/// Reads the bytes by their format and judges every row; a file that cannot be read at all
/// (no header, not the format named, empty) is an error naming why.
pub fn judge(app: &App, upload: Upload) -> AppResult<Judged> {
    let name = upload.name.clone();
    if upload.bytes.is_empty() {
        return Err(IntakeError::from(SourceError::Empty { file: name }).into());
    }
    let grids = match upload.format {
        UploadFormat::Csv => source::read_csv_bytes(&name, &upload.bytes).map(|g| vec![g]),
        UploadFormat::JsonLines => source::read_jsonl_bytes(&name, &upload.bytes).map(|g| vec![g]),
        UploadFormat::Xlsx => source::read_spreadsheet_bytes(&name, &upload.bytes),
    }
    .map_err(IntakeError::from)?;
    let opts = intake_options(app, upload.arrival.as_deref())?;
    let manifest = parse_grids(&name, &grids, &opts)?;
    Ok(Judged {
        upload,
        grids,
        manifest,
    })
}

/// Stores a judged upload: its valid rows (all of them, or with `accept_valid` those not
/// refused) and, in the same transaction, the upload with its refused rows.
pub fn store(app: &App, judged: Judged, caller: Option<&Caller>) -> AppResult<UploadSummary> {
    if !judged.acceptable() {
        return Err(rows_refused(&judged.errors()));
    }
    let Judged {
        upload,
        grids,
        manifest,
    } = judged;
    let mut conn = app.conn()?;
    let totals = Totals {
        format: manifest.format.clone(),
        rows_total: manifest.data_rows,
        rows_rejected: manifest.rejected.len(),
    };
    let chunk = ManifestChunk {
        arrivals: manifest.arrivals.clone(),
        rows: manifest.rows.clone(),
        doomed: false,
    };
    let (outcome, id, conflicts) =
        closedloop_store::guarded::write(&mut conn, |conn| -> AppResult<_> {
            let (outcome, _) = import_stream_on(
                conn,
                &upload.name,
                upload.accept_valid,
                std::iter::once(chunk),
                |_: &[Conflict]| Ok::<_, ()>(totals.clone()),
                &mut |_| {},
            )?;
            let conflicts = conflict_errors(&manifest, &outcome.conflicts);
            if !upload.accept_valid && !conflicts.is_empty() {
                let faults: Vec<RowFault> = conflicts.iter().map(RowFault::from).collect();
                return Err(rows_refused(&faults));
            }
            let mut kept = Vec::new();
            for r in &manifest.rejected {
                let cells = original_cells(&grids, r.sheet.as_deref(), r.row);
                kept.push(kept_row(r.sheet.as_deref(), r.row, cells, &r.errors)?);
            }
            for c in &conflicts {
                let cells = original_cells(&grids, c.sheet.as_deref(), c.row);
                kept.push(kept_row(
                    c.sheet.as_deref(),
                    c.row,
                    cells,
                    std::slice::from_ref(c),
                )?);
            }
            let id = uploads::insert(
                conn,
                &NewUpload {
                    file_name: upload.name.clone(),
                    format: manifest.format.clone(),
                    transport: upload.arrival.clone(),
                    head_json: json(&heads(&grids))?,
                    account_id: caller.map(|c| c.account),
                    uploaded_at: Utc::now().naive_utc(),
                },
                &kept,
            )?;
            Ok((outcome, id, conflicts))
        })?;
    let errors = manifest
        .errors()
        .chain(conflicts.iter())
        .map(RowFault::from)
        .collect();
    Ok(UploadSummary {
        id,
        file: upload.name,
        format: manifest.format.clone(),
        rows: manifest.data_rows,
        imported: outcome.inserted,
        unchanged: outcome.unchanged,
        rejected: manifest.rejected.len() + outcome.conflicts.len(),
        arrivals_created: outcome.arrivals_created,
        errors,
        warnings: manifest.warnings.clone(),
    })
}

/// Rows of a file refused without `accept_valid`: the first named, every one in the text
/// (the web service lists them one by one beside it).
pub fn rows_refused(errors: &[RowFault]) -> AppError {
    let first = errors.first();
    let en: Vec<&str> = errors.iter().map(|e| e.en.as_str()).collect();
    let zh: Vec<&str> = errors.iter().map(|e| e.zh.as_str()).collect();
    let fault = Fault::new(
        "manifest_rows_refused",
        format!(
            "{} row error(s), nothing was imported (import the valid rows with accept_valid): {}",
            errors.len(),
            en.join("; ")
        ),
        format!(
            "共 {} 处行错误，未导入任何数据（可用 accept_valid 导入有效行）：{}",
            errors.len(),
            zh.join("；")
        ),
    );
    AppError::Invalid(match first {
        Some(e) => fault.at(format!("row {}", e.row)),
        None => fault,
    })
}

/// The personal field a column holds, as the masking policy names it. A column intake does not
/// know may hold anything: it is free text.
fn personal(header: &str) -> Option<PersonalField> {
    match Field::recognise(header) {
        Some(Field::Name) => Some(PersonalField::Name),
        Some(Field::DocumentNumber) => Some(PersonalField::Document),
        Some(Field::Phone) => Some(PersonalField::Phone),
        Some(Field::BirthDate) => Some(PersonalField::BirthDate),
        Some(Field::DestinationAddress) => Some(PersonalField::Address),
        Some(Field::Health) => Some(PersonalField::Health),
        Some(Field::SpecialNeeds) => Some(PersonalField::SpecialNeeds),
        Some(Field::FamilyGroup) => Some(PersonalField::FamilyGroup),
        Some(Field::Notes) | None => Some(PersonalField::FreeText),
        Some(_) => None,
    }
}

/// One refused row as the desk sees it.
#[derive(Debug, Clone, Serialize)]
pub struct RejectedView {
    /// The row's place in the upload (its sheet's position, then its row number): the order
    /// of the listing and its cursor.
    #[serde(skip)]
    pub key: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    pub row: i64,
    /// The row's values by column header, personal ones masked unless the role reads them.
    pub fields: BTreeMap<String, Shown<String>>,
    pub errors: Vec<RowFault>,
}

fn heads_of(upload: &uploads::StoredUpload) -> AppResult<BTreeMap<String, Head>> {
    serde_json::from_str(&upload.head_json).map_err(|e| {
        AppError::invalid("upload_unreadable", e.to_string(), format!("无法读取：{e}"))
    })
}

fn head_of(upload: &uploads::StoredUpload, sheet: &str) -> AppResult<Head> {
    heads_of(upload)?
        .remove(sheet)
        .ok_or_else(|| sheet_unknown(sheet))
}

fn sheet_unknown(sheet: &str) -> AppError {
    AppError::Invalid(
        Fault::new(
            "upload_sheet_unknown",
            format!("the upload has no sheet {sheet:?}"),
            format!("该上传文件没有工作表 {sheet:?}"),
        )
        .at("sheet"),
    )
}

fn not_found(what: String, zh: String) -> AppError {
    AppError::NotFound(Fault::new("upload_not_found", what, zh))
}

fn load_upload(
    conn: &mut closedloop_store::DbConnection,
    id: i64,
) -> AppResult<uploads::StoredUpload> {
    uploads::upload(conn, id)?
        .ok_or_else(|| not_found(format!("no upload {id}"), format!("没有编号为 {id} 的上传")))
}

/// The rows of upload `id` still refused, masked for `caller`; an answer that shows personal
/// fields is written to the audit log first.
pub fn rejected(app: &App, caller: &Caller, id: i64) -> AppResult<Vec<RejectedView>> {
    let mut conn = app.conn()?;
    let upload = load_upload(&mut conn, id)?;
    let rows = uploads::rejected(&mut conn, id)?;
    drop(conn);
    let viewer = Viewer(Some(caller.role));
    let mut shown = BTreeSet::new();
    let mut out = Vec::with_capacity(rows.len());
    let heads = heads_of(&upload)?;
    for r in rows {
        let (ordinal, head) = heads
            .iter()
            .enumerate()
            .find(|(_, (name, _))| **name == r.sheet)
            .map(|(i, (_, h))| (i as i64, h))
            .ok_or_else(|| sheet_unknown(&r.sheet))?;
        let header = header_of(head);
        let cells = cells_of(&r)?;
        let mut fields = BTreeMap::new();
        for (i, h) in header.iter().enumerate() {
            let value = cells.get(i).map(|c| Cell::from(c).as_text().into_owned());
            let value = value.unwrap_or_default();
            let v = match personal(h) {
                Some(f) if !value.is_empty() => {
                    let v = viewer.field(f, value);
                    if v.is_shown() {
                        shown.insert(audit::field_code(f));
                    }
                    v
                }
                _ => Shown::Value(value),
            };
            fields.insert(h.clone(), v);
        }
        let errors = serde_json::from_str(&r.errors_json).unwrap_or_default();
        out.push(RejectedView {
            key: (ordinal << 32) | r.row,
            sheet: (!r.sheet.is_empty()).then(|| r.sheet.clone()),
            row: r.row,
            fields,
            errors,
        });
    }
    if !shown.is_empty() {
        audit::objects_read(
            app,
            caller,
            "GET /api/imports/{id}/rejected",
            "manifest_upload",
            &[id],
            &shown,
            Utc::now(),
        )?;
    }
    Ok(out)
}
