//! What the program writes for spreadsheets. A cell that starts with `=`, `+`, `-`, `@`, a tab
//! or a carriage return is run as a formula by Excel, WPS and LibreOffice when the file is
//! opened (CSV injection: a traveler named `=HYPERLINK("http://…")` in a manifest would become
//! a live link in the desk's rejected-rows file). Per OWASP's guidance such a cell is written
//! with a single quote in front, which spreadsheets show as text; the stored value is never
//! changed, only what is written out.
//!
//! [`spreadsheet_safe`] is the one place that decides; every CSV the program writes goes
//! through [`SafeCsv`] (the rejected-rows file, `travelers list --format csv`, the road
//! matrix and exports, bench results), and an XLSX writer would call [`spreadsheet_safe`] on
//! each text cell.

use serde::Serialize;
use std::borrow::Cow;
use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

/// The characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `cell` as it may be written to a CSV or XLSX file: unchanged, unless a spreadsheet would run
/// it as a formula, in which case a single quote goes in front. A plain number (`-12.5`,
/// `+8613812345678`) is a number to a spreadsheet, not a formula, and stays as it is so that
/// coordinates and amounts remain numbers.
pub fn spreadsheet_safe(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some(c) if FORMULA_STARTS.contains(&c) && !is_plain_number(cell) => {
            Cow::Owned(format!("'{cell}"))
        }
        _ => Cow::Borrowed(cell),
    }
}

/// An optional sign, digits, and an optional fraction — nothing a spreadsheet could evaluate.
fn is_plain_number(s: &str) -> bool {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && !(digits.ends_with('.'))
}

/// Undoes [`spreadsheet_safe`] on a cell read back from a file the program wrote, so that a
/// corrected rejected-rows file imports the values the desk typed.
pub fn unquote_safe(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) && !is_plain_number(rest) => rest,
        _ => cell,
    }
}

/// A CSV writer whose every cell goes through [`spreadsheet_safe`].
pub struct SafeCsv<W: Write> {
    out: csv::Writer<W>,
    /// Where [`SafeCsv::serialize`] lets serde lay out a record before it is made safe.
    scratch: Option<(csv::Writer<Shared>, Shared)>,
}

impl<W: Write> SafeCsv<W> {
    /// Wraps a writer built with whatever options the file needs (flexible records, …).
    pub fn new(out: csv::Writer<W>) -> SafeCsv<W> {
        SafeCsv { out, scratch: None }
    }

    /// A writer with csv's defaults.
    pub fn from_writer(out: W) -> SafeCsv<W> {
        SafeCsv::new(csv::Writer::from_writer(out))
    }

    pub fn write_record<I, T>(&mut self, record: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        self.out.write_record(
            record
                .into_iter()
                .map(|cell| spreadsheet_safe(cell.as_ref()).into_owned()),
        )
    }

    /// A serde record, as `csv::Writer::serialize` lays it out (a header row before the first),
    /// every cell made safe.
    pub fn serialize<S: Serialize>(&mut self, record: &S) -> csv::Result<()> {
        let (writer, buffer) = self.scratch.get_or_insert_with(|| {
            let buffer = Shared::default();
            (csv::Writer::from_writer(buffer.clone()), buffer)
        });
        writer.serialize(record)?;
        writer.flush()?;
        let bytes = std::mem::take(&mut *buffer.0.borrow_mut());
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes.as_slice());
        for laid_out in reader.records() {
            self.write_record(&laid_out?)?;
        }
        Ok(())
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// A byte buffer the scratch writer fills and [`SafeCsv::serialize`] drains.
#[derive(Clone, Default)]
struct Shared(Rc<RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_get_a_quote_and_nothing_else_changes() {
        for (cell, written) in [
            ("=1+1", "'=1+1"),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("-", "'-"),
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
        ] {
            assert_eq!(spreadsheet_safe(cell), written, "{cell:?}");
            assert_eq!(unquote_safe(written), cell, "{cell:?}");
        }
        for cell in [
            "",
            "王伟",
            "E12345678",
            "a=b",
            "-12.5",
            "+8613812345678",
            "31.2497",
            "'quoted",
            " =1",
        ] {
            assert!(matches!(spreadsheet_safe(cell), Cow::Borrowed(c) if c == cell));
            assert_eq!(unquote_safe(cell), cell);
        }
    }

    #[test]
    fn serialized_records_are_safe_with_their_header() {
        #[derive(Serialize)]
        struct R<'a> {
            name: &'a str,
            lat: f64,
        }
        let mut out = Vec::new();
        {
            let mut w = SafeCsv::from_writer(&mut out);
            w.serialize(&R {
                name: "=1+1",
                lat: -33.5,
            })
            .unwrap();
            w.serialize(&R {
                name: "a,\"b\"\nc",
                lat: 1.0,
            })
            .unwrap();
            w.flush().unwrap();
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "name,lat\n'=1+1,-33.5\n\"a,\"\"b\"\"\nc\",1.0\n"
        );
    }
}
