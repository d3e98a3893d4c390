//! Newtype ids. The store assigns them; the domain only carries them.

/// Declares `i64` newtype ids the store assigns, serialised as the bare number. Exported so the
/// other crates' ids (hand-overs, incidents) are the same kind of thing.
#[macro_export]
macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, $crate::__serde::Serialize, $crate::__serde::Deserialize)]
        #[serde(transparent, crate = "closedloop_domain::__serde")]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
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
    /// One vehicle trip from a port (a batch; the store's trips).
    BatchId,
    /// The id a party role names, as the custody record stores it beside the role: a port for
    /// port staff, a trip for a crew, a destination for hotel, community or hospital staff.
    PartyId,
);
