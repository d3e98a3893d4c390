//! Canonical forms for single cell values typed by dispatch desks.
//!
//! Everything here is pure and idempotent on its own canonical output, so a value can be
//! normalised again (after a round trip through the database or a re-import) without drifting.
//! These functions run on every cell of files with 100,000 rows, so the common case — a value
//! that is already clean — is detected with one scan and costs no allocation.

use std::borrow::Cow;

mod date;
mod phone;

pub use date::{DateError, date, datetime, excel_serial};
pub use phone::{PhoneError, phone};

/// Full-width ASCII variants (U+FF01..=U+FF5E) to half-width, ideographic space U+3000 and other
/// Unicode spaces (NBSP, tabs, newlines, zero-width space U+200B, BOM U+FEFF) to a single ASCII
/// space, trimmed, runs of whitespace collapsed to one space. Chinese characters themselves are
/// untouched.
pub fn text(s: &str) -> String {
    text_cow(s).into_owned()
}

/// Cow variant of [`text`] used on the hot path: borrows when `s` is already normal.
///
/// Surrounding whitespace alone does not force a copy: the trimmed slice is borrowed.
pub fn text_cow(s: &str) -> Cow<'_, str> {
    let trimmed = s.trim_matches(is_space);
    if is_normal_inner(trimmed) {
        return Cow::Borrowed(trimmed);
    }
    let mut out = String::with_capacity(trimmed.len());
    let mut pending_space = false;
    for c in trimmed.chars() {
        if is_space(c) {
            pending_space = true;
        } else {
            // `trimmed` starts with a non-space, so `out` is never empty here.
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(half_width(c));
        }
    }
    Cow::Owned(out)
}

/// [`text`], then ASCII letters upper-cased and all spaces removed ("e 1234 5678" → "E12345678").
/// Other punctuation such as '-' is kept because it is part of some document numbers.
pub fn document_number(s: &str) -> String {
    // One pass straight from the raw input gives the same result as text() followed by the
    // clean-up, since text() only maps characters one by one and rearranges spaces.
    let mut out = String::with_capacity(s.len());
    out.extend(
        s.chars()
            .filter(|&c| !is_space(c))
            .map(|c| half_width(c).to_ascii_uppercase()),
    );
    out
}

/// Whitespace as desks produce it: everything Unicode calls white space, plus the invisible
/// characters that arrive from copy-paste (zero-width space, word joiner, BOM) and the Mongolian
/// vowel separator, which was a space character until Unicode 6.3.
///
/// Zero-width (non-)joiners are deliberately not spaces: they change the spelling of words in
/// scripts such as Persian and must survive.
fn is_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{180E}')
}

fn is_full_width(c: char) -> bool {
    ('\u{FF01}'..='\u{FF5E}').contains(&c)
}

fn half_width(c: char) -> char {
    if is_full_width(c) {
        // The block mirrors ASCII 0x21..=0x7E at a fixed offset.
        char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
    } else {
        c
    }
}

/// Whether an already trimmed string is in canonical [`text`] form.
fn is_normal_inner(s: &str) -> bool {
    if s.is_ascii() {
        // Byte loop: the overwhelmingly common case in Latin-script columns.
        let mut prev_space = false;
        for &b in s.as_bytes() {
            if b == b' ' {
                if prev_space {
                    return false;
                }
                prev_space = true;
            } else if (b as char).is_whitespace() {
                return false;
            } else {
                prev_space = false;
            }
        }
        return true;
    }
    let mut prev_space = false;
    for c in s.chars() {
        if c == ' ' {
            if prev_space {
                return false;
            }
            prev_space = true;
        } else if is_space(c) || is_full_width(c) {
            return false;
        } else {
            prev_space = false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    // --- text -----------------------------------------------------------------------------

    #[test]
    fn text_keeps_normal_values_borrowed() {
        for s in ["", "ABC", "张三", "Zhang San", "上海 浦东", "a-b_c.d"] {
            assert!(matches!(text_cow(s), Cow::Borrowed(b) if b == s), "{s:?}");
        }
        assert!(matches!(text_cow("  张三\u{3000}"), Cow::Borrowed("张三")));
    }

    #[test]
    fn text_maps_full_width_ascii() {
        assert_eq!(text("ＡＢＣ１２３！～"), "ABC123!~");
        assert_eq!(text("ｚｈａｎｇ（张）"), "zhang(张)");
        assert_eq!(text("张三"), "张三");
        // Outside the U+FF01..=U+FF5E block nothing changes.
        assert_eq!(text("｟｠￥"), "｟｠￥");
    }

    #[test]
    fn text_collapses_and_trims_all_spaces() {
        assert_eq!(text("\u{3000}张\u{3000}\u{3000}三 "), "张 三");
        assert_eq!(text("a\u{a0}b\tc\r\nd"), "a b c d");
        assert_eq!(text("\u{feff}Zhang\u{200b}San"), "Zhang San");
        assert_eq!(text("a\u{2060}\u{180e} \u{2003}b"), "a b");
        assert_eq!(text(" \t\n\u{3000}\u{200b}"), "");
        assert_eq!(text("a  b"), "a b");
        // Joiners spell words in some scripts.
        assert_eq!(text("a\u{200c}b\u{200d}c"), "a\u{200c}b\u{200d}c");
    }

    #[test]
    fn text_is_idempotent_on_samples() {
        for s in [
            "  ａ\u{3000}\u{3000}ｂ ",
            "\u{feff}x\u{200b}",
            "张\t三",
            "Ｅ １２３",
        ] {
            let once = text(s);
            assert_eq!(text(&once), once);
            assert!(matches!(text_cow(&once), Cow::Borrowed(_)));
        }
    }

    // --- document numbers -------------------------------------------------------------------

    #[test]
    fn document_number_forms() {
        assert_eq!(document_number("e 1234 5678"), "E12345678");
        assert_eq!(document_number("ｅ１２３４\u{3000}５６７８"), "E12345678");
        assert_eq!(document_number(" g-1234-56 "), "G-1234-56");
        assert_eq!(document_number("ｇ－１２"), "G-12");
        assert_eq!(document_number("港澳 c1234"), "港澳C1234");
        assert_eq!(document_number(""), "");
        assert_eq!(document_number("E12345678"), "E12345678");
    }
}
