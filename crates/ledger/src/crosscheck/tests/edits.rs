//! One edit of each kind to each table, each named by the cross-check.

use super::*;

#[test]
fn hand_overs_added_changed_and_removed() {
    let p = World::fails(
        |r| {
            let mut extra = r.handovers[1].clone();
            extra.id = 3;
            r.handovers.push(extra);
        },
        Table::Handovers,
        "3",
        Change::Added,
    );
    assert!(p.message(Lang::En).contains("is hand-over 2's"), "{p}");
    World::fails(
        |r| r.handovers[0].ledger_seq = 5,
        Table::Handovers,
        "1",
        Change::Added,
    );
    let p = World::fails(
        |r| r.handovers[0].counted = 3,
        Table::Handovers,
        "1",
        Change::Changed,
    );
    assert!(
        p.message(Lang::En)
            .contains("says head count 4, the table 3"),
        "{p}"
    );
    World::fails(
        |r| r.handovers[1].to = Ok(party(Role::HotelStaff, "9")),
        Table::Handovers,
        "2",
        Change::Changed,
    );
    World::fails(
        |r| r.handovers[1].to = Err(Unreadable),
        Table::Handovers,
        "2",
        Change::Changed,
    );
    World::fails(
        |r| r.handovers[0].at -= 1,
        Table::Handovers,
        "1",
        Change::Changed,
    );
    World::fails(
        |r| r.handovers[0].expected = 5,
        Table::Handovers,
        "1",
        Change::Changed,
    );
    let p = World::fails(
        |r| {
            r.handovers.remove(1);
            r.handover_travelers.retain(|p| p.0 != 2);
        },
        Table::Handovers,
        "(entry 4)",
        Change::Removed,
    );
    assert_eq!(p.entry, Some(4));
}

#[test]
fn hand_over_travelers_added_and_removed() {
    let p = World::fails(
        |r| r.handover_travelers.push((2, 3)),
        Table::HandoverTravelers,
        "2/3",
        Change::Added,
    );
    assert!(
        p.message(Lang::En)
            .contains("names 2 travelers, the table 3"),
        "{p}"
    );
    World::fails(
        |r| r.handover_travelers.retain(|&p| p != (1, 4)),
        Table::HandoverTravelers,
        "1/4",
        Change::Removed,
    );
    // Swapped for another: the extra one is named.
    World::fails(
        |r| {
            r.handover_travelers.retain(|&p| p != (2, 2));
            r.handover_travelers.push((2, 4));
        },
        Table::HandoverTravelers,
        "2/4",
        Change::Added,
    );
    World::fails(
        |r| r.handover_travelers.push((9, 1)),
        Table::HandoverTravelers,
        "9/1",
        Change::Added,
    );
}

#[test]
fn loops_added_changed_and_removed() {
    // Traveler 5 exists but no hand-over names them.
    let p = World::fails(
        |r| {
            r.travelers.push(TravelerRow {
                id: 5,
                purged: false,
            });
            r.loops
                .push(loop_row(5, true, PartyRole::HotelStaff, 8, T0, 2));
        },
        Table::TravelerLoops,
        "5",
        Change::Added,
    );
    assert!(
        p.message(Lang::En)
            .contains("traveler 5's loop says delivered, but no hand-over entry names them"),
        "{p}"
    );
    let p = World::fails(
        |r| {
            r.loops[2] = loop_row(3, true, PartyRole::HotelStaff, 8, T0 + 120_000, 1);
        },
        Table::TravelerLoops,
        "3",
        Change::Changed,
    );
    assert!(
        p.message(Lang::En)
            .starts_with("traveler 3's loop says delivered, but no hand-over entry delivers them"),
        "{p}"
    );
    World::fails(
        |r| r.loops[0].delivered = Ok(false),
        Table::TravelerLoops,
        "1",
        Change::Changed,
    );
    World::fails(
        |r| r.loops[3].party_id = 2,
        Table::TravelerLoops,
        "4",
        Change::Changed,
    );
    World::fails(
        |r| r.loops[1].party_id = 9,
        Table::TravelerLoops,
        "2",
        Change::Changed,
    );
    World::fails(
        |r| r.loops[1].since += 60_000,
        Table::TravelerLoops,
        "2",
        Change::Changed,
    );
    World::fails(
        |r| r.loops[1].handover = Some(1),
        Table::TravelerLoops,
        "2",
        Change::Changed,
    );
    World::fails(
        |r| r.loops[2].trip = Some(2),
        Table::TravelerLoops,
        "3",
        Change::Changed,
    );
    let p = World::fails(
        |r| {
            r.loops.remove(3);
        },
        Table::TravelerLoops,
        "4",
        Change::Removed,
    );
    assert!(
        p.message(Lang::En).contains("traveler 4 has no loop"),
        "{p}"
    );
}

#[test]
fn incidents_added_changed_resolved_and_removed() {
    let p = World::fails(
        |r| {
            let mut extra = r.incidents[0].clone();
            extra.id = 2;
            extra.ledger_seq = 4;
            r.incidents.push(extra);
        },
        Table::Incidents,
        "2",
        Change::Added,
    );
    assert!(
        p.message(Lang::En)
            .starts_with("incident 2 is not in the ledger"),
        "{p}"
    );
    World::fails(
        |r| r.incidents[0].severity = Ok(Severity::Minor),
        Table::Incidents,
        "1",
        Change::Changed,
    );
    World::fails(
        |r| r.incidents[0].kind = Err(Unreadable),
        Table::Incidents,
        "1",
        Change::Changed,
    );
    World::fails(
        |r| r.incidents[0].subject = None,
        Table::Incidents,
        "1",
        Change::Changed,
    );
    let p = World::fails(
        |r| {
            r.incidents[0].resolved = Ok(false);
            r.incidents[0].resolved_at = None;
        },
        Table::Incidents,
        "1",
        Change::Changed,
    );
    assert!(
        p.message(Lang::En)
            .contains("says open, but entry seq 6 resolved it"),
        "{p}"
    );
    assert_eq!(p.entry, Some(6));
    World::fails(
        |r| r.incidents[0].resolved_at = Some(T0),
        Table::Incidents,
        "1",
        Change::Changed,
    );
    World::fails(
        |r| {
            r.incidents.clear();
            r.incident_travelers.clear();
        },
        Table::Incidents,
        "(entry 5)",
        Change::Removed,
    );
    World::fails(
        |r| r.incident_travelers.push((1, 4)),
        Table::IncidentTravelers,
        "1/4",
        Change::Added,
    );
    World::fails(
        |r| r.incident_travelers.clear(),
        Table::IncidentTravelers,
        "1/3",
        Change::Removed,
    );
}

#[test]
fn gate_decisions_and_check_lists() {
    World::fails(
        |r| r.gate_decisions[0].passed = false,
        Table::GateDecisions,
        "1",
        Change::Changed,
    );
    World::fails(
        |r| r.gate_decisions[0].missing = Ok(vec![Id::new("crew_health:5").unwrap()]),
        Table::GateDecisions,
        "1",
        Change::Changed,
    );
    World::fails(
        |r| r.gate_decisions[0].trip = 2,
        Table::GateDecisions,
        "1",
        Change::Changed,
    );
    World::fails(
        |r| r.gate_decisions.clear(),
        Table::GateDecisions,
        "(entry 0)",
        Change::Removed,
    );
    let p = World::fails(
        |r| r.checklists[0].passed = true,
        Table::ChecklistInstances,
        "1",
        Change::Changed,
    );
    assert!(p.message(Lang::En).contains("5/6 items passed"), "{p}");
    World::fails(
        |r| r.checklists[0].failed_items = Ok(vec![]),
        Table::ChecklistInstances,
        "1",
        Change::Changed,
    );
    // The column the gates read, against the stored subject that still agrees.
    World::fails(
        |r| r.checklists[0].stop = Some(1),
        Table::ChecklistInstances,
        "1",
        Change::Changed,
    );
    World::fails(
        |r| r.checklists[0].ledger_seq = 0,
        Table::ChecklistInstances,
        "1",
        Change::Added,
    );
    World::fails(
        |r| r.checklists.clear(),
        Table::ChecklistInstances,
        "(entry 2)",
        Change::Removed,
    );
}

#[test]
fn trips_and_travelers() {
    let p = World::fails(
        |r| r.trips[0].state = Ok(TripPhase::Completed),
        Table::Trips,
        "1",
        Change::Changed,
    );
    assert!(
        p.message(Lang::En)
            .contains("trip 1 says completed, but its last state entry (seq 1) says departed"),
        "{p}"
    );
    World::fails(
        |r| r.trips[0].ended += 1_000,
        Table::Trips,
        "1",
        Change::Changed,
    );
    let p = World::fails(
        |r| {
            r.trips.push(TripRow {
                id: 2,
                state: Ok(TripPhase::Departed),
                started: T0,
                ended: T0,
            })
        },
        Table::Trips,
        "2",
        Change::Changed,
    );
    assert!(
        p.message(Lang::En)
            .contains("no entry records a state change"),
        "{p}"
    );
    // A planned trip needs no entry.
    let mut w = World::honest();
    w.rows.trips.push(TripRow {
        id: 2,
        state: Ok(TripPhase::Planned),
        started: T0,
        ended: T0,
    });
    w.check().unwrap();
    World::fails(|r| r.trips.clear(), Table::Trips, "1", Change::Removed);
    World::fails(
        |r| r.travelers[0].purged = false,
        Table::Travelers,
        "1",
        Change::Changed,
    );
    World::fails(
        |r| r.travelers[2].purged = true,
        Table::Travelers,
        "3",
        Change::Changed,
    );
}

#[test]
fn trips_that_changed_before_format_2_are_counted_not_proven() {
    // A trip departed at T0 with no state entry: in a log begun in format 2 that is a row
    // changed without its entry.
    let departed_early = TripRow {
        id: 2,
        state: Ok(TripPhase::Completed),
        started: T0,
        ended: T0 + 60_000,
    };
    let mut w = World::honest();
    w.rows.trips.push(departed_early.clone());
    assert_eq!(w.check().unwrap_err().first().row, "2");
    // The same trip in a log whose entries up to T0 + 60 s are version 1 (written before the
    // ledger recorded trips' states): accepted as stored, and counted.
    let mut w = World::honest();
    w.rows.trips.push(departed_early.clone());
    for e in w
        .entries
        .iter_mut()
        .filter(|e| e.at.unix_ms() <= T0 + 60_000)
    {
        e.links = None;
    }
    assert_eq!(w.check().unwrap().trips_before_v2, 1);
    // A trip whose times reach past the upgrade must have its entry.
    w.rows.trips.last_mut().unwrap().ended = T0 + 120_000;
    assert_eq!(w.check().unwrap_err().first().row, "2");
    assert_eq!(World::honest().check().unwrap().trips_before_v2, 0);
}

#[test]
fn a_traveler_named_by_an_entry_must_exist() {
    // Traveler 4's row gone (and their loop, which would be named first otherwise).
    let p = World::fails(
        |r| {
            r.travelers.retain(|t| t.id != 4);
            r.loops.retain(|l| l.traveler != 4);
        },
        Table::Travelers,
        "?",
        Change::Removed,
    );
    assert!(p.message(Lang::En).contains("not in travelers"), "{p}");
}

#[test]
fn every_disagreement_is_counted_the_first_reported() {
    let mut w = World::honest();
    w.rows.loops.clear();
    w.rows.trips[0].state = Ok(TripPhase::Completed);
    let d = w.check().unwrap_err();
    assert_eq!(d.count(), 1 + 4);
    assert_eq!(d.first().table, Table::Trips);
    assert_eq!(d.first().code(), "custody_row_changed");
}

#[test]
fn a_relief_follows_the_receiving_batch() {
    let mut w = World::honest();
    let mut a = Appender::new();
    for e in &w.entries {
        a.append(e.at, e.body.clone()).unwrap();
    }
    // 8: crew member 5 of batch 1 hands travelers 3 and 4 to crew member 6 of batch 2.
    let relief = a
        .append(
            UtcMillis::from_unix_ms(T0 + 6_500_000).unwrap(),
            Body::HandOver(HandOver {
                batch: Id::new("1").unwrap(),
                from: party(Role::TransferCrew, "5"),
                to: party(Role::TransferCrew, "6"),
                place: Place {
                    kind: PlaceKind::Vehicle,
                    id: None,
                    coords: None,
                },
                head_count: 2,
                travelers: refs(&[3, 4]),
                to_batch: Some(Id::new("2").unwrap()),
            }),
        )
        .unwrap()
        .entry;
    w.rows.entry_columns.push(EntryColumns {
        seq: 8,
        kind: "hand_over".into(),
        at: relief.at.unix_ms(),
    });
    w.entries.push(relief);
    w.rows.handovers.push(HandoverRow {
        id: 3,
        ledger_seq: 8,
        batch: Id::new("1").unwrap(),
        from: Ok(party(Role::TransferCrew, "5")),
        to: Ok(party(Role::TransferCrew, "6")),
        place: Ok(Place {
            kind: PlaceKind::Vehicle,
            id: None,
            coords: None,
        }),
        at: T0 + 6_500_000,
        expected: 2,
        counted: 2,
    });
    w.rows.handover_travelers.extend([(3, 3), (3, 4)]);
    for l in &mut w.rows.loops[2..] {
        *l = LoopRow {
            trip: Some(2),
            ..loop_row(l.traveler, false, PartyRole::Crew, 2, T0 + 6_500_000, 3)
        };
    }
    w.check().unwrap();
    w.rows.loops[3].trip = Some(1);
    w.rows.loops[3].party_id = 1;
    let p = w.check().unwrap_err().first().clone();
    assert_eq!(
        (p.table, p.row.as_str()),
        (Table::TravelerLoops, "4"),
        "{p}"
    );
    assert!(p.message(Lang::En).contains("crew of batch 2"), "{p}");
}
