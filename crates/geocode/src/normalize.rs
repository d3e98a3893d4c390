//! Matching keys: what two spellings of one name have in common.
//!
//! Full-width forms become ASCII (`１２号` → `12号`), Latin letters are lower-cased and lose
//! their accents (`Ħal Qormi` → `hal qormi`), and spaces and punctuation between words go
//! (`Triq il-Kbira` → `triqilkbira`). Chinese characters are kept as they are. Folding is safe
//! here because a collision never places anyone silently: two streets whose names fold to one
//! key become two candidates, and an address that cannot tell them apart is unplaced.

/// The full-width ASCII block (U+FF01..=U+FF5E) and the ideographic space, as ASCII.
pub fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// A lower-case Latin letter without its accent (letters that fold to two, `ß`, are left to
/// [`key`]).
fn fold_latin(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => 'c',
        'ď' | 'đ' => 'd',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => 'e',
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => 'g',
        'ĥ' | 'ħ' => 'h',
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => 'i',
        'ĵ' => 'j',
        'ķ' => 'k',
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => 'l',
        'ñ' | 'ń' | 'ņ' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => 'o',
        'ŕ' | 'ŗ' | 'ř' => 'r',
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => 's',
        'ţ' | 'ť' | 'ŧ' | 'ț' => 't',
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => 'u',
        'ŵ' => 'w',
        'ý' | 'ÿ' | 'ŷ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        _ => c,
    }
}

/// The matching key of a name or of a piece of an address.
pub fn key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().map(half_width) {
        for lower in c.to_lowercase() {
            match fold_latin(lower) {
                'ß' => out.push_str("ss"),
                'æ' => out.push_str("ae"),
                'œ' => out.push_str("oe"),
                f if f.is_alphanumeric() => out.push(f),
                // Spaces, hyphens, apostrophes, dots and the middle dot of transliterations
                // separate words; the key does not depend on how they were typed.
                _ => {}
            }
        }
    }
    out
}

/// Whether `c` is a CJK ideograph (the address is then read the Chinese way).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_ignore_width_case_accents_and_punctuation() {
        assert_eq!(key("１２号"), "12号");
        assert_eq!(key("Ħal Qormi"), "halqormi");
        assert_eq!(key("Triq il-Kbira"), "triqilkbira");
        assert_eq!(key("RUE GRIMALDI"), key("rue  grimaldi"));
        assert_eq!(key("Straße"), "strasse");
        assert_eq!(key("Jing'an"), "jingan");
        assert_eq!(key("幸福路"), "幸福路");
        assert_eq!(key(" ,.- "), "");
    }
}
