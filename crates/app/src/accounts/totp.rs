//! Time-based one-time codes (RFC 6238, through `totp-rs`): HMAC-SHA-1, 6 digits, 30-second
//! steps, one step of clock drift either way. A code is accepted once: the step it matched is
//! returned so the caller can refuse it the second time.

use crate::error::{AppError, AppResult};

pub const DIGITS: usize = 6;
pub const STEP_SECONDS: u64 = 30;
/// Steps of drift accepted before and after the current one.
pub const SKEW: u64 = 1;
/// Key length: 160 bits, as RFC 4226 recommends.
pub const SECRET_LEN: usize = 20;
/// The issuer authenticator apps show.
pub const ISSUER: &str = "closedloop";

/// A fresh random key.
pub fn new_secret() -> AppResult<Vec<u8>> {
    let mut s = vec![0u8; SECRET_LEN];
    getrandom::fill(&mut s).map_err(|e| {
        AppError::invalid(
            "random_unavailable",
            format!("the system's randomness is unavailable: {e}"),
            format!("系统随机数不可用：{e}"),
        )
    })?;
    Ok(s)
}

fn totp(secret: &[u8]) -> AppResult<totp_rs::Totp> {
    totp_rs::Builder::new()
        .with_algorithm(totp_rs::Algorithm::SHA1)
        .with_digits(DIGITS as u8)
        .with_skew(0)
        .with_step_duration(STEP_SECONDS)
        .with_secret(secret.to_vec())
        .build()
        .map_err(|e| {
            AppError::Store(closedloop_store::StoreError::Corrupt(format!(
                "a stored TOTP key is unusable: {e}"
            )))
        })
}

/// The code of the step `unix_seconds` falls in.
pub fn code_at(secret: &[u8], unix_seconds: u64) -> AppResult<String> {
    Ok(totp(secret)?.generate(unix_seconds).to_string())
}

/// The step `code` belongs to, if it is the code of the current step or of one step before
/// or after it.
pub fn matching_step(secret: &[u8], code: &str, unix_seconds: u64) -> AppResult<Option<u64>> {
    let code = code.trim();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let t = totp(secret)?;
    let now = unix_seconds / STEP_SECONDS;
    let mut found = None;
    // Every candidate is computed and compared, so the time taken says nothing of which matched.
    for step in now.saturating_sub(SKEW)..=now + SKEW {
        let candidate = t.generate(step * STEP_SECONDS).to_string();
        if super::password::constant_time_eq(candidate.as_bytes(), code.as_bytes()) {
            found = Some(step);
        }
    }
    Ok(found)
}

/// The `otpauth://` URI an authenticator app scans (Key Uri Format): the issuer, the login,
/// the key in base32 and the parameters.
pub fn uri(secret: &[u8], login: &str) -> String {
    format!(
        "otpauth://totp/{ISSUER}:{login}?secret={}&issuer={ISSUER}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        base32(secret)
    )
}

/// RFC 4648 base32, upper case, without padding (as authenticator apps take keys).
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 key "12345678901234567890".
    const RFC_KEY: &[u8] = b"12345678901234567890";

    #[test]
    fn codes_are_rfc_6238s() {
        // The appendix gives 8 digits; 6 digits are their last six.
        assert_eq!(code_at(RFC_KEY, 59).unwrap(), "287082");
        assert_eq!(code_at(RFC_KEY, 1_111_111_109).unwrap(), "081804");
        assert_eq!(code_at(RFC_KEY, 20_000_000_000).unwrap(), "353130");
    }

    #[test]
    fn one_step_of_drift_either_way_and_no_more() {
        let now = 1_111_111_109;
        let step = now / STEP_SECONDS;
        for (at, expected) in [
            (now - 30, Some(step - 1)),
            (now, Some(step)),
            (now + 30, Some(step + 1)),
            (now + 60, None),
            (now - 60, None),
        ] {
            let code = code_at(RFC_KEY, at).unwrap();
            assert_eq!(
                matching_step(RFC_KEY, &code, now).unwrap(),
                expected,
                "{at}"
            );
        }
        assert_eq!(matching_step(RFC_KEY, "12345", now).unwrap(), None);
        assert_eq!(matching_step(RFC_KEY, "abcdef", now).unwrap(), None);
    }

    #[test]
    fn uris_carry_the_key_in_base32() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32(RFC_KEY), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        let u = uri(RFC_KEY, "desk.1");
        assert_eq!(
            u,
            "otpauth://totp/closedloop:desk.1?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=closedloop&algorithm=SHA1&digits=6&period=30"
        );
    }
}
