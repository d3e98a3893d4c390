//! From grids to validated rows: every row checked, every problem reported at once.

use crate::columns::{Field, Layout, find_layout};
use crate::normalize;
use crate::problem::{Problem, RowError};
use crate::source::{self, Cell, Format, Grid, Row, SourceError};
use chrono::NaiveDateTime;
use closedloop_domain::Lang;
use closedloop_domain::arrival::{Arrival, ArrivalKey, TransportNumber};
use closedloop_domain::country;
use closedloop_domain::manifest::ManifestRow;
use closedloop_domain::policy::PolicyBook;
use closedloop_domain::port::PortDirectory;
use closedloop_domain::traveler::{
    DestinationKind, Document, DocumentType, HealthStatus, Sex, SpecialNeed, SpecialNeeds, Traveler,
};
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

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
    #[error("{file}, sheet {sheet:?}: missing column(s) {}", .columns.join(", "))]
    MissingColumns {
        file: String,
        sheet: String,
        columns: Vec<&'static str>,
    },
    #[error(
        "{file}, sheet {sheet:?}: columns {first:?} and {second:?} both mean {field}; keep one"
    )]
    DuplicateColumn {
        file: String,
        sheet: String,
        field: &'static str,
        first: String,
        second: String,
    },
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    SheetValues(Vec<RowError>),
}

impl IntakeError {
    pub fn message(&self, lang: Lang) -> String {
        match (lang, self) {
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
                format!("{file}，工作表“{sheet}”：缺少列 {}", columns.join("、"))
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
                    "{file}，工作表“{sheet}”：“{first}”与“{second}”两列都表示 {field}；请保留一列"
                )
            }
            (_, IntakeError::SheetValues(errors)) => errors
                .iter()
                .map(|e| e.message(lang))
                .collect::<Vec<_>>()
                .join("\n"),
            _ => self.to_string(),
        }
    }
}

const REQUIRED: [Field; 3] = [Field::Name, Field::DocumentNumber, Field::Nationality];

/// Reads and validates a manifest file.
pub fn read_manifest(path: &Path, opts: &IntakeOptions<'_>) -> Result<Manifest, IntakeError> {
    let grids = source::read_path(path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    parse_grids(&name, &grids, opts)
}

/// Validates grids already read (one per sheet).
pub fn parse_grids(
    file_name: &str,
    grids: &[Grid],
    opts: &IntakeOptions<'_>,
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
                "sheet {:?} has no header row and was skipped",
                grid.name
            ));
            continue;
        };
        any_header = true;
        check_columns(file_name, grid, &layout)?;
        for h in layout.unknown_columns() {
            m.warnings
                .push(format!("column {h:?} is not a known field and was ignored"));
        }
        if m.header.is_empty() {
            m.header = layout.header.clone();
        }
        let sheet = (grids.len() > 1).then(|| grid.name.clone());
        let ctx = SheetContext::new(&layout, sheet, opts)?;
        let start = layout.header_index.map_or(0, |i| i + 1);
        for row in &grid.rows[start..] {
            if is_footer(row) {
                continue;
            }
            m.data_rows += 1;
            match ctx.row(row, &mut documents) {
                Ok((arrival, traveler)) => {
                    let next = m.arrivals.len();
                    let idx = *arrivals.entry(arrival.key()).or_insert(next);
                    if idx == next {
                        m.arrivals.push(arrival);
                    }
                    m.rows.push(ManifestRow {
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
    }
    if !any_header {
        return Err(IntakeError::NoHeader {
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

/// A sheet's layout with its column indices resolved and its sheet-wide arrival values parsed.
struct SheetContext<'a> {
    layout: &'a Layout,
    sheet: Option<String>,
    opts: &'a IntakeOptions<'a>,
    columns: HashMap<Field, usize>,
    transport: Option<TransportNumber>,
    port: Option<String>,
    time: Option<NaiveDateTime>,
}

type RowResult = Result<(Arrival, Traveler), Vec<RowError>>;

impl<'a> SheetContext<'a> {
    fn new(
        layout: &'a Layout,
        sheet: Option<String>,
        opts: &'a IntakeOptions<'a>,
    ) -> Result<Self, IntakeError> {
        let columns = layout
            .fields
            .iter()
            .enumerate()
            .filter_map(|(i, f)| f.map(|f| (f, i)))
            .collect();
        let mut ctx = SheetContext {
            layout,
            sheet,
            opts,
            columns,
            transport: None,
            port: None,
            time: None,
        };
        let mut errors = Vec::new();
        for (field, cell, row) in &layout.sheet_values {
            let err = |problem| RowError {
                sheet: ctx.sheet.clone(),
                row: *row,
                column: field.display().into(),
                problem,
            };
            match field {
                Field::Transport => match TransportNumber::parse(&cell.as_text()) {
                    Ok(t) => ctx.transport = Some(t),
                    Err(e) => errors.push(err(Problem::Domain(e))),
                },
                Field::Port => match ctx.port_code(cell) {
                    Ok(p) => ctx.port = Some(p),
                    Err(p) => errors.push(err(p)),
                },
                Field::ArrivalTime => match cell_datetime(cell) {
                    Ok(t) => ctx.time = Some(t),
                    Err(p) => errors.push(err(p)),
                },
                _ => {}
            }
        }
        if let Some(t) = &opts.transport_override {
            ctx.transport = Some(t.clone());
        }
        if errors.is_empty() {
            Ok(ctx)
        } else {
            Err(IntakeError::SheetValues(errors))
        }
    }

    fn port_code(&self, cell: &Cell) -> Result<String, Problem> {
        let name = normalize::text(&cell.as_text());
        self.opts
            .ports
            .find(&name)
            .map(|p| p.code.clone())
            .ok_or(Problem::UnknownPort(name))
    }

    fn cell<'r>(&self, row: &'r Row, field: Field) -> Option<&'r Cell> {
        self.columns
            .get(&field)
            .map(|i| row.get(*i))
            .filter(|c| !c.is_empty())
    }

    fn text<'r>(&self, row: &'r Row, field: Field) -> Option<Cow<'r, str>> {
        self.cell(row, field).map(|c| match c.as_text() {
            Cow::Borrowed(s) => normalize::text_cow(s),
            Cow::Owned(s) => Cow::Owned(normalize::text(&s)),
        })
    }

    fn row(
        &self,
        row: &Row,
        documents: &mut HashMap<(&'static str, DocumentType, String), usize>,
    ) -> RowResult {
        let mut errors = Vec::new();
        let mut fail = |field: Field, problem: Problem| {
            let column = self.columns.get(&field).map_or_else(
                || field.display().to_string(),
                |i| self.layout.header[*i].clone(),
            );
            errors.push(RowError {
                sheet: self.sheet.clone(),
                row: row.number,
                column,
                problem,
            });
        };
        macro_rules! parse_or {
            ($field:expr, $default:expr) => {
                match self.text(row, $field) {
                    None => Some($default),
                    Some(t) => t.parse().map_err(|e| fail($field, Problem::Domain(e))).ok(),
                }
            };
        }

        let name = self.text(row, Field::Name).map(|n| person_name(&n));
        if name.is_none() {
            fail(Field::Name, Problem::Required);
        }
        let sex: Option<Sex> = parse_or!(Field::Sex, Sex::Unknown);
        let kind: Option<DocumentType> = parse_or!(Field::DocumentType, DocumentType::Passport);
        let health: Option<HealthStatus> = parse_or!(Field::Health, HealthStatus::Normal);
        let destination: Option<DestinationKind> =
            parse_or!(Field::DestinationKind, DestinationKind::Hotel);
        let number = self
            .text(row, Field::DocumentNumber)
            .map(|t| normalize::document_number(&t));
        let document = match (kind, number) {
            (_, None) => {
                fail(Field::DocumentNumber, Problem::Required);
                None
            }
            (Some(k), Some(n)) => Document::new(k, &n)
                .map_err(|e| fail(Field::DocumentNumber, Problem::Domain(e)))
                .ok(),
            (None, Some(_)) => None,
        };
        let nationality = match self.text(row, Field::Nationality) {
            None => {
                fail(Field::Nationality, Problem::Required);
                None
            }
            Some(t) => country::lookup(&t).or_else(|| {
                fail(Field::Nationality, Problem::UnknownCountry(t.into_owned()));
                None
            }),
        };
        let birth_date = self
            .cell(row, Field::BirthDate)
            .and_then(|c| match cell_datetime(c) {
                Ok(t) => Some(t.date()),
                Err(p) => {
                    fail(Field::BirthDate, p);
                    None
                }
            });
        let phone = self.text(row, Field::Phone).and_then(|t| {
            normalize::phone(&t, &self.opts.default_country_code)
                .map_err(|e| fail(Field::Phone, Problem::Phone(e)))
                .ok()
        });
        let language = self.text(row, Field::Language).and_then(|t| {
            language_code(&t).or_else(|| {
                fail(Field::Language, Problem::UnknownLanguage(t.into_owned()));
                None
            })
        });
        let address = self
            .text(row, Field::DestinationAddress)
            .map(Cow::into_owned);
        if destination == Some(DestinationKind::Home) && address.is_none() {
            fail(Field::DestinationAddress, Problem::AddressRequiredForHome);
        }
        let family_group = self.text(row, Field::FamilyGroup).map(Cow::into_owned);
        let notes = self.text(row, Field::Notes).map(Cow::into_owned);
        let mut needs = SpecialNeeds::default();
        if let Some(t) = self.text(row, Field::SpecialNeeds) {
            for word in t
                .split([',', '，', '、', ';', '；', '/', ' '])
                .filter(|w| !w.is_empty())
            {
                match word.parse::<SpecialNeed>() {
                    Ok(n) => needs.insert(n),
                    Err(e) => fail(Field::SpecialNeeds, Problem::Domain(e)),
                }
            }
        }
        if let Some(n) = &notes {
            for need in SpecialNeeds::scan_note(n).iter() {
                needs.insert(need);
            }
        }
        if family_group.is_some() {
            needs.insert(SpecialNeed::FamilyGroup);
        }
        let arrival = self.arrival(row, &mut fail);

        if let (Some(b), Some(a)) = (birth_date, &arrival) {
            let day = a.scheduled_at.date();
            if b > day {
                fail(
                    Field::BirthDate,
                    Problem::BirthAfterArrival {
                        birth: b,
                        arrival: day,
                    },
                );
            } else if day.years_since(b).unwrap_or(0) > 130 {
                fail(Field::BirthDate, Problem::TooOld { birth: b });
            } else if let Some(p) = self.opts.policy.and_then(|book| book.in_force(day)) {
                let age = day.years_since(b).unwrap_or(0);
                if age >= p.elderly_age {
                    needs.insert(SpecialNeed::Elderly);
                } else if age < p.child_age {
                    needs.insert(SpecialNeed::Child);
                }
            }
        }
        if let (Some(d), Some(c)) = (&document, nationality) {
            match documents.get(&(c.alpha3, d.kind, d.number.clone())) {
                Some(first) => fail(
                    Field::DocumentNumber,
                    Problem::DuplicateInFile { first_row: *first },
                ),
                None if errors.is_empty() => {
                    documents.insert((c.alpha3, d.kind, d.number.clone()), row.number);
                }
                None => {}
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let (
            Some(name),
            Some(sex),
            Some(document),
            Some(nationality),
            Some(health),
            Some(destination),
            Some(arrival),
        ) = (
            name,
            sex,
            document,
            nationality,
            health,
            destination,
            arrival,
        )
        else {
            unreachable!("every missing value above recorded an error");
        };
        let traveler = Traveler {
            name,
            sex,
            birth_date,
            nationality,
            document,
            phone,
            language,
            health,
            special_needs: needs,
            destination_kind: destination,
            destination_address: address,
            family_group,
            notes,
        };
        Ok((arrival, traveler))
    }

    fn arrival(&self, row: &Row, fail: &mut impl FnMut(Field, Problem)) -> Option<Arrival> {
        let fallback = self.opts.fallback_arrival.as_ref();
        let transport = match (
            &self.opts.transport_override,
            self.text(row, Field::Transport),
        ) {
            (Some(t), _) => Some(t.clone()),
            (None, Some(t)) => TransportNumber::parse(&t)
                .map_err(|e| fail(Field::Transport, Problem::Domain(e)))
                .ok(),
            (None, None) => self.transport.clone().or_else(|| {
                fail(
                    Field::Transport,
                    Problem::NoArrival {
                        missing: "flight/train number",
                    },
                );
                None
            }),
        };
        let port = match self.cell(row, Field::Port) {
            Some(c) => self.port_code(c).map_err(|p| fail(Field::Port, p)).ok(),
            None => self
                .port
                .clone()
                .or_else(|| fallback.map(|a| a.port_code.clone()))
                .or_else(|| {
                    fail(
                        Field::Port,
                        Problem::NoArrival {
                            missing: "port of entry",
                        },
                    );
                    None
                }),
        };
        let time = match self.cell(row, Field::ArrivalTime) {
            Some(c) => cell_datetime(c)
                .map_err(|p| fail(Field::ArrivalTime, p))
                .ok(),
            None => self
                .time
                .or_else(|| fallback.map(|a| a.scheduled_at))
                .or_else(|| {
                    fail(
                        Field::ArrivalTime,
                        Problem::NoArrival {
                            missing: "arrival time",
                        },
                    );
                    None
                }),
        };
        Some(Arrival {
            transport: transport?,
            port_code: port?,
            scheduled_at: time?,
            actual_at: None,
        })
    }
}

/// "王　伟" is 王伟: desks pad two-character Chinese names to align them; a space between two
/// Chinese characters is never part of the name. Latin names keep their spaces.
fn person_name(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let cjk = |c: char| matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFD);
    chars
        .iter()
        .enumerate()
        .filter(|(i, c)| {
            !(**c == ' '
                && *i > 0
                && cjk(chars[i - 1])
                && chars.get(i + 1).is_some_and(|n| cjk(*n)))
        })
        .map(|(_, c)| *c)
        .collect()
}

/// A date or date-time from any cell: Excel date cells and numbers are serials, text is parsed.
fn cell_datetime(cell: &Cell) -> Result<NaiveDateTime, Problem> {
    match cell {
        Cell::DateTime(n) | Cell::Number(n) => normalize::excel_serial(*n).ok_or_else(|| {
            Problem::Date(normalize::DateError::OutOfRange(
                cell.as_text().into_owned(),
            ))
        }),
        _ => normalize::datetime(&cell.as_text())
            .map(|(t, _)| t)
            .map_err(Problem::Date),
    }
}

/// A short language code from a name or code desks write ("中文", "English", "ja").
pub fn language_code(s: &str) -> Option<String> {
    const NAMES: &[(&str, &[&str])] = &[
        (
            "zh",
            &[
                "中文",
                "汉语",
                "普通话",
                "国语",
                "粤语",
                "chinese",
                "mandarin",
                "cantonese",
            ],
        ),
        ("en", &["英语", "英文", "english"]),
        ("ja", &["日语", "日文", "japanese"]),
        ("ko", &["韩语", "朝鲜语", "韩文", "korean"]),
        ("fr", &["法语", "french"]),
        ("de", &["德语", "german"]),
        ("ru", &["俄语", "russian"]),
        ("es", &["西班牙语", "spanish"]),
        ("pt", &["葡萄牙语", "portuguese"]),
        ("ar", &["阿拉伯语", "arabic"]),
        ("it", &["意大利语", "italian"]),
        ("th", &["泰语", "thai"]),
        ("vi", &["越南语", "vietnamese"]),
    ];
    let lower = s.trim().to_lowercase();
    if let Some((code, _)) = NAMES
        .iter()
        .find(|(code, names)| *code == lower || names.contains(&lower.as_str()))
    {
        return Some((*code).to_string());
    }
    let is_code = (2..=3).contains(&lower.len()) && lower.chars().all(|c| c.is_ascii_lowercase());
    is_code.then_some(lower)
}
