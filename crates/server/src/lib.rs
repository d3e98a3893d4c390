//! closedloop's web service: actix-web over the use cases of `closedloop-app`. The app layer
//! decides; this crate parses requests, calls one use case off the async runtime
//! ([`State::run`], bounded), and answers JSON, or problem+json with the app layer's stable
//! codes ([`problem`]).
//!
//! - [`routes`]: every endpoint, registered once for the server and its OpenAPI document;
//! - [`live`]: the live events' fan-out, one ledger poller per server;
//! - [`notify`]: notifications' delivery — the outbox filled from the ledger, due messages
//!   leased, POSTed signed (Standard Webhooks), every attempt logged, retried with back-off;
//! - [`idempotent`]: POSTs answered once per `Idempotency-Key`;
//! - [`problem`]: errors as RFC 9457 problems, extractor errors included;
//! - [`observe`]: request ids, request logs without personal data, Prometheus metrics;
//! - [`pages`]: cursor pagination;
//! - [`preconditions`]: ETag and If-Match on edits;
//! - [`housekeeping`]: expired idempotency keys and ended sessions forgotten every tick;
//! - [`state`]: the shared application and the bound on blocking calls;
//! - [`auth`]: who is calling — a session cookie or a bearer token resolved to the app layer's
//!   caller before any extractor runs, CSRF on cookie-authenticated writes, the role each
//!   route's action needs; the object rules are the app layer's, in the use cases.
//!
//! Every endpoint but the service's own (health, readiness, metrics, the OpenAPI document and
//! its page, the home page) and logging in takes a signed-in caller.

// A problem is built once per refused request and turned straight into a response: moving its
// 150 bytes through a `Result` costs nothing next to the request, and boxing it would make
// every handler's error type differ from what it renders.
#![allow(clippy::result_large_err)]

pub mod auth;
pub mod housekeeping;
pub mod idempotent;
pub mod live;
pub mod notify;
pub mod observe;
pub mod pages;
pub mod preconditions;
pub mod problem;
pub mod routes;
pub mod state;

pub use routes::{Route, RouteTable};
pub use state::State;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::web::{self, Data};
use actix_web::{App as ActixApp, HttpServer};
use closedloop_app::App;
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;
use utoipa_actix_web::AppExt;

/// How the service runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Largest JSON body accepted, in bytes; larger ones are refused with 413.
    pub json_limit: usize,
    /// Use cases running at once on the blocking pool (default: the store's pool size).
    pub max_blocking: Option<usize>,
    /// On SIGINT / SIGTERM, how long in-flight requests get to finish.
    pub shutdown_timeout: Duration,
    /// Worker threads (default: actix's, one per physical core).
    pub workers: Option<usize>,
    /// Mark the session cookie `Secure`: the service is reached over TLS (directly or through
    /// a proxy that terminates it).
    pub secure_cookies: bool,
    /// Reverse proxies (load balancers) in front of the service: when the peer is one of them,
    /// the client's address is the last one `X-Forwarded-For` names (for the login lockout).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// How often the ledger is read for live events (`/api/events`).
    pub events_tick: Duration,
    /// How long an event stream stays quiet before a heart-beat comment is written.
    pub events_heartbeat: Duration,
    /// How often the notifications' outbox is filled from the ledger and due messages sent.
    pub notify_tick: Duration,
    /// How often expired idempotency keys and ended sessions are forgotten.
    pub housekeeping_tick: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            json_limit: 64 * 1024,
            max_blocking: None,
            shutdown_timeout: Duration::from_secs(30),
            workers: None,
            secure_cookies: false,
            trusted_proxies: Vec::new(),
            events_tick: Duration::from_millis(200),
            events_heartbeat: Duration::from_secs(15),
            notify_tick: Duration::from_secs(1),
            housekeeping_tick: Duration::from_secs(600),
        }
    }
}

/// The default address: loopback only; serving beyond it is a choice (`--listen`), behind TLS
/// (`--secure-cookies`).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// A started server: where it listens, a handle to stop it, and the future that runs it.
pub struct Started {
    pub addr: SocketAddr,
    pub handle: ServerHandle,
    pub server: Server,
}

/// Builds the server on `listener` (already bound: port 0 in tests). The database is opened
/// here, before the first request, so a wrong URL fails the start, not a request. Must be
/// called inside an actix system (see [`run`]).
pub fn start(app: App, listener: TcpListener, opts: &Options) -> std::io::Result<Started> {
    let store = app
        .store()
        .map_err(|e| std::io::Error::other(e.message(closedloop_domain::Lang::En)))?;
    // As many use cases at once as the store has connections: more would wait on the pool.
    let max_blocking = opts.max_blocking.unwrap_or(match store.backend() {
        closedloop_store::Backend::Sqlite => 4,
        closedloop_store::Backend::Postgres => 8,
    });
    let (doc, table) = routes::document();
    let openapi = doc.to_json().map_err(std::io::Error::other)?;
    let state = Data::new(
        State::new(app, max_blocking, openapi, table)
            .with_secure_cookies(opts.secure_cookies)
            .with_trusted_proxies(opts.trusted_proxies.clone()),
    );
    let hub = Data::new(live::Hub::new(opts.events_tick, opts.events_heartbeat));
    actix_web::rt::spawn(live::poll(
        state.clone().into_inner(),
        hub.clone().into_inner(),
    ));
    actix_web::rt::spawn(notify::deliver(
        state.clone().into_inner(),
        opts.notify_tick,
    ));
    actix_web::rt::spawn(housekeeping::run(
        state.clone().into_inner(),
        opts.housekeeping_tick,
    ));
    let json_limit = opts.json_limit;
    let addr = listener.local_addr()?;
    let mut server = HttpServer::new(move || {
        let (app, _) = routes::register(
            ActixApp::new()
                .app_data(state.clone())
                .app_data(hub.clone())
                .app_data(
                    web::JsonConfig::default()
                        .limit(json_limit)
                        .error_handler(problem::json_error),
                )
                .app_data(web::QueryConfig::default().error_handler(problem::query_error))
                .app_data(web::PathConfig::default().error_handler(problem::path_error))
                .into_utoipa_app(),
        );
        app.default_service(web::to(problem::route_not_found))
            .into_app()
            .wrap(from_fn(auth::resolve))
            .wrap(problem::catch_all())
            .wrap(
                DefaultHeaders::new()
                    .add(("X-Content-Type-Options", "nosniff"))
                    .add(("Referrer-Policy", "no-referrer"))
                    .add(("Cache-Control", "no-store")),
            )
            .wrap(from_fn(observe::observe))
    })
    .shutdown_timeout(opts.shutdown_timeout.as_secs())
    .listen(listener)?;
    if let Some(w) = opts.workers {
        server = server.workers(w);
    }
    let server = server.run();
    Ok(Started {
        addr,
        handle: server.handle(),
        server,
    })
}

/// Serves until SIGINT or SIGTERM, then stops gracefully: no new connections, in-flight
/// requests finish (up to [`Options::shutdown_timeout`]).
pub fn run(app: App, listen: SocketAddr, opts: &Options) -> std::io::Result<()> {
    let listener = TcpListener::bind(listen)?;
    actix_web::rt::System::new().block_on(async move {
        let started = start(app, listener, opts)?;
        tracing::info!(
            address = %started.addr,
            secure_cookies = opts.secure_cookies,
            "serving"
        );
        started.server.await
    })
}
