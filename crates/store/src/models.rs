//! Rows as diesel reads and writes them. Domain types are converted at the edges (`intake`,
//! `query`) so the tables keep only portable types.

use crate::schema::{arrivals, imports, ports, travelers};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ports)]
pub struct PortRow {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub kind: String,
    pub lat: f64,
    pub lon: f64,
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = ports)]
pub struct NewPort<'a> {
    pub code: &'a str,
    pub name_zh: &'a str,
    pub name_en: &'a str,
    pub kind: &'a str,
    pub lat: f64,
    pub lon: f64,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = arrivals)]
pub struct NewArrival<'a> {
    pub transport_no: &'a str,
    pub port_id: i64,
    pub service_date: NaiveDate,
    pub scheduled_at: NaiveDateTime,
    pub actual_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = imports)]
pub struct NewImport<'a> {
    pub file_name: &'a str,
    pub format: &'a str,
    pub rows_total: i64,
    pub rows_imported: i64,
    pub rows_unchanged: i64,
    pub rows_rejected: i64,
    pub imported_at: NaiveDateTime,
}

/// When a traveler was stored is their import's `imported_at`.
/// `treat_none_as_default_value = false` binds NULL instead of DEFAULT, which keeps SQLite's
/// multi-row INSERT in one statement (DEFAULT would force one statement per row).
#[derive(Debug, Insertable)]
#[diesel(table_name = travelers, treat_none_as_default_value = false)]
pub struct NewTraveler<'a> {
    pub arrival_id: i64,
    pub full_name: &'a str,
    pub sex: &'a str,
    pub birth_date: Option<NaiveDate>,
    pub nationality: &'a str,
    pub document_type: &'a str,
    pub document_number: &'a str,
    pub phone: Option<&'a str>,
    pub language: Option<&'a str>,
    pub health: &'a str,
    pub special_needs: String,
    pub destination_kind: &'a str,
    pub destination_address: Option<&'a str>,
    pub family_group: Option<&'a str>,
    pub notes: Option<&'a str>,
    pub import_id: i64,
    pub source_row: i64,
}
