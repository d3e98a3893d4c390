//! Read-only endpoints over the app layer's listings: travelers (masked), their counts, open
//! loops, incidents (masked), the record and the ledger's audit.

use crate::pages::{self, Page};
use crate::problem::Problem;
use crate::routes::schemas;
use crate::state::State;
use actix_web::get;
use actix_web::web::{Data, Json, Query};
use chrono::{NaiveDate, Utc};
use closedloop_app::Viewer;
use closedloop_app::custody::{self, LoopFilter, LoopRow, RecordReport};
use closedloop_app::incidents::{self, IncidentView};
use closedloop_app::ledger::{self, Verified};
use closedloop_app::travelers::{self, ListTravelers, TravelerView};
use closedloop_store::query::Stats;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// Every reader is anonymous until accounts land: the policy masks every personal field.
const VIEWER: Viewer = Viewer::ANONYMOUS;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TravelersQuery {
    /// Only the travelers of this flight or train number ("CA936", spaces and case ignored).
    arrival: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 500 (default 50).
    limit: Option<u32>,
}

/// Stored travelers, a page at a time, in id order; personal fields masked.
#[utoipa::path(
    tag = "travelers",
    params(TravelersQuery),
    responses(
        (status = 200, body = schemas::TravelerPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/travelers")]
pub async fn list_travelers(
    state: Data<State>,
    q: Query<TravelersQuery>,
) -> Result<Json<Page<TravelerView>>, Problem> {
    let q = q.into_inner();
    let limit = pages::limit(q.limit)?;
    let after = q
        .cursor
        .as_deref()
        .map(|c| pages::decode("travelers", c))
        .transpose()?;
    let req = ListTravelers {
        arrival: q.arrival,
        viewer: VIEWER,
    };
    let rows = state
        .into_inner()
        .run(move |app| travelers::list_travelers(app, &req))
        .await?;
    Ok(Json(pages::page(
        "travelers",
        rows,
        |t| t.id.0,
        after,
        limit,
    )))
}

/// Counts of travelers and arrivals, by destination and by health status.
#[utoipa::path(tag = "travelers", responses((status = 200, body = schemas::Stats)))]
#[get("/travelers/stats")]
pub async fn traveler_stats(state: Data<State>) -> Result<Json<Stats>, Problem> {
    Ok(Json(state.into_inner().run(travelers::stats).await?))
}

#[derive(Deserialize, Serialize, Clone, Copy, Default, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LoopsShown {
    /// Travelers in custody, not yet delivered.
    #[default]
    Open,
    /// Open loops past their trip's planned arrival plus the configured margin.
    Overdue,
    /// Delivered travelers too.
    All,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LoopsQuery {
    /// open (default), overdue or all.
    #[param(inline)]
    filter: Option<LoopsShown>,
    cursor: Option<String>,
    /// Page size, 1 to 500 (default 50).
    limit: Option<u32>,
}

/// Custody loops with the time they began, in traveler id order.
#[utoipa::path(
    tag = "custody",
    params(LoopsQuery),
    responses(
        (status = 200, body = schemas::LoopPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/loops")]
pub async fn list_loops(
    state: Data<State>,
    q: Query<LoopsQuery>,
) -> Result<Json<Page<LoopRow>>, Problem> {
    let q = q.into_inner();
    let limit = pages::limit(q.limit)?;
    let after = q
        .cursor
        .as_deref()
        .map(|c| pages::decode("loops", c))
        .transpose()?;
    let filter = match q.filter.unwrap_or_default() {
        LoopsShown::Open => LoopFilter::Open,
        LoopsShown::Overdue => LoopFilter::Overdue,
        LoopsShown::All => LoopFilter::All,
    };
    let rows = state
        .into_inner()
        .run(move |app| custody::loops(app, filter, Utc::now()))
        .await?;
    Ok(Json(pages::page(
        "loops",
        rows,
        |l| l.traveler.0,
        after,
        limit,
    )))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct IncidentsQuery {
    /// Only the incidents not yet resolved.
    open_only: Option<bool>,
    cursor: Option<String>,
    /// Page size, 1 to 500 (default 50).
    limit: Option<u32>,
}

/// Incidents oldest first, descriptions and resolution notes masked.
#[utoipa::path(
    tag = "custody",
    params(IncidentsQuery),
    responses(
        (status = 200, body = schemas::IncidentPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/incidents")]
pub async fn list_incidents(
    state: Data<State>,
    q: Query<IncidentsQuery>,
) -> Result<Json<Page<IncidentView>>, Problem> {
    let q = q.into_inner();
    let limit = pages::limit(q.limit)?;
    let after = q
        .cursor
        .as_deref()
        .map(|c| pages::decode("incidents", c))
        .transpose()?;
    let open_only = q.open_only.unwrap_or(false);
    let rows = state
        .into_inner()
        .run(move |app| incidents::list(app, open_only, VIEWER))
        .await?;
    Ok(Json(pages::page(
        "incidents",
        rows,
        |i| i.id.0,
        after,
        limit,
    )))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RecordQuery {
    /// First local day (default: the first with a delivery or an incident).
    from: Option<NaiveDate>,
    /// Last local day (default: today).
    to: Option<NaiveDate>,
}

/// The record: batches, person-trips, incidents and staff infections per local day and in
/// total, with the alerts.
#[utoipa::path(
    tag = "custody",
    params(RecordQuery),
    responses(
        (status = 200, body = schemas::Record),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/record")]
pub async fn record(
    state: Data<State>,
    q: Query<RecordQuery>,
) -> Result<Json<RecordReport>, Problem> {
    let RecordQuery { from, to } = q.into_inner();
    let report = state
        .into_inner()
        .run(move |app| custody::record(app, from, to))
        .await?;
    Ok(Json(report))
}

/// The first problem `ledger verify` found.
#[derive(Serialize, ToSchema)]
pub struct VerifyFailure {
    /// ledger_tampered, ledger_state_mismatch, custody_row_added, custody_row_changed, …
    pub code: String,
    pub detail: String,
    pub detail_zh: String,
    pub table: Option<String>,
    pub row: Option<String>,
    pub first_entry: Option<u64>,
}

/// The audit of the whole ledger and of every custody row against it.
#[derive(Serialize, ToSchema)]
pub struct LedgerVerification {
    pub verified: bool,
    pub entries: u64,
    pub heads_checked: Option<usize>,
    /// The tree's root, hex.
    pub root: Option<String>,
    pub signed_size: Option<u64>,
    pub unsigned_tail: Option<u64>,
    /// Custody rows compared with the entries, per table.
    pub custody_rows: BTreeMap<String, usize>,
    /// The signing key as a note verifier key, to compare with the one the office published.
    pub public_key: Option<String>,
    pub failure: Option<VerifyFailure>,
}

impl From<Verified> for LedgerVerification {
    fn from(v: Verified) -> Self {
        let mut out = LedgerVerification {
            verified: false,
            entries: 0,
            heads_checked: None,
            root: None,
            signed_size: None,
            unsigned_tail: None,
            custody_rows: BTreeMap::new(),
            public_key: None,
            failure: None,
        };
        match v {
            Verified::Empty => out.verified = true,
            Verified::Passed {
                summary,
                custody,
                public_key,
                seconds: _,
            } => {
                out.verified = true;
                out.entries = summary.entries;
                out.heads_checked = Some(summary.heads_checked);
                out.root = Some(summary.root.to_hex());
                out.signed_size = Some(summary.signed_size);
                out.unsigned_tail = Some(summary.unsigned_tail);
                out.custody_rows = custody
                    .rows
                    .iter()
                    .map(|(t, n)| (t.name().to_string(), *n))
                    .collect();
                out.public_key = Some(public_key);
            }
            Verified::Failed(f) => {
                out.failure = Some(VerifyFailure {
                    code: f.code().to_string(),
                    detail: f.fault.en.clone(),
                    detail_zh: f.fault.zh.clone(),
                    table: f.table.map(str::to_string),
                    row: f.row.clone(),
                    first_entry: f.first_entry,
                });
            }
        }
        out
    }
}

/// `ledger verify`: every leaf hash, the chain, every signed head, the traveler map and every
/// custody row checked against the entries. A failed audit is an answer (200, `verified`
/// false, the first problem named), not an error of the request.
#[utoipa::path(tag = "ledger", responses((status = 200, body = LedgerVerification)))]
#[get("/ledger/verify")]
pub async fn ledger_verify(state: Data<State>) -> Result<Json<LedgerVerification>, Problem> {
    let v = state
        .into_inner()
        .run(|app| ledger::verify(app, &[]))
        .await?;
    Ok(Json(v.into()))
}
