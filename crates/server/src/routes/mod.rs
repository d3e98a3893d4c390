//! The routes, registered once for both the server and its OpenAPI document: every handler
//! goes through [`register`], which mounts it with `utoipa_actix_web` (so the document follows
//! the scopes, utoipa#1212) and records in a [`RouteTable`] the method and full path actix
//! serves it at. The tests compare that table, the document and what the server answers.

pub mod data;
pub mod fleet;
pub mod places;
pub mod schemas;
pub mod service;

use utoipa::OpenApi;
use utoipa_actix_web::UtoipaApp;
use utoipa_actix_web::scope::scope;

/// Where the JSON API lives.
pub const API: &str = "/api";

/// One route as registered: method (upper case) and the full path template.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Route {
    pub method: String,
    pub path: String,
}

#[derive(Debug, Default, Clone)]
pub struct RouteTable(pub Vec<Route>);

impl RouteTable {
    fn add<P: utoipa::Path>(&mut self, prefix: &str, _handler: &P) {
        for m in P::methods() {
            let method = serde_json::to_value(&m)
                .ok()
                .and_then(|v| v.as_str().map(str::to_uppercase))
                .unwrap_or_default();
            let path = format!("{prefix}{}", P::path());
            self.0.push(Route { method, path });
        }
    }

    /// The methods served at `path` (a request path, matched against the templates: a
    /// `{param}` segment matches any one segment).
    pub fn methods_at(&self, path: &str) -> Vec<&str> {
        let matches = |template: &str| {
            let (t, p): (Vec<&str>, Vec<&str>) =
                (template.split('/').collect(), path.split('/').collect());
            t.len() == p.len()
                && t.iter().zip(&p).all(|(t, p)| {
                    t == p || (t.starts_with('{') && t.ends_with('}') && !p.is_empty())
                })
        };
        let mut m: Vec<&str> = self
            .0
            .iter()
            .filter(|r| matches(&r.path))
            .map(|r| r.method.as_str())
            .collect();
        m.sort_unstable();
        m.dedup();
        m
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "closedloop",
        description = "The dispatcher of closed-loop transfers (闭环转运调度) over HTTP. \
            Every endpoint is unauthenticated for now: serve it on loopback only. \
            Errors are application/problem+json with a stable `code`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    components(schemas(crate::problem::Problem)),
    tags(
        (name = "service", description = "Health, readiness, metrics and documentation"),
        (name = "travelers", description = "Stored travelers, masked by the app layer's policy"),
        (name = "custody", description = "Loops, incidents and the record"),
        (name = "ledger", description = "The custody ledger's audit"),
        (name = "fleet", description = "Vehicles and crew"),
        (name = "places", description = "Quarantine hotels: listed, read with their ETag, edited with If-Match"),
    )
)]
struct Doc;

/// Mounts `$h…` on `$target` (an app or a scope mounted at `$prefix`) and records each.
macro_rules! mount {
    ($target:expr, $table:expr, $prefix:expr, [$($h:expr),* $(,)?]) => {{
        let target = $target;
        $(
            $table.add($prefix, &$h);
            let target = target.service($h);
        )*
        target
    }};
}

/// Every route of the service, on `app`; the table of what was mounted.
pub fn register<T>(app: UtoipaApp<T>) -> (UtoipaApp<T>, RouteTable)
where
    T: actix_web::dev::ServiceFactory<
            actix_web::dev::ServiceRequest,
            Config = (),
            Error = actix_web::Error,
            InitError = (),
        >,
{
    let mut table = RouteTable::default();
    let app = app.openapi(Doc::openapi());
    let app = mount!(
        app,
        table,
        "",
        [
            service::home,
            service::healthz,
            service::readyz,
            service::metrics
        ]
    );
    let api = mount!(
        scope(API),
        table,
        API,
        [
            service::openapi,
            service::docs,
            data::list_travelers,
            data::traveler_stats,
            data::list_loops,
            data::list_incidents,
            data::record,
            data::ledger_verify,
            fleet::add_vehicle,
            fleet::add_crew,
            places::list_hotels,
            places::get_hotel,
            places::edit_hotel,
        ]
    );
    (app.service(api), table)
}

/// The OpenAPI document and the route table, as the server registers them.
pub fn document() -> (utoipa::openapi::OpenApi, RouteTable) {
    use utoipa_actix_web::AppExt;
    let (app, table) = register(actix_web::App::new().into_utoipa_app());
    let (_, doc) = app.split_for_parts();
    (doc, table)
}
