//! Countries and territories of ISO 3166-1 (codes are facts, not copyrightable); the names and
//! aliases in `data/countries.tsv` were written for this project.
//!
//! Arrival manifests carry a "nationality" column that desks fill in by hand: a code (`CN`,
//! `CHN`, `us`), an English name (`United States`, `Korea, Republic of`, `Viet Nam`) or a
//! Chinese one (`美国`, `韩国`, `中国香港`). [`lookup`] turns any of those into one [`Country`].
//!
//! The table is one row per ISO 3166-1 entry: `alpha2`, `alpha3`, `name_en`, `name_zh` and a
//! `|`-separated list of aliases in either language. A name that could mean two countries
//! ("Korea", "刚果", "Virgin Islands") is deliberately absent: a row the desk must fix is better
//! than a traveler silently filed under the wrong country.

use std::collections::HashMap;
use std::sync::LazyLock;

const DATA: &str = include_str!("../data/countries.tsv");
const HEADER: &str = "alpha2\talpha3\tname_en\tname_zh\taliases";

/// One ISO 3166-1 entry. The strings point into the embedded table, so copies are free.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Country {
    /// ISO 3166-1 alpha-2 code, upper case (`CN`).
    pub alpha2: &'static str,
    /// ISO 3166-1 alpha-3 code, upper case (`CHN`).
    pub alpha3: &'static str,
    /// Common English short name (`China`, `South Korea`).
    pub name_en: &'static str,
    /// Standard simplified Chinese name (`中国`, `韩国`, `中国香港`).
    pub name_zh: &'static str,
}

/// Finds a country by alpha-2 or alpha-3 code (any case), by English name or alias (case-,
/// space- and punctuation-insensitive: "united states", "UNITED-STATES", "Korea, Republic of";
/// common Latin accents are optional, so "Cote d'Ivoire" finds "Côte d'Ivoire"), or by Chinese
/// name or alias ("韩国", "大韩民国", "香港"). Surrounding whitespace is ignored; full-width
/// characters must already have been normalised by the caller.
///
/// A Chinese name followed by 籍 or 人 ("中国籍", "美国人") is also accepted.
///
/// Returns `None` for unknown or ambiguous names ("Atlantis", "Korea").
pub fn lookup(input: &str) -> Option<&'static Country> {
    let tables = tables();
    let key = normalize(input);
    if key.is_empty() {
        return None;
    }
    if let Some(&i) = tables.by_key.get(&key) {
        return Some(&tables.countries[i]);
    }
    // Chinese forms label the column 国籍, so desks often copy "中国籍" or "美国人" verbatim.
    // Tried only after an exact miss, so it can never shadow a real name.
    let stem = key.strip_suffix(['籍', '人'])?;
    tables.by_key.get(stem).map(|&i| &tables.countries[i])
}

/// Finds a country by its ISO 3166-1 alpha-3 code, in any case, ignoring surrounding whitespace.
pub fn by_alpha3(code: &str) -> Option<&'static Country> {
    let tables = tables();
    let i = *tables.by_alpha3.get(&code_key::<3>(code)?)?;
    Some(&tables.countries[i])
}

/// Finds a country by its ISO 3166-1 alpha-2 code, in any case, ignoring surrounding whitespace.
pub fn by_alpha2(code: &str) -> Option<&'static Country> {
    let tables = tables();
    let i = *tables.by_alpha2.get(&code_key::<2>(code)?)?;
    Some(&tables.countries[i])
}

/// Every ISO 3166-1 entry, ordered by alpha-2 code.
pub fn all() -> &'static [Country] {
    &tables().countries
}

struct Tables {
    countries: Vec<Country>,
    by_alpha2: HashMap<[u8; 2], usize>,
    by_alpha3: HashMap<[u8; 3], usize>,
    /// Every code, name and alias of every row, as [`normalize`]d keys.
    by_key: HashMap<String, usize>,
}

static TABLES: LazyLock<Tables> = LazyLock::new(|| {
    // The data is compiled in and a unit test builds it, so this can only fire if someone edits
    // the table without running the tests.
    Tables::build(DATA)
        .unwrap_or_else(|problems| panic!("countries.tsv is invalid:\n{}", problems.join("\n")))
});

fn tables() -> &'static Tables {
    &TABLES
}

impl Tables {
    /// Parses the table, collecting every problem rather than stopping at the first, so one test
    /// run lists all the rows an editor has to fix.
    fn build(data: &'static str) -> Result<Tables, Vec<String>> {
        let mut problems = Vec::new();
        let mut lines = data.lines().enumerate();
        match lines.next() {
            Some((_, HEADER)) => {}
            other => problems.push(format!(
                "line 1: expected header {HEADER:?}, found {:?}",
                other.map(|(_, line)| line)
            )),
        }

        let mut tables = Tables {
            countries: Vec::new(),
            by_alpha2: HashMap::new(),
            by_alpha3: HashMap::new(),
            by_key: HashMap::new(),
        };
        for (index, line) in lines {
            let line_no = index + 1;
            if line.trim().is_empty() {
                continue;
            }
            let fields: Vec<&'static str> = line.split('\t').collect();
            let [alpha2, alpha3, name_en, name_zh, aliases] = fields[..] else {
                problems.push(format!(
                    "line {line_no}: expected 5 tab-separated fields, found {}",
                    fields.len()
                ));
                continue;
            };
            let (Some(code2), Some(code3)) = (strict_code::<2>(alpha2), strict_code::<3>(alpha3))
            else {
                problems.push(format!(
                    "line {line_no}: codes must be 2 and 3 upper-case ASCII letters, found \
                     {alpha2:?} and {alpha3:?}"
                ));
                continue;
            };
            if name_en.is_empty() || name_zh.is_empty() {
                problems.push(format!("line {line_no}: {alpha2} has an empty name"));
                continue;
            }

            let row = tables.countries.len();
            tables.countries.push(Country {
                alpha2,
                alpha3,
                name_en,
                name_zh,
            });
            if let Some(&other) = tables.by_alpha2.get(&code2) {
                problems.push(format!(
                    "line {line_no}: alpha-2 {alpha2} already used at row {other}"
                ));
            }
            tables.by_alpha2.insert(code2, row);
            if let Some(&other) = tables.by_alpha3.get(&code3) {
                problems.push(format!(
                    "line {line_no}: alpha-3 {alpha3} already used at row {other}"
                ));
            }
            tables.by_alpha3.insert(code3, row);

            // An empty column means "no aliases"; an empty entry inside a list ("a||b") is a
            // typo, and the key check below reports it.
            let alias_list = aliases.split('|').filter(|_| !aliases.is_empty());
            for name in [alpha2, alpha3, name_en, name_zh]
                .into_iter()
                .chain(alias_list)
            {
                let key = normalize(name);
                if key.is_empty() {
                    problems.push(format!(
                        "line {line_no}: {alpha2} has a name {name:?} with no letters"
                    ));
                    continue;
                }
                match tables.by_key.get(&key) {
                    // The same key twice in one row is harmless ("USA" is both alpha-3 and how
                    // people write it); only a key shared by two countries is a bug.
                    Some(&other) if other != row => problems.push(format!(
                        "line {line_no}: {name:?} (key {key:?}) of {alpha2} also names {}",
                        tables.countries[other].alpha2
                    )),
                    Some(_) => {}
                    None => {
                        tables.by_key.insert(key, row);
                    }
                }
            }
        }

        if problems.is_empty() {
            Ok(tables)
        } else {
            Err(problems)
        }
    }
}

/// The lookup key of a name or code: letters and digits only, lower-cased, with the accents of
/// Latin-1 letters removed, because desks type "Cote d'Ivoire" and "KOREA,REPUBLIC OF" as often
/// as the proper forms. CJK characters pass through unchanged.
fn normalize(input: &str) -> String {
    let mut key = String::with_capacity(input.len());
    for c in input.chars().filter(|c| c.is_alphanumeric()) {
        key.extend(c.to_lowercase().map(fold_accent));
    }
    key
}

fn fold_accent(c: char) -> char {
    match c {
        'à'..='å' => 'a',
        'ç' => 'c',
        'è'..='ë' => 'e',
        'ì'..='ï' => 'i',
        'ñ' => 'n',
        'ò'..='ö' | 'ø' => 'o',
        'ù'..='ü' => 'u',
        'ý' | 'ÿ' => 'y',
        _ => c,
    }
}

/// A code typed by a desk, trimmed and upper-cased without allocating.
fn code_key<const N: usize>(code: &str) -> Option<[u8; N]> {
    let bytes: [u8; N] = code.trim().as_bytes().try_into().ok()?;
    Some(bytes.map(|b| b.to_ascii_uppercase()))
}

/// A code as the table must spell it: exactly `N` upper-case ASCII letters.
fn strict_code<const N: usize>(code: &str) -> Option<[u8; N]> {
    let bytes: [u8; N] = code.as_bytes().try_into().ok()?;
    bytes.iter().all(u8::is_ascii_uppercase).then_some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    #[test]
    fn table_builds_without_collisions() {
        if let Err(problems) = Tables::build(DATA) {
            panic!("{} problem(s):\n{}", problems.len(), problems.join("\n"));
        }
    }

    #[test]
    fn table_has_every_iso_entry_once() {
        let countries = all();
        assert_eq!(countries.len(), 249);
        let alpha2: HashSet<_> = countries.iter().map(|c| c.alpha2).collect();
        let alpha3: HashSet<_> = countries.iter().map(|c| c.alpha3).collect();
        assert_eq!(alpha2.len(), 249);
        assert_eq!(alpha3.len(), 249);
        assert!(
            countries.windows(2).all(|w| w[0].alpha2 < w[1].alpha2),
            "rows must stay sorted by alpha-2 so diffs stay readable"
        );
    }

    #[test]
    fn build_reports_a_name_shared_by_two_countries() {
        let data = "alpha2\talpha3\tname_en\tname_zh\taliases\n\
                    KR\tKOR\tSouth Korea\t韩国\tKorea\n\
                    KP\tPRK\tNorth Korea\t朝鲜\tKOREA\n";
        let problems = Tables::build(data)
            .err()
            .expect("collision must be reported");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("KOREA"), "{problems:?}");
    }

    #[test]
    fn build_reports_malformed_rows() {
        let data = "alpha2\talpha3\tname_en\tname_zh\taliases\n\
                    cn\tCHN\tChina\t中国\t\n\
                    US\tUSA\tUnited States\t美国\n\
                    FR\tFRA\tFrance\t法国\t\n\
                    FX\tFRA\tMetropolitan France\t法国本土\t\n";
        let problems = Tables::build(data)
            .err()
            .expect("problems must be reported");
        let reported = |needle: &str| problems.iter().any(|p| p.contains(needle));
        assert!(reported("line 2: codes must be"), "{problems:?}");
        assert!(reported("line 3: expected 5"), "{problems:?}");
        assert!(reported("line 5: alpha-3 FRA already used"), "{problems:?}");
    }

    #[test]
    fn every_name_and_code_finds_its_own_row() {
        for line in DATA.lines().skip(1) {
            let fields: Vec<&str> = line.split('\t').collect();
            let expected = by_alpha2(fields[0]).expect("alpha-2 resolves");
            let names = fields[..4].iter().copied();
            let aliases = fields[4].split('|').filter(|a| !a.is_empty());
            for name in names.chain(aliases) {
                assert_eq!(lookup(name), Some(expected), "{name:?}");
            }
            assert_eq!(by_alpha3(fields[1]), Some(expected));
        }
    }

    #[track_caller]
    fn assert_finds(alpha2: &str, inputs: &[&str]) {
        for input in inputs {
            assert_eq!(lookup(input).map(|c| c.alpha2), Some(alpha2), "{input:?}");
        }
    }

    #[test]
    fn spot_checks() {
        assert_finds(
            "CN",
            &[
                "CN",
                "CHN",
                "cn",
                "chn",
                "中国",
                "China",
                " 中国 ",
                "P.R. China",
            ],
        );
        assert_finds(
            "US",
            &["US", "USA", "U.S.A.", "美国", "United States of America"],
        );
        assert_finds(
            "GB",
            &[
                "GB",
                "UK",
                "U.K.",
                "英国",
                "United Kingdom",
                "Great Britain",
            ],
        );
        assert_finds(
            "KR",
            &[
                "KR",
                "韩国",
                "South Korea",
                "Korea, Republic of",
                "大韩民国",
            ],
        );
        assert_finds("KP", &["朝鲜", "North Korea", "DPRK"]);
        assert_finds("HK", &["中国香港", "香港", "Hong Kong", "HKG"]);
        assert_finds("MO", &["澳门", "中国澳门", "Macau", "Macao"]);
        assert_finds("TW", &["台湾", "中国台湾", "Taiwan"]);
        assert_finds("RU", &["Russia", "俄罗斯", "Russian Federation"]);
        assert_finds("VN", &["Viet Nam", "Vietnam", "越南", "VNM"]);
        assert_finds("JP", &["日本", "Japan", "jpn"]);

        let china = lookup("CN").unwrap();
        assert_eq!(
            *china,
            Country {
                alpha2: "CN",
                alpha3: "CHN",
                name_en: "China",
                name_zh: "中国"
            }
        );
    }

    #[test]
    fn english_names_ignore_case_spacing_punctuation_and_accents() {
        assert_finds(
            "US",
            &["united states", "UNITED-STATES", "  United\tStates  "],
        );
        assert_finds(
            "KR",
            &["korea republic of", "KOREA,REPUBLIC OF", "Korea (South)"],
        );
        assert_finds("CI", &["Cote d'Ivoire", "CÔTE D’IVOIRE", "Ivory Coast"]);
        assert_finds("ST", &["Sao Tome and Principe"]);
        assert_finds("TR", &["Turkiye", "Turkey"]);
        assert_finds("GW", &["Guinea Bissau"]);
    }

    #[test]
    fn chinese_nationality_suffixes_are_accepted() {
        assert_finds("CN", &["中国籍", "中国人"]);
        assert_finds("US", &["美国籍", "美国人"]);
        assert_eq!(lookup("籍"), None);
    }

    #[test]
    fn unknown_or_ambiguous_names_find_nothing() {
        for input in [
            "Atlantis",
            "",
            "   ",
            "--",
            "Korea",
            "刚果",
            "Virgin Islands",
            "圣马丁",
            "XX",
        ] {
            assert_eq!(lookup(input), None, "{input:?}");
        }
    }

    #[test]
    fn code_lookups_accept_any_case_and_reject_other_lengths() {
        assert_eq!(by_alpha2(" cn ").map(|c| c.alpha3), Some("CHN"));
        assert_eq!(by_alpha3("gbr").map(|c| c.alpha2), Some("GB"));
        assert_eq!(by_alpha2("CHN"), None);
        assert_eq!(by_alpha3("CN"), None);
        assert_eq!(
            by_alpha2("UK"),
            None,
            "UK is only an alias, not an ISO code"
        );
        assert_eq!(by_alpha2("中国"), None);
    }

    proptest! {
        #[test]
        fn lookup_never_panics(input in any::<String>()) {
            let _ = lookup(&input);
        }

        #[test]
        fn mangled_english_names_still_resolve(
            row in 0..249usize,
            upper in prop::collection::vec(any::<bool>(), 64),
            separator in prop::sample::select(vec![" ", "  ", "-", ".", ",", "_", "\t"]),
        ) {
            let country = &all()[row];
            let mut mangled = String::new();
            for (c, &up) in country.name_en.chars().zip(upper.iter().cycle()) {
                match (c, up) {
                    (' ', _) => mangled.push_str(separator),
                    (_, true) => mangled.extend(c.to_uppercase()),
                    (_, false) => mangled.extend(c.to_lowercase()),
                }
            }
            prop_assert_eq!(lookup(&mangled), Some(country), "{:?}", mangled);
        }
    }
}
