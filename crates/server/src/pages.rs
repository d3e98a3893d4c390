//! Cursor pagination: a list is cut into pages in the order of one integer key (the row's id),
//! and the cursor names the last key a page gave, so the next page starts after it whatever
//! was added or left the list meanwhile: nothing is repeated, and rows added later come at the
//! end. Cursors are opaque to clients (base64url of the list's name and the key): a cursor of
//! one list is refused by another.
//!
//! The pages are cut from the use case's whole listing (the store has no keyset query yet), so
//! a page costs what the whole listing costs; the API stays the same when the store learns to
//! read one page.

use crate::problem::Problem;
use actix_web::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 500;

/// One page: the items, and the cursor of the next page (`null` on the last).
#[derive(Debug, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// The page size asked for, within 1..=[`MAX_LIMIT`].
pub fn limit(asked: Option<u32>) -> Result<usize, Problem> {
    let n = asked.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&n) {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "limit_out_of_range",
            format!("limit: {n} is not between 1 and {MAX_LIMIT}"),
            format!("limit：{n} 不在 1 到 {MAX_LIMIT} 之间"),
        )
        .at("limit"));
    }
    Ok(n as usize)
}

pub fn encode(list: &str, key: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{list}:{key}"))
}

/// The key a cursor of `list` names.
pub fn decode(list: &str, cursor: &str) -> Result<i64, Problem> {
    let bad = || {
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_cursor",
            "the cursor is not one this list gave",
            "游标无效：不是此列表给出的游标",
        )
        .at("cursor")
    };
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (name, key) = text.split_once(':').ok_or_else(bad)?;
    if name != list {
        return Err(bad());
    }
    key.parse().map_err(|_| bad())
}

/// The page of `rows` after the key `after` names, `limit` long, in key order.
pub fn page<T>(
    list: &str,
    mut rows: Vec<T>,
    key: impl Fn(&T) -> i64,
    after: Option<i64>,
    limit: usize,
) -> Page<T> {
    rows.sort_by_key(&key);
    let start = after.map_or(0, |a| rows.partition_point(|r| key(r) <= a));
    let mut items: Vec<T> = rows.into_iter().skip(start).take(limit + 1).collect();
    let more = items.len() > limit;
    items.truncate(limit);
    let next_cursor = match items.last() {
        Some(last) if more => Some(encode(list, key(last))),
        _ => None,
    };
    Page { items, next_cursor }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_walk_gives_every_row_once_in_key_order() {
        let rows = vec![5, 1, 9, 3, 7];
        let p1 = page("t", rows.clone(), |r| *r, None, 2);
        assert_eq!(p1.items, vec![1, 3]);
        let after = decode("t", p1.next_cursor.as_deref().unwrap()).unwrap();
        let p2 = page("t", rows.clone(), |r| *r, Some(after), 2);
        assert_eq!(p2.items, vec![5, 7]);
        let after = decode("t", p2.next_cursor.as_deref().unwrap()).unwrap();
        // The row the cursor names has left the list: the walk goes on after its key.
        let p3 = page("t", vec![1, 3, 9], |r| *r, Some(after), 2);
        assert_eq!((p3.items, p3.next_cursor), (vec![9], None));
    }

    #[test]
    fn cursors_and_limits_are_checked() {
        assert_eq!(decode("travelers", &encode("travelers", 42)).unwrap(), 42);
        assert_eq!(
            decode("loops", &encode("travelers", 42)).unwrap_err().code,
            "invalid_cursor"
        );
        assert_eq!(
            decode("t", "%%%").unwrap_err().field.as_deref(),
            Some("cursor")
        );
        assert_eq!(limit(None).unwrap(), 50);
        assert_eq!(limit(Some(0)).unwrap_err().code, "limit_out_of_range");
        assert!(limit(Some(MAX_LIMIT + 1)).is_err());
    }
}
