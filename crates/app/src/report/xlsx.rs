//! The daily report as an XLSX workbook (rust_xlsxwriter), in either language: one sheet per
//! table of [`super::labels`], counts as numbers, every text cell passed through
//! `closedloop_intake::export::spreadsheet_safe` so that no cell runs as a formula (a port or
//! hotel name is typed by people). The workbook holds counts and the names of places only.

use super::DailyReport;
use super::labels::{self, Cell};
use crate::error::{AppError, AppResult};
use closedloop_domain::Lang;
use closedloop_intake::export::spreadsheet_safe;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

/// The workbook's bytes.
pub fn to_xlsx(r: &DailyReport, lang: Lang) -> AppResult<Vec<u8>> {
    build(r, lang).map_err(|e| {
        AppError::io(
            std::path::Path::new(&file_name(r, lang)),
            std::io::Error::other(e.to_string()),
        )
    })
}

/// `daily-report-2021-07-01-en.xlsx`, `daily-report-2021-07-01-zh-CN.xlsx`: ASCII, so it
/// travels in a `Content-Disposition` header as it is.
pub fn file_name(r: &DailyReport, lang: Lang) -> String {
    let tag = match lang {
        Lang::En => "en",
        Lang::ZhCn => "zh-CN",
    };
    format!("daily-report-{}-{tag}.xlsx", r.date)
}

/// The MIME type of the workbook.
pub const CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn text(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    s: &str,
    f: Option<&Format>,
) -> Result<(), XlsxError> {
    let safe = spreadsheet_safe(s);
    match f {
        Some(f) => ws.write_string_with_format(row, col, safe.as_ref(), f)?,
        None => ws.write_string(row, col, safe.as_ref())?,
    };
    Ok(())
}

fn build(r: &DailyReport, lang: Lang) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    for sheet in labels::sheets(r, lang) {
        let ws = wb.add_worksheet();
        ws.set_name(sheet.name)?;
        text(ws, 0, 0, &sheet.title, Some(&bold))?;
        let mut widths: Vec<usize> = sheet.header.iter().map(|h| display_width(h)).collect();
        for (c, h) in sheet.header.iter().enumerate() {
            text(ws, 2, col(c), h, Some(&bold))?;
        }
        for (i, cells) in sheet.rows.iter().enumerate() {
            let row = 3 + u32::try_from(i).unwrap_or(u32::MAX - 3);
            for (c, cell) in cells.iter().enumerate() {
                match cell {
                    Cell::Text(s) => {
                        text(ws, row, col(c), s, None)?;
                        if let Some(w) = widths.get_mut(c) {
                            *w = (*w).max(display_width(s));
                        }
                    }
                    // Counts stay numbers, so the office can add them up.
                    Cell::Count(n) => {
                        ws.write_number(row, col(c), *n as f64)?;
                    }
                }
            }
        }
        for (c, w) in widths.iter().enumerate() {
            ws.set_column_width(col(c), (*w).clamp(8, 60) as f64 + 2.0)?;
        }
    }
    wb.save_to_buffer()
}

fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

/// Columns a spreadsheet needs: CJK characters take two.
fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) >= 0x2E80 { 2 } else { 1 })
        .sum()
}
