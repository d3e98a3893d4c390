//! The documented shapes of the responses. Handlers answer with the app layer's own types
//! (`TravelerView`, `LoopRow`, …), serialised as the CLI's `--json` prints them; these mirrors
//! only describe them to the OpenAPI document, since the app crate carries no schema
//! derives. The tests compare each served response's keys with its mirror's properties, so a
//! field added in the app layer and not here fails them.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A stored traveler, personal fields masked by the app layer's policy for the caller's role
/// (the fields below say what a role that may not see them gets).
#[derive(Serialize, ToSchema)]
pub struct Traveler {
    pub id: i64,
    /// Flight or train number.
    pub transport_no: String,
    pub service_date: NaiveDate,
    pub scheduled_at: NaiveDateTime,
    pub port_code: String,
    /// Masked: first character of each word kept ("W*** W**").
    pub full_name: String,
    /// male, female, unknown.
    pub sex: String,
    /// `null` when masked.
    pub birth_date: Option<NaiveDate>,
    /// ISO 3166 alpha-3.
    pub nationality: String,
    pub document_type: String,
    /// Masked: both ends kept.
    pub document_number: String,
    /// Masked: calling code and last four digits kept.
    pub phone: Option<String>,
    pub language: Option<String>,
    /// `***` when masked; `null` once a purge erased it.
    pub health: Option<String>,
    /// Comma-separated codes; `***` when masked and not empty.
    pub special_needs: String,
    /// hotel, home, hospital.
    pub destination_kind: String,
    pub destination_address: Option<String>,
    pub family_group: Option<String>,
    pub notes: Option<String>,
    /// The row of the manifest file it was imported from.
    pub source_row: i64,
}

/// One page of travelers, in id order (the order they were stored).
#[derive(Serialize, ToSchema)]
pub struct TravelerPage {
    pub items: Vec<Traveler>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// The counts desks report daily.
#[derive(Serialize, ToSchema)]
pub struct Stats {
    pub travelers: i64,
    pub arrivals: i64,
    pub by_destination: BTreeMap<String, i64>,
    pub by_health: BTreeMap<String, i64>,
}

/// One traveler's custody loop.
#[derive(Serialize, ToSchema)]
pub struct Loop {
    pub traveler: i64,
    /// in_custody or delivered.
    pub status: String,
    /// port_staff (id: the port), crew (id: the trip), hotel_staff, community_staff or
    /// hospital_staff (id: the destination).
    pub party: String,
    pub party_id: i64,
    pub since: NaiveDateTime,
    pub trip: Option<i64>,
    pub planned_arrival: Option<NaiveDateTime>,
    /// Past the trip's planned arrival plus the configured margin.
    pub overdue: bool,
}

/// One page of loops, in traveler id order.
#[derive(Serialize, ToSchema)]
pub struct LoopPage {
    pub items: Vec<Loop>,
    pub next_cursor: Option<String>,
}

/// An incident, its free text masked (it names people).
#[derive(Serialize, ToSchema)]
pub struct Incident {
    pub id: i64,
    pub kind: String,
    pub severity: String,
    pub at: NaiveDateTime,
    pub trip: Option<i64>,
    pub vehicle: Option<i64>,
    pub travelers: Vec<i64>,
    pub crew: Vec<i64>,
    /// `***` when masked.
    pub description: String,
    /// open or resolved.
    pub status: String,
    pub resolved_at: Option<NaiveDateTime>,
    pub resolution: Option<String>,
}

/// One page of incidents, oldest (lowest id) first.
#[derive(Serialize, ToSchema)]
pub struct IncidentPage {
    pub items: Vec<Incident>,
    pub next_cursor: Option<String>,
}

/// The record's figures for one local day, and the totals up to it.
#[derive(Serialize, ToSchema)]
pub struct DayFigures {
    pub day: NaiveDate,
    pub batches: u32,
    pub person_trips: u32,
    pub incidents: u32,
    pub staff_infections: u32,
    pub total_batches: u32,
    pub total_person_trips: u32,
    pub total_incidents: u32,
    pub total_staff_infections: u32,
    pub days_since_last_incident: Option<u32>,
    pub wrong_codes: u32,
    pub locked_handovers: u32,
    pub total_wrong_codes: u32,
    pub total_locked_handovers: u32,
}

#[derive(Serialize, ToSchema)]
pub struct Summary {
    pub en: String,
    #[serde(rename = "zh-CN")]
    pub zh: String,
}

#[derive(Serialize, ToSchema)]
pub struct Alerts {
    pub wrong_codes: u32,
    pub locked_handovers: u32,
}

#[derive(Serialize, ToSchema)]
pub struct Totals {
    pub batches: u32,
    pub person_trips: u32,
    pub incidents: u32,
    pub staff_infections: u32,
    pub days_since_last_incident: Option<u32>,
    pub alerts: Alerts,
}

/// The record of a range of local days: every day, empty ones included.
#[derive(Serialize, ToSchema)]
pub struct Record {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub summary: Summary,
    pub totals: Totals,
    pub days: Vec<DayFigures>,
}

/// What was created.
#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

/// The process answers.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
}

/// The database answers.
#[derive(Serialize, ToSchema)]
pub struct Ready {
    /// `ready`.
    pub status: String,
    /// sqlite or postgresql.
    pub backend: String,
}
