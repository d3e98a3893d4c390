//! A plan of the day: `plan.json`, format `closedloop-plan/1`.
//!
//! Who sleeps where on which nights, which vehicle takes whom from where to which stops at
//! what time with which crew, who could not be placed and why, and what it costs. Every plan
//! is a version; re-planning writes the next one. The schema is published as
//! `docs/schemas/plan.schema.json`, generated from these types.

use crate::ids::{
    ArrivalCode, BatchCode, CrewCode, HospitalCode, HotelCode, PortCode, TravelerCode, VehicleCode,
};
use crate::problem::Point;
use chrono::{NaiveDate, NaiveDateTime};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The `format` of every plan file this build writes and reads.
pub const PLAN_FORMAT: &str = "closedloop-plan/1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Always `closedloop-plan/1`.
    pub format: String,
    /// The service day of the day file it plans.
    pub date: NaiveDate,
    /// The policy version it keeps.
    pub policy: String,
    /// 1 for the first plan of a day; each re-plan adds one.
    pub version: u32,
    /// Where every placed traveler goes (arrivals and second transfers).
    pub assignments: Vec<Assignment>,
    /// Hotel stays that begin with this plan (check-in, planned release).
    pub stays: Vec<PlannedStay>,
    pub batches: Vec<Batch>,
    /// Who could not be placed, each with the reason. Never dropped.
    pub unplaced: Vec<Unplaced>,
    pub kpis: Kpis,
}

/// A place a batch starts at or stops at.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Place {
    Port {
        code: PortCode,
    },
    Hotel {
        code: HotelCode,
    },
    Hospital {
        code: HospitalCode,
    },
    /// A traveler's home (by the traveler, since the address is personal data).
    Home {
        traveler: TravelerCode,
    },
    /// Where batch `batch` broke down en route (a `vehicle_breakdown` event): the last stop of
    /// the broken batch, handing over no one, and the origin of the replacement batch that
    /// collects its riders there.
    Roadside {
        batch: BatchCode,
        lat: Degrees,
        lon: Degrees,
    },
}

impl Place {
    /// The roadside where `batch` broke down at `point`, to the micro-degree (a tenth of a
    /// metre: the plan file need not carry float noise, and both ends of the hand-over then
    /// name the same place).
    pub fn roadside(batch: BatchCode, point: Point) -> Place {
        let micro = |v: f64| Degrees((v * 1e6).round() / 1e6);
        Place::Roadside {
            batch,
            lat: micro(point.lat),
            lon: micro(point.lon),
        }
    }
}

/// Degrees of latitude or longitude in a [`Place::Roadside`]. Two are equal when their bits
/// are, so a place stays a key (`Eq`, `Hash`); they are read from and written to the same text,
/// so both ends of a hand-over compare equal.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct Degrees(pub f64);

impl PartialEq for Degrees {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

impl Eq for Degrees {}

impl std::hash::Hash for Degrees {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.to_bits().hash(state);
    }
}

/// Where one traveler goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    pub traveler: TravelerCode,
    /// The arrival they come with; none for a second transfer from a hotel.
    pub arrival: Option<ArrivalCode>,
    pub place: Place,
    /// The batch that takes them there.
    pub batch: BatchCode,
}

/// A hotel stay the plan books: the hotel's rooms are held on every night from `check_in` up
/// to (not including) `release`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlannedStay {
    pub traveler: TravelerCode,
    pub hotel: HotelCode,
    pub check_in: NaiveDate,
    pub release: NaiveDate,
    /// In an accessible room (wheelchair users).
    pub accessible: bool,
    /// The family or group sharing rooms with them, if any.
    pub group: Option<String>,
}

/// One vehicle trip: from a port (or a hotel, for a second transfer) through its stops, and
/// back to the vehicle's base for disinfection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    pub code: BatchCode,
    pub origin: Place,
    /// The arrival whose travelers it carries (none for a second transfer).
    pub arrival: Option<ArrivalCode>,
    pub vehicle: VehicleCode,
    /// Driver first, then escorts.
    pub crew: Vec<CrewCode>,
    /// Boarding at the origin.
    pub depart: NaiveDateTime,
    pub stops: Vec<Stop>,
    /// Back at its base, disinfected, ready for its next trip.
    pub ready_again: NaiveDateTime,
    /// Driven, from leaving the base to being back.
    pub km: f64,
}

impl Batch {
    /// Everyone on board when it departs.
    pub fn travelers(&self) -> impl Iterator<Item = &TravelerCode> {
        self.stops.iter().flat_map(|s| s.travelers.iter())
    }

    pub fn head_count(&self) -> usize {
        self.stops.iter().map(|s| s.travelers.len()).sum()
    }
}

/// A stop of a batch, in driving order, numbered from 0 as the hand-over check-lists count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Stop {
    pub place: Place,
    pub eta: NaiveDateTime,
    /// Who is handed over here; the head-count is their number.
    pub travelers: Vec<TravelerCode>,
}

/// A traveler who could not be placed, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Unplaced {
    pub traveler: TravelerCode,
    pub arrival: Option<ArrivalCode>,
    pub reason: Reason,
}

/// Why a traveler could not be placed. Each has a stable code and text in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "code", rename_all = "snake_case", deny_unknown_fields)]
pub enum Reason {
    /// No open hotel has a room for them (and their group) on this night.
    NoCapacity { night: NaiveDate },
    /// No open hotel has an accessible room free on this night.
    NoAccessibleRoom { night: NaiveDate },
    /// Home quarantine, but their home has not been placed on the map: the desk pins it.
    HomeNotLocated,
    /// Symptomatic or positive, and the day has no designated hospital.
    NoHospital,
    /// No vehicle that may carry them (negative pressure, accessible, seats) is free in time.
    NoVehicle,
    /// No driver (or no escort a special group needs) is free in time.
    NoCrew,
    /// Their ride would exceed the limit even alone on the fastest vehicle.
    RideTooLong { minutes: u32, limit: u32 },
    /// On a batch whose vehicle broke down en route, and no vehicle or crew is free to fetch
    /// them from the roadside: the desk must send one by hand.
    NoReplacement { batch: BatchCode },
}

impl Reason {
    pub fn code(&self) -> &'static str {
        match self {
            Reason::NoCapacity { .. } => "no_capacity",
            Reason::NoAccessibleRoom { .. } => "no_accessible_room",
            Reason::HomeNotLocated => "home_not_located",
            Reason::NoHospital => "no_hospital",
            Reason::NoVehicle => "no_vehicle",
            Reason::NoCrew => "no_crew",
            Reason::RideTooLong { .. } => "ride_too_long",
            Reason::NoReplacement { .. } => "no_replacement",
        }
    }

    pub fn en(&self) -> String {
        match self {
            Reason::NoCapacity { night } => format!("no hotel room free on the night of {night}"),
            Reason::NoAccessibleRoom { night } => {
                format!("no accessible room free on the night of {night}")
            }
            Reason::HomeNotLocated => {
                "their home address is not on the map: pin it with coordinates".into()
            }
            Reason::NoHospital => "no designated hospital in the day's places".into(),
            Reason::NoVehicle => "no vehicle that may carry them is free in time".into(),
            Reason::NoCrew => "no crew member is free in time".into(),
            Reason::RideTooLong { minutes, limit } => {
                format!("the ride takes {minutes} min, over the {limit} min limit")
            }
            Reason::NoReplacement { batch } => format!(
                "batch {batch} broke down en route and no vehicle or crew is free to fetch them from the roadside"
            ),
        }
    }

    pub fn zh(&self) -> String {
        match self {
            Reason::NoCapacity { night } => format!("{night} 当晚没有空余的酒店房间"),
            Reason::NoAccessibleRoom { night } => format!("{night} 当晚没有空余的无障碍房间"),
            Reason::HomeNotLocated => "家庭住址无法在地图上定位：请以坐标标注".into(),
            Reason::NoHospital => "当日没有定点医院".into(),
            Reason::NoVehicle => "没有可按时承运的车辆".into(),
            Reason::NoCrew => "没有可按时出车的工作人员".into(),
            Reason::RideTooLong { minutes, limit } => {
                format!("车程 {minutes} 分钟，超过 {limit} 分钟的上限")
            }
            Reason::NoReplacement { batch } => {
                format!("批次 {batch} 途中抛锚，没有可前往接驳的车辆或工作人员")
            }
        }
    }
}

/// What a plan costs and how it treats travelers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Kpis {
    pub travelers: usize,
    pub trips: usize,
    pub vehicle_km: f64,
    pub crew_hours: f64,
    /// Minutes from ready to departure, over every traveler carried from a port.
    pub mean_port_wait: f64,
    pub max_port_wait: f64,
    /// Minutes from boarding to their stop, the longest.
    pub max_ride: f64,
    pub unplaced: usize,
}
