//! Incidents: opened with their links (in the ledger), resolved once with a note (in the
//! ledger), listed with their free text masked for whoever reads them.

use crate::context::App;
use crate::error::AppResult;
pub use crate::mask::IncidentView;
use crate::mask::Viewer;
use chrono::{DateTime, Utc};
use closedloop_domain::ids::{BatchId, CrewId, TravelerId, VehicleId};
use closedloop_handover::ids::IncidentId;
use closedloop_handover::{IncidentKind, Severity};
pub use closedloop_store::desk::IncidentStatus;
use closedloop_store::desk::{self, NewIncident};
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct OpenIncident {
    pub kind: IncidentKind,
    pub severity: Severity,
    pub trip: Option<BatchId>,
    /// Default: the trip's vehicle.
    pub vehicle: Option<VehicleId>,
    pub travelers: Vec<TravelerId>,
    pub crew: Vec<CrewId>,
    /// What happened (kept in the database, not in the ledger).
    pub description: String,
    pub at: DateTime<Utc>,
    /// (lat, lon).
    pub position: Option<(f64, f64)>,
}

pub fn open(app: &App, req: &OpenIncident) -> AppResult<IncidentId> {
    let i = NewIncident {
        kind: req.kind,
        severity: req.severity,
        at: req.at,
        position: req.position,
        trip_id: req.trip,
        vehicle_id: req.vehicle,
        travelers: req.travelers.clone(),
        crew: req.crew.clone(),
        description: req.description.clone(),
        reported_by: None,
    };
    app.with_desk(|conn, desk| desk.open_incident(conn, &i))
}

/// `{"id", "status": "resolved"}`.
#[derive(Debug, Clone, Serialize)]
pub struct Resolved {
    pub id: i64,
    pub status: &'static str,
}

pub fn resolve(
    app: &App,
    incident: IncidentId,
    note: &str,
    at: DateTime<Utc>,
) -> AppResult<Resolved> {
    app.with_desk(|conn, desk| desk.resolve_incident(conn, incident, note, at))?;
    Ok(Resolved {
        id: incident.0,
        status: "resolved",
    })
}

/// Incidents oldest first (only the open ones if `open_only`), descriptions and resolution
/// notes masked unless `viewer` may read them: they name people.
pub fn list(app: &App, open_only: bool, viewer: Viewer) -> AppResult<Vec<IncidentView>> {
    let rows = desk::list_incidents(&mut *app.conn()?, open_only)?;
    Ok(rows.into_iter().map(|r| viewer.incident(r)).collect())
}
