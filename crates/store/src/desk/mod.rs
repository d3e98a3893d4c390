//! The desk and phone path of the hand-over: check-lists completed, trips planned and passed
//! through their gates, hand-overs started by the giver and confirmed by the receiver with the
//! one-time code, each traveler's loop, incidents, and the record.
//!
//! The rules are `closedloop_handover`'s; this module loads the facts they need from the tables,
//! calls them, and stores what they return. Every event is written together with its ledger
//! entry in one transaction that first takes the ledger's append lock ([`Desk::transact`]), so
//! desk operations never interleave: two hand-overs of the same traveler cannot both read "held
//! by the crew". A refusal that is itself a fact (a gate decision, the incident of a head-count
//! mismatch) is committed first and then returned as the error.

pub(crate) mod checklist;
mod error;
pub(crate) mod gate;
mod handover;
pub(crate) mod incident;
mod loops;
mod record;
pub(crate) mod trip;

pub use checklist::{NewChecklist, RecordedChecklist, parse_answers};
pub use error::{AnswersProblem, DeskError, Thing, TripAction};
pub use gate::{GatePassed, gate_facts};
pub use handover::{
    ConfirmHandover, ConfirmedHandover, StartHandover, StartedHandover, handover_code,
    start_handover, started_handover,
};
pub use incident::{IncidentRow, IncidentStatus, NewIncident, list_incidents};
pub use loops::{LoopRow, LoopState, loop_status, loops};
pub use record::record;
pub use trip::{
    PlannedStop, PlannedTrip, TripRow, load_trip, plan_trip, plan_trip_from, trip_stops,
};

use crate::custody::{LedgerKeys, PartyRole, stored_role};
use crate::ledger::{append_in_transaction, load_appender, take_append_lock};
use crate::schema::{crew_members, travelers, trip_crew, trip_travelers, vehicles};
use crate::{DbConnection, StoreError};
use chrono::{DateTime, NaiveDateTime, Utc};
use closedloop_handover::{GateBook, Party, TemplateBook};
use closedloop_ledger::entry::{Id, Party as LedgerParty, Role};
use closedloop_ledger::{Appender, Body, HeadSigner, Pepper, TravelerRef, UtcMillis};
use diesel::prelude::*;

/// The desk: the ledger keys, the configured check-lists and gates, and the appender, which
/// advances only when a transaction commits.
pub struct Desk<'a> {
    keys: LedgerKeys<'a>,
    templates: &'a TemplateBook,
    gates: &'a GateBook,
    appender: Appender,
}

/// The ledger inside one desk transaction: appends advance a copy of the appender that the
/// desk adopts only after the commit.
pub(crate) struct Pending<'k> {
    appender: Appender,
    signer: &'k HeadSigner,
    pub(crate) pepper: &'k Pepper,
}

impl Pending<'_> {
    /// Appends `entries` with one signed head; returns the first entry's sequence number.
    pub(crate) fn append(
        &mut self,
        conn: &mut DbConnection,
        entries: Vec<(UtcMillis, Body)>,
    ) -> Result<i64, StoreError> {
        let done =
            append_in_transaction(conn, &self.appender, entries, self.signer, UtcMillis::now())?;
        self.appender = done.appender;
        Ok(done.first_seq as i64)
    }

    pub(crate) fn refs(&self, travelers: &[i64]) -> Vec<TravelerRef> {
        travelers
            .iter()
            .map(|&t| TravelerRef::from_key(self.pepper, t))
            .collect()
    }
}

impl<'a> Desk<'a> {
    pub fn open(
        conn: &mut DbConnection,
        keys: LedgerKeys<'a>,
        templates: &'a TemplateBook,
        gates: &'a GateBook,
    ) -> Result<Self, StoreError> {
        Ok(Desk {
            keys,
            templates,
            gates,
            appender: load_appender(conn)?,
        })
    }

    pub fn templates(&self) -> &TemplateBook {
        self.templates
    }

    pub fn gates(&self) -> &GateBook {
        self.gates
    }

    /// Runs `f` in one transaction holding the ledger's append lock; the appender advances
    /// only if it commits.
    pub(crate) fn transact<T>(
        &mut self,
        conn: &mut DbConnection,
        f: impl FnOnce(&mut DbConnection, &mut Pending<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut pending = Pending {
            appender: self.appender.clone(),
            signer: self.keys.signer,
            pepper: self.keys.pepper,
        };
        let out = crate::write_transaction(conn, |conn| {
            take_append_lock(conn)?;
            f(conn, &mut pending)
        })?;
        self.appender = pending.appender;
        Ok(out)
    }
}

pub(crate) fn naive(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc()
}

pub(crate) fn millis(t: DateTime<Utc>) -> Result<UtcMillis, StoreError> {
    Ok(UtcMillis::from_datetime(t)?)
}

/// JSON text of what a row stores.
pub(crate) fn to_json<T: serde::Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).expect("stored values serialise")
}

pub(crate) fn not_found(thing: Thing, id: i64) -> StoreError {
    DeskError::NotFound { thing, id }.into()
}

/// The dispatch desk as a ledger party: the CLI and the future web desk act as one.
pub(crate) fn desk_party() -> LedgerParty {
    LedgerParty {
        role: Role::DispatchDesk,
        id: Id::new("desk").expect("a valid id"),
    }
}

pub(crate) fn crew_party(crew: i64) -> LedgerParty {
    LedgerParty {
        role: PartyRole::Crew.into(),
        id: Id::from_key(crew),
    }
}

/// A party of the hand-over rules as `traveler_loops` stores it: its role's code and its id.
pub(crate) fn party_code(p: &Party) -> (&'static str, i64) {
    (p.role().code(), p.id())
}

/// A stored `traveler_loops` party; `hospital`, written before the one role vocabulary, reads
/// as hospital staff.
pub(crate) fn party_from_code(code: &str, id: i64) -> Result<Party, StoreError> {
    Ok(Party::new(stored_role(code)?, id))
}

/// The travelers of a trip, by id.
pub(crate) fn trip_traveler_ids(
    conn: &mut DbConnection,
    trip: i64,
) -> Result<Vec<i64>, StoreError> {
    Ok(trip_travelers::table
        .filter(trip_travelers::trip_id.eq(trip))
        .select(trip_travelers::traveler_id)
        .order(trip_travelers::traveler_id)
        .load(conn)?)
}

/// The crew of a trip, by id.
pub(crate) fn trip_crew_ids(conn: &mut DbConnection, trip: i64) -> Result<Vec<i64>, StoreError> {
    Ok(trip_crew::table
        .filter(trip_crew::trip_id.eq(trip))
        .select(trip_crew::crew_id)
        .order(trip_crew::crew_id)
        .load(conn)?)
}

pub(crate) fn require_vehicle(conn: &mut DbConnection, id: i64) -> Result<(), StoreError> {
    let n: i64 = vehicles::table
        .filter(vehicles::id.eq(id))
        .count()
        .get_result(conn)?;
    if n == 0 {
        return Err(not_found(Thing::Vehicle, id));
    }
    Ok(())
}

pub(crate) fn require_crew(conn: &mut DbConnection, ids: &[i64]) -> Result<(), StoreError> {
    let found: Vec<i64> = crew_members::table
        .filter(crew_members::id.eq_any(ids))
        .select(crew_members::id)
        .load(conn)?;
    match ids.iter().find(|i| !found.contains(i)) {
        Some(&missing) => Err(not_found(Thing::CrewMember, missing)),
        None => Ok(()),
    }
}

pub(crate) fn require_travelers(conn: &mut DbConnection, ids: &[i64]) -> Result<(), StoreError> {
    let found: Vec<i64> = travelers::table
        .filter(travelers::id.eq_any(ids))
        .select(travelers::id)
        .load(conn)?;
    match ids.iter().find(|i| !found.contains(i)) {
        Some(&missing) => Err(not_found(Thing::Traveler, missing)),
        None => Ok(()),
    }
}
