//! The routes, registered once for both the server and its OpenAPI document: every handler
//! goes through [`register`], which mounts it with `utoipa_actix_web` (so the document follows
//! the scopes, utoipa#1212) and records in a [`RouteTable`] the method and full path actix
//! serves it at. The tests compare that table, the document and what the server answers.

pub mod audit;
pub mod batches;
pub mod checklists;
pub mod data;
pub mod events;
pub mod fleet;
pub mod imports;
pub mod phone;
pub mod places;
pub mod plans;
pub mod positions;
pub mod report;
pub mod schemas;
pub mod service;
pub mod session;

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
            Sign in with POST /api/session (the `closedloop_session` cookie; send the CSRF token \
            it answers in X-CSRF-Token on every write) or send an `Authorization: Bearer` \
            token; every endpoint checks the caller's role and the objects named, and masks \
            personal data by role. Errors are application/problem+json with a stable `code`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    components(schemas(crate::problem::Problem)),
    tags(
        (name = "service", description = "Health, readiness, metrics and documentation"),
        (name = "travelers", description = "Stored travelers, masked by the app layer's policy"),
        (name = "custody", description = "Loops, incidents and the record"),
        (name = "ledger", description = "The custody ledger's audit"),
        (name = "fleet", description = "Vehicles and crew"),
        (name = "session", description = "Signing in and out; who is calling"),
        (name = "audit", description = "The audit log of unmasked personal data"),
        (name = "reports", description = "The daily report (日通报), as JSON or XLSX, after the ledger verified"),
        (name = "imports", description = "Manifests imported as uploaded files; refused rows kept and corrected"),
        (name = "plans", description = "The day's plan: planned, checked, approved from the version read (ETag / If-Match), re-planned with its diff"),
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
            session::log_in,
            session::who_am_i,
            session::log_out,
            data::list_travelers,
            data::traveler_stats,
            data::list_loops,
            data::list_incidents,
            data::record,
            data::ledger_verify,
            data::read_batch,
            audit::list_audit,
            report::daily,
            fleet::add_vehicle,
            fleet::add_crew,
            places::list_hotels,
            places::get_hotel,
            places::edit_hotel,
            events::stream,
            positions::report,
            positions::latest,
            phone::start_handover,
            phone::handover_code,
            phone::confirm_handover,
            phone::move_batch,
            imports::import,
            imports::rejected,
            imports::fix_row,
            plans::plan_day,
            plans::check_plan,
            plans::approve_plan,
            plans::current_plan,
            plans::replan_day,
            plans::plan_diff,
            plans::edit_batch,
            checklists::complete_checklist,
            checklists::checklist_templates,
            checklists::open_incident,
            checklists::resolve_incident,
            batches::list_batches,
            batches::batch_route,
            batches::hotel_occupancy,
        ]
    );
    (app.service(api), table)
}

/// The OpenAPI document and the route table, as the server registers them.
pub fn document() -> (utoipa::openapi::OpenApi, RouteTable) {
    use utoipa_actix_web::AppExt;
    let (app, table) = register(actix_web::App::new().into_utoipa_app());
    let (_, mut doc) = app.split_for_parts();
    secure(&mut doc);
    (doc, table)
}

/// Declares the two ways to sign in (the session cookie, a bearer token) and marks every
/// operation but the public ones ([`crate::auth::PUBLIC`]) as needing one, answering 401
/// without it and 403 for a role or object not the caller's.
fn secure(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::security::{
        ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
    };
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "session",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            crate::auth::SESSION_COOKIE,
            "Set by POST /api/session (HttpOnly, SameSite=Strict). Writes also send the \
             session's CSRF token in X-CSRF-Token.",
        ))),
    );
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("clt_…")
                .description(Some(
                    "A token for integrations: closedloop users token LOGIN --name NAME",
                ))
                .build(),
        ),
    );
    let problem = |what: &str| {
        ResponseBuilder::new()
            .description(what)
            .content(
                crate::problem::PROBLEM_JSON,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build()
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        let ops = [
            ("GET", &mut item.get),
            ("POST", &mut item.post),
            ("PUT", &mut item.put),
            ("PATCH", &mut item.patch),
            ("DELETE", &mut item.delete),
        ];
        for (method, op) in ops {
            let Some(op) = op else { continue };
            if crate::auth::PUBLIC.contains(&(method, path.as_str())) {
                continue;
            }
            op.security = Some(vec![
                SecurityRequirement::new("session", Vec::<String>::new()),
                SecurityRequirement::new("bearer", Vec::<String>::new()),
            ]);
            let r = &mut op.responses.responses;
            r.entry("401".into()).or_insert_with(|| {
                problem("Not signed in, or the session or token expired or was revoked").into()
            });
            r.entry("403".into()).or_insert_with(|| {
                problem(
                    "The caller's role may not do this, the object is not theirs, or a \
                     cookie-authenticated write lacks the CSRF token",
                )
                .into()
            });
        }
    }
}
