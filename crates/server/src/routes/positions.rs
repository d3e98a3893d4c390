//! Vehicle positions: the crews' phones report GPS fixes in batches (sent again after a bad
//! network: a fix already stored is skipped, and an `Idempotency-Key` replays the answer), and
//! the live map reads each vehicle's latest position.

use crate::auth::Caller;
use crate::idempotent::{self, IdempotencyKey};
use crate::pages::{self, Page};
use crate::problem::Problem;
use crate::state::State;
use actix_web::http::StatusCode;
use actix_web::web::{Data, Json, Query};
use actix_web::{HttpResponse, get, post};
use chrono::{DateTime, Utc};
use closedloop_app::positions::{self, Fix, Position, ReportPositions};
use closedloop_domain::ids::{BatchId, VehicleId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// One GPS fix.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FixBody {
    /// When the phone took it (RFC 3339).
    pub at: DateTime<Utc>,
    pub lat: f64,
    pub lon: f64,
    pub speed_kmh: Option<f64>,
    pub heading_deg: Option<f64>,
    pub accuracy_m: Option<f64>,
}

/// A batch of fixes of one vehicle.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PositionReport {
    pub vehicle: i64,
    /// The batch (trip) the vehicle is on; required of crew members.
    pub trip: Option<i64>,
    /// 1 to 1,000 fixes, any order.
    pub fixes: Vec<FixBody>,
}

/// What a report stored.
#[derive(Serialize, ToSchema)]
pub struct Reported {
    /// Fixes in the report.
    pub received: usize,
    /// Of those, new (the rest were stored already).
    pub stored: usize,
}

/// Reports a batch of GPS fixes of a vehicle.
#[utoipa::path(
    tag = "fleet",
    request_body = PositionReport,
    params(
        ("Idempotency-Key" = Option<String>, Header,
            description = "Sent again with the same body, the first answer comes back"),
    ),
    responses(
        (status = 200, body = Reported),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/positions")]
pub async fn report(
    state: Data<State>,
    caller: Caller,
    key: IdempotencyKey,
    body: Json<PositionReport>,
) -> Result<HttpResponse, Problem> {
    let body = body.into_inner();
    let req = ReportPositions {
        vehicle: VehicleId(body.vehicle),
        trip: body.trip.map(BatchId),
        fixes: body
            .fixes
            .iter()
            .map(|f| Fix {
                at: f.at,
                lat: f.lat,
                lon: f.lon,
                speed_kmh: f.speed_kmh,
                heading_deg: f.heading_deg,
                accuracy_m: f.accuracy_m,
            })
            .collect(),
        received_at: Utc::now(),
    };
    let who = caller.0.clone();
    idempotent::post(
        state.into_inner(),
        caller.key_scope(),
        key,
        "POST /api/positions",
        &body,
        StatusCode::OK,
        move |app| positions::report_as(app, &who, &req),
    )
    .await
}

/// A vehicle's latest position (the documented shape of the app layer's `Position`).
#[derive(Serialize, ToSchema)]
pub struct PositionView {
    /// The position's id: positions are numbered in the order they were stored.
    pub id: i64,
    pub vehicle: i64,
    pub trip: Option<i64>,
    pub at: DateTime<Utc>,
    pub lat: f64,
    pub lon: f64,
    pub speed_kmh: Option<f64>,
    pub heading_deg: Option<f64>,
    pub accuracy_m: Option<f64>,
}

/// One page of latest positions, by vehicle id.
#[derive(Serialize, ToSchema)]
pub struct PositionPage {
    pub items: Vec<PositionView>,
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PositionsQuery {
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 500 (default 50).
    limit: Option<u32>,
}

/// The latest position of every vehicle that reported one.
#[utoipa::path(
    tag = "fleet",
    params(PositionsQuery),
    responses(
        (status = 200, body = PositionPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/positions")]
pub async fn latest(
    state: Data<State>,
    caller: Caller,
    q: Query<PositionsQuery>,
) -> Result<Json<Page<Position>>, Problem> {
    let q = q.into_inner();
    let limit = pages::limit(q.limit)?;
    let after = q
        .cursor
        .as_deref()
        .map(|c| pages::decode("positions", c))
        .transpose()?;
    let who = caller.0.clone();
    let rows = state
        .into_inner()
        .run(move |app| positions::latest_as(app, &who))
        .await?;
    Ok(Json(pages::page(
        "positions",
        rows,
        |p| p.vehicle,
        after,
        limit,
    )))
}
