//! POSTs that a phone on a bad network may send twice: the `Idempotency-Key` header (IETF
//! httpapi draft). The first request with a key runs and its answer is kept 24 hours; a replay
//! with the same request gets that answer back (`Idempotent-Replayed: true`) and never makes a
//! second record; the same key with another request is 422; a replay while the first still
//! runs is 409. Keys are scoped per caller. The key commits in the same transaction as the
//! write (`closedloop_store::idempotency`), so a crash cannot leave a write without its key.

use crate::problem::{PROBLEM_JSON, Problem};
use crate::state::State;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use closedloop_app::{App, AppResult};
use closedloop_store::idempotency::{self, Claim, ClaimOutcome, Prior};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::future::{Ready, ready};
use std::sync::{Arc, Mutex, OnceLock};

pub const HEADER: &str = "Idempotency-Key";
/// Set on an answer that is a replay of the first one.
pub const REPLAYED: &str = "idempotent-replayed";
/// The longest key accepted (the draft recommends UUIDs; 255 leaves room for other schemes).
pub const MAX_KEY_LEN: usize = 255;
/// The scope of keys sent by callers who are not signed in.
pub const ANONYMOUS: &str = "anonymous";

/// The request's `Idempotency-Key`, if it sent one: a Structured Field string (`"…"`) as the
/// draft writes it, or the bare token many clients send.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdempotencyKey(pub Option<String>);

impl IdempotencyKey {
    pub fn parse(raw: &[u8]) -> Result<IdempotencyKey, Problem> {
        let bad = || {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "idempotency_key_invalid",
                format!(
                    "the Idempotency-Key header must be 1 to {MAX_KEY_LEN} printable ASCII \
                     characters, optionally in double quotes"
                ),
                format!("Idempotency-Key 请求头须为 1 至 {MAX_KEY_LEN} 个可打印 ASCII 字符（可加双引号）"),
            )
            .at(HEADER)
        };
        let text = std::str::from_utf8(raw).map_err(|_| bad())?.trim();
        let inner = match text.strip_prefix('"') {
            Some(rest) => rest.strip_suffix('"').ok_or_else(bad)?,
            None => text,
        };
        let printable = inner
            .bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && b != b'"');
        if inner.is_empty() || inner.len() > MAX_KEY_LEN || !printable {
            return Err(bad());
        }
        Ok(IdempotencyKey(Some(inner.to_string())))
    }
}

impl FromRequest for IdempotencyKey {
    type Error = Problem;
    type Future = Ready<Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match req.headers().get(HEADER) {
            None => Ok(IdempotencyKey(None)),
            Some(v) => IdempotencyKey::parse(v.as_bytes()),
        })
    }
}

/// The fingerprint a key is bound to: the route and the request body as parsed (so spacing
/// and key order in the JSON do not matter, a changed value does).
pub fn fingerprint(route: &str, body: &impl Serialize) -> String {
    let mut h = Sha256::new();
    h.update(route.as_bytes());
    h.update([0]);
    h.update(serde_json::to_vec(body).unwrap_or_default());
    hex::encode(h.finalize())
}

/// Runs the write `f` for a POST at `route` with `body`, answering `status` and its JSON on
/// success — once per key when the request carries one.
pub async fn post<T, F>(
    state: Arc<State>,
    scope: String,
    key: IdempotencyKey,
    route: &'static str,
    body: &impl Serialize,
    status: StatusCode,
    f: F,
) -> Result<HttpResponse, Problem>
where
    T: Serialize + Send + 'static,
    F: FnOnce(&App) -> AppResult<T> + Send + 'static,
{
    let Some(key) = key.0 else {
        let value = state.run(f).await?;
        return Ok(HttpResponse::build(status).json(value));
    };
    let claim = Claim {
        scope,
        key,
        fingerprint: fingerprint(route, body),
        at: chrono::Utc::now().naive_utc(),
    };
    let _running = Running::enter(&claim)?;
    let answer = state
        .run(move |app| answer_once(app, claim, status, f))
        .await?;
    Ok(match answer {
        Answer::Fresh { status, body } => respond(status, body),
        Answer::Refused(p) => return Err(p),
        Answer::Prior(Prior::Answered { status, body }) => {
            let mut r = respond(status, body);
            r.headers_mut().insert(
                actix_web::http::header::HeaderName::from_static(REPLAYED),
                actix_web::http::header::HeaderValue::from_static("true"),
            );
            r
        }
        Answer::Prior(Prior::OtherRequest) => return Err(reused()),
        Answer::Prior(Prior::AnswerLost | Prior::Unseen) | Answer::Taken => {
            return Err(in_progress());
        }
    })
}

enum Answer {
    Fresh { status: u16, body: String },
    Refused(Problem),
    Prior(Prior),
    Taken,
}

fn answer_once<T, F>(app: &App, claim: Claim, status: StatusCode, f: F) -> AppResult<Answer>
where
    T: Serialize,
    F: FnOnce(&App) -> AppResult<T>,
{
    let store = app.store()?;
    match idempotency::lookup(&mut *store.conn()?, &claim)? {
        Prior::Unseen => {}
        prior => return Ok(Answer::Prior(prior)),
    }
    let (out, outcome) = idempotency::armed(claim.clone(), || f(app));
    let (status, body) = match (out, outcome) {
        (_, ClaimOutcome::Taken) => return Ok(Answer::Taken),
        (Ok(value), _) => (
            status.as_u16(),
            serde_json::to_string(&value).unwrap_or_else(|_| "null".into()),
        ),
        // Refused before anything was written: nothing to remember, the client may fix it and
        // send the same key again.
        (Err(e), ClaimOutcome::NotUsed) => return Ok(Answer::Refused(Problem::from(e))),
        (Err(e), ClaimOutcome::Claimed) => {
            let p = Problem::from(e);
            (p.status, serde_json::to_string(&p).unwrap_or_default())
        }
    };
    // The write has committed: its answer goes back even if it cannot be kept (a replay then
    // hears that the write was made, never makes it again).
    let kept = store
        .conn()
        .and_then(|mut c| idempotency::store_answer(&mut c, &claim, status, &body));
    if let Err(e) = kept {
        tracing::error!(cause = %e, "an idempotent answer could not be kept");
    }
    Ok(Answer::Fresh { status, body })
}

fn respond(status: u16, body: String) -> HttpResponse {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let kind = if code.is_success() {
        "application/json"
    } else {
        PROBLEM_JSON
    };
    HttpResponse::build(code)
        .insert_header((CONTENT_TYPE, kind))
        .body(body)
}

fn reused() -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
        "this Idempotency-Key was used with another request: send a new key for a new request",
        "该 Idempotency-Key 已用于另一请求：新请求请使用新的键",
    )
    .at(HEADER)
}

fn in_progress() -> Problem {
    Problem::new(
        StatusCode::CONFLICT,
        "idempotency_key_in_progress",
        "the first request with this Idempotency-Key is still being processed: retry shortly",
        "使用该 Idempotency-Key 的首个请求仍在处理中：请稍后重试",
    )
    .at(HEADER)
}

/// The keys being answered in this process right now: a replay that arrives meanwhile is 409
/// at once instead of queueing behind the first for the write lock. (Across instances the key's
/// primary key does the same job: the later write rolls back.)
struct Running(Claim);

fn running() -> &'static Mutex<HashSet<(String, String)>> {
    static RUNNING: OnceLock<Mutex<HashSet<(String, String)>>> = OnceLock::new();
    RUNNING.get_or_init(Default::default)
}

impl Running {
    fn enter(claim: &Claim) -> Result<Running, Problem> {
        let mut set = running().lock().unwrap_or_else(|p| p.into_inner());
        if !set.insert((claim.scope.clone(), claim.key.clone())) {
            return Err(in_progress());
        }
        Ok(Running(claim.clone()))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let mut set = running().lock().unwrap_or_else(|p| p.into_inner());
        set.remove(&(self.0.scope.clone(), self.0.key.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_a_quoted_string_or_a_bare_token_of_printable_ascii() {
        assert_eq!(
            IdempotencyKey::parse(br#""8e03978e-40d5""#).unwrap(),
            IdempotencyKey(Some("8e03978e-40d5".into()))
        );
        assert_eq!(
            IdempotencyKey::parse(b"abc").unwrap(),
            IdempotencyKey(Some("abc".into()))
        );
        for bad in [&b""[..], b"\"\"", b"\"abc", b"a b", "键".as_bytes()] {
            let p = IdempotencyKey::parse(bad).unwrap_err();
            assert_eq!(p.code, "idempotency_key_invalid", "{bad:?}");
        }
        assert!(IdempotencyKey::parse("k".repeat(MAX_KEY_LEN + 1).as_bytes()).is_err());
    }

    #[test]
    fn a_key_being_answered_is_refused_until_its_first_request_returns() {
        let claim = Claim {
            scope: "account:1".into(),
            key: "k-running".into(),
            fingerprint: String::new(),
            at: chrono::Utc::now().naive_utc(),
        };
        let first = Running::enter(&claim).unwrap();
        assert_eq!(
            Running::enter(&claim).err().map(|p| p.code),
            Some("idempotency_key_in_progress".into())
        );
        let other = Claim {
            scope: "account:2".into(),
            ..claim.clone()
        };
        assert!(Running::enter(&other).is_ok(), "keys are scoped per caller");
        drop(first);
        assert!(Running::enter(&claim).is_ok());
    }

    #[test]
    fn the_fingerprint_follows_the_parsed_body_and_the_route() {
        let a = serde_json::json!({"plate": "A1", "seats": 9});
        let b: serde_json::Value =
            serde_json::from_str(r#"{ "seats": 9, "plate": "A1" }"#).unwrap();
        assert_eq!(fingerprint("r", &a), fingerprint("r", &b));
        assert_ne!(fingerprint("r", &a), fingerprint("s", &a));
        assert_ne!(
            fingerprint("r", &a),
            fingerprint("r", &serde_json::json!({"plate": "A1", "seats": 8}))
        );
    }
}
