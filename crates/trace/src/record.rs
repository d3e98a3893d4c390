//! The custody record as a graph.
//!
//! Nodes are the people and things of the record — travelers, crew, other parties, trips,
//! vehicles and hand-overs (a hand-over is a node rather than an edge because it joins more
//! than two: a giver, a receiver and the travelers handed over). Edges say how they met:
//!
//! ```text
//! traveler ─RodeOn─► trip ◄─Crewed─ crew        vehicle ─Drove─► trip
//! giver ─Gave─► hand-over ─Received─► receiver   traveler ─HandedOver─► hand-over ─During─► trip
//! ```
//!
//! Beside the graph, each vehicle keeps its trips and disinfections in time order and each crew
//! member their trips in time order: "the next trips of this vehicle before its next
//! disinfection" and "this crew member's trips in a window" are then binary searches instead of
//! scans, which is what keeps a trace over a year of data in microseconds.

use crate::error::TraceError;
use crate::model::{
    CrewId, Disinfection, HandOver, Party, PartyId, Role, TravelerId, Trip, TripId, VehicleId,
};
use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// A node of the custody graph. Trips, vehicles, crew and hand-overs point into the record's
/// side tables by position, so the graph's weights stay small.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    Traveler(TravelerId),
    Crew(u32),
    Party(Party),
    Trip(u32),
    Vehicle(u32),
    HandOver(u32),
}

/// How two nodes are joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    RodeOn,
    Crewed,
    Drove,
    Gave,
    Received,
    HandedOver,
    During,
}

#[derive(Debug, Clone)]
pub(crate) struct TripInfo {
    pub id: TripId,
    pub start: i64,
    pub end: i64,
    pub node: NodeIndex,
    pub vehicle: u32,
    /// Position in the vehicle's timeline, so "later trips of this vehicle" needs no search.
    pub pos_in_vehicle: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct VehicleInfo {
    pub id: VehicleId,
    /// Trip positions sorted by (start, id).
    pub trips: Vec<u32>,
    /// Sorted times.
    pub disinfections: Vec<i64>,
}

#[derive(Debug, Clone)]
pub(crate) struct CrewInfo {
    pub id: CrewId,
    pub node: NodeIndex,
    /// Trip positions sorted by (start, id), each once.
    pub trips: Vec<u32>,
}

#[derive(Debug, Clone)]
pub(crate) struct HandOverInfo {
    pub at: i64,
    pub node: NodeIndex,
    pub trip: Option<u32>,
}

/// Sizes of a built record, for benchmarks and logs (counts only, never anyone's data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub nodes: usize,
    pub edges: usize,
    pub travelers: usize,
    pub crew: usize,
    pub parties: usize,
    pub trips: usize,
    pub vehicles: usize,
    pub hand_overs: usize,
    pub disinfections: usize,
}

/// The custody record, indexed for contact tracing. Immutable once built; cheap to query from
/// several threads at once.
#[derive(Debug, Clone)]
pub struct Record {
    pub(crate) graph: DiGraph<Node, Link>,
    pub(crate) trips: Vec<TripInfo>,
    pub(crate) vehicles: Vec<VehicleInfo>,
    pub(crate) crews: Vec<CrewInfo>,
    pub(crate) hand_overs: Vec<HandOverInfo>,
    pub(crate) travelers: HashMap<TravelerId, NodeIndex>,
    pub(crate) crew_by_id: HashMap<CrewId, u32>,
    parties: usize,
    disinfections: usize,
}

/// Get-or-create tables used only while building.
struct Builder {
    record: Record,
    trip_by_id: HashMap<TripId, u32>,
    vehicle_by_id: HashMap<VehicleId, (u32, NodeIndex)>,
    party_by_id: HashMap<(Role, PartyId), NodeIndex>,
}

impl Builder {
    fn traveler(&mut self, id: TravelerId) -> NodeIndex {
        let graph = &mut self.record.graph;
        *self
            .record
            .travelers
            .entry(id)
            .or_insert_with(|| graph.add_node(Node::Traveler(id)))
    }

    fn crew(&mut self, id: CrewId) -> u32 {
        match self.record.crew_by_id.entry(id) {
            Entry::Occupied(e) => *e.get(),
            Entry::Vacant(e) => {
                let pos = self.record.crews.len() as u32;
                let node = self.record.graph.add_node(Node::Crew(pos));
                self.record.crews.push(CrewInfo {
                    id,
                    node,
                    trips: Vec::new(),
                });
                *e.insert(pos)
            }
        }
    }

    fn vehicle(&mut self, id: VehicleId) -> (u32, NodeIndex) {
        match self.vehicle_by_id.entry(id) {
            Entry::Occupied(e) => *e.get(),
            Entry::Vacant(e) => {
                let pos = self.record.vehicles.len() as u32;
                let node = self.record.graph.add_node(Node::Vehicle(pos));
                self.record.vehicles.push(VehicleInfo {
                    id,
                    trips: Vec::new(),
                    disinfections: Vec::new(),
                });
                *e.insert((pos, node))
            }
        }
    }

    /// A crew member signing a hand-over is the crew node itself, so one person is one node
    /// however the record names them.
    fn party(&mut self, party: &Party) -> NodeIndex {
        if party.role == Role::Crew {
            let pos = self.crew(CrewId(party.id.0));
            return self.record.crews[pos as usize].node;
        }
        let graph = &mut self.record.graph;
        *self
            .party_by_id
            .entry((party.role, party.id))
            .or_insert_with(|| graph.add_node(Node::Party(party.clone())))
    }
}

impl Record {
    /// Builds the graph and the timelines. Fails on a record that cannot be traced honestly: a
    /// trip id used twice, a trip that ends before it starts, a hand-over naming a trip the
    /// record lacks.
    pub fn build(
        trips: &[Trip],
        disinfections: &[Disinfection],
        hand_overs: &[HandOver],
    ) -> Result<Record, TraceError> {
        let riders: usize = trips.iter().map(|t| t.travelers.len() + t.crew.len()).sum();
        let handed: usize = hand_overs.iter().map(|h| h.travelers.len() + 3).sum();
        let mut b = Builder {
            record: Record {
                graph: DiGraph::with_capacity(
                    trips.len() * 3 + hand_overs.len(),
                    riders + handed + trips.len(),
                ),
                trips: Vec::with_capacity(trips.len()),
                vehicles: Vec::new(),
                crews: Vec::new(),
                hand_overs: Vec::with_capacity(hand_overs.len()),
                travelers: HashMap::with_capacity(trips.len() * 4),
                crew_by_id: HashMap::new(),
                parties: 0,
                disinfections: disinfections.len(),
            },
            trip_by_id: HashMap::with_capacity(trips.len()),
            vehicle_by_id: HashMap::new(),
            party_by_id: HashMap::new(),
        };

        for trip in trips {
            if trip.end < trip.start {
                return Err(TraceError::TripEndsBeforeStart {
                    trip: trip.id,
                    start: trip.start,
                    end: trip.end,
                });
            }
            let pos = b.record.trips.len() as u32;
            if b.trip_by_id.insert(trip.id, pos).is_some() {
                return Err(TraceError::DuplicateTrip(trip.id));
            }
            let node = b.record.graph.add_node(Node::Trip(pos));
            let (vehicle, vehicle_node) = b.vehicle(trip.vehicle);
            b.record.graph.add_edge(vehicle_node, node, Link::Drove);
            b.record.vehicles[vehicle as usize].trips.push(pos);
            b.record.trips.push(TripInfo {
                id: trip.id,
                start: trip.start,
                end: trip.end,
                node,
                vehicle,
                pos_in_vehicle: 0,
            });
            for &traveler in &trip.travelers {
                let t = b.traveler(traveler);
                b.record.graph.add_edge(t, node, Link::RodeOn);
            }
            for &crew in &trip.crew {
                let c = b.crew(crew);
                let info = &mut b.record.crews[c as usize];
                info.trips.push(pos);
                let crew_node = info.node;
                b.record.graph.add_edge(crew_node, node, Link::Crewed);
            }
        }

        for d in disinfections {
            let (vehicle, _) = b.vehicle(d.vehicle);
            b.record.vehicles[vehicle as usize].disinfections.push(d.at);
        }

        for h in hand_overs {
            let trip = match h.trip {
                Some(id) => Some(
                    *b.trip_by_id
                        .get(&id)
                        .ok_or(TraceError::HandOverUnknownTrip { trip: id, at: h.at })?,
                ),
                None => None,
            };
            let pos = b.record.hand_overs.len() as u32;
            let node = b.record.graph.add_node(Node::HandOver(pos));
            b.record.hand_overs.push(HandOverInfo {
                at: h.at,
                node,
                trip,
            });
            if let Some(t) = trip {
                let trip_node = b.record.trips[t as usize].node;
                b.record.graph.add_edge(node, trip_node, Link::During);
            }
            let giver = b.party(&h.giver);
            b.record.graph.add_edge(giver, node, Link::Gave);
            let receiver = b.party(&h.receiver);
            b.record.graph.add_edge(node, receiver, Link::Received);
            for &traveler in &h.travelers {
                let t = b.traveler(traveler);
                b.record.graph.add_edge(t, node, Link::HandedOver);
            }
        }

        let Builder {
            mut record,
            party_by_id,
            ..
        } = b;
        record.parties = party_by_id.len();
        let key = |trips: &[TripInfo], p: u32| (trips[p as usize].start, trips[p as usize].id);
        for vehicle in &mut record.vehicles {
            vehicle
                .trips
                .sort_unstable_by_key(|&p| key(&record.trips, p));
            vehicle.disinfections.sort_unstable();
            for (i, &p) in vehicle.trips.iter().enumerate() {
                record.trips[p as usize].pos_in_vehicle = i as u32;
            }
        }
        for crew in &mut record.crews {
            crew.trips.sort_unstable_by_key(|&p| key(&record.trips, p));
            // A crew member listed twice on one trip is still one trip.
            crew.trips.dedup();
        }
        Ok(record)
    }

    /// Sizes, for benchmarks and logs.
    pub fn counts(&self) -> Counts {
        Counts {
            nodes: self.graph.node_count(),
            edges: self.graph.edge_count(),
            travelers: self.travelers.len(),
            crew: self.crews.len(),
            parties: self.parties,
            trips: self.trips.len(),
            vehicles: self.vehicles.len(),
            hand_overs: self.hand_overs.len(),
            disinfections: self.disinfections,
        }
    }

    /// Whether the record knows this traveler (on a trip or in a hand-over).
    pub fn has_traveler(&self, id: TravelerId) -> bool {
        self.travelers.contains_key(&id)
    }

    /// Whether the record knows this crew member (on a trip or signing a hand-over).
    pub fn has_crew(&self, id: CrewId) -> bool {
        self.crew_by_id.contains_key(&id)
    }

    /// Neighbours of `node` in one direction (both when `None`), in a stable order.
    pub(crate) fn neighbors(
        &self,
        node: NodeIndex,
        dir: Option<Direction>,
    ) -> impl Iterator<Item = NodeIndex> + '_ {
        let (out, inc) = match dir {
            Some(Direction::Outgoing) => (true, false),
            Some(Direction::Incoming) => (false, true),
            None => (true, true),
        };
        let outgoing = out.then(|| self.graph.neighbors_directed(node, Direction::Outgoing));
        let incoming = inc.then(|| self.graph.neighbors_directed(node, Direction::Incoming));
        outgoing
            .into_iter()
            .flatten()
            .chain(incoming.into_iter().flatten())
    }
}
