//! The receiver's confirmation code. The giver's phone shows a six-digit code; the receiver
//! types it into theirs, which proves both stood together at the hand-over without either
//! needing a network at that moment (both phones hold the hand-over's secret from when the
//! assignment was synchronised).
//!
//! The code is RFC 4226/6238-style: HMAC-SHA256 over (hand-over id ‖ 30-second time step),
//! dynamically truncated to six digits. Binding the hand-over id means a code seen at one stop
//! confirms nothing at another. One step either side is accepted for clock drift and typing
//! time; the comparison is constant-time so response timing does not leak digits.
//!
//! **Codes cannot be guessed.** Six digits are a million codes, and three are valid at once, so
//! an unlimited number of tries would find one. A started hand-over therefore counts its
//! failed confirmations ([`WrongCodes`]): every confirmation refused for its code, wrong or
//! not six digits, is one. After [`MAX_WRONG_CODES`] it is locked: no code confirms it any
//! more, and its code is no longer shown. A new code needs the giver to start the hand-over
//! again, which begins a new request with a new secret and no failed attempts; the locked one
//! stays locked, as the record of what was tried. Five tries of three valid codes in a million
//! leave a guesser a chance of 1.5 in 100,000 per hand-over the giver starts.

use crate::ids::HandoverId;
use crate::text::both;
use chrono::{DateTime, Utc};
use closedloop_domain::Lang;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::Sha256;
use std::fmt;
use subtle::{Choice, ConstantTimeEq};

pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: usize = 6;
/// Steps accepted on either side of the current one.
pub const DRIFT_STEPS: i64 = 1;

/// Failed confirmations a started hand-over takes before it locks.
pub const MAX_WRONG_CODES: u32 = 5;

/// How many confirmations of one started hand-over were refused for their code. The store
/// keeps only this count; what it means is decided here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WrongCodes(u32);

impl WrongCodes {
    pub fn new(count: u32) -> Self {
        WrongCodes(count)
    }

    pub fn count(self) -> u32 {
        self.0
    }

    /// No code confirms the hand-over any more: [`MAX_WRONG_CODES`] were refused.
    pub fn is_locked(self) -> bool {
        self.0 >= MAX_WRONG_CODES
    }

    /// Attempts left before it locks.
    pub fn remaining(self) -> u32 {
        MAX_WRONG_CODES.saturating_sub(self.0)
    }

    /// The count after one more refused code: its attempt number, and whether it locks the
    /// hand-over now.
    pub fn after_wrong(self) -> WrongCodes {
        WrongCodes(self.0.saturating_add(1))
    }
}

/// A hand-over's secret: 32 random bytes the store generates (from the OS's randomness) when it
/// creates the hand-over. Stored and sent as hex; never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct HandoverSecret([u8; 32]);

impl HandoverSecret {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        HandoverSecret(bytes)
    }

    pub fn from_hex(hex: &str) -> Result<Self, CodeError> {
        let hex = hex.trim().as_bytes();
        if hex.len() != 64 || !hex.iter().all(u8::is_ascii_hexdigit) {
            return Err(CodeError::BadSecret);
        }
        let mut out = [0u8; 32];
        for (i, pair) in hex.chunks(2).enumerate() {
            let s = std::str::from_utf8(pair).map_err(|_| CodeError::BadSecret)?;
            out[i] = u8::from_str_radix(s, 16).map_err(|_| CodeError::BadSecret)?;
        }
        Ok(HandoverSecret(out))
    }

    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl fmt::Debug for HandoverSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HandoverSecret(..)")
    }
}

impl Serialize for HandoverSecret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for HandoverSecret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        HandoverSecret::from_hex(&s).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum CodeError {
    Malformed,
    Wrong,
    BadSecret,
}

impl CodeError {
    pub fn message(&self, lang: Lang) -> String {
        match self {
            CodeError::Malformed => lang.pick(
                "the confirmation code must be the six digits shown on the giver's phone",
                "确认码应为交出方手机上显示的 6 位数字",
            ),
            CodeError::Wrong => lang.pick(
                "wrong confirmation code: read the code again from the giver's phone (it changes every 30 seconds)",
                "确认码错误：请重新读取交出方手机上的确认码（每 30 秒更新）",
            ),
            CodeError::BadSecret => lang.pick(
                "the hand-over secret must be 64 hexadecimal characters; re-synchronise the assignment",
                "交接密钥应为 64 位十六进制字符：请重新同步任务",
            ),
        }
        .to_string()
    }
}

impl fmt::Display for CodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        both(f, |lang| self.message(lang))
    }
}

/// Six ASCII digits, leading zeros kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OneTimeCode([u8; DIGITS]);

impl OneTimeCode {
    /// Accepts what a person types: spaces and a dash in the middle ("123 456") are ignored.
    pub fn parse(typed: &str) -> Result<Self, CodeError> {
        let mut out = [0u8; DIGITS];
        let mut n = 0;
        for c in typed.chars().filter(|c| !c.is_whitespace() && *c != '-') {
            if !c.is_ascii_digit() || n == DIGITS {
                return Err(CodeError::Malformed);
            }
            out[n] = c as u8;
            n += 1;
        }
        if n == DIGITS {
            Ok(OneTimeCode(out))
        } else {
            Err(CodeError::Malformed)
        }
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("ASCII digits")
    }

    fn from_number(n: u32) -> Self {
        let s = format!("{:0width$}", n % 10u32.pow(DIGITS as u32), width = DIGITS);
        let mut out = [0u8; DIGITS];
        out.copy_from_slice(s.as_bytes());
        OneTimeCode(out)
    }
}

impl fmt::Display for OneTimeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The 30-second step an instant falls in (Unix time, as RFC 6238).
pub fn time_step(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(STEP_SECONDS)
}

/// Seconds until the code shown now changes, for the giver's screen.
pub fn seconds_left(now: DateTime<Utc>) -> i64 {
    STEP_SECONDS - now.timestamp().rem_euclid(STEP_SECONDS)
}

/// RFC 4226 dynamic truncation: a 31-bit number from four bytes at the offset the last byte's
/// low nibble gives.
pub(crate) fn truncate(mac: &[u8]) -> u32 {
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    u32::from_be_bytes([
        mac[offset] & 0x7f,
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ])
}

pub(crate) fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

fn code_for_step(secret: &HandoverSecret, handover: HandoverId, step: i64) -> OneTimeCode {
    let mut message = [0u8; 16];
    message[..8].copy_from_slice(&handover.0.to_be_bytes());
    message[8..].copy_from_slice(&step.to_be_bytes());
    OneTimeCode::from_number(truncate(&hmac_sha256(&secret.0, &message)))
}

/// The code the giver's phone shows at an instant.
pub fn code_at(secret: &HandoverSecret, handover: HandoverId, at: DateTime<Utc>) -> OneTimeCode {
    code_for_step(secret, handover, time_step(at))
}

/// Checks a typed code against the current step and one step either side. All three are
/// compared, without stopping at the first match, so timing does not tell which matched.
pub fn verify(
    secret: &HandoverSecret,
    handover: HandoverId,
    typed: &str,
    now: DateTime<Utc>,
) -> Result<(), CodeError> {
    let typed = OneTimeCode::parse(typed)?;
    let step = time_step(now);
    let mut ok = Choice::from(0);
    for d in -DRIFT_STEPS..=DRIFT_STEPS {
        ok |= code_for_step(secret, handover, step + d).0.ct_eq(&typed.0);
    }
    if bool::from(ok) {
        Ok(())
    } else {
        Err(CodeError::Wrong)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 4226 appendix D: HMAC-SHA-1 values for counters 0–4 and their truncations.
    #[test]
    fn truncation_matches_rfc_4226() {
        let cases = [
            ("cc93cf18508d94934c64b65d8ba7667fb7cde4b0", 755224),
            ("75a48a19d4cbe100644e8ac1397eea747a2d33ab", 287082),
            ("0bacb7fa082fef30782211938bc1c5e70416ff44", 359152),
            ("66c28227d03a2d5529262ff016a1e6ef76557ece", 969429),
            ("a904c900a64b35909874b33e61c5938a8e15ed1c", 338314),
        ];
        for (mac, code) in cases {
            assert_eq!(truncate(&hex(mac)) % 1_000_000, code);
        }
    }

    /// RFC 6238 appendix B, SHA-256 column (8 digits, message = the step alone).
    #[test]
    fn hmac_sha256_totp_matches_rfc_6238() {
        let key = b"12345678901234567890123456789012";
        for (t, code) in [
            (59i64, 46119246u32),
            (1111111109, 68084774),
            (1234567890, 91819424),
            (2000000000, 90698825),
        ] {
            let step = (t / 30).to_be_bytes();
            assert_eq!(
                truncate(&hmac_sha256(key, &step)) % 100_000_000,
                code,
                "T={t}"
            );
        }
    }

    #[test]
    fn codes_keep_leading_zeros_and_parse_typing() {
        assert_eq!(OneTimeCode::from_number(42).as_str(), "000042");
        assert_eq!(OneTimeCode::parse(" 012 345 ").unwrap().as_str(), "012345");
        assert_eq!(OneTimeCode::parse("012-345").unwrap().as_str(), "012345");
        for bad in ["12345", "1234567", "12345a", "１２３４５６"] {
            assert_eq!(OneTimeCode::parse(bad), Err(CodeError::Malformed), "{bad}");
        }
    }

    #[test]
    fn five_wrong_codes_lock_a_hand_over() {
        let mut w = WrongCodes::default();
        for n in 1..=MAX_WRONG_CODES {
            assert!(!w.is_locked());
            assert_eq!(w.remaining(), MAX_WRONG_CODES - n + 1);
            w = w.after_wrong();
            assert_eq!(w.count(), n);
        }
        assert!(w.is_locked());
        assert_eq!(w.remaining(), 0);
        assert!(WrongCodes::new(u32::MAX).after_wrong().is_locked());
        // A restarted hand-over is a new request: it starts from none.
        assert!(!WrongCodes::default().is_locked());
    }

    #[test]
    fn secrets_round_trip_and_hide() {
        let s = HandoverSecret::from_bytes([0xab; 32]);
        assert_eq!(HandoverSecret::from_hex(&s.to_hex()).unwrap(), s);
        assert_eq!(format!("{s:?}"), "HandoverSecret(..)");
        assert_eq!(HandoverSecret::from_hex("abc"), Err(CodeError::BadSecret));
        assert!(HandoverSecret::from_hex(&"zz".repeat(32)).is_err());
    }
}
