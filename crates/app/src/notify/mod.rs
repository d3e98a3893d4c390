//! Notifications to the configured webhooks (`[notify]`): incidents and overdue loops to the
//! command centre, the departure reminder to each traveler of an approved trip (through an SMS
//! gateway), in their language.
//!
//! The outbox pattern: the ledger is the event record, and [`project`] fills the outbox from
//! it — in one write transaction it reads the entries after the stored cursor, inserts the
//! messages they call for (and one per newly overdue loop) and advances the cursor — so a
//! message exists exactly for committed events, none is lost across a crash and none doubled
//! (a message is unique per webhook and dedupe key). Delivery is at least once: [`lease`] hands
//! out due messages, the sender POSTs them signed (the same `webhook-id` on every retry, so
//! receivers drop repeats), and [`record`] logs each attempt and sets the next with
//! exponential back-off and jitter, until the attempts run out.

pub mod payload;
pub mod settings;

pub use settings::{FileNotify, Kind, NotifySettings, Secret, Webhook};

use crate::context::App;
use crate::error::AppResult;
use chrono::{DateTime, TimeDelta, Utc};
use closedloop_ledger::entry::TripPhase;
use closedloop_ledger::{Body, Entry};
use closedloop_store::desk::LoopRow;
use closedloop_store::events as ledger_feed;
use closedloop_store::outbox::{self as store, NewMessage};
use closedloop_store::{DbConnection, StoreError};
use std::time::Duration;

/// Ledger entries read per projection: a projector far behind catches up over several.
pub const PAGE: usize = 500;

/// What one projection did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Projected {
    /// Messages queued.
    pub queued: usize,
    /// Entries remain after the cursor: project again.
    pub more: bool,
}

/// Projects the ledger entries after the cursor, and the loops overdue at `now`, into the
/// outbox. Without anything new it writes nothing (a read decides), so an idle server does not
/// take the writers' lock every tick.
pub fn project(app: &App, now: DateTime<Utc>) -> AppResult<Projected> {
    let notify = &app.config.notify;
    let overdue_wanted = notify.receivers(Kind::LoopOverdue).next().is_some();
    let mut conn = app.conn()?;
    let (cursor, next) = (store::cursor(&mut conn)?, ledger_feed::next_seq(&mut conn)?);
    let margin = app.config.handover.overdue_margin;
    let overdue = if overdue_wanted {
        let mut rows = closedloop_store::desk::loops(&mut conn, now, margin, false)?;
        rows.retain(|l| l.overdue);
        let keys = overdue_keys(notify, &rows);
        let queued = store::queued(&mut conn, &keys)?;
        keys.iter().any(|k| !queued.contains(k))
    } else {
        false
    };
    if cursor >= next && !overdue {
        return Ok(Projected {
            queued: 0,
            more: false,
        });
    }
    let offset = app.config.handover.gates.utc_offset;
    let done = store::project(
        &mut conn,
        PAGE,
        |conn, entries| {
            let mut out = Vec::new();
            for e in entries {
                from_entry(conn, notify, offset, e, now, &mut out)?;
            }
            if overdue_wanted {
                let loops = closedloop_store::desk::loops(conn, now, margin, false)?;
                for l in loops.iter().filter(|l| l.overdue) {
                    let since = l.planned_arrival.unwrap_or(l.since) + margin;
                    let body = payload::loop_overdue(l, since, offset, now);
                    push(
                        &mut out,
                        notify,
                        Kind::LoopOverdue,
                        payload::loop_key(l),
                        body,
                    );
                }
            }
            Ok(out)
        },
        now.naive_utc(),
    )?;
    if done.inserted > 0 {
        tracing::info!(queued = done.inserted, "notifications queued");
    }
    Ok(Projected {
        queued: done.inserted,
        more: done.entries == PAGE,
    })
}

fn overdue_keys(notify: &NotifySettings, rows: &[LoopRow]) -> Vec<(String, String)> {
    let mut keys = Vec::new();
    for w in notify.receivers(Kind::LoopOverdue) {
        for l in rows {
            keys.push((w.name.clone(), payload::loop_key(l)));
        }
    }
    keys
}

/// One message per webhook that receives `kind`.
fn push(out: &mut Vec<NewMessage>, notify: &NotifySettings, kind: Kind, key: String, body: String) {
    for w in notify.receivers(kind) {
        out.push(NewMessage {
            webhook: w.name.clone(),
            event_type: kind.code().to_string(),
            dedupe_key: key.clone(),
            payload: body.clone(),
        });
    }
}

/// The messages one ledger entry calls for: an incident; a trip approved (a reminder per
/// traveler).
fn from_entry(
    conn: &mut DbConnection,
    notify: &NotifySettings,
    offset: chrono::FixedOffset,
    e: &Entry,
    now: DateTime<Utc>,
    out: &mut Vec<NewMessage>,
) -> Result<(), StoreError> {
    match &e.body {
        Body::Incident(i) if notify.receivers(Kind::Incident).next().is_some() => {
            let ev = crate::events::event(e);
            let facts = payload::IncidentFacts {
                event: ev.id,
                kind: i.incident,
                severity: i.severity,
                batch: ev.batch,
                at: ev.at,
            };
            let key = format!("{}:{}", Kind::Incident.code(), e.seq);
            push(
                out,
                notify,
                Kind::Incident,
                key,
                payload::incident(&facts, offset),
            );
        }
        Body::TripState(t)
            if t.to == TripPhase::Approved
                && notify.receivers(Kind::DepartureReminder).next().is_some() =>
        {
            let Some(trip) = t.batch.as_str().parse::<i64>().ok() else {
                return Ok(());
            };
            let Some(d) = store::departure(conn, trip)? else {
                return Ok(());
            };
            let depart_at = t.started.to_datetime();
            for r in d.travelers.iter().filter(|r| r.phone.is_some()) {
                let key = format!(
                    "{}:{}:{}",
                    Kind::DepartureReminder.code(),
                    e.seq,
                    r.traveler
                );
                let body = payload::departure_reminder(&d, r, depart_at, offset, now);
                push(out, notify, Kind::DepartureReminder, key, body);
            }
        }
        _ => {}
    }
    Ok(())
}

/// A message to send now: where, with which secret, under which id.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub outbox_id: i64,
    /// The Standard Webhooks `webhook-id`: the same on every attempt.
    pub msg_id: String,
    pub webhook: String,
    pub url: String,
    pub secret: Secret,
    pub kind: Kind,
    pub body: String,
    /// Attempts before this one.
    pub attempts: u32,
}

/// Leases up to `limit` due messages for `lease_for` (a sender that dies holding them only
/// delays them). A message whose webhook is no longer configured fails at once, logged.
pub fn lease(
    app: &App,
    now: DateTime<Utc>,
    lease_for: Duration,
    limit: usize,
) -> AppResult<Vec<Delivery>> {
    let until = now + TimeDelta::from_std(lease_for).unwrap_or(TimeDelta::minutes(5));
    let mut conn = app.conn()?;
    let due = store::lease(&mut conn, now.naive_utc(), until.naive_utc(), limit)?;
    let mut out = Vec::with_capacity(due.len());
    for d in due {
        let kind = Kind::from_code(&d.event_type);
        match (app.config.notify.webhook(&d.webhook), kind) {
            (Some(w), Some(kind)) => out.push(Delivery {
                outbox_id: d.id,
                msg_id: format!("msg_{}", d.id),
                webhook: w.name.clone(),
                url: w.url.clone(),
                secret: w.secret.clone(),
                kind,
                body: d.payload,
                attempts: u32::try_from(d.attempts).unwrap_or(0),
            }),
            _ => {
                tracing::warn!(webhook = %d.webhook, outbox = d.id, "notification failed: webhook not configured");
                let attempt = store::Attempt {
                    at: now.naive_utc(),
                    status: None,
                    error: Some(format!(
                        "webhook {:?} is not configured for {:?}",
                        d.webhook, d.event_type
                    )),
                    duration_ms: 0,
                };
                store::record(&mut conn, d.id, &attempt, store::Outcome::Failed, true)?;
            }
        }
    }
    Ok(out)
}

/// How an attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptResult {
    pub at: DateTime<Utc>,
    /// The answer's status, when one came.
    pub status: Option<u16>,
    /// What went wrong (a status outside 2xx, a timeout, a refused connection). Never holds
    /// the payload.
    pub error: Option<String>,
    pub duration: Duration,
}

/// Logs an attempt of `d` and decides what follows: delivered on a 2xx, else another attempt
/// after the back-off (`jitter` in [0, 1) picks where in its upper half), or failed once the
/// configured attempts are spent. A delivered or failed reminder's payload (it holds a phone)
/// is erased.
pub fn record(
    app: &App,
    d: &Delivery,
    r: &AttemptResult,
    jitter: f64,
) -> AppResult<store::Outcome> {
    let notify = &app.config.notify;
    let made = d.attempts + 1;
    let ok = r.status.is_some_and(|s| (200..300).contains(&s));
    let outcome = if ok {
        store::Outcome::Delivered
    } else if made >= notify.max_attempts {
        store::Outcome::Failed
    } else {
        let wait = TimeDelta::from_std(notify.backoff(made, jitter)).unwrap_or(TimeDelta::MAX);
        store::Outcome::Retry((r.at + wait).naive_utc())
    };
    let attempt = store::Attempt {
        at: r.at.naive_utc(),
        status: r.status,
        error: r.error.clone(),
        duration_ms: i64::try_from(r.duration.as_millis()).unwrap_or(i64::MAX),
    };
    store::record(
        &mut *app.conn()?,
        d.outbox_id,
        &attempt,
        outcome,
        d.kind.personal(),
    )?;
    Ok(outcome)
}
