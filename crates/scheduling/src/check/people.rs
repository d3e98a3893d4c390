//! Rules about people and rooms: everyone due appears once, where the policy sends them, and
//! the hotel nights the plan books fit each hotel's calendar.
//!
//! Rooms are counted as the day's rules say, computed here afresh: held rooms, running stays
//! covering the night, and the plan's stays; members of one group (one arrival's `group`; for
//! running stays, one hotel's group of one check-in) share `family_room_size` to a room and
//! their accessible rooms the same way; others have a room each. Only nights the plan books
//! in are judged: a hotel the day file already overfills is not the plan's fault.

use super::{Ctx, Source, Violation, Who, group_name};
use crate::ids::{HotelCode, TravelerCode};
use crate::plan::{Assignment, Place, PlannedStay, Reason, Unplaced};
use chrono::{Days, NaiveDate, NaiveDateTime};
use closedloop_domain::traveler::{DestinationKind, HealthStatus};
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn check(ctx: &Ctx, out: &mut Vec<Violation>) {
    coverage(ctx, out);
    for a in &ctx.plan.assignments {
        destination(ctx, a, out);
    }
    for u in &ctx.plan.unplaced {
        reason(ctx, u, out);
    }
    stays(ctx, out);
    capacity(ctx, out);
    groups_in_one_hotel(ctx, out);
}

/// A reason for leaving someone unplaced that the day itself contradicts: a hospital it has,
/// a home it has located, a hotel night outside the stay they would have, a hotel reason for
/// someone who was never going to a hotel. (Whether a room was truly free is the planner's
/// claim; checking it would mean re-planning, which the checker does not do.)
fn reason(ctx: &Ctx, u: &Unplaced, out: &mut Vec<Violation>) {
    let Some(who) = ctx.people.get(&u.traveler) else {
        return;
    };
    let located = who.t.home.as_ref().and_then(|h| h.location).is_some();
    let false_claim = match &u.reason {
        Reason::NoHospital => expected(who) == "hospital" && !ctx.day.hospitals.is_empty(),
        Reason::HomeNotLocated => located,
        Reason::NoCapacity { night } | Reason::NoAccessibleRoom { night } => {
            match (expected(who), who.arrival()) {
                ("hotel", Some(a)) => {
                    let check_in = a.at.date();
                    let days = i64::from(ctx.day.policy.hotel_days);
                    *night < check_in || (*night - check_in).num_days() >= days
                }
                _ => true,
            }
        }
        Reason::NoVehicle
        | Reason::NoCrew
        | Reason::RideTooLong { .. }
        | Reason::NoReplacement { .. } => false,
    };
    if false_claim {
        let code = &u.traveler;
        let why = u.reason.en();
        let zh = u.reason.zh();
        out.push(Violation::new(
            "unplaced_reason_false",
            code,
            format!(
                "traveler {code} is reported unplaced because {why}, which the day contradicts"
            ),
            format!("旅客 {code} 的未安置原因为“{zh}”，与计划日不符"),
        ));
    }
}

/// Whether a running stay is collected today: released on the day, with home days to follow.
pub(super) fn due_stay(ctx: &Ctx, who: &Who) -> bool {
    match who.source {
        Source::Arrival(_) => true,
        Source::Stay(s) => s.release == ctx.day.date && ctx.day.policy.home_days > 0,
    }
}

fn coverage(ctx: &Ctx, out: &mut Vec<Violation>) {
    let mut seen: BTreeMap<&TravelerCode, usize> = BTreeMap::new();
    let named = ctx
        .plan
        .assignments
        .iter()
        .map(|a| &a.traveler)
        .chain(ctx.plan.unplaced.iter().map(|u| &u.traveler));
    for code in named {
        *seen.entry(code).or_default() += 1;
    }
    for (code, who) in &ctx.people {
        let n = seen.get(code).copied().unwrap_or(0);
        if due_stay(ctx, who) {
            if n == 0 {
                out.push(Violation::new(
                    "traveler_missing",
                    code,
                    format!("traveler {code} is neither assigned nor reported unplaced"),
                    format!("旅客 {code} 既未安排也未列入未安置名单"),
                ));
            }
        } else if n > 0 {
            out.push(Violation::new(
                "traveler_not_due",
                code,
                format!("traveler {code} is in a hotel and not due for a transfer today"),
                format!("旅客 {code} 正在酒店隔离，今日无需转运"),
            ));
        }
    }
    for (code, n) in seen {
        if n > 1 {
            out.push(Violation::new(
                "traveler_duplicated",
                code,
                format!("traveler {code} appears {n} times among assignments and unplaced"),
                format!("旅客 {code} 在安排和未安置名单中出现 {n} 次"),
            ));
        }
        if !ctx.people.contains_key(code) {
            out.push(unknown_traveler(code));
        }
    }
    for s in &ctx.plan.stays {
        if !ctx.people.contains_key(&s.traveler) {
            out.push(unknown_traveler(&s.traveler));
        }
    }
}

pub(super) fn unknown_traveler(code: &TravelerCode) -> Violation {
    Violation::new(
        "unknown_traveler",
        code,
        format!("no traveler of the day has the code {code}"),
        format!("计划日中没有编码为 {code} 的旅客"),
    )
}

pub(super) fn unknown_hotel(code: &HotelCode) -> Violation {
    Violation::new(
        "unknown_hotel",
        code,
        format!("no hotel of the day has the code {code}"),
        format!("计划日中没有编码为 {code} 的隔离酒店"),
    )
}

/// A place's code resolves, or its violation.
pub(super) fn unknown_place(ctx: &Ctx, place: &Place) -> Option<Violation> {
    match place {
        Place::Port { code } if ctx.day.port(code).is_none() => Some(Violation::new(
            "unknown_port",
            code,
            format!("no port of the day has the code {code}"),
            format!("计划日中没有编码为 {code} 的口岸"),
        )),
        Place::Hotel { code } if ctx.day.hotel(code).is_none() => Some(unknown_hotel(code)),
        Place::Hospital { code } if !ctx.day.hospitals.iter().any(|h| &h.code == code) => {
            Some(Violation::new(
                "unknown_hospital",
                code,
                format!("no designated hospital of the day has the code {code}"),
                format!("计划日中没有编码为 {code} 的定点医院"),
            ))
        }
        Place::Home { traveler } if !ctx.people.contains_key(traveler) => {
            Some(unknown_traveler(traveler))
        }
        _ => None,
    }
}

/// Where the policy sends them, in the words of [`crate::plan::Place`]'s kinds.
fn expected(who: &Who) -> &'static str {
    if let Source::Stay(_) = who.source {
        return "home";
    }
    let t = who.t;
    if t.is_sick() {
        "hospital"
    } else if t.health == HealthStatus::CloseContact {
        "hotel"
    } else {
        match t.destination {
            DestinationKind::Hospital => "hospital",
            DestinationKind::Home => "home",
            DestinationKind::Hotel => "hotel",
        }
    }
}

fn zh_kind(kind: &str) -> &'static str {
    match kind {
        "hospital" => "定点医院",
        "home" => "居家",
        "hotel" => "隔离酒店",
        "roadside" => "路边",
        _ => "口岸",
    }
}

fn destination(ctx: &Ctx, a: &Assignment, out: &mut Vec<Violation>) {
    if let Some(v) = unknown_place(ctx, &a.place) {
        out.push(v);
    }
    let Some(who) = ctx.people.get(&a.traveler) else {
        return;
    };
    let code = &a.traveler;
    let (kind, own) = match &a.place {
        Place::Port { .. } => ("port", true),
        Place::Hotel { .. } => ("hotel", true),
        Place::Hospital { .. } => ("hospital", true),
        Place::Home { traveler } => ("home", traveler == code),
        // Nobody is taken to a roadside: it is where a broken batch ends, never a destination.
        Place::Roadside { .. } => ("roadside", true),
    };
    let want = expected(who);
    if kind != want || !own {
        let (en_to, zh_to) = if own {
            (kind.to_string(), zh_kind(kind).to_string())
        } else {
            (
                "another traveler's home".to_string(),
                "他人住所".to_string(),
            )
        };
        out.push(Violation::new(
            "wrong_destination",
            code,
            format!("traveler {code} must go to {want}, the plan sends them to {en_to}"),
            format!("旅客 {code} 应送往{}，计划却送往{zh_to}", zh_kind(want)),
        ));
    } else if kind == "home" && who.t.home.as_ref().and_then(|h| h.location).is_none() {
        out.push(Violation::new(
            "home_not_located",
            code,
            format!("traveler {code} is sent home, but their home is not on the map"),
            format!("旅客 {code} 被安排回家，但其住址尚未在地图上定位"),
        ));
    }
}

fn stays(ctx: &Ctx, out: &mut Vec<Violation>) {
    let mut by_traveler: BTreeMap<&TravelerCode, Vec<&PlannedStay>> = BTreeMap::new();
    for s in &ctx.plan.stays {
        by_traveler.entry(&s.traveler).or_default().push(s);
    }
    let mut hotel_of: BTreeMap<&TravelerCode, &HotelCode> = BTreeMap::new();
    for a in &ctx.plan.assignments {
        if let Place::Hotel { code } = &a.place {
            hotel_of.insert(&a.traveler, code);
            let booked = by_traveler
                .get(&a.traveler)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            if booked.is_empty() {
                out.push(Violation::new(
                    "stay_missing",
                    &a.traveler,
                    format!(
                        "traveler {} is sent to hotel {code} with no stay booked",
                        a.traveler
                    ),
                    format!("旅客 {} 被送往酒店 {code}，但没有预订住宿", a.traveler),
                ));
            }
        }
    }
    let policy = &ctx.day.policy;
    for s in &ctx.plan.stays {
        let code = &s.traveler;
        if ctx.day.hotel(&s.hotel).is_none() {
            out.push(unknown_hotel(&s.hotel));
        }
        let mismatch = |why: String, zh: String| {
            Violation::new(
                "stay_mismatch",
                code,
                format!("the stay of traveler {code} at {}: {why}", s.hotel),
                format!("旅客 {code} 在 {} 的住宿：{zh}", s.hotel),
            )
        };
        match hotel_of.get(code) {
            None => out.push(mismatch(
                "they are not assigned to a hotel".into(),
                "该旅客未被安排入住酒店".into(),
            )),
            Some(&h) if h != &s.hotel => out.push(mismatch(
                format!("they are assigned to hotel {h}"),
                format!("该旅客被安排在酒店 {h}"),
            )),
            Some(_) => {}
        }
        if by_traveler.get(code).is_some_and(|v| v.len() > 1) {
            out.push(mismatch(
                "more than one stay is booked for them".into(),
                "为其预订了不止一处住宿".into(),
            ));
        }
        let Some(who) = ctx.people.get(code) else {
            continue;
        };
        if s.group.as_deref() != who.t.group.as_deref() {
            out.push(mismatch(
                "its group is not the traveler's".into(),
                "住宿的分组与旅客的分组不符".into(),
            ));
        }
        if let Some(arrival) = who.arrival() {
            let check_in = arrival.at.date();
            let release = check_in.checked_add_days(Days::new(u64::from(policy.hotel_days)));
            if s.check_in != check_in || Some(s.release) != release {
                let want = release.map_or_else(String::new, |r| r.to_string());
                out.push(Violation::new(
                    "stay_nights",
                    code,
                    format!(
                        "the stay of traveler {code} runs {} to {}; the policy's {} nights from the arrival run {check_in} to {want}",
                        s.check_in, s.release, policy.hotel_days
                    ),
                    format!(
                        "旅客 {code} 的住宿为 {} 至 {}；按政策应自入境日起 {} 晚，即 {check_in} 至 {want}",
                        s.check_in, s.release, policy.hotel_days
                    ),
                ));
            }
        }
        if who.t.uses_wheelchair() && !s.accessible {
            out.push(Violation::new(
                "accessible_room_missing",
                code,
                format!("traveler {code} uses a wheelchair but is not booked an accessible room"),
                format!("旅客 {code} 使用轮椅，却未预订无障碍房间"),
            ));
        }
        // Closed since a moment: a batch that left before it still brings its travelers.
        let left_before = |since: NaiveDateTime| {
            ctx.plan
                .assignments
                .iter()
                .find(|a| &a.traveler == code)
                .and_then(|a| ctx.batches.get(&a.batch))
                .is_some_and(|b| ctx.boarded(b).unwrap_or(b).depart < since)
        };
        if ctx
            .day
            .hotel(&s.hotel)
            .is_some_and(|h| !h.open && !h.closed_since.is_some_and(left_before))
        {
            out.push(Violation::new(
                "hotel_closed",
                &s.hotel,
                format!(
                    "hotel {} is closed, yet traveler {code} is booked there",
                    s.hotel
                ),
                format!("酒店 {} 已关闭，却为旅客 {code} 预订了住宿", s.hotel),
            ));
        }
    }
}

/// Rooms and accessible rooms in use per hotel and night.
#[derive(Default, Clone, Copy)]
struct Use {
    rooms: u64,
    accessible: u64,
}

/// Adds `n` people (`w` of them in accessible rooms) to `u`: sharing when grouped.
fn add(u: &mut Use, n: u64, w: u64, grouped: bool, share: u64) {
    if grouped {
        u.rooms += n.div_ceil(share);
        u.accessible += w.div_ceil(share);
    } else {
        u.rooms += n;
        u.accessible += w;
    }
}

fn nights(from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    // Bounded: no stay is longer than a few years, whatever the file says.
    from.iter_days().take_while(move |n| *n < to).take(3660)
}

fn capacity(ctx: &Ctx, out: &mut Vec<Violation>) {
    let day = ctx.day;
    let share = u64::from(day.policy.family_room_size.max(1));
    // (hotel, night) → people: grouped by a key, or alone.
    type Key<'a> = (&'a HotelCode, NaiveDate);
    let mut planned: BTreeMap<Key, Use> = BTreeMap::new();
    let mut groups: BTreeMap<(Key, String), (u64, u64)> = BTreeMap::new();
    for s in &ctx.plan.stays {
        let who = ctx.people.get(&s.traveler);
        let key = who.and_then(|w| w.group_key()).map(|k| group_name(&k));
        let w = u64::from(s.accessible);
        for night in nights(s.check_in, s.release) {
            match &key {
                Some(g) => {
                    let e = groups
                        .entry(((&s.hotel, night), format!("plan {g}")))
                        .or_default();
                    e.0 += 1;
                    e.1 += w;
                }
                None => add(
                    planned.entry((&s.hotel, night)).or_default(),
                    1,
                    w,
                    false,
                    share,
                ),
            }
        }
    }
    for (((hotel, night), _), (n, w)) in std::mem::take(&mut groups) {
        add(
            planned.entry((hotel, night)).or_default(),
            n,
            w,
            true,
            share,
        );
    }
    let mut used = planned.clone();
    for h in &day.hotels {
        for held in &h.held {
            if let Some(u) = used.get_mut(&(&h.code, held.night)) {
                u.rooms += u64::from(held.rooms.max(held.accessible_rooms));
                u.accessible += u64::from(held.accessible_rooms);
            }
        }
    }
    for s in &day.stays {
        let w = u64::from(s.traveler.uses_wheelchair());
        for night in nights(s.check_in, s.release) {
            if !used.contains_key(&(&s.hotel, night)) {
                continue;
            }
            match &s.traveler.group {
                Some(g) => {
                    let e = groups
                        .entry(((&s.hotel, night), format!("stay {} {g}", s.check_in)))
                        .or_default();
                    e.0 += 1;
                    e.1 += w;
                }
                None => {
                    if let Some(u) = used.get_mut(&(&s.hotel, night)) {
                        add(u, 1, w, false, share);
                    }
                }
            }
        }
    }
    for ((key, _), (n, w)) in groups {
        if let Some(u) = used.get_mut(&key) {
            add(u, n, w, true, share);
        }
    }
    for ((code, night), u) in used {
        let Some(h) = day.hotel(code) else { continue };
        if u.rooms > u64::from(h.rooms) {
            out.push(Violation::new(
                "hotel_over_capacity",
                code,
                format!(
                    "hotel {code} has {} rooms in use on the night of {night}, over its {}",
                    u.rooms, h.rooms
                ),
                format!(
                    "酒店 {code} 在 {night} 当晚占用 {} 间房，超过其 {} 间",
                    u.rooms, h.rooms
                ),
            ));
        }
        if u.accessible > u64::from(h.accessible_rooms) {
            out.push(Violation::new(
                "accessible_rooms_over_capacity",
                code,
                format!(
                    "hotel {code} has {} accessible rooms in use on the night of {night}, over its {}",
                    u.accessible, h.accessible_rooms
                ),
                format!(
                    "酒店 {code} 在 {night} 当晚占用 {} 间无障碍房，超过其 {} 间",
                    u.accessible, h.accessible_rooms
                ),
            ));
        }
    }
}

fn groups_in_one_hotel(ctx: &Ctx, out: &mut Vec<Violation>) {
    let mut hotels: BTreeMap<String, BTreeSet<&HotelCode>> = BTreeMap::new();
    for s in &ctx.plan.stays {
        if let Some(key) = ctx.people.get(&s.traveler).and_then(|w| w.group_key()) {
            hotels.entry(group_name(&key)).or_default().insert(&s.hotel);
        }
    }
    for (group, hs) in hotels {
        if hs.len() > 1 {
            let list = hs.iter().map(|h| h.as_str()).collect::<Vec<_>>().join(", ");
            out.push(Violation::new(
                "group_split_hotels",
                &group,
                format!("group {group} is split over hotels {list}"),
                format!("同行组 {group} 被分在多家酒店：{list}"),
            ));
        }
    }
}
