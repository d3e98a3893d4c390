//! What the service forgets on its own, so its tables stay as large as the day's work and not
//! the deployment's age: idempotency keys once their 24 hours are over (a replay after that is
//! a new request, as the IETF draft allows), sessions a week after they ended. Failed logins
//! are forgotten when the next one is recorded; positions, check-lists and everything the
//! ledger covers are records and stay.

use crate::context::App;
use crate::error::AppResult;
use chrono::{DateTime, TimeDelta, Utc};
use closedloop_store::accounts::sessions::forget_sessions_ended_before;
use closedloop_store::idempotency::forget_expired;
use serde::Serialize;

/// How long an ended session is kept.
pub const ENDED_SESSIONS_KEPT: TimeDelta = TimeDelta::days(7);

/// How many rows one sweep forgot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Swept {
    pub idempotency_keys: usize,
    pub sessions: usize,
}

/// Forgets what has outlived its use at `now`.
pub fn sweep(app: &App, now: DateTime<Utc>) -> AppResult<Swept> {
    let mut conn = app.conn()?;
    let now = now.naive_utc();
    Ok(Swept {
        idempotency_keys: forget_expired(&mut conn, now)?,
        sessions: forget_sessions_ended_before(&mut conn, now - ENDED_SESSIONS_KEPT)?,
    })
}
