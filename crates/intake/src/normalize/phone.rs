//! Phone numbers to E.164.

use std::borrow::Cow;

use super::text_cow;

/// Why a phone number could not be brought to E.164 form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("phone number is empty; write it with its country code, e.g. +86 138 1234 5678")]
    Empty,
    #[error(
        "phone number contains '{0}'; write one number per cell using only digits, spaces, \
         '-', '.', '(', ')' and a leading '+', e.g. +86 138 1234 5678"
    )]
    BadCharacter(char),
    #[error(
        "phone number has an extension (转/分机/ext/x), which cannot be dialled directly; \
         give a direct number instead, e.g. +86 21 6123 4567"
    )]
    Extension,
    #[error(
        "'{0}' is not a country calling code: it must be 1 to 3 digits not starting with 0, \
         e.g. 86 for China"
    )]
    BadCountryCode(String),
    #[error(
        "after '+' or '00' a phone number continues with the country code, which never starts \
         with 0, e.g. +86 138 1234 5678"
    )]
    ZeroCountryCode,
    #[error(
        "phone number has only {digits} digits including the country code; a complete number \
         has at least 7, e.g. +86 138 1234 5678"
    )]
    TooShort { digits: usize },
    #[error(
        "phone number has {digits} digits including the country code, but at most 15 are \
         possible (E.164); are two numbers run together? e.g. +86 138 1234 5678"
    )]
    TooLong { digits: usize },
    #[error(
        "Chinese mobile number has {digits} digits, but it must have 11 digits starting with 1, \
         e.g. 138 1234 5678"
    )]
    ChineseMobileLength { digits: usize },
    #[error(
        "Chinese landline number has {digits} digits after +86, but it must have 9 to 11: the \
         area code and the local number, e.g. 021-6123 4567"
    )]
    ChineseLandlineLength { digits: usize },
}

/// Countries whose national numbers keep their leading 0 after the country code, so a leading 0
/// there is not a trunk prefix to drop.
const KEEPS_LEADING_ZERO: [&str; 3] = ["39", "378", "379"];

const E164_MIN_DIGITS: usize = 7;
const E164_MAX_DIGITS: usize = 15;

/// To E.164 ("+8613812345678"). `default_country_code` is digits without '+', e.g. "86".
///
/// A number with a leading '+' or "00" is international. Otherwise, for the default country 86,
/// a leading 0 is the trunk prefix and is dropped, and a number of 12 or more digits starting
/// with 86 already carries the country code (no Chinese national number is that long). For
/// other default countries we know nothing about the numbering plan, so a leading 0 is taken as
/// the trunk prefix (except where it belongs to the number, as in Italy) and the rest as the
/// national number; foreign numbers are best written with '+'.
///
/// Numbers in China (+86) are checked against its plan: mobiles (1[3-9]…) have 11 digits,
/// landlines 9 to 11 digits with the area code, and a "(0)" written after +86 is dropped.
pub fn phone(s: &str, default_country_code: &str) -> Result<String, PhoneError> {
    let cc = default_country_code
        .strip_prefix('+')
        .unwrap_or(default_country_code);
    if !(1..=3).contains(&cc.len())
        || !cc.bytes().all(|b| b.is_ascii_digit())
        || cc.starts_with('0')
    {
        return Err(PhoneError::BadCountryCode(default_country_code.to_owned()));
    }

    let t = text_cow(s);
    if t.is_empty() {
        return Err(PhoneError::Empty);
    }
    if t.contains(['转', 'x', 'X']) || t.contains("分机") {
        return Err(PhoneError::Extension);
    }

    let mut digits = String::with_capacity(t.len());
    let mut plus = false;
    for c in t.chars() {
        match c {
            '0'..='9' => digits.push(c),
            // Dashes of every width that Chinese input methods produce.
            ' ' | '-' | '.' | '(' | ')' | '\u{2010}'..='\u{2015}' | '\u{2212}' => {}
            '+' if !plus && digits.is_empty() => plus = true,
            other => return Err(PhoneError::BadCharacter(other)),
        }
    }
    if digits.is_empty() {
        return Err(PhoneError::TooShort { digits: 0 });
    }

    let full: Cow<'_, str> = if plus {
        Cow::Borrowed(&digits)
    } else if let Some(rest) = digits.strip_prefix("00") {
        Cow::Borrowed(rest)
    } else {
        let national = if cc == "86" {
            if let Some(rest) = digits.strip_prefix('0') {
                rest
            } else if digits.len() >= 12 && digits.starts_with("86") {
                // The country code was typed without its '+'.
                return finish(&digits);
            } else {
                &digits
            }
        } else if !KEEPS_LEADING_ZERO.contains(&cc) {
            digits.strip_prefix('0').unwrap_or(&digits)
        } else {
            &digits
        };
        let mut full = String::with_capacity(cc.len() + national.len());
        full.push_str(cc);
        full.push_str(national);
        Cow::Owned(full)
    };
    if full.starts_with('0') {
        return Err(PhoneError::ZeroCountryCode);
    }
    finish(&full)
}

/// Checks and formats the digits of a complete international number (country code first).
fn finish(full: &str) -> Result<String, PhoneError> {
    let (country, national) = match full.strip_prefix("86") {
        // No other country code starts with 86, so this is unambiguous. Leading zeros are a
        // trunk prefix written after the country code, as in "+86 (0)21 …".
        Some(rest) => ("86", rest.trim_start_matches('0')),
        None => ("", full),
    };
    let count = country.len() + national.len();
    if count < E164_MIN_DIGITS {
        return Err(PhoneError::TooShort { digits: count });
    }
    if count > E164_MAX_DIGITS {
        return Err(PhoneError::TooLong { digits: count });
    }
    if country == "86" {
        check_chinese(national)?;
    }
    let mut out = String::with_capacity(count + 1);
    out.push('+');
    out.push_str(country);
    out.push_str(national);
    Ok(out)
}

fn check_chinese(national: &str) -> Result<(), PhoneError> {
    let b = national.as_bytes();
    let digits = b.len();
    // 10, 11 and 12 start Beijing landlines and service numbers, not mobiles.
    let mobile = b.first() == Some(&b'1') && matches!(b.get(1), Some(b'3'..=b'9'));
    if mobile {
        if digits != 11 {
            return Err(PhoneError::ChineseMobileLength { digits });
        }
    } else if !(9..=11).contains(&digits) {
        return Err(PhoneError::ChineseLandlineLength { digits });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_accepted_forms() {
        let cases = [
            ("13812345678", "+8613812345678"),
            ("138 1234 5678", "+8613812345678"),
            ("138-1234-5678", "+8613812345678"),
            ("138.1234.5678", "+8613812345678"),
            ("１３８１２３４５６７８", "+8613812345678"),
            ("+86 138 1234 5678", "+8613812345678"),
            ("＋８６ １３８－１２３４－５６７８", "+8613812345678"),
            ("(+86) 138 1234 5678", "+8613812345678"),
            ("（+86）13812345678", "+8613812345678"),
            ("0086 138 1234 5678", "+8613812345678"),
            ("86-13812345678", "+8613812345678"),
            ("8613812345678", "+8613812345678"),
            ("013812345678", "+8613812345678"),
            ("138—1234—5678", "+8613812345678"),
            ("021-6123 4567", "+862161234567"),
            ("(021) 6123 4567", "+862161234567"),
            ("010-61234567", "+861061234567"),
            ("0755-2345678", "+867552345678"),
            ("+86 (0)21 6123 4567", "+862161234567"),
            ("86 21 6123 4567", "+862161234567"),
            ("400-123-4567", "+864001234567"),
            ("+1 (202) 555-0123", "+12025550123"),
            ("001 202 555 0123", "+12025550123"),
            ("+852 9123 4567", "+85291234567"),
            ("+44 20 7946 0958", "+442079460958"),
            ("+8613812345678", "+8613812345678"),
        ];
        for (input, want) in cases {
            assert_eq!(phone(input, "86").as_deref(), Ok(want), "{input:?}");
        }
    }

    #[test]
    fn phone_other_default_countries() {
        assert_eq!(phone("(202) 555-0123", "1").as_deref(), Ok("+12025550123"));
        assert_eq!(phone("020 7946 0958", "44").as_deref(), Ok("+442079460958"));
        assert_eq!(phone("06 1234 5678", "39").as_deref(), Ok("+390612345678"));
        assert_eq!(
            phone("+86 138 1234 5678", "1").as_deref(),
            Ok("+8613812345678")
        );
        assert_eq!(phone("13812345678", "+86").as_deref(), Ok("+8613812345678"));
    }

    #[test]
    fn phone_errors() {
        use PhoneError::*;
        let cases = [
            ("", Empty),
            (" \u{3000} ", Empty),
            ("021-6123 4567 转 801", Extension),
            ("021-6123 4567 分机801", Extension),
            ("021-6123 4567 ext. 801", Extension),
            ("021-6123 4567 x801", Extension),
            ("13812345678/13987654321", BadCharacter('/')),
            ("138 1234 567a", BadCharacter('a')),
            ("138+12345678", BadCharacter('+')),
            ("++8613812345678", BadCharacter('+')),
            ("13812345678，", BadCharacter(',')),
            ("+0086 138 1234 5678", ZeroCountryCode),
            ("000 86 138", ZeroCountryCode),
            ("+86 12", TooShort { digits: 4 }),
            ("+1 234", TooShort { digits: 4 }),
            ("-", TooShort { digits: 0 }),
            ("+1 234 567 890 123 456", TooLong { digits: 16 }),
            ("1381234567", ChineseMobileLength { digits: 10 }),
            ("138123456789", ChineseMobileLength { digits: 12 }),
            ("+86 1381234567", ChineseMobileLength { digits: 10 }),
            ("6123 4567", ChineseLandlineLength { digits: 8 }),
            ("021-6123 45678 9", ChineseLandlineLength { digits: 12 }),
        ];
        for (input, want) in cases {
            assert_eq!(phone(input, "86"), Err(want), "{input:?}");
        }
        for cc in ["", "0", "086", "1234", "8a"] {
            assert_eq!(
                phone("13812345678", cc),
                Err(PhoneError::BadCountryCode(cc.to_owned()))
            );
        }
    }

    #[test]
    fn phone_error_messages_explain_the_fix() {
        let msg = PhoneError::TooShort { digits: 5 }.to_string();
        assert!(
            msg.contains('5') && msg.contains("+86 138 1234 5678"),
            "{msg}"
        );
        let msg = PhoneError::BadCharacter('/').to_string();
        assert!(msg.contains("'/'"), "{msg}");
    }

    #[test]
    fn phone_is_idempotent_on_samples() {
        for input in [
            "13812345678",
            "021-6123 4567",
            "+86 (0)21 6123 4567",
            "+1 202 555 0123",
        ] {
            let once = phone(input, "86").unwrap();
            assert_eq!(phone(&once, "86").as_deref(), Ok(once.as_str()));
            assert_eq!(phone(&once, "1").as_deref(), Ok(once.as_str()));
        }
    }
}
