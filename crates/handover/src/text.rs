//! Texts in both languages, and closed vocabularies with a word in each.
//!
//! Closed vocabularies use the domain crate's `vocabulary!`, so they parse, print and serialise
//! like the domain's own.

use closedloop_domain::Lang;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One text in Chinese and English, as configuration writes it (`zh = "…"`, `en = "…"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bilingual {
    pub zh: String,
    pub en: String,
}

impl Bilingual {
    pub fn new(en: impl Into<String>, zh: impl Into<String>) -> Self {
        Bilingual {
            zh: zh.into(),
            en: en.into(),
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        lang.pick(&self.en, &self.zh)
    }
}

impl fmt::Display for Bilingual {
    /// Both languages, because a log or an error may be read by either desk.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {}", self.en, self.zh)
    }
}

/// Writes a message in both languages, English first, for `Display` of bilingual errors.
pub(crate) fn both(f: &mut fmt::Formatter<'_>, message: impl Fn(Lang) -> String) -> fmt::Result {
    write!(f, "{} / {}", message(Lang::En), message(Lang::ZhCn))
}

/// True when a text has at least one CJK ideograph: a `zh` text without one is almost always
/// English pasted twice, which a Chinese-reading driver could not use.
pub(crate) fn has_chinese(s: &str) -> bool {
    s.chars()
        .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_detection() {
        assert!(has_chinese("体温"));
        assert!(!has_chinese("body temperature"));
    }
}
