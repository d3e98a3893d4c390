//! `GET /api/events`: server-sent events (text/event-stream) of what is committed — batch
//! status, hand-overs, gate decisions, check-lists, incidents — each with an id from the
//! ledger's sequence numbers (`closedloop_app::events`). A client that reconnects sends
//! `Last-Event-ID` (browsers do it themselves) and gets everything after it that it may see: the
//! roles that see every batch get every event, a driver, escort, port or hotel staff those of
//! their batches. A comment line every heart-beat (15 s by default) keeps proxies from closing a
//! quiet stream. The service has no compression middleware, which would buffer the stream.

use crate::live::Hub;
use crate::problem::Problem;
use crate::state::State;
use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data, Query};
use actix_web::{HttpRequest, HttpResponse, get};
use closedloop_app::accounts::{Caller, Scope};
use closedloop_app::events::{self, Event};
use serde::Deserialize;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Start after this event id (`Last-Event-ID` wins when both are sent); without either,
    /// the stream starts with what happens next.
    after: Option<u64>,
}

/// Server-sent events, from `Last-Event-ID` (or `after`) on.
#[utoipa::path(
    tag = "custody",
    params(
        EventsQuery,
        ("Last-Event-ID" = Option<String>, Header, description = "The id of the last event received"),
    ),
    responses(
        (status = 200, content_type = "text/event-stream",
            description = "`id:` the event id (the ledger entry's sequence number plus one), `event:` the kind, `data:` the event as JSON"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/events")]
pub async fn stream(
    state: Data<State>,
    caller: crate::auth::Caller,
    hub: Data<Hub>,
    req: HttpRequest,
    q: Query<EventsQuery>,
) -> Result<HttpResponse, Problem> {
    let state = state.into_inner();
    let who = caller.0.clone();
    let scope = state.run(move |app| events::scope_for(app, &who)).await?;
    let reader = Reader {
        caller: caller.0.clone(),
        scope,
        read_at: Instant::now(),
    };
    let after = match last_event_id(&req)? {
        Some(id) => id,
        None => match q.after {
            Some(a) => a,
            None => state.run(events::last_id).await?,
        },
    };
    let (tx, rx) = mpsc::channel::<Bytes>(64);
    actix_web::rt::spawn(feed(state, hub.into_inner(), reader, after, tx));
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<_, Infallible>(b), rx))
    });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body))
}

fn last_event_id(req: &HttpRequest) -> Result<Option<u64>, Problem> {
    let Some(v) = req.headers().get("last-event-id") else {
        return Ok(None);
    };
    v.to_str()
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .map(Some)
        .ok_or_else(|| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "last_event_id_invalid",
                "Last-Event-ID must be the id of an event this service sent (a whole number)",
                "Last-Event-ID 须为本服务发出的事件编号（整数）",
            )
            .at("Last-Event-ID")
        })
}

/// One event as the stream writes it.
pub fn frame(e: &Event) -> Bytes {
    let data = serde_json::to_string(e).unwrap_or_else(|_| "{}".into());
    Bytes::from(format!("id: {}\nevent: {}\ndata: {data}\n\n", e.id, e.kind))
}

/// Who reads a stream, and the batches they may follow (all of them, or their own).
struct Reader {
    caller: Caller,
    scope: Scope,
    read_at: Instant,
}

/// A scope is read again at most this often, when an event of a batch not in it shows up (a
/// batch assigned to the crew since the stream opened).
const SCOPE_REFRESH: Duration = Duration::from_secs(5);

impl Reader {
    async fn sees(&mut self, state: &Arc<State>, e: &Event) -> bool {
        if events::visible(&self.scope, e) {
            return true;
        }
        if e.batch.is_none() || self.read_at.elapsed() < SCOPE_REFRESH {
            return false;
        }
        let who = self.caller.clone();
        if let Ok(scope) = state.run(move |app| events::scope_for(app, &who)).await {
            self.scope = scope;
        }
        self.read_at = Instant::now();
        events::visible(&self.scope, e)
    }
}

/// Writes the backlog after `after`, then the broadcast, to one client until it goes away:
/// only the events its reader may see, the others skipped.
async fn feed(
    state: Arc<State>,
    hub: Arc<Hub>,
    mut reader: Reader,
    mut after: u64,
    tx: mpsc::Sender<Bytes>,
) {
    // Subscribed before the backlog is read: what is committed meanwhile comes on the channel.
    let mut rx = hub.subscribe();
    if tx
        .send(Bytes::from_static(b"retry: 2000\n\n"))
        .await
        .is_err()
    {
        return;
    }
    'backlog: loop {
        loop {
            let page = match state.run(move |app| events::since(app, after)).await {
                Ok(page) => page,
                // The database away: the client reconnects with its last id.
                Err(_) => return,
            };
            let full = page.len() == events::PAGE;
            for e in &page {
                if reader.sees(&state, e).await && tx.send(frame(e)).await.is_err() {
                    return;
                }
                after = e.id;
            }
            if !full {
                break;
            }
        }
        loop {
            // A client gone ends the feed as soon as actix drops the body, and at the latest
            // when the next heart-beat cannot be written.
            let next = std::pin::pin!(actix_web::rt::time::timeout(hub.heartbeat, rx.recv()));
            let gone = std::pin::pin!(tx.closed());
            let next = match futures_util::future::select(next, gone).await {
                futures_util::future::Either::Left((next, _)) => next,
                futures_util::future::Either::Right(_) => return,
            };
            match next {
                Ok(Ok(e)) if e.id <= after => {}
                Ok(Ok(e)) => {
                    if reader.sees(&state, &e).await && tx.send(frame(&e)).await.is_err() {
                        return;
                    }
                    after = e.id;
                }
                // Too slow for the channel: read the rest from the database.
                Ok(Err(RecvError::Lagged(_))) => continue 'backlog,
                Ok(Err(RecvError::Closed)) => return,
                Err(_) => {
                    if tx
                        .send(Bytes::from_static(b": heartbeat\n\n"))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            }
        }
    }
}
