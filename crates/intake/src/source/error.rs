//! Why a file could not be read at all, in both languages, with a stable code each.

use closedloop_domain::Lang;
use closedloop_domain::excerpt::excerpt;
use std::path::PathBuf;

/// What is wrong with a line of a JSON lines file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonProblem {
    /// Valid JSON, but an array, a string or a number rather than an object.
    NotAnObject,
    /// Not JSON: the parser's words (which never quote the line) and the column.
    Syntax { detail: String, column: usize },
}

fn json_en(problem: &JsonProblem) -> String {
    match problem {
        JsonProblem::NotAnObject => "this line is not a JSON object".into(),
        JsonProblem::Syntax { detail, column } => {
            format!("not valid JSON ({detail} at column {column})")
        }
    }
}

/// What is wrong with a text file's encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodingProblem {
    /// A UTF-8 byte-order mark, then bytes that are not UTF-8.
    MarkedUtf8,
    /// A UTF-16 byte-order mark (`"UTF-16LE"`, `"UTF-16BE"`), then bytes that are not.
    MarkedUtf16(&'static str),
    /// Nearly all UTF-8, with a few damaged bytes: reading it as GB18030 would be mojibake.
    DamagedUtf8,
    /// Bytes that are valid as neither UTF-8 nor GB18030.
    Neither,
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{}: cannot tell the file type; save the manifest as .csv (UTF-8 or GB18030), .xlsx, \
         .xls, .ods or .jsonl",
        path.display()
    )]
    UnknownFormat { path: PathBuf },
    #[error("{file}, line {line}: {}", encoding_en(*.problem))]
    Encoding {
        file: String,
        line: usize,
        problem: EncodingProblem,
    },
    #[error("{file}, line {line}: {message}; check the quoting of this record")]
    Csv {
        file: String,
        line: usize,
        message: String,
    },
    #[error(
        "{file}: cannot open the workbook ({message}); if it is password-protected remove the \
         password, otherwise open it in Excel or WPS and save it again as .xlsx"
    )]
    Spreadsheet { file: String, message: String },
    #[error(
        "{file}: this is a web page or XML export saved with a spreadsheet extension, not a \
         workbook; open it in Excel or WPS and save it as .xlsx or CSV"
    )]
    NotAWorkbook { file: String },
    #[error(
        "{file}, line {line}: {}; each line must be one JSON object such as {{\"name\": \"张三\"}}",
        json_en(.problem)
    )]
    Json {
        file: String,
        line: usize,
        problem: JsonProblem,
    },
    #[error(
        "{file}, line {line}: the key {} appears twice in this object; keep one",
        excerpt(.key)
    )]
    DuplicateKey {
        file: String,
        line: usize,
        key: String,
    },
    #[error(
        "{file}: the file has no data (every row is empty); check that the right file was chosen"
    )]
    Empty { file: String },
}

const RESAVE_EN: &str = "re-save the file as \"CSV UTF-8\"";
const RESAVE_ZH: &str = "请将文件另存为“CSV UTF-8”";

fn encoding_en(problem: EncodingProblem) -> String {
    match problem {
        EncodingProblem::MarkedUtf8 => {
            format!("the file is marked as UTF-8 but this line is not valid UTF-8; {RESAVE_EN}")
        }
        EncodingProblem::MarkedUtf16(name) => {
            format!("the file is marked as {name} but this line is not; {RESAVE_EN}")
        }
        EncodingProblem::DamagedUtf8 => {
            format!("the file is UTF-8 but this line holds bytes that are not; {RESAVE_EN}")
        }
        EncodingProblem::Neither => format!(
            "the file is neither UTF-8 nor GB18030 (GBK): its bytes are refused rather than \
             guessed; {RESAVE_EN}"
        ),
    }
}

fn encoding_zh(problem: EncodingProblem) -> String {
    match problem {
        EncodingProblem::MarkedUtf8 => {
            format!("文件标记为 UTF-8，但此行不是有效的 UTF-8；{RESAVE_ZH}")
        }
        EncodingProblem::MarkedUtf16(name) => {
            format!("文件标记为 {name}，但此行不是；{RESAVE_ZH}")
        }
        EncodingProblem::DamagedUtf8 => {
            format!("文件为 UTF-8，但此行含有非 UTF-8 字节；{RESAVE_ZH}")
        }
        EncodingProblem::Neither => format!(
            "文件既不是 UTF-8 也不是 GB18030（GBK）编码：无法确定其内容，不予猜测；{RESAVE_ZH}"
        ),
    }
}

impl SourceError {
    /// The stable code: snake_case, never reworded once published.
    pub fn code(&self) -> &'static str {
        match self {
            SourceError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                "manifest_not_found"
            }
            SourceError::Io { .. } => "manifest_unreadable",
            SourceError::UnknownFormat { .. } | SourceError::NotAWorkbook { .. } => {
                "manifest_unknown_type"
            }
            SourceError::Encoding { .. } => "manifest_encoding",
            SourceError::Csv { .. }
            | SourceError::Json { .. }
            | SourceError::Spreadsheet { .. } => "manifest_malformed",
            SourceError::DuplicateKey { .. } => "manifest_duplicate_key",
            SourceError::Empty { .. } => "manifest_empty",
        }
    }

    /// True when the file itself is not there (not when it is there but unreadable).
    pub fn is_not_found(&self) -> bool {
        self.code() == "manifest_not_found"
    }

    /// The message in the desk's language.
    pub fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return match self {
                SourceError::Io { path, source }
                    if source.kind() == std::io::ErrorKind::NotFound =>
                {
                    format!(
                        "{}: no such file; check the path and the file name",
                        path.display()
                    )
                }
                _ => self.to_string(),
            };
        }
        match self {
            SourceError::Io { path, source } if source.kind() == std::io::ErrorKind::NotFound => {
                format!("{}：文件不存在；请检查路径和文件名", path.display())
            }
            SourceError::Io { path, source } => {
                format!("无法读取 {}（{source}）", path.display())
            }
            SourceError::UnknownFormat { path } => format!(
                "{}：无法识别文件类型；请将名单另存为 .csv（UTF-8 或 GB18030）、.xlsx、.xls、.ods 或 .jsonl",
                path.display()
            ),
            SourceError::Encoding {
                file,
                line,
                problem,
            } => format!("{file}，第 {line} 行：{}", encoding_zh(*problem)),
            SourceError::Csv {
                file,
                line,
                message,
            } => format!("{file}，第 {line} 行：CSV 格式有误（{message}）；请检查此记录的引号"),
            SourceError::Spreadsheet { file, message } => format!(
                "{file}：无法打开工作簿（{message}）；如设有密码请先去除，否则请用 Excel 或 WPS 打开后另存为 .xlsx"
            ),
            SourceError::NotAWorkbook { file } => format!(
                "{file}：这是以表格扩展名保存的网页或 XML 导出文件，不是工作簿；请用 Excel 或 WPS 打开后另存为 .xlsx 或 CSV"
            ),
            SourceError::Json {
                file,
                line,
                problem,
            } => {
                let what = match problem {
                    JsonProblem::NotAnObject => "此行不是 JSON 对象".to_string(),
                    JsonProblem::Syntax { detail, column } => {
                        format!("不是有效的 JSON（{detail}，第 {column} 列）")
                    }
                };
                format!(
                    "{file}，第 {line} 行：{what}；每行须为一个 JSON 对象，如 {{\"name\": \"张三\"}}"
                )
            }
            SourceError::DuplicateKey { file, line, key } => format!(
                "{file}，第 {line} 行：键 {} 在此对象中出现了两次；请保留一个",
                excerpt(key)
            ),
            SourceError::Empty { file } => {
                format!("{file}：文件中没有数据（每行都为空）；请确认选择了正确的文件")
            }
        }
    }
}
