//! The day's plan over HTTP: a day document planned (beside the naive baseline), a plan checked,
//! approved into trips from the version read (`If-Match` with the current version's `ETag`,
//! or `If-None-Match: *` for the day's first), read back, re-planned after an event with its
//! diff, and two versions compared. Days are large: bodies have a limit of their own above the
//! JSON one. Planning takes seconds: it runs on the blocking pool like every use case.

use crate::auth::Caller;
use crate::idempotent::{self, IdempotencyKey};
use crate::preconditions::{IfMatch, etag, with_etag};
use crate::problem::Problem;
use crate::routes::imports::read_body;
use crate::state::State;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, ETAG, HeaderValue, IF_MATCH, IF_NONE_MATCH};
use actix_web::web::{Data, Json, Path, Payload, Query};
use actix_web::{HttpRequest, HttpResponse, get, patch, post};
use chrono::NaiveDate;
use closedloop_app::accounts::Action;
use closedloop_app::dayplan::{self, CurrentPlan, PlanDiff};
use closedloop_app::version::{Expect, Version};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};

/// The largest day document (with its plan and event) accepted.
pub const PLAN_LIMIT: usize = 16 * 1024 * 1024;

/// A JSON body of up to [`PLAN_LIMIT`] bytes, of shape `T` (unknown fields refused).
async fn json_body<T: DeserializeOwned>(req: &HttpRequest, payload: Payload) -> Result<T, Problem> {
    let json = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "content_type_not_json",
            "the body must be sent as application/json",
            "请求体须为 application/json",
        ));
    }
    let bytes = read_body(payload, PLAN_LIMIT).await?;
    serde_json::from_slice(&bytes).map_err(|e| {
        let msg = e.to_string();
        if e.is_data() {
            let code = if msg.starts_with("unknown field") {
                "unknown_field"
            } else {
                "invalid_body"
            };
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                code,
                msg.clone(),
                format!("请求体字段有误：{msg}"),
            )
        } else {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                format!("the body is not valid JSON: {msg}"),
                format!("请求体不是有效的 JSON：{msg}"),
            )
        }
    })
}

/// A day to plan.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanBody {
    /// The day document (`closedloop-day/1`, docs/schemas/day.schema.json).
    #[schema(value_type = Object)]
    pub day: serde_json::Value,
    /// Same day, same seed, same plan (default 1).
    pub seed: Option<u64>,
    /// Search for this long instead of a fixed number of iterations (at most 120).
    pub time_limit_seconds: Option<f64>,
    /// Search iterations per origin instead of the default.
    pub iterations: Option<u64>,
}

/// A plan made, beside the naive baseline.
#[derive(Serialize, ToSchema)]
pub struct PlanMade {
    /// The plan document (`closedloop-plan/1`, docs/schemas/plan.schema.json).
    #[schema(value_type = Object)]
    pub plan: serde_json::Value,
    /// trips, vehicle-km, crew-hours, port waits, rides, unplaced.
    #[schema(value_type = Object)]
    pub kpis: serde_json::Value,
    /// The same KPIs of one trip per destination per arrival, first come first served.
    #[schema(value_type = Object)]
    pub baseline: serde_json::Value,
    pub travel: String,
    pub seconds: f64,
}

fn key_header() -> &'static str {
    "Sent again with the same body, the first answer comes back"
}

/// Plans a day: every arrival's travelers into batches, hotels filled, crews and vehicles
/// assigned; with the KPIs of the plan and of the naive baseline. Nothing is stored.
#[utoipa::path(
    tag = "plans",
    request_body = PlanBody,
    params(("Idempotency-Key" = Option<String>, Header, description = key_header())),
    responses(
        (status = 200, body = PlanMade),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json",
            description = "The day document is refused, naming the field"),
    )
)]
#[post("/plans")]
pub async fn plan_day(
    state: Data<State>,
    caller: Caller,
    key: IdempotencyKey,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, Problem> {
    caller.require(Action::PlanDay)?;
    let body: PlanBody = json_body(&req, payload).await?;
    let limit = match body.time_limit_seconds {
        Some(s) if !(s.is_finite() && s > 0.0) => {
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "time_limit_out_of_range",
                "time_limit_seconds must be a positive number",
                "time_limit_seconds 须为正数",
            )
            .at("time_limit_seconds"));
        }
        Some(s) => Some(Duration::from_secs_f64(s.min(1e6))),
        None => None,
    };
    let (day, seed, iterations) = (body.day.clone(), body.seed.unwrap_or(1), body.iterations);
    idempotent::post(
        state.into_inner(),
        caller.key_scope(),
        key,
        "POST /api/plans",
        &body,
        StatusCode::OK,
        move |app| {
            let day = dayplan::day_of(&day)?;
            dayplan::plan(app, &day, seed, limit, iterations)
        },
    )
    .await
}

/// A day and a plan of it.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DayAndPlan {
    #[schema(value_type = Object)]
    pub day: serde_json::Value,
    #[schema(value_type = Object)]
    pub plan: serde_json::Value,
}

/// Every rule a plan breaks.
#[derive(Serialize, ToSchema)]
pub struct Violations {
    /// Each with its rule code, the batch or traveler at fault, and the text in both languages.
    #[schema(value_type = Vec<Object>)]
    pub violations: serde_json::Value,
}

/// Checks a plan against its day with the independent checker: every rule broken, named.
#[utoipa::path(
    tag = "plans",
    request_body = DayAndPlan,
    params(("Idempotency-Key" = Option<String>, Header, description = key_header())),
    responses(
        (status = 200, body = Violations),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/plans/check")]
pub async fn check_plan(
    state: Data<State>,
    caller: Caller,
    key: IdempotencyKey,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, Problem> {
    caller.require(Action::PlanDay)?;
    let body: DayAndPlan = json_body(&req, payload).await?;
    let (day, plan) = (body.day.clone(), body.plan.clone());
    idempotent::post(
        state.into_inner(),
        caller.key_scope(),
        key,
        "POST /api/plans/check",
        &body,
        StatusCode::OK,
        move |app| {
            let day = dayplan::day_of(&day)?;
            let plan = dayplan::plan_of(plan)?;
            dayplan::check(app, &day, &plan)
        },
    )
    .await
}

/// The version an approval was made from: `If-Match` (the current version's `ETag`, or `*`),
/// or `If-None-Match: *` for a day without a plan yet; 428 with neither.
fn basis(req: &HttpRequest) -> Result<Expect, Problem> {
    if let Some(m) = req.headers().get(IF_MATCH) {
        return IfMatch::parse(Some(m.as_bytes())).map(|m| m.0);
    }
    match req.headers().get(IF_NONE_MATCH).map(HeaderValue::as_bytes) {
        Some(b"*") => Ok(Expect::Version(dayplan::version_of(None))),
        Some(_) => Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "if_none_match_invalid",
            "an approval takes If-None-Match: * only (the day has no plan yet)",
            "批准只接受 If-None-Match: *（当日尚无计划）",
        )
        .at("If-None-Match")),
        None => Err(Problem::new(
            StatusCode::PRECONDITION_REQUIRED,
            "precondition_required",
            "send the ETag of the day's current plan in If-Match, or If-None-Match: * for the \
             day's first: approvals name the version they replace",
            "请在 If-Match 中附上当日现行计划的 ETag，首个计划请用 If-None-Match: *：批准须指明所替换的版本",
        )
        .at("If-Match")),
    }
}

/// An approved version (the documented shape of the app's answer).
#[derive(Serialize, ToSchema)]
pub struct ApprovedPlan {
    /// id, service_date, version (1, 2, …), policy, approved_at.
    #[schema(value_type = Object)]
    pub version: serde_json::Value,
    /// Every batch with the trip it became and where it boards.
    #[schema(value_type = Vec<Object>)]
    pub trips: serde_json::Value,
    pub second_transfers: usize,
    /// The plan as approved.
    #[schema(value_type = Object)]
    pub plan: serde_json::Value,
    /// The version's ETag, also in the header.
    pub etag: String,
}

#[derive(Serialize)]
struct Shown {
    #[serde(flatten)]
    current: CurrentPlan,
    etag: String,
}

impl From<CurrentPlan> for Shown {
    fn from(current: CurrentPlan) -> Shown {
        Shown {
            etag: etag(&current.etag),
            current,
        }
    }
}

/// Approves a checked plan as the day's next version and creates its trips, from the version
/// read: `If-Match` with the current version's `ETag` (`If-None-Match: *` for the first).
#[utoipa::path(
    tag = "plans",
    request_body = DayAndPlan,
    params(
        ("If-Match" = Option<String>, Header, description = "The ETag of the day's current plan"),
        ("If-None-Match" = Option<String>, Header, description = "*: the day has no plan yet"),
        ("Idempotency-Key" = Option<String>, Header, description = key_header()),
    ),
    responses(
        (status = 201, body = ApprovedPlan, headers(("ETag" = String))),
        (status = 412, body = Problem, content_type = "application/problem+json",
            description = "Another version was approved since: the current ETag comes back"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json",
            description = "The plan breaks a rule or names a code the store does not know"),
        (status = 428, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/plans/approve")]
pub async fn approve_plan(
    state: Data<State>,
    caller: Caller,
    key: IdempotencyKey,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, Problem> {
    caller.require(Action::PlanDay)?;
    let expect = basis(&req)?;
    let body: DayAndPlan = json_body(&req, payload).await?;
    let (day, plan) = (body.day.clone(), body.plan.clone());
    let made: Arc<OnceLock<Version>> = Arc::default();
    let tag = made.clone();
    let mut r = idempotent::post(
        state.into_inner(),
        caller.key_scope(),
        key,
        "POST /api/plans/approve",
        &body,
        StatusCode::CREATED,
        move |app| {
            let day = dayplan::day_of(&day)?;
            let plan = dayplan::plan_of(plan)?;
            let approved = dayplan::approve(app, &day, &plan, &expect)?;
            let _ = tag.set(approved.etag.clone());
            Ok(Shown::from(approved))
        },
    )
    .await?;
    // A replay's answer carries the ETag in its body; the first one in the header too.
    if let Some(v) = made.get()
        && let Ok(h) = HeaderValue::from_str(&etag(v))
    {
        r.headers_mut().insert(ETAG, h);
    }
    Ok(r)
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// A version of the day's plan instead of the current one.
    version: Option<i64>,
}

/// The day's current plan version (or the one asked for) with its trips and the plan; its
/// `ETag` is what an approval sends back in `If-Match`.
#[utoipa::path(
    tag = "plans",
    params(("date" = String, Path, description = "The service day, YYYY-MM-DD"), VersionQuery),
    responses(
        (status = 200, body = ApprovedPlan, headers(("ETag" = String))),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/plans/{date}")]
pub async fn current_plan(
    state: Data<State>,
    caller: Caller,
    date: Path<NaiveDate>,
    q: Query<VersionQuery>,
) -> Result<HttpResponse, Problem> {
    caller.require(Action::ReadPlans)?;
    let (date, version) = (date.into_inner(), q.into_inner().version);
    let found = state
        .into_inner()
        .run(move |app| dayplan::approved(app, date, version))
        .await?;
    let mut r = HttpResponse::Ok();
    with_etag(&mut r, &found.etag);
    Ok(r.json(Shown::from(found)))
}

/// A plan repaired after an event.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplanBody {
    #[schema(value_type = Object)]
    pub day: serde_json::Value,
    /// The published plan.
    #[schema(value_type = Object)]
    pub plan: serde_json::Value,
    /// `closedloop-event/1`: an arrival moved, travelers added or removed, a traveler
    /// symptomatic, a vehicle breakdown, a crew member unavailable, a hotel closed.
    #[schema(value_type = Object)]
    pub event: serde_json::Value,
    /// Batches departing within this many minutes of the event are kept (default 30).
    pub freeze_minutes: Option<u32>,
    pub seed: Option<u64>,
}

/// The re-planned plan (the documented shape).
#[derive(Serialize, ToSchema)]
pub struct Replanned {
    #[schema(value_type = Object)]
    pub plan: serde_json::Value,
    /// The day after the event: approve the new plan against it.
    #[schema(value_type = Object)]
    pub day: serde_json::Value,
    pub event: String,
    pub pinned: usize,
    pub chosen: String,
    pub changed: usize,
    #[schema(value_type = Object)]
    pub kpis: serde_json::Value,
    /// Who moved where, and why.
    #[schema(value_type = Object)]
    pub diff: serde_json::Value,
    pub seconds: f64,
}

/// Re-plans after an event: departed batches and those within the freeze are pinned, every
/// change to the published plan costs the policy's penalty; the new plan, the day after the
/// event and the diff. Nothing is stored: approve the new plan to publish it.
#[utoipa::path(
    tag = "plans",
    request_body = ReplanBody,
    params(("Idempotency-Key" = Option<String>, Header, description = key_header())),
    responses(
        (status = 200, body = Replanned),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/plans/replan")]
pub async fn replan_day(
    state: Data<State>,
    caller: Caller,
    key: IdempotencyKey,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, Problem> {
    caller.require(Action::PlanDay)?;
    let body: ReplanBody = json_body(&req, payload).await?;
    let (day, plan, event) = (body.day.clone(), body.plan.clone(), body.event.clone());
    let (freeze, seed) = (body.freeze_minutes.unwrap_or(30), body.seed.unwrap_or(1));
    idempotent::post(
        state.into_inner(),
        caller.key_scope(),
        key,
        "POST /api/plans/replan",
        &body,
        StatusCode::OK,
        move |app| {
            let day = dayplan::day_of(&day)?;
            let plan = dayplan::plan_of(plan)?;
            let event = dayplan::event_of(&event)?;
            dayplan::replan(app, &day, &plan, &event, freeze, seed)
        },
    )
    .await
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// The earlier version.
    from: i64,
    /// The later version.
    to: i64,
}

/// What changed between two approved versions of the day's plan: who moved where, and why.
#[utoipa::path(
    tag = "plans",
    params(("date" = String, Path, description = "The service day, YYYY-MM-DD"), DiffQuery),
    responses(
        (status = 200, body = Object),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/plans/{date}/diff")]
pub async fn plan_diff(
    state: Data<State>,
    caller: Caller,
    date: Path<NaiveDate>,
    q: Query<DiffQuery>,
) -> Result<Json<PlanDiff>, Problem> {
    caller.require(Action::ReadPlans)?;
    let (date, DiffQuery { from, to }) = (date.into_inner(), q.into_inner());
    let d = state
        .into_inner()
        .run(move |app| dayplan::diff(app, date, from, to))
        .await?;
    Ok(Json(d))
}

/// What the desk changes of a planned batch: at least one field.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchChange {
    /// Another vehicle (its id): the riders must fit its seats.
    pub vehicle: Option<i64>,
    /// Another crew (ids), replacing the whole crew.
    pub crew: Option<Vec<i64>>,
    /// Another departure time (RFC 3339).
    pub depart_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Another arrival time, no earlier than the departure.
    pub arrive_by: Option<chrono::DateTime<chrono::Utc>>,
}

/// Changes a planned batch (not yet approved) from the version read: `If-Match` with the
/// `ETag` of `GET /api/batches/{id}` is required. An approved batch changes by a re-plan.
#[utoipa::path(
    tag = "plans",
    params(
        ("id" = i64, Path, description = "The batch (trip) id"),
        ("If-Match" = String, Header, description = "The ETag the batch was read with"),
    ),
    request_body = BatchChange,
    responses(
        (status = 200, body = crate::routes::data::Batch, headers(("ETag" = String))),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "The batch is no longer planned, or the change breaks a plan rule"),
        (status = 412, body = Problem, content_type = "application/problem+json",
            description = "The batch changed since that version: the current ETag comes back"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 428, body = Problem, content_type = "application/problem+json",
            description = "No If-Match"),
    )
)]
#[patch("/batches/{id}")]
pub async fn edit_batch(
    state: Data<State>,
    caller: Caller,
    id: Path<i64>,
    if_match: IfMatch,
    body: Json<BatchChange>,
) -> Result<HttpResponse, Problem> {
    caller.require(Action::EditBatch)?;
    let BatchChange {
        vehicle,
        crew,
        depart_at,
        arrive_by,
    } = body.into_inner();
    let change = closedloop_app::batch_edit::BatchChange {
        vehicle,
        crew,
        depart_at,
        arrive_by,
    };
    let (caller, id) = (caller.0, id.into_inner());
    let view = state
        .into_inner()
        .run(move |app| {
            closedloop_app::batch_edit::edit_batch(app, &caller, id, &change, &if_match.0)
        })
        .await?;
    let mut r = HttpResponse::Ok();
    with_etag(&mut r, &closedloop_app::batch_edit::batch_version(&view));
    Ok(r.json(view))
}
