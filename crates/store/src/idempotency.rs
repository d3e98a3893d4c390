//! Idempotency keys of the web service's POST requests (the IETF httpapi Idempotency-Key
//! draft). The key must be stored in the same transaction as the write it guards, or a crash
//! between the two would let a replay write a second record. The use case opens its own
//! transactions, so the key travels beside it instead: [`armed`] arms a claim on the calling
//! thread, and the outermost [`write_transaction`](crate::write_transaction) that commits on that
//! thread inserts the key just before its commit ([`claim_in_transaction`]). A second request
//! with the same key (another server instance, or one that raced past the caller's in-process
//! check) then fails on the key's primary key and its whole write rolls back.
//!
//! The answer is known only once the use case has returned, after the commit: it is stored
//! then ([`store_answer`]). If the process dies in between, the key exists without an answer,
//! and a replay learns that the write was made ([`Prior::AnswerLost`]) rather than making it
//! twice.

use crate::connection::DbConnection;
use crate::error::StoreError;
use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use std::cell::RefCell;

diesel::table! {
    idempotency_keys (scope, idem_key) {
        scope -> Text,
        idem_key -> Text,
        fingerprint -> Text,
        created_at -> Timestamp,
        response_status -> Nullable<Integer>,
        response_body -> Nullable<Text>,
    }
}

/// How long a key is remembered (the draft leaves it to the server; the issue says 24 hours).
pub const KEPT_FOR: TimeDelta = TimeDelta::hours(24);

/// A key as a caller sent it: scoped to the caller, with the fingerprint of the request (method,
/// path and body) it first came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub scope: String,
    pub key: String,
    pub fingerprint: String,
    pub at: NaiveDateTime,
}

/// What the store remembers of a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prior {
    /// Never seen (or seen more than [`KEPT_FOR`] ago).
    Unseen,
    /// Seen with another request: the draft's 422.
    OtherRequest,
    /// Seen with this request, and answered: replay the answer.
    Answered { status: u16, body: String },
    /// Seen with this request, its write committed, but no answer was stored (the process
    /// stopped between the commit and storing it, or the first request is still running on
    /// another instance).
    AnswerLost,
}

/// What became of an armed claim once the use case returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// No write transaction committed: nothing to guard (a refused request, a read).
    NotUsed,
    /// The key committed with the write.
    Claimed,
    /// The key was already there when the write tried to commit: the write rolled back.
    Taken,
}

enum Slot {
    Armed(Claim),
    Done(ClaimOutcome),
}

thread_local! {
    static ARMED: RefCell<Option<Slot>> = const { RefCell::new(None) };
}

/// Runs `f` with `claim` armed on this thread; returns what `f` returned and whether the key
/// committed with a write.
pub fn armed<T>(claim: Claim, f: impl FnOnce() -> T) -> (T, ClaimOutcome) {
    struct Disarm;
    impl Drop for Disarm {
        fn drop(&mut self) {
            ARMED.with(|a| a.borrow_mut().take());
        }
    }
    ARMED.with(|a| *a.borrow_mut() = Some(Slot::Armed(claim)));
    let _disarm = Disarm;
    let out = f();
    let outcome = ARMED.with(|a| match a.borrow_mut().take() {
        Some(Slot::Done(o)) => o,
        Some(Slot::Armed(_)) | None => ClaimOutcome::NotUsed,
    });
    (out, outcome)
}

/// Called by the outermost write transaction just before it commits: inserts the armed key, if
/// any, in that transaction. An error rolls the write back.
pub(crate) fn claim_in_transaction(conn: &mut DbConnection) -> Result<(), diesel::result::Error> {
    let Some(claim) = ARMED.with(|a| {
        let mut slot = a.borrow_mut();
        match slot.take() {
            Some(Slot::Armed(c)) => Some(c),
            other => {
                *slot = other;
                None
            }
        }
    }) else {
        return Ok(());
    };
    let inserted = insert(conn, &claim);
    let outcome = match &inserted {
        Ok(()) => ClaimOutcome::Claimed,
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => ClaimOutcome::Taken,
        // Any other failure: the key stays armed for a later transaction to try again.
        Err(_) => {
            ARMED.with(|a| *a.borrow_mut() = Some(Slot::Armed(claim)));
            return inserted;
        }
    };
    ARMED.with(|a| *a.borrow_mut() = Some(Slot::Done(outcome)));
    inserted
}

fn insert(conn: &mut DbConnection, claim: &Claim) -> Result<(), diesel::result::Error> {
    use idempotency_keys::dsl as k;
    // An expired key of the same scope and name may still be there: it is forgotten now.
    diesel::delete(
        k::idempotency_keys
            .filter(k::scope.eq(&claim.scope))
            .filter(k::idem_key.eq(&claim.key))
            .filter(k::created_at.lt(claim.at - KEPT_FOR)),
    )
    .execute(conn)?;
    diesel::insert_into(k::idempotency_keys)
        .values((
            k::scope.eq(&claim.scope),
            k::idem_key.eq(&claim.key),
            k::fingerprint.eq(&claim.fingerprint),
            k::created_at.eq(claim.at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// What is remembered of `claim`'s key.
pub fn lookup(conn: &mut DbConnection, claim: &Claim) -> Result<Prior, StoreError> {
    use idempotency_keys::dsl as k;
    let row: Option<(String, Option<i32>, Option<String>)> = k::idempotency_keys
        .filter(k::scope.eq(&claim.scope))
        .filter(k::idem_key.eq(&claim.key))
        .filter(k::created_at.ge(claim.at - KEPT_FOR))
        .select((k::fingerprint, k::response_status, k::response_body))
        .first(conn)
        .optional()?;
    Ok(match row {
        None => Prior::Unseen,
        Some((f, _, _)) if f != claim.fingerprint => Prior::OtherRequest,
        Some((_, Some(status), Some(body))) => Prior::Answered {
            status: u16::try_from(status).unwrap_or(500),
            body,
        },
        Some(_) => Prior::AnswerLost,
    })
}

/// Stores the first answer to `claim`'s key — inserting the key if no write transaction did
/// (a request answered without writing, such as one whose rows were all already stored).
pub fn store_answer(
    conn: &mut DbConnection,
    claim: &Claim,
    status: u16,
    body: &str,
) -> Result<(), StoreError> {
    use idempotency_keys::dsl as k;
    let answer = |conn: &mut DbConnection| {
        diesel::update(
            k::idempotency_keys
                .filter(k::scope.eq(&claim.scope))
                .filter(k::idem_key.eq(&claim.key))
                .filter(k::fingerprint.eq(&claim.fingerprint)),
        )
        .set((
            k::response_status.eq(i32::from(status)),
            k::response_body.eq(body),
        ))
        .execute(conn)
    };
    crate::write_transaction(conn, |conn| {
        if answer(conn)? == 0 {
            insert(conn, claim)?;
            answer(conn)?;
        }
        Ok::<_, StoreError>(())
    })
}

/// Forgets every key older than [`KEPT_FOR`] at `now`; returns how many.
pub fn forget_expired(conn: &mut DbConnection, now: NaiveDateTime) -> Result<usize, StoreError> {
    use idempotency_keys::dsl as k;
    crate::write_transaction(conn, |conn| {
        Ok(
            diesel::delete(k::idempotency_keys.filter(k::created_at.lt(now - KEPT_FOR)))
                .execute(conn)?,
        )
    })
}
