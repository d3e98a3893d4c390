//! The first writes: vehicles and crew members added, by dispatchers and administrators
//! (the caller's role is checked before the body is read). Bodies are JSON with unknown fields
//! refused; what the app layer refuses comes back with its code and field. Each POST takes an
//! `Idempotency-Key` ([`crate::idempotent`]).

use crate::auth::Caller;
use crate::idempotent::{self, IdempotencyKey};
use crate::problem::Problem;
use crate::routes::schemas::Created;
use crate::state::State;
use actix_web::http::StatusCode;
use actix_web::web::{Data, Json};
use actix_web::{HttpResponse, post};
use closedloop_app::accounts::Action;
use closedloop_app::trips::{self, AddCrew, AddVehicle};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A transfer vehicle.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVehicle {
    /// The plate, as painted.
    pub plate: String,
    /// Passenger seats, 1 to 100.
    pub seats: i64,
}

/// Adds a vehicle to the fleet.
#[utoipa::path(
    tag = "fleet",
    request_body = NewVehicle,
    params(
        ("Idempotency-Key" = Option<String>, Header,
            description = "Sent again with the same body, the first answer comes back and nothing is written twice"),
    ),
    responses(
        (status = 201, body = Created),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "Already stored, or the first request with this Idempotency-Key is still running"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json",
            description = "Refused by the rules, or the Idempotency-Key was used with another body"),
    )
)]
#[post("/vehicles")]
pub async fn add_vehicle(
    state: Data<State>,
    caller: Caller,
    key: IdempotencyKey,
    body: Json<NewVehicle>,
) -> Result<HttpResponse, Problem> {
    caller.require(Action::AddVehicle)?;
    let body = body.into_inner();
    let req = AddVehicle {
        plate: body.plate.clone(),
        seats: body.seats,
    };
    idempotent::post(
        state.into_inner(),
        caller.key_scope(),
        key,
        "POST /api/vehicles",
        &body,
        StatusCode::CREATED,
        move |app| trips::add_vehicle(app, &req).map(|id| Created { id: id.0 }),
    )
    .await
}

/// A driver, escort or other crew member.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCrew {
    pub staff_no: String,
    pub name: String,
    /// driver, escort, …
    pub role: String,
}

/// Adds a crew member.
#[utoipa::path(
    tag = "fleet",
    request_body = NewCrew,
    params(
        ("Idempotency-Key" = Option<String>, Header,
            description = "Sent again with the same body, the first answer comes back and nothing is written twice"),
    ),
    responses(
        (status = 201, body = Created),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "Already stored, or the first request with this Idempotency-Key is still running"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json",
            description = "Refused by the rules, or the Idempotency-Key was used with another body"),
    )
)]
#[post("/crew")]
pub async fn add_crew(
    state: Data<State>,
    caller: Caller,
    key: IdempotencyKey,
    body: Json<NewCrew>,
) -> Result<HttpResponse, Problem> {
    caller.require(Action::AddCrew)?;
    let body = body.into_inner();
    let req = AddCrew {
        staff_no: body.staff_no.clone(),
        name: body.name.clone(),
        role: body.role.clone(),
    };
    idempotent::post(
        state.into_inner(),
        caller.key_scope(),
        key,
        "POST /api/crew",
        &body,
        StatusCode::CREATED,
        move |app| trips::add_crew(app, &req).map(|id| Created { id: id.0 }),
    )
    .await
}
