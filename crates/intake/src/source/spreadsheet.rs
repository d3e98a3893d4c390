//! Workbooks (xlsx, xlsm, xlsb, xls, ods) through calamine.

use std::io::Cursor;

use calamine::{Data, ExcelDateTime, ExcelDateTimeType, Reader, SheetType, SheetVisible, Sheets};

use super::{Cell, Format, Grid, SourceError, finish_row};
use closedloop_domain::excerpt::excerpt;

/// Read a workbook held in memory: one [`Grid`] per non-empty sheet (see
/// [`read_path`](super::read_path)).
pub fn read_spreadsheet_bytes(file: &str, bytes: &[u8]) -> Result<Vec<Grid>, SourceError> {
    let spreadsheet_error = |message: String| SourceError::Spreadsheet {
        file: file.to_owned(),
        message,
    };
    let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|err| spreadsheet_error(err.to_string()))?;
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
        let range = workbook
            .worksheet_range(&sheet.name)
            .map_err(|err| spreadsheet_error(format!("sheet {}: {err}", excerpt(&sheet.name))))?;
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
