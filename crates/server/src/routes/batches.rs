//! Batches for the phones and the wall: the caller's batches a page at a time, one batch's
//! route as GeoJSON, and a hotel's rooms taken per night. The object rules are the app
//! layer's (`closedloop_app::batches`): a crew sees the batches it crews, hotel staff their
//! hotel's, port staff their port's.

use crate::auth::Caller;
use crate::pages::{self, Page};
use crate::problem::Problem;
use crate::state::State;
use actix_web::get;
use actix_web::web::{Data, Json, Path, Query};
use chrono::{NaiveDate, NaiveDateTime, Utc};
use closedloop_app::batches::{self, BatchFilter, BatchSummary, Occupancy};
use closedloop_domain::batch::BatchState;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

/// The batch states a list may be filtered by.
#[derive(Deserialize, Serialize, Clone, Copy, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StateShown {
    Planned,
    Approved,
    Departed,
    Completed,
    Cancelled,
}

impl From<StateShown> for BatchState {
    fn from(s: StateShown) -> BatchState {
        match s {
            StateShown::Planned => BatchState::Planned,
            StateShown::Approved => BatchState::Approved,
            StateShown::Departed => BatchState::Departed,
            StateShown::Completed => BatchState::Completed,
            StateShown::Cancelled => BatchState::Cancelled,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BatchesQuery {
    /// Only batches in this state.
    #[param(inline)]
    state: Option<StateShown>,
    /// Only batches departing on this local day (YYYY-MM-DD).
    date: Option<NaiveDate>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 500 (default 50).
    limit: Option<u32>,
}

/// A place: port, hotel or hospital.
#[derive(Serialize, ToSchema)]
pub struct Place {
    /// port, hotel or hospital.
    pub kind: String,
    pub id: i64,
    pub code: String,
    pub name_en: String,
    pub name_zh: String,
}

/// One stop of a listed batch.
#[derive(Serialize, ToSchema)]
pub struct StopSummary {
    pub destination: Option<i64>,
    pub travelers: Vec<i64>,
    /// `null` for homes (personal data) and stops whose place the desk did not name.
    pub place: Option<Place>,
    /// The planned arrival (the batch's, at its last stop); `null` where none is kept.
    pub eta: Option<NaiveDateTime>,
    /// Travelers planned to get off here.
    pub planned: usize,
    /// Of those, handed over by the crew.
    pub handed_over: usize,
}

/// A batch as lists show it: the fields of `GET /api/batches/{id}` and code, plate, origin.
#[derive(Serialize, ToSchema)]
pub struct BatchListed {
    pub id: i64,
    /// The approved plan's batch code; `null` for a batch planned by hand.
    pub code: Option<String>,
    /// planned, approved, departed, completed, cancelled.
    pub state: String,
    pub vehicle: i64,
    pub plate: String,
    pub port: i64,
    pub origin_hotel: Option<i64>,
    pub origin: Option<Place>,
    /// The departure (planned until it departs).
    pub started_at: NaiveDateTime,
    pub ended_at: NaiveDateTime,
    pub planned_arrival: Option<NaiveDateTime>,
    pub crew: Vec<i64>,
    pub stops: Vec<StopSummary>,
}

/// One page of batches, in id order.
#[derive(Serialize, ToSchema)]
pub struct BatchPage {
    pub items: Vec<BatchListed>,
    pub next_cursor: Option<String>,
}

/// The caller's batches (a driver or escort: those they crew; hotel staff: those bound for or
/// leaving their hotel; port staff: those boarding at their port; desks, commanders, auditors
/// and administrators: all), a page at a time in id order.
#[utoipa::path(
    tag = "custody",
    params(BatchesQuery),
    responses(
        (status = 200, body = BatchPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/batches")]
pub async fn list_batches(
    state: Data<State>,
    caller: Caller,
    q: Query<BatchesQuery>,
) -> Result<Json<Page<BatchSummary>>, Problem> {
    let caller = caller.0;
    let q = q.into_inner();
    let limit = pages::limit(q.limit)?;
    let after = q
        .cursor
        .as_deref()
        .map(|c| pages::decode("batches", c))
        .transpose()?;
    let filter = BatchFilter {
        state: q.state.map(BatchState::from),
        date: q.date,
    };
    let rows = state
        .into_inner()
        // One more than a page: whether another follows.
        .run(move |app| batches::list(app, &caller, &filter, after, limit + 1))
        .await?;
    Ok(Json(pages::page("batches", rows, |b| b.id, after, limit)))
}

/// A leg's time and length, to the place it ends at.
#[derive(Serialize, ToSchema)]
pub struct RouteLeg {
    pub to: Place,
    pub seconds: f64,
    pub metres: f64,
}

/// The properties of a route Feature.
#[derive(Serialize, ToSchema)]
pub struct RouteProperties {
    pub batch: i64,
    pub origin: Place,
    pub legs: Vec<RouteLeg>,
    pub seconds: f64,
    pub metres: f64,
    /// osrm, road_network or straight_line: the travel model that answered.
    pub model: String,
}

/// `{"type": "LineString", "coordinates": [[lon, lat], …]}`.
#[derive(Serialize, ToSchema)]
pub struct LineString {
    /// LineString.
    #[serde(rename = "type")]
    pub kind: String,
    pub coordinates: Vec<[f64; 2]>,
}

/// A GeoJSON Feature (RFC 7946).
#[derive(Serialize, ToSchema)]
pub struct RouteFeature {
    /// Feature.
    #[serde(rename = "type")]
    pub kind: String,
    pub geometry: LineString,
    pub properties: RouteProperties,
}

/// A batch's route over the travel model in force (an OSRM server, the extract's road
/// network, else straight lines), from its origin through its stops — homes left out, their
/// position being personal data —, as a GeoJSON Feature with each leg's seconds and metres.
#[utoipa::path(
    tag = "custody",
    params(("id" = i64, Path, description = "The batch (trip) id")),
    responses(
        (status = 200, body = RouteFeature, content_type = "application/geo+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json",
            description = "A place off the road network, or unreachable"),
    )
)]
#[get("/batches/{id}/route")]
pub async fn batch_route(
    state: Data<State>,
    caller: Caller,
    id: Path<i64>,
) -> Result<actix_web::HttpResponse, Problem> {
    let (caller, id) = (caller.0, id.into_inner());
    let r = state
        .into_inner()
        .run(move |app| batches::route(app, &caller, id))
        .await?;
    let seconds: f64 = r.legs.iter().map(|l| l.seconds).sum();
    let metres: f64 = r.legs.iter().map(|l| l.metres).sum();
    let feature: Value = json!({
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": r.coordinates},
        "properties": {
            "batch": r.batch, "origin": r.origin, "legs": r.legs,
            "seconds": seconds, "metres": metres, "model": r.model,
        },
    });
    Ok(actix_web::HttpResponse::Ok()
        .content_type("application/geo+json")
        .json(feature))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OccupancyQuery {
    /// The first night (default: today, local).
    from: Option<NaiveDate>,
    /// The last night (default: 13 nights after `from`).
    to: Option<NaiveDate>,
}

/// One night at a hotel.
#[derive(Serialize, ToSchema)]
pub struct Night {
    pub date: NaiveDate,
    /// Rooms taken (a family group shares one).
    pub rooms_taken: u32,
    /// Of those, accessible rooms (a wheelchair user's).
    pub accessible_taken: u32,
    pub rooms: i64,
    pub accessible_rooms: i64,
    pub travelers: u32,
}

/// A hotel's nights.
#[derive(Serialize, ToSchema)]
pub struct HotelOccupancy {
    pub hotel: String,
    pub rooms: i64,
    pub accessible_rooms: i64,
    pub nights: Vec<Night>,
}

/// The rooms taken at a hotel each night, against its rooms and accessible rooms: every
/// traveler bound for it or handed over to it stays from the day they arrive there for the
/// hotel days of the policy of their arrival, until a batch from the hotel takes them away.
/// Hotel staff read only their own hotel.
#[utoipa::path(
    tag = "places",
    params(
        ("code" = String, Path, description = "The hotel's code"),
        OccupancyQuery,
    ),
    responses(
        (status = 200, body = HotelOccupancy),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/hotels/{code}/occupancy")]
pub async fn hotel_occupancy(
    state: Data<State>,
    caller: Caller,
    code: Path<String>,
    q: Query<OccupancyQuery>,
) -> Result<Json<Occupancy>, Problem> {
    let (caller, code, q) = (caller.0, code.into_inner(), q.into_inner());
    let o = state
        .into_inner()
        .run(move |app| {
            let today = app.config.handover.gates.local_day(Utc::now());
            let from = q.from.unwrap_or(today);
            let to = q.to.unwrap_or(from + chrono::TimeDelta::days(13));
            batches::occupancy(app, &caller, &code, from, to)
        })
        .await?;
    Ok(Json(o))
}
