//! Read a manifest file (CSV, spreadsheet or JSON lines) into [`Grid`]s of [`Cell`]s that keep
//! the row numbers a human sees in the original file, so validation can say
//! `row 7, column "证件号码": ...`.
//!
//! Nothing here interprets the content: header detection, synonyms and normalisation happen
//! later. CSV cells are therefore always text (a CSV has no types, and turning `0123` into a
//! number would destroy document numbers).

use std::borrow::Cow;
use std::fmt;
use std::path::Path;

mod error;
mod spreadsheet;
mod text;

pub use error::{EncodingProblem, JsonProblem, SourceError};
pub use spreadsheet::read_spreadsheet_bytes;
pub use text::{read_csv_bytes, read_jsonl_bytes};

use text::{decode, has_utf16_bom};

/// One cell as read from the file, before any normalisation.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
    /// An Excel date/time cell: its serial number in the 1900 date system (ISO date cells from
    /// ODS stay [`Cell::Text`]).
    DateTime(f64),
    /// A JSON lines value that no other kind holds exactly, as its JSON text: an array, an
    /// object, or an integer with more digits than an f64 keeps. Never read as text: where a
    /// manifest expects text it is a row error.
    Json(String),
}

static EMPTY_CELL: Cell = Cell::Empty;

impl Cell {
    /// True for [`Cell::Empty`] and for text that is only whitespace: a human sees a blank cell
    /// either way, and a required field holding three spaces is still missing.
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(text) => text.trim().is_empty(),
            Cell::Number(_) | Cell::Bool(_) | Cell::DateTime(_) | Cell::Json(_) => false,
        }
    }

    /// The cell as a human would read it in the sheet: integral numbers without `.0` and never in
    /// exponent notation (a phone 13812345678 stays `13812345678`), other numbers with at most the
    /// 15 significant digits Excel keeps, text as is, booleans as `TRUE`/`FALSE` and date/time
    /// cells as their serial number.
    pub fn as_text(&self) -> Cow<'_, str> {
        match self {
            Cell::Empty => Cow::Borrowed(""),
            Cell::Text(text) | Cell::Json(text) => Cow::Borrowed(text),
            Cell::Number(number) | Cell::DateTime(number) => Cow::Owned(format_number(*number)),
            Cell::Bool(true) => Cow::Borrowed("TRUE"),
            Cell::Bool(false) => Cow::Borrowed("FALSE"),
        }
    }
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_text())
    }
}

fn format_number(number: f64) -> String {
    if !number.is_finite() {
        return number.to_string();
    }
    if number == 0.0 {
        // Avoid "-0", which no spreadsheet shows.
        return "0".to_owned();
    }
    // Below 1e15 every integer is exact in an f64 and i64 formatting is the cheapest exact path.
    if number.fract() == 0.0 && number.abs() < 1e15 {
        return (number as i64).to_string();
    }
    // Excel keeps 15 significant digits; printing more shows binary noise such as
    // 0.30000000000000004 or an 18-digit ID number Excel itself never displayed. Rust's Display
    // of f64 never uses exponent notation, so the result reads like the sheet.
    let rounded: f64 = format!("{number:.14e}").parse().unwrap_or(number);
    rounded.to_string()
}

/// One row of the file.
#[derive(Debug, Clone)]
pub struct Row {
    /// 1-based row number as shown by the spreadsheet, the physical line where a CSV record
    /// starts (a quoted multi-line field makes the next record start further down) or the line
    /// of a JSON lines file.
    pub number: usize,
    /// For CSV and spreadsheets, trailing empty cells are not kept, so rows are ragged (a title
    /// row has a single cell); spreadsheet cells sit at their sheet column (index 0 is column A).
    /// For JSON lines, one cell per header key. Use [`Row::get`] to read past the end.
    pub cells: Vec<Cell>,
}

impl Row {
    /// The cell in column `index`, or [`Cell::Empty`] past the end of a ragged row.
    pub fn get(&self, index: usize) -> &Cell {
        self.cells.get(index).unwrap_or(&EMPTY_CELL)
    }

    /// True if every cell is empty (such rows are not kept in a [`Grid`]).
    pub fn is_empty(&self) -> bool {
        self.cells.iter().all(Cell::is_empty)
    }
}

/// The kind of file a [`Grid`] was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Spreadsheet,
    JsonLines,
}

/// One table: a CSV or JSON lines file, or one sheet of a workbook. Entirely empty rows are
/// dropped; the others keep their original numbers.
#[derive(Debug, Clone)]
pub struct Grid {
    /// The sheet name for a workbook, the file name for CSV and JSON lines.
    pub name: String,
    pub rows: Vec<Row>,
    /// For JSON lines only: the keys in order of first appearance; rows then hold values in this
    /// order and there is no header row inside `rows`. For CSV and spreadsheets `None`: the
    /// header row is somewhere in `rows`, possibly below title rows and key-value blocks.
    pub header: Option<Vec<String>>,
    pub format: Format,
    /// The text encoding for CSV and JSON lines (`"UTF-8"`, `"GB18030"`, `"UTF-16LE"`,
    /// `"UTF-16BE"`), the workbook kind for spreadsheets (`"xlsx"`, `"xls"`, `"xlsb"`, `"ods"`).
    pub encoding: &'static str,
}

impl Grid {
    /// The number of columns of the widest row (or of the header for JSON lines).
    pub fn width(&self) -> usize {
        let widest = self
            .rows
            .iter()
            .map(|row| row.cells.len())
            .max()
            .unwrap_or(0);
        widest.max(self.header.as_ref().map_or(0, Vec::len))
    }
}

/// Read a manifest file. The format comes from the extension (`.csv .txt .tsv`, `.xlsx .xlsm
/// .xlsb .xls .ods`, `.jsonl .ndjson .json`), or from the content when the extension is unknown.
/// A workbook gives one [`Grid`] per non-empty sheet; hidden sheets (typically lookup lists
/// behind drop-downs) are left out unless no visible sheet has data.
pub fn read_path(path: &Path) -> Result<Vec<Grid>, SourceError> {
    let bytes = std::fs::read(path).map_err(|source| SourceError::Io {
        path: path.to_owned(),
        source,
    })?;
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    );
    let extension = path
        .extension()
        .and_then(|extension| extension.to_str())
        .map(str::to_ascii_lowercase);
    let by_extension = extension.as_deref().and_then(format_for_extension);

    if bytes.is_empty() {
        return Err(SourceError::Empty { file });
    }
    // The content wins over the extension when it is unambiguous: web systems save
    // tab-separated text as ".xls", and desks rename workbooks to ".csv".
    if is_workbook_container(&bytes) {
        return read_spreadsheet_bytes(&file, &bytes);
    }
    match by_extension {
        Some(Format::Csv) => read_csv_bytes(&file, &bytes).map(|grid| vec![grid]),
        Some(Format::JsonLines) => read_jsonl_bytes(&file, &bytes).map(|grid| vec![grid]),
        Some(Format::Spreadsheet) => {
            if looks_like_html(&bytes) {
                return Err(SourceError::NotAWorkbook { file });
            }
            if looks_like_text(&bytes) {
                read_csv_bytes(&file, &bytes).map(|grid| vec![grid])
            } else {
                // Not text and not a container: let calamine say what is wrong with it.
                read_spreadsheet_bytes(&file, &bytes)
            }
        }
        None => {
            if !looks_like_text(&bytes) {
                return Err(SourceError::UnknownFormat {
                    path: path.to_owned(),
                });
            }
            if starts_like_json(&file, &bytes)? {
                read_jsonl_bytes(&file, &bytes).map(|grid| vec![grid])
            } else {
                read_csv_bytes(&file, &bytes).map(|grid| vec![grid])
            }
        }
    }
}

fn format_for_extension(extension: &str) -> Option<Format> {
    match extension {
        "csv" | "txt" | "tsv" => Some(Format::Csv),
        "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => Some(Format::Spreadsheet),
        "jsonl" | "ndjson" | "json" => Some(Format::JsonLines),
        _ => None,
    }
}

/// Zip (xlsx, xlsm, xlsb, ods) or OLE compound document (xls, and encrypted xlsx).
fn is_workbook_container(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
}

fn looks_like_html(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(512)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    head.starts_with("<!doctype html")
        || head.starts_with("<html")
        || head.starts_with("<table")
        || head.starts_with("<?xml")
}

fn starts_like_json(file: &str, bytes: &[u8]) -> Result<bool, SourceError> {
    let starts = |text: &[u8]| {
        let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
        let first = text.iter().find(|byte| !byte.is_ascii_whitespace());
        matches!(first, Some(b'{' | b'['))
    };
    if has_utf16_bom(bytes) {
        Ok(starts(decode(file, bytes)?.text.as_bytes()))
    } else {
        Ok(starts(bytes))
    }
}

/// Text in any of the encodings we read has no NUL byte, except UTF-16 which announces itself
/// with a BOM.
fn looks_like_text(bytes: &[u8]) -> bool {
    has_utf16_bom(bytes) || !bytes[..bytes.len().min(8192)].contains(&0)
}

/// Drop trailing empty cells and reject rows that are entirely empty.
fn finish_row(number: usize, mut cells: Vec<Cell>) -> Option<Row> {
    while cells.last().is_some_and(Cell::is_empty) {
        cells.pop();
    }
    (!cells.is_empty()).then_some(Row { number, cells })
}
