//! A deterministic, generated year of custody records, for the benchmark and for
//! `closedloop bench trace`: by default 100,000 travelers on 30,000 trips over 365 days, 500
//! vehicles, 1,500 crew, two crew a trip, a disinfection after nine trips in ten, a port
//! hand-over per trip and a delivery hand-over per traveler.
//!
//! The generator draws from SplitMix64 (the workspace's one copy, in `closedloop_domain::hash`)
//! so the same seed gives the same year on every platform and every version of every dependency.

use crate::model::{
    CrewId, Disinfection, HandOver, Party, PartyId, Role, Subject, TravelerId, Trip, TripId,
    VehicleId,
};
use crate::trace::TraceOptions;

/// 2021-01-01T00:00:00Z, the year the practice modelled here ran.
pub const YEAR_START: i64 = 1_609_459_200;

const DAY: i64 = 24 * 3600;

/// The size of a generated year.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    pub travelers: u32,
    pub trips: u32,
    pub days: u32,
    pub vehicles: u32,
    pub crew: u32,
    pub crew_per_trip: u32,
    /// Port desks that hand travelers over to crews.
    pub port_staff: u32,
    /// Hotel desks, community offices and hospitals that take travelers over.
    pub receivers: u32,
    /// Share of trips after which no disinfection is recorded, in per mille.
    pub missed_disinfection_per_mille: u32,
}

impl Default for Shape {
    fn default() -> Self {
        Shape {
            travelers: 100_000,
            trips: 30_000,
            days: 365,
            vehicles: 500,
            crew: 1_500,
            crew_per_trip: 2,
            port_staff: 200,
            receivers: 400,
            missed_disinfection_per_mille: 100,
        }
    }
}

/// A generated custody record, ready for [`Record::build`](crate::Record::build).
#[derive(Debug, Clone)]
pub struct Year {
    pub shape: Shape,
    pub trips: Vec<Trip>,
    pub disinfections: Vec<Disinfection>,
    pub hand_overs: Vec<HandOver>,
}

/// SplitMix64: tiny, fast, and fully specified, hence reproducible. `below(n)` is the
/// remainder of the next value by `n`; the modulo bias is irrelevant at these sizes.
pub use closedloop_domain::hash::SplitMix64 as Rng;

/// The default year (see the module documentation) for this seed.
pub fn year(seed: u64) -> Year {
    year_with(Shape::default(), seed)
}

/// Picks a free resource starting at a random one and probing onwards, so that no vehicle or
/// crew member is on two trips at once while the load stays spread evenly. Falls back to the
/// earliest free one when all are busy (only with absurd shapes).
fn pick_free(rng: &mut Rng, free_at: &[i64], at: i64, taken: &[usize]) -> usize {
    let n = free_at.len();
    let first = rng.below(n as u64) as usize;
    (0..n)
        .map(|i| (first + i) % n)
        .find(|&i| free_at[i] <= at && !taken.contains(&i))
        .unwrap_or_else(|| {
            (0..n)
                .filter(|i| !taken.contains(i))
                .min_by_key(|&i| (free_at[i], i))
                .expect("more crew than crew per trip")
        })
}

/// A year of the given shape for this seed. Trip ids, traveler ids, vehicle ids and crew ids
/// are `1..=count`; trips are numbered in order of departure.
pub fn year_with(shape: Shape, seed: u64) -> Year {
    let mut rng = Rng::new(seed);
    let trip_count = shape.trips.max(1) as usize;

    // Departures spread evenly over the days, between 06:00 and 22:00.
    let mut starts: Vec<(i64, i64)> = (0..trip_count)
        .map(|k| {
            let day = (k as u64 * shape.days as u64 / trip_count as u64) as i64;
            let start = YEAR_START + day * DAY + 6 * 3600 + rng.below(16 * 3600) as i64;
            let duration = 1800 + rng.below(9000) as i64;
            (start, start + duration)
        })
        .collect();
    starts.sort_unstable();

    let mut vehicle_free = vec![i64::MIN; shape.vehicles.max(1) as usize];
    let crew_per_trip = shape.crew_per_trip.clamp(1, shape.crew.max(1)) as usize;
    let mut crew_free = vec![i64::MIN; (shape.crew as usize).max(crew_per_trip)];
    let mut trips = Vec::with_capacity(trip_count);
    let mut disinfections = Vec::with_capacity(trip_count);
    let mut hand_overs = Vec::with_capacity(trip_count + shape.travelers as usize);
    let mut next_traveler: u32 = 0;

    for (k, &(start, end)) in starts.iter().enumerate() {
        let id = TripId(k as i64 + 1);
        let v = pick_free(&mut rng, &vehicle_free, start, &[]);
        // Disinfection and turnaround take half an hour before the vehicle leaves again.
        vehicle_free[v] = end + 1800;
        let vehicle = VehicleId(v as i64 + 1);

        let mut taken = Vec::with_capacity(crew_per_trip);
        for _ in 0..crew_per_trip {
            let c = pick_free(&mut rng, &crew_free, start, &taken);
            crew_free[c] = end + 3600;
            taken.push(c);
        }
        let crew: Vec<CrewId> = taken.iter().map(|&c| CrewId(c as i64 + 1)).collect();

        // Trip sizes wander around the mean that is left, so the total comes out exact and
        // every trip carries someone.
        let left = (shape.travelers - next_traveler) as i64;
        let trips_left = (trip_count - k) as i64;
        let size = if trips_left == 1 {
            left
        } else {
            let mean = (left + trips_left / 2) / trips_left;
            // Empty trips only when there are fewer travelers left than trips.
            let lo = i64::from(left >= trips_left);
            (mean + rng.below(5) as i64 - 2).clamp(lo, (left - (trips_left - 1)).max(lo))
        };
        let travelers: Vec<TravelerId> = (0..size)
            .map(|i| TravelerId((next_traveler as i64) + i + 1))
            .collect();
        next_traveler += size as u32;

        if rng.below(1000) >= shape.missed_disinfection_per_mille as u64 {
            disinfections.push(Disinfection {
                vehicle,
                at: end + 600,
            });
        }

        let lead = Party {
            role: Role::Crew,
            id: PartyId(crew[0].0),
            name_ref: format!("crew-{}", crew[0]),
        };
        let desk = PartyId(1 + rng.below(shape.port_staff.max(1) as u64) as i64);
        hand_overs.push(HandOver {
            trip: Some(id),
            giver: Party {
                role: Role::PortStaff,
                id: desk,
                name_ref: format!("port-{desk}"),
            },
            receiver: lead.clone(),
            travelers: travelers.clone(),
            at: start,
        });
        for (j, &traveler) in travelers.iter().enumerate() {
            // Seven in ten go to a hotel, a quarter home, the rest to hospital.
            let role = match rng.below(100) {
                0..70 => Role::HotelStaff,
                70..95 => Role::CommunityStaff,
                _ => Role::Hospital,
            };
            let desk = PartyId(1 + rng.below(shape.receivers.max(1) as u64) as i64);
            hand_overs.push(HandOver {
                trip: Some(id),
                giver: lead.clone(),
                receiver: Party {
                    role,
                    id: desk,
                    name_ref: format!("{}-{desk}", role.as_str()),
                },
                travelers: vec![traveler],
                at: start + (end - start) * (j as i64 + 1) / travelers.len() as i64,
            });
        }

        trips.push(Trip {
            id,
            vehicle,
            crew,
            travelers,
            start,
            end,
        });
    }

    Year {
        shape,
        trips,
        disinfections,
        hand_overs,
    }
}

/// `n` trace queries over a generated year: alternately a random traveler (no test date) and a
/// random crew member tested at a random moment of the year with the default window.
pub fn queries(year: &Year, n: usize, seed: u64) -> Vec<(Subject, TraceOptions)> {
    let mut rng = Rng::new(seed ^ 0x7472_6163_6521);
    let span = year.shape.days.max(1) as u64 * DAY as u64;
    (0..n)
        .map(|i| {
            if i % 2 == 0 {
                let t = TravelerId(1 + rng.below(year.shape.travelers.max(1) as u64) as i64);
                (Subject::Traveler(t), TraceOptions::default())
            } else {
                let c = CrewId(1 + rng.below(year.shape.crew.max(1) as u64) as i64);
                let tested_at = YEAR_START + rng.below(span) as i64;
                (
                    Subject::Crew(c),
                    TraceOptions {
                        tested_at: Some(tested_at),
                        ..TraceOptions::default()
                    },
                )
            }
        })
        .collect()
}
