//! The desk's codes. A day file names everything by the code the desk uses (`PVG`, `MU5101`,
//! `H-JINJIANG`), never by a database id, so a file written by hand or exported from another
//! office reads the same. One newtype per kind of thing, so a hotel's code cannot stand where a
//! vehicle's is expected.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! code_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn new(code: impl Into<String>) -> Self {
                $name(code.into())
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(s.to_string())
            }
        }
    )*};
}

code_type!(
    /// A port of entry (`PVG`, `SH-RAIL`).
    PortCode,
    /// One arrival at a port: a flight, a train, a crossing (`MU5101`).
    ArrivalCode,
    /// A traveler, unique within the day (the store's traveler id as text, or a manifest key).
    TravelerCode,
    /// A quarantine hotel.
    HotelCode,
    /// A designated hospital.
    HospitalCode,
    /// A transfer vehicle (its plate or fleet number).
    VehicleCode,
    /// A crew member (driver or escort).
    CrewCode,
    /// A batch of a plan: one vehicle trip from a port or a hotel (`B-PVG-001`).
    BatchCode,
);
