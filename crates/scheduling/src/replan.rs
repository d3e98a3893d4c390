//! Re-planning after an event, like a live dispatch (`closedloop replan`).
//!
//! Everything departing before the freeze (the event's time plus `freeze_minutes`) is
//! **pinned** — departed batches drive on as they are, and so do those about to leave. The
//! rest is re-planned two ways, and the cheaper wins (the second only when the first leaves
//! someone behind, or with `thorough`):
//! - **repair**: the published batches the event does not touch stay as they are, and only
//!   the touched and new travelers are planned, with every vehicle and crew member in the
//!   gaps their pinned and kept batches leave;
//! - **re-plan**: when the repair leaves someone behind, the travelers of the published
//!   batches leaving from their origin nearest their time (within the port wait, a few per
//!   traveler behind) are planned again with them; with `thorough`, every unpinned traveler
//!   with every unpinned resource.
//!
//! The cost of a candidate is its driving (vehicle-minutes from departure to ready again), plus
//! ten thousand for each traveler it cannot place, plus the policy's `change_penalty` for each
//! traveler whose place or batch differs from the published plan — so a change is made only
//! when it buys more than it disrupts (the way Timefold's real-time planning pins and
//! penalises changes). A re-planned batch identical to a published one (same vehicle, same
//! travelers) keeps its code; new batches get codes no published batch has.

use crate::batches::Booked;
use crate::breakdown;
use crate::day::{PlanOptions, assemble, plan_around};
use crate::diff::diff;
use crate::error::DayError;
use crate::event::{Event, What};
use crate::ids::{ArrivalCode, BatchCode, CrewCode, HotelCode, TravelerCode, VehicleCode};
use crate::placement::{Placement, Placements};
use crate::plan::{Batch, Place, Plan, PlannedStay, Reason, Unplaced};
use crate::problem::{Day, Held, Point};
use crate::travel::TravelTimes;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq)]
pub struct ReplanOptions {
    /// Batches departing before the event's time plus this many minutes are kept as they are.
    pub freeze_minutes: u32,
    pub plan: PlanOptions,
    /// Also plan every unpinned traveler again and keep that when it costs less (slower: a
    /// whole day's search).
    pub thorough: bool,
}

impl Default for ReplanOptions {
    fn default() -> Self {
        ReplanOptions {
            freeze_minutes: 30,
            plan: PlanOptions::default(),
            thorough: false,
        }
    }
}

/// The new plan and what it took.
#[derive(Debug, Clone, PartialEq)]
pub struct Replanned {
    /// The day after the event (write it beside the plan: the next re-plan starts from it).
    pub day: Day,
    pub plan: Plan,
    pub pinned: usize,
    /// `repair` or `replan`: the candidate chosen.
    pub chosen: &'static str,
    /// Travelers whose place or batch changed.
    pub changed: usize,
}

const UNPLACED_COST: f64 = 10_000.0;

/// Re-plans `plan` for `day` after `event`. See the module docs.
pub fn replan(
    day: &Day,
    plan: &Plan,
    event: &Event,
    travel: &dyn TravelTimes,
    options: &ReplanOptions,
) -> Result<Replanned, DayError> {
    let mut after = event.apply(day, plan)?;
    let freeze = event.at + Duration::minutes(i64::from(options.freeze_minutes));
    // A breakdown en route: the broken batch's driven part and its replacement are pinned.
    let rescue = match &event.what {
        What::VehicleBreakdown { vehicle, position } => {
            breakdown::rescue(&after, plan, event.at, vehicle, *position, freeze, travel)
        }
        _ => None,
    };
    if let (Some(until), What::VehicleBreakdown { vehicle, .. }) =
        (rescue.as_ref().and_then(|r| r.towed_back), &event.what)
        && let Some(v) = after.vehicles.iter_mut().find(|v| &v.code == vehicle)
    {
        v.available_until = until;
    }
    let touched = touched(&after, event, plan);
    if !matches!(event.what, What::TravelersAdded { .. })
        && let Some((b, t)) = plan
            .batches
            .iter()
            .filter(|b| b.depart < event.at || on_the_road(b))
            .find_map(|b| b.travelers().find(|t| touched.contains(*t)).map(|t| (b, t)))
    {
        return Err(DayError::field(
            "event.what",
            format!(
                "traveler {t} left on batch {} at {}, before the event: what is done stays done (record an incident for a traveler on the road)",
                b.code,
                b.depart.format("%H:%M")
            ),
        ));
    }
    let broken = rescue.as_ref().map(|r| &r.broken);
    let displaced = rescue.as_ref().map(|r| &r.displaced);
    let rescued: Vec<Batch> = rescue
        .iter()
        .flat_map(|r| r.driven.iter().chain(&r.replacement))
        .cloned()
        .collect();
    // Riders fetched from a roadside are on the road whenever the replacement leaves.
    let (mut pinned, open): (Vec<&Batch>, Vec<&Batch>) = plan
        .batches
        .iter()
        .filter(|b| Some(&b.code) != broken)
        .partition(|b| {
            on_the_road(b)
                || (b.depart < freeze
                    && !(b.depart >= event.at
                        && (uses_lost(event, b) || b.travelers().any(|t| touched.contains(t)))))
        });
    pinned.extend(&rescued);
    let (kept, dropped): (Vec<&Batch>, Vec<&Batch>) = open.iter().partition(|b| {
        !b.travelers().any(|t| touched.contains(t))
            && !uses_lost(event, b)
            && !displaced.is_some_and(|d| d.contains(&b.code))
    });
    // Riders no replacement could fetch stay reported, now and in later re-plans: they are on
    // the roadside, not at their port.
    let mut stranded: Vec<Unplaced> = rescue.iter().flat_map(|r| r.unplaced.clone()).collect();
    stranded.extend(
        plan.unplaced
            .iter()
            .filter(|u| matches!(u.reason, Reason::NoReplacement { .. }))
            .cloned(),
    );
    // The repair plans again the travelers the event touched and those of the batches it
    // undid, and of the published plan's unplaced only those of the arrivals concerned (a
    // seat freed on an arrival's batches may take one of them); the others keep their
    // reason. Trying every unplaced traveler again in each repair made one event on a day of
    // 20,000 cost 6 s.
    let concerned: BTreeSet<&ArrivalCode> = plan
        .assignments
        .iter()
        .filter(|a| {
            touched.contains(&a.traveler)
                || dropped
                    .iter()
                    .any(|b| b.travelers().any(|t| t == &a.traveler))
        })
        .filter_map(|a| a.arrival.as_ref())
        .chain(event_arrival(event))
        .collect();
    let present: BTreeSet<&TravelerCode> = after
        .arriving()
        .map(|(_, t)| &t.code)
        .chain(after.stays.iter().map(|s| &s.traveler.code))
        .collect();
    let mut waiting = stranded.clone();
    waiting.extend(
        plan.unplaced
            .iter()
            .filter(|u| {
                present.contains(&u.traveler)
                    && !touched.contains(&u.traveler)
                    && !u.arrival.as_ref().is_some_and(|a| concerned.contains(a))
                    && !waiting.iter().any(|w| w.traveler == u.traveler)
            })
            .cloned()
            .collect::<Vec<_>>(),
    );
    let repair = candidate(
        &after, plan, &pinned, &kept, &waiting, freeze, travel, options,
    )?;
    // Planning everything again costs a whole day's search (a minute on a day of 20,000): it
    // is weighed against the repair when asked to. When the repair leaves someone behind, the
    // batches leaving around those travelers' time are planned again with them instead.
    let left_behind = repair.unplaced.len() > plan.unplaced.len();
    let full = if options.thorough {
        Some(candidate(
            &after,
            plan,
            &pinned,
            &[],
            &stranded,
            freeze,
            travel,
            options,
        )?)
    } else if left_behind {
        let before: BTreeSet<&TravelerCode> = plan.unplaced.iter().map(|u| &u.traveler).collect();
        let behind: BTreeSet<&TravelerCode> = repair
            .unplaced
            .iter()
            .map(|u| &u.traveler)
            .filter(|t| !before.contains(t))
            .collect();
        let away = far_from(&after, &kept, &behind);
        Some(candidate(
            &after, plan, &pinned, &away, &waiting, freeze, travel, options,
        )?)
    } else {
        None
    };
    let repair_cost = cost(&repair, plan, &after);
    let full = full.map(|f| {
        let c = cost(&f, plan, &after);
        (f, c)
    });
    let (mut chosen, changed, name) = match full {
        Some((full, (c, changed))) if c < repair_cost.0 => (full, changed, "replan"),
        _ => (repair, repair_cost.1, "repair"),
    };
    chosen.version = plan.version + 1;
    Ok(Replanned {
        day: after,
        plan: chosen,
        pinned: pinned.len(),
        chosen: name,
        changed,
    })
}

/// Travelers of kept batches planned again with each one left behind, at least: enough
/// neighbours to free a vehicle or two, few enough that the search stays a fraction of a
/// second on a day of 20,000 (every kept batch within the port wait of a bank meant a few
/// hundred batches and two seconds, for a plan no better than the repair).
const NEIGHBOURS_PER_BEHIND: usize = 8;
const NEIGHBOURS_MIN: usize = 40;

/// The kept batches that stay kept when the travelers `behind` are planned again with their
/// neighbours. The neighbours are batches from an origin of theirs (a vehicle serves its own
/// port) leaving within the port wait of when they are ready (their arrival's ready time, or
/// the morning release), nearest in time first, until their riders number
/// [`NEIGHBOURS_PER_BEHIND`] per traveler behind; they may give up their vehicles and crew.
fn far_from<'a>(
    after: &Day,
    kept: &[&'a Batch],
    behind: &BTreeSet<&TravelerCode>,
) -> Vec<&'a Batch> {
    let release = after.date.and_time(chrono::NaiveTime::MIN)
        + Duration::minutes(i64::from(crate::batches::RELEASE_FROM_MINUTES));
    let mut ready: Vec<NaiveDateTime> = Vec::new();
    let mut origins: Vec<Place> = Vec::new();
    for a in after
        .arrivals
        .iter()
        .filter(|a| a.travelers.iter().any(|t| behind.contains(&t.code)))
    {
        ready.extend(after.ready_at(a));
        origins.push(Place::Port {
            code: a.port.clone(),
        });
    }
    for s in after
        .stays
        .iter()
        .filter(|s| behind.contains(&s.traveler.code))
    {
        ready.push(release);
        origins.push(Place::Hotel {
            code: s.hotel.clone(),
        });
    }
    let span = Duration::minutes(i64::from(after.policy.max_port_wait));
    let distance = |b: &Batch| {
        ready
            .iter()
            .map(|r| (b.depart - *r).abs())
            .min()
            .filter(|d| *d <= span)
    };
    let mut near: Vec<(Duration, usize)> = kept
        .iter()
        .enumerate()
        .filter(|(_, b)| origins.contains(&b.origin))
        .filter_map(|(i, b)| distance(b).map(|d| (d, i)))
        .collect();
    near.sort_by_key(|&(d, i)| (d, &kept[i].code));
    let enough = (NEIGHBOURS_PER_BEHIND * behind.len()).max(NEIGHBOURS_MIN);
    let mut released = BTreeSet::new();
    let mut riders = 0;
    for (_, i) in near {
        if riders >= enough {
            break;
        }
        riders += kept[i].head_count();
        released.insert(i);
    }
    kept.iter()
        .enumerate()
        .filter(|(i, _)| !released.contains(i))
        .map(|(_, b)| *b)
        .collect()
}

/// The arrival an event names, if any.
fn event_arrival(event: &Event) -> Option<&ArrivalCode> {
    match &event.what {
        What::ArrivalMoved { arrival, .. } | What::TravelersAdded { arrival, .. } => Some(arrival),
        _ => None,
    }
}

/// A batch using the broken vehicle or the missing crew member after the event.
fn uses_lost(event: &Event, b: &Batch) -> bool {
    match &event.what {
        What::VehicleBreakdown { vehicle, .. } => &b.vehicle == vehicle,
        What::CrewUnavailable { crew } => b.crew.contains(crew),
        What::HotelClosed { hotel } => b
            .stops
            .iter()
            .any(|s| matches!(&s.place, Place::Hotel { code } if code == hotel)),
        _ => false,
    }
}

/// A replacement batch: its riders boarded elsewhere and wait at a roadside.
fn on_the_road(b: &Batch) -> bool {
    matches!(b.origin, Place::Roadside { .. })
}

/// The travelers the event concerns: theirs must be planned again.
fn touched(after: &Day, event: &Event, plan: &Plan) -> BTreeSet<TravelerCode> {
    let mut out = BTreeSet::new();
    let of_arrival = |code: &crate::ids::ArrivalCode, out: &mut BTreeSet<TravelerCode>| {
        for a in after.arrivals.iter().filter(|a| &a.code == code) {
            out.extend(a.travelers.iter().map(|t| t.code.clone()));
        }
    };
    match &event.what {
        What::ArrivalMoved { arrival, .. } => of_arrival(arrival, &mut out),
        // The arrival's batches take the newcomers if they can.
        What::TravelersAdded { arrival, .. } => of_arrival(arrival, &mut out),
        What::TravelersRemoved { travelers } => out.extend(travelers.iter().cloned()),
        What::Symptomatic { traveler } => {
            // Everyone who would have ridden with them.
            for b in plan
                .batches
                .iter()
                .filter(|b| b.travelers().any(|t| t == traveler))
            {
                out.extend(b.travelers().cloned());
            }
            out.insert(traveler.clone());
        }
        What::VehicleBreakdown { .. } | What::CrewUnavailable { .. } | What::HotelClosed { .. } => {
        }
    }
    out
}

/// Pinned and kept batches as they are, the stranded reported, and a plan of everyone else
/// with what they leave free.
#[allow(clippy::too_many_arguments)]
fn candidate(
    after: &Day,
    published: &Plan,
    pinned: &[&Batch],
    kept: &[&Batch],
    stranded: &[Unplaced],
    freeze: NaiveDateTime,
    travel: &dyn TravelTimes,
    options: &ReplanOptions,
) -> Result<Plan, DayError> {
    let fixed: Vec<&Batch> = pinned.iter().chain(kept).copied().collect();
    let mut riders: BTreeSet<&TravelerCode> = fixed.iter().flat_map(|b| b.travelers()).collect();

    let mut rest = after.clone();
    let carried = riders.clone();
    riders.extend(stranded.iter().map(|u| &u.traveler));
    for a in &mut rest.arrivals {
        a.travelers.retain(|t| !riders.contains(&t.code));
    }
    rest.arrivals.retain(|a| !a.travelers.is_empty());
    rest.stays.retain(|s| !riders.contains(&s.traveler.code));
    // When each vehicle and crew member is free of the pinned batches: one pass over them (a
    // scan of the pinned batches per vehicle and per crew member cost half a second on a day
    // of 20,000).
    let mut vehicle_busy: BTreeMap<&VehicleCode, NaiveDateTime> = BTreeMap::new();
    let mut crew_busy: BTreeMap<&CrewCode, NaiveDateTime> = BTreeMap::new();
    for b in pinned {
        let v = vehicle_busy.entry(&b.vehicle).or_insert(b.ready_again);
        *v = (*v).max(b.ready_again);
        for c in &b.crew {
            let t = crew_busy.entry(c).or_insert(b.ready_again);
            *t = (*t).max(b.ready_again);
        }
    }
    for v in &mut rest.vehicles {
        let busy = vehicle_busy.get(&v.code).map_or(freeze, |&t| t.max(freeze));
        v.available_from = v.available_from.max(busy);
        if v.available_until <= v.available_from {
            v.blocked
                .get_or_insert_with(|| "busy until the end of its day".into());
            v.available_until = v.available_from + Duration::minutes(1);
        }
    }
    let rest_minutes = Duration::minutes(i64::from(after.policy.crew_rest));
    for c in &mut rest.crew {
        let busy = crew_busy
            .get(&c.code)
            .map_or(freeze, |&t| (t + rest_minutes).max(freeze));
        c.shift_start = c.shift_start.max(busy);
        if c.shift_end <= c.shift_start {
            c.blocked.get_or_insert_with(|| "off shift".into());
            c.shift_end = c.shift_start + Duration::minutes(1);
        }
    }
    hold_rooms(
        &mut rest,
        published
            .stays
            .iter()
            .filter(|s| carried.contains(&s.traveler)),
    );
    // The kept batches' vehicles and crew serve the others in the gaps of their day.
    let booked = book(after, kept, travel);
    let mut fresh = plan_around(&rest, &booked, travel, &options.plan)?;
    fresh.unplaced.extend(stranded.iter().cloned());
    Ok(merge(after, published, &fixed, fresh))
}

/// The vehicle and crew time the kept batches take: from leaving the vehicle's base (the drive
/// to a hotel origin before `depart`) to ready again.
fn book(day: &Day, kept: &[&Batch], travel: &dyn TravelTimes) -> Booked {
    let bases: BTreeMap<&VehicleCode, Point> = day
        .vehicles
        .iter()
        .filter_map(|v| Some((&v.code, day.port(&v.base)?.location)))
        .collect();
    let mut booked = Booked::default();
    for b in kept {
        let base = bases.get(&b.vehicle).copied();
        let drive = match (base, crate::batches::locate(day, &b.origin)) {
            (Some(from), Some(to)) => travel.leg(from, to).minutes,
            _ => 0.0,
        };
        let drive = if drive.is_finite() {
            drive.max(0.0)
        } else {
            0.0
        };
        let leave = b.depart - Duration::seconds((drive * 60.0).ceil() as i64);
        let span = (leave, b.ready_again);
        booked
            .vehicles
            .entry(b.vehicle.clone())
            .or_default()
            .push(span);
        for c in &b.crew {
            booked.crew.entry(c.clone()).or_default().push(span);
        }
    }
    booked
}

/// The fixed batches and the fresh plan as one plan of the whole day.
fn merge(after: &Day, published: &Plan, fixed: &[&Batch], fresh: Plan) -> Plan {
    let taken: BTreeSet<&BatchCode> = published.batches.iter().map(|b| &b.code).collect();
    let fixed_codes: BTreeSet<&BatchCode> = fixed.iter().map(|b| &b.code).collect();
    // A fresh batch identical to a published one keeps its code; the rest get unused codes.
    let same: BTreeMap<(VehicleCode, Vec<TravelerCode>), &BatchCode> = published
        .batches
        .iter()
        .filter(|b| !fixed_codes.contains(&b.code))
        .map(|b| ((b.vehicle.clone(), sorted(b)), &b.code))
        .collect();
    let mut renamed: BTreeMap<BatchCode, BatchCode> = BTreeMap::new();
    let mut n = 0;
    let mut batches: Vec<Batch> = fixed.iter().map(|b| (*b).clone()).collect();
    for mut b in fresh.batches {
        let code = match same.get(&(b.vehicle.clone(), sorted(&b))) {
            Some(c) => (*c).clone(),
            None => loop {
                n += 1;
                let c = BatchCode::new(format!("{}.{}", b.code, published.version + 1));
                let c = if n > 1 {
                    BatchCode::new(format!("{c}-{n}"))
                } else {
                    c
                };
                if !taken.contains(&c) && !renamed.values().any(|v| v == &c) {
                    break c;
                }
            },
        };
        renamed.insert(b.code.clone(), code.clone());
        b.code = code;
        batches.push(b);
    }
    batches.sort_by(|a, b| (a.depart, &a.code).cmp(&(b.depart, &b.code)));
    let origin: BTreeMap<&TravelerCode, &Place> = batches
        .iter()
        .flat_map(|b| b.travelers().map(move |t| (t, &b.origin)))
        .collect();
    let riders: BTreeSet<&TravelerCode> = fixed.iter().flat_map(|b| b.travelers()).collect();
    let mut placements = Placements::default();
    let fixed_assignments = published
        .assignments
        .iter()
        .filter(|a| riders.contains(&a.traveler));
    for a in fixed_assignments.chain(fresh.assignments.iter()) {
        let Some(from) = origin.get(&a.traveler) else {
            continue;
        };
        placements.placed.push(Placement {
            traveler: a.traveler.clone(),
            arrival: a.arrival.clone(),
            from: (*from).clone(),
            to: a.place.clone(),
        });
    }
    placements.stays.extend(
        published
            .stays
            .iter()
            .filter(|s| riders.contains(&s.traveler))
            .cloned(),
    );
    placements.stays.extend(fresh.stays);
    assemble(after, placements, batches, fresh.unplaced)
}

/// Rooms booked by a plan, held in the day's hotels so that planning again around them does
/// not give them away: a room each (never fewer than the bookings use).
pub(crate) fn hold_rooms<'a>(day: &mut Day, stays: impl Iterator<Item = &'a PlannedStay>) {
    // Stays of one hotel and one span held together: a day of 20,000 stays is a few hundred
    // spans, and one held row per night of each span rather than per stay keeps the best-fit
    // answer (which holds a whole plan's rooms) within milliseconds.
    let index: std::collections::HashMap<&HotelCode, usize> = day
        .hotels
        .iter()
        .enumerate()
        .map(|(i, h)| (&h.code, i))
        .collect();
    let mut spans: BTreeMap<(usize, NaiveDate, NaiveDate), (u32, u32)> = BTreeMap::new();
    for s in stays {
        let Some(&h) = index.get(&s.hotel) else {
            continue;
        };
        let n = spans.entry((h, s.check_in, s.release)).or_default();
        n.0 = n.0.saturating_add(1);
        n.1 = n.1.saturating_add(u32::from(s.accessible));
    }
    for ((h, check_in, release), (rooms, accessible_rooms)) in spans {
        let mut night = check_in;
        while night < release {
            day.hotels[h].held.push(Held {
                night,
                rooms,
                accessible_rooms,
            });
            night = match night.succ_opt() {
                Some(n) => n,
                None => break,
            };
        }
    }
}

fn sorted(b: &Batch) -> Vec<TravelerCode> {
    let mut v: Vec<TravelerCode> = b.travelers().cloned().collect();
    v.sort();
    v
}

/// A candidate's cost, and how many travelers it moves.
fn cost(candidate: &Plan, published: &Plan, day: &Day) -> (f64, usize) {
    let driving: f64 = candidate
        .batches
        .iter()
        .map(|b| (b.ready_again - b.depart).num_minutes() as f64)
        .sum();
    let changed = diff(published, candidate).travelers.len();
    let cost = driving
        + UNPLACED_COST * candidate.unplaced.len() as f64
        + day.policy.change_penalty * changed as f64;
    (cost, changed)
}
