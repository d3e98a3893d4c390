//! The day to plan: `day.json`, format `closedloop-day/1`.
//!
//! Times are the office's local wall-clock time (`2026-12-02T07:30:00`), dates its calendar
//! days; a night is named by the date it begins. Everything is named by the desk's codes
//! ([`crate::ids`]). The schema is published as `docs/schemas/day.schema.json`, generated from
//! these types (a test keeps the file true).

use crate::error::DayError;
use crate::ids::{
    ArrivalCode, CrewCode, HospitalCode, HotelCode, PortCode, TravelerCode, VehicleCode,
};
use chrono::{NaiveDate, NaiveDateTime};
use closedloop_domain::fleet::VehicleKind;
use closedloop_domain::geo::Coordinates;
use closedloop_domain::traveler::{DestinationKind, HealthStatus, SpecialNeed, SpecialNeeds};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The `format` of every day file this build writes and reads.
pub const DAY_FORMAT: &str = "closedloop-day/1";

/// One day of arrivals and everything available to carry and house them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Day {
    /// Always `closedloop-day/1`.
    pub format: String,
    /// The service day; arrivals and shifts may run past midnight into the next.
    pub date: NaiveDate,
    pub policy: Policy,
    pub ports: Vec<Port>,
    pub arrivals: Vec<Arrival>,
    #[serde(default)]
    pub hotels: Vec<Hotel>,
    #[serde(default)]
    pub hospitals: Vec<Hospital>,
    #[serde(default)]
    pub vehicles: Vec<Vehicle>,
    #[serde(default)]
    pub crew: Vec<CrewMember>,
    /// Travelers already in a hotel: they hold rooms on their nights, and those whose hotel
    /// days end on this day are collected and taken home (a second closed loop).
    #[serde(default)]
    pub stays: Vec<Stay>,
}

/// The rules a plan must keep. Durations are minutes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// The policy version in force ("2021-01 14+7"), as in `config/policy.toml`.
    pub version: String,
    /// Nights in the quarantine hotel from the arrival day.
    pub hotel_days: u16,
    /// Days of home health monitoring after the hotel: travelers released from a hotel with
    /// home days left are taken home by the program (a second transfer).
    pub home_days: u16,
    /// Seats one traveler takes for distancing (2.0: every other seat).
    pub seat_factor: f64,
    /// Travelers of different arrivals may share a vehicle (by default they never do).
    #[serde(default)]
    pub mix_arrivals: bool,
    /// The longest a traveler waits at the port between being ready and departing.
    pub max_port_wait: u32,
    /// The longest ride from boarding to a traveler's stop.
    pub max_ride: u32,
    /// The longest ride for special groups (elderly, children, pregnant, wheelchair users,
    /// those needing an escort).
    pub special_max_ride: u32,
    /// Disinfection of a vehicle after each trip, before it carries anyone again.
    pub disinfection: u32,
    /// Rest of a crew member between two trips.
    pub crew_rest: u32,
    /// Travelers of one family or declared group share rooms up to this many to a room;
    /// everyone else has a room of their own.
    #[serde(default = "default_room_share")]
    pub family_room_size: u32,
    /// What a change to a published plan costs when re-planning, in minutes of driving it must
    /// save to be worth making.
    #[serde(default = "default_change_penalty")]
    pub change_penalty: f64,
}

fn default_room_share() -> u32 {
    2
}

fn default_change_penalty() -> f64 {
    30.0
}

/// A point on the map, WGS 84.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Point {
    pub lat: f64,
    pub lon: f64,
}

impl Point {
    /// The validated coordinates, or the error naming `field`.
    pub fn coordinates(&self, field: &str) -> Result<Coordinates, DayError> {
        Coordinates::new(self.lat, self.lon).map_err(|e| DayError::field(field, e.to_string()))
    }
}

impl From<Coordinates> for Point {
    fn from(c: Coordinates) -> Self {
        Point {
            lat: c.lat(),
            lon: c.lon(),
        }
    }
}

/// A port of entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Port {
    pub code: PortCode,
    pub name: String,
    pub location: Point,
    /// From an arrival's time until its travelers are ready to board (health checks, customs,
    /// sampling).
    pub processing: u32,
}

/// One flight, train or crossing arriving at a port, with its travelers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Arrival {
    pub code: ArrivalCode,
    pub port: PortCode,
    /// When it arrives (the time the desk has now: a delay moves it).
    pub at: NaiveDateTime,
    pub travelers: Vec<Traveler>,
}

/// A traveler as the plan needs them: no name, no document — only what decides where they
/// go and with whom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Traveler {
    pub code: TravelerCode,
    #[schemars(
        with = "String",
        description = "normal, symptomatic, positive or close_contact"
    )]
    pub health: HealthStatus,
    #[serde(default)]
    #[schemars(
        with = "String",
        description = "comma-separated: elderly, child, pregnant, wheelchair, needs_escort, family_group"
    )]
    pub special_needs: SpecialNeeds,
    /// Where the policy sends them: hotel, home or hospital.
    #[schemars(with = "String", description = "hotel, home or hospital")]
    pub destination: DestinationKind,
    /// Their home, for home quarantine and the second transfer after the hotel.
    #[serde(default)]
    pub home: Option<Home>,
    /// Preferred language, a short code (`zh`, `en`, `ja`).
    #[serde(default)]
    pub language: Option<String>,
    /// A family or declared group: they stay in one hotel and ride together.
    #[serde(default)]
    pub group: Option<String>,
}

impl Traveler {
    /// One of 老弱病残孕: rides in an accessible vehicle with the shorter ride limit.
    pub fn is_special(&self) -> bool {
        use SpecialNeed::*;
        [Elderly, Child, Pregnant, Wheelchair, NeedsEscort]
            .into_iter()
            .any(|n| self.special_needs.contains(n))
    }

    /// Symptomatic or positive: the designated hospital, in a negative-pressure vehicle, with
    /// no one but their own family.
    pub fn is_sick(&self) -> bool {
        matches!(
            self.health,
            HealthStatus::Symptomatic | HealthStatus::Positive
        )
    }

    pub fn uses_wheelchair(&self) -> bool {
        self.special_needs.contains(SpecialNeed::Wheelchair)
    }
}

/// A home address and, once geocoded or pinned by the desk, where it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Home {
    pub address: String,
    #[serde(default)]
    pub location: Option<Point>,
}

/// A quarantine hotel. Its rooms are a calendar: every night counts on its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Hotel {
    pub code: HotelCode,
    pub name: String,
    pub location: Point,
    pub rooms: u32,
    /// Rooms a wheelchair user can live in (part of `rooms`).
    pub accessible_rooms: u32,
    /// The staff's languages.
    #[serde(default)]
    pub languages: Vec<String>,
    /// A closed hotel takes no one new (those in it stay until released).
    #[serde(default = "yes")]
    pub open: bool,
    /// When a closed hotel closed (a re-plan's event): the travelers of batches that left
    /// before it still arrive there.
    #[serde(default)]
    pub closed_since: Option<NaiveDateTime>,
    /// Rooms held on given nights by guests this day file does not list (another office's,
    /// staff): subtracted from the calendar.
    #[serde(default)]
    pub held: Vec<Held>,
}

fn yes() -> bool {
    true
}

/// Rooms of a hotel held on one night.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Held {
    pub night: NaiveDate,
    pub rooms: u32,
    #[serde(default)]
    pub accessible_rooms: u32,
}

/// A designated hospital.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Hospital {
    pub code: HospitalCode,
    pub name: String,
    pub location: Point,
}

/// A transfer vehicle for the day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Vehicle {
    pub code: VehicleCode,
    #[schemars(
        with = "String",
        description = "coach, van, negative_pressure_ambulance or wheelchair_van"
    )]
    pub kind: VehicleKind,
    /// Passenger seats before distancing.
    pub seats: u16,
    pub wheelchair_access: bool,
    /// Where it starts the day and returns to between trips.
    pub base: PortCode,
    pub available_from: NaiveDateTime,
    pub available_until: NaiveDateTime,
    /// Why it cannot pass its check-list gates (not disinfected, failed inspection); a
    /// blocked vehicle is not planned.
    #[serde(default)]
    pub blocked: Option<String>,
}

impl Vehicle {
    pub fn negative_pressure(&self) -> bool {
        self.kind == VehicleKind::NegativePressureAmbulance
    }

    /// Accessible to special groups: wheelchair access, a wheelchair van, or a
    /// negative-pressure ambulance (built to carry patients, so the sick among the special
    /// groups ride in one).
    pub fn accessible(&self) -> bool {
        self.wheelchair_access
            || matches!(
                self.kind,
                VehicleKind::WheelchairVan | VehicleKind::NegativePressureAmbulance
            )
    }
}

/// What a crew member does on a trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CrewRole {
    Driver,
    Escort,
}

/// A driver or escort on shift.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CrewMember {
    pub code: CrewCode,
    pub role: CrewRole,
    #[serde(default)]
    pub languages: Vec<String>,
    pub base: PortCode,
    pub shift_start: NaiveDateTime,
    pub shift_end: NaiveDateTime,
    /// Why they cannot pass their gates (health declaration, protective equipment); a blocked
    /// crew member is not planned.
    #[serde(default)]
    pub blocked: Option<String>,
}

/// A traveler already in a hotel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Stay {
    pub traveler: Traveler,
    pub hotel: HotelCode,
    /// The first night.
    pub check_in: NaiveDate,
    /// The planned release: the morning after the last night.
    pub release: NaiveDate,
}

impl Day {
    /// Reads a day file, naming the line and column of a syntax error and the field of a wrong
    /// value, then checks what serde cannot ([`Day::validate`]).
    pub fn from_json(text: &str) -> Result<Day, DayError> {
        let day: Day = serde_json::from_str(text).map_err(DayError::json)?;
        day.validate()?;
        Ok(day)
    }

    /// The format, unique codes, references that resolve, coordinates, windows that close
    /// after they open, capacities that fit.
    pub fn validate(&self) -> Result<(), DayError> {
        crate::error::validate(self)
    }

    pub fn port(&self, code: &PortCode) -> Option<&Port> {
        self.ports.iter().find(|p| &p.code == code)
    }

    pub fn hotel(&self, code: &HotelCode) -> Option<&Hotel> {
        self.hotels.iter().find(|h| &h.code == code)
    }

    /// Every traveler arriving this day, with their arrival.
    pub fn arriving(&self) -> impl Iterator<Item = (&Arrival, &Traveler)> {
        self.arrivals
            .iter()
            .flat_map(|a| a.travelers.iter().map(move |t| (a, t)))
    }

    /// When an arrival's travelers are ready to board: its time plus its port's processing.
    pub fn ready_at(&self, arrival: &Arrival) -> Option<NaiveDateTime> {
        let port = self.port(&arrival.port)?;
        Some(arrival.at + chrono::Duration::minutes(i64::from(port.processing)))
    }
}
