//! The service's own endpoints: liveness, readiness, metrics, the OpenAPI document, its docs
//! page and the placeholder home page. The pages are built into the binary and load nothing
//! from elsewhere; their one inline script is allowed by its hash in the CSP, nothing else.

use crate::problem::Problem;
use crate::routes::schemas::{Health, Ready};
use crate::state::State;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::web::{Data, Json};
use actix_web::{HttpResponse, get};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// The process is up (it answers); says nothing of the database.
#[utoipa::path(tag = "service", responses((status = 200, body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
    })
}

/// The database answers a query; 503 (problem+json) while it does not.
#[utoipa::path(
    tag = "service",
    responses(
        (status = 200, body = Ready),
        (status = 503, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: Data<State>) -> Result<Json<Ready>, Problem> {
    let backend = state
        .into_inner()
        .run(|app| {
            let store = app.store()?;
            // The smallest real read: the ports table, a handful of rows.
            store.ports()?;
            Ok(store.backend().name())
        })
        .await
        .map_err(|mut p| {
            // Whatever failed, the service is not ready; the code says why.
            p.status = StatusCode::SERVICE_UNAVAILABLE.as_u16();
            p.title = "Service Unavailable".into();
            p
        })?;
    Ok(Json(Ready {
        status: "ready".into(),
        backend: backend.into(),
    }))
}

/// Prometheus metrics: requests and latency by route pattern.
#[utoipa::path(
    tag = "service",
    responses((status = 200, body = String, content_type = "text/plain; version=0.0.4"))
)]
#[get("/metrics")]
pub async fn metrics(state: Data<State>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        ))
        .body(state.metrics.render())
}

/// This document: OpenAPI 3.1, generated from the code.
#[utoipa::path(tag = "service", responses((status = 200, body = Object, content_type = "application/json")))]
#[get("/openapi.json")]
pub async fn openapi(state: Data<State>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(state.openapi.clone())
}

/// A page with an inline script, and the CSP that allows exactly that script.
struct Page {
    html: String,
    csp: String,
}

impl Page {
    fn new(template: &str, script: &str) -> Page {
        let scripts = if script.is_empty() {
            "'none'".to_string()
        } else {
            let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(script));
            format!("'sha256-{hash}'")
        };
        Page {
            html: template.replace("/*SCRIPT*/", script),
            csp: format!(
                "default-src 'none'; script-src {scripts}; style-src 'unsafe-inline'; \
                 connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; \
                 frame-ancestors 'none'"
            ),
        }
    }

    fn respond(&self) -> HttpResponse {
        HttpResponse::Ok()
            .content_type(ContentType::html())
            .insert_header((header::CONTENT_SECURITY_POLICY, self.csp.as_str()))
            .body(self.html.clone())
    }
}

static DOCS: LazyLock<Page> = LazyLock::new(|| {
    Page::new(
        include_str!("../../assets/docs.html"),
        include_str!("../../assets/docs.js"),
    )
});

static HOME: LazyLock<Page> =
    LazyLock::new(|| Page::new(include_str!("../../assets/index.html"), ""));

/// The API's documentation, rendered in the browser from `/api/openapi.json`.
#[utoipa::path(tag = "service", responses((status = 200, body = String, content_type = "text/html")))]
#[get("/docs")]
pub async fn docs() -> HttpResponse {
    DOCS.respond()
}

/// The sign-in page (a placeholder until the faces land: sign in through `POST /api/session`),
/// linking to the API docs.
#[utoipa::path(tag = "service", responses((status = 200, body = String, content_type = "text/html")))]
#[get("/")]
pub async fn home() -> HttpResponse {
    HOME.respond()
}
