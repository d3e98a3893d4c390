//! What is wrong with a row, in both languages: `row N, column "X": what is wrong`.

use crate::normalize::{DateError, PhoneError};
use chrono::NaiveDate;
use closedloop_domain::{DomainError, Lang};

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
    /// The traveler is already stored on another arrival.
    Conflict {
        transport: String,
        date: NaiveDate,
        row: i64,
    },
}

impl Problem {
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
                    "unknown country {v:?}: write an ISO 3166 code (CN, USA) or the country's name"
                )
            }
            Problem::UnknownPort(v) => {
                format!(
                    "unknown port {v:?}: use a port's code or name from config/ports.toml, or add it there"
                )
            }
            Problem::UnknownLanguage(v) => {
                format!(
                    "unknown language {v:?}: write a language name (中文, English) or a code (zh, en, ja)"
                )
            }
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
            Problem::UnknownCountry(v) => {
                format!("无法识别的国家 {v:?}：请填写 ISO 3166 代码（CN、USA）或国家名称")
            }
            Problem::UnknownPort(v) => format!(
                "无法识别的口岸 {v:?}：请使用 config/ports.toml 中的口岸代码或名称，或在其中添加"
            ),
            Problem::UnknownLanguage(v) => {
                format!("无法识别的语言 {v:?}：请填写语言名称（中文、English）或代码（zh、en、ja）")
            }
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
        DateError::Unrecognised(v) => format!("无法识别 '{v}'"),
        DateError::Ambiguous(v) => format!("'{v}' 日与月无法区分"),
        DateError::OutOfRange(v) => format!("'{v}' 不是真实存在的日期或时间"),
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
        match (lang, &self.sheet) {
            (Lang::En, None) => format!("row {}, column {:?}: {what}", self.row, self.column),
            (Lang::En, Some(s)) => format!(
                "sheet {s:?}, row {}, column {:?}: {what}",
                self.row, self.column
            ),
            (Lang::ZhCn, None) => format!("第 {} 行，“{}”列：{what}", self.row, self.column),
            (Lang::ZhCn, Some(s)) => {
                format!("工作表“{s}”第 {} 行，“{}”列：{what}", self.row, self.column)
            }
        }
    }
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}
