//! What can go wrong: an inconsistent record, or an index case the record does not know.
//! Every variant names the id so the operator can look it up.

use crate::model::{CrewId, TravelerId, TripId};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TraceError {
    #[error("trip {0} appears twice in the custody record")]
    DuplicateTrip(TripId),
    #[error("trip {trip} ends ({end}) before it starts ({start})")]
    TripEndsBeforeStart { trip: TripId, start: i64, end: i64 },
    #[error("a hand-over at {at} refers to trip {trip}, which is not in the custody record")]
    HandOverUnknownTrip { trip: TripId, at: i64 },
    #[error("traveler {0} is not in the custody record")]
    UnknownTraveler(TravelerId),
    #[error("crew member {0} is not in the custody record")]
    UnknownCrew(CrewId),
    #[error("the crew exposure window must not be negative (got {0} s)")]
    NegativeWindow(i64),
}
