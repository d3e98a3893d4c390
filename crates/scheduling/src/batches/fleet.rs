//! The day's vehicles as the planner's vehicle types: each vehicle its own type (count 1), so a
//! trip names the vehicle that drives it.

use super::Ctx;
use crate::ids::PortCode;
use crate::problem::{Point, Vehicle};
use closedloop_planner::{Skills, VehicleType};

/// Trips one vehicle may make from its port in a day: far more than a shift allows, so the
/// shift and the turnaround are what bound it.
const MAX_TRIPS: usize = 64;

/// The planned vehicles (not blocked), in code order, and when each is free again.
pub(crate) struct Fleet<'a> {
    pub vehicles: Vec<&'a Vehicle>,
    /// Minutes from midnight: the vehicle's availability start, then its last trip's
    /// `ready_again`.
    pub free_from: Vec<f64>,
    /// Per vehicle, its planned trips as (leaving its base, ready again), minutes.
    pub busy: Vec<Vec<(f64, f64)>>,
    pub seat_factor: f64,
}

/// What a vehicle offers the planner's skills.
pub(crate) fn skills(v: &Vehicle) -> Skills {
    let mut s = Skills::NONE;
    if v.negative_pressure() {
        s = s.union(Skills::NEGATIVE_PRESSURE);
    }
    if v.accessible() {
        s = s.union(Skills::WHEELCHAIR);
    }
    s
}

/// Travelers a vehicle may carry after distancing: its seats divided by the seat factor,
/// rounded down.
pub fn capacity(v: &Vehicle, seat_factor: f64) -> u32 {
    let c = (f64::from(v.seats) / seat_factor.max(1.0)).floor();
    if c.is_finite() { c.max(0.0) as u32 } else { 0 }
}

impl<'a> Fleet<'a> {
    pub fn new(ctx: &Ctx<'a>) -> Fleet<'a> {
        let mut vehicles: Vec<&Vehicle> = ctx
            .day
            .vehicles
            .iter()
            .filter(|v| v.blocked.is_none())
            .collect();
        vehicles.sort_by(|a, b| a.code.cmp(&b.code));
        let free_from = vehicles
            .iter()
            .map(|v| ctx.clock(v.available_from))
            .collect();
        let mut fleet = Fleet {
            busy: vec![Vec::new(); vehicles.len()],
            vehicles,
            free_from,
            seat_factor: ctx.day.policy.seat_factor,
        };
        for v in 0..fleet.vehicles.len() {
            let spans = ctx.booked.vehicles.get(&fleet.vehicles[v].code);
            for &(leave, ready) in spans.into_iter().flatten() {
                fleet.book(v, ctx.clock(leave), ctx.clock(ready));
            }
        }
        fleet
    }

    /// Books a planned trip of vehicle `v`.
    pub fn book(&mut self, v: usize, leave_base: f64, ready_again: f64) {
        self.free_from[v] = self.free_from[v].max(ready_again);
        self.busy[v].push((leave_base, ready_again));
    }

    /// Whether `v` is free from `from` to `to` (minutes), apart from its planned trips.
    pub fn clear(&self, v: usize, from: f64, to: f64) -> bool {
        self.busy[v]
            .iter()
            .all(|&(a, b)| to <= a + super::TOL || from + super::TOL >= b)
    }

    /// The gap in `v`'s day in which a trip leaving its base by `latest` fits: from the end of
    /// its last trip back by then (or its availability) to the start of its next trip (or the
    /// end of its availability).
    fn gap(&self, ctx: &Ctx, v: usize, latest: f64) -> (f64, f64) {
        let veh = self.vehicles[v];
        let mut start = ctx.clock(veh.available_from);
        let mut end = ctx.clock(veh.available_until);
        for &(_, b) in &self.busy[v] {
            if b <= latest {
                start = start.max(b);
            }
        }
        for &(a, _) in &self.busy[v] {
            if a >= start {
                end = end.min(a);
            }
        }
        (start, end)
    }

    pub fn capacity(&self, v: usize) -> u32 {
        capacity(self.vehicles[v], self.seat_factor)
    }

    /// Costs: the ambulance and the accessible vans cost more per km, so the planner keeps
    /// them for those who need them when an ordinary vehicle will do.
    fn vehicle_type(&self, v: usize, start: f64, end: f64, trips: usize, turn: f64) -> VehicleType {
        let veh = self.vehicles[v];
        let per_km = if veh.negative_pressure() {
            5.0
        } else if veh.accessible() {
            2.0
        } else {
            1.0
        };
        VehicleType {
            name: veh.code.to_string(),
            count: 1,
            capacity: self.capacity(v),
            skills: skills(veh),
            shift_start: start,
            shift_end: end,
            fixed_cost: 0.0,
            cost_per_distance: per_km,
            cost_per_time: 0.0,
            max_trips: trips,
            turnaround: turn,
        }
    }

    /// The vehicles based at `port`, as vehicle types of a problem whose depot is the port
    /// and whose travelers leave by `latest`: many trips each, the disinfection between, in
    /// the gap of the vehicle's day around then (a trip planned for an earlier ready time may
    /// leave later than this one's travelers are ready), the last one disinfected before the
    /// next planned trip or the end of its availability. Returns the types and, per type, the
    /// vehicle's index here.
    pub fn at_port(
        &self,
        ctx: &Ctx,
        port: &PortCode,
        disinfection: f64,
        latest: f64,
    ) -> (Vec<VehicleType>, Vec<usize>) {
        let mut types = Vec::new();
        let mut index = Vec::new();
        for (i, v) in self.vehicles.iter().enumerate() {
            if &v.base != port {
                continue;
            }
            let (start, until) = self.gap(ctx, i, latest);
            let end = until - disinfection;
            if end <= start || self.capacity(i) == 0 {
                continue;
            }
            types.push(self.vehicle_type(i, start, end, MAX_TRIPS, disinfection));
            index.push(i);
        }
        (types, index)
    }

    /// Every vehicle, for a problem whose depot is a hotel: one trip each, in the gap of its
    /// day around the release (travelers ready at `ready`, leaving by `ready + wait`), from
    /// its base and back there, disinfected, before its next trip. The shift is in the
    /// hotel's frame: the drives from and back to the base are taken off.
    pub fn at_hotel(
        &self,
        ctx: &Ctx,
        hotel: Point,
        disinfection: f64,
        (ready, wait): (f64, f64),
    ) -> (Vec<VehicleType>, Vec<usize>) {
        let mut types = Vec::new();
        let mut index = Vec::new();
        for (i, v) in self.vehicles.iter().enumerate() {
            let Some(base) = ctx.day.port(&v.base).map(|p| p.location) else {
                continue;
            };
            let there = ctx.travel.leg(base, hotel).minutes;
            let back = ctx.travel.leg(hotel, base).minutes;
            if !(there.is_finite() && back.is_finite()) {
                continue;
            }
            let (free, until) = self.gap(ctx, i, ready + wait - there);
            let start = free + there;
            let end = until - disinfection - back;
            if end <= start || self.capacity(i) == 0 {
                continue;
            }
            types.push(self.vehicle_type(i, start, end, 1, 0.0));
            index.push(i);
        }
        (types, index)
    }
}
