//! Passwords: argon2id with m = 19,456 KiB, t = 2, p = 1 (OWASP's minimum), a 16-byte random
//! salt, a 32-byte tag, stored as a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`,
//! unpadded base64). Verifying reads the parameters from the stored string, so raising them
//! later leaves old hashes verifiable.

use crate::error::{AppError, AppResult};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use std::sync::LazyLock;

pub const MEMORY_KIB: u32 = 19_456;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;
const SALT_LEN: usize = 16;
const TAG_LEN: usize = 32;
/// ASVS 2.1.1 and 2.1.2: at least 12 characters, at most 128 accepted.
pub const MIN_LEN: usize = 12;
pub const MAX_LEN: usize = 128;

/// Refuses passwords shorter than [`MIN_LEN`] or longer than [`MAX_LEN`] characters.
pub fn check_strength(password: &str) -> AppResult<()> {
    let n = password.chars().count();
    if n < MIN_LEN {
        return Err(AppError::invalid(
            "password_too_short",
            format!("a password has at least {MIN_LEN} characters; this one has {n}"),
            format!("密码至少 {MIN_LEN} 个字符，此密码只有 {n} 个"),
        )
        .with_field("password"));
    }
    if n > MAX_LEN {
        return Err(AppError::invalid(
            "password_too_long",
            format!("a password has at most {MAX_LEN} characters"),
            format!("密码至多 {MAX_LEN} 个字符"),
        )
        .with_field("password"));
    }
    Ok(())
}

fn hasher(m: u32, t: u32, p: u32) -> Option<Argon2<'static>> {
    let params = Params::new(m, t, p, Some(TAG_LEN)).ok()?;
    Some(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn failed(what: &str) -> AppError {
    AppError::invalid(
        "password_hash_failed",
        format!("the password could not be hashed ({what})"),
        format!("无法计算密码哈希（{what}）"),
    )
}

/// The PHC string of `password` with a fresh random salt.
pub fn hash(password: &str) -> AppResult<String> {
    let mut salt = [0u8; SALT_LEN];
    getrandom::fill(&mut salt).map_err(|e| failed(&e.to_string()))?;
    let argon = hasher(MEMORY_KIB, ITERATIONS, PARALLELISM).ok_or_else(|| failed("parameters"))?;
    let mut tag = [0u8; TAG_LEN];
    argon
        .hash_password_into(password.as_bytes(), &salt, &mut tag)
        .map_err(|e| failed(&e.to_string()))?;
    Ok(format!(
        "$argon2id$v=19$m={MEMORY_KIB},t={ITERATIONS},p={PARALLELISM}${}${}",
        B64.encode(salt),
        B64.encode(tag)
    ))
}

/// Whether `password` is the one `phc` was made from. A malformed string verifies nothing.
pub fn verify(password: &str, phc: &str) -> bool {
    let Some((m, t, p, salt, tag)) = parse(phc) else {
        return false;
    };
    let Some(argon) = hasher(m, t, p) else {
        return false;
    };
    let mut out = vec![0u8; tag.len()];
    if argon
        .hash_password_into(password.as_bytes(), &salt, &mut out)
        .is_err()
    {
        return false;
    }
    constant_time_eq(&out, &tag)
}

/// Spends the time of one verification on nothing: a login for an account that does not
/// exist takes as long as one for an account that does.
pub fn verify_nothing(password: &str) {
    static DUMMY: LazyLock<String> =
        LazyLock::new(|| hash("closedloop-no-such-account").unwrap_or_default());
    let _ = verify(password, &DUMMY);
}

type Parsed = (u32, u32, u32, Vec<u8>, Vec<u8>);

fn parse(phc: &str) -> Option<Parsed> {
    let parts: Vec<&str> = phc.split('$').collect();
    let ["", "argon2id", "v=19", params, salt, tag] = parts.as_slice() else {
        return None;
    };
    let (mut m, mut t, mut p) = (None, None, None);
    for kv in params.split(',') {
        let (k, v) = kv.split_once('=')?;
        let v: u32 = v.parse().ok()?;
        match k {
            "m" => m = Some(v),
            "t" => t = Some(v),
            "p" => p = Some(v),
            _ => return None,
        }
    }
    let tag = B64.decode(tag).ok()?;
    if tag.is_empty() {
        return None;
    }
    Some((m?, t?, p?, B64.decode(salt).ok()?, tag))
}

/// Equal bytes, compared in time that depends only on the length.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only_and_carries_its_parameters() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterx", &h));
        assert_ne!(h, hash("correct horse battery").unwrap(), "salted");
        assert!(!verify("x", "$argon2id$v=19$m=19456,t=2,p=1$$"));
        assert!(!verify("x", "plain"));
    }

    #[test]
    fn short_and_long_passwords_are_refused() {
        assert_eq!(
            check_strength("short").unwrap_err().code(),
            "password_too_short"
        );
        assert!(check_strength("twelve chars").is_ok());
        assert_eq!(
            check_strength(&"x".repeat(129)).unwrap_err().code(),
            "password_too_long"
        );
    }
}
