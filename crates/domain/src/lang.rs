//! Every user-facing text exists in Chinese (zh-CN) and English.

use serde::{Deserialize, Serialize};
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    En,
    ZhCn,
}

impl Lang {
    /// Picks the language from a POSIX locale such as `zh_CN.UTF-8`; anything else is English.
    pub fn from_locale(locale: &str) -> Lang {
        if locale.to_ascii_lowercase().starts_with("zh") {
            Lang::ZhCn
        } else {
            Lang::En
        }
    }

    /// Chooses between the two texts of one message.
    pub fn pick<'a>(self, en: &'a str, zh: &'a str) -> &'a str {
        match self {
            Lang::En => en,
            Lang::ZhCn => zh,
        }
    }
}

impl FromStr for Lang {
    type Err = crate::DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "en" | "en-us" | "en-gb" | "english" => Ok(Lang::En),
            "zh" | "zh-cn" | "zh-hans" | "chinese" | "中文" => Ok(Lang::ZhCn),
            _ => Err(crate::DomainError::Invalid {
                field: "lang",
                value: s.to_string(),
                expected: "zh-CN or en",
            }),
        }
    }
}
