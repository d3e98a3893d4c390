//! The web service's accounts and what hangs off them, as rows: accounts (`accounts`),
//! browser sessions and bearer tokens ([`sessions`]), failed logins and the audit log of
//! unmasked personal data ([`records`]), and the facts an object rule reads — which trips a
//! crew member crews, which travelers a hotel, a port or a trip has ([`scope`]).
//!
//! Persistence only: what a role may do, when a session has expired, when a login is locked
//! out, all of that is `closedloop_app::accounts`'s. Every write runs in [`write_transaction`].

pub mod records;
pub mod scope;
pub mod sessions;

use crate::schema::{accounts, api_tokens, crew_members, hotels, ports, sessions as session_rows};
use crate::{DbConnection, StoreError, write_transaction};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// An account as stored. `role` is the app layer's role code; the secrets are as written
/// (an argon2id PHC string, the hex of the TOTP key).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = accounts)]
pub struct AccountRow {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub role: String,
    pub hotel_id: Option<i64>,
    pub crew_id: Option<i64>,
    pub port_id: Option<i64>,
    pub password_hash: String,
    pub totp_secret: Option<String>,
    pub totp_last_step: Option<i64>,
    pub disabled_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// An account to store.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = accounts)]
pub struct NewAccount<'a> {
    pub login: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub hotel_id: Option<i64>,
    pub crew_id: Option<i64>,
    pub port_id: Option<i64>,
    pub password_hash: &'a str,
    pub totp_secret: Option<&'a str>,
    pub created_at: NaiveDateTime,
}

/// Stores an account; its id. A login already stored is a unique-key violation.
pub fn insert_account(conn: &mut DbConnection, a: &NewAccount<'_>) -> Result<i64, StoreError> {
    write_transaction(conn, |conn| {
        Ok(diesel::insert_into(accounts::table)
            .values(a)
            .returning(accounts::id)
            .get_result(conn)?)
    })
}

pub fn account_by_login(
    conn: &mut DbConnection,
    login: &str,
) -> Result<Option<AccountRow>, StoreError> {
    Ok(accounts::table
        .filter(accounts::login.eq(login))
        .select(AccountRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn account_by_id(conn: &mut DbConnection, id: i64) -> Result<Option<AccountRow>, StoreError> {
    Ok(accounts::table
        .find(id)
        .select(AccountRow::as_select())
        .first(conn)
        .optional()?)
}

/// Every account, in id order.
pub fn all_accounts(conn: &mut DbConnection) -> Result<Vec<AccountRow>, StoreError> {
    Ok(accounts::table
        .select(AccountRow::as_select())
        .order(accounts::id)
        .load(conn)?)
}

/// Marks the account disabled at `at` and revokes, in the same transaction, every session and
/// bearer token it still has. False if there is no such account.
pub fn disable_account(
    conn: &mut DbConnection,
    id: i64,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    write_transaction(conn, |conn| {
        let n = diesel::update(accounts::table.find(id))
            .set(accounts::disabled_at.eq(Some(at)))
            .execute(conn)?;
        if n == 0 {
            return Ok(false);
        }
        revoke_everything(conn, id, at)?;
        Ok(true)
    })
}

/// Replaces the TOTP key (`None`: removes it), forgets the last step accepted, and revokes the
/// account's sessions: they were opened with the old second factor.
pub fn set_totp_secret(
    conn: &mut DbConnection,
    id: i64,
    secret: Option<&str>,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    write_transaction(conn, |conn| {
        let n = diesel::update(accounts::table.find(id))
            .set((
                accounts::totp_secret.eq(secret),
                accounts::totp_last_step.eq(None::<i64>),
            ))
            .execute(conn)?;
        if n == 0 {
            return Ok(false);
        }
        diesel::update(
            session_rows::table
                .filter(session_rows::account_id.eq(id))
                .filter(session_rows::revoked_at.is_null()),
        )
        .set(session_rows::revoked_at.eq(Some(at)))
        .execute(conn)?;
        Ok(true)
    })
}

/// Records that a TOTP code of `step` was accepted, if no code of this step or a later one was
/// accepted before: true then, false for a replay. One statement, so two logins with the same
/// code cannot both succeed.
pub fn accept_totp_step(conn: &mut DbConnection, id: i64, step: i64) -> Result<bool, StoreError> {
    write_transaction(conn, |conn| {
        let n = diesel::update(
            accounts::table.find(id).filter(
                accounts::totp_last_step
                    .is_null()
                    .or(accounts::totp_last_step.lt(step)),
            ),
        )
        .set(accounts::totp_last_step.eq(Some(step)))
        .execute(conn)?;
        Ok(n == 1)
    })
}

fn revoke_everything(
    conn: &mut DbConnection,
    account: i64,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(
        session_rows::table
            .filter(session_rows::account_id.eq(account))
            .filter(session_rows::revoked_at.is_null()),
    )
    .set(session_rows::revoked_at.eq(Some(at)))
    .execute(conn)?;
    diesel::update(
        api_tokens::table
            .filter(api_tokens::account_id.eq(account))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(Some(at)))
    .execute(conn)?;
    Ok(())
}

/// The id of the hotel with this code (codes are stored upper-case).
pub fn hotel_id(conn: &mut DbConnection, code: &str) -> Result<Option<i64>, StoreError> {
    Ok(hotels::table
        .filter(hotels::code.eq(code))
        .select(hotels::id)
        .first(conn)
        .optional()?)
}

/// The id of the port with this code.
pub fn port_id(conn: &mut DbConnection, code: &str) -> Result<Option<i64>, StoreError> {
    Ok(ports::table
        .filter(ports::code.eq(code))
        .select(ports::id)
        .first(conn)
        .optional()?)
}

/// The role the desk gave a crew member (`driver`, `escort`, …), if they exist.
pub fn crew_role(conn: &mut DbConnection, id: i64) -> Result<Option<String>, StoreError> {
    Ok(crew_members::table
        .find(id)
        .select(crew_members::role)
        .first(conn)
        .optional()?)
}

/// Ids with their codes.
pub type Codes = Vec<(i64, String)>;

/// The codes of hotels and ports by id, to show an account's scope.
pub fn place_codes(conn: &mut DbConnection) -> Result<(Codes, Codes), StoreError> {
    let h = hotels::table
        .select((hotels::id, hotels::code))
        .order(hotels::id)
        .load(conn)?;
    let p = ports::table
        .select((ports::id, ports::code))
        .order(ports::id)
        .load(conn)?;
    Ok((h, p))
}
