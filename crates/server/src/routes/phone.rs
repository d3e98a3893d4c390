//! The phone's path of custody: a hand-over started by its giver (who shows the six-digit
//! code), its code refreshed, and confirmed by its receiver with that code and the
//! head-count; a batch moved through its gates. Who may do what is the app layer's
//! (`closedloop_app::phone`); every POST takes an `Idempotency-Key`, so a confirmation sent
//! twice over a bad network is recorded once.

use crate::auth::Caller;
use crate::idempotent::{self, IdempotencyKey};
use crate::problem::Problem;
use crate::state::State;
use actix_web::http::StatusCode;
use actix_web::web::{Data, Json, Path};
use actix_web::{HttpResponse, get, post};
use chrono::{DateTime, Utc};
use closedloop_app::handover::CodeShown;
use closedloop_app::parse;
use closedloop_app::phone::HandoverId;
use closedloop_app::phone::{self, Confirm, Start};
use closedloop_app::trips::TripMove;
use closedloop_domain::ids::{BatchId, TravelerId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A hand-over to start.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewHandover {
    /// The crew side's batch: the receiving crew's from port staff, else the giving crew's.
    pub trip: i64,
    /// Crew to crew (a relief vehicle): the receiving crew's batch.
    pub to_trip: Option<i64>,
    /// The giver as `ROLE:ID`; leave it out to give as yourself (only the desk names another).
    pub from: Option<String>,
    /// The receiver as `ROLE:ID` (`crew:5`, `hotel_staff:12`, …).
    pub to: String,
    /// The travelers handed over, by id.
    pub travelers: Vec<i64>,
    /// The head-count planned; by default as many as listed.
    pub expected: Option<i64>,
}

/// What the giver's phone shows.
#[derive(Serialize, ToSchema)]
pub struct Code {
    pub handover: i64,
    /// Six digits; a new one every 30 s.
    pub code: String,
    pub seconds_left: i64,
}

/// Starts a hand-over as its giver.
#[utoipa::path(
    tag = "custody",
    request_body = NewHandover,
    params(("Idempotency-Key" = Option<String>, Header, description = "The same start sent again is answered once")),
    responses(
        (status = 201, body = Code),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/handovers")]
pub async fn start_handover(
    state: Data<State>,
    caller: Caller,
    key: IdempotencyKey,
    body: Json<NewHandover>,
) -> Result<HttpResponse, Problem> {
    let body = body.into_inner();
    let req = Start {
        trip: BatchId(body.trip),
        to_trip: body.to_trip.map(BatchId),
        from: body
            .from
            .as_deref()
            .map(|f| parse::party("from", f))
            .transpose()?,
        to: parse::party("to", &body.to)?,
        travelers: body.travelers.iter().map(|&t| TravelerId(t)).collect(),
        expected: body.expected,
        at: Utc::now(),
    };
    let who = caller.0.clone();
    idempotent::post(
        state.into_inner(),
        caller.key_scope(),
        key,
        "POST /api/handovers",
        &body,
        StatusCode::CREATED,
        move |app| phone::start(app, &who, &req),
    )
    .await
}

/// The code of a started hand-over, now: for its giver.
#[utoipa::path(
    tag = "custody",
    params(("id" = i64, Path, description = "The started hand-over")),
    responses(
        (status = 200, body = Code),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/handovers/{id}/code")]
pub async fn handover_code(
    state: Data<State>,
    caller: Caller,
    id: Path<i64>,
) -> Result<Json<CodeShown>, Problem> {
    let id = HandoverId(id.into_inner());
    let who = caller.0.clone();
    Ok(Json(
        state
            .into_inner()
            .run(move |app| phone::code(app, &who, id, Utc::now()))
            .await?,
    ))
}

/// The receiver's confirmation.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Confirmation {
    /// The six digits on the giver's phone.
    pub code: String,
    /// How many travelers both parties counted.
    pub counted: i64,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// A confirmed hand-over: its ledger entry and each traveler's loop.
#[derive(Serialize, ToSchema)]
pub struct ConfirmedView {
    pub handover: i64,
    pub ledger_seq: i64,
    /// `[{"traveler", "status", "loop"}]`.
    pub travelers: Vec<serde_json::Value>,
}

/// Confirms a hand-over as its receiver: custody moves for every traveler or none.
#[utoipa::path(
    tag = "custody",
    request_body = Confirmation,
    params(
        ("id" = i64, Path, description = "The started hand-over"),
        ("Idempotency-Key" = Option<String>, Header, description = "A confirmation sent again is recorded once"),
    ),
    responses(
        (status = 200, body = ConfirmedView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "Refused by the hand-over rules (wrong code, head-count mismatch, locked, …)"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/handovers/{id}/confirm")]
pub async fn confirm_handover(
    state: Data<State>,
    caller: Caller,
    key: IdempotencyKey,
    id: Path<i64>,
    body: Json<Confirmation>,
) -> Result<HttpResponse, Problem> {
    let id = id.into_inner();
    let body = body.into_inner();
    let req = Confirm {
        handover: HandoverId(id),
        code: body.code.clone(),
        counted: body.counted,
        at: Utc::now(),
        position: body.lat.zip(body.lon),
    };
    let who = caller.0.clone();
    idempotent::post(
        state.into_inner(),
        caller.key_scope(),
        key,
        "POST /api/handovers/{id}/confirm",
        &(id, &body),
        StatusCode::OK,
        move |app| phone::confirm(app, &who, &req),
    )
    .await
}

/// A batch after a gate.
#[derive(Serialize, ToSchema)]
pub struct Moved {
    pub trip: i64,
    /// planned, approved, departed, completed, cancelled.
    pub state: String,
    pub at: DateTime<Utc>,
    pub ledger_seqs: Vec<i64>,
}

/// A batch's gate.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Gate {
    /// The desk approves the batch (its check-lists complete).
    Approve,
    /// Its crew departs with it.
    Depart,
    /// Its crew completes it: every traveler delivered.
    Complete,
}

/// Moves a batch through a gate: the desk approves; its crew (or the desk) departs and
/// completes it. A refusal names every missing check-list item and is in the ledger all the
/// same.
#[utoipa::path(
    tag = "custody",
    params(
        ("id" = i64, Path, description = "The batch"),
        ("gate" = inline(Gate), Path, description = "approve, depart or complete"),
        ("Idempotency-Key" = Option<String>, Header),
    ),
    responses(
        (status = 200, body = Moved),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "Refused by a gate: the missing items are named"),
    )
)]
#[post("/batches/{id}/{gate}")]
pub async fn move_batch(
    state: Data<State>,
    caller: Caller,
    key: IdempotencyKey,
    path: Path<(i64, Gate)>,
) -> Result<HttpResponse, Problem> {
    let (id, gate) = path.into_inner();
    let m = match gate {
        Gate::Approve => TripMove::Approve,
        Gate::Depart => TripMove::Depart,
        Gate::Complete => TripMove::Complete,
    };
    let who = caller.0.clone();
    idempotent::post(
        state.into_inner(),
        caller.key_scope(),
        key,
        "POST /api/batches/{id}/{gate}",
        &(id, gate),
        StatusCode::OK,
        move |app| phone::move_batch(app, &who, BatchId(id), m, Utc::now()),
    )
    .await
}
