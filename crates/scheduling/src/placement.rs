//! Between hotel assignment and batch forming: who goes where. Hotel assignment
//! ([`crate::hotels`]) decides each traveler's place and books the stays; batch forming
//! ([`crate::batches`]) carries them there.

use crate::ids::{ArrivalCode, TravelerCode};
use crate::plan::{Place, PlannedStay, Unplaced};

/// One traveler to be carried: from their arrival's port, or from a hotel (a second transfer,
/// `arrival` none and `from` the hotel).
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    pub traveler: TravelerCode,
    pub arrival: Option<ArrivalCode>,
    /// Where they board: their arrival's port, or the hotel they are released from.
    pub from: Place,
    /// Where they go.
    pub to: Place,
}

/// Everyone of the day, each exactly once: placed, or unplaced with the reason.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Placements {
    pub placed: Vec<Placement>,
    pub stays: Vec<PlannedStay>,
    pub unplaced: Vec<Unplaced>,
}
