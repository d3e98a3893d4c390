//! What an upload keeps of its file: each refused row's cells with their kinds, and each
//! sheet's head (its rows down to the header), from which a corrected row is judged again.

use crate::error::{AppError, AppResult};
use closedloop_intake::columns::find_layout;
use closedloop_intake::problem::RowError;
use closedloop_intake::source::{Cell, Format, Grid, Row};
use closedloop_store::uploads::StoredRejected;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::RowFault;

/// A cell as kept, its kind included: a workbook's date stays a date when the row is judged
/// again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", content = "v", rename_all = "snake_case")]
pub(super) enum KeptCell {
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
    DateTime(f64),
    Json(String),
}

impl From<&Cell> for KeptCell {
    fn from(c: &Cell) -> KeptCell {
        match c {
            Cell::Empty => KeptCell::Empty,
            Cell::Text(t) => KeptCell::Text(t.clone()),
            Cell::Number(n) => KeptCell::Number(*n),
            Cell::Bool(b) => KeptCell::Bool(*b),
            Cell::DateTime(d) => KeptCell::DateTime(*d),
            Cell::Json(j) => KeptCell::Json(j.clone()),
        }
    }
}

impl From<&KeptCell> for Cell {
    fn from(c: &KeptCell) -> Cell {
        match c {
            KeptCell::Empty => Cell::Empty,
            KeptCell::Text(t) => Cell::Text(t.clone()),
            KeptCell::Number(n) => Cell::Number(*n),
            KeptCell::Bool(b) => Cell::Bool(*b),
            KeptCell::DateTime(d) => Cell::DateTime(*d),
            KeptCell::Json(j) => Cell::Json(j.clone()),
        }
    }
}

/// A sheet's rows down to its header (title rows, the arrival block, the header itself), or a
/// JSON lines file's keys: what a corrected row of it is judged under.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Head {
    name: String,
    format: String,
    encoding: String,
    /// JSON lines' keys.
    header: Option<Vec<String>>,
    rows: Vec<(usize, Vec<KeptCell>)>,
}

pub(super) fn format_code(f: Format) -> &'static str {
    match f {
        Format::Csv => "csv",
        Format::Spreadsheet => "spreadsheet",
        Format::JsonLines => "jsonl",
    }
}

pub(super) fn heads(grids: &[Grid]) -> BTreeMap<String, Head> {
    grids
        .iter()
        .map(|g| {
            let upto = find_layout(g)
                .and_then(|l| l.header_index)
                .map_or(0, |i| i + 1);
            let rows = g.rows[..upto.min(g.rows.len())]
                .iter()
                .map(|r| (r.number, r.cells.iter().map(KeptCell::from).collect()))
                .collect();
            let key = if grids.len() > 1 {
                g.name.clone()
            } else {
                String::new()
            };
            let head = Head {
                name: g.name.clone(),
                format: format_code(g.format).into(),
                encoding: g.encoding.into(),
                header: g.header.clone(),
                rows,
            };
            (key, head)
        })
        .collect()
}

pub(super) fn grid_of(head: &Head, row: Row) -> Grid {
    let format = match head.format.as_str() {
        "spreadsheet" => Format::Spreadsheet,
        "jsonl" => Format::JsonLines,
        _ => Format::Csv,
    };
    // The grid's encoding is a label of the reader's own: one of the names it gives.
    let encoding = [
        "UTF-8", "GB18030", "UTF-16LE", "UTF-16BE", "xlsx", "xls", "xlsb", "ods",
    ]
    .into_iter()
    .find(|e| *e == head.encoding)
    .unwrap_or("UTF-8");
    let mut rows: Vec<Row> = head
        .rows
        .iter()
        .map(|(number, cells)| Row {
            number: *number,
            cells: cells.iter().map(Cell::from).collect(),
        })
        .collect();
    rows.push(row);
    Grid {
        name: head.name.clone(),
        rows,
        header: head.header.clone(),
        format,
        encoding,
    }
}

pub(super) fn original_cells(grids: &[Grid], sheet: Option<&str>, row: usize) -> Vec<KeptCell> {
    grids
        .iter()
        .filter(|g| sheet.is_none_or(|s| s == g.name))
        .flat_map(|g| g.rows.iter())
        .find(|r| r.number == row)
        .map(|r| r.cells.iter().map(KeptCell::from).collect())
        .unwrap_or_default()
}

pub(super) fn json(v: &impl Serialize) -> AppResult<String> {
    serde_json::to_string(v).map_err(|e| {
        AppError::invalid("upload_unwritable", e.to_string(), format!("无法写出：{e}"))
    })
}

pub(super) fn kept_row(
    sheet: Option<&str>,
    row: usize,
    cells: Vec<KeptCell>,
    errors: &[RowError],
) -> AppResult<(String, i64, String, String)> {
    let faults: Vec<RowFault> = errors.iter().map(RowFault::from).collect();
    Ok((
        sheet.unwrap_or_default().to_string(),
        row as i64,
        json(&cells)?,
        json(&faults)?,
    ))
}

/// The header of a stored sheet: its header row, or a JSON lines file's keys.
pub(super) fn header_of(head: &Head) -> Vec<String> {
    if let Some(h) = &head.header {
        return h.clone();
    }
    head.rows
        .last()
        .map(|(_, cells)| {
            cells
                .iter()
                .map(|c| Cell::from(c).as_text().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn cells_of(r: &StoredRejected) -> AppResult<Vec<KeptCell>> {
    serde_json::from_str(&r.cells_json).map_err(|e| {
        AppError::invalid("upload_unreadable", e.to_string(), format!("无法读取：{e}"))
    })
}
