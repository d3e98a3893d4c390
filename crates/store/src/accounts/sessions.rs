//! Browser sessions and bearer tokens, found by the SHA-256 of their secret (the secret itself
//! is never stored), each with the account it belongs to.

use super::AccountRow;
use crate::schema::{accounts, api_tokens, sessions};
use crate::{DbConnection, StoreError, write_transaction};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A session as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id: i64,
    pub account_id: i64,
    pub csrf_token: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub idle_expires_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = sessions)]
pub struct NewSession<'a> {
    /// Hex of the SHA-256 of the cookie's token.
    pub token_hash: &'a str,
    pub account_id: i64,
    pub csrf_token: &'a str,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub idle_expires_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub fn insert_session(conn: &mut DbConnection, s: &NewSession<'_>) -> Result<i64, StoreError> {
    write_transaction(conn, |conn| {
        Ok(diesel::insert_into(sessions::table)
            .values(s)
            .returning(sessions::id)
            .get_result(conn)?)
    })
}

/// The session whose token hashes to `token_hash`, with its account.
pub fn session_by_hash(
    conn: &mut DbConnection,
    token_hash: &str,
) -> Result<Option<(SessionRow, AccountRow)>, StoreError> {
    Ok(sessions::table
        .inner_join(accounts::table)
        .filter(sessions::token_hash.eq(token_hash))
        .select((SessionRow::as_select(), AccountRow::as_select()))
        .first(conn)
        .optional()?)
}

/// Records a use of the session at `at`, pushing its idle expiry to `idle_expires_at`.
pub fn touch_session(
    conn: &mut DbConnection,
    id: i64,
    at: NaiveDateTime,
    idle_expires_at: NaiveDateTime,
) -> Result<(), StoreError> {
    write_transaction(conn, |conn| {
        diesel::update(sessions::table.find(id))
            .set((
                sessions::last_seen_at.eq(at),
                sessions::idle_expires_at.eq(idle_expires_at),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// Revokes the session at `at`; false if it was already revoked or never existed.
pub fn revoke_session(
    conn: &mut DbConnection,
    id: i64,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    write_transaction(conn, |conn| {
        let n = diesel::update(
            sessions::table
                .find(id)
                .filter(sessions::revoked_at.is_null()),
        )
        .set(sessions::revoked_at.eq(Some(at)))
        .execute(conn)?;
        Ok(n == 1)
    })
}

/// A bearer token as stored (its secret's hash left out).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct TokenRow {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

/// Stores a token; a name the account already uses is a unique-key violation.
pub fn insert_token(
    conn: &mut DbConnection,
    account_id: i64,
    name: &str,
    token_hash: &str,
    at: NaiveDateTime,
) -> Result<i64, StoreError> {
    write_transaction(conn, |conn| {
        Ok(diesel::insert_into(api_tokens::table)
            .values((
                api_tokens::account_id.eq(account_id),
                api_tokens::name.eq(name),
                api_tokens::token_hash.eq(token_hash),
                api_tokens::created_at.eq(at),
            ))
            .returning(api_tokens::id)
            .get_result(conn)?)
    })
}

/// The token whose secret hashes to `token_hash`, with its account.
pub fn token_by_hash(
    conn: &mut DbConnection,
    token_hash: &str,
) -> Result<Option<(TokenRow, AccountRow)>, StoreError> {
    Ok(api_tokens::table
        .inner_join(accounts::table)
        .filter(api_tokens::token_hash.eq(token_hash))
        .select((TokenRow::as_select(), AccountRow::as_select()))
        .first(conn)
        .optional()?)
}

/// Records a use of the token at `at`.
pub fn touch_token(conn: &mut DbConnection, id: i64, at: NaiveDateTime) -> Result<(), StoreError> {
    write_transaction(conn, |conn| {
        diesel::update(api_tokens::table.find(id))
            .set(api_tokens::last_used_at.eq(Some(at)))
            .execute(conn)?;
        Ok(())
    })
}

/// The account's tokens, in id order.
pub fn tokens_of(conn: &mut DbConnection, account_id: i64) -> Result<Vec<TokenRow>, StoreError> {
    Ok(api_tokens::table
        .filter(api_tokens::account_id.eq(account_id))
        .select(TokenRow::as_select())
        .order(api_tokens::id)
        .load(conn)?)
}

/// Revokes the account's token of this name at `at`; false if there is none not yet revoked.
pub fn revoke_token(
    conn: &mut DbConnection,
    account_id: i64,
    name: &str,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    write_transaction(conn, |conn| {
        let n = diesel::update(
            api_tokens::table
                .filter(api_tokens::account_id.eq(account_id))
                .filter(api_tokens::name.eq(name))
                .filter(api_tokens::revoked_at.is_null()),
        )
        .set(api_tokens::revoked_at.eq(Some(at)))
        .execute(conn)?;
        Ok(n == 1)
    })
}

/// Forgets the sessions that ended (expired, idle too long or revoked) before `before`;
/// returns how many. A session row is no audit record (the audit log is its own table): once
/// it cannot be used again, it is kept only as long as an investigation of "who was signed in"
/// may ask for it.
pub fn forget_sessions_ended_before(
    conn: &mut DbConnection,
    before: NaiveDateTime,
) -> Result<usize, StoreError> {
    write_transaction(conn, |conn| {
        Ok(diesel::delete(
            sessions::table.filter(
                sessions::expires_at
                    .lt(before)
                    .or(sessions::idle_expires_at.lt(before))
                    .or(sessions::revoked_at.lt(before)),
            ),
        )
        .execute(conn)?)
    })
}
