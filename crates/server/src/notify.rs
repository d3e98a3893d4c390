//! Notifications' delivery: one task per server that, every tick, runs the outbox projector
//! (`closedloop_app::notify::project`, on the blocking pool), leases the due messages — so two
//! instances never send one message at the same time —, POSTs each with async reqwest, signed
//! the Standard Webhooks way (`webhook-id` is `msg_<outbox id>` on every attempt, a fresh
//! `webhook-timestamp` and signature each time), and logs the attempt, which sets the next
//! with back-off or ends the message. Logs name the webhook, its URL, the status and the
//! error; never a payload (a reminder holds a phone).

pub mod sign;

use crate::state::State;
use chrono::Utc;
use closedloop_app::notify::{self, AttemptResult, Delivery};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Messages leased per tick (sent concurrently).
const BATCH: usize = 16;

/// Runs until the server stops. A failed step (the database away for a moment) is logged and
/// tried again on the next tick.
pub async fn deliver(state: Arc<State>, tick: Duration) {
    let settings = state.app.config.notify.clone();
    let client = match reqwest::Client::builder()
        .timeout(settings.timeout)
        .user_agent(concat!("closedloop/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "notifications: no HTTP client, nothing will be sent");
            return;
        }
    };
    // A lease outlives the slowest attempt and its logging.
    let lease = settings.timeout * 2 + Duration::from_secs(30);
    loop {
        project(&state).await;
        if !settings.webhooks.is_empty() {
            send_due(&state, &client, lease).await;
        }
        actix_web::rt::time::sleep(tick).await;
    }
}

/// Projects until the cursor has caught up with the ledger.
async fn project(state: &Arc<State>) {
    loop {
        match state.run(|app| notify::project(app, Utc::now())).await {
            Ok(p) if p.more => continue,
            Ok(_) => return,
            Err(p) => {
                tracing::warn!(code = %p.code, "notifications: the outbox could not be filled");
                return;
            }
        }
    }
}

async fn send_due(state: &Arc<State>, client: &reqwest::Client, lease: Duration) {
    let due = match state
        .run(move |app| notify::lease(app, Utc::now(), lease, BATCH))
        .await
    {
        Ok(due) => due,
        Err(p) => {
            tracing::warn!(code = %p.code, "notifications: the outbox could not be read");
            return;
        }
    };
    let sends: Vec<_> = due
        .into_iter()
        .map(|d| {
            let (state, client) = (Arc::clone(state), client.clone());
            actix_web::rt::spawn(async move { send_one(&state, &client, d).await })
        })
        .collect();
    for s in sends {
        let _ = s.await;
    }
}

async fn send_one(state: &Arc<State>, client: &reqwest::Client, d: Delivery) {
    let at = Utc::now();
    let timestamp = at.timestamp();
    let signature = sign::sign(d.secret.bytes(), &d.msg_id, timestamp, d.body.as_bytes());
    let started = Instant::now();
    let answer = client
        .post(&d.url)
        .header("content-type", "application/json")
        .header("webhook-id", &d.msg_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(d.body.clone())
        .send()
        .await;
    let (status, error) = match answer {
        Ok(r) if r.status().is_success() => (Some(r.status().as_u16()), None),
        Ok(r) => (
            Some(r.status().as_u16()),
            Some(format!("the webhook answered {}", r.status())),
        ),
        Err(e) => (None, Some(describe(&e))),
    };
    let result = AttemptResult {
        at,
        status,
        error,
        duration: started.elapsed(),
    };
    let attempt = d.attempts + 1;
    match &result.error {
        None => tracing::info!(
            webhook = %d.webhook, url = %d.url, kind = d.kind.code(), id = %d.msg_id,
            attempt, status, "notification delivered"
        ),
        Some(e) => tracing::warn!(
            webhook = %d.webhook, url = %d.url, kind = d.kind.code(), id = %d.msg_id,
            attempt, status, error = %e, "notification not delivered"
        ),
    }
    let jitter = unit_random();
    let (webhook, id) = (d.webhook.clone(), d.msg_id.clone());
    match state
        .run(move |app| notify::record(app, &d, &result, jitter))
        .await
    {
        Ok(closedloop_store::outbox::Outcome::Failed) => {
            tracing::error!(webhook = %webhook, id = %id, attempt, "notification failed: no attempts left");
        }
        Ok(_) => {}
        // The lease runs out and the message is sent again: at least once.
        Err(p) => {
            tracing::warn!(code = %p.code, id = %id, "notifications: an attempt could not be logged")
        }
    }
}

/// An error of the HTTP client in a few words, with its causes (no payload is in them).
fn describe(e: &reqwest::Error) -> String {
    let mut s = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "could not connect".to_string()
    } else {
        "request failed".to_string()
    };
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s
}

/// A uniform number in [0, 1) for the back-off's jitter.
fn unit_random() -> f64 {
    let mut b = [0u8; 8];
    if getrandom::fill(&mut b).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}
