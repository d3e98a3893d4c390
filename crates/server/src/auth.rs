//! Who is calling. Every endpoint but the public ones ([`PUBLIC`]) takes a [`Caller`]: the
//! account behind an `Authorization: Bearer clt_…` header (integrations) or behind the
//! session cookie ([`SESSION_COOKIE`], browsers). Without either the answer is 401; a session
//! or token the app layer does not accept (unknown, expired, revoked, account disabled) is 401
//! too. A request authenticated by its cookie with an unsafe method (anything but GET, HEAD,
//! OPTIONS) must send the session's CSRF token back in [`CSRF_HEADER`], else 403; bearer
//! requests carry no ambient credential and need none. Then the role: each route's
//! [`Action`] ([`ROUTE_ACTIONS`]) is asked of the app layer
//! ([`closedloop_app::accounts::rules`]), 403 if the role may not; a route without an action
//! is refused (fail closed). Object rules are the app layer's too, in the use cases the
//! handlers call.
//!
//! The credentials are resolved by the [`resolve`] middleware, before any extractor runs, so
//! the [`Caller`] extractor answers at once: its 401 or 403 comes before a body's or a
//! header's complaint (a forbidden caller learns nothing of what the route would have said).
//!
//! The cookie is `HttpOnly`, `SameSite=Strict`, `Path=/`, and `Secure` when the server is told
//! it is reached over TLS ([`crate::Options::secure_cookies`]).

use crate::problem::Problem;
use crate::state::State;
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest};
use chrono::Utc;
use closedloop_app::accounts::{self, Action, login};
use std::future::{Ready, ready};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "closedloop_session";
/// The header a cookie-authenticated unsafe request sends the session's CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The endpoints anyone may call (method, path): the service's own, and logging in.
pub const PUBLIC: [(&str, &str); 7] = [
    ("GET", "/"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/api/openapi.json"),
    ("GET", "/api/docs"),
    ("POST", "/api/session"),
];

/// The action each route asks of the caller's role (method, route pattern).
pub const ROUTE_ACTIONS: &[(&str, &str, Action)] = &[
    ("GET", "/api/session", Action::Session),
    ("DELETE", "/api/session", Action::Session),
    ("GET", "/api/travelers", Action::ListTravelers),
    ("GET", "/api/travelers/stats", Action::TravelerStats),
    ("GET", "/api/loops", Action::ListLoops),
    ("GET", "/api/incidents", Action::ListIncidents),
    ("GET", "/api/record", Action::Record),
    ("GET", "/api/ledger/verify", Action::LedgerVerify),
    ("GET", "/api/batches/{id}", Action::ReadBatch),
    ("GET", "/api/audit", Action::AuditLog),
    ("GET", "/api/reports/daily", Action::DailyReport),
    ("GET", "/api/events", Action::Events),
    ("POST", "/api/vehicles", Action::AddVehicle),
    ("POST", "/api/crew", Action::AddCrew),
    ("GET", "/api/hotels", Action::ListHotels),
    ("GET", "/api/hotels/{code}", Action::ListHotels),
    ("PATCH", "/api/hotels/{code}", Action::EditHotel),
    ("POST", "/api/positions", Action::ReportPositions),
    ("GET", "/api/positions", Action::ReadPositions),
    ("POST", "/api/handovers", Action::StartHandover),
    ("GET", "/api/handovers/{id}/code", Action::StartHandover),
    (
        "POST",
        "/api/handovers/{id}/confirm",
        Action::ConfirmHandover,
    ),
    ("POST", "/api/batches/{id}/{gate}", Action::MoveBatch),
    ("POST", "/api/checklists", Action::CompleteChecklist),
    (
        "GET",
        "/api/checklists/templates",
        Action::ChecklistTemplates,
    ),
    ("POST", "/api/incidents", Action::OpenIncident),
    (
        "POST",
        "/api/incidents/{id}/resolve",
        Action::ResolveIncident,
    ),
    ("GET", "/api/batches", Action::ListBatches),
    ("GET", "/api/batches/{id}/route", Action::ReadBatch),
    (
        "GET",
        "/api/hotels/{code}/occupancy",
        Action::HotelOccupancy,
    ),
    ("POST", "/api/imports", Action::ImportManifest),
    ("GET", "/api/imports/{id}/rejected", Action::ImportManifest),
    (
        "POST",
        "/api/imports/{id}/rejected/{row}",
        Action::ImportManifest,
    ),
    ("POST", "/api/plans", Action::PlanDay),
    ("POST", "/api/plans/check", Action::PlanDay),
    ("POST", "/api/plans/approve", Action::PlanDay),
    ("POST", "/api/plans/replan", Action::PlanDay),
    ("GET", "/api/plans/{date}", Action::ReadPlans),
    ("GET", "/api/plans/{date}/diff", Action::ReadPlans),
    ("PATCH", "/api/batches/{id}", Action::EditBatch),
];

/// The account calling, as the app layer resolved it.
#[derive(Debug, Clone)]
pub struct Caller(pub accounts::Caller);

impl std::ops::Deref for Caller {
    type Target = accounts::Caller;
    fn deref(&self) -> &accounts::Caller {
        &self.0
    }
}

impl Caller {
    /// The scope of this caller's idempotency keys.
    pub fn key_scope(&self) -> String {
        format!("account:{}", self.account)
    }
}

fn unauthenticated(code: &str, en: &str, zh: &str) -> Problem {
    Problem::new(StatusCode::UNAUTHORIZED, code, en, zh)
}

/// The bearer token of `Authorization`, if the request sent one; a malformed header is 401.
fn bearer(req: &HttpRequest) -> Result<Option<String>, Problem> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bad = || {
        unauthenticated(
            "authorization_invalid",
            "the Authorization header must be `Bearer <token>`",
            "Authorization 请求头须为 `Bearer <令牌>`",
        )
    };
    let text = value.to_str().map_err(|_| bad())?.trim();
    let (scheme, token) = text.split_once(' ').ok_or_else(bad)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(bad());
    }
    Ok(Some(token.to_string()))
}

/// The session cookie's value, if the request sent one.
pub fn session_cookie(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The client's address: the TCP peer, or — when the peer is a trusted proxy — the last
/// address its `X-Forwarded-For` appended (the one the proxy saw; earlier ones the client may
/// have forged).
pub fn client_address(req: &HttpRequest, trusted: &[std::net::IpAddr]) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else {
        return "unknown".into();
    };
    if !trusted.contains(&peer) {
        return peer.to_string();
    }
    req.headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<std::net::IpAddr>().ok())
        .last()
        .unwrap_or(peer)
        .to_string()
}

/// `Set-Cookie` for a new session lasting `max_age` seconds.
pub fn set_session_cookie(token: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// `Set-Cookie` that makes the browser forget the session cookie.
pub fn clear_session_cookie(secure: bool) -> String {
    set_session_cookie("", 0, secure)
}

/// What [`resolve`] found: no credentials at all, or the caller they stand for (or why they
/// stand for none).
#[derive(Clone)]
struct Resolved(Option<Result<accounts::Caller, Problem>>);

/// Middleware: resolves the session cookie or bearer token of every request that sends one
/// (through the app layer, on the blocking pool) and keeps the outcome for [`Caller`].
pub async fn resolve(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let outcome = match (bearer(req.request()), session_cookie(req.request())) {
        (Err(p), _) => Some(Err(p)),
        (Ok(None), None) => None,
        (Ok(token), cookie) => match req.app_data::<Data<State>>().cloned() {
            None => Some(Err(Problem::internal(
                "no_state",
                &"the server has no state",
            ))),
            Some(state) => {
                let now = Utc::now();
                let outcome = match (token, cookie) {
                    (Some(token), _) => {
                        state
                            .into_inner()
                            .run(move |app| login::resolve_token(app, &token, now))
                            .await
                    }
                    (None, Some(cookie)) => {
                        state
                            .into_inner()
                            .run(move |app| login::resolve_session(app, &cookie, now))
                            .await
                    }
                    (None, None) => unreachable!("matched above"),
                };
                Some(outcome)
            }
        },
    };
    req.extensions_mut().insert(Resolved(outcome));
    next.call(req).await
}

fn forbidden(code: &str, en: String, zh: String) -> Problem {
    Problem::new(StatusCode::FORBIDDEN, code, en, zh)
}

/// The caller of `req`, if it may call this route: 401, or 403 for a missing CSRF token or a
/// role the route's action is not for.
fn caller_of(req: &HttpRequest) -> Result<Caller, Problem> {
    let resolved = req.extensions().get::<Resolved>().cloned();
    let caller = match resolved.and_then(|r| r.0) {
        Some(outcome) => outcome?,
        None => {
            return Err(unauthenticated(
                "unauthenticated",
                "log in first: POST /api/session, or send Authorization: Bearer <token>",
                "请先登录：POST /api/session，或发送 Authorization: Bearer <令牌>",
            ));
        }
    };
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let csrf = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    if unsafe_method && !caller.csrf_ok(csrf) {
        return Err(forbidden(
            "csrf_token_invalid",
            format!(
                "a request signed in by cookie that changes something must send the session's CSRF token in {CSRF_HEADER}"
            ),
            format!("以 Cookie 登录的修改类请求须在 {CSRF_HEADER} 请求头中携带会话的 CSRF 令牌"),
        )
        .at(CSRF_HEADER));
    }
    let method = req.method().as_str();
    let pattern = req.match_pattern().unwrap_or_default();
    let Some((_, _, action)) = ROUTE_ACTIONS
        .iter()
        .find(|(m, p, _)| *m == method && *p == pattern)
    else {
        return Err(forbidden(
            "route_without_permission",
            format!("{method} {pattern} declares no permission: refused"),
            format!("{method} {pattern} 未声明所需权限：拒绝访问"),
        ));
    };
    caller.require(*action)?;
    Ok(Caller(caller))
}

impl FromRequest for Caller {
    type Error = Problem;
    type Future = Ready<Result<Caller, Problem>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(caller_of(req))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn the_session_cookie_is_found_among_others_and_bearer_headers_are_read() {
        let req = TestRequest::default()
            .insert_header((header::COOKIE, "a=1; closedloop_session=abc ; b=2"))
            .to_http_request();
        assert_eq!(session_cookie(&req).as_deref(), Some("abc"));
        let none = TestRequest::default()
            .insert_header((header::COOKIE, "closedloop_sessionx=1"))
            .to_http_request();
        assert_eq!(session_cookie(&none), None);
        let b = TestRequest::default()
            .insert_header((header::AUTHORIZATION, "bearer clt_x"))
            .to_http_request();
        assert_eq!(bearer(&b).unwrap().as_deref(), Some("clt_x"));
        let basic = TestRequest::default()
            .insert_header((header::AUTHORIZATION, "Basic eDp5"))
            .to_http_request();
        assert_eq!(bearer(&basic).unwrap_err().status, 401);
    }

    #[test]
    fn a_forwarded_address_is_believed_only_from_a_trusted_proxy() {
        let peer: std::net::SocketAddr = "10.0.0.5:4000".parse().unwrap();
        let req = || {
            TestRequest::default()
                .peer_addr(peer)
                .insert_header(("x-forwarded-for", "203.0.113.9, 198.51.100.7"))
                .to_http_request()
        };
        assert_eq!(client_address(&req(), &[]), "10.0.0.5");
        assert_eq!(client_address(&req(), &[peer.ip()]), "198.51.100.7");
        let bare = TestRequest::default().peer_addr(peer).to_http_request();
        assert_eq!(client_address(&bare, &[peer.ip()]), "10.0.0.5");
    }

    #[test]
    fn cookies_are_http_only_strict_and_secure_when_asked() {
        let c = set_session_cookie("t", 60, false);
        assert_eq!(
            c,
            "closedloop_session=t; Path=/; HttpOnly; SameSite=Strict; Max-Age=60"
        );
        assert!(set_session_cookie("t", 60, true).ends_with("; Secure"));
        assert!(clear_session_cookie(false).contains("Max-Age=0"));
    }
}
