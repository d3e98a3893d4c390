//! Which column is which: header synonyms in Chinese and English, the header row below title
//! rows, and the key–value block above it that gives the arrival for the whole sheet.

use crate::normalize;
use crate::source::{Cell, Grid};

/// A manifest field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Name,
    Sex,
    Nationality,
    DocumentType,
    DocumentNumber,
    BirthDate,
    Phone,
    Language,
    Transport,
    Port,
    ArrivalTime,
    DestinationKind,
    DestinationAddress,
    Health,
    SpecialNeeds,
    FamilyGroup,
    Notes,
    /// A row number column (序号): recognised so it is not reported as unknown, then ignored.
    Sequence,
}

impl Field {
    /// The canonical bilingual name used when a column is missing.
    pub fn display(self) -> &'static str {
        match self {
            Field::Name => "姓名/name",
            Field::Sex => "性别/sex",
            Field::Nationality => "国籍/nationality",
            Field::DocumentType => "证件类型/document type",
            Field::DocumentNumber => "证件号码/document number",
            Field::BirthDate => "出生日期/date of birth",
            Field::Phone => "联系电话/phone",
            Field::Language => "语言/language",
            Field::Transport => "航班号/flight",
            Field::Port => "入境口岸/port",
            Field::ArrivalTime => "抵达时间/arrival",
            Field::DestinationKind => "目的地类型/destination type",
            Field::DestinationAddress => "目的地地址/address",
            Field::Health => "健康状况/health",
            Field::SpecialNeeds => "特殊需求/special needs",
            Field::FamilyGroup => "家庭编号/family group",
            Field::Notes => "备注/notes",
            Field::Sequence => "序号/no.",
        }
    }

    fn synonyms(self) -> &'static [&'static str] {
        match self {
            Field::Name => &[
                "姓名",
                "名字",
                "旅客姓名",
                "人员姓名",
                "入境人员姓名",
                "name",
                "fullname",
                "travelername",
                "passengername",
                "姓名name",
            ],
            Field::Sex => &["性别", "sex", "gender"],
            Field::Nationality => &[
                "国籍",
                "国籍地区",
                "国家地区",
                "nationality",
                "citizenship",
                "countryofnationality",
            ],
            Field::DocumentType => &[
                "证件类型",
                "证件种类",
                "documenttype",
                "doctype",
                "idtype",
                "typeofdocument",
            ],
            Field::DocumentNumber => &[
                "证件号码",
                "证件号",
                "护照号",
                "护照号码",
                "passportno",
                "passportnumber",
                "passport",
                "documentnumber",
                "documentno",
                "docno",
                "idnumber",
                "idno",
            ],
            Field::BirthDate => &[
                "出生日期",
                "出生年月日",
                "生日",
                "dateofbirth",
                "dob",
                "birthdate",
                "birthday",
            ],
            Field::Phone => &[
                "联系电话",
                "手机",
                "手机号",
                "手机号码",
                "电话",
                "电话号码",
                "联系方式",
                "phone",
                "mobile",
                "telephone",
                "tel",
                "phonenumber",
                "contactnumber",
                "mobilephone",
            ],
            Field::Language => &[
                "语言",
                "语种",
                "使用语言",
                "language",
                "lang",
                "preferredlanguage",
            ],
            Field::Transport => &[
                "航班号",
                "车次",
                "航班车次",
                "航班号车次",
                "车次航班号",
                "航班或车次",
                "航班",
                "班次",
                "flight",
                "flightno",
                "flightnumber",
                "train",
                "trainno",
                "trainnumber",
                "flighttrain",
                "flightortrain",
            ],
            Field::Port => &[
                "入境口岸",
                "口岸",
                "抵达口岸",
                "port",
                "portofentry",
                "entryport",
            ],
            Field::ArrivalTime => &[
                "抵达时间",
                "入境日期",
                "入境时间",
                "到达时间",
                "抵达日期",
                "到达日期",
                "arrival",
                "arrivaltime",
                "arrivaldate",
                "eta",
                "dateofarrival",
            ],
            Field::DestinationKind => &[
                "目的地类型",
                "隔离方式",
                "隔离类型",
                "去向",
                "分流去向",
                "destinationtype",
                "quarantinetype",
                "destination",
            ],
            Field::DestinationAddress => &[
                "目的地地址",
                "目的地",
                "地址",
                "居住地址",
                "隔离地址",
                "家庭住址",
                "address",
                "destinationaddress",
                "homeaddress",
            ],
            Field::Health => &["健康状况", "健康状态", "身体状况", "health", "healthstatus"],
            Field::SpecialNeeds => &["特殊需求", "特殊人群", "特殊情况", "specialneeds", "needs"],
            Field::FamilyGroup => &[
                "家庭编号",
                "同行组",
                "家庭组",
                "同行编号",
                "familygroup",
                "family",
                "group",
                "groupid",
            ],
            Field::Notes => &[
                "备注",
                "备注说明",
                "说明",
                "notes",
                "note",
                "remarks",
                "remark",
                "comments",
            ],
            Field::Sequence => &["序号", "编号", "no", "#", "seq", "index"],
        }
    }

    pub const COUNT: usize = 18;

    pub(crate) const ALL: [Field; Field::COUNT] = [
        Field::Name,
        Field::Sex,
        Field::Nationality,
        Field::DocumentType,
        Field::DocumentNumber,
        Field::BirthDate,
        Field::Phone,
        Field::Language,
        Field::Transport,
        Field::Port,
        Field::ArrivalTime,
        Field::DestinationKind,
        Field::DestinationAddress,
        Field::Health,
        Field::SpecialNeeds,
        Field::FamilyGroup,
        Field::Notes,
        Field::Sequence,
    ];

    /// Recognises a header or key as desks write it: any case, full-width or half-width, with
    /// spaces, punctuation and decorations such as "*" or "（必填）" ignored.
    pub fn recognise(header: &str) -> Option<Field> {
        let key = header_key(header);
        if key.is_empty() {
            return None;
        }
        Field::ALL
            .into_iter()
            .find(|f| f.synonyms().contains(&key.as_str()))
    }
}

fn header_key(header: &str) -> String {
    let t = normalize::text(header);
    // Desks mark required columns: "证件号码(必填)", "*姓名".
    let t = ["(必填)", "(required)", "(选填)", "(optional)"]
        .iter()
        .fold(t, |acc, d| acc.replace(d, ""));
    t.chars()
        .filter(|c| c.is_alphanumeric() || *c == '#')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Where a grid's header is and what each column holds.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Index into `grid.rows` of the header row (None for JSON lines, whose header is separate).
    pub header_index: Option<usize>,
    /// The header texts as written, one per column.
    pub header: Vec<String>,
    /// The field of each column, None for columns we do not know.
    pub fields: Vec<Option<Field>>,
    /// Values given once for the whole sheet above the header: (field, value, row number).
    pub sheet_values: Vec<(Field, Cell, usize)>,
}

impl Layout {
    pub fn column(&self, field: Field) -> Option<usize> {
        self.fields.iter().position(|f| *f == Some(field))
    }

    /// Columns present whose header we do not recognise, for a warning.
    pub fn unknown_columns(&self) -> impl Iterator<Item = &str> {
        self.header
            .iter()
            .zip(&self.fields)
            .filter(|(h, f)| f.is_none() && !h.trim().is_empty())
            .map(|(h, _)| h.as_str())
    }
}

/// Rows scanned for the header: title rows and a key–value block rarely take more.
const HEADER_SCAN: usize = 30;

/// Finds the header row: the first row among the top ones naming the most known fields (at
/// least three, one of them the name or the document number).
pub fn find_layout(grid: &Grid) -> Option<Layout> {
    if let Some(header) = &grid.header {
        let fields = header.iter().map(|h| Field::recognise(h)).collect();
        return Some(Layout {
            header_index: None,
            header: header.clone(),
            fields,
            sheet_values: vec![],
        });
    }
    let mut best: Option<(usize, usize)> = None;
    for (i, row) in grid.rows.iter().take(HEADER_SCAN).enumerate() {
        let fields: Vec<Field> = row
            .cells
            .iter()
            .filter_map(|c| Field::recognise(&c.as_text()))
            .collect();
        let distinct = {
            let mut f = fields.clone();
            f.sort_by_key(|x| *x as u8);
            f.dedup();
            f.len()
        };
        let anchored = fields.contains(&Field::Name) || fields.contains(&Field::DocumentNumber);
        if distinct >= 3 && anchored && best.is_none_or(|(_, n)| distinct > n) {
            best = Some((i, distinct));
        }
    }
    let (index, _) = best?;
    let header: Vec<String> = grid.rows[index]
        .cells
        .iter()
        .map(|c| normalize::text(&c.as_text()))
        .collect();
    let fields = header.iter().map(|h| Field::recognise(h)).collect();
    let sheet_values = grid.rows[..index]
        .iter()
        .flat_map(|r| key_values(&r.cells, r.number))
        .collect();
    Some(Layout {
        header_index: Some(index),
        header,
        fields,
        sheet_values,
    })
}

/// Reads "航班号：CA936", "航班号 | CA936" (two cells) and "航班号 CA936 · 入境口岸 浦东机场"
/// (one cell) forms from a row above the header.
fn key_values(cells: &[Cell], row: usize) -> Vec<(Field, Cell, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < cells.len() {
        let text = normalize::text(&cells[i].as_text());
        if let Some(field) = Field::recognise(&text) {
            // The key alone in its cell: the value is the next non-empty cell.
            if let Some(j) = (i + 1..cells.len()).find(|&j| !cells[j].is_empty()) {
                out.push((field, cells[j].clone(), row));
                i = j + 1;
                continue;
            }
        } else {
            for piece in text.split(['·', '•', '|', ';', '；', '，', '、']) {
                if let Some((field, value)) = split_pair(piece) {
                    out.push((field, Cell::Text(value), row));
                }
            }
        }
        i += 1;
    }
    out
}

fn split_pair(piece: &str) -> Option<(Field, String)> {
    let piece = piece.trim();
    let (key, value) = match piece.split_once([':', '：']) {
        Some((k, v)) => (k, v),
        None => piece.split_once(' ')?,
    };
    let field = Field::recognise(key)?;
    let value = value.trim();
    (!value.is_empty()).then(|| (field, value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Format, Row};

    fn grid(rows: Vec<Vec<&str>>) -> Grid {
        Grid {
            name: "t".into(),
            rows: rows
                .into_iter()
                .enumerate()
                .map(|(i, r)| Row {
                    number: i + 1,
                    cells: r
                        .into_iter()
                        .map(|c| {
                            if c.is_empty() {
                                Cell::Empty
                            } else {
                                Cell::Text(c.into())
                            }
                        })
                        .collect(),
                })
                .collect(),
            header: None,
            format: Format::Csv,
            encoding: "UTF-8",
        }
    }

    #[test]
    fn recognises_headers_in_both_languages() {
        assert_eq!(Field::recognise("姓名"), Some(Field::Name));
        assert_eq!(Field::recognise("Full Name"), Some(Field::Name));
        assert_eq!(
            Field::recognise("*证件号码（必填）"),
            Some(Field::DocumentNumber)
        );
        assert_eq!(
            Field::recognise("Passport No."),
            Some(Field::DocumentNumber)
        );
        assert_eq!(Field::recognise("航班号/车次"), Some(Field::Transport));
        assert_eq!(
            Field::recognise("Ｄａｔｅ ｏｆ Ｂｉｒｔｈ"),
            Some(Field::BirthDate)
        );
        assert_eq!(Field::recognise("血型"), None);
    }

    #[test]
    fn finds_the_header_below_titles_and_reads_the_block() {
        let g = grid(vec![
            vec!["某市入境人员转运名单"],
            vec!["航班号：CA936 · 入境口岸：浦东机场"],
            vec!["抵达时间", "2021-03-05 14:30"],
            vec!["序号", "姓名", "证件号码", "国籍", "血型"],
            vec!["1", "张三", "E1234", "中国", "A"],
        ]);
        let l = find_layout(&g).unwrap();
        assert_eq!(l.header_index, Some(3));
        assert_eq!(l.column(Field::DocumentNumber), Some(2));
        assert_eq!(l.unknown_columns().collect::<Vec<_>>(), vec!["血型"]);
        let block: Vec<(Field, String)> = l
            .sheet_values
            .iter()
            .map(|(f, c, _)| (*f, c.as_text().into_owned()))
            .collect();
        assert_eq!(
            block,
            vec![
                (Field::Transport, "CA936".into()),
                (Field::Port, "浦东机场".into()),
                (Field::ArrivalTime, "2021-03-05 14:30".into())
            ]
        );
    }

    #[test]
    fn no_header_is_none() {
        assert!(find_layout(&grid(vec![vec!["a", "b"], vec!["1", "2"]])).is_none());
    }
}
