//! Incidents: opened with an Incident ledger entry in the same transaction, listed, and
//! resolved once with a note (resolved is final), with an IncidentResolved entry. The ledger
//! entries carry the kind, severity, subject and keyed traveler references only; the
//! description and the resolution note stay in the database.

use super::{
    Desk, DeskError, Pending, Thing, desk_party, load_trip, millis, naive, not_found, require_crew,
    require_travelers, require_vehicle,
};
use crate::custody::PartyKey;
use crate::query::stored;
use crate::schema::{incident_crew, incident_travelers, incidents};
use crate::{DbConnection, StoreError};
use chrono::{DateTime, NaiveDateTime, Utc};
use closedloop_domain::ids::{BatchId, CrewId, TravelerId, VehicleId};
use closedloop_handover::ids::IncidentId;
use closedloop_handover::incident::{
    IncidentError, IncidentReport, IncidentSubject, happened_aboard, incident_vehicle,
};
use closedloop_handover::{Incident, IncidentKind, Severity};
use closedloop_ledger::Body;
use closedloop_ledger::entry::{
    Coords, Id, Incident as LedgerIncident, IncidentKind as LedgerKind, IncidentResolved, Party,
    Place, PlaceKind, Subject, SubjectKind,
};
use diesel::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct NewIncident {
    pub kind: IncidentKind,
    pub severity: Severity,
    pub at: DateTime<Utc>,
    pub position: Option<(f64, f64)>,
    /// The trip involved; its vehicle is the incident's unless another is named.
    pub trip_id: Option<BatchId>,
    pub vehicle_id: Option<VehicleId>,
    pub travelers: Vec<TravelerId>,
    pub crew: Vec<CrewId>,
    pub description: String,
    /// Who reported it; none for the desk.
    pub reported_by: Option<PartyKey>,
}

/// A stored incident, as `incident list` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentRow {
    pub id: IncidentId,
    pub kind: IncidentKind,
    pub severity: Severity,
    pub at: NaiveDateTime,
    pub trip: Option<BatchId>,
    pub vehicle: Option<VehicleId>,
    pub travelers: Vec<TravelerId>,
    pub crew: Vec<CrewId>,
    pub description: String,
    pub status: IncidentStatus,
    pub resolved_at: Option<NaiveDateTime>,
    pub resolution: Option<String>,
}

/// Whether an incident is still being handled; resolved is final. Stored and serialised as
/// `open` / `resolved`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    Open,
    Resolved,
}

impl IncidentStatus {
    pub fn code(self) -> &'static str {
        match self {
            IncidentStatus::Open => "open",
            IncidentStatus::Resolved => "resolved",
        }
    }
}

impl std::str::FromStr for IncidentStatus {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "open" => Ok(IncidentStatus::Open),
            "resolved" => Ok(IncidentStatus::Resolved),
            _ => Err(()),
        }
    }
}

/// The ledger's coarse categories: a health category, never a diagnosis.
pub(crate) fn ledger_kind(k: IncidentKind) -> LedgerKind {
    match k {
        IncidentKind::TrafficAccident => LedgerKind::TrafficAccident,
        IncidentKind::VehicleBreakdown => LedgerKind::VehicleBreakdown,
        IncidentKind::SymptomaticEnRoute => LedgerKind::HealthAlert,
        IncidentKind::EscapeOrRefusal => LedgerKind::Absconding,
        IncidentKind::ProtectionBreach => LedgerKind::ProtectionBreach,
        IncidentKind::StaffInfection => LedgerKind::StaffExposure,
        IncidentKind::HeadCountMismatch => LedgerKind::HeadCountMismatch,
    }
}

fn reporter(p: Option<PartyKey>) -> Party {
    match p {
        Some(p) => Party {
            role: p.role.into(),
            id: Id::from_key(p.id),
        },
        None => desk_party(),
    }
}

/// What an incident is recorded against, as the ledger names it (the hand-over rules' choice:
/// its trip, else its vehicle, else its first crew member; `crew` sorted).
pub(crate) fn ledger_subject(
    trip: Option<i64>,
    vehicle: Option<i64>,
    crew: &[i64],
) -> Option<Subject> {
    let crew_ids: Vec<CrewId> = crew.iter().map(|&c| CrewId(c)).collect();
    IncidentSubject::of(trip.map(BatchId), vehicle.map(VehicleId), &crew_ids).map(|s| {
        let (kind, id) = match s {
            IncidentSubject::Batch(b) => (SubjectKind::Batch, b.0),
            IncidentSubject::Vehicle(v) => (SubjectKind::Vehicle, v.0),
            IncidentSubject::Crew(c) => (SubjectKind::Crew, c.0),
        };
        Subject {
            kind,
            id: Id::from_key(id),
        }
    })
}

/// Where an incident happened, as the ledger words it: aboard the trip's vehicle or elsewhere,
/// at the position reported; nowhere without one.
pub(crate) fn ledger_place(
    trip: Option<i64>,
    position: Option<(f64, f64)>,
) -> Result<Option<Place>, StoreError> {
    Ok(match position {
        Some((lat, lon)) => Some(Place {
            kind: if happened_aboard(trip.map(BatchId)) {
                PlaceKind::Vehicle
            } else {
                PlaceKind::Other
            },
            id: None,
            coords: Some(Coords::from_degrees(lat, lon)?),
        }),
        None => None,
    })
}

/// Opens an incident inside the caller's desk transaction; returns its id.
pub(crate) fn open_in(
    conn: &mut DbConnection,
    pending: &mut Pending<'_>,
    i: &NewIncident,
) -> Result<i64, StoreError> {
    if i.description.trim().is_empty() {
        return Err(DeskError::EmptyDescription.into());
    }
    let trip_vehicle = match i.trip_id {
        Some(t) => Some(VehicleId(load_trip(conn, t.0)?.vehicle_id)),
        None => None,
    };
    let vehicle = incident_vehicle(i.vehicle_id, trip_vehicle).map(|v| v.0);
    if let Some(v) = vehicle {
        require_vehicle(conn, v)?;
    }
    let mut travelers: Vec<i64> = i.travelers.iter().map(|t| t.0).collect();
    travelers.sort_unstable();
    travelers.dedup();
    let mut crew: Vec<i64> = i.crew.iter().map(|c| c.0).collect();
    crew.sort_unstable();
    crew.dedup();
    require_travelers(conn, &travelers)?;
    require_crew(conn, &crew)?;
    let trip = i.trip_id.map(|b| b.0);
    let mut body = Body::Incident(LedgerIncident {
        incident: ledger_kind(i.kind),
        severity: i.severity,
        subject: ledger_subject(trip, vehicle, &crew),
        place: ledger_place(trip, i.position)?,
        reported_by: reporter(i.reported_by),
        travelers: pending.refs(&travelers),
    });
    body.normalize();
    let seq = pending.append(conn, vec![(millis(i.at)?, body)])?;
    let id = diesel::insert_into(incidents::table)
        .values((
            incidents::kind.eq(i.kind.code()),
            incidents::severity.eq(i.severity.code()),
            incidents::at.eq(naive(i.at)),
            incidents::lat.eq(i.position.map(|p| p.0)),
            incidents::lon.eq(i.position.map(|p| p.1)),
            incidents::trip_id.eq(i.trip_id.map(|t| t.0)),
            incidents::vehicle_id.eq(vehicle),
            incidents::description.eq(i.description.trim()),
            incidents::ledger_seq.eq(seq),
        ))
        .returning(incidents::id)
        .get_result::<i64>(conn)?;
    for t in travelers {
        diesel::insert_into(incident_travelers::table)
            .values((
                incident_travelers::incident_id.eq(id),
                incident_travelers::traveler_id.eq(t),
            ))
            .execute(conn)?;
    }
    for c in crew {
        diesel::insert_into(incident_crew::table)
            .values((
                incident_crew::incident_id.eq(id),
                incident_crew::crew_id.eq(c),
            ))
            .execute(conn)?;
    }
    Ok(id)
}

impl Desk<'_> {
    /// Opens an incident with its ledger entry; returns its id.
    pub fn open_incident(
        &mut self,
        conn: &mut DbConnection,
        i: &NewIncident,
    ) -> Result<IncidentId, StoreError> {
        self.transact(conn, |conn, pending| open_in(conn, pending, i))
            .map(IncidentId)
    }
}

type Row = (
    i64,
    String,
    String,
    NaiveDateTime,
    Option<i64>,
    Option<i64>,
    String,
    String,
    Option<NaiveDateTime>,
    Option<String>,
);

fn select(
    conn: &mut DbConnection,
    id: Option<i64>,
    only_open: bool,
) -> Result<Vec<IncidentRow>, StoreError> {
    let mut q = incidents::table
        .select((
            incidents::id,
            incidents::kind,
            incidents::severity,
            incidents::at,
            incidents::trip_id,
            incidents::vehicle_id,
            incidents::description,
            incidents::status,
            incidents::resolved_at,
            incidents::resolution,
        ))
        .order(incidents::id)
        .into_boxed();
    if let Some(id) = id {
        q = q.filter(incidents::id.eq(id));
    }
    if only_open {
        q = q.filter(incidents::status.eq(IncidentStatus::Open.code()));
    }
    let rows: Vec<Row> = q.load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let travelers: Vec<i64> = incident_travelers::table
            .filter(incident_travelers::incident_id.eq(r.0))
            .select(incident_travelers::traveler_id)
            .order(incident_travelers::traveler_id)
            .load(conn)?;
        let crew: Vec<i64> = incident_crew::table
            .filter(incident_crew::incident_id.eq(r.0))
            .select(incident_crew::crew_id)
            .order(incident_crew::crew_id)
            .load(conn)?;
        let row = format!("incident {}", r.0);
        out.push(IncidentRow {
            id: IncidentId(r.0),
            kind: stored(&row, "kind", &r.1)?,
            severity: stored(&row, "severity", &r.2)?,
            at: r.3,
            trip: r.4.map(BatchId),
            vehicle: r.5.map(VehicleId),
            travelers: travelers.into_iter().map(TravelerId).collect(),
            crew: crew.into_iter().map(CrewId).collect(),
            description: r.6,
            status: stored(&row, "status", &r.7)?,
            resolved_at: r.8,
            resolution: r.9,
        });
    }
    Ok(out)
}

/// Every incident, or only the open ones, oldest first.
pub fn list_incidents(
    conn: &mut DbConnection,
    only_open: bool,
) -> Result<Vec<IncidentRow>, StoreError> {
    select(conn, None, only_open)
}

impl Desk<'_> {
    /// Resolves an open incident with a note of what was done; resolving twice, without a note
    /// or before the report is refused (closedloop_handover's rules). An IncidentResolved
    /// entry pointing at the report's entry is appended in the same transaction; the note
    /// stays in the database (free text may name people).
    pub fn resolve_incident(
        &mut self,
        conn: &mut DbConnection,
        id: IncidentId,
        note: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let id = id.0;
        self.transact(conn, |conn, pending| {
            let row = select(conn, Some(id), false)?
                .pop()
                .ok_or_else(|| not_found(Thing::Incident, id))?;
            if let (Some(at), IncidentStatus::Resolved) = (row.resolved_at, row.status) {
                return Err(DeskError::from(IncidentError::AlreadyResolved {
                    id: row.id,
                    at: at.and_utc(),
                })
                .into());
            }
            let report = IncidentReport {
                kind: row.kind,
                severity: row.severity,
                at: row.at.and_utc(),
                place: None,
                batch: row.trip,
                vehicle: row.vehicle,
                travelers: row.travelers.clone(),
                crew: row.crew.clone(),
                description: row.description.clone(),
            };
            let mut incident = Incident::open(row.id, report);
            incident.resolve(note, at).map_err(DeskError::from)?;
            let report_seq: i64 = incidents::table
                .find(id)
                .select(incidents::ledger_seq)
                .first(conn)?;
            let mut body = Body::IncidentResolved(IncidentResolved {
                report: u64::try_from(report_seq).unwrap_or_default(),
                resolved_by: desk_party(),
                travelers: pending.refs(&row.travelers.iter().map(|t| t.0).collect::<Vec<_>>()),
            });
            body.normalize();
            pending.append(conn, vec![(millis(at)?, body)])?;
            diesel::update(incidents::table.find(id))
                .set((
                    incidents::status.eq(IncidentStatus::Resolved.code()),
                    incidents::resolved_at.eq(Some(naive(at))),
                    incidents::resolution.eq(Some(note.trim())),
                ))
                .execute(conn)?;
            Ok(())
        })
    }
}
