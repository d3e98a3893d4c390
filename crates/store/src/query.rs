//! Reads: ports, counts and traveler listings.

use crate::models::{NewPort, PortRow};
use crate::schema::{arrivals, ports, travelers};
use crate::{Store, StoreError};
use chrono::{NaiveDate, NaiveDateTime};
use closedloop_domain::ids::TravelerId;
use closedloop_domain::port::Port;
use closedloop_domain::traveler::{DestinationKind, DocumentType, HealthStatus, Sex, SpecialNeeds};
use diesel::dsl::count_star;
use diesel::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::str::FromStr;

/// The counts desks report daily (`closedloop stats --json`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stats {
    pub travelers: i64,
    pub arrivals: i64,
    pub by_destination: BTreeMap<String, i64>,
    pub by_health: BTreeMap<String, i64>,
}

/// A stored traveler with their arrival, as listings show it: the vocabularies as domain
/// values (serialised as their codes), special needs as a set (serialised as the stored
/// comma-separated codes).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TravelerRecord {
    pub id: TravelerId,
    pub transport_no: String,
    pub service_date: NaiveDate,
    pub scheduled_at: NaiveDateTime,
    pub port_code: String,
    pub full_name: String,
    pub sex: Sex,
    pub birth_date: Option<NaiveDate>,
    /// ISO 3166 alpha-3.
    pub nationality: String,
    pub document_type: DocumentType,
    pub document_number: String,
    pub phone: Option<String>,
    pub language: Option<String>,
    /// `None` once erased by a purge (stored as an empty code).
    pub health: Option<HealthStatus>,
    pub special_needs: SpecialNeeds,
    pub destination_kind: DestinationKind,
    pub destination_address: Option<String>,
    pub family_group: Option<String>,
    pub notes: Option<String>,
    pub source_row: i64,
}

/// A traveler row as the database holds it, before its vocabularies are read.
#[derive(Queryable)]
struct StoredTraveler {
    id: i64,
    transport_no: String,
    service_date: NaiveDate,
    scheduled_at: NaiveDateTime,
    port_code: String,
    full_name: String,
    sex: String,
    birth_date: Option<NaiveDate>,
    nationality: String,
    document_type: String,
    document_number: String,
    phone: Option<String>,
    language: Option<String>,
    health: String,
    special_needs: String,
    destination_kind: String,
    destination_address: Option<String>,
    family_group: Option<String>,
    notes: Option<String>,
    source_row: i64,
}

/// The health code a purge leaves: none (`crate::purge`).
pub(crate) const ERASED_HEALTH: &str = "";

/// A stored vocabulary code as its domain value; a code that does not parse means the row was
/// altered outside closedloop.
pub(crate) fn stored<T: FromStr>(row: &str, column: &str, code: &str) -> Result<T, StoreError> {
    code.parse()
        .map_err(|_| StoreError::Corrupt(format!("{row} has {column} {code:?}")))
}

impl TryFrom<StoredTraveler> for TravelerRecord {
    type Error = StoreError;
    fn try_from(r: StoredTraveler) -> Result<Self, StoreError> {
        let row = format!("traveler {}", r.id);
        Ok(TravelerRecord {
            sex: stored(&row, "sex", &r.sex)?,
            document_type: stored(&row, "document_type", &r.document_type)?,
            health: match r.health.as_str() {
                ERASED_HEALTH => None,
                code => Some(stored(&row, "health", code)?),
            },
            special_needs: stored(&row, "special_needs", &r.special_needs)?,
            destination_kind: stored(&row, "destination_kind", &r.destination_kind)?,
            id: TravelerId(r.id),
            transport_no: r.transport_no,
            service_date: r.service_date,
            scheduled_at: r.scheduled_at,
            port_code: r.port_code,
            full_name: r.full_name,
            birth_date: r.birth_date,
            nationality: r.nationality,
            document_number: r.document_number,
            phone: r.phone,
            language: r.language,
            destination_address: r.destination_address,
            family_group: r.family_group,
            notes: r.notes,
            source_row: r.source_row,
        })
    }
}

/// An arrival as listings show it.
#[derive(Debug, Clone, PartialEq, Serialize, Queryable)]
pub struct ArrivalRecord {
    pub id: i64,
    pub transport_no: String,
    pub port_code: String,
    pub service_date: NaiveDate,
    pub scheduled_at: NaiveDateTime,
}

impl Store {
    /// Makes the ports table match the configured ports (insert new, update changed); ports are
    /// never deleted here because arrivals refer to them.
    pub fn sync_ports(&self, configured: &[Port]) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        crate::write_transaction(&mut conn, |conn| {
            let stored: Vec<PortRow> = ports::table.select(PortRow::as_select()).load(conn)?;
            for p in configured {
                let row = NewPort {
                    code: &p.code,
                    name_zh: &p.name_zh,
                    name_en: &p.name_en,
                    kind: p.kind.code(),
                    lat: p.location.lat(),
                    lon: p.location.lon(),
                };
                match stored.iter().find(|s| s.code == p.code) {
                    None => {
                        diesel::insert_into(ports::table)
                            .values(&row)
                            .execute(conn)?;
                    }
                    Some(s)
                        if s.name_zh != row.name_zh
                            || s.name_en != row.name_en
                            || s.kind != row.kind
                            || s.lat != row.lat
                            || s.lon != row.lon =>
                    {
                        diesel::update(ports::table.find(s.id))
                            .set(&row)
                            .execute(conn)?;
                    }
                    Some(_) => {}
                }
            }
            Ok(())
        })
    }

    pub fn ports(&self) -> Result<Vec<PortRow>, StoreError> {
        let mut conn = self.conn()?;
        Ok(ports::table
            .select(PortRow::as_select())
            .order(ports::code)
            .load(&mut conn)?)
    }

    pub fn stats(&self) -> Result<Stats, StoreError> {
        let mut conn = self.conn()?;
        let conn = &mut *conn;
        let travelers_n = travelers::table.select(count_star()).first::<i64>(conn)?;
        let arrivals_n = arrivals::table.select(count_star()).first::<i64>(conn)?;
        let by_destination = travelers::table
            .group_by(travelers::destination_kind)
            .select((travelers::destination_kind, count_star()))
            .load::<(String, i64)>(conn)?
            .into_iter()
            .collect();
        let by_health = travelers::table
            .group_by(travelers::health)
            .select((travelers::health, count_star()))
            .load::<(String, i64)>(conn)?
            .into_iter()
            .map(|(code, n)| match code.as_str() {
                ERASED_HEALTH => ("erased".to_string(), n),
                _ => (code, n),
            })
            .collect();
        Ok(Stats {
            travelers: travelers_n,
            arrivals: arrivals_n,
            by_destination,
            by_health,
        })
    }

    /// Arrivals with this flight or train number, newest first.
    pub fn arrivals_by_transport(&self, transport: &str) -> Result<Vec<ArrivalRecord>, StoreError> {
        let mut conn = self.conn()?;
        Ok(arrivals::table
            .inner_join(ports::table)
            .filter(arrivals::transport_no.eq(transport))
            .order(arrivals::service_date.desc())
            .select((
                arrivals::id,
                arrivals::transport_no,
                ports::code,
                arrivals::service_date,
                arrivals::scheduled_at,
            ))
            .load(&mut conn)?)
    }

    /// Travelers, optionally of one flight/train number, in arrival then file order.
    pub fn travelers(&self, transport: Option<&str>) -> Result<Vec<TravelerRecord>, StoreError> {
        let mut conn = self.conn()?;
        let mut q = travelers::table
            .inner_join(arrivals::table.inner_join(ports::table))
            .select((
                travelers::id,
                arrivals::transport_no,
                arrivals::service_date,
                arrivals::scheduled_at,
                ports::code,
                travelers::full_name,
                travelers::sex,
                travelers::birth_date,
                travelers::nationality,
                travelers::document_type,
                travelers::document_number,
                travelers::phone,
                travelers::language,
                travelers::health,
                travelers::special_needs,
                travelers::destination_kind,
                travelers::destination_address,
                travelers::family_group,
                travelers::notes,
                travelers::source_row,
            ))
            .order((
                arrivals::scheduled_at,
                arrivals::id,
                travelers::import_id,
                travelers::source_row,
            ))
            .into_boxed();
        if let Some(t) = transport {
            q = q.filter(arrivals::transport_no.eq(t.to_string()));
        }
        q.load::<StoredTraveler>(&mut conn)?
            .into_iter()
            .map(TravelerRecord::try_from)
            .collect()
    }
}
