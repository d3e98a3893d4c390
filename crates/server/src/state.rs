//! What every handler shares: the application (configuration, the database opened once, the
//! ledger keys), the bound on blocking calls, the metrics and the generated documents.

use crate::observe::Metrics;
use crate::problem::Problem;
use crate::routes::RouteTable;
use actix_web::http::StatusCode;
use closedloop_app::{App, AppResult};
use std::sync::Arc;
use tokio::sync::Semaphore;

pub struct State {
    pub app: App,
    /// Diesel is synchronous: every use case runs on the blocking pool, and at most this many
    /// at once, so a burst of requests queues here instead of piling threads onto a pool of a
    /// few connections (4 on SQLite, 8 on PostgreSQL) and timing out there.
    blocking: Semaphore,
    pub metrics: Metrics,
    /// `/api/openapi.json`, serialised once at start.
    pub openapi: String,
    /// What was mounted, to tell a wrong method (405) from no route (404).
    pub routes: RouteTable,
    /// The session cookie is marked `Secure`: the service is reached over TLS.
    pub secure_cookies: bool,
    /// Proxies whose `X-Forwarded-For` names the client (for the login lockout by address).
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl State {
    pub fn new(app: App, max_blocking: usize, openapi: String, routes: RouteTable) -> State {
        State {
            app,
            blocking: Semaphore::new(max_blocking.max(1)),
            metrics: Metrics::default(),
            openapi,
            routes,
            secure_cookies: false,
            trusted_proxies: Vec::new(),
        }
    }

    /// The same, taking the client's address from `X-Forwarded-For` when the peer is one of
    /// `proxies`.
    pub fn with_trusted_proxies(mut self, proxies: Vec<std::net::IpAddr>) -> State {
        self.trusted_proxies = proxies;
        self
    }

    /// The same, with the session cookie marked `Secure` or not.
    pub fn with_secure_cookies(mut self, secure: bool) -> State {
        self.secure_cookies = secure;
        self
    }

    /// Runs one use case off the async runtime (`web::block`), waiting for a permit first.
    pub async fn run<T, F>(self: &Arc<Self>, f: F) -> Result<T, Problem>
    where
        T: Send + 'static,
        F: FnOnce(&App) -> AppResult<T> + Send + 'static,
    {
        let _permit = self.blocking.acquire().await.map_err(|_| {
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "shutting_down",
                "the server is shutting down",
                "服务器正在关闭",
            )
        })?;
        let state = Arc::clone(self);
        // The use case's writes join the store's group commit: writes arriving together share
        // one durable commit, and none returns before it (`closedloop_store::group`).
        let out = actix_web::web::block(move || match state.app.store() {
            Ok(store) => {
                let group = Arc::clone(store.group());
                closedloop_store::group::joined(&group, || f(&state.app))
            }
            Err(_) => f(&state.app),
        })
        .await
        .map_err(|e| Problem::internal("blocking_call_failed", &e))?;
        out.map_err(Problem::from)
    }
}
