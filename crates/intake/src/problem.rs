//! What is wrong with a row, in both languages: `row N, column "X": what is wrong`; and
//! [`summarize`], which reads the same problem on many rows as one line naming them.

use crate::normalize::{DateError, PhoneError};
use chrono::NaiveDate;
use closedloop_domain::excerpt::excerpt;
use closedloop_domain::{DomainError, Lang};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// A required value is empty.
    Required,
    Domain(DomainError),
    Phone(PhoneError),
    Date(DateError),
    UnknownCountry(String),
    UnknownPort(String),
    UnknownLanguage(String),
    /// Longer than the configured limit: the value is not read further, nor quoted.
    TooLong {
        chars: usize,
        max: usize,
    },
    /// A JSON lines value that is not a string where text is expected (`found`: "number",
    /// "boolean", "array", "object"); `value` is its JSON text.
    NotText {
        found: &'static str,
        value: String,
    },
    /// An arrival outside the plausible window of the configuration.
    ArrivalOutsideWindow {
        date: NaiveDate,
        earliest: NaiveDate,
        latest: NaiveDate,
    },
    /// The same document appears on an earlier row of the same file.
    DuplicateInFile {
        first_row: usize,
    },
    BirthAfterArrival {
        birth: NaiveDate,
        arrival: NaiveDate,
    },
    TooOld {
        birth: NaiveDate,
    },
    AddressRequiredForHome,
    /// No flight/train, port or time anywhere: not in the row, not above the header, not given
    /// with `--arrival`.
    NoArrival {
        missing: &'static str,
    },
    /// The row takes this value from the block above the header, on `row`, and it is wrong
    /// there.
    AboveHeader {
        row: usize,
        problem: Box<Problem>,
    },
    /// The traveler is already stored on another arrival.
    Conflict {
        transport: String,
        date: NaiveDate,
        row: i64,
    },
}

impl Problem {
    /// The stable code of the kind of problem: snake_case, never reworded once published.
    pub fn code(&self) -> &'static str {
        match self {
            Problem::Required => "value_required",
            Problem::Domain(_) => "value_invalid",
            Problem::Phone(_) => "phone_invalid",
            Problem::Date(_) => "date_invalid",
            Problem::UnknownCountry(_) => "country_unknown",
            Problem::UnknownPort(_) => "port_unknown",
            Problem::UnknownLanguage(_) => "language_unknown",
            Problem::TooLong { .. } => "value_too_long",
            Problem::NotText { .. } => "value_not_text",
            Problem::ArrivalOutsideWindow { .. } => "arrival_outside_window",
            Problem::DuplicateInFile { .. } => "duplicate_in_file",
            Problem::BirthAfterArrival { .. } => "birth_after_arrival",
            Problem::TooOld { .. } => "birth_too_early",
            Problem::AddressRequiredForHome => "address_required_for_home",
            Problem::NoArrival { .. } => "arrival_missing",
            Problem::AboveHeader { problem, .. } => problem.code(),
            Problem::Conflict { .. } => "traveler_on_another_arrival",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.english(),
            Lang::ZhCn => self.chinese(),
        }
    }

    fn english(&self) -> String {
        match self {
            Problem::Required => "is empty, but this column is required".into(),
            Problem::Domain(e) => e.to_string(),
            Problem::Phone(e) => e.to_string(),
            Problem::Date(e) => e.to_string(),
            Problem::UnknownCountry(v) => {
                format!(
                    "unknown country {}: write an ISO 3166 code (CN, USA) or the country's name",
                    excerpt(v)
                )
            }
            Problem::UnknownPort(v) => {
                format!(
                    "unknown port {}: use a port's code or name from config/ports.toml, or add it there",
                    excerpt(v)
                )
            }
            Problem::UnknownLanguage(v) => {
                format!(
                    "unknown language {}: write a language name (中文, English) or a code (zh, en, ja)",
                    excerpt(v)
                )
            }
            Problem::TooLong { chars, max } => {
                format!("is {chars} characters long; at most {max} are allowed")
            }
            Problem::NotText { found, value } => format!(
                "is the JSON {found} {}, but text is expected: write it as a string in quotes \
                 (a number loses leading zeros and, past 15 digits, digits), e.g. \"E12345678\"",
                excerpt(value)
            ),
            Problem::ArrivalOutsideWindow {
                date,
                earliest,
                latest,
            } => format!(
                "arrival on {date} is outside the plausible window {earliest} to {latest}; check the year"
            ),
            Problem::DuplicateInFile { first_row } => {
                format!(
                    "the same document is already on row {first_row} of this file; remove one of the two rows"
                )
            }
            Problem::BirthAfterArrival { birth, arrival } => {
                format!("date of birth {birth} is after the arrival on {arrival}")
            }
            Problem::TooOld { birth } => {
                format!("date of birth {birth} gives an age over 130 years")
            }
            Problem::AddressRequiredForHome => {
                "home quarantine needs the home address in the address column".into()
            }
            Problem::NoArrival { missing } => format!(
                "no {missing}: give it in a column, in the block above the header, or with --arrival"
            ),
            Problem::AboveHeader { row, problem } => format!(
                "from the block above the header (row {row}): {}",
                problem.english()
            ),
            Problem::Conflict {
                transport,
                date,
                row,
            } => format!(
                "this document is already stored on arrival {transport} of {date} (row {row} of its manifest); \
                 the same traveler cannot be on two arrivals: correct the document number or remove the row"
            ),
        }
    }

    fn chinese(&self) -> String {
        match self {
            Problem::Required => "为空，但此列为必填项".into(),
            Problem::Domain(e) => e.message(Lang::ZhCn),
            Problem::Phone(e) => format!(
                "电话号码无效（{}）：请填写带国家代码的号码，如 +86 138 1234 5678",
                phone_zh(e)
            ),
            Problem::Date(e) => format!(
                "日期无效（{}）：请按 年-月-日 填写，如 2021-03-05",
                date_zh(e)
            ),
            Problem::UnknownCountry(v) => format!(
                "无法识别的国家 {}：请填写 ISO 3166 代码（CN、USA）或国家名称",
                excerpt(v)
            ),
            Problem::UnknownPort(v) => format!(
                "无法识别的口岸 {}：请使用 config/ports.toml 中的口岸代码或名称，或在其中添加",
                excerpt(v)
            ),
            Problem::UnknownLanguage(v) => format!(
                "无法识别的语言 {}：请填写语言名称（中文、English）或代码（zh、en、ja）",
                excerpt(v)
            ),
            Problem::TooLong { chars, max } => {
                format!("长 {chars} 个字符，最多允许 {max} 个")
            }
            Problem::NotText { found, value } => format!(
                "是 JSON {} {}，但此处应为文本：请写成带引号的字符串（数字会丢失开头的 0，超过 15 位还会丢失数字），如 \"E12345678\"",
                json_kind_zh(found),
                excerpt(value)
            ),
            Problem::ArrivalOutsideWindow {
                date,
                earliest,
                latest,
            } => format!("抵达日期 {date} 不在合理范围 {earliest} 至 {latest} 内；请检查年份"),
            Problem::DuplicateInFile { first_row } => {
                format!("同一证件已出现在本文件第 {first_row} 行；请删除其中一行")
            }
            Problem::BirthAfterArrival { birth, arrival } => {
                format!("出生日期 {birth} 晚于抵达日期 {arrival}")
            }
            Problem::TooOld { birth } => format!("出生日期 {birth} 对应年龄超过 130 岁"),
            Problem::AddressRequiredForHome => "居家隔离须在地址列填写家庭住址".into(),
            Problem::NoArrival { missing } => format!(
                "缺少{}：请在列中、表头上方信息区或用 --arrival 给出",
                missing_zh(missing)
            ),
            Problem::AboveHeader { row, problem } => {
                format!("来自表头上方信息区（第 {row} 行）：{}", problem.chinese())
            }
            Problem::Conflict {
                transport,
                date,
                row,
            } => format!(
                "该证件已登记在 {date} 的 {transport} 航班/车次（其名单第 {row} 行）；同一旅客不能属于两个航班/车次：请更正证件号码或删除此行"
            ),
        }
    }
}

fn phone_zh(e: &PhoneError) -> String {
    match e {
        PhoneError::Empty => "为空".into(),
        PhoneError::BadCharacter(c) => format!("含有字符 '{c}'"),
        PhoneError::Extension => "含分机号".into(),
        PhoneError::BadCountryCode(c) => format!("'{c}' 不是国家代码"),
        PhoneError::ZeroCountryCode => "国家代码不能以 0 开头".into(),
        PhoneError::TooShort { digits } => format!("只有 {digits} 位数字"),
        PhoneError::TooLong { digits } => format!("有 {digits} 位数字，超过 15 位"),
        PhoneError::ChineseMobileLength { digits } => format!("手机号有 {digits} 位，应为 11 位"),
        PhoneError::ChineseLandlineLength { digits } => {
            format!("固定电话有 {digits} 位，应为含区号 9 至 11 位")
        }
    }
}

fn date_zh(e: &DateError) -> String {
    match e {
        DateError::Empty => "为空".into(),
        DateError::Unrecognised(v) => format!("无法识别 {}", excerpt(v)),
        DateError::Ambiguous(v) => format!("{} 日与月无法区分", excerpt(v)),
        DateError::OutOfRange(v) => format!("{} 不是真实存在的日期或时间", excerpt(v)),
    }
}

fn json_kind_zh(found: &str) -> &'static str {
    match found {
        "number" => "数字",
        "boolean" => "布尔值",
        "array" => "数组",
        _ => "对象",
    }
}

fn missing_zh(missing: &str) -> &'static str {
    match missing {
        "flight/train number" => "航班号/车次",
        "port of entry" => "入境口岸",
        _ => "抵达时间",
    }
}

/// One problem at one place of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct RowError {
    /// The sheet, named only for workbooks with several sheets.
    pub sheet: Option<String>,
    pub row: usize,
    /// The column's header as written in the file.
    pub column: String,
    pub problem: Problem,
}

impl RowError {
    /// `row N, column "X": what is wrong` (第 N 行，"X" 列：… in Chinese).
    pub fn message(&self, lang: Lang) -> String {
        let what = self.problem.message(lang);
        let (row, column) = (self.row, excerpt(&self.column));
        match (lang, &self.sheet) {
            (Lang::En, None) => format!("row {row}, column {column}: {what}"),
            (Lang::En, Some(s)) => {
                format!("sheet {}, row {row}, column {column}: {what}", excerpt(s))
            }
            (Lang::ZhCn, None) => format!("第 {row} 行，{}列：{what}", zh_quoted(&self.column)),
            (Lang::ZhCn, Some(s)) => format!(
                "工作表{}第 {row} 行，{}列：{what}",
                zh_quoted(s),
                zh_quoted(&self.column)
            ),
        }
    }
}

/// A sheet or column name in Chinese quotes (“姓名”), cut like [`excerpt`] when long.
fn zh_quoted(name: &str) -> String {
    let quoted = excerpt(name).to_string();
    if quoted.len() == name.len() + 2 && quoted[1..quoted.len() - 1] == *name {
        format!("“{name}”")
    } else {
        quoted
    }
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

/// Row errors as lines to read: the same problem in the same column of the same sheet, on
/// however many rows, is one line naming the rows — `rows 2–41, column "port": unknown port …`
/// (第 2–41 行，“port”列：…), with rows apart listed: `rows 2–5, 9` (第 2–5、9 行). A problem on
/// one row only reads exactly as [`RowError::message`]. Lines come in the order of each
/// problem's first error, so errors in row order give lines in row order.
pub fn summarize(errors: &[RowError], lang: Lang) -> Vec<String> {
    group(errors, lang)
        .into_iter()
        .map(|g| g.message(lang))
        .collect()
}

/// One problem in one column of one sheet, and the rows it is on as maximal ranges.
#[derive(Debug)]
struct Group<'e> {
    sheet: Option<&'e str>,
    column: &'e str,
    what: String,
    /// Sorted, disjoint, never adjacent: (first, last) inclusive.
    rows: Vec<(usize, usize)>,
}

fn group(errors: &[RowError], lang: Lang) -> Vec<Group<'_>> {
    let mut index: HashMap<(Option<&str>, &str, String), usize> = HashMap::new();
    let mut rows: Vec<Vec<usize>> = Vec::new();
    let mut keys = Vec::new();
    for e in errors {
        let key = (
            e.sheet.as_deref(),
            e.column.as_str(),
            e.problem.message(lang),
        );
        let i = *index.entry(key.clone()).or_insert_with(|| {
            keys.push(key);
            rows.push(Vec::new());
            rows.len() - 1
        });
        rows[i].push(e.row);
    }
    keys.into_iter()
        .zip(rows)
        .map(|((sheet, column, what), rows)| Group {
            sheet,
            column,
            what,
            rows: ranges(rows),
        })
        .collect()
}

/// Row numbers (any order, repeats allowed) as maximal runs of consecutive rows.
fn ranges(mut rows: Vec<usize>) -> Vec<(usize, usize)> {
    rows.sort_unstable();
    rows.dedup();
    let mut out: Vec<(usize, usize)> = Vec::new();
    for r in rows {
        match out.last_mut() {
            Some((_, last)) if *last + 1 == r => *last = r,
            _ => out.push((r, r)),
        }
    }
    out
}

impl Group<'_> {
    fn message(&self, lang: Lang) -> String {
        let list = self
            .rows
            .iter()
            .map(|&(a, b)| {
                if a == b {
                    a.to_string()
                } else {
                    format!("{a}–{b}")
                }
            })
            .collect::<Vec<_>>();
        let one = matches!(self.rows[..], [(a, b)] if a == b);
        let (column, what) = (excerpt(self.column), &self.what);
        match (lang, self.sheet) {
            (Lang::En, sheet) => {
                let rows = if one {
                    format!("row {}", list[0])
                } else {
                    format!("rows {}", list.join(", "))
                };
                match sheet {
                    None => format!("{rows}, column {column}: {what}"),
                    Some(s) => format!("sheet {}, {rows}, column {column}: {what}", excerpt(s)),
                }
            }
            (Lang::ZhCn, None) => format!(
                "第 {} 行，{}列：{what}",
                list.join("、"),
                zh_quoted(self.column)
            ),
            (Lang::ZhCn, Some(s)) => format!(
                "工作表{}第 {} 行，{}列：{what}",
                zh_quoted(s),
                list.join("、"),
                zh_quoted(self.column)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn err(sheet: Option<&str>, row: usize, column: &str, problem: Problem) -> RowError {
        RowError {
            sheet: sheet.map(str::to_string),
            row,
            column: column.into(),
            problem,
        }
    }

    fn port(row: usize) -> RowError {
        err(None, row, "port", Problem::UnknownPort("北京西站".into()))
    }

    #[test]
    fn forty_identical_errors_read_as_one_line() {
        let errors: Vec<RowError> = (2..=41).map(port).collect();
        assert_eq!(
            summarize(&errors, Lang::En),
            [
                "rows 2–41, column \"port\": unknown port \"北京西站\": use a port's code or name \
                 from config/ports.toml, or add it there"
            ]
        );
        assert_eq!(
            summarize(&errors, Lang::ZhCn),
            [
                "第 2–41 行，“port”列：无法识别的口岸 \"北京西站\"：请使用 config/ports.toml 中的\
                 口岸代码或名称，或在其中添加"
            ]
        );
    }

    #[test]
    fn rows_apart_are_listed_and_other_problems_keep_their_place() {
        let mut errors = vec![port(2), port(3), port(4), port(5)];
        errors.push(err(None, 6, "姓名", Problem::Required));
        errors.push(port(9));
        errors.push(err(
            Some("B"),
            10,
            "port",
            Problem::UnknownPort("北京西站".into()),
        ));
        errors.push(err(
            Some("B"),
            11,
            "port",
            Problem::UnknownPort("北京西站".into()),
        ));
        let en = summarize(&errors, Lang::En);
        assert_eq!(en.len(), 3, "{en:#?}");
        assert!(
            en[0].starts_with("rows 2–5, 9, column \"port\": unknown port"),
            "{}",
            en[0]
        );
        assert_eq!(en[1], errors[4].message(Lang::En));
        assert!(
            en[2].starts_with("sheet \"B\", rows 10–11, column \"port\": unknown port"),
            "{}",
            en[2]
        );
        let zh = summarize(&errors, Lang::ZhCn);
        assert!(
            zh[0].starts_with("第 2–5、9 行，“port”列：无法识别的口岸"),
            "{}",
            zh[0]
        );
        assert_eq!(zh[1], "第 6 行，“姓名”列：为空，但此列为必填项");
        assert!(
            zh[2].starts_with("工作表“B”第 10–11 行，“port”列："),
            "{}",
            zh[2]
        );
    }

    #[test]
    fn one_error_reads_as_its_own_message() {
        for e in [
            port(7),
            err(
                Some("名单"),
                3,
                "国籍",
                Problem::UnknownCountry("火星".into()),
            ),
        ] {
            for lang in [Lang::En, Lang::ZhCn] {
                assert_eq!(summarize(std::slice::from_ref(&e), lang), [e.message(lang)]);
            }
        }
        assert!(summarize(&[], Lang::En).is_empty());
    }

    #[test]
    fn an_inherited_block_value_names_the_block_row() {
        let e = err(
            None,
            5,
            "入境口岸/port",
            Problem::AboveHeader {
                row: 2,
                problem: Box::new(Problem::UnknownPort("北京西站".into())),
            },
        );
        assert!(
            e.message(Lang::En).starts_with(
                "row 5, column \"入境口岸/port\": from the block above the header (row 2): unknown port \"北京西站\""
            ),
            "{e}"
        );
        assert!(
            e.message(Lang::ZhCn).starts_with(
                "第 5 行，“入境口岸/port”列：来自表头上方信息区（第 2 行）：无法识别的口岸"
            ),
            "{}",
            e.message(Lang::ZhCn)
        );
    }

    fn arb_error() -> impl Strategy<Value = RowError> {
        (
            prop_oneof![Just(None), Just(Some("A"))],
            1usize..60,
            prop_oneof![Just("a"), Just("b")],
            prop_oneof![
                Just(Problem::Required),
                Just(Problem::UnknownPort("x".into())),
                Just(Problem::UnknownPort("y".into())),
            ],
        )
            .prop_map(|(sheet, row, column, problem)| err(sheet, row, column, problem))
    }

    proptest! {
        #[test]
        fn groups_cover_exactly_the_rows_of_each_problem(mut errors in proptest::collection::vec(arb_error(), 0..80)) {
            errors.sort_by_key(|e| e.row);
            for lang in [Lang::En, Lang::ZhCn] {
                let groups = group(&errors, lang);
                let lines = summarize(&errors, lang);
                prop_assert_eq!(lines.len(), groups.len());
                prop_assert!(lines.len() <= errors.len());
                let mut keys = std::collections::HashSet::new();
                for g in &groups {
                    prop_assert!(keys.insert((g.sheet, g.column, g.what.clone())), "one line per problem");
                    // Maximal runs: ordered, non-empty, with a gap of at least one row between.
                    for w in g.rows.windows(2) {
                        prop_assert!(w[0].1 + 1 < w[1].0, "{:?}", g.rows);
                    }
                    let covered: Vec<usize> = g.rows.iter().flat_map(|&(a, b)| {
                        assert!(a <= b);
                        a..=b
                    }).collect();
                    let mut expected: Vec<usize> = errors
                        .iter()
                        .filter(|e| e.sheet.as_deref() == g.sheet && e.column == g.column && e.problem.message(lang) == g.what)
                        .map(|e| e.row)
                        .collect();
                    expected.dedup();
                    prop_assert_eq!(covered, expected);
                }
                // Errors that repeat nothing read exactly as before.
                if groups.iter().all(|g| g.rows.len() == 1 && g.rows[0].0 == g.rows[0].1) && groups.len() == errors.len() {
                    let plain: Vec<String> = errors.iter().map(|e| e.message(lang)).collect();
                    prop_assert_eq!(lines, plain);
                }
            }
        }
    }
}
