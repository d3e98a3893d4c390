//! A places file read into typed hotels or hospitals, every problem of every row collected at
//! once: the grid comes from the intake crate's reader (its encodings, BOM and delimiter
//! handling), the first row is the header, and each cell is judged here.

use closedloop_domain::Lang;
use closedloop_domain::excerpt::excerpt;
use closedloop_domain::geo::Coordinates;
use closedloop_intake::normalize;
use closedloop_intake::source::{Grid, Row};
use closedloop_store::places::{DesignatedHospital, QuarantineHotel};
use std::collections::HashMap;

/// The columns of a hotels file, as the CSV contract names them.
pub const HOTEL_COLUMNS: [&str; 10] = [
    "code",
    "name_zh",
    "name_en",
    "address",
    "lat",
    "lon",
    "rooms",
    "accessible_rooms",
    "languages",
    "open",
];

/// The columns of a hospitals file; `designated` may be left out (then every hospital is).
pub const HOSPITAL_COLUMNS: [&str; 7] = [
    "code",
    "name_zh",
    "name_en",
    "address",
    "lat",
    "lon",
    "designated",
];

/// The longest code: a desk's short key.
const MAX_CODE: usize = 32;
const MAX_NAME: usize = 200;
const MAX_ADDRESS: usize = 500;
/// More rooms than any hotel has: a typo, not a hotel.
pub const MAX_ROOMS: u32 = 100_000;

/// What is wrong with one cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    Required,
    TooLong { chars: usize, max: usize },
    BadCode,
    NotNumber,
    NotCount,
    OutOfRange { min: f64, max: f64 },
    AccessibleOverRooms { rooms: u32 },
    UnknownLanguage(String),
    NotYesNo,
    DuplicateCode { first_row: usize },
}

impl Problem {
    /// The stable code of the problem.
    pub fn code(&self) -> &'static str {
        match self {
            Problem::Required => "required",
            Problem::TooLong { .. } => "too_long",
            Problem::BadCode => "bad_code",
            Problem::NotNumber => "not_a_number",
            Problem::NotCount => "not_a_count",
            Problem::OutOfRange { .. } => "out_of_range",
            Problem::AccessibleOverRooms { .. } => "accessible_rooms_exceed_rooms",
            Problem::UnknownLanguage(_) => "unknown_language",
            Problem::NotYesNo => "not_yes_no",
            Problem::DuplicateCode { .. } => "duplicate_code",
        }
    }

    /// What is wrong with `value`, in `lang`.
    pub fn message(&self, value: &str, lang: Lang) -> String {
        let v = excerpt(value);
        match (lang, self) {
            (Lang::En, Problem::Required) => "is empty, but this column is required".into(),
            (Lang::ZhCn, Problem::Required) => "为空，但此列为必填".into(),
            (Lang::En, Problem::TooLong { chars, max }) => {
                format!("{v} is {chars} characters long, at most {max} are allowed")
            }
            (Lang::ZhCn, Problem::TooLong { chars, max }) => {
                format!("{v} 长 {chars} 个字符，最多允许 {max} 个")
            }
            (Lang::En, Problem::BadCode) => {
                format!("{v} is not a code: 1 to {MAX_CODE} letters, digits, '-', '_' or '.'")
            }
            (Lang::ZhCn, Problem::BadCode) => {
                format!("{v} 不是有效代码：应为 1 到 {MAX_CODE} 个字母、数字、“-”、“_”或“.”")
            }
            (Lang::En, Problem::NotNumber) => format!("{v} is not a number"),
            (Lang::ZhCn, Problem::NotNumber) => format!("{v} 不是数字"),
            (Lang::En, Problem::NotCount) => format!("{v} is not a whole number"),
            (Lang::ZhCn, Problem::NotCount) => format!("{v} 不是整数"),
            (Lang::En, Problem::OutOfRange { min, max }) => {
                format!("{v} is out of range: {min} to {max}")
            }
            (Lang::ZhCn, Problem::OutOfRange { min, max }) => {
                format!("{v} 超出范围：应在 {min} 到 {max} 之间")
            }
            (Lang::En, Problem::AccessibleOverRooms { rooms }) => {
                format!("{v} is more than the hotel's {rooms} rooms")
            }
            (Lang::ZhCn, Problem::AccessibleOverRooms { rooms }) => {
                format!("{v} 超过酒店房间总数 {rooms}")
            }
            (Lang::En, Problem::UnknownLanguage(l)) => format!(
                "{v}: unknown language {}; write codes (zh;en;ja) or names (中文;English) separated by ';'",
                excerpt(l)
            ),
            (Lang::ZhCn, Problem::UnknownLanguage(l)) => format!(
                "{v}：无法识别的语言 {}；请填写以“;”分隔的代码（zh;en;ja）或名称（中文;English）",
                excerpt(l)
            ),
            (Lang::En, Problem::NotYesNo) => {
                format!("{v} is neither yes nor no: write true/false, yes/no, 1/0 or 是/否")
            }
            (Lang::ZhCn, Problem::NotYesNo) => {
                format!("{v} 既不是“是”也不是“否”：请填写 是/否、true/false、yes/no 或 1/0")
            }
            (Lang::En, Problem::DuplicateCode { first_row }) => {
                format!("{v} is already the code of row {first_row}")
            }
            (Lang::ZhCn, Problem::DuplicateCode { first_row }) => {
                format!("{v} 已是第 {first_row} 行的代码")
            }
        }
    }
}

/// One problem at one cell of the file: its row as the file numbers it, its column, the
/// value found there.
#[derive(Debug, Clone, PartialEq)]
pub struct RowProblem {
    pub row: usize,
    pub column: &'static str,
    pub value: String,
    pub problem: Problem,
}

impl RowProblem {
    /// `row N, column "X": what is wrong` (第 N 行，“X”列：…).
    pub fn message(&self, lang: Lang) -> String {
        let what = self.problem.message(&self.value, lang);
        match lang {
            Lang::En => format!("row {}, column {:?}: {what}", self.row, self.column),
            Lang::ZhCn => format!("第 {} 行，“{}”列：{what}", self.row, self.column),
        }
    }
}

/// Why the file as a whole cannot be read as this kind of places.
#[derive(Debug, Clone, PartialEq)]
pub enum HeaderProblem {
    /// Required columns the header lacks.
    Missing(Vec<&'static str>),
    /// A column named twice.
    Twice(&'static str),
}

/// The file's header: where each known column is, and the columns nobody reads.
struct Header {
    at: HashMap<&'static str, usize>,
    unknown: Vec<String>,
}

fn header(row: &Row, columns: &[&'static str], optional: &[&str]) -> Result<Header, HeaderProblem> {
    let mut at = HashMap::new();
    let mut unknown = Vec::new();
    for (i, cell) in row.cells.iter().enumerate() {
        let name = normalize::text(&cell.as_text()).to_lowercase();
        if name.is_empty() {
            continue;
        }
        match columns.iter().find(|c| **c == name) {
            Some(c) => {
                if at.insert(*c, i).is_some() {
                    return Err(HeaderProblem::Twice(c));
                }
            }
            None => unknown.push(name),
        }
    }
    let missing: Vec<&'static str> = columns
        .iter()
        .copied()
        .filter(|c| !at.contains_key(c) && !optional.contains(c))
        .collect();
    if !missing.is_empty() {
        return Err(HeaderProblem::Missing(missing));
    }
    Ok(Header { at, unknown })
}

/// The rows of a file read: the places, or every problem; and the columns not read.
pub struct Read<T> {
    pub rows: usize,
    pub places: Vec<T>,
    pub problems: Vec<RowProblem>,
    pub unknown_columns: Vec<String>,
}

/// One data row being read: each accessor returns the value or records its problem.
struct Cells<'a> {
    row: &'a Row,
    header: &'a Header,
    problems: &'a mut Vec<RowProblem>,
}

impl Cells<'_> {
    /// The normalised text of `column` (empty when absent).
    fn raw(&self, column: &'static str) -> String {
        self.header
            .at
            .get(column)
            .map(|&i| normalize::text(&self.row.get(i).as_text()))
            .unwrap_or_default()
    }

    fn fail(&mut self, column: &'static str, value: &str, problem: Problem) {
        self.problems.push(RowProblem {
            row: self.row.number,
            column,
            value: value.to_string(),
            problem,
        });
    }

    fn text(&mut self, column: &'static str, max: usize) -> Option<String> {
        let v = self.raw(column);
        let chars = v.chars().count();
        if v.is_empty() {
            self.fail(column, &v, Problem::Required);
            None
        } else if chars > max {
            self.fail(column, &v, Problem::TooLong { chars, max });
            None
        } else {
            Some(v)
        }
    }

    fn code(&mut self) -> Option<String> {
        let v = self.text("code", MAX_CODE)?;
        match code(&v) {
            Some(c) => Some(c),
            None => {
                self.fail("code", &v, Problem::BadCode);
                None
            }
        }
    }

    fn number(&mut self, column: &'static str) -> Option<f64> {
        let v = self.text(column, MAX_NAME)?;
        match v.parse::<f64>() {
            Ok(n) if n.is_finite() => Some(n),
            _ => {
                self.fail(column, &v, Problem::NotNumber);
                None
            }
        }
    }

    fn location(&mut self) -> Option<Coordinates> {
        let (lat, lon) = (self.number("lat"), self.number("lon"));
        let (lat, lon) = (lat?, lon?);
        match Coordinates::new(lat, lon) {
            Ok(c) => Some(c),
            Err(_) => {
                // Coordinates names only the first coordinate out of range: name each.
                for (column, n, max) in [("lat", lat, 90.0), ("lon", lon, 180.0)] {
                    if !(-max..=max).contains(&n) {
                        let v = self.raw(column);
                        self.fail(column, &v, Problem::OutOfRange { min: -max, max });
                    }
                }
                None
            }
        }
    }

    fn count(&mut self, column: &'static str, min: u32, max: u32) -> Option<u32> {
        let v = self.text(column, MAX_NAME)?;
        match count(&v) {
            Some(n) if (min..=max).contains(&n) => Some(n),
            Some(_) => {
                let (min, max) = (f64::from(min), f64::from(max));
                self.fail(column, &v, Problem::OutOfRange { min, max });
                None
            }
            None if v.parse::<f64>().is_ok_and(|n| n < 0.0 || n.fract() == 0.0) => {
                self.fail(
                    column,
                    &v,
                    Problem::OutOfRange {
                        min: f64::from(min),
                        max: f64::from(max),
                    },
                );
                None
            }
            None => {
                self.fail(column, &v, Problem::NotCount);
                None
            }
        }
    }

    fn languages(&mut self) -> Option<Vec<String>> {
        let v = self.text("languages", MAX_NAME)?;
        match languages(&v) {
            Ok(l) => Some(l),
            Err(bad) => {
                self.fail("languages", &v, Problem::UnknownLanguage(bad));
                None
            }
        }
    }

    /// A yes/no column; `default` when the column is absent or the cell empty, or required
    /// when there is none.
    fn yes_no(&mut self, column: &'static str, default: Option<bool>) -> Option<bool> {
        let v = self.raw(column);
        if v.is_empty() {
            if default.is_none() {
                self.fail(column, &v, Problem::Required);
            }
            return default;
        }
        let b = yes_no(&v);
        if b.is_none() {
            self.fail(column, &v, Problem::NotYesNo);
        }
        b
    }
}

/// A code as stored: upper-case ASCII letters, digits, '-', '_', '.'.
pub fn code(s: &str) -> Option<String> {
    let s = s.trim();
    let ok = !s.is_empty()
        && s.len() <= MAX_CODE
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    ok.then(|| s.to_ascii_uppercase())
}

fn count(s: &str) -> Option<u32> {
    let s = s.strip_suffix(".0").unwrap_or(s);
    if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Language codes from `zh;en;ja` (or names, or other separators desks use), each once;
/// the first word no language answers to is the error.
fn languages(s: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for word in s.split([';', '；', ',', '，', '、', '/', '|']) {
        let word = word.trim();
        if word.is_empty() {
            continue;
        }
        let code = closedloop_intake::language_code(word).ok_or_else(|| word.to_string())?;
        if !out.contains(&code) {
            out.push(code);
        }
    }
    if out.is_empty() {
        return Err(s.to_string());
    }
    Ok(out)
}

fn yes_no(s: &str) -> Option<bool> {
    const YES: &[&str] = &["true", "yes", "y", "1", "是", "open", "开放", "开"];
    const NO: &[&str] = &["false", "no", "n", "0", "否", "closed", "关闭", "关"];
    let l = s.trim().to_lowercase();
    if YES.contains(&l.as_str()) {
        Some(true)
    } else if NO.contains(&l.as_str()) {
        Some(false)
    } else {
        None
    }
}

/// Splits the grid into header and data rows, then reads every row with `read`; a code seen
/// on an earlier row is a problem of the later one.
fn read_grid<T>(
    grid: &Grid,
    columns: &[&'static str],
    optional: &[&str],
    mut read: impl FnMut(&mut Cells<'_>) -> Option<T>,
) -> Result<Read<T>, HeaderProblem> {
    let Some((first, data)) = grid.rows.split_first() else {
        return Err(HeaderProblem::Missing(columns.to_vec()));
    };
    let header = header(first, columns, optional)?;
    let mut problems = Vec::new();
    let mut places = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for row in data {
        let mut cells = Cells {
            row,
            header: &header,
            problems: &mut problems,
        };
        // A code seen before is named whatever else the row holds.
        let raw = cells.raw("code");
        let key = code(&raw);
        let first_row = key.as_ref().and_then(|c| seen.get(c).copied());
        match (first_row, key) {
            (Some(first_row), _) => {
                cells.fail("code", &raw, Problem::DuplicateCode { first_row });
            }
            (None, Some(key)) => {
                seen.insert(key, row.number);
            }
            (None, None) => {}
        }
        let place = read(&mut cells);
        if let (Some(place), None) = (place, first_row) {
            places.push(place);
        }
    }
    Ok(Read {
        rows: data.len(),
        places,
        problems,
        unknown_columns: header.unknown,
    })
}

/// Reads a hotels grid.
pub fn hotels(grid: &Grid) -> Result<Read<QuarantineHotel>, HeaderProblem> {
    read_grid(grid, &HOTEL_COLUMNS, &[], |c| {
        // Every cell is judged, so that one reading names every problem of the row.
        let code = c.code();
        let name_zh = c.text("name_zh", MAX_NAME);
        let name_en = c.text("name_en", MAX_NAME);
        let address = c.text("address", MAX_ADDRESS);
        let location = c.location();
        let rooms = c.count("rooms", 1, MAX_ROOMS);
        let accessible = c.count("accessible_rooms", 0, MAX_ROOMS);
        let languages = c.languages();
        let open = c.yes_no("open", None);
        if let (Some(r), Some(a)) = (rooms, accessible)
            && a > r
        {
            let v = c.raw("accessible_rooms");
            c.fail(
                "accessible_rooms",
                &v,
                Problem::AccessibleOverRooms { rooms: r },
            );
            return None;
        }
        Some(QuarantineHotel {
            code: code?,
            name_zh: name_zh?,
            name_en: name_en?,
            address: address?,
            location: location?,
            rooms: rooms?,
            accessible_rooms: accessible?,
            languages: languages?,
            open: open?,
        })
    })
}

/// Reads a hospitals grid.
pub fn hospitals(grid: &Grid) -> Result<Read<DesignatedHospital>, HeaderProblem> {
    read_grid(grid, &HOSPITAL_COLUMNS, &["designated"], |c| {
        let code = c.code();
        let name_zh = c.text("name_zh", MAX_NAME);
        let name_en = c.text("name_en", MAX_NAME);
        let address = c.text("address", MAX_ADDRESS);
        let location = c.location();
        let designated = c.yes_no("designated", Some(true));
        Some(DesignatedHospital {
            code: code?,
            name_zh: name_zh?,
            name_en: name_en?,
            address: address?,
            location: location?,
            designated: designated?,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn languages_read_codes_and_names_once_each() {
        assert_eq!(languages("zh;en;ja").unwrap(), ["zh", "en", "ja"]);
        assert_eq!(languages("中文、English；zh").unwrap(), ["zh", "en"]);
        assert_eq!(languages("zh;klingon").unwrap_err(), "klingon");
        assert!(languages(";;").is_err());
    }

    #[test]
    fn codes_are_upper_case_and_short() {
        assert_eq!(code(" h-01 ").as_deref(), Some("H-01"));
        assert_eq!(code("酒店"), None);
        assert_eq!(code(&"A".repeat(MAX_CODE + 1)), None);
    }

    proptest! {
        #[test]
        fn counts_read_back_and_only_from_digits(n in any::<u32>(), s in "\\PC{0,12}") {
            prop_assert_eq!(count(&n.to_string()), Some(n));
            if let Some(m) = count(&s) {
                let digits = s.strip_suffix(".0").unwrap_or(&s);
                prop_assert!(digits.chars().all(|c| c.is_ascii_digit()));
                prop_assert_eq!(digits.parse::<u32>().ok(), Some(m));
            }
        }

        #[test]
        fn yes_no_never_panics(s in "\\PC{0,12}") {
            let _ = yes_no(&s);
            let _ = languages(&s);
            let _ = code(&s);
        }
    }
}
