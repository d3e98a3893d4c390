//! The places the desk plans with: quarantine hotels and designated hospitals imported from
//! CSV (all rows or none; a code already stored is updated) and edited — a hotel opened,
//! closed, its rooms changed — and the ports' processing times (minutes from an arrival until
//! its travelers are ready to board), set by the desk or the default of the port's kind.

mod edit;
mod rows;

use crate::context::App;
use crate::error::{AppError, AppResult, Fault};
use closedloop_domain::Lang;
use closedloop_domain::excerpt::excerpt;
use closedloop_domain::geo::Coordinates;
use closedloop_domain::port::PortKind;
use closedloop_intake::source::{self, Grid};
use closedloop_store::places::{
    self as store, DesignatedHospital, PortTiming, QuarantineHotel, Stored, Upserted,
};
use serde::Serialize;
use std::path::PathBuf;

pub use edit::{
    EditHotel, HotelEdited, SetRooms, edit_hotel, hotel_version, set_hotel_open, set_hotel_rooms,
};
pub use rows::{HOSPITAL_COLUMNS, HOTEL_COLUMNS, MAX_ROOMS, Problem, RowProblem};

/// The longest processing time the desk may set: a day.
pub const MAX_PROCESSING_MINUTES: u32 = 24 * 60;

/// Minutes from arrival until travelers are ready to board, where the desk set none: customs,
/// the health declaration and sampling take longest at airports and seaports.
pub fn default_processing_minutes(kind: PortKind) -> u32 {
    match kind {
        PortKind::Airport => 120,
        PortKind::Seaport => 120,
        PortKind::Rail => 60,
        PortKind::Road => 60,
    }
}

/// Which places a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    Hotels,
    Hospitals,
}

/// Import one places file.
#[derive(Debug, Clone)]
pub struct ImportPlaces {
    pub file: PathBuf,
    /// The language of the problems' messages.
    pub lang: Lang,
}

/// One refused cell, as `--json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct ProblemView {
    pub row: usize,
    pub column: &'static str,
    /// The problem's stable code (`required`, `out_of_range`, …).
    pub code: &'static str,
    pub message: String,
}

/// What `hotels import --json` and `hospitals import --json` print.
#[derive(Debug, Clone, Serialize)]
pub struct PlacesImported {
    pub file: String,
    pub kind: PlaceKind,
    /// Data rows in the file.
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Every refused cell; when there is one, nothing was stored.
    pub problems: Vec<ProblemView>,
    pub warnings: Vec<String>,
    /// Whether the file was stored (it is not when any row is refused).
    #[serde(skip)]
    pub accepted: bool,
}

/// Imports a hotels file (`code,name_zh,name_en,address,lat,lon,rooms,accessible_rooms,
/// languages,open`): every row valid, or nothing stored.
pub fn import_hotels(app: &App, req: &ImportPlaces) -> AppResult<PlacesImported> {
    let grid = read_file(req)?;
    let read =
        rows::hotels(&grid).map_err(|p| header_error(p, &HOTEL_COLUMNS, PlaceKind::Hotels))?;
    finish_import(req, PlaceKind::Hotels, read, |places| {
        Ok(store::upsert_hotels(&mut *app.conn()?, places)?)
    })
}

/// Imports a hospitals file (`code,name_zh,name_en,address,lat,lon,designated`; `designated`
/// may be left out, then true): every row valid, or nothing stored.
pub fn import_hospitals(app: &App, req: &ImportPlaces) -> AppResult<PlacesImported> {
    let grid = read_file(req)?;
    let read = rows::hospitals(&grid)
        .map_err(|p| header_error(p, &HOSPITAL_COLUMNS, PlaceKind::Hospitals))?;
    finish_import(req, PlaceKind::Hospitals, read, |places| {
        Ok(store::upsert_hospitals(&mut *app.conn()?, places)?)
    })
}

/// The file's one table, through the intake crate's reader (UTF-8 with or without BOM,
/// GB18030, UTF-16; a workbook's first sheet).
fn read_file(req: &ImportPlaces) -> AppResult<Grid> {
    let grids = source::read_path(&req.file).map_err(|e| {
        let fault = Fault::new(e.code(), e.message(Lang::En), e.message(Lang::ZhCn));
        if e.is_not_found() {
            AppError::NotFound(fault)
        } else {
            AppError::Invalid(fault)
        }
    })?;
    grids.into_iter().next().ok_or_else(|| no_rows(req))
}

fn no_rows(req: &ImportPlaces) -> AppError {
    let f = req.file.display();
    AppError::invalid(
        "places_no_rows",
        format!("{f} has a header but no rows: nothing to import"),
        format!("{f} 只有表头，没有数据行：没有可导入的内容"),
    )
}

fn header_error(p: rows::HeaderProblem, columns: &[&str], kind: PlaceKind) -> AppError {
    let expected = columns.join(",");
    let what = match kind {
        PlaceKind::Hotels => ("hotels", "酒店"),
        PlaceKind::Hospitals => ("hospitals", "医院"),
    };
    match p {
        rows::HeaderProblem::Missing(missing) => AppError::invalid(
            "places_columns_missing",
            format!(
                "the {} file lacks the column(s) {}: its first row must name the columns {expected}; nothing was imported",
                what.0,
                missing.join(", ")
            ),
            format!(
                "{}文件缺少列 {}：第一行应为列名 {expected}；未导入任何数据",
                what.1,
                missing.join("、")
            ),
        )
        .with_field(&missing.join(",")),
        rows::HeaderProblem::Twice(column) => AppError::invalid(
            "places_column_twice",
            format!(
                "the {} file names the column {column:?} twice; nothing was imported",
                what.0
            ),
            format!("{}文件中“{column}”列出现两次；未导入任何数据", what.1),
        )
        .with_field(column),
    }
}

fn finish_import<T>(
    req: &ImportPlaces,
    kind: PlaceKind,
    read: rows::Read<T>,
    write: impl FnOnce(&[T]) -> AppResult<Upserted>,
) -> AppResult<PlacesImported> {
    if read.rows == 0 {
        return Err(no_rows(req));
    }
    let warnings = read
        .unknown_columns
        .iter()
        .map(|c| match req.lang {
            Lang::En => format!("column {} is not read", excerpt(c)),
            Lang::ZhCn => format!("未读取列 {}", excerpt(c)),
        })
        .collect();
    let mut out = PlacesImported {
        file: req.file.display().to_string(),
        kind,
        rows: read.rows,
        created: 0,
        updated: 0,
        unchanged: 0,
        problems: read
            .problems
            .iter()
            .map(|p| ProblemView {
                row: p.row,
                column: p.column,
                code: p.problem.code(),
                message: p.message(req.lang),
            })
            .collect(),
        warnings,
        accepted: false,
    };
    if !out.problems.is_empty() {
        return Ok(out);
    }
    let done = write(&read.places)?;
    out.created = done.created;
    out.updated = done.updated;
    out.unchanged = done.unchanged;
    out.accepted = true;
    tracing::info!(
        ?kind,
        created = done.created,
        updated = done.updated,
        "places imported"
    );
    Ok(out)
}

/// Every hotel, by code.
pub fn list_hotels(app: &App) -> AppResult<Vec<Stored<QuarantineHotel>>> {
    Ok(store::hotels(&mut *app.conn()?)?)
}

/// The hotel with this code (as typed: case ignored).
pub fn hotel(app: &App, code: &str) -> AppResult<Stored<QuarantineHotel>> {
    let key = hotel_code(code)?;
    store::hotel(&mut *app.conn()?, &key)?.ok_or_else(|| unknown_hotel(&key))
}

fn unknown_hotel(key: &str) -> AppError {
    AppError::not_found(
        "unknown_hotel",
        format!("no hotel has the code {}", excerpt(key)),
        format!("没有代码为 {} 的酒店", excerpt(key)),
    )
    .with_field("code")
}

/// Every hospital, by code.
pub fn list_hospitals(app: &App) -> AppResult<Vec<Stored<DesignatedHospital>>> {
    Ok(store::hospitals(&mut *app.conn()?)?)
}

/// A hotel code as typed: stored codes are upper-case.
fn hotel_code(code: &str) -> AppResult<String> {
    rows::code(code).ok_or_else(|| {
        AppError::invalid(
            "bad_code",
            format!("{} is not a hotel code", excerpt(code)),
            format!("{} 不是有效的酒店代码", excerpt(code)),
        )
        .with_field("code")
    })
}

/// Where a port's processing time comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessingSource {
    /// Set by the desk (`ports set`).
    Desk,
    /// The default of the port's kind.
    Default,
}

/// A port with its processing time in force, as `ports list --json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PortView {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub kind: PortKind,
    #[serde(flatten)]
    pub location: Coordinates,
    pub processing_minutes: u32,
    pub processing_source: ProcessingSource,
}

impl From<PortTiming> for PortView {
    fn from(p: PortTiming) -> Self {
        let (processing_minutes, processing_source) = match p.processing_minutes {
            Some(m) => (m, ProcessingSource::Desk),
            None => (
                default_processing_minutes(p.kind),
                ProcessingSource::Default,
            ),
        };
        PortView {
            code: p.code,
            name_zh: p.name_zh,
            name_en: p.name_en,
            kind: p.kind,
            location: p.location,
            processing_minutes,
            processing_source,
        }
    }
}

/// Every stored port with its processing time in force, by code.
pub fn list_ports(app: &App) -> AppResult<Vec<PortView>> {
    Ok(store::port_timings(&mut *app.conn()?)?
        .into_iter()
        .map(PortView::from)
        .collect())
}

/// Set a port's processing time; `None` returns it to its kind's default.
#[derive(Debug, Clone)]
pub struct SetProcessing {
    /// The port's code, or a name or alias of config/ports.toml.
    pub port: String,
    pub minutes: Option<u32>,
}

pub fn set_processing_minutes(app: &App, req: &SetProcessing) -> AppResult<PortView> {
    if let Some(m) = req.minutes
        && m > MAX_PROCESSING_MINUTES
    {
        return Err(AppError::invalid(
            "processing_minutes_out_of_range",
            format!("processing minutes: {m} is not between 0 and {MAX_PROCESSING_MINUTES}"),
            format!("处理时长 {m} 分钟不在 0 到 {MAX_PROCESSING_MINUTES} 之间"),
        )
        .with_field("processing_minutes"));
    }
    let code = match app.config.ports.find(&req.port) {
        Some(p) => p.code.clone(),
        None => req.port.trim().to_ascii_uppercase(),
    };
    let mut conn = app.conn()?;
    if !store::set_processing_minutes(&mut conn, &code, req.minutes)? {
        return Err(closedloop_store::StoreError::UnknownPort(code).into());
    }
    store::port_timings(&mut conn)?
        .into_iter()
        .find(|p| p.code == code)
        .map(PortView::from)
        .ok_or_else(|| closedloop_store::StoreError::UnknownPort(code).into())
}
