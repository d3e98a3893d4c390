//! The audit log of personal data: every answer that showed a caller a personal field
//! unmasked is written down — who, when, through which endpoint, which objects and which
//! fields — before the answer leaves, so an answer whose row could not be written is not sent.
//! Auditors and administrators list it.

use super::Caller;
use crate::context::App;
use crate::error::AppResult;
use crate::mask::{IncidentView, PersonalField, Shown, TravelerView};
use chrono::{DateTime, NaiveDateTime, Utc};
use closedloop_store::accounts::records::{self, NewRead};
use serde::Serialize;
use std::collections::BTreeSet;

/// The stable code of a personal field, as the audit log names it.
pub fn field_code(f: PersonalField) -> &'static str {
    match f {
        PersonalField::Name => "name",
        PersonalField::Document => "document",
        PersonalField::Phone => "phone",
        PersonalField::BirthDate => "birth_date",
        PersonalField::Address => "address",
        PersonalField::Health => "health",
        PersonalField::SpecialNeeds => "special_needs",
        PersonalField::FamilyGroup => "family_group",
        PersonalField::FreeText => "free_text",
    }
}

fn shown<T>(v: &Shown<T>) -> bool {
    v.is_shown()
}

fn shown_opt<T>(v: &Option<Shown<T>>) -> bool {
    v.as_ref().is_some_and(Shown::is_shown)
}

/// The personal fields this traveler's view shows unmasked. An empty set of special needs is
/// shown to everyone and names nothing, so it does not count.
pub fn traveler_fields(t: &TravelerView) -> BTreeSet<&'static str> {
    use PersonalField::*;
    let mut f = BTreeSet::new();
    let mut add = |yes: bool, field| {
        if yes {
            f.insert(field_code(field));
        }
    };
    add(shown(&t.full_name), Name);
    add(shown(&t.document_number), Document);
    add(shown_opt(&t.phone), Phone);
    add(t.birth_date.value().is_some_and(Option::is_some), BirthDate);
    add(shown_opt(&t.destination_address), Address);
    add(shown_opt(&t.health), Health);
    add(
        t.special_needs.value().is_some_and(|n| !n.is_empty()),
        SpecialNeeds,
    );
    add(shown_opt(&t.family_group), FamilyGroup);
    add(shown_opt(&t.notes), FreeText);
    f
}

/// The personal fields this incident's view shows unmasked: its free text.
pub fn incident_fields(i: &IncidentView) -> BTreeSet<&'static str> {
    let mut f = BTreeSet::new();
    if shown(&i.description) || shown_opt(&i.resolution) {
        f.insert(field_code(PersonalField::FreeText));
    }
    f
}

/// Writes one row for an answer of `kind` objects, naming those whose `fields` showed
/// something unmasked; nothing if none did.
#[allow(clippy::too_many_arguments)]
fn record<T>(
    app: &App,
    caller: &Caller,
    endpoint: &str,
    kind: &str,
    items: &[T],
    id: impl Fn(&T) -> i64,
    fields: impl Fn(&T) -> BTreeSet<&'static str>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut ids = Vec::new();
    let mut all = BTreeSet::new();
    for item in items {
        let f = fields(item);
        if !f.is_empty() {
            ids.push(id(item).to_string());
            all.extend(f);
        }
    }
    if ids.is_empty() {
        return Ok(());
    }
    let fields: Vec<&str> = all.into_iter().collect();
    records::insert_read(
        &mut *app.conn()?,
        &NewRead {
            account_id: caller.account,
            at: now.naive_utc(),
            endpoint,
            object_kind: kind,
            object_ids: &ids.join(","),
            fields: &fields.join(","),
        },
    )?;
    Ok(())
}

/// Records an answer that showed `caller` the personal `fields` of the objects `ids` of
/// `kind` (the rows an upload refused, by upload); nothing if it showed none.
pub fn objects_read(
    app: &App,
    caller: &Caller,
    endpoint: &str,
    kind: &str,
    ids: &[i64],
    fields: &BTreeSet<&'static str>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    record(
        app,
        caller,
        endpoint,
        kind,
        ids,
        |i| *i,
        |_| fields.clone(),
        now,
    )
}

/// Records the travelers of an answer that showed `caller` personal fields.
pub fn travelers_read(
    app: &App,
    caller: &Caller,
    endpoint: &str,
    items: &[TravelerView],
    now: DateTime<Utc>,
) -> AppResult<()> {
    record(
        app,
        caller,
        endpoint,
        "traveler",
        items,
        |t| t.id.0,
        traveler_fields,
        now,
    )
}

/// Records the incidents of an answer that showed `caller` their free text.
pub fn incidents_read(
    app: &App,
    caller: &Caller,
    endpoint: &str,
    items: &[IncidentView],
    now: DateTime<Utc>,
) -> AppResult<()> {
    record(
        app,
        caller,
        endpoint,
        "incident",
        items,
        |i| i.id.0,
        incident_fields,
        now,
    )
}

/// One row of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub account: i64,
    pub login: String,
    pub at: NaiveDateTime,
    /// `GET /api/travelers`, …
    pub endpoint: String,
    /// traveler or incident.
    pub object_kind: String,
    pub objects: Vec<i64>,
    /// name, document, phone, birth_date, address, health, special_needs, family_group,
    /// free_text.
    pub fields: Vec<String>,
}

/// The whole audit log, oldest first, for `caller` if their role may read it.
pub fn list(app: &App, caller: &Caller) -> AppResult<Vec<AuditEntry>> {
    caller.require(super::Action::AuditLog)?;
    let split = |s: &str| -> Vec<String> {
        s.split(',')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect()
    };
    Ok(records::reads(&mut *app.conn()?)?
        .into_iter()
        .map(|r| AuditEntry {
            id: r.id,
            account: r.account_id,
            login: r.login,
            at: r.at,
            objects: split(&r.object_ids)
                .iter()
                .filter_map(|i| i.parse().ok())
                .collect(),
            fields: split(&r.fields),
            endpoint: r.endpoint,
            object_kind: r.object_kind,
        })
        .collect())
}
