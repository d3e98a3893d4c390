//! The daily report's counts from the store's facts: the day's flows (arrivals, deliveries,
//! releases, incidents), where every traveler stands at the report's instant (from the last
//! hand-over each took part in), and the record's batches, person-trips and claims through
//! `closedloop_handover::record::compute` — the same rule `closedloop record` applies, so the
//! two never disagree.

use super::{
    Arrivals, ByDestination, Cumulative, DailyReport, Flow, HotelFigures, Incidents, LedgerChecked,
    PortFigures, Standing, Window,
};
use crate::custody::Summary;
use chrono::{DateTime, NaiveDateTime, Utc};
use closedloop_domain::Lang;
use closedloop_domain::ids::BatchId;
use closedloop_domain::role::PartyRole;
use closedloop_handover::IncidentKind;
use closedloop_handover::record::{DayFigures, Delivery, IncidentEntry, Record, compute};
use closedloop_store::report::{HandoverFact, ReportFacts};
use std::collections::{BTreeMap, BTreeSet};

/// Where a batch set out from, for the per-origin figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Origin {
    Port(i64),
    Hotel,
    NoTrip,
}

/// The report of `w` from `facts`, the ledger already verified as `ledger`.
pub fn figures(
    w: &Window,
    facts: &ReportFacts,
    ledger: LedgerChecked,
    now: DateTime<Utc>,
) -> DailyReport {
    let origin_of = |h: &HandoverFact| -> Origin {
        let Some(trip) = h.trip else {
            return Origin::NoTrip;
        };
        match facts.trips.iter().find(|t| t.trip == trip) {
            Some(t) if t.origin_hotel.is_some() => Origin::Hotel,
            Some(t) => Origin::Port(t.port_id),
            None => Origin::NoTrip,
        }
    };
    let deliveries: Vec<(Origin, Delivery)> = facts
        .handovers
        .iter()
        .filter(|h| h.receiver.closes_loop())
        .map(|h| {
            let d = Delivery::of_handover(h.id, h.trip.map(BatchId), w.day_of(h.at), h.travelers);
            (origin_of(h), d)
        })
        .collect();
    let all: Vec<Delivery> = deliveries.iter().map(|(_, d)| *d).collect();
    let incidents: Vec<IncidentEntry> = facts
        .incidents
        .iter()
        .map(|i| IncidentEntry {
            day: w.day_of(i.at),
            kind: i.kind,
        })
        .collect();
    let first = all
        .iter()
        .map(|d| d.day)
        .chain(incidents.iter().map(|i| i.day))
        .min()
        .unwrap_or(w.date)
        .min(w.date);
    let record = compute(&all, &incidents, first, w.date);
    let day = record.last().copied().unwrap_or_else(|| empty_day(w));
    let flow_of = |origin: Origin| -> Flow {
        let of: Vec<Delivery> = deliveries
            .iter()
            .filter(|(o, _)| *o == origin)
            .map(|(_, d)| *d)
            .collect();
        let r = compute(&of, &[], w.date, w.date);
        r.last().map_or(Flow::default(), |d| Flow {
            batches: d.batches,
            person_trips: d.person_trips,
        })
    };

    let by_id: BTreeMap<i64, &HandoverFact> = facts.handovers.iter().map(|h| (h.id, h)).collect();
    let released = releases(w, facts, &by_id);
    let (standing, in_hotel) = standing_at(w, facts, &by_id);
    let mut delivered = ByDestination::default();
    let mut received: BTreeMap<i64, u32> = BTreeMap::new();
    for h in facts.handovers.iter().filter(|h| w.on_day(h.at)) {
        match h.receiver {
            PartyRole::HotelStaff => {
                delivered.hotel += h.travelers;
                *received.entry(h.receiver_id).or_default() += h.travelers;
            }
            PartyRole::CommunityStaff => delivered.home += h.travelers,
            PartyRole::HospitalStaff => delivered.hospital += h.travelers,
            PartyRole::Crew | PartyRole::PortStaff => {}
        }
    }
    let arrivals = facts
        .arrivals
        .iter()
        .fold(Arrivals::default(), |a, p| Arrivals {
            arrivals: a.arrivals + p.arrivals,
            travelers: a.travelers + p.travelers,
        });
    let ports = facts
        .ports
        .iter()
        .map(|p| {
            let a = facts.arrivals.iter().find(|a| a.port_id == p.id);
            let f = flow_of(Origin::Port(p.id));
            PortFigures {
                code: p.code.clone(),
                name_en: p.name_en.clone(),
                name_zh: p.name_zh.clone(),
                arrivals: a.map_or(0, |a| a.arrivals),
                travelers: a.map_or(0, |a| a.travelers),
                batches: f.batches,
                person_trips: f.person_trips,
            }
        })
        .collect();
    let hotels = hotels(facts, &received, &released.per_hotel, &in_hotel);
    let incidents = incidents_of(w, facts);
    let cumulative = Cumulative {
        batches: day.total_batches,
        person_trips: day.total_person_trips,
        incidents: day.total_incidents,
        staff_infections: day.total_staff_infections,
        released: released.total,
        zero_infection: day.total_staff_infections == 0,
        zero_incident: day.total_incidents == 0,
        days_since_last_incident: day.days_since_last_incident,
    };
    let mut report = DailyReport {
        date: w.date,
        utc_offset: w.offset.to_string(),
        from: w.from,
        to: w.to,
        as_of: w.as_of,
        complete: now >= w.to,
        generated_at: now,
        ledger,
        arrivals,
        batches: day.batches,
        person_trips: day.person_trips,
        delivered,
        released: released.on_day,
        standing,
        incidents,
        zero_infection: day.staff_infections == 0,
        zero_incident: day.incidents == 0,
        cumulative,
        ports,
        second_transfers: flow_of(Origin::Hotel),
        without_trip: flow_of(Origin::NoTrip),
        hotels,
        summary: Summary {
            en: String::new(),
            zh: String::new(),
        },
    };
    report.summary = Summary {
        en: summary(&report, &record, Lang::En),
        zh: summary(&report, &record, Lang::ZhCn),
    };
    report
}

fn empty_day(w: &Window) -> DayFigures {
    compute(&[], &[], w.date, w.date).days[0]
}

struct Released {
    on_day: u32,
    total: u32,
    per_hotel: BTreeMap<i64, u32>,
}

/// Travelers handed by hotel staff to a crew: on the day (per hotel), and up to its end. Each
/// (traveler, hand-over) is stored once, so these are counts of releases.
fn releases(w: &Window, facts: &ReportFacts, by_id: &BTreeMap<i64, &HandoverFact>) -> Released {
    let mut out = Released {
        on_day: 0,
        total: 0,
        per_hotel: BTreeMap::new(),
    };
    for (_, handover) in &facts.moves {
        let Some(h) = by_id.get(handover) else {
            continue;
        };
        if h.giver != PartyRole::HotelStaff || h.at.and_utc() >= w.to {
            continue;
        }
        out.total += 1;
        if w.on_day(h.at) {
            out.on_day += 1;
            *out.per_hotel.entry(h.giver_id).or_default() += 1;
        }
    }
    out
}

/// Each traveler's last hand-over before `as_of` says where they stand; the travelers in
/// hotel quarantine per hotel beside.
fn standing_at(
    w: &Window,
    facts: &ReportFacts,
    by_id: &BTreeMap<i64, &HandoverFact>,
) -> (Standing, BTreeMap<i64, u32>) {
    let mut last: BTreeMap<i64, (NaiveDateTime, i64)> = BTreeMap::new();
    for &(traveler, handover) in &facts.moves {
        let Some(h) = by_id.get(&handover) else {
            continue;
        };
        if h.at.and_utc() >= w.as_of {
            continue;
        }
        let key = (h.at, h.id);
        let e = last.entry(traveler).or_insert(key);
        *e = (*e).max(key);
    }
    let mut s = Standing::default();
    let mut in_hotel: BTreeMap<i64, u32> = BTreeMap::new();
    for (_, id) in last.values() {
        let h = by_id[id];
        match h.receiver {
            PartyRole::HotelStaff => {
                s.in_hotel_quarantine += 1;
                *in_hotel.entry(h.receiver_id).or_default() += 1;
            }
            PartyRole::CommunityStaff => s.at_home += 1,
            PartyRole::HospitalStaff => s.in_hospital += 1,
            PartyRole::Crew | PartyRole::PortStaff => s.in_transit += 1,
        }
    }
    (s, in_hotel)
}

fn hotels(
    facts: &ReportFacts,
    received: &BTreeMap<i64, u32>,
    released: &BTreeMap<i64, u32>,
    in_hotel: &BTreeMap<i64, u32>,
) -> Vec<HotelFigures> {
    let ids: BTreeSet<i64> = received
        .keys()
        .chain(released.keys())
        .chain(in_hotel.keys())
        .copied()
        .collect();
    let mut rows: Vec<HotelFigures> = ids
        .into_iter()
        .map(|id| {
            let known = facts.hotels.iter().find(|h| h.id == id);
            HotelFigures {
                id,
                code: known.map(|h| h.code.clone()),
                name_en: known.map(|h| h.name_en.clone()),
                name_zh: known.map(|h| h.name_zh.clone()),
                received: received.get(&id).copied().unwrap_or(0),
                released: released.get(&id).copied().unwrap_or(0),
                in_quarantine: in_hotel.get(&id).copied().unwrap_or(0),
            }
        })
        .collect();
    // Known hotels by code, then ids the hotel list does not hold.
    rows.sort_by_key(|h| (h.code.is_none(), h.code.clone(), h.id));
    rows
}

fn incidents_of(w: &Window, facts: &ReportFacts) -> Incidents {
    let mut out = Incidents::default();
    for i in &facts.incidents {
        if w.on_day(i.at) {
            if i.kind == IncidentKind::StaffInfection {
                out.staff_infections += 1;
            } else {
                out.opened += 1;
            }
            *out.by_kind.entry(i.kind.code().to_string()).or_default() += 1;
        }
        if i.resolved_at.is_some_and(|r| w.on_day(r)) {
            out.resolved += 1;
        }
        let opened = i.at.and_utc() < w.as_of;
        let still_open = i.resolved_at.is_none_or(|r| r.and_utc() >= w.as_of);
        if opened && still_open {
            out.open += 1;
        }
    }
    out
}

/// "2021-07-01: 1 arrival, 4 travelers; 1 batch, 4 person-trips; 0 released; at the end of
/// the day 4 in hotel quarantine, …", then the record's claims up to the day.
fn summary(r: &DailyReport, record: &Record, lang: Lang) -> String {
    let s = &r.standing;
    let claims = record.summary(lang);
    let day_claims = |en: bool| match (r.zero_infection, r.zero_incident, en) {
        (true, true, true) => "zero infection, zero incident".to_string(),
        (true, true, false) => "零感染、零事故".to_string(),
        (_, _, true) => format!(
            "{} staff infection(s), {} incident(s)",
            r.incidents.staff_infections, r.incidents.opened
        ),
        (_, _, false) => format!(
            "工作人员感染 {} 例、事故 {} 起",
            r.incidents.staff_infections, r.incidents.opened
        ),
    };
    match lang {
        Lang::En => format!(
            "{}: {} arrival(s) with {} traveler(s); {} batch(es), {} person-trip(s); {} released from hotel quarantine; {}: {} in hotel quarantine, {} at home, {} in hospital, {} in transit; {}. Record {}",
            r.date,
            r.arrivals.arrivals,
            r.arrivals.travelers,
            r.batches,
            r.person_trips,
            r.released,
            if r.complete {
                "at the end of the day"
            } else {
                "so far"
            },
            s.in_hotel_quarantine,
            s.at_home,
            s.in_hospital,
            s.in_transit,
            day_claims(true),
            claims
        ),
        Lang::ZhCn => format!(
            "{}：入境 {} 个航班（车次）{} 人；转运 {} 批次、{} 人次；解除集中隔离 {} 人；{}集中隔离 {} 人、居家 {} 人、定点医院 {} 人、转运途中 {} 人；{}。累计：{}",
            r.date,
            r.arrivals.arrivals,
            r.arrivals.travelers,
            r.batches,
            r.person_trips,
            r.released,
            if r.complete {
                "截至当日 24 时，"
            } else {
                "截至目前，"
            },
            s.in_hotel_quarantine,
            s.at_home,
            s.in_hospital,
            s.in_transit,
            day_claims(false),
            claims
        ),
    }
}
