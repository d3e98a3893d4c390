//! Read-only endpoints over the app layer's listings: travelers, their counts, open loops,
//! incidents, batches, the record and the ledger's audit. Each takes the caller: the app layer
//! checks the role, narrows the objects to the caller's (a driver's batches, a hotel's
//! travelers) and masks personal fields for the role; an answer that shows a personal field
//! unmasked is written to the audit log before it is sent.

use crate::auth::Caller;
use crate::pages::{self, Page};
use crate::problem::Problem;
use crate::routes::schemas;
use crate::state::State;
use actix_web::get;
use actix_web::web::{Data, Json, Path, Query};
use chrono::{NaiveDate, Utc};
use closedloop_app::accounts::{self, Action, BatchView, audit};
use closedloop_app::custody::{self, LoopFilter, LoopRow, RecordReport};
use closedloop_app::incidents::IncidentView;
use closedloop_app::ledger::{self, Verified};
use closedloop_app::travelers::{self, TravelerView};
use closedloop_store::query::Stats;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

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

/// The travelers the caller may see (a driver: their batches'; hotel staff: their hotel's;
/// port staff: their port's), a page at a time in id order, personal fields masked for the
/// caller's role.
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
    caller: Caller,
    q: Query<TravelersQuery>,
) -> Result<Json<Page<TravelerView>>, Problem> {
    caller.require(Action::ListTravelers)?;
    let caller = caller.0;
    let q = q.into_inner();
    let limit = pages::limit(q.limit)?;
    let after = q
        .cursor
        .as_deref()
        .map(|c| pages::decode("travelers", c))
        .transpose()?;
    let page = state
        .into_inner()
        .run(move |app| {
            let rows = accounts::rules::list_travelers(app, &caller, q.arrival)?;
            let page = pages::page("travelers", rows, |t| t.id.0, after, limit);
            audit::travelers_read(app, &caller, "GET /api/travelers", &page.items, Utc::now())?;
            Ok(page)
        })
        .await?;
    Ok(Json(page))
}

/// Counts of travelers and arrivals, by destination and by health status.
#[utoipa::path(tag = "travelers", responses((status = 200, body = schemas::Stats)))]
#[get("/travelers/stats")]
pub async fn traveler_stats(state: Data<State>, caller: Caller) -> Result<Json<Stats>, Problem> {
    caller.require(Action::TravelerStats)?;
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

/// The custody loops of the travelers the caller may see, with the time they began, in
/// traveler id order.
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
    caller: Caller,
    q: Query<LoopsQuery>,
) -> Result<Json<Page<LoopRow>>, Problem> {
    caller.require(Action::ListLoops)?;
    let caller = caller.0;
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
        .run(move |app| accounts::rules::list_loops(app, &caller, filter, Utc::now()))
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

/// The incidents the caller may see (of their batches, naming their travelers or them),
/// oldest first, descriptions and resolution notes masked unless their role reads them.
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
    caller: Caller,
    q: Query<IncidentsQuery>,
) -> Result<Json<Page<IncidentView>>, Problem> {
    caller.require(Action::ListIncidents)?;
    let caller = caller.0;
    let q = q.into_inner();
    let limit = pages::limit(q.limit)?;
    let after = q
        .cursor
        .as_deref()
        .map(|c| pages::decode("incidents", c))
        .transpose()?;
    let open_only = q.open_only.unwrap_or(false);
    let page = state
        .into_inner()
        .run(move |app| {
            let rows = accounts::rules::list_incidents(app, &caller, open_only)?;
            let page = pages::page("incidents", rows, |i| i.id.0, after, limit);
            audit::incidents_read(app, &caller, "GET /api/incidents", &page.items, Utc::now())?;
            Ok(page)
        })
        .await?;
    Ok(Json(page))
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
    caller: Caller,
    q: Query<RecordQuery>,
) -> Result<Json<RecordReport>, Problem> {
    caller.require(Action::Record)?;
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
pub async fn ledger_verify(
    state: Data<State>,
    caller: Caller,
) -> Result<Json<LedgerVerification>, Problem> {
    caller.require(Action::LedgerVerify)?;
    let v = state
        .into_inner()
        .run(|app| ledger::verify(app, &[]))
        .await?;
    Ok(Json(v.into()))
}

/// One stop of a batch.
#[derive(Serialize, ToSchema)]
pub struct BatchStop {
    /// The destination its receiver's hand-over names, when the desk said.
    pub destination: Option<i64>,
    pub travelers: Vec<i64>,
}

/// A batch (trip): vehicle, crew, stops with their travelers by id; no personal data.
#[derive(Serialize, ToSchema)]
pub struct Batch {
    pub id: i64,
    /// planned, approved, departed, completed, …
    pub state: String,
    pub vehicle: i64,
    /// The port it boards at; for a second transfer, the port its vehicle is based at.
    pub port: i64,
    /// The hotel it boards at, for a second transfer.
    pub origin_hotel: Option<i64>,
    pub started_at: chrono::NaiveDateTime,
    pub ended_at: chrono::NaiveDateTime,
    pub planned_arrival: Option<chrono::NaiveDateTime>,
    pub crew: Vec<i64>,
    pub stops: Vec<BatchStop>,
}

/// One batch, if it is the caller's: a driver or escort reads the batches they crew, hotel
/// staff those bound for or leaving their hotel, port staff those boarding at their port;
/// desks, commanders, auditors and administrators read any (403 otherwise, 404 if none).
#[utoipa::path(
    tag = "custody",
    params(("id" = i64, Path, description = "The batch (trip) id")),
    responses(
        (status = 200, body = Batch, headers(("ETag" = String,
            description = "The batch's version: send it in If-Match to edit it"))),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/batches/{id}")]
pub async fn read_batch(
    state: Data<State>,
    caller: Caller,
    id: Path<i64>,
) -> Result<actix_web::HttpResponse, Problem> {
    caller.require(Action::ReadBatch)?;
    let (caller, id) = (caller.0, id.into_inner());
    let batch: BatchView = state
        .into_inner()
        .run(move |app| accounts::rules::read_batch(app, &caller, id))
        .await?;
    let mut r = actix_web::HttpResponse::Ok();
    crate::preconditions::with_etag(&mut r, &closedloop_app::batch_edit::batch_version(&batch));
    Ok(r.json(batch))
}
