//! The store's custody rows as the cross-check reads them: plain values, keyed by the store's
//! integer ids, with every coded column already translated into the ledger's words by the same
//! mappings the store's writers use when they append (a role code becomes a [`Party`], an
//! incident's kind its ledger category, a check-list's stored subject its [`Subject`]). A value
//! no writer stores — a role that is not a role, a subject that does not parse — is
//! [`Unreadable`], which the cross-check reports as a changed row, never as an error.

use crate::entry::{ChecklistKind, Id, IncidentKind, Party, Place, Severity, Subject, TripPhase};
use closedloop_domain::role::PartyRole;

/// A stored value the store's readers cannot read: the row was edited to something no writer
/// stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unreadable;

/// A stored value, in the ledger's words, or [`Unreadable`].
pub type Read<T> = Result<T, Unreadable>;

/// Times are Unix milliseconds (UTC), truncated as the entries truncate them.
pub type Millis = i64;

/// Every custody row the store keeps, as loaded for one cross-check. Order within a list does
/// not matter.
#[derive(Clone, Debug, Default)]
pub struct CustodyRows {
    /// The ledger table's own redundant columns (`ledger_entries.kind`, `.at`).
    pub entry_columns: Vec<EntryColumns>,
    pub travelers: Vec<TravelerRow>,
    pub trips: Vec<TripRow>,
    pub handovers: Vec<HandoverRow>,
    /// `handover_travelers`: (hand-over, traveler).
    pub handover_travelers: Vec<(i64, i64)>,
    pub loops: Vec<LoopRow>,
    pub incidents: Vec<IncidentRow>,
    /// `incident_travelers`: (incident, traveler).
    pub incident_travelers: Vec<(i64, i64)>,
    pub gate_decisions: Vec<GateRow>,
    pub checklists: Vec<ChecklistRow>,
}

/// `ledger_entries`: what the row says besides the canonical bytes (the audit checks those and
/// the leaf hash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryColumns {
    pub seq: i64,
    pub kind: String,
    pub at: Millis,
}

/// `travelers`: its id, whose keyed reference the entries carry, and whether its personal data
/// was purged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TravelerRow {
    pub id: i64,
    pub purged: bool,
}

/// `trips`: state and times.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TripRow {
    pub id: i64,
    pub state: Read<TripPhase>,
    pub started: Millis,
    pub ended: Millis,
}

/// `handovers`.
#[derive(Clone, Debug, PartialEq)]
pub struct HandoverRow {
    pub id: i64,
    pub ledger_seq: i64,
    /// The batch as the entry names it (`none` when the row has no trip).
    pub batch: Id,
    pub from: Read<Party>,
    pub to: Read<Party>,
    /// Where it happened, as the writer words it from the roles and the stored position.
    pub place: Read<Place>,
    pub at: Millis,
    pub expected: i64,
    pub counted: i64,
}

/// `traveler_loops`: one traveler's custody as `loops` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoopRow {
    pub traveler: i64,
    /// `delivered` (true) or `in_custody` (false).
    pub delivered: Read<bool>,
    pub party: Read<PartyRole>,
    /// The trip for the crew, else the destination.
    pub party_id: i64,
    pub since: Millis,
    pub handover: Option<i64>,
    pub trip: Option<i64>,
}

/// `incidents` (with `incident_crew` folded into the subject, as the writer does).
#[derive(Clone, Debug, PartialEq)]
pub struct IncidentRow {
    pub id: i64,
    pub ledger_seq: i64,
    pub kind: Read<IncidentKind>,
    pub severity: Read<Severity>,
    /// What it is recorded against, as the writer words it from the trip, vehicle and crew.
    pub subject: Option<Subject>,
    /// Where, as the writer words it from the stored position.
    pub place: Read<Option<Place>>,
    pub at: Millis,
    /// `resolved` (true) or `open` (false).
    pub resolved: Read<bool>,
    pub resolved_at: Option<Millis>,
}

/// `gate_decisions`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GateRow {
    pub id: i64,
    pub ledger_seq: i64,
    pub trip: i64,
    /// The gate (its transition) as the entry names it.
    pub gate: Read<Id>,
    pub passed: bool,
    /// The stored missing items as the entry names them, sorted.
    pub missing: Read<Vec<Id>>,
    pub at: Millis,
}

/// `checklist_instances`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChecklistRow {
    pub id: i64,
    pub ledger_seq: i64,
    pub checklist: Read<ChecklistKind>,
    /// The template as the entry names it (`kind:version`).
    pub template: Read<Id>,
    /// The stored subject (`subject_json`) as the entry names it.
    pub subject: Read<Subject>,
    /// The columns the gates read.
    pub crew: Option<i64>,
    pub vehicle: Option<i64>,
    pub trip: Option<i64>,
    pub stop: Option<i64>,
    pub completed_by: Party,
    /// The stored failures the entry names (template items), sorted.
    pub failed_items: Read<Vec<Id>>,
    /// Whether the stored failures include answers to items the template lacks (which fail a
    /// check-list but are not template items, so the entry does not name them).
    pub unknown_items: bool,
    pub passed: bool,
    pub at: Millis,
}
