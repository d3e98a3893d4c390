//! Serde helpers of the canonical encoding that save an allocation per field: hex written from
//! a stack buffer, text read in place. Entries are encoded and decoded once per audit, hundreds
//! of thousands at a time, so these are on the hot path of `ledger verify`.

use serde::de::{Error, Visitor};
use serde::{Deserializer, Serializer};
use std::fmt;

/// 32 bytes as 64 lower-case hex digits.
pub(crate) fn hex32<S: Serializer>(bytes: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
    let mut buf = [0u8; 64];
    hex::encode_to_slice(bytes, &mut buf).expect("64 digits for 32 bytes");
    s.serialize_str(std::str::from_utf8(&buf).expect("hex is ASCII"))
}

/// Reads a string and hands it to `f` without copying it when the input allows.
pub(crate) fn with_str<'de, D, T, E>(
    d: D,
    f: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    E: fmt::Display,
{
    struct Text<F>(F);
    impl<'de, T, E: fmt::Display, F: FnOnce(&str) -> Result<T, E>> Visitor<'de> for Text<F> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<X: Error>(self, v: &str) -> Result<T, X> {
            (self.0)(v).map_err(X::custom)
        }
    }
    d.deserialize_str(Text(f))
}
