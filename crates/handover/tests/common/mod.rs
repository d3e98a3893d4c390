//! Helpers shared by the integration tests.
#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, Utc};
use closedloop_domain::batch::{Batch, Stop};
use closedloop_domain::geo::Coordinates;
use closedloop_domain::ids::{BatchId, CrewId, DestinationId, PortId, TravelerId, VehicleId};

pub fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

pub fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

pub fn place() -> Coordinates {
    Coordinates::new(31.1443, 121.8083).unwrap()
}

/// Batch 7: vehicle 3, crew 1 and 2, two stops (hotel 10 with travelers 1–2, home 11 with 3).
pub fn batch() -> Batch {
    Batch::plan(
        BatchId(7),
        PortId(1),
        VehicleId(3),
        vec![CrewId(1), CrewId(2)],
        vec![
            Stop {
                destination: DestinationId(10),
                travelers: vec![TravelerId(1), TravelerId(2)],
            },
            Stop {
                destination: DestinationId(11),
                travelers: vec![TravelerId(3)],
            },
        ],
        20,
    )
    .unwrap()
}
