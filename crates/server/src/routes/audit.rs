//! `GET /api/audit`: the audit log of answers that carried unmasked personal data, for
//! auditors and administrators, a page at a time in the order the reads happened.

use crate::auth::Caller;
use crate::pages::{self, Page};
use crate::problem::Problem;
use crate::state::State;
use actix_web::get;
use actix_web::web::{Data, Json, Query};
use chrono::NaiveDateTime;
use closedloop_app::accounts::audit::{self, AuditEntry};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 500 (default 50).
    limit: Option<u32>,
}

/// One answer that showed someone personal data unmasked.
#[derive(Serialize, ToSchema)]
pub struct AuditRead {
    pub id: i64,
    /// The account that read.
    pub account: i64,
    pub login: String,
    /// UTC.
    pub at: NaiveDateTime,
    /// `GET /api/travelers`, `GET /api/incidents`, …
    pub endpoint: String,
    /// traveler or incident.
    pub object_kind: String,
    /// The ids of the objects whose personal fields were shown.
    pub objects: Vec<i64>,
    /// name, document, phone, birth_date, address, health, special_needs, family_group,
    /// free_text.
    pub fields: Vec<String>,
}

/// One page of the audit log, oldest first.
#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditRead>,
    pub next_cursor: Option<String>,
}

/// The reads of unmasked personal data: who, when, through which endpoint, which objects and
/// which fields. Auditors and administrators.
#[utoipa::path(
    tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, body = AuditPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit")]
pub async fn list_audit(
    state: Data<State>,
    caller: Caller,
    q: Query<AuditQuery>,
) -> Result<Json<Page<AuditEntry>>, Problem> {
    let q = q.into_inner();
    let limit = pages::limit(q.limit)?;
    let after = q
        .cursor
        .as_deref()
        .map(|c| pages::decode("audit", c))
        .transpose()?;
    let caller = caller.0;
    let rows = state
        .into_inner()
        .run(move |app| audit::list(app, &caller))
        .await?;
    Ok(Json(pages::page("audit", rows, |r| r.id, after, limit)))
}
