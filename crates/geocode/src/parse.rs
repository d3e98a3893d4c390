//! Reading an address as people write it: Chinese (`江苏省宿迁市宿城区幸福路12号305室`) or
//! Latin (`12 Rue Grimaldi, Monaco`, `Rue Grimaldi 12`, `Triq il-Kbira 5, Ħal Qormi`).
//!
//! The parser does not know the map. It gives its own reading (street, house number, area
//! words) and the other readings worth trying against an index, best first: where an address
//! has no separators, only the map can tell where the area words end and the street begins
//! (`长宁区镇宁路`: `镇` ends a town's name elsewhere, here it starts the street's).

use crate::normalize::{half_width, is_cjk};

/// One way to read an address: a street (as written), its house number, the words around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub street: String,
    pub house_number: Option<String>,
    /// Province, city, district, town words, as written, in the address's order.
    pub areas: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAddress {
    /// The parser's own reading; `street` empty when it saw none.
    pub reading: Reading,
    /// Readings to try against an index, best first (the parser's own among them).
    pub candidates: Vec<Reading>,
    /// Whether the address names a street (a house number, a street suffix or word): if no
    /// candidate is a known street it is then unplaced, never put at the town's centre.
    pub names_street: bool,
    /// Every piece that may be a place's name (area words, and the whole of a short address).
    pub place_words: Vec<String>,
}

/// Longest first, so `自治区` is not read as `区`.
const AREA_SUFFIXES: [&str; 13] = [
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "街道",
    "省",
    "市",
    "区",
    "县",
    "旗",
    "镇",
    "乡",
    "村",
];
const STREET_SUFFIXES: [&str; 8] = ["大道", "胡同", "路", "街", "道", "巷", "弄", "里"];
/// After a number: the parts of a building, which place nothing on the map.
const UNIT_SUFFIXES: [&str; 8] = ["号楼", "栋", "幢", "座", "单元", "室", "层", "楼"];
/// Addresses longer than this are cut: nobody's home needs more, and the readings stay few.
const MAX_CHARS: usize = 200;

pub fn parse(address: &str) -> ParsedAddress {
    let text: String = address.chars().take(MAX_CHARS).map(half_width).collect();
    if text.chars().any(is_cjk) {
        parse_chinese(&text)
    } else {
        parse_latin(&text)
    }
}

fn parse_chinese(text: &str) -> ParsedAddress {
    // Separators carry nothing in a Chinese address; a hyphen may join numbers (12-3号).
    let chars: Vec<char> = text
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '-')
        .collect();
    let rest = |i: usize| -> String { chars[i..].iter().collect() };
    let mut lane: Option<(usize, usize, String)> = None; // (start, end, number)
    let mut house: Option<String> = None;
    let mut cut = chars.len();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '-') {
            i += 1;
        }
        let number: String = chars[start..i].iter().collect();
        let number = number.trim_end_matches('-').to_string();
        let after = rest(i);
        if after.starts_with('弄') && lane.is_none() && house.is_none() {
            lane = Some((start, i + 1, number));
            i += 1;
        } else if UNIT_SUFFIXES.iter().any(|s| after.starts_with(s)) {
            cut = cut.min(start);
            break;
        } else if after.starts_with('号') {
            house = Some(number);
            cut = cut.min(start);
            break;
        }
    }
    if let Some((start, _, _)) = &lane {
        cut = cut.min(*start);
    }
    let before: String = chars[..cut].iter().collect();
    let (areas, street) = split_areas(&before);
    // One character (`号`, `路`) is a suffix, not a street.
    let street = if street.chars().count() < 2 {
        String::new()
    } else {
        street
    };
    let names_street =
        lane.is_some() || house.is_some() || STREET_SUFFIXES.iter().any(|s| street.ends_with(s));

    // On the street, a lane (弄) stands at its number; the house inside the lane does not.
    let street_number = match &lane {
        Some((_, _, n)) => Some(n.clone()),
        None => house.clone(),
    };
    let reading = Reading {
        street: street.clone(),
        house_number: street_number.clone(),
        areas: areas.clone(),
    };
    let mut candidates = Vec::new();
    // A lane mapped as a way of its own (`延安西路358弄`) is the more precise street.
    if let Some((_, end, _)) = &lane {
        let with_lane: String = chars[..*end].iter().collect();
        candidates.extend(suffix_readings(&with_lane, house.clone()));
    }
    candidates.extend(suffix_readings(&before, street_number));
    if !candidates.contains(&reading) && !reading.street.is_empty() {
        candidates.push(reading.clone());
    }
    let mut place_words = areas;
    if !street.is_empty() && !names_street {
        place_words.push(street);
    }
    ParsedAddress {
        reading,
        candidates,
        names_street,
        place_words,
    }
}

/// Area words from the left (`江苏省` `宿迁市` `宿城区`), then the street. An area word has at
/// least two characters and leaves at least two for the street, so `镇宁路` and `新市街` stay
/// streets.
fn split_areas(text: &str) -> (Vec<String>, String) {
    let chars: Vec<char> = text.chars().collect();
    let mut areas = Vec::new();
    let mut start = 0;
    let mut j = start + 1;
    while j < chars.len() {
        let word: String = chars[start..=j].iter().collect();
        let leaves = chars.len() - (j + 1);
        if leaves >= 2 && AREA_SUFFIXES.iter().any(|s| word.ends_with(s)) {
            areas.push(word);
            start = j + 1;
            j = start + 1;
        } else {
            j += 1;
        }
    }
    (areas, chars[start..].iter().collect())
}

/// Every tail of `text` that starts where an area word could end, longest first, with the
/// words before it as areas.
fn suffix_readings(text: &str, house_number: Option<String>) -> Vec<Reading> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    for i in 0..chars.len().saturating_sub(1) {
        let head: String = chars[..i].iter().collect();
        if i > 0 && !AREA_SUFFIXES.iter().any(|s| head.ends_with(s)) {
            continue;
        }
        let (areas, leftover) = split_areas(&head);
        let mut areas = areas;
        if !leftover.is_empty() {
            areas.push(leftover);
        }
        out.push(Reading {
            street: chars[i..].iter().collect(),
            house_number: house_number.clone(),
            areas,
        });
    }
    out
}

/// Words that make a piece of a Latin address a street even without a number.
const STREET_WORDS: [&str; 40] = [
    "rue",
    "avenue",
    "av",
    "ave",
    "boulevard",
    "bd",
    "blvd",
    "street",
    "st",
    "road",
    "rd",
    "lane",
    "drive",
    "way",
    "allee",
    "allée",
    "chemin",
    "impasse",
    "quai",
    "via",
    "viale",
    "vicolo",
    "piazza",
    "corso",
    "strasse",
    "straße",
    "str",
    "gasse",
    "weg",
    "platz",
    "triq",
    "sqaq",
    "calle",
    "rua",
    "carrer",
    "place",
    "square",
    "close",
    "court",
    "crescent",
];
const STREET_ENDINGS: [&str; 4] = ["strasse", "straße", "gasse", "weg"];

fn is_house_number(token: &str) -> bool {
    let t = token.trim_matches(|c: char| c == '.' || c == '#');
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 || digits > 6 {
        return false;
    }
    let tail = &t[digits..];
    tail.is_empty()
        || (tail.chars().count() <= 3 && tail.chars().all(char::is_alphabetic))
        || (tail.starts_with(['-', '/'])
            && tail.len() > 1
            && tail[1..].chars().all(|c| c.is_ascii_alphanumeric()))
}

/// `No.` / `Nr.` / `n°` before a number.
fn is_number_word(token: &str) -> bool {
    matches!(
        token.to_lowercase().as_str(),
        "no" | "no." | "nr" | "nr." | "n°" | "nº" | "#"
    )
}

fn parse_latin(text: &str) -> ParsedAddress {
    let parts: Vec<Vec<&str>> = text
        .split([',', ';', '\n', '、'])
        .map(|p| p.split_whitespace().collect::<Vec<_>>())
        .filter(|p| !p.is_empty())
        .collect();
    // A piece of words alone (no postcode digits) names an area.
    let area_of = |p: &[&str]| -> Option<String> {
        let words: Vec<&str> = p
            .iter()
            .copied()
            .filter(|t| !t.chars().any(|c| c.is_ascii_digit()))
            .collect();
        (!words.is_empty()).then(|| words.join(" "))
    };
    let mut numbered = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        // After the first numbered piece, four digits or more are a postcode (`98000 Monaco`,
        // `9490 Vaduz`), not a house on a street named `Monaco`.
        let first = numbered.first().is_none_or(|(j, _, _)| *j == i);
        for (street, number) in split_number(p) {
            let postcode = number.len() >= 4 && number.chars().all(|c| c.is_ascii_digit());
            if !street.is_empty() && (first || !postcode) {
                numbered.push((i, street, number));
            }
        }
    }
    let has_street_word = |p: &[&str]| {
        p.iter().any(|t| {
            let t = t.to_lowercase();
            let t = t.trim_end_matches('.');
            STREET_WORDS.contains(&t) || STREET_ENDINGS.iter().any(|e| t.ends_with(e))
        })
    };
    let names_street = !numbered.is_empty() || parts.iter().any(|p| has_street_word(p));
    let others = |skip: usize| -> Vec<String> {
        parts
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != skip)
            .filter_map(|(_, p)| area_of(p))
            .collect()
    };
    let mut candidates = Vec::new();
    // With a house number, the street is in a numbered piece; the other pieces are areas.
    // Without one, any piece may be the street.
    let pieces: Vec<(usize, Vec<&str>, Option<String>)> = if numbered.is_empty() {
        parts
            .iter()
            .enumerate()
            .map(|(i, p)| (i, p.clone(), None))
            .collect()
    } else {
        numbered
            .iter()
            .map(|(i, s, n)| (*i, s.clone(), Some(n.clone())))
            .collect()
    };
    for (i, words, number) in &pieces {
        let areas = others(*i);
        // The whole piece, then its longest leading or trailing runs of words (a missing
        // comma: `12 Rue Grimaldi Monaco`), the rest of the piece becoming an area word.
        for len in (1..=words.len()).rev() {
            let starts = if len == words.len() {
                vec![0]
            } else {
                vec![0, words.len() - len]
            };
            for s in starts {
                let mut areas = areas.clone();
                let rest: Vec<&str> = words[..s]
                    .iter()
                    .chain(&words[s + len..])
                    .copied()
                    .collect();
                if let Some(a) = area_of(&rest) {
                    areas.insert(0, a);
                }
                candidates.push(Reading {
                    street: words[s..s + len].join(" "),
                    house_number: number.clone(),
                    areas,
                });
            }
        }
    }
    // A number may end the street's own name (`Tunnel vers Nationale 7`): the numbered
    // pieces whole, after every reading with a house number.
    for (i, _, _) in &numbered {
        candidates.push(Reading {
            street: parts[*i].join(" "),
            house_number: None,
            areas: others(*i),
        });
    }
    let reading = match pieces.first() {
        Some((i, words, number)) => Reading {
            street: if names_street {
                words.join(" ")
            } else {
                String::new()
            },
            house_number: number.clone(),
            areas: others(*i),
        },
        None => Reading {
            street: String::new(),
            house_number: None,
            areas: Vec::new(),
        },
    };
    let place_words = parts.iter().filter_map(|p| area_of(p)).collect();
    ParsedAddress {
        reading,
        candidates,
        names_street,
        place_words,
    }
}

/// The words of a piece without its house number, and the number: leading (`12 Rue
/// Grimaldi`, `No. 5 …`) or trailing (`Rue Grimaldi 12`). Both when both ends are numbers
/// (`1. Oberriederweg 5`: the street's own name may start with one).
fn split_number<'a>(words: &[&'a str]) -> Vec<(Vec<&'a str>, String)> {
    let clean = |t: &str| t.trim_matches(|c: char| c == '.' || c == '#').to_string();
    let mut out = Vec::new();
    match words {
        [w, n, rest @ ..] if is_number_word(w) && is_house_number(n) => {
            out.push((rest.to_vec(), clean(n)))
        }
        [n, rest @ ..] if is_house_number(n) => out.push((rest.to_vec(), clean(n))),
        _ => {}
    }
    match words {
        [rest @ .., w, n] if words.len() > 2 && is_number_word(w) && is_house_number(n) => {
            out.push((rest.to_vec(), clean(n)))
        }
        [rest @ .., n] if words.len() > 1 && is_house_number(n) => {
            out.push((rest.to_vec(), clean(n)))
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own(a: &str) -> Reading {
        parse(a).reading
    }

    #[test]
    fn chinese_addresses_split_into_areas_street_and_number() {
        let r = own("江苏省宿迁市宿城区幸福路12号305室");
        assert_eq!(r.street, "幸福路");
        assert_eq!(r.house_number.as_deref(), Some("12"));
        assert_eq!(r.areas, ["江苏省", "宿迁市", "宿城区"]);
        let r = own("上海市长宁区镇宁路１２号");
        assert_eq!(
            (r.street.as_str(), r.house_number.as_deref()),
            ("镇宁路", Some("12"))
        );
        assert_eq!(r.areas, ["上海市", "长宁区"]);
        let r = own("黄浦区新市街5号3栋2单元401室");
        assert_eq!(r.street, "新市街");
        let r = own("静安区延安西路358弄7号");
        assert_eq!(
            (r.street.as_str(), r.house_number.as_deref()),
            ("延安西路", Some("358"))
        );
        assert!(
            parse("静安区延安西路358弄7号")
                .candidates
                .iter()
                .any(|c| c.street == "延安西路358弄" && c.house_number.as_deref() == Some("7"))
        );
        let r = own("浦东新区世纪大道 100 号");
        assert_eq!(
            (r.street.as_str(), r.house_number.as_deref()),
            ("世纪大道", Some("100"))
        );
        assert_eq!(r.areas, ["浦东新区"]);
        let r = own("朝阳区幸福小区3号楼");
        assert_eq!(r.house_number, None);
        let p = parse("宿城区");
        assert!(!p.names_street);
        assert_eq!(p.place_words, ["宿城区"]);
    }

    #[test]
    fn latin_addresses_with_the_number_first_or_last() {
        for a in ["12 Rue Grimaldi, Monaco", "Rue Grimaldi 12, 98000 Monaco"] {
            let r = own(a);
            assert_eq!(r.street, "Rue Grimaldi", "{a}");
            assert_eq!(r.house_number.as_deref(), Some("12"), "{a}");
            assert_eq!(r.areas, ["Monaco"], "{a}");
        }
        let r = own("Triq il-Kbira 5, Ħal Qormi");
        assert_eq!(
            (r.street.as_str(), r.house_number.as_deref()),
            ("Triq il-Kbira", Some("5"))
        );
        assert_eq!(r.areas, ["Ħal Qormi"]);
        let r = own("No. 7 Baker Street");
        assert_eq!(
            (r.street.as_str(), r.house_number.as_deref()),
            ("Baker Street", Some("7"))
        );
        let p = parse("12a Rue Grimaldi Monaco");
        assert!(p.candidates.iter().any(|c| c.street == "Rue Grimaldi"
            && c.areas == ["Monaco"]
            && c.house_number.as_deref() == Some("12a")));
        // The postcode's piece is an area, never a street with a house number.
        let p = parse("Rue Inconnue 4, 98000 Monaco");
        assert!(p.candidates.iter().all(|c| c.street != "Monaco"), "{p:?}");
        // A flat's number first: the street is still among the readings.
        assert!(
            parse("Flat 3, 12 Baker Street, London")
                .candidates
                .iter()
                .any(|c| c.street == "Baker Street" && c.house_number.as_deref() == Some("12"))
        );
        let p = parse("Vaduz");
        assert!(!p.names_street);
        assert_eq!(p.place_words, ["Vaduz"]);
        assert!(parse("Rue Inconnue, Monaco").names_street);
    }

    #[test]
    fn nothing_in_nothing_out() {
        for a in ["", "   ", ",,,", "12", "号"] {
            let p = parse(a);
            assert!(p.reading.street.is_empty(), "{a:?}: {p:?}");
        }
    }
}
