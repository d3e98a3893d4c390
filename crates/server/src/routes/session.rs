//! Signing in and out: `POST /api/session` (login, password, and the TOTP code for the roles
//! that need one) sets the session cookie and answers who signed in with the CSRF token the
//! browser sends back on writes; `GET /api/session` says who is calling; `DELETE
//! /api/session` ends the session and clears the cookie.

use crate::auth::{self, Caller};
use crate::problem::Problem;
use crate::state::State;
use actix_web::http::header;
use actix_web::web::{Data, Json};
use actix_web::{HttpRequest, HttpResponse, delete, get, post};
use chrono::{DateTime, Utc};
use closedloop_app::accounts::{self, Credential, LoginRequest, login};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a login sends.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    pub login: String,
    pub password: String,
    /// The six digits of the authenticator app: dispatchers, port and hotel staff,
    /// commanders and administrators.
    pub totp: Option<String>,
}

/// Who is signed in.
#[derive(Serialize, ToSchema)]
pub struct SessionInfo {
    pub account: i64,
    pub login: String,
    pub name: String,
    /// dispatcher, driver, escort, port_staff, hotel_staff, commander, auditor or admin.
    pub role: String,
    /// The hotel of hotel staff.
    pub hotel: Option<i64>,
    /// The crew member of a driver or escort.
    pub crew: Option<i64>,
    /// The port of port staff.
    pub port: Option<i64>,
    /// `session` (a browser's cookie) or `token` (a bearer token).
    pub credential: String,
    /// For a session: send it back in `X-CSRF-Token` on every POST, PUT, PATCH and DELETE.
    pub csrf_token: Option<String>,
    /// When the session ends at the latest (it ends sooner after 30 minutes unused).
    pub expires_at: Option<DateTime<Utc>>,
}

fn info(c: &accounts::Caller, expires_at: Option<DateTime<Utc>>) -> SessionInfo {
    SessionInfo {
        account: c.account,
        login: c.login.clone(),
        name: c.name.clone(),
        role: accounts::role_code(c.role).to_string(),
        hotel: c.hotel,
        crew: c.crew,
        port: c.port,
        credential: match c.credential {
            Credential::Session { .. } => "session",
            Credential::Token { .. } => "token",
        }
        .to_string(),
        csrf_token: c.csrf_token().map(str::to_string),
        expires_at,
    }
}

/// Logs in: sets the session cookie (HttpOnly, SameSite=Strict). Every failure reads the
/// same (`login_failed`); after 5 failures for an account or from an address within 15
/// minutes, 429 with `Retry-After`.
#[utoipa::path(
    tag = "session",
    request_body = Credentials,
    responses(
        (status = 200, body = SessionInfo, description = "Signed in; the session cookie is set"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json",
            description = "Too many failed logins; `Retry-After` gives the seconds to wait"),
    )
)]
#[post("/session")]
pub async fn log_in(
    state: Data<State>,
    req: HttpRequest,
    body: Json<Credentials>,
) -> Result<HttpResponse, Problem> {
    let Credentials {
        login,
        password,
        totp,
    } = body.into_inner();
    let address = auth::client_address(&req, &state.trusted_proxies);
    let request = LoginRequest {
        login,
        password,
        totp,
        address,
    };
    let state = state.into_inner();
    let secure = state.secure_cookies;
    let now = Utc::now();
    let done = state
        .run(move |app| login::login(app, &request, now))
        .await?;
    let max_age = (done.expires_at - now).num_seconds().max(0);
    Ok(HttpResponse::Ok()
        .insert_header((
            header::SET_COOKIE,
            auth::set_session_cookie(&done.token, max_age, secure),
        ))
        .json(info(&done.caller, Some(done.expires_at))))
}

/// Who is calling, and the session's CSRF token (a page reloaded asks for it again).
#[utoipa::path(tag = "session", responses((status = 200, body = SessionInfo)))]
#[get("/session")]
pub async fn who_am_i(caller: Caller) -> Result<Json<SessionInfo>, Problem> {
    caller.require(accounts::Action::Session)?;
    Ok(Json(info(&caller, None)))
}

/// Logs out: the session is revoked and the cookie cleared. Needs the CSRF token.
#[utoipa::path(
    tag = "session",
    responses(
        (status = 204, description = "Signed out; the cookie is cleared"),
        (status = 422, body = Problem, content_type = "application/problem+json",
            description = "A bearer token is not a session (`not_a_session`)"),
    )
)]
#[delete("/session")]
pub async fn log_out(state: Data<State>, caller: Caller) -> Result<HttpResponse, Problem> {
    caller.require(accounts::Action::Session)?;
    let state = state.into_inner();
    let secure = state.secure_cookies;
    let c = caller.0.clone();
    state
        .run(move |app| login::logout(app, &c, Utc::now()))
        .await?;
    Ok(HttpResponse::NoContent()
        .insert_header((header::SET_COOKIE, auth::clear_session_cookie(secure)))
        .finish())
}
