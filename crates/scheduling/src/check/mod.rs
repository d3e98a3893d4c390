//! The independent checker: `closedloop plan check`. It reads a day and a plan and names every
//! rule the plan breaks, whoever made it (the planner, a re-plan, a desk editing by hand).
//!
//! It shares no code with what makes plans — neither hotel assignment nor batch forming — only
//! the day's and plan's types and the travel times the plan was made with, so a fault in the
//! planner cannot hide itself here. Rules, by module:
//!
//! - [`people`]: everyone due (each arriving traveler, each stay released today under home
//!   days) appears exactly once, assigned or unplaced, and no unplaced reason is one the day
//!   contradicts; codes resolve; the destination follows the policy (sick → hospital, home →
//!   home, otherwise hotel); stays match the hotel assignments and cover the policy's nights;
//!   every hotel night within its rooms and accessible rooms (held rooms and running stays
//!   included, families sharing); no booking in a closed hotel; a group in one hotel;
//! - [`batches`]: each batch on its own — origin, cohorts, the sick apart and in a
//!   negative-pressure vehicle, special groups in an accessible vehicle with an escort and the
//!   shorter ride, ride and port-wait limits, seats after distancing, ETAs the roads allow,
//!   drop-offs at the assigned place, a driver, the turnaround; and a group in one batch;
//! - [`resources`]: vehicles and crew across the day — known, not blocked, within availability
//!   and shifts, never on two batches at once, the disinfection turnaround and crew rest;
//! - [`kpis`]: the plan's KPIs are what its batches give.
//!
//! Times are compared with a tolerance of [`TOLERANCE_MIN`] (1 minute): plans print minutes,
//! travel models round, and a rule broken by seconds is not worth the desk's attention.
//! Output is sorted (code, subject, text) and free of duplicates, so the same day and plan
//! always give the same list.

mod batches;
mod kpis;
mod people;
mod resources;
mod roadside;

use crate::ids::{ArrivalCode, BatchCode, CrewCode, TravelerCode, VehicleCode};
use crate::plan::{Batch, PLAN_FORMAT, Place, Plan};
use crate::problem::{Arrival, CrewMember, Day, Point, Stay, Traveler, Vehicle};
use crate::travel::TravelTimes;
use chrono::NaiveDateTime;
use serde::Serialize;
use std::collections::BTreeMap;

/// Every code the checker reports, sorted: the table in `docs/scheduling.md` lists each with
/// its rule, and a test keeps the three (this list, the rules, the table) in step.
pub const CODES: [&str; 52] = [
    "accessible_room_missing",
    "accessible_rooms_over_capacity",
    "crew_blocked",
    "crew_off_shift",
    "crew_overlap",
    "crew_rest_short",
    "departs_before_ready",
    "duplicate_batch",
    "eta_too_early",
    "group_split_batches",
    "group_split_hotels",
    "home_not_located",
    "hotel_closed",
    "hotel_over_capacity",
    "kpis_mismatch",
    "mixed_arrivals",
    "no_driver",
    "no_escort",
    "not_on_batch",
    "over_seats",
    "plan_header",
    "port_wait_too_long",
    "ready_again_too_early",
    "replacement_too_early",
    "ride_too_long",
    "rider_not_assigned",
    "rides_twice",
    "roadside_mismatch",
    "sick_not_negative_pressure",
    "sick_shares_vehicle",
    "special_not_accessible",
    "special_ride_too_long",
    "stay_mismatch",
    "stay_missing",
    "stay_nights",
    "traveler_duplicated",
    "traveler_missing",
    "traveler_not_due",
    "unknown_batch",
    "unknown_crew",
    "unknown_hospital",
    "unknown_hotel",
    "unknown_port",
    "unknown_traveler",
    "unknown_vehicle",
    "unplaced_reason_false",
    "vehicle_blocked",
    "vehicle_overlap",
    "vehicle_unavailable",
    "wrong_destination",
    "wrong_drop_off",
    "wrong_origin",
];

/// Minutes of slack on every time comparison.
pub const TOLERANCE_MIN: f64 = 1.0;

/// One rule broken, named by a stable code, about one subject (a batch, traveler, hotel,
/// vehicle or crew code; a group as `arrival:group`), in English and Chinese.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Violation {
    pub code: &'static str,
    pub subject: String,
    pub en: String,
    pub zh: String,
}

impl Violation {
    fn new(code: &'static str, subject: impl ToString, en: String, zh: String) -> Violation {
        Violation {
            code,
            subject: subject.to_string(),
            en,
            zh,
        }
    }
}

/// Every rule `plan` breaks for `day`, sorted; empty when it keeps them all.
pub fn check(day: &Day, plan: &Plan, travel: &dyn TravelTimes) -> Vec<Violation> {
    let ctx = Ctx::new(day, plan, travel);
    let mut out = Vec::new();
    header(&ctx, &mut out);
    people::check(&ctx, &mut out);
    batches::check(&ctx, &mut out);
    resources::check(&ctx, &mut out);
    roadside::check(&ctx, &mut out);
    kpis::check(&ctx, &mut out);
    out.sort();
    out.dedup();
    out
}

fn header(ctx: &Ctx, out: &mut Vec<Violation>) {
    let (day, plan) = (ctx.day, ctx.plan);
    let mut wrong = Vec::new();
    if plan.format != PLAN_FORMAT {
        wrong.push(format!("format {:?} is not {PLAN_FORMAT:?}", plan.format));
    }
    if plan.date != day.date {
        wrong.push(format!("date {} is not the day's {}", plan.date, day.date));
    }
    if plan.policy != day.policy.version {
        wrong.push(format!(
            "policy {:?} is not the day's {:?}",
            plan.policy, day.policy.version
        ));
    }
    if !wrong.is_empty() {
        let what = wrong.join("; ");
        out.push(Violation::new(
            "plan_header",
            "plan",
            format!("the plan is not for this day: {what}"),
            format!("计划与计划日不符：{what}"),
        ));
    }
}

/// Where a traveler of the day comes from.
#[derive(Clone, Copy)]
pub(crate) enum Source<'a> {
    Arrival(&'a Arrival),
    Stay(&'a Stay),
}

#[derive(Clone, Copy)]
pub(crate) struct Who<'a> {
    pub t: &'a Traveler,
    pub source: Source<'a>,
}

impl<'a> Who<'a> {
    pub fn arrival(&self) -> Option<&'a Arrival> {
        match self.source {
            Source::Arrival(a) => Some(a),
            Source::Stay(_) => None,
        }
    }

    /// Their family or group, named so that groups of different arrivals never merge.
    pub fn group_key(&self) -> Option<(Option<&'a ArrivalCode>, &'a str)> {
        let g = self.t.group.as_deref()?;
        Some((self.arrival().map(|a| &a.code), g))
    }
}

pub(crate) fn group_name(key: &(Option<&ArrivalCode>, &str)) -> String {
    match key.0 {
        Some(a) => format!("{a}:{}", key.1),
        None => key.1.to_string(),
    }
}

/// A batch with what the rules about time need: when it leaves its vehicle's base and when it
/// is back there (before disinfection).
pub(crate) struct Trip<'a> {
    pub batch: &'a Batch,
    pub vehicle: Option<&'a Vehicle>,
    pub start: NaiveDateTime,
    pub back: NaiveDateTime,
}

/// What every rule looks up, built once.
pub(crate) struct Ctx<'a> {
    pub day: &'a Day,
    pub plan: &'a Plan,
    pub travel: &'a dyn TravelTimes,
    pub people: BTreeMap<&'a TravelerCode, Who<'a>>,
    pub vehicles: BTreeMap<&'a VehicleCode, &'a Vehicle>,
    pub crew: BTreeMap<&'a CrewCode, &'a CrewMember>,
    /// The first batch of each code (a repeated code is itself a violation).
    pub batches: BTreeMap<&'a BatchCode, &'a Batch>,
    pub trips: Vec<Trip<'a>>,
    /// The batch each batch's riders boarded ([`roadside::boarding`]).
    pub boarding: BTreeMap<&'a BatchCode, Option<&'a Batch>>,
}

impl<'a> Ctx<'a> {
    fn new(day: &'a Day, plan: &'a Plan, travel: &'a dyn TravelTimes) -> Ctx<'a> {
        let mut people = BTreeMap::new();
        for a in &day.arrivals {
            for t in &a.travelers {
                people.entry(&t.code).or_insert(Who {
                    t,
                    source: Source::Arrival(a),
                });
            }
        }
        for s in &day.stays {
            people.entry(&s.traveler.code).or_insert(Who {
                t: &s.traveler,
                source: Source::Stay(s),
            });
        }
        let mut batches = BTreeMap::new();
        for b in &plan.batches {
            batches.entry(&b.code).or_insert(b);
        }
        let mut ctx = Ctx {
            day,
            plan,
            travel,
            people,
            vehicles: day.vehicles.iter().map(|v| (&v.code, v)).collect(),
            crew: day.crew.iter().map(|c| (&c.code, c)).collect(),
            batches,
            trips: Vec::new(),
            boarding: roadside::boarding(plan),
        };
        ctx.trips = plan.batches.iter().map(|b| ctx.trip(b)).collect();
        ctx
    }

    fn trip(&self, batch: &'a Batch) -> Trip<'a> {
        let vehicle = self.vehicles.get(&batch.vehicle).copied();
        let base = vehicle
            .and_then(|v| self.day.port(&v.base))
            .map(|p| p.location);
        let origin = self.location(&batch.origin);
        let start = batch
            .depart
            .checked_sub_signed(duration(self.drive(base, origin)))
            .unwrap_or(batch.depart);
        let (last_at, last_place) = match batch.stops.last() {
            Some(s) => (s.eta, self.location(&s.place)),
            None => (batch.depart, origin),
        };
        let back = last_at
            .checked_add_signed(duration(self.drive(last_place, base)))
            .unwrap_or(last_at);
        Trip {
            batch,
            vehicle,
            start,
            back,
        }
    }

    /// Where a place is, when the day knows it.
    pub fn location(&self, place: &Place) -> Option<Point> {
        match place {
            Place::Port { code } => self.day.port(code).map(|p| p.location),
            Place::Hotel { code } => self.day.hotel(code).map(|h| h.location),
            Place::Hospital { code } => self
                .day
                .hospitals
                .iter()
                .find(|h| &h.code == code)
                .map(|h| h.location),
            Place::Home { traveler } => self.people.get(traveler)?.t.home.as_ref()?.location,
            Place::Roadside { lat, lon, .. } => Some(Point {
                lat: lat.0,
                lon: lon.0,
            }),
        }
    }

    /// Minutes of driving between two places; 0 when either is unknown (the unknown code is
    /// its own violation) or the travel model cannot say.
    pub fn drive(&self, from: Option<Point>, to: Option<Point>) -> f64 {
        match (from, to) {
            (Some(a), Some(b)) => {
                let m = self.travel.leg(a, b).minutes;
                if m.is_finite() && m > 0.0 { m } else { 0.0 }
            }
            _ => 0.0,
        }
    }

    /// The batch `b`'s riders boarded: `b`, or for a replacement the one that left the port;
    /// none when its roadside origin leads nowhere.
    pub fn boarded(&self, b: &'a Batch) -> Option<&'a Batch> {
        match b.origin {
            // Looked up only for a roadside: a repeated code must not lend a batch another's
            // boarding.
            Place::Roadside { .. } => self.boarding.get(&b.code).copied().flatten(),
            _ => Some(b),
        }
    }

    /// When an arrival's travelers are ready to board.
    pub fn ready(&self, arrival: &Arrival) -> Option<NaiveDateTime> {
        self.day.ready_at(arrival)
    }
}

/// Minutes as a duration, to the second; out-of-range values saturate instead of panicking.
pub(crate) fn duration(minutes: f64) -> chrono::Duration {
    let secs = (minutes * 60.0).round();
    let secs = if secs.is_finite() {
        secs.clamp(-1e12, 1e12) as i64
    } else {
        0
    };
    chrono::Duration::try_seconds(secs).unwrap_or_else(chrono::Duration::zero)
}

/// Minutes from `a` to `b`.
pub(crate) fn minutes(a: NaiveDateTime, b: NaiveDateTime) -> f64 {
    (b - a).num_seconds() as f64 / 60.0
}

/// `t` as the plan prints it, to the minute.
pub(crate) fn hm(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}
