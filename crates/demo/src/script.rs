//! What a prepared demo remembers beside its database (`DIR/demo.json`): the demo logins with
//! their passwords and TOTP keys, and the day's batches with who drives and who receives each
//! stop — the simulated drivers' parts. `DIR/logins.txt` is the same logins for people.
//!
//! Only the demo writes these files, and only `closedloop demo code` reads a TOTP key back:
//! a real database keeps no password or key in clear anywhere.

use crate::error::{DemoError, Result};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use closedloop_domain::Lang;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const SCRIPT_FILE: &str = "demo.json";
pub const LOGINS_FILE: &str = "logins.txt";
pub const DATABASE_FILE: &str = "closedloop.db";
/// The demo's format: a directory from another format is refused, not reused.
pub const FORMAT: &str = "closedloop-demo/1";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Script {
    pub format: String,
    pub date: NaiveDate,
    pub prepared_at: DateTime<Utc>,
    pub port: Site,
    pub logins: Vec<Login>,
    /// Every batch of the approved plan, in order of departure.
    pub batches: Vec<Batch>,
    /// The incident of the morning.
    pub incident: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Site {
    pub id: i64,
    pub code: String,
    pub lat: f64,
    pub lon: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Login {
    pub login: String,
    pub role: String,
    pub password: String,
    /// `otpauth://totp/…` for the roles that sign in with a code.
    pub totp_uri: Option<String>,
    /// The crew member, hotel or port it acts for.
    pub crew: Option<i64>,
    pub hotel: Option<String>,
    pub port: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Batch {
    pub trip: i64,
    pub code: String,
    pub vehicle: i64,
    /// Driver first.
    pub crew: Vec<i64>,
    pub depart: NaiveDateTime,
    /// The vehicle's trip before this one, whose disinfection this one's gate asks for.
    pub after_trip: Option<i64>,
    pub stops: Vec<Stop>,
    /// Played during preparation (the morning), with its planned times.
    pub played: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stop {
    /// The receiving party as `ROLE:ID` (`hotel_staff:3`, `hospital_staff:1`).
    pub receiver: String,
    /// The demo account that confirms on its phone; none for a hospital (its staff have no
    /// accounts yet), whose batches the desk delivers.
    pub receiver_login: Option<String>,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    pub eta: NaiveDateTime,
    pub travelers: Vec<i64>,
}

impl Script {
    pub fn path(dir: &Path) -> PathBuf {
        dir.join(SCRIPT_FILE)
    }

    pub fn load(dir: &Path) -> Result<Script> {
        let path = Script::path(dir);
        let text = std::fs::read_to_string(&path).map_err(|e| DemoError::io(&path, e))?;
        let script: Script = serde_json::from_str(&text)
            .map_err(|e| DemoError::NotADemo(path.clone(), e.to_string()))?;
        if script.format != FORMAT {
            return Err(DemoError::NotADemo(
                path,
                format!("format {:?}, not {FORMAT:?}", script.format),
            ));
        }
        Ok(script)
    }

    /// Written last, atomically: a directory with this file holds a finished preparation.
    pub fn save(&self, dir: &Path) -> Result<()> {
        let path = Script::path(dir);
        let tmp = dir.join(format!("{SCRIPT_FILE}.tmp"));
        let text = serde_json::to_string_pretty(self).expect("a script serialises");
        std::fs::write(&tmp, text).map_err(|e| DemoError::io(&tmp, e))?;
        owner_only(&tmp);
        std::fs::rename(&tmp, &path).map_err(|e| DemoError::io(&path, e))
    }

    pub fn login(&self, login: &str) -> Option<&Login> {
        self.logins.iter().find(|l| l.login == login)
    }

    pub fn login_of_crew(&self, crew: i64) -> Option<&Login> {
        self.logins.iter().find(|l| l.crew == Some(crew))
    }

    /// The logins for people, in both languages.
    pub fn logins_text(&self, base: &str, dir: &Path) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "closedloop demo — {base}\n\
             Demo logins (passwords generated for this demo only) / 演示账号（密码仅用于本演示）\n\
             Accounts marked TOTP also need the current six-digit code: add the otpauth URI to an\n\
             authenticator app, or run `closedloop demo code LOGIN --data-dir {dir}`.\n\
             标注 TOTP 的账号还需当前六位动态码：将 otpauth 链接加入验证器应用，或运行\n\
             `closedloop demo code 账号 --data-dir {dir}`。\n\n",
            dir = dir.display()
        ));
        for l in &self.logins {
            out.push_str(&format!("{:<28} {:<12} {}", l.login, l.role, l.password));
            if let Some(uri) = &l.totp_uri {
                out.push_str(&format!("  TOTP {uri}"));
            }
            out.push('\n');
        }
        out
    }

    /// The logins a person signs in with first: one per role, the rest are in logins.txt.
    pub fn summary(&self, lang: Lang) -> Vec<String> {
        let mut seen = Vec::new();
        let mut out = Vec::new();
        for l in &self.logins {
            if seen.contains(&l.role) {
                continue;
            }
            seen.push(l.role.clone());
            let totp = if l.totp_uri.is_some() {
                lang.pick(" + TOTP code", " + 动态码")
            } else {
                ""
            };
            out.push(format!(
                "{:<12} {:<28} {}{totp}",
                l.role, l.login, l.password
            ));
        }
        out
    }
}

/// The demo's passwords and keys: readable by their owner only.
pub fn owner_only(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
}

/// The current TOTP code of a demo login, from the demo's own file.
pub fn current_code(dir: &Path, login: &str, now: DateTime<Utc>) -> Result<String> {
    let script = Script::load(dir)?;
    let l = script
        .login(&login.trim().to_lowercase())
        .ok_or_else(|| DemoError::NoSuchLogin(login.to_string()))?;
    let uri = l
        .totp_uri
        .as_deref()
        .ok_or_else(|| DemoError::NoTotp(l.login.clone()))?;
    let secret = totp_secret(uri).ok_or_else(|| DemoError::NoTotp(l.login.clone()))?;
    let unix = u64::try_from(now.timestamp()).unwrap_or(0);
    Ok(closedloop_app::accounts::totp::code_at(&secret, unix)?)
}

/// The key of an `otpauth://` URI (`secret=` in RFC 4648 base32).
pub fn totp_secret(uri: &str) -> Option<Vec<u8>> {
    let query = uri.split_once('?')?.1;
    let b32 = query.split('&').find_map(|kv| kv.strip_prefix("secret="))?;
    base32_decode(b32)
}

fn base32_decode(s: &str) -> Option<Vec<u8>> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut bits, mut acc, mut out) = (0u32, 0u64, Vec::new());
    for c in s.trim_end_matches('=').bytes() {
        let v = ALPHABET.iter().position(|&a| a == c.to_ascii_uppercase())? as u64;
        acc = (acc << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_reads_back_from_its_uri() {
        let secret = b"0123456789abcdefghij".to_vec();
        let uri = closedloop_app::accounts::totp::uri(&secret, "demo-admin");
        assert_eq!(totp_secret(&uri), Some(secret));
    }
}
