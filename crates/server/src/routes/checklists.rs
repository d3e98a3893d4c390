//! What a phone writes besides hand-overs: check-lists completed (with the templates in force,
//! so the phone can render the form) and incidents opened; the desk and the command centre
//! resolve incidents. Who may do what on which object is the app layer's
//! (`closedloop_app::field`); every POST takes an `Idempotency-Key`, so a check-list or an
//! incident sent twice over a bad network is recorded once.

use crate::auth::Caller;
use crate::idempotent::{self, IdempotencyKey};
use crate::problem::Problem;
use crate::routes::schemas::Created;
use crate::state::State;
use actix_web::http::{StatusCode, header};
use actix_web::web::{Data, Json, Path};
use actix_web::{HttpRequest, HttpResponse, get, post};
use chrono::{NaiveDate, Utc};
use closedloop_app::checklist::SubjectIds;
use closedloop_app::error::AppError;
use closedloop_app::field::{
    self, ChecklistKind, IncidentId, IncidentKind, PhoneChecklist, Severity, TemplateView,
};
use closedloop_app::incidents::OpenIncident;
use closedloop_domain::Lang;
use closedloop_domain::ids::{BatchId, CrewId, TravelerId, VehicleId};
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use utoipa::ToSchema;

/// A word of a closed vocabulary, or 422 naming the field.
fn word<T: FromStr<Err = closedloop_domain::DomainError>>(
    field: &str,
    text: &str,
) -> Result<T, Problem> {
    text.parse::<T>()
        .map_err(|e| AppError::from(e).with_field(field).into())
}

/// The language of the answer's messages: the first of `Accept-Language` (default English).
fn language(req: &HttpRequest) -> Lang {
    let accept = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    Lang::from_locale(accept.trim_start())
}

/// A completed check-list. Which subject fields a kind needs: pre_trip_training and
/// crew_health `crew` (a crew member's own by default); vehicle_inspection `vehicle` [`day`];
/// sanitation `vehicle` [`trip`, the trip after which]; rotation_handover `vehicle`,
/// `outgoing`, `incoming`; pre_departure_reminder `trip`; personnel_handover `trip` [`stop`].
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewChecklist {
    /// pre_trip_training, rotation_handover, vehicle_inspection, sanitation,
    /// pre_departure_reminder, personnel_handover or crew_health (or their Chinese names).
    pub kind: String,
    pub crew: Option<i64>,
    pub vehicle: Option<i64>,
    /// The day a vehicle inspection is for (default: today, local).
    pub day: Option<NaiveDate>,
    pub trip: Option<i64>,
    /// The stop of a personnel hand-over, from 0.
    pub stop: Option<u32>,
    pub outgoing: Option<Vec<i64>>,
    pub incoming: Option<Vec<i64>>,
    /// The answers by item key: `{"brakes": true, "fuel_level": 80}` or
    /// `{"brakes": {"yes_no": true}}`.
    #[schema(value_type = Object)]
    pub answers: serde_json::Value,
}

/// An item that failed.
#[derive(Serialize, ToSchema)]
pub struct ItemFailed {
    pub item: String,
    #[schema(value_type = Object)]
    pub reason: serde_json::Value,
    /// In the language of `Accept-Language`.
    pub message: String,
}

/// A check-list recorded with its ledger entry, passed or not.
#[derive(Serialize, ToSchema)]
pub struct ChecklistRecorded {
    pub id: i64,
    pub kind: String,
    /// The template version it was evaluated against.
    pub version: String,
    pub passed: bool,
    pub failures: Vec<ItemFailed>,
    pub ledger_seq: i64,
}

/// Completes a check-list, evaluated against the template in force today: a driver or escort
/// for themselves, their own batch (trip, stop) or a vehicle of one of their batches (403
/// otherwise); the desk anything. One that does not pass is recorded all the same (201,
/// `passed` false, every failing item named).
#[utoipa::path(
    tag = "custody",
    request_body = NewChecklist,
    params(("Idempotency-Key" = Option<String>, Header, description = "The same check-list sent again is recorded once")),
    responses(
        (status = 201, body = ChecklistRecorded),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json",
            description = "An unknown kind, a subject incomplete, unreadable answers"),
    )
)]
#[post("/checklists")]
pub async fn complete_checklist(
    state: Data<State>,
    caller: Caller,
    key: IdempotencyKey,
    req: HttpRequest,
    body: Json<NewChecklist>,
) -> Result<HttpResponse, Problem> {
    let body = body.into_inner();
    let ids = |v: &Option<Vec<i64>>| v.iter().flatten().map(|&c| CrewId(c)).collect();
    let phone = PhoneChecklist {
        kind: word::<ChecklistKind>("kind", &body.kind)?,
        subject: SubjectIds {
            crew: body.crew.map(CrewId),
            vehicle: body.vehicle.map(VehicleId),
            day: body.day,
            trip: body.trip.map(BatchId),
            stop: body.stop.unwrap_or(0),
            outgoing: ids(&body.outgoing),
            incoming: ids(&body.incoming),
        },
        answers: body.answers.clone(),
        at: Utc::now(),
    };
    let lang = language(&req);
    let who = caller.0.clone();
    idempotent::post(
        state.into_inner(),
        caller.key_scope(),
        key,
        "POST /api/checklists",
        &body,
        StatusCode::CREATED,
        move |app| field::complete_checklist(app, &who, &phone, lang),
    )
    .await
}

/// One item of a template; its `type`'s limits beside it.
#[derive(Serialize, ToSchema)]
pub struct TemplateItem {
    pub key: String,
    pub label_en: String,
    pub label_zh: String,
    /// An optional item may be left out; an answer given must still pass.
    pub required: bool,
    /// yes_no, number, text or photo.
    #[serde(rename = "type")]
    pub kind: String,
    /// yes_no: the answer that passes, if only one does.
    pub expect: Option<bool>,
    /// number: the limits (both included) and the unit.
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub unit: Option<String>,
    /// text: the fewest characters that pass.
    pub min_chars: Option<u32>,
}

/// The template in force for one kind of check-list.
#[derive(Serialize, ToSchema)]
pub struct ChecklistTemplate {
    pub kind: String,
    /// crew_member, shift_change, vehicle_day, vehicle_after_trip, batch or stop.
    pub subject: String,
    pub version: String,
    pub effective_from: NaiveDate,
    pub title_en: String,
    pub title_zh: String,
    pub items: Vec<TemplateItem>,
}

/// The check-list templates in force today, one per kind, with their items' types, limits
/// and labels in both languages, so a phone renders the form.
#[utoipa::path(
    tag = "custody",
    responses((status = 200, body = Vec<ChecklistTemplate>))
)]
#[get("/checklists/templates")]
pub async fn checklist_templates(
    state: Data<State>,
    caller: Caller,
) -> Result<Json<Vec<TemplateView>>, Problem> {
    let who = caller.0;
    Ok(Json(
        state
            .into_inner()
            .run(move |app| field::templates(app, &who, Utc::now()))
            .await?,
    ))
}

/// An incident as the field reports it.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIncident {
    /// traffic_accident, vehicle_breakdown, symptomatic_en_route, escape_or_refusal,
    /// protection_breach, staff_infection, head_count_mismatch (or their Chinese names).
    pub kind: String,
    /// minor/一般, serious/较大, major/重大 or critical/特别重大.
    pub severity: String,
    /// The batch; the scoped roles name theirs (or travelers of their scope).
    pub trip: Option<i64>,
    /// Default: the batch's vehicle.
    pub vehicle: Option<i64>,
    pub travelers: Option<Vec<i64>>,
    pub crew: Option<Vec<i64>>,
    /// What happened: kept in the database (masked for the roles that may not read it), never
    /// in the ledger.
    pub description: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// Opens an incident, reported by the caller: drivers and escorts on their own batches, hotel
/// and port staff on their batches and travelers, the desk and the command centre on any.
#[utoipa::path(
    tag = "custody",
    request_body = NewIncident,
    params(("Idempotency-Key" = Option<String>, Header, description = "The same report sent again opens one incident")),
    responses(
        (status = 201, body = Created),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/incidents")]
pub async fn open_incident(
    state: Data<State>,
    caller: Caller,
    key: IdempotencyKey,
    body: Json<NewIncident>,
) -> Result<HttpResponse, Problem> {
    let body = body.into_inner();
    let position = match (body.lat, body.lon) {
        (Some(lat), Some(lon)) => Some((lat, lon)),
        (None, None) => None,
        _ => {
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "position_incomplete",
                "send both lat and lon, or neither",
                "lat 与 lon 须同时给出或同时省略",
            )
            .at(if body.lat.is_none() { "lat" } else { "lon" }));
        }
    };
    let req = OpenIncident {
        kind: word::<IncidentKind>("kind", &body.kind)?,
        severity: word::<Severity>("severity", &body.severity)?,
        trip: body.trip.map(BatchId),
        vehicle: body.vehicle.map(VehicleId),
        travelers: body
            .travelers
            .iter()
            .flatten()
            .map(|&t| TravelerId(t))
            .collect(),
        crew: body.crew.iter().flatten().map(|&c| CrewId(c)).collect(),
        description: body.description.clone(),
        at: Utc::now(),
        position,
    };
    let who = caller.0.clone();
    idempotent::post(
        state.into_inner(),
        caller.key_scope(),
        key,
        "POST /api/incidents",
        &body,
        StatusCode::CREATED,
        move |app| field::open_incident(app, &who, &req).map(|id| Created { id: id.0 }),
    )
    .await
}

/// How an incident was resolved.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Resolution {
    /// Kept in the database (masked like descriptions), never in the ledger.
    pub note: String,
}

/// A resolved incident.
#[derive(Serialize, ToSchema)]
pub struct Resolved {
    pub id: i64,
    /// resolved.
    pub status: String,
}

/// Resolves an incident once, with a note (its resolution is in the ledger): the desk, the
/// command centre and administrators.
#[utoipa::path(
    tag = "custody",
    request_body = Resolution,
    params(
        ("id" = i64, Path, description = "The incident"),
        ("Idempotency-Key" = Option<String>, Header),
    ),
    responses(
        (status = 200, body = Resolved),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "Already resolved"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/incidents/{id}/resolve")]
pub async fn resolve_incident(
    state: Data<State>,
    caller: Caller,
    key: IdempotencyKey,
    id: Path<i64>,
    body: Json<Resolution>,
) -> Result<HttpResponse, Problem> {
    let (id, body) = (id.into_inner(), body.into_inner());
    let who = caller.0.clone();
    let note = body.note.clone();
    idempotent::post(
        state.into_inner(),
        caller.key_scope(),
        key,
        "POST /api/incidents/{id}/resolve",
        &(id, &body),
        StatusCode::OK,
        move |app| field::resolve_incident(app, &who, IncidentId(id), &note, Utc::now()),
    )
    .await
}
