//! From grids to validated rows: every row checked, every problem reported at once.

use crate::columns::{Field, Layout, find_layout};
use crate::normalize;
use crate::problem::{Problem, RowError};
use crate::row::{Memo, RowResult, SheetContext};
use crate::source::{self, Format, Grid, Row, SourceError};
use chrono::{Days, NaiveDate};
use closedloop_domain::Lang;
use closedloop_domain::arrival::{Arrival, ArrivalKey, TransportNumber};
use closedloop_domain::excerpt::excerpt;
use closedloop_domain::manifest::{ManifestChunk, ManifestRow};
use closedloop_domain::policy::PolicyBook;
use closedloop_domain::port::PortDirectory;
use closedloop_domain::traveler::DocumentType;
use std::collections::HashMap;
use std::path::Path;

/// How long values may be and when arrivals may be: a value or a date past them is a row
/// error. The configuration's `[intake]` section sets them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeLimits {
    /// The longest name, in characters.
    pub name_chars: usize,
    /// The longest value of any other column (address, notes, …), in characters.
    pub text_chars: usize,
    /// Arrivals before this day are refused: a typo in the year, or an Excel serial such as 1.
    pub earliest_arrival: NaiveDate,
    /// Arrivals after this day are refused (the configuration says how far ahead of today).
    pub latest_arrival: NaiveDate,
}

impl IntakeLimits {
    pub const NAME_CHARS: usize = 100;
    pub const TEXT_CHARS: usize = 500;
    pub const EARLIEST_ARRIVAL: NaiveDate = NaiveDate::from_ymd_opt(2000, 1, 1).expect("valid");
    pub const DAYS_AHEAD: u32 = 366;

    /// The defaults, with arrivals up to [`Self::DAYS_AHEAD`] days after `today`.
    pub fn defaults(today: NaiveDate) -> IntakeLimits {
        IntakeLimits {
            name_chars: Self::NAME_CHARS,
            text_chars: Self::TEXT_CHARS,
            earliest_arrival: Self::EARLIEST_ARRIVAL,
            latest_arrival: today
                .checked_add_days(Days::new(u64::from(Self::DAYS_AHEAD)))
                .unwrap_or(NaiveDate::MAX),
        }
    }
}

impl Default for IntakeLimits {
    fn default() -> IntakeLimits {
        IntakeLimits::defaults(chrono::Utc::now().date_naive())
    }
}

/// What intake needs to know besides the file.
#[derive(Debug, Clone)]
pub struct IntakeOptions<'a> {
    pub ports: &'a PortDirectory,
    /// Age thresholds for elderly and child come from the policy in force on the arrival day.
    pub policy: Option<&'a PolicyBook>,
    /// Country calling code for phones written without one ("86").
    pub default_country_code: String,
    /// `--arrival FLIGHT`: the whole file belongs to this flight or train.
    pub transport_override: Option<TransportNumber>,
    /// Port and time of that flight when the file gives none (an arrival already stored).
    pub fallback_arrival: Option<Arrival>,
    pub limits: IntakeLimits,
}

/// A manifest read and validated, ready to store (its valid rows) and to report (the others).
#[derive(Debug, Clone, Default)]
pub struct Manifest {
    pub file_name: String,
    /// "csv (GB18030)", "xlsx", "jsonl (UTF-8)".
    pub format: String,
    pub arrivals: Vec<Arrival>,
    pub rows: Vec<ManifestRow>,
    pub rejected: Vec<RejectedRow>,
    /// Data rows read, valid or not.
    pub data_rows: usize,
    /// Header of the first sheet with data, for the rejected-rows file.
    pub header: Vec<String>,
    /// Things worth telling the desk that do not stop the import (unknown columns, sheets
    /// without a header).
    pub warnings: Vec<String>,
}

impl Manifest {
    pub fn errors(&self) -> impl Iterator<Item = &RowError> {
        self.rejected.iter().flat_map(|r| &r.errors)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RejectedRow {
    pub sheet: Option<String>,
    pub row: usize,
    /// The row's cells as the file had them, for the rejected-rows file.
    pub cells: Vec<String>,
    pub errors: Vec<RowError>,
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(
        "{file}: no header row found in the first 30 rows; the header must name at least three columns, \
         including 姓名/name or 证件号码/document number"
    )]
    NoHeader { file: String },
    #[error(
        "{file}: the header is there but no row below it holds a traveler; nothing was imported"
    )]
    NoRows { file: String },
    #[error("{file}, sheet {}: missing column(s) {}", excerpt(.sheet), .columns.join(", "))]
    MissingColumns {
        file: String,
        sheet: String,
        columns: Vec<&'static str>,
    },
    #[error(
        "{file}, sheet {}: columns {} and {} both mean {field}; keep one",
        excerpt(.sheet), excerpt(.first), excerpt(.second)
    )]
    DuplicateColumn {
        file: String,
        sheet: String,
        field: &'static str,
        first: String,
        second: String,
    },
}

impl IntakeError {
    /// The stable code: snake_case, never reworded once published.
    pub fn code(&self) -> &'static str {
        match self {
            IntakeError::Source(e) => e.code(),
            IntakeError::NoHeader { .. } => "manifest_no_header",
            IntakeError::NoRows { .. } => "manifest_no_rows",
            IntakeError::MissingColumns { .. } => "manifest_missing_columns",
            IntakeError::DuplicateColumn { .. } => "manifest_duplicate_column",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match (lang, self) {
            (_, IntakeError::Source(e)) => e.message(lang),
            (Lang::ZhCn, IntakeError::NoRows { file }) => {
                format!("{file}：有表头，但表头下没有任何旅客行；未导入任何数据")
            }
            (Lang::ZhCn, IntakeError::NoHeader { file }) => {
                format!(
                    "{file}：前 30 行中找不到表头行；表头须至少包含三列，其中有 姓名 或 证件号码"
                )
            }
            (
                Lang::ZhCn,
                IntakeError::MissingColumns {
                    file,
                    sheet,
                    columns,
                },
            ) => {
                format!(
                    "{file}，工作表 {}：缺少列 {}",
                    excerpt(sheet),
                    columns.join("、")
                )
            }
            (
                Lang::ZhCn,
                IntakeError::DuplicateColumn {
                    file,
                    sheet,
                    field,
                    first,
                    second,
                },
            ) => {
                format!(
                    "{file}，工作表 {}：{} 与 {} 两列都表示 {field}；请保留一列",
                    excerpt(sheet),
                    excerpt(first),
                    excerpt(second)
                )
            }
            _ => self.to_string(),
        }
    }
}

const REQUIRED: [Field; 3] = [Field::Name, Field::DocumentNumber, Field::Nationality];

/// Reads and validates a manifest file.
pub fn read_manifest(path: &Path, opts: &IntakeOptions<'_>) -> Result<Manifest, IntakeError> {
    let mut rows = Vec::new();
    let mut m = read_manifest_in_chunks(path, opts, &mut |c| rows.extend(c.rows))?;
    m.rows = rows;
    Ok(m)
}

/// Reads and validates a manifest file, handing valid rows to `sink` in chunks as they are
/// checked; the returned manifest has every arrival and rejected row but no valid rows.
pub fn read_manifest_in_chunks(
    path: &Path,
    opts: &IntakeOptions<'_>,
    sink: &mut dyn FnMut(ManifestChunk),
) -> Result<Manifest, IntakeError> {
    let grids = source::read_path(path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    parse_grids_in_chunks(&name, &grids, opts, sink)
}

/// Validates grids already read (one per sheet).
pub fn parse_grids(
    file_name: &str,
    grids: &[Grid],
    opts: &IntakeOptions<'_>,
) -> Result<Manifest, IntakeError> {
    let mut rows = Vec::new();
    let mut m = parse_grids_in_chunks(file_name, grids, opts, &mut |c| rows.extend(c.rows))?;
    m.rows = rows;
    Ok(m)
}

/// Rows per chunk: large enough to keep both cores busy, small enough to start storing early.
const CHUNK_ROWS: usize = 8_192;

pub fn parse_grids_in_chunks(
    file_name: &str,
    grids: &[Grid],
    opts: &IntakeOptions<'_>,
    sink: &mut dyn FnMut(ManifestChunk),
) -> Result<Manifest, IntakeError> {
    let mut m = Manifest {
        file_name: file_name.to_string(),
        ..Manifest::default()
    };
    if let Some(g) = grids.first() {
        m.format = match g.format {
            Format::Csv => format!("csv ({})", g.encoding),
            Format::JsonLines => format!("jsonl ({})", g.encoding),
            Format::Spreadsheet => g.encoding.to_string(),
        };
    }
    let mut arrivals: HashMap<ArrivalKey, usize> = HashMap::new();
    let mut documents: HashMap<(&'static str, DocumentType, String), usize> = HashMap::new();
    let mut any_header = false;
    for grid in grids {
        let Some(layout) = find_layout(grid) else {
            m.warnings.push(format!(
                "sheet {} has no header row and was skipped",
                excerpt(&grid.name)
            ));
            continue;
        };
        any_header = true;
        check_columns(file_name, grid, &layout)?;
        for h in layout.unknown_columns() {
            m.warnings.push(format!(
                "column {} is not a known field and was ignored",
                excerpt(h)
            ));
        }
        if m.header.is_empty() {
            m.header = layout.header.clone();
        }
        let sheet = (grids.len() > 1).then(|| grid.name.clone());
        let ctx = SheetContext::new(&layout, sheet, grid.format, opts);
        let rejected_before = m.rejected.len();
        let start = layout.header_index.map_or(0, |i| i + 1);
        let rows: Vec<&Row> = grid.rows[start..]
            .iter()
            .filter(|r| !is_footer(r))
            .collect();
        m.data_rows += rows.len();
        for part in rows.chunks(CHUNK_ROWS) {
            let mut chunk = ManifestChunk::default();
            for (row, result) in part.iter().zip(validate_parallel(&ctx, part)) {
                let result = result.and_then(|(arrival, traveler)| {
                    // Only valid rows claim a document: the first claim wins, later ones are errors.
                    let key = (
                        traveler.nationality.alpha3,
                        traveler.document.kind,
                        traveler.document.number.clone(),
                    );
                    match documents.get(&key) {
                        Some(first) => Err(vec![RowError {
                            sheet: ctx.sheet.clone(),
                            row: row.number,
                            column: ctx.header_of(Field::DocumentNumber),
                            problem: Problem::DuplicateInFile { first_row: *first },
                        }]),
                        None => {
                            documents.insert(key, row.number);
                            Ok((arrival, traveler))
                        }
                    }
                });
                match result {
                    Ok((arrival, traveler)) => {
                        let next = m.arrivals.len();
                        let idx = *arrivals.entry(arrival.key()).or_insert(next);
                        if idx == next {
                            m.arrivals.push(arrival.clone());
                            chunk.arrivals.push(arrival);
                        }
                        chunk.rows.push(ManifestRow {
                            row: row.number,
                            arrival: idx,
                            traveler,
                        });
                    }
                    Err(errors) => m.rejected.push(RejectedRow {
                        sheet: ctx.sheet.clone(),
                        row: row.number,
                        cells: (0..layout.header.len().max(row.cells.len()))
                            .map(|i| row.get(i).as_text().into_owned())
                            .collect(),
                        errors,
                    }),
                }
            }
            chunk.doomed = !m.rejected.is_empty();
            sink(chunk);
        }
        // A wrong value above the header is the error of every row taking it from there; when
        // every row gives its own, nothing depends on it, but the desk should still know.
        for e in ctx.block_errors() {
            let inherited = Problem::AboveHeader {
                row: e.row,
                problem: Box::new(e.problem.clone()),
            };
            let used = m.rejected[rejected_before..]
                .iter()
                .flat_map(|r| &r.errors)
                .any(|r| r.problem == inherited);
            if !used {
                m.warnings.push(format!(
                    "{} (not used: every row gives its own)",
                    e.message(Lang::En)
                ));
            }
        }
    }
    if !any_header {
        return Err(IntakeError::NoHeader {
            file: file_name.to_string(),
        });
    }
    if m.data_rows == 0 {
        return Err(IntakeError::NoRows {
            file: file_name.to_string(),
        });
    }
    Ok(m)
}

fn check_columns(file: &str, grid: &Grid, layout: &Layout) -> Result<(), IntakeError> {
    let missing: Vec<&'static str> = REQUIRED
        .iter()
        .filter(|f| layout.column(**f).is_none())
        .map(|f| f.display())
        .collect();
    if !missing.is_empty() {
        return Err(IntakeError::MissingColumns {
            file: file.into(),
            sheet: grid.name.clone(),
            columns: missing,
        });
    }
    for (i, f) in layout.fields.iter().enumerate() {
        let Some(f) = f.filter(|f| *f != Field::Sequence) else {
            continue;
        };
        if let Some(j) = layout.fields[i + 1..].iter().position(|g| *g == Some(f)) {
            return Err(IntakeError::DuplicateColumn {
                file: file.into(),
                sheet: grid.name.clone(),
                field: f.display(),
                first: layout.header[i].clone(),
                second: layout.header[i + 1 + j].clone(),
            });
        }
    }
    Ok(())
}

/// Rows are independent, so they are checked on every core; results keep the rows' order.
fn validate_parallel(ctx: &SheetContext<'_>, rows: &[&Row]) -> Vec<RowResult> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    // Below a few thousand rows, starting threads costs more than it saves.
    if threads == 1 || rows.len() < 4_000 {
        let mut memo = Memo::default();
        return rows.iter().map(|r| ctx.row(r, &mut memo)).collect();
    }
    let chunk = rows.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = rows
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    let mut memo = Memo::default();
                    part.iter()
                        .map(|r| ctx.row(r, &mut memo))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("row validation panicked"))
            .collect()
    })
}

/// Sign-off lines under the table ("合计：12人", "制表人：王五") are not travelers.
fn is_footer(row: &Row) -> bool {
    let mut filled = row.cells.iter().filter(|c| !c.is_empty());
    let (Some(only), None) = (filled.next(), filled.next()) else {
        return false;
    };
    let t = normalize::text(&only.as_text()).to_lowercase();
    [
        "合计",
        "总计",
        "共计",
        "制表",
        "审核",
        "填表",
        "total",
        "prepared by",
        "checked by",
    ]
    .iter()
    .any(|p| t.starts_with(p))
}
