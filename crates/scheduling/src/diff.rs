//! What changed between two plans of a day (`closedloop plan diff A.json B.json`): who moved
//! where — to another place, another batch, another time, out of the plan or into it — and
//! what happened to each batch (added, removed, another vehicle, other crew, another
//! departure, other stops), each change with its reason in both languages as far as the plans
//! say it (an unplaced traveler's reason; a batch's vehicle swapped).

use crate::ids::{BatchCode, CrewCode, TravelerCode, VehicleCode};
use crate::plan::{Batch, Kpis, Place, Plan, Reason};
use chrono::NaiveDateTime;
use serde::Serialize;
use std::collections::BTreeMap;

/// ETAs closer than this are the same time (ETAs are rounded to minutes).
const SAME_TIME_MINUTES: i64 = 1;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanDiff {
    pub from_version: u32,
    pub to_version: u32,
    pub travelers: Vec<TravelerChange>,
    pub batches: Vec<BatchChange>,
    pub kpis: [Kpis; 2],
}

impl PlanDiff {
    pub fn is_empty(&self) -> bool {
        self.travelers.is_empty() && self.batches.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TravelerChange {
    pub traveler: TravelerCode,
    #[serde(flatten)]
    pub change: Moved,
}

/// How one traveler's plan changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Moved {
    /// Newly placed (added, or unplaced before).
    Placed { to: Place, batch: BatchCode },
    /// No longer placed: now unplaced, with the reason.
    Unplaced { from: Option<Place>, reason: Reason },
    /// In neither list any more (removed from the day).
    Removed { from: Option<Place> },
    /// Another destination.
    Destination { from: Place, to: Place },
    /// Same destination, another batch.
    Batch { from: BatchCode, to: BatchCode },
    /// Moved from a batch that broke down en route to the replacement fetching them from the
    /// roadside; `event` is the event's code (`vehicle_breakdown`).
    Replaced {
        from: BatchCode,
        to: BatchCode,
        vehicle: VehicleCode,
        event: &'static str,
    },
    /// Same batch and destination, another arrival time there.
    Time {
        from: NaiveDateTime,
        to: NaiveDateTime,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchChange {
    pub batch: BatchCode,
    #[serde(flatten)]
    pub change: BatchChanged,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum BatchChanged {
    Added {
        vehicle: VehicleCode,
        travelers: usize,
    },
    Removed {
        vehicle: VehicleCode,
        travelers: usize,
    },
    Vehicle {
        from: VehicleCode,
        to: VehicleCode,
    },
    Crew {
        from: Vec<CrewCode>,
        to: Vec<CrewCode>,
    },
    Departure {
        from: NaiveDateTime,
        to: NaiveDateTime,
    },
    Stops {
        from: usize,
        to: usize,
    },
}

fn place_text(p: &Place) -> String {
    match p {
        Place::Port { code } => format!("port {code}"),
        Place::Hotel { code } => format!("hotel {code}"),
        Place::Hospital { code } => format!("hospital {code}"),
        Place::Home { .. } => "home".into(),
        Place::Roadside { batch, .. } => format!("the roadside where {batch} broke down"),
    }
}

fn place_zh(p: &Place) -> String {
    match p {
        Place::Port { code } => format!("口岸 {code}"),
        Place::Hotel { code } => format!("酒店 {code}"),
        Place::Hospital { code } => format!("医院 {code}"),
        Place::Home { .. } => "家中".into(),
        Place::Roadside { batch, .. } => format!("{batch} 抛锚处"),
    }
}

impl TravelerChange {
    pub fn en(&self) -> String {
        let t = &self.traveler;
        match &self.change {
            Moved::Placed { to, batch } => {
                format!("{t}: now placed, to {} on {batch}", place_text(to))
            }
            Moved::Unplaced { reason, .. } => format!("{t}: no longer placed: {}", reason.en()),
            Moved::Removed { .. } => format!("{t}: no longer in the day"),
            Moved::Destination { from, to } => {
                format!("{t}: {} instead of {}", place_text(to), place_text(from))
            }
            Moved::Batch { from, to } => format!("{t}: rides {to} instead of {from}"),
            Moved::Replaced {
                from,
                to,
                vehicle,
                event,
            } => format!(
                "{t}: fetched from the roadside by {to} ({vehicle}): {from} broke down en route ({event})"
            ),
            Moved::Time { from, to } => {
                format!(
                    "{t}: arrives {} instead of {}",
                    to.format("%H:%M"),
                    from.format("%H:%M")
                )
            }
        }
    }

    pub fn zh(&self) -> String {
        let t = &self.traveler;
        match &self.change {
            Moved::Placed { to, batch } => format!("{t}：新安排，乘 {batch} 前往{}", place_zh(to)),
            Moved::Unplaced { reason, .. } => format!("{t}：不再有安排：{}", reason.zh()),
            Moved::Removed { .. } => format!("{t}：已不在当日名单中"),
            Moved::Destination { from, to } => {
                format!("{t}：改为前往{}（原为{}）", place_zh(to), place_zh(from))
            }
            Moved::Batch { from, to } => format!("{t}：改乘 {to}（原为 {from}）"),
            Moved::Replaced {
                from,
                to,
                vehicle,
                event,
            } => format!("{t}：{from} 途中抛锚（{event}），由 {to}（{vehicle}）在抛锚处接驳"),
            Moved::Time { from, to } => format!(
                "{t}：到达时间改为 {}（原为 {}）",
                to.format("%H:%M"),
                from.format("%H:%M")
            ),
        }
    }
}

impl BatchChange {
    pub fn en(&self) -> String {
        let b = &self.batch;
        match &self.change {
            BatchChanged::Added { vehicle, travelers } => {
                format!("{b}: new, {vehicle} with {travelers} travelers")
            }
            BatchChanged::Removed { vehicle, travelers } => {
                format!("{b}: cancelled ({vehicle}, {travelers} travelers)")
            }
            BatchChanged::Vehicle { from, to } => format!("{b}: vehicle {to} instead of {from}"),
            BatchChanged::Crew { from, to } => {
                format!("{b}: crew {} instead of {}", join(to), join(from))
            }
            BatchChanged::Departure { from, to } => format!(
                "{b}: departs {} instead of {}",
                to.format("%H:%M"),
                from.format("%H:%M")
            ),
            BatchChanged::Stops { from, to } => format!("{b}: {to} stops instead of {from}"),
        }
    }

    pub fn zh(&self) -> String {
        let b = &self.batch;
        match &self.change {
            BatchChanged::Added { vehicle, travelers } => {
                format!("{b}：新增，{vehicle}，{travelers} 名旅客")
            }
            BatchChanged::Removed { vehicle, travelers } => {
                format!("{b}：取消（{vehicle}，{travelers} 名旅客）")
            }
            BatchChanged::Vehicle { from, to } => format!("{b}：改派车辆 {to}（原为 {from}）"),
            BatchChanged::Crew { from, to } => {
                format!("{b}：改派人员 {}（原为 {}）", join(to), join(from))
            }
            BatchChanged::Departure { from, to } => format!(
                "{b}：出发时间改为 {}（原为 {}）",
                to.format("%H:%M"),
                from.format("%H:%M")
            ),
            BatchChanged::Stops { from, to } => {
                format!("{b}：停靠点改为 {to} 个（原为 {from} 个）")
            }
        }
    }
}

fn join(c: &[CrewCode]) -> String {
    c.iter()
        .map(CrewCode::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where a traveler stands in one plan.
struct Standing<'a> {
    place: &'a Place,
    batch: &'a BatchCode,
    eta: Option<NaiveDateTime>,
}

fn standings(plan: &Plan) -> BTreeMap<&TravelerCode, Standing<'_>> {
    let mut eta: BTreeMap<&TravelerCode, NaiveDateTime> = BTreeMap::new();
    for b in &plan.batches {
        for s in &b.stops {
            for t in &s.travelers {
                eta.insert(t, s.eta);
            }
        }
    }
    plan.assignments
        .iter()
        .map(|a| {
            let e = eta.get(&a.traveler).copied();
            (
                &a.traveler,
                Standing {
                    place: &a.place,
                    batch: &a.batch,
                    eta: e,
                },
            )
        })
        .collect()
}

/// The changes from `a` to `b`, travelers and batches each sorted by code.
pub fn diff(a: &Plan, b: &Plan) -> PlanDiff {
    let (sa, sb) = (standings(a), standings(b));
    // A batch of `b` starting at the roadside where another broke down: its replacement.
    let replacing: BTreeMap<&BatchCode, (&BatchCode, &VehicleCode)> = b
        .batches
        .iter()
        .filter_map(|x| match &x.origin {
            Place::Roadside { batch, .. } => Some((&x.code, (batch, &x.vehicle))),
            _ => None,
        })
        .collect();
    let unplaced_b: BTreeMap<&TravelerCode, &Reason> = b
        .unplaced
        .iter()
        .map(|u| (&u.traveler, &u.reason))
        .collect();
    let unplaced_a: BTreeMap<&TravelerCode, &Reason> = a
        .unplaced
        .iter()
        .map(|u| (&u.traveler, &u.reason))
        .collect();
    let mut travelers = Vec::new();
    let mut everyone: Vec<&TravelerCode> = sa
        .keys()
        .chain(sb.keys())
        .chain(unplaced_a.keys())
        .chain(unplaced_b.keys())
        .copied()
        .collect();
    everyone.sort();
    everyone.dedup();
    for t in everyone {
        let change = match (sa.get(t), sb.get(t)) {
            (None, Some(now)) => Some(Moved::Placed {
                to: now.place.clone(),
                batch: now.batch.clone(),
            }),
            (was, None) => {
                let from = was.map(|w| w.place.clone());
                match (unplaced_b.get(t), unplaced_a.get(t)) {
                    (Some(r), Some(before)) if r == before => None,
                    (Some(r), _) => Some(Moved::Unplaced {
                        from,
                        reason: (*r).clone(),
                    }),
                    (None, _) => Some(Moved::Removed { from }),
                }
            }
            (Some(was), Some(now)) => {
                if was.place != now.place {
                    Some(Moved::Destination {
                        from: was.place.clone(),
                        to: now.place.clone(),
                    })
                } else if let Some((broken, vehicle)) = replacing
                    .get(now.batch)
                    .filter(|(broken, _)| *broken == was.batch)
                {
                    Some(Moved::Replaced {
                        from: (*broken).clone(),
                        to: now.batch.clone(),
                        vehicle: (*vehicle).clone(),
                        event: crate::event::BREAKDOWN,
                    })
                } else if was.batch != now.batch {
                    Some(Moved::Batch {
                        from: was.batch.clone(),
                        to: now.batch.clone(),
                    })
                } else {
                    match (was.eta, now.eta) {
                        (Some(x), Some(y)) if (y - x).num_minutes().abs() >= SAME_TIME_MINUTES => {
                            Some(Moved::Time { from: x, to: y })
                        }
                        _ => None,
                    }
                }
            }
        };
        if let Some(change) = change {
            travelers.push(TravelerChange {
                traveler: t.clone(),
                change,
            });
        }
    }
    PlanDiff {
        from_version: a.version,
        to_version: b.version,
        travelers,
        batches: batch_changes(a, b),
        kpis: [a.kpis.clone(), b.kpis.clone()],
    }
}

fn batch_changes(a: &Plan, b: &Plan) -> Vec<BatchChange> {
    let ba: BTreeMap<&BatchCode, &Batch> = a.batches.iter().map(|x| (&x.code, x)).collect();
    let bb: BTreeMap<&BatchCode, &Batch> = b.batches.iter().map(|x| (&x.code, x)).collect();
    let mut codes: Vec<&BatchCode> = ba.keys().chain(bb.keys()).copied().collect();
    codes.sort();
    codes.dedup();
    let mut out = Vec::new();
    for code in codes {
        let push = |out: &mut Vec<BatchChange>, change| {
            out.push(BatchChange {
                batch: code.clone(),
                change,
            })
        };
        match (ba.get(code), bb.get(code)) {
            (None, Some(n)) => push(
                &mut out,
                BatchChanged::Added {
                    vehicle: n.vehicle.clone(),
                    travelers: n.head_count(),
                },
            ),
            (Some(o), None) => push(
                &mut out,
                BatchChanged::Removed {
                    vehicle: o.vehicle.clone(),
                    travelers: o.head_count(),
                },
            ),
            (Some(o), Some(n)) => {
                if o.vehicle != n.vehicle {
                    push(
                        &mut out,
                        BatchChanged::Vehicle {
                            from: o.vehicle.clone(),
                            to: n.vehicle.clone(),
                        },
                    );
                }
                if o.crew != n.crew {
                    push(
                        &mut out,
                        BatchChanged::Crew {
                            from: o.crew.clone(),
                            to: n.crew.clone(),
                        },
                    );
                }
                if (n.depart - o.depart).num_minutes().abs() >= SAME_TIME_MINUTES {
                    push(
                        &mut out,
                        BatchChanged::Departure {
                            from: o.depart,
                            to: n.depart,
                        },
                    );
                }
                let places =
                    |x: &Batch| x.stops.iter().map(|s| s.place.clone()).collect::<Vec<_>>();
                if places(o) != places(n) {
                    push(
                        &mut out,
                        BatchChanged::Stops {
                            from: o.stops.len(),
                            to: n.stops.len(),
                        },
                    );
                }
            }
            (None, None) => {}
        }
    }
    out
}
