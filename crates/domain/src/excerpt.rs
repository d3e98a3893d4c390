//! How a message quotes a value someone typed or a file held: in quotes, escaped like Rust's
//! `{:?}`, and never more than a short excerpt — a 50 MB cell is named by its beginning and its
//! length, not echoed. Every message that quotes a value goes through [`excerpt`].

use std::fmt;

/// At most this many characters of a value are quoted.
pub const EXCERPT_CHARS: usize = 40;

/// A value as a message quotes it: `"E1234"`, or `"AAAA…" (10000 characters)` past
/// [`EXCERPT_CHARS`]. A short value reads exactly as `format!("{value:?}")`.
pub fn excerpt(value: &str) -> Excerpt<'_> {
    Excerpt(value)
}

/// See [`excerpt`].
#[derive(Clone, Copy)]
pub struct Excerpt<'a>(&'a str);

impl fmt::Display for Excerpt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = self.0;
        // Cheap test first: a value of at most EXCERPT_CHARS bytes has at most that many chars.
        if value.len() <= EXCERPT_CHARS {
            return write!(f, "{value:?}");
        }
        match value.char_indices().nth(EXCERPT_CHARS) {
            None => write!(f, "{value:?}"),
            Some((cut, _)) => {
                let total = value.chars().count();
                write!(
                    f,
                    "{:?} ({total} characters)",
                    format!("{}…", &value[..cut])
                )
            }
        }
    }
}

impl fmt::Debug for Excerpt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_values_read_as_debug_long_ones_are_cut_with_their_length() {
        for v in ["", "E1234", "火星", "a\"b\nc", &"x".repeat(EXCERPT_CHARS)] {
            assert_eq!(excerpt(v).to_string(), format!("{v:?}"));
        }
        // Forty Chinese characters are 120 bytes but still short enough.
        let zh = "名".repeat(EXCERPT_CHARS);
        assert_eq!(excerpt(&zh).to_string(), format!("{zh:?}"));
        let long = "A".repeat(10_000);
        let shown = excerpt(&long).to_string();
        assert_eq!(
            shown,
            format!("\"{}…\" (10000 characters)", "A".repeat(EXCERPT_CHARS))
        );
        let wide = "名".repeat(50_000);
        assert!(
            excerpt(&wide)
                .to_string()
                .ends_with("…\" (50000 characters)")
        );
        assert!(excerpt(&wide).to_string().chars().count() < 80);
    }
}
