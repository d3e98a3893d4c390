//! Text files: decoding (UTF-8, UTF-16, GB18030), then CSV or JSON lines.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

use super::{Cell, EncodingProblem, Format, Grid, JsonProblem, Row, SourceError, finish_row};
use crate::export::unquote_safe;

pub(super) struct Decoded<'a> {
    pub(super) text: Cow<'a, str>,
    encoding: &'static str,
}

/// UTF-8 (with or without BOM), UTF-16 with BOM, otherwise GB18030, which is what Excel and WPS
/// write for "CSV" on Chinese Windows.
pub(super) fn decode<'a>(file: &str, bytes: &'a [u8]) -> Result<Decoded<'a>, SourceError> {
    let encoding_error = |line: usize, problem: EncodingProblem| SourceError::Encoding {
        file: file.to_owned(),
        line,
        problem,
    };

    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return match std::str::from_utf8(rest) {
            Ok(text) => Ok(Decoded {
                text: Cow::Borrowed(text),
                encoding: "UTF-8",
            }),
            Err(err) => Err(encoding_error(
                line_at(rest, err.valid_up_to()),
                EncodingProblem::MarkedUtf8,
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
                return Err(encoding_error(line, EncodingProblem::MarkedUtf16(name)));
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
            EncodingProblem::DamagedUtf8,
        ));
    }
    // The WHATWG decoder encoding_rs implements reads a lone 0x80 as "€" (a Windows code page
    // 936 extension); GB18030 itself has no such byte, so a file holding one is neither.
    if let Some(offset) = lone_0x80(bytes) {
        return Err(encoding_error(
            line_at(bytes, offset),
            EncodingProblem::Neither,
        ));
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(encoding_error(
            first_replacement_line(&text),
            EncodingProblem::Neither,
        ));
    }
    Ok(Decoded {
        text: Cow::Owned(text.into_owned()),
        encoding: "GB18030",
    })
}

/// The offset of a 0x80 byte where a GB18030 character would start, if any: GB18030 is one
/// byte below 0x80, two bytes from a lead byte 0x81–0xFE, or four when the second byte is a
/// digit; anything else is left for the decoder to judge.
fn lone_0x80(bytes: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            0x80 => return Some(i),
            0x81..=0xFE => match bytes.get(i + 1) {
                Some(0x30..=0x39) => i += 4,
                Some(_) => i += 2,
                None => return None,
            },
            _ => i += 1,
        }
    }
    None
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
            problem: EncodingProblem::Neither,
        }
    })
}

pub(super) fn has_utf16_bom(bytes: &[u8]) -> bool {
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
                    message: err.to_string(),
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
                    // A rejected-rows file comes back with its formula guards: read the value
                    // the desk typed.
                    Cell::Text(unquote_safe(field).to_owned())
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
/// [`Cell::Text`], numbers [`Cell::Number`] (integers too large for an f64 are [`Cell::Json`]
/// so that no digit is lost), booleans [`Cell::Bool`], null [`Cell::Empty`], and nested arrays
/// and objects [`Cell::Json`]. A key twice in one object is an error.
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
            problem: json_problem(&err),
        })?;
        if let Some(key) = duplicate_key(&object) {
            return Err(SourceError::DuplicateKey {
                file: name.to_owned(),
                line: line_number,
                key: key.to_owned(),
            });
        }
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

fn json_problem(err: &serde_json::Error) -> JsonProblem {
    if err.is_data() {
        // The only data error: a line that is a string, a number or an array. serde_json's
        // words would quote it whole.
        return JsonProblem::NotAnObject;
    }
    let message = err.to_string();
    // serde_json appends its own "at line 1 column N", which is about the line as a document.
    let detail = match message.rfind(" at line ") {
        Some(end) => &message[..end],
        None => &message,
    };
    JsonProblem::Syntax {
        detail: detail.to_owned(),
        column: err.column(),
    }
}

/// The first key that appears twice in one object (serde_json would keep the last silently).
fn duplicate_key(object: &JsonObject) -> Option<&str> {
    let entries = &object.0;
    if entries.len() < 16 {
        return entries.iter().enumerate().find_map(|(i, (key, _))| {
            entries[..i]
                .iter()
                .any(|(k, _)| k == key)
                .then_some(key.as_str())
        });
    }
    let mut seen = std::collections::HashSet::with_capacity(entries.len());
    entries
        .iter()
        .find(|(key, _)| !seen.insert(key.as_str()))
        .map(|(key, _)| key.as_str())
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
                _ => Cell::Json(number.to_string()),
            }
        }
        Value::String(text) if text.is_empty() => Cell::Empty,
        Value::String(text) => Cell::Text(text),
        nested @ (Value::Array(_) | Value::Object(_)) => Cell::Json(nested.to_string()),
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
