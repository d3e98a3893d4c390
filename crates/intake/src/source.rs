//! Read a manifest file (CSV, spreadsheet or JSON lines) into [`Grid`]s of [`Cell`]s that keep
//! the row numbers a human sees in the original file, so validation can say
//! `row 7, column "证件号码": ...`.
//!
//! Nothing here interprets the content: header detection, synonyms and normalisation happen
//! later. CSV cells are therefore always text (a CSV has no types, and turning `0123` into a
//! number would destroy document numbers).

use std::borrow::Cow;
use std::fmt;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use calamine::{Data, ExcelDateTime, ExcelDateTimeType, Reader, SheetType, SheetVisible, Sheets};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

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
}

static EMPTY_CELL: Cell = Cell::Empty;

impl Cell {
    /// True for [`Cell::Empty`] and for text that is only whitespace: a human sees a blank cell
    /// either way, and a required field holding three spaces is still missing.
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(text) => text.trim().is_empty(),
            Cell::Number(_) | Cell::Bool(_) | Cell::DateTime(_) => false,
        }
    }

    /// The cell as a human would read it in the sheet: integral numbers without `.0` and never in
    /// exponent notation (a phone 13812345678 stays `13812345678`), other numbers with at most the
    /// 15 significant digits Excel keeps, text as is, booleans as `TRUE`/`FALSE` and date/time
    /// cells as their serial number.
    pub fn as_text(&self) -> Cow<'_, str> {
        match self {
            Cell::Empty => Cow::Borrowed(""),
            Cell::Text(text) => Cow::Borrowed(text),
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

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{}: cannot tell the file type; save the manifest as .csv (UTF-8 or GB18030), .xlsx, \
         .xls, .ods or .jsonl",
        path.display()
    )]
    UnknownFormat { path: PathBuf },
    #[error("{file}, line {line}: {message}")]
    Encoding {
        file: String,
        line: usize,
        message: String,
    },
    #[error("{file}, line {line}: {message}")]
    Csv {
        file: String,
        line: usize,
        message: String,
    },
    #[error("{file}: {message}")]
    Spreadsheet { file: String, message: String },
    #[error(
        "{file}, line {line}: {message}; each line must be one JSON object such as {{\"name\": \"张三\"}}"
    )]
    Json {
        file: String,
        line: usize,
        message: String,
    },
    #[error(
        "{file}: the file has no data (every row is empty); check that the right file was chosen"
    )]
    Empty { file: String },
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
                return Err(SourceError::Spreadsheet {
                    file,
                    message:
                        "this is a web page or XML export saved with a spreadsheet extension, \
                              not a workbook; open it in Excel or WPS and save it as .xlsx or CSV"
                            .to_owned(),
                });
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

/// Read a workbook held in memory: one [`Grid`] per non-empty sheet (see [`read_path`]).
pub fn read_spreadsheet_bytes(file: &str, bytes: &[u8]) -> Result<Vec<Grid>, SourceError> {
    let spreadsheet_error = |message: String| SourceError::Spreadsheet {
        file: file.to_owned(),
        message,
    };
    let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|err| {
        spreadsheet_error(format!(
            "cannot open the workbook ({err}); if it is password-protected remove the \
             password, otherwise open it in Excel or WPS and save it again as .xlsx"
        ))
    })?;
    let kind = match &workbook {
        Sheets::Xls(_) => "xls",
        Sheets::Xlsx(_) => "xlsx",
        Sheets::Xlsb(_) => "xlsb",
        Sheets::Ods(_) => "ods",
    };
    let sheets = workbook.sheets_metadata().to_vec();
    let mut visible = Vec::new();
    let mut hidden = Vec::new();
    for sheet in sheets {
        if sheet.typ != SheetType::WorkSheet {
            continue;
        }
        let range = workbook.worksheet_range(&sheet.name).map_err(|err| {
            spreadsheet_error(format!("cannot read sheet \"{}\": {err}", sheet.name))
        })?;
        let grid = grid_from_range(sheet.name, &range, kind);
        if grid.rows.is_empty() {
            continue;
        }
        if sheet.visible == SheetVisible::Visible {
            visible.push(grid);
        } else {
            hidden.push(grid);
        }
    }
    if !visible.is_empty() {
        Ok(visible)
    } else if !hidden.is_empty() {
        Ok(hidden)
    } else {
        Err(SourceError::Empty {
            file: file.to_owned(),
        })
    }
}

fn grid_from_range(name: String, range: &calamine::Range<Data>, kind: &'static str) -> Grid {
    let mut rows = Vec::new();
    if let Some((first_row, first_column)) = range.start() {
        // calamine trims leading empty rows and columns; restore the offsets so row numbers
        // and column positions match what the user sees.
        let first_row = first_row as usize;
        let first_column = first_column as usize;
        for (index, data) in range.rows().enumerate() {
            let mut cells = Vec::with_capacity(first_column + data.len());
            cells.resize(first_column, Cell::Empty);
            cells.extend(data.iter().map(cell_from_data));
            if let Some(row) = finish_row(first_row + index + 1, cells) {
                rows.push(row);
            }
        }
    }
    Grid {
        name,
        rows,
        header: None,
        format: Format::Spreadsheet,
        encoding: kind,
    }
}

fn cell_from_data(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(text) if text.is_empty() => Cell::Empty,
        Data::String(text) => Cell::Text(text.clone()),
        Data::Int(number) => Cell::Number(*number as f64),
        Data::Float(number) => Cell::Number(*number),
        Data::Bool(value) => Cell::Bool(*value),
        Data::DateTime(datetime) => Cell::DateTime(serial_1900(datetime)),
        Data::DateTimeIso(text) | Data::DurationIso(text) => Cell::Text(text.clone()),
        // Keep what Excel shows ("#N/A", "#DIV/0!") so validation can quote it.
        Data::Error(error) => Cell::Text(error.to_string()),
    }
}

/// Workbooks saved with the 1904 date system (old Mac Excel) count days from 1904-01-01;
/// downstream code only knows the 1900 system.
fn serial_1900(datetime: &ExcelDateTime) -> f64 {
    const DAYS_1900_TO_1904: f64 = 1462.0;
    let value = datetime.as_f64();
    if datetime.is_duration() {
        return value;
    }
    // calamine exposes the epoch only through equality, so compare with a 1900-based twin.
    let as_1900 = ExcelDateTime::new(value, ExcelDateTimeType::DateTime, false);
    if *datetime == as_1900 {
        value
    } else {
        value + DAYS_1900_TO_1904
    }
}

/// Drop trailing empty cells and reject rows that are entirely empty.
fn finish_row(number: usize, mut cells: Vec<Cell>) -> Option<Row> {
    while cells.last().is_some_and(Cell::is_empty) {
        cells.pop();
    }
    (!cells.is_empty()).then_some(Row { number, cells })
}

struct Decoded<'a> {
    text: Cow<'a, str>,
    encoding: &'static str,
}

/// UTF-8 (with or without BOM), UTF-16 with BOM, otherwise GB18030, which is what Excel and WPS
/// write for "CSV" on Chinese Windows.
fn decode<'a>(file: &str, bytes: &'a [u8]) -> Result<Decoded<'a>, SourceError> {
    let encoding_error = |line: usize, message: &str| SourceError::Encoding {
        file: file.to_owned(),
        line,
        message: message.to_owned(),
    };
    const RESAVE: &str = "re-save the file as \"CSV UTF-8\"";

    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return match std::str::from_utf8(rest) {
            Ok(text) => Ok(Decoded {
                text: Cow::Borrowed(text),
                encoding: "UTF-8",
            }),
            Err(err) => Err(encoding_error(
                line_at(rest, err.valid_up_to()),
                &format!("the file is marked as UTF-8 but this line is not valid UTF-8; {RESAVE}"),
            )),
        };
    }
    for (bom, encoding, name) in [
        (&[0xFF, 0xFE], encoding_rs::UTF_16LE, "UTF-16LE"),
        (&[0xFE, 0xFF], encoding_rs::UTF_16BE, "UTF-16BE"),
    ] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            let (text, had_errors) = encoding.decode_without_bom_handling(rest);
            if had_errors {
                let line = first_replacement_line(&text);
                return Err(encoding_error(
                    line,
                    &format!("the file is marked as {name} but this line is not; {RESAVE}"),
                ));
            }
            return Ok(Decoded {
                text: Cow::Owned(text.into_owned()),
                encoding: name,
            });
        }
    }

    let first_error = match std::str::from_utf8(bytes) {
        Ok(text) => {
            return Ok(Decoded {
                text: Cow::Borrowed(text),
                encoding: "UTF-8",
            });
        }
        Err(err) => err.valid_up_to(),
    };
    // GB18030 accepts almost any byte sequence, so a UTF-8 file with one damaged byte would
    // silently turn into mojibake. Real GB18030 text breaks UTF-8 on most of its characters,
    // whereas a damaged UTF-8 file is overwhelmingly valid.
    let (valid_non_ascii, invalid) = utf8_quality(bytes);
    if valid_non_ascii >= 8 * invalid {
        return Err(encoding_error(
            line_at(bytes, first_error),
            &format!("the file is UTF-8 but this line holds bytes that are not; {RESAVE}"),
        ));
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(encoding_error(
            first_replacement_line(&text),
            &format!("the file is neither UTF-8 nor GB18030 (GBK); {RESAVE}"),
        ));
    }
    Ok(Decoded {
        text: Cow::Owned(text.into_owned()),
        encoding: "GB18030",
    })
}

/// Count valid non-ASCII characters and invalid sequences when reading `bytes` as UTF-8.
fn utf8_quality(mut bytes: &[u8]) -> (usize, usize) {
    let (mut valid_non_ascii, mut invalid) = (0, 0);
    loop {
        match std::str::from_utf8(bytes) {
            Ok(text) => {
                valid_non_ascii += text.chars().filter(|c| !c.is_ascii()).count();
                return (valid_non_ascii, invalid);
            }
            Err(err) => {
                let valid = &bytes[..err.valid_up_to()];
                valid_non_ascii += valid.iter().filter(|&&b| b >= 0xC0).count();
                invalid += 1;
                let skip = err.error_len().unwrap_or(bytes.len() - err.valid_up_to());
                bytes = &bytes[err.valid_up_to() + skip..];
            }
        }
    }
}

fn line_at(bytes: &[u8], offset: usize) -> usize {
    count_newlines(&bytes[..offset.min(bytes.len())]) + 1
}

fn first_replacement_line(text: &str) -> usize {
    let offset = text.find('\u{FFFD}').unwrap_or(text.len());
    line_at(text.as_bytes(), offset)
}

fn count_newlines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// Read a CSV (or TSV, or semicolon-separated) file held in memory. Every cell is
/// [`Cell::Text`] or [`Cell::Empty`]; rows keep the line number where their record starts.
pub fn read_csv_bytes(name: &str, bytes: &[u8]) -> Result<Grid, SourceError> {
    // Most files are UTF-8: parse the bytes directly so that UTF-8 is validated only once, per
    // record, and fall back to full decoding at the first record that is not UTF-8.
    let utf8_body = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => Some(rest),
        None if has_utf16_bom(bytes) => None,
        None => Some(bytes),
    };
    if let Some(body) = utf8_body
        && let Some(grid) = parse_csv(name, body, "UTF-8")?
    {
        return Ok(grid);
    }
    let decoded = decode(name, bytes)?;
    parse_csv(name, decoded.text.as_bytes(), decoded.encoding)?.ok_or_else(|| {
        SourceError::Encoding {
            file: name.to_owned(),
            line: 1,
            message: "the text could not be decoded; re-save the file as \"CSV UTF-8\"".to_owned(),
        }
    })
}

fn has_utf16_bom(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF])
}

/// Parse `bytes` as CSV; `Ok(None)` if some record is not valid UTF-8.
fn parse_csv(
    name: &str,
    bytes: &[u8],
    encoding: &'static str,
) -> Result<Option<Grid>, SourceError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(detect_delimiter(bytes))
        .from_reader(bytes);

    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    // Line numbers are derived from byte offsets rather than csv's own line counter, which does
    // not account for the blank lines it skips between records.
    let (mut line, mut scanned) = (1, 0);
    loop {
        let start_byte = reader.position().byte() as usize;
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(err) if matches!(err.kind(), csv::ErrorKind::Utf8 { .. }) => return Ok(None),
            Err(err) => {
                return Err(SourceError::Csv {
                    file: name.to_owned(),
                    line: line_at(bytes, start_byte),
                    message: format!("{err}; check the quoting of this record"),
                });
            }
        }
        let mut start = start_byte.min(bytes.len());
        while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        line += count_newlines(&bytes[scanned..start]);
        scanned = start;

        let cells = record
            .iter()
            .map(|field| {
                if field.is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(field.to_owned())
                }
            })
            .collect();
        if let Some(row) = finish_row(line, cells) {
            rows.push(row);
        }
    }
    if rows.is_empty() {
        return Err(SourceError::Empty {
            file: name.to_owned(),
        });
    }
    Ok(Some(Grid {
        name: name.to_owned(),
        rows,
        header: None,
        format: Format::Csv,
        encoding,
    }))
}

/// Pick the delimiter whose count per record is most consistent over the first records.
///
/// The largest count alone would be fooled by unquoted commas in a semicolon file (Excel only
/// quotes fields holding the delimiter); title rows and key-value blocks above the header have
/// few or no delimiters, which consistency tolerates.
fn detect_delimiter(bytes: &[u8]) -> u8 {
    const CANDIDATES: [u8; 3] = [b',', b';', b'\t'];
    const SAMPLE_RECORDS: usize = 50;

    let mut counts: Vec<[usize; 3]> = Vec::with_capacity(SAMPLE_RECORDS);
    let mut current = [0; 3];
    let mut in_quotes = false;
    let mut blank = true;
    for &byte in bytes {
        match byte {
            b'"' => {
                in_quotes = !in_quotes;
                blank = false;
            }
            _ if in_quotes => {}
            b'\n' => {
                if !blank {
                    counts.push(current);
                    if counts.len() == SAMPLE_RECORDS {
                        break;
                    }
                }
                current = [0; 3];
                blank = true;
            }
            b'\r' | b' ' => {}
            _ => {
                if let Some(index) = CANDIDATES.iter().position(|&c| c == byte) {
                    current[index] += 1;
                }
                blank = false;
            }
        }
    }
    if !blank && counts.len() < SAMPLE_RECORDS {
        counts.push(current);
    }

    let mut best = (b',', 0, 0);
    for (index, &candidate) in CANDIDATES.iter().enumerate() {
        let mut per_count: Vec<(usize, usize)> = Vec::new();
        for count in counts.iter().map(|c| c[index]).filter(|&c| c > 0) {
            match per_count.iter_mut().find(|(value, _)| *value == count) {
                Some((_, frequency)) => *frequency += 1,
                None => per_count.push((count, 1)),
            }
        }
        let mode = per_count
            .into_iter()
            .max_by_key(|&(value, frequency)| (frequency, value))
            .unwrap_or((0, 0));
        let (value, frequency) = mode;
        if (frequency, value) > (best.1, best.2) {
            best = (candidate, frequency, value);
        }
    }
    best.0
}

/// Read a JSON lines file held in memory: one JSON object per line, blank lines skipped. The
/// header is the union of the keys in order of first appearance; strings become
/// [`Cell::Text`], numbers [`Cell::Number`] (integers too large for an f64 stay text so that
/// no digit is lost), booleans [`Cell::Bool`], null [`Cell::Empty`], and nested arrays and
/// objects their JSON text.
pub fn read_jsonl_bytes(name: &str, bytes: &[u8]) -> Result<Grid, SourceError> {
    let decoded = decode(name, bytes)?;
    parse_jsonl(name, &decoded)
}

fn parse_jsonl(name: &str, decoded: &Decoded<'_>) -> Result<Grid, SourceError> {
    let mut header: Vec<String> = Vec::new();
    let mut column_of: std::collections::HashMap<String, usize> = Default::default();
    let mut rows = Vec::new();
    for (index, line) in decoded.text.split('\n').enumerate() {
        let line_number = index + 1;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let object: JsonObject = serde_json::from_str(line).map_err(|err| SourceError::Json {
            file: name.to_owned(),
            line: line_number,
            message: json_message(&err),
        })?;
        let mut cells = vec![Cell::Empty; header.len()];
        for (key, value) in object.0 {
            let column = match column_of.get(&key) {
                Some(&column) => column,
                None => {
                    let column = header.len();
                    column_of.insert(key.clone(), column);
                    header.push(key);
                    cells.push(Cell::Empty);
                    column
                }
            };
            cells[column] = cell_from_json(value);
        }
        if cells.iter().any(|cell| !cell.is_empty()) {
            rows.push(Row {
                number: line_number,
                cells,
            });
        }
    }
    if rows.is_empty() {
        return Err(SourceError::Empty {
            file: name.to_owned(),
        });
    }
    let width = header.len();
    for row in &mut rows {
        row.cells.resize(width, Cell::Empty);
    }
    Ok(Grid {
        name: name.to_owned(),
        rows,
        header: Some(header),
        format: Format::JsonLines,
        encoding: decoded.encoding,
    })
}

fn json_message(err: &serde_json::Error) -> String {
    let message = err.to_string();
    // serde_json appends its own "at line 1 column N", which is about the line as a document.
    let message = match message.rfind(" at line ") {
        Some(end) => &message[..end],
        None => &message,
    };
    if err.is_data() {
        message.to_owned()
    } else {
        format!("not valid JSON ({message} at column {})", err.column())
    }
}

fn cell_from_json(value: serde_json::Value) -> Cell {
    use serde_json::Value;
    const MAX_EXACT: u64 = 1 << 53;
    match value {
        Value::Null => Cell::Empty,
        Value::Bool(value) => Cell::Bool(value),
        Value::Number(number) => {
            let exact = number.as_u64().map(|n| n <= MAX_EXACT).unwrap_or(true)
                && number
                    .as_i64()
                    .map(|n| n.unsigned_abs() <= MAX_EXACT)
                    .unwrap_or(true);
            match number.as_f64() {
                Some(float) if exact => Cell::Number(float),
                _ => Cell::Text(number.to_string()),
            }
        }
        Value::String(text) if text.is_empty() => Cell::Empty,
        Value::String(text) => Cell::Text(text),
        nested @ (Value::Array(_) | Value::Object(_)) => Cell::Text(nested.to_string()),
    }
}

/// A JSON object with its keys in file order (serde_json's map sorts them unless the
/// `preserve_order` feature is on, which this crate does not control).
struct JsonObject(Vec<(String, serde_json::Value)>);

impl<'de> Deserialize<'de> for JsonObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor;
        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = JsonObject;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonObject, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(JsonObject(entries))
            }
        }
        deserializer.deserialize_map(ObjectVisitor)
    }
}
