//! A batch (批次): one vehicle trip from a port, with its crew and ordered stops. Later issues
//! plan and execute batches; this module owns what a batch is and which states it may pass.

use crate::DomainError;
use crate::ids::{BatchId, CrewId, DestinationId, PortId, TravelerId, VehicleId};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stop {
    pub destination: DestinationId,
    /// Travelers handed over at this stop.
    pub travelers: Vec<TravelerId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchState {
    Planned,
    Approved,
    Departed,
    Completed,
    Cancelled,
}

impl BatchState {
    pub fn code(self) -> &'static str {
        match self {
            BatchState::Planned => "planned",
            BatchState::Approved => "approved",
            BatchState::Departed => "departed",
            BatchState::Completed => "completed",
            BatchState::Cancelled => "cancelled",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    pub id: BatchId,
    pub port: PortId,
    pub vehicle: VehicleId,
    pub crew: Vec<CrewId>,
    pub stops: Vec<Stop>,
    state: BatchState,
}

impl Batch {
    /// A new planned batch. `seats` is the vehicle's passenger seats after the policy's
    /// distancing factor.
    pub fn plan(
        id: BatchId,
        port: PortId,
        vehicle: VehicleId,
        crew: Vec<CrewId>,
        stops: Vec<Stop>,
        seats: u32,
    ) -> Result<Self, DomainError> {
        if crew.is_empty() {
            return Err(DomainError::Batch(format!("{id}: a batch needs a crew")));
        }
        if stops.is_empty() {
            return Err(DomainError::Batch(format!(
                "{id}: a batch needs at least one stop"
            )));
        }
        let mut seen = HashSet::new();
        for t in stops.iter().flat_map(|s| &s.travelers) {
            if !seen.insert(*t) {
                return Err(DomainError::Batch(format!(
                    "{id}: traveler {t} is on two stops"
                )));
            }
        }
        if seen.len() as u32 > seats {
            return Err(DomainError::Batch(format!(
                "{id}: {} travelers but only {seats} usable seats",
                seen.len()
            )));
        }
        Ok(Batch {
            id,
            port,
            vehicle,
            crew,
            stops,
            state: BatchState::Planned,
        })
    }

    pub fn state(&self) -> BatchState {
        self.state
    }

    pub fn travelers(&self) -> impl Iterator<Item = TravelerId> + '_ {
        self.stops.iter().flat_map(|s| s.travelers.iter().copied())
    }

    fn go(
        &mut self,
        action: &'static str,
        from: &[BatchState],
        to: BatchState,
    ) -> Result<(), DomainError> {
        if from.contains(&self.state) {
            self.state = to;
            Ok(())
        } else {
            Err(DomainError::IllegalTransition {
                batch: self.id.to_string(),
                action,
                state: self.state.code(),
            })
        }
    }

    pub fn approve(&mut self) -> Result<(), DomainError> {
        self.go("approve", &[BatchState::Planned], BatchState::Approved)
    }
    /// Departure gates (check-lists) are checked by the hand-over layer before this is called.
    pub fn depart(&mut self) -> Result<(), DomainError> {
        self.go("depart", &[BatchState::Approved], BatchState::Departed)
    }
    pub fn complete(&mut self) -> Result<(), DomainError> {
        self.go("complete", &[BatchState::Departed], BatchState::Completed)
    }
    /// A departed batch has travelers in custody: it cannot be cancelled, only completed.
    pub fn cancel(&mut self) -> Result<(), DomainError> {
        self.go(
            "cancel",
            &[BatchState::Planned, BatchState::Approved],
            BatchState::Cancelled,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch() -> Batch {
        let stops = vec![
            Stop {
                destination: DestinationId(1),
                travelers: vec![TravelerId(1), TravelerId(2)],
            },
            Stop {
                destination: DestinationId(2),
                travelers: vec![TravelerId(3)],
            },
        ];
        Batch::plan(
            BatchId(7),
            PortId(1),
            VehicleId(1),
            vec![CrewId(1)],
            stops,
            10,
        )
        .unwrap()
    }

    #[test]
    fn legal_path() {
        let mut b = batch();
        b.approve().unwrap();
        b.depart().unwrap();
        b.complete().unwrap();
        assert_eq!(b.state(), BatchState::Completed);
    }

    #[test]
    fn illegal_transitions_are_errors() {
        let mut b = batch();
        assert!(b.depart().is_err());
        b.approve().unwrap();
        b.depart().unwrap();
        let e = b.cancel().unwrap_err();
        assert!(e.to_string().contains("departed"), "{e}");
    }

    #[test]
    fn rejects_bad_plans() {
        let dup = vec![Stop {
            destination: DestinationId(1),
            travelers: vec![TravelerId(1), TravelerId(1)],
        }];
        assert!(
            Batch::plan(
                BatchId(1),
                PortId(1),
                VehicleId(1),
                vec![CrewId(1)],
                dup,
                10
            )
            .is_err()
        );
        let full = vec![Stop {
            destination: DestinationId(1),
            travelers: vec![TravelerId(1), TravelerId(2)],
        }];
        assert!(
            Batch::plan(
                BatchId(1),
                PortId(1),
                VehicleId(1),
                vec![CrewId(1)],
                full,
                1
            )
            .is_err()
        );
    }
}
