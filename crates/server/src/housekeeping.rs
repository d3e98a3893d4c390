//! One task per server that sweeps, every tick, what the service forgets on its own
//! (`closedloop_app::housekeeping`): several instances sweeping at once delete the same rows,
//! which is harmless. A failed sweep is logged and tried again on the next tick.

use crate::state::State;
use chrono::Utc;
use closedloop_app::housekeeping::sweep;
use std::sync::Arc;
use std::time::Duration;

pub async fn run(state: Arc<State>, tick: Duration) {
    loop {
        match state.run(|app| sweep(app, Utc::now())).await {
            Ok(s) if s.idempotency_keys + s.sessions > 0 => tracing::info!(
                idempotency_keys = s.idempotency_keys,
                sessions = s.sessions,
                "housekeeping: expired rows forgotten"
            ),
            Ok(_) => {}
            Err(p) => tracing::warn!(code = %p.code, "housekeeping: the sweep failed"),
        }
        actix_web::rt::time::sleep(tick).await;
    }
}
