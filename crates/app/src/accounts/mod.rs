//! The web service's accounts: who may sign in, with which role, and what each role may do.
//!
//! - this module: accounts added, listed, disabled (their sessions and tokens revoked with
//!   them), their TOTP key replaced, bearer tokens issued and revoked;
//! - [`login`]: logging in (password, and a TOTP code for the roles that need one), the
//!   lockout after failed logins, logging out, a session or token resolved to a [`Caller`];
//! - [`rules`]: which role may do what ([`Action`]), and the object rules — a driver's own
//!   batches, a hotel's own travelers ([`Scope`]);
//! - [`audit`]: every answer that carried unmasked personal data, written down and listed;
//! - [`password`], [`totp`]: argon2id hashes, RFC 6238 codes.

pub mod audit;
pub mod login;
pub mod password;
pub mod rules;
pub mod totp;

pub use login::{Caller, Credential, LoggedIn, LoginRequest};
pub use rules::{Action, BatchView, Scope};

use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::mask::AccessRole;
use chrono::{DateTime, NaiveDateTime, Utc};
use closedloop_store::accounts::{self as rows, AccountRow, NewAccount};
use serde::Serialize;

/// Every role, in the order the documentation lists them.
pub const ROLES: [AccessRole; 8] = [
    AccessRole::Dispatcher,
    AccessRole::Driver,
    AccessRole::Escort,
    AccessRole::PortStaff,
    AccessRole::HotelStaff,
    AccessRole::Commander,
    AccessRole::Auditor,
    AccessRole::Admin,
];

/// The stable code of a role, as stored and as the API and the CLI spell it.
pub fn role_code(r: AccessRole) -> &'static str {
    match r {
        AccessRole::Dispatcher => "dispatcher",
        AccessRole::Driver => "driver",
        AccessRole::Escort => "escort",
        AccessRole::PortStaff => "port_staff",
        AccessRole::HotelStaff => "hotel_staff",
        AccessRole::Commander => "commander",
        AccessRole::Auditor => "auditor",
        AccessRole::Admin => "admin",
    }
}

pub fn parse_role(s: &str) -> AppResult<AccessRole> {
    let s = s.trim().to_ascii_lowercase().replace('-', "_");
    ROLES
        .into_iter()
        .find(|r| role_code(*r) == s)
        .ok_or_else(|| {
            AppError::invalid(
                "unknown_account_role",
                format!(
                    "unknown role {s:?}: use dispatcher, driver, escort, port_staff, hotel_staff, commander, auditor or admin"
                ),
                format!(
                    "未知角色 {s:?}：应为 dispatcher、driver、escort、port_staff、hotel_staff、commander、auditor 或 admin"
                ),
            )
            .with_field("role")
        })
}

/// Desk accounts (dispatchers, port and hotel staff), the command centre and administrators
/// sign in with a TOTP code besides the password; the crew on phones and auditors do not.
pub fn needs_totp(r: AccessRole) -> bool {
    !matches!(
        r,
        AccessRole::Driver | AccessRole::Escort | AccessRole::Auditor
    )
}

/// A login as typed: trimmed, lower-case; 1 to 64 of `a-z 0-9 . _ -`.
pub fn normalise_login(login: &str) -> AppResult<String> {
    let l = login.trim().to_lowercase();
    let ok = (1..=64).contains(&l.len())
        && l.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if !ok {
        return Err(AppError::invalid(
            "login_invalid",
            "a login is 1 to 64 letters, digits, '.', '_' or '-'",
            "账号须为 1 至 64 个字母、数字、“.”、“_”或“-”",
        )
        .with_field("login"));
    }
    Ok(l)
}

/// An account to add. The scope the role needs: a hotel (by code) for hotel staff, a crew
/// member (by id) for drivers and escorts, a port (by code) for port staff; other roles take
/// none.
#[derive(Debug, Clone)]
pub struct AddAccount {
    pub login: String,
    /// Default: the login.
    pub name: Option<String>,
    pub role: AccessRole,
    pub hotel: Option<String>,
    pub crew: Option<i64>,
    pub port: Option<String>,
    pub password: String,
}

/// An account as listed: never its secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountView {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub role: AccessRole,
    /// The hotel's code, for hotel staff.
    pub hotel: Option<String>,
    /// The crew member, for drivers and escorts.
    pub crew: Option<i64>,
    /// The port's code, for port staff.
    pub port: Option<String>,
    /// Whether logging in takes a TOTP code.
    pub totp: bool,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
}

/// An account just added: the TOTP URI to scan (shown once), for the roles that need one.
#[derive(Debug, Clone, Serialize)]
pub struct Added {
    pub account: AccountView,
    pub totp_uri: Option<String>,
}

fn view(a: AccountRow, places: &(rows::Codes, rows::Codes)) -> AppResult<AccountView> {
    let code = |list: &[(i64, String)], id: Option<i64>| {
        id.and_then(|id| list.iter().find(|(i, _)| *i == id).map(|(_, c)| c.clone()))
    };
    Ok(AccountView {
        role: stored_role(&a)?,
        hotel: code(&places.0, a.hotel_id),
        port: code(&places.1, a.port_id),
        id: a.id,
        login: a.login,
        name: a.display_name,
        crew: a.crew_id,
        totp: a.totp_secret.is_some(),
        disabled: a.disabled_at.is_some(),
        created_at: a.created_at,
    })
}

pub(crate) fn stored_role(a: &AccountRow) -> AppResult<AccessRole> {
    parse_role(&a.role).map_err(|_| {
        AppError::Store(closedloop_store::StoreError::Corrupt(format!(
            "account {} has role {:?}",
            a.id, a.role
        )))
    })
}

fn scope_fault(code: &'static str, flag: &str, en: &str, zh: &str) -> AppError {
    AppError::invalid(code, en.to_string(), zh.to_string()).with_field(flag)
}

/// Adds an account: the login unused, the password long enough, the scope its role needs
/// and no other; the password stored as an argon2id hash, a TOTP key made for the roles that
/// need one.
pub fn add(app: &App, req: &AddAccount, now: DateTime<Utc>) -> AppResult<Added> {
    let login = normalise_login(&req.login)?;
    password::check_strength(&req.password)?;
    let name = req
        .name
        .as_deref()
        .map(str::trim)
        .unwrap_or(&login)
        .to_string();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid(
            "name_invalid",
            "a display name is 1 to 100 characters",
            "显示名称须为 1 至 100 个字符",
        )
        .with_field("name"));
    }
    let role = req.role;
    let wants = (
        role == AccessRole::HotelStaff,
        matches!(role, AccessRole::Driver | AccessRole::Escort),
        role == AccessRole::PortStaff,
    );
    for (wanted, given, flag, what_en, what_zh) in [
        (
            wants.0,
            req.hotel.is_some(),
            "hotel",
            "a hotel (--hotel CODE)",
            "酒店（--hotel CODE）",
        ),
        (
            wants.1,
            req.crew.is_some(),
            "crew",
            "a crew member (--crew ID)",
            "转运人员（--crew ID）",
        ),
        (
            wants.2,
            req.port.is_some(),
            "port",
            "a port (--port CODE)",
            "口岸（--port CODE）",
        ),
    ] {
        let code = role_code(role);
        if wanted && !given {
            return Err(scope_fault(
                "account_scope_missing",
                flag,
                &format!("an account of role {code} needs {what_en}"),
                &format!("{code} 账号须指定{what_zh}"),
            ));
        }
        if given && !wanted {
            return Err(scope_fault(
                "account_scope_not_allowed",
                flag,
                &format!("an account of role {code} takes no {flag}"),
                &format!("{code} 账号不能指定 {flag}"),
            ));
        }
    }
    let mut conn = app.conn()?;
    let hotel_id = match &req.hotel {
        Some(code) => Some(
            rows::hotel_id(&mut conn, &code.trim().to_uppercase())?.ok_or_else(|| {
                AppError::not_found(
                    "unknown_hotel",
                    format!("no hotel has the code {code:?}"),
                    format!("没有代码为 {code:?} 的酒店"),
                )
                .with_field("hotel")
            })?,
        ),
        None => None,
    };
    let port_id = match &req.port {
        Some(code) => Some(
            rows::port_id(&mut conn, &code.trim().to_uppercase())?.ok_or_else(|| {
                AppError::not_found(
                    "unknown_port",
                    format!("no port has the code {code:?}"),
                    format!("没有代码为 {code:?} 的口岸"),
                )
                .with_field("port")
            })?,
        ),
        None => None,
    };
    if let Some(crew) = req.crew
        && rows::crew_role(&mut conn, crew)?.is_none()
    {
        return Err(AppError::not_found(
            "unknown_crew",
            format!("there is no crew member {crew}"),
            format!("没有编号为 {crew} 的转运人员"),
        )
        .with_field("crew"));
    }
    if rows::account_by_login(&mut conn, &login)?.is_some() {
        return Err(login_taken(&login));
    }
    let hash = password::hash(&req.password)?;
    let secret = if needs_totp(role) {
        Some(totp::new_secret()?)
    } else {
        None
    };
    let secret_hex = secret.as_ref().map(hex::encode);
    let id = rows::insert_account(
        &mut conn,
        &NewAccount {
            login: &login,
            display_name: &name,
            role: role_code(role),
            hotel_id,
            crew_id: req.crew,
            port_id,
            password_hash: &hash,
            totp_secret: secret_hex.as_deref(),
            created_at: now.naive_utc(),
        },
    )?;
    let row = rows::account_by_id(&mut conn, id)?.ok_or_else(|| no_such_account(&login))?;
    let places = rows::place_codes(&mut conn)?;
    Ok(Added {
        account: view(row, &places)?,
        totp_uri: secret.map(|s| totp::uri(&s, &login)),
    })
}

fn login_taken(login: &str) -> AppError {
    AppError::invalid(
        "login_taken",
        format!("the login {login:?} is taken; nothing was added"),
        format!("账号 {login:?} 已被使用，未新增"),
    )
    .with_field("login")
}

pub(crate) fn no_such_account(login: &str) -> AppError {
    AppError::not_found(
        "no_such_account",
        format!("there is no account {login:?}"),
        format!("没有账号 {login:?}"),
    )
    .with_field("login")
}

fn find(app: &App, login: &str) -> AppResult<AccountRow> {
    let login = normalise_login(login)?;
    rows::account_by_login(&mut *app.conn()?, &login)?.ok_or_else(|| no_such_account(&login))
}

/// Every account, in id order.
pub fn list(app: &App) -> AppResult<Vec<AccountView>> {
    let mut conn = app.conn()?;
    let places = rows::place_codes(&mut conn)?;
    rows::all_accounts(&mut conn)?
        .into_iter()
        .map(|a| view(a, &places))
        .collect()
}

/// Disables the account: it can no longer log in, and its sessions and bearer tokens are
/// revoked in the same transaction. Disabling it again changes nothing.
pub fn disable(app: &App, login: &str, now: DateTime<Utc>) -> AppResult<AccountView> {
    let a = find(app, login)?;
    let mut conn = app.conn()?;
    if a.disabled_at.is_none() {
        rows::disable_account(&mut conn, a.id, now.naive_utc())?;
    }
    let row = rows::account_by_id(&mut conn, a.id)?.ok_or_else(|| no_such_account(login))?;
    view(row, &rows::place_codes(&mut conn)?)
}

/// A TOTP key replaced: the URI to scan, shown once.
#[derive(Debug, Clone, Serialize)]
pub struct TotpReset {
    pub login: String,
    pub totp_uri: String,
}

/// Gives the account a new TOTP key (a lost phone): the old codes stop working and its
/// sessions are revoked. Refused for roles that sign in without TOTP.
pub fn reset_totp(app: &App, login: &str, now: DateTime<Utc>) -> AppResult<TotpReset> {
    let a = find(app, login)?;
    let role = stored_role(&a)?;
    if !needs_totp(role) {
        return Err(AppError::invalid(
            "totp_not_used",
            format!("{} accounts sign in without TOTP", role_code(role)),
            format!("{} 账号登录不使用动态口令", role_code(role)),
        )
        .with_field("login"));
    }
    let secret = totp::new_secret()?;
    rows::set_totp_secret(
        &mut *app.conn()?,
        a.id,
        Some(&hex::encode(&secret)),
        now.naive_utc(),
    )?;
    Ok(TotpReset {
        totp_uri: totp::uri(&secret, &a.login),
        login: a.login,
    })
}

/// A bearer token: shown once, stored only as its SHA-256.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedToken {
    pub login: String,
    pub name: String,
    pub token: String,
}

/// The prefix of every bearer token, so a leaked one is recognisable.
pub const TOKEN_PREFIX: &str = "clt_";

/// Issues a named bearer token for an integration acting as this account.
pub fn issue_token(
    app: &App,
    login: &str,
    name: &str,
    now: DateTime<Utc>,
) -> AppResult<IssuedToken> {
    let a = find(app, login)?;
    if a.disabled_at.is_some() {
        return Err(login::account_disabled(&a.login));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(AppError::invalid(
            "token_name_invalid",
            "a token's name is 1 to 64 characters",
            "令牌名称须为 1 至 64 个字符",
        )
        .with_field("name"));
    }
    let mut conn = app.conn()?;
    if closedloop_store::accounts::sessions::tokens_of(&mut conn, a.id)?
        .iter()
        .any(|t| t.name == name)
    {
        return Err(AppError::invalid(
            "token_name_taken",
            format!("{} already has a token named {name:?}", a.login),
            format!("{} 已有名为 {name:?} 的令牌", a.login),
        )
        .with_field("name"));
    }
    let token = format!("{TOKEN_PREFIX}{}", login::random_hex()?);
    closedloop_store::accounts::sessions::insert_token(
        &mut conn,
        a.id,
        name,
        &login::digest(&token),
        now.naive_utc(),
    )?;
    Ok(IssuedToken {
        login: a.login,
        name: name.to_string(),
        token,
    })
}

/// Revokes the account's token of this name.
pub fn revoke_token(app: &App, login: &str, name: &str, now: DateTime<Utc>) -> AppResult<()> {
    let a = find(app, login)?;
    let revoked = closedloop_store::accounts::sessions::revoke_token(
        &mut *app.conn()?,
        a.id,
        name.trim(),
        now.naive_utc(),
    )?;
    if !revoked {
        return Err(AppError::not_found(
            "no_such_token",
            format!("{} has no live token named {name:?}", a.login),
            format!("{} 没有名为 {name:?} 的有效令牌", a.login),
        )
        .with_field("name"));
    }
    Ok(())
}
