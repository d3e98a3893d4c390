//! Live events: what the wall and the phones follow as it happens — batch status, hand-overs,
//! gate decisions, check-lists, incidents — read from the ledger, so an event is exactly a
//! committed fact and its id is the entry's sequence number plus one (0 stands for "nothing
//! yet"): monotonic, the same on every server instance, and a reader that reconnects after id
//! N gets everything after N. Events
//! carry no personal data: the travelers an entry names become a count.

use crate::accounts::rules::{self, Scope};
use crate::accounts::{Action, Caller};
use crate::context::App;
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use closedloop_ledger::entry::{Party, Place, Subject, SubjectKind};
use closedloop_ledger::{Body, Entry};
use closedloop_store::events as store;
use serde::Serialize;
use serde_json::{Value, json};

/// At most this many events per read: a reader far behind catches up in pages.
pub const PAGE: usize = 500;

/// One event: its id (the ledger entry's sequence number plus one), its time, its kind and what
/// happened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub id: u64,
    pub at: DateTime<Utc>,
    /// `batch_status`, `handover`, `gate`, `checklist`, `incident`, `incident_resolved`,
    /// `code_rejected`, `purge`.
    pub kind: &'static str,
    /// The batch (trip) it concerns, when it concerns one: readers who may see only some
    /// batches are given only theirs.
    pub batch: Option<i64>,
    pub data: Value,
}

/// The events after `after`, at most [`PAGE`].
pub fn since(app: &App, after: u64) -> AppResult<Vec<Event>> {
    // Event ids count from 1 so that 0 can mean "nothing yet": event `n` is entry `n - 1`, and
    // the events after `after` are the entries from sequence number `after` on.
    let entries = store::entries_from(&mut *app.conn()?, after, PAGE)?;
    Ok(entries.iter().map(event).collect())
}

/// The id of the last event (0 when nothing has happened yet).
pub fn last_id(app: &App) -> AppResult<u64> {
    Ok(store::next_seq(&mut *app.conn()?)?)
}

/// What `caller` may follow: every event for the roles that see everything; for a driver,
/// escort, port or hotel staff, the events of the batches in their scope (read again by the
/// caller when a batch they do not know of yet shows up: [`visible`] says which).
pub fn scope_for(app: &App, caller: &Caller) -> AppResult<Scope> {
    caller.require(Action::Events)?;
    rules::scope_of(app, caller)
}

/// Whether an event is one `scope` may see: a scoped reader sees the events of its batches,
/// not those that concern no batch (an incident resolved, a purge).
pub fn visible(scope: &Scope, e: &Event) -> bool {
    match scope {
        Scope::All => true,
        Scope::Only { .. } => e.batch.is_some_and(|b| scope.trip(b)),
    }
}

fn batch_of(id: &closedloop_ledger::Id) -> Option<i64> {
    id.as_str().parse().ok()
}

fn party(p: &Party) -> Value {
    json!({"role": p.role, "id": p.id})
}

fn place(p: &Place) -> Value {
    json!({"kind": p.kind, "id": p.id, "coords": p.coords})
}

/// The event an entry is: its facts, the travelers counted, not named.
pub fn event(e: &Entry) -> Event {
    let (kind, batch, data) = match &e.body {
        Body::TripState(t) => (
            "batch_status",
            batch_of(&t.batch),
            json!({
                "from": t.from, "to": t.to,
                "started": t.started, "ended": t.ended,
                "decided_by": party(&t.decided_by),
                "travelers": t.travelers.len(),
            }),
        ),
        Body::HandOver(h) => (
            "handover",
            batch_of(&h.batch),
            json!({
                "from": party(&h.from), "to": party(&h.to), "place": place(&h.place),
                "head_count": h.head_count, "travelers": h.travelers.len(),
                "to_batch": h.to_batch.as_ref().and_then(batch_of),
            }),
        ),
        Body::GateDecision(g) => (
            "gate",
            subject_batch(&g.subject),
            json!({
                "gate": g.gate, "subject": g.subject, "decision": g.decision,
                "missing": g.missing, "decided_by": party(&g.decided_by),
                "travelers": g.travelers.len(),
            }),
        ),
        Body::ChecklistCompleted(c) => (
            "checklist",
            subject_batch(&c.subject),
            json!({
                "checklist": c.checklist, "template": c.template,
                "template_version": c.template_version, "subject": c.subject,
                "completed_by": party(&c.completed_by),
                "items_total": c.items_total, "items_passed": c.items_passed,
            }),
        ),
        Body::Incident(i) => (
            "incident",
            i.subject.as_ref().and_then(subject_batch),
            json!({
                "incident": i.incident, "severity": i.severity.code(),
                "subject": i.subject, "place": i.place.as_ref().map(place),
                "reported_by": party(&i.reported_by), "travelers": i.travelers.len(),
            }),
        ),
        Body::IncidentResolved(r) => (
            "incident_resolved",
            None,
            json!({
                "report": r.report, "resolved_by": party(&r.resolved_by),
                "travelers": r.travelers.len(),
            }),
        ),
        Body::CodeRejected(c) => (
            "code_rejected",
            batch_of(&c.batch),
            json!({"handover": c.request, "attempt": c.attempt, "locked": c.locked}),
        ),
        Body::Purge(p) => (
            "purge",
            None,
            json!({"reason": p.reason, "by": party(&p.by), "travelers": p.travelers.len()}),
        ),
    };
    Event {
        id: e.seq + 1,
        at: e.at.to_datetime(),
        kind,
        batch,
        data,
    }
}

/// A batch subject's trip ("12", or "12:3" for a stop of it).
fn subject_batch(s: &Subject) -> Option<i64> {
    match s.kind {
        SubjectKind::Batch => s.id.as_str().split(':').next()?.parse().ok(),
        _ => None,
    }
}
