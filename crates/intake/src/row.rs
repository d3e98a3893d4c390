//! One row's validation: every field read, normalised and checked, every problem collected.

use crate::columns::{Field, Layout};
use crate::manifest::IntakeOptions;
use crate::normalize;
use crate::problem::{Problem, RowError};
use crate::source::{Cell, Format, Row};
use chrono::NaiveDateTime;
use closedloop_domain::arrival::{Arrival, TransportNumber};
use closedloop_domain::country::{self, Country};
use closedloop_domain::traveler::{
    DestinationKind, Document, DocumentType, HealthStatus, Sex, SpecialNeed, SpecialNeeds, Traveler,
};
use std::borrow::Cow;
use std::collections::HashMap;

/// Per-thread memory of lookups: a manifest repeats the same few nationalities thousands of
/// times, and each lookup normalises its key.
#[derive(Default)]
pub(crate) struct Memo {
    countries: HashMap<String, Option<&'static Country>>,
}

impl Memo {
    fn country(&mut self, name: &str) -> Option<&'static Country> {
        if let Some(c) = self.countries.get(name) {
            return *c;
        }
        let c = country::lookup(name);
        self.countries.insert(name.to_string(), c);
        c
    }
}

/// A value of the block above the header: read, or wrong (with its row number), in which case
/// every row that takes the value from there carries the problem.
type BlockValue<T> = Option<Result<T, (usize, Problem)>>;

/// A sheet's layout with its column indices resolved and its sheet-wide arrival values parsed.
pub(crate) struct SheetContext<'a> {
    layout: &'a Layout,
    pub(crate) sheet: Option<String>,
    format: Format,
    opts: &'a IntakeOptions<'a>,
    columns: [Option<usize>; Field::COUNT],
    transport: BlockValue<TransportNumber>,
    port: BlockValue<String>,
    time: BlockValue<NaiveDateTime>,
}

pub(crate) type RowResult = Result<(Arrival, Traveler), Vec<RowError>>;

impl<'a> SheetContext<'a> {
    /// Never fails: a wrong value above the header is not an error of the sheet but of the rows
    /// that take it from there, so those are reported together with every other row's problems.
    pub(crate) fn new(
        layout: &'a Layout,
        sheet: Option<String>,
        format: Format,
        opts: &'a IntakeOptions<'a>,
    ) -> Self {
        let mut columns = [None; Field::COUNT];
        for (i, f) in layout.fields.iter().enumerate() {
            if let Some(f) = f {
                columns[*f as usize].get_or_insert(i);
            }
        }
        let mut ctx = SheetContext {
            layout,
            sheet,
            format,
            opts,
            columns,
            transport: None,
            port: None,
            time: None,
        };
        // A later value replaces an earlier one, but never hides an earlier mistake.
        fn set<T>(slot: &mut BlockValue<T>, value: Result<T, Problem>, row: usize) {
            if !matches!(slot, Some(Err(_))) {
                *slot = Some(value.map_err(|p| (row, p)));
            }
        }
        for (field, cell, row) in &layout.sheet_values {
            if let Some(problem) = ctx.refusal(*field, cell) {
                match field {
                    Field::Transport => set(&mut ctx.transport, Err(problem), *row),
                    Field::Port => set(&mut ctx.port, Err(problem), *row),
                    Field::ArrivalTime => set(&mut ctx.time, Err(problem), *row),
                    _ => {}
                }
                continue;
            }
            match field {
                Field::Transport => set(
                    &mut ctx.transport,
                    TransportNumber::parse(&cell.as_text()).map_err(Problem::Domain),
                    *row,
                ),
                Field::Port => {
                    let code = ctx.port_code(cell);
                    set(&mut ctx.port, code, *row);
                }
                Field::ArrivalTime => {
                    let time = cell_datetime(cell).and_then(|t| ctx.plausible_arrival(t));
                    set(&mut ctx.time, time, *row);
                }
                _ => {}
            }
        }
        ctx
    }

    /// The wrong values of the block above the header, as errors of the rows they stand on.
    pub(crate) fn block_errors(&self) -> Vec<RowError> {
        fn wrong<T>(v: &BlockValue<T>) -> Option<&(usize, Problem)> {
            v.as_ref()?.as_ref().err()
        }
        [
            (Field::Transport, wrong(&self.transport)),
            (Field::Port, wrong(&self.port)),
            (Field::ArrivalTime, wrong(&self.time)),
        ]
        .into_iter()
        .filter_map(|(field, e)| {
            let (row, problem) = e?;
            Some(RowError {
                sheet: self.sheet.clone(),
                row: *row,
                column: field.display().into(),
                problem: problem.clone(),
            })
        })
        .collect()
    }

    /// Why a cell is not read at all: longer than the limits allow, or (in JSON lines) a
    /// number, a boolean, an array or an object where text is expected.
    fn refusal(&self, field: Field, cell: &Cell) -> Option<Problem> {
        let limits = &self.opts.limits;
        let max = match field {
            Field::Name => limits.name_chars,
            _ => limits.text_chars,
        };
        // Only text can be long (numbers and booleans are a few characters), and at most `max`
        // bytes is at most `max` characters: most cells never count.
        if let Cell::Text(text) | Cell::Json(text) = cell
            && text.len() > max
        {
            let chars = text.chars().count();
            if chars > max {
                return Some(Problem::TooLong { chars, max });
            }
        }
        let numbers_allowed = matches!(
            field,
            Field::Sequence | Field::BirthDate | Field::ArrivalTime
        );
        let found = match cell {
            _ if self.format != Format::JsonLines => return None,
            Cell::Bool(_) => "boolean",
            Cell::Number(_) if !numbers_allowed => "number",
            Cell::Json(json) if json.starts_with('[') => "array",
            Cell::Json(json) if json.starts_with('{') => "object",
            Cell::Json(_) => "number",
            _ => return None,
        };
        let value = match cell {
            Cell::Bool(b) => b.to_string(),
            _ => cell.as_text().into_owned(),
        };
        Some(Problem::NotText { found, value })
    }

    /// An arrival time inside the configured window, or the problem with it.
    fn plausible_arrival(&self, t: NaiveDateTime) -> Result<NaiveDateTime, Problem> {
        let limits = &self.opts.limits;
        let date = t.date();
        if (limits.earliest_arrival..=limits.latest_arrival).contains(&date) {
            Ok(t)
        } else {
            Err(Problem::ArrivalOutsideWindow {
                date,
                earliest: limits.earliest_arrival,
                latest: limits.latest_arrival,
            })
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

    /// The header of a field's column as the file wrote it.
    pub(crate) fn header_of(&self, field: Field) -> String {
        self.columns[field as usize].map_or_else(
            || field.display().to_string(),
            |i| self.layout.header[i].clone(),
        )
    }

    fn cell<'r>(&self, row: &'r Row, field: Field) -> Option<&'r Cell> {
        self.columns[field as usize]
            .map(|i| row.get(i))
            .filter(|c| !c.is_empty())
    }

    fn text<'r>(&self, row: &'r Row, field: Field) -> Option<Cow<'r, str>> {
        self.cell(row, field).map(|c| match c.as_text() {
            Cow::Borrowed(s) => normalize::text_cow(s),
            Cow::Owned(s) => Cow::Owned(normalize::text(&s)),
        })
    }

    pub(crate) fn row(&self, row: &Row, memo: &mut Memo) -> RowResult {
        let mut errors = Vec::new();
        // Cells refused outright are reported once and then read as empty, with no further
        // error on their field ("is empty" would be wrong, and the value is not quoted again).
        let mut refused = [false; Field::COUNT];
        let mut blanked: Option<Row> = None;
        for field in Field::ALL {
            let Some(index) = self.columns[field as usize] else {
                continue;
            };
            if let Some(problem) = self.refusal(field, row.get(index)) {
                refused[field as usize] = true;
                errors.push(RowError {
                    sheet: self.sheet.clone(),
                    row: row.number,
                    column: self.header_of(field),
                    problem,
                });
                blanked.get_or_insert_with(|| row.clone()).cells[index] = Cell::Empty;
            }
        }
        let row = blanked.as_ref().unwrap_or(row);
        let mut fail = |field: Field, problem: Problem| {
            if refused[field as usize] {
                return;
            }
            let column = self.header_of(field);
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
            Some(t) => memo.country(&t).or_else(|| {
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
            (None, None) => from_block(&self.transport, || None, Field::Transport, fail),
        };
        let port = match self.cell(row, Field::Port) {
            Some(c) => self.port_code(c).map_err(|p| fail(Field::Port, p)).ok(),
            None => from_block(
                &self.port,
                || fallback.map(|a| a.port_code.clone()),
                Field::Port,
                fail,
            ),
        };
        let time = match self.cell(row, Field::ArrivalTime) {
            Some(c) => cell_datetime(c)
                .and_then(|t| self.plausible_arrival(t))
                .map_err(|p| fail(Field::ArrivalTime, p))
                .ok(),
            None => from_block(
                &self.time,
                || fallback.map(|a| a.scheduled_at),
                Field::ArrivalTime,
                fail,
            ),
        };
        Some(Arrival {
            transport: transport?,
            port_code: port?,
            scheduled_at: time?,
            actual_at: None,
        })
    }
}

/// A row's arrival value when its own cell is empty: the block above the header's (whose
/// mistake becomes the row's), else the arrival already stored, else a `NoArrival` error.
fn from_block<T: Clone>(
    block: &BlockValue<T>,
    fallback: impl FnOnce() -> Option<T>,
    field: Field,
    fail: &mut impl FnMut(Field, Problem),
) -> Option<T> {
    let problem = match block {
        Some(Ok(v)) => return Some(v.clone()),
        Some(Err((row, p))) => Problem::AboveHeader {
            row: *row,
            problem: Box::new(p.clone()),
        },
        None => match fallback() {
            Some(v) => return Some(v),
            None => Problem::NoArrival {
                missing: match field {
                    Field::Transport => "flight/train number",
                    Field::Port => "port of entry",
                    _ => "arrival time",
                },
            },
        },
    };
    fail(field, problem);
    None
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
        _ => {
            let text = cell.as_text();
            let text = text.trim();
            // A bare year ("1985") would read as Excel serial 1985, a day in 1905: refuse it.
            if text.len() == 4 && text.chars().all(|c| c.is_ascii_digit()) {
                return Err(Problem::Date(normalize::DateError::Unrecognised(
                    text.to_string(),
                )));
            }
            normalize::datetime(text)
                .map(|(t, _)| t)
                .map_err(Problem::Date)
        }
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
