//! Failed logins (by the login typed and by the client's address) and the audit log of
//! answers that carried unmasked personal data.

use crate::schema::{accounts, login_failures, personal_data_reads};
use crate::{DbConnection, StoreError, write_transaction};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Records a failed login at `at`, and forgets failures older than `forget_before` (they no
/// longer count for any lockout), in one transaction.
pub fn record_failure(
    conn: &mut DbConnection,
    login: &str,
    address: &str,
    at: NaiveDateTime,
    forget_before: NaiveDateTime,
) -> Result<(), StoreError> {
    write_transaction(conn, |conn| {
        diesel::delete(login_failures::table.filter(login_failures::at.lt(forget_before)))
            .execute(conn)?;
        diesel::insert_into(login_failures::table)
            .values((
                login_failures::login.eq(login),
                login_failures::address.eq(address),
                login_failures::at.eq(at),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// The times of the failed logins since `since`, newest first: of this login, and from this
/// address.
pub fn recent_failures(
    conn: &mut DbConnection,
    login: &str,
    address: &str,
    since: NaiveDateTime,
) -> Result<(Vec<NaiveDateTime>, Vec<NaiveDateTime>), StoreError> {
    let by_login = login_failures::table
        .filter(login_failures::login.eq(login))
        .filter(login_failures::at.ge(since))
        .select(login_failures::at)
        .order(login_failures::at.desc())
        .load(conn)?;
    let by_address = login_failures::table
        .filter(login_failures::address.eq(address))
        .filter(login_failures::at.ge(since))
        .select(login_failures::at)
        .order(login_failures::at.desc())
        .load(conn)?;
    Ok((by_login, by_address))
}

/// Forgets the failed logins of this login (after it logged in).
pub fn clear_failures(conn: &mut DbConnection, login: &str) -> Result<(), StoreError> {
    write_transaction(conn, |conn| {
        diesel::delete(login_failures::table.filter(login_failures::login.eq(login)))
            .execute(conn)?;
        Ok(())
    })
}

/// One answer that carried unmasked personal data.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = personal_data_reads)]
pub struct NewRead<'a> {
    pub account_id: i64,
    pub at: NaiveDateTime,
    pub endpoint: &'a str,
    pub object_kind: &'a str,
    /// Comma-separated ids.
    pub object_ids: &'a str,
    /// Comma-separated field codes.
    pub fields: &'a str,
}

pub fn insert_read(conn: &mut DbConnection, r: &NewRead<'_>) -> Result<i64, StoreError> {
    write_transaction(conn, |conn| {
        Ok(diesel::insert_into(personal_data_reads::table)
            .values(r)
            .returning(personal_data_reads::id)
            .get_result(conn)?)
    })
}

/// A stored read with the login of the account that made it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct ReadRow {
    pub id: i64,
    pub account_id: i64,
    pub login: String,
    pub at: NaiveDateTime,
    pub endpoint: String,
    pub object_kind: String,
    pub object_ids: String,
    pub fields: String,
}

/// Every read, in id order.
pub fn reads(conn: &mut DbConnection) -> Result<Vec<ReadRow>, StoreError> {
    Ok(personal_data_reads::table
        .inner_join(accounts::table)
        .select((
            personal_data_reads::id,
            personal_data_reads::account_id,
            accounts::login,
            personal_data_reads::at,
            personal_data_reads::endpoint,
            personal_data_reads::object_kind,
            personal_data_reads::object_ids,
            personal_data_reads::fields,
        ))
        .order(personal_data_reads::id)
        .load(conn)?)
}
