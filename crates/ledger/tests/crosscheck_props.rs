//! Property tests of the custody cross-check: any honest record — trips departed, travelers
//! handed from the port to their trip's crew and some delivered to hotels, incidents opened and
//! some resolved, some travelers purged — passes, with the rows derived here independently of
//! the module; and any one edit of any table is caught, naming that table.

use closedloop_domain::hash::SplitMix64;
use closedloop_domain::role::PartyRole;
use closedloop_ledger::crosscheck::{
    CustodyRows, EntryColumns, HandoverRow, IncidentRow, LoopRow, Table, TravelerRow, TripRow,
    cross_check,
};
use closedloop_ledger::entry::{
    HandOver, Id, Incident, IncidentKind, IncidentResolved, Party, Place, PlaceKind, Purge,
    PurgeReason, Role, Severity, Subject, SubjectKind, TripPhase, TripState,
};
use closedloop_ledger::testing::sample_pepper;
use closedloop_ledger::{Appender, Body, Entry, TravelerRef, UtcMillis};
use proptest::prelude::*;

const T0: i64 = 1_625_097_600_000;

fn refs(ids: &[i64]) -> Vec<TravelerRef> {
    ids.iter()
        .map(|&t| TravelerRef::from_key(&sample_pepper(), t))
        .collect()
}

fn party(role: Role, id: i64) -> Party {
    Party {
        role,
        id: Id::from_key(id),
    }
}

fn place(kind: PlaceKind) -> Place {
    Place {
        kind,
        id: None,
        coords: None,
    }
}

/// An honest record drawn from `seed`: its entries and the rows the store would keep.
fn record(seed: u64) -> (Vec<Entry>, CustodyRows) {
    let mut rng = SplitMix64::new(seed);
    let travelers = 1 + rng.below(16) as i64;
    let trips = 1 + rng.below(4) as i64;
    let mut a = Appender::new();
    let mut rows = CustodyRows::default();
    let mut clock = T0;
    let append = |a: &mut Appender, body: Body, clock: &mut i64| -> Entry {
        *clock += 60_000;
        a.append(UtcMillis::from_unix_ms(*clock).unwrap(), body)
            .unwrap()
            .entry
    };
    let mut entries = Vec::new();
    let mut handover_id = 0;
    // Travelers ride trip `1 + t % trips`; a trip with nobody stays planned.
    for trip in 1..=trips {
        let riders: Vec<i64> = (1..=travelers).filter(|t| 1 + t % trips == trip).collect();
        if riders.is_empty() {
            rows.trips.push(TripRow {
                id: trip,
                state: Ok(TripPhase::Planned),
                started: T0,
                ended: T0,
            });
            continue;
        }
        let e = append(
            &mut a,
            Body::TripState(TripState {
                batch: Id::from_key(trip),
                from: TripPhase::Planned,
                to: TripPhase::Departed,
                started: UtcMillis::from_unix_ms(clock + 60_000).unwrap(),
                ended: UtcMillis::from_unix_ms(clock + 3_600_000).unwrap(),
                decided_by: party(Role::DispatchDesk, 1),
                travelers: refs(&riders),
            }),
            &mut clock,
        );
        rows.trips.push(TripRow {
            id: trip,
            state: Ok(TripPhase::Departed),
            started: e.at.unix_ms(),
            ended: e.at.unix_ms() + 3_540_000,
        });
        entries.push(e);
        let crew = 100 + trip;
        let mut hand_over = |a: &mut Appender,
                             rows: &mut CustodyRows,
                             entries: &mut Vec<Entry>,
                             clock: &mut i64,
                             from: Party,
                             to: Party,
                             kind: PlaceKind,
                             who: &[i64]| {
            let e = append(
                a,
                Body::HandOver(HandOver {
                    batch: Id::from_key(trip),
                    from: from.clone(),
                    to: to.clone(),
                    place: place(kind),
                    head_count: who.len() as u32,
                    travelers: refs(who),
                    to_batch: None,
                }),
                clock,
            );
            handover_id += 1;
            rows.handovers.push(HandoverRow {
                id: handover_id,
                ledger_seq: e.seq as i64,
                batch: Id::from_key(trip),
                from: Ok(from),
                to: Ok(to),
                place: Ok(place(kind)),
                at: e.at.unix_ms(),
                expected: who.len() as i64,
                counted: who.len() as i64,
            });
            rows.handover_travelers
                .extend(who.iter().map(|&t| (handover_id, t)));
            let at = e.at.unix_ms();
            entries.push(e);
            (handover_id, at)
        };
        let (port, port_at) = hand_over(
            &mut a,
            &mut rows,
            &mut entries,
            &mut clock,
            party(Role::PortStaff, 7),
            party(Role::TransferCrew, crew),
            PlaceKind::Port,
            &riders,
        );
        let delivered: Vec<i64> = riders
            .iter()
            .copied()
            .filter(|_| rng.below(2) == 0)
            .collect();
        let hotel = 1 + rng.below(3) as i64;
        let done = (!delivered.is_empty()).then(|| {
            hand_over(
                &mut a,
                &mut rows,
                &mut entries,
                &mut clock,
                party(Role::TransferCrew, crew),
                party(Role::HotelStaff, hotel),
                PlaceKind::Hotel,
                &delivered,
            )
        });
        for &t in &riders {
            let (delivered, (h, since)) = match done {
                Some(d) if delivered.contains(&t) => (true, d),
                _ => (false, (port, port_at)),
            };
            rows.loops.push(LoopRow {
                traveler: t,
                delivered: Ok(delivered),
                party: Ok(if delivered {
                    PartyRole::HotelStaff
                } else {
                    PartyRole::Crew
                }),
                party_id: if delivered { hotel } else { trip },
                since,
                handover: Some(h),
                trip: Some(trip),
            });
        }
    }
    let incidents = rng.below(4) as i64;
    for id in 1..=incidents {
        let t = 1 + rng.below(travelers as u64) as i64;
        let subject = Some(Subject {
            kind: SubjectKind::Vehicle,
            id: Id::from_key(id),
        });
        let e = append(
            &mut a,
            Body::Incident(Incident {
                incident: IncidentKind::Delay,
                severity: Severity::Minor,
                subject: subject.clone(),
                place: None,
                reported_by: party(Role::DispatchDesk, 1),
                travelers: refs(&[t]),
            }),
            &mut clock,
        );
        let (seq, at) = (e.seq, e.at.unix_ms());
        entries.push(e);
        let resolved = (rng.below(2) == 0).then(|| {
            let e = append(
                &mut a,
                Body::IncidentResolved(IncidentResolved {
                    report: seq,
                    resolved_by: party(Role::DispatchDesk, 1),
                    travelers: refs(&[t]),
                }),
                &mut clock,
            );
            let at = e.at.unix_ms();
            entries.push(e);
            at
        });
        rows.incidents.push(IncidentRow {
            id,
            ledger_seq: seq as i64,
            kind: Ok(IncidentKind::Delay),
            severity: Ok(Severity::Minor),
            subject,
            place: Ok(None),
            at,
            resolved: Ok(resolved.is_some()),
            resolved_at: resolved,
        });
        rows.incident_travelers.push((id, t));
    }
    let purged: Vec<i64> = (1..=travelers).filter(|_| rng.below(3) == 0).collect();
    if !purged.is_empty() {
        entries.push(append(
            &mut a,
            Body::Purge(Purge {
                reason: PurgeReason::RetentionEnded,
                by: party(Role::System, 1),
                travelers: refs(&purged),
            }),
            &mut clock,
        ));
    }
    rows.travelers = (1..=travelers)
        .map(|id| TravelerRow {
            id,
            purged: purged.contains(&id),
        })
        .collect();
    rows.entry_columns = entries
        .iter()
        .map(|e| EntryColumns {
            seq: e.seq as i64,
            kind: e.body.kind().into(),
            at: e.at.unix_ms(),
        })
        .collect();
    (entries, rows)
}

/// One edit of one table, by `which` and `pick`; the table it must be named in, or none when
/// this record has no row to edit that way.
fn edit(rows: &mut CustodyRows, which: u8, pick: usize) -> Option<Table> {
    let n = |len: usize| (len > 0).then(|| pick % len);
    match which {
        0 => {
            let i = n(rows.handovers.len())?;
            rows.handovers[i].counted += 1;
            Some(Table::Handovers)
        }
        1 => {
            let i = n(rows.handovers.len())?;
            let h = rows.handovers.remove(i);
            rows.handover_travelers.retain(|p| p.0 != h.id);
            for l in &mut rows.loops {
                if l.handover == Some(h.id) {
                    l.handover = None;
                }
            }
            Some(Table::Handovers)
        }
        2 => {
            let i = n(rows.handover_travelers.len())?;
            rows.handover_travelers.remove(i);
            Some(Table::HandoverTravelers)
        }
        3 => {
            let i = n(rows.handover_travelers.len())?;
            let (h, _) = rows.handover_travelers[i];
            let outsider = rows
                .travelers
                .iter()
                .map(|t| t.id)
                .find(|t| !rows.handover_travelers.contains(&(h, *t)))?;
            rows.handover_travelers.push((h, outsider));
            Some(Table::HandoverTravelers)
        }
        4 => {
            let i = n(rows.loops.len())?;
            rows.loops.remove(i);
            Some(Table::TravelerLoops)
        }
        5 => {
            let i = n(rows.loops.len())?;
            let l = &mut rows.loops[i];
            l.delivered = Ok(!l.delivered.unwrap());
            Some(Table::TravelerLoops)
        }
        6 => {
            let i = n(rows.loops.len())?;
            rows.loops[i].since += 1;
            Some(Table::TravelerLoops)
        }
        7 => {
            let i = n(rows.trips.len())?;
            let t = &mut rows.trips[i];
            t.state = Ok(if t.state == Ok(TripPhase::Completed) {
                TripPhase::Approved
            } else {
                TripPhase::Completed
            });
            Some(Table::Trips)
        }
        8 => {
            let i = n(rows.incidents.len())?;
            let r = &mut rows.incidents[i];
            let was = r.resolved.unwrap();
            r.resolved = Ok(!was);
            r.resolved_at = if was { None } else { Some(r.at) };
            Some(Table::Incidents)
        }
        9 => {
            let i = n(rows.incidents.len())?;
            let r = rows.incidents.remove(i);
            rows.incident_travelers.retain(|p| p.0 != r.id);
            Some(Table::Incidents)
        }
        10 => {
            let i = n(rows.travelers.len())?;
            rows.travelers[i].purged ^= true;
            Some(Table::Travelers)
        }
        11 => {
            let i = n(rows.entry_columns.len())?;
            rows.entry_columns[i].kind.push('x');
            Some(Table::LedgerEntries)
        }
        _ => {
            let i = n(rows.incident_travelers.len())?;
            rows.incident_travelers.remove(i);
            Some(Table::IncidentTravelers)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn an_honest_record_passes(seed in any::<u64>()) {
        let (entries, rows) = record(seed);
        let checked = cross_check(&entries, &rows, &sample_pepper());
        prop_assert!(checked.is_ok(), "{:?}", checked.err().map(|d| d.first().to_string()));
    }

    #[test]
    fn any_one_edit_is_named_by_its_table(seed in any::<u64>(), which in 0u8..13, pick in any::<usize>()) {
        let (entries, mut rows) = record(seed);
        let Some(table) = edit(&mut rows, which, pick) else { return Ok(()) };
        let found = cross_check(&entries, &rows, &sample_pepper());
        prop_assert!(found.is_err(), "edit {which} of {table} went unnoticed");
        let first = found.unwrap_err().first().clone();
        prop_assert_eq!(first.table, table, "{}", first);
    }
}
