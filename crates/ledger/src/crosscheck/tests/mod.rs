//! A small honest record — a trip departed through its gate, a check-list, two hand-overs (the
//! port's, then a delivery of half the travelers), an incident and its resolution, a purge —
//! and one edit of each kind to each table, each named.

use super::*;
use crate::Appender;
use crate::entry::{
    Body, ChecklistCompleted, ChecklistKind, Coords, Decision, HandOver, IncidentKind,
    IncidentResolved, Party, PlaceKind, Purge, PurgeReason, Role, Severity, SubjectKind, TripPhase,
    TripState,
};
use crate::testing::sample_pepper;
use closedloop_domain::Lang;
use closedloop_domain::role::PartyRole;

const T0: i64 = 1_625_097_600_000; // 2021-07-01T00:00:00Z

fn party(role: Role, id: &str) -> Party {
    Party {
        role,
        id: Id::new(id).unwrap(),
    }
}

fn refs(ids: &[i64]) -> Vec<TravelerRef> {
    let mut v: Vec<TravelerRef> = ids
        .iter()
        .map(|&t| TravelerRef::from_key(&sample_pepper(), t))
        .collect();
    v.sort_unstable();
    v
}

fn batch(id: &str) -> Subject {
    Subject {
        kind: SubjectKind::Batch,
        id: Id::new(id).unwrap(),
    }
}

fn port_place() -> Place {
    Place {
        kind: PlaceKind::Port,
        id: None,
        coords: Some(Coords {
            lat_e6: 31_144_300,
            lon_e6: 121_808_300,
        }),
    }
}

struct World {
    entries: Vec<Entry>,
    rows: CustodyRows,
}

impl World {
    fn honest() -> World {
        let desk = party(Role::DispatchDesk, "desk");
        let bodies: Vec<(i64, Body)> = vec![
            // 0: the departure gate passed, 1: the trip departed.
            (
                T0,
                Body::GateDecision(crate::entry::GateDecision {
                    gate: Id::new("departed").unwrap(),
                    subject: batch("1"),
                    decision: Decision::Pass,
                    missing: vec![],
                    decided_by: desk.clone(),
                    travelers: refs(&[1, 2, 3, 4]),
                }),
            ),
            (
                T0,
                Body::TripState(TripState {
                    batch: Id::new("1").unwrap(),
                    from: TripPhase::Planned,
                    to: TripPhase::Departed,
                    started: UtcMillis::from_unix_ms(T0).unwrap(),
                    ended: UtcMillis::from_unix_ms(T0 + 7_200_000).unwrap(),
                    decided_by: desk.clone(),
                    travelers: refs(&[1, 2, 3, 4]),
                }),
            ),
            // 2: the stop's hand-over check-list, one item failed.
            (
                T0 + 60_000,
                Body::ChecklistCompleted(ChecklistCompleted {
                    checklist: ChecklistKind::PersonHandover,
                    template: Id::new("personnel_handover:2021-06").unwrap(),
                    template_version: 20210601,
                    subject: batch("1:0"),
                    completed_by: desk.clone(),
                    items_total: 6,
                    items_passed: 5,
                    failed_items: vec![Id::new("luggage_handed_over").unwrap()],
                    travelers: refs(&[1, 2, 3, 4]),
                }),
            ),
            // 3: port staff 7 → crew member 5 of batch 1.
            (
                T0 + 120_000,
                Body::HandOver(HandOver {
                    batch: Id::new("1").unwrap(),
                    from: party(Role::PortStaff, "7"),
                    to: party(Role::TransferCrew, "5"),
                    place: port_place(),
                    head_count: 4,
                    travelers: refs(&[1, 2, 3, 4]),
                    to_batch: None,
                }),
            ),
            // 4: crew member 5 → hotel 8 delivers travelers 1 and 2.
            (
                T0 + 3_600_000,
                Body::HandOver(HandOver {
                    batch: Id::new("1").unwrap(),
                    from: party(Role::TransferCrew, "5"),
                    to: party(Role::HotelStaff, "8"),
                    place: Place {
                        kind: PlaceKind::Hotel,
                        id: None,
                        coords: None,
                    },
                    head_count: 2,
                    travelers: refs(&[1, 2]),
                    to_batch: None,
                }),
            ),
            // 5: an incident on the trip about traveler 3, 6: resolved.
            (
                T0 + 4_000_000,
                Body::Incident(crate::entry::Incident {
                    incident: IncidentKind::HealthAlert,
                    severity: Severity::Serious,
                    subject: Some(batch("1")),
                    place: None,
                    reported_by: desk.clone(),
                    travelers: refs(&[3]),
                }),
            ),
            (
                T0 + 5_000_000,
                Body::IncidentResolved(IncidentResolved {
                    report: 5,
                    resolved_by: desk.clone(),
                    travelers: refs(&[3]),
                }),
            ),
            // 7: traveler 1's personal data erased.
            (
                T0 + 6_000_000,
                Body::Purge(Purge {
                    reason: PurgeReason::RetentionEnded,
                    by: party(Role::System, "purge"),
                    travelers: refs(&[1]),
                }),
            ),
        ];
        let mut a = Appender::new();
        let entries: Vec<Entry> = bodies
            .into_iter()
            .map(|(ms, b)| {
                a.append(UtcMillis::from_unix_ms(ms).unwrap(), b)
                    .unwrap()
                    .entry
            })
            .collect();
        let rows = CustodyRows {
            entry_columns: entries
                .iter()
                .map(|e| EntryColumns {
                    seq: e.seq as i64,
                    kind: e.body.kind().into(),
                    at: e.at.unix_ms(),
                })
                .collect(),
            travelers: (1..=4)
                .map(|id| TravelerRow {
                    id,
                    purged: id == 1,
                })
                .collect(),
            trips: vec![TripRow {
                id: 1,
                state: Ok(TripPhase::Departed),
                started: T0,
                ended: T0 + 7_200_000,
            }],
            handovers: vec![
                HandoverRow {
                    id: 1,
                    ledger_seq: 3,
                    batch: Id::new("1").unwrap(),
                    from: Ok(party(Role::PortStaff, "7")),
                    to: Ok(party(Role::TransferCrew, "5")),
                    place: Ok(port_place()),
                    at: T0 + 120_000,
                    expected: 4,
                    counted: 4,
                },
                HandoverRow {
                    id: 2,
                    ledger_seq: 4,
                    batch: Id::new("1").unwrap(),
                    from: Ok(party(Role::TransferCrew, "5")),
                    to: Ok(party(Role::HotelStaff, "8")),
                    place: Ok(Place {
                        kind: PlaceKind::Hotel,
                        id: None,
                        coords: None,
                    }),
                    at: T0 + 3_600_000,
                    expected: 2,
                    counted: 2,
                },
            ],
            handover_travelers: vec![(1, 1), (1, 2), (1, 3), (1, 4), (2, 2), (2, 1)],
            loops: vec![
                loop_row(1, true, PartyRole::HotelStaff, 8, T0 + 3_600_000, 2),
                loop_row(2, true, PartyRole::HotelStaff, 8, T0 + 3_600_000, 2),
                loop_row(3, false, PartyRole::Crew, 1, T0 + 120_000, 1),
                loop_row(4, false, PartyRole::Crew, 1, T0 + 120_000, 1),
            ],
            incidents: vec![IncidentRow {
                id: 1,
                ledger_seq: 5,
                kind: Ok(IncidentKind::HealthAlert),
                severity: Ok(Severity::Serious),
                subject: Some(batch("1")),
                place: Ok(None),
                at: T0 + 4_000_000,
                resolved: Ok(true),
                resolved_at: Some(T0 + 5_000_000),
            }],
            incident_travelers: vec![(1, 3)],
            gate_decisions: vec![GateRow {
                id: 1,
                ledger_seq: 0,
                trip: 1,
                gate: Ok(Id::new("departed").unwrap()),
                passed: true,
                missing: Ok(vec![]),
                at: T0,
            }],
            checklists: vec![ChecklistRow {
                id: 1,
                ledger_seq: 2,
                checklist: Ok(ChecklistKind::PersonHandover),
                template: Ok(Id::new("personnel_handover:2021-06").unwrap()),
                subject: Ok(batch("1:0")),
                crew: None,
                vehicle: None,
                trip: Some(1),
                stop: Some(0),
                completed_by: desk,
                failed_items: Ok(vec![Id::new("luggage_handed_over").unwrap()]),
                unknown_items: false,
                passed: false,
                at: T0 + 60_000,
            }],
        };
        World { entries, rows }
    }

    fn check(&self) -> Result<CrossChecked, Disagreements> {
        cross_check(&self.entries, &self.rows, &sample_pepper())
    }

    /// The first problem after `edit`, which must be in `table`, row `row`, of `change`.
    fn fails(
        edit: impl FnOnce(&mut CustodyRows),
        table: Table,
        row: &str,
        change: Change,
    ) -> CustodyProblem {
        let mut w = World::honest();
        edit(&mut w.rows);
        let d = w.check().expect_err("the edit went unnoticed");
        let p = d.first().clone();
        assert_eq!(
            (p.table, p.row.as_str(), p.change),
            (table, row, change),
            "{}",
            p.message(Lang::En)
        );
        assert!(!p.message(Lang::ZhCn).is_empty() && p.message(Lang::ZhCn) != p.message(Lang::En));
        p
    }
}

fn loop_row(
    traveler: i64,
    delivered: bool,
    party: PartyRole,
    party_id: i64,
    since: i64,
    handover: i64,
) -> LoopRow {
    LoopRow {
        traveler,
        delivered: Ok(delivered),
        party: Ok(party),
        party_id,
        since,
        handover: Some(handover),
        trip: Some(1),
    }
}

#[test]
fn an_honest_record_passes_and_counts_every_row() {
    let checked = World::honest().check().unwrap();
    assert_eq!(checked.total(), 8 + 4 + 1 + 2 + 6 + 4 + 1 + 1 + 1 + 1);
}

#[test]
fn the_ledger_tables_own_columns() {
    let p = World::fails(
        |r| r.entry_columns[3].kind = "incident".into(),
        Table::LedgerEntries,
        "3",
        Change::Changed,
    );
    assert!(p.message(Lang::En).contains("hand_over entry"), "{p}");
    World::fails(
        |r| r.entry_columns[4].at += 1,
        Table::LedgerEntries,
        "4",
        Change::Changed,
    );
}

mod edits;
