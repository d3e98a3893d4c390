//! Secrets from configuration: the traveler pepper and the tree-head signing seed.
//!
//! Both are 32 random bytes written in the config as 64 hex digits or as standard base64
//! (with or without padding). Neither is ever printed: their `Debug` shows only a fingerprint.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use std::fmt;

/// A configured secret that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error(
        "{what}: expected 32 bytes written as 64 hex digits or as base64, found {found}; generate one with `openssl rand -hex 32`"
    )]
    BadEncoding { what: &'static str, found: String },
}

/// Decodes 32 bytes from hex (64 digits) or base64. `what` names the setting in the error.
pub fn decode_key32(text: &str, what: &'static str) -> Result<[u8; 32], KeyError> {
    let text = text.trim();
    let mut out = [0u8; 32];
    if text.len() == 64 && hex::decode_to_slice(text, &mut out).is_ok() {
        return Ok(out);
    }
    let decoded = STANDARD
        .decode(text)
        .or_else(|_| STANDARD_NO_PAD.decode(text));
    match decoded {
        Ok(bytes) if bytes.len() == 32 => {
            out.copy_from_slice(&bytes);
            Ok(out)
        }
        Ok(bytes) => Err(KeyError::BadEncoding {
            what,
            found: format!("{} bytes", bytes.len()),
        }),
        // Never echo the text: it is meant to be a secret, even when malformed.
        Err(_) => Err(KeyError::BadEncoding {
            what,
            found: format!("{} characters that are neither hex nor base64", text.len()),
        }),
    }
}

/// The secret key of the keyed hash that turns a traveler id into a [`crate::TravelerRef`].
///
/// Why keyed: a plain hash of a small integer id is reversed by trying every id. With the pepper
/// kept off the log, a reference links to a person only through the traveler row; when that row
/// is erased at the end of retention, the log entries keep verifying but identify nobody.
///
/// Never change the pepper of a running log: the same traveler would get a second reference
/// and their custody chain would split in two. A new pepper goes with a new log (new origin).
#[derive(Clone, PartialEq, Eq)]
pub struct Pepper([u8; 32]);

impl Pepper {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Pepper(bytes)
    }

    /// Reads the pepper from its config text (hex or base64 of 32 bytes).
    pub fn from_config(text: &str) -> Result<Self, KeyError> {
        decode_key32(text, "ledger traveler pepper").map(Pepper)
    }

    pub(crate) fn mac(&self) -> Hmac<Sha256> {
        <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0).expect("HMAC takes keys of any length")
    }

    /// First 4 bytes of SHA-256 of the pepper: tells two configs apart without revealing either.
    pub fn fingerprint(&self) -> String {
        hex::encode(&Sha256::digest(self.0)[..4])
    }
}

impl fmt::Debug for Pepper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pepper(fingerprint {})", self.fingerprint())
    }
}

/// Feeds `parts` to an HMAC keyed with `pepper` and returns the tag.
pub(crate) fn hmac32(pepper: &Pepper, parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = pepper.mac();
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_base64_decode_to_the_same_bytes() {
        let bytes: [u8; 32] = core::array::from_fn(|i| i as u8 * 7);
        let hex_text = hex::encode(bytes);
        let b64 = STANDARD.encode(bytes);
        assert_eq!(decode_key32(&hex_text, "x").unwrap(), bytes);
        assert_eq!(decode_key32(&b64, "x").unwrap(), bytes);
        assert_eq!(decode_key32(b64.trim_end_matches('='), "x").unwrap(), bytes);
    }

    #[test]
    fn wrong_lengths_are_refused_without_echoing_the_secret() {
        let err = decode_key32("c2VjcmV0", "ledger signing key").unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("ledger signing key") && msg.contains("6 bytes"),
            "{msg}"
        );
        let err = decode_key32("not a key at all!", "x").unwrap_err();
        assert!(!err.to_string().contains("not a key"));
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        // RFC 4231 test case 2 uses the 4-byte key "Jefe"; HMAC pads keys, so a 32-byte key of
        // "Jefe" followed by zeros is the same key.
        let mut key = [0u8; 32];
        key[..4].copy_from_slice(b"Jefe");
        let tag = hmac32(
            &Pepper::from_bytes(key),
            &[b"what do ya want ", b"for nothing?"],
        );
        assert_eq!(
            hex::encode(tag),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn debug_shows_only_a_fingerprint() {
        let p = Pepper::from_bytes([0xAB; 32]);
        let dbg = format!("{p:?}");
        assert!(!dbg.contains("abab") && dbg.contains("fingerprint"));
    }
}
