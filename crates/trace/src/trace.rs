//! The tracing query: from an index case to everyone exposed, each with a reason and a time.
//!
//! ## Rules
//!
//! First the *index trips* and *index hand-overs* — where the index case was present:
//!
//! - a **traveler**: every trip they rode that overlaps `[since, tested_at]` and every
//!   hand-over they were handed over in at a time in that range (both bounds open when absent;
//!   the test date does not bound a traveler because they were infectious before it);
//! - a **crew member**: every trip they crewed that overlaps the exposure window
//!   `[tested_at − crew_exposure_window_s, tested_at]` (and not before `since`), every hand-over
//!   of those trips and every hand-over they signed themselves, at a time in the window. Without
//!   `tested_at` the window ends at the crew member's last recorded activity ("tested now, last
//!   worked then").
//!
//! Then the exposed, from each index trip `T` and each index hand-over `H`:
//!
//! | reason | who | time |
//! |---|---|---|
//! | [`Reason::SameTrip`] | travelers aboard `T` | `T.start` |
//! | [`Reason::TripCrew`] | crew of `T` | `T.start` |
//! | [`Reason::HandOver`] | giver, receiver and travelers of `H` | `H.at` |
//! | [`Reason::VehicleNotDisinfected`] | everyone aboard later trips of `T`'s vehicle that started before the vehicle's first disinfection at or after `T.end` | that trip's start |
//! | [`Reason::SharedCrew`] | everyone aboard later trips of each crew member of `T` (other than the index case) starting no later than `T.end + crew_exposure_window_s` | that trip's start |
//!
//! A disinfection *at* a later trip's start counts as before it (the vehicle was clean when
//! they boarded); one during `T` does not count (the index case was still aboard). Exposure is
//! one step: contacts of contacts are not followed, except through the shared crew and the
//! unclean vehicle, which the issue names.
//!
//! Each person is listed once, with their **earliest** exposure; ties go to the reason listed
//! first above, then the lower trip id. The index case is never listed. The list is sorted by
//! (time, reason, who), so the same record always gives the same answer.

use crate::error::TraceError;
use crate::model::{Contact, CrewId, Subject, TripId, VehicleId};
use crate::record::{Node, Record};
use petgraph::Direction;
use petgraph::graph::NodeIndex;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;

/// 14 days: the quarantine period the policy uses for crew exposure unless told otherwise.
pub const DEFAULT_CREW_EXPOSURE_WINDOW_S: i64 = 14 * 24 * 3600;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceOptions {
    /// How long an exposed crew member may carry infection on to later trips, and how far back
    /// from a crew member's test their own trips count.
    pub crew_exposure_window_s: i64,
    /// Ignore the index case's trips and hand-overs before this time.
    pub since: Option<i64>,
    /// When the index case tested positive.
    pub tested_at: Option<i64>,
}

impl Default for TraceOptions {
    fn default() -> Self {
        TraceOptions {
            crew_exposure_window_s: DEFAULT_CREW_EXPOSURE_WINDOW_S,
            since: None,
            tested_at: None,
        }
    }
}

/// Why someone is exposed. The order of the variants is the tie-break order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Reason {
    /// Rode a trip the index case was aboard.
    SameTrip,
    /// Crewed a trip the index case was aboard.
    TripCrew,
    /// Took part in a hand-over the index case took part in.
    HandOver,
    /// Rode or crewed a later trip of a vehicle the index case used, before it was disinfected.
    VehicleNotDisinfected { vehicle: VehicleId },
    /// Rode or crewed a later trip of a crew member exposed to the index case, within the window.
    SharedCrew { crew: CrewId },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::SameTrip => f.write_str("same trip"),
            Reason::TripCrew => f.write_str("crew of the trip"),
            Reason::HandOver => f.write_str("same hand-over"),
            Reason::VehicleNotDisinfected { vehicle } => {
                write!(f, "vehicle {vehicle} not disinfected since")
            }
            Reason::SharedCrew { crew } => write!(f, "later trip of exposed crew {crew}"),
        }
    }
}

/// One exposed person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exposure {
    pub who: Contact,
    pub reason: Reason,
    /// Unix seconds: when the exposure happened (see the rules for which moment).
    pub at: i64,
    /// The trip on which it happened; `None` for a hand-over outside a trip.
    pub via_trip: Option<TripId>,
}

/// The earliest exposure found so far for one node.
#[derive(Clone, Copy)]
struct Best {
    at: i64,
    reason: Reason,
    trip: Option<u32>,
}

/// The exposures being gathered, one per graph node, never the index case.
struct Gather<'r> {
    record: &'r Record,
    index: NodeIndex,
    best: HashMap<NodeIndex, Best>,
}

impl Gather<'_> {
    fn expose(&mut self, node: NodeIndex, at: i64, reason: Reason, trip: Option<u32>) {
        if node == self.index {
            return;
        }
        let trip_id = |t: Option<u32>| t.map(|t| self.record.trips[t as usize].id);
        let candidate = Best { at, reason, trip };
        self.best
            .entry(node)
            .and_modify(|b| {
                if (at, reason, trip_id(trip)) < (b.at, b.reason, trip_id(b.trip)) {
                    *b = candidate;
                }
            })
            .or_insert(candidate);
    }

    /// Everyone aboard trip `t` (travelers and crew) except `skip`, with one reason.
    fn aboard(&mut self, t: u32, reason: Reason, skip: Option<NodeIndex>) {
        let record = self.record;
        let trip = &record.trips[t as usize];
        for n in record.neighbors(trip.node, Some(Direction::Incoming)) {
            if Some(n) == skip {
                continue;
            }
            match record.graph[n] {
                Node::Traveler(_) | Node::Crew(_) => self.expose(n, trip.start, reason, Some(t)),
                _ => {}
            }
        }
    }
}

impl Record {
    /// Everyone exposed to `index`, by the rules in the [module documentation](self).
    pub fn trace(
        &self,
        index: Subject,
        options: &TraceOptions,
    ) -> Result<Vec<Exposure>, TraceError> {
        if options.crew_exposure_window_s < 0 {
            return Err(TraceError::NegativeWindow(options.crew_exposure_window_s));
        }
        let window = options.crew_exposure_window_s;
        let since = options.since.unwrap_or(i64::MIN);
        let mut index_trips: Vec<u32> = Vec::new();
        let mut index_hand_overs: Vec<u32> = Vec::new();

        let index_node = match index {
            Subject::Traveler(id) => {
                let node = *self
                    .travelers
                    .get(&id)
                    .ok_or(TraceError::UnknownTraveler(id))?;
                let (lo, hi) = (since, options.tested_at.unwrap_or(i64::MAX));
                for n in self.neighbors(node, Some(Direction::Outgoing)) {
                    match self.graph[n] {
                        Node::Trip(t) if self.overlaps(t, lo, hi) => index_trips.push(t),
                        Node::HandOver(h)
                            if (lo..=hi).contains(&self.hand_overs[h as usize].at) =>
                        {
                            index_hand_overs.push(h)
                        }
                        _ => {}
                    }
                }
                node
            }
            Subject::Crew(id) => {
                let pos = *self
                    .crew_by_id
                    .get(&id)
                    .ok_or(TraceError::UnknownCrew(id))?;
                let crew = &self.crews[pos as usize];
                let hi = options.tested_at.unwrap_or_else(|| self.last_activity(pos));
                let lo = hi.saturating_sub(window).max(since);
                index_trips.extend(
                    crew.trips
                        .iter()
                        .copied()
                        .filter(|&t| self.overlaps(t, lo, hi)),
                );
                let in_window = |h: u32| (lo..=hi).contains(&self.hand_overs[h as usize].at);
                // Hand-overs of the trips they worked, and those they signed themselves.
                for &t in &index_trips {
                    for n in self.neighbors(self.trips[t as usize].node, Some(Direction::Incoming))
                    {
                        if let Node::HandOver(h) = self.graph[n]
                            && in_window(h)
                        {
                            index_hand_overs.push(h);
                        }
                    }
                }
                for n in self.neighbors(crew.node, None) {
                    if let Node::HandOver(h) = self.graph[n]
                        && in_window(h)
                    {
                        index_hand_overs.push(h);
                    }
                }
                crew.node
            }
        };
        index_trips.sort_unstable();
        index_trips.dedup();
        index_hand_overs.sort_unstable();
        index_hand_overs.dedup();

        let mut g = Gather {
            record: self,
            index: index_node,
            best: HashMap::new(),
        };
        for &t in &index_trips {
            self.trip_exposures(&mut g, t, window);
        }
        for &h in &index_hand_overs {
            let info = &self.hand_overs[h as usize];
            let node = self.hand_over_node(h);
            for n in self.neighbors(node, None) {
                match self.graph[n] {
                    Node::Traveler(_) | Node::Crew(_) | Node::Party(_) => {
                        g.expose(n, info.at, Reason::HandOver, info.trip)
                    }
                    _ => {}
                }
            }
        }

        let mut out: Vec<Exposure> = g
            .best
            .into_iter()
            .map(|(n, b)| Exposure {
                who: self.contact(n),
                reason: b.reason,
                at: b.at,
                via_trip: b.trip.map(|t| self.trips[t as usize].id),
            })
            .collect();
        out.sort_unstable_by(|a, b| (a.at, a.reason, &a.who).cmp(&(b.at, b.reason, &b.who)));
        Ok(out)
    }

    /// Co-passengers, crew, the unclean vehicle's later trips and the exposed crew's later trips.
    fn trip_exposures(&self, g: &mut Gather<'_>, t: u32, window: i64) {
        let trip = &self.trips[t as usize];
        for n in self.neighbors(trip.node, Some(Direction::Incoming)) {
            match self.graph[n] {
                Node::Traveler(_) => g.expose(n, trip.start, Reason::SameTrip, Some(t)),
                Node::Crew(_) => g.expose(n, trip.start, Reason::TripCrew, Some(t)),
                _ => {}
            }
        }

        let vehicle = &self.vehicles[trip.vehicle as usize];
        let clean_at = vehicle.disinfections.partition_point(|&d| d < trip.end);
        let clean_at = vehicle
            .disinfections
            .get(clean_at)
            .copied()
            .unwrap_or(i64::MAX);
        let reason = Reason::VehicleNotDisinfected {
            vehicle: vehicle.id,
        };
        for &later in &vehicle.trips[trip.pos_in_vehicle as usize + 1..] {
            if self.trips[later as usize].start >= clean_at {
                break;
            }
            g.aboard(later, reason, None);
        }

        let until = trip.end.saturating_add(window);
        for n in self.neighbors(trip.node, Some(Direction::Incoming)) {
            let Node::Crew(c) = self.graph[n] else {
                continue;
            };
            if n == g.index {
                continue;
            }
            let crew = &self.crews[c as usize];
            let key = (trip.start, trip.id);
            let after = crew.trips.partition_point(|&p| {
                let p = &self.trips[p as usize];
                (p.start, p.id) <= key
            });
            let reason = Reason::SharedCrew { crew: crew.id };
            for &later in &crew.trips[after..] {
                if self.trips[later as usize].start > until {
                    break;
                }
                g.aboard(later, reason, Some(n));
            }
        }
    }

    /// Whether trip `t` overlaps the closed interval `[lo, hi]`.
    fn overlaps(&self, t: u32, lo: i64, hi: i64) -> bool {
        let trip = &self.trips[t as usize];
        trip.end >= lo && trip.start <= hi
    }

    /// The crew member's last recorded moment: the end of their last trip or their last
    /// hand-over, whichever is later.
    fn last_activity(&self, crew: u32) -> i64 {
        let info = &self.crews[crew as usize];
        let trips = info.trips.iter().map(|&t| self.trips[t as usize].end);
        let hand_overs = self
            .neighbors(info.node, None)
            .filter_map(|n| match self.graph[n] {
                Node::HandOver(h) => Some(self.hand_overs[h as usize].at),
                _ => None,
            });
        trips.chain(hand_overs).max().unwrap_or(i64::MIN)
    }

    fn hand_over_node(&self, h: u32) -> NodeIndex {
        self.hand_overs[h as usize].node
    }

    fn contact(&self, n: NodeIndex) -> Contact {
        match &self.graph[n] {
            Node::Traveler(id) => Contact::Traveler(*id),
            Node::Crew(c) => Contact::Crew(self.crews[*c as usize].id),
            Node::Party(p) => Contact::Party(p.clone()),
            // Only people are ever exposed; `expose` is called on people alone.
            other => unreachable!("exposure recorded for a non-person node {other:?}"),
        }
    }
}
