//! Edits of what others edit too (plans, hotels, batches) say which version they were made
//! from: the version is the resource's `ETag`, the edit sends it back in `If-Match`. Without
//! one the edit is 428 (RFC 6585), with a stale one 412 and the current `ETag` (the app layer
//! checks it inside the edit's transaction: [`closedloop_app::version`]).

use crate::problem::Problem;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{ETAG, IF_MATCH};
use actix_web::{FromRequest, HttpRequest, HttpResponseBuilder};
use closedloop_app::version::{Expect, Version};
use std::future::{Ready, ready};

/// The `ETag` of a version: a strong entity tag.
pub fn etag(v: &Version) -> String {
    format!("\"{v}\"")
}

/// Sets the `ETag` of `v` on a response.
pub fn with_etag(r: &mut HttpResponseBuilder, v: &Version) {
    r.insert_header((ETAG, etag(v)));
}

/// The version an edit was made from, from `If-Match` (required).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IfMatch(pub Expect);

impl IfMatch {
    pub fn parse(raw: Option<&[u8]>) -> Result<IfMatch, Problem> {
        let Some(raw) = raw else {
            return Err(Problem::new(
                StatusCode::PRECONDITION_REQUIRED,
                "precondition_required",
                "send the ETag you read in an If-Match header: edits name the version they change",
                "请在 If-Match 请求头中附上读取时的 ETag：修改须指明所改的版本",
            )
            .at("If-Match"));
        };
        let bad = || {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "if_match_invalid",
                "If-Match must be one strong entity tag as the ETag header gave it (\"…\"), or *",
                "If-Match 须为 ETag 响应头给出的一个强实体标签（\"…\"），或 *",
            )
            .at("If-Match")
        };
        let text = std::str::from_utf8(raw).map_err(|_| bad())?.trim();
        if text == "*" {
            return Ok(IfMatch(Expect::Current));
        }
        // A weak tag never matches under If-Match's strong comparison: refused as stale by
        // the app layer rather than accepted.
        let tag = text.strip_prefix("W/").unwrap_or(text);
        let inner = tag
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .filter(|t| !t.contains('"') && !t.is_empty())
            .ok_or_else(bad)?;
        let version = if text.starts_with("W/") {
            format!("W/{inner}")
        } else {
            inner.to_string()
        };
        Ok(IfMatch(Expect::Version(Version(version))))
    }
}

impl FromRequest for IfMatch {
    type Error = Problem;
    type Future = Ready<Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(IfMatch::parse(
            req.headers().get(IF_MATCH).map(|v| v.as_bytes()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_is_required_and_takes_one_strong_tag_or_a_star() {
        assert_eq!(IfMatch::parse(None).unwrap_err().status, 428);
        assert_eq!(
            IfMatch::parse(Some(b"\"abc\"")).unwrap(),
            IfMatch(Expect::Version(Version("abc".into())))
        );
        assert_eq!(
            IfMatch::parse(Some(b"*")).unwrap(),
            IfMatch(Expect::Current)
        );
        assert_ne!(
            IfMatch::parse(Some(b"W/\"abc\"")).unwrap(),
            IfMatch(Expect::Version(Version("abc".into())))
        );
        for bad in [&b"abc"[..], b"\"a\", \"b\"", b"\"\""] {
            assert_eq!(
                IfMatch::parse(Some(bad)).unwrap_err().code,
                "if_match_invalid"
            );
        }
    }
}
