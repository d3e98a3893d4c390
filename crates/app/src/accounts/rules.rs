//! What each role may do, and on which objects.
//!
//! [`Action`]s are the things the web service offers; [`Action::allowed`] is the one table of
//! which role may do each (the web service answers 403 otherwise). Object rules narrow what
//! an allowed role sees: drivers and escorts see the batches (trips) they crew and those
//! trips' travelers; hotel staff the travelers bound for, held by or leaving their hotel, and
//! those trips; port staff the travelers who arrived at their port and the trips boarding
//! there; dispatchers, commanders, auditors and administrators see everything ([`Scope`]).
//! Personal fields are then masked by the policy of [`crate::mask`] for the caller's role.

use super::{Caller, role_code};
use crate::context::App;
use crate::custody::{self, LoopFilter, LoopRow};
use crate::error::{AppError, AppResult, Fault};
use crate::incidents::{self, IncidentView};
use crate::mask::AccessRole;
use crate::travelers::{self, ListTravelers, TravelerView};
use chrono::{DateTime, NaiveDateTime, Utc};
use closedloop_domain::batch::BatchState;
use closedloop_store::accounts::scope;
use closedloop_store::desk;
use serde::Serialize;
use std::collections::BTreeSet;

/// What a caller asks the web service to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Who am I; log out.
    Session,
    ListTravelers,
    TravelerStats,
    ListLoops,
    ListIncidents,
    Record,
    LedgerVerify,
    AddVehicle,
    AddCrew,
    ReadBatch,
    DailyReport,
    AuditLog,
    /// Quarantine hotels listed or read (their rooms and whether they are open).
    ListHotels,
    /// A hotel's rooms or opening edited.
    EditHotel,
    /// The live stream of batch status, hand-overs and incidents, narrowed to the caller's
    /// batches for the scoped roles.
    Events,
    /// A phone's batch of GPS fixes for its vehicle (crews: only on a batch they crew).
    ReportPositions,
    /// The vehicles' latest positions, for the live map.
    ReadPositions,
    /// A hand-over started (as its giver) or its code shown.
    StartHandover,
    /// A hand-over confirmed (as its receiver).
    ConfirmHandover,
    /// A batch moved through a gate (approve, depart, complete).
    MoveBatch,
    /// A check-list completed (crews: for themselves, their batches and their vehicles).
    CompleteChecklist,
    /// The check-list templates in force, for a phone to render.
    ChecklistTemplates,
    /// An incident opened (the scoped roles: on their batches and travelers).
    OpenIncident,
    /// An incident resolved with a note.
    ResolveIncident,
    /// The caller's batches listed (narrowed to their scope), with their stops.
    ListBatches,
    /// A hotel's rooms taken per night (hotel staff: their own hotel).
    HotelOccupancy,
    /// A manifest imported over HTTP, its refused rows listed and corrected.
    ImportManifest,
    /// A day planned, checked, approved or re-planned (the desk's plans).
    PlanDay,
    /// The day's approved plan versions read, and their diffs.
    ReadPlans,
    /// A planned batch's vehicle, crew or times changed before it departs.
    EditBatch,
}

impl Action {
    /// Whether `role` may do this at all (object rules may narrow it further).
    pub fn allowed(self, role: AccessRole) -> bool {
        use AccessRole::*;
        match self {
            Action::Session | Action::ListTravelers | Action::ListLoops => true,
            Action::ListIncidents | Action::ReadBatch => true,
            Action::TravelerStats
            | Action::Record
            | Action::DailyReport
            | Action::ReadPositions => matches!(role, Dispatcher | Commander | Auditor | Admin),
            // Narrowed to the caller's batches by `events::visible`.
            Action::Events => true,
            Action::ReportPositions => matches!(role, Driver | Escort | Dispatcher | Admin),
            Action::StartHandover => {
                matches!(
                    role,
                    Driver | Escort | PortStaff | HotelStaff | Dispatcher | Admin
                )
            }
            Action::ConfirmHandover => matches!(role, Driver | Escort | PortStaff | HotelStaff),
            Action::MoveBatch => matches!(role, Driver | Escort | Dispatcher | Admin),
            Action::CompleteChecklist => matches!(role, Driver | Escort | Dispatcher | Admin),
            Action::ChecklistTemplates | Action::ListBatches => true,
            Action::OpenIncident => !matches!(role, Auditor),
            Action::ResolveIncident => matches!(role, Dispatcher | Commander | Admin),
            Action::HotelOccupancy => {
                matches!(role, Dispatcher | HotelStaff | Commander | Auditor | Admin)
            }
            Action::LedgerVerify => matches!(role, Commander | Auditor | Admin),
            Action::AddVehicle | Action::AddCrew | Action::EditHotel => {
                matches!(role, Dispatcher | Admin)
            }
            Action::ListHotels => {
                matches!(role, Dispatcher | HotelStaff | Commander | Auditor | Admin)
            }
            Action::AuditLog => matches!(role, Auditor | Admin),
            Action::ImportManifest | Action::PlanDay | Action::EditBatch => {
                matches!(role, Dispatcher | Admin)
            }
            Action::ReadPlans => matches!(role, Dispatcher | Commander | Auditor | Admin),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Action::ReportPositions => "report vehicle positions",
            Action::StartHandover => "start a hand-over",
            Action::ConfirmHandover => "confirm a hand-over",
            Action::MoveBatch => "move a batch through a gate",
            Action::CompleteChecklist => "complete a check-list",
            Action::ChecklistTemplates => "the check-list templates",
            Action::OpenIncident => "open an incident",
            Action::ResolveIncident => "resolve an incident",
            Action::ListBatches => "list batches",
            Action::HotelOccupancy => "a hotel's occupancy",
            Action::ReadPositions => "the vehicles' positions",
            Action::Session => "session",
            Action::ListTravelers => "list travelers",
            Action::TravelerStats => "traveler counts",
            Action::ListLoops => "list loops",
            Action::ListIncidents => "list incidents",
            Action::Record => "the record",
            Action::LedgerVerify => "ledger verify",
            Action::AddVehicle => "add a vehicle",
            Action::AddCrew => "add a crew member",
            Action::ReadBatch => "read a batch",
            Action::DailyReport => "the daily report",
            Action::AuditLog => "the audit log",
            Action::ListHotels => "read hotels",
            Action::EditHotel => "edit a hotel",
            Action::Events => "the live events",
            Action::ImportManifest => "import a manifest",
            Action::PlanDay => "plan the day",
            Action::ReadPlans => "read the day's plans",
            Action::EditBatch => "edit a batch",
        }
    }
}

impl Caller {
    /// `Ok` if this caller's role may do `action`; `forbidden` otherwise.
    pub fn require(&self, action: Action) -> AppResult<()> {
        if action.allowed(self.role) {
            return Ok(());
        }
        let (role, what) = (role_code(self.role), action.name());
        Err(AppError::Forbidden(Fault::new(
            "forbidden",
            format!("an account of role {role} may not do this ({what})"),
            format!("{role} 账号无权进行此操作（{what}）"),
        )))
    }
}

fn not_yours(kind: &str, id: i64) -> AppError {
    AppError::Forbidden(Fault::new(
        "forbidden_object",
        format!("{kind} {id} is not one this account may read"),
        format!(
            "此账号无权读取{}{id}",
            if kind == "batch" { "批次 " } else { "" }
        ),
    ))
}

/// The objects a caller may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Only {
        travelers: BTreeSet<i64>,
        trips: BTreeSet<i64>,
        /// The caller's own crew id: incidents naming it are theirs.
        crew: Option<i64>,
    },
}

impl Scope {
    pub fn traveler(&self, id: i64) -> bool {
        match self {
            Scope::All => true,
            Scope::Only { travelers, .. } => travelers.contains(&id),
        }
    }

    pub fn trip(&self, id: i64) -> bool {
        match self {
            Scope::All => true,
            Scope::Only { trips, .. } => trips.contains(&id),
        }
    }

    fn incident(&self, i: &IncidentView) -> bool {
        match self {
            Scope::All => true,
            Scope::Only { crew, .. } => {
                i.trip.is_some_and(|t| self.trip(t.0))
                    || i.travelers.iter().any(|t| self.traveler(t.0))
                    || crew.is_some_and(|c| i.crew.iter().any(|m| m.0 == c))
            }
        }
    }
}

/// The scope of `caller`, read from the store as it is now.
pub fn scope_of(app: &App, caller: &Caller) -> AppResult<Scope> {
    use AccessRole::*;
    let mut conn = app.conn()?;
    let (trips, travelers) = match (caller.role, caller.crew, caller.hotel, caller.port) {
        (Dispatcher | Commander | Auditor | Admin, ..) => return Ok(Scope::All),
        (Driver | Escort, Some(crew), _, _) => {
            let trips = scope::crew_trips(&mut conn, crew)?;
            let travelers = scope::riders(&mut conn, &trips)?;
            (trips, travelers)
        }
        (HotelStaff, _, Some(hotel), _) => (
            scope::hotel_trips(&mut conn, hotel)?,
            scope::hotel_travelers(&mut conn, hotel)?,
        ),
        (PortStaff, _, _, Some(port)) => (
            scope::port_trips(&mut conn, port)?,
            scope::port_travelers(&mut conn, port)?,
        ),
        // A scoped role stored without its scope sees nothing.
        _ => (Vec::new(), BTreeSet::new()),
    };
    Ok(Scope::Only {
        travelers,
        trips: trips.into_iter().collect(),
        crew: caller.crew,
    })
}

/// Whether batch `trip` is in `caller`'s scope: what `scope_of(app, caller)?.trip(trip)`
/// answers, reading only the caller's trips — the phone's path asks it on every hand-over, and
/// a port's whole scope holds every traveler of the port.
pub fn trip_in_scope(app: &App, caller: &Caller, trip: i64) -> AppResult<bool> {
    use AccessRole::*;
    let mut conn = app.conn()?;
    let trips = match (caller.role, caller.crew, caller.hotel, caller.port) {
        (Dispatcher | Commander | Auditor | Admin, ..) => return Ok(true),
        (Driver | Escort, Some(crew), _, _) => scope::crew_trips(&mut conn, crew)?,
        (HotelStaff, _, Some(hotel), _) => scope::hotel_trips(&mut conn, hotel)?,
        (PortStaff, _, _, Some(port)) => scope::port_trips(&mut conn, port)?,
        _ => Vec::new(),
    };
    Ok(trips.contains(&trip))
}

/// The travelers `caller` may see (of one arrival, or all), masked for their role.
pub fn list_travelers(
    app: &App,
    caller: &Caller,
    arrival: Option<String>,
) -> AppResult<Vec<TravelerView>> {
    caller.require(Action::ListTravelers)?;
    let scope = scope_of(app, caller)?;
    let mut rows = travelers::list_travelers(
        app,
        &ListTravelers {
            arrival,
            viewer: caller.viewer(),
        },
    )?;
    rows.retain(|t| scope.traveler(t.id.0));
    Ok(rows)
}

/// The loops of the travelers `caller` may see.
pub fn list_loops(
    app: &App,
    caller: &Caller,
    filter: LoopFilter,
    now: DateTime<Utc>,
) -> AppResult<Vec<LoopRow>> {
    caller.require(Action::ListLoops)?;
    let scope = scope_of(app, caller)?;
    let mut rows = custody::loops(app, filter, now)?;
    rows.retain(|l| scope.traveler(l.traveler.0));
    Ok(rows)
}

/// The incidents `caller` may see — of their trips, naming their travelers or themselves —
/// their free text masked for their role.
pub fn list_incidents(app: &App, caller: &Caller, open_only: bool) -> AppResult<Vec<IncidentView>> {
    caller.require(Action::ListIncidents)?;
    let scope = scope_of(app, caller)?;
    let mut rows = incidents::list(app, open_only, caller.viewer())?;
    rows.retain(|i| scope.incident(i));
    Ok(rows)
}

/// A batch (trip) as its crew and the desks see it: no personal data, travelers by id.
#[derive(Debug, Clone, Serialize)]
pub struct BatchView {
    pub id: i64,
    pub state: BatchState,
    pub vehicle: i64,
    /// The port it boards at; for a second transfer, the port its vehicle is based at.
    pub port: i64,
    /// The hotel it boards at, for a second transfer.
    pub origin_hotel: Option<i64>,
    pub started_at: NaiveDateTime,
    pub ended_at: NaiveDateTime,
    pub planned_arrival: Option<NaiveDateTime>,
    pub crew: Vec<i64>,
    pub stops: Vec<BatchStop>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BatchStop {
    /// The destination its receiver's hand-over names, when the desk said.
    pub destination: Option<i64>,
    pub travelers: Vec<i64>,
}

/// One batch, if `caller` may read it: 404 if there is none, 403 if it is not theirs.
pub fn read_batch(app: &App, caller: &Caller, id: i64) -> AppResult<BatchView> {
    caller.require(Action::ReadBatch)?;
    let mut conn = app.conn()?;
    let trip = desk::load_trip(&mut conn, id)?;
    drop(conn);
    if !scope_of(app, caller)?.trip(id) {
        return Err(not_yours("batch", id));
    }
    batch_view(&mut *app.conn()?, trip)
}

/// A stored trip as [`BatchView`] shows it, read on `conn` (inside an edit's transaction).
pub fn batch_view(
    conn: &mut closedloop_store::DbConnection,
    trip: desk::TripRow,
) -> AppResult<BatchView> {
    let id = trip.id;
    let stops = desk::trip_stops(conn, id)?
        .into_iter()
        .map(|s| BatchStop {
            destination: s.destination.map(|d| d.0),
            travelers: s.travelers.iter().map(|t| t.0).collect(),
        })
        .collect();
    Ok(BatchView {
        id: trip.id,
        state: trip.state,
        vehicle: trip.vehicle_id,
        port: trip.port_id,
        origin_hotel: trip.origin_hotel_id,
        started_at: trip.started_at,
        ended_at: trip.ended_at,
        planned_arrival: trip.planned_arrival,
        crew: scope::crew_of_trip(conn, id)?,
        stops,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::ROLES;

    #[test]
    fn every_role_may_see_its_session_and_only_auditors_and_admins_the_audit_log() {
        for r in ROLES {
            assert!(Action::Session.allowed(r));
            assert_eq!(
                Action::AuditLog.allowed(r),
                matches!(r, AccessRole::Auditor | AccessRole::Admin),
                "{r:?}"
            );
        }
        assert!(!Action::AddVehicle.allowed(AccessRole::Driver));
        assert!(!Action::Record.allowed(AccessRole::HotelStaff));
    }
}
