//! The custody rows `ledger verify` cross-checks against the entries
//! ([`closedloop_ledger::crosscheck`], which decides): one query per table, every row, each
//! coded column read by the store's own readers and put in the ledger's words by the same
//! mappings its writers use when they append (a role code becomes the entry's party, an
//! incident's kind its ledger category, a check-list's stored subject its ledger subject). A
//! value no writer stores becomes [`Unreadable`] — a row the cross-check names — never an error.

use crate::custody::{handover_place, ledger_batch, ledger_party, stored_role};
use crate::desk::gate::missing_id;
use crate::desk::trip::parse_state;
use crate::desk::{IncidentStatus, LoopState, checklist, incident};
use crate::schema::{
    checklist_instances, gate_decisions, handover_travelers, handovers, incident_crew,
    incident_travelers, incidents, traveler_loops, travelers, trips,
};
use crate::{DbConnection, StoreError};
use chrono::NaiveDateTime;
use closedloop_handover::{ChecklistKind, IncidentKind, Missing, Severity, Subject};
use closedloop_ledger::crosscheck::{
    ChecklistRow, CustodyRows, GateRow, HandoverRow, IncidentRow, LoopRow, Millis, Read,
    TravelerRow, TripRow, Unreadable,
};
use closedloop_ledger::entry::{Id, TripPhase};
use diesel::prelude::*;
use std::collections::HashMap;

fn ms(t: NaiveDateTime) -> Millis {
    t.and_utc().timestamp_millis()
}

fn read<T>(v: Option<T>) -> Read<T> {
    v.ok_or(Unreadable)
}

/// Every custody row, for [`closedloop_ledger::crosscheck::cross_check`]; the ledger table's
/// own columns (`entry_columns`) are left for the caller, who reads them with the entries.
pub fn load_custody_rows(conn: &mut DbConnection) -> Result<CustodyRows, StoreError> {
    Ok(CustodyRows {
        entry_columns: Vec::new(),
        travelers: travelers::table
            .select((travelers::id, travelers::purged_at.is_not_null()))
            .load::<(i64, bool)>(conn)?
            .into_iter()
            .map(|(id, purged)| TravelerRow { id, purged })
            .collect(),
        trips: trips::table
            .select((trips::id, trips::state, trips::started_at, trips::ended_at))
            .load::<(i64, String, NaiveDateTime, NaiveDateTime)>(conn)?
            .into_iter()
            .map(|(id, state, started, ended)| TripRow {
                id,
                state: read(parse_state(&state).map(TripPhase::from)),
                started: ms(started),
                ended: ms(ended),
            })
            .collect(),
        handovers: handover_rows(conn)?,
        handover_travelers: handover_travelers::table
            .select((
                handover_travelers::handover_id,
                handover_travelers::traveler_id,
            ))
            .load(conn)?,
        loops: loop_rows(conn)?,
        incidents: incident_rows(conn)?,
        incident_travelers: incident_travelers::table
            .select((
                incident_travelers::incident_id,
                incident_travelers::traveler_id,
            ))
            .load(conn)?,
        gate_decisions: gate_rows(conn)?,
        checklists: checklist_rows(conn)?,
    })
}

fn handover_rows(conn: &mut DbConnection) -> Result<Vec<HandoverRow>, StoreError> {
    type Row = (
        i64,
        Option<i64>,
        String,
        i64,
        String,
        i64,
        NaiveDateTime,
        Option<f64>,
        Option<f64>,
        i64,
        i64,
        i64,
    );
    let rows: Vec<Row> = handovers::table
        .select((
            handovers::id,
            handovers::trip_id,
            handovers::giver_role,
            handovers::giver_id,
            handovers::receiver_role,
            handovers::receiver_id,
            handovers::at,
            handovers::lat,
            handovers::lon,
            handovers::expected,
            handovers::counted,
            handovers::ledger_seq,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (giver, receiver) = (stored_role(&r.2).ok(), stored_role(&r.4).ok());
            let position = r.7.zip(r.8);
            let place = match (giver, receiver) {
                (Some(g), Some(v)) => handover_place(g, v, position).ok(),
                _ => None,
            };
            let party = |role: Option<_>, id| {
                role.map(|role| ledger_party(crate::custody::PartyKey { role, id }))
            };
            HandoverRow {
                id: r.0,
                ledger_seq: r.11,
                batch: ledger_batch(r.1),
                from: read(party(giver, r.3)),
                to: read(party(receiver, r.5)),
                place: read(place),
                at: ms(r.6),
                expected: r.9,
                counted: r.10,
            }
        })
        .collect())
}

fn loop_rows(conn: &mut DbConnection) -> Result<Vec<LoopRow>, StoreError> {
    type Row = (
        i64,
        String,
        String,
        i64,
        NaiveDateTime,
        Option<i64>,
        Option<i64>,
    );
    let rows: Vec<Row> = traveler_loops::table
        .select((
            traveler_loops::traveler_id,
            traveler_loops::status,
            traveler_loops::party,
            traveler_loops::party_id,
            traveler_loops::since,
            traveler_loops::handover_id,
            traveler_loops::trip_id,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| LoopRow {
            traveler: r.0,
            delivered: read(
                r.1.parse::<LoopState>()
                    .ok()
                    .map(|s| s == LoopState::Delivered),
            ),
            party: read(stored_role(&r.2).ok()),
            party_id: r.3,
            since: ms(r.4),
            handover: r.5,
            trip: r.6,
        })
        .collect())
}

fn incident_rows(conn: &mut DbConnection) -> Result<Vec<IncidentRow>, StoreError> {
    let mut crew: HashMap<i64, Vec<i64>> = HashMap::new();
    for (i, c) in incident_crew::table
        .select((incident_crew::incident_id, incident_crew::crew_id))
        .load::<(i64, i64)>(conn)?
    {
        crew.entry(i).or_default().push(c);
    }
    type Row = (
        i64,
        String,
        String,
        NaiveDateTime,
        Option<f64>,
        Option<f64>,
        Option<i64>,
        Option<i64>,
        String,
        Option<NaiveDateTime>,
        i64,
    );
    let rows: Vec<Row> = incidents::table
        .select((
            incidents::id,
            incidents::kind,
            incidents::severity,
            incidents::at,
            incidents::lat,
            incidents::lon,
            incidents::trip_id,
            incidents::vehicle_id,
            incidents::status,
            incidents::resolved_at,
            incidents::ledger_seq,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut crew = crew.remove(&r.0).unwrap_or_default();
            crew.sort_unstable();
            crew.dedup();
            IncidentRow {
                id: r.0,
                ledger_seq: r.10,
                kind: read(r.1.parse::<IncidentKind>().ok().map(incident::ledger_kind)),
                severity: read(r.2.parse::<Severity>().ok()),
                subject: incident::ledger_subject(r.6, r.7, &crew),
                place: read(incident::ledger_place(r.6, r.4.zip(r.5)).ok()),
                at: ms(r.3),
                resolved: read(
                    r.8.parse::<IncidentStatus>()
                        .ok()
                        .map(|s| s == IncidentStatus::Resolved),
                ),
                resolved_at: r.9.map(ms),
            }
        })
        .collect())
}

fn gate_rows(conn: &mut DbConnection) -> Result<Vec<GateRow>, StoreError> {
    type Row = (i64, i64, String, bool, String, NaiveDateTime, i64);
    let rows: Vec<Row> = gate_decisions::table
        .select((
            gate_decisions::id,
            gate_decisions::trip_id,
            gate_decisions::transition,
            gate_decisions::passed,
            gate_decisions::missing,
            gate_decisions::decided_at,
            gate_decisions::ledger_seq,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let missing = serde_json::from_str::<Vec<Missing>>(&r.4)
                .ok()
                .and_then(|m| {
                    m.iter()
                        .map(|m| missing_id(m).ok())
                        .collect::<Option<Vec<Id>>>()
                })
                .map(|mut ids| {
                    ids.sort_unstable();
                    ids.dedup();
                    ids
                });
            GateRow {
                id: r.0,
                ledger_seq: r.6,
                trip: r.1,
                gate: read(Id::new(r.2).ok()),
                passed: r.3,
                missing: read(missing),
                at: ms(r.5),
            }
        })
        .collect())
}

/// The stored failures as the ledger names them, and whether any is an unknown item; `None`
/// when the stored text is not a list of failures.
fn failures(text: &str) -> Option<(Vec<Id>, bool)> {
    let serde_json::Value::Array(list) = serde_json::from_str(text).ok()? else {
        return None;
    };
    let mut items = Vec::with_capacity(list.len());
    let mut unknown = false;
    for f in &list {
        let item = f.get("item")?.as_str()?;
        match f.get("reason")?.get("reason")?.as_str()? {
            "unknown_item" => unknown = true,
            _ => items.push(item),
        }
    }
    Some((checklist::failed_ids(items), unknown))
}

fn checklist_rows(conn: &mut DbConnection) -> Result<Vec<ChecklistRow>, StoreError> {
    type Row = (
        i64,
        String,
        String,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        String,
        bool,
        String,
        NaiveDateTime,
        Option<i64>,
        i64,
    );
    let rows: Vec<Row> = checklist_instances::table
        .select((
            checklist_instances::id,
            checklist_instances::kind,
            checklist_instances::template_version,
            checklist_instances::crew_id,
            checklist_instances::vehicle_id,
            checklist_instances::trip_id,
            checklist_instances::stop,
            checklist_instances::subject_json,
            checklist_instances::passed,
            checklist_instances::failures,
            checklist_instances::completed_at,
            checklist_instances::completed_by,
            checklist_instances::ledger_seq,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let kind = r.1.parse::<ChecklistKind>().ok();
            let failed = failures(&r.9);
            ChecklistRow {
                id: r.0,
                ledger_seq: r.12,
                checklist: read(kind.map(checklist::ledger_kind)),
                template: read(kind.and_then(|k| checklist::template_id(k, &r.2).ok())),
                subject: read(
                    serde_json::from_str::<Subject>(&r.7)
                        .ok()
                        .and_then(|s| checklist::ledger_subject(&s).ok()),
                ),
                crew: r.3,
                vehicle: r.4,
                trip: r.5,
                stop: r.6,
                completed_by: checklist::completed_by(r.11),
                unknown_items: failed.as_ref().is_some_and(|f| f.1),
                failed_items: read(failed.map(|f| f.0)),
                passed: r.8,
                at: ms(r.10),
            }
        })
        .collect())
}
