//! The notifications' outbox: messages for the configured webhooks, filled from the ledger by a
//! projector and emptied by delivery.
//!
//! The ledger is the event record. [`project`] reads the entries after the cursor, asks its
//! caller which messages they call for, inserts them and advances the cursor, all in one
//! write transaction: a message exists exactly for committed entries, a crash loses none (the
//! cursor did not move) and doubles none (a message is unique per webhook and dedupe key, so
//! projecting again inserts nothing twice). Delivery [`lease`]s due messages, so two server
//! instances do not send one at the same time, and [`record`]s every attempt with its outcome.
//! This module stores; which messages an entry calls for, their payloads and the back-off are
//! the app layer's.

use crate::connection::{DbConnection, write_transaction};
use crate::error::StoreError;
use crate::events;
use crate::schema::{ports, travelers, trip_travelers, trips};
use chrono::NaiveDateTime;
use closedloop_ledger::Entry;
use diesel::prelude::*;
use std::collections::HashSet;

diesel::table! {
    outbox (id) {
        id -> BigInt,
        webhook -> Text,
        event_type -> Text,
        dedupe_key -> Text,
        payload -> Text,
        created_at -> Timestamp,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        leased_until -> Nullable<Timestamp>,
        delivered_at -> Nullable<Timestamp>,
        failed_at -> Nullable<Timestamp>,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    outbox_attempts (id) {
        id -> BigInt,
        outbox_id -> BigInt,
        at -> Timestamp,
        status -> Nullable<Integer>,
        error -> Nullable<Text>,
        duration_ms -> BigInt,
    }
}

diesel::table! {
    outbox_cursor (id) {
        id -> Integer,
        next_seq -> BigInt,
    }
}

/// A message to queue for one webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub webhook: String,
    pub event_type: String,
    /// Unique per webhook: what the message is about (`incident:<seq>`, …).
    pub dedupe_key: String,
    /// The JSON body, sent as it is.
    pub payload: String,
}

/// What one projection did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Projection {
    /// Ledger entries read.
    pub entries: usize,
    /// Messages inserted (those already queued are not counted).
    pub inserted: usize,
    /// The cursor afterwards: the sequence number of the next entry to project.
    pub next_seq: u64,
}

/// The sequence number of the next ledger entry to project.
pub fn cursor(conn: &mut DbConnection) -> Result<u64, StoreError> {
    let seq: i64 = outbox_cursor::table
        .find(1)
        .select(outbox_cursor::next_seq)
        .first(conn)?;
    Ok(u64::try_from(seq).unwrap_or(0))
}

/// In one write transaction: reads up to `limit` ledger entries after the cursor, inserts the
/// messages `messages` returns for them (it may read more inside the same transaction, and
/// add messages that come from no entry, such as overdue loops), skipping those already
/// queued, and moves the cursor past the entries read. An error rolls everything back.
pub fn project(
    conn: &mut DbConnection,
    limit: usize,
    messages: impl FnOnce(&mut DbConnection, &[Entry]) -> Result<Vec<NewMessage>, StoreError>,
    now: NaiveDateTime,
) -> Result<Projection, StoreError> {
    write_transaction(conn, |conn| {
        let from = cursor(conn)?;
        let entries = events::entries_from(conn, from, limit)?;
        let wanted = messages(conn, &entries)?;
        let inserted = insert_new(conn, wanted, now)?;
        let next_seq = entries.last().map_or(from, |e| e.seq + 1);
        if next_seq != from {
            diesel::update(outbox_cursor::table.find(1))
                .set(outbox_cursor::next_seq.eq(i64::try_from(next_seq).unwrap_or(i64::MAX)))
                .execute(conn)?;
        }
        Ok(Projection {
            entries: entries.len(),
            inserted,
            next_seq,
        })
    })
}

/// Which of `keys` (webhook, dedupe key) are queued already, delivered or not.
pub fn queued(
    conn: &mut DbConnection,
    keys: &[(String, String)],
) -> Result<HashSet<(String, String)>, StoreError> {
    let mut found = HashSet::new();
    for chunk in keys.chunks(500) {
        let dedupe: Vec<&str> = chunk.iter().map(|(_, k)| k.as_str()).collect();
        let rows: Vec<(String, String)> = outbox::table
            .filter(outbox::dedupe_key.eq_any(&dedupe))
            .select((outbox::webhook, outbox::dedupe_key))
            .load(conn)?;
        found.extend(rows);
    }
    Ok(found)
}

fn insert_new(
    conn: &mut DbConnection,
    wanted: Vec<NewMessage>,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    let keys: Vec<(String, String)> = wanted
        .iter()
        .map(|m| (m.webhook.clone(), m.dedupe_key.clone()))
        .collect();
    let mut seen = queued(conn, &keys)?;
    let mut inserted = 0;
    for m in wanted {
        if !seen.insert((m.webhook.clone(), m.dedupe_key.clone())) {
            continue;
        }
        diesel::insert_into(outbox::table)
            .values((
                outbox::webhook.eq(&m.webhook),
                outbox::event_type.eq(&m.event_type),
                outbox::dedupe_key.eq(&m.dedupe_key),
                outbox::payload.eq(&m.payload),
                outbox::created_at.eq(now),
                outbox::attempts.eq(0),
                outbox::next_attempt_at.eq(now),
            ))
            .execute(conn)?;
        inserted += 1;
    }
    Ok(inserted)
}

/// A message leased for delivery.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Due {
    pub id: i64,
    pub webhook: String,
    pub event_type: String,
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: i32,
}

/// Leases up to `limit` messages due at `now` (not delivered, not failed, not leased by
/// another sender) until `until`, oldest first. A sender that dies holding a lease only delays
/// its messages until the lease ends.
pub fn lease(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    until: NaiveDateTime,
    limit: usize,
) -> Result<Vec<Due>, StoreError> {
    write_transaction(conn, |conn| {
        let due: Vec<Due> = outbox::table
            .filter(outbox::delivered_at.is_null())
            .filter(outbox::failed_at.is_null())
            .filter(outbox::next_attempt_at.le(now))
            .filter(
                outbox::leased_until
                    .is_null()
                    .or(outbox::leased_until.le(now)),
            )
            .order((outbox::next_attempt_at, outbox::id))
            .limit(i64::try_from(limit).unwrap_or(i64::MAX))
            .select((
                outbox::id,
                outbox::webhook,
                outbox::event_type,
                outbox::payload,
                outbox::attempts,
            ))
            .load(conn)?;
        let ids: Vec<i64> = due.iter().map(|d| d.id).collect();
        if !ids.is_empty() {
            diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
                .set(outbox::leased_until.eq(until))
                .execute(conn)?;
        }
        Ok(due)
    })
}

/// One delivery attempt: when, the HTTP status (none when no answer came) or the error, how
/// long it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub at: NaiveDateTime,
    pub status: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// What becomes of a message after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Try again from then on.
    Retry(NaiveDateTime),
    /// No more attempts.
    Failed,
}

/// Logs `attempt` of message `id` and applies `outcome`, releasing the lease, in one write
/// transaction. With `erase`, a delivered or failed message's payload is emptied (it carried
/// personal data that has no business staying once it was sent or given up on).
pub fn record(
    conn: &mut DbConnection,
    id: i64,
    attempt: &Attempt,
    outcome: Outcome,
    erase: bool,
) -> Result<(), StoreError> {
    let status = attempt.status.map(i32::from);
    write_transaction(conn, |conn| {
        diesel::insert_into(outbox_attempts::table)
            .values((
                outbox_attempts::outbox_id.eq(id),
                outbox_attempts::at.eq(attempt.at),
                outbox_attempts::status.eq(status),
                outbox_attempts::error.eq(&attempt.error),
                outbox_attempts::duration_ms.eq(attempt.duration_ms),
            ))
            .execute(conn)?;
        let row = outbox::table.find(id);
        diesel::update(row)
            .set((
                outbox::attempts.eq(outbox::attempts + 1),
                outbox::leased_until.eq(None::<NaiveDateTime>),
                outbox::last_status.eq(status),
                outbox::last_error.eq(&attempt.error),
            ))
            .execute(conn)?;
        match outcome {
            Outcome::Delivered => {
                diesel::update(row)
                    .set(outbox::delivered_at.eq(attempt.at))
                    .execute(conn)?;
            }
            Outcome::Retry(next) => {
                diesel::update(row)
                    .set(outbox::next_attempt_at.eq(next))
                    .execute(conn)?;
            }
            Outcome::Failed => {
                diesel::update(row)
                    .set(outbox::failed_at.eq(attempt.at))
                    .execute(conn)?;
            }
        }
        if erase && !matches!(outcome, Outcome::Retry(_)) {
            diesel::update(row)
                .set(outbox::payload.eq("{}"))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// One queued message as a listing shows it (no payload).
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Queued {
    pub id: i64,
    pub webhook: String,
    pub event_type: String,
    pub dedupe_key: String,
    pub attempts: i32,
    pub delivered_at: Option<NaiveDateTime>,
    pub failed_at: Option<NaiveDateTime>,
    pub last_status: Option<i32>,
}

/// Every queued message, oldest first.
pub fn messages(conn: &mut DbConnection) -> Result<Vec<Queued>, StoreError> {
    Ok(outbox::table
        .order(outbox::id)
        .select((
            outbox::id,
            outbox::webhook,
            outbox::event_type,
            outbox::dedupe_key,
            outbox::attempts,
            outbox::delivered_at,
            outbox::failed_at,
            outbox::last_status,
        ))
        .load(conn)?)
}

/// The payload of message `id` as it is stored now.
pub fn payload(conn: &mut DbConnection, id: i64) -> Result<String, StoreError> {
    Ok(outbox::table.find(id).select(outbox::payload).first(conn)?)
}

/// The attempts logged for message `id`, in order: (at, status, error, duration in ms).
pub fn attempts(conn: &mut DbConnection, id: i64) -> Result<Vec<Attempt>, StoreError> {
    let rows: Vec<(NaiveDateTime, Option<i32>, Option<String>, i64)> = outbox_attempts::table
        .filter(outbox_attempts::outbox_id.eq(id))
        .order(outbox_attempts::id)
        .select((
            outbox_attempts::at,
            outbox_attempts::status,
            outbox_attempts::error,
            outbox_attempts::duration_ms,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(at, status, error, duration_ms)| Attempt {
            at,
            status: status.and_then(|s| u16::try_from(s).ok()),
            error,
            duration_ms,
        })
        .collect())
}

/// A traveler of a trip, as a departure reminder needs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub traveler: i64,
    pub phone: Option<String>,
    pub language: Option<String>,
    pub nationality: String,
}

/// A trip's departure, its port and its travelers not purged, by id.
#[derive(Debug, Clone, PartialEq)]
pub struct Departure {
    pub trip: i64,
    pub batch_code: Option<String>,
    pub depart_at: NaiveDateTime,
    pub port_code: String,
    pub port_zh: String,
    pub port_en: String,
    pub travelers: Vec<Recipient>,
}

/// The departure of trip `trip`, or `None` when there is no such trip.
pub fn departure(conn: &mut DbConnection, trip: i64) -> Result<Option<Departure>, StoreError> {
    let head: Option<(NaiveDateTime, Option<String>, String, String, String)> = trips::table
        .inner_join(ports::table)
        .filter(trips::id.eq(trip))
        .select((
            trips::started_at,
            trips::batch_code,
            ports::code,
            ports::name_zh,
            ports::name_en,
        ))
        .first(conn)
        .optional()?;
    let Some((depart_at, batch_code, port_code, port_zh, port_en)) = head else {
        return Ok(None);
    };
    let rows: Vec<(i64, Option<String>, Option<String>, String)> = trip_travelers::table
        .inner_join(travelers::table)
        .filter(trip_travelers::trip_id.eq(trip))
        .filter(travelers::purged_at.is_null())
        .order(travelers::id)
        .select((
            travelers::id,
            travelers::phone,
            travelers::language,
            travelers::nationality,
        ))
        .load(conn)?;
    Ok(Some(Departure {
        trip,
        batch_code,
        depart_at,
        port_code,
        port_zh,
        port_en,
        travelers: rows
            .into_iter()
            .map(|(traveler, phone, language, nationality)| Recipient {
                traveler,
                phone,
                language,
                nationality,
            })
            .collect(),
    }))
}
