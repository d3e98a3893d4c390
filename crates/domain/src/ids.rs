//! Newtype ids. The store assigns them; the domain only carries them.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(
    /// A port of entry.
    PortId,
    /// One arrival (a flight, a train, a crossing) at a port.
    ArrivalId,
    /// One traveler on one arrival.
    TravelerId,
    /// A quarantine hotel, a hospital or a home address.
    DestinationId,
    /// A transfer vehicle.
    VehicleId,
    /// A driver or an escort.
    CrewId,
    /// One vehicle trip from a port.
    BatchId,
);
