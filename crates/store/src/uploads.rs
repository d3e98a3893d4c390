//! Manifests uploaded over HTTP and the rows their import refused, kept for the desk to fix:
//! the upload's head (each sheet's rows down to its header), and each refused row's cells and
//! errors as the app layer serialised them. Rows only — what a row means is the app's.

use crate::schema::{manifest_rejected_rows, manifest_uploads};
use crate::{DbConnection, StoreError};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// An upload to remember with the rows it refused.
#[derive(Debug, Clone)]
pub struct NewUpload {
    pub file_name: String,
    pub format: String,
    /// The `arrival` the whole file was imported for, if the desk named one.
    pub transport: Option<String>,
    pub head_json: String,
    pub account_id: Option<i64>,
    pub uploaded_at: NaiveDateTime,
}

/// One refused row, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct StoredRejected {
    pub upload_id: i64,
    /// Empty for a file of one sheet.
    pub sheet: String,
    pub row: i64,
    pub cells_json: String,
    pub errors_json: String,
}

/// An upload as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct StoredUpload {
    pub id: i64,
    pub file_name: String,
    pub format: String,
    pub transport: Option<String>,
    pub head_json: String,
    pub account_id: Option<i64>,
    pub uploaded_at: NaiveDateTime,
}

/// Inserts the upload and its refused rows (`(sheet, row, cells, errors)`); its id.
pub fn insert(
    conn: &mut DbConnection,
    upload: &NewUpload,
    rows: &[(String, i64, String, String)],
) -> Result<i64, StoreError> {
    let id = diesel::insert_into(manifest_uploads::table)
        .values((
            manifest_uploads::file_name.eq(&upload.file_name),
            manifest_uploads::format.eq(&upload.format),
            manifest_uploads::transport.eq(&upload.transport),
            manifest_uploads::head_json.eq(&upload.head_json),
            manifest_uploads::account_id.eq(upload.account_id),
            manifest_uploads::uploaded_at.eq(upload.uploaded_at),
        ))
        .returning(manifest_uploads::id)
        .get_result::<i64>(conn)?;
    // One statement a row: the multi-backend connection takes no batch insert of tuples, and
    // a file's refused rows are few.
    for (sheet, row, cells, errors) in rows {
        diesel::insert_into(manifest_rejected_rows::table)
            .values((
                manifest_rejected_rows::upload_id.eq(id),
                manifest_rejected_rows::sheet.eq(sheet),
                manifest_rejected_rows::row_number.eq(*row),
                manifest_rejected_rows::cells_json.eq(cells),
                manifest_rejected_rows::errors_json.eq(errors),
            ))
            .execute(conn)?;
    }
    Ok(id)
}

pub fn upload(conn: &mut DbConnection, id: i64) -> Result<Option<StoredUpload>, StoreError> {
    Ok(manifest_uploads::table
        .find(id)
        .first::<StoredUpload>(conn)
        .optional()?)
}

/// The rows of an upload still refused, in sheet and row order.
pub fn rejected(conn: &mut DbConnection, upload: i64) -> Result<Vec<StoredRejected>, StoreError> {
    Ok(manifest_rejected_rows::table
        .filter(manifest_rejected_rows::upload_id.eq(upload))
        .order((
            manifest_rejected_rows::sheet,
            manifest_rejected_rows::row_number,
        ))
        .load::<StoredRejected>(conn)?)
}

/// Replaces a refused row's cells and errors (a correction that is still wrong).
pub fn update_rejected(conn: &mut DbConnection, r: &StoredRejected) -> Result<(), StoreError> {
    diesel::update(manifest_rejected_rows::table.find((r.upload_id, &r.sheet, r.row)))
        .set((
            manifest_rejected_rows::cells_json.eq(&r.cells_json),
            manifest_rejected_rows::errors_json.eq(&r.errors_json),
        ))
        .execute(conn)?;
    Ok(())
}

/// Removes a row once stored; whether it was there.
pub fn remove_rejected(
    conn: &mut DbConnection,
    upload: i64,
    sheet: &str,
    row: i64,
) -> Result<bool, StoreError> {
    let n =
        diesel::delete(manifest_rejected_rows::table.find((upload, sheet, row))).execute(conn)?;
    Ok(n > 0)
}

/// Deletes the refused rows of the uploads made before `before` (the purge's cut-off: a row
/// never fixed holds personal data no traveler's erasure reaches); how many.
pub fn forget_rejected_before(
    conn: &mut DbConnection,
    before: NaiveDateTime,
) -> Result<usize, StoreError> {
    let old = manifest_uploads::table
        .filter(manifest_uploads::uploaded_at.lt(before))
        .select(manifest_uploads::id);
    Ok(diesel::delete(
        manifest_rejected_rows::table.filter(manifest_rejected_rows::upload_id.eq_any(old)),
    )
    .execute(conn)?)
}
