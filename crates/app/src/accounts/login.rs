//! Logging in and who is calling. A login takes the password and, for the roles that need
//! one, a TOTP code (each code accepted once); every failure reads the same (`login_failed`)
//! and is recorded by the login typed and by the client's address, and after
//! [`MAX_FAILURES`] of either within [`LOCKOUT_WINDOW_SECONDS`] further attempts are refused
//! untried (`too_many_logins`, with the seconds to wait) until the oldest of them leaves the
//! window. A login for an account that does not exist costs the same argon2id verification.
//!
//! A session is a 256-bit random token (the cookie; only its SHA-256 is stored) with a CSRF
//! token, ending after [`IDLE_SECONDS`] unused or [`ABSOLUTE_SECONDS`] after login, at logout,
//! or when its account is disabled. A bearer token (`clt_…`) lives until revoked.

use super::{needs_totp, normalise_login, password, stored_role, totp};
use crate::context::App;
use crate::error::{AppError, AppResult, Fault};
use crate::mask::{AccessRole, Viewer};
use chrono::{DateTime, TimeDelta, Utc};
use closedloop_store::accounts::{self as rows, AccountRow, records, sessions};
use serde::Serialize;
use sha2::{Digest, Sha256};

pub const MAX_FAILURES: usize = 5;
pub const LOCKOUT_WINDOW_SECONDS: i64 = 15 * 60;
pub const IDLE_SECONDS: i64 = 30 * 60;
pub const ABSOLUTE_SECONDS: i64 = 12 * 60 * 60;
/// A session's or token's last use is written at most this often.
const TOUCH_EVERY_SECONDS: i64 = 60;

/// How a caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A browser session: its id and the CSRF token unsafe requests must send back.
    Session { id: i64, csrf_token: String },
    /// A bearer token of an integration.
    Token { id: i64 },
}

/// Who is calling: the account, its role and its scope (the hotel of hotel staff, the crew
/// member of a driver or escort, the port of port staff).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Caller {
    pub account: i64,
    pub login: String,
    pub name: String,
    pub role: AccessRole,
    pub hotel: Option<i64>,
    pub crew: Option<i64>,
    pub port: Option<i64>,
    #[serde(skip)]
    pub credential: Credential,
}

impl Caller {
    /// The reader the masking policy sees: this caller's role.
    pub fn viewer(&self) -> Viewer {
        Viewer(Some(self.role))
    }

    /// The CSRF token of a browser session; none for bearer tokens (they are exempt).
    pub fn csrf_token(&self) -> Option<&str> {
        match &self.credential {
            Credential::Session { csrf_token, .. } => Some(csrf_token),
            Credential::Token { .. } => None,
        }
    }

    /// Whether `sent` is this session's CSRF token (compared in constant time). Bearer
    /// callers need none.
    pub fn csrf_ok(&self, sent: Option<&str>) -> bool {
        match (self.csrf_token(), sent) {
            (None, _) => true,
            (Some(mine), Some(sent)) => {
                password::constant_time_eq(mine.as_bytes(), sent.trim().as_bytes())
            }
            (Some(_), None) => false,
        }
    }

    fn of(a: AccountRow, credential: Credential) -> AppResult<Caller> {
        Ok(Caller {
            role: stored_role(&a)?,
            account: a.id,
            login: a.login,
            name: a.display_name,
            hotel: a.hotel_id,
            crew: a.crew_id,
            port: a.port_id,
            credential,
        })
    }
}

#[derive(Debug, Clone)]
pub struct LoginRequest {
    pub login: String,
    pub password: String,
    /// The six digits of the authenticator app, for the roles that need them.
    pub totp: Option<String>,
    /// The client's address, for the lockout.
    pub address: String,
}

/// A session opened: the cookie's token (never stored), its CSRF token, when it ends at the
/// latest.
#[derive(Debug, Clone)]
pub struct LoggedIn {
    pub caller: Caller,
    pub token: String,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// 32 random bytes as hex: tokens and CSRF tokens.
pub(crate) fn random_hex() -> AppResult<String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| {
        AppError::invalid(
            "random_unavailable",
            format!("the system's randomness is unavailable: {e}"),
            format!("系统随机数不可用：{e}"),
        )
    })?;
    Ok(hex::encode(b))
}

/// Hex of the SHA-256 of a token: what the store keeps and looks up.
pub(crate) fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn login_failed() -> AppError {
    AppError::Unauthenticated(Fault::new(
        "login_failed",
        "the login, the password or the one-time code is wrong, or the account is disabled",
        "账号、密码或动态口令错误，或账号已停用",
    ))
}

pub(crate) fn account_disabled(login: &str) -> AppError {
    AppError::invalid(
        "account_disabled",
        format!("the account {login:?} is disabled"),
        format!("账号 {login:?} 已停用"),
    )
    .with_field("login")
}

/// Seconds until `times` (newest first) holds fewer than [`MAX_FAILURES`] inside the window,
/// or none if it already does.
fn locked_for(times: &[chrono::NaiveDateTime], now: DateTime<Utc>) -> Option<u64> {
    let oldest_counted = times.get(MAX_FAILURES - 1)?;
    let free_at = *oldest_counted + TimeDelta::seconds(LOCKOUT_WINDOW_SECONDS);
    let wait = (free_at - now.naive_utc()).num_seconds();
    Some(wait.max(1) as u64)
}

/// Logs in: a session for the account if every check passes, `login_failed` (recorded)
/// otherwise, `too_many_logins` untried while locked out.
pub fn login(app: &App, req: &LoginRequest, now: DateTime<Utc>) -> AppResult<LoggedIn> {
    // A login that cannot be an account's still counts against the address.
    let login = normalise_login(&req.login).unwrap_or_else(|_| req.login.trim().to_lowercase());
    let address = req.address.as_str();
    let since = now.naive_utc() - TimeDelta::seconds(LOCKOUT_WINDOW_SECONDS);
    let mut conn = app.conn()?;
    let (by_login, by_address) = records::recent_failures(&mut conn, &login, address, since)?;
    let wait = [locked_for(&by_login, now), locked_for(&by_address, now)]
        .into_iter()
        .flatten()
        .max();
    if let Some(retry_after) = wait {
        return Err(AppError::TooManyAttempts {
            fault: Fault::new(
                "too_many_logins",
                format!(
                    "{MAX_FAILURES} failed logins within {} minutes for this account or from this address: try again in {retry_after} s",
                    LOCKOUT_WINDOW_SECONDS / 60
                ),
                format!(
                    "此账号或此地址在 {} 分钟内已登录失败 {MAX_FAILURES} 次：请 {retry_after} 秒后再试",
                    LOCKOUT_WINDOW_SECONDS / 60
                ),
            ),
            retry_after,
        });
    }
    let account = rows::account_by_login(&mut conn, &login)?;
    let passed = match &account {
        None => {
            password::verify_nothing(&req.password);
            false
        }
        Some(a) => {
            let password_ok = password::verify(&req.password, &a.password_hash);
            password_ok && a.disabled_at.is_none() && second_factor(&mut conn, a, req, now)?
        }
    };
    let Some(account) = account.filter(|_| passed) else {
        records::record_failure(&mut conn, &login, address, now.naive_utc(), since)?;
        return Err(login_failed());
    };
    records::clear_failures(&mut conn, &login)?;
    let token = random_hex()?;
    let csrf_token = random_hex()?;
    let expires_at = now + TimeDelta::seconds(ABSOLUTE_SECONDS);
    let id = sessions::insert_session(
        &mut conn,
        &sessions::NewSession {
            token_hash: &digest(&token),
            account_id: account.id,
            csrf_token: &csrf_token,
            created_at: now.naive_utc(),
            last_seen_at: now.naive_utc(),
            idle_expires_at: (now + TimeDelta::seconds(IDLE_SECONDS)).naive_utc(),
            expires_at: expires_at.naive_utc(),
        },
    )?;
    let caller = Caller::of(
        account,
        Credential::Session {
            id,
            csrf_token: csrf_token.clone(),
        },
    )?;
    Ok(LoggedIn {
        caller,
        token,
        csrf_token,
        expires_at,
    })
}

/// The TOTP check for the roles that need it: a code of the current step (±1) not accepted
/// before. A role that needs TOTP but whose account has no key cannot log in.
fn second_factor(
    conn: &mut closedloop_store::DbConnection,
    a: &AccountRow,
    req: &LoginRequest,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let role = stored_role(a)?;
    let Some(secret_hex) = &a.totp_secret else {
        return Ok(!needs_totp(role));
    };
    let Some(code) = req.totp.as_deref() else {
        return Ok(false);
    };
    let secret = hex::decode(secret_hex).map_err(|_| {
        AppError::Store(closedloop_store::StoreError::Corrupt(format!(
            "account {} has an unreadable TOTP key",
            a.id
        )))
    })?;
    let unix = u64::try_from(now.timestamp()).unwrap_or(0);
    match totp::matching_step(&secret, code, unix)? {
        Some(step) => Ok(rows::accept_totp_step(
            conn,
            a.id,
            i64::try_from(step).unwrap_or(i64::MAX),
        )?),
        None => Ok(false),
    }
}

fn unauthenticated() -> AppError {
    AppError::Unauthenticated(Fault::new(
        "session_invalid",
        "the session or token is unknown, expired or revoked: log in again",
        "会话或令牌无效、已过期或已撤销：请重新登录",
    ))
}

/// The caller a session cookie's token stands for, if the session is live and its account
/// enabled; its idle expiry pushed on.
pub fn resolve_session(app: &App, token: &str, now: DateTime<Utc>) -> AppResult<Caller> {
    let mut conn = app.conn()?;
    let Some((s, a)) = sessions::session_by_hash(&mut conn, &digest(token))? else {
        return Err(unauthenticated());
    };
    let t = now.naive_utc();
    if s.revoked_at.is_some()
        || t >= s.idle_expires_at
        || t >= s.expires_at
        || a.disabled_at.is_some()
    {
        return Err(unauthenticated());
    }
    if (t - s.last_seen_at).num_seconds() >= TOUCH_EVERY_SECONDS {
        let idle = (t + TimeDelta::seconds(IDLE_SECONDS)).min(s.expires_at);
        sessions::touch_session(&mut conn, s.id, t, idle)?;
    }
    Caller::of(
        a,
        Credential::Session {
            id: s.id,
            csrf_token: s.csrf_token,
        },
    )
}

/// The caller a bearer token stands for, if it is not revoked and its account enabled.
pub fn resolve_token(app: &App, token: &str, now: DateTime<Utc>) -> AppResult<Caller> {
    let mut conn = app.conn()?;
    let Some((tk, a)) = sessions::token_by_hash(&mut conn, &digest(token.trim()))? else {
        return Err(unauthenticated());
    };
    if tk.revoked_at.is_some() || a.disabled_at.is_some() {
        return Err(unauthenticated());
    }
    let t = now.naive_utc();
    if tk
        .last_used_at
        .is_none_or(|u| (t - u).num_seconds() >= TOUCH_EVERY_SECONDS)
    {
        sessions::touch_token(&mut conn, tk.id, t)?;
    }
    Caller::of(a, Credential::Token { id: tk.id })
}

/// Ends the caller's session. A bearer token is not a session: it is revoked by name
/// (`closedloop users revoke-token`).
pub fn logout(app: &App, caller: &Caller, now: DateTime<Utc>) -> AppResult<()> {
    match caller.credential {
        Credential::Session { id, .. } => {
            sessions::revoke_session(&mut *app.conn()?, id, now.naive_utc())?;
            Ok(())
        }
        Credential::Token { .. } => Err(AppError::invalid(
            "not_a_session",
            "a bearer token is not a session: revoke it with closedloop users revoke-token",
            "持有者令牌不是会话：请用 closedloop users revoke-token 撤销",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lockout_lasts_until_the_fifth_newest_failure_leaves_the_window() {
        let now = DateTime::parse_from_rfc3339("2026-12-03T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let at = |mins: i64| (now - TimeDelta::minutes(mins)).naive_utc();
        assert_eq!(locked_for(&[at(1), at(2), at(3), at(4)], now), None);
        // The fifth newest failed 10 minutes ago: 5 minutes of the window are left.
        let five = [at(1), at(2), at(3), at(4), at(10), at(14)];
        assert_eq!(locked_for(&five, now), Some(300));
        assert_eq!(locked_for(&[at(0); 5], now), Some(900));
    }
}
