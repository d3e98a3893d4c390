//! The places the desk plans with: quarantine hotels and designated hospitals (imported from
//! CSV, edited by the desk) and each port's processing time. Persistence only: the values are
//! read and judged by `closedloop_app::places`; here they are loaded as typed values and
//! written, each write in one transaction.

use crate::query::stored;
use crate::schema::{hospitals, hotels, ports};
use crate::{DbConnection, StoreError, write_transaction};
use closedloop_domain::geo::Coordinates;
use closedloop_domain::port::PortKind;
use diesel::prelude::*;
use serde::Serialize;
use std::collections::HashMap;

/// A quarantine hotel as the desk knows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuarantineHotel {
    /// The desk's key, unique.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub address: String,
    #[serde(flatten)]
    pub location: Coordinates,
    pub rooms: u32,
    /// Rooms for wheelchair users, at most `rooms`.
    pub accessible_rooms: u32,
    /// Short language codes of its staff ("zh", "en", "ja"), in the order given.
    pub languages: Vec<String>,
    /// A closed hotel takes nobody new.
    pub open: bool,
}

/// A hospital for symptomatic and positive travelers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DesignatedHospital {
    /// The desk's key, unique.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub address: String,
    #[serde(flatten)]
    pub location: Coordinates,
    /// Whether it is designated now (a hospital may lose its designation and keep its row).
    pub designated: bool,
}

/// A place with its stored id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stored<T> {
    pub id: i64,
    #[serde(flatten)]
    pub place: T,
}

/// What an import wrote: rows created, updated, and found as they were.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Upserted {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// A port with the processing time the desk set for it (`None`: never set).
#[derive(Debug, Clone, PartialEq)]
pub struct PortTiming {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub kind: PortKind,
    pub location: Coordinates,
    pub processing_minutes: Option<u32>,
}

/// The separator of `hotels.languages`.
const LANGUAGE_SEPARATOR: char = ';';

#[derive(Queryable, Selectable)]
#[diesel(table_name = hotels)]
struct HotelSql {
    id: i64,
    code: String,
    name_zh: String,
    name_en: String,
    address: String,
    lat: f64,
    lon: f64,
    rooms: i64,
    accessible_rooms: i64,
    languages: String,
    is_open: bool,
}

#[derive(Insertable, AsChangeset, PartialEq)]
#[diesel(table_name = hotels)]
struct HotelValues<'a> {
    code: &'a str,
    name_zh: &'a str,
    name_en: &'a str,
    address: &'a str,
    lat: f64,
    lon: f64,
    rooms: i64,
    accessible_rooms: i64,
    languages: String,
    is_open: bool,
}

impl<'a> From<&'a QuarantineHotel> for HotelValues<'a> {
    fn from(h: &'a QuarantineHotel) -> Self {
        HotelValues {
            code: &h.code,
            name_zh: &h.name_zh,
            name_en: &h.name_en,
            address: &h.address,
            lat: h.location.lat(),
            lon: h.location.lon(),
            rooms: i64::from(h.rooms),
            accessible_rooms: i64::from(h.accessible_rooms),
            languages: h.languages.join(&LANGUAGE_SEPARATOR.to_string()),
            is_open: h.open,
        }
    }
}

impl HotelSql {
    fn values(&self) -> HotelValues<'_> {
        HotelValues {
            code: &self.code,
            name_zh: &self.name_zh,
            name_en: &self.name_en,
            address: &self.address,
            lat: self.lat,
            lon: self.lon,
            rooms: self.rooms,
            accessible_rooms: self.accessible_rooms,
            languages: self.languages.clone(),
            is_open: self.is_open,
        }
    }

    fn read(self) -> Result<Stored<QuarantineHotel>, StoreError> {
        let row = format!("hotel {}", self.id);
        let count = |column: &str, n: i64| {
            u32::try_from(n).map_err(|_| StoreError::Corrupt(format!("{row} has {column} {n}")))
        };
        Ok(Stored {
            id: self.id,
            place: QuarantineHotel {
                location: coordinates(&row, self.lat, self.lon)?,
                rooms: count("rooms", self.rooms)?,
                accessible_rooms: count("accessible_rooms", self.accessible_rooms)?,
                languages: self
                    .languages
                    .split(LANGUAGE_SEPARATOR)
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect(),
                code: self.code,
                name_zh: self.name_zh,
                name_en: self.name_en,
                address: self.address,
                open: self.is_open,
            },
        })
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = hospitals)]
struct HospitalSql {
    id: i64,
    code: String,
    name_zh: String,
    name_en: String,
    address: String,
    lat: f64,
    lon: f64,
    designated: bool,
}

#[derive(Insertable, AsChangeset, PartialEq)]
#[diesel(table_name = hospitals)]
struct HospitalValues<'a> {
    code: &'a str,
    name_zh: &'a str,
    name_en: &'a str,
    address: &'a str,
    lat: f64,
    lon: f64,
    designated: bool,
}

impl<'a> From<&'a DesignatedHospital> for HospitalValues<'a> {
    fn from(h: &'a DesignatedHospital) -> Self {
        HospitalValues {
            code: &h.code,
            name_zh: &h.name_zh,
            name_en: &h.name_en,
            address: &h.address,
            lat: h.location.lat(),
            lon: h.location.lon(),
            designated: h.designated,
        }
    }
}

impl HospitalSql {
    fn values(&self) -> HospitalValues<'_> {
        HospitalValues {
            code: &self.code,
            name_zh: &self.name_zh,
            name_en: &self.name_en,
            address: &self.address,
            lat: self.lat,
            lon: self.lon,
            designated: self.designated,
        }
    }

    fn read(self) -> Result<Stored<DesignatedHospital>, StoreError> {
        let row = format!("hospital {}", self.id);
        Ok(Stored {
            id: self.id,
            place: DesignatedHospital {
                location: coordinates(&row, self.lat, self.lon)?,
                code: self.code,
                name_zh: self.name_zh,
                name_en: self.name_en,
                address: self.address,
                designated: self.designated,
            },
        })
    }
}

fn coordinates(row: &str, lat: f64, lon: f64) -> Result<Coordinates, StoreError> {
    Coordinates::new(lat, lon)
        .map_err(|_| StoreError::Corrupt(format!("{row} has coordinates {lat},{lon}")))
}

/// Every hotel, by code.
pub fn hotels(conn: &mut DbConnection) -> Result<Vec<Stored<QuarantineHotel>>, StoreError> {
    hotels::table
        .select(HotelSql::as_select())
        .order(hotels::code)
        .load(conn)?
        .into_iter()
        .map(HotelSql::read)
        .collect()
}

/// The hotel with this code, if there is one.
pub fn hotel(
    conn: &mut DbConnection,
    code: &str,
) -> Result<Option<Stored<QuarantineHotel>>, StoreError> {
    hotels::table
        .filter(hotels::code.eq(code))
        .select(HotelSql::as_select())
        .first(conn)
        .optional()?
        .map(HotelSql::read)
        .transpose()
}

/// Writes every hotel in one transaction: a code not stored yet is created, a stored one
/// updated (or left as it was when nothing differs). Hotels the list does not name are kept.
pub fn upsert_hotels(
    conn: &mut DbConnection,
    list: &[QuarantineHotel],
) -> Result<Upserted, StoreError> {
    write_transaction(conn, |conn| {
        let existing: Vec<HotelSql> = hotels::table.select(HotelSql::as_select()).load(conn)?;
        let by_code: HashMap<&str, &HotelSql> =
            existing.iter().map(|h| (h.code.as_str(), h)).collect();
        let mut out = Upserted::default();
        let mut new = Vec::new();
        for h in list {
            let values = HotelValues::from(h);
            match by_code.get(h.code.as_str()) {
                None => new.push(values),
                Some(s) if s.values() == values => out.unchanged += 1,
                Some(s) => {
                    diesel::update(hotels::table.find(s.id))
                        .set(&values)
                        .execute(conn)?;
                    out.updated += 1;
                }
            }
        }
        // A desk's list is hundreds of rows at most: one cached statement per row.
        for row in &new {
            diesel::insert_into(hotels::table)
                .values(row)
                .execute(conn)?;
        }
        out.created = new.len();
        Ok(out)
    })
}

/// Why [`edit_hotel`] stopped: the store failed, or the edit refused.
enum Edit<E> {
    Store(StoreError),
    Refused(E),
}

impl<E> From<diesel::result::Error> for Edit<E> {
    fn from(e: diesel::result::Error) -> Self {
        Edit::Store(e.into())
    }
}

/// Loads the hotel with this code, lets `edit` change it (or refuse) and writes the result, in
/// one transaction so that nothing changes between the reading and the writing. The code and
/// the id are kept. `None` if no hotel has the code (`edit` is then not called).
pub fn edit_hotel<E: From<StoreError>>(
    conn: &mut DbConnection,
    code: &str,
    edit: impl FnOnce(&mut Stored<QuarantineHotel>) -> Result<(), E>,
) -> Result<Option<Stored<QuarantineHotel>>, E> {
    let r = write_transaction(conn, |conn| {
        let Some(mut stored) = hotel(conn, code).map_err(Edit::Store)? else {
            return Ok(None);
        };
        edit(&mut stored).map_err(Edit::Refused)?;
        stored.place.code = code.to_string();
        diesel::update(hotels::table.filter(hotels::code.eq(code)))
            .set(&HotelValues::from(&stored.place))
            .execute(conn)?;
        Ok(Some(stored))
    });
    r.map_err(|e| match e {
        Edit::Store(s) => E::from(s),
        Edit::Refused(e) => e,
    })
}

/// Every hospital, by code.
pub fn hospitals(conn: &mut DbConnection) -> Result<Vec<Stored<DesignatedHospital>>, StoreError> {
    hospitals::table
        .select(HospitalSql::as_select())
        .order(hospitals::code)
        .load(conn)?
        .into_iter()
        .map(HospitalSql::read)
        .collect()
}

/// Writes every hospital in one transaction, as [`upsert_hotels`] does hotels.
pub fn upsert_hospitals(
    conn: &mut DbConnection,
    list: &[DesignatedHospital],
) -> Result<Upserted, StoreError> {
    write_transaction(conn, |conn| {
        let existing: Vec<HospitalSql> = hospitals::table
            .select(HospitalSql::as_select())
            .load(conn)?;
        let by_code: HashMap<&str, &HospitalSql> =
            existing.iter().map(|h| (h.code.as_str(), h)).collect();
        let mut out = Upserted::default();
        let mut new = Vec::new();
        for h in list {
            let values = HospitalValues::from(h);
            match by_code.get(h.code.as_str()) {
                None => new.push(values),
                Some(s) if s.values() == values => out.unchanged += 1,
                Some(s) => {
                    diesel::update(hospitals::table.find(s.id))
                        .set(&values)
                        .execute(conn)?;
                    out.updated += 1;
                }
            }
        }
        // A desk's list is hundreds of rows at most: one cached statement per row.
        for row in &new {
            diesel::insert_into(hospitals::table)
                .values(row)
                .execute(conn)?;
        }
        out.created = new.len();
        Ok(out)
    })
}

type PortTimingSql = (String, String, String, String, f64, f64, Option<i64>);

/// Every stored port with its processing time as set, by code.
pub fn port_timings(conn: &mut DbConnection) -> Result<Vec<PortTiming>, StoreError> {
    let rows: Vec<PortTimingSql> = ports::table
        .select((
            ports::code,
            ports::name_zh,
            ports::name_en,
            ports::kind,
            ports::lat,
            ports::lon,
            ports::processing_minutes,
        ))
        .order(ports::code)
        .load(conn)?;
    rows.into_iter()
        .map(|(code, name_zh, name_en, kind, lat, lon, minutes)| {
            let row = format!("port {code}");
            let processing_minutes = minutes
                .map(|m| {
                    u32::try_from(m).map_err(|_| {
                        StoreError::Corrupt(format!("{row} has processing_minutes {m}"))
                    })
                })
                .transpose()?;
            Ok(PortTiming {
                kind: stored(&row, "kind", &kind)?,
                location: coordinates(&row, lat, lon)?,
                code,
                name_zh,
                name_en,
                processing_minutes,
            })
        })
        .collect()
}

/// Sets (or with `None` clears) the processing time of the port with this code; false if no
/// port has the code.
pub fn set_processing_minutes(
    conn: &mut DbConnection,
    code: &str,
    minutes: Option<u32>,
) -> Result<bool, StoreError> {
    write_transaction(conn, |conn| {
        let n = diesel::update(ports::table.filter(ports::code.eq(code)))
            .set(ports::processing_minutes.eq(minutes.map(i64::from)))
            .execute(conn)?;
        Ok(n > 0)
    })
}
