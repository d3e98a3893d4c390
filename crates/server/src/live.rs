//! The live events' fan-out: one poller per server reads the ledger for entries after the last
//! it saw and broadcasts them to every subscriber, so 500 open streams cost one query per tick,
//! not 500. Because the events are read from the database, what another server instance wrote
//! arrives too (scaling out behind a load balancer needs nothing more). A subscriber first
//! subscribes, then reads the backlog after its `Last-Event-ID` from the database, then takes
//! the broadcast, skipping what the backlog already gave: nothing is missed in between. A
//! subscriber too slow for the channel reads the database again from its last id.

use crate::state::State;
use closedloop_app::events::{self, Event};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::broadcast;

/// Events held for slow subscribers before they must read the database again.
const CHANNEL: usize = 4096;

pub struct Hub {
    tx: broadcast::Sender<Arc<Event>>,
    /// The id of the last event broadcast.
    last: AtomicU64,
    /// How often the ledger is read for new entries.
    pub tick: Duration,
    /// How long a stream stays quiet before a comment line is written to it.
    pub heartbeat: Duration,
}

impl Hub {
    pub fn new(tick: Duration, heartbeat: Duration) -> Hub {
        Hub {
            tx: broadcast::channel(CHANNEL).0,
            last: AtomicU64::new(0),
            tick,
            heartbeat,
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.tx.subscribe()
    }

    /// How many streams are open.
    pub fn subscribers(&self) -> usize {
        self.tx.receiver_count()
    }
}

/// Reads the ledger every tick and broadcasts what is new; runs until the server stops. A
/// failed read (the database away for a moment) is logged and retried on the next tick.
pub async fn poll(state: Arc<State>, hub: Arc<Hub>) {
    match state.run(events::last_id).await {
        Ok(last) => hub.last.store(last, Ordering::Release),
        Err(p) => tracing::warn!(code = %p.code, "live events: the ledger could not be read"),
    }
    loop {
        actix_web::rt::time::sleep(hub.tick).await;
        loop {
            let after = hub.last.load(Ordering::Acquire);
            let page = match state.run(move |app| events::since(app, after)).await {
                Ok(page) => page,
                Err(p) => {
                    tracing::warn!(code = %p.code, "live events: the ledger could not be read");
                    break;
                }
            };
            let full = page.len() == events::PAGE;
            for e in page {
                hub.last.store(e.id, Ordering::Release);
                // No subscriber is not an error: the event is in the ledger for later.
                let _ = hub.tx.send(Arc::new(e));
            }
            if !full {
                break;
            }
        }
    }
}
