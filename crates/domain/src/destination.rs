//! Destinations: quarantine hotels, designated hospitals and home addresses.

use crate::DomainError;
use crate::geo::Coordinates;
use serde::{Deserialize, Serialize};

/// A quarantine hotel: rooms are the capacity, accessible rooms take wheelchair users, and the
/// languages its staff speak decide who is best sent there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hotel {
    pub name: String,
    pub address: String,
    pub location: Coordinates,
    pub rooms: u32,
    pub accessible_rooms: u32,
    /// Short language codes ("zh", "en", "ja").
    pub languages: Vec<String>,
}

impl Hotel {
    pub fn validate(&self) -> Result<(), DomainError> {
        if self.name.trim().is_empty() {
            return Err(DomainError::Missing {
                field: "hotel name",
            });
        }
        if self.rooms == 0 {
            return Err(DomainError::Invalid {
                field: "hotel rooms",
                value: "0".into(),
                expected: "at least one room",
            });
        }
        if self.accessible_rooms > self.rooms {
            return Err(DomainError::Invalid {
                field: "hotel accessible_rooms",
                value: self.accessible_rooms.to_string(),
                expected: "no more than the hotel's rooms",
            });
        }
        Ok(())
    }
}

/// A hospital designated for symptomatic and positive travelers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hospital {
    pub name: String,
    pub address: String,
    pub location: Coordinates,
}

/// A traveler's home, for home quarantine; located once the address is geocoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HomeAddress {
    pub address: String,
    pub location: Option<Coordinates>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Destination {
    Hotel(Hotel),
    Hospital(Hospital),
    Home(HomeAddress),
}

impl Destination {
    pub fn kind(&self) -> crate::traveler::DestinationKind {
        use crate::traveler::DestinationKind as K;
        match self {
            Destination::Hotel(_) => K::Hotel,
            Destination::Hospital(_) => K::Hospital,
            Destination::Home(_) => K::Home,
        }
    }
    pub fn location(&self) -> Option<Coordinates> {
        match self {
            Destination::Hotel(h) => Some(h.location),
            Destination::Hospital(h) => Some(h.location),
            Destination::Home(h) => h.location,
        }
    }
}
