//! Every error as `application/problem+json` (RFC 9457): `type` (a URN naming the stable code),
//! `title`, `status`, `detail`, plus the app layer's `code`, the `field` or row at fault, and
//! the detail in Chinese. The app's `AppError` maps here by its stable code; actix's extractor
//! errors (JSON bodies, query strings, paths) and its bare 404/405 answers are rewritten into
//! the same shape, so a client parses one error format whatever failed.

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use closedloop_app::AppError;
use closedloop_domain::Lang;
use closedloop_store::desk::DeskError;
use serde::Serialize;
use std::fmt;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One problem: what failed, in both languages, with the stable code clients branch on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// `urn:closedloop:problem:<code>`: the code as a URI, as RFC 9457 asks for `type`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the problem type (English), the same for every occurrence.
    pub title: String,
    /// The HTTP status, repeated for clients that keep only the body.
    pub status: u16,
    /// This occurrence, in English.
    pub detail: String,
    /// This occurrence, in Chinese (zh-CN).
    pub detail_zh: String,
    /// The stable snake_case code (`docs/api.md` lists them); never reworded once published.
    pub code: String,
    /// The request field, query parameter or stored row at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// A stale edit's current version, sent back as the `ETag` header of the 412.
    #[serde(skip)]
    pub etag: Option<String>,
    /// Seconds to wait before trying again, sent as `Retry-After` (429).
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

impl Problem {
    pub fn new(
        status: StatusCode,
        code: &str,
        en: impl Into<String>,
        zh: impl Into<String>,
    ) -> Self {
        Problem {
            kind: format!("urn:closedloop:problem:{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: en.into(),
            detail_zh: zh.into(),
            code: code.to_string(),
            field: None,
            etag: None,
            retry_after: None,
        }
    }

    pub fn at(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// An internal failure: the cause goes to the log (it may name files or SQL), the client
    /// gets the code only.
    pub fn internal(code: &str, cause: &dyn fmt::Display) -> Self {
        tracing::error!(code, %cause, "request failed");
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            code,
            "the server could not complete the request; the log has the cause",
            "服务器未能完成请求，原因见日志",
        )
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.status, self.code, self.detail)
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        let body = serde_json::to_string(self).unwrap_or_else(|_| "{}".into());
        let mut r = HttpResponse::build(self.status());
        r.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        if let Some(etag) = &self.etag {
            r.insert_header((header::ETAG, format!("\"{etag}\"")));
        }
        if let Some(seconds) = self.retry_after {
            r.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if self.status == 401 {
            r.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"closedloop\""));
        }
        r.body(body)
    }
}

/// The HTTP status of an app error, chosen by what kind of failure it is; the code itself is
/// kept as the app layer named it.
impl From<AppError> for Problem {
    fn from(e: AppError) -> Problem {
        if let AppError::Store(s) = &e
            && is_unique_violation(s)
        {
            return Problem::new(
                StatusCode::CONFLICT,
                "already_exists",
                "a row with this key (plate, staff number, …) is already stored; nothing was added",
                "已有相同编号（车牌号、工号等）的记录，未新增",
            );
        }
        let code = e.code();
        let status = match &e {
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Stale { .. } => StatusCode::PRECONDITION_FAILED,
            // The server's own settings or key file: nothing the client can fix.
            AppError::Config(_) | AppError::Keys(_) => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::Io { .. } => return Problem::internal(code, &e),
            AppError::Store(s) => match s.desk() {
                Some(DeskError::NotFound { .. }) => StatusCode::NOT_FOUND,
                // A rule's verdict on the current state (a gate, a hand-over, a loop).
                Some(_) => StatusCode::CONFLICT,
                None => match code {
                    "database_unreachable"
                    | "database_pool"
                    | "migrations_pending"
                    | "database_missing"
                    | "database_read_only" => StatusCode::SERVICE_UNAVAILABLE,
                    "unknown_port" | "import_conflicts" | "unknown_role" => {
                        StatusCode::UNPROCESSABLE_ENTITY
                    }
                    // SQL errors, corrupt rows, ledger state: the detail stays in the log.
                    _ => return Problem::internal(code, &e),
                },
            },
        };
        let mut p = Problem::new(status, code, e.message(Lang::En), e.message(Lang::ZhCn));
        p.field = e.field().map(str::to_string);
        if let AppError::Stale { current, .. } = &e {
            p.etag = Some(current.0.clone());
        }
        if let AppError::TooManyAttempts { retry_after, .. } = &e {
            p.retry_after = Some(*retry_after);
        }
        p
    }
}

/// A row that would repeat a unique key (a plate, a staff number already stored).
fn is_unique_violation(e: &closedloop_store::StoreError) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    matches!(
        e,
        closedloop_store::StoreError::Query(Error::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            _
        ))
    )
}

/// The field a serde error names (`unknown field `colour``, `missing field `plate``), if any.
fn serde_field(message: &str) -> Option<String> {
    ["unknown field `", "missing field `", "duplicate field `"]
        .iter()
        .find_map(|lead| {
            let rest = &message[message.find(lead)? + lead.len()..];
            Some(rest[..rest.find('`')?].to_string())
        })
}

/// A JSON body actix could not take: too large (413), not JSON (415), not JSON at all (400),
/// or JSON of the wrong shape — an unknown, missing or mistyped field (422, naming it).
pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let p = match &err {
        JsonPayloadError::OverflowKnownLength { limit, .. }
        | JsonPayloadError::Overflow { limit } => Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the body is larger than the limit of {limit} bytes"),
            format!("请求体超过 {limit} 字节的上限"),
        ),
        JsonPayloadError::ContentType => Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "content_type_not_json",
            "the body must be sent as application/json",
            "请求体须为 application/json",
        ),
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            let msg = e.to_string();
            let p = Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                if msg.starts_with("unknown field") {
                    "unknown_field"
                } else {
                    "invalid_body"
                },
                msg.clone(),
                format!("请求体字段有误：{msg}"),
            );
            match serde_field(&msg) {
                Some(f) => p.at(f),
                None => p,
            }
        }
        JsonPayloadError::Deserialize(e) => Problem::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("the body is not valid JSON: {e}"),
            format!("请求体不是有效的 JSON：{e}"),
        ),
        other => Problem::new(
            StatusCode::BAD_REQUEST,
            "body_unreadable",
            other.to_string(),
            format!("无法读取请求体：{other}"),
        ),
    };
    p.into()
}

/// A query string that does not fit the endpoint's parameters (unknown, mistyped): 400.
pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let msg = err.to_string();
    let p = Problem::new(
        StatusCode::BAD_REQUEST,
        "invalid_query",
        msg.clone(),
        format!("查询参数有误：{msg}"),
    );
    match serde_field(&msg) {
        Some(f) => p.at(f),
        None => p,
    }
    .into()
}

/// A path segment of the wrong type (`/api/…/abc` for a number): 404, as no such thing exists.
pub fn path_error(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    Problem::new(
        StatusCode::NOT_FOUND,
        "invalid_path",
        err.to_string(),
        format!("路径有误：{err}"),
    )
    .into()
}

/// No route matches: the default service's answer. actix tries a path's resources by method
/// and falls through to here when none takes it, so a path served with other methods is told
/// apart with the route table: 405 with `Allow`.
pub async fn route_not_found(req: HttpRequest) -> HttpResponse {
    let allowed = req
        .app_data::<actix_web::web::Data<crate::State>>()
        .map(|s| s.routes.methods_at(req.path()).join(", "))
        .unwrap_or_default();
    if !allowed.is_empty() {
        let mut res = Problem::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("this path is served with {allowed} only"),
            format!("此路径只接受 {allowed}"),
        )
        .error_response();
        if let Ok(v) = HeaderValue::from_str(&allowed) {
            res.headers_mut().insert(header::ALLOW, v);
        }
        return res;
    }
    Problem::new(
        StatusCode::NOT_FOUND,
        "route_not_found",
        "no endpoint at this path; /api/openapi.json lists them",
        "此路径没有接口；/api/openapi.json 列出了全部接口",
    )
    .error_response()
}

/// Error answers actix writes itself (405 from a resource, a handler's bare status) rewritten
/// as problem+json; answers that already are problem+json pass untouched.
pub fn catch_all<B: MessageBody + 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(|res: ServiceResponse<B>| {
        let is_problem = res
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v == HeaderValue::from_static(PROBLEM_JSON));
        if is_problem {
            return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
        }
        let status = res.status();
        let code = match status {
            StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed".to_string(),
            StatusCode::NOT_FOUND => "route_not_found".to_string(),
            s if s.is_server_error() => "internal".to_string(),
            s => format!("http_{}", s.as_u16()),
        };
        let reason = status.canonical_reason().unwrap_or("error");
        let problem = Problem::new(status, &code, reason, reason);
        let (req, _) = res.into_parts();
        let res = ServiceResponse::new(req, problem.error_response());
        Ok(ErrorHandlerResponse::Response(res.map_into_right_body()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_name_their_field() {
        assert_eq!(
            serde_field("unknown field `colour`, expected `plate` or `seats` at line 1 column 9"),
            Some("colour".into())
        );
        assert_eq!(
            serde_field("missing field `plate` at line 1 column 2"),
            Some("plate".into())
        );
        assert_eq!(
            serde_field("invalid type: string \"x\", expected i64"),
            None
        );
    }

    #[test]
    fn app_errors_keep_their_code_and_field() {
        let e = AppError::invalid("seats_out_of_range", "seats: 0", "座位数 0").with_field("seats");
        let p = Problem::from(e);
        assert_eq!((p.status, p.code.as_str()), (422, "seats_out_of_range"));
        assert_eq!(p.field.as_deref(), Some("seats"));
        assert_eq!(p.kind, "urn:closedloop:problem:seats_out_of_range");
        let nf = Problem::from(AppError::not_found("no_such_trip", "trip 9", "行程 9"));
        assert_eq!((nf.status, nf.title.as_str()), (404, "Not Found"));
        let io = Problem::from(AppError::io(
            std::path::Path::new("/secret/path"),
            std::io::Error::other("denied"),
        ));
        assert_eq!(io.status, 500);
        assert!(!io.detail.contains("/secret/path"), "{}", io.detail);
    }
}
