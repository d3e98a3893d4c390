//! The custody record as the storage layer hands it over: plain serde structs, no behaviour.
//!
//! Ids are the domain's own newtypes, so the store fills these structs from its rows without
//! conversion; a trip is the domain's batch ("one vehicle trip from a port"), hence
//! [`TripId`] is [`BatchId`](closedloop_domain::BatchId) under the name tracing speaks.

use serde::{Deserialize, Serialize};
use std::fmt;

pub use closedloop_domain::ids::{BatchId as TripId, CrewId, TravelerId, VehicleId};

/// A non-crew party to a hand-over (a port desk, a hotel's staff, a community office, a
/// hospital). The store assigns it; for [`Role::Crew`] the value is the [`CrewId`], so that a
/// crew member who signs a hand-over is the same person as the one who crewed the trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PartyId(pub i64);

impl fmt::Display for PartyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What a party to a hand-over is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    PortStaff,
    Crew,
    HotelStaff,
    CommunityStaff,
    Hospital,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::PortStaff => "port staff",
            Role::Crew => "crew",
            Role::HotelStaff => "hotel staff",
            Role::CommunityStaff => "community staff",
            Role::Hospital => "hospital",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One side of a hand-over. `name_ref` is opaque to tracing (the store's reference to the
/// person or desk, e.g. a staff number); it is carried through to the answer, never parsed,
/// so personal data stays where the store keeps and masks it. A party is one person or desk per
/// (role, id): the record keeps the first `name_ref` it sees for it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Party {
    pub role: Role,
    pub id: PartyId,
    #[serde(default)]
    pub name_ref: String,
}

/// One vehicle trip: who was aboard and when. Times are Unix seconds (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trip {
    pub id: TripId,
    pub vehicle: VehicleId,
    pub crew: Vec<CrewId>,
    pub travelers: Vec<TravelerId>,
    pub start: i64,
    pub end: i64,
}

/// A recorded disinfection of a vehicle (check-list 4, sanitation inspection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disinfection {
    pub vehicle: VehicleId,
    pub at: i64,
}

/// A hand-over of custody of named travelers between two named parties. `trip` is `None` for
/// hand-overs outside a vehicle trip (e.g. a hospital taking a traveler over from a hotel).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandOver {
    pub trip: Option<TripId>,
    pub giver: Party,
    pub receiver: Party,
    pub travelers: Vec<TravelerId>,
    pub at: i64,
}

/// The index case: the person who tested positive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    Traveler(TravelerId),
    Crew(CrewId),
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Traveler(id) => write!(f, "traveler {id}"),
            Subject::Crew(id) => write!(f, "crew {id}"),
        }
    }
}

/// An exposed person: a traveler, a crew member, or another party to a hand-over. Crew who
/// sign hand-overs appear as [`Contact::Crew`], never as a `Party` with role crew.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Contact {
    Traveler(TravelerId),
    Crew(CrewId),
    Party(Party),
}

impl fmt::Display for Contact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Contact::Traveler(id) => write!(f, "traveler {id}"),
            Contact::Crew(id) => write!(f, "crew {id}"),
            Contact::Party(p) => write!(f, "{} {}", p.role, p.id),
        }
    }
}
